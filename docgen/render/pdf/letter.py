"""The letter (GB/T 9704-2012 §10.1 信函格式): the document grid, the letterhead, the
附件说明 and the dated signature with its seal."""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable

from docgen import layout
from docgen.document import AttachmentNote, DatedSignature, Document, Letterhead, Role, Runs
from docgen.layout import MM, PageGeometry
from docgen.render.pdf.flowables import TextFlow
from docgen.render.pdf.inline import Inline, InlineBuilder
from docgen.render.pdf.pen import _baseline, _TextPen
from docgen.render.pdf.state import _State

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
