"""Every font of an attachment page embedded, as the packet's fonts are.

Attachment PDFs often leave fonts to the viewer. What the viewer substitutes differs between
machines and printers, and a packet that must print the same everywhere cannot rely on it:

1. A non-embedded standard-14 face (Helvetica/Arial, Times/Times New Roman, Courier/Courier New,
   regular, bold, italic, bold italic) with a simple encoding (WinAnsi, MacRoman, Standard, with
   or without /Differences) becomes an embedded TrueType subset of its metric-compatible
   Liberation face (Liberation Sans/Serif/Mono). The subset holds every character the Latin
   encodings can address, so one font program serves every page and attachment; the /Encoding
   and /ToUnicode are kept, /Widths come from the standard-14 metrics (the widths the page was
   laid out with) unless the font gives its own.
2. Symbol and ZapfDingbats become a symbolic DejaVu Sans subset when DejaVu Sans has every
   glyph the page shows in them.
3. A page with any other non-embedded font (TrueType or CID fonts such as SimSun, Type 1 faces
   outside the standard 14, or a standard face without its substitute) is rasterized: rendered
   with pdfium at 200 dpi, JPEG quality 85 (grey when the page has no colour), and placed as one
   image over the whole page. It then has no fonts at all.

Everything is deterministic: font programs are subset without timestamps and cached per process,
their subset tags derive from their content, and the JPEG encoder settings are fixed.
"""

from __future__ import annotations

import hashlib
import io
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pypdf import PageObject, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from docgen.layout import Box

if TYPE_CHECKING:
    from PIL import Image

RASTER_DPI = 200
JPEG_QUALITY = 85
_COLOUR_TOLERANCE = 6  # channel spread (0-255) still counted as grey: anti-aliasing noise

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/dejavu"),
)

Family = Literal["sans", "serif", "mono", "symbol", "dingbats"]
_STYLE_SUFFIX = ("Regular", "Bold", "Italic", "BoldItalic")  # by bold + 2 * italic
_FAMILY_FILE = {"sans": "LiberationSans", "serif": "LiberationSerif", "mono": "LiberationMono"}
# The standard-14 face whose metrics a substituted font keeps, by family and bold + 2 * italic.
_STD14 = {
    "sans": ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique"),
    "serif": ("Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic"),
    "mono": ("Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique"),
}
_LATIN_ENCODINGS = ("WinAnsiEncoding", "MacRomanEncoding", "StandardEncoding")

# Font descriptor flags (PDF 32000-1, 9.8.2).
_FIXED_PITCH, _SERIF, _SYMBOLIC, _NONSYMBOLIC, _ITALIC = 1, 2, 4, 32, 64


@dataclass(frozen=True)
class FontFixReport:
    """What was done to one page.

    ``substituted``: (font as the page named it, embedded face), sorted, each pair once.
    ``rasterized``: the page was replaced by an image of itself; ``unembeddable`` then names
    the fonts that made it so.
    """

    substituted: tuple[tuple[str, str], ...] = ()
    rasterized: bool = False
    unembeddable: tuple[str, ...] = ()

    @property
    def substituted_names(self) -> tuple[str, ...]:
        """``"Helvetica→LiberationSans"`` for each substitution."""
        return tuple(f"{a}→{b}" for a, b in self.substituted)


@dataclass(frozen=True)
class _Face:
    family: Family
    style: int  # bold + 2 * italic
    path: Path
    postscript: str  # LiberationSans-Bold, DejaVuSans


# ---------------------------------------------------------------------------------------------
# Which face stands in for a font name.


def _tokens_ok(rest: str, allowed: tuple[str, ...]) -> bool:
    while rest:
        for t in allowed:
            if rest.startswith(t):
                rest = rest[len(t) :]
                break
        else:
            return False
    return True


_STYLE_TOKENS = ("bolditalic", "boldoblique", "bold", "italic", "oblique", "regular", "roman")
_FAMILY_NAMES: tuple[tuple[str, Family, tuple[str, ...]], ...] = (
    ("helvetica", "sans", ()),
    ("arial", "sans", ("mt",)),
    ("timesnewroman", "serif", ("psmt", "ps", "mt")),
    ("times", "serif", ()),
    ("couriernew", "mono", ("psmt", "ps", "mt")),
    ("courier", "mono", ()),
)


