"""What people type: the template filled in as an applicant would, with the usual variants, and
the normalisation of each kind of cell (every change is a warning at its cell)."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from docgen.cli import main
from docgen.intake import collect, write_template
from docgen.intake import normalize as nz

from .conftest import EXAMPLE_DIR


@pytest.mark.parametrize(
    ("typed", "expected", "noted"),
    [
        (datetime(2021, 5, 12), date(2021, 5, 12), False),
        ("2021-05-12", date(2021, 5, 12), False),
        ("2021年5月12日", date(2021, 5, 12), True),
        ("2021.5.12", date(2021, 5, 12), True),
        ("2021/5/12", date(2021, 5, 12), True),
        ("２０２１年５月１２日", date(2021, 5, 12), True),
        (44328, date(2021, 5, 12), True),  # an Excel date number in a General cell
        (" 2021-05-12\u00a0", date(2021, 5, 12), True),
    ],
)
def test_dates(typed: object, expected: date, noted: bool) -> None:
    value, note = nz.as_date(typed)  # type: ignore[arg-type]
    assert value == expected
    assert bool(note) == noted


@pytest.mark.parametrize("typed", ["2021-02-30", "明年五月", "12.5", True])
def test_dates_refused(typed: object) -> None:
    with pytest.raises(nz.Unreadable):
        nz.as_date(typed)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "expected", "noted"),
    [
        (1234.5, Decimal("1234.5"), False),
        (118000, Decimal("118000"), False),
        ("1,234.50", Decimal("1234.50"), True),
        ("1234.5万元", Decimal("1234.5"), True),
        ("118,000.00 万元", Decimal("118000.00"), True),
        ("１２３４．５", Decimal("1234.5"), True),
        ("-120.5", Decimal("-120.5"), False),
        (1234.5600000000001, Decimal("1234.56"), True),  # a calculated cell's binary noise
        ("34.10", Decimal("34.10"), False),
    ],
)
def test_money(typed: object, expected: Decimal, noted: bool) -> None:
    value, note = nz.as_decimal(typed)  # type: ignore[arg-type]
    assert value == expected and str(value) == str(expected)
    assert bool(note) == noted


@pytest.mark.parametrize("typed", ["12万", "1234元", "约一千", "1.2.3"])
def test_money_refused(typed: str) -> None:
    with pytest.raises(nz.Unreadable):
        nz.as_decimal(typed)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("91450200TCULH87WL8", "91450200TCULH87WL8"),
        ("91450200tculh87wl8", "91450200TCULH87WL8"),
        (" 9145 0200 TCUL H87W L8 ", "91450200TCULH87WL8"),
        ("９１４５０２００ＴＣＵＬＨ８７ＷＬ８", "91450200TCULH87WL8"),
        ("\u00a091450200TCULH87WL8\u3000", "91450200TCULH87WL8"),
    ],
)
def test_credit_code(typed: str, expected: str) -> None:
    value, note = nz.uscc(typed)
    assert value == expected
    assert (note is None) == (typed == expected)


def test_text_keeps_inner_characters_and_strips_blanks() -> None:
    assert nz.text("\u00a0鑫泓铝业（广西）有限公司 ") == (
        "鑫泓铝业（广西）有限公司",
        "已去掉首尾的不间断空格、空格",
    )
    assert nz.text("=1+1") == ("=1+1", None)
    assert nz.text(13907721234) == ("13907721234", None)
    assert nz.as_bool("是") == (True, None)
    assert nz.as_bool(False) == (False, None)
    with pytest.raises(nz.Unreadable):
        nz.as_bool("也许")


# --------------------------------------------------------------------------- the template filled


def fill_city(path: Path, **over: object) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["城市信息"]
    values = {
        "C4": "柳州市",
        "C5": "450200",
        "C6": "柳州市工业和信息化局",
        "C7": "柳州市人民政府",
        "C8": "是",
        "C9": "2021.5.12",  # a date typed as text
        "C10": "覃晓梅",
        "C12": "0772-2861234",
        "C13": 13907721234,  # a mobile number typed as a number
    }
    values.update(over)  # type: ignore[arg-type]
    for ref, value in values.items():
        ws[ref] = value
    wb.save(path)


def fill_applicant(path: Path, **over: object) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb["基本信息"]
    values: dict[str, object] = {
        "C4": "示范企业",
        "C6": "\u00a0柳州龙城重型机械股份有限公司 ",
        "C7": "91450200tculh87wl8 ",
        "C8": "全生命周期管理",
        "C10": "广西壮族自治区柳州市柳南区航岭路18号",
        "C11": "５４５００７",
        "C12": "韦建国",
        "C13": "1993年11月20日",
        "C14": "118,000.00万元",
        "C15": "国有控股",
        "C16": "专用设备制造业",
        "C17": "否",
        "C19": "梁振宇",
        "C21": "0772-3881234",
        "C30": "是",
        "C31": "是",
        "C32": "是",
        "B37": 2019,
        "C37": 168000,
        "D37": "50,985.00",
        "E37": 10450,
        "F37": "6010万元",
        "G37": 6800,
        "H37": "3,160人",
        "B38": 2020,
        "C38": "１８００００",
        "D38": 61380,
        "E38": 11870.25,
        "F38": 6920,
        "G38": 7350,
        "H38": 3260,
    }
    values.update(over)
    for ref, value in values.items():
        ws[ref] = value
    s = wb["申报材料"]
    s["B4"], s["C4"] = (
        "企业基本情况",
        "公司成立于1993年，是以工程机械整机研发、制造和服务为主业的国家高新技术企业。",
    )
    s["B5"], s["D5"] = "主要做法", "申报书正文.docx"
    a = wb["随附材料"]
    a["B4"], a["C4"] = "营业执照（副本）复印件", "license.pdf"
    wb.save(path)


def fill_narrative(path: Path) -> None:
    import docx

    document = docx.Document(str(path))
    heading = next(p for p in document.paragraphs if p.text == "主要做法")
    para = heading.insert_paragraph_before("")  # placeholder to reach the paragraph after it
    para._p.getparent().remove(para._p)
    body_after = heading._p.getnext()
    new = document.add_paragraph("为售出的")
    new.add_run("2.8万台").bold = True
    new.add_run("设备加装物联网终端。")
    body_after.addprevious(new._p)
    document.save(str(path))


@pytest.fixture
def intake_dir(tmp_path: Path) -> Path:
    """A template filled in: the city's workbook and one applicant folder LZ-E1."""
    write_template(tmp_path / "tpl", division_code="450200")
    d = tmp_path / "收件"
    (d / "LZ-E1").mkdir(parents=True)
    shutil.copy(tmp_path / "tpl" / "城市信息.xlsx", d / "城市信息.xlsx")
    shutil.copy(tmp_path / "tpl" / "申报信息表.xlsx", d / "LZ-E1" / "申报信息表.xlsx")
    shutil.copy(tmp_path / "tpl" / "申报书正文.docx", d / "LZ-E1" / "申报书正文.docx")
    shutil.copy(EXAMPLE_DIR / "attachments" / "LZ-E1" / "license.pdf", d / "LZ-E1" / "license.pdf")
    fill_city(d / "城市信息.xlsx")
    fill_applicant(d / "LZ-E1" / "申报信息表.xlsx")
    fill_narrative(d / "LZ-E1" / "申报书正文.docx")
    return d


