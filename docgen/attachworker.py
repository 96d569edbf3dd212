"""``docgen validate``'s attachment checks in a worker process, beside the other checks.

Checking an attachment runs the build's own placement (``docgen.attachments``): pypdf and the
page placers are imported (0.06 s) and every page parsed and placed (0.06 s for 玉林's eight
pages), a third of what ``docgen validate`` takes, none of which the other checks need. On Linux
the command forks a worker before it loads the city file; the worker imports the attachment
readers while the city file is loaded, then checks the city's attachments (the same
``AttachmentReader.problem``) while this process runs every other check, which ask for the
attachments' verdicts last (``rules.validate``).

The verdicts are the same words as in one process: a worker that cannot start or dies is replaced
by the check in this process. The worker dies with docgen and ignores Ctrl-C
(``procs.worker_init``); it reads the attachments, never writes anything.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path

from .attachments import AttachmentReader
from .procs import worker_core_free, worker_init

__all__ = ["AttachmentWorker", "start_attachment_worker"]


def _import_readers() -> None:
    """In the worker, at once: what checking an attachment imports (pypdf and the placers, PIL
    and its common image formats), while the city file is loaded."""
    import PIL.Image
    import pypdf  # noqa: F401

    import docgen.attach  # noqa: F401

    PIL.Image.preinit()


def _problems(
    base_dir: Path, files: tuple[str, ...], allow_absolute: bool
) -> dict[str, str | None]:
    """In the worker: each file's problem (Chinese) or None, as ``AttachmentReader`` says."""
    reader = AttachmentReader(base_dir, allow_absolute=allow_absolute)
    return {file: reader.problem(file) for file in dict.fromkeys(files)}


class _CheckedInWorker(AttachmentReader):
    """An AttachmentReader whose ``problem`` is the worker's verdict, asked for when first
    needed; a file the worker did not check, or a worker that failed, is checked here."""

    def __init__(
        self, base_dir: Path, allow_absolute: bool, verdicts: Future[dict[str, str | None]]
    ):
        super().__init__(base_dir, allow_absolute=allow_absolute)
        self._verdicts = verdicts

    def problem(self, file: str) -> str | None:
        try:
            verdicts = self._verdicts.result()
        except Exception:  # the worker died (killed, out of memory): check here
            verdicts = {}
        if file in verdicts:
            return verdicts[file]
        return super().problem(file)


class AttachmentWorker:
    """A forked process that imports the attachment readers now and checks a city's
    attachments when ``reader`` is called. ``close`` ends it."""

    def __init__(self) -> None:
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=worker_init
        )
        self._pool.submit(_import_readers)  # starts the process

    def reader(
        self, base_dir: Path, files: Sequence[str], *, allow_absolute: bool = False
    ) -> AttachmentReader:
        """An AttachmentReader for ``base_dir`` whose verdicts on ``files`` the worker makes."""
        try:
            verdicts = self._pool.submit(_problems, base_dir, tuple(files), allow_absolute)
        except RuntimeError:  # the pool broke (its process died)
            return AttachmentReader(base_dir, allow_absolute=allow_absolute)
        return _CheckedInWorker(base_dir, allow_absolute, verdicts)

    def close(self) -> None:
        """End the worker (its check is done or no longer wanted)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Kill the worker now (an interrupted command: no waiting for its check)."""
        for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
            with contextlib.suppress(OSError, AttributeError):
                proc.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)


def start_attachment_worker() -> AttachmentWorker | None:
    """The worker, or None where it cannot run beside this process (not Linux, one core, no
    fork in a sandbox): then the attachments are checked in this process."""
    if not worker_core_free():
        return None
    try:
        return AttachmentWorker()
    except (OSError, ValueError):
        return None
