"""Tables: the cells laid out at their column widths, rows taller than a page cut into pieces,
and :class:`_GridFlow`, the ruled grid that repeats its header rows on every page."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from reportlab.platypus import Flowable

from docgen import layout
from docgen.document import Run
from docgen.document import Table as TableBlock
from docgen.layout import PageGeometry
from docgen.render.fonts import FontSet
from docgen.render.pdf.flowables import TextFlow
from docgen.render.pdf.inline import inline_text
from docgen.render.pdf.pen import _aligned_x, _at_top, draw_rules

TABLE_KEEP_ROWS = 2  # body rows a table leaves on either side of a page break (Table.keep_rows)
CONTINUED = "续表"  # over the repeated header of a table continued on the next page


# A laid-out cell: its text wrapped at its width, first column, span, width, header or not.
_Laid = tuple[TextFlow, int, int, float, bool]


def table(block: TableBlock, fonts: FontSet, geo: PageGeometry) -> list[Flowable]:
    """The flowables of a table block: its caption, if any, and the grid."""
    out: list[Flowable] = []
    if block.caption:
        csize = block.size + layout.CAPTION_SIZE_STEP
        out.append(
            TextFlow(
                inline_text(fonts, block.caption, "hei", csize),
                leading=csize * layout.TITLE_LEADING_RATIO,
                align="center",
                space_before=layout.TABLE_SPACE,
                keep_with_next=True,
            )
        )
    total = sum(block.widths)
    col_w = [w / total * geo.frame_width for w in block.widths]
    col_x = [0.0, *accumulate(col_w)]
    laid, heights = _lay_out(block, fonts, col_x)
    rows = _grid_rows(block, laid, heights, col_x, geo)
    continues = _continues(block, fonts)
    grid = _GridFlow(rows, block.header_rows, col_x, None, continues, block.keep_rows)
    grid.spaceBefore = 0.0 if block.caption else layout.TABLE_SPACE
    grid.spaceAfter = layout.TABLE_SPACE
    out.append(grid)
    return out


def _lay_out(
    block: TableBlock, fonts: FontSet, col_x: list[float]
) -> tuple[list[list[_Laid]], list[float]]:
    """Every cell laid out at its width, row by row, and the height of each row."""
    ncols = len(block.widths)
    size = block.size
    pad_x, pad_y = layout.TABLE_PAD_X, layout.TABLE_PAD_Y
    leading = size * layout.TABLE_LEADING_RATIO
    laid: list[list[_Laid]] = []
    heights: list[float] = []
    for row in block.rows:
        cells: list[_Laid] = []
        height = 0.0
        c = 0
        for cell in row:
            if c >= ncols:
                break
            span = max(1, min(cell.colspan, ncols - c))
            flow = TextFlow(
                inline_text(fonts, cell.text, block.role, size, bold=cell.header),
                leading=leading,
                align=cell.align,
            )
            width = col_x[c + span] - col_x[c] - 2 * pad_x
            height = max(height, flow.wrap(width, 1e9)[1] + 2 * pad_y)
            cells.append((flow, c, span, width, cell.header))
            c += span
        laid.append(cells)
        heights.append(height)
    return laid, heights


def _grid_rows(
    block: TableBlock,
    laid: list[list[_Laid]],
    heights: list[float],
    col_x: list[float],
    geo: PageGeometry,
) -> list[_GridRow]:
    """The grid's rows. Rows never split across pages, except a row taller than a page: that
    one is cut into several rows of whole lines, drawn without rules between them, so it reads
    as one."""
    pad_x, pad_y = layout.TABLE_PAD_X, layout.TABLE_PAD_Y
    leading = block.size * layout.TABLE_LEADING_RATIO
    header_h = sum(heights[: block.header_rows])
    limit = geo.frame_height - header_h - 1.0
    chunk_lines = max(1, int((geo.frame_height / 4.0) // leading))
    rows: list[_GridRow] = []
    for r, cells in enumerate(laid):
        if r >= block.header_rows and heights[r] > limit:
            rows.extend(_cut_row(cells, col_x, chunk_lines))
            continue
        grid_cells = [
            _GridCell(flow, col_x[c] + pad_x, width, header, c, span)
            for flow, c, span, width, header in cells
        ]
        rows.append(_GridRow(grid_cells, heights[r], pad_y, pad_y, True, True))
    return rows


def _cut_row(cells: list[_Laid], col_x: list[float], lines: int) -> list[_GridRow]:
    """A row taller than a page as rows of at most ``lines`` lines of each cell, the padding
    above the first and below the last, no rule between them."""
    pad_x, pad_y = layout.TABLE_PAD_X, layout.TABLE_PAD_Y
    pieces = [_chunks(flow, width, lines) for flow, _, _, width, _ in cells]
    for (_, _, _, width, _), chunks in zip(cells, pieces, strict=True):
        for chunk in chunks:
            chunk.wrap(width, 1e9)
    n = max(len(p) for p in pieces)
    rows: list[_GridRow] = []
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
    return rows


def _continues(block: TableBlock, fonts: FontSet) -> TextFlow | None:
    """The line over the repeated header on a later page: "续表" and the caption (None
    without header rows)."""
    if not block.header_rows:
        return None
    csize = block.size + layout.CAPTION_SIZE_STEP
    label = (Run(CONTINUED + "\u3000"), *block.caption) if block.caption else (Run(CONTINUED),)
    return TextFlow(
        inline_text(fonts, label, "hei", csize),
        leading=csize * layout.TITLE_LEADING_RATIO,
        align="center" if block.caption else "left",
    )


def _chunks(flow: TextFlow, width: float, lines: int) -> list[TextFlow]:
    """Cut ``flow`` into pieces of at most ``lines`` lines at ``width``."""
    out: list[TextFlow] = []
    while flow.line_count(width) > lines:
        head, flow = flow.split_at(width, lines)
        out.append(head)
    out.append(flow)
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
        self._draw_at(canvas, _aligned_x(self, x, _sW), y)

    def draw(self) -> None:
        self._draw_at(self.canv, 0.0, 0.0)

    def _draw_at(self, canv: Any, x0: float, y0: float) -> None:
        if not self.rows:
            return  # nothing to box
        col_x = self.col_x
        right = x0 + self.width
        shade: list[tuple[float, float, float, float]] = []
        thin: list[tuple[float, float, float, float]] = []
        texts: list[tuple[TextFlow, float, float]] = []
        if self.continued is not None:
            self.continued.drawOn(canv, x0, y0 + self.height - self.cont_h)
        top = y0 + self.height - self.cont_h
        box_h = self.height - self.cont_h
        n = len(self.rows)
        for i, row in enumerate(self.rows):
            bottom = top - row.height
            spanned = {b for cell in row.cells for b in range(cell.col + 1, cell.col + cell.span)}
            for b in range(1, len(col_x) - 1):
                if b not in spanned:
                    xb = x0 + col_x[b]
                    thin.append((xb, top, xb, bottom))
            for cell in row.cells:
                left = x0 + col_x[cell.col]
                if cell.header:
                    w = col_x[cell.col + cell.span] - col_x[cell.col]
                    shade.append((left, bottom, w, row.height))
                flow = cell.flow
                if flow is not None:
                    if row.middle:
                        inner = row.height - row.pad_top - row.pad_bottom
                        fy = bottom + row.pad_bottom + (inner - flow.height) / 2.0
                    else:
                        fy = top - row.pad_top - flow.height
                    texts.append((flow, x0 + cell.x, fy))
            if row.rule_below and i < n - 1:
                thin.append((x0, bottom, right, bottom))
            top = bottom
        draw_rules(canv, shade, thin, (x0, y0, self.width, box_h))
        for flow, fx, fy in texts:  # after the shading, which would otherwise cover them
            flow.drawOn(canv, fx, fy)
