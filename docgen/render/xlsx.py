"""The summary table (申报汇总表) as an XLSX workbook that opens finished and prints right.

Every piece of user text is written as a string cell (never a formula, error code or number), so
``=1+1``, ``＝SUM(A1)``, credit codes and phone numbers with leading zeros stay exactly as typed;
counts and quotas are numbers. The workbook names the Windows faces 宋体 and 黑体 (and Times New
Roman in its theme), whatever machine builds it. Each listing prints on A4 landscape, one page
wide and as many tall as needed, with the table text at 9 pt or more: column widths are fitted to
a width budget (``_fit_budget``) and long text wraps, row heights follow the wrapped lines. The
quota check (名额核对) is a sheet of its own. No formulas, so no recalculation on load: Excel and
WPS close the file without asking to save it. The bytes are deterministic: fixed document dates
and a re-packed zip with fixed entry times.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.fonts import Font as _Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.theme import theme_xml

from .. import layout
from ..compose.summary import QuotaCount, SummaryCell, SummaryTable
from ..document import Role
from ..textsafe import xml_text
from ..ziputil import FIXED_TIME, packed_xlsx

if TYPE_CHECKING:  # a city's build writes no province summary: its module is not imported
    from ..compose.province import ProvinceTable

__all__ = ["render_province_xlsx", "render_xlsx", "text_width"]


# XML 1.0 forbids C0 controls other than tab/LF/CR, U+FFFE/U+FFFF and lone surrogates.
# A leading character that makes Excel or WPS read typed text as a formula.
_FORMULA_START = tuple("=+-@＝＋－＠")

_BODY_SIZE = 10.5  # 五号
_TITLE_SIZE = 18.0  # 小二
_LINE_FACTOR = 1.4  # row height per line, in units of the font size
_ROW_PADDING = 6.0  # points
_MAX_ROW_HEIGHT = 409.0  # Excel's limit
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_OVER_COLOR = "C00000"
_GB2312_CHARSET = 134
SONG = "宋体"  # the Windows faces the workbook names (SimSun, SimHei)
HEI = "黑体"
LATIN = "Times New Roman"
# Printing: A4 landscape between the landscape margins, fit to one page wide. Excel sizes a column
# of width w at about 7 w + 5 pixels (its default font's digit is 7 px at 96 dpi), 3/4 pt each;
# the listing's widths are kept within the width that prints at MIN_PRINT_SCALE or more, so that
# 10.5 pt table text prints at 9.5 pt or more (9 pt with room for other programs' metrics).
MIN_PRINT_SCALE = 0.9
_PRINT_WIDTH = layout.LANDSCAPE.width - layout.XLSX_MARGIN_LEFT - layout.XLSX_MARGIN_RIGHT


def text_width(text: str) -> int:
    """Width of the longest line in spreadsheet column units: CJK/full-width characters 2."""
    best = 0
    for line in text.split("\n"):
        width = 0
        for ch in line:
            if unicodedata.combining(ch):
                continue
            width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        best = max(best, width)
    return best


def _line_count(text: str, width: float) -> int:
    """How many lines ``text`` takes in a wrapped cell ``width`` units wide (estimate)."""
    usable = max(width - 1.5, 1.0)
    return sum(max(1, math.ceil(text_width(line) / usable)) for line in text.split("\n"))


def _height(lines: int, size: float) -> float:
    return min(_MAX_ROW_HEIGHT, round(lines * size * _LINE_FACTOR + _ROW_PADDING, 1))


def _inches(points: float) -> float:
    """Points to inches, rounded up to 1/100 in (a margin never ends up narrower than asked)."""
    return math.ceil(points / 72.0 * 100.0 - 1e-9) / 100.0


class _Sheet:
    """Writes cells with the table's fonts and remembers row heights."""

    def __init__(self, ws: Worksheet, families: Mapping[Role, str] | None = None):
        # ``families`` (the faces the PDF is drawn with) is not used: the workbook names the
        # Windows faces, which the machine that opens it has.
        del families
        self.ws = ws
        self.song = SONG
        self.hei = HEI
        self.heights: dict[int, float] = {}

    def font(
        self,
        *,
        hei: bool = False,
        size: float = _BODY_SIZE,
        bold: bool = False,
        color: str | None = None,
    ) -> Font:
        return Font(
            name=self.hei if hei else self.song,
            size=size,
            bold=bold,
            color=color,
            charset=_GB2312_CHARSET,
        )

    def _writable(self, row: int, col: int) -> XlCell:
        """The cell at ``row``, ``col``; one a merge covers cannot take a value (cells are
        written before their row is merged)."""
        cell = self.ws.cell(row=row, column=col)
        if not isinstance(cell, XlCell):
            raise ValueError(
                f"cell {cell.coordinate} is covered by a merge: write it before merging"
            )
        return cell

    def text(
        self, row: int, col: int, text: str, font: Font, align: Alignment, border: bool = True
    ) -> XlCell:
        """A string cell, whatever ``text`` looks like (formula, error code, digits)."""
        cell = self._writable(row, col)
        value = xml_text(text)
        cell.value = value
        cell.data_type = "s"  # "=1+1" would otherwise be stored as a formula, "#N/A" as an error
        cell.number_format = "@"  # text: stays text when edited in Excel or WPS
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True
        cell.font = font
        cell.alignment = align
        if border:
            cell.border = _BORDER
        return cell

    def number(self, row: int, col: int, value: int | None, font: Font, align: Alignment) -> XlCell:
        cell = self._writable(row, col)
        cell.value = value
        cell.font = font
        cell.alignment = align
        cell.border = _BORDER
        return cell

    def merge(self, row: int, first: int, last: int, border: bool = True) -> None:
        """Merge columns first..last of ``row`` (1-based); borders drawn on every piece."""
        if last > first:
            self.ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        if border:
            for col in range(first, last + 1):
                self.ws.cell(row=row, column=col).border = _BORDER

    def fit(self, row: int, lines: int, size: float = _BODY_SIZE) -> None:
        self.heights[row] = max(self.heights.get(row, 0.0), _height(lines, size))

    @classmethod
    def setup(
        cls,
        ws: Worksheet,
        name: str,
        widths: Sequence[float],
        families: Mapping[Role, str] | None,
    ) -> _Sheet:
        """``ws`` named ``name`` with its column widths set."""
        ws.title = name
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = width
        return cls(ws, families)

    def title_row(self, r: int, title: str, ncols: int, full: float) -> None:
        """The sheet's title across all ``ncols`` columns (``full`` units wide)."""
        self.text(
            r,
            1,
            title,
            self.font(hei=True, size=_TITLE_SIZE, bold=True),
            _align("center"),
            border=False,
        )
        self.merge(r, 1, ncols, border=False)
        self.fit(r, _line_count(title, full * 18 / 12), _TITLE_SIZE)

    def header_row(self, r: int, labels: Sequence[str], widths: Sequence[float]) -> None:
        """A shaded header row (the one repeated on every printed page)."""
        header_font = self.font(hei=True, bold=True)
        lines = 1
        for j, label in enumerate(labels, start=1):
            cell = self.text(r, j, label, header_font, _align("center"))
            cell.fill = _HEADER_FILL
            lines = max(lines, _line_count(label, widths[j - 1]))
        self.fit(r, lines)

    def listing(
        self,
        r: int,
        rows: Sequence[Sequence[SummaryCell]],
        note: str | None,
        widths: Sequence[float],
    ) -> int:
        """One row per application below row ``r`` (or the note when there are none); returns
        the last row written."""
        body = self.font()
        for row in rows:
            r += 1
            lines = 1
            for j, value in enumerate(row, start=1):
                if value.number is not None:
                    self.number(r, j, value.number, body, _align("center"))
                else:
                    # docgen's own marks (the none mark "—") are centred, user text left-aligned
                    where = "left" if value.source is not None else "center"
                    self.text(r, j, value.text, body, _align(where))
                    lines = max(lines, _line_count(xml_text(value.text), widths[j - 1]))
            self.fit(r, lines)
        if note is not None:
            r += 1
            self.text(r, 1, note, self.font(bold=True), _align("center"))
            self.merge(r, 1, len(widths))
            self.fit(r, 2)
        return r

    def finish(
        self, header_row: int, ncols: int, last_row: int, footer: str, header_rows: int = 1
    ) -> None:
        """Row heights, frozen header and the print settings: A4 landscape, fit to the page
        width (as many pages tall as needed), the header rows repeated on every page, page
        numbers in the footer."""
        ws = self.ws
        for row_number, height in self.heights.items():
            ws.row_dimensions[row_number].height = height
        last_header = header_row + header_rows - 1
        ws.freeze_panes = ws.cell(row=last_header + 1, column=1).coordinate
        ws.print_title_rows = f"{header_row}:{last_header}"
        ws.print_area = f"A1:{get_column_letter(ncols)}{last_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_options.horizontalCentered = True
        ws.page_margins = PageMargins(
            left=_inches(layout.XLSX_MARGIN_LEFT),
            right=_inches(layout.XLSX_MARGIN_RIGHT),  # ≥ 26 mm: room for the seal at the right edge
            top=_inches(layout.XLSX_MARGIN_TOP),
            bottom=_inches(layout.XLSX_MARGIN_BOTTOM),
            header=0.3,
            footer=0.35,
        )
        odd_footer = ws.oddFooter
        assert odd_footer is not None  # every sheet has one; openpyxl's stubs allow None
        odd_footer.center.text = footer
        odd_footer.center.font = f"{self.song},Regular"
        odd_footer.center.size = 11  # 9 pt or more at the printed scale


def _align(horizontal: str = "left", *, wrap: bool = True) -> Alignment:
    return Alignment(horizontal=horizontal, vertical="center", wrap_text=wrap)


def _fit_widths(
    labels: Sequence[str], rows: Sequence[Sequence[str]], lo: float, hi: float
) -> list[float]:
    """Widths from the content (CJK ≈ 2 units) between the edition's minimum and maximum, then
    narrowed to the printable width (``_fit_budget``): wider text wraps."""
    widths: list[float] = []
    floors: list[float] = []
    for j, label in enumerate(labels):
        natural = text_width(label)
        for row in rows:
            natural = max(natural, text_width(xml_text(row[j])))
        widths.append(float(min(hi, max(lo, natural + 2))))
        # Narrowed to no less than three CJK characters (or the content, if narrower); codes
        # and numbers (credit codes, telephone numbers: ASCII only, or a none mark) never break.
        texts = [xml_text(row[j]) for row in rows]
        codes = any(len(t) > 1 for t in texts) and all(t.isascii() or len(t) <= 1 for t in texts)
        floor = min(natural + 2, 22.0) if codes else min(natural + 2, 6.0)
        floors.append(float(max(lo, min(floor, widths[-1]))))
    return _fit_budget(widths, floors)


def width_budget(ncols: int) -> float:
    """The most column-width units ``ncols`` columns may take and still print, fit to the page
    width, at ``MIN_PRINT_SCALE`` or more."""
    pixels = _PRINT_WIDTH / MIN_PRINT_SCALE / 0.75
    return max((pixels - 5 * ncols) / 7.0, float(ncols))


def _fit_budget(widths: Sequence[float], floors: Sequence[float]) -> list[float]:
    """Narrow the columns, each in proportion to its width above its floor, until the total
    fits the budget (never below a floor)."""
    budget = width_budget(len(widths))
    total, base = sum(widths), sum(floors)
    if total <= budget or total <= base:
        return [round(w, 1) for w in widths]
    k = max(0.0, (budget - base) / (total - base))
    return [round(f + (w - f) * k, 1) for w, f in zip(widths, floors, strict=True)]


def _column_widths(table: SummaryTable | ProvinceTable) -> list[float]:
    """Widths of the listing's columns (the application rows)."""
    return _fit_widths(
        [c.label for c in table.columns],
        [[cell.text for cell in row] for row in table.rows],
        table.xlsx.min_column_width,
        table.xlsx.max_column_width,
    )


def _span_for(widths: Sequence[float], start: int, need: float, limit: int) -> int:
    """Smallest last column (0-based, ≤ limit) so columns start..last are ``need`` wide."""
    total, last = 0.0, start
    for last in range(start, limit + 1):
        total += widths[last]
        if total >= need:
            break
    return last


def render_xlsx(table: SummaryTable, families: Mapping[Role, str]) -> bytes:
    """The summary table as XLSX bytes; ``families`` maps a face role ("song", "hei") to the
    font family named in the workbook."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    widths = _column_widths(table)
    sheet = _Sheet.setup(ws, table.xlsx.sheet_name, widths, families)
    ncols = len(table.columns)
    full = sum(widths)
    body = sheet.font()

    # Title
    r = 1
    sheet.title_row(r, table.title, ncols, full)

    # 填报单位（盖章） and 填报日期, the bureau's seal goes over them
    r += 1
    unit = f"{table.unit_label}：{table.unit}"
    date = f"{table.date_label}：{table.date_text}"
    head = sheet.font(size=12)
    if ncols >= 2:
        split = max(1, ncols // 2)
        sheet.text(r, 1, unit, head, _align("left"), border=False)
        sheet.merge(r, 1, split, border=False)
        sheet.text(r, split + 1, date, head, _align("right"), border=False)
        sheet.merge(r, split + 1, ncols, border=False)
        lines = max(
            _line_count(unit, sum(widths[:split]) * 10.5 / 12),
            _line_count(date, sum(widths[split:]) * 10.5 / 12),
        )
    else:
        sheet.text(r, 1, f"{unit}\n{date}", head, _align("left"), border=False)
        lines = _line_count(f"{unit}\n{date}", full * 10.5 / 12)
    sheet.fit(r, max(lines, 2), 12)  # room for the seal over the unit's name

    # The city's contact person
    r += 1
    contact = "　　".join(f"{f.label}：{f.value}" for f in table.contact if f.value)
    sheet.text(r, 1, contact, body, _align("left"), border=False)
    sheet.merge(r, 1, ncols, border=False)
    sheet.fit(r, _line_count(contact, full))

    # Header row, one row per application
    r += 1
    header_row = r
    sheet.header_row(r, [c.label for c in table.columns], widths)
    r = sheet.listing(r, table.rows, table.note, widths)
    sheet.finish(header_row, ncols, r, table.xlsx.footer)

    # The quota check on a sheet of its own (not printed with the table), numbers as numbers
    _counts_sheet(wb, table)
    return _deterministic(wb, f"{table.city_name}{table.title}")


def render_province_xlsx(table: ProvinceTable, families: Mapping[Role, str]) -> bytes:
    """The province summary as XLSX bytes: the listing on the first sheet, the counts per city
    against the quotas on the second; both print like the city summary."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None

    # Sheet 1: every application of every city
    ncols = len(table.columns)
    widths = _column_widths(table)
    sheet = _Sheet.setup(ws, table.xlsx.sheet_name, widths, families)
    full = sum(widths)
    sheet.title_row(1, table.title, ncols, full)
    sheet.text(2, 1, table.statement, sheet.font(size=12), _align("center"), border=False)
    sheet.merge(2, 1, ncols, border=False)
    sheet.fit(2, _line_count(table.statement, full * 10.5 / 12), 12)
    sheet.header_row(3, [c.label for c in table.columns], widths)
    last = sheet.listing(3, table.rows, table.note, widths)
    last = _province_block(sheet, table, widths, last)
    sheet.finish(3, ncols, last, table.xlsx.footer)

    # Sheet 2: counts per city and category against the quotas, and the totals. Each category
    # has two columns of numbers (申报数, 名额) under its label, so the sheet can be summed.
    _province_counts_sheet(wb, table, families)
    return _deterministic(wb, table.title)


