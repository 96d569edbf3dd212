"""Narrative text (a small Markdown subset) to document blocks.

Applicants write their narrative sections in a deliberately small Markdown subset:

* blank-line separated paragraphs            -> ``Paragraph(indent=2)``
* ``#`` .. ``######`` sub-headings            -> ``Heading(level=2, number="")`` (users number
  them themselves: ``### （一）建设平台``)
* ``-`` / ``*`` / ``+`` bullets, ``1.`` lists  -> ``ListItem`` (bullets numbered by level as the
  edition says, e.g. 1. then （1）, or "•"; an ordered list keeps the original numbers)
* ``**bold**``                                -> ``Run(bold=True)``; ``*em*`` loses its asterisks
* pipe tables                                 -> ``Table`` (header row, numbers right-aligned)

Everything else is literal: no HTML, entities, backslash escapes, code blocks, fences, block
quotes, rules, setext headings, links, images, autolinks, reference definitions or code spans.
The user's characters always reach the page: if the parser ever loses one (it cannot nest without
limit), the whole text falls back to plain literal paragraphs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.tree import SyntaxTreeNode

from docgen.document import Align, Block, Cell, Heading, ListItem, Paragraph, Run, Runs, Table

__all__ = ["display_width", "markdown_blocks"]

_BLOCK_OFF = ["code", "fence", "blockquote", "hr", "reference", "html_block", "lheading"]
_INLINE_OFF = ["escape", "backticks", "link", "image", "autolink", "html_inline", "entity"]


def _literal_backslash(state: StateInline, silent: bool) -> bool:
    """``\\*`` / ``\\_`` stay as typed: the backslash is kept and the delimiter is plain text."""
    pos = state.pos
    if state.src[pos] != "\\" or pos + 1 >= state.posMax or state.src[pos + 1] not in "*_":
        return False
    if not silent:
        state.pending += state.src[pos : pos + 2]
    state.pos = pos + 2
    return True


# Built once: markdown_blocks runs over every narrative of every application.
_MD = (
    MarkdownIt("commonmark", {"html": False, "maxNesting": 60})
    .enable("table")
    .disable(_BLOCK_OFF)
    .disable(_INLINE_OFF)
)
_MD.inline.ruler.before("emphasis", "literal_backslash", _literal_backslash)

BULLET = "•"
_IDEOGRAPHIC_SPACE = "\u3000"

# Characters the accepted constructs may consume (besides whitespace). Everything else in the
# input must reach the output, in order.
MARKUP_CHARS = frozenset("#*_-+|:\\")

# C0 controls (except tab / newline / carriage return) and DEL are not text: dropped up front.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")
# "###（一）标题": Chinese writers often omit the space after the hashes. Only a wide character
# right after the hashes counts (so "#1机组" stays text).
_TIGHT_HEADING_RE = re.compile(r"^( {0,3}#{1,6})(?=[^\x00-\x7f])", re.MULTILINE)
# CommonMark's flanking rules reject "**“龙城云”**平台"; such leftover pairs are bold too.
_LEFTOVER_BOLD_RE = re.compile(r"(?<!\\)\*\*(?=[^\s*])(.+?)(?<=[^\s*])\*\*")
_NUMERIC_RE = re.compile(r"^[+\-−±]?[¥￥$€]?(?:\d{1,3}(?:[,，]\d{3})+|\d+)(?:\.\d+)?\s*[%％‰]?$")

# Table column widths, in display units (a CJK character is 2).
_COL_PAD = 2.0
_COL_MIN = 6.0  # no column narrower than ~3 CJK characters (incl. padding) ...
_COL_MIN_SHARE = 0.5  # ... nor narrower than half the average column
_COL_MAX = 40.0  # long text wraps anyway; don't let it starve the other columns

# Wide punctuation that East Asian Width calls "ambiguous" but Chinese fonts set full width.
_WIDE_AMBIGUOUS = frozenset("“”‘’—…‖※·")


def is_wide(ch: str) -> bool:
    """True for characters set full width in Chinese text (ideographs, CJK punctuation, ...)."""
    return unicodedata.east_asian_width(ch) in ("W", "F") or ch in _WIDE_AMBIGUOUS


def display_width(text: str) -> int:
    """Width in half-width cells: CJK / full-width characters count 2, combining marks 0."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if is_wide(ch) else 1
    return width


