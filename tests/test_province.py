"""The province-level summary (全区申报汇总表) of ``docgen batch``: composition, XLSX and PDF."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from docgen.compose.province import (
    ProvinceTable,
    compose_province,
    count_column_width,
    province_document,
    signature_block,
)
from docgen.compose.summary import compose_summary, listing_table
from docgen.document import PageBreak, Run, Table
from docgen.edition import Edition, load_edition
from docgen.model import City, load_city, parse_city
from docgen.render.xlsx import render_province_xlsx, width_budget

from .conftest import EXAMPLE_DIR, SAMPLES, sample_files
from .test_summary import column_text, libreoffice_text

FAMILIES = {"song": "AR PL SungtiL GB", "hei": "WenQuanYi Zen Hei"}
HEADER_ROW = 3  # title, statement, then the header
COUNTS_HEADER_ROW = 2  # title, then the header
TITLE = "广西壮族自治区服务型制造示范遴选申报汇总表（第三批）"
INJECTIONS = ["=1+1", "+8613907721234", "-5", "@SUM(A1)", "＝SUM(A1)"]
UNIT = "填报单位（盖章）：自治区工业和信息化厅"
CONTACT = "联系人：孙忠芳　联系电话：0771-8095569"  # the notice's 联系人及电话
BLOCK_ROWS = 4  # under the listing: an empty row, the unit, the date, the contact line


@pytest.fixture(scope="module")
def edition() -> Edition:
    return load_edition("gx-2021-3")


@pytest.fixture(scope="module")
def cities() -> list[City]:
    return [load_city(p) for p in sample_files()]


@pytest.fixture(scope="module")
def table(cities: list[City], edition: Edition) -> ProvinceTable:
    # shuffled input: the table orders cities by division code itself
    return compose_province([*cities[1::2], *cities[::2]], edition)


@pytest.fixture(scope="module")
def xlsx(table: ProvinceTable) -> bytes:
    return render_province_xlsx(table, FAMILIES)


def workbook(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def city_from(data: dict[str, Any]) -> City:
    return parse_city(json.dumps(data, ensure_ascii=False).encode("utf-8"))


def example_data() -> dict[str, Any]:
    return json.loads((EXAMPLE_DIR / "city.json").read_text(encoding="utf-8"))


def column(table: ProvinceTable, key: str) -> int:
    return [c.key for c in table.columns].index(key)


# --------------------------------------------------------------------------- composition


def test_columns_and_title_come_from_province_toml(table: ProvinceTable):
    assert table.title == TITLE
    assert [c.label for c in table.columns] == [
        "序号",
        "设区市",
        "申报类别",
        "类型",
        "服务型\n制造模式",  # two-line headers, broken where the words do
        "申报主体名称",
        "平台/项目\n名称",
        "统一社会\n信用代码",
        "法定\n代表人",
        "联系人",
        "职务",  # the city tables' columns, 职务 and 手机 included
        "联系电话",
        "手机",
        "备注",
    ]
    assert table.unit == "自治区工业和信息化厅"  # the provincial office fills it


def test_listing_has_every_application_in_city_then_file_order(
    table: ProvinceTable, cities: list[City]
):
    ordered = sorted(cities, key=lambda c: c.city.division_code)
    expected = [(c.city.name, a.applicant.name) for c in ordered for a in c.applications]
    assert table.total == len(table.rows) == sum(len(c.applications) for c in cities)
    got = [
        (row[column(table, "city")].text, row[column(table, "applicant")].text)
        for row in table.rows
    ]
    assert got == expected
    seq = [row[column(table, "seq")].number for row in table.rows]
    assert seq == list(range(1, len(table.rows) + 1))
    assert table.statement == f"共{len(cities)}个设区市，申报{len(expected)}个"


def test_listing_cells_name_their_city_file_field(table: ProvinceTable, cities: list[City]):
    first = sorted(cities, key=lambda c: c.city.division_code)[0]
    row = table.rows[0]
    code = first.city.division_code
    assert row[column(table, "applicant")].source == f"{code}:applications[0].applicant.name"
    assert row[column(table, "city")].source == f"{code}:city.name"
    assert row[column(table, "uscc")].text == first.applications[0].applicant.uscc


def test_counts_per_city_are_the_city_summary_counts(
    table: ProvinceTable, cities: list[City], edition: Edition
):
    assert table.count_labels == (
        "示范企业",
        "示范平台（共享制造类）",
        "示范平台（其他类）",
        "示范项目",
        "示范城市",
    )
    by_code = {c.city.division_code: c for c in cities}
    codes = [c.division_code for c in table.city_counts]
    assert codes == sorted(by_code)
    for row in table.city_counts:
        summary = compose_summary(by_code[row.division_code], edition)
        assert row.counts == summary.counts
        assert row.total == summary.total == len(by_code[row.division_code].applications)
        assert row.city_name == summary.city_name


def test_extra_platform_quota_shows_in_the_counts(table: ProvinceTable, cities: list[City]):
    other = table.count_labels.index("示范平台（其他类）")
    for row, city in zip(
        table.city_counts, sorted(cities, key=lambda c: c.city.division_code), strict=True
    ):
        count = row.counts[other]
        assert count is not None
        assert count.quota == (3 if city.city.extra_platform_quota else 1)
    nanning = next(r for r in table.city_counts if r.city_name == "南宁市")
    assert table.count_text(nanning.counts[other]) == "3/3"


def test_totals_are_the_sums(table: ProvinceTable):
    for k, total in enumerate(table.totals):
        counts = [row.counts[k] for row in table.city_counts]
        assert all(c is not None for c in counts)
        assert total.count == sum(c.count for c in counts if c is not None)
        assert total.quota == sum(c.quota or 0 for c in counts if c is not None)
    assert sum(t.count for t in table.totals) == table.total
    assert sum(row.total for row in table.city_counts) == table.total
    grid = table.counts_grid()
    assert len(grid) == len(table.city_counts) + 1
    assert grid[-1][0] == "全区合计" and grid[-1][-1] == str(table.total)
    assert grid[-1][1] == f"{table.totals[0].count}/{table.totals[0].quota}"


def test_input_order_does_not_matter(table: ProvinceTable, cities: list[City], edition: Edition):
    assert compose_province(cities, edition) == table
    assert compose_province(list(reversed(cities)), edition) == table


def test_no_applications_at_all_gives_the_note(edition: Edition):
    data = example_data()
    data["applications"] = []
    table = compose_province([city_from(data)], edition)
    assert table.rows == () and table.note == "本批次无申报项目"
    liuzhou = next(c for c in table.city_counts if c.division_code == "450200")
    assert liuzhou.counted and liuzhou.total == 0
    ws = workbook(render_province_xlsx(table, FAMILIES)).worksheets[0]
    assert ws.cell(row=HEADER_ROW + 1, column=1).value == "本批次无申报项目"


# --------------------------------------------------------------------------- every city


GUANGXI = [
    ("450100", "南宁市"),
    ("450200", "柳州市"),
    ("450300", "桂林市"),
    ("450400", "梧州市"),
    ("450500", "北海市"),
    ("450600", "防城港市"),
    ("450700", "钦州市"),
    ("450800", "贵港市"),
    ("450900", "玉林市"),
    ("451000", "百色市"),
    ("451100", "贺州市"),
    ("451200", "河池市"),
    ("451300", "来宾市"),
    ("451400", "崇左市"),
]


def test_the_edition_lists_the_fourteen_cities_of_the_samples(edition: Edition, cities: list[City]):
    from docgen.compose.province import province_cities

    assert list(province_cities(edition)) == GUANGXI
    assert sorted((c.city.division_code, c.city.name) for c in cities) == GUANGXI


@pytest.fixture(scope="module")
def partial(cities: list[City], edition: Edition) -> ProvinceTable:
    """Two cities built, 崇左市 failed, the other eleven without a file."""
    two = [c for c in cities if c.city.division_code in ("450200", "450300")]
    return compose_province(two, edition, {"451400": ""})


def test_every_city_of_the_province_has_a_row(partial: ProvinceTable):
    assert [(c.division_code, c.city_name) for c in partial.city_counts] == GUANGXI
    status = {c.division_code: c.status for c in partial.city_counts}
    assert status["450200"] is None and status["450300"] is None
    assert status["451400"] == "生成失败"
    assert [c.city_name for c in partial.missing] == [
        n for code, n in GUANGXI if code not in ("450200", "450300", "451400")
    ]
    assert [c.city_name for c in partial.failed] == ["崇左市"]
    assert partial.statement.startswith("共2个设区市，申报")
    assert "；未提交11个：南宁市、梧州市" in partial.statement
    assert partial.statement.endswith("；生成失败1个：崇左市")


def test_missing_and_failed_cities_add_nothing_to_the_totals(
    partial: ProvinceTable, cities: list[City], edition: Edition
):
    two = [c for c in cities if c.city.division_code in ("450200", "450300")]
    alone = compose_province(two, edition)
    assert partial.totals == alone.totals and partial.total == alone.total
    grid = dict((row[0], row[1:]) for row in partial.counts_grid())
    assert grid["崇左市"] == ("生成失败", *("",) * len(partial.count_labels))
    assert grid["梧州市"][0] == "未提交"
    assert grid["全区合计"][-1] == str(partial.total)


def test_a_failed_city_outside_the_edition_list_still_shows(edition: Edition):
    data = example_data()
    table = compose_province([city_from(data)], edition, {"459900": "测试市"})
    assert table.city_counts[-1].division_code == "459900"
    assert table.city_counts[-1].city_name == "测试市"
    assert table.city_counts[-1].status == "生成失败"


def test_status_rows_span_the_counts_in_the_pdf_and_the_xlsx(partial: ProvinceTable):
    doc = province_document(partial)
    counts = [b for b in doc.blocks if isinstance(b, Table)][1]
    assert len(counts.rows) == 1 + 14 + 1  # header, every city, totals
    by_name = {row[0].text[0].text: row for row in counts.rows[1:]}
    failed = by_name["崇左市"]
    assert len(failed) == 2 and failed[1].colspan == len(partial.count_labels) + 1
    assert failed[1].text[0].text == "生成失败" and failed[0].text[0].source is None
    assert by_name["柳州市"][0].text[0].source == "450200:city.name"

    ws = workbook(render_province_xlsx(partial, FAMILIES)).worksheets[1]
    rows = {
        r[0]: r[1:] for r in ws.iter_rows(min_row=COUNTS_HEADER_ROW + 1, values_only=True) if r[0]
    }
    assert rows["崇左市"][0] == "生成失败" and rows["梧州市"][0] == "未提交"
    assert all(v is None for v in rows["梧州市"][1:])
    ncols = 2 + 2 * len(partial.count_labels)  # city, (申报数, 名额) per category, 合计
    merged = {str(m) for m in ws.merged_cells.ranges}
    row_of = {ws.cell(row=r, column=1).value: r for r in range(1, ws.max_row + 1)}
    from openpyxl.utils import get_column_letter

    last = get_column_letter(ncols)
    assert f"B{row_of['梧州市']}:{last}{row_of['梧州市']}" in merged
    assert rows["全区合计"][-1] == partial.total


def test_count_columns_are_wide_enough_for_their_labels(table: ProvinceTable):
    assert count_column_width("示范企业", 14) == 14  # province.toml's count_width
    assert count_column_width("示范平台（共享制造类）", 14) == 24  # 11 CJK characters + padding
    assert count_column_width("示范平台\n（其他类）", 4) == 12  # the longest line
    widths = table.counts_widths
    assert len(widths) == len(table.counts_header())
    for label, width in zip(table.count_labels, widths[1:-1], strict=True):
        assert width >= 14 and width >= 2 * len(label) + 2
    assert sum(widths) <= 116  # the landscape frame, in half-width characters of 12 pt type


def test_document_is_landscape_with_two_tables_repeating_their_header(table: ProvinceTable):
    doc = province_document(table)
    assert doc.landscape and doc.cover_pages == 0
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    assert len(tables) == 2 and all(t.header_rows == 1 for t in tables)
    assert len(tables[0].rows) == table.total + 1
    assert len(tables[1].rows) == len(table.city_counts) + 2
    breaks = [i for i, b in enumerate(doc.blocks) if isinstance(b, PageBreak)]
    assert len(breaks) == 1
    assert doc.blocks.index(tables[0]) < breaks[0] < doc.blocks.index(tables[1])


# --------------------------------------------------------------------------- the XLSX


def test_xlsx_listing_sheet(xlsx: bytes, table: ProvinceTable):
    wb = workbook(xlsx)
    assert wb.sheetnames == ["全区申报汇总表", "名额核对"]
    ws = wb.worksheets[0]
    assert ws.cell(row=1, column=1).value == TITLE
    assert [ws.cell(row=HEADER_ROW, column=j + 1).value for j in range(len(table.columns))] == [
        c.label for c in table.columns
    ]
    for i, row in enumerate(table.rows):
        for j, value in enumerate(row):
            cell = ws.cell(row=HEADER_ROW + 1 + i, column=j + 1)
            if value.number is not None:
                assert cell.value == value.number
            elif value.text == "":  # an empty cell (备注 left blank) reads back as empty
                assert cell.value in (None, "")
            else:  # every user value is a string cell, exactly as typed
                assert (cell.value, cell.data_type) == (value.text, "s")
    # then an empty row, 填报单位（盖章）, 填报日期 and the contact line
    assert ws.max_row == HEADER_ROW + table.total + BLOCK_ROWS


def test_xlsx_counts_sheet(xlsx: bytes, table: ProvinceTable):
    """Counts and quotas are numbers, one column each under their category, so they sum."""
    ws = workbook(xlsx).worksheets[1]
    assert ws.cell(row=1, column=1).value == "各设区市申报数量与名额核对"
    labels = table.count_labels
    ncols = 2 + 2 * len(labels)
    assert ws.cell(row=COUNTS_HEADER_ROW, column=1).value == table.counts_city_label
    assert ws.cell(row=COUNTS_HEADER_ROW, column=ncols).value == table.counts_total_label
    for k, label in enumerate(labels):
        assert ws.cell(row=COUNTS_HEADER_ROW, column=2 + 2 * k).value == label
        assert ws.cell(row=COUNTS_HEADER_ROW + 1, column=2 + 2 * k).value == table.count_label
        assert ws.cell(row=COUNTS_HEADER_ROW + 1, column=3 + 2 * k).value == table.quota_label
    rows = {
        r[0]: r[1:]
        for r in ws.iter_rows(min_row=COUNTS_HEADER_ROW + 2, values_only=True)
        if r[0] and r[0] != table.counts_note
    }
    for city in table.city_counts:
        values = rows[city.city_name]
        for k, count in enumerate(city.counts):
            assert values[2 * k] == (count.count if count else None)
            assert values[2 * k + 1] == (count.quota if count else None)
        assert values[-1] == city.total
    for row in ws.iter_rows(min_row=COUNTS_HEADER_ROW + 2):
        for cell in row[1:]:
            assert cell.value is None or isinstance(cell.value, int) or cell.column == 2
    totals = rows[table.totals_row_label]
    for k, total in enumerate(table.totals):
        assert (
            totals[2 * k]
            == total.count
            == sum(c.counts[k].count for c in table.city_counts if c.counted and c.counts[k])
        )
    assert totals[-1] == table.total


def test_xlsx_prints_like_the_city_summary(xlsx: bytes):
    for ws, header, last in zip(
        workbook(xlsx).worksheets,
        (HEADER_ROW, COUNTS_HEADER_ROW),
        (HEADER_ROW, COUNTS_HEADER_ROW + 1),  # the counts' header has two rows
        strict=True,
    ):
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == f"${header}:${last}"
        assert ws.freeze_panes == f"A{last + 1}"
        assert "&P" in (ws.oddFooter.center.text or "")
        widths = [ws.column_dimensions[c].width for c in "ABC"]
        assert all(w and w >= 5 for w in widths)
    # the city tables' 14 columns fit the printable width at 90 % or more, as the city
    # summary's do: long names wrap, credit codes never do
    listing = workbook(xlsx).worksheets[0]
    width = {c: listing.column_dimensions[c].width or 0.0 for c in "ABCDEFGHIJKLMN"}
    assert sum(width.values()) <= width_budget(14) + 0.5
    assert width["F"] >= 2 * 5  # 申报主体名称: at least five CJK characters a line
    assert width["F"] > width["A"]  # and wider than 序号
    assert width["H"] >= 18  # an 18-character credit code fits on one line


def test_xlsx_is_deterministic(table: ProvinceTable, xlsx: bytes):
    assert render_province_xlsx(table, FAMILIES) == xlsx
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_xlsx_keeps_formula_like_text_as_text(edition: Edition):
    data = example_data()
    for app, payload in zip(data["applications"], INJECTIONS, strict=True):
        app["applicant"]["name"] = payload
    table = compose_province([city_from(data)], edition)
    ws = workbook(render_province_xlsx(table, FAMILIES)).worksheets[0]
    col = column(table, "applicant") + 1
    for i, payload in enumerate(INJECTIONS):
        cell = ws.cell(row=HEADER_ROW + 1 + i, column=col)
        assert (cell.value, cell.data_type) == (payload, "s")


# --------------------------------------------------------------------------- the PDF


@pytest.fixture(scope="module")
def pdf(table: ProvinceTable) -> tuple[bytes, Any]:
    from docgen.render.fonts import resolve_fonts
    from docgen.render.pdf import render_pdf

    first = render_pdf([province_document(table)], resolve_fonts()).data
    second = render_pdf([province_document(table)], resolve_fonts()).data
    assert first == second  # same table, same bytes
    return first, pytest.importorskip("pdfplumber").open(io.BytesIO(first))


def test_pdf_lists_every_city_and_application(
    pdf: tuple[bytes, Any], cities: list[City], table: ProvinceTable
):
    _, doc = pdf
    assert {(round(p.width), round(p.height)) for p in doc.pages} == {(842, 595)}
    assert doc.metadata.get("Author") == "自治区工业和信息化厅"
    pages = ["".join((p.extract_text() or "").split()) for p in doc.pages]
    text = "".join(pages)
    assert TITLE in text
    for city in cities:
        assert city.city.name in text
    uscc = "".join(column_text(p, table, "uscc") for p in doc.pages)
    names = "".join(column_text(p, table, "applicant") for p in doc.pages)
    raw = "\n".join(p.extract_text() or "" for p in doc.pages)
    for row in table.rows:
        assert row[column(table, "uscc")].text in uscc
        if row[column(table, "uscc")].source is not None:  # credit codes never wrap
            assert row[column(table, "uscc")].text in raw
        assert row[column(table, "applicant")].text in names
    # the listing repeats its header on every page; the counts table comes on its own page
    counts_page = next(i for i, t in enumerate(pages) if "各设区市申报数量与名额核对" in t)
    assert counts_page == len(pages) - 1 and counts_page >= 2
    for t in pages[:counts_page]:  # the two-line header: 统一社会 / 信用代码
        assert "统一社会" in t and "信用代码" in t
    assert "全区合计" in pages[counts_page] and "统一社会" not in pages[counts_page]


def test_pdf_counts_header_is_one_line(pdf: tuple[bytes, Any], table: ProvinceTable):
    # 示范平台（共享制造类） used to wrap in a column as wide as 示范企业's
    _, doc = pdf
    lines = (doc.pages[-1].extract_text() or "").splitlines()
    heading = lines.index(table.counts_heading)
    assert lines[heading + 1].split() == list(table.counts_header())
    assert lines[heading + 2].split()[0] == table.city_counts[0].city_name


def test_pdf_listing_header_breaks_only_where_the_labels_do(
    pdf: tuple[bytes, Any], table: ProvinceTable
):
    # every label line (服务型 / 制造模式, 法定 / 代表人, the others whole) on one printed line,
    # on every page the header repeats on
    _, doc = pdf
    parts = [part for c in table.columns for part in c.label.split("\n")]
    assert len(parts) > len(table.columns)  # the labels with a deliberate break
    words: list[str] = []
    for page in doc.pages[:-1]:
        on_page = [w for line in (page.extract_text() or "").splitlines() for w in line.split()]
        assert [p for p in parts if p not in on_page] == []
        words += on_page
    # and the longest city name does not wrap either
    city = column(table, "city")
    assert words.count("防城港市") == sum(row[city].text == "防城港市" for row in table.rows) > 0


# --------------------------------------------------------------------------- the batch


def test_batch_writes_the_province_summary(tmp_path: Path, cities: list[City]):
    from docgen.batch import PROVINCE_DIR, _write_province
    from docgen.build import BuildOptions

    written = _write_province(cities, tmp_path, BuildOptions(), "key-1")
    assert sorted(written) == ["全区申报汇总表.pdf", "全区申报汇总表.xlsx"]
    folder = tmp_path / PROVINCE_DIR
    # unchanged cities (same key): the summary is left as it is, not rewritten
    before = (folder / "全区申报汇总表.pdf").stat().st_mtime_ns
    assert sorted(_write_province(cities, tmp_path, BuildOptions(), "key-1")) == sorted(written)
    assert (folder / "全区申报汇总表.pdf").stat().st_mtime_ns == before
    assert (folder / "全区申报汇总表.pdf").read_bytes().startswith(b"%PDF")
    ws = workbook((folder / "全区申报汇总表.xlsx").read_bytes()).worksheets[0]
    assert ws.max_row == HEADER_ROW + sum(len(c.applications) for c in cities) + BLOCK_ROWS


def test_libreoffice_prints_both_sheets(xlsx: bytes, tmp_path: Path):
    pages = ["".join(p.split()) for p in libreoffice_text(xlsx, tmp_path)]
    text = "".join(pages)
    assert TITLE in text and "各设区市申报数量与名额核对" in text and "全区合计" in text
    assert all("第" in p and "页" in p for p in pages)  # the footer's page numbers
    # the unit/date/contact block is printed once, on the page with the listing's last row
    on = [i for i, p in enumerate(pages) if UNIT in p]
    assert len(on) == 1 and "填报日期：二〇二一年五月十四日" in pages[on[0]]
    assert "".join(CONTACT.split()) in pages[on[0]]
    assert table_last_phone(xlsx) in pages[on[0]]


def table_last_phone(xlsx: bytes) -> str:
    """The listing's last row's mobile number (ASCII: never wraps in print)."""
    ws = workbook(xlsx).worksheets[0]
    labels = [c.value for c in ws[HEADER_ROW]]
    return str(ws.cell(row=ws.max_row - BLOCK_ROWS, column=labels.index("手机") + 1).value)


# --------------------------------------------------------------------------- 填报单位（盖章）


def pdf_text(data: bytes) -> str:
    doc = pytest.importorskip("pdfplumber").open(io.BytesIO(data))
    return "\n".join(p.extract_text() or "" for p in doc.pages)


def _listing_rows_and_block(data: bytes, table: ProvinceTable) -> list[tuple[int, bool]]:
    """Per page of the listing: how many listing rows (序号 in the first column) it holds,
    and whether the 填报单位（盖章） block is on it."""
    from docgen.layout import LANDSCAPE

    doc = pytest.importorskip("pdfplumber").open(io.BytesIO(data))
    widths = listing_table(table.columns, table.rows, None, table.table_size).widths
    x_seq = LANDSCAPE.margin_left + widths[0] / sum(widths) * LANDSCAPE.frame_width
    out = []
    for page in doc.pages[:-1]:  # the last page: the counts
        seqs = [w for w in page.extract_words() if w["x1"] < x_seq and w["text"].isdigit()]
        out.append((len(seqs), table.unit_label in (page.extract_text() or "")))
    return out


@pytest.mark.parametrize("n", [*range(1, 31), 52])
def test_pdf_keeps_the_unit_block_with_the_last_rows(table: ProvinceTable, n: int):
    from docgen.render.fonts import resolve_fonts
    from docgen.render.pdf import render_pdf

    assert table.keep_rows == 3  # province.toml: three rows at least on a page
    part = dataclasses.replace(table, rows=table.rows[:n])
    data = render_pdf([province_document(part)], resolve_fonts()).data
    pages = _listing_rows_and_block(data, part)
    assert sum(rows for rows, _ in pages) == n
    # the block is once, on the last listing page, with at least three rows (all, if fewer)
    assert [block for _, block in pages] == [False] * (len(pages) - 1) + [True]
    assert pages[-1][0] >= min(n, 3)
    # no page of the listing holds fewer than three rows
    if n >= 6:
        assert all(rows >= 3 for rows, _ in pages), pages
    assert "此页无正文" not in pdf_text(data)


def test_pdf_unit_block_and_its_seal(pdf: tuple[bytes, Any], table: ProvinceTable):
    from docgen.render.fonts import resolve_fonts
    from docgen.render.pdf import render_pdf

    assert (table.unit_label, table.date_label) == ("填报单位（盖章）", "填报日期")
    assert table.date_text == "二〇二一年五月十四日"  # the latest of the samples' dates
    result = render_pdf([province_document(table)], resolve_fonts())
    doc = pytest.importorskip("pdfplumber").open(io.BytesIO(result.data))
    slots = [s for s in result.docs[0].seal_slots if s.seal == "bureau"]
    assert len(slots) == 1
    slot = slots[0]
    page = doc.pages[slot.page]
    text = "".join((page.extract_text() or "").split())
    assert f"{table.unit_label}：{table.unit}" in text
    assert f"{table.date_label}：{table.date_text}" in text
    assert "".join(CONTACT.split()) in text
    x0, y0, x1, y1 = slot.box
    inside = [
        c["text"]
        for c in page.chars
        if c["x1"] > x0
        and c["x0"] < x1
        and page.height - c["top"] > y0
        and page.height - c["bottom"] < y1
    ]
    # the seal covers the unit's name and the date's 年 and 月, and nothing of the table (it
    # may press on the contact line under the date, as on the city summary)
    assert {table.unit[0], "年", "月"} <= set(inside), inside
    allowed = set(
        table.unit_label + "：" + table.unit + table.date_label + table.date_text + table.contact
    )
    assert set(inside) - {" ", "\u3000"} <= allowed, inside


def test_pdf_unit_block_with_a_contact_line(table: ProvinceTable):
    from docgen.render.fonts import resolve_fonts
    from docgen.render.pdf import render_pdf

    contact = "联系人：韦小宝　联系电话：0771-5591237"
    with_contact = dataclasses.replace(table, contact=contact, rows=table.rows[:12])
    assert signature_block(with_contact).lines[-1] == (Run(contact),)
    assert len(signature_block(dataclasses.replace(with_contact, contact="")).lines) == 2
    data = render_pdf([province_document(with_contact)], resolve_fonts()).data
    assert "".join(contact.split()) in "".join(pdf_text(data).split())


# --------------------------------------------------------------------------- what a reviewer checks
#
# Issue 12: the province summary has the city tables' columns, no page of the listing holds only a
# few rows, the 填报单位（盖章）/ date / contact block is on the last page of the listing (PDF) and
# under the listing (XLSX, text cells), dated with the latest submission date of the cities listed
# (or `docgen batch --date`).


def test_the_columns_are_the_city_summary_columns_with_the_city(
    table: ProvinceTable, cities: list[City], edition: Edition
):
    city = compose_summary(cities[0], edition)
    own = [(c.key, c.label) for c in city.columns]
    assert [(c.key, c.label) for c in table.columns] == [own[0], ("city", "设区市"), *own[1:]]
    assert {"职务", "手机", "联系电话", "备注"} <= {c.label for c in table.columns}


def test_the_date_is_the_latest_submission_date_of_the_cities(
    table: ProvinceTable, cities: list[City], edition: Edition
):
    from datetime import date

    from docgen.cnformat import chinese_date
    from docgen.compose.province import province_date

    latest = max(c.submitted_on for c in cities)
    assert province_date(cities) == latest == date(2021, 5, 14)
    assert table.date_text == chinese_date(latest) == "二〇二一年五月十四日"
    # two cities, in either order: the later one's date
    early, late = sorted(cities[:2], key=lambda c: c.submitted_on)
    assert early.submitted_on < late.submitted_on
    for pair in ([early, late], [late, early]):
        assert compose_province(pair, edition).date_text == chinese_date(late.submitted_on)
    # a date given (docgen batch --date) wins; no city listed: the blank, written in by hand
    given = compose_province(cities, edition, on=date(2021, 5, 20))
    assert given.date_text == "二〇二一年五月二十日"
    assert dataclasses.replace(given, date_text=table.date_text) == table
    assert compose_province([], edition, {"451400": ""}).date_text == "　　　　年　　月　　日"


def test_every_listing_page_holds_three_rows_and_the_last_the_block(
    pdf: tuple[bytes, Any], table: ProvinceTable
):
    data, doc = pdf
    pages = _listing_rows_and_block(data, table)
    assert len(pages) >= 2 and sum(rows for rows, _ in pages) == table.total == 52
    assert all(rows >= table.keep_rows == 3 for rows, _ in pages), pages
    assert [block for _, block in pages] == [False] * (len(pages) - 1) + [True]
    texts = ["".join((p.extract_text() or "").split()) for p in doc.pages[: len(pages)]]
    # every page after the first continues the table under 续表, as the city tables do
    assert not texts[0].startswith("续表") and all(t.startswith("续表") for t in texts[1:])
    last = texts[-1]
    assert UNIT in last and "填报日期：二〇二一年五月十四日" in last
    assert "".join(CONTACT.split()) in last
    assert all(UNIT not in t for t in texts[:-1])


def test_xlsx_unit_block_is_text_under_the_listing(xlsx: bytes, table: ProvinceTable):
    ws = workbook(xlsx).worksheets[0]
    last = HEADER_ROW + table.total
    first = len(table.columns) // 2 + 1  # the right half, where the PDF prints it
    assert all(c.value is None for c in ws[last + 1])  # the space before the block
    block = [ws.cell(row=last + k, column=first) for k in (2, 3, 4)]
    assert [c.value for c in block] == [UNIT, "填报日期：二〇二一年五月十四日", CONTACT]
    for cell in block:
        assert (cell.data_type, cell.number_format) == ("s", "@")  # text, never a formula
        assert cell.border.top.style is None  # outside the table's rules
        row = [c.value for c in ws[cell.row]]
        assert row[: first - 1] == [None] * (first - 1)
    merged = {str(m) for m in ws.merged_cells.ranges}
    end = get_column_letter(len(table.columns))
    for cell in block:
        assert f"{cell.coordinate}:{end}{cell.row}" in merged
    assert ws.print_area.endswith(f"${end}${last + 4}")  # the block prints with the table
    # room for the seal over the unit's name and the date: two lines of 12 pt each
    assert all((ws.row_dimensions[c.row].height or 0) >= 2 * 12 * 1.4 for c in block[:2])
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) for n in sheets)


@pytest.fixture(scope="module")
def dated_batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two samples batched three times into one OUT: as they are, with ``--date`` (the
    cities skipped, the summary rewritten), and without it again."""
    from datetime import date

    from click.testing import CliRunner

    from docgen.batch import run_batch
    from docgen.cli import main

    out = tmp_path_factory.mktemp("dated") / "out"
    two = [SAMPLES / "451100", SAMPLES / "451400"]
    runs: dict[str, Any] = {}
    for name, dated in (("rule", None), ("given", date(2021, 5, 20)), ("again", None)):
        result = run_batch(two, out, jobs=1, dated=dated)
        folder = out / "province"
        runs[name] = (
            result,
            (folder / "全区申报汇总表.pdf").read_bytes(),
            (folder / "全区申报汇总表.xlsx").read_bytes(),
        )
    bad = CliRunner().invoke(
        main, ["batch", *map(str, two), "-o", str(out.parent / "bad"), "--date", "2021-13-01"]
    )
    return {
        "runs": runs,
        "cities": [load_city(d / "city.json") for d in two],
        "bad": bad,
        "bad_out": out.parent / "bad",
    }