def test_filled_template_is_collected_with_each_normalisation_named(
    intake_dir: Path, tmp_path: Path
) -> None:
    result = collect(intake_dir, tmp_path / "city")
    shown = [f"{f.level} {f.location}：{f.message}" for f in result.findings]
    assert result.errors == 0, shown
    city = json.loads((tmp_path / "city" / "city.json").read_text(encoding="utf-8"))
    assert city["submitted_on"] == "2021-05-12"
    assert city["city"]["extra_platform_quota"] is True
    assert city["city"]["contact"]["mobile"] == "13907721234"
    app = city["applications"][0]
    assert app["id"] == "LZ-E1"  # the folder's name
    assert app["category"] == "enterprise" and "subtype" not in app
    a = app["applicant"]
    assert a["name"] == "柳州龙城重型机械股份有限公司"
    assert a["uscc"] == "91450200TCULH87WL8"
    assert a["postcode"] == "545007"
    assert a["established_on"] == "1993-11-20"
    assert a["registered_capital"] == 118000
    assert a["listed"] is False
    assert app["financials"] == [
        {
            "year": 2019,
            "operating_revenue": 168000,
            "service_revenue": 50985,
            "total_profit": 10450,
            "rd_expense": 6010,
            "tax_paid": 6800,
            "employees": 3160,
        },
        {
            "year": 2020,
            "operating_revenue": 180000,
            "service_revenue": 61380,
            "total_profit": 11870.25,
            "rd_expense": 6920,
            "tax_paid": 7350,
            "employees": 3260,
        },
    ]
    raw = (tmp_path / "city" / "city.json").read_text(encoding="utf-8")
    assert '"service_revenue": 50985.00' in raw  # decimals kept as typed, never a float
    assert app["sections"][0]["text"].startswith("公司成立于1993年")
    assert app["sections"][1] == {
        "heading": "主要做法",
        "text": "为售出的**2.8万台**设备加装物联网终端。",
    }
    assert app["attachments"] == [
        {"title": "营业执照（副本）复印件", "file": "attachments/LZ-E1/license.pdf"}
    ]

    warnings = {f.location: f.message for f in result.findings if f.level == "warning"}
    book = "LZ-E1/申报信息表.xlsx › 基本信息!"
    assert "小写字母改为大写" in warnings[book + "C7"]
    assert "不间断空格" in warnings[book + "C6"]
    assert "1993-11-20" in warnings[book + "C13"]
    assert "万元" in warnings[book + "C14"] and "千位分隔符" in warnings[book + "C14"]
    assert "全角" in warnings[book + "C11"]
    assert "千位分隔符" in warnings[book + "D37"]
    assert "3160" in warnings[book + "H37"]
    assert "全角" in warnings[book + "C38"]
    assert "2021-05-12" in warnings["城市信息.xlsx › 城市信息!C9"]


