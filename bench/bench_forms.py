"""Benchmark (issue 3): the declaration forms of all samples, docgen against the alternatives.

1. docgen: compose + render_pdf of every sample city's forms (one render_pdf per city, as
   ``docgen build`` does), in this one process: pages/s on one core.
2. The raw limit: a bare reportlab canvas drawing the very text lines docgen drew (captured from
   a docgen run: same fonts, sizes, strings, positions, same pages), with no layout at all.
   Judged against issue 3's target (>= 0.5 of it) and issue 16's (>= 0.75), each on its own line.
3. WeasyPrint: the same Document IR as HTML/CSS (bench/html_ir.py), same fonts, -> PDF.
4. Typst (the ``typst`` package): the same Document IR as Typst markup (bench/typst_ir.py), same
   fonts, one reused ``typst.Compiler`` (fonts loaded once), -> PDF; wall and CPU time (Typst
   uses more than one core). docgen twice in the same alternating rounds: in this one process,
   and split over two forked worker processes as ``docgen batch -j 2`` splits a province (each
   city composed and rendered whole in one worker, the longest first; the pool's start-up
   timed; the workers' CPU counted; the PDFs checked byte for byte against the one-process
   ones). Issue 16's CPU target is judged on the one-process CPU time (the work itself), its
   wall target on the two-process wall time.
5. python-docx + LibreOffice: docgen's own render_docx output, converted by
   ``soffice --headless --convert-to pdf``, once with one call for all files, once per file.
6. docgen's Word writer against the one of an older commit (issue 16): ``render_docx`` of every
   form, today's and the one of ``--word-baseline`` (default the commit before issue 16's
   change: python-docx for every run, paragraph and cell), loaded from ``git show`` into this
   process and rendering the same document models, in alternating rounds; CPU time and whether
   the bytes are the same.

Ratios are per page, each tool's time divided by its own page count, against docgen's.
Run: .venv/bin/python bench/bench_forms.py [--repeats N] [--no-weasyprint] [--no-typst]
[--no-libreoffice] [--word-baseline COMMIT|none]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import importlib.util
import io
import logging
import math
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import (
    ROOT,
    best_interleaved,
    machine,
    pdf_pages,
    print_machine,
    print_profile,
    profile_call,
    run_measured,
    sample_files,
    soffice_path,
    verdict,
)

from docgen.compose.declaration import compose_declaration
from docgen.document import Document
from docgen.edition import load_edition
from docgen.model import load_city
from docgen.render.fonts import FontSet, resolve_fonts

TARGET_PAGES_PER_CORE = 150.0
TARGET_VS_WEASYPRINT = 10.0
TARGET_VS_LIBREOFFICE = 15.0
TARGET_VS_RAW = 0.5  # docgen's pages/s at least this share of the raw limit's (issue 3)
TARGET_VS_RAW_ISSUE16 = 0.75  # the same figure, issue 16's target
TARGET_CPU_VS_TYPST = 0.75  # docgen's CPU time at most this share of Typst's (issue 16)
TARGET_WALL_VS_TYPST = 1.0  # and its wall time (two processes, as batch -j 2) at most Typst's
TARGET_WORD_VS_BASELINE = 0.5  # the Word writer's CPU per form at most half the baseline's
# The last commit of docgen/render/docx.py before issue 16 (python-docx for every run, paragraph
# and table cell); main's render/docx.py was this file up to the issue 16 change.
WORD_BASELINE_COMMIT = "75aa234"


@dataclass
class City:
    code: str
    forms: list[Document]


def load_city_forms(file: Path) -> City:
    """One city file read and its declaration forms composed."""
    city = load_city(file)
    edition = load_edition(city.edition)
    forms = [compose_declaration(city, i, edition) for i in range(len(city.applications))]
    return City(city.city.division_code, forms)


def load_forms() -> list[City]:
    return [load_city_forms(f) for f in sample_files()]


def compose_all() -> int:
    return sum(len(c.forms) for c in load_forms())


# ---------------------------------------------------------------------------------------------
# docgen


def docgen_render(cities: list[City], fonts: FontSet) -> tuple[int, list[bytes]]:
    from docgen.render.pdf import render_pdf

    pages, pdfs = 0, []
    for c in cities:
        result = render_pdf(c.forms, fonts)
        pages += result.pages
        pdfs.append(result.data)
    return pages, pdfs


def docgen_compose_render(fonts: FontSet) -> int:
    return docgen_render(load_forms(), fonts)[0]


# docgen in two processes: the cities split as ``docgen batch -j 2`` splits a province.

_WORKER_FONTS: FontSet | None = None  # set in each forked worker by _two_worker_init


def _two_worker_init(fonts: FontSet) -> None:
    """Initializer of a forked worker (as a batch's: die with the parent, leave Ctrl-C to it).
    ``fonts`` is the parent's warm font set, inherited by the fork, not pickled."""
    from docgen.procs import worker_init

    global _WORKER_FONTS
    worker_init()
    _WORKER_FONTS = fonts


def _two_worker_city(file: Path) -> tuple[int, int, bytes]:
    """In a worker: one city's compose + render_pdf, whole (the same calls as in one process);
    (this worker's pid, pages, the PDF's bytes)."""
    from docgen.render.pdf import render_pdf
    from docgen.render.pdf.flate import flate_threads

    assert _WORKER_FONTS is not None
    with flate_threads(False):  # as in a batch: every core has a worker already
        result = render_pdf(load_city_forms(file).forms, _WORKER_FONTS)
    return os.getpid(), result.pages, result.data


@dataclass
class TwoProcesses:
    pages: int
    pdfs: list[bytes]  # in the order of ``files``
    children_cpu: float  # user + system of the workers (reaped inside the call)
    worker_pages: list[int]  # pages each worker rendered, most first


def _children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def docgen_two_processes(files: list[Path], order: list[int], fonts: FontSet) -> TwoProcesses:
    """compose + render_pdf of every city file in two forked worker processes, each city whole
    in one of them (so each PDF is the very one a single process writes), handed out in
    ``order`` (longest first: each worker takes the next city as it becomes free, so both end
    together). The pool is created and shut down inside the call: its start-up (the forks) and
    the shipping of the PDFs back count in the wall time. The workers' CPU time is taken from
    RUSAGE_CHILDREN, which counts them once ``shutdown`` has reaped them."""
    cpu0 = _children_cpu()
    out: list[tuple[int, int, bytes] | None] = [None] * len(files)
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=2,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_two_worker_init,
        initargs=(fonts,),
    ) as pool:
        futures = [(i, pool.submit(_two_worker_city, files[i])) for i in order]
        for i, fut in futures:
            out[i] = fut.result()
    children_cpu = _children_cpu() - cpu0
    done = [r for r in out if r is not None]
    assert len(done) == len(files)
    by_worker: dict[int, int] = {}
    for pid, pages, _ in done:
        by_worker[pid] = by_worker.get(pid, 0) + pages
    return TwoProcesses(
        pages=sum(r[1] for r in done),
        pdfs=[r[2] for r in done],
        children_cpu=children_cpu,
        worker_pages=sorted(by_worker.values(), reverse=True),
    )


