"""Reading a received workbook into plain cell values, in bounded time and memory.

``.xlsx`` is read with openpyxl in read-only mode with the cached values of formulas
(``data_only``), at most ``ROW_LIMIT`` rows and ``MAX_COLUMN`` columns of a sheet; a second, small
streaming pass over each sheet's XML finds what openpyxl does not say in that mode: merged ranges,
formulas without a cached value and content below the row limit. ``.xls`` (and any workbook saved
in the old format under another name) is read with python-calamine.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.etree.ElementTree import iterparse

from .layout import MAX_COLUMN, META_SHEET, ROW_LIMIT
from .safety import MAX_SHEET_XML_BYTES, Refusal, open_zip, sniff_workbook

Value = str | int | float | bool | date | datetime | None

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REF = re.compile(r"([A-Z]{1,3})(\d+)")


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Value] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)
    formulas: set[tuple[int, int]] = field(default_factory=set)
    beyond_limit: int | None = None  # first row past ROW_LIMIT that has content
    hidden: bool = False

    def value(self, row: int, col: int) -> Value:
        return self.cells.get((row, col))


@dataclass
class Workbook:
    path: Path
    format: str  # "xlsx" or "xls"
    sheets: dict[str, Sheet]
    meta: dict[str, str]

    @property
    def names(self) -> list[str]:
        return [n for n in self.sheets if n != META_SHEET]


def column_letter(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_name(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"


def _parse_ref(ref: str) -> tuple[int, int]:
    m = _REF.fullmatch(ref.replace("$", ""))
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def read_workbook(path: Path) -> Workbook:
    """Every sheet's values (rows 1..ROW_LIMIT, columns 1..MAX_COLUMN); Refusal if unreadable."""
    sniffed = sniff_workbook(path)
    if sniffed.kind == "xls":
        return _read_xls(path)
    zf = open_zip(path, "工作簿")
    try:
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names:
            if "word/document.xml" in names:
                raise Refusal(
                    "实际上是 Word 文档，只是扩展名为 .xlsx；请发送 Excel 工作簿（*.xlsx）"
                )
            raise Refusal(
                "不是 Excel 工作簿（压缩包中没有工作簿内容）；请用 Excel 或 WPS 另存为 .xlsx"
            )
        if any(n.startswith("xl/") and n.endswith(".bin") and "sheet" in n for n in names):
            raise Refusal(
                "是二进制工作簿（.xlsb 格式）；请用 Excel 打开，“另存为”Excel 工作簿（*.xlsx）后再发送"
            )
        return _read_xlsx(path, zf)
    finally:
        zf.close()


def _read_xlsx(path: Path, zf: zipfile.ZipFile) -> Workbook:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about data validation extensions
            wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged package
        raise Refusal(
            f"工作簿已损坏，无法读取（{type(exc).__name__}）；请重新保存后再发送"
        ) from None
    try:
        sheets: dict[str, Sheet] = {}
        for ws in wb.worksheets:
            part = getattr(ws, "_worksheet_path", None)
            sheet = Sheet(ws.title, hidden=ws.sheet_state != "visible")
            if part is not None:
                info = zf.getinfo(part.lstrip("/"))
                if info.file_size > MAX_SHEET_XML_BYTES:
                    raise Refusal(
                        f"工作表“{ws.title}”过大（解压后 {info.file_size / 1024 / 1024:.0f} MB，"
                        f"申报信息表每张工作表只需不到 {ROW_LIMIT} 行）；可能粘贴了大量数据，"
                        "请删除多余的行后再发送"
                    )
                _scan_xml(zf, part.lstrip("/"), sheet)
            # No max_row: openpyxl would pad every missing row up to it; stop here instead.
            for r, row in enumerate(ws.iter_rows(max_col=MAX_COLUMN, values_only=True), start=1):
                if r > ROW_LIMIT:
                    break
                for c, value in enumerate(row, start=1):
                    if value is not None:
                        sheet.cells[(r, c)] = _plain_value(value)
            sheets[ws.title] = sheet
    finally:
        wb.close()
    meta = _meta(sheets.get(META_SHEET))
    return Workbook(path, "xlsx", sheets, meta)


