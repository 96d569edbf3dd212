"""``docgen validate`` checks the attachments in a forked worker while it checks the rest
(issue 16, ``docgen.attachworker``): the findings must be those of one process, whatever the
attachments are, and a worker that dies must change nothing but the time."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from docgen import attachments, attachworker, cli
from docgen.errors import Finding
from docgen.procs import worker_core_free

from .conftest import SAMPLES

BAD = Path(__file__).resolve().parent / "data" / "bad"
CITIES = sorted(SAMPLES.glob("*/city.json")) + sorted(BAD.glob("attachment_*.json"))


def _in_one_process(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    with monkeypatch.context() as m:
        m.setattr(attachworker, "start_attachment_worker", lambda: None)
        return cli._check(path, False)[1]


@pytest.mark.skipif(not worker_core_free(), reason="no worker here (not Linux, one core)")
@pytest.mark.parametrize("path", CITIES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_worker_finds_what_one_process_finds(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    real = attachworker.start_attachment_worker

    def start() -> attachworker.AttachmentWorker | None:
        worker = real()
        started.append(worker)
        return worker

    monkeypatch.setattr(attachworker, "start_attachment_worker", start)
    here = _count_loads_here(monkeypatch)
    findings = cli._check(path, False)[1]
    assert started and started[0] is not None
    assert here == []  # every attachment was checked by the worker
    assert findings == _in_one_process(path, monkeypatch)
    assert multiprocessing.active_children() == []  # the worker has ended


def _count_loads_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The attachments this process loads itself from now on (a worker forked later inherits
    the counting, in its own memory)."""
    loads: list[str] = []
    real = attachments._load
    pid = os.getpid()

    def load(base_dir: Path, file: str, allow_absolute: bool) -> object:
        if os.getpid() == pid:
            loads.append(file)
        return real(base_dir, file, allow_absolute)

    monkeypatch.setattr(attachments, "_load", load)
    return loads


def _die(*_args: object) -> dict[str, str | None]:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


@pytest.mark.skipif(not worker_core_free(), reason="no worker here (not Linux, one core)")
@pytest.mark.parametrize("name", ["450900", "attachment_truncated_pdf.json"])
def test_a_worker_that_dies_changes_nothing(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = SAMPLES / name / "city.json" if name[0].isdigit() else BAD / name
    expected = _in_one_process(path, monkeypatch)
    monkeypatch.setattr(attachworker, "_problems", _die)  # the forked worker inherits it
    here = _count_loads_here(monkeypatch)
    assert cli._check(path, False)[1] == expected
    assert here  # checked in this process instead
    assert multiprocessing.active_children() == []


def _slow(*_args: object) -> dict[str, str | None]:
    import time

    time.sleep(60)
    return {}


@pytest.mark.skipif(not worker_core_free(), reason="no worker here (not Linux, one core)")
def test_an_interrupted_validate_ends_its_worker_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    def interrupted(*_args: object, **_kwargs: object) -> list[Finding]:
        raise KeyboardInterrupt

    monkeypatch.setattr(attachworker, "_problems", _slow)  # a worker busy for a minute
    monkeypatch.setattr(cli, "validate", interrupted)  # Ctrl-C while the rest is checked
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        cli._check(SAMPLES / "450900" / "city.json", False)
    assert time.monotonic() - started < 20
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []
