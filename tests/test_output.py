"""The guarded writer: safe names, all-or-nothing output, refusal of concurrent builds."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docgen.errors import BuildError
from docgen.output import guarded_output, lock, safe_name

WINDOWS_BAD = set('<>:"/\\|?*')


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("柳州/龙城:重工*?", "柳州_龙城_重工_"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("名称...", "名称"),
        ("  ", "_"),
        ("a\x00b\x1fc", "a_b_c"),
    ],
)
def test_safe_name_examples(name: str, expected: str) -> None:
    assert safe_name(name) == expected


@given(st.text(min_size=0, max_size=300))
def test_safe_name_is_valid_everywhere(name: str) -> None:
    out = safe_name(name)
    assert out
    assert not (set(out) & WINDOWS_BAD)
    assert all(ord(c) >= 32 and c != "\x7f" for c in out)
    assert not out.endswith((".", " "))
    assert len(out.encode("utf-8")) <= 120
    assert out.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}


def test_failed_build_leaves_previous_out_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with guarded_output(out) as w:
        w.write("a.txt", b"old")
    with pytest.raises(RuntimeError), guarded_output(out) as w:
        w.write("a.txt", b"new")
        w.write("b.txt", b"new")
        raise RuntimeError("boom")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "manifest.json"]
    assert (out / "a.txt").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temp folders, no lock


def test_success_replaces_out_completely(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with guarded_output(out) as w:
        w.write("a.txt", b"old")
    with guarded_output(out) as w:
        w.write("sub/b.txt", b"new")
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == ["manifest.json", "sub/b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_same_name_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BuildError), guarded_output(tmp_path / "out") as w:
        w.write("A.pdf", b"1")
        w.write("a.pdf", b"2")
    assert not (tmp_path / "out").exists()


def test_second_build_of_same_out_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with (
        lock(out.absolute()),
        pytest.raises(BuildError, match="另一个 docgen"),
        guarded_output(out),
    ):
        pass