def classify(base_font: str) -> tuple[Family, int] | None:
    """The stand-in family and style (bold + 2 * italic) of a font name, or None.

    Accepts the standard-14 names and their usual Windows spellings (``Arial,Bold``,
    ``Arial-BoldItalicMT``, ``TimesNewRomanPS-BoldMT``, ``CourierNewPSMT``, ``Times New Roman``);
    not Arial Narrow, Arial Black, Arial Unicode and other faces with different widths.
    """
    name = base_font.split("+", 1)[1] if base_font[6:7] == "+" else base_font
    key = "".join(ch for ch in name.lower() if ch not in " -,_")
    if key == "symbol" or key == "symbolmt":
        return "symbol", 0
    if key in ("zapfdingbats", "itczapfdingbats", "zapfdingbatsitc"):
        return "dingbats", 0
    for prefix, family, extra in _FAMILY_NAMES:
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            if not _tokens_ok(rest, (*extra, *_STYLE_TOKENS, "psmt", "ps", "mt")):
                return None
            bold = "bold" in rest
            italic = "italic" in rest or "oblique" in rest
            return family, int(bold) + 2 * int(italic)
    return None


@cache
def _find_face(family: Family, style: int) -> _Face | None:
    if family in ("symbol", "dingbats"):
        stem = "DejaVuSans"
    else:
        stem = f"{_FAMILY_FILE[family]}-{_STYLE_SUFFIX[style]}"
    for folder in _FONT_DIRS:
        path = folder / f"{stem}.ttf"
        if path.is_file():
            postscript = stem.replace("-Regular", "")
            return _Face(family, style, path, postscript)
    return None


# ---------------------------------------------------------------------------------------------
# Encodings: code -> glyph name -> Unicode.


_Encodings = tuple[dict[str, tuple[str | None, ...]], dict[str, str]]


@cache
def _encoding_tables() -> _Encodings:
    """reportlab's standard encodings (name -> the glyph names of codes 0..255) and fontTools'
    AGL reading of every glyph name in them (name -> its text), kept in the font cache by both
    libraries' versions: loading reportlab's tables and AGL's takes 20 ms, the cache 1 ms."""
    import fontTools
    from reportlab import Version as reportlab_version

    from docgen.render.fonts import blob_path, read_blob, write_blob

    entry = blob_path("encodings", repr((1, fontTools.version, reportlab_version)))
    kept = read_blob(entry)
    if _is_encodings(kept):
        return kept  # type: ignore[return-value]  # checked
    from fontTools.agl import toUnicode

    # types-reportlab has no stub for the private _fontdata module (the standard-14 tables).
    from reportlab.pdfbase._fontdata import encodings  # type: ignore[import-not-found]

    tables = {name: tuple(encodings[name]) for name in sorted(encodings)}
    agl = {n: toUnicode(n) for table in tables.values() for n in table if n}
    write_blob(entry, (tables, agl))
    return tables, agl


def _is_encodings(value: object) -> bool:
    if not (isinstance(value, tuple) and len(value) == 2):
        return False
    tables, agl = value
    return (
        isinstance(tables, dict)
        and isinstance(agl, dict)
        and all(
            isinstance(k, str)
            and isinstance(t, tuple)
            and len(t) == 256
            and all(n is None or isinstance(n, str) for n in t)
            for k, t in tables.items()
        )
        and all(isinstance(k, str) and isinstance(v, str) for k, v in agl.items())
    )


def _base_encoding(name: str) -> tuple[str | None, ...]:
    return _encoding_tables()[0][name]


@cache
def _special_names(family: Family) -> dict[str, str]:
    """Glyph name -> Unicode for Symbol's and ZapfDingbats' own names (a1, a2 ... are no AGL)."""
    try:
        if family == "symbol":
            from pypdf._codecs import _symbol_encoding as table
        else:
            from pypdf._codecs import _zapfding_encoding as table
    except ImportError:  # pragma: no cover - pypdf internals moved
        return {}
    names = _base_encoding("SymbolEncoding" if family == "symbol" else "ZapfDingbatsEncoding")
    out: dict[str, str] = {}
    for code, name in enumerate(names):
        ch = table[code] if code < len(table) else None
        if name and ch and ch != "\u0000":
            out[name] = ch
    return out


