"""A TrueType face's subset programs: reportlab's ``makeSubset``, cheaper, with the same bytes.

reportlab writes each subset of a face (up to 256 characters) as a font program of its own, made
by ``TTFontFile.makeSubset`` when the PDF is written. Two costs of it are avoidable:

- ``makeSubset`` starts with ``get_table('glyf')``, a copy of the face's whole glyph table (several
  megabytes for a CJK face) to take a few hundred glyphs out of it. :func:`subset_program` runs
  reportlab's own ``makeSubset`` on a view of the face whose glyph table hands out each glyph's
  slice of the font file directly: the same code, the same bytes, without the copy.
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

import threading
from collections import OrderedDict
from typing import Any

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


class _Glyphs:
    """A face's ``glyf`` table as ``makeSubset`` reads it: ``table[a:b]`` is the glyph data at
    offsets a..b of the table, sliced from the font file (no copy of the whole table)."""

    __slots__ = ("_data", "_start")

    def __init__(self, data: bytes, start: int):
        self._data = data
        self._start = start

    def __getitem__(self, part: slice) -> bytes:
        start = self._start
        return self._data[start + part.start : start + part.stop]


class _SubsetView:
    """The face, for ``makeSubset``: every attribute and method is the face's own (a method
    runs on the face, with its reading position), except ``get_table('glyf')``. What is read
    is kept on the view at its first reading (makeSubset reads the same few attributes for
    every glyph, and assigns none)."""

    def __init__(self, face: Any):
        object.__setattr__(self, "_face", face)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._face, name)
        self.__dict__[name] = value
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._face, name, value)

    def get_table(self, tag: str) -> Any:
        face = self._face
        if tag == "glyf":
            start, _length = face.get_table_pos(tag)
            return _Glyphs(face._ttf_data, start)
        return face.get_table(tag)


class _Kept:
    __slots__ = ("deflated", "face", "program")

    def __init__(self, face: Any, program: bytes):
        self.face = face  # kept alive: the key holds its id
        self.program = program
        self.deflated: bytes | None = None

    @property
    def size(self) -> int:
        return len(self.program) + len(self.deflated or b"")


_lock = threading.Lock()  # the compressed streams are remembered from the flate threads
_kept: OrderedDict[tuple[int, tuple[int, ...]], _Kept] = OrderedDict()
_by_program: dict[int, _Kept] = {}  # id(program) -> its entry, while kept
_kept_bytes = 0


def subset_program(face: Any, subset: list[int]) -> bytes:
    """``face.makeSubset(subset)``'s bytes (a reportlab ``TTFontFace``): the program kept from an
    earlier call with the same face and characters, or made now and kept."""
    global _kept_bytes
    key = (id(face), tuple(subset))
    with _lock:
        entry = _kept.get(key)
        if entry is not None and entry.face is face:
            _kept.move_to_end(key)
            return entry.program
    cls = type(face)
    program: bytes = cls.makeSubset(_SubsetView(face), subset)
    with _lock:
        entry = _kept.pop(key, None)
        if entry is not None:
            _forget(entry)
        entry = _Kept(face, program)
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