# ---------------------------------------------------------------------------------------------
# The raw limit: reportlab canvas, pre-broken lines.


@dataclass
class Seg:
    font: str
    size: float
    char_space: float
    x: float
    y: float
    text: str


@dataclass
class Capture:
    pages: list[list[Seg]]  # per output page (one list per PDF, concatenated)
    page_sizes: list[tuple[float, float]]
    lines: int
    chars: int
    use_a85: int  # reportlab's rl_config.useA85 while docgen wrote this PDF (its compression)


@contextmanager
def _capturing() -> Iterator[dict[str, Any]]:
    """Record every text run docgen draws (font, size, letter spacing, absolute position,
    string) and count the lines its pen draws, by wrapping the pen's two methods for the
    duration of one render."""
    from reportlab import rl_config

    from docgen.render import pdf as pdfmod

    rec: dict[str, Any] = {"segs": {}, "lines": 0, "sizes": {}, "use_a85": rl_config.useA85}
    orig_show, orig_line = pdfmod._TextPen._show, pdfmod._TextPen.line

    def show(self: Any, font: str, text: str, x: str, y: str) -> None:
        canv = self.canv
        page = canv.getPageNumber()
        rec["sizes"][page] = tuple(canv._pagesize)
        ax, ay = canv.absolutePosition(float(x), float(y))
        rec["use_a85"] = rl_config.useA85  # as set inside render_pdf (no ASCII85 since a509cd8)
        rec["segs"].setdefault(page, []).append(Seg(font, self.size, self.cs, ax, ay, text))
        orig_show(self, font, text, x, y)

    def line(self: Any, *args: Any, **kw: Any) -> Any:
        rec["lines"] += 1
        return orig_line(self, *args, **kw)

    pdfmod._TextPen._show = show  # type: ignore[method-assign]
    pdfmod._TextPen.line = line  # type: ignore[method-assign]
    try:
        yield rec
    finally:
        pdfmod._TextPen._show = orig_show  # type: ignore[method-assign]
        pdfmod._TextPen.line = orig_line  # type: ignore[method-assign]


def capture_lines(cities: list[City], fonts: FontSet) -> list[Capture]:
    """One capture per city (per render_pdf call), so the raw run writes the same PDFs."""
    from docgen.render.pdf import render_pdf

    out = []
    for c in cities:
        with _capturing() as rec:
            result = render_pdf(c.forms, fonts)
        pages = [rec["segs"].get(p, []) for p in range(1, result.pages + 1)]
        sizes = [rec["sizes"].get(p, (595.27, 841.89)) for p in range(1, result.pages + 1)]
        chars = sum(len(s.text) for page in pages for s in page)
        out.append(Capture(pages, sizes, rec["lines"], chars, rec["use_a85"]))
    return out


