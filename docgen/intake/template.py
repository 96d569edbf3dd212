"""The intake workbooks and the Word template, empty (``docgen intake template``) or filled from a
city file (``docgen intake export``, through ``export.py``).

Labels are locked (sheet protection without a password: the applicant can select and fill only
the input cells, and cannot insert rows or rename the layout away), every input cell has a data
validation with a Chinese input message (lists for the choices, real dates, numbers with at most
2 decimals, 18 characters for the credit code, digits only for the letter's serial number), and
the hidden sheet ``_docgen`` records what the workbook is, for which edition and which template
version. The city workbook's 城市信息 has, below the city's rows, the rows of the submission letter
(``letter``, from template version 2). The applicant workbook's 主要指标 (from template version 3)
has every subtype's indicator rows, group by group, each group's caption naming the category and
subtype that fill it: one template serves every applicant (the same as 基本信息's rows marked
“示范平台填写”), and an export fills only the group of the application's own subtype.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..cnformat import cn_date
from ..compose.templating import labels, render_text
from ..edition import Edition, load_edition
from ..output import guarded_output
from ..ziputil import FIXED_TIME, packed_xlsx
from .docxwrite import narrative_docx
from .layout import (
    APPLICANT,
    APPLICANT_WORKBOOK,
    CITY,
    CITY_WORKBOOK,
    COL_HINT,
    COL_LABEL,
    COL_NO,
    COL_VALUE,
    FIN_ROWS,
    GENERATOR,
    IND_COL_HINT,
    IND_COL_UNIT,
    IND_COL_VALUE,
    META_ROWS,
    META_SHEET,
    NARRATIVE_DOCX,
    SHEET_ATTACHMENTS,
    SHEET_BASIC,
    SHEET_CITY,
    SHEET_HELP,
    SHEET_INDICATORS,
    SHEET_LIST,
    SHEET_SECTIONS,
    TABLE_FIRST_ROW,
    TABLE_HEADER_ROW,
    TEMPLATE_VERSION,
    Field,
    IndicatorField,
    IndicatorGroup,
    Layout,
    layout,
)

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell, MergedCell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

# Empty rows offered in the table sheets (the sheets are protected: rows cannot be inserted).
SECTION_ROWS = 20
ATTACHMENT_ROWS = 30
LIST_ROWS = 20

_LABEL_FILL = "F2F2F2"
_HEADER_FILL = "D9E1F2"


@dataclass(frozen=True)
class Written:
    """What a template or an export wrote: the folder and its files (relative paths)."""

    out_dir: Path
    files: tuple[str, ...]


def write_template(
    out_dir: Path, edition_id: str = "gx-2021-3", division_code: str = ""
) -> Written:
    """Write the empty city workbook, applicant workbook and Word template into ``out_dir`` (new,
    empty, or one docgen made)."""
    edition = load_edition(edition_id)
    lay = layout(edition)
    city_values: dict[str, Any] = {}
    if division_code:
        city_values["city.division_code"] = division_code
        name = _city_name(edition, division_code)
        if name:
            city_values["city.name"] = name
            city_values["city.bureau"] = f"{name}工业和信息化局"
            city_values["city.government"] = f"{name}人民政府"
    narrative = lay.intake["narrative"]
    files = {
        CITY_WORKBOOK: city_workbook(lay, city_values, []),
        APPLICANT_WORKBOOK: applicant_workbook(lay),
        NARRATIVE_DOCX: narrative_docx(
            narrative["title"], narrative["guidance"], [(h, "") for h in narrative["headings"]]
        ),
    }
    with guarded_output(out_dir) as out:
        for name, data in files.items():
            out.write(name, data)
    return Written(out_dir, tuple(files))


def _city_name(edition: Edition, division_code: str) -> str | None:
    """The city's name from the edition's list of cities (province.toml), if it has one."""
    try:
        province = labels(edition, "province.toml")
    except Exception:
        return None
    for city in province.get("cities", []):
        if isinstance(city, dict) and city.get("division_code") == division_code:
            return str(city.get("name", "")) or None
    return None


# --------------------------------------------------------------------------- workbooks


def applicant_workbook(
    lay: Layout,
    values: dict[str, Any] | None = None,
    financials: Sequence[dict[str, Any]] = (),
    sections: Sequence[tuple[str, str, str]] = (),
    attachments: Sequence[tuple[str, str]] = (),
    *,
    group: IndicatorGroup | None = None,
    indicators: Mapping[str, Any] | None = None,
) -> bytes:
    """The applicant's workbook; ``values`` by field path (``applicant.uscc``), ``sections`` as
    (heading, text, Word file), ``attachments`` as (title, file name), ``indicators`` by key
    into the rows of ``group`` (the application's subtype's)."""
    from openpyxl import Workbook

    wb = Workbook()
    _basic_sheet(wb, lay, values or {}, financials)
    if lay.indicator_groups:
        _indicator_sheet(wb, lay, group, indicators or {})
    lab, hints = lay.intake["labels"], lay.intake["hints"]
    # 申报材料: one row per narrative section.
    _table_sheet(
        wb,
        SHEET_SECTIONS,
        hints["sections"],
        [lab["column_no"], lab["section_heading"], lab["section_text"], lab["section_word"]],
        sections,
        SECTION_ROWS,
        {"A": 6, "B": 30, "C": 80, "D": 30},
        wrap_col=3,
    )
    # 随附材料: one row per attachment.
    _table_sheet(
        wb,
        SHEET_ATTACHMENTS,
        hints["attachments"],
        [lab["column_no"], lab["attachment_title"], lab["attachment_file"]],
        attachments,
        ATTACHMENT_ROWS,
        {"A": 6, "B": 50, "C": 50},
    )
    _help_sheet(wb, lay, lay.intake["instructions"]["applicant"], with_form=True)
    _meta_sheet(wb, lay, APPLICANT)
    return _save(wb)


def _basic_sheet(
    wb: Workbook, lay: Layout, values: dict[str, Any], financials: Sequence[dict[str, Any]]
) -> None:
    """基本信息: one labelled row per field, then the financial table."""
    basic = _first_sheet(wb)
    basic.title = SHEET_BASIC
    _title(basic, lay.intake["labels"]["title"], 4)
    _field_header(basic, lay)
    for n, f in enumerate(lay.fields, start=1):
        _field_row(basic, lay, f, n, values.get(f.path))
    _financial_table(basic, lay, financials)
    _widths(basic, {"A": 6, "B": 34, "C": 40, "D": 40, "E": 14, "F": 14, "G": 14, "H": 14})
    _protect(basic)


def _financial_table(ws: Worksheet, lay: Layout, financials: Sequence[dict[str, Any]]) -> None:
    """基本信息's financial table: a caption with the hint, a header, one row per year (at least
    ``FIN_ROWS``), each column validated as a whole."""
    fin_hint = lay.text("hints", "financials", years=lay.edition.rules.edition.financial_years)
    caption = labels(lay.edition, "form.toml")["financials"]["caption"]
    _label_style(ws.cell(lay.fin_caption_row, COL_LABEL, caption), bold=True)
    ws.cell(lay.fin_caption_row, COL_LABEL + 2, fin_hint)
    _header(ws, lay.fin_header_row, [""] + [c.label for c in lay.fin_columns])
    rows = max(FIN_ROWS, len(financials))
    for i in range(rows):
        r = lay.fin_first_row + i
        row_values = financials[i] if i < len(financials) else {}
        for col in lay.fin_columns:
            _input(ws, r, col.col, row_values.get(col.key), col.kind)
    for col in lay.fin_columns:
        first = f"{col.letter}{lay.fin_first_row}"
        ref = f"{first}:{col.letter}{lay.fin_first_row + rows - 1}"
        _validation(ws, lay, col.kind, ref, col.label, fin_hint, first)


def _table_sheet(
    wb: Workbook,
    name: str,
    hint: str,
    headers: Sequence[str],
    items: Sequence[Sequence[str]],
    min_rows: int,
    widths: dict[str, float],
    *,
    wrap_col: int | None = None,
) -> None:
    """A sheet of one numbered row per item (申报材料, 随附材料, 申报清单): a title, a hint, the
    ``headers`` (the number's, then one per text column), then at least ``min_rows`` rows and
    five empty ones after the items; the text of column ``wrap_col`` wraps."""
    ws = wb.create_sheet(name)
    _title(ws, name, len(headers))
    ws.cell(2, 1, hint)
    _header(ws, TABLE_HEADER_ROW, headers)
    blank = ("",) * (len(headers) - 1)
    for i in range(max(min_rows, len(items) + 5)):
        r = TABLE_FIRST_ROW + i
        ws.cell(r, 1, i + 1)
        for col, text in enumerate(items[i] if i < len(items) else blank, start=2):
            _input(ws, r, col, text or None, "text", wrap=col == wrap_col)
    _widths(ws, widths)
    _protect(ws)


def _indicator_sheet(
    wb: Workbook, lay: Layout, own: IndicatorGroup | None, values: Mapping[str, Any]
) -> None:
    """主要指标: every subtype's rows under its caption; ``values`` fill the group ``own``."""
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(SHEET_INDICATORS)
    _title(ws, SHEET_INDICATORS, 5)
    note = ws.cell(2, 1, lay.intake["hints"]["indicators"])
    note.alignment = Alignment(wrap_text=False)
    table = labels(lay.edition, "form.toml")["indicators"]
    lab = lay.intake["labels"]
    _header(
        ws,
        TABLE_HEADER_ROW,
        [lab["column_no"], table["indicator"], table["value"], table["unit"], lab["column_hint"]],
    )
    for g in lay.indicator_groups:
        _label_style(ws.cell(g.caption_row, COL_LABEL, g.caption), bold=True)
        for n, f in enumerate(g.rows, start=1):
            value = values.get(f.key) if g is own else None
            ws.cell(f.row, COL_NO, n)
            _label_style(ws.cell(f.row, COL_LABEL, f.label))
            kind = {"count": "int", "number": "number"}.get(f.type, "text")
            _input(ws, f.row, IND_COL_VALUE, value, kind)
            _label_style(ws.cell(f.row, IND_COL_UNIT, f.unit or None))
            hint = ws.cell(f.row, IND_COL_HINT, f.hint)
            hint.font = Font(color="666666", size=9)
            hint.alignment = Alignment(wrap_text=True, vertical="center")
            _indicator_validation(ws, f)
    _widths(ws, {"A": 6, "B": 44, "C": 16, "D": 8, "E": 48})
    _protect(ws)


def _indicator_validation(ws: Worksheet, f: IndicatorField) -> None:
    """A whole number of at least 0, a number with at most 2 decimals, or a text of at most
    the row's ``max_chars`` characters; the row's input message."""
    from openpyxl.worksheet.datavalidation import DataValidation

    spec: dict[str, Any]
    if f.type == "count":
        spec = {"type": "whole", "operator": "greaterThanOrEqual", "formula1": "0"}
    elif f.type == "number":
        spec = {"type": "custom", "formula1": f"AND(ISNUMBER({f.cell}),ROUND({f.cell},2)={f.cell})"}
    else:
        spec = {"type": "textLength", "operator": "lessThanOrEqual", "formula1": str(f.max_chars)}
    dv = DataValidation(
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle=f.label[:32],
        prompt=f.hint[:255],
        errorTitle="填写有误",
        error=f.hint[:255],
        errorStyle="warning",
        **spec,
    )
    dv.add(f.cell)
    ws.add_data_validation(dv)


def city_workbook(
    lay: Layout, values: dict[str, Any], listing: Sequence[tuple[str, str, str]]
) -> bytes:
    """The city's workbook; ``listing`` as (id, applicant name, folder) in print order."""
    from openpyxl import Workbook

    lab = lay.intake["labels"]
    wb = Workbook()
    ws = _first_sheet(wb)
    ws.title = SHEET_CITY
    _title(ws, lab["city_title"], 4)
    _field_header(ws, lay)
    for n, f in enumerate(lay.city_fields, start=1):
        _field_row(ws, lay, f, n, values.get(f.path))
    # The submission letter (报送函): a caption, then its rows, numbered on.
    caption = ws.cell(lay.letter_caption_row, COL_LABEL, lab["letter_heading"])
    _label_style(caption, bold=True)
    for n, f in enumerate(lay.letter_fields, start=len(lay.city_fields) + 1):
        _field_row(ws, lay, f, n, values.get(f.path), wrap=f.path == "letter.paragraph")
    _widths(ws, {"A": 6, "B": 34, "C": 40, "D": 40})
    _protect(ws)

    _table_sheet(
        wb,
        SHEET_LIST,
        lay.intake["hints"]["applications"],
        [lab["column_no"], lab["app_id"], lab["app_name"], lab["app_folder"]],
        listing,
        LIST_ROWS,
        {"A": 6, "B": 16, "C": 50, "D": 30},
    )

    _help_sheet(wb, lay, lay.intake["instructions"]["city"], with_form=False)
    _meta_sheet(wb, lay, CITY)
    return _save(wb)


# --------------------------------------------------------------------------- pieces


def _first_sheet(wb: Workbook) -> Worksheet:
    """The worksheet a new workbook opens with (openpyxl's stubs allow none, or a chartsheet)."""
    from openpyxl.worksheet.worksheet import Worksheet

    ws = wb.active
    assert isinstance(ws, Worksheet)
    return ws


def _title(ws: Worksheet, text: str, width: int) -> None:
    from openpyxl.styles import Font

    cell = ws.cell(1, 1, text)
    cell.font = Font(bold=True, size=14)


def _header(ws: Worksheet, row: int, texts: Sequence[str]) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="999999")
    for col, text in enumerate(texts, start=1):
        if not text and col != 1:
            continue
        cell = ws.cell(row, col, text or None)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)


