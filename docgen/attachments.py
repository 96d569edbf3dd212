"""Attachment preflight (随附材料): where a file is, what it really is, and whether it can be read.

The kind is decided by the file's content, never by its extension: a ``.pdf`` that is really text
is refused before anything is written.

Validation runs the very code that places the attachment into the packet
(``docgen.attach.attachment_data_pages``) after its own cheaper checks, so an attachment that
passes ``docgen validate`` cannot fail at ``docgen build``: every page is parsed, measured,
cleaned of active content and placed, and every image is decoded (downscaled) as the build does.

Hostile files are refused with a finding, never followed:

- Only a regular file is read. A FIFO, socket or device is refused from its ``stat`` without
  being opened (opening a FIFO for reading would block forever); the file is then opened with
  ``O_NONBLOCK`` and checked again on the open descriptor, so a file swapped for a FIFO in between
  cannot hang docgen either.
- A symlink is followed only if its target lies inside the city folder; a symlink loop is named
  as such.
- Hard links are allowed: a hard link is the file itself, present in the city folder under that
  name, and nothing about it says where its other names are (``st_nlink`` only counts them), so
  it is treated like any file the user copied there. docgen only ever reads attachments, never
  writes or removes them.
- Images: the size is read from the header before anything is decoded; more than
  ``MAX_IMAGE_PIXELS`` (100 million pixels) is refused as too large, not as damaged. The same
  limit applies to every image inside a PDF attachment.
- PDF pages must be between ``MIN_PAGE_PT`` and ``MAX_PAGE_PT`` on each side, have a /Rotate that
  is a multiple of 90, and have streams that pypdf can decompress within its limits; each finding
  names the attachment and the page.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import stat
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pypdf import PdfReader

    from .attach import PlacedPage

AttachmentKind = Literal["pdf", "jpeg", "png"]

_KIND_NAMES = {"pdf": "PDF", "jpeg": "JPEG 图片", "png": "PNG 图片"}

# Images (and images inside PDFs) above this many pixels are refused: decoding one would take
# gigabytes, and no print needs it (an A4 page at 600 dpi is 35 million pixels).
MAX_IMAGE_PIXELS = 100_000_000
# A PDF page's visible area, each side, in points: under 5 mm nothing on it can be read; PDF's own
# limit on user space is 14 400 units (200 inches).
MIN_PAGE_PT = 5.0 * 72.0 / 25.4
MAX_PAGE_PT = 14_400.0


def sniff(head: bytes) -> AttachmentKind | None:
    """The real type of a file from its first bytes."""
    if head.lstrip(b"\r\n\t \x00")[:5] == b"%PDF-" or head[:1024].find(b"%PDF-") != -1:
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def too_big_message(label: str, width: int, height: int) -> str:
    """The finding for an image over ``MAX_IMAGE_PIXELS``."""
    return (
        f"附件“{label}”图片过大（{width}×{height} 像素，约 {width * height / 1e6:.0f} 百万像素），"
        f"超过上限 {MAX_IMAGE_PIXELS // 1_000_000} 百万像素（MAX_IMAGE_PIXELS）；"
        "请缩小图片（打印用 300 dpi 已足够）后再试"
    )


def damaged_message(label: str, kind: AttachmentKind) -> str:
    return f"附件“{label}”是已损坏或不完整的{_KIND_NAMES[kind]}，无法读取；请重新扫描或导出"


def _special_kind(mode: int) -> str | None:
    """What a file that is not a regular file or a folder is, in Chinese."""
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISSOCK(mode):
        return "套接字（socket）"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    if not stat.S_ISREG(mode):
        return "特殊文件"
    return None


def read_regular(path: Path, label: str) -> bytes:
    """The bytes of a regular file; OSError for I/O faults, ValueError (Chinese) for a file that
    is not a regular file. A FIFO, socket or device is never opened."""
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise ValueError(f"附件“{label}”是文件夹，应为 PDF、JPEG 或 PNG 文件")
    special = _special_kind(st.st_mode)
    if special:
        raise ValueError(
            f"附件“{label}”不是普通文件，而是{special}；docgen 不会读取它。"
            "请换成真正的 PDF、JPEG 或 PNG 文件"
        )
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        special = _special_kind(os.fstat(fd).st_mode)  # swapped since the stat above
        if special:
            raise ValueError(f"附件“{label}”不是普通文件，而是{special}；docgen 不会读取它")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    finally:
        os.close(fd)


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
    try:
        path = (base_dir / file.replace("\\", "/")).resolve()
    except RuntimeError:  # Python < 3.13: "Symlink loop from ..."
        raise ValueError(
            f"附件“{file}”是循环的符号链接（链接最终指向它自己），无法读取；请换成真正的文件"
        ) from None
    try:
        path.relative_to(base_dir.resolve())
    except ValueError:
        raise ValueError(
            f"附件路径“{file}”指向城市申报文件所在文件夹之外；附件必须放在该文件夹内"
        ) from None
    return path


@dataclass(frozen=True)
class LoadedAttachment:
    """One attachment as the build uses it: its bytes, read once, and its placed pages."""

    file: str
    path: Path
    data: bytes
    kind: AttachmentKind
    pages: tuple[PlacedPage, ...]


class AttachmentReader:
    """The attachments of one city, each read once and placed once: validation checks them,
    the build key hashes the same bytes, and the bundle takes the same placed pages. A file
    changed on disk after it was read cannot make the packet differ from what was checked."""

    def __init__(self, base_dir: Path, *, allow_absolute: bool = False):
        self.base_dir = base_dir
        self.allow_absolute = allow_absolute
        self._loaded: dict[str, LoadedAttachment | str] = {}

    def problem(self, file: str) -> str | None:
        """What is wrong with the attachment ``file`` (Chinese), or None if it is usable."""
        loaded = self._load(file)
        return loaded if isinstance(loaded, str) else None

    def get(self, file: str) -> LoadedAttachment:
        """The usable attachment ``file``; ValueError (Chinese) if it is not usable."""
        loaded = self._load(file)
        if isinstance(loaded, str):
            raise ValueError(loaded)
        return loaded

    def _load(self, file: str) -> LoadedAttachment | str:
        if file not in self._loaded:
            self._loaded[file] = _load(self.base_dir, file, self.allow_absolute)
        return self._loaded[file]


def check_attachment(base_dir: Path, file: str, *, allow_absolute: bool = False) -> str | None:
    """Return a Chinese description of what is wrong with an attachment, or None if usable."""
    return AttachmentReader(base_dir, allow_absolute=allow_absolute).problem(file)


def _load(base_dir: Path, file: str, allow_absolute: bool) -> LoadedAttachment | str:
    """The attachment read, checked and placed, or a Chinese description of what is wrong."""
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
            if path.is_symlink():
                try:
                    os.stat(path)
                except OSError as exc:
                    if exc.errno == errno.ELOOP:
                        return (
                            f"附件“{file}”是循环的符号链接（链接最终指向它自己），无法读取；"
                            "请换成真正的文件"
                        )
            return f"找不到附件文件“{file}”（应位于 {path.parent}）"
        data = read_regular(path, file)
    except ValueError as exc:
        return str(exc)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return f"附件路径“{file}”过长，无法读取；请缩短文件名"
        if exc.errno == errno.ELOOP:
            return f"附件“{file}”是循环的符号链接（链接最终指向它自己），无法读取；请换成真正的文件"
        return f"无法读取附件“{file}”（{exc.strerror}）"
    if not data:
        return f"附件“{file}”是空文件"
    kind = sniff(data[:2048])
    if kind is None:
        return f"附件“{file}”的内容不是 PDF、JPEG 或 PNG（与扩展名无关，按文件内容判断）；请重新扫描或导出"
    reader = None
    if kind == "pdf":
        opened = _check_pdf(file, data)
        if isinstance(opened, str):
            return opened
        reader = opened
    else:
        problem = _check_image(file, data, kind)
        if problem:
            return problem
    # The build's own path: parse, clean, place (and for images decode) every page.
    from docgen.attach import AttachmentError, attachment_data_pages

    try:
        pages = attachment_data_pages(data, kind, file, reader=reader)  # parsed once
    except AttachmentError as exc:
        return str(exc)
    return LoadedAttachment(file, path, data, kind, tuple(pages))


@contextlib.contextmanager
def quiet_pypdf() -> Iterator[None]:
    """pypdf's repair messages ("EOF marker not found") and warnings kept off the terminal
    while a given PDF is read: docgen says what is wrong itself, in Chinese."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def open_pdf(data: bytes, label: str) -> PdfReader | str:
    """The one way docgen opens a PDF it was given (an attachment): not strict, quietly; the
    reader, or what is wrong with it (Chinese, naming ``label``): encrypted, without pages, a
    decompression bomb, or unreadable."""
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    with quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return f"附件“{label}”是加密的 PDF；请导出一份不加密、不设密码的 PDF"
            if len(reader.pages) == 0:
                return f"附件“{label}”是没有页面的 PDF"
        except LimitReachedError:
            return (
                f"附件“{label}”的数据流解压后过大（超过 pypdf 的安全上限），可能是损坏或恶意构造的"
                "文件（“压缩炸弹”）；请重新导出"
            )
        except Exception:  # PdfReadError, and whatever else a hostile file makes pypdf raise
            return f"附件“{label}”是已损坏或不完整的 PDF，无法读取；请重新导出"
    return reader