def _to_unicode(name: str, family: Family) -> str | None:
    if family in ("symbol", "dingbats"):
        special = _special_names(family).get(name)
        if special:
            return special
    if name == ".notdef":
        return None
    text = _encoding_tables()[1].get(name)
    if text is None:  # a name of the font's own /Differences
        from fontTools.agl import toUnicode

        text = toUnicode(name)
    return text if len(text) == 1 else None


def _code_names(font: DictionaryObject, family: Family) -> dict[int, str] | None:
    """Code -> glyph name under the font's /Encoding; None if that is no simple encoding."""
    enc = font.get("/Encoding")
    enc = enc.get_object() if enc is not None else None
    builtin = {"symbol": "SymbolEncoding", "dingbats": "ZapfDingbatsEncoding"}.get(
        family, "StandardEncoding"
    )
    base_name = builtin
    differences: list[Any] = []
    if enc is None:
        pass
    elif isinstance(enc, NameObject):
        base_name = enc[1:]
    elif isinstance(enc, DictionaryObject):
        if "/BaseEncoding" in enc:
            base_name = str(enc["/BaseEncoding"].get_object())[1:]
        differences = list(enc.get("/Differences", ArrayObject()).get_object())
    else:
        return None
    if base_name not in _LATIN_ENCODINGS and base_name != builtin:
        return None
    names = {c: n for c, n in enumerate(_base_encoding(base_name)) if n}
    code = 0
    for item in differences:
        item = item.get_object()
        if isinstance(item, NameObject):
            if 0 <= code <= 255:
                names[code] = item[1:]
            code += 1
        elif isinstance(item, int | float):
            code = int(item)
        else:
            return None
    return names


# ---------------------------------------------------------------------------------------------
# Font programs (cached per process: the same bytes for every page and attachment).


@cache
def _face_codepoints(face: _Face) -> frozenset[int]:
    """The code points the face's best cmap maps (kept in the font cache: fontTools reads the
    cmap in 12 ms)."""
    from docgen.render.fonts import read_blob, write_blob

    entry = _cache_entry("cmap", face)
    kept = read_blob(entry)
    if isinstance(kept, tuple) and all(isinstance(c, int) for c in kept):
        return frozenset(kept)
    from fontTools.ttLib import TTFont

    with TTFont(str(face.path), lazy=True) as font:
        points = frozenset(font.getBestCmap() or {})
    write_blob(entry, tuple(sorted(points)))
    return points


@dataclass(frozen=True)
class _Program:
    data: bytes
    font_name: str  # with subset tag
    bbox: tuple[int, int, int, int]  # per 1000 em
    ascent: int
    descent: int
    cap_height: int
    italic_angle: float
    advances: dict[str, int]  # unicode character -> advance per 1000 em


def _tag(*parts: object) -> str:
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


def _cache_entry(kind: str, face: _Face, *parts: object) -> Path | None:
    """Where the font cache keeps what ``kind`` derives from ``face``'s file: keyed by the
    file's content hash and fontTools' version, so an entry cannot outlive either."""
    import fontTools

    from docgen.render.fonts import blob_path, content_hash

    digest = content_hash(face.path)
    if digest is None:
        return None
    return blob_path(kind, repr((1, fontTools.version, digest, face, *parts)))


@cache
def _program(
    face: _Face, chars: frozenset[str], symbol_codes: tuple[tuple[int, str], ...]
) -> _Program:
    """A TrueType subset of ``face`` with ``chars`` (kept in the font cache: subsetting and
    importing fontTools' subsetter take about 0.1 s a process)."""
    from docgen.render.fonts import read_blob, write_blob

    entry = _cache_entry("subset", face, sorted(chars), symbol_codes)
    kept = read_blob(entry)
    if isinstance(kept, tuple) and len(kept) == len(_Program.__dataclass_fields__):
        return _Program(*kept)
    program = _make_program(face, chars, symbol_codes)
    write_blob(
        entry,
        (
            program.data,
            program.font_name,
            program.bbox,
            program.ascent,
            program.descent,
            program.cap_height,
            program.italic_angle,
            program.advances,
        ),
    )
    return program