def _field_header(ws: Worksheet, lay: Layout) -> None:
    """The header row of a field sheet (基本信息, 城市信息): number, item, value, hint."""
    lab = lay.intake["labels"]
    _header(ws, 3, [lab["column_no"], lab["column_item"], lab["column_value"], lab["column_hint"]])


def _label_style(cell: Cell | MergedCell, bold: bool = False) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    cell.fill = PatternFill("solid", fgColor=_LABEL_FILL)
    cell.alignment = Alignment(vertical="center", wrap_text=True)
    if bold:
        cell.font = Font(bold=True)


def _field_row(
    ws: Worksheet, lay: Layout, f: Field, n: int, value: Any, *, wrap: bool = False
) -> None:
    from openpyxl.styles import Alignment, Font

    ws.cell(f.row, COL_NO, n)
    _label_style(ws.cell(f.row, COL_LABEL, f.label))
    _input(ws, f.row, COL_VALUE, value, f.kind, wrap=wrap)
    hint = ws.cell(f.row, COL_HINT, f.hint)
    hint.font = Font(color="666666", size=9)
    hint.alignment = Alignment(wrap_text=True, vertical="center")
    _validation(ws, lay, f.kind, f.cell, f.label, f.hint, f.cell)


_FORMATS = {
    "date": "yyyy-mm-dd",
    "money": "#,##0.00",
    "signed_money": "#,##0.00",
    "int": "0",
    "number": "General",
}


