"""The intake's own files carry no clock: the same input gives the same bytes.

A zip member's time and a workbook's or Word file's created/modified properties would otherwise
come from the moment of writing; docgen fixes them (``docgen.ziputil``), as it does for the
packet's files. Checked on the files themselves, so a slow or fast clock changes nothing here.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from docgen.intake import export_city
from docgen.intake.template import write_template
from docgen.model import load_city
from docgen.ziputil import DOCX_ZIP_TIME, XLSX_ZIP_TIME

from .conftest import sample_files

FIXED = {".xlsx": XLSX_ZIP_TIME, ".docx": DOCX_ZIP_TIME}


def _office_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in FIXED)


def _check_fixed(path: Path) -> None:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        assert {i.date_time for i in infos} == {FIXED[path.suffix]}, path.name
        names = [i.filename for i in infos]
        assert names[1:] == sorted(names[1:]), path.name  # [Content_Types].xml may come first
        core = zf.read("docProps/core.xml").decode("utf-8")
    assert "dcterms:modified" in core
    for stamp in ("dcterms:created", "dcterms:modified"):
        value = core.split(f"<{stamp}", 1)[1].split(">", 1)[1].split("<", 1)[0]
        assert value.startswith(("2000-01-01", "2021-01-01")), (path.name, stamp, value)


def test_template_files_have_fixed_times_and_repeat_byte_for_byte(tmp_path: Path) -> None:
    write_template(tmp_path / "a", division_code="450200")
    write_template(tmp_path / "b", division_code="450200")
    files = _office_files(tmp_path / "a")
    assert {p.suffix for p in files} == {".xlsx", ".docx"}
    for path in files:
        _check_fixed(path)
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()


def test_exported_files_have_fixed_times(tmp_path: Path) -> None:
    city = load_city(sample_files()[1])
    export_city(city, tmp_path / "forms")
    files = _office_files(tmp_path / "forms")
    assert len(files) >= 3
    for path in files:
        _check_fixed(path)
