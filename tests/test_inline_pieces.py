"""Inline text built from the pieces kept per font set (``docgen.render.pdf.inline``): the same
characters, widths, runs and break opportunities as built afresh, for any text, role, size,
tracking and squeezing, in any order of calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docgen.render.fonts import ROLES, FontSet, resolve_fonts
from docgen.render.pdf import inline
from docgen.render.pdf.inline import Inline, InlineBuilder

FONTS = resolve_fonts()
# CJK, Latin, full-width punctuation (squeezed in pairs), a tab, a character no face has
ALPHABET = "服务型制造示范申报书（盖章）：，。、；“”《》？！abc XYZ 0123456789\t\r\U0001f600"


@pytest.fixture(autouse=True)
def _nothing_kept() -> Iterator[None]:
    inline.forget_pieces()
    yield
    inline.forget_pieces()


def _fields(x: Inline) -> tuple[object, ...]:
    return (x.text, x.cum, x.runs, x.ops, x.size, x.tracking, x.tick_font, x.run_starts)


def _build(
    fonts: FontSet, parts: list[tuple[str, str, bool]], size: float, tracking: float, squeeze: bool
) -> Inline:
    b = InlineBuilder(fonts, size, tracking, squeeze)
    for text, role, bold in parts:
        b.add(text, role, bold)  # type: ignore[arg-type]
    return b.build()


@settings(max_examples=80, deadline=None)
@given(
    parts=st.lists(
        st.tuples(st.text(ALPHABET, max_size=80), st.sampled_from(ROLES), st.booleans()),
        min_size=1,
        max_size=6,
    ),
    size=st.sampled_from([10.5, 12.0, 16.0]),
    tracking=st.sampled_from([0.0, 0.35]),
    squeeze=st.booleans(),
)
def test_kept_pieces_build_the_same_inline(
    parts: list[tuple[str, str, bool]], size: float, tracking: float, squeeze: bool
) -> None:
    inline.forget_pieces()
    fresh = _fields(_build(FONTS, parts, size, tracking, squeeze))
    kept = _fields(_build(FONTS, parts, size, tracking, squeeze))  # from the kept pieces
    assert kept == fresh
    # the same texts again in the other weight, after other texts: still the same
    swapped = [(t, r, not b) for t, r, b in parts]
    inline.forget_pieces()
    alone = _fields(_build(FONTS, swapped, size, tracking, squeeze))
    inline.forget_pieces()
    _build(FONTS, parts, size, tracking, squeeze)
    assert _fields(_build(FONTS, swapped, size, tracking, squeeze)) == alone


def test_only_short_texts_are_kept_and_within_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    b = InlineBuilder(FONTS, 12.0)
    b.add("申报单位（盖章）：", "fangsong").add("服" * (inline._PIECES_TEXT + 1), "fangsong")
    kept = inline._PIECES[FONTS]
    assert [k[0] for k in kept] == ["申报单位（盖章）："]
    # a kept piece's widths are never changed by a build that takes them
    pieces = kept[("申报单位（盖章）：", "fangsong", 12.0, 0.0, True)]
    before = [list(w) for _, w, _, _ in pieces]
    InlineBuilder(FONTS, 12.0).add("申报单位（盖章）：", "fangsong").build()
    assert [list(w) for _, w, _, _ in pieces] == before
    monkeypatch.setattr(inline, "_PIECES_KEPT", 2)
    for text in ("一", "二", "三"):
        b.add(text, "song")
    assert len(inline._PIECES[FONTS]) <= 2