def raw_render(captures: list[Capture]) -> int:
    """Draw the captured segments on a bare canvas: one text object per page, with the stream
    filters docgen used (Flate, and ASCII85 only if docgen's render had it on)."""
    from reportlab import rl_config
    from reportlab.pdfgen.canvas import Canvas

    pages = 0
    saved_a85 = rl_config.useA85
    try:
        for cap in captures:
            rl_config.useA85 = cap.use_a85
            pages += _raw_one(cap, Canvas)
    finally:
        rl_config.useA85 = saved_a85
    return pages


def pen_render(captures: list[Capture]) -> int:
    """The same replay, but written by docgen's own text pen (``_TextPen._show``) instead of
    reportlab's text object: what the text output alone costs docgen, without any layout."""
    from reportlab import rl_config
    from reportlab.pdfgen.canvas import Canvas

    from docgen.render.pdf.pen import _num, _TextPen

    pages = 0
    saved_a85 = rl_config.useA85
    try:
        for cap in captures:
            rl_config.useA85 = cap.use_a85
            buf = io.BytesIO()
            canv = Canvas(buf, pagesize=cap.page_sizes[0], invariant=1, pageCompression=1)
            for segs, size in zip(cap.pages, cap.page_sizes, strict=True):
                canv.setPageSize(size)
                pen: Any = None
                for s in segs:
                    if pen is None or s.size != pen.size:
                        if pen is not None:
                            pen.finish()
                        pen = _TextPen(canv, s.size)
                    pen.spacing(s.char_space)
                    pen._show(s.font, s.text, _num(s.x), _num(s.y))
                if pen is not None:
                    pen.finish()
                canv.showPage()
            canv.save()
            pages += len(cap.pages)
    finally:
        rl_config.useA85 = saved_a85
    return pages


def _raw_one(cap: Capture, canvas_class: Any) -> int:
    buf = io.BytesIO()
    canv = canvas_class(buf, pagesize=cap.page_sizes[0], invariant=1, pageCompression=1)
    for segs, size in zip(cap.pages, cap.page_sizes, strict=True):
        canv.setPageSize(size)
        tx = canv.beginText()
        font, fsize, cs = None, 0.0, 0.0
        for s in segs:
            if s.font != font or s.size != fsize:
                tx.setFont(s.font, s.size)
                font, fsize = s.font, s.size
            if s.char_space != cs:
                tx.setCharSpace(s.char_space)
                cs = s.char_space
            tx.setTextOrigin(s.x, s.y)
            tx.textOut(s.text)
        canv.drawText(tx)
        canv.showPage()
    canv.save()
    return len(cap.pages)


# ---------------------------------------------------------------------------------------------
# WeasyPrint


def weasyprint_available() -> str | None:
    """None when WeasyPrint works here, else why not."""
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return "WeasyPrint is not installed (make bench-setup, or pip install -e '.[bench]')"
    except OSError as exc:  # the Pango libraries are missing
        return f"WeasyPrint cannot load its system libraries ({exc}); run make bench-setup"
    return None


def weasyprint_render(htmls: list[str]) -> tuple[int, list[bytes]]:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    pages, pdfs = 0, []
    for html in htmls:
        doc = weasyprint.HTML(string=html, base_url="/").render(font_config=config)
        pages += len(doc.pages)
        pdfs.append(doc.write_pdf())
    return pages, pdfs


def run_weasyprint(cities: list[City], fonts: FontSet) -> dict[str, Any]:
    from html_ir import documents_html

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    htmls = [documents_html(c.forms, fonts) for c in cities]
    html_s = time.perf_counter() - t0
    weasyprint_render(htmls[-1:])  # warm-up: font configuration, CSS machinery
    c0, t0 = time.process_time(), time.perf_counter()
    pages, pdfs = weasyprint_render(htmls)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "pages": pages,
        "wall": wall,
        "cpu": cpu,
        "html_s": html_s,
        "bytes": sum(len(p) for p in pdfs),
    }


# ---------------------------------------------------------------------------------------------
# Typst


def typst_available() -> str | None:
    """None when the typst package works here, else why not."""
    try:
        import typst  # noqa: F401
    except ImportError:
        return "typst is not installed (make bench-setup, or pip install -e '.[bench]')"
    except OSError as exc:
        return f"typst cannot be loaded ({exc})"
    return None


def typst_render(compiler: Any, sources: list[bytes]) -> tuple[int, list[bytes]]:
    pdfs = [compiler.compile(input=src, format="pdf", pdf_tags=False) for src in sources]
    return sum(pdf_pages(p) for p in pdfs), pdfs