def _make_program(
    face: _Face, chars: frozenset[str], symbol_codes: tuple[tuple[int, str], ...]
) -> _Program:
    """A TrueType subset of ``face`` with ``chars``. Symbolic fonts (``symbol_codes`` given,
    code -> character) get a (3,0) cmap at 0xF000 + code and a (1,0) one, nothing else;
    the others keep their (3,1) Unicode cmap, which viewers reach through glyph names."""
    from fontTools import subset
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.glyph_names = True
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "BASE", "MATH", "FFTM"]
    font = subset.load_font(str(face.path), options)
    try:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(ord(c) for c in chars))
        subsetter.subset(font)
        cmap = font.getBestCmap() or {}
        if symbol_codes:
            mapping = {code: cmap[ord(ch)] for code, ch in symbol_codes if ord(ch) in cmap}
            tables = []
            for platform, encoding, offset in ((3, 0, 0xF000), (1, 0, 0)):
                table = CmapSubtable.newSubtable(4 if platform == 3 else 0)
                table.platformID, table.platEncID, table.language = platform, encoding, 0
                table.cmap = {offset + code: g for code, g in mapping.items()}
                tables.append(table)
            font["cmap"].tables = tables
        else:
            font["cmap"].tables = [
                t for t in font["cmap"].tables if (t.platformID, t.platEncID) == (3, 1)
            ]
        head, hmtx = font["head"], font["hmtx"]
        k = 1000.0 / head.unitsPerEm
        os2 = font["OS/2"]
        advances = {chr(u): round(hmtx[g][0] * k) for u, g in cmap.items()}
        buf = io.BytesIO()
        subset.save_font(font, buf, options)
        data = buf.getvalue()
        return _Program(
            data=data,
            font_name=f"{_tag(face.postscript, data)}+{face.postscript}",
            bbox=(
                round(head.xMin * k),
                round(head.yMin * k),
                round(head.xMax * k),
                round(head.yMax * k),
            ),
            ascent=round(os2.sTypoAscender * k),
            descent=round(os2.sTypoDescender * k),
            cap_height=round(getattr(os2, "sCapHeight", os2.sTypoAscender) * k),
            italic_angle=float(font["post"].italicAngle),
            advances=advances,
        )
    finally:
        font.close()


@cache
def _latin_chars(face: _Face) -> frozenset[str]:
    """Every character the Latin encodings address that the face has: one subset for all
    (kept in the font cache: it reads the face's cmap)."""
    from docgen.render.fonts import read_blob, write_blob

    entry = _cache_entry("latin", face)
    kept = read_blob(entry)
    if isinstance(kept, str):
        return frozenset(kept)
    chars = _find_latin_chars(face)
    write_blob(entry, "".join(sorted(chars)))
    return chars


def _find_latin_chars(face: _Face) -> frozenset[str]:
    have = _face_codepoints(face)
    out: set[str] = set()
    for enc in _LATIN_ENCODINGS:
        for name in _base_encoding(enc):
            ch = _to_unicode(name, face.family) if name else None
            if ch and ord(ch) in have and ord(ch) >= 32:
                out.add(ch)
    return frozenset(out)


# ---------------------------------------------------------------------------------------------
# Walking a page: resource dictionaries, their fonts and the content streams using them.


def _key(obj: PdfObject) -> tuple[int, int]:
    if isinstance(obj, IndirectObject):
        return (0, obj.idnum)
    return (1, id(obj))


