"""The two city subtypes have the forms the notice asks of each (issue 12): 工业设计特色类 its
industrial design table and headings, 其他类 its demonstration units and service indicators; both
are edition data (rules.toml [categories.city.subtypes.X.form]). The city file's
``applications[].indicators`` are checked against the edition the file names, listed by
``docgen schema``, checked for printability and length, and printed (PDF and Word). And the
cover's seal slot takes its diameter from the category's ``seal_mm``."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from click.testing import CliRunner
from docx import Document as DocxFile
from jsonschema import Draft202012Validator, ValidationError

from docgen.cli import main
from docgen.compose.declaration import compose_declaration
from docgen.edition import check_folder, load_edition
from docgen.errors import InputError
from docgen.model import json_schema, parse_city
from docgen.render.docx import render_docx
from docgen.render.fonts import resolve_fonts
from docgen.render.pdf import render_pdf
from docgen.rules import validate

from .conftest import EXAMPLE_DIR

EDITION = load_edition("gx-2021-3")
CITY_INDEX = 4  # the example's city application (LZ-C1, 其他类)
ROOT = Path(__file__).resolve().parent.parent

DESIGN_HEADINGS = (
    "城市工业设计发展基本情况",
    "工业设计主要举措",
    "工业设计赋能制造业高质量发展成效",
    "下一步工作计划",
)
DESIGN_VALUES = {
    "national_design_centres": 1,
    "regional_design_centres": 9,
    "design_institutes": 0,
    "design_breakthroughs": 42,
    "design_awards": 27,
    "design_professionals": 2300,
    "design_revenue": 5.86,
}


def _example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLE_DIR / "city.json").read_text(encoding="utf-8"))
    assert data["applications"][CITY_INDEX]["category"] == "city"
    return data


def _design(data: dict[str, Any]) -> dict[str, Any]:
    app = data["applications"][CITY_INDEX]
    app["subtype"] = "design"
    for section, heading in zip(app["sections"], DESIGN_HEADINGS, strict=True):
        section["heading"] = heading
    app["indicators"] = dict(DESIGN_VALUES)
    return data


def _parse(data: dict[str, Any], edition_dirs: tuple[Path, ...] = ()) -> Any:
    raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
    city = parse_city(raw, edition_dirs)
    city._base_dir = EXAMPLE_DIR
    return city


def _findings(data: dict[str, Any], edition_dirs: tuple[Path, ...] = ()) -> list[Any]:
    return validate(_parse(data, edition_dirs), edition_dirs=edition_dirs)


def _pdf_text(data: dict[str, Any]) -> str:
    """The city form's text as pdfplumber reads it off the PDF, whitespace removed."""
    city = _parse(data)
    doc = compose_declaration(city, CITY_INDEX, EDITION)
    with pdfplumber.open(io.BytesIO(render_pdf([doc], resolve_fonts()).data)) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    return re.sub(r"\s+", "", text)


def _docx_text(data: dict[str, Any]) -> str:
    doc = compose_declaration(_parse(data), CITY_INDEX, EDITION)
    d = DocxFile(io.BytesIO(render_docx(doc)))
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    return re.sub(r"\s+", "", "".join(parts))


# --------------------------------------------------------------------------- the forms

# table rows (label then unit) and numbered headings of each subtype's form
DESIGN_ONLY = (
    "工业设计发展主要指标",
    "国家级工业设计中心个",
    "自治区级工业设计中心个",
    "国家工业设计研究院（含在创建）个",
    "制造业重点领域设计突破成果项",
    "工业设计从业人员人",
    "工业设计服务收入亿元",
    "二、城市工业设计发展基本情况",
    "三、工业设计主要举措",
    "四、工业设计赋能制造业高质量发展成效",
)
OTHER_ONLY = (
    "服务型制造发展主要指标",
    "国家级服务型制造示范企业个",
    "国家级服务型制造示范平台个",
    "国家级服务型制造示范项目个",
    "规模以上工业企业服务收入占营业收入比重%",
    "生产性服务业增加值亿元",
    "服务型制造公共服务平台个",
    "二、城市服务型制造发展基本情况",
    "三、主要举措",
    "四、主要成效",
)


