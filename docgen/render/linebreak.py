"""Chinese line breaking (禁则): where a line may break, and a greedy breaker that never hangs.

No line starts with closing punctuation (，。、；：？！）》” …) and no line ends with opening
punctuation (（《“ …). Unlike reportlab's CJK wrapping, nothing hangs past the line's end: a
character that cannot start a line pulls the previous character down with it, and justification
absorbs the gap. Importing this module also completes reportlab's own "cannot start" list, in
both module globals that hold it, for any reportlab Paragraph used elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

CANNOT_START = frozenset(
    "，。、；：？！）》〉」』】〕〗〙”’…—·．%,.;:?!)]}％﹪｝］｠〟ー・‥゜゛々〻ゝゞヽヾ"
)
CANNOT_END = frozenset("（《〈「『【〔〖〘“‘([{［｛｟〝")

# No break between a number and the unit after it, nor between a colon and a number after it.
_GLUE_AFTER = frozenset("0123456789%")
_GLUE_BEFORE = frozenset("0123456789+-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# A paragraph's last line has at least this many characters (closing punctuation not counted):
# otherwise a character is pulled down from the line before ("…数据链。" not "链。" alone).
MIN_LAST_LINE_CHARS = 2

# Characters treated as ordinary (breakable) spaces.
SPACES = frozenset(" \u00a0")
NEWLINE = "\n"

FUZZ = 1e-6


def _patch_reportlab() -> None:
    """Add the missing characters to reportlab's kinsoku list (idempotent)."""
    # isort: off
    import docgen.render.rlplatypus  # noqa: F401  (before reportlab.platypus: see there)

    # isort: on
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    current = textsplit.ALL_CANNOT_START
    extra = "".join(sorted(c for c in CANNOT_START if c not in current))
    # Both module globals must change (TOOLCHAIN.md); the stubs call them final constants.
    if extra:
        textsplit.ALL_CANNOT_START = current + extra  # type: ignore[misc]
    paragraph.ALL_CANNOT_START = textsplit.ALL_CANNOT_START  # type: ignore[attr-defined]


_patch_reportlab()


def is_wide(ch: str) -> bool:
    """CJK ideographs, kana, hangul, CJK and fullwidth punctuation: break on either side."""
    return ord(ch) >= 0x2E80


def break_opportunities(text: str, nobreak: Sequence[bool] | None = None) -> list[bool]:
    """``ops[k]`` is True where a line may break before ``text[k]`` (``0 < k < len(text)``).

    A break is allowed after a space and next to a wide character, unless it would start a line
    with closing punctuation or end one with opening punctuation. ``nobreak[k]`` forbids the break
    before ``text[k]`` (used to keep a tick box with its label).
    """
    n = len(text)
    ops = [False] * (n + 1)
    ops[n] = True
    cannot_start, cannot_end, spaces = CANNOT_START, CANNOT_END, SPACES
    prev = text[0] if n else ""
    prev_wide = n > 0 and ord(prev) >= 0x2E80
    glue_after, glue_before = _GLUE_AFTER, _GLUE_BEFORE
    for k in range(1, n):
        ch = text[k]
        wide = ord(ch) >= 0x2E80
        if (
            (prev_wide or wide or prev in spaces or prev == NEWLINE)
            and ch not in cannot_start
            and prev not in cannot_end
            and ch not in spaces
            # a number and its unit ("2.8万台", "1993年"), a label and its number
            # ("传真：0771-…") stay on one line
            and not (wide and prev in glue_after)
            and not (prev == "：" and ch in glue_before)
        ):
            ops[k] = True
        prev, prev_wide = ch, wide
    if nobreak is not None:
        for k in range(1, n):
            if nobreak[k]:
                ops[k] = False
    return ops


@dataclass(frozen=True, slots=True)
class Line:
    """Characters ``text[start:end]`` (trailing spaces excluded), their natural ``width``, and
    whether the line ends its paragraph or a forced break (``last``: never justified)."""

    start: int
    end: int
    width: float
    last: bool


