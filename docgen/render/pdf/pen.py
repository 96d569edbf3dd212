"""The text pen and everything else that reaches into reportlab's internals.

:class:`_TextPen` writes lines of :class:`~docgen.render.pdf.inline.Inline` text as PDF text
operators into the canvas's stream, with reportlab's fonts and subsets (its document state, its
subset names and code assignments). Also here: the content stream's number formatting, drawn
tick boxes, a table's shading and rules, text drawn as glyph outlines (the slot marks' labels),
and the two platypus internals the flowables rely on (a frame's "at top", horizontal alignment).
No other module of the package touches a private attribute of reportlab.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from reportlab.lib.colors import Color, black
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from docgen import layout
from docgen.document import Role
from docgen.render.fonts import (
    TICK_CHARS,
    Face,
    FontSet,
    blob_path,
    cache_dir,
    content_hash,
    read_blob,
    write_blob,
)
from docgen.render.linebreak import Line
from docgen.render.pdf.inline import _GAP, _TICK, Inline

# ---------------------------------------------------------------------------------------------
# Numbers in the content stream.


def _num(v: float) -> str:
    """A coordinate for the content stream: two decimals (1/280 mm), no trailing zeros."""
    return _trimmed(f"{v:.2f}")


def _num3(v: float) -> str:
    """A size or a letter spacing: three decimals, so that a justified line ends on its mark."""
    return _trimmed(f"{v:.3f}")


def _trimmed(s: str) -> str:
    if s[-1] == "0":
        s = s.rstrip("0").rstrip(".")
        if s == "-0":
            s = "0"
    return s


# Bytes of a subset-encoded string as a PDF literal string (as reportlab's escapePDF does it:
# octal escapes outside printable ASCII, a backslash before \ ( and )).
_ESCAPE = {
    c: f"\\{c:03o}" if c < 32 or c >= 127 else ("\\" + chr(c) if chr(c) in "\\()" else chr(c))
    for c in range(256)
}


def _color_op(color: Color, op: str) -> str:
    """``rg`` (fill) or ``RG`` (stroke) for ``color``, as reportlab writes an RGB colour."""
    r, g, b = color.rgb()
    return f"{_num3(r)} {_num3(g)} {_num3(b)} {op}"


# ---------------------------------------------------------------------------------------------
# Lines of inline text.


class _TextPen:
    """Draws lines of :class:`Inline` text as one PDF text object (plus drawn boxes).

    The operators are written directly (``BT``, ``Tf``, ``Tm``, ``Tj``, ``ET``) rather than
    through reportlab's text object: the fonts and their subsets are reportlab's and strings are
    escaped as its escapePDF does, but the per-run bookkeeping and number formatting of the
    generic text object cost more than the layout itself. Coordinates are in the canvas's
    current user space, as with reportlab.
    """

    __slots__ = (
        "bold_used",
        "boxes",
        "canv",
        "code",
        "color",
        "cs",
        "doc",
        "face",
        "known",
        "mode",
        "names",
        "size",
        "size_s",
    )

    def __init__(self, canv: Any, size: float, color: Color = black):
        self.canv = canv
        self.doc = canv._doc
        self.size = size
        self.size_s = _num3(size)
        self.names = _tf_ops(self.doc, self.size_s)
        self.known = _known_fonts(self.doc)
        self.code: list[str] = ["BT"]
        self.face: tuple[str, int] | None = None  # (font, subset) selected by the last Tf
        self.cs = 0.0
        self.mode = 0
        self.bold_used = False
        self.color = color
        self.boxes: list[tuple[float, float, bool]] = []
        if color != black:
            self.code.append(_color_op(color, "rg"))

    def line(
        self,
        inline: Inline,
        line: Line,
        x: float,
        y: float,
        avail: float,
        align: str,
    ) -> tuple[float, float]:
        """Draw ``line`` with its baseline at ``y`` in a slot ``[x, x+avail]``; returns the
        x extent actually used."""
        n = line.end - line.start
        cs = 0.0
        slack = avail - line.width
        if align == "center":
            x += slack / 2.0
        elif align == "right":
            x += slack
        elif align == "justify" and not line.last and n > 1 and slack > 0:
            cs = slack / (n - 1)
            if cs > layout.JUSTIFY_MAX_SPACING_EM * self.size:
                cs = 0.0
        if n <= 0:
            return x, x
        code = self.code
        text, cum, runs = inline.text, inline.cum, inline.runs
        ri = bisect_right(inline.run_starts, line.start) - 1
        base = cum[line.start]
        y_s = _num(y)
        self.spacing(cs + inline.tracking)
        while ri < len(runs):
            rs, re_, font, bold = runs[ri]
            if rs >= line.end:
                break
            a, b = max(rs, line.start), min(re_, line.end)
            px = x + (cum[a] - base) + (a - line.start) * cs
            if font[0] == "\x00":
                if font != _GAP:
                    for k in range(a, b):
                        kx = x + (cum[k] - base) + (k - line.start) * cs
                        self.boxes.append((kx, y, font == _TICK))
                        self._tick_text(inline, font == _TICK, kx, y_s)
            else:
                mode = 2 if bold else 0
                if mode != self.mode:
                    code.append(f"{mode} Tr")
                    self.mode = mode
                    if bold:
                        self.bold_used = True
                self._show(font, text[a:b], _num(px), y_s)
            ri += 1
        end = x + line.width + (n - 1) * cs
        return x, end

    def _tick_text(self, inline: Inline, checked: bool, x: float, y: str) -> None:
        """The drawn box's character (☑ or ☐) as invisible text (render mode 3) at the box, so
        that copying or searching the text finds it; without a face that has it, an invisible
        space inside a marked-content span whose /ActualText is the character."""
        ch = TICK_CHARS[0] if checked else TICK_CHARS[1]
        font = inline.tick_font
        span = font is None
        if span:
            font = next((r[2] for r in inline.runs if r[2][0] != "\x00"), None)
            if font is None:
                return
            self.code.append(f"/Span <</ActualText <FEFF{ord(ch):04X}>>> BDC")
        assert font is not None
        if self.mode != 3:
            self.code.append("3 Tr")
            self.mode = 3
        saved = self.cs
        self.spacing(0.0)
        self._show(font, " " if span else ch, _num(x), y)
        self.spacing(saved)
        if span:
            self.code.append("EMC")

    def spacing(self, cs: float) -> None:
        """Letter spacing ``cs`` (points) for what is shown next."""
        if cs != self.cs:
            self.code.append(f"{_num3(cs)} Tc")
            self.cs = cs

    def _show(self, font: str, text: str, x: str, y: str) -> None:
        """Show ``text`` in ``font`` from (x, y), subset by subset."""
        code = self.code
        code.append(f"1 0 0 1 {x} {y} Tm")
        ttf, assigned = self.known.get(font) or self._learn(font)
        for subset, data in _encode(ttf, assigned, text, self.doc):
            face = (font, subset)
            if self.face != face:
                tf = self.names.get(face)
                if tf is None:
                    name = ttf.getSubsetInternalName(subset, self.doc)
                    tf = self.names[face] = f"{name} {self.size_s} Tf"
                code.append(tf)
                self.face = face
            code.append(f"({data.decode('latin-1').translate(_ESCAPE)}) Tj")

    def _learn(self, font: str) -> tuple[Any, dict[int, int] | None]:
        """reportlab's font and the document's code assignments for it (None before the
        document's first use of the font), kept for the document once there are some."""
        ttf = pdfmetrics.getFont(font)
        state = ttf.state.get(self.doc)  # type: ignore[attr-defined]  # TTFont's, not Font's
        if state is None:
            return ttf, None
        entry = self.known[font] = (ttf, state.assignments)
        return entry

    def finish(self) -> None:
        canv = self.canv
        if self.boxes:
            _draw_boxes(canv, self.boxes, self.size, self.color)
        if self.face is None:
            return
        # Text state outlives ET: put back what this pen changed, so that nothing drawn after
        # it (a page number, the next paragraph) inherits spacing, bold or colour.
        code = self.code
        if self.cs:
            code.append("0 Tc")
        if self.mode:
            code.append("0 Tr")
        if self.color != black:
            code.append("0 0 0 rg")
        code.append("ET")
        body = " ".join(code)
        if self.bold_used:
            width = _num3(self.size * layout.FAKE_BOLD_STROKE)
            canv.addLiteral(f"q {width} w {_color_op(self.color, 'RG')} {body} Q")
        else:
            canv.addLiteral(body)


def _tf_ops(doc: Any, size: str) -> dict[tuple[str, int], str]:
    """The document's ``Tf`` operators at ``size`` by (font, subset), as they are first used."""
    per_doc = _TF_OPS.get(doc)
    if per_doc is None:
        per_doc = _TF_OPS[doc] = {}
    ops = per_doc.get(size)
    if ops is None:
        ops = per_doc[size] = {}
    return ops


_TF_OPS: WeakKeyDictionary[Any, dict[str, dict[tuple[str, int], str]]] = WeakKeyDictionary()


def _known_fonts(doc: Any) -> dict[str, tuple[Any, dict[int, int]]]:
    """The document's fonts by name, each with its code assignments (reportlab's, the very dict
    it adds to), once the document has used the font."""
    known = _KNOWN.get(doc)
    if known is None:
        known = _KNOWN[doc] = {}
    return known


_KNOWN: WeakKeyDictionary[Any, dict[str, tuple[Any, dict[int, int]]]] = WeakKeyDictionary()


def _encode(
    ttf: Any, assigned: dict[int, int] | None, text: str, doc: Any
) -> list[tuple[int, bytes]]:
    """``ttf.splitString(text, doc)``, with a fast path for characters the document's subsets
    already hold (``assigned``: nearly all of them after the first pages)."""
    if assigned is not None:
        try:
            return _by_subset([assigned[c] for c in map(ord, text)])
        except KeyError:  # a character new to this document: reportlab assigns it a code
            pass
    return list(ttf.splitString(text, doc))


def _by_subset(codes: list[int]) -> list[tuple[int, bytes]]:
    """A text's subset codes (subset * 256 + code) as (subset, its bytes) pieces, as
    reportlab's ``splitString`` gives them."""
    hi = max(codes) >> 8
    if min(codes) >> 8 == hi:
        return [(hi, bytes([c & 0xFF for c in codes]) if hi else bytes(codes))]
    out: list[tuple[int, bytes]] = []
    start, cur = 0, codes[0] >> 8
    for i, c in enumerate(codes):
        if c >> 8 != cur:
            out.append((cur, bytes([k & 0xFF for k in codes[start:i]])))
            start, cur = i, c >> 8
    out.append((cur, bytes([k & 0xFF for k in codes[start:]])))
    return out


def _draw_boxes(
    canv: Any, boxes: list[tuple[float, float, bool]], size: float, color: Color
) -> None:
    """Square tick boxes (one em wide slot) and a drawn check mark in the checked ones."""
    side = 0.8 * size
    canv.saveState()
    canv.setStrokeColor(color)
    canv.setLineWidth(max(0.5, size * 0.045))
    canv.setLineJoin(1)
    canv.setLineCap(1)
    for x, y, checked in boxes:
        bx = x + (size - side) / 2.0
        by = y - 0.02 * size
        canv.rect(bx, by, side, side, stroke=1, fill=0)
        if checked:
            p = canv.beginPath()
            p.moveTo(bx + 0.18 * side, by + 0.52 * side)
            p.lineTo(bx + 0.42 * side, by + 0.22 * side)
            p.lineTo(bx + 0.84 * side, by + 0.84 * side)
            canv.saveState()
            canv.setLineWidth(max(0.8, size * 0.085))
            canv.drawPath(p, stroke=1, fill=0)
            canv.restoreState()
    canv.restoreState()


def _baseline(slot_top: float, leading: float, size: float) -> float:
    """Baseline of a line whose slot (``leading`` high) starts at ``slot_top``: the CJK glyph
    body (about -0.12 to 0.88 em) is centred in the slot."""
    return slot_top - leading / 2.0 - 0.38 * size


# ---------------------------------------------------------------------------------------------
# Text drawn as outlines: the slot marks' labels ("公章", "骑缝章 1/3") are shapes, not text,
# so copying or searching a page never finds them in the middle of its sentences.


@functools.cache
def _glyph_set(path: str, index: int) -> tuple[Any, dict[int, str], float]:
    from fontTools.ttLib import TTFont

    tt = TTFont(path, fontNumber=index, lazy=True)
    return tt.getGlyphSet(), tt.getBestCmap() or {}, float(tt["head"].unitsPerEm)


# One glyph's outline in font units: ("m", x, y), ("l", x, y), ("c", x1, y1, x2, y2, x3, y3),
# ("z",) with quadratic curves already made cubic, as fontTools' BasePen gives them.
_Outline = tuple[tuple[Any, ...], ...]


@functools.cache
def _glyph_outline(path: str, index: int, name: str) -> tuple[_Outline, float]:
    """The outline and the advance (font units) of glyph ``name``, converted once per process:
    the slot labels repeat the same few characters on every page."""
    from fontTools.pens.basePen import BasePen

    gs, _cmap, _upem = _glyph_set(path, index)
    ops: list[tuple[Any, ...]] = []

    class _Recorder(BasePen):  # type: ignore[misc]
        def _moveTo(self, pt: tuple[float, float]) -> None:
            ops.append(("m", *pt))

        def _lineTo(self, pt: tuple[float, float]) -> None:
            ops.append(("l", *pt))

        def _curveToOne(self, a: Any, b: Any, c: Any) -> None:
            ops.append(("c", *a, *b, *c))

        def _closePath(self) -> None:
            ops.append(("z",))

    glyph = gs[name]
    glyph.draw(_Recorder(gs))
    return tuple(ops), float(glyph.width)


# A face's character outlines (font units: outline, advance, units per em; None for a
# character the face has no glyph for), kept in the font cache folder by the face's content
# digest: a fresh process draws the slot labels without opening the font with fontTools.
_CharOutline = tuple[_Outline, float, float] | None
_OUTLINE_CACHE_VERSION = 1
_char_outline_tables: dict[tuple[str, int], dict[str, _CharOutline]] = {}


def _char_outlines(face: Face, chars: str) -> dict[str, _CharOutline]:
    key = (str(face.path), face.index)
    table = _char_outline_tables.get(key)
    if table is None:
        table = _char_outline_tables[key] = _read_outlines(face)
    missing = [ch for ch in dict.fromkeys(chars) if ch not in table]
    if missing:
        _gs, cmap, upem = _glyph_set(str(face.path), face.index)
        for ch in missing:
            name = cmap.get(ord(ch))
            if name is None:
                table[ch] = None
            else:
                outline, advance = _glyph_outline(str(face.path), face.index, name)
                table[ch] = (outline, advance, upem)
        write_blob(_outlines_entry(face), table)
    return table


def _outlines_entry(face: Face) -> Path | None:
    digest = content_hash(face.path) if cache_dir() is not None else None
    if digest is None:
        return None
    return blob_path("outline", f"{_OUTLINE_CACHE_VERSION}|{digest}|{face.index}|{face.size}")


def _read_outlines(face: Face) -> dict[str, _CharOutline]:
    """The face's cached outlines, or an empty table if there are none or they are not what
    ``_char_outlines`` writes (the entry is checked item by item: it is read from disk)."""
    raw = read_blob(_outlines_entry(face))
    if not isinstance(raw, dict):
        return {}
    table: dict[str, _CharOutline] = {}
    for ch, value in raw.items():
        if not isinstance(ch, str) or len(ch) != 1:
            return {}
        if value is None:
            table[ch] = None
            continue
        if not (isinstance(value, tuple) and len(value) == 3 and _is_outline(value[0])):
            return {}
        advance, upem = value[1], value[2]
        if not (isinstance(advance, float) and isinstance(upem, float) and upem > 0):
            return {}
        table[ch] = (value[0], advance, upem)
    return table


_OP_ARITY = {"m": 2, "l": 2, "c": 6, "z": 0}


def _is_outline(ops: object) -> bool:
    return isinstance(ops, tuple) and all(
        isinstance(op, tuple)
        and op
        and _OP_ARITY.get(op[0]) == len(op) - 1
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in op[1:])
        for op in ops
    )


