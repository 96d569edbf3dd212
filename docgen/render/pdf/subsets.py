"""A TrueType face's subset programs: reportlab's ``makeSubset``, cheaper, with the same bytes.

reportlab writes each subset of a face (up to 256 characters) as a font program of its own, made
by ``TTFontFile.makeSubset`` when the PDF is written. Two costs of it are avoidable:

- ``makeSubset`` starts with ``get_table('glyf')``, a copy of the face's whole glyph table (several
  megabytes for a CJK face) to take a few hundred glyphs out of it, and reads every glyph's
  header through a seek and a slice of the file. :func:`_make_subset` goes through reportlab's
  steps, table by table, reading the font file in place: the same program, byte for byte
  (``tests/test_subsets.py`` compares the two for every embedded face).
- A face's subset holds the same characters in the same order in many PDFs: the Latin face's
  digits, the tick boxes' face, a heading face's fixed titles. A program depends on nothing but
  the face and that list, so the programs made in this process are kept (the most recent
  :data:`KEPT_PROGRAMS`, at most :data:`KEPT_BYTES`), and with each, once known, its
  compressed stream (``zlib.compress`` of it at reportlab's level: the same bytes every time).
  A batch's process builds city after city, and every city's packet has such subsets.

Nothing is kept beyond the process, and a kept value is only ever looked up by the very inputs
it was made from (the face object itself, the characters' code points in order), so nothing can
go stale.
"""

from __future__ import annotations

import contextlib
import struct
import threading
from collections import OrderedDict
from typing import Any
from weakref import WeakKeyDictionary

__all__ = [
    "KEPT_BYTES",
    "KEPT_PROGRAMS",
    "forget_all",
    "known_deflated",
    "remember_deflated",
    "subset_program",
]

KEPT_PROGRAMS = 64  # programs kept in a process, the most recently used
KEPT_BYTES = 8 << 20  # and at most this many bytes of programs and compressed streams


_SHORT = struct.Struct(">h")
_COMPONENT = struct.Struct(">HH")  # a composite glyph's component: flags, glyph index
_COPIED = ("name", "OS/2", "cvt ", "fpgm", "prep")  # the tables a subset takes as they are
# composite glyph flags (the TrueType specification's, as reportlab names them)
_ARG_1_AND_2_ARE_WORDS = 1 << 0
_WE_HAVE_A_SCALE = 1 << 3
_MORE_COMPONENTS = 1 << 5
_WE_HAVE_AN_X_AND_Y_SCALE = 1 << 6
_WE_HAVE_A_TWO_BY_TWO = 1 << 7


def _make_subset(face: Any, subset: list[int]) -> bytes:
    """reportlab's ``TTFontFile.makeSubset(face, subset)`` step by step, with the same tables
    and the same bytes, but reading the font file in place: reportlab copies the whole glyph
    table (megabytes for a CJK face) and reads each glyph's header through a seek and a slice.
    The tables a subset takes unchanged are read once per face. ``tests/test_subsets.py``
    compares the two for every embedded face (composite glyphs included)."""
    from reportlab.pdfbase.ttfonts import TTFError, TTFontMaker

    data: bytes = face._ttf_data
    char_to_glyph = face.charToGlyph
    glyph_pos = face.glyphPos
    glyph_map = [0]  # new glyph index -> old glyph index ("missing character" first)
    glyph_set = {0: 0}  # old glyph index -> new glyph index
    code_to_glyph: dict[int, int] = {}
    for code in subset:
        original = char_to_glyph.get(code, 0)
        if original not in glyph_set:
            glyph_set[original] = len(glyph_map)
            glyph_map.append(original)
        code_to_glyph[code] = glyph_set[original]

    # the glyphs that composite glyphs are made of
    start = face.get_table_pos("glyf")[0]
    n = 0
    while n < len(glyph_map):
        original = glyph_map[n]
        pos = glyph_pos[original]
        n += 1
        if glyph_pos[original + 1] == pos:
            continue
        at = start + pos
        try:
            contours = _SHORT.unpack_from(data, at)[0]
        except struct.error as error:
            raise TTFError(error) from error
        if contours >= 0:
            continue
        at += 10
        flags = _MORE_COMPONENTS
        while flags & _MORE_COMPONENTS:
            flags, glyph = _COMPONENT.unpack_from(data, at)
            at += 4
            if glyph not in glyph_set:
                glyph_set[glyph] = len(glyph_map)
                glyph_map.append(glyph)
            at = _after_arguments(flags, at)

    output = TTFontMaker()
    for tag, table in _copied_tables(face):
        output.add(tag, table)

    num_glyphs = len(glyph_map)
    # hmtx: the full (advance, lsb) pairs, then the lsb of a final run of equal advances
    hmetrics = face.hmetrics
    hmtx: list[int] = []
    for original in glyph_map:
        aw, lsb = hmetrics[original]
        hmtx.append(int(aw))
        hmtx.append(int(lsb))
    n = len(hmtx) - 2
    while n and hmtx[n] == hmtx[n - 2]:
        n -= 2
    n += 2
    number_of_hmetrics = n >> 1
    hmtx = hmtx[:n] + hmtx[n + 1 :: 2]
    output.add("hmtx", struct.pack(f">{len(hmtx)}H", *hmtx))
    output.add("hhea", _ushort_at(face.get_table("hhea"), 34, number_of_hmetrics))
    output.add("maxp", _ushort_at(face.get_table("maxp"), 4, num_glyphs))

    # cmap: format 6
    entries = len(subset)
    cmap = [0, 1, 1, 0, 0, 12, 6, 10 + entries * 2, 0, 0, entries]
    cmap.extend(map(code_to_glyph.get, subset))  # type: ignore[arg-type]
    output.add("cmap", struct.pack(f">{len(cmap)}H", *cmap))

    # glyf, composite glyphs' references renumbered, each glyph padded to 4 bytes
    offsets: list[int] = []
    glyf: list[bytes] = []
    pos = 0
    for original in glyph_map:
        offsets.append(pos)
        glyph_start = glyph_pos[original]
        length = glyph_pos[original + 1] - glyph_start
        glyph = data[start + glyph_start : start + glyph_start + length]
        if length > 2 and _SHORT.unpack_from(glyph, 0)[0] < 0:
            at = 10
            flags = _MORE_COMPONENTS
            while flags & _MORE_COMPONENTS:
                flags, component = _COMPONENT.unpack_from(glyph, at)
                glyph = _ushort_at(glyph, at + 2, glyph_set[component])
                at = _after_arguments(flags, at + 4)
        glyf.append(glyph)
        pos += length
        if pos % 4:
            padding = 4 - pos % 4
            glyf.append(b"\0" * padding)
            pos += padding
    offsets.append(pos)
    output.add("glyf", b"".join(glyf))

    # loca, and the head's indexToLocFormat
    if (pos + 1) >> 1 > 0xFFFF:
        loc_format = 1
        output.add("loca", struct.pack(f">{len(offsets)}L", *offsets))
    else:
        loc_format = 0
        output.add("loca", struct.pack(f">{len(offsets)}H", *[o >> 1 for o in offsets]))
    output.add("head", _ushort_at(face.get_table("head"), 50, loc_format))
    program: bytes = output.makeStream()
    return program