def test_batch_dates_the_summary_with_its_rule_or_date_option(dated_batch: dict[str, Any]):
    from docgen.cnformat import chinese_date

    runs = dated_batch["runs"]
    latest = chinese_date(max(c.submitted_on for c in dated_batch["cities"]))
    for name, date_text in (("rule", latest), ("given", "二〇二一年五月二十日"), ("again", latest)):
        result, pdf_bytes, xlsx_bytes = runs[name]
        assert result.ok and result.province_error is None
        text = "".join(pdf_text(pdf_bytes).split())
        assert f"{UNIT}填报日期：{date_text}" in text, name
        ws = workbook(xlsx_bytes).worksheets[0]
        dates = [c for row in ws.iter_rows() for c in row if str(c.value).startswith("填报日期")]
        assert [(c.value, c.data_type) for c in dates] == [(f"填报日期：{date_text}", "s")]
    # the cities were built once; the date alone rewrote the summary, and back again
    assert {c.status for c in runs["given"][0].cities} == {"skipped"}
    assert runs["given"][1] != runs["rule"][1]
    assert runs["again"][1:] == runs["rule"][1:]  # the same bytes as the first time


def test_batch_date_option_must_be_a_date(dated_batch: dict[str, Any]):
    bad = dated_batch["bad"]
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    assert not dated_batch["bad_out"].exists()  # refused before anything was written
