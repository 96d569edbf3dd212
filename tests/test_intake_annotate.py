"""``--annotate``: the faulty cells of a copy filled light red with the message as a comment; the
inputs stay byte-identical; docgen replaces only its own unchanged copy."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner

from docgen.cli import main
from docgen.intake import collect

from .test_intake_typing import fill_applicant, intake_dir  # noqa: F401

COPY = "申报信息表（已标注）.xlsx"


def _hashes(folder: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def test_annotated_copy_marks_the_faulty_cells(intake_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    from openpyxl import load_workbook

    fill_applicant(intake_dir / "LZ-E1" / "申报信息表.xlsx", C7="91450200TCULH87WL9", C13="去年")
    before = _hashes(intake_dir)
    result = CliRunner().invoke(
        main, ["intake", "collect", str(intake_dir), "-o", str(tmp_path / "o"), "--annotate"]
    )
    assert result.exit_code == 1, result.output
    copy = intake_dir / "LZ-E1" / COPY
    assert f"已写出标注副本：{copy}" in result.output
    after = _hashes(intake_dir)
    copies = {p for p in after if p.name.endswith("（已标注）.xlsx")}
    assert copies == {copy, intake_dir / "城市信息（已标注）.xlsx"}  # its date was typed as text
    assert {p: h for p, h in after.items() if p not in copies} == before  # inputs untouched
    ws = load_workbook(copy)["基本信息"]
    for ref, says in (("C7", "校验码错误"), ("C13", "“去年”不是日期")):
        cell = ws[ref]
        assert cell.fill.fgColor.rgb.endswith("FFC7CE")
        assert cell.comment is not None and says in cell.comment.text
        assert cell.comment.text.startswith("错误：")
    warned = ws["C6"]  # the name, typed with a non-breaking space: a warning, light yellow
    assert warned.fill.fgColor.rgb.endswith("FFF2CC") and "不间断空格" in warned.comment.text
    assert ws["C12"].comment is None

    # Collecting again replaces docgen's own, unchanged copy.
    again = collect(intake_dir, tmp_path / "o", annotate=True)
    assert copy in again.annotated


def test_a_copy_edited_since_or_not_docgens_is_left_alone(intake_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    from openpyxl import load_workbook

    fill_applicant(intake_dir / "LZ-E1" / "申报信息表.xlsx", C7="91450200TCULH87WL9")
    collect(intake_dir, tmp_path / "o", annotate=True)
    copy = intake_dir / "LZ-E1" / COPY
    wb = load_workbook(copy)  # the applicant corrects the copy and saves it
    wb["基本信息"]["C7"] = "91450200TCULH87WL8"
    wb.save(copy)
    edited = copy.read_bytes()
    result = collect(intake_dir, tmp_path / "o", annotate=True)
    assert copy not in result.annotated and copy.read_bytes() == edited
    notes = [f.message for f in result.findings if f.places and f.places[0].file == f"LZ-E1/{COPY}"]
    assert notes and "被修改过" in notes[0]

    copy.write_bytes(b"the user's own file")
    result = collect(intake_dir, tmp_path / "o", annotate=True)
    assert copy.read_bytes() == b"the user's own file"
    assert any("不是 docgen 生成的" in f.message for f in result.findings)
