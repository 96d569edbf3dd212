"""Inline text: styled characters with their widths (points) and break opportunities, ready for
breaking into lines. Each character gets the first face of its role's chain that has it; tick
boxes and gaps are inline objects with a style of their own; full-width punctuation is squeezed
(标点挤压) and text on a document grid is tracked to its pitch."""

from __future__ import annotations

from itertools import accumulate
from weakref import WeakKeyDictionary

from reportlab.pdfbase import pdfmetrics

from docgen.document import Role, Runs
from docgen.render.fonts import FontSet
from docgen.render.linebreak import Line, break_lines, break_opportunities

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


# What ``InlineBuilder.add`` appends for a text, by font set and (text, role, size, tracking,
# squeeze): labels, table headers and short values recur in every form of a packet and in every
# city of a batch. Only short texts are kept (a paragraph of prose rarely comes twice), at most
# _PIECES_KEPT per font set (then they are forgotten all at once). The pieces are read, never
# changed: ``_append`` copies the widths.
_PIECES: WeakKeyDictionary[
    FontSet, dict[tuple[str, str, float, float, bool], list[tuple[str, list[float], str, bool]]]
] = WeakKeyDictionary()
_PIECES_TEXT = 64
_PIECES_KEPT = 20_000


def forget_pieces() -> None:
    """Forget the kept pieces (a benchmark's round starts as a new process does)."""
    _PIECES.clear()


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

    def __init__(self, fonts: FontSet, size: float, tracking: float = 0.0, squeeze: bool = True):
        self.fonts = fonts
        self.size = size
        self.tracking = tracking
        self.squeeze = squeeze  # False: no punctuation squeezing (bundle.py's own texts)
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
        key = (text, role, self.size, self.tracking, self.squeeze)
        pieces = _PIECES.get(self.fonts)
        if pieces is None:
            pieces = _PIECES[self.fonts] = {}
        found = pieces.get(key)
        if found is None:
            found = self._pieces(text, role)
            if len(text) <= _PIECES_TEXT:
                if len(pieces) >= _PIECES_KEPT:
                    pieces.clear()
                pieces[key] = found
        for piece, widths, font, merge in found:
            self._append(piece, widths, font, bold, merge)
        return self

    def _pieces(self, text: str, role: Role) -> list[tuple[str, list[float], str, bool]]:
        """What ``add`` appends for ``text`` in ``role``: (text, widths, font, merge) pieces."""
        text = text.replace("\t", " ").replace("\r", "")
        size = self.size
        out: list[tuple[str, list[float], str, bool]] = []
        for font, piece in self.fonts.segments(text, role):
            table = _width_table(font)
            widths = [(table[c] if c in table else _measure(font, table, c)) * size for c in piece]
            if self.tracking:
                widths = [w + self.tracking for w in widths]
            # text on a document grid (the letter) keeps every character on its pitch
            if self.tracking or not self.squeeze or _SQUEEZE_FIRST.isdisjoint(piece):
                out.append((piece, widths, font, True))
                continue
            # 标点挤压: of two full-width punctuation marks in a row ("）：", "。”") the first
            # gives up its blank half, so "（盖章）：" shows no double-width gap. The squeezed
            # mark ends a run: the pen places every run at its own offset.
            start = 0
            for i in range(len(piece) - 1):
                if piece[i] in _SQUEEZE_FIRST and piece[i + 1] in _SQUEEZE_NEXT:
                    widths[i] -= _SQUEEZE_EM * size
                    chunk = slice(start, i + 1)
                    out.append((piece[chunk], widths[chunk], font, start == 0))
                    start = i + 1
            out.append((piece[start:], widths[start:], font, start == 0))
        return out

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


def inline_text(fonts: FontSet, text: Runs, role: Role, size: float, bold: bool = False) -> Inline:
    """``text`` in ``role`` at ``size``, as one :class:`Inline`."""
    return InlineBuilder(fonts, size).add_runs(text, role, bold).build()