def markdown_blocks(text: str, source: str, bullets: Sequence[str] | None = None) -> list[Block]:
    """Convert an application's narrative ``text`` into document blocks.

    ``source`` (the field path of the text, e.g. ``applications[0].sections[1].text``) is put on
    every run. Never raises on any string; every non-markup character of ``text`` appears, in
    order, in the runs (and list markers) of the result.

    ``bullets``: the markers of ``-`` list items by nesting level, each with ``{n}`` for the
    item's number in its list (an official document numbers its items: ``("{n}.", "（{n}）")``
    gives 1. 2. … and, nested, （1）（2）…; a deeper level takes the last pattern). None: the
    bullet "•" (the intake's Word round trip keeps bullets as bullets).
    """
    text = _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    try:
        blocks = _parse_blocks(text, source, tuple(bullets) if bullets else None)
    except RecursionError:  # pragma: no cover - maxNesting keeps recursion shallow
        blocks = None
    if blocks is None or not _preserves(text, blocks):
        return _literal_blocks(text, source)
    return blocks


# --- parsing ---------------------------------------------------------------------------------


def _parse_blocks(text: str, source: str, bullets: tuple[str, ...] | None = None) -> list[Block]:
    text = _TIGHT_HEADING_RE.sub(r"\1 ", text)
    root = SyntaxTreeNode(_MD.parse(text))
    out: list[Block] = []
    _convert_children(root.children, source, text.split("\n"), out, _Lists(bullets))
    return out


class _Lists:
    """The bullet markers by level and the current list nesting depth."""

    __slots__ = ("bullets", "depth")

    def __init__(self, bullets: tuple[str, ...] | None) -> None:
        self.bullets = bullets
        self.depth = 0

    def marker(self, n: int) -> str:
        if not self.bullets:
            return BULLET
        return self.bullets[min(self.depth, len(self.bullets)) - 1].format(n=n)


def _convert_children(
    nodes: Sequence[SyntaxTreeNode],
    source: str,
    lines: list[str],
    out: list[Block],
    lists: _Lists,
) -> None:
    for node in nodes:
        _convert(node, source, lines, out, lists)


def _convert(
    node: SyntaxTreeNode, source: str, lines: list[str], out: list[Block], lists: _Lists
) -> None:
    match node.type:
        case "paragraph":
            for runs_ in _paragraphs(_inline(node), source):
                out.append(Paragraph(runs_, indent=2))
        case "heading":
            text = _join_lines(_inline(node), source)
            if text:
                out.append(Heading(level=2, number="", text=text))
        case "bullet_list" | "ordered_list":
            lists.depth += 1
            n = 0
            for item in node.children:
                bullet = node.type == "bullet_list"
                children = list(item.children)
                first: list[Runs] = []
                if children and children[0].type in ("paragraph", "heading"):
                    first = _paragraphs(_inline(children.pop(0)), source)
                if first or not bullet:  # an empty bullet ("- " alone, "* * *") prints nothing
                    n += 1
                    marker = lists.marker(n) if bullet else item.info + item.markup
                    out.append(ListItem(marker, first[0] if first else ()))
                out.extend(Paragraph(r, indent=2) for r in first[1:])
                _convert_children(children, source, lines, out, lists)
            lists.depth -= 1
        case "table":
            out.append(_table(node, source, lines))
        case _:  # anything unexpected: keep its content
            _convert_children(node.children, source, lines, out, lists)


# --- inline ------------------------------------------------------------------------------------

# A line of inline content: (text, bold) segments. ``started_indented`` records a leading
# ideographic space (U+3000), which after a line break starts a new paragraph.
_Seg = tuple[str, bool]


class _Line:
    __slots__ = ("segs", "started_indented")

    def __init__(self) -> None:
        self.segs: list[_Seg] = []
        self.started_indented = False


def _inline(block: SyntaxTreeNode) -> list[_Line]:
    """The inline content of a paragraph / heading / cell as stripped lines of segments."""
    inline = next((c for c in block.children if c.type == "inline"), None)
    lines = [_Line()]
    if inline is not None:
        _walk(inline.children, False, lines)
    for line in lines:
        _strip_line(line)
    return lines


