"""Render documents to one PDF with reportlab: Chinese line breaking, drawn tick boxes, seal slots.

All documents of a packet go through one reportlab build, so font subsets are shared. Text is
laid out by docgen's own flowables (no reportlab paragraph markup, so user text is never parsed
as markup), characters are drawn by the first face of their role's chain that has them, and
nothing is ever drawn right of the straddle band's left edge.
"""

from __future__ import annotations

import functools
import io
import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, pairwise
from typing import Any
from weakref import WeakKeyDictionary

from reportlab import rl_config
from reportlab.lib.colors import Color, black
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
)

from docgen import layout
from docgen.document import (
    AttachmentNote,
    Block,
    CoverField,
    CoverFields,
    DatedSignature,
    Document,
    Heading,
    Letterhead,
    ListItem,
    OpinionBox,
    Paragraph,
    Role,
    Run,
    Runs,
    SealKind,
    SignatureBlock,
    TickBoxes,
    Title,
    plain,
)
from docgen.document import PageBreak as PageBreakBlock
from docgen.document import Spacer as SpacerBlock
from docgen.document import Table as TableBlock
from docgen.errors import InputError
from docgen.layout import MM, PageGeometry
from docgen.render.fonts import TICK_CHARS, FontSet
from docgen.render.linebreak import Line, LineRange, break_lines, break_opportunities

NO_BODY_TEXT = "（此页无正文）"
HEADING_KEEP_LINES = 3  # lines of a paragraph that travel with the heading before it
TABLE_KEEP_ROWS = 2  # body rows a table leaves on either side of a page break (Table.keep_rows)
CONTINUED = "续表"  # over the repeated header of a table continued on the next page
SEAL_LABEL = "公章"

# ---------------------------------------------------------------------------------------------
# Results.


@dataclass(frozen=True)
class SealSlot:
    page: int  # 0-based within the document
    box: tuple[float, float, float, float]  # PDF points, origin bottom-left
    seal: SealKind
    diameter_mm: float


@dataclass(frozen=True)
class OutlineEntry:
    level: int
    title: str
    page: int  # 0-based within the document
    top: float | None = None  # the heading's top on its page (PDF points from the bottom)


@dataclass(frozen=True)
class RenderedDoc:
    pages: int
    first_page: int  # 0-based index in the output file
    seal_slots: tuple[SealSlot, ...]
    outline: tuple[OutlineEntry, ...]
    title: str = ""  # the document's PDF /Title
    author: str | None = None  # its /Author: the applicant or the bureau


@dataclass(frozen=True)
class PdfResult:
    data: bytes
    pages: int
    docs: tuple[RenderedDoc, ...]


def seal_diameter_mm(kind: SealKind) -> float:
    return {
        "applicant": layout.ENTERPRISE_SEAL_MM,
        "government": layout.GOVERNMENT_SEAL_MM,
        "bureau": layout.BUREAU_SEAL_MM,
    }[kind]


def cover_seal_mm(field: CoverField) -> float:
    """The diameter of a cover line's seal slot: the category's (``seal_diameter_mm``), else
    its kind's; a government's never smaller than ``GOVERNMENT_SEAL_MM`` (as the commitment's)."""
    assert field.seal is not None
    if field.seal_diameter_mm is None:
        return seal_diameter_mm(field.seal)
    if field.seal == "government":
        return max(field.seal_diameter_mm, layout.GOVERNMENT_SEAL_MM)
    return field.seal_diameter_mm


# ---------------------------------------------------------------------------------------------
# Widths and inline text.

_BOX = "\x00box"  # style "fonts" of inline objects: never a real font name
_TICK = "\x00tick"
_GAP = "\x00gap"
_OBJECT_CHAR = "\ufffc"

_WIDTHS: dict[str, dict[str, float]] = {}

# Punctuation squeezing (标点挤压): a full-width mark followed by another gives up half its
# width ("）：" "。”" "：“"); centred marks (？！) keep theirs.
_SQUEEZE_FIRST = frozenset("，。、；：）》」』】〕”’")
_SQUEEZE_NEXT = frozenset("，。、；：？！）》」』】〕”’（《「『【〔“‘")
_SQUEEZE_EM = 0.5


def _width_table(font: str) -> dict[str, float]:
    table = _WIDTHS.get(font)
    if table is None:
        table = _WIDTHS[font] = {}
    return table


def _measure(font: str, table: dict[str, float], ch: str) -> float:
    w = table[ch] = pdfmetrics.stringWidth(ch, font, 1.0)
    return w


class Inline:
    """A run of styled characters ready for breaking: text, prefix sums of widths (points),
    style runs ``(start, end, font, bold)`` and break opportunities."""

    __slots__ = ("cum", "ops", "run_starts", "runs", "size", "text", "tick_font", "tracking")

    def __init__(
        self,
        text: str,
        cum: list[float],
        runs: list[tuple[int, int, str, bool]],
        ops: list[bool],
        size: float,
        tracking: float = 0.0,
        tick_font: str | None = None,
    ):
        self.text = text
        self.cum = cum
        self.runs = runs
        self.run_starts = [r[0] for r in runs]
        self.ops = ops
        self.size = size
        # letter spacing of every character (points), counted in ``cum``: text set on a
        # document grid (Document.grid_chars)
        self.tracking = tracking
        # the face of the tick boxes' invisible ☑/☐ (None: an /ActualText span instead)
        self.tick_font = tick_font

    def width(self, start: int = 0, end: int | None = None) -> float:
        return self.cum[len(self.text) if end is None else end] - self.cum[start]

    def lines(self, first_width: float, width: float, start: int = 0) -> list[Line]:
        """The lines of the text from ``start`` on (offsets into the whole text)."""
        return break_lines(self.text, self.cum, self.ops, first_width, width, start)


class InlineBuilder:
    """Collects text in roles (each character gets the first face that has it), tick boxes and
    gaps, then builds an :class:`Inline`."""

    def __init__(self, fonts: FontSet, size: float, tracking: float = 0.0):
        self.fonts = fonts
        self.size = size
        self.tracking = tracking
        self._chars: list[str] = []
        self._widths: list[float] = []
        self._runs: list[tuple[int, int, str, bool]] = []
        self._nobreak: list[bool] = []
        self._keep_depth = 0

    def __len__(self) -> int:
        return len(self._widths)

    def _append(
        self, text: str, widths: list[float], font: str, bold: bool, merge: bool = True
    ) -> None:
        if not text:
            return
        start = len(self._widths)
        self._chars.append(text)
        self._widths.extend(widths)
        n = len(widths)
        if merge and self._runs and self._runs[-1][2] == font and self._runs[-1][3] == bold:
            s, _, f, b = self._runs[-1]
            self._runs[-1] = (s, start + n, f, b)
        else:
            self._runs.append((start, start + n, font, bold))
        keep = self._keep_depth > 0
        if keep and start and self._keep_started_at < start:
            self._nobreak.extend([True] * n)
        else:
            self._nobreak.append(False)
            self._nobreak.extend([keep] * (n - 1))

    _keep_started_at = 0

    def add(self, text: str, role: Role, bold: bool = False) -> InlineBuilder:
        text = text.replace("\t", " ").replace("\r", "")
        size = self.size
        for font, piece in self.fonts.segments(text, role):
            table = _width_table(font)
            widths = [(table[c] if c in table else _measure(font, table, c)) * size for c in piece]
            if self.tracking:
                widths = [w + self.tracking for w in widths]
            # text on a document grid (the letter) keeps every character on its pitch
            if self.tracking or _SQUEEZE_FIRST.isdisjoint(piece):
                self._append(piece, widths, font, bold)
                continue
            # 标点挤压: of two full-width punctuation marks in a row ("）：", "。”") the first
            # gives up its blank half, so "（盖章）：" shows no double-width gap. The squeezed
            # mark ends a run: the pen places every run at its own offset.
            start = 0
            for i in range(len(piece) - 1):
                if piece[i] in _SQUEEZE_FIRST and piece[i + 1] in _SQUEEZE_NEXT:
                    widths[i] -= _SQUEEZE_EM * size
                    chunk = slice(start, i + 1)
                    self._append(piece[chunk], widths[chunk], font, bold, merge=start == 0)
                    start = i + 1
            self._append(piece[start:], widths[start:], font, bold, merge=start == 0)
        return self

    def add_runs(self, text: Runs, role: Role, bold: bool = False) -> InlineBuilder:
        for run in text:
            if run.keep:
                with self.keep():
                    self.add(run.text, run.role or role, bold or run.bold)
            else:
                self.add(run.text, run.role or role, bold or run.bold)
        return self

    def box(self, checked: bool) -> InlineBuilder:
        self._append(_OBJECT_CHAR, [self.size], _TICK if checked else _BOX, False)
        return self

    def gap(self, em: float) -> InlineBuilder:
        self._append(" ", [em * self.size], _GAP, False)
        return self

    def keep(self) -> _Keep:
        """``with builder.keep(): ...`` — no line break inside what is added."""
        return _Keep(self)

    def build(self) -> Inline:
        text = "".join(self._chars)
        cum = [0.0, *accumulate(self._widths)]
        ops = break_opportunities(text, self._nobreak)
        ticks = any(r[2] in (_TICK, _BOX) for r in self._runs)
        tick_font = self.fonts.tick_font() if ticks else None
        return Inline(text, cum, list(self._runs), ops, self.size, self.tracking, tick_font)


