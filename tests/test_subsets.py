"""A face's subset programs (issue 16, ``docgen.render.pdf.subsets``): the bytes of reportlab's
own ``makeSubset`` for any characters of any face docgen embeds (simple and composite glyphs),
kept per process by the face and the characters, never mixed up, within their limits."""

from __future__ import annotations

from collections.abc import Iterator
from struct import unpack
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFontFile

from docgen.render.fonts import ROLES, resolve_fonts
from docgen.render.pdf import subsets


def _faces() -> dict[str, Any]:
    fonts = resolve_fonts()
    fonts.register_all()
    names = sorted({f.name for role in ROLES for f in fonts.faces(role)})
    return {name: pdfmetrics.getFont(name).face for name in names}


FACES = _faces()


def _composites(face: Any) -> list[int]:
    """The code points of ``face`` whose glyphs are made of other glyphs."""
    start = face.get_table_pos("glyf")[0]
    data = face._ttf_data
    out = []
    for code, glyph in sorted(face.charToGlyph.items()):
        pos, end = face.glyphPos[glyph], face.glyphPos[glyph + 1]
        if end - pos > 2 and unpack(">h", data[start + pos : start + pos + 2])[0] < 0:
            out.append(code)
    return out


@pytest.fixture(autouse=True)
def _nothing_kept() -> Iterator[None]:
    subsets.forget_all()
    yield
    subsets.forget_all()


@st.composite
def _face_and_codes(draw: st.DrawFn) -> tuple[Any, list[int]]:
    face = FACES[draw(st.sampled_from(sorted(FACES)))]
    codes = sorted(face.charToGlyph)
    picked = draw(
        st.lists(st.sampled_from(codes), min_size=1, max_size=256, unique=True)
        | st.lists(st.integers(0x20, 0x2FFFF), min_size=1, max_size=40, unique=True)
    )
    return face, picked


@settings(max_examples=60, deadline=None)
@given(_face_and_codes())
def test_a_program_is_reportlabs_own(case: tuple[Any, list[int]]) -> None:
    face, codes = case
    assert subsets.subset_program(face, codes) == TTFontFile.makeSubset(face, codes)


def test_composite_glyphs_are_renumbered_as_reportlab_does() -> None:
    with_composites = {n: _composites(f) for n, f in FACES.items()}
    name = max(with_composites, key=lambda n: len(with_composites[n]))
    face, codes = FACES[name], with_composites[name][:200:3]
    assert codes, "no face with composite glyphs"
    codes = [0x4E2D, *codes, 0x6587]  # with simple glyphs around them
    assert subsets.subset_program(face, codes) == TTFontFile.makeSubset(face, codes)


def test_a_program_is_kept_by_its_face_and_characters() -> None:
    a, b = (FACES[n] for n in sorted(FACES)[:2])
    codes = [0x4E2D, 0x6587, 0x31]
    first = subsets.subset_program(a, codes)
    assert subsets.subset_program(a, list(codes)) is first  # kept
    assert subsets.subset_program(a, codes[::-1]) is not first  # another order: another program
    other = subsets.subset_program(b, codes)
    assert other is not first and other == TTFontFile.makeSubset(b, codes)


def test_a_compressed_stream_is_known_only_for_the_kept_program_itself() -> None:
    import zlib

    face = FACES[sorted(FACES)[0]]
    program = subsets.subset_program(face, [0x4E2D, 0x6587])
    assert subsets.known_deflated(program) is None
    subsets.remember_deflated(program, zlib.compress(program))
    assert subsets.known_deflated(program) == zlib.compress(program)
    assert subsets.known_deflated(bytes(bytearray(program))) is None  # equal, not the same
    subsets.remember_deflated(b"not a program", b"x")
    assert subsets.known_deflated(b"not a program") is None


def test_the_kept_programs_stay_within_their_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    face = FACES[sorted(FACES)[0]]
    monkeypatch.setattr(subsets, "KEPT_PROGRAMS", 2)
    p1 = subsets.subset_program(face, [0x4E2D])
    subsets.subset_program(face, [0x6587])
    subsets.subset_program(face, [0x4E2D])  # used again: the most recent
    subsets.subset_program(face, [0x5B57])  # the third: the least recent ([0x6587]) goes
    assert subsets.subset_program(face, [0x4E2D]) is p1
    assert len(subsets._kept) == 2
    monkeypatch.setattr(subsets, "KEPT_BYTES", len(p1) + 1)
    subsets.forget_all()
    subsets.subset_program(face, [0x4E2D])
    subsets.subset_program(face, [0x6587])
    assert len(subsets._kept) <= 1 and subsets._kept_bytes <= len(p1) + 1