def test_a_rule_is_named_at_its_cell_and_the_cli_exits_1(intake_dir: Path, tmp_path: Path) -> None:
    fill_applicant(intake_dir / "LZ-E1" / "申报信息表.xlsx", C7="91450200TCULH87WL9", C8="共享制造")
    result = CliRunner().invoke(
        main, ["intake", "collect", str(intake_dir), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 1, result.output
    # Grouped per file: the file and what it is as the heading, then sheet and cell.
    lines = result.output.splitlines()
    book = lines.index("LZ-E1/申报信息表.xlsx（申报 1【LZ-E1】柳州龙城重型机械股份有限公司）")
    assert lines.index("城市信息.xlsx（城市信息表）") < book
    mine = lines[book + 1 :]
    assert "  错误  基本信息!C7：统一社会信用代码“91450200TCULH87WL9”校验码错误" in "\n".join(mine)
    assert "  错误  基本信息!C8：示范企业不能选择“共享制造”模式" in "\n".join(mine)
    assert lines[-1].endswith("2 个错误，13 个警告。请改正错误后再收集，未写出城市申报文件。")
    assert not (tmp_path / "o").exists()  # nothing written


def test_template_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["intake", "template", "-o", str(tmp_path / "t"), "--city", "450200"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "manifest.json",
        "城市信息.xlsx",
        "申报书正文.docx",
        "申报信息表.xlsx",
    ]
    bad = CliRunner().invoke(
        main, ["intake", "template", "-o", str(tmp_path / "u"), "--city", "45"]
    )
    assert bad.exit_code == 2
    missing = CliRunner().invoke(
        main, ["intake", "collect", str(tmp_path / "nope"), "-o", str(tmp_path / "o")]
    )
    assert missing.exit_code == 2