def _resources_of(page: PageObject) -> DictionaryObject | None:
    node: Any = page
    while node is not None:
        res = node.get("/Resources")
        if res is not None:
            res = res.get_object()
            return res if isinstance(res, DictionaryObject) else None
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _streams(page: PageObject) -> Iterator[tuple[Any, DictionaryObject | None]]:
    """(content stream or None for the page's own, resources) of the page and of everything it
    draws: form XObjects, tiling patterns, Type 3 glyphs, soft-mask groups, annotation
    appearances. Each stream once."""
    seen: set[tuple[int, int]] = set()
    page_res = _resources_of(page)
    out: list[tuple[Any, DictionaryObject | None]] = [(None, page_res)]
    queue: list[DictionaryObject | None] = [page_res]

    def visit_stream(ref: PdfObject, inherited: DictionaryObject | None) -> None:
        k = _key(ref)
        if k in seen:
            return
        seen.add(k)
        obj = ref.get_object()
        if not isinstance(obj, StreamObject):
            return
        res = obj.get("/Resources")
        res = res.get_object() if res is not None else inherited
        out.append((obj, res if isinstance(res, DictionaryObject) else None))
        queue.append(res if isinstance(res, DictionaryObject) else None)

    annots = page.get("/Annots")
    for annot in annots.get_object() if annots is not None else ():
        ap = annot.get_object().get("/AP")
        if ap is None:
            continue
        for state in ap.get_object().values():
            state = state.get_object()
            if isinstance(state, StreamObject):
                visit_stream(state, None)
            elif isinstance(state, DictionaryObject):
                for sub in state.values():
                    visit_stream(sub, None)
    done: set[int] = set()
    while queue:
        res = queue.pop(0)
        if res is None or id(res) in done:
            continue
        done.add(id(res))
        for ref in res.get("/XObject", DictionaryObject()).get_object().values():
            if ref.get_object().get("/Subtype") == "/Form":
                visit_stream(ref, res)
        for ref in res.get("/Pattern", DictionaryObject()).get_object().values():
            if ref.get_object().get("/PatternType") == 1:
                visit_stream(ref, res)
        for ref in res.get("/ExtGState", DictionaryObject()).get_object().values():
            smask = ref.get_object().get("/SMask")
            smask = smask.get_object() if smask is not None else None
            if isinstance(smask, DictionaryObject) and "/G" in smask:
                visit_stream(smask["/G"], res)
        for ref in res.get("/Font", DictionaryObject()).get_object().values():
            font = ref.get_object()
            if font.get("/Subtype") == "/Type3":
                font_res = font.get("/Resources")
                font_res = font_res.get_object() if font_res is not None else res
                for proc in font.get("/CharProcs", DictionaryObject()).get_object().values():
                    visit_stream(proc, font_res)
    yield from out


def _used_codes(page: PageObject, writer: PdfWriter) -> dict[tuple[int, int], set[int]]:
    """Font (by _key) -> the codes shown in it anywhere on the page."""
    used: dict[tuple[int, int], set[int]] = {}
    for stream, res in _streams(page):
        fonts = res.get("/Font", DictionaryObject()).get_object() if res is not None else {}
        content = page.get_contents() if stream is None else ContentStream(stream, writer)
        if content is None:
            continue
        current: set[int] | None = None
        stack: list[set[int] | None] = []
        for operands, op in content.operations:
            if op == b"q":
                stack.append(current)
            elif op == b"Q":
                current = stack.pop() if stack else None
            elif op == b"Tf" and operands:
                ref = fonts.get(operands[0])
                current = used.setdefault(_key(ref), set()) if ref is not None else None
            elif op in (b"Tj", b"'", b'"', b"TJ") and operands and current is not None:
                arg = operands[-1]
                parts = arg if op == b"TJ" else [arg]
                for part in parts:
                    if isinstance(part, str | bytes):
                        current.update(_string_bytes(part))
    return used


def _string_bytes(part: str | bytes) -> bytes:
    raw = getattr(part, "original_bytes", None)
    if isinstance(raw, bytes):
        return raw
    return part if isinstance(part, bytes) else part.encode("latin-1", "replace")


def _embedded(font: DictionaryObject) -> bool:
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return True
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        if descendants is None:
            return False
        return all(_embedded(d.get_object()) for d in descendants.get_object())
    desc = font.get("/FontDescriptor")
    desc = desc.get_object() if desc is not None else None
    return isinstance(desc, DictionaryObject) and any(
        k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")
    )


def _base_name(font: DictionaryObject) -> str:
    name = font.get("/BaseFont")
    if name is None and font.get("/Subtype") == "/Type0":
        return "(Type0)"
    return str(name)[1:] if name is not None else "(unnamed)"


# ---------------------------------------------------------------------------------------------
# The fixer: one per writer, so font objects are shared by all pages of that writer.


