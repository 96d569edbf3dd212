"""What docgen prints never acts on the terminal: user text with escape sequences or bidi
controls (a name, a file name) is shown as visible escapes, in every command's output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SAMPLES

HOSTILE = "\x1b]0;pwned\x07柳州\u202e\x9b31m"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "docgen", *args],
        cwd=cwd,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONUTF8": "1"},
    )


def _raw_controls(data: bytes) -> set[str]:
    text = data.decode("utf-8")
    return {
        ch
        for ch in text
        if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e"
    }


@pytest.fixture
def hostile_city(tmp_path: Path) -> Path:
    city = json.loads((SAMPLES / "451400" / "city.json").read_text(encoding="utf-8"))
    city["applications"][0]["applicant"]["name"] = HOSTILE
    city["city"]["bureau"] = HOSTILE
    folder = tmp_path / f"city{HOSTILE[:5]}"
    folder.mkdir()
    (folder / "city.json").write_text(json.dumps(city, ensure_ascii=False), encoding="utf-8")
    for item in (SAMPLES / "451400").iterdir():
        if item.name != "city.json":
            (folder / item.name).symlink_to(item)
    return folder / "city.json"


@pytest.mark.parametrize("command", [["validate"], ["validate", "--json"], ["build"]])
def test_hostile_text_is_escaped_in_every_output(hostile_city: Path, command: list[str]) -> None:
    args = [*command, str(hostile_city)]
    if command == ["build"]:
        args += ["-o", str(hostile_city.parent.parent / "out")]
    result = _run(*args, cwd=hostile_city.parent.parent)
    assert result.returncode == 1
    assert _raw_controls(result.stdout) == set()
    assert _raw_controls(result.stderr) == set()
    shown = (result.stdout + result.stderr).decode("utf-8")
    assert "\\x1b" in shown or "\\u001b" in shown  # visible, not acted on
    if "--json" in command:
        data = json.loads(result.stdout)  # still valid JSON, the same data
        assert any(
            HOSTILE[:4] in f["message"] or "U+001B" in f["message"] for f in data["findings"]
        )
