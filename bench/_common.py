"""Shared helpers of the benchmarks: machine facts, timed subprocesses with peak memory, PDF page
counts, synthetic cities (the samples with more narrative) and a cProfile summary.

Everything is measured on the machine the benchmark runs on; nothing is read from old results.
"""

from __future__ import annotations

import contextlib
import cProfile
import functools
import io
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
BIN = Path(sys.executable).parent
DOCGEN = str(BIN / "docgen")


# ---------------------------------------------------------------------------------------------
# The machine.


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _ram_gib() -> float:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return "not installed"


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_version() -> str:
    exe = soffice_path()
    if exe is None:
        return "not installed"
    try:
        out = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    words = out.stdout.split()
    return " ".join(words[:2]) if words else "unknown"


def machine() -> dict[str, Any]:
    """nproc, CPU model, RAM, OS, Python and the versions of the libraries compared."""
    return {
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "cpu": _cpu_model(),
        "ram_gib": round(_ram_gib(), 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "docgen": _version("docgen"),
        "reportlab": _version("reportlab"),
        "rl-accel": _version("rl-accel"),
        "rl_accel_active": _rl_accel_active(),
        "pypdf": _version("pypdf"),
        "python-docx": _version("python-docx"),
        "weasyprint": _version("weasyprint"),
        "libreoffice": soffice_version(),
    }


def _rl_accel_active() -> bool:
    """Whether reportlab runs with its C accelerator (the rl-accel package)."""
    from reportlab.lib import rl_accel

    return type(rl_accel.fp_str).__name__ == "builtin_function_or_method"


def print_machine(info: dict[str, Any]) -> None:
    print(
        f"machine: {info['nproc']} cores ({info['cpu']}), {info['ram_gib']} GiB RAM, {info['os']}, "
        f"Python {info['python']}"
    )
    print(
        f"versions: docgen {info['docgen']}, reportlab {info['reportlab']} (rl-accel "
        f"{info['rl-accel']}, {'in use' if info['rl_accel_active'] else 'NOT in use'}), "
        f"pypdf {info['pypdf']}, "
        f"python-docx {info['python-docx']}, WeasyPrint {info['weasyprint']}, "
        f"{info['libreoffice']}"
    )


# ---------------------------------------------------------------------------------------------
# Timed subprocesses: wall, CPU, peak memory of the largest process and of the whole tree.


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses
        rest = stat[stat.rfind(b")") + 2 :].split()
        kids.setdefault(int(rest[1]), []).append(int(entry.name))
    return kids


def _mem_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of ``pid`` in KiB: resident now, and the peak since its last exec."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


class _TreeSampler(threading.Thread):
    """Samples the memory of a process and all its descendants every ``interval`` seconds: the
    peak of their summed resident memory, and the largest per-process peak (VmHWM).

    VmHWM, not wait4's ru_maxrss: a child forked (or vforked) from this benchmark process gets
    this process's high-water mark folded into its ru_maxrss at exec, so ru_maxrss would report
    the benchmark's own size. VmHWM restarts at exec and is monotonic, so sampling it misses at
    most a peak in the last ``interval`` of a process's life."""

    def __init__(self, pid: int, interval: float = 0.02):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self.peak_procs = 0
        self.hwm_kib = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            kids = _children_map()
            todo, tree = [self.pid], []
            while todo:
                p = todo.pop()
                tree.append(p)
                todo.extend(kids.get(p, ()))
            total = 0
            for p in tree:
                rss, hwm = _mem_kib(p)
                total += rss
                self.hwm_kib = max(self.hwm_kib, hwm)
            if total > self.peak_kib:
                self.peak_kib, self.peak_procs = total, len(tree)
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


@dataclass
class Run:
    argv: list[str]
    returncode: int
    wall: float
    cpu: float  # user + system of the process and its waited-for descendants
    maxrss_mib: float  # largest single process: its peak resident memory (sampled VmHWM)
    tree_peak_mib: float  # sampled peak of the summed RSS of the process tree
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def run_measured(
    argv: Sequence[str],
    *,
    timeout: float = 600.0,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    sample_tree: bool = True,
) -> Run:
    """Run ``argv`` and measure it: wall, CPU (wait4: the child and its waited-for
    descendants), the largest process's peak memory and the peak of all of them together
    (both sampled every 20 ms; see _TreeSampler)."""
    out_f = io.BytesIO()
    err_f = io.BytesIO()
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    sampler = _TreeSampler(proc.pid) if sample_tree else None
    if sampler:
        sampler.start()
    readers = [
        threading.Thread(target=lambda s, b: b.write(s.read()), args=(proc.stdout, out_f)),
        threading.Thread(target=lambda s, b: b.write(s.read()), args=(proc.stderr, err_f)),
    ]
    for t in readers:
        t.start()
    timed_out = False
    deadline = started + timeout
    status, usage = 0, None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)  # the child's own session: soffice.bin included
            _, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if sampler:
        sampler.stop()
    for t in readers:
        t.join()
    assert usage is not None
    return Run(
        argv=list(argv),
        returncode=proc.returncode,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss_mib=(sampler.hwm_kib / 1024) if sampler else 0.0,
        tree_peak_mib=(sampler.peak_kib / 1024) if sampler else 0.0,
        stdout=out_f.getvalue().decode("utf-8", "replace"),
        stderr=err_f.getvalue().decode("utf-8", "replace"),
        timed_out=timed_out,
    )


