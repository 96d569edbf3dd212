"""A city subtype's indicators in the applicant workbook (template version 3): the sheet 主要指标
has every subtype's rows, group by group under a caption naming who fills it; export fills the
application's own group, collect reads it into ``applications[i].indicators`` with the cells in
the source map, and an indicator finding names its cell. A workbook of version 2 (without the
sheet) is still collected, with a warning when its subtype has a table."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from docgen.edition import load_edition
from docgen.intake import collect, export_city, write_template
from docgen.intake.layout import layout
from docgen.intake.template import applicant_workbook
from docgen.model import load_city

from .conftest import SAMPLES

GUILIN = SAMPLES / "450300" / "city.json"  # GL-C1: 示范城市, 工业设计特色类, with indicators
BOOK = "GL-C1/申报信息表.xlsx"
SHEET = "主要指标"


def _findings(result: object) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in result.findings:  # type: ignore[attr-defined]
        out.setdefault(f.location, []).append(f"{f.level} {f.message}")
    return out


def _cells(path: Path, **values: object) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    for ref, value in values.items():
        wb[SHEET][ref] = value
    wb.save(path)


def _app(city: dict, app_id: str) -> dict:
    return next(a for a in city["applications"] if a["id"] == app_id)


@pytest.fixture
def guilin(tmp_path: Path) -> Path:
    export_city(load_city(GUILIN), tmp_path / "forms")
    return tmp_path / "forms"


# --------------------------------------------------------------------------- the template


def test_template_has_every_subtypes_rows_with_units_validation_and_messages(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    write_template(tmp_path / "t")
    wb = load_workbook(tmp_path / "t" / "申报信息表.xlsx")
    assert wb.sheetnames[:5] == ["基本信息", SHEET, "申报材料", "随附材料", "填表说明"]
    assert wb["_docgen"]["B4"].value == "3"
    ws = wb[SHEET]
    assert [ws.cell(3, c).value for c in range(1, 6)] == ["序号", "指标", "数值", "单位", "说明"]
    assert "只由申报示范城市填写" in ws["A2"].value
    assert ws["B4"].value == "工业设计发展主要指标（仅示范城市·工业设计特色类填写）"
    assert [ws[f"B{r}"].value for r in (5, 11)] == ["国家级工业设计中心", "工业设计服务收入"]
    assert [ws[f"D{r}"].value for r in (5, 8, 10, 11)] == ["个", "项", "人", "亿元"]
    assert ws["B13"].value == "服务型制造发展主要指标（仅示范城市·其他类填写）"
    assert ws["B18"].value == "规模以上工业企业服务收入占营业收入比重" and ws["D18"].value == "%"
    assert ws["B21"].value == "服务型制造对制造业增加值增长的贡献率"
    # Labels and units locked, values open; nothing prefilled.
    assert ws["B5"].protection.locked and ws["D5"].protection.locked
    assert not ws["C5"].protection.locked and not ws["C21"].protection.locked
    assert all(ws[f"C{r}"].value is None for r in range(4, 22))
    assert ws["C11"].number_format == "General" and ws["C5"].number_format == "0"
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules["C5"].type == "whole" and rules["C5"].operator == "greaterThanOrEqual"
    assert rules["C5"].formula1 == "0"
    assert rules["C11"].type == "custom"
    assert rules["C11"].formula1 == "AND(ISNUMBER(C11),ROUND(C11,2)=C11)"
    assert rules["C5"].showInputMessage and rules["C5"].promptTitle == "国家级工业设计中心"
    assert rules["C5"].prompt.startswith("整数，不带小数点；单位：个")
    assert rules["C5"].prompt.endswith("必填；不填时申报书中该格留空待手写")
    assert rules["C9"].prompt.endswith("可不填")  # design_awards is not required
    assert rules["C11"].prompt.startswith("数字，最多2位小数；单位：亿元")


def _text_edition(root: Path) -> Path:
    """gx-2021-3 with a text row in the design table (60 characters at most by default, 30 here)."""
    folder = root / "gx-test-text"
    folder.mkdir(parents=True)
    (folder / "rules.toml").write_text(
        """[edition]
id = "gx-test-text"
extends = "gx-2021-3"
name = "测试版本（文字指标）"

