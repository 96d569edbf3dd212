"""Annex 2, the summary table (申报汇总表): composition, the XLSX file and how it prints."""

from __future__ import annotations

import copy
import io
import json
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from docgen.compose.province import ProvinceTable
from docgen.compose.summary import (
    SummaryTable,
    compose_summary,
    content_widths,
    listing_table,
    summary_document,
)
from docgen.document import CoverFields, Paragraph, Table, plain
from docgen.edition import Edition, load_edition
from docgen.layout import LANDSCAPE
from docgen.model import City, load_city, parse_city
from docgen.render.xlsx import render_xlsx, text_width, width_budget
from docgen.textsafe import xml_text

from .conftest import DATA, EXAMPLE_DIR, ROOT

FAMILIES = {"song": "AR PL SungtiL GB", "hei": "WenQuanYi Zen Hei"}
HEADER_ROW = 4  # title, unit/date, contact, then the header
INJECTIONS = ["=1+1", "+8613907721234", "-5", "@SUM(A1)", "＝SUM(A1)"]


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def edition() -> Edition:
    return load_edition("gx-2021-3")


@pytest.fixture(scope="module")
def city() -> City:
    return load_city(EXAMPLE_DIR / "city.json")


def example_data() -> dict[str, Any]:
    return json.loads((EXAMPLE_DIR / "city.json").read_text(encoding="utf-8"))


def city_from(data: dict[str, Any]) -> City:
    return parse_city(json.dumps(data, ensure_ascii=False).encode("utf-8"))


def thirty_enterprises() -> dict[str, Any]:
    data = example_data()
    first = data["applications"][0]
    apps = []
    for k in range(30):
        app = copy.deepcopy(first)
        app["id"] = f"E{k + 1}"
        app["applicant"]["name"] = f"柳州第{k + 1:02d}号智能装备制造股份有限公司"
        # a title that wraps: two-line rows, so the table runs over two pages
        app["applicant"]["contact"]["title"] = "战略发展部部长兼服务型制造推进办公室主任"
        apps.append(app)
    data["applications"] = apps
    return data


def sheet_of(data: bytes) -> Worksheet:
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    return ws


def columns_toml() -> list[dict[str, Any]]:
    raw = tomllib.loads((ROOT / "templates/gx-2021-3/summary.toml").read_text(encoding="utf-8"))
    return raw["columns"]


