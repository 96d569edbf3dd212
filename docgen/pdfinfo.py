"""What a PDF reader shows of every PDF docgen writes: the Chinese title in the window (not the
file name), the applicant or bureau as author, the language (zh-CN, for reading aloud and
search), bookmarks that keep the reader's zoom, and a file identifier (trailer /ID) derived from
the file's content, so the same input still gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

LANG = "zh-CN"
GENERATOR = "docgen"

# the trailer dictionary of a classic cross-reference table (reportlab and pypdf write one)
_TRAILER = re.compile(rb"trailer\s*<<")
_ID = re.compile(rb"\s*/ID\s*\[\s*<[0-9A-Fa-f]*>\s*<[0-9A-Fa-f]*>\s*\]")


def describe(writer: Any, title: str, author: str | None) -> None:
    """Title, author, language and "show the title, not the file name" on a pypdf writer."""
    from pypdf.generic import NameObject, TextStringObject

    writer.add_metadata(
        {
            "/Title": title,
            "/Author": author or GENERATOR,
            "/Creator": GENERATOR,
            "/Producer": GENERATOR,
        }
    )
    writer.root_object[NameObject("/Lang")] = TextStringObject(LANG)
    writer.create_viewer_preferences().display_doctitle = True


def keep_zoom(top: float | None) -> Any:
    """A bookmark's view: the page at ``top`` (PDF points from the bottom; None: the page's
    top is given by the caller), the reader's zoom and left position kept (/XYZ)."""
    from pypdf.generic import Fit

    return Fit.xyz(left=None, top=top, zoom=None)


def with_content_id(data: bytes) -> bytes:
    """``data`` with its trailer's /ID set to a digest of the file without it: both parts of the
    identifier the same (a new file). Offsets stay valid: the trailer follows the
    cross-reference table, and nothing points into it."""
    matches = list(_TRAILER.finditer(data))
    if not matches:
        raise ValueError("no trailer dictionary (a cross-reference stream?)")
    start = matches[-1].end()
    end = data.find(b">>", start)
    if end < 0:
        raise ValueError("unterminated trailer dictionary")
    body = _ID.sub(b"", data[start:end])
    plain = data[:start] + body + data[end:]
    digest = hashlib.md5(plain, usedforsecurity=False).hexdigest().encode()
    ident = b"\n/ID [<" + digest + b"> <" + digest + b">]"
    return data[:start] + ident + body + data[end:]


_SUBSET_TAG = re.compile(r"^/?([A-Z]{6})\+(.+)$")


def unique_subset_tags(writer: Any) -> int:
    """Give every embedded font subset in ``writer`` a tag derived from its font program, so two
    different subsets never share a name (ISO 32000-1 §9.6.4) when documents that each named
    their subsets AAAAAA+, AAAAAB+ … are merged; the same subset keeps one name. Returns how
    many fonts were renamed."""
    from pypdf.generic import DictionaryObject, NameObject

    renamed = 0
    for obj in list(writer._objects):
        if not isinstance(obj, DictionaryObject) or obj.get("/Type") != "/Font":
            continue
        base = obj.get("/BaseFont")
        match = _SUBSET_TAG.match(str(base)) if base is not None else None
        if match is None:
            continue
        descriptor = _descriptor(obj)
        program = _font_program(descriptor) if descriptor is not None else None
        if program is None:
            continue
        new = NameObject(f"/{_tag(program)}+{match.group(2)}")
        if new == base:
            continue
        obj[NameObject("/BaseFont")] = new
        for desc in _descendants(obj):
            if str(desc.get("/BaseFont", "")) == str(base):
                desc[NameObject("/BaseFont")] = new
        if descriptor is not None and str(descriptor.get("/FontName", "")) == str(base):
            descriptor[NameObject("/FontName")] = new
        renamed += 1
    return renamed


def _descendants(font: Any) -> list[Any]:
    kids = font.get("/DescendantFonts")
    return [k.get_object() for k in kids.get_object()] if kids is not None else []


def _descriptor(font: Any) -> Any:
    for f in (font, *_descendants(font)):
        d = f.get("/FontDescriptor")
        if d is not None:
            return d.get_object()
    return None


def _font_program(descriptor: Any) -> bytes | None:
    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        stream = descriptor.get(key)
        if stream is not None:
            data = stream.get_object()
            raw: bytes = getattr(data, "_data", b"") or data.get_data()
            return raw
    return None


def _tag(program: bytes) -> str:
    """Six capital letters from a digest of the font program."""
    digest = hashlib.sha256(program).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])
