"""Attachment preflight (随附材料): where a file is, what it really is, and whether it can be read.

The kind is decided by the file's content, never by its extension: a ``.pdf`` that is really text
is refused before anything is written.
"""

from __future__ import annotations

import errno
import io
import logging
import warnings
from pathlib import Path
from typing import Literal

AttachmentKind = Literal["pdf", "jpeg", "png"]

_KIND_NAMES = {"pdf": "PDF", "jpeg": "JPEG 图片", "png": "PNG 图片"}


def sniff(head: bytes) -> AttachmentKind | None:
    """The real type of a file from its first bytes."""
    if head.lstrip(b"\r\n\t \x00")[:5] == b"%PDF-" or head[:1024].find(b"%PDF-") != -1:
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def resolve(base_dir: Path, file: str, *, allow_absolute: bool = False) -> Path:
    """The attachment's path; raise ValueError with a Chinese reason if it may not be used."""
    raw = Path(file)
    if raw.is_absolute() or (len(file) > 1 and file[1] == ":") or file.startswith(("\\\\", "//")):
        if not allow_absolute:
            raise ValueError(
                f"附件路径“{file}”是绝对路径；请把文件放在城市申报文件所在文件夹内，写相对路径"
                "（如 attachments/xx.pdf），或在命令中加 --allow-absolute-paths"
            )
        return raw
    path = (base_dir / file.replace("\\", "/")).resolve()
    try:
        path.relative_to(base_dir.resolve())
    except ValueError:
        raise ValueError(
            f"附件路径“{file}”指向城市申报文件所在文件夹之外；附件必须放在该文件夹内"
        ) from None
    return path


def check_attachment(base_dir: Path, file: str, *, allow_absolute: bool = False) -> str | None:
    """Return a Chinese description of what is wrong with an attachment, or None if usable."""
    bad = [c for c in file if c == "\x00" or "\ud800" <= c <= "\udfff"]
    if bad:
        shown = "、".join(f"U+{ord(c):04X}" for c in dict.fromkeys(bad))
        safe = "".join(f"\\u{ord(c):04x}" if c in bad else c for c in file)
        return f"附件路径“{safe}”含有不能用于文件名的字符（{shown}）；请改正附件路径"
    try:
        path = resolve(base_dir, file, allow_absolute=allow_absolute)
    except ValueError as exc:
        return str(exc)
    try:
        if not path.exists():
            return f"找不到附件文件“{file}”（应位于 {path.parent}）"
        if path.is_dir():
            return f"附件“{file}”是文件夹，应为 PDF、JPEG 或 PNG 文件"
        data = path.read_bytes()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return f"附件路径“{file}”过长，无法读取；请缩短文件名"
        return f"无法读取附件“{file}”（{exc.strerror}）"
    if not data:
        return f"附件“{file}”是空文件"
    kind = sniff(data[:2048])
    if kind is None:
        return f"附件“{file}”的内容不是 PDF、JPEG 或 PNG（与扩展名无关，按文件内容判断）；请重新扫描或导出"
    if kind == "pdf":
        return _check_pdf(file, data)
    return _check_image(file, data, kind)


def _check_pdf(file: str, data: bytes) -> str | None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logger = logging.getLogger("pypdf")  # pypdf logs repairs ("EOF marker not found") here
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return f"附件“{file}”是加密的 PDF；请导出一份不加密、不设密码的 PDF"
            pages = reader.pages
            if len(pages) == 0:
                return f"附件“{file}”是没有页面的 PDF"
            for page in pages:
                box = page.mediabox
                if box.width <= 0 or box.height <= 0:
                    return f"附件“{file}”有页面尺寸为零的页面"
                page.get_contents()
    except (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        OSError,
    ):
        return f"附件“{file}”是已损坏或不完整的 PDF，无法读取；请重新导出"
    finally:
        logger.setLevel(level)
    if b"%%EOF" not in data[-2048:]:
        return f"附件“{file}”是不完整的 PDF（缺少文件结尾，可能下载或复制中断）；请重新导出"
    return None


def _check_image(file: str, data: bytes, kind: AttachmentKind) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            if img.width < 1 or img.height < 1:
                return f"附件“{file}”图片尺寸为零"
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return f"附件“{file}”是已损坏或不完整的{_KIND_NAMES[kind]}，无法读取；请重新扫描或导出"
    return None