class FontFixer:
    """Embeds or rasterizes, page by page, in one writer; substituted fonts that agree are one
    object in it (and byte-identical across writers, for ``compress_identical_objects``)."""

    def __init__(self, writer: PdfWriter):
        self.writer = writer
        self._descriptors: dict[tuple[object, ...], IndirectObject] = {}
        self._fonts: dict[tuple[tuple[int, int], object], IndirectObject] = {}
        self._made: dict[int, tuple[str, str]] = {}  # our font's idnum -> (was, face)

    # Plans ---------------------------------------------------------------------------------

    def _plan(
        self, font: DictionaryObject, shown: set[int] | None
    ) -> tuple[_Face, dict[int, str]] | None:
        """(face, code -> character) if the font can be substituted, else None. ``shown`` is
        the codes the page shows in the font (only needed for Symbol and ZapfDingbats)."""
        if font.get("/Subtype") not in ("/Type1", "/TrueType"):
            return None
        which = classify(_base_name(font))
        if which is None:
            return None
        face = _find_face(*which)
        if face is None:
            return None
        names = _code_names(font, face.family)
        if names is None:
            return None
        have = _face_codepoints(face)
        chars: dict[int, str] = {}
        for code, name in names.items():
            ch = _to_unicode(name, face.family)
            if ch is not None and ord(ch) in have:
                chars[code] = ch
        # Symbol's bracket pieces and the like are not in DejaVu: fine if never shown.
        needed = shown if shown is not None else names
        if face.family in ("symbol", "dingbats") and any(c not in chars for c in needed):
            return None
        return face, chars

    # Objects ---------------------------------------------------------------------------------

    def _add(self, obj: PdfObject) -> IndirectObject:
        return self.writer._add_object(obj)

    def _descriptor(
        self, face: _Face, program: _Program, symbolic: bool
    ) -> tuple[IndirectObject, str]:
        key = (face, program.font_name, symbolic)
        if key not in self._descriptors:
            stream = DecodedStreamObject()
            stream.set_data(program.data)
            stream[NameObject("/Length1")] = NumberObject(len(program.data))
            file_ref = self._add(stream.flate_encode())
            flags = _SYMBOLIC if symbolic else _NONSYMBOLIC
            if face.family == "mono":
                flags |= _FIXED_PITCH
            if face.family == "serif":
                flags |= _SERIF
            if face.style & 2:
                flags |= _ITALIC
            bold = face.style & 1
            desc = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/FontDescriptor"),
                    NameObject("/FontName"): NameObject("/" + program.font_name),
                    NameObject("/Flags"): NumberObject(flags),
                    NameObject("/FontBBox"): ArrayObject(NumberObject(v) for v in program.bbox),
                    NameObject("/ItalicAngle"): FloatObject(program.italic_angle),
                    NameObject("/Ascent"): NumberObject(program.ascent),
                    NameObject("/Descent"): NumberObject(program.descent),
                    NameObject("/CapHeight"): NumberObject(program.cap_height),
                    NameObject("/StemV"): NumberObject(140 if bold else 80),
                    NameObject("/FontFile2"): file_ref,
                }
            )
            self._descriptors[key] = self._add(desc)
        return self._descriptors[key], program.font_name

    def _substitute(
        self, ref: PdfObject, font: DictionaryObject, face: _Face, chars: dict[int, str]
    ) -> IndirectObject:
        symbolic = face.family in ("symbol", "dingbats")
        cache_key = (_key(ref), tuple(sorted(chars.items())))
        if cache_key in self._fonts:
            return self._fonts[cache_key]
        if symbolic:
            codes = tuple(sorted(chars.items()))
            program = _program(face, frozenset(chars.values()), codes)
        else:
            extra = frozenset(chars.values()) - _latin_chars(face)
            program = _program(face, _latin_chars(face) | extra, ())
        desc_ref, font_name = self._descriptor(face, program, symbolic)

        new = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/TrueType"),
                NameObject("/BaseFont"): NameObject("/" + font_name),
                NameObject("/FontDescriptor"): desc_ref,
            }
        )
        widths = font.get("/Widths")
        if widths is not None and "/FirstChar" in font and "/LastChar" in font:
            new[NameObject("/FirstChar")] = NumberObject(_pdf_int(font["/FirstChar"]))
            new[NameObject("/LastChar")] = NumberObject(_pdf_int(font["/LastChar"]))
            new[NameObject("/Widths")] = widths
        else:
            first, last, array = self._widths(font, face, program, chars)
            new[NameObject("/FirstChar")] = NumberObject(first)
            new[NameObject("/LastChar")] = NumberObject(last)
            new[NameObject("/Widths")] = array
        if symbolic:
            if "/ToUnicode" in font:
                new[NameObject("/ToUnicode")] = font["/ToUnicode"]
            else:
                new[NameObject("/ToUnicode")] = self._add(_to_unicode_cmap(chars))
        else:
            enc = font.get("/Encoding")
            new[NameObject("/Encoding")] = (
                enc if enc is not None else NameObject("/StandardEncoding")
            )
            if "/ToUnicode" in font:
                new[NameObject("/ToUnicode")] = font["/ToUnicode"]
        ref_new = self._fonts[cache_key] = self._add(new)
        self._made[ref_new.idnum] = (_base_name(font), face.postscript)
        return ref_new

    @staticmethod
    def _widths(
        font: DictionaryObject, face: _Face, program: _Program, chars: dict[int, str]
    ) -> tuple[int, int, ArrayObject]:
        from reportlab.pdfbase._fontdata import widthsByFontGlyph

        std = {"symbol": "Symbol", "dingbats": "ZapfDingbats"}.get(face.family) or _STD14[
            face.family
        ][face.style]
        afm = widthsByFontGlyph.get(std, {})
        names = _code_names(font, face.family) or {}
        codes = [c for c in names if c >= 32] or [32]
        first, last = min(codes), max(codes)
        out = ArrayObject()
        for code in range(first, last + 1):
            name = names.get(code)
            w = afm.get(name) if name else None
            if w is None and code in chars:
                w = program.advances.get(chars[code])
            out.append(NumberObject(int(w or 0)))
        return first, last, out

    # The page --------------------------------------------------------------------------------

    def fix(self, page: PageObject, area: Box | None = None) -> FontFixReport:
        fonts: list[tuple[DictionaryObject, PdfObject, DictionaryObject, str]] = []
        seen: set[tuple[int, int, int]] = set()
        done: set[tuple[str, str]] = set()  # (was, face), also of fonts fixed on earlier pages
        for _stream, res in _streams(page):
            if res is None:
                continue
            font_res = res.get("/Font")
            if font_res is None:
                continue
            font_res = font_res.get_object()
            for name, ref in list(font_res.items()):
                font = ref.get_object()
                k = (id(font_res), *_key(ref))
                if isinstance(ref, IndirectObject) and ref.idnum in self._made:
                    done.add(self._made[ref.idnum])
                if k in seen or not isinstance(font, DictionaryObject) or _embedded(font):
                    continue
                seen.add(k)
                fonts.append((font_res, ref, font, name))
        if not fonts:
            return FontFixReport(substituted=tuple(sorted(done)))

        used: dict[tuple[int, int], set[int]] | None = None
        plans = []
        blocking: set[str] = set()
        for font_res, ref, font, name in fonts:
            needs_codes = classify(_base_name(font)) in (("symbol", 0), ("dingbats", 0))
            if needs_codes and used is None:
                used = _used_codes(page, self.writer)
            shown = used.get(_key(ref), set()) if used is not None else None
            plan = self._plan(font, shown)
            if plan is None:
                blocking.add(_base_name(font))
            plans.append((font_res, ref, font, name, plan))
        if blocking:
            rasterize_page(page, self.writer, area)
            return FontFixReport(rasterized=True, unembeddable=tuple(sorted(blocking)))
        for font_res, ref, font, name, plan in plans:
            assert plan is not None
            face, chars = plan
            font_res[NameObject(name)] = self._substitute(ref, font, face, chars)
            done.add((_base_name(font), face.postscript))
        return FontFixReport(substituted=tuple(sorted(done)))