def _input(ws: Worksheet, row: int, col: int, value: Any, kind: str, *, wrap: bool = False) -> None:
    from openpyxl.styles import Alignment, Border, Protection, Side

    cell = ws.cell(row, col)
    if value is not None:
        cell.value = _excel_value(value, kind)
    cell.protection = Protection(locked=False)
    cell.number_format = _FORMATS.get(kind, "@")
    thin = Side(style="thin", color="BFBFBF")
    cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _excel_value(value: Any, kind: str) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if kind in ("money", "signed_money", "number"):
        return value  # a Decimal: written with its digits
    if isinstance(value, int) and kind not in ("int", "money", "signed_money", "number"):
        return str(value)
    return value


def _validation(
    ws: Worksheet, lay: Layout, kind: str, ref: str, label: str, hint: str, first: str
) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    spec: dict[str, Any] = {}
    style: Literal["stop", "warning", "information"] = "warning"
    if kind == "category":
        spec = {"type": "list", "formula1": "类别"}
        style = "stop"
    elif kind == "subtype":
        spec = {"type": "list", "formula1": "类型"}
        style = "stop"
    elif kind == "bool":
        spec = {"type": "list", "formula1": "是否"}
        style = "stop"
    elif kind == "mode":
        cat = lay.field("category").cell.replace("C", "$C$")
        sub = lay.field("subtype").cell.replace("C", "$C$")
        spec = {"type": "list", "formula1": f'INDIRECT("模式_"&{cat}&{sub})'}
    elif kind == "date":
        spec = {"type": "date", "operator": "greaterThanOrEqual", "formula1": "1"}
    elif kind in ("money", "signed_money"):
        spec = {"type": "custom", "formula1": f"AND(ISNUMBER({first}),ROUND({first},2)={first})"}
    elif kind == "int":
        spec = {"type": "whole", "operator": "greaterThanOrEqual", "formula1": "0"}
    elif kind == "uscc":
        spec = {"type": "textLength", "operator": "equal", "formula1": "18"}
    elif kind == "postcode":
        spec = {"type": "textLength", "operator": "equal", "formula1": "6"}
    elif kind == "serial":
        spec = {"type": "custom", "formula1": _digits_only(first, 6)}
    dv = DataValidation(
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=bool(spec),
        promptTitle=label[:32],
        prompt=hint[:255],
        errorTitle="填写有误"[:32],
        error=hint[:255],
        errorStyle=style,
        **spec,
    )
    dv.add(ref)
    ws.add_data_validation(dv)