# ---------------------------------------------------------------------------------------------
# PDFs and cities.


def pdf_pages(data: bytes | Path) -> int:
    from pypdf import PdfReader

    if isinstance(data, Path):
        data = data.read_bytes()
    return len(PdfReader(io.BytesIO(data)).pages)


def sample_files() -> list[Path]:
    return sorted(SAMPLES.glob("*/city.json"))


def largest_sample() -> Path:
    """The sample whose city file carries the most text (玉林 450900, the 46-page form)."""
    return max(sample_files(), key=lambda p: p.stat().st_size)


def _scaled_text(text: str, factor: float) -> str:
    """``text`` repeated ``factor`` times: whole copies, then the leading blocks (split at blank
    lines, so tables and lists stay whole) of one more copy for the fraction."""
    whole = int(factor)
    parts = [text] * max(whole, 1)
    frac = factor - whole
    if frac > 1e-9 and whole >= 1:
        blocks = text.split("\n\n")
        take = round(len(blocks) * frac)
        if take:
            parts.append("\n\n".join(blocks[:take]))
    return "\n\n".join(parts)


def scaled_city(src: Path, dst_dir: Path, factor: float) -> Path:
    """A copy of the city ``src`` (with its attachments) in ``dst_dir`` whose every narrative
    section holds ``factor`` times the text. Returns the new city file."""
    if dst_dir.exists():
        shutil.rmtree(dst_dir)
    shutil.copytree(src.parent, dst_dir)
    data = json.loads(src.read_text(encoding="utf-8"))
    for app in data["applications"]:
        for section in app.get("sections", []):
            section["text"] = _scaled_text(section["text"], factor)
    out = dst_dir / src.name
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def manifest_of(out_dir: Path) -> dict[str, Any]:
    return json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Timing and profiling in process.


def fresh_round() -> None:
    """Forget what docgen keeps in a process from one render to the next (the font subset
    programs of ``docgen.render.pdf.subsets``, the inline pieces of short texts of
    ``docgen.render.pdf.inline``), so that a timed call renders its documents as for the first
    time in its process, not the same documents again. Called before every timed call that
    repeats an in-process render."""
    for module, forget in (
        ("docgen.render.pdf.subsets", "forget_all"),
        ("docgen.render.pdf.inline", "forget_pieces"),
    ):
        # only what is imported, and exists in this commit's docgen
        getattr(sys.modules.get(module), forget, lambda: None)()


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """(best wall, CPU of that run, result) over ``repeats`` calls, each after ``fresh_round``."""
    best = (float("inf"), 0.0, None)
    for _ in range(repeats):
        fresh_round()
        c0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if wall < best[0]:
            best = (wall, cpu, result)
    return best


def best_interleaved(
    fns: dict[str, Callable[[], Any]], rounds: int
) -> dict[str, tuple[float, float, Any]]:
    """``best_of`` for several functions measured in alternating rounds (a, b, c, a, b, c ...),
    with a garbage collection before each call: a slow spell of a shared machine then hits
    every side of a ratio alike instead of whichever side happened to run in it. Each call
    after ``fresh_round``."""
    import gc

    best: dict[str, tuple[float, float, Any]] = {k: (float("inf"), 0.0, None) for k in fns}
    for _ in range(rounds):
        for key, fn in fns.items():
            gc.collect()
            fresh_round()
            c0, t0 = time.process_time(), time.perf_counter()
            result = fn()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            if wall < best[key][0]:
                best[key] = (wall, cpu, result)
    return best


@dataclass
class Hotspot:
    where: str  # file:line(function), relative to the repository or site-packages
    own: float  # seconds spent in the function itself
    total: float  # seconds including callees
    calls: int


@dataclass
class Profile:
    seconds: float
    by_own: list[Hotspot] = field(default_factory=list)
    by_total: list[Hotspot] = field(default_factory=list)