def _walk(nodes: Iterable[SyntaxTreeNode], bold: bool, lines: list[_Line]) -> None:
    for node in nodes:
        match node.type:
            case "text":
                if bold:
                    lines[-1].segs.append((node.content, True))
                else:
                    lines[-1].segs.extend(_leftover_bold(node.content))
            case "softbreak" | "hardbreak":
                lines.append(_Line())
            case "strong":
                _walk(node.children, True, lines)
            case "em":
                _walk(node.children, bold, lines)
            case _:  # unknown inline: keep its literal content
                if node.children:
                    _walk(node.children, bold, lines)
                elif node.content:
                    lines[-1].segs.append((node.content, bold))


def _leftover_bold(text: str) -> list[_Seg]:
    segs: list[_Seg] = []
    pos = 0
    for m in _LEFTOVER_BOLD_RE.finditer(text):
        if m.start() > pos:
            segs.append((text[pos : m.start()], False))
        segs.append((m.group(1), True))
        pos = m.end()
    if pos < len(text):
        segs.append((text[pos:], False))
    return segs


def _strip_line(line: _Line) -> None:
    """Drop leading/trailing whitespace (incl. U+3000 indentation) across the line's segments."""
    segs = [s for s in line.segs if s[0]]
    while segs:
        stripped = segs[0][0].lstrip()
        if segs[0][0][: len(segs[0][0]) - len(stripped)].find(_IDEOGRAPHIC_SPACE) >= 0:
            line.started_indented = True
        if stripped:
            segs[0] = (stripped, segs[0][1])
            break
        segs.pop(0)
    while segs:
        stripped = segs[-1][0].rstrip()
        if stripped:
            segs[-1] = (stripped, segs[-1][1])
            break
        segs.pop()
    line.segs = segs


def _paragraphs(lines: list[_Line], source: str) -> list[Runs]:
    """Lines to paragraphs: a line indented with U+3000 after a break starts a new one."""
    groups: list[list[_Line]] = []
    for i, line in enumerate(lines):
        if not groups or (i > 0 and line.started_indented):
            groups.append([])
        groups[-1].append(line)
    return [r for r in (_join_lines(g, source) for g in groups) if r]


def _join_lines(lines: list[_Line], source: str) -> Runs:
    """Join soft-broken lines: no space next to CJK, one space between Latin words."""
    segs: list[_Seg] = []
    for line in lines:
        if not line.segs:
            continue
        if segs and _needs_space(segs[-1][0][-1], line.segs[0][0][0]):
            segs.append((" ", segs[-1][1] and line.segs[0][1]))
        segs.extend(line.segs)
    return _runs(segs, source)


def _needs_space(before: str, after: str) -> bool:
    return not (is_wide(before) or is_wide(after))


def _runs(segs: Iterable[_Seg], source: str) -> Runs:
    """Segments to runs, merging neighbours of the same weight."""
    merged: list[_Seg] = []
    for text, bold in segs:
        if not text:
            continue
        if merged and merged[-1][1] == bold:
            merged[-1] = (merged[-1][0] + text, bold)
        else:
            merged.append((text, bold))
    return tuple(Run(t, bold=b, source=source) for t, b in merged)


# --- tables ------------------------------------------------------------------------------------

_ALIGN_STYLE: dict[str, Align] = {
    "text-align:left": "left",
    "text-align:center": "center",
    "text-align:right": "right",
}


def _table(node: SyntaxTreeNode, source: str, lines: list[str]) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for section in node.children:  # thead, tbody
        for tr in section.children:
            cells = [_cell(td, source) for td in tr.children]
            if tr.map is not None and section.type == "tbody":
                cells = _fold_extra_cells(cells, tr.map[0], lines, source)
            rows.append(tuple(cells))
    widths = _column_widths(rows)
    return Table(widths=widths, rows=tuple(rows), header_rows=1, size=12.0, role="song")


def _cell(td: SyntaxTreeNode, source: str) -> Cell:
    text = _join_lines(_inline(td), source)
    if td.type == "th":
        return Cell(text, align="center", header=True)
    style = str(td.attrs.get("style", ""))
    align: Align
    if style in _ALIGN_STYLE:
        align = _ALIGN_STYLE[style]
    elif _NUMERIC_RE.match("".join(r.text for r in text)):
        align = "right"
    else:
        align = "left"
    return Cell(text, align=align)


def _fold_extra_cells(cells: list[Cell], lineno: int, lines: list[str], source: str) -> list[Cell]:
    """markdown-it drops body cells beyond the header's count; fold them into the last cell."""
    if not cells or lineno >= len(lines):
        return cells
    parts = _split_row(lines[lineno])
    if len(parts) <= len(cells):
        return cells
    segs: list[_Seg] = [(r.text, r.bold) for r in cells[-1].text]
    for part in parts[len(cells) :]:
        segs.append((" | ", False))
        segs.extend(_leftover_bold(part.strip()))
    cells[-1] = Cell(_runs(segs, source), align="left")
    return cells