def draw_outlined(
    canv: Any,
    fonts: FontSet,
    text: str,
    x: float,
    y: float,
    size: float,
    color: Color,
    role: Role = "song",
    *,
    center: bool = True,
) -> float:
    """Draw ``text`` centred on ``x`` (else starting there) with its baseline at ``y`` as
    filled glyph outlines; returns its width."""
    segments = tuple(fonts.segments(text, role))
    # A straddle group's label sits at the same place on each of its pages: its path is made
    # once (the faces' reportlab names carry their file's digest, so the key names the glyphs).
    key = (segments, size, x, y, center)
    known = _outlined_paths.get(key)
    if known is None:
        known = _outlined_path(canv, fonts, segments, x, y, size, center)
        if len(_outlined_paths) >= 4096:
            _outlined_paths.clear()
        _outlined_paths[key] = known
    path, width = known
    canv.saveState()
    canv.setFillColor(color)
    canv.drawPath(path, stroke=0, fill=1)
    canv.restoreState()
    return width


_outlined_paths: dict[tuple[Any, ...], tuple[Any, float]] = {}


def _outlined_path(
    canv: Any,
    fonts: FontSet,
    segments: tuple[tuple[str, str], ...],
    x: float,
    y: float,
    size: float,
    center: bool,
) -> tuple[Any, float]:
    """The outlines of ``segments`` as one reportlab path, and their width."""
    # (outline, advance in points, scale)
    glyphs: list[tuple[_Outline, float, float]] = []
    faces = fonts._by_name  # reportlab name -> Face, for the face's file
    for font, piece in segments:
        known = _char_outlines(faces[font], piece)
        for ch in piece:
            got = known.get(ch)
            if got is None:
                continue
            outline, advance, upem = got
            glyphs.append((outline, advance * size / upem, size / upem))
    width = sum(g[1] for g in glyphs)
    path = canv.beginPath()
    pos = x - width / 2.0 if center else x
    for outline, adv, k in glyphs:
        for op in outline:
            kind = op[0]
            if kind == "m":
                path.moveTo(pos + op[1] * k, y + op[2] * k)
            elif kind == "l":
                path.lineTo(pos + op[1] * k, y + op[2] * k)
            elif kind == "c":
                path.curveTo(
                    pos + op[1] * k,
                    y + op[2] * k,
                    pos + op[3] * k,
                    y + op[4] * k,
                    pos + op[5] * k,
                    y + op[6] * k,
                )
            else:
                path.close()
        pos += adv
    return path, width


