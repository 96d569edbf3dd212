"""The submission letter (报送函) in the city workbook (template version 2): its rows, what
collect makes of them and names by cell, the export and round trip of a city with a letter, a
version-1 city workbook (no letter rows) still collected, and the findings printed per file."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from docgen.cli import main
from docgen.intake import (
    IntakeFinding,
    Place,
    collect,
    export_city,
    format_intake_findings,
    write_template,
)
from docgen.model import load_city

from .conftest import SAMPLES
from .test_intake_roundtrip import _data
from .test_intake_typing import intake_dir  # noqa: F401  (the fixture)

CITY_BOOK = "城市信息.xlsx"
SHEET = "城市信息"
# The letter's rows of 城市信息 (template version 2): a caption in row 18, then these.
ROWS = {
    "letter.number": 19,
    "letter.prefix": 20,
    "letter.recipient": 21,
    "letter.paragraph": 22,
    "letter.replace": 23,
    "letter.contact.name": 24,
    "letter.contact.title": 25,
    "letter.contact.phone": 26,
    "letter.contact.mobile": 27,
    "letter.contact.wechat": 28,
    "letter.contact.fax": 29,
    "letter.contact.email": 30,
}


def _at(path: str) -> str:
    return f"{CITY_BOOK} › {SHEET}!C{ROWS[path]}"


def _fill(path: Path, **cells: object) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    for ref, value in cells.items():
        wb[SHEET][ref] = value
    wb.save(path)


def _findings(result: object) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in result.findings:  # type: ignore[attr-defined]
        out.setdefault(f.location, []).append(f"{f.level} {f.message}")
    return out


# --------------------------------------------------------------------------- the template


def test_template_has_the_letter_rows_with_messages_and_validation(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    write_template(tmp_path / "t", division_code="450200")
    wb = load_workbook(tmp_path / "t" / CITY_BOOK)
    ws = wb[SHEET]
    assert wb["_docgen"]["B4"].value == "3"  # the template version
    assert ws["B18"].value == "报送函（正式行文的信函；以下各行均可不填）"
    assert ws["B19"].value == "报送函发文字号：序号"
    assert ws["B20"].value == "报送函发文字号：机关代字"
    assert ws["B23"].value == "另加的一段取代正文第一段"
    assert ws["B24"].value == "报送函联系人"
    assert ws["B30"].value == "报送函联系人电子邮箱"
    assert [ws.cell(r, 1).value for r in (16, 19, 30)] == [13, 14, 25]  # numbered on
    assert all(ws[f"C{r}"].value is None for r in ROWS.values())  # nothing prefilled
    assert not ws["C19"].protection.locked and ws["B19"].protection.locked
    assert ws["C19"].number_format == "@"  # the serial is text: 045 stays 045
    # The recipient's hint names the edition's default (letter.toml).
    assert ws["D21"].value == "不填时为“自治区工业和信息化厅”"
    by_cell = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    number = by_cell["C19"]
    assert number.type == "custom" and number.showErrorMessage
    assert number.formula1.startswith("AND(LEN(C19)<=6,LEN(SUBSTITUTE(")
    assert "1～6位数字" in number.prompt and number.promptTitle == "报送函发文字号：序号"
    assert by_cell["C23"].type == "list" and by_cell["C23"].formula1 == "是否"
    assert "上一行的段落取代" in by_cell["C23"].prompt
    assert ws["C22"].alignment.wrap_text
    help_text = "\n".join(str(c.value) for c in wb["填表说明"]["A"] if c.value)
    assert "“报送函”各行" in help_text


def test_the_serial_validation_formula_accepts_digits_only(tmp_path: Path) -> None:
    """The formula of the serial's data validation, evaluated by LibreOffice."""
    from openpyxl import Workbook

    from docgen.intake.template import _digits_only

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    typed: list[object] = ["45", "045", "123456", "1234567", "4.5", "45号", "4 5", "1e3", 45]
    wb = Workbook()
    ws = wb.active
    for i, value in enumerate(typed, start=1):
        ws.cell(i, 1, value)
        ws.cell(i, 2, "=" + _digits_only(f"A{i}", 6))
    wb.save(tmp_path / "f.xlsx")
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "csv",
            "--outdir",
            str(tmp_path / "out"),
            str(tmp_path / "f.xlsx"),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    rows = (tmp_path / "out" / "f.csv").read_text(encoding="utf-8", errors="replace").splitlines()
    got = [line.rsplit(",", 1)[1] for line in rows]
    assert got == ["TRUE", "TRUE", "TRUE", "FALSE", "FALSE", "FALSE", "FALSE", "FALSE", "TRUE"]


# --------------------------------------------------------------------------- collect


