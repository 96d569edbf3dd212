"""What travels together across a page break: headings with the start of what follows, and
signature blocks with the last lines (or rows) of the text (or table) before them."""

from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak, Spacer

from docgen.render.pdf.flowables import TextFlow, _gap, _SignatureFlow
from docgen.render.pdf.grid import _GridFlow
from docgen.render.pdf.letter import _AttachmentNoteFlow, _DatedSignatureFlow
from docgen.render.pdf.pen import _at_top

HEADING_KEEP_LINES = 3  # lines of a paragraph that travel with the heading before it


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