def _split_row(line: str) -> list[str]:
    """Split a table row like markdown-it does (``\\|`` is a literal pipe)."""
    line = line.strip()
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in line:
        if ch == "|" and not escaped:
            parts.append("".join(current))
            current = []
        elif ch == "|":
            current[-1] = "|"  # replace the backslash
        else:
            current.append(ch)
        escaped = ch == "\\"
    parts.append("".join(current))
    if parts and parts[0] == "":
        parts.pop(0)
    if parts and parts[-1] == "":
        parts.pop()
    return parts


# The text area holds about this many display units of 12-pt table text (156 mm / 6 pt),
# less cell padding.
_FRAME_UNITS = 66
_KEEP_WHOLE = 12  # body cells up to 6 CJK characters stay on one line


def _column_widths(rows: list[tuple[Cell, ...]]) -> tuple[float, ...]:
    """Relative column widths in display units (a CJK character counts 2).

    Short body cells (up to ``_KEEP_WHOLE`` units) get a column wide enough to stay on one line;
    the width left over in the text area goes to the columns whose content is longer, in
    proportion to how much more they want. Header cells may wrap.
    """
    ncols = max((sum(c.colspan for c in row) for row in rows), default=1)
    body = [0] * ncols
    head = [0] * ncols
    for r, row in enumerate(rows):
        col = 0
        for cell in row:
            if cell.colspan == 1 and col < ncols:
                width = display_width("".join(run.text for run in cell.text))
                target = head if r == 0 else body
                target[col] = max(target[col], width)
            col += cell.colspan
    desired = [min(max(b, h, 2) + _COL_PAD, _COL_MAX) for b, h in zip(body, head, strict=True)]
    if sum(desired) <= _FRAME_UNITS:
        return tuple(float(d) for d in desired)
    minimum = [min(max(b, 2), _KEEP_WHOLE) + _COL_PAD for b in body]
    minimum = [min(m, d) for m, d in zip(minimum, desired, strict=True)]
    spare = _FRAME_UNITS - sum(minimum)
    if spare <= 0:
        return tuple(float(m) for m in minimum)
    want = [d - m for d, m in zip(desired, minimum, strict=True)]
    total = sum(want) or 1
    return tuple(m + spare * w / total for m, w in zip(minimum, want, strict=True))


# --- safety net --------------------------------------------------------------------------------


# Every character for which str.isspace() is true (a test checks the list against all of
# Unicode), and the markup characters: deleted by one str.translate, at C speed.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_NOT_ESSENTIAL = dict.fromkeys(map(ord, WHITESPACE + "".join(sorted(MARKUP_CHARS))))


def essential_chars(text: str) -> str:
    """The characters of ``text`` that must reach the page: all but whitespace and markup."""
    return text.translate(_NOT_ESSENTIAL)


def blocks_text(blocks: Iterable[Block]) -> str:
    """All text of the blocks (list markers included), in reading order."""
    parts: list[str] = []
    for b in blocks:
        match b:
            case Heading(text=t) | Paragraph(text=t):
                parts.extend(r.text for r in t)
            case ListItem(marker=m, text=t):
                parts.append(m)
                parts.extend(r.text for r in t)
            case Table(rows=rows):
                parts.extend(r.text for row in rows for c in row for r in c.text)
            case _:
                pass
    return "".join(parts)


def _preserves(text: str, blocks: list[Block]) -> bool:
    """Is every essential character of ``text`` in the blocks, in order?"""
    have, want = essential_chars(blocks_text(blocks)), essential_chars(text)
    if have == want:
        return True
    out = iter(have)
    return all(ch in out for ch in want)


def _literal_blocks(text: str, source: str) -> list[Block]:
    """Fallback: blank-line separated literal paragraphs, no markup at all."""
    out: list[Block] = []
    for chunk in re.split(r"\n[ \t]*\n", text):
        lines = []
        for raw in chunk.split("\n"):
            line = _Line()
            line.segs = [(raw, False)]
            _strip_line(line)
            lines.append(line)
        out.extend(Paragraph(r, indent=2) for r in _paragraphs(lines, source))
    return out