def _after_arguments(flags: int, at: int) -> int:
    """Where a composite glyph's next component starts: ``at`` is just after this component's
    flags and glyph index; its arguments and transform (as ``flags`` say) follow."""
    at += 4 if flags & _ARG_1_AND_2_ARE_WORDS else 2
    if flags & _WE_HAVE_A_SCALE:
        at += 2
    elif flags & _WE_HAVE_AN_X_AND_Y_SCALE:
        at += 4
    elif flags & _WE_HAVE_A_TWO_BY_TWO:
        at += 8
    return at


def _ushort_at(table: bytes, offset: int, value: int) -> bytes:
    """``table`` with the unsigned short at ``offset`` replaced (reportlab's ``_set_ushort``)."""
    return table[:offset] + struct.pack(">H", value) + table[offset + 2 :]


_COPIED_TABLES: WeakKeyDictionary[Any, list[tuple[str, bytes]]] = WeakKeyDictionary()


def _copied_tables(face: Any) -> list[tuple[str, bytes]]:
    """The tables every subset of ``face`` takes as they are (those it has), and its post
    table as a subset has it, in the order makeSubset adds them."""
    tables = _COPIED_TABLES.get(face)
    if tables is None:
        tables = []
        for tag in _COPIED:
            with contextlib.suppress(KeyError):  # cvt, fpgm and prep are optional
                tables.append((tag, face.get_table(tag)))
        tables.append(("post", b"\x00\x03\x00\x00" + face.get_table("post")[4:16] + b"\x00" * 16))
        _COPIED_TABLES[face] = tables
    return tables


class _Kept:
    __slots__ = ("deflated", "program")

    def __init__(self, program: bytes):
        self.program = program
        self.deflated: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.program) + len(self.deflated or b"")


_lock = threading.Lock()  # renders may run in several threads of a library caller
_kept: OrderedDict[tuple[Any, tuple[int, ...]], _Kept] = OrderedDict()  # (face, characters)
_by_program: dict[int, _Kept] = {}  # id(program) -> its entry, while kept
_kept_bytes = 0


def subset_program(face: Any, subset: list[int]) -> bytes:
    """``face.makeSubset(subset)``'s bytes (a reportlab ``TTFontFace``): the program kept from an
    earlier call with the same face and characters, or made now and kept."""
    global _kept_bytes
    key = (face, tuple(subset))
    with _lock:
        entry = _kept.get(key)
        if entry is not None:
            _kept.move_to_end(key)
            return entry.program
    program = _make_subset(face, subset)
    with _lock:
        entry = _kept.pop(key, None)
        if entry is not None:
            _forget(entry)
        entry = _Kept(program)
        _kept[key] = entry
        _by_program[id(program)] = entry
        _kept_bytes += entry.size
        while _kept and (len(_kept) > KEPT_PROGRAMS or _kept_bytes > KEPT_BYTES):
            _forget(_kept.popitem(last=False)[1])
    return program


def forget_all() -> None:
    """Forget every kept program (a benchmark's round starts as a new process does)."""
    global _kept_bytes
    with _lock:
        _kept.clear()
        _by_program.clear()
        _kept_bytes = 0


def _forget(entry: _Kept) -> None:
    global _kept_bytes
    _kept_bytes -= entry.size
    if _by_program.get(id(entry.program)) is entry:
        del _by_program[id(entry.program)]


def known_deflated(content: object) -> bytes | None:
    """The compressed stream of ``content`` if it is a kept program (the very object
    :func:`subset_program` returned) whose compression is known."""
    with _lock:
        entry = _by_program.get(id(content))
        if entry is not None and entry.program is content:
            return entry.deflated
    return None


def remember_deflated(content: object, deflated: bytes) -> None:
    """Keep ``deflated`` (``zlib.compress(content)``) with ``content`` if that is a kept
    program."""
    global _kept_bytes
    with _lock:
        entry = _by_program.get(id(content))
        if entry is None or entry.program is not content or entry.deflated is not None:
            return
        entry.deflated = deflated
        _kept_bytes += len(deflated)
        while len(_kept) > 1 and _kept_bytes > KEPT_BYTES:
            _forget(_kept.popitem(last=False)[1])