def _province_block(sheet: _Sheet, table: ProvinceTable, widths: Sequence[float], last: int) -> int:
    """填报单位（盖章）, 填报日期 and the contact line under the listing (row ``last``), as the
    PDF prints them: one under the other in the right half, text cells without borders, in
    12 pt as the city summary's unit and date, each row two lines high and an empty row before
    them, room for the office's seal over the unit's name and the date. Returns the last row."""
    ncols = len(widths)
    first = ncols // 2 + 1 if ncols >= 2 else 1
    span = sum(widths[first - 1 :])
    head = sheet.font(size=12)
    r = last + 1
    sheet.fit(r, 1, 12)  # the space between the table and the block
    for text in (f"{table.unit_label}：{table.unit}", f"{table.date_label}：{table.date_text}"):
        r += 1
        sheet.text(r, first, text, head, _align("left"), border=False)
        sheet.merge(r, first, ncols, border=False)
        sheet.fit(r, max(_line_count(text, span * 10.5 / 12), 2), 12)
    if table.contact:
        r += 1
        sheet.text(r, first, table.contact, sheet.font(), _align("left"), border=False)
        sheet.merge(r, first, ncols, border=False)
        sheet.fit(r, _line_count(table.contact, span))
    return r


def _province_counts_sheet(
    wb: Workbook, table: ProvinceTable, families: Mapping[Role, str]
) -> None:
    """Counts per city: the city, then for each category its count and its quota as numbers
    (two header rows: the category, then 申报数 / 名额), then the city's total. A city without a
    packet (未提交, 生成失败) has its status across the count columns."""
    labels = table.count_labels
    ncols = 2 + 2 * len(labels)
    grid = table.counts_grid()
    first_widths = _fit_widths(
        (table.counts_city_label,),
        [row[:1] for row in grid],
        table.xlsx.min_column_width,
        table.xlsx.max_column_width,
    )
    pair = [
        max(6.0, text_width(table.count_label) + 2),
        max(6.0, text_width(table.quota_label) + 2),
    ]
    for label in labels:  # a category's two columns together hold its label on one or two lines
        need = text_width(label) / 2 + 2
        if sum(pair) < need:
            pair = [need / 2, need / 2]
    total_width = max(6.0, text_width(table.counts_total_label) + 2)
    widths = [first_widths[0], *(pair * len(labels)), total_width]
    sheet = _Sheet.setup(wb.create_sheet(), table.counts_sheet_name, widths, families)
    full = sum(widths)
    sheet.title_row(1, table.counts_heading, ncols, full)
    head = sheet.font(hei=True, bold=True)
    for r, c1, c2, text in (
        (2, 1, 1, table.counts_city_label),
        (2, ncols, ncols, table.counts_total_label),
        *((2, 2 + 2 * k, 3 + 2 * k, label) for k, label in enumerate(labels)),
        *(
            (3, 2 + 2 * k + i, 2 + 2 * k + i, (table.count_label, table.quota_label)[i])
            for k in range(len(labels))
            for i in (0, 1)
        ),
    ):
        sheet.text(r, c1, text, head, _align("center")).fill = _HEADER_FILL
        sheet.merge(r, c1, c2)
    for col in (1, ncols):  # the city and total labels span both header rows
        sheet.text(3, col, "", head, _align("center")).fill = _HEADER_FILL
        sheet.ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    sheet.fit(2, max(_line_count(t, widths[1] * 2) for t in labels) if labels else 1)
    sheet.fit(3, 1)
    r = 3
    body = sheet.font()
    for k, texts in enumerate(grid):
        r += 1
        city = table.city_counts[k] if k < len(table.city_counts) else None
        font = body if city is not None else head
        sheet.text(r, 1, texts[0], font, _align("left" if city else "center"))
        sheet.fit(r, _line_count(texts[0], widths[0]))
        if city is not None and not city.counted:  # 未提交 / 生成失败, across the counts
            sheet.text(r, 2, texts[1], sheet.font(bold=True, color=_OVER_COLOR), _align("center"))
            sheet.merge(r, 2, ncols)
            continue
        counts = city.counts if city is not None else table.totals
        cells = []
        for j, c in enumerate(counts):
            over = city is not None and isinstance(c, QuotaCount) and c.over
            count_font = sheet.font(bold=True, color=_OVER_COLOR) if over else font
            count = c.count if c is not None else None
            quota = c.quota if c is not None else None
            cells.append(sheet.number(r, 2 + 2 * j, count, count_font, _align("center")))
            cells.append(sheet.number(r, 3 + 2 * j, quota, font, _align("center")))
        total = city.total if city is not None else table.total
        cells.append(sheet.number(r, ncols, total, font, _align("center")))
        if city is None:
            for cell in sheet.ws[r]:
                cell.fill = _HEADER_FILL
    if table.counts_note:
        r += 1
        sheet.text(r, 1, table.counts_note, sheet.font(), _align("left"), border=False)
        sheet.merge(r, 1, ncols, border=False)
        sheet.fit(r, _line_count(table.counts_note, full))
    sheet.finish(2, ncols, r, table.xlsx.footer, header_rows=2)