def _scan_xml(zf: zipfile.ZipFile, part: str, sheet: Sheet) -> None:
    """Merged ranges, formulas (with or without a cached value), content past the row limit."""
    with zf.open(part) as fh:
        for _event, elem in iterparse(fh, events=("end",)):
            tag = elem.tag
            if tag == f"{_NS}c":
                f = elem.find(f"{_NS}f")
                ref = elem.get("r")
                if ref:
                    row, col = _parse_ref(ref)
                    if row > ROW_LIMIT and (len(elem) or elem.text):
                        if sheet.beyond_limit is None:
                            sheet.beyond_limit = row
                    elif f is not None:
                        v = elem.find(f"{_NS}v")
                        sheet.formulas.add((row, col))
                        empty = v is None or not (v.text or "").strip()
                        if empty and elem.find(f"{_NS}is") is None:
                            sheet.formulas_without_value.add((row, col))
                elem.clear()
            elif tag == f"{_NS}row":
                elem.clear()
            elif tag == f"{_NS}mergeCell":
                ref = elem.get("ref", "")
                if ":" in ref:
                    a, b = ref.split(":", 1)
                    (r0, c0), (r1, c1) = _parse_ref(a), _parse_ref(b)
                    sheet.merged.append((r0, c0, r1, c1))


def _read_xls(path: Path) -> Workbook:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - python-calamine is a dependency
        raise Refusal(
            "是旧版 Excel 工作簿（.xls 格式）；请用 Excel 或 WPS 打开，“另存为”Excel 工作簿（*.xlsx）后再发送"
        ) from None
    try:
        cwb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise Refusal(
            f"旧版 Excel 工作簿（.xls）无法读取（{type(exc).__name__}）；请用 Excel 或 WPS 打开，"
            "“另存为”Excel 工作簿（*.xlsx）后再发送"
        ) from None
    sheets: dict[str, Sheet] = {}
    try:
        for meta in cwb.sheets_metadata:
            sheet = Sheet(meta.name, hidden=str(meta.visible).lower().find("visible") < 0)
            cs = cwb.get_sheet_by_name(meta.name)
            start_row, start_col = cs.start or (0, 0)
            for r, row in enumerate(cs.iter_rows(), start=start_row + 1):
                if r > ROW_LIMIT:
                    if any(v not in ("", None) for v in row):
                        sheet.beyond_limit = r
                        break
                    continue
                for c, value in enumerate(row[:MAX_COLUMN], start=start_col + 1):
                    if value not in ("", None):
                        sheet.cells[(r, c)] = _plain_value(value)
            for rng in cs.merged_cell_ranges or []:
                (r0, c0), (r1, c1) = rng
                sheet.merged.append((r0 + 1, c0 + 1, r1 + 1, c1 + 1))
            sheets[meta.name] = sheet
    finally:
        cwb.close()
    for name, sheet in sheets.items():
        sheet.hidden = name == META_SHEET or sheet.hidden
    return Workbook(path, "xls", sheets, _meta(sheets.get(META_SHEET)))


def _plain_value(value: object) -> Value:
    """A cell's value as a Value: anything else (a time or a duration cell) as its text, which
    is how normalize reads it anyway."""
    return value if isinstance(value, str | int | float | bool | date | datetime) else str(value)


def _meta(sheet: Sheet | None) -> dict[str, str]:
    if sheet is None:
        return {}
    out: dict[str, str] = {}
    for (r, c), value in sheet.cells.items():
        if c == 1 and isinstance(value, str):
            other = sheet.cells.get((r, 2))
            out[value.strip()] = "" if other is None else _text(other)
    return out


def _text(value: Value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