def _check_pdf(file: str, data: bytes) -> PdfReader | str:
    """The attachment's PDF opened, or what is wrong with it."""
    opened = open_pdf(data, file)
    if isinstance(opened, str):
        return opened
    if b"%%EOF" not in data[-2048:]:
        return f"附件“{file}”是不完整的 PDF（缺少文件结尾，可能下载或复制中断）；请重新导出"
    return opened


def declared_size(data: bytes, kind: AttachmentKind) -> tuple[int, int]:
    """An image's width and height from its header, without decoding it (and without PIL's own
    decompression-bomb refusal, which would hide the size)."""
    from PIL import JpegImagePlugin, PngImagePlugin

    cls = JpegImagePlugin.JpegImageFile if kind == "jpeg" else PngImagePlugin.PngImageFile
    with cls(io.BytesIO(data)) as img:
        return img.size


def _check_image(file: str, data: bytes, kind: AttachmentKind) -> str | None:
    from PIL import Image

    try:
        width, height = declared_size(data, kind)
    except Exception:  # whatever a damaged header makes PIL raise (struct.error included)
        return damaged_message(file, kind)
    if width < 1 or height < 1:
        return f"附件“{file}”图片尺寸为零"
    if width * height > MAX_IMAGE_PIXELS:
        return too_big_message(file, width, height)
    if kind != "jpeg":
        return None  # a PNG is decoded whole by the placement below
    # A JPEG is usually embedded as it is, undecoded: decode it once here, at 1/8 scale, so a
    # truncated or damaged scan is found now and not by the printer.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                img.draft(img.mode, (max(1, width // 8), max(1, height // 8)))
                img.load()
    except Exception:
        return damaged_message(file, kind)
    return None
