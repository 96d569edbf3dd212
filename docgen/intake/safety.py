"""What a file received by mail really is, before any library opens it.

A workbook or Word file is read only when it is a regular file of at most ``MAX_FILE_BYTES`` and
really a zip package (OOXML) whose declared sizes are within bounds: at most ``MAX_MEMBERS``
parts, none over ``MAX_PART_BYTES`` uncompressed, ``MAX_TOTAL_BYTES`` in all, and no part over
1 MB that is compressed more than ``MAX_RATIO`` times (a zip bomb declares, or needs, more). The
zip reader stops at a part's declared size, so a part cannot inflate past what was checked.

Anything else is named for what it is (an encrypted workbook, an old ``.xls``, a CSV or web page
renamed ``.xlsx``), with what the applicant can do about it.
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 5000
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200
# A worksheet's XML: a filled-in form is some tens of KB (texts are in the shared strings).
MAX_SHEET_XML_BYTES = 16 * 1024 * 1024

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"

Kind = Literal["zip", "xls", "encrypted"]


class Refusal(Exception):
    """This file cannot be read; the message (Chinese) says why and what to do."""


@dataclass(frozen=True)
class Sniffed:
    kind: Kind
    size: int


def read_head(path: Path, n: int = 4096) -> tuple[bytes, int]:
    """The first ``n`` bytes and the size of a regular file (never opens a FIFO or device)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise Refusal(f"无法读取：{exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise Refusal("不是普通文件（可能是文件夹、管道或设备），docgen 不会读取它")
    if st.st_size == 0:
        raise Refusal("文件是空的（0 字节）；请重新保存或重新发送")
    if st.st_size > MAX_FILE_BYTES:
        raise Refusal(
            f"文件过大（{st.st_size / 1024 / 1024:.0f} MB，最大 {MAX_FILE_BYTES // 1024 // 1024} MB）；"
            "请确认选对了文件"
        )
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise Refusal(f"无法读取：{exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refusal("不是普通文件，docgen 不会读取它")
        return fh.read(n), st.st_size


def sniff_workbook(path: Path) -> Sniffed:
    """What ``path`` (named .xlsx, .xlsm or .xls) really holds; Refusal for what cannot be read."""
    head, size = read_head(path)
    if head.startswith(_ZIP):
        return Sniffed("zip", size)
    if head.startswith(_OLE):
        if _is_encrypted_ole(path):
            raise Refusal(
                "工作簿设置了打开密码（已加密），docgen 无法读取；请在 Excel 中“文件 › 信息 › 保护工作簿 › "
                "用密码进行加密”清空密码，或在 WPS 中“文件 › 文档加密 › 密码加密”取消密码，保存后再发送"
            )
        return Sniffed("xls", size)
    raise Refusal(_not_a_workbook(head))


def sniff_docx(path: Path) -> None:
    head, _ = read_head(path)
    if head.startswith(_ZIP):
        return
    if head.startswith(_OLE):
        if _is_encrypted_ole(path):
            raise Refusal(
                "Word 文件设置了打开密码（已加密），docgen 无法读取；请取消密码后另存为 .docx 再发送"
            )
        raise Refusal(
            "这是旧版 Word 文件（.doc 格式），只是扩展名为 .docx；请用 Word 或 WPS 打开，"
            "“另存为”Word 文档（*.docx）后再发送"
        )
    raise Refusal(
        "不是 Word 文档（.docx）；请用 Word 或 WPS 打开，“另存为”Word 文档（*.docx）后再发送"
    )


def _is_encrypted_ole(path: Path) -> bool:
    """An encrypted OOXML file is an OLE compound file with an EncryptedPackage stream; the
    directory entries hold the stream names in UTF-16LE."""
    data = path.read_bytes()
    return "EncryptedPackage".encode("utf-16-le") in data or (
        "EncryptionInfo".encode("utf-16-le") in data
    )


def _not_a_workbook(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff").lstrip().lower()
    resave = "请用 Excel 或 WPS 打开，“另存为”Excel 工作簿（*.xlsx）后再发送"
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or (
        b"<html" in text[:1024]
    ):
        return f"实际上是网页（HTML）文件，只是扩展名为 .xlsx；{resave}"
    if text.startswith(b"<?xml") and b"spreadsheet" in text:
        return f"实际上是 XML 表格（Excel 2003 XML 格式），不是 .xlsx 工作簿；{resave}"
    if text.startswith(b"{\\rtf"):
        return f"实际上是 RTF 文档，不是 Excel 工作簿；{resave}"
    if text.startswith(b"%pdf"):
        return "实际上是 PDF 文件，不是 Excel 工作簿；请发送 Excel 工作簿（*.xlsx）"
    if b"," in text or b"\t" in text or b"\n" in text:
        return f"实际上是 CSV 或文本文件，只是扩展名为 .xlsx；{resave}"
    return f"不是 Excel 工作簿（*.xlsx）；{resave}"


def open_zip(path: Path, what: str) -> zipfile.ZipFile:
    """Open an OOXML package after checking the sizes its directory declares."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refusal(f"{what}已损坏，无法打开（{exc}）；请重新保存后再发送") from None
    try:
        check_zip(zf, what)
    except Refusal:
        zf.close()
        raise
    return zf


def check_zip(zf: zipfile.ZipFile, what: str) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise Refusal(f"{what}内部的部件过多（{len(infos)} 个）；这不是正常的 Office 文件")
    total = 0
    for info in infos:
        total += info.file_size
        # A worksheet is measured against the smaller MAX_SHEET_XML_BYTES by the reader, which
        # can name the sheet.
        sheet = info.filename.startswith("xl/worksheets/")
        if info.file_size > MAX_PART_BYTES and not sheet:
            raise Refusal(
                f"{what}中的“{info.filename}”解压后有 {info.file_size / 1024 / 1024:.0f} MB，"
                f"超过 {MAX_PART_BYTES // 1024 // 1024} MB 的上限；请确认文件内容"
            )
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Refusal(
                f"{what}中的“{info.filename}”压缩比异常（{info.compress_size} 字节解压为 "
                f"{info.file_size} 字节），可能是恶意构造的“压缩炸弹”，docgen 不会打开它"
            )
    if total > MAX_TOTAL_BYTES:
        raise Refusal(
            f"{what}解压后共 {total / 1024 / 1024:.0f} MB，超过 {MAX_TOTAL_BYTES // 1024 // 1024} MB "
            "的上限；请删去不需要的图片等内容后再发送"
        )