def libreoffice_text(xlsx: bytes, tmp_path: Path) -> list[str]:
    """Convert with LibreOffice; return the text of each printed page."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    src = tmp_path / "summary.xlsx"
    src.write_bytes(xlsx)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation={profile}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "summary.pdf"
    assert pdf.is_file()
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    # Long text wraps inside its cell: add each table cell's text joined up again.
    with pdfplumber.open(pdf) as doc:
        for k, page in enumerate(doc.pages[: len(pages)]):
            cells = [c for t in page.extract_tables() for row in t for c in row if c]
            pages[k] += "\n" + "\n".join(c.replace("\n", "") for c in cells)
    return pages


# --------------------------------------------------------------------------- composition


def test_rows_follow_the_file_order_with_the_editions_labels(city: City, edition: Edition):
    table = compose_summary(city, edition)
    assert [c.label for c in table.columns] == [c["label"] for c in columns_toml()]
    assert [c.width for c in table.columns] == [c["width"] for c in columns_toml()]
    assert table.title == "服务型制造示范遴选申报汇总表"
    assert table.unit == "柳州市工业和信息化局"
    assert table.date_text == "二〇二一年五月十二日"
    assert table.note is None
    assert [r[4].text for r in table.rows] == [a.applicant.name for a in city.applications]
    keys = [c.key for c in table.columns]
    by_key = [dict(zip(keys, row, strict=True)) for row in table.rows]
    assert [r["seq"].number for r in by_key] == [1, 2, 3, 4, 5]
    assert [r["category"].text for r in by_key] == [
        "示范企业",
        "示范企业",
        "示范平台",
        "示范项目",
        "示范城市",
    ]
    assert [r["subtype"].text for r in by_key] == ["—", "—", "共享制造类", "—", "其他类"]
    assert by_key[2]["title"].text == "柳州汽车零部件共享制造平台"
    assert by_key[0]["uscc"].text == "91450200TCULH87WL8"
    assert by_key[0]["uscc"].source == "applications[0].applicant.uscc"
    assert by_key[4]["mode"].text == "—"  # a city application has no service mode
    assert all(r["remarks"].text == "" for r in by_key)
    contact = {f.label: f.value for f in table.contact}
    assert contact == {
        "联系人": "覃晓梅",
        "职务": "市场开拓科科长",
        "联系电话": "0772-2861234",
        "手机": "13907721234",
        "微信号": "lz_qinxm",
        "传真": "0772-2861235",
        "电子邮箱": "scktk@lzgxj.example.cn",
    }
    counts = {c.label: (c.count, c.quota) for c in table.counts}
    assert counts == {
        "示范企业": (2, 2),
        "示范平台（共享制造类）": (1, 1),
        "示范平台（其他类）": (0, 3),  # extra_platform_quota: 有条件的设区市 3个
        "示范项目": (1, 1),
        "示范城市": (1, 1),
    }
    assert not table.over_quota


def test_other_platforms_use_the_normal_quota_without_the_extra_flag(edition: Edition):
    data = example_data()
    data["city"]["extra_platform_quota"] = False
    table = compose_summary(city_from(data), edition)
    assert {c.label: c.quota for c in table.counts}["示范平台（其他类）"] == 1


def test_an_over_quota_table_says_so(tmp_path: Path, edition: Edition):
    data = example_data()
    extra = copy.deepcopy(data["applications"][0])
    extra["id"] = "LZ-E3"
    extra["applicant"]["name"] = "柳州第三家示范企业有限公司"
    data["applications"].append(extra)
    table = compose_summary(city_from(data), edition)
    enterprise = next(c for c in table.counts if c.label == "示范企业")
    assert (enterprise.count, enterprise.quota, enterprise.over) == (3, 2, True)
    assert enterprise.result == "超出名额1个"
    assert table.over_quota

    book = load_workbook(io.BytesIO(render_xlsx(table, FAMILIES)))
    flagged = [
        c
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value == "超出名额1个"
    ]
    assert flagged and flagged[0].font.b and flagged[0].font.color.rgb.endswith("C00000")
    # the sealed page carries no internal check: the counts are the XLSX's quota sheet's
    doc = summary_document(table)
    text = "".join(plain(b.text) for b in doc.blocks if isinstance(b, Paragraph))
    assert "名额核对" not in text and "超出名额" not in text


def test_the_document_is_a_landscape_table_with_the_bureaus_seal(city: City, edition: Edition):
    table = compose_summary(city, edition)
    doc = summary_document(table)
    assert (doc.kind, doc.landscape, doc.cover_pages) == ("summary", True, 0)
    fields = next(b for b in doc.blocks if isinstance(b, CoverFields)).fields
    sealed = [f for f in fields if f.seal == "bureau"]
    assert [(f.label, plain(f.value)) for f in sealed] == [
        ("填报单位（盖章）", "柳州市工业和信息化局")
    ]
    assert sealed[0].seal_with_next  # one seal zone over the unit's name and the date line
    assert any(plain(f.value) == "二〇二一年五月十二日" for f in fields)
    grid = next(b for b in doc.blocks if isinstance(b, Table))
    assert grid.header_rows == 1 and grid.size == 8.5  # half a point under 小五, from summary.toml
    # widths from the content: every label's widest line and every credit code whole, within
    # the landscape frame
    assert grid.widths == content_widths(table.columns, table.rows, table.table_size)
    budget = LANDSCAPE.frame_width / (table.table_size / 2.0)
    assert sum(grid.widths) <= budget + 1e-6
    for col, w in zip(table.columns, grid.widths, strict=True):
        label = max(text_width(line) for line in col.label.split("\n"))
        assert w >= label, col.label
    keys = [c.key for c in table.columns]
    assert grid.widths[keys.index("uscc")] >= 18
    assert all(cell.header for cell in grid.rows[0])
    assert [plain(cell.text) for cell in grid.rows[0]] == [c["label"] for c in columns_toml()]
    assert len(grid.rows) == 1 + len(city.applications)
    assert all(not cell.header for row in grid.rows[1:] for cell in row)
    assert plain(grid.rows[1][4].text) == "柳州龙城重型机械股份有限公司"
    assert grid.rows[1][4].text[0].source == "applications[0].applicant.name"
    text = "".join(plain(b.text) for b in doc.blocks if isinstance(b, Paragraph))
    assert "联系人：覃晓梅" in text and "电子邮箱：scktk@lzgxj.example.cn" in text
    assert "名额核对" not in text and "示范企业 2 / 2" not in text


def test_no_applications_gives_an_empty_table_with_a_clear_note(tmp_path: Path, edition: Edition):
    data = example_data()
    data["applications"] = []
    table = compose_summary(city_from(data), edition)
    assert table.rows == () and table.note == "本市本批次无申报项目"
    assert all(c.count == 0 for c in table.counts)

    doc = summary_document(table)
    grid = next(b for b in doc.blocks if isinstance(b, Table))
    assert len(grid.rows) == 2
    assert plain(grid.rows[1][0].text) == "本市本批次无申报项目"
    assert grid.rows[1][0].colspan == len(table.columns)

    ws = sheet_of(render_xlsx(table, FAMILIES))
    note = ws.cell(row=HEADER_ROW + 1, column=1)
    assert note.value == "本市本批次无申报项目"
    assert f"A{HEADER_ROW + 1}:M{HEADER_ROW + 1}" in {str(r) for r in ws.merged_cells.ranges}


# --------------------------------------------------------------------------- the XLSX file


def test_xlsx_reads_back_every_value_as_written(city: City, edition: Edition):
    table = compose_summary(city, edition)
    ws = sheet_of(render_xlsx(table, FAMILIES))
    assert ws.title == "申报汇总表"
    assert ws["A1"].value == "服务型制造示范遴选申报汇总表"
    assert ws["A1"].font.name == "黑体" and ws["A1"].font.b  # the Windows face, whatever builds it
    assert ws["A2"].value == "填报单位（盖章）：柳州市工业和信息化局"
    assert any(c.value == "填报日期：二〇二一年五月十二日" for c in ws[2])
    assert "联系人：覃晓梅" in ws["A3"].value and "微信号：lz_qinxm" in ws["A3"].value
    header = [c.value for c in ws[HEADER_ROW]]
    assert header == [c.label for c in table.columns]
    assert all(c.font.b and c.font.name == "黑体" for c in ws[HEADER_ROW])
    for i, row in enumerate(table.rows):
        cells = ws[HEADER_ROW + 1 + i]
        for expected, cell in zip(row, cells, strict=True):
            if expected.number is not None:
                assert cell.value == expected.number and cell.data_type == "n"
            elif expected.text == "":
                assert cell.value is None  # 备注: left empty for the bureau
            else:
                assert cell.value == expected.text and cell.data_type == "s"
                assert cell.font.name == "宋体"
                assert cell.border.left.style == "thin"
    # credit codes, phone numbers with leading zeros stay exactly as typed
    assert ws.cell(row=HEADER_ROW + 1, column=7).value == "91450200TCULH87WL8"
    assert ws.cell(row=HEADER_ROW + 1, column=11).value == "0772-3881234"
    assert ws.cell(row=HEADER_ROW + 1, column=12).value == "13877201234"
    # the listing ends with the last application; the quota check is a sheet of its own
    assert ws.max_row == HEADER_ROW + len(table.rows)
    book = load_workbook(io.BytesIO(render_xlsx(table, FAMILIES)))
    check = book["名额核对"]
    counts = {r[0].value: (r[1].value, r[2].value) for r in check.iter_rows(min_row=3)}
    assert counts["示范企业"] == (2, 2) and counts["示范平台（其他类）"] == (0, 3)
    assert counts["合计"] == (5, None)
    assert check.cell(row=3, column=2).data_type == "n"


def test_user_text_that_looks_like_a_formula_stays_text(tmp_path: Path, edition: Edition):
    data = example_data()
    apps = data["applications"]
    for app, payload in zip(apps, INJECTIONS, strict=True):
        app["applicant"]["name"] = payload
    apps[0]["applicant"]["contact"]["name"] = '=HYPERLINK("x")'
    apps[0]["applicant"]["contact"]["title"] = "#N/A"
    apps[2]["title"] = "-平台名称"
    apps[3]["title"] = "<b>&amp;"
    data["city"]["bureau"] = "=柳州市工业和信息化局"
    table = compose_summary(city_from(data), edition)
    xlsx = render_xlsx(table, FAMILIES)
    ws = sheet_of(xlsx)
    names = [ws.cell(row=HEADER_ROW + 1 + i, column=5) for i in range(5)]
    assert [c.value for c in names] == INJECTIONS
    assert all(c.data_type == "s" for c in names)
    for row, col, literal in [
        (1, 9, '=HYPERLINK("x")'),
        (1, 10, "#N/A"),
        (3, 6, "-平台名称"),
        (4, 6, "<b>&amp;"),
    ]:
        cell = ws.cell(row=HEADER_ROW + row, column=col)
        assert (cell.value, cell.data_type) == (literal, "s")
    assert ws["A2"].value == "填报单位（盖章）：=柳州市工业和信息化局"
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # not a single formula in the file

    text = "".join(libreoffice_text(xlsx, tmp_path))
    for literal in [*INJECTIONS, '=HYPERLINK("x")', "#N/A", "-平台名称", "<b>&amp;"]:
        assert literal in text
    assert "=柳州市工业和信息化局" in text


def test_characters_xml_forbids_are_dropped_not_fatal(edition: Edition):
    data = example_data()
    data["applications"][0]["applicant"]["name"] = "柳州\u0001龙城\u000b重型\ufffe机械"
    ws = sheet_of(render_xlsx(compose_summary(city_from(data), edition), FAMILIES))
    assert ws.cell(row=HEADER_ROW + 1, column=5).value == "柳州龙城重型机械"


def test_print_settings(city: City, edition: Edition):
    ws = sheet_of(render_xlsx(compose_summary(city, edition), FAMILIES))
    setup = ws.page_setup
    assert setup.orientation == "landscape"
    assert int(setup.paperSize) == 9  # A4
    assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.print_area.startswith("'申报汇总表'!$A$1:$M$")
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.page_margins.right * 25.4 >= 26.0  # room for the seal
    assert ws.page_margins.left * 25.4 >= 10.0  # binding side
    assert ws.print_options.horizontalCentered


def test_same_input_same_bytes(city: City, edition: Edition):
    table = compose_summary(city, edition)
    first, second = render_xlsx(table, FAMILIES), render_xlsx(table, FAMILIES)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        names = z.namelist()
        assert names == sorted(names)
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core


def test_column_widths_fit_chinese_text_and_long_names_wrap(edition: Edition):
    data = example_data()
    long_name = "柳州" + "超长名称测试智能装备" * 11 + "科技股份有限公司"
    assert len(long_name) == 120
    data["applications"][1]["applicant"]["name"] = long_name
    table = compose_summary(city_from(data), edition)
    ws = sheet_of(render_xlsx(table, FAMILIES))
    width = {c: ws.column_dimensions[c].width for c in "ABCDEFGHIJKLM"}
    assert width["A"] < width["B"]  # 序号 is narrow
    # the columns fit the printable width at 90 % or more: the long name wraps
    assert sum(width.values()) <= width_budget(13) + 0.5
    assert width["E"] < text_width(long_name)
    assert width["G"] >= 18  # an 18-character credit code fits on one line
    assert width["D"] >= 2 * 3  # at least three CJK characters
    row = HEADER_ROW + 2
    cell = ws.cell(row=row, column=5)
    assert cell.value == long_name and cell.alignment.wrap_text
    normal = ws.row_dimensions[HEADER_ROW + 1].height
    assert ws.row_dimensions[row].height > 3 * 15  # 120 CJK in a 36-wide column: 7 lines
    assert ws.row_dimensions[row].height > normal


def test_thirty_applications_under_a_larger_quota(tmp_path: Path):
    edition = load_edition("gx-test-bigquota", [Path(DATA / "editions")])
    table: SummaryTable = compose_summary(city_from(thirty_enterprises()), edition)
    assert len(table.rows) == 30
    enterprise = next(c for c in table.counts if c.label == "示范企业")
    assert (enterprise.count, enterprise.quota, enterprise.over) == (30, 30, False)

    xlsx = render_xlsx(table, FAMILIES)
    ws = sheet_of(xlsx)
    for k in range(30):
        assert ws.cell(row=HEADER_ROW + 1 + k, column=1).value == k + 1
        assert ws.cell(row=HEADER_ROW + 1 + k, column=5).value == table.rows[k][4].text
    assert ws.cell(row=HEADER_ROW + 31, column=1).value is None  # then one empty row

    pages = libreoffice_text(xlsx, tmp_path)
    text = "".join(pages)
    for row in table.rows:
        assert row[4].text in text
    assert len(pages) >= 2
    listing = pages[:-1]  # the last page is the quota check's sheet
    # the header repeats on every page
    assert all("申报主体名称" in "".join(page.split()) for page in listing)
    assert "第2页共" in "".join(pages[1].split())


def test_libreoffice_prints_every_applicant(tmp_path: Path, city: City, edition: Edition):
    pages = libreoffice_text(render_xlsx(compose_summary(city, edition), FAMILIES), tmp_path)
    text = "".join(pages)
    assert "服务型制造示范遴选申报汇总表" in text
    for app in city.applications:
        assert app.applicant.name in text
    assert "第1页共" in "".join(pages[0].split())


# --------------------------------------------------------------------------- the PDF


def render_summary_pdf(table: SummaryTable) -> tuple[Any, Any]:
    """Render ``summary_document(table)``; return the PdfResult and the pdfplumber document."""
    pdf_module = pytest.importorskip("docgen.render.pdf")
    fonts_module = pytest.importorskip("docgen.render.fonts")
    import pdfplumber

    result = pdf_module.render_pdf([summary_document(table)], fonts_module.resolve_fonts())
    return result, pdfplumber.open(io.BytesIO(result.data))


def column_text(page: Any, table: SummaryTable | ProvinceTable, key: str) -> str:
    """The text printed in one column of the grid on ``page``, whitespace removed (cells wrap).
    The columns are found as the renderer lays them out: widths from the content at the
    table's type size (the city summary's and the province's listing alike)."""

    keys = [c.key for c in table.columns]
    widths = listing_table(table.columns, table.rows, None, table.table_size).widths
    total = sum(widths)
    j = keys.index(key)
    x0 = LANDSCAPE.margin_left + sum(widths[:j]) / total * LANDSCAPE.frame_width
    x1 = x0 + widths[j] / total * LANDSCAPE.frame_width
    text = page.crop((x0 + 1, 0, x1 - 1, page.height)).extract_text() or ""
    return "".join(text.split())


