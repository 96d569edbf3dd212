"""A plain (non-editable) install works anywhere: editions and templates ship in the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT, SAMPLES


def test_wheel_carries_the_editions_and_runs_outside_the_repo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(dist.glob("docgen-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "docgen/templates/gx-2021-3/rules.toml" in names
    assert "docgen/templates/gx-2021-3/form.toml" in names
    assert any(n.endswith("commitment.txt.j2") for n in names)

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import docgen, docgen.edition as e; print(docgen.__file__); print(e.search_path()[-1])",
        ],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert str(target) in where.splitlines()[0]
    assert str(target) in where.splitlines()[1]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "docgen",
            "build",
            str(SAMPLES / "450200" / "city.json"),
            "-o",
            "out",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (work / "out" / "bundle.pdf").exists()
    assert "已生成柳州市" in result.stdout
