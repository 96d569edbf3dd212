"""The flowables of text: paragraphs (:class:`TextFlow`) and headings, the document-start
marker, signature blocks with their seal slots, the opinion box and the cover lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.platypus import Flowable

from docgen import layout
from docgen.document import CoverFields, OpinionBox, Runs, SealKind, SignatureBlock
from docgen.layout import MM, PageGeometry
from docgen.render.linebreak import Line, LineRange
from docgen.render.pdf.inline import Inline, InlineBuilder
from docgen.render.pdf.pen import _aligned_x, _baseline, _TextPen
from docgen.render.pdf.state import _State

NO_BODY_TEXT = "（此页无正文）"


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
            self._draw_at(_aligned_x(self, x, _sW), y)
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


def _gap(a: Flowable, b: Flowable) -> float:
    return float(a.getSpaceAfter()) + float(b.getSpaceBefore())


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
            zone = f.seal_mm * MM + 0.5 * self.leading
            if f.seal_with_next and i + 1 < len(fields):
                # one zone for both lines, the seal centred on the boundary between them; what
                # may reach onto the text after the block (seal_overhang_mm) is not kept free
                half = f.seal_mm * MM / 2.0
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
                d = f.seal_mm * MM
                r = d / 2.0
                lo, hi = self.x_value + r, self.x_right - r
                cx = self.x_value + max(first_w, 0.0) / 2.0
                cx = (self.x_value + self.x_right) / 2.0 if lo > hi else min(max(cx, lo), hi)
                cy = text_top - text_h / 2.0
                if paired:  # centred between the unit's line and the date line
                    cy = text_top - text_h
                seals.append((cx, cy, f.seal, f.seal_mm))
            top -= h
        pen.finish()
        canv.saveState()
        canv.setLineWidth(layout.COVER_UNDERLINE_WIDTH)
        for y, _ in underlines:
            canv.line(self.x_value, y, self.x_right, y)
        canv.restoreState()
        for cx, cy, kind, mm in seals:
            self.state.seal(canv, cx, cy, kind, mm)
