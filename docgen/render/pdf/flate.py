"""A PDF's streams compressed on a second thread, with the bytes reportlab would write.

reportlab compresses every stream of a PDF (each page's drawing, each font subset) with
``zlib.compress`` when it writes the file, one after another, on the thread that laid the pages
out: a fifth of a render's time. zlib releases the GIL while it compresses, so the same calls
can run on worker threads while this one works: a page's stream is handed over as soon as the
page is finished (while the next pages are laid out), the font subsets as soon as they are made
(while the file's other objects are written). When the file needs a stream that no worker has
started yet, the thread that writes it compresses that stream and the others still waiting,
instead of waiting. The calls and their inputs are the ones reportlab makes; only where they
run changes, so the file is byte for byte the same.

Use::

    with threaded_flate() as flate:
        canvas = FlateCanvas(buf, ..., flate=flate)   # or canvasmaker=flate.canvas_maker()
        ...
        canvas.save()

Where every core is busy already (a batch runs a build per core), ``flate_threads(False)`` makes
the same canvas compress each stream when it is written, on its own thread, as reportlab does.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from docgen.render.pdf.subsets import known_deflated, remember_deflated, subset_program

__all__ = ["FlateCanvas", "ThreadedFlate", "flate_threads", "threaded_flate"]

_THREADS: ContextVar[bool] = ContextVar("docgen_flate_threads", default=True)


def _deflate(content: str | bytes) -> bytes:
    """What reportlab's Flate filter does to a stream's content."""
    return zlib.compress(content.encode("utf8") if isinstance(content, str) else content)


def _pdfdoc_enc(x: Any) -> Any:
    """reportlab's ``pdfdoc.pdfdocEnc`` (a text in PDFDocEncoding, through its Python codec), at
    once for a text of printable ASCII, which that encoding leaves as it is: the numbers, names
    and operators of every object of a file (40,000 calls in the forms benchmark, 0.4 µs each).
    Anything else goes to reportlab's own (what it returns or raises)."""
    if isinstance(x, str) and x.isascii() and x.isprintable():
        return x.encode("ascii")
    return _REPORTLAB_PDFDOC_ENC(x)


_REPORTLAB_PDFDOC_ENC = pdfdoc.pdfdocEnc


class ThreadedFlate:
    """reportlab's Flate stream filter (``pdfdoc.PDFZCompress``'s interface), with the
    compression of the contents handed over by ``submit`` already under way on a worker thread.
    A content is recognised by identity: the very object handed over, kept alive until it is
    encoded."""

    pdfname = "FlateDecode"

    def __init__(self, pool: ThreadPoolExecutor | None):
        self._pool = pool  # None: every stream is compressed when it is written
        self._pending: dict[int, tuple[str | bytes, Future[bytes]]] = {}

    def submit(self, content: str | bytes) -> None:
        """Start compressing ``content``, which a stream of this PDF will hold (unless it is a
        font program whose compressed stream is known: see ``subsets``)."""
        if self._pool is None or id(content) in self._pending:
            return
        if isinstance(content, bytes) and known_deflated(content) is not None:
            return
        self._pending[id(content)] = (content, self._pool.submit(_deflate, content))

    def encode(self, text: str | bytes) -> bytes:
        entry = self._pending.pop(id(text), None)
        if entry is not None and entry[0] is text:
            future = entry[1]
            if future.cancel():  # no worker has started it: compressed here
                deflated = _deflate(text)
            else:
                if not future.done():
                    self._help()
                deflated = future.result()
        elif isinstance(text, bytes) and (known := known_deflated(text)) is not None:
            return known
        else:
            deflated = _deflate(text)
        if isinstance(text, bytes):
            remember_deflated(text, deflated)
        return deflated

    def _help(self) -> None:
        """While a worker compresses what the file needs now, this thread compresses the
        streams no worker has started yet (in the order they were handed over, which is the
        order they are written in) instead of waiting."""
        for key, (content, future) in list(self._pending.items()):
            if future.cancel():
                done: Future[bytes] = Future()
                done.set_result(_deflate(content))
                self._pending[key] = (content, done)

    def decode(self, encoded: bytes) -> bytes:
        return zlib.decompress(encoded)

    def canvas_maker(self) -> Callable[..., FlateCanvas]:
        """A ``canvasmaker`` for platypus' ``BaseDocTemplate.build``."""
        return functools.partial(FlateCanvas, flate=self)


@contextlib.contextmanager
def flate_threads(enabled: bool) -> Iterator[None]:
    """Within the block, ``threaded_flate`` starts worker threads only if ``enabled``."""
    token = _THREADS.set(enabled)
    try:
        yield
    finally:
        _THREADS.reset(token)


@contextlib.contextmanager
def threaded_flate() -> Iterator[ThreadedFlate]:
    """A ThreadedFlate with its worker threads, which end with the block (a pending
    compression is cancelled if the block fails); without threads inside
    ``flate_threads(False)``."""
    if not _THREADS.get():
        yield ThreadedFlate(None)
        return
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="docgen-flate")
    with _quick_switching():
        try:
            yield ThreadedFlate(pool)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)


