"""The render state shared by the flowables of one build: which document is being drawn, its
first page, seal slots and outline entries (bookmarks), and the page numbers drawn at each
page's end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.colors import Color

from docgen import layout
from docgen.document import Document, SealKind
from docgen.layout import MM
from docgen.render.fonts import FontSet
from docgen.render.pdf.inline import InlineBuilder
from docgen.render.pdf.pen import _TextPen, draw_outlined
from docgen.render.pdf.results import OutlineEntry, SealSlot

SEAL_LABEL = "公章"


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