def test_the_design_and_other_city_forms_differ_in_sections_and_rows() -> None:
    other = _pdf_text(_example())
    design = _pdf_text(_design(_example()))
    for text in OTHER_ONLY:
        assert text in other, text
        assert text not in design, text
    for text in DESIGN_ONLY:
        assert text in design, text
        assert text not in other, text
    # the same header, and the same sections before and after
    for text in ("指标单位数值", "一、申报城市基本情况", "五、下一步工作计划", "真实性承诺"):
        assert text in other and text in design, text


def test_the_indicator_values_print_in_pdf_and_word() -> None:
    data = _design(_example())
    pdf, word = _pdf_text(data), _docx_text(data)
    # label, unit, value in one row; counts with thousands separators, numbers as written
    for row in ("国家级工业设计中心个1", "工业设计从业人员人2,300", "工业设计服务收入亿元5.86"):
        assert row in pdf, row
        assert row in word, row
    other = _example()
    other["applications"][CITY_INDEX]["indicators"] = {
        "national_demo_enterprises": 3,
        "service_revenue_share": 12.5,
    }
    text = _pdf_text(other)
    assert "国家级服务型制造示范企业个3" in text
    assert "规模以上工业企业服务收入占营业收入比重%12.5" in text
    # a value not given is a blank cell: the label and unit, then the next row's label
    assert "国家级服务型制造示范平台个国家级服务型制造示范项目" in text


def test_the_example_warns_once_and_prints_the_empty_table() -> None:
    """Decision: the contract example's city application gives no indicators. A required one
    missing is a warning, not an error: the example still validates (one warning) and its form
    shows the subtype's table blank for writing in by hand."""
    findings = _findings(_example())
    assert [f for f in findings if f.level == "error"] == []
    blank = [f for f in findings if f.path.endswith(".indicators")]
    assert [(f.path, f.level) for f in blank] == [
        (f"applications[{CITY_INDEX}].indicators", "warning")
    ]
    assert "国家级服务型制造示范企业（national_demo_enterprises）" in blank[0].message
    assert "留空待手写" in blank[0].message
    # optional rows are not asked for
    assert "regional_demo_units" not in blank[0].message
    # its narrative has the headings 其他类 asks for: no warning about them
    assert not [f for f in findings if f.path.endswith(".sections")]
    assert "服务型制造发展主要指标" in _pdf_text(_example())


def test_a_heading_the_subtype_asks_for_is_a_warning_and_printed_blank() -> None:
    data = _design(_example())
    app = data["applications"][CITY_INDEX]
    app["sections"] = [s for s in app["sections"] if s["heading"] != "工业设计主要举措"]
    findings = _findings(data)
    assert [f for f in findings if f.level == "error"] == []
    warned = [f for f in findings if f.path == f"applications[{CITY_INDEX}].sections"]
    assert len(warned) == 1 and warned[0].level == "warning"
    assert "“工业设计主要举措”" in warned[0].message
    text = _pdf_text(data)
    # printed in the edition's place, numbered with the others
    assert "二、城市工业设计发展基本情况" in text
    assert "三、工业设计主要举措" in text
    assert "四、工业设计赋能制造业高质量发展成效" in text


# --------------------------------------------------------------------------- validate