class _Keep:
    def __init__(self, builder: InlineBuilder):
        self.b = builder

    def __enter__(self) -> None:
        if self.b._keep_depth == 0:
            self.b._keep_started_at = len(self.b._widths)
        self.b._keep_depth += 1

    def __exit__(self, *exc: object) -> None:
        self.b._keep_depth -= 1


# ---------------------------------------------------------------------------------------------
# Drawing lines of inline text.


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
        ttf = pdfmetrics.getFont(font)
        for subset, data in _encode(ttf, text, self.doc):
            face = (font, subset)
            if self.face != face:
                tf = self.names.get(face)
                if tf is None:
                    name = ttf.getSubsetInternalName(subset, self.doc)  # type: ignore[attr-defined]  # TTFont's, not in the stubs' Font
                    tf = self.names[face] = f"{name} {self.size_s} Tf"
                code.append(tf)
                self.face = face
            code.append(f"({data.decode('latin-1').translate(_ESCAPE)}) Tj")

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


def _encode(ttf: Any, text: str, doc: Any) -> list[tuple[int, bytes]]:
    """``ttf.splitString(text, doc)``, with a fast path for characters the document's subsets
    already hold (nearly all of them after the first pages)."""
    state = ttf.state.get(doc)
    if state is None:
        return list(ttf.splitString(text, doc))
    assigned = state.assignments
    try:
        codes = [assigned[c] for c in map(ord, text)]
    except KeyError:  # a character new to this document: reportlab assigns it a code
        return list(ttf.splitString(text, doc))
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
    # (outline, advance in points, scale)
    glyphs: list[tuple[_Outline, float, float]] = []
    faces = fonts._by_name  # reportlab name -> Face, for the face's file
    for font, piece in fonts.segments(text, role):
        face = faces[font]
        _gs, cmap, upem = _glyph_set(str(face.path), face.index)
        for ch in piece:
            name = cmap.get(ord(ch))
            if name is None:
                continue
            outline, advance = _glyph_outline(str(face.path), face.index, name)
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
    canv.saveState()
    canv.setFillColor(color)
    canv.drawPath(path, stroke=0, fill=1)
    canv.restoreState()
    return width


# ---------------------------------------------------------------------------------------------
# Render state shared by the flowables of one build.


@dataclass
class _DocState:
    doc: Document
    index: int
    first_page: int = -1
    slots: list[SealSlot] = field(default_factory=list)
    outline: list[OutlineEntry] = field(default_factory=list)


class _State:
    def __init__(self, fonts: FontSet, docs: Sequence[Document], seal_marks: bool):
        self.fonts = fonts
        self.seal_marks = seal_marks
        self.docs = [_DocState(d, i) for i, d in enumerate(docs)]
        self.current: _DocState | None = None
        self.multi = len(docs) > 1
        self._keys = 0
        self._outline_level = -1

    def page_index(self, canv: Any) -> int:
        return int(canv.getPageNumber()) - 1

    def start_doc(self, canv: Any, index: int) -> None:
        ds = self.docs[index]
        ds.first_page = self.page_index(canv)
        self.current = ds
        self._outline_level = -1
        if self.multi:
            key = self._key()
            canv.bookmarkPage(key)
            canv.addOutlineEntry(ds.doc.title, key, level=0, closed=False)
            canv.showOutline()
            self._outline_level = 0

    def _key(self) -> str:
        self._keys += 1
        return f"dg{self._keys}"

    def heading(self, canv: Any, level: int, title: str, top: float) -> None:
        ds = self.current
        assert ds is not None
        page = self.page_index(canv)
        _, ay = canv.absolutePosition(0, top)
        ds.outline.append(OutlineEntry(level, title, page - ds.first_page, round(ay, 1)))
        want = level - 1 + (1 if self.multi else 0)
        lvl = max(0, min(want, self._outline_level + 1))
        self._outline_level = lvl
        key = self._key()
        canv.bookmarkPage(key, fit="XYZ", left=0, top=ay)
        canv.addOutlineEntry(title, key, level=lvl, closed=False)
        canv.showOutline()

    def seal(self, canv: Any, cx: float, cy: float, kind: SealKind, diameter_mm: float) -> None:
        """Record an official seal slot centred at (cx, cy) (flowable coordinates); mark it."""
        ds = self.current
        assert ds is not None
        ax, ay = canv.absolutePosition(cx, cy)
        box = layout.seal_box(ax, ay, diameter_mm)
        ds.slots.append(SealSlot(self.page_index(canv) - ds.first_page, box, kind, diameter_mm))
        if not self.seal_marks:
            return
        r = diameter_mm * MM / 2.0
        grey = Color(layout.SEAL_MARK_GREY, layout.SEAL_MARK_GREY, layout.SEAL_MARK_GREY)
        canv.saveState()
        canv.setStrokeColor(grey)
        canv.setLineWidth(layout.SEAL_MARK_LINE_WIDTH)
        canv.setDash(list(layout.SEAL_MARK_DASH), 0)
        canv.circle(cx, cy, r, stroke=1, fill=0)
        canv.restoreState()
        size = layout.SEAL_MARK_LABEL_SIZE
        draw_outlined(canv, self.fonts, SEAL_LABEL, cx, cy - r + size * 0.8, size, grey)

    def page_end(self, canv: Any, doc: Any) -> None:
        ds = self.current
        if ds is None:
            return
        number = self.page_index(canv) - ds.first_page - ds.doc.cover_pages + 1
        letter = ds.doc.kind == "letter"
        if number < 1 or (letter and number == 1):
            return  # GB/T 9704 §10.1: a letter's first page shows no page number
        geo = layout.geometry(ds.doc.landscape)
        size = layout.PAGE_NUMBER_SIZE
        inline = InlineBuilder(self.fonts, size).add(f"— {number} —", "song").build()
        line = inline.lines(1e9, 1e9)[0]
        x0, _, x1, _ = geo.frame
        # GB/T 9704 §7.5, on every document: odd pages right, even pages left, one character in
        x0 += layout.LETTER_PAGE_NUMBER_INSET_EM * size
        x1 -= layout.LETTER_PAGE_NUMBER_INSET_EM * size
        x = x1 - line.width if number % 2 else x0
        pen = _TextPen(canv, size)
        pen.line(inline, line, x, geo.page_number_baseline, line.width, "left")
        pen.finish()


# ---------------------------------------------------------------------------------------------
# Flowables.