def run_typst(cities: list[City], fonts: FontSet, rounds: int) -> dict[str, Any]:
    """Typst on the same forms: one source per city (as docgen renders one PDF per city), one
    ``typst.Compiler`` for all (the fonts of docgen's chains, loaded once; system fonts
    ignored), untagged PDF like docgen's. Best of ``rounds``, in alternating rounds with
    docgen's compose + render_pdf, in this one process and in two (a slow spell hits every side
    alike). Typst's CPU time is the process's (all its threads); the page count is taken
    outside the timing.

    docgen in two processes: the cities split as ``docgen batch -j 2`` splits a province. The
    parent is warmed as a batch warms it before it forks (``docgen.build.warm_up``: modules,
    fonts parsed and registered, editions; and it has rendered every form once already); each
    round then creates a pool of two forked workers, hands them the city files longest first
    (by the pages each city had in the untimed one-process rendering), gets each city's PDF
    back and shuts the pool down, all inside the timed call. Its CPU time is the parent's plus
    the workers'. Only the pool is created per round; the Typst side keeps its compiler (its
    fonts loaded once) as docgen keeps its parsed fonts: the warm state of both sides is reused,
    the processes docgen needs to use two cores are not."""
    import typst
    from typst_ir import documents_typst, font_paths

    from docgen.build import BuildOptions, warm_up
    from docgen.render.pdf import render_pdf

    t0 = time.perf_counter()
    sources = [documents_typst(c.forms, fonts).encode("utf-8") for c in cities]
    source_s = time.perf_counter() - t0
    compiler = typst.Compiler(font_paths=font_paths(fonts), ignore_system_fonts=True)
    compiler.compile(input=sources[-1], format="pdf", pdf_tags=False)  # warm-up: font loading

    files = sample_files()
    assert [load_city(f).city.division_code for f in files] == [c.code for c in cities]
    warm_up(BuildOptions(), [load_city(f).edition for f in files])
    # The one-process rendering, untimed: the reference bytes, and each city's page count
    # (longest first: the order the two workers are handed the cities in).
    reference = [render_pdf(c.forms, fonts) for c in cities]
    order = sorted(range(len(files)), key=lambda i: (-reference[i].pages, i))

    def compile_all() -> list[bytes]:
        return [compiler.compile(input=src, format="pdf", pdf_tags=False) for src in sources]

    fns: dict[str, Any] = {
        "typst": compile_all,
        "docgen": lambda: docgen_render(load_forms(), fonts),
        "docgen_two": lambda: docgen_two_processes(files, order, fonts),
    }
    two_skipped = None
    try:  # a first pool, untimed (its modules imported): can this machine fork workers at all?
        docgen_two_processes(files[:1], [0], fonts)
    except (OSError, ValueError, BrokenProcessPool) as exc:
        two_skipped = f"two worker processes cannot be started here ({exc!r})"
        del fns["docgen_two"]
    best = best_interleaved(fns, rounds)
    wall, cpu, pdfs = best["typst"]
    d_wall, d_cpu, (_, d_pdfs) = best["docgen"]
    pages = sum(pdf_pages(p) for p in pdfs)
    ref_pdfs = [r.data for r in reference]
    out = {
        "version": typst_version(),
        "pages": pages,
        "wall": wall,
        "cpu": cpu,
        "source_s": source_s,
        "bytes": sum(len(p) for p in pdfs),
        "docgen_wall": d_wall,
        "docgen_cpu": d_cpu,
        "docgen_same_bytes": sum(a == b for a, b in zip(d_pdfs, ref_pdfs, strict=True)),
        "files": len(files),
    }
    if two_skipped is not None:
        out["two_skipped"] = two_skipped
        return out
    t_wall, t_parent_cpu, two = best["docgen_two"]
    out.update(
        two_wall=t_wall,
        two_cpu=t_parent_cpu + two.children_cpu,
        two_parent_cpu=t_parent_cpu,
        two_children_cpu=two.children_cpu,
        two_pages=two.pages,
        two_worker_pages=two.worker_pages,
        # byte for byte against the one-process PDFs of the same rounds
        two_same_bytes=sum(a == b for a, b in zip(two.pdfs, d_pdfs, strict=True)),
    )
    return out


def typst_version() -> str:
    from typst_ir import typst_version as version

    return version()


# ---------------------------------------------------------------------------------------------
# python-docx + LibreOffice


def _soffice_cmd(exe: str, profile: Path, outdir: Path, files: list[Path]) -> list[str]:
    return [
        exe,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--nologo",
        "--nolockcheck",
        "--convert-to",
        "pdf",
        "--outdir",
        str(outdir),
        *map(str, files),
    ]


