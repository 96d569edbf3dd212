"""Blocks to flowables: one :class:`_Composer` per document turns its blocks into the flowables
of the story, grouped so that what must stay together does."""

from __future__ import annotations

from itertools import pairwise

from reportlab.platypus import Flowable, PageBreak, Spacer

from docgen import layout
from docgen.document import (
    HEADING_SIZE,
    AttachmentNote,
    Block,
    CoverFields,
    DatedSignature,
    Document,
    Heading,
    Letterhead,
    ListItem,
    OpinionBox,
    Paragraph,
    Role,
    Runs,
    SignatureBlock,
    TickBoxes,
    Title,
    plain,
)
from docgen.document import PageBreak as PageBreakBlock
from docgen.document import Spacer as SpacerBlock
from docgen.document import Table as TableBlock
from docgen.layout import MM
from docgen.render.pdf import grid
from docgen.render.pdf.flowables import (
    TextFlow,
    _CoverFlow,
    _HeadingFlow,
    _OpinionFlow,
    _SignatureFlow,
)
from docgen.render.pdf.inline import Inline, InlineBuilder, inline_text
from docgen.render.pdf.keep import _group
from docgen.render.pdf.letter import (
    _AttachmentNoteFlow,
    _DatedSignatureFlow,
    _grid_tracking,
    _LetterheadFlow,
)
from docgen.render.pdf.state import _State


class _Composer:
    def __init__(self, state: _State, doc: Document):
        self.state = state
        self.fonts = state.fonts
        self.doc = doc
        self.geo = layout.geometry(doc.landscape)

    def inline(self, text: Runs, role: Role, size: float, bold: bool = False) -> Inline:
        return inline_text(self.fonts, text, role, size, bold)

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
                return grid.table(block, self.fonts, self.geo)
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
        size = HEADING_SIZE
        role, bold = block.role, block.bold
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