def _short(filename: str) -> str:
    for marker in ("/site-packages/", str(ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename.replace(sys.prefix, "<python>")


def _hotspots(stats: pstats.Stats, seconds: float, top: int) -> Profile:
    rows = []
    for (filename, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(Hotspot(f"{_short(filename)}:{line}({func})", tt, ct, nc))
    by_own = sorted(rows, key=lambda h: h.own, reverse=True)[:top]
    interesting = [h for h in rows if "bench/" not in h.where and "<python>" not in h.where]
    by_total = sorted(interesting, key=lambda h: h.total, reverse=True)[:top]
    return Profile(seconds, by_own, by_total)


def profile_call(fn: Callable[[], Any], top: int = 15) -> Profile:
    """cProfile ``fn``; the ``top`` functions by own time and by cumulative time."""
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.runcall(fn)
    seconds = time.perf_counter() - t0
    return _hotspots(pstats.Stats(prof), seconds, top)


_PROFILE_CLI = """
import cProfile, sys, time
t0 = time.perf_counter()
prof = cProfile.Profile()
prof.enable()
from docgen.cli import main
try:
    main(sys.argv[2:], standalone_mode=False)
finally:
    prof.disable()
    prof.dump_stats(sys.argv[1])
    print(time.perf_counter() - t0, file=sys.stderr)
"""


def profile_cli(args: Sequence[str], top: int = 15) -> Profile:
    """cProfile a whole ``docgen ARGS`` command in a fresh interpreter, imports included."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cli.prof"
        r = subprocess.run(
            [sys.executable, "-c", _PROFILE_CLI, str(out), *args],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        seconds = float(r.stderr.strip().splitlines()[-1]) if r.stderr.strip() else 0.0
        return _hotspots(pstats.Stats(str(out)), seconds, top)


def print_profile(title: str, prof: Profile) -> None:
    print(f"\n  profile of {title} ({prof.seconds:.2f} s under cProfile)")
    print("    own s   total s     calls  where (by own time)")
    for h in prof.by_own:
        print(f"  {h.own:7.3f}  {h.total:8.3f}  {h.calls:8d}  {h.where}")
    print("    own s   total s     calls  where (by cumulative time)")
    for h in prof.by_total:
        print(f"  {h.own:7.3f}  {h.total:8.3f}  {h.calls:8d}  {h.where}")


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


class StageTimer:
    """Exclusive wall time per stage: wraps named functions for the duration of a ``with``
    block; time spent in a nested wrapped call counts for the inner stage only."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._patches: list[tuple[Any, str, Any]] = []
        self._stack: list[float] = []  # time taken by nested stages, per open frame

    def wrap(self, owner: Any, attr: str, label: str) -> None:
        """Time calls of ``owner.attr`` as ``label``; a name docgen no longer has is skipped."""
        original = getattr(owner, attr, None)
        if original is None:
            return
        timer = self

        # functools.wraps keeps the original's module and qualified name, so a patched function
        # that docgen hands to a process pool still pickles (by name, to this wrapper).
        @functools.wraps(original)
        def timed(*args: Any, **kw: Any) -> Any:
            timer._stack.append(0.0)
            t0 = time.perf_counter()
            try:
                return original(*args, **kw)
            finally:
                spent = time.perf_counter() - t0
                nested = timer._stack.pop()
                timer.seconds[label] = timer.seconds.get(label, 0.0) + spent - nested
                timer.calls[label] = timer.calls.get(label, 0) + 1
                if timer._stack:
                    timer._stack[-1] += spent

        self._patches.append((owner, attr, original))
        setattr(owner, attr, timed)

    def __enter__(self) -> StageTimer:
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, attr, original in reversed(self._patches):
            setattr(owner, attr, original)
        self._patches.clear()


def build_stages(city: Path, out: Path) -> tuple[float, dict[str, float]]:
    """One in-process ``build_city`` with the wall time of each stage (exclusive). Call it after
    a warm-up build in the same process, so fonts and imports are not counted."""
    import docgen.build as build
    import docgen.bundle as bundle
    import docgen.output as output
    import docgen.render.docx as docx
    import docgen.render.fonts as fonts
    import docgen.render.pdf as pdf
    import docgen.render.xlsx as xlsx

    with StageTimer() as st:
        st.wrap(build, "check_city", "load + validate (attachments read and placed)")
        st.wrap(build, "compose_declaration", "compose")
        st.wrap(build, "compose_summary", "compose")
        st.wrap(build, "summary_document", "compose")
        st.wrap(fonts.FontSet, "missing", "font coverage check")
        st.wrap(pdf, "render_pdf", "render_pdf (reportlab)")
        st.wrap(docx, "render_docx", "render_docx (python-docx)")
        st.wrap(xlsx, "render_xlsx", "render_xlsx (openpyxl)")
        st.wrap(bundle, "plan_packet", "bundle: plan")
        st.wrap(bundle, "draw_overlay", "bundle: overlay (reportlab)")
        st.wrap(bundle, "write_packet", "bundle: merge + write (pypdf)")
        st.wrap(build, "_slice_pdf", "slice per-form PDFs here (no worker)")
        st.wrap(build, "input_key", "build key (hashing)")
        st.wrap(build, "_start_docx", "start the Word worker (fork)")
        st.wrap(build._DocxJob, "result", "wait for the worker (Word, slices)")
        st.wrap(output.OutputFolder, "write", "write files")
        st.wrap(output.OutputFolder, "commit", "fsync + swap")
        t0 = time.perf_counter()
        build.build_city(city, out)
        total = time.perf_counter() - t0
    stages = dict(sorted(st.seconds.items(), key=lambda kv: kv[1], reverse=True))
    # Waiting for work docgen hands to other processes (if it does) lands here too.
    stages["other"] = total - sum(st.seconds.values())
    return total, stages


def print_stages(title: str, total: float, stages: dict[str, float]) -> None:
    print(f"\n  stages of {title} (in process, warm: {total:.2f} s)")
    for name, s in stages.items():
        print(f"    {name:<32} {s:6.3f} s  {s / total * 100:5.1f} %")