def _counts_sheet(wb: Workbook, table: SummaryTable) -> None:
    """The 名额核对 sheet: one row per category (and platform subtype) with its count and quota
    as numbers (an empty quota cell: no quota), the result, and the total."""
    labels = [table.counts_heading, table.total_label, *(c.label for c in table.counts)]
    results = [table.result_label, *(c.result for c in table.counts)]
    lo, hi = table.xlsx.min_column_width, table.xlsx.max_column_width
    widths = [
        float(min(hi, max(lo, max(text_width(t) for t in labels) + 2))),
        float(max(lo, text_width(table.count_label) + 4)),
        float(max(lo, text_width(table.quota_label) + 4)),
        float(min(hi, max(lo, max(text_width(t) for t in results) + 2))),
    ]
    name = table.counts_heading[:31]
    sheet = _Sheet.setup(wb.create_sheet(), name, widths, None)
    sheet.title_row(1, f"{table.city_name}{table.counts_heading}", 4, sum(widths))
    header = [table.counts_heading, table.count_label, table.quota_label, table.result_label]
    sheet.header_row(2, header, widths)
    r = 2
    for c in table.counts:
        r += 1
        font = sheet.font(bold=c.over, color=_OVER_COLOR if c.over else None)
        sheet.text(r, 1, c.label, font, _align("left"))
        sheet.number(r, 2, c.count, font, _align("center"))
        sheet.number(r, 3, c.quota, font, _align("center"))
        sheet.text(r, 4, c.result, font, _align("left"))
        sheet.fit(r, max(_line_count(c.label, widths[0]), _line_count(c.result, widths[3])))
    r += 1
    head = sheet.font(hei=True, bold=True)
    cells = [
        sheet.text(r, 1, table.total_label, head, _align("center")),
        sheet.number(r, 2, table.total, head, _align("center")),
        sheet.number(r, 3, None, head, _align("center")),
        sheet.text(r, 4, "", head, _align("left")),
    ]
    for cell in cells:
        cell.fill = _HEADER_FILL
    sheet.fit(r, 1)
    sheet.finish(2, 4, r, table.xlsx.footer)