def test_letter_rows_are_collected_into_the_letter_section(
    intake_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    _fill(
        intake_dir / CITY_BOOK,
        C19="４５号",  # full-width, with 号: read as 45, with a warning
        C20="柳工信函",
        C22="请予审核。",
        C23="否",
        C24="韦丽",
        C26="0772-2861239",
    )
    result = collect(intake_dir, tmp_path / "city")
    found = _findings(result)
    assert result.errors == 0, found
    city = json.loads((tmp_path / "city" / "city.json").read_text(encoding="utf-8"))
    assert city["letter"] == {
        "number": "45",
        "prefix": "柳工信函",
        "paragraph": "请予审核。",
        "replace": False,
        "contact": {"name": "韦丽", "phone": "0772-2861239"},
    }
    assert list(city)[-1] == "letter"  # after the applications
    assert found[_at("letter.number")] == [
        "warning 报送函发文字号：序号：“45号”按序号“45”读取（只填〔年份〕后的数字）"
    ]
    # No warning about a blank or derived document number is left.
    assert not [m for ms in found.values() for m in ms if "发文字号的序号" in m]
    source = json.loads((tmp_path / "city" / "source-map.json").read_text(encoding="utf-8"))
    for path, row in ROWS.items():
        assert source[path] == {"file": CITY_BOOK, "sheet": SHEET, "cell": f"C{row}"}
    assert source["letter"] == source["letter.number"]
    assert source["letter.contact"] == source["letter.contact.name"]
    assert load_city(tmp_path / "city" / "city.json").letter is not None


def test_blank_document_number_is_named_by_its_cell(
    intake_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    result = collect(intake_dir, tmp_path / "city")
    assert result.written is not None
    warning = _findings(result)[_at("letter.number")]
    assert len(warning) == 1
    assert warning[0].startswith("warning 报送函没有发文字号的序号，将印为“柳工信函〔2021〕　号”")
    # The message names the rows of the form, not JSON paths.
    assert "可在“报送函发文字号：序号”中填写序号" in warning[0]
    assert "请在“报送函发文字号：机关代字”中填写" in warning[0]
    assert "letter." not in warning[0]
    city = json.loads((tmp_path / "city" / "city.json").read_text(encoding="utf-8"))
    assert "letter" not in city


@pytest.mark.parametrize(
    ("cells", "where", "says"),
    [
        (
            {"C19": "二〇二一年第四十五号"},
            "letter.number",
            "error 报送函发文字号：序号：“二〇二一年",
        ),
        (
            {"C19": "45", "C23": "是"},
            "letter.replace",
            "error “另加的一段取代正文第一段”选“是”时须在“报送函正文另加的一段”中写出",
        ),
        ({"C19": "45", "C26": "0772-2861239"}, "letter.contact.name", "error 报送函联系人：缺少"),
        ({"C19": "45", "C24": "韦丽"}, "letter.contact.name", "warning 报送函附注没有联系电话"),
        ({"C19": "45"}, "letter.prefix", "warning 报送函发文字号“柳工信函〔2021〕45号”中的"),
        ({"C19": "45", "C23": "也许"}, "letter.replace", "error 另加的一段取代正文第一段：“也许”"),
    ],
    ids=["number", "replace", "contact-name", "contact-phone", "prefix", "yes-no"],
)
def test_each_letter_finding_names_its_cell(
    cells: dict[str, object],
    where: str,
    says: str,
    intake_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    _fill(intake_dir / CITY_BOOK, **cells)
    result = collect(intake_dir, tmp_path / "city")
    found = _findings(result)
    assert any(m.startswith(says) for m in found.get(_at(where), [])), found
    # Nothing about the letter falls on the workbook as a whole.
    assert not [m for m in found.get(CITY_BOOK, []) if "报送函" in m]


# --------------------------------------------------------------------------- versions


def _as_version_1(path: Path) -> None:
    """The city workbook as template version 1 made it: no letter rows."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb[SHEET]
    for row in range(18, 31):
        for col in range(1, 5):
            ws.cell(row, col).value = None
    wb["_docgen"]["B4"] = "1"
    wb.save(path)


def test_a_version_1_city_workbook_is_still_collected(
    intake_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    _as_version_1(intake_dir / CITY_BOOK)
    result = collect(intake_dir, tmp_path / "city")
    found = _findings(result)
    assert result.errors == 0 and result.written is not None, found
    (old,) = found[f"{CITY_BOOK} › {SHEET}"]
    assert old.startswith("warning 该表格是第 1 版模板，没有“报送函”各行")
    assert "docgen intake template --edition gx-2021-3 生成新模板" in old
    # Without the rows the blank number can only be named by the workbook.
    (blank,) = found[CITY_BOOK]
    assert "报送函没有发文字号的序号" in blank
    city = json.loads((tmp_path / "city" / "city.json").read_text(encoding="utf-8"))
    assert "letter" not in city and city["city"]["name"] == "柳州市"


def test_a_newer_city_workbook_is_refused(
    intake_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(intake_dir / CITY_BOOK)
    wb["_docgen"]["B4"] = "4"
    wb.save(intake_dir / CITY_BOOK)
    result = collect(intake_dir, tmp_path / "city")
    errors = [f.message for f in result.findings if f.location == CITY_BOOK]
    assert any("第 4 版模板，比本程序的第 3 版新；请升级 docgen" in m for m in errors), errors
    assert result.written is None


# --------------------------------------------------------------------------- export


LETTERS = {
    "450200": {
        "number": "45",
        "prefix": "柳工信函",
        "recipient": "自治区工业和信息化厅",
        "paragraph": "以上材料真实有效，请予审核。",
        "replace": True,
        "contact": {
            "name": "韦丽",
            "title": "科长",
            "phone": "0772-2861239",
            "mobile": "13907720000",
            "wechat": "weili_lz",
            "fax": "0772-2861235",
            "email": "weili@lzgxj.example.cn",
        },
    },
    "450300": {"number": "007"},
}


@pytest.mark.parametrize("code", sorted(LETTERS))
def test_a_city_with_a_letter_round_trips(code: str, tmp_path: Path) -> None:
    shutil.copytree(SAMPLES / code, tmp_path / "c")
    data = json.loads((tmp_path / "c" / "city.json").read_text(encoding="utf-8"))
    data["letter"] = LETTERS[code]
    (tmp_path / "c" / "city.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    original = load_city(tmp_path / "c" / "city.json")

    export_city(original, tmp_path / "forms")
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "forms" / CITY_BOOK)[SHEET]
    assert ws["C19"].value == LETTERS[code]["number"]  # text: the leading zeros kept
    if code == "450200":
        assert ws["C23"].value == "是" and ws["C30"].value == "weili@lzgxj.example.cn"

    result = collect(tmp_path / "forms", tmp_path / "city")
    assert result.errors == 0, [f"{f.location}：{f.message}" for f in result.findings]
    back = load_city(tmp_path / "city" / "city.json")
    assert back.letter == original.letter
    assert _data(back) == _data(original)
    # Every letter finding is at a cell of the letter's rows.
    for f in result.findings:
        if f.path and f.path.startswith("letter"):
            assert f.places[0].cell is not None, f


# --------------------------------------------------------------------------- the report


def test_findings_are_printed_per_file() -> None:
    book = "LZ-E1/申报信息表.xlsx"
    findings = [
        IntakeFinding("error", "文件夹中没有申报信息表", (Place("."),)),
        IntakeFinding("warning", "日期按 2021-05-12 读取", (Place(CITY_BOOK, SHEET, "C9"),)),
        IntakeFinding("error", "校验码错误", (Place(book, "基本信息", "C7"),)),
        IntakeFinding(
            "error",
            "在本文件中出现多次",
            (Place(book, "基本信息", "C7"), Place("LZ-E2/申报信息表.xlsx", "基本信息", "C7")),
        ),
        IntakeFinding("warning", "旧版 .xls 格式", (Place("LZ-E3/申报信息表.xls"),)),
    ]
    titles = {CITY_BOOK: "城市信息表", book: "申报 1【LZ-E1】柳州龙城"}
    text = format_intake_findings(findings, "收件", titles)
    assert text.splitlines() == [
        "收件（文件夹）",
        "  错误  文件夹中没有申报信息表",
        "城市信息.xlsx（城市信息表）",
        "  警告  城市信息!C9：日期按 2021-05-12 读取",
        "LZ-E1/申报信息表.xlsx（申报 1【LZ-E1】柳州龙城）",
        "  错误  基本信息!C7：校验码错误",
        "  错误  基本信息!C7 与 LZ-E2/申报信息表.xlsx › 基本信息!C7：在本文件中出现多次",
        "LZ-E3/申报信息表.xls",
        "  警告  旧版 .xls 格式",
        "收件：3 个错误，2 个警告。请改正错误后再收集，未写出城市申报文件。",
    ]
    assert format_intake_findings(findings[1:2], "收件").splitlines()[-1] == (
        "收件：检查通过，有 1 个警告（不影响生成，请确认）。"
    )


def test_collect_command_prints_the_letter_warning_under_the_city_workbook(
    intake_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    result = CliRunner().invoke(
        main, ["intake", "collect", str(intake_dir), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    city = lines.index("城市信息.xlsx（城市信息表）")
    letter = next(i for i, line in enumerate(lines) if "报送函没有发文字号的序号" in line)
    assert city < letter
    assert lines[letter].startswith("  警告  城市信息!C19：")
    assert "城市申报文件\n" not in result.output  # docgen's JSON-path heading is not used
    assert lines[-1].startswith("已生成城市申报文件：")