def break_lines(
    text: str,
    cum: Sequence[float],
    ops: Sequence[bool],
    first_width: float,
    width: float,
    start: int = 0,
) -> list[Line]:
    """Greedy breaking of ``text[start:]`` whose widths have prefix sums ``cum``
    (``len(text)+1``); the lines' offsets are into ``text``.

    Each line is filled as far as it fits, then cut at the last allowed break. A line with no
    allowed break at all (a long URL) is cut where it overflows. ``\\n`` forces a break.
    The work is linear in ``len(text) - start``: greedy breaking has no memory, so the lines
    from any line start on are those that breaking from there gives (see :class:`LineRange`).
    """
    n = len(text)
    lines: list[Line] = []
    max_w = first_width
    find_nl = text.find
    while True:
        nl = find_nl(NEWLINE, start)
        stop = n if nl < 0 else nl
        # Fill from start to at most stop.
        while True:
            limit = cum[start] + max_w + FUZZ
            if cum[stop] <= limit:
                last = _line(text, cum, start, stop, True)
                if lines and not lines[-1].last and _short(text, last):
                    _pull_down(text, cum, ops, lines, last, width)
                else:
                    lines.append(last)
                max_w = width
                break
            # The first k with cum[k+1] > limit: characters start..k-1 fit.
            k = _bisect(cum, limit, start, stop)
            if k <= start:
                bp = start + 1  # a single character wider than the line: take it anyway
            elif text[k] in SPACES:
                bp = k  # overflow at a space: break there, the space is dropped
            else:
                bp = k
                while bp > start and not ops[bp]:
                    bp -= 1
                if bp <= start:
                    bp = k  # no allowed break in the whole line: cut where it overflows
            lines.append(_line(text, cum, start, bp, False))
            max_w = width
            start = bp
            while start < stop and text[start] in SPACES:
                start += 1
            if start >= stop:
                break
        if nl < 0:
            break
        start = nl + 1
        if start >= n:
            break
    return lines


def _short(text: str, line: Line) -> bool:
    """Whether ``line`` holds fewer than MIN_LAST_LINE_CHARS characters besides closing
    punctuation and spaces."""
    if line.end - line.start > MIN_LAST_LINE_CHARS + 3:
        return False
    count = sum(
        1 for ch in text[line.start : line.end] if ch not in CANNOT_START and ch not in SPACES
    )
    return 0 < count < MIN_LAST_LINE_CHARS


def _pull_down(
    text: str,
    cum: Sequence[float],
    ops: Sequence[bool],
    lines: list[Line],
    last: Line,
    width: float,
) -> None:
    """Append ``last`` to ``lines``, first moving the break before it back to the previous
    allowed break (so the last line gets a character more), when the line before keeps at
    least two characters and the last line still fits."""
    prev = lines[-1]
    bp = last.start - 1
    while bp > prev.start + 1 and not ops[bp]:
        bp -= 1
    if bp > prev.start + 1 and text[bp] not in SPACES and cum[last.end] - cum[bp] <= width + FUZZ:
        lines[-1] = _line(text, cum, prev.start, bp, False)
        lines.append(_line(text, cum, bp, last.end, True))
    else:
        lines.append(last)


def _bisect(cum: Sequence[float], limit: float, lo: int, hi: int) -> int:
    """Largest k in [lo, hi] with cum[k] <= limit."""
    while lo < hi:
        mid = (lo + hi + 1) >> 1
        if cum[mid] <= limit:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _line(text: str, cum: Sequence[float], start: int, end: int, last: bool) -> Line:
    while end > start and text[end - 1] in SPACES:
        end -= 1
    return Line(start, end, cum[end] - cum[start], last)


class LineRange(Sequence[Line]):
    """``lines[lo:hi]`` without copying: the lines of one part of a paragraph split across
    pages. Splitting a view makes another view, so cutting a paragraph of ``n`` lines into
    pages costs nothing per page beyond the page's own lines."""

    __slots__ = ("_hi", "_lines", "_lo")

    def __init__(self, lines: list[Line], lo: int = 0, hi: int | None = None):
        self._lines = lines
        self._lo = lo
        self._hi = len(lines) if hi is None else hi

    def __len__(self) -> int:
        return self._hi - self._lo

    @overload
    def __getitem__(self, index: int) -> Line: ...

    @overload
    def __getitem__(self, index: slice) -> LineRange: ...

    def __getitem__(self, index: int | slice) -> Line | LineRange:
        if isinstance(index, slice):
            lo, hi, step = index.indices(len(self))
            if step != 1:
                raise ValueError("LineRange slices have no step")
            return LineRange(self._lines, self._lo + lo, self._lo + max(lo, hi))
        n = self._hi - self._lo
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("line index out of range")
        return self._lines[self._lo + index]

    def __iter__(self) -> Iterator[Line]:
        return map(self._lines.__getitem__, range(self._lo, self._hi))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LineRange | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LineRange({list(self)!r})"