[categories.city.subtypes.design.form]
caption = "design_caption"
indicators = [
  { key = "national_design_centres", label = "国家级工业设计中心", unit = "个" },
  { key = "design_focus", label = "重点突破领域", type = "text", max_chars = 30 },
  { key = "design_revenue", label = "工业设计服务收入", unit = "亿元", type = "number" },
]
""",
        encoding="utf-8",
    )
    return root


def test_a_text_indicator_has_its_maximum_length(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    edition = load_edition("gx-test-text", (_text_edition(tmp_path / "editions"),))
    lay = layout(edition)
    (tmp_path / "book.xlsx").write_bytes(applicant_workbook(lay))
    ws = load_workbook(tmp_path / "book.xlsx")[SHEET]
    assert ws["B6"].value == "重点突破领域" and ws["D6"].value is None
    assert ws["C6"].number_format == "@"
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert rules["C6"].type == "textLength" and rules["C6"].operator == "lessThanOrEqual"
    assert rules["C6"].formula1 == "30"
    assert rules["C6"].prompt == "文字，最多30个字；必填；不填时申报书中该格留空待手写"


def test_a_text_indicator_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    editions = _text_edition(tmp_path / "editions")
    monkeypatch.setenv("DOCGEN_EDITIONS", str(editions))
    city = json.loads(GUILIN.read_text(encoding="utf-8"))
    city["edition"] = "gx-test-text"
    _app(city, "GL-C1")["indicators"] = {
        "national_design_centres": 1,
        "design_focus": "0042 智能装备、工程机械外观设计",
        "design_revenue": 5.86,
    }
    source = tmp_path / "src"
    source.mkdir()
    (source / "city.json").write_text(json.dumps(city, ensure_ascii=False), encoding="utf-8")
    (source / "attachments").symlink_to(GUILIN.parent / "attachments")
    export_city(load_city(source / "city.json"), tmp_path / "forms", (editions,))
    result = collect(tmp_path / "forms", tmp_path / "city", edition_dirs=(editions,))
    assert result.errors == 0, _findings(result)
    back = json.loads((tmp_path / "city" / "city.json").read_text(encoding="utf-8"))
    assert _app(back, "GL-C1")["indicators"] == {
        "national_design_centres": 1,
        "design_focus": "0042 智能装备、工程机械外观设计",
        "design_revenue": 5.86,
    }


# --------------------------------------------------------------------------- collect


def test_export_fills_only_the_applications_own_group(guilin: Path) -> None:
    from openpyxl import load_workbook

    ws = load_workbook(guilin / BOOK)[SHEET]
    assert [ws[f"C{r}"].value for r in range(5, 12)] == [1, 9, 0, 42, 27, 2300, 5.86]
    assert all(ws[f"C{r}"].value is None for r in range(14, 22))
    # An enterprise's workbook has the sheet, empty.
    other = next(p for p in guilin.glob("GL-E*/申报信息表.xlsx"))
    ws = load_workbook(other)[SHEET]
    assert all(ws[f"C{r}"].value is None for r in range(4, 22))


def test_typed_indicators_are_read_with_each_change_named_at_its_cell(
    guilin: Path, tmp_path: Path
) -> None:
    _cells(guilin / BOOK, C5="1个", C10="2,300", C11="５.86")
    result = collect(guilin, tmp_path / "city")
    found = _findings(result)
    assert result.errors == 0, found
    back = json.loads((tmp_path / "city" / "city.json").read_text(encoding="utf-8"))
    assert _app(back, "GL-C1")["indicators"] == {
        "national_design_centres": 1,
        "regional_design_centres": 9,
        "design_institutes": 0,
        "design_breakthroughs": 42,
        "design_awards": 27,
        "design_professionals": 2300,
        "design_revenue": 5.86,
    }
    assert found[f"{BOOK} › {SHEET}!C5"] == ["warning 国家级工业设计中心：“1个”按整数 1 读取"]
    assert found[f"{BOOK} › {SHEET}!C10"] == ["warning 工业设计从业人员：“2,300”按整数 2300 读取"]
    (revenue,) = found[f"{BOOK} › {SHEET}!C11"]
    assert revenue.startswith("warning 工业设计服务收入：“５.86”按数字 5.86 读取（全角数字改为半角")
    # The source map names each indicator's cell, and the group's caption for the whole.
    source = json.loads((tmp_path / "city" / "source-map.json").read_text(encoding="utf-8"))
    k = next(i for i, a in enumerate(back["applications"]) if a["id"] == "GL-C1")
    assert source[f"applications[{k}].indicators.design_revenue"] == {
        "file": BOOK,
        "sheet": SHEET,
        "cell": "C11",
    }
    assert source[f"applications[{k}].indicators"]["cell"] == "B4"
    assert not any(p.startswith(f"applications[{k}].indicators.national_demo") for p in source)


def test_indicator_findings_name_their_cells(guilin: Path, tmp_path: Path) -> None:
    # A count with decimals, 3 decimals, a required one left blank, a value in the other
    # subtype's group, and text where a number belongs.
    _cells(guilin / BOOK, C5=2.5, C11=5.867, C7=None, C14=3, C10="很多")
    result = collect(guilin, tmp_path / "city", annotate=True)
    found = _findings(result)
    assert result.written is None
    at = {
        ref: found.get(f"{BOOK} › {SHEET}!{ref}", []) for ref in ("B4", "C5", "C10", "C11", "C14")
    }
    assert any(m.startswith("error 国家级工业设计中心应为整数") for m in at["C5"]), at
    assert any(m.startswith("error 工业设计服务收入最多保留2位小数") for m in at["C11"]), at
    assert at["C10"] == ["error 工业设计从业人员：“很多”不是整数；应为整数，如 3260"]
    assert at["C14"] == [
        "error 国家级服务型制造示范企业：这一组指标只由示范城市（其他类）填写，本表申报的是"
        "示范城市（工业设计特色类）；请删除这一格，或改正“基本信息”中的申报类别和类型"
    ]
    # The annotated copy marks the cell in 主要指标.
    from openpyxl import load_workbook

    (copy,) = [p for p in result.annotated if p.parent.name == "GL-C1"]
    ws = load_workbook(copy)[SHEET]
    assert ws["C14"].comment is not None and "只由示范城市（其他类）填写" in ws["C14"].comment.text
    (blank,) = at["B4"]
    assert (
        blank.startswith("warning ")
        and "国家工业设计研究院（含在创建）（design_institutes）" in blank
    )


def test_an_enterprise_with_a_city_indicator_filled_in_is_told(
    guilin: Path, tmp_path: Path
) -> None:
    other = next(p for p in guilin.glob("GL-E*/申报信息表.xlsx"))
    _cells(other, C5=1)
    result = collect(guilin, tmp_path / "city")
    rel = other.relative_to(guilin).as_posix()
    (says,) = _findings(result)[f"{rel} › {SHEET}!C5"]
    assert says.startswith(
        "error 国家级工业设计中心：这一组指标只由示范城市（工业设计特色类）填写，"
    )
    assert "本表申报的是示范企业" in says


def _as_version_2(path: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    del wb[SHEET]
    wb["_docgen"]["B4"] = "2"
    wb.save(path)


def test_a_version_2_applicant_workbook_is_still_collected(guilin: Path, tmp_path: Path) -> None:
    for book in guilin.glob("*/申报信息表.xlsx"):
        _as_version_2(book)
    result = collect(guilin, tmp_path / "city")
    found = _findings(result)
    assert result.errors == 0 and result.written is not None, found
    old = [m for m in found[BOOK] if "版模板" in m]
    assert old == [
        "warning 该表格是第 2 版模板，没有“主要指标”表，示范城市（工业设计特色类）的指标表在"
        "申报书中留空待手写；如需填写，请用 docgen intake template --edition gx-2021-3 生成新模板，"
        "把本表内容填入新模板"
    ]
    # validate's warning about the blank table names the workbook (there is no cell).
    assert any("留空待手写：国家级工业设计中心" in m for m in found[BOOK])
    # Only the application whose subtype has a table is warned about the version.
    assert not any("版模板" in m for loc, ms in found.items() if loc != BOOK for m in ms)
    back = json.loads((tmp_path / "city" / "city.json").read_text(encoding="utf-8"))
    assert "indicators" not in _app(back, "GL-C1")


def test_export_refuses_an_indicator_without_a_row(tmp_path: Path) -> None:
    from docgen.errors import DocgenError

    city = json.loads(GUILIN.read_text(encoding="utf-8"))
    _app(city, "GL-C1")["indicators"]["national_demo_platforms"] = 1  # 其他类's, not design's
    source = tmp_path / "src"
    source.mkdir()
    (source / "city.json").write_text(json.dumps(city, ensure_ascii=False), encoding="utf-8")
    (source / "attachments").symlink_to(GUILIN.parent / "attachments")
    with pytest.raises(DocgenError, match="“national_demo_platforms”在申报信息表中没有对应的行"):
        export_city(load_city(source / "city.json"), tmp_path / "forms")
    assert not (tmp_path / "forms").exists()


def test_revenue_decimal_comes_back_as_written(guilin: Path, tmp_path: Path) -> None:
    _cells(guilin / BOOK, C11="5.80")
    collect(guilin, tmp_path / "city")
    back = load_city(tmp_path / "city" / "city.json")
    app = next(a for a in back.applications if a.id == "GL-C1")
    assert app.indicators is not None and app.indicators["design_revenue"] == Decimal("5.80")
