"""Child processes that never outlive docgen, and SIGTERM treated like Ctrl-C.

docgen starts worker processes (the Word writer of a build, the city builds of a batch). When the
command is interrupted (Ctrl-C, SIGTERM) or killed (SIGKILL, out of memory), its workers must go
too: on Linux each worker asks the kernel for SIGKILL when its parent dies
(``PR_SET_PDEATHSIG``), and ignores SIGINT, which a terminal's Ctrl-C sends to the whole process
group: the parent alone decides what an interruption means and cleans up.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType

_PR_SET_PDEATHSIG = 1

# The garbage collector's thresholds while docgen works: a command imports its stages and a
# build makes a few million small objects, with almost no garbage cycles, so the young
# generation is collected every 50 000 allocations instead of every 700 (the default collects
# ~60 times while the build's modules are imported alone).
QUIET_GC = (50_000, 20, 100)


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """Collect the young generation less often (``QUIET_GC``); the thresholds are restored
    afterwards."""
    saved = gc.get_threshold()
    gc.set_threshold(*QUIET_GC)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwinds like Ctrl-C, so every ``finally`` (temp folder, lock) runs."""


def worker_init() -> None:
    """Initializer of every docgen worker process: die with the parent, leave Ctrl-C to it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()


def worker_core_free() -> bool:
    """Whether a forked worker process can run beside this one: Linux (fork, and a worker that
    dies with its parent) with a second core in this process' affinity."""
    return sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) >= 2


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; elsewhere a no-op
    beyond the check below). If the parent is already gone, exit at once."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent == 1 or os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _raise_terminated(_signum: int, _frame: FrameType | None) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises ``Terminated`` (a KeyboardInterrupt) in the main thread,
    so a terminated build cleans up exactly as an interrupted one does."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread: leave the default
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
