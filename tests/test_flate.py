"""The streams of docgen's PDFs are compressed on a second thread (issue 16,
``docgen.render.pdf.flate``): the files must be byte for byte those reportlab writes when it
compresses them itself."""

from __future__ import annotations

import contextlib
import io
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

import docgen.render.pdf as rpdf
from docgen.build import build_city
from docgen.render.fonts import FontSet, resolve_fonts
from docgen.render.pdf import subsets
from docgen.render.pdf.flate import SWITCH_INTERVAL, flate_threads, threaded_flate

from .conftest import SAMPLES, folder_bytes


class _Plain:
    """reportlab's own canvas, compressing on the thread that writes the file."""

    def canvas_maker(self) -> type[Canvas]:
        return Canvas


@contextlib.contextmanager
def _plain() -> Iterator[_Plain]:
    yield _Plain()


def _plain_canvas(*args: Any, flate: Any, **kwargs: Any) -> Canvas:
    return Canvas(*args, **kwargs)


@pytest.mark.parametrize("code", ["450900", "450200"])
def test_a_packet_is_the_same_with_reportlabs_own_compression(
    code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    city = SAMPLES / code / "city.json"
    build_city(city, tmp_path / "threaded")
    monkeypatch.setattr(rpdf, "threaded_flate", _plain)  # the forms, the summary, the letter
    monkeypatch.setattr(rpdf, "FlateCanvas", _plain_canvas)  # the bundle's overlay
    build_city(city, tmp_path / "plain")
    threaded, plain = folder_bytes(tmp_path / "threaded"), folder_bytes(tmp_path / "plain")
    assert sorted(threaded) == sorted(plain)
    assert [n for n in threaded if threaded[n] != plain[n]] == []
    assert any(n.endswith(".pdf") for n in threaded)


def _draw(canvas: Canvas, fonts: FontSet) -> bytes:
    canvas.setFont(fonts.font_name("song"), 12)
    for i in range(3):
        canvas.drawString(72, 720, f"第 {i + 1} 页：服务型制造示范申报书")
        canvas.showPage()
    canvas.save()
    return canvas._filename.getvalue()  # type: ignore[attr-defined,no-any-return]


def _compressing_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of the thread of every ``zlib.compress`` call from now on."""
    threads: list[str] = []
    real = zlib.compress

    def spy(data: bytes, *args: Any) -> bytes:
        threads.append(threading.current_thread().name)
        return real(data, *args)

    monkeypatch.setattr(zlib, "compress", spy)
    return threads


@pytest.mark.parametrize("threaded", [True, False])
def test_the_streams_are_compressed_on_the_worker_threads(
    threaded: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    fonts = resolve_fonts()
    fonts.register_all()
    subsets.forget_all()  # no subset program kept from an earlier test: each one compressed
    threads = _compressing_threads(monkeypatch)
    plain = _draw(Canvas(io.BytesIO(), invariant=1, pageCompression=1), fonts)
    calls = len(threads)  # three pages, the font's subset and its ToUnicode map
    threads.clear()
    # without threads (a batch builds a city per core): as they are written, the same bytes
    with flate_threads(threaded), threaded_flate() as flate:
        canvas = rpdf.FlateCanvas(io.BytesIO(), invariant=1, pageCompression=1, flate=flate)
        data = _draw(canvas, fonts)
    assert data == plain
    assert calls >= 4
    assert len(threads) == calls  # each stream compressed once
    if threaded:
        # on the workers; one that no worker has started when the file needs it, on the
        # thread that writes the file
        here = threading.current_thread().name
        assert all(n.startswith("docgen-flate") or n == here for n in threads), threads
    else:
        assert set(threads) == {threading.current_thread().name}
    assert isinstance(pdfdoc.PDFZCompress, pdfdoc.PDFStreamFilterZCompress)  # put back


@pytest.mark.parametrize("threaded", [True, False])
def test_a_second_packet_takes_the_kept_font_programs_with_the_same_bytes(
    threaded: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two cities built one after the other in one process (as a batch's process builds them):
    the second takes the first's subset programs (and their compressed streams) where a face's
    subset holds the same characters, and its files are byte for byte those it has alone."""
    made: list[int] = []
    real = subsets._make_subset

    def counting(face: Any, subset: list[int]) -> bytes:
        made.append(len(subset))
        return real(face, subset)

    monkeypatch.setattr(subsets, "_make_subset", counting)
    city, other = SAMPLES / "450300" / "city.json", SAMPLES / "450200" / "city.json"
    with flate_threads(threaded):
        subsets.forget_all()
        build_city(city, tmp_path / "alone")
        alone_made = len(made)
        subsets.forget_all()
        build_city(other, tmp_path / "first")
        made.clear()
        build_city(city, tmp_path / "second")
    alone, second = folder_bytes(tmp_path / "alone"), folder_bytes(tmp_path / "second")
    assert sorted(alone) == sorted(second)
    assert [n for n in alone if alone[n] != second[n]] == []
    assert 0 < len(made) < alone_made


def test_the_switch_interval_is_short_while_streams_are_compressed() -> None:
    import sys

    before = sys.getswitchinterval()
    with threaded_flate():
        assert sys.getswitchinterval() == min(before, SWITCH_INTERVAL)
        with threaded_flate():  # overlapping blocks: the last one to end puts it back
            pass
        assert sys.getswitchinterval() == min(before, SWITCH_INTERVAL)
    assert sys.getswitchinterval() == before
    with flate_threads(False), threaded_flate():  # no threads: nothing to switch to
        assert sys.getswitchinterval() == before
    with pytest.raises(RuntimeError), threaded_flate():
        raise RuntimeError
    assert sys.getswitchinterval() == before


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=st.characters(max_codepoint=0x7F)), st.binary()))
def test_the_fast_pdfdoc_encoding_is_reportlabs(x: str | bytes) -> None:
    """While docgen writes a file, reportlab's ``pdfdocEnc`` takes a shortcut for printable
    ASCII: for any input, the same bytes as reportlab's own, or the same error."""
    from docgen.render.pdf.flate import _REPORTLAB_PDFDOC_ENC, _pdfdoc_enc

    try:
        expected: object = _REPORTLAB_PDFDOC_ENC(x)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            _pdfdoc_enc(x)
        return
    assert _pdfdoc_enc(x) == expected