def test_pdf_prints_every_applicant_and_keeps_the_seal_slot_clear(city: City, edition: Edition):
    table = compose_summary(city, edition)
    result, pdf = render_summary_pdf(table)
    doc = result.docs[0]
    landscape = [(round(p.width), round(p.height)) for p in pdf.pages]
    assert set(landscape) == {(842, 595)}
    names = "".join(column_text(p, table, "applicant") for p in pdf.pages)
    for app in city.applications:
        assert app.applicant.name in names
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "服务型制造示范遴选申报汇总表" in text
    assert "二〇二一年五月十二日" in text and "联系人：覃晓梅" in text
    assert "91450200TCULH87WL8" in text

    slots = [s for s in doc.seal_slots if s.seal == "bureau"]
    assert len(slots) == 1
    slot = slots[0]
    page = pdf.pages[slot.page]
    x0, y0, x1, y1 = slot.box
    inside = [
        c
        for c in page.chars
        if c["x1"] > x0
        and c["x0"] < x1
        and page.height - c["top"] > y0
        and page.height - c["bottom"] < y1
    ]
    # the seal presses on the bureau's name, the date and the contact line under it, and on
    # nothing of the table
    contact = next(
        plain(b.text) for b in summary_document(table).blocks if isinstance(b, Paragraph)
    )
    assert "联系人" in contact
    allowed = set(table.unit + table.date_text + contact)
    content = [c["text"] for c in inside if c["non_stroking_color"] != (0.8, 0.8, 0.8)]
    assert "".join(content).strip() and set(content) <= allowed, content
    assert {"柳", "局"} <= set(content)  # the seal goes over the bureau's name


