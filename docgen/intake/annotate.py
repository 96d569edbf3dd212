"""``--annotate``: a copy of each workbook with its faulty cells marked, to mail back.

Next to ``申报信息表.xlsx`` docgen writes ``申报信息表（已标注）.xlsx``: every cell with an error is
filled light red, one with a warning light yellow, and carries the messages as a comment (批注);
problems of a whole sheet or file are put on the sheet's first cell. The input is never modified.

The copy is a new file in the input folder, so an existing file of that name is replaced only when
it is docgen's own, unchanged copy: its custom document property ``docgen-annotated`` holds the
SHA-256 of every other part of the package, computed when docgen wrote it. A file without the
property (the user's own) or whose parts changed since (the copy was edited and saved, e.g. the
applicant corrected it) is refused, with a warning, and left as it is.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
import zipfile
from collections import defaultdict
from pathlib import Path

from ..ziputil import XLSX_ZIP_TIME, pack, packed_xlsx
from .findings import IntakeFinding, Place
from .layout import META_ROWS, META_SHEET, annotated_name
from .safety import Refusal, open_zip
from .workbook import Workbook

PROPERTY = "docgen-annotated"
_PLACEHOLDER = "0" * 64
_CUSTOM_PART = "docProps/custom.xml"
ERROR_FILL = "FFC7CE"
WARNING_FILL = "FFF2CC"


def annotate_workbooks(
    in_dir: Path, findings: list[IntakeFinding], workbooks: dict[str, Workbook]
) -> tuple[list[Path], list[IntakeFinding]]:
    """Write the annotated copies; return them and findings about copies not written."""
    by_file: dict[str, list[tuple[Place, IntakeFinding]]] = defaultdict(list)
    for f in findings:
        for place in f.places:
            if place.file in workbooks:
                by_file[place.file].append((place, f))
    written: list[Path] = []
    notes: list[IntakeFinding] = []
    for rel, items in sorted(by_file.items()):
        wb = workbooks[rel]
        target = wb.path.with_name(annotated_name(wb.path.name))
        shown = Place(_rel(in_dir, target))
        if wb.format != "xlsx":
            notes.append(
                IntakeFinding(
                    "warning", "旧版 .xls 工作簿不能生成标注副本；请另存为 .xlsx", (Place(rel),)
                )
            )
            continue
        if target.exists() or target.is_symlink():
            why = _not_ours(target)
            if why:
                notes.append(
                    IntakeFinding("warning", f"未生成标注副本：{why}；请移走或改名后再试", (shown,))
                )
                continue
        data = annotated_copy(wb.path, items)
        _replace(target, data)
        written.append(target)
    return written, notes


def annotated_copy(path: Path, items: list[tuple[Place, IntakeFinding]]) -> bytes:
    """The workbook at ``path`` with the findings marked, sealed with the property."""
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import PatternFill

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(path)
    cells: dict[tuple[str, str], list[IntakeFinding]] = defaultdict(list)
    for place, f in items:
        sheet = place.sheet if place.sheet in wb.sheetnames else wb.sheetnames[0]
        cell = place.cell or "A1"
        cells[(sheet, cell)].append(f)
    for (sheet, ref), found in cells.items():
        ws = wb[sheet]
        cell = ws[ref]
        if type(cell).__name__ == "MergedCell":  # a hidden cell of a merged range
            ws.unmerge_cells(next(str(r) for r in ws.merged_cells.ranges if ref in r))
            cell = ws[ref]
        error = any(f.level == "error" for f in found)
        cell.fill = PatternFill("solid", fgColor=ERROR_FILL if error else WARNING_FILL)
        lines = [f"{'错误' if f.level == 'error' else '警告'}：{f.message}" for f in found]
        comment = Comment("\n".join(lines), "docgen")
        comment.width, comment.height = 360, 40 + 40 * len(lines)
        cell.comment = comment
    if META_SHEET in wb.sheetnames:
        wb[META_SHEET].cell(META_ROWS["annotated"], 2, "docgen")
    # Workbook.custom_doc_props (openpyxl 3.1) is missing from types-openpyxl.
    wb.custom_doc_props.append(  # type: ignore[attr-defined]
        StringProperty(name=PROPERTY, value=_PLACEHOLDER)
    )
    # the user's own document properties are kept (no "modified" stamp): the same workbook and
    # findings give the same bytes
    return _seal(packed_xlsx(wb, modified=None))


def _digest(zf: zipfile.ZipFile) -> str:
    h = hashlib.sha256()
    for name in sorted(n for n in zf.namelist() if n != _CUSTOM_PART):
        data = zf.read(name)
        h.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()


def _seal(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        digest = _digest(zf)
        parts = {name: zf.read(name) for name in zf.namelist()}
    parts[_CUSTOM_PART] = parts[_CUSTOM_PART].replace(_PLACEHOLDER.encode(), digest.encode())
    return pack(parts, date_time=XLSX_ZIP_TIME)


def _not_ours(target: Path) -> str | None:
    """None when ``target`` is docgen's unchanged annotated copy, else why it is not."""
    if target.is_symlink() or not target.is_file():
        return f"“{target.name}”已存在，且不是普通文件"
    try:
        with open_zip(target, "工作簿") as zf:
            if _CUSTOM_PART not in zf.namelist():
                return f"“{target.name}”已存在，且不是 docgen 生成的标注副本"
            custom = zf.read(_CUSTOM_PART).decode("utf-8", "replace")
            m = re.search(
                rf'name="{re.escape(PROPERTY)}"[^>]*>\s*<vt:lpwstr[^>]*>([0-9a-f]{{64}})</vt:lpwstr>',
                custom,
            )
            if not m:
                return f"“{target.name}”已存在，且不是 docgen 生成的标注副本"
            if m.group(1) != _digest(zf):
                return f"“{target.name}”在 docgen 生成之后被修改过（可能已有人在上面改正），docgen 不会覆盖它"
    except (Refusal, zipfile.BadZipFile, OSError, KeyError) as exc:
        return f"“{target.name}”已存在，且不是 docgen 生成的标注副本（{exc}）"
    return None


def _replace(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.docgen-tmp-{os.getpid()}")
    with open(tmp, "xb") as fh:
        fh.write(data)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _rel(base: Path, path: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)