# ---------------------------------------------------------------------------------------------
# A table's shading and rules.


def draw_rules(
    canv: Any,
    shade: Sequence[tuple[float, float, float, float]],
    thin: Sequence[tuple[float, float, float, float]],
    box: tuple[float, float, float, float],
) -> None:
    """A table's grey header ``shade`` rectangles (x, y, width, height), its ``thin`` inner
    rules (x1, y1, x2, y2) in one path, then its thick outer ``box`` (x, y, width, height),
    written as one literal."""
    grey = layout.TABLE_HEADER_GREY
    ops = ["q"]
    if shade:
        ops.append(f"{_num3(grey)} {_num3(grey)} {_num3(grey)} rg")
        ops.extend(f"{_num(x)} {_num(y)} {_num(w)} {_num(h)} re" for x, y, w, h in shade)
        ops.append("f")
    ops.append("0 0 0 RG")
    if thin:
        ops.append(f"{_num3(layout.TABLE_GRID_WIDTH)} w")
        ops.extend(f"{_num(x1)} {_num(y1)} m {_num(x2)} {_num(y2)} l" for x1, y1, x2, y2 in thin)
        ops.append("S")
    ops.append(f"{_num3(layout.TABLE_BOX_WIDTH)} w")
    x, y, w, h = box
    ops.append(f"{_num(x)} {_num(y)} {_num(w)} {_num(h)} re S Q")
    canv.addLiteral(" ".join(ops))


# ---------------------------------------------------------------------------------------------
# Platypus internals the flowables rely on.


def _at_top(flowable: Flowable) -> bool:
    """Whether ``flowable`` is being laid out at the top of its frame (nothing above it)."""
    frame = getattr(flowable, "_frame", None)
    return bool(getattr(frame, "_atTop", False))


def _aligned_x(flowable: Flowable, x: float, sW: float) -> float:
    """The x at which platypus draws ``flowable`` offered at ``x`` with ``sW`` to spare (its
    hAlign), for flowables that draw at absolute page coordinates."""
    aligned: float = flowable._hAlignAdjust(x, sW)  # type: ignore[attr-defined]  # Flowable's, missing from the stubs
    return aligned