def test_pdf_repeats_the_header_on_every_page_of_thirty_rows(tmp_path: Path):
    edition = load_edition("gx-test-bigquota", [Path(DATA / "editions")])
    table = compose_summary(city_from(thirty_enterprises()), edition)
    result, pdf = render_summary_pdf(table)
    assert result.pages >= 2
    uscc = [column_text(p, table, "uscc") for p in pdf.pages]
    pages_with_rows = [t for t in uscc if "91450200TCULH87WL8" in t]
    assert len(pages_with_rows) >= 2
    for t in pages_with_rows:  # the header row comes first on every page
        assert "统一社会信用代码" in t
        assert t.index("统一社会信用代码") < t.index("91450200TCULH87WL8")
    names = "".join(column_text(p, table, "applicant") for p in pdf.pages)
    for row in table.rows:
        assert row[4].text in names


def test_pdf_prints_formula_like_names_literally_and_the_empty_note(edition: Edition):
    data = example_data()
    for app, payload in zip(data["applications"], INJECTIONS, strict=True):
        app["applicant"]["name"] = payload
    table = compose_summary(city_from(data), edition)
    _, pdf = render_summary_pdf(table)
    names = "".join(column_text(p, table, "applicant") for p in pdf.pages)
    for payload in INJECTIONS:
        assert payload in names

    data["applications"] = []
    _, pdf = render_summary_pdf(compose_summary(city_from(data), edition))
    assert "本市本批次无申报项目" in "".join(p.extract_text() for p in pdf.pages)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(min_size=1, max_size=60).filter(lambda s: s.strip()))
def test_any_name_reads_back_as_the_same_string(name: str):
    data = example_data()
    data["applications"][0]["applicant"]["name"] = name
    table = compose_summary(city_from(data), load_edition("gx-2021-3"))
    cell = sheet_of(render_xlsx(table, FAMILIES)).cell(row=HEADER_ROW + 1, column=5)
    expected = xml_text(name)
    if expected:
        assert (cell.value, cell.data_type) == (expected, "s")
    else:  # nothing but characters XML forbids
        assert cell.value is None
