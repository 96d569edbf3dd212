"""A paragraph split across many pages is broken into lines once (issue 10): the work grows
linearly with its length, and the pages are those the old re-breaking split gave.

Nothing here is timed: the breaker's calls and the characters it processes are counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docgen.document import Document, ListItem, Paragraph, Title, runs
from docgen.render import pdf
from docgen.render.fonts import resolve_fonts
from docgen.render.linebreak import Line, LineRange, break_lines
from docgen.render.pdf import inline as pdf_inline

GBSN = Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf")
pytestmark = pytest.mark.skipif(not GBSN.exists(), reason="Debian CJK fonts missing")

PROSE = (
    "南宁市坚持以人民为中心的发展思想，统筹推进老旧小区改造、“城中村”整治和历史街区保护，"
    "累计完成投资12.5亿元（其中中央补助3.2亿元），惠及居民4.6万户；"
    "同时建立《城市体检评估办法》，形成“发现问题—整改落实—巩固提升”的闭环机制。"
)


def _text(chars: int) -> str:
    return (PROSE * (chars // len(PROSE) + 1))[:chars]


def _doc(text: str, *, list_item: bool = False) -> Document:
    body: Any = (
        ListItem("（一）", runs(text, "narrative")) if list_item else Paragraph(runs(text, "x"))
    )
    return Document("declaration", "测试", (Title(runs("长段落")), body), cover_pages=0)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every call of the line breaker made by the PDF renderer: the characters it processed."""
    calls: list[int] = []

    def counting(text: str, cum: Any, ops: Any, fw: float, w: float, start: int = 0) -> list[Line]:
        calls.append(len(text) - start)
        return break_lines(text, cum, ops, fw, w, start)

    monkeypatch.setattr(pdf_inline, "break_lines", counting)
    yield calls


def test_a_forty_page_paragraph_is_broken_once(counted: list[int]) -> None:
    fonts = resolve_fonts()
    text = _text(28_000)
    result = pdf.render_pdf([_doc(text)], fonts, seal_marks=False)
    assert result.pages >= 40
    # The paragraph once, not once more per page for what is left of it (the other calls are
    # the title and the page numbers, a few characters each).
    assert len([n for n in counted if n > 100]) == 1
    assert sum(counted) <= len(text) + 10 * result.pages + 100


def test_work_grows_linearly_with_the_paragraph(counted: list[int]) -> None:
    fonts = resolve_fonts()
    work = []
    for chars in (5_000, 20_000, 40_000):
        counted.clear()
        pdf.render_pdf([_doc(_text(chars))], fonts, seal_marks=False)
        work.append(sum(counted) / chars)
    assert max(work) <= 1.01 * min(work) + 0.01, work


# --- the previous algorithm, for comparison ----------------------------------------------------


def _old_tail(inline: pdf.Inline, start: int) -> pdf.Inline:
    """What ``Inline.tail`` did: a copy of the text from ``start`` on, widths rebased."""
    base = inline.cum[start]
    run_list = [
        (max(s, start) - start, e - start, f, b) for (s, e, f, b) in inline.runs if e > start
    ]
    ops = [False, *inline.ops[start + 1 :]]
    return pdf.Inline(
        inline.text[start:], [c - base for c in inline.cum[start:]], run_list, ops, inline.size
    )


def _old_split_at(self: pdf.TextFlow, width: float, k: int) -> tuple[pdf.TextFlow, pdf.TextFlow]:
    """The split that re-broke the rest of the paragraph on every page."""
    lines = self.lines_for(width)
    head = self._copy(self.inline, self.first_indent)
    head.start = self.start
    head._fixed = lines[:k]
    head.spaceAfter = 0.0
    head.keep_next = False
    tail = self._copy(_old_tail(self.inline, lines[k].start), self.indent)
    tail.spaceBefore = 0.0
    return head, tail


@pytest.mark.parametrize("list_item", [False, True])
def test_pages_are_those_of_the_previous_algorithm(
    monkeypatch: pytest.MonkeyPatch, list_item: bool
) -> None:
    fonts = resolve_fonts()
    doc = _doc(_text(6_000), list_item=list_item)
    new = pdf.render_pdf([doc], fonts)
    monkeypatch.setattr(pdf.TextFlow, "split_at", _old_split_at)
    old = pdf.render_pdf([doc], fonts)
    assert new.pages == old.pages >= 8
    assert new.data == old.data


def test_split_parts_hold_the_lines_of_one_breaking() -> None:
    fonts = resolve_fonts()
    inline = pdf.InlineBuilder(fonts, 16.0).add(_text(3_000), "fangsong").build()
    flow = pdf.TextFlow(inline, leading=28.0, first_indent=32.0)
    width = 440.0
    whole = list(flow.lines_for(width))
    parts = []
    rest = flow
    while rest.line_count(width) > 22:
        head, rest = rest.split_at(width, 22)
        parts.append(head)
    parts.append(rest)
    drawn = [line for part in parts for line in part.lines_for(width)]
    assert drawn == whole
    # The rest, laid out at another width, is broken again from where it starts.
    other = rest.lines_for(300.0)
    assert other[0].start == rest.start == whole[22 * (len(parts) - 1)].start
    assert other[-1].end == len(inline.text)


def test_line_range_is_a_sequence_view() -> None:
    lines = [Line(i, i + 1, 1.0, False) for i in range(10)]
    view = LineRange(lines)
    assert len(view) == 10 and view[-1] is lines[-1]
    tail = view[3:]
    assert len(tail) == 7 and tail[0] is lines[3] and list(tail) == lines[3:]
    assert tail[:2] == lines[3:5] and len(tail[5:2]) == 0
    with pytest.raises(IndexError):
        tail[7]