def _windows_fonts(wb: Workbook) -> None:
    """The workbook's default font 宋体 (not Calibri), a theme naming Windows faces only, and
    no recalculation on load (there are no formulas)."""
    default = _Font(name=SONG, sz=11, family=3, charset=_GB2312_CHARSET)
    # The workbook's font and named-style lists: openpyxl's own attributes, not in its stubs.
    fonts = list(wb._fonts)  # type: ignore[attr-defined]
    wb._fonts = IndexedList([default, *fonts[1:]])  # type: ignore[attr-defined]
    normal: NamedStyle = wb._named_styles["Normal"]  # type: ignore[attr-defined]
    normal.font = default
    theme = theme_xml
    fonts_xml = f'<a:latin typeface="{LATIN}"/><a:ea typeface="{SONG}"/><a:cs typeface="{LATIN}"/>'
    for kind in ("majorFont", "minorFont"):
        theme = re.sub(
            f"<a:{kind}>.*?</a:{kind}>", f"<a:{kind}>{fonts_xml}</a:{kind}>", theme, flags=re.S
        )
    wb.loaded_theme = theme
    wb.calculation = CalcProperties(fullCalcOnLoad=None)


def _deterministic(wb: Workbook, title: str) -> bytes:
    """Set the fixed document properties, save ``wb`` and re-pack the zip: sorted entries, fixed
    times, fixed compression."""
    _windows_fonts(wb)
    props = wb.properties
    props.title = title
    props.creator = "docgen"
    props.lastModifiedBy = None
    props.created = FIXED_TIME
    return packed_xlsx(wb, modified=FIXED_TIME)
