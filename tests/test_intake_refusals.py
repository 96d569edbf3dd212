"""Each refusal names the file, sheet and cell, and says what is expected (table-driven).

Every case starts from a correctly filled intake folder (see test_intake_typing) and breaks one
thing the way a received file can be broken.
"""

from __future__ import annotations

import io
import shutil
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from docgen.intake import collect

from .test_intake_typing import intake_dir  # noqa: F401  (the fixture)

BOOK = "LZ-E1/申报信息表.xlsx"


def _rewrite(path: Path, change: Callable[[dict[str, bytes]], None]) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    change(parts)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    path.write_bytes(buf.getvalue())


def _cells(path: Path, sheet: str, **values: object) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    for ref, value in values.items():
        wb[sheet][ref] = value
    wb.save(path)


def _meta(path: Path, row: int, value: str) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["_docgen"].cell(row, 2, value)
    wb.save(path)


def formula_without_value(d: Path) -> None:
    _cells(d / BOOK, "基本信息", C12='=CONCATENATE("韦","建国")')  # openpyxl saves no result


def merged_hidden_value(d: Path) -> None:
    # C12:D12 merged while D12 (the hint) still holds text: Excel would show only C12.
    def change(parts: dict[str, bytes]) -> None:
        xml = parts["xl/worksheets/sheet1.xml"].decode()
        merge = '<mergeCells count="1"><mergeCell ref="C12:D12"/></mergeCells>'
        parts["xl/worksheets/sheet1.xml"] = xml.replace(
            "<dataValidations", merge + "<dataValidations", 1
        ).encode()

    _rewrite(d / BOOK, change)


def other_edition(d: Path) -> None:
    _meta(d / BOOK, 3, "gx-2020-2")


def older_template(d: Path) -> None:
    _meta(d / BOOK, 4, "0")


def newer_template(d: Path) -> None:
    _meta(d / BOOK, 4, "4")


