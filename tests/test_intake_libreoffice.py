"""Real files, real programs: the workbooks saved again by LibreOffice (as a user of another
program would) still collect to the same city; the template opens in LibreOffice; the dropdowns
are real data validations. LibreOffice runs with a private profile for this test session."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from docgen.intake import collect, export_city, write_template
from docgen.model import load_city

from .conftest import SAMPLES

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def profile(tmp_path_factory: pytest.TempPathFactory) -> str:
    return (tmp_path_factory.mktemp("lo-profile")).as_uri()


def soffice(profile: str, to: str, out_dir: Path, *files: Path) -> None:
    assert SOFFICE, "LibreOffice (soffice) is installed by scripts/install-system-deps.sh"
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        SOFFICE,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        to,
        "--outdir",
        str(out_dir),
        *map(str, files),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def _resave_all(profile: str, folder: Path, tmp: Path, to: str = "xlsx") -> None:
    """Every workbook of ``folder`` replaced by LibreOffice's own save of it."""
    books = sorted(folder.rglob("*.xlsx"))
    out = tmp / "lo-out"
    for book in books:
        target = out / book.parent.relative_to(folder)
        soffice(profile, to, target, book)
        book.unlink()
        shutil.move(str(target / book.with_suffix(f".{to}").name), book.with_suffix(f".{to}"))


@pytest.mark.parametrize("code", ["450200", "451300"])
def test_workbooks_saved_by_libreoffice_collect_to_the_same_city(
    code: str, profile: str, tmp_path: Path
) -> None:
    original = load_city(SAMPLES / code / "city.json")
    export_city(original, tmp_path / "forms")
    _resave_all(profile, tmp_path / "forms", tmp_path)
    result = collect(tmp_path / "forms", tmp_path / "city")
    assert result.errors == 0, [f"{f.location}：{f.message}" for f in result.findings]
    back = load_city(tmp_path / "city" / "city.json")
    for a, b in zip(original.applications, back.applications, strict=True):
        assert b.applicant == a.applicant  # dates, credit code, text-formatted phone numbers
        assert b.financials == a.financials
        assert (b.category, b.subtype, b.mode, b.title) == (a.category, a.subtype, a.mode, a.title)
        assert b.platform == a.platform and b.declarations == a.declarations
    assert back.city == original.city and back.submitted_on == original.submitted_on


def test_a_workbook_saved_as_xls_is_read_with_a_warning(profile: str, tmp_path: Path) -> None:
    original = load_city(SAMPLES / "450200" / "city.json")
    export_city(original, tmp_path / "forms")
    book = tmp_path / "forms" / "LZ-E2" / "申报信息表.xlsx"
    soffice(profile, "xls", tmp_path / "xls", book)
    book.unlink()
    shutil.move(str(tmp_path / "xls" / "申报信息表.xls"), book.with_suffix(".xls"))
    result = collect(tmp_path / "forms", tmp_path / "city")
    assert result.errors == 0, [f"{f.location}：{f.message}" for f in result.findings]
    warned = {f.location: f.message for f in result.findings if f.level == "warning"}
    assert "旧版 .xls 格式，已读取" in warned["LZ-E2/申报信息表.xls"]
    back = load_city(tmp_path / "city" / "city.json")
    assert back.applications[1].applicant == original.applications[1].applicant
    assert back.applications[1].financials == original.applications[1].financials


def test_the_template_opens_in_libreoffice(profile: str, tmp_path: Path) -> None:
    write_template(tmp_path / "t", division_code="450200")
    files = sorted((tmp_path / "t").glob("*.xlsx")) + sorted((tmp_path / "t").glob("*.docx"))
    soffice(profile, "pdf", tmp_path / "pdf", *files)
    pdfs = sorted(p.name for p in (tmp_path / "pdf").iterdir())
    assert pdfs == ["城市信息.pdf", "申报书正文.pdf", "申报信息表.pdf"]
    assert all((tmp_path / "pdf" / p).stat().st_size > 1000 for p in pdfs)


def test_dropdowns_are_real_data_validations(profile: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    write_template(tmp_path / "t")
    for source in (tmp_path / "t", None):
        if source is None:  # and again after LibreOffice saved it
            _resave_all(profile, tmp_path / "t", tmp_path)
        wb = load_workbook(tmp_path / "t" / "申报信息表.xlsx")
        ws = wb["基本信息"]
        by_cell = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
        assert by_cell["C4"].type == "list" and by_cell["C4"].formula1 == "类别"
        assert by_cell["C5"].type == "list" and by_cell["C5"].formula1 == "类型"
        assert by_cell["C8"].type == "list" and "INDIRECT" in by_cell["C8"].formula1
        assert by_cell["C17"].type == "list" and by_cell["C17"].formula1 == "是否"
        assert by_cell["C13"].type == "date"
        assert by_cell["C7"].type == "textLength" and by_cell["C7"].prompt
        names = {n: wb.defined_names[n].attr_text for n in wb.defined_names}
        lists = wb["_docgen"]
        col = names["类别"].split("!")[1].split(":")[0].replace("$", "").rstrip("0123456789")
        assert [lists[f"{col}{r}"].value for r in range(1, 5)] == [
            "示范企业",
            "示范平台",
            "示范项目",
            "示范城市",
        ]
        assert "模式_示范平台共享制造类" in names
        assert wb["_docgen"].sheet_state == "hidden"
        assert ws.protection.sheet and not ws["C7"].protection.locked and ws["B7"].protection.locked
        assert ws["C7"].number_format == "@"  # the credit code is text
