"""Office files (DOCX, XLSX) packed the same way every time: the same parts give the same bytes.

A zip records each member's time and the packing order; python-docx and openpyxl take both from
the clock and from how they happen to write. ``pack`` writes the parts sorted (some named parts
first), each with a fixed time and attributes, so a file docgen makes depends on its content
alone.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl import Workbook

ZipTime = tuple[int, int, int, int, int, int]


def parts_of(data: bytes) -> dict[str, bytes]:
    """The members of the zip ``data`` (names to bytes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return {name: src.read(name) for name in src.namelist()}


def pack(
    parts: Mapping[str, bytes],
    *,
    date_time: ZipTime,
    first: Sequence[str] = (),
    create_system: int = 0,
    external_attr: int = 0o600 << 16,
    level: int = 9,
) -> bytes:
    """``parts`` as a deflated zip: the names of ``first`` that are present, then the others
    sorted; every member with ``date_time`` and the given attributes."""
    names = [n for n in first if n in parts] + sorted(n for n in parts if n not in first)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = create_system
            info.external_attr = external_attr
            dst.writestr(info, parts[name], compresslevel=level)
    return out.getvalue()


# The fixed times: a workbook's document properties and zip members, a Word file's members.
FIXED_TIME = datetime(2000, 1, 1)
XLSX_ZIP_TIME: ZipTime = (2000, 1, 1, 0, 0, 0)
DOCX_ZIP_TIME: ZipTime = (1980, 1, 1, 0, 0, 0)


def packed_xlsx(wb: Workbook, *, modified: datetime | None) -> bytes:
    """``wb`` saved as the same bytes every time: its "modified" property set to ``modified``
    (None: left as it is), the zip's members sorted, with fixed times and compression."""
    from openpyxl.writer.excel import ExcelWriter

    if modified is not None:
        wb.properties.modified = modified
    raw = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook stamps the current time as "modified".
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ExcelWriter(wb, archive).save()
    return pack(parts_of(raw.getvalue()), date_time=XLSX_ZIP_TIME)