def _pdf_int(value: PdfObject) -> int:
    """A number of the font dictionary as an int. Anything else is a damaged file: ValueError,
    reported as a damaged attachment, as int() of a name or string was."""
    if isinstance(value, (NumberObject, FloatObject)):
        return int(value)
    raise ValueError(f"not a number: {value!r}")


def _to_unicode_cmap(chars: dict[int, str]) -> StreamObject:
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<00> <FF>",
        "endcodespacerange",
    ]
    items = sorted(chars.items())
    for i in range(0, len(items), 100):
        chunk = items[i : i + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{code:02X}> <{ch.encode('utf-16-be').hex().upper()}>" for code, ch in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    stream = DecodedStreamObject()
    stream.set_data("\n".join(lines).encode("ascii"))
    return stream.flate_encode()


# ---------------------------------------------------------------------------------------------
# Rasterizing.


def _render(page: PageObject, crop: tuple[float, float, float, float]) -> Image.Image:
    """The page as pdfium shows it (with annotations), RGB at RASTER_DPI, less ``crop`` (left,
    bottom, right, top, in points) of its crop box."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]  # no py.typed, no stubs

    one = PdfWriter()
    one.add_page(page)
    buf = io.BytesIO()
    one.write(buf)
    doc = pdfium.PdfDocument(buf.getvalue())
    try:
        bitmap = doc[0].render(
            scale=RASTER_DPI / 72.0, crop=crop, may_draw_forms=True, draw_annots=True
        )
        rendered: Image.Image = bitmap.to_pil()
        return rendered.convert("RGB")
    finally:
        doc.close()


def _band_spread(a: Image.Image, b: Image.Image) -> float:
    """The largest difference between two single-band images."""
    from PIL import ImageChops

    extrema = ImageChops.difference(a, b).getextrema()
    high = extrema[1]
    assert not isinstance(high, tuple)  # one band: (min, max), not a pair per band
    return high


def _jpeg(img: Image.Image) -> tuple[bytes, str]:
    """JPEG bytes of the rendering, grey when it has no colour; and its colour space."""
    r, g, b = img.split()
    spread = max(_band_spread(r, g), _band_spread(g, b), _band_spread(r, b))
    grey = spread <= _COLOUR_TOLERANCE
    if grey:
        img = img.convert("L")
    buf = io.BytesIO()
    img.save(
        buf,
        format="JPEG",
        quality=JPEG_QUALITY,
        optimize=False,
        progressive=False,
        subsampling=2,  # 4:2:0
        dpi=(RASTER_DPI, RASTER_DPI),
    )
    return buf.getvalue(), "/DeviceGray" if grey else "/DeviceRGB"


def rasterize_page(page: PageObject, writer: PdfWriter, area: Box | None = None) -> None:
    """Replace the page (in ``writer``) by one image of itself: of its visible area, or of
    ``area`` (x0, y0, x1, y1) within it when the rest is known to be blank paper."""
    if page.rotation % 360:
        page.transfer_rotation_to_content()
    crop, media = page.cropbox, page.mediabox
    cx0, cy0, cx1, cy1 = (float(crop.left), float(crop.bottom), float(crop.right), float(crop.top))
    x0, y0 = max(cx0, float(media.left)), max(cy0, float(media.bottom))
    x1, y1 = min(cx1, float(media.right)), min(cy1, float(media.top))
    if area is not None:
        x0, y0 = max(x0, area[0]), max(y0, area[1])
        x1, y1 = min(x1, area[2]), min(y1, area[3])
    if x1 - x0 < 1.0 or y1 - y0 < 1.0:
        x0, y0, x1, y1 = cx0, cy0, cx1, cy1
    img = _render(page, (x0 - cx0, y0 - cy0, cx1 - x1, cy1 - y1))
    data, space = _jpeg(img)

    image = StreamObject()
    image._data = data
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(img.width),
            NameObject("/Height"): NumberObject(img.height),
            NameObject("/ColorSpace"): NameObject(space),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/DCTDecode"),
        }
    )
    image_ref = writer._add_object(image)
    content = DecodedStreamObject()
    content.set_data(
        f"q {_num(x1 - x0)} 0 0 {_num(y1 - y0)} {_num(x0)} {_num(y0)} cm /Im0 Do Q".encode()
    )
    page[NameObject("/Contents")] = writer._add_object(content.flate_encode())
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): image_ref})}
    )
    for key in ("/Annots", "/Group", "/Thumb", "/PieceInfo", "/StructParents"):
        if key in page:
            del page[key]


def _num(v: float) -> str:
    text = f"{v:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


# ---------------------------------------------------------------------------------------------

_FIXERS: weakref.WeakKeyDictionary[PdfWriter, FontFixer] = weakref.WeakKeyDictionary()


def embed_missing_fonts(
    page: PageObject, writer: PdfWriter, area: Box | None = None
) -> FontFixReport:
    """Leave ``page`` (a page of ``writer``) with embedded fonts only: substitute the standard
    faces, or rasterize the page if any other font is not embedded (only ``area`` of it, if
    given: where the page has content). Pages of one writer share their substituted fonts."""
    fixer = _FIXERS.get(writer)
    if fixer is None:
        fixer = _FIXERS[writer] = FontFixer(writer)
    return fixer.fix(page, area)