def _digits_only(cell: str, most: int) -> str:
    """A validation formula: ``cell`` holds 1 to ``most`` digits and nothing else (without
    array constants, which Excel refuses in a data validation): removing each digit leaves
    nothing."""
    inner = cell
    for d in "0123456789":
        inner = f'SUBSTITUTE({inner},"{d}","")'
    return f"AND(LEN({cell})<={most},LEN({inner})=0)"


def _widths(ws: Worksheet, widths: dict[str, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[col].width = width


def _protect(ws: Worksheet) -> None:
    """Protected without a password: labels locked, input cells open; columns and rows may be
    resized."""
    p = ws.protection
    p.sheet = True
    p.formatColumns = False
    p.formatRows = False
    p.formatCells = False
    ws.freeze_panes = None


def _help_sheet(wb: Workbook, lay: Layout, lines: Sequence[str], *, with_form: bool) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(SHEET_HELP)
    ws.cell(1, 1, lay.intake["instructions"]["heading"]).font = Font(bold=True, size=14)
    row = 2
    texts = list(lines)
    if with_form:
        rules = lay.edition.rules
        form_text = render_text(
            lay.edition,
            "instructions.txt.j2",
            notice=rules.edition,
            cutoff=cn_date(rules.thresholds.accident_cutoff),
            share_min=rules.thresholds.service_share_min_percent,
            platform_years=rules.thresholds.platform_min_years,
        )
        heading = labels(lay.edition, "form.toml")["instructions"]["heading"]
        texts += ["", f"{rules.edition.form_title}{heading}："]
        texts += [line.strip() for line in form_text.splitlines() if line.strip()]
    for text in texts:
        cell = ws.cell(row, 1, text or None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    ws.column_dimensions["A"].width = 110
    ws.protection.sheet = True


def _meta_sheet(wb: Workbook, lay: Layout, kind: str) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    ws = wb.create_sheet(META_SHEET)
    ws.sheet_state = "hidden"
    meta = {
        "generator": GENERATOR,
        "kind": kind,
        "edition": lay.edition.id,
        "template_version": str(TEMPLATE_VERSION),
        "annotated": "",
    }
    for key, row in META_ROWS.items():
        ws.cell(row, 1, key)
        ws.cell(row, 2, meta[key] or None)
    lists: dict[str, Sequence[str]] = {
        "类别": list(lay.category_labels()),
        "类型": lay.all_subtype_labels(),
        "是否": [lay.intake["labels"]["yes"], lay.intake["labels"]["no"]],
    }
    lists.update({f"模式_{key}": modes for key, modes in lay.mode_lists().items()})
    for i, (name, items) in enumerate(lists.items()):
        col = 4 + i
        letter = _letter(col)
        for r, item in enumerate(items, start=1):
            ws.cell(r, col, item)
        ref = f"'{META_SHEET}'!${letter}$1:${letter}${max(1, len(items))}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    ws.protection.sheet = True


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _save(wb: Workbook) -> bytes:
    """The same bytes for the same workbook: fixed document times, a fixed zip."""
    wb.properties.creator = "docgen"
    wb.properties.created = FIXED_TIME
    return packed_xlsx(wb, modified=FIXED_TIME)