def renamed_sheet(d: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(d / BOOK)
    wb["随附材料"].title = "附件"
    wb.save(d / BOOK)


def deleted_sheet(d: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(d / BOOK)
    del wb["申报材料"]
    wb.save(d / BOOK)


def encrypted(d: Path) -> None:
    # What Excel writes for a workbook with an open password: an OLE compound file holding the
    # streams EncryptionInfo and EncryptedPackage (names in UTF-16LE in its directory).
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    names = "".join(n.ljust(32, "\0") for n in ("EncryptionInfo", "EncryptedPackage"))
    (d / BOOK).write_bytes(header + names.encode("utf-16-le") + b"\0" * 2048)


def old_xls_garbage(d: Path) -> None:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    (d / "LZ-E1" / "申报信息表.xlsx").unlink()
    (d / "LZ-E1" / "申报信息表.xls").write_bytes(
        header + "Workbook".encode("utf-16-le") + b"\0" * 4096
    )


def csv_renamed(d: Path) -> None:
    (d / BOOK).write_text(
        "申报单位名称,统一社会信用代码\n柳州龙城,91450200TCULH87WL8\n", encoding="utf-8"
    )


def html_renamed(d: Path) -> None:
    (d / BOOK).write_text(
        "<html><body><table><tr><td>柳州</td></tr></table></body></html>", encoding="utf-8"
    )


def million_rows(d: Path) -> None:
    # 1,000,000 rows pasted into 申报材料 (the third sheet, after 基本信息 and 主要指标): the
    # sheet's XML is some 40 MB.
    def change(parts: dict[str, bytes]) -> None:
        rows = "".join(
            f'<row r="{i}"><c r="B{i}" t="inlineStr"><is><t>x</t></is></c></row>'
            for i in range(1, 1_000_001)
        )
        parts["xl/worksheets/sheet3.xml"] = (
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{rows}</sheetData></worksheet>"
        ).encode()

    _rewrite(d / BOOK, change)


def row_past_limit(d: Path) -> None:
    def change(parts: dict[str, bytes]) -> None:
        xml = parts["xl/worksheets/sheet4.xml"].decode()  # 随附材料
        row = '<row r="5000"><c r="B5000" t="inlineStr"><is><t>多余</t></is></c></row>'
        parts["xl/worksheets/sheet4.xml"] = xml.replace(
            "</sheetData>", row + "</sheetData>"
        ).encode()

    _rewrite(d / BOOK, change)


def zip_bomb(d: Path) -> None:
    def change(parts: dict[str, bytes]) -> None:
        parts["xl/media/image1.bin"] = b"\0" * (8 * 1024 * 1024)

    _rewrite(d / BOOK, change)


def docx_zip_bomb(d: Path) -> None:
    def change(parts: dict[str, bytes]) -> None:
        parts["word/media/image1.bin"] = b"\0" * (8 * 1024 * 1024)

    _rewrite(d / "LZ-E1" / "申报书正文.docx", change)


def doc_renamed(d: Path) -> None:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    (d / "LZ-E1" / "申报书正文.docx").write_bytes(
        header + "WordDocument".encode("utf-16-le") + b"\0" * 1024
    )


def not_docgens(d: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "申报单位名称"
    wb.save(d / BOOK)


def label_moved(d: Path) -> None:
    _cells(d / BOOK, "基本信息", B7="信用代码")


def duplicate_applicant(d: Path) -> None:
    shutil.copytree(d / "LZ-E1", d / "LZ-E2")


def missing_attachment(d: Path) -> None:
    (d / "LZ-E1" / "license.pdf").unlink()


def attachment_outside(d: Path) -> None:
    _cells(d / BOOK, "随附材料", C4="../城市信息.xlsx")


def unreadable_date(d: Path) -> None:
    _cells(d / BOOK, "基本信息", C13="去年五月")


def unknown_category(d: Path) -> None:
    _cells(d / BOOK, "基本信息", C4="示范工厂")


def section_heading_not_in_word(d: Path) -> None:
    _cells(d / BOOK, "申报材料", B5="主要经验")


def no_city_workbook(d: Path) -> None:
    (d / "城市信息.xlsx").unlink()


CASES: list[tuple[str, Callable[[Path], None], str, str]] = [
    ("formula", formula_without_value, f"{BOOK} › 基本信息!C12", "公式，但文件中没有保存计算结果"),
    (
        "merged",
        merged_hidden_value,
        f"{BOOK} › 基本信息!D12",
        "合并单元格 C12:D12 中被遮住的 D12 有内容",
    ),
    ("edition", other_edition, BOOK, "“gx-2020-2”第 3 版模板，本次收集使用“gx-2021-3”第 3 版模板"),
    ("version", older_template, BOOK, "“gx-2021-3”第 0 版模板，本次收集使用“gx-2021-3”第 3 版模板"),
    ("newer", newer_template, BOOK, "“gx-2021-3”第 4 版模板，比本程序的第 3 版新；请升级 docgen"),
    (
        "renamed",
        renamed_sheet,
        f"{BOOK} › 随附材料",
        "缺少工作表“随附材料”（工作簿中的工作表：“基本信息”、“主要指标”、“申报材料”、“附件”、“填表说明”）",
    ),
    ("deleted", deleted_sheet, f"{BOOK} › 申报材料", "缺少工作表“申报材料”"),
    ("encrypted", encrypted, BOOK, "设置了打开密码（已加密）"),
    ("xls", old_xls_garbage, "LZ-E1/申报信息表.xls", "另存为”Excel 工作簿（*.xlsx）"),
    ("csv", csv_renamed, BOOK, "实际上是 CSV 或文本文件，只是扩展名为 .xlsx"),
    ("html", html_renamed, BOOK, "实际上是网页（HTML）文件"),
    ("million", million_rows, BOOK, "工作表“申报材料”过大"),
    (
        "rows",
        row_past_limit,
        f"{BOOK} › 随附材料",
        "第 5000 行还有内容：每张工作表只读取前 1000 行",
    ),
    ("bomb", zip_bomb, BOOK, "压缩炸弹"),
    ("docx-bomb", docx_zip_bomb, "LZ-E1/申报书正文.docx", "压缩炸弹"),
    ("doc", doc_renamed, "LZ-E1/申报书正文.docx", "旧版 Word 文件（.doc 格式）"),
    ("foreign", not_docgens, BOOK, "不是用 docgen intake template 生成的表格"),
    (
        "label",
        label_moved,
        f"{BOOK} › 基本信息!B7",
        "表格结构被改动：这里应为“统一社会信用代码”，实际为“信用代码”",
    ),
    (
        "duplicate",
        duplicate_applicant,
        f"{BOOK} › 基本信息!C7 与 LZ-E2/申报信息表.xlsx › 基本信息!C7",
        "91450200TCULH87WL8 在本文件中出现多次（LZ-E1、LZ-E2）",
    ),
    ("attachment", missing_attachment, f"{BOOK} › 随附材料!C4", "找不到文件“license.pdf”"),
    ("outside", attachment_outside, f"{BOOK} › 随附材料!C4", "不能是绝对路径或含“..”"),
    ("date", unreadable_date, f"{BOOK} › 基本信息!C13", "成立时间：“去年五月”不是日期；应为日期"),
    (
        "category",
        unknown_category,
        f"{BOOK} › 基本信息!C4",
        "申报类别“示范工厂”不在可选范围内；应为：示范企业、示范平台、示范项目、示范城市",
    ),
    ("heading", section_heading_not_in_word, f"{BOOK} › 申报材料!D5", "没有标题为“主要经验”的章节"),
    ("no-city", no_city_workbook, ".", "没有找到城市信息表"),
]


@pytest.mark.parametrize(("name", "breaks", "where", "says"), CASES, ids=[c[0] for c in CASES])
def test_refused_with_its_place(
    name: str,
    breaks: Callable[[Path], None],
    where: str,
    says: str,
    intake_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    breaks(intake_dir)
    before = {p: p.read_bytes() for p in intake_dir.rglob("*") if p.is_file()}
    t0 = time.perf_counter()
    result = collect(intake_dir, tmp_path / "city")
    assert time.perf_counter() - t0 < 20
    errors = {f.location: f.message for f in result.findings if f.level == "error"}
    assert where in errors, errors
    assert says in errors[where]
    assert result.written is None and not (tmp_path / "city").exists()
    assert {p: p.read_bytes() for p in intake_dir.rglob("*") if p.is_file()} == before