def test_validate_reports_an_unknown_or_ill_typed_indicator_with_its_path() -> None:
    data = _example()
    p = f"applications[{CITY_INDEX}].indicators"
    data["applications"][CITY_INDEX]["indicators"] = {
        "national_design_centres": 2,  # a design key on a 其他类 application
        "national_demo_enterprisez": 1,  # a typo
        "national_demo_platforms": "三个",
        "national_demo_projects": 1.5,
        "public_service_platforms": -1,
        "service_revenue_share": 12.345,
    }
    found = {f.path: f for f in _findings(data) if f.level == "error"}
    assert set(found) == {
        f"{p}.national_design_centres",
        f"{p}.national_demo_enterprisez",
        f"{p}.national_demo_platforms",
        f"{p}.national_demo_projects",
        f"{p}.public_service_platforms",
        f"{p}.service_revenue_share",
    }, found
    assert "没有指标“national_demo_enterprisez”" in found[f"{p}.national_demo_enterprisez"].message
    assert "national_demo_enterprises（国家级服务型制造示范企业）" in (
        found[f"{p}.national_demo_enterprisez"].message
    )
    assert "应为数字" in found[f"{p}.national_demo_platforms"].message
    assert "应为整数" in found[f"{p}.national_demo_projects"].message
    assert "不能为负数" in found[f"{p}.public_service_platforms"].message
    assert "2位小数" in found[f"{p}.service_revenue_share"].message
    # neither a number nor a text: refused when the file is read, with its path
    data["applications"][CITY_INDEX]["indicators"] = {"producer_services_value_added": True}
    with pytest.raises(InputError) as info:
        _parse(data)
    [finding] = info.value.findings
    assert finding.path == f"{p}.producer_services_value_added"
    assert "应为数字（不加引号）或文本" in finding.message


def test_indicators_on_an_application_without_a_table_are_an_error() -> None:
    data = _example()
    data["applications"][0]["indicators"] = {"national_demo_enterprises": 1}
    errors = [f for f in _findings(data) if f.level == "error"]
    assert [f.path for f in errors] == ["applications[0].indicators"]
    assert "示范企业没有指标表" in errors[0].message


def test_the_cli_names_the_path(tmp_path: Path) -> None:
    data = _example()
    data["applications"][CITY_INDEX]["indicators"] = {"bogus": 1}
    path = tmp_path / "city.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"applications[{CITY_INDEX}].indicators.bogus" in result.output


# --------------------------------------------------------------------------- schema