# A worker thread needs the GIL for a moment to start each compression and again to finish it.
# While the thread that lays the pages out runs Python, a thread asking for the GIL gets it only
# when that thread's switch interval runs out: 5 ms by default, against 0.1-0.5 ms for most
# streams' compression. With hundreds of streams in a PDF, the workers then spent most of a
# render waiting, and the compression piled up until the file was written (the forms
# benchmark: the threads' 0.2 s of compression took 0.73 s of their time, and writing the
# files waited 0.12 s for them). Within ``threaded_flate`` the interval is 0.5 ms: each stream
# is compressed within a page or two of being handed over, for about 1 % more CPU time in the
# thread that lays out.
SWITCH_INTERVAL = 0.0005
_switching_lock = threading.Lock()
_switching_users = 0
_switching_saved = 0.0


@contextlib.contextmanager
def _quick_switching() -> Iterator[None]:
    """The interpreter's switch interval at most ``SWITCH_INTERVAL`` within the block (the
    interval is the process's: the first of several overlapping blocks sets it, the last one
    to end puts the previous value back)."""
    global _switching_users, _switching_saved
    with _switching_lock:
        if _switching_users == 0:
            _switching_saved = sys.getswitchinterval()
            sys.setswitchinterval(min(_switching_saved, SWITCH_INTERVAL))
        _switching_users += 1
    try:
        yield
    finally:
        with _switching_lock:
            _switching_users -= 1
            if _switching_users == 0:
                sys.setswitchinterval(_switching_saved)


class FlateCanvas(Canvas):
    """A reportlab canvas whose streams ``flate`` compresses: each page's when the page is shown,
    a font subset's as soon as it is full (reportlab fills a face's subsets of 256 characters one
    after another: all but the last are final while the pages are still being laid out), the
    last subsets' when ``save`` makes them."""

    _code: list[str]  # reportlab's: the current page's operators
    _doc: Any  # reportlab's: the PDFDocument

    def __init__(self, *args: Any, flate: ThreadedFlate, **kwargs: Any):
        self._flate = flate
        self._subsets: dict[tuple[int, tuple[int, ...]], bytes] = {}  # (face, subset) -> program
        self._subsets_made: dict[str, int] = {}  # font name -> subsets made so far
        super().__init__(*args, **kwargs)

    def showPage(self) -> None:
        super().showPage()
        stream = self._doc.Pages.pages[-1].stream
        if stream:
            self._flate.submit(stream)
        self._make_full_subsets()

    def _make_full_subsets(self) -> None:
        doc = self._doc
        for font in doc.delayedFonts:  # the TrueType fonts used so far
            state = font.state.get(doc)
            if state is None:
                continue
            made = self._subsets_made.get(font.fontName, 0)
            for subset in state.subsets[made:-1]:
                program = subset_program(font.face, subset)
                self._subsets[(id(font.face), tuple(subset))] = program
                self._flate.submit(program)
            self._subsets_made[font.fontName] = max(made, len(state.subsets) - 1)

    def _subset_program(self, face: Any, subset: list[int]) -> bytes:
        """A face's ``makeSubset`` while the file is written: the program made already (the
        very bytes object whose compression is under way), or made now and handed over at
        once (its compression runs while the next fonts' subsets are made)."""
        program = self._subsets.pop((id(face), tuple(subset)), None)
        if program is None:
            program = subset_program(face, subset)
            self._flate.submit(program)
        return program

    def save(self) -> None:
        if len(self._code):
            self.showPage()
        doc = self._doc
        faces = {id(font.face): font.face for font in doc.delayedFonts}
        saved, saved_enc = pdfdoc.PDFZCompress, pdfdoc.pdfdocEnc
        # read by the page and font objects as they are made (the stubs want reportlab's class)
        pdfdoc.PDFZCompress = self._flate  # type: ignore[assignment]
        pdfdoc.pdfdocEnc = _pdfdoc_enc
        for face in faces.values():
            face.makeSubset = functools.partial(self._subset_program, face)
        try:
            # What GetPDFData does first: make the fonts' objects (their subsets). Done here, in
            # the same order, so that the last subsets are handed over before the file is
            # written.
            for font in doc.delayedFonts:
                font.addObjects(doc)
            doc.delayedFonts = []
            for number in sorted(doc.numberToId):
                obj = doc.idToObject[doc.numberToId[number]]
                if (
                    isinstance(obj, pdfdoc.PDFStream)
                    and obj.content is not None
                    and obj.filters is not None
                    and any(f is self._flate for f in obj.filters)
                ):
                    self._flate.submit(obj.content)
            super().save()
        finally:
            pdfdoc.PDFZCompress, pdfdoc.pdfdocEnc = saved, saved_enc
            for face in faces.values():
                del face.makeSubset  # the class's method again