class TextFlow(Flowable):
    """A paragraph of inline text: first-line and hanging indents, alignment, justification
    by letter spacing, splitting across pages with orphan/widow control.

    A paragraph is broken into lines once per width. Splitting it hands both parts the same
    :class:`Inline` and a range of those lines (``start``: the first character of the part),
    so a paragraph of many pages costs linear time: nothing is copied or broken again per page.
    The part after a split is broken again only if it is laid out at another width.
    """

    def __init__(
        self,
        inline: Inline,
        *,
        leading: float,
        align: str = "justify",
        first_indent: float = 0.0,
        indent: float = 0.0,
        space_before: float = 0.0,
        space_after: float = 0.0,
        keep_with_next: bool = False,
        orphans: int = 2,
        widows: int = 2,
    ):
        super().__init__()
        self.inline = inline
        self.size = inline.size
        self.leading = leading
        self.align = align
        self.first_indent = first_indent
        self.indent = indent
        self.spaceBefore = space_before
        self.spaceAfter = space_after
        self.keep_next = keep_with_next
        self.orphans = orphans
        self.widows = widows
        self.start = 0  # the first character of ``inline`` this flow draws
        self._cache: tuple[float, LineRange] | None = None
        self._fixed: LineRange | None = None

    def lines_for(self, width: float) -> LineRange:
        if self._fixed is not None:
            return self._fixed
        if self._cache is not None and self._cache[0] == width:
            return self._cache[1]
        lines = LineRange(
            self.inline.lines(width - self.first_indent, width - self.indent, self.start)
        )
        self._cache = (width, lines)
        return lines

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = len(self.lines_for(availWidth)) * self.leading
        return availWidth, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        lines = self.lines_for(availWidth)
        n = len(lines)
        fit = int((availHeight + 1e-6) // self.leading)
        if fit >= n:
            return [self]
        k = min(fit, n - self.widows)
        if k < self.orphans or k < 1:
            return []
        return list(self.split_at(availWidth, k))

    def split_at(self, width: float, k: int) -> tuple[TextFlow, TextFlow]:
        """The first ``k`` lines and the rest."""
        lines = self.lines_for(width)
        head = self._copy(self.inline, self.first_indent)
        head.start = self.start
        head._fixed = lines[:k]
        head.spaceAfter = 0.0
        head.keep_next = False
        tail = self._copy(self.inline, self.indent)
        tail.start = lines[k].start
        # Greedy breaking has no memory: the rest breaks at this width as these lines did.
        tail._cache = (width, lines[k:])
        tail.spaceBefore = 0.0
        return head, tail

    def _copy(self, inline: Inline, first_indent: float) -> TextFlow:
        return TextFlow(
            inline,
            leading=self.leading,
            align=self.align,
            first_indent=first_indent,
            indent=self.indent,
            space_before=self.spaceBefore,
            space_after=self.spaceAfter,
            keep_with_next=self.keep_next,
            orphans=self.orphans,
            widows=self.widows,
        )

    def line_count(self, width: float) -> int:
        return len(self.lines_for(width))

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        """Draw at absolute page coordinates: platypus would wrap every paragraph in
        saveState / translate / restoreState, which costs more than the text itself."""
        self.canv = canvas
        try:
            self._draw_at(self._hAlignAdjust(x, _sW), y)  # type: ignore[attr-defined]  # Flowable's, missing from the stubs
        finally:
            del self.canv

    def draw(self) -> None:
        self._draw_at(0.0, 0.0)

    def _draw_at(self, x0: float, y0: float) -> None:
        width = self.width
        lines = self.lines_for(width)
        pen = _TextPen(self.canv, self.size)
        top = self.height
        for i, line in enumerate(lines):
            ind = self.first_indent if i == 0 else self.indent
            y = _baseline(top - i * self.leading, self.leading, self.size)
            pen.line(self.inline, line, x0 + ind, y0 + y, width - ind, self.align)
        pen.finish()


class _HeadingFlow(TextFlow):
    # Headings keep platypus's translated drawing: their bookmarks are placed relative to it.
    drawOn = Flowable.drawOn  # type: ignore[assignment]  # platypus's own, as before TextFlow's

    def __init__(self, inline: Inline, state: _State, level: int, title: str | None, **kw: Any):
        super().__init__(inline, **kw)
        self.state = state
        self.level = level
        self.title = title

    def _copy(self, inline: Inline, first_indent: float) -> TextFlow:
        flow = super()._copy(inline, first_indent)
        if first_indent == self.first_indent and self.title:
            return _HeadingFlow(
                inline,
                self.state,
                self.level,
                self.title,
                leading=self.leading,
                align=self.align,
                first_indent=first_indent,
                indent=self.indent,
                keep_with_next=self.keep_next,
            )
        return flow

    def draw(self) -> None:
        if self.title:
            self.state.heading(self.canv, self.level, self.title, self.height)
        super().draw()


class _DocStart(Flowable):
    """Zero-size marker at the start of each document: records its first page."""

    _ZEROSIZE = True

    def __init__(self, state: _State, index: int):
        super().__init__()
        self.state = state
        self.index = index

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        self.state.start_doc(self.canv, self.index)


def _at_top(flowable: Flowable) -> bool:
    frame = getattr(flowable, "_frame", None)
    return bool(getattr(frame, "_atTop", False))


def _gap(a: Flowable, b: Flowable) -> float:
    return float(a.getSpaceAfter()) + float(b.getSpaceBefore())


class _KeepWithNext(Flowable):
    """Headings (and other keep-with-next lines) that travel with the start of what follows:
    at least two lines of a paragraph, or the first rows of a table."""

    def __init__(self, heads: list[Flowable], tail: Flowable):
        super().__init__()
        self.heads = heads
        self.tail = tail
        self.spaceBefore = heads[0].getSpaceBefore()

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return availWidth, 0xFFFFFF  # always split: the parts are laid out one by one

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        items = [*self.heads, self.tail]
        used = 0.0
        prev: Flowable | None = None
        for f in self.heads:
            _, h = f.wrapOn(self.canv, availWidth, availHeight)
            used += h + (_gap(prev, f) if prev is not None else 0.0)
            prev = f
        assert prev is not None
        rest = availHeight - used - _gap(prev, self.tail)
        _, th = self.tail.wrapOn(self.canv, availWidth, max(rest, 0.0))
        if th <= rest + 1e-6:
            return items
        if rest > 0:
            parts = self.tail.splitOn(self.canv, availWidth, rest)
            if parts and parts[0] is not self.tail:
                return [*self.heads, *parts]
        if _at_top(self):
            return items
        return []


class _KeepTail(Flowable):
    """A paragraph and the signature block after it: the block never goes to a page alone when
    the paragraph can lend it its last lines."""

    def __init__(self, para: TextFlow, block: Flowable):
        super().__init__()
        self.para = para
        self.block = block
        self.spaceBefore = para.getSpaceBefore()

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return availWidth, 0xFFFFFF

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        para, block = self.para, self.block
        _, hp = para.wrapOn(self.canv, availWidth, availHeight)
        _, hb = block.wrapOn(self.canv, availWidth, availHeight)
        if hp + _gap(para, block) + hb <= availHeight + 1e-6:
            return [para, block]
        n = para.line_count(availWidth)
        fit = int((availHeight + 1e-6) // para.leading)
        k = min(fit, n - para.widows)
        if k >= para.orphans:
            head, tail = para.split_at(availWidth, k)
            return [head, _KeepTail(tail, block)]
        if _at_top(self):
            return [para, block]
        return []


@dataclass
class _SigLine:
    inline: Inline
    lines: list[Line]
    width: float


def _sig_lines(state: _State, lines: Sequence[Runs], size: float, avail: float) -> list[_SigLine]:
    out = []
    for runs in lines:
        inline = InlineBuilder(state.fonts, size).add_runs(runs, "fangsong").build()
        broken = inline.lines(avail, avail)
        out.append(_SigLine(inline, broken, max((ln.width for ln in broken), default=0.0)))
    return out


class _SignatureArea:
    """Signature lines sharing one left edge, the block ending ``SIGNATURE_RIGHT_INDENT_EM``
    from the right; the seal circle over the unit's name and the date (骑年盖月: the date's
    年 and 月 under the seal), never over a line before the unit's (the legal
    representative's signing space)."""

    def __init__(self, state: _State, sig: SignatureBlock, size: float, leading: float):
        self.state = state
        self.sig = sig
        self.size = size
        self.leading = leading
        self.diameter_mm = sig.seal_diameter_mm
        if sig.seal == "government":
            self.diameter_mm = max(self.diameter_mm, layout.GOVERNMENT_SEAL_MM)
        self.d = self.diameter_mm * MM
        self.items: list[_SigLine] = []

    def layout(self, width: float) -> float:
        """Lay out for ``width``; returns the height (the text, and the seal's reach above
        and below the unit's and the date's lines)."""
        right = width - layout.SIGNATURE_RIGHT_INDENT_EM * self.size
        self.width, self.right = width, right
        self.items = _sig_lines(self.state, self.sig.lines, self.size, right)
        widest = max((it.width for it in self.items), default=0.0)
        self.left = max(0.0, right - widest)
        rows = [max(1, len(it.lines)) for it in self.items]
        self.rows = rows
        n = sum(rows)
        self.text_h = n * self.leading
        # the seal's centre: on the boundary between the unit's line and the date's line,
        # a little above it (the text sits low in the seal)
        unit = self.sig.unit_line % max(1, len(rows))
        date = self.sig.date_line % max(1, len(rows))
        below_unit = sum(rows[: unit + 1]) * self.leading
        self.centre_from_top = below_unit - layout.SEAL_RAISE_LINES * self.leading
        r = self.d / 2.0
        self.pad_top = max(0.0, r - self.centre_from_top)
        self.pad_bottom = max(0.0, (self.centre_from_top + r) - self.text_h)
        self._date = date
        self.height = self.pad_top + self.text_h + self.pad_bottom
        return self.height

    def _char_x(self, item: _SigLine, chars: str) -> list[tuple[float, float]]:
        """x ranges (from the line's start) of the first occurrence of each of ``chars`` on
        the item's first line."""
        out: list[tuple[float, float]] = []
        if not item.lines:
            return out
        line = item.lines[0]
        text = item.inline.text
        for ch in chars:
            k = text.find(ch, line.start, line.end)
            if k >= 0:
                out.append(
                    (
                        item.inline.cum[k] - item.inline.cum[line.start],
                        item.inline.cum[k + 1] - item.inline.cum[line.start],
                    )
                )
        return out

    def draw(self, canv: Any, x0: float, y0: float) -> None:
        """Draw with the area's bottom-left at (x0, y0)."""
        top = y0 + self.height - self.pad_top
        pen = _TextPen(canv, self.size)
        row = 0
        left = x0 + self.left
        for item, rows in zip(self.items, self.rows, strict=True):
            for line in item.lines:
                slot_top = top - row * self.leading
                y = _baseline(slot_top, self.leading, self.size)
                pen.line(item.inline, line, left, y, line.width, "left")
                row += 1
            row += rows - len(item.lines)
        pen.finish()
        if not self.items:
            return
        r = self.d / 2.0
        unit = self.items[self.sig.unit_line % len(self.items)]
        date = self.items[self._date]
        # what the seal must cover: the name's first characters (after the label's "："),
        # and the date's 年 and 月
        spans = self._char_x(date, "年月")
        if unit.lines:
            line = unit.lines[0]
            text = unit.inline.text
            colon = text.find("：", line.start, line.end)
            k = line.start if colon < 0 or colon + 1 >= line.end else colon + 1
            base = unit.inline.cum[line.start]
            kk = min(line.end, k + 2)
            spans.append((unit.inline.cum[k] - base, unit.inline.cum[kk] - base))
        if spans:
            lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
            if hi - lo > self.d - 4.0:  # too wide for the seal: the date's 年 and 月 first
                hi = max((b for _, b in spans[:-1]), default=hi) + 2.0
                lo = hi - self.d + 4.0
            cx = x0 + self.left + (lo + hi) / 2.0
        else:
            cx = x0 + self.left + r
        cx = min(max(cx, x0 + r), x0 + self.width - r)
        cy = top - self.centre_from_top
        self.state.seal(canv, cx, cy, self.sig.seal, self.diameter_mm)


class _SignatureFlow(Flowable):
    """A signature block; when it starts a page it carries 「（此页无正文）」 at the top."""

    def __init__(self, state: _State, sig: SignatureBlock, geo: PageGeometry):
        super().__init__()
        self.state = state
        self.size = 16.0
        self.leading = self.size * layout.LEADING_RATIO
        self.area = _SignatureArea(state, sig, self.size, self.leading)
        self.frame_height = geo.frame_height
        self.spaceBefore = 0.0
        self._note: TextFlow | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        h = self.area.layout(availWidth)
        self._note = None
        if availHeight >= self.frame_height - 0.5:
            inline = InlineBuilder(self.state.fonts, self.size).add(NO_BODY_TEXT, "fangsong")
            self._note = TextFlow(
                inline.build(), leading=self.leading, align="left", first_indent=2 * self.size
            )
            h += self._note.wrap(availWidth, availHeight)[1]
        self.height = h
        return availWidth, h

    def draw(self) -> None:
        if self._note is not None:
            self._note.drawOn(self.canv, 0, self.height - self._note.height)
        self.area.draw(self.canv, 0, 0)


class _OpinionFlow(Flowable):
    """A bordered box: the title, an empty writing area, and the signature with its seal."""

    def __init__(self, state: _State, box: OpinionBox, geo: PageGeometry):
        super().__init__()
        self.state = state
        self.box = box
        self.size = layout.OPINION_SIZE
        self.leading = self.size * layout.LEADING_RATIO
        self.geo = geo
        self.area = _SignatureArea(state, box.signature, self.size, self.leading)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        pad = layout.OPINION_PAD
        inner = availWidth - 2 * pad
        title = InlineBuilder(self.state.fonts, self.size).add(self.box.title, "hei").build()
        self.title = TextFlow(title, leading=self.leading, align="left")
        th = self.title.wrap(inner, availHeight)[1]
        sh = self.area.layout(inner)
        space = self.box.height_mm * MM
        room = self.geo.frame_height - (2 * pad + th + sh)
        self.space = max(0.0, min(space, room))
        self.width = availWidth
        self.height = 2 * pad + th + self.space + sh
        return availWidth, self.height

    def draw(self) -> None:
        canv = self.canv
        pad = layout.OPINION_PAD
        canv.saveState()
        canv.setLineWidth(layout.TABLE_BOX_WIDTH)
        canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)
        canv.restoreState()
        self.title.drawOn(canv, pad, self.height - pad - self.title.height)
        self.area.draw(canv, pad, pad)


class _CoverFlow(Flowable):
    """Cover lines: label, then the value on an underline that wraps under itself; a field
    with a seal gets room for the seal circle over its value."""

    def __init__(self, state: _State, block: CoverFields):
        super().__init__()
        self.state = state
        self.block = block
        self.size = block.size
        self.leading = block.size * layout.COVER_LEADING_RATIO
        # the flowable after the block: the seal reaches at most over it and its space after
        # (seal_overhang_mm), never onto what follows it (the summary's table)
        self.following: Flowable | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        s = self.size
        fonts = self.state.fonts
        margin = layout.COVER_INDENT_EM * s
        labels = [
            InlineBuilder(fonts, s).add(f.label, "fangsong").build() for f in self.block.fields
        ]
        label_w = max((lb.width() for lb in labels), default=0.0)
        self.x_label = margin
        self.x_value = margin + label_w
        self.x_right = availWidth - margin
        value_w = max(self.x_right - self.x_value, 4 * s)
        self.rows: list[tuple[Inline, Inline, list[Line], float, float]] = []
        values = [
            InlineBuilder(fonts, s).add_runs(f.value, "fangsong").build() for f in self.block.fields
        ]
        wrapped = [v.lines(value_w, value_w) for v in values]
        heights = [len(lines) * self.leading for lines in wrapped]
        row_h = list(heights)
        fields = self.block.fields
        for i, f in enumerate(fields):
            if not f.seal:
                continue
            zone = cover_seal_mm(f) * MM + 0.5 * self.leading
            if f.seal_with_next and i + 1 < len(fields):
                # one zone for both lines, the seal centred on the boundary between them; what
                # may reach onto the text after the block (seal_overhang_mm) is not kept free
                half = cover_seal_mm(f) * MM / 2.0
                row_h[i] = max(heights[i], half)
                overhang = self.block.seal_overhang_mm * MM if i + 2 == len(fields) else 0.0
                if overhang and self.following is not None:
                    below = self.following.wrap(availWidth, 1e9)[1]
                    below += self.following.getSpaceAfter() - 1.0
                    overhang = min(overhang, max(0.0, below))
                elif overhang:
                    overhang = 0.0
                row_h[i + 1] = max(heights[i + 1], half - overhang)
            else:
                row_h[i] = max(heights[i], zone)
        total = 0.0
        for lb, value, lines, text_h, h in zip(
            labels, values, wrapped, heights, row_h, strict=True
        ):
            self.rows.append((lb, value, lines, text_h, h))
            total += h
        self.width = availWidth
        self.height = total
        return availWidth, total

    def draw(self) -> None:
        canv = self.canv
        s = self.size
        pen = _TextPen(canv, s)
        seals: list[tuple[float, float, SealKind, float]] = []
        top = self.height
        underlines: list[tuple[float, float]] = []
        fields = self.block.fields
        for k, (f, (lb, value, lines, text_h, h)) in enumerate(zip(fields, self.rows, strict=True)):
            paired_above = k > 0 and fields[k - 1].seal is not None and fields[k - 1].seal_with_next
            paired = f.seal is not None and f.seal_with_next and k + 1 < len(fields)
            if paired:  # the unit's line sits at the bottom of its half of the zone
                text_top = top - (h - text_h)
            elif paired_above:  # the date line at the top of its half
                text_top = top
            else:
                text_top = top - (h - text_h) / 2.0
            lb_line = lb.lines(1e9, 1e9)[0]
            y0 = _baseline(text_top, self.leading, s)
            pen.line(lb, lb_line, self.x_label, y0, lb_line.width, "left")
            for i, line in enumerate(lines):
                y = _baseline(text_top - i * self.leading, self.leading, s)
                pen.line(value, line, self.x_value, y, self.x_right - self.x_value, "left")
                underlines.append((y - 0.22 * s, 0.0))
            if f.seal:
                first_w = lines[0].width if lines else 0.0
                d = cover_seal_mm(f) * MM
                r = d / 2.0
                lo, hi = self.x_value + r, self.x_right - r
                cx = self.x_value + max(first_w, 0.0) / 2.0
                cx = (self.x_value + self.x_right) / 2.0 if lo > hi else min(max(cx, lo), hi)
                cy = text_top - text_h / 2.0
                if paired:  # centred between the unit's line and the date line
                    cy = text_top - text_h
                seals.append((cx, cy, f.seal, cover_seal_mm(f)))
            top -= h
        pen.finish()
        canv.saveState()
        canv.setLineWidth(layout.COVER_UNDERLINE_WIDTH)
        for y, _ in underlines:
            canv.line(self.x_value, y, self.x_right, y)
        canv.restoreState()
        for cx, cy, kind, mm in seals:
            self.state.seal(canv, cx, cy, kind, mm)


# ---------------------------------------------------------------------------------------------
# Blocks to flowables.


class _Composer:
    def __init__(self, state: _State, doc: Document):
        self.state = state
        self.fonts = state.fonts
        self.doc = doc
        self.geo = layout.geometry(doc.landscape)

    def inline(self, text: Runs, role: Role, size: float, bold: bool = False) -> Inline:
        return InlineBuilder(self.fonts, size).add_runs(text, role, bold).build()

    def grid_tracking(self, size: float) -> float:
        """Letter spacing that sets text of ``size`` on the document grid (0 without one, or
        for text of another size than the grid's)."""
        return _grid_tracking(self.doc, self.geo, size)

    def flowables(self) -> list[Flowable]:
        out: list[Flowable] = []
        blocks = list(self.doc.blocks)
        while blocks and isinstance(blocks[0], PageBreakBlock):
            blocks.pop(0)
        while blocks and isinstance(blocks[-1], PageBreakBlock):
            blocks.pop()
        for block in blocks:
            out.extend(self.block(block))
        for flow, after in pairwise(out):
            if isinstance(flow, _CoverFlow) and flow.block.seal_overhang_mm:
                flow.following = after  # what its seal may press on, below the block
        return _group(out)

    def block(self, block: Block) -> list[Flowable]:
        match block:
            case Title():
                inline = self.inline(block.text, block.role, block.size)
                leading = block.size * layout.TITLE_LEADING_RATIO
                if self.doc.grid_chars:  # whole lines of the grid, so the body stays on it
                    pitch = layout.LETTER_BODY_SIZE * layout.LEADING_RATIO
                    leading = pitch * max(1, round(block.size * 1.25 / pitch))
                return [
                    TextFlow(
                        inline,
                        leading=leading,
                        align="center",
                        space_before=block.space_before,
                        space_after=block.space_after,
                        keep_with_next=True,
                    )
                ]
            case Heading():
                return [self.heading(block)]
            case Paragraph():
                tracking = self.grid_tracking(block.size)
                if tracking:
                    inline = (
                        InlineBuilder(self.fonts, block.size, tracking)
                        .add_runs(block.text, block.role)
                        .build()
                    )
                else:
                    inline = self.inline(block.text, block.role, block.size)
                return [
                    TextFlow(
                        inline,
                        leading=block.size * layout.LEADING_RATIO,
                        align=block.align,
                        first_indent=block.indent * block.size,
                        space_before=block.space_before,
                        space_after=block.space_after,
                        keep_with_next=block.keep_with_next,
                    )
                ]
            case ListItem():
                size = block.size
                b = InlineBuilder(self.fonts, size)
                with b.keep():
                    b.add(block.marker, block.role)
                    b.gap(layout.LIST_MARKER_GAP_EM)
                marker_w = b.build().width()
                b.add_runs(block.text, block.role)
                first = 2 * size
                return [
                    TextFlow(
                        b.build(),
                        leading=size * layout.LEADING_RATIO,
                        align="justify",
                        first_indent=first,
                        indent=first + marker_w,
                    )
                ]
            case TickBoxes():
                return [self.ticks(block)]
            case TableBlock():
                return self.table(block)
            case CoverFields():
                return [_CoverFlow(self.state, block)]
            case SignatureBlock():
                return [_SignatureFlow(self.state, block, self.geo)]
            case OpinionBox():
                return [_OpinionFlow(self.state, block, self.geo)]
            case PageBreakBlock():
                return [PageBreak()]
            case SpacerBlock():
                return [Spacer(0, block.height_mm * MM)]
            case Letterhead():
                return [_LetterheadFlow(self.state, block, self.doc, self.geo)]
            case AttachmentNote():
                return [_AttachmentNoteFlow(self.state, block, self.doc, self.geo)]
            case DatedSignature():
                return [_DatedSignatureFlow(self.state, block, self.doc, self.geo)]
        raise TypeError(f"unknown block {block!r}")

    def heading(self, block: Heading) -> TextFlow:
        size = 16.0
        role: Role = "hei" if block.level == 1 else "kai" if block.level == 2 else "fangsong"
        bold = block.level >= 3
        b = InlineBuilder(self.fonts, size)
        b.add(block.number, role, bold)
        b.add_runs(block.text, role, bold)
        title = (block.number + plain(block.text)) if block.bookmark else None
        centred = block.align == "center"
        return _HeadingFlow(
            b.build(),
            self.state,
            block.level,
            title,
            leading=size * layout.LEADING_RATIO,
            align="center" if centred else "left",
            first_indent=0.0 if centred else 2 * size,
            keep_with_next=True,
        )

    def ticks(self, block: TickBoxes) -> TextFlow:
        size = block.size
        b = InlineBuilder(self.fonts, size)
        with b.keep():
            b.add(block.label, "fangsong")
        label_w = b.build().width()
        items = block.items
        for i, item in enumerate(items):
            nested = item.level > 0
            prev_nested = i > 0 and items[i - 1].level > 0
            next_nested = i + 1 < len(items) and items[i + 1].level > 0
            if i > 0 and not (nested and not prev_nested):
                b.gap(layout.TICK_SUBGAP_EM if nested else layout.TICK_GAP_EM)
            with b.keep():
                if nested and not prev_nested:
                    b.add("（", "fangsong")
                b.box(item.checked)
                b.add(item.text, "fangsong")
                if nested and not next_nested:
                    b.add("）", "fangsong")
        width = self.geo.frame_width
        first = 2 * size
        hang = first + label_w if label_w < 0.4 * width else first
        return TextFlow(
            b.build(),
            leading=size * layout.LEADING_RATIO,
            align="left",
            first_indent=first,
            indent=hang,
        )

    def table(self, block: TableBlock) -> list[Flowable]:
        out: list[Flowable] = []
        size = block.size
        if block.caption:
            csize = size + layout.CAPTION_SIZE_STEP
            out.append(
                TextFlow(
                    self.inline(block.caption, "hei", csize),
                    leading=csize * layout.TITLE_LEADING_RATIO,
                    align="center",
                    space_before=layout.TABLE_SPACE,
                    keep_with_next=True,
                )
            )
        ncols = len(block.widths)
        total = sum(block.widths)
        col_w = [w / total * self.geo.frame_width for w in block.widths]
        col_x = [0.0, *accumulate(col_w)]
        pad_x, pad_y = layout.TABLE_PAD_X, layout.TABLE_PAD_Y
        leading = size * layout.TABLE_LEADING_RATIO
        # Lay out every cell first: (flow, first column, span, width, header) per cell.
        laid: list[list[tuple[TextFlow, int, int, float, bool]]] = []
        heights: list[float] = []
        for row in block.rows:
            cells: list[tuple[TextFlow, int, int, float, bool]] = []
            height = 0.0
            c = 0
            for cell in row:
                if c >= ncols:
                    break
                span = max(1, min(cell.colspan, ncols - c))
                flow = TextFlow(
                    self.inline(cell.text, block.role, size, bold=cell.header),
                    leading=leading,
                    align=cell.align,
                )
                width = col_x[c + span] - col_x[c] - 2 * pad_x
                height = max(height, flow.wrap(width, 1e9)[1] + 2 * pad_y)
                cells.append((flow, c, span, width, cell.header))
                c += span
            laid.append(cells)
            heights.append(height)
        # Rows never split across pages, except a row taller than a page: that one is cut into
        # several rows of whole lines, drawn without rules between them, so it reads as one.
        header_h = sum(heights[: block.header_rows])
        limit = self.geo.frame_height - header_h - 1.0
        chunk_lines = max(1, int((self.geo.frame_height / 4.0) // leading))
        rows: list[_GridRow] = []
        for r, cells in enumerate(laid):
            if not (r >= block.header_rows and heights[r] > limit):
                grid_cells = [
                    _GridCell(flow, col_x[c] + pad_x, width, header, c, span)
                    for flow, c, span, width, header in cells
                ]
                rows.append(_GridRow(grid_cells, heights[r], pad_y, pad_y, True, True))
                continue
            pieces = [_chunks(flow, width, chunk_lines) for flow, _, _, width, _ in cells]
            for (_, _, _, width, _), chunks in zip(cells, pieces, strict=True):
                for chunk in chunks:
                    chunk.wrap(width, 1e9)
            n = max(len(p) for p in pieces)
            for j in range(n):
                top = pad_y if j == 0 else 0.0
                bottom = pad_y if j == n - 1 else 0.0
                grid_cells = [
                    _GridCell(
                        chunks[j] if j < len(chunks) else None,
                        col_x[c] + pad_x,
                        width,
                        header,
                        c,
                        span,
                    )
                    for (_, c, span, width, header), chunks in zip(cells, pieces, strict=True)
                ]
                h = max((g.flow.height for g in grid_cells if g.flow is not None), default=0.0)
                rows.append(_GridRow(grid_cells, h + top + bottom, top, bottom, False, j == n - 1))
        continues = None
        if block.header_rows:
            csize = size + layout.CAPTION_SIZE_STEP
            label = (
                (Run(CONTINUED + "\u3000"), *block.caption) if block.caption else (Run(CONTINUED),)
            )
            continues = TextFlow(
                self.inline(label, "hei", csize),
                leading=csize * layout.TITLE_LEADING_RATIO,
                align="center" if block.caption else "left",
            )
        grid = _GridFlow(rows, block.header_rows, col_x, None, continues, block.keep_rows)
        grid.spaceBefore = 0.0 if block.caption else layout.TABLE_SPACE
        grid.spaceAfter = layout.TABLE_SPACE
        out.append(grid)
        return out


@dataclass
class _GridCell:
    flow: TextFlow | None  # wrapped at ``width`` already
    x: float  # left edge of the text, from the table's left edge
    width: float
    header: bool
    col: int
    span: int


@dataclass
class _GridRow:
    cells: list[_GridCell]
    height: float
    pad_top: float
    pad_bottom: float
    middle: bool  # centre the cells vertically (else top-aligned: pieces of a cut row)
    rule_below: bool  # False inside a cut row, so that its pieces read as one row


class _GridFlow(Flowable):
    """A ruled table: header rows repeat on every page, rows never split (a row taller than
    a page arrives already cut into pieces), each page's part is closed by the outer box.

    Drawn at absolute coordinates: the shading and the rules first (one path of thin inner
    rules, the thick box), then the cells' text. A column boundary gets its rule in every row
    unless a cell spans across it there, as with reportlab's own table.
    """

    def __init__(
        self,
        rows: list[_GridRow],
        header_rows: int,
        col_x: list[float],
        continued: TextFlow | None = None,
        continues: TextFlow | None = None,
        keep_rows: int = TABLE_KEEP_ROWS,
    ):
        super().__init__()
        self.rows = rows
        self.header_rows = min(header_rows, len(rows))
        self.keep_rows = max(1, keep_rows)
        self.col_x = col_x
        self.width = col_x[-1]
        # "续表" (with the caption) over the repeated header of the part on a later page;
        # ``continues``: the line a split hands its tail
        self.continued = continued
        self.continues = continues
        self.cont_h = continued.wrap(self.width, 1e9)[1] if continued is not None else 0.0
        self.height = sum(r.height for r in rows) + self.cont_h

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        if self.height <= availHeight + 1e-6:
            return [self]
        k = self.break_at(availHeight, len(self.rows))
        return [] if k is None else list(self.cut(k))

    def break_at(self, availHeight: float, most: int) -> int | None:
        """Where to end this page's part (the index of the first row for the next page, at
        most ``most``): as many rows as fit, at least ``keep_rows`` body rows on either side
        (pieces of a cut row count as one row: never end a page inside one unless it is
        taller than a page); None when nothing can stay on this page."""
        hr = self.header_rows
        h = self.cont_h + sum(r.height for r in self.rows[:hr])
        k = hr
        while k < most and h + self.rows[k].height <= availHeight + 1e-6:
            h += self.rows[k].height
            k += 1
        keep = self.keep_rows
        body = len(self.rows) - hr
        if body >= 2 * keep:
            k = min(k, len(self.rows) - keep)
            if k - hr < keep and not _at_top(self):
                return None
        if k <= hr:
            return None
        return k

    def cut(self, k: int) -> tuple[_GridFlow, _GridFlow]:
        """The rows before ``k`` (this page's part) and the header with the rest."""
        hr = self.header_rows
        head = _GridFlow(self.rows[:k], hr, self.col_x, self.continued, None, self.keep_rows)
        tail = _GridFlow(
            self.rows[:hr] + self.rows[k:],
            hr,
            self.col_x,
            self.continues,
            self.continues,
            self.keep_rows,
        )
        head.spaceBefore, head.spaceAfter = self.spaceBefore, 0.0
        tail.spaceBefore, tail.spaceAfter = 0.0, self.spaceAfter
        return head, tail

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        self._draw_at(canvas, self._hAlignAdjust(x, _sW), y)  # type: ignore[attr-defined]  # Flowable's, missing from the stubs

    def draw(self) -> None:
        self._draw_at(self.canv, 0.0, 0.0)

    def _draw_at(self, canv: Any, x0: float, y0: float) -> None:
        if not self.rows:
            return  # nothing to box
        col_x = self.col_x
        right = x0 + self.width
        shade: list[str] = []
        thin: list[str] = []
        texts: list[tuple[TextFlow, float, float]] = []
        if self.continued is not None:
            self.continued.drawOn(canv, x0, y0 + self.height - self.cont_h)
        top = y0 + self.height - self.cont_h
        box_h = self.height - self.cont_h
        n = len(self.rows)
        for i, row in enumerate(self.rows):
            bottom = top - row.height
            y_top, y_bot = _num(top), _num(bottom)
            spanned = {b for cell in row.cells for b in range(cell.col + 1, cell.col + cell.span)}
            for b in range(1, len(col_x) - 1):
                if b not in spanned:
                    xb = _num(x0 + col_x[b])
                    thin.append(f"{xb} {y_top} m {xb} {y_bot} l")
            for cell in row.cells:
                left = x0 + col_x[cell.col]
                if cell.header:
                    w = col_x[cell.col + cell.span] - col_x[cell.col]
                    shade.append(f"{_num(left)} {y_bot} {_num(w)} {_num(row.height)} re")
                flow = cell.flow
                if flow is not None:
                    if row.middle:
                        inner = row.height - row.pad_top - row.pad_bottom
                        fy = bottom + row.pad_bottom + (inner - flow.height) / 2.0
                    else:
                        fy = top - row.pad_top - flow.height
                    texts.append((flow, x0 + cell.x, fy))
            if row.rule_below and i < n - 1:
                thin.append(f"{_num(x0)} {y_bot} m {_num(right)} {y_bot} l")
            top = bottom
        grey = layout.TABLE_HEADER_GREY
        ops = ["q"]
        if shade:
            ops.append(f"{_num3(grey)} {_num3(grey)} {_num3(grey)} rg")
            ops.extend(shade)
            ops.append("f")
        ops.append("0 0 0 RG")
        if thin:
            ops.append(f"{_num3(layout.TABLE_GRID_WIDTH)} w")
            ops.extend(thin)
            ops.append("S")
        ops.append(f"{_num3(layout.TABLE_BOX_WIDTH)} w")
        ops.append(f"{_num(x0)} {_num(y0)} {_num(self.width)} {_num(box_h)} re S Q")
        canv.addLiteral(" ".join(ops))
        for flow, fx, fy in texts:  # after the shading, which would otherwise cover them
            flow.drawOn(canv, fx, fy)


# ---------------------------------------------------------------------------------------------
# The letter (GB/T 9704-2012 §10.1 信函格式): letterhead, 附件说明, signature with its seal.

_RED = Color(*layout.LETTER_RED)


def _grid_pitch(doc: Document, geo: PageGeometry) -> float:
    """Advance of one character of the document grid (GB/T 9704: 156 mm / 28)."""
    return geo.frame_width / doc.grid_chars if doc.grid_chars else layout.LETTER_BODY_SIZE


def _grid_tracking(doc: Document, geo: PageGeometry, size: float) -> float:
    if not doc.grid_chars:
        return 0.0
    pitch = _grid_pitch(doc, geo)
    return pitch - size if abs(pitch - size) < 0.1 * size else 0.0


def _line_rows(state: _State, text: Runs, role: Role, size: float, tracking: float) -> Inline:
    return InlineBuilder(state.fonts, size, tracking).add_runs(text, role).build()


class _LetterheadFlow(Flowable):
    """The head of the letter's first page, drawn at its places on the page: the red name
    30 mm below the top edge (above the text area), the red double rule 4 mm under it, the
    document number right-aligned 7/8 of a character under the rule, and the red double rule
    20 mm above the foot of the page. Its height is a whole number of grid lines: the lines
    down to the document number and two empty ones, so the title starts on the grid."""

    def __init__(self, state: _State, block: Letterhead, doc: Document, geo: PageGeometry):
        super().__init__()
        self.state = state
        self.block = block
        self.geo = geo
        self.size = layout.LETTER_BODY_SIZE
        self.pitch = self.size * layout.LEADING_RATIO
        self.tracking = _grid_tracking(doc, geo, self.size)

    def _places(self) -> dict[str, float]:
        """Distances below the text area's top edge (points; negative: above it)."""
        name_top = layout.LETTERHEAD_TOP - self.geo.margin_top
        size = self.name_size
        rule_top = name_top + size + layout.LETTER_RULE_GAP
        rule_bottom = (
            rule_top + layout.LETTER_RULE_THICK + layout.LETTER_RULE_SPACE + layout.LETTER_RULE_THIN
        )
        number_top = rule_bottom + layout.LETTER_NUMBER_GAP
        return {
            "name_baseline": name_top + 0.88 * size,
            "rule_top": rule_top,
            "number_baseline": number_top + 0.88 * self.size,
            "number_bottom": number_top + self.size,
        }

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        fonts = self.state.fonts
        size = layout.LETTERHEAD_SIZE
        name = InlineBuilder(fonts, size).add_runs(self.block.name, "song").build()
        while size > 12.0 and name.width() > availWidth:  # a long name: smaller, on one line
            size -= 1.0
            name = InlineBuilder(fonts, size).add_runs(self.block.name, "song").build()
        self.name_size, self.name = size, name
        self.number = _line_rows(self.state, self.block.number, "fangsong", self.size, 0.0)
        places = self._places()
        rows = math.ceil(places["number_bottom"] / self.pitch - 1e-6)
        self.width = availWidth
        self.height = (rows + layout.LETTER_TITLE_GAP_LINES) * self.pitch
        return availWidth, self.height

    def draw(self) -> None:
        canv = self.canv
        top = self.height
        places = self._places()
        if self.block.printed:
            line = self.name.lines(1e9, 1e9)[0]
            pen = _TextPen(canv, self.name_size, _RED)
            pen.line(self.name, line, 0.0, top - places["name_baseline"], self.width, "center")
            pen.finish()
            _, page_y = canv.absolutePosition(0.0, 0.0)
            centre = self.width / 2.0
            self._double_rule(centre, top - places["rule_top"], thick_first=True)
            foot_top = (
                layout.LETTER_FOOT_RULE
                + layout.LETTER_RULE_THICK
                + layout.LETTER_RULE_SPACE
                + layout.LETTER_RULE_THIN
            )
            self._double_rule(centre, foot_top - page_y, thick_first=False)
        for line in self.number.lines(self.width, self.width):
            pen = _TextPen(canv, self.size)
            pen.line(self.number, line, 0.0, top - places["number_baseline"], self.width, "right")
            pen.finish()
            break  # one line: a document number never wraps

    def _double_rule(self, centre: float, y_top: float, *, thick_first: bool) -> None:
        """A red double rule 170 mm long centred on ``centre`` whose upper edge is ``y_top``:
        thick over thin under the letterhead, thin over thick at the foot (文武线)."""
        half = layout.LETTER_RULE_LENGTH / 2.0
        first, second = (
            (layout.LETTER_RULE_THICK, layout.LETTER_RULE_THIN)
            if thick_first
            else (layout.LETTER_RULE_THIN, layout.LETTER_RULE_THICK)
        )
        canv = self.canv
        canv.saveState()
        canv.setFillColorRGB(*layout.LETTER_RED)
        canv.rect(centre - half, y_top - first, 2 * half, first, stroke=0, fill=1)
        y2 = y_top - first - layout.LETTER_RULE_SPACE - second
        canv.rect(centre - half, y2, 2 * half, second, stroke=0, fill=1)
        canv.restoreState()


class _AttachmentNoteFlow(Flowable):
    """附件说明: "附件：1. name", the later items' numbers under the first one's, each item's
    wrapped lines aligned with the first character of its name. Splits between items."""

    def __init__(
        self,
        state: _State,
        block: AttachmentNote,
        doc: Document,
        geo: PageGeometry,
        items: Sequence[int] | None = None,
    ):
        super().__init__()
        self.state = state
        self.block = block
        self.doc = doc
        self.geo = geo
        self.size = block.size
        self.leading = block.size * layout.LEADING_RATIO
        self.tracking = _grid_tracking(doc, geo, block.size)
        self.items = list(range(len(block.items))) if items is None else list(items)
        self.spaceBefore = self.leading if items is None or (items and items[0] == 0) else 0.0

    def _flows(self, width: float) -> list[TextFlow]:
        b = self.block
        fonts, size, tr = self.state.fonts, self.size, self.tracking
        indent = 2 * _grid_pitch(self.doc, self.geo)
        label_w = InlineBuilder(fonts, size, tr).add(b.label, b.role).build().width()
        flows = []
        for i in self.items:
            builder = InlineBuilder(fonts, size, tr)
            with builder.keep():
                if i == 0:
                    builder.add(b.label, b.role)
                builder.add(b.markers[i], b.role)
            marker_w = builder.build().width() - (label_w if i == 0 else 0.0)
            builder.add_runs(b.items[i], b.role)
            first = indent if i == 0 else indent + label_w
            flows.append(
                TextFlow(
                    builder.build(),
                    leading=self.leading,
                    align="justify",
                    first_indent=first,
                    indent=indent + label_w + marker_w,
                )
            )
        return flows

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.flows = self._flows(availWidth)
        self.heights = [f.wrap(availWidth, availHeight)[1] for f in self.flows]
        self.height = sum(self.heights)
        return availWidth, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        used, k = 0.0, 0
        while k < len(self.heights) and used + self.heights[k] <= availHeight + 1e-6:
            used += self.heights[k]
            k += 1
        if k == 0 or k == len(self.items):
            return [] if k == 0 else [self]
        return list(self.split_items(k))

    def split_items(self, k: int) -> tuple[_AttachmentNoteFlow, _AttachmentNoteFlow]:
        """The first ``k`` items and the rest."""
        head = _AttachmentNoteFlow(self.state, self.block, self.doc, self.geo, self.items[:k])
        tail = _AttachmentNoteFlow(self.state, self.block, self.doc, self.geo, self.items[k:])
        head.spaceBefore = self.spaceBefore
        return head, tail

    def draw(self) -> None:
        top = self.height
        for flow, h in zip(self.flows, self.heights, strict=True):
            flow.drawOn(self.canv, 0.0, top - h)
            top -= h


class _DatedSignatureFlow(Flowable):
    """署名 and 成文日期 on the grid: ``space_lines`` empty lines, the issuing body's name
    centred over the date, the date ending ``date_right_chars`` characters from the right
    edge, then the 附注 two characters in. The seal slot is centred on the date across the
    name and the date, a little above their middle (the text sits low in the seal)."""

    def __init__(self, state: _State, block: DatedSignature, doc: Document, geo: PageGeometry):
        super().__init__()
        self.state = state
        self.block = block
        self.size = layout.LETTER_BODY_SIZE
        self.leading = self.size * layout.LEADING_RATIO
        self.char = _grid_pitch(doc, geo)
        self.tracking = _grid_tracking(doc, geo, self.size)
        self.diameter_mm = block.seal_diameter_mm

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        b = self.block
        self.width = availWidth
        right = availWidth - b.date_right_chars * self.char
        self.date = _line_rows(self.state, b.date, "fangsong", self.size, self.tracking)
        self.date_lines = self.date.lines(right, right)
        self.name = _line_rows(self.state, b.name, "fangsong", self.size, self.tracking)
        self.name_lines = self.name.lines(availWidth, availWidth)
        self.note: TextFlow | None = None
        note_h = 0.0
        if b.note:
            inline = _line_rows(self.state, b.note, "fangsong", self.size, self.tracking)
            self.note = TextFlow(
                inline, leading=self.leading, align="justify", first_indent=2 * self.char
            )
            note_h = self.note.wrap(availWidth, availHeight)[1]
        rows = b.space_lines + len(self.name_lines) + len(self.date_lines)
        self.height = rows * self.leading + note_h
        return availWidth, self.height

    def draw(self) -> None:
        canv = self.canv
        b = self.block
        lead = self.leading
        right = self.width - b.date_right_chars * self.char
        date_w = max((ln.width for ln in self.date_lines), default=0.0)
        centre = right - date_w / 2.0
        pen = _TextPen(canv, self.size)
        row = b.space_lines
        top = self.height
        for line in self.name_lines:
            x = min(max(centre - line.width / 2.0, 0.0), self.width - line.width)
            pen.line(
                self.name, line, x, _baseline(top - row * lead, lead, self.size), line.width, "left"
            )
            row += 1
        boundary = top - row * lead  # between the name and the date
        for line in self.date_lines:
            y = _baseline(top - row * lead, lead, self.size)
            pen.line(self.date, line, right - line.width, y, line.width, "left")
            row += 1
        pen.finish()
        if self.note is not None:
            self.note.drawOn(canv, 0.0, top - row * lead - self.note.height)
        r = self.diameter_mm * MM / 2.0
        cx = min(max(centre, r), self.width + r / 2.0)
        cy = boundary + 0.35 * lead
        self.state.seal(canv, cx, cy, b.seal, self.diameter_mm)


class _KeepTailGroup(Flowable):
    """A letter's signature and the text before it (the 附件说明, else the last paragraph):
    the signature never goes to a page without at least two lines of that text above it.
    The text before it splits as it would alone (a paragraph between lines, the 附件说明
    between items), leaving its last lines to travel with the signature."""

    MIN_LINES = 2

    def __init__(self, text: TextFlow | _AttachmentNoteFlow, signature: Flowable):
        super().__init__()
        self.text = text
        self.signature = signature
        self.spaceBefore = text.getSpaceBefore()

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return availWidth, 0xFFFFFF

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        text, sig = self.text, self.signature
        _, ht = text.wrapOn(self.canv, availWidth, availHeight)
        _, hs = sig.wrapOn(self.canv, availWidth, availHeight)
        if ht + _gap(text, sig) + hs <= availHeight + 1e-6:
            return [text, sig]
        parts = self._split_text(availWidth, availHeight)
        if parts is not None:
            head, rest = parts
            return [head, _KeepTailGroup(rest, sig)]
        if _at_top(self):
            return [text, sig]
        return []

    def _split_text(
        self, width: float, height: float
    ) -> tuple[Flowable, TextFlow | _AttachmentNoteFlow] | None:
        """What of the text fills this page, and the rest (at least two lines, or the whole
        last item of a 附件说明) to go with the signature; None if nothing can stay here."""
        text = self.text
        room = height - text.getSpaceBefore()
        if isinstance(text, _AttachmentNoteFlow):
            lines = [round(h / text.leading) for h in text.heights]
            used, k = 0.0, 0
            while k < len(lines) - 1 and used + text.heights[k] <= room + 1e-6:
                used += text.heights[k]
                k += 1
            while k > 0 and sum(lines[k:]) < self.MIN_LINES:
                k -= 1
            if sum(lines[:k]) < self.MIN_LINES:  # no "附件：1." alone at the foot of a page
                return None
            head, rest = text.split_items(k)
            return head, rest
        n = text.line_count(width)
        fit = int((room + 1e-6) // text.leading)
        k = min(fit, n - max(text.widows, self.MIN_LINES))
        if k < text.orphans:
            return None
        return text.split_at(width, k)


class _KeepTableTail(Flowable):
    """A table and the signature block after it (the province summary's 填报单位（盖章）):
    the block goes with at least the table's last ``keep_rows`` body rows, never to a page of
    its own; the table breaks as it would alone, its last rows held back for the block."""

    def __init__(self, grid: _GridFlow, signature: Flowable):
        super().__init__()
        self.grid = grid
        self.signature = signature
        self.spaceBefore = grid.getSpaceBefore()

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return availWidth, 0xFFFFFF  # always split: the parts are laid out one by one

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        grid, sig = self.grid, self.signature
        _, hg = grid.wrapOn(self.canv, availWidth, availHeight)
        _, hs = sig.wrapOn(self.canv, availWidth, availHeight)
        if hg + _gap(grid, sig) + hs <= availHeight + 1e-6:
            return [grid, sig]
        # the last keep_rows body rows stay back for the block (the whole table when it has
        # too few to leave as many on this page)
        n = len(grid.rows)
        most = n - grid.keep_rows
        hr = grid.header_rows
        k = grid.break_at(availHeight, most) if most > hr else None
        if k is not None and (k - hr >= grid.keep_rows or _at_top(self)):
            head, tail = grid.cut(k)
            return [head, _KeepTableTail(tail, sig)]
        if _at_top(self):
            return [grid, sig]
        return []


def _chunks(flow: TextFlow, width: float, lines: int) -> list[TextFlow]:
    """Cut ``flow`` into pieces of at most ``lines`` lines at ``width``."""
    out: list[TextFlow] = []
    while flow.line_count(width) > lines:
        head, flow = flow.split_at(width, lines)
        out.append(head)
    out.append(flow)
    return out


def _group(flows: list[Flowable]) -> list[Flowable]:
    """Signature blocks keep the last lines of the paragraph (or rows of the table) before
    them; keep-with-next
    flowables (titles, headings) travel with the start of what follows."""
    tailed: list[Flowable] = []
    for f in flows:
        if isinstance(f, _SignatureFlow) and tailed and type(tailed[-1]) is TextFlow:
            tailed.append(_KeepTail(tailed.pop(), f))  # type: ignore[arg-type]
        elif isinstance(f, _SignatureFlow) and tailed and isinstance(tailed[-1], _GridFlow):
            tailed.append(_KeepTableTail(tailed.pop(), f))  # type: ignore[arg-type]
        elif isinstance(f, _DatedSignatureFlow):
            # the signature travels with the last lines of the text before it (the 附件说明's
            # last items, or the body's last paragraph)
            last = tailed[-1] if tailed else None
            if isinstance(last, _AttachmentNoteFlow) or type(last) is TextFlow:
                tailed.append(_KeepTailGroup(tailed.pop(), f))  # type: ignore[arg-type]
            else:
                tailed.append(f)
        else:
            tailed.append(f)
    out: list[Flowable] = []
    heads: list[Flowable] = []
    for f in tailed:
        if getattr(f, "keep_next", False):
            heads.append(f)
            continue
        if heads and not isinstance(f, PageBreak | Spacer):
            if type(f) is TextFlow:  # a heading takes at least three lines of its text along
                f.orphans = max(f.orphans, HEADING_KEEP_LINES)
            out.append(_KeepWithNext(heads, f))
        else:
            out.extend(heads)
            out.append(f)
        heads = []
    out.extend(heads)
    return out


# ---------------------------------------------------------------------------------------------
# The build.


def _page_template(
    name: str, geo: PageGeometry, on_end: Callable[[Any, Any], None]
) -> PageTemplate:
    x0, y0, _, _ = geo.frame
    frame = Frame(
        x0,
        y0,
        geo.frame_width,
        geo.frame_height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id=f"{name}-frame",
        showBoundary=0,
    )
    return PageTemplate(id=name, frames=[frame], onPageEnd=on_end, pagesize=(geo.width, geo.height))


def render_pdf(
    docs: Sequence[Document],
    fonts: FontSet,
    *,
    seal_marks: bool = True,
    title: str | None = None,
) -> PdfResult:
    """Render ``docs`` into one PDF, each starting on a new page with its own page numbers.

    Raises :class:`InputError` listing every character no font can print.
    """
    if not docs:
        raise ValueError("render_pdf needs at least one document")
    findings = [f for d in docs for f in fonts.missing(d)]
    if findings:
        raise InputError(findings)

    state = _State(fonts, docs, seal_marks)
    on_end = state.page_end
    first = "landscape" if docs[0].landscape else "portrait"
    templates = {
        "portrait": _page_template("portrait", layout.PORTRAIT, on_end),
        "landscape": _page_template("landscape", layout.LANDSCAPE, on_end),
    }
    order = [templates[first]] + [t for k, t in templates.items() if k != first]

    story: list[Flowable] = []
    for i, doc in enumerate(docs):
        orient = "landscape" if doc.landscape else "portrait"
        if i > 0:
            story.append(NextPageTemplate(orient))
            story.append(PageBreak())
        story.append(_DocStart(state, i))
        story.extend(_Composer(state, doc).flowables())

    buf = io.BytesIO()
    first_geo = layout.geometry(docs[0].landscape)
    template = BaseDocTemplate(
        buf,
        pagesize=(first_geo.width, first_geo.height),
        pageTemplates=order,
        title=title or docs[0].title,
        author=docs[0].author or "docgen",
        creator="docgen",
        producer="docgen",
        subject="",
        invariant=1,
        pageCompression=1,
        lang="zh-CN",
        displayDocTitle=1,
        initialFontName=fonts.font_name("song"),
        initialFontSize=layout.PAGE_NUMBER_SIZE,
        leftMargin=first_geo.margin_left,
        rightMargin=first_geo.margin_right,
        topMargin=first_geo.margin_top,
        bottomMargin=first_geo.margin_bottom,
    )
    # Flate alone: ASCII85 on top only inflates the streams by a quarter and costs a pure-Python
    # encode here and a decode in every later pypdf parse (bundle, slicing).
    saved_a85 = rl_config.useA85
    rl_config.useA85 = 0
    try:
        template.build(story)
    finally:
        rl_config.useA85 = saved_a85
    data = buf.getvalue()
    total = int(template.page)

    rendered: list[RenderedDoc] = []
    for i, ds in enumerate(state.docs):
        nxt = state.docs[i + 1].first_page if i + 1 < len(state.docs) else total
        rendered.append(
            RenderedDoc(
                pages=nxt - ds.first_page,
                first_page=ds.first_page,
                seal_slots=tuple(ds.slots),
                outline=tuple(ds.outline),
                title=ds.doc.title,
                author=ds.doc.author,
            )
        )
    return PdfResult(data, total, tuple(rendered))
