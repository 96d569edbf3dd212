"""Every sample city round-trips: ``intake export`` then ``intake collect`` gives the same city.

Same data (every field, compared as the typed model: amounts as decimals), the same attachments by
content, the same narrative: character for character, except where the sample's Markdown is not in
the canonical form a Word narrative comes back in (a heading followed by one line break instead of
a blank line); there the text prints the same (the same document blocks).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from docgen.compose.markdown import markdown_blocks
from docgen.intake import collect, export_city
from docgen.intake.findings import SourceMap, translate
from docgen.model import City, load_city

from .conftest import sample_files


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _canonical(text: str) -> str:
    """A blank line after every sub-heading, as the Word narrative is read back."""
    return re.sub(r"^(#{1,6} [^\n]*)\n(?!\n)", r"\1\n\n", text, flags=re.MULTILINE)


def _data(city: City) -> dict:
    data = city.model_dump(mode="python", by_alias=True)
    for app in data["applications"]:
        for section in app["sections"]:
            section["text"] = None
        for att in app["attachments"]:
            att["file"] = None
    return data


@pytest.mark.parametrize("city_file", sample_files(), ids=lambda p: p.parent.name)
def test_export_then_collect_gives_the_same_city(city_file: Path, tmp_path: Path) -> None:
    original = load_city(city_file)
    export_city(original, tmp_path / "forms")
    result = collect(tmp_path / "forms", tmp_path / "city")
    assert result.errors == 0, [f"{f.location}：{f.message}" for f in result.findings]
    assert result.written == tmp_path / "city"
    back = load_city(tmp_path / "city" / "city.json")

    assert _data(back) == _data(original)
    for a, b in zip(original.applications, back.applications, strict=True):
        assert [att.title for att in b.attachments] == [att.title for att in a.attachments]
        assert [_sha(back.base_dir / att.file) for att in b.attachments] == [
            _sha(original.base_dir / att.file) for att in a.attachments
        ]
        for s, t in zip(a.sections, b.sections, strict=True):
            assert t.heading == s.heading
            assert t.text == _canonical(s.text)
            assert markdown_blocks(t.text, "x") == markdown_blocks(s.text, "x")
    # Warnings are those docgen validate gives the original (nothing added by the trip), as
    # intake words them (a JSON path in a message is named by its row of the form).
    assert result.source_map is not None
    expected = _warnings_of(original, result.source_map)
    for f in result.findings:
        assert f.level == "warning" and f.message in expected, f.message


def _warnings_of(city: City, source: SourceMap) -> set[str]:
    from docgen.rules import validate

    return {f.message for f in translate(validate(city), source, None)}


def test_collect_writes_city_json_source_map_and_attachments(tmp_path: Path) -> None:
    city = load_city(Path(sample_files()[1]))  # 450200, the contract example
    export_city(city, tmp_path / "forms")
    collect(tmp_path / "forms", tmp_path / "city")
    out = tmp_path / "city"
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert "city.json" in names and "source-map.json" in names and "manifest.json" in names
    assert "attachments/LZ-E1/license.pdf" in names
    import json

    source = json.loads((out / "source-map.json").read_text(encoding="utf-8"))
    assert source["applications[0].applicant.uscc"] == {
        "file": "LZ-E1/申报信息表.xlsx",
        "sheet": "基本信息",
        "cell": "C7",
    }
    # Collecting again into its own output folder replaces it; the forms are untouched.
    before = {p: _sha(p) for p in (tmp_path / "forms").rglob("*") if p.is_file()}
    again = collect(tmp_path / "forms", out)
    assert again.written == out
    assert {p: _sha(p) for p in (tmp_path / "forms").rglob("*") if p.is_file()} == before