def run_libreoffice(
    cities: list[City],
    fonts: FontSet,
    *,
    per_file: bool,
    timeout_all: float,
    timeout_one: float,
    one_call_repeats: int = 1,
) -> dict[str, Any]:
    from docgen.render.docx import render_docx

    exe = soffice_path()
    if exe is None:
        return {"skipped": "LibreOffice (soffice) is not installed (make setup installs it)"}
    families = {role: fonts.family(role) for role in ("song", "hei", "kai", "fangsong")}
    # as docgen build writes them: characters the primary face lacks name their own face
    fallbacks = fonts.fallback_families(f for c in cities for f in c.forms)
    work = Path(tempfile.mkdtemp(prefix="docgen-bench-lo-"))
    try:
        src = work / "docx"
        src.mkdir()
        c0, t0 = time.process_time(), time.perf_counter()
        files: list[Path] = []
        for c in cities:
            for k, form in enumerate(c.forms):
                path = src / f"{c.code}-{k + 1:02d}.docx"
                path.write_bytes(render_docx(form, families, fallbacks))
                files.append(path)
        docx_wall, docx_cpu = time.perf_counter() - t0, time.process_time() - c0
        profile = work / "profile"
        # The first start of a fresh profile sets it up (slow, once per machine): not timed.
        warm = run_measured(
            _soffice_cmd(exe, profile, work / "warm", files[:1]), timeout=timeout_one * 2
        )
        if not warm.ok:
            return {"skipped": f"soffice failed on the warm-up file: {warm.stderr.strip()[:300]}"}
        # the fastest of ``one_call_repeats`` calls, each into an empty folder
        one_call = None
        for k in range(max(1, one_call_repeats)):
            out_k = work / f"all-{k}"
            r = run_measured(_soffice_cmd(exe, profile, out_k, files), timeout=timeout_all)
            if one_call is None or (r.ok and r.wall < one_call.wall):
                one_call, out_all = r, out_k
        assert one_call is not None
        result: dict[str, Any] = {
            "one_call_repeats": max(1, one_call_repeats),
            "files": len(files),
            "docx_wall": docx_wall,
            "docx_cpu": docx_cpu,
        }
        pdfs = sorted(out_all.glob("*.pdf"))
        if one_call.timed_out or len(pdfs) != len(files):
            result["one_call_error"] = (
                f"timed out after {timeout_all:.0f} s"
                if one_call.timed_out
                else f"{len(pdfs)} of {len(files)} PDFs written"
            )
        result.update(
            one_call_wall=one_call.wall,
            one_call_cpu=one_call.cpu,
            pages=sum(pdf_pages(p) for p in pdfs),
            maxrss_mib=one_call.maxrss_mib,
        )
        if per_file:
            walls, cpus, failed = [], [], 0
            for f in files:
                r = run_measured(
                    _soffice_cmd(exe, profile, work / "each", [f]), timeout=timeout_one
                )
                walls.append(r.wall)
                cpus.append(r.cpu)
                failed += not r.ok
            result.update(
                per_file_wall=sum(walls),
                per_file_cpu=sum(cpus),
                per_file_failed=failed,
                per_file_pages=sum(pdf_pages(p) for p in (work / "each").glob("*.pdf")),
            )
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# docgen's Word writer against an older commit's (issue 16)