def test_reportlabs_pdfdoc_encoding_is_put_back_after_a_save() -> None:
    fonts = resolve_fonts()
    fonts.register_all()
    before = pdfdoc.pdfdocEnc
    with threaded_flate() as flate:
        _draw(rpdf.FlateCanvas(io.BytesIO(), invariant=1, pageCompression=1, flate=flate), fonts)
    assert pdfdoc.pdfdocEnc is before


def test_the_writing_thread_compresses_what_no_worker_has_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the file needs a stream no worker has started (the workers are busy), the thread
    that writes the file compresses it, and the streams behind it, itself: the same bytes."""
    from concurrent.futures import ThreadPoolExecutor

    from docgen.render.pdf.flate import ThreadedFlate

    release = threading.Event()
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        busy = pool.submit(release.wait, 30)  # the only worker is busy
        flate = ThreadedFlate(pool)
        contents = [f"BT /F1 12 Tf ({i}) Tj ET " * 200 for i in range(5)]
        for c in contents:
            flate.submit(c)
        here = threading.current_thread().name
        expected = [zlib.compress(c.encode("utf8")) for c in contents]
        threads = _compressing_threads(monkeypatch)
        out = [flate.encode(c) for c in contents]
        assert out == expected
        assert threads == [here] * len(contents)
        assert not busy.done()
    finally:
        release.set()
        pool.shutdown(wait=True)


def test_the_workers_compress_what_they_are_handed_while_this_thread_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from docgen.render.pdf.flate import ThreadedFlate

    contents = [f"BT /F1 12 Tf ({i}) Tj ET " * 200 for i in range(6)]
    expected = [zlib.compress(c.encode("utf8")) for c in contents]
    with threaded_flate() as flate:
        assert isinstance(flate, ThreadedFlate)
        threads = _compressing_threads(monkeypatch)
        for c in contents:
            flate.submit(c)
        deadline = time.monotonic() + 30
        while len(threads) < len(contents) and time.monotonic() < deadline:
            time.sleep(0.01)  # this thread busy elsewhere (here: asleep)
        out = [flate.encode(c) for c in contents]
    assert out == expected
    assert len(threads) == len(contents)
    assert all(n.startswith("docgen-flate") for n in threads), threads