def test_the_schema_lists_the_edition_s_indicator_keys() -> None:
    keys = list(EDITION.rules.indicator_rows())
    assert "national_design_centres" in keys and "national_demo_enterprises" in keys
    result = CliRunner().invoke(main, ["schema", "--edition", "gx-2021-3"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    prop = schema["$defs"]["Application"]["properties"]["indicators"]["anyOf"][0]
    assert list(prop["properties"]) == keys
    assert prop["additionalProperties"] is False
    assert prop["properties"]["national_design_centres"]["type"] == "integer"
    assert prop["properties"]["service_revenue_share"]["type"] == "number"
    assert (
        "国家级工业设计中心（个）" in prop["properties"]["national_design_centres"]["description"]
    )
    # the schema refuses what validate refuses
    validator = Draft202012Validator(json_schema())
    data = _design(_example())
    validator.validate(data)
    data["applications"][CITY_INDEX]["indicators"]["bogus"] = 1
    with pytest.raises(ValidationError):
        validator.validate(data)


# --------------------------------------------------------------------------- a text indicator


def _text_edition(tmp_path: Path, extra: str = "") -> Path:
    """An edition extending gx-2021-3 whose 其他类 city table has a text row."""
    folder = tmp_path / "eds" / "gx-test-cityrows"
    folder.mkdir(parents=True)
    (folder / "rules.toml").write_text(
        '[edition]\nid = "gx-test-cityrows"\nextends = "gx-2021-3"\nname = "测试"\n\n'
        "[categories.city.subtypes.other.form]\n"
        'caption = "other_caption"\n'
        "indicators = [\n"
        '  { key = "national_demo_enterprises", label = "国家级服务型制造示范企业", unit = "个" },\n'
        '  { key = "demo_names", label = "示范企业名单", type = "text", max_chars = 20 },\n'
        "]\n" + extra,
        encoding="utf-8",
    )
    return folder


def test_a_text_indicator_is_checked_for_length_and_printability(tmp_path: Path) -> None:
    folder = _text_edition(tmp_path)
    dirs = (folder.parent,)
    data = _example()
    data["edition"] = "gx-test-cityrows"
    app = data["applications"][CITY_INDEX]
    path = f"applications[{CITY_INDEX}].indicators.demo_names"

    app["indicators"] = {"national_demo_enterprises": 1, "demo_names": "柳工" * 11}
    errors = [f for f in _findings(data, dirs) if f.level == "error"]
    assert [f.path for f in errors] == [path]
    assert "上限20个字符" in errors[0].message

    app["indicators"]["demo_names"] = "柳工\u200b集团"
    errors = [f for f in _findings(data, dirs) if f.level == "error"]
    assert [f.path for f in errors] == [path] and "U+200B" in errors[0].message

    app["indicators"]["demo_names"] = 5
    errors = [f for f in _findings(data, dirs) if f.level == "error"]
    assert [f.path for f in errors] == [path] and "应为文本" in errors[0].message

    # at its maximum it validates and prints
    app["indicators"]["demo_names"] = "柳工集团、上汽通用五菱、东风柳汽、柳钢等"
    assert len(app["indicators"]["demo_names"]) == 20
    assert [f for f in _findings(data, dirs) if f.level == "error"] == []
    edition = load_edition("gx-test-cityrows", dirs)
    doc = compose_declaration(_parse(data, dirs), CITY_INDEX, edition)
    with pdfplumber.open(io.BytesIO(render_pdf([doc], resolve_fonts()).data)) as pdf:
        text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pdf.pages))
    assert "示范企业名单" in text and "柳工集团、上汽通用" in text  # wrapped in its cell


def test_the_edition_check_reports_a_missing_caption_and_a_key_of_two_meanings(
    tmp_path: Path,
) -> None:
    folder = _text_edition(
        tmp_path,
        "\n[categories.city.subtypes.design.form]\n"
        'caption = "no_such_caption"\n'
        'indicators = [{ key = "demo_names", label = "名单", type = "count" }]\n',
    )
    problems = "\n".join(check_folder(folder))
    assert "[categories.city.subtypes.design.form] caption" in problems
    assert "no_such_caption" in problems and "[indicators]" in problems
    assert "“demo_names”" in problems and "同一 key" in problems
    assert check_folder(ROOT / "templates" / "gx-2021-3") == []


# --------------------------------------------------------------------------- the cover's seal


def test_the_cover_seal_slot_takes_the_category_s_seal_mm(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .test_edition_park import EDITIONS, PARK

    monkeypatch.setenv("DOCGEN_EDITIONS", str(EDITIONS))
    data = _example()
    data["edition"] = "gx-test-park"
    data["applications"] = [data["applications"][0], PARK]
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(example_copy), "-o", str(out)], env={"DOCGEN_EDITIONS": str(EDITIONS)}
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    park = next(d for d in manifest["documents"] if d["application_id"] == PARK["id"])
    # the cover is the form's first page in the bundle
    cover = [s for s in park["seal_slots"] if s["page"] == park["bundle_pages"][0]]
    assert [(s["seal"], s["diameter_mm"]) for s in cover] == [("applicant", 40)]
    x0, y0, x1, y1 = cover[0]["box"]
    mm = 72 / 25.4
    assert x1 - x0 == pytest.approx(40 * mm, abs=0.5)
    assert y1 - y0 == pytest.approx(40 * mm, abs=0.5)
    # the enterprise's cover keeps its category's 42 mm
    ent = next(d for d in manifest["documents"] if d["application_id"] != PARK["id"])
    first = ent["bundle_pages"][0]
    assert [s["diameter_mm"] for s in ent["seal_slots"] if s["page"] == first] == [42]