def load_word_baseline(commit: str) -> tuple[Any, str]:
    """``render_docx`` of ``docgen/render/docx.py`` at ``commit`` (read with ``git show``,
    loaded as a module of its own beside today's docgen), or None and why not."""
    git = shutil.which("git")
    if git is None:
        return None, "git is not installed"
    shown = subprocess.run(
        [git, "-C", str(ROOT), "show", f"{commit}:docgen/render/docx.py"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if shown.returncode != 0:
        return None, f"git show {commit} failed: {shown.stderr.decode()[-300:].strip()}"
    name = f"_docx_at_{commit}"
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    try:
        exec(compile(shown.stdout, f"{commit}:docgen/render/docx.py", "exec"), module.__dict__)
    except Exception as exc:  # an older writer that no longer fits today's model
        return None, f"docgen/render/docx.py of {commit} does not load: {exc!r}"
    return module.render_docx, ""


def run_word(cities: list[City], fonts: FontSet, rounds: int, commit: str) -> dict[str, Any]:
    """CPU and wall time of ``render_docx`` over every form, today's against ``commit``'s, in
    alternating rounds, and whether both write the same bytes."""
    from docgen.render.docx import render_docx

    old_render, why = load_word_baseline(commit)
    if old_render is None:
        return {"skipped": why}
    families = {role: fonts.family(role) for role in ("song", "hei", "kai", "fangsong")}
    fallbacks = fonts.fallback_families(f for c in cities for f in c.forms)
    forms = [f for c in cities for f in c.forms]

    def render_all(fn: Any) -> list[bytes]:
        return [fn(form, families, fallbacks) for form in forms]

    try:
        old_files = render_all(old_render)
    except Exception as exc:
        return {"skipped": f"render_docx of {commit} fails on today's model: {exc!r}"}
    new_files = render_all(render_docx)
    best = best_interleaved(
        {"now": lambda: render_all(render_docx), "old": lambda: render_all(old_render)}, rounds
    )
    digest = [hashlib.sha256(b).digest() for b in new_files]
    same = sum(a == hashlib.sha256(b).digest() for a, b in zip(digest, old_files, strict=True))
    return {
        "commit": commit,
        "forms": len(forms),
        "wall": best["now"][0],
        "cpu": best["now"][1],
        "old_wall": best["old"][0],
        "old_cpu": best["old"][1],
        "cpu_ratio": best["now"][1] / best["old"][1],
        "same_bytes": same,
    }


# ---------------------------------------------------------------------------------------------


def run(
    repeats: int = 3,
    weasy: bool = True,
    libreoffice: bool = True,
    typst: bool = True,
    per_file: bool = True,
    profile: bool | None = None,
    word_baseline: str | None = WORD_BASELINE_COMMIT,
) -> dict[str, Any]:
    """Measure everything; print as it goes; return the figures."""
    res: dict[str, Any] = {}
    t0 = time.perf_counter()
    fonts = resolve_fonts()
    cities = load_forms()
    res["cold_setup_s"] = time.perf_counter() - t0
    res["cities"] = len(cities)
    res["forms"] = sum(len(c.forms) for c in cities)

    # docgen, cold (font files parsed and registered with reportlab in this call) and warm
    c0, t0 = time.process_time(), time.perf_counter()
    pages, pdfs = docgen_render(cities, fonts)
    res["docgen_cold_wall"] = time.perf_counter() - t0
    res["docgen_cold_cpu"] = time.process_time() - c0
    caps = capture_lines(cities, fonts)
    # Every in-process figure in alternating rounds, at least five: the ratios compare like
    # with like even when the machine has a slow spell.
    best = best_interleaved(
        {
            "compose": compose_all,
            "render": lambda: docgen_render(cities, fonts),
            "docgen": lambda: docgen_compose_render(fonts),
            "raw": lambda: raw_render(caps),
            "pen": lambda: pen_render(caps),
        },
        max(repeats, 5),
    )
    compose_wall, _, _ = best["compose"]
    wall, cpu, _ = best["render"]
    both_wall, both_cpu, _ = best["docgen"]
    res.update(
        pages=pages,
        bytes=sum(len(p) for p in pdfs),
        compose_wall=compose_wall,
        render_wall=wall,
        render_cpu=cpu,
        docgen_wall=both_wall,
        docgen_cpu=both_cpu,
        docgen_pps=pages / both_wall,
        docgen_pps_cpu=pages / both_cpu,
    )
    print(
        f"\nforms: {res['cities']} cities, {res['forms']} declaration forms, {pages} pages "
        f"({res['bytes'] / pages / 1024:.1f} KB/page as one PDF per city)"
    )
    print(f"  docgen compose only           {compose_wall:7.3f} s")
    print(f"  docgen render_pdf only        {wall:7.3f} s  {pages / wall:7.1f} pages/s")
    print(
        f"  docgen compose + render_pdf   {both_wall:7.3f} s  {res['docgen_pps']:7.1f} pages/s "
        f"(CPU {both_cpu:.3f} s: {res['docgen_pps_cpu']:.1f} pages/s per core; "
        f"target >= {TARGET_PAGES_PER_CORE:.0f}: {verdict(res['docgen_pps_cpu'] >= TARGET_PAGES_PER_CORE)})"
    )
    print(f"  first render in a fresh process (font files parsed): {res['docgen_cold_wall']:.3f} s")

    # raw limit
    raw_wall, _raw_cpu, raw_pages = best["raw"]
    lines = sum(c.lines for c in caps)
    chars = sum(c.chars for c in caps)
    res.update(
        raw_wall=raw_wall,
        raw_pages=raw_pages,
        raw_lines=lines,
        raw_chars=chars,
        raw_pps=raw_pages / raw_wall,
        raw_segments=sum(len(p) for c in caps for p in c.pages),
    )
    res["vs_raw"] = res["docgen_pps"] / res["raw_pps"]
    print(
        f"  raw limit: reportlab canvas, {lines} pre-broken lines ({chars} characters, "
        f"{res['raw_segments']} text runs) on {raw_pages} pages"
    )
    vs_raw = math.floor(res["vs_raw"] * 1000) / 1000
    ok_raw3 = res["vs_raw"] >= TARGET_VS_RAW
    ok_raw16 = res["vs_raw"] >= TARGET_VS_RAW_ISSUE16
    res["targets_raw"] = {"issue3": ok_raw3, "issue16": ok_raw16}
    print(
        f"                                {raw_wall:7.3f} s  {res['raw_pps']:7.1f} pages/s; docgen "
        f"reaches {vs_raw:.3f} of it"
    )
    print(
        f"     PDF engine against the raw limit (issue 3):  {vs_raw:.3f} "
        f"(target >= {TARGET_VS_RAW}: {verdict(ok_raw3)})"
    )
    print(
        f"     PDF engine against the raw limit (issue 16): {vs_raw:.3f} "
        f"(target >= {TARGET_VS_RAW_ISSUE16}: {verdict(ok_raw16)})"
    )
    pen_wall, _pen_cpu, _ = best["pen"]
    res["pen_wall"] = pen_wall
    res["vs_pen"] = pen_wall / both_wall
    print("  the same replay written by docgen's own text pen instead of reportlab's text object")
    print(
        f"                                {pen_wall:7.3f} s  {raw_pages / pen_wall:7.1f} pages/s; docgen "
        f"reaches {math.floor(res['vs_pen'] * 1000) / 1000:.3f} of it (no target: layout's share)"
    )
    docgen_spp = both_wall / pages

    # WeasyPrint
    why = weasyprint_available() if weasy else "not requested (--no-weasyprint)"
    if why is None:
        w = run_weasyprint(cities, fonts)
        res["weasyprint"] = w
        w["ratio_per_page"] = (w["wall"] / w["pages"]) / docgen_spp
        w["ratio_same_forms"] = w["wall"] / both_wall
        print(
            f"  WeasyPrint (HTML/CSS -> PDF)  {w['wall']:7.3f} s  {w['pages'] / w['wall']:7.1f} pages/s "
            f"({w['pages']} pages; HTML written in {w['html_s']:.3f} s)"
        )
        print(
            f"     docgen is {w['ratio_per_page']:.1f}x faster per page, {w['ratio_same_forms']:.1f}x on "
            f"the same forms (target >= {TARGET_VS_WEASYPRINT:.0f}x: "
            f"{verdict(w['ratio_per_page'] >= TARGET_VS_WEASYPRINT)})"
        )
    else:
        res["weasyprint"] = {"skipped": why}
        print(f"  WeasyPrint: SKIPPED: {why}")

    # Typst
    why = typst_available() if typst else "not requested (--no-typst)"
    if why is None:
        ty = run_typst(cities, fonts, max(repeats, 5))
        res["typst"] = ty
        ty["page_ratio"] = ty["pages"] / pages
        ty["cpu_ratio"] = ty["docgen_cpu"] / ty["cpu"]
        ty["wall_ratio"] = ty["docgen_wall"] / ty["wall"]
        two = "two_wall" in ty
        if two:
            ty["two_cpu_ratio"] = ty["two_cpu"] / ty["cpu"]
            ty["two_wall_ratio"] = ty["two_wall"] / ty["wall"]
        # CPU: the work itself, in one process. Wall: two processes, as batch -j 2 splits the
        # cities (one process only if this machine cannot fork the workers).
        ok_cpu = ty["cpu_ratio"] <= TARGET_CPU_VS_TYPST
        wall_basis = "two processes, cities split as batch -j 2 does" if two else "one process"
        ok_wall = ty["two_wall_ratio" if two else "wall_ratio"] <= TARGET_WALL_VS_TYPST
        ty["wall_basis"] = wall_basis
        print(
            f"  Typst {ty['version']} (one Compiler) {ty['wall']:7.3f} s  "
            f"{ty['pages'] / ty['wall']:7.1f} pages/s (CPU {ty['cpu']:.3f} s; {ty['pages']} pages, "
            f"{ty['page_ratio']:.3f} of docgen's; source written in {ty['source_s']:.3f} s)"
        )
        print("     same rounds, docgen compose + render_pdf of the same cities:")
        print(
            f"       one process                 {ty['docgen_wall']:7.3f} s wall, "
            f"{ty['docgen_cpu']:.3f} s CPU: {ty['wall_ratio']:.2f} of Typst's wall, "
            f"{ty['cpu_ratio']:.2f} of its CPU"
        )
        if two:
            wp = " + ".join(str(n) for n in ty["two_worker_pages"])
            print(
                f"       two processes (batch -j 2)  {ty['two_wall']:7.3f} s wall, "
                f"{ty['two_cpu']:.3f} s CPU: {ty['two_wall_ratio']:.2f} of Typst's wall, "
                f"{ty['two_cpu_ratio']:.2f} of its CPU"
            )
            print(
                f"         (pool start-up timed; CPU = parent {ty['two_parent_cpu']:.3f} s + workers "
                f"{ty['two_children_cpu']:.3f} s; pages per worker {wp}; PDFs byte-identical "
                f"to the one-process ones: {ty['two_same_bytes']} of {ty['files']})"
            )
        else:
            print(f"       two processes: SKIPPED: {ty['two_skipped']}")
        if ty["docgen_same_bytes"] != ty["files"]:
            print(
                f"       WARNING: the one-process rounds wrote other bytes than an untimed "
                f"render_pdf for {ty['files'] - ty['docgen_same_bytes']} of {ty['files']} cities"
            )
        print(
            f"     docgen CPU (one process: the work itself) = {ty['cpu_ratio']:.2f} of Typst's "
            f"(target <= {TARGET_CPU_VS_TYPST}: {verdict(ok_cpu)})"
        )
        print(
            f"     docgen wall ({wall_basis}) = "
            f"{ty['two_wall_ratio' if two else 'wall_ratio']:.2f} of Typst's "
            f"(target <= {TARGET_WALL_VS_TYPST:.0f}: {verdict(ok_wall)})"
        )
        res["targets_typst"] = {"cpu": ok_cpu, "wall": ok_wall}
    else:
        res["typst"] = {"skipped": why}
        print(f"  Typst: SKIPPED: {why}")

    # docgen's Word writer against an older commit's
    if word_baseline:
        wd = run_word(cities, fonts, max(repeats, 5), word_baseline)
    else:
        wd = {"skipped": "not requested (--word-baseline none)"}
    res["word"] = wd
    if "skipped" in wd:
        print(f"  Word writer against an older commit: SKIPPED: {wd['skipped']}")
    else:
        ok = wd["cpu_ratio"] <= TARGET_WORD_VS_BASELINE
        res["targets_word"] = {"cpu": ok}
        n = wd["forms"]
        print(
            f"  docgen render_docx            {wd['wall']:7.3f} s  (CPU {wd['cpu']:.3f} s, "
            f"{wd['cpu'] / n * 1000:.1f} ms per form; {n} forms)"
        )
        print(
            f"  render_docx of {wd['commit']}        {wd['old_wall']:7.3f} s  (CPU "
            f"{wd['old_cpu']:.3f} s, {wd['old_cpu'] / n * 1000:.1f} ms per form)"
        )
        print(
            f"     Word writer CPU = {wd['cpu_ratio']:.2f} of {wd['commit']}'s (target <= "
            f"{TARGET_WORD_VS_BASELINE}: {verdict(ok)}); same bytes: {wd['same_bytes']} of {n}"
        )

    # LibreOffice
    if libreoffice:
        lo = run_libreoffice(
            cities,
            fonts,
            per_file=per_file,
            timeout_all=1800,
            timeout_one=180,
            one_call_repeats=2 if repeats > 1 else 1,
        )
    else:
        lo = {"skipped": "not requested (--no-libreoffice)"}
    res["libreoffice"] = lo
    if "skipped" in lo:
        print(f"  python-docx + LibreOffice: SKIPPED: {lo['skipped']}")
    else:
        total = lo["docx_wall"] + lo["one_call_wall"]
        lo["ratio_one_call"] = (total / lo["pages"]) / docgen_spp
        print(f"  python-docx (render_docx)     {lo['docx_wall']:7.3f} s  ({lo['files']} files)")
        print(
            f"  soffice, one call, all files  {lo['one_call_wall']:7.3f} s  "
            f"(best of {lo['one_call_repeats']}) "
            f"{lo['pages'] / lo['one_call_wall']:7.1f} pages/s ({lo['pages']} pages, "
            f"{lo['one_call_cpu']:.2f} s CPU, peak {lo['maxrss_mib']:.0f} MiB)"
            f"{'  ' + lo['one_call_error'] if 'one_call_error' in lo else ''}"
        )
        print(
            f"     docx + soffice, one call: docgen is {lo['ratio_one_call']:.1f}x faster per page "
            f"(target >= {TARGET_VS_LIBREOFFICE:.0f}x: {verdict(lo['ratio_one_call'] >= TARGET_VS_LIBREOFFICE)})"
        )
        if "per_file_wall" in lo:
            total_pf = lo["docx_wall"] + lo["per_file_wall"]
            lo["ratio_per_file"] = (total_pf / lo["pages"]) / docgen_spp
            print(
                f"  soffice, one call per file    {lo['per_file_wall']:7.3f} s  "
                f"{lo['pages'] / lo['per_file_wall']:7.1f} pages/s ({lo['files']} calls, "
                f"{lo['per_file_wall'] / lo['files']:.2f} s each, {lo['per_file_cpu']:.1f} s CPU, "
                f"{lo['per_file_failed']} failed)"
            )
            print(
                f"     docx + soffice per file: docgen is {lo['ratio_per_file']:.1f}x faster per page"
            )

    missed = res["docgen_pps_cpu"] < TARGET_PAGES_PER_CORE or res["vs_raw"] < TARGET_VS_RAW
    if profile or (profile is None and missed):
        res["profile"] = profile_call(lambda: docgen_compose_render(fonts))
        print_profile("docgen compose + render_pdf of all sample forms", res["profile"])
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="best of N for the in-process runs")
    ap.add_argument("--no-weasyprint", action="store_true")
    ap.add_argument("--no-libreoffice", action="store_true")
    ap.add_argument("--no-typst", action="store_true")
    ap.add_argument("--no-per-file", action="store_true", help="skip soffice once per file")
    ap.add_argument("--profile", action="store_true", help="cProfile docgen even if targets met")
    ap.add_argument(
        "--word-baseline",
        default=WORD_BASELINE_COMMIT,
        help="older commit whose render_docx the Word writer is compared with ('none': skip)",
    )
    args = ap.parse_args()
    print_machine(machine())
    run(
        args.repeats,
        weasy=not args.no_weasyprint,
        libreoffice=not args.no_libreoffice,
        typst=not args.no_typst,
        per_file=not args.no_per_file,
        profile=True if args.profile else None,
        word_baseline=None if args.word_baseline == "none" else args.word_baseline,
    )


if __name__ == "__main__":
    sys.exit(main())
