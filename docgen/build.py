"""``docgen build``: one city file -> the whole packet in OUT, or nothing at all.

The build is a list of named stages, each taking the previous one's typed result (MkDocs'
``build()``, Pelican's generators before its writers):

    gather   (path, options)              -> CheckedCity      load, validate, check OUT
    compose  (checked, options)           -> ComposedPacket   document models, fonts proofed
    render   (composed, options)          -> RenderedPacket   one-pass PDF, letter PDF
    bind     (checked, composed, rendered) -> BundleResult    bundle.pdf (docgen.bundle)
    write    (checked, ..., bundle)        -> PacketManifest  the files and manifest into OUT

The Office files (the summary's workbook, the Word files) are started after ``compose`` in a
worker of their own (``start_word``) and collected after ``bind``. Nothing is written before every check has passed; only ``write``
touches OUT, through ``docgen.output``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pypdf import PageObject, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from . import __version__
from .attachments import AttachmentReader, read_regular, resolve
from .cnformat import chinese_date
from .compose.declaration import category_text, compose_declaration
from .compose.summary import compose_summary, summary_document
from .document import Document, Role
from .edition import Edition, load_edition
from .editionfiles import FileNames, packet_texts
from .errors import EditionError, Finding, InputError
from .manifest import (
    AttachmentPlacement,
    BundleEntry,
    CityEntry,
    DocumentEntry,
    LetterEntry,
    OptionsEntry,
    PacketManifest,
    QuotaEntry,
    SealSlot,
    StraddleGroup,
    SummaryEntry,
    WarningEntry,
)
from .model import City, load_city
from .output import OutputFolder, check_out_dir, guarded_output, safe_name, sha256
from .packet import DEFAULT_PACKET
from .procs import quiet_gc, worker_core_free, worker_init
from .rules import validate

if TYPE_CHECKING:
    import concurrent.futures

    from .bundle import BundleResult
    from .compose.summary import SummaryTable
    from .render.fonts import FontSet
    from .render.pdf import PdfResult

# The four faces of the document model; the XLSX and DOCX writers are told their families.
ROLES: tuple[Role, ...] = ("song", "hei", "kai", "fangsong")


@dataclass(frozen=True)
class BuildOptions:
    font_dirs: tuple[Path, ...] = ()
    edition_dirs: tuple[Path, ...] = ()
    # the packet settings: docgen.packet.PacketSettings, checked there
    max_seal_pages: int = DEFAULT_PACKET.max_seal_pages
    seal_marks: bool = DEFAULT_PACKET.seal_marks
    duplex: bool = DEFAULT_PACKET.duplex
    allow_absolute: bool = False
    letter: bool = DEFAULT_PACKET.letter  # the submission letter (报送函) first; --no-letter
    letterhead: bool = DEFAULT_PACKET.has_letterhead  # its red letterhead; --letterhead none


@dataclass
class BuildResult:
    out_dir: Path
    manifest: PacketManifest
    warnings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    # what is wrong with the fonts of --font-dir (corrupt files, empty glyphs): Chinese messages
    font_problems: tuple[str, ...] = ()


Progress = Callable[[str], None]


# --------------------------------------------------------------------------- the hand-offs


@dataclass(frozen=True)
class CheckedCity:
    """``gather``: the city file loaded and validated (no errors), its edition, the warnings
    this build reports, the attachments as validation read and placed them, every input file,
    and the output folder (checked: it may be written)."""

    path: Path
    city: City
    edition: Edition
    warnings: list[Finding]
    attachments: AttachmentReader
    inputs: tuple[Path, ...]
    out_dir: Path


@dataclass(frozen=True)
class ComposedPacket:
    """``compose``: one document model per document of the packet (the summary table as data and
    as a document, every form, the letter or None) and the fonts every text is printable with."""

    table: SummaryTable
    summary: Document
    forms: tuple[Document, ...]
    letter: Document | None
    fonts: FontSet
    families: dict[Role, str]
    # characters the primary face of their role lacks, with the family that draws them
    fallbacks: dict[Role, dict[str, str]]
    # a character drawn in a face of another style than its role's (a sans face in song text)
    font_warnings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class RenderedPacket:
    """``render``: the summary table and all forms in one PDF (one reportlab pass: one set of
    font subsets for the packet), the letter's PDF of its own."""

    pdf: PdfResult
    letter_pdf: PdfResult | None


@dataclass(frozen=True)
class WordFiles:
    """The worker's files: the Word file of each form, in the city file's order, the letter's,
    the summary's workbook, and the PDF of each document of the pass (summary, forms) sliced
    from it, if they were asked for (``WordJob.slice``)."""

    forms: tuple[bytes, ...]
    letter: bytes | None
    xlsx: bytes
    pdf_slices: tuple[bytes, ...] | None = None


# --------------------------------------------------------------------------- the build


def check_city(
    path: Path, options: BuildOptions
) -> tuple[City, Edition, list[Finding], AttachmentReader]:
    """Load and validate; raise InputError if there is any error. Returns the warnings and the
    attachments as validation read and placed them (each read once: the build key and the
    bundle use these very bytes and pages)."""
    city = load_city(path, options.edition_dirs)
    attachments = AttachmentReader(city.base_dir, allow_absolute=options.allow_absolute)
    findings = validate(
        city,
        edition_dirs=options.edition_dirs,
        allow_absolute=options.allow_absolute,
        font_dirs=options.font_dirs,
        attachments=attachments,
        compose_documents=False,  # ``compose`` checks the documents it composes
    )
    if any(f.level == "error" for f in findings):
        raise InputError(findings)
    edition = load_edition(city.edition, options.edition_dirs)
    return city, edition, findings, attachments


def build_city(
    path: Path,
    out_dir: Path | None = None,
    options: BuildOptions | None = None,
    progress: Progress | None = None,
    *,
    parallel: bool = True,
) -> BuildResult:
    """Validate ``path`` and write its packet to ``out_dir`` (default out/<division_code>).

    ``parallel`` lets the build use a second process for the Word files (Linux only); batch
    turns it off when it already runs one build per core."""
    with quiet_gc():
        return _build_city(path, out_dir, options, progress, parallel=parallel)


def _build_city(
    path: Path,
    out_dir: Path | None,
    options: BuildOptions | None,
    progress: Progress | None,
    *,
    parallel: bool,
) -> BuildResult:
    options = options or BuildOptions()
    say = progress or _silent
    started = time.perf_counter()
    checked = gather(path, out_dir, options)
    composed = compose(checked, options)
    word = start_word(composed, parallel=parallel)
    try:
        from .render.pdf.flate import flate_threads

        # the PDFs' streams compressed on a second thread, unless every core has a build
        with flate_threads(parallel):
            rendered = render(composed, options, say)
            word.slice(rendered.pdf)  # the summary's and the forms' PDFs, beside the bundle
            say("装订总册")
            bundle = bind(checked, composed, rendered, options)
        word_files = word.result()
    except BaseException:
        word.abort()  # the worker must not outlive a failed or interrupted build
        raise
    say("写出文件")
    warnings = [*checked.warnings, *composed.font_warnings, *_rasterized(checked, bundle)]
    manifest = write(checked, rendered, word_files, bundle, options, warnings, composed.table)
    seconds = time.perf_counter() - started
    return BuildResult(checked.out_dir, manifest, warnings, seconds, tuple(composed.fonts.problems))


def warm_up(options: BuildOptions, editions: Sequence[str] = ()) -> None:
    """Load in this process what every build loads first: the modules of the later stages,
    the fonts (parsed and registered with reportlab), the editions and the glyph outlines of
    the slot labels. A batch calls it once before it forks a process per city, so each city
    starts from these pages (shared copy-on-write) instead of paying ~0.3 s of imports and
    font parsing again. Caches only: nothing is written and no output depends on it."""
    import docx  # noqa: F401  (the Word writer's library, imported by the Office worker)
    import openpyxl  # noqa: F401
    from reportlab.lib.colors import black
    from reportlab.pdfgen.canvas import Canvas

    from . import bundle, pdfinfo, printable  # noqa: F401
    from .compose import letter  # noqa: F401
    from .render import docx as _docx  # noqa: F401
    from .render import xlsx  # noqa: F401
    from .render.fonts import resolve_fonts
    from .render.pdf import draw_outlined

    fonts = resolve_fonts(options.font_dirs)
    fonts.register_all()
    for edition_id in sorted(set(editions)):
        with contextlib.suppress(EditionError):
            edition = load_edition(edition_id, options.edition_dirs)
            packet_texts(edition)
    # the slot labels ("公章", "骑缝章 1/3") are drawn as outlines, read from the font once
    draw_outlined(Canvas(io.BytesIO()), fonts, "公章骑缝章0123456789/ ", 0.0, 0.0, 9.0, black)


def _rasterized(checked: CheckedCity, bundle: BundleResult) -> list[Finding]:
    """A warning per attachment page that had to be rasterized (a font neither embedded nor
    replaceable): its file, its page in the file and in the bundle."""
    out: list[Finding] = []
    for i, (app, placed) in enumerate(
        zip(checked.city.applications, bundle.documents, strict=True)
    ):
        for j, (att, record) in enumerate(zip(app.attachments, placed.attachments, strict=True)):
            bundle_pages = record.get("rasterized_pages")
            if not bundle_pages:
                continue
            loaded = checked.attachments.get(att.file)
            sources = [pp.source_index + 1 for pp in loaded.pages if pp.rasterized]
            for source, page in zip(sources, bundle_pages, strict=False):
                out.append(
                    Finding(
                        f"applications[{i}].attachments[{j}]",
                        "warning",
                        f"附件“{att.title}”（{att.file}）第 {source} 页使用了未嵌入且无法替换的"
                        f"字体，已转为图像放入总册第 {page} 页：打印效果不变，但该页文字不能复制"
                        "或检索；如需保留文字，请将原文件另存为嵌入全部字体的 PDF",
                    )
                )
    return out


def _silent(_message: str) -> None:
    pass


def gather(path: Path, out_dir: Path | None, options: BuildOptions) -> CheckedCity:
    """Load and validate the city file (InputError with every finding if it has an error) and
    decide whether OUT may be written, before any work (``docgen.output`` decides it again
    under the lock)."""
    city, edition, warnings, attachments = check_city(path, options)
    if not options.letter:  # what validate says of the letter concerns no file of this build
        warnings = [w for w in warnings if not w.path.startswith("letter")]
    out_dir = out_dir or Path("out") / city.city.division_code
    inputs = input_paths(city, path, options)
    check_out_dir(out_dir, inputs, path.parent)
    return CheckedCity(path, city, edition, warnings, attachments, inputs, out_dir)


def compose(checked: CheckedCity, options: BuildOptions) -> ComposedPacket:
    """Compose every document of the packet and check that every text it prints (the
    documents' and the bundle's own) is printable with the fonts, before anything is rendered
    (validate's check, here on the composed documents)."""
    from .printable import check_printable
    from .render.fonts import resolve_fonts

    city, edition = checked.city, checked.edition
    table = compose_summary(city, edition)
    summary = summary_document(table)
    letter = _letter_document(city, edition, table, options)
    forms = tuple(compose_declaration(city, i, edition) for i in range(len(city.applications)))
    fonts = resolve_fonts(options.font_dirs)
    docs = [summary, *forms, _packet_text_document(city, edition)]
    if letter is not None:
        docs.append(letter)
    unprintable = check_printable(city, edition, fonts, docs)
    if unprintable:
        raise InputError(unprintable)
    families = {role: fonts.family(role) for role in ROLES}
    fallbacks = fonts.fallback_families(forms)
    font_warnings = tuple(fonts.style_switches(docs))
    return ComposedPacket(table, summary, forms, letter, fonts, families, fallbacks, font_warnings)


def render(composed: ComposedPacket, options: BuildOptions, say: Progress) -> RenderedPacket:
    """The PDFs (the Word files and the workbook: ``start_word``)."""
    from .render.pdf import render_pdf

    say("排版 PDF")
    # all PDFs in one pass so the packet shares one set of font subsets
    pdf = render_pdf(
        [composed.summary, *composed.forms], composed.fonts, seal_marks=options.seal_marks
    )
    # the letter on its own: the packet's documents keep their bytes and font subsets
    letter_pdf = (
        render_pdf([composed.letter], composed.fonts, seal_marks=options.seal_marks)
        if composed.letter is not None
        else None
    )
    return RenderedPacket(pdf, letter_pdf)


def bind(
    checked: CheckedCity,
    composed: ComposedPacket,
    rendered: RenderedPacket,
    options: BuildOptions,
) -> BundleResult:
    """bundle.pdf: the letter, cover, contents, summary table, then each form with its
    attachments (as validation placed them), with the seal slots kept free."""
    from .bundle import ApplicationInput, BundleInput, assemble

    city, edition = checked.city, checked.edition
    apps: list[ApplicationInput] = []
    for i, app in enumerate(city.applications):
        loaded = [checked.attachments.get(att.file) for att in app.attachments]
        apps.append(
            ApplicationInput(
                application_id=app.id,
                applicant=app.applicant.name,
                category_label=category_text(app, edition),
                doc_index=i + 1,
                attachments=tuple(
                    (att.title, a.path, a.kind)
                    for att, a in zip(app.attachments, loaded, strict=True)
                ),
                placed=tuple(a.pages for a in loaded),
            )
        )
    return assemble(
        BundleInput(
            city_name=city.city.name,
            division_code=city.city.division_code,
            bureau=city.city.bureau,
            date_text=chinese_date(city.submitted_on),
            rendered=rendered.pdf,
            summary_index=0,
            applications=tuple(apps),
            texts=packet_texts(edition),
            letter=rendered.letter_pdf,
        ),
        composed.fonts,
        max_seal_pages=options.max_seal_pages,
        seal_marks=options.seal_marks,
        duplex=options.duplex,
    )


def write(
    checked: CheckedCity,
    rendered: RenderedPacket,
    word: WordFiles,
    bundle: BundleResult,
    options: BuildOptions,
    warnings: Sequence[Finding] | None = None,
    table: SummaryTable | None = None,
) -> PacketManifest:
    """Every file of the packet and its manifest into OUT, through the guarded writer.
    ``warnings`` (the validation's by default) go into the manifest; ``table``'s quota check
    into its summary entry."""
    from .render.fonts import files_fingerprint

    city = checked.city
    names = packet_texts(checked.edition).files
    with guarded_output(checked.out_dir, checked.inputs, checked.path.parent) as out:
        slices = word.pdf_slices or slice_pass(rendered.pdf)
        summary = _write_summary(out, names, city, word, slices[0], bundle, table)
        letter = _write_letter(out, names, city, rendered, word, bundle, options)
        documents = _write_forms(out, names, city, rendered, word, slices[1:], bundle)
        out.write("bundle.pdf", bundle.data)
        fonts_fp = files_fingerprint(options.font_dirs)
        manifest = PacketManifest(
            docgen=__version__,
            input_sha256=city.input_sha256,
            build_key=input_key(city, checked.path, options, fonts_fp, checked.attachments),
            edition=checked.edition.id,
            city=CityEntry(name=city.city.name, division_code=city.city.division_code),
            bundle=BundleEntry(file="bundle.pdf", pages=bundle.pages, sha256=sha256(bundle.data)),
            summary=summary,
            letter=letter,
            documents=documents,
            options=OptionsEntry(
                max_seal_pages=options.max_seal_pages,
                seal_marks=options.seal_marks,
                duplex=options.duplex,
            ),
            files=out.files(),
            warnings=[
                WarningEntry(path=w.path, message=w.message)
                for w in (checked.warnings if warnings is None else warnings)
            ],
        )
        out.write_manifest(manifest)
    return manifest


def _write_summary(
    out: OutputFolder,
    names: FileNames,
    city: City,
    word: WordFiles,
    pdf: bytes,
    bundle: BundleResult,
    table: SummaryTable | None = None,
) -> SummaryEntry:
    stem = safe_name(names.summary.format(city=city.city.name))
    out.write(f"{stem}.pdf", pdf)
    out.write(f"{stem}.xlsx", word.xlsx)
    return SummaryEntry(
        xlsx=f"{stem}.xlsx",
        pdf=f"{stem}.pdf",
        bundle_pages=bundle.summary_pages,
        straddle_seals=_groups(bundle.summary_straddle_seals),
        seal_slots=_slots(bundle.summary_seal_slots),
        quota=[QuotaEntry(label=c.label, count=c.count, quota=c.quota) for c in table.counts]
        if table is not None and table.counts
        else None,
    )


def _write_letter(
    out: OutputFolder,
    names: FileNames,
    city: City,
    rendered: RenderedPacket,
    word: WordFiles,
    bundle: BundleResult,
    options: BuildOptions,
) -> LetterEntry | None:
    if rendered.letter_pdf is None or word.letter is None or not bundle.letter_pages:
        return None
    from .pdfinfo import with_content_id

    stem = safe_name(names.letter.format(city=city.city.name))
    out.write(f"{stem}.pdf", with_content_id(rendered.letter_pdf.data))
    out.write(f"{stem}.docx", word.letter)
    return LetterEntry(
        pdf=f"{stem}.pdf",
        docx=f"{stem}.docx",
        pages=rendered.letter_pdf.pages,
        bundle_pages=bundle.letter_pages,
        seal_slots=_slots(bundle.letter_seal_slots),
        letterhead=options.letterhead,
    )


def _write_forms(
    out: OutputFolder,
    names: FileNames,
    city: City,
    rendered: RenderedPacket,
    word: WordFiles,
    pdfs: Sequence[bytes],
    bundle: BundleResult,
) -> list[DocumentEntry]:
    documents: list[DocumentEntry] = []
    placements = {d.application_id: d for d in bundle.documents}
    for i, app in enumerate(city.applications):
        stem = names.form.format(
            n=i + 1, id=safe_name(app.id, 40), applicant=safe_name(app.applicant.name, 90)
        )
        out.write(f"{stem}.pdf", pdfs[i])
        out.write(f"{stem}.docx", word.forms[i])
        placed = placements[app.id]
        first, last = placed.bundle_pages
        documents.append(
            DocumentEntry(
                application_id=app.id,
                applicant=app.applicant.name,
                category=app.category,
                pdf=f"{stem}.pdf",
                docx=f"{stem}.docx",
                pages=last - first + 1,
                form_pages=rendered.pdf.docs[i + 1].pages,
                bundle_pages=placed.bundle_pages,
                straddle_seals=_groups(placed.straddle_seals),
                seal_slots=_slots(placed.seal_slots),
                attachments=[AttachmentPlacement.model_validate(a) for a in placed.attachments],
            )
        )
    return documents


def _groups(raw: Sequence[Mapping[str, Any]]) -> list[StraddleGroup]:
    return [StraddleGroup.model_validate(g) for g in raw]


def _slots(raw: Sequence[Mapping[str, Any]]) -> list[SealSlot]:
    return [SealSlot.model_validate(s) for s in raw]


# --------------------------------------------------------------------------- the Word files


class WordJob:
    """The Office files of a build (the summary's workbook, the Word file of each form and of
    the letter): on Linux rendered in a forked worker while this process lays out the PDF and
    the bundle, so that neither openpyxl nor python-docx is imported or run on the build's own
    path; elsewhere, or without ``parallel``, here when ``result()`` is asked for. They need
    nothing from the PDF. Once the PDF is laid out, the worker also slices the summary's and
    the forms' PDFs from it (``slice``) while this process binds the bundle."""

    def __init__(self, composed: ComposedPacket, *, parallel: bool):
        c = composed
        self._composed = c
        # the workbook first, then the forms, the letter last: the build takes back what the
        # worker has not started from the end (``_DocxJob.result``)
        self._tasks: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
            (_render_xlsx, (c.table, c.families)),
            *((_render_docx, (doc, c.families, c.fallbacks)) for doc in c.forms),
            *(
                [(_render_docx, (c.letter, c.families, c.fallbacks))]
                if c.letter is not None
                else []
            ),
        ]
        self._job = _start_docx(self._tasks) if parallel else None

    def slice(self, pdf: PdfResult) -> None:
        """Have the PDF of each document of ``pdf`` (the summary and the forms' pass) sliced
        from it, by the worker while this process binds the bundle."""
        task = (slice_pass, (pdf,))
        self._tasks.append(task)
        if self._job is not None:
            self._job.add(*task)

    def result(self) -> WordFiles:
        c = self._composed
        if self._job is not None:
            files = self._job.result()
        else:
            files = [render(*args) for render, args in self._tasks]
        n = len(c.forms)
        office = 2 + n if c.letter is not None else 1 + n
        letter = files[1 + n] if c.letter is not None else None
        slices = tuple(files[office]) if len(files) > office else None
        return WordFiles(tuple(files[1 : 1 + n]), letter, files[0], slices)

    def abort(self) -> None:
        if self._job is not None:
            self._job.abort()


def start_word(composed: ComposedPacket, *, parallel: bool) -> WordJob:
    return WordJob(composed, parallel=parallel)


class _DocxJob:
    """Office files rendered in a forked worker process; ``result()`` collects them, rendering
    here whatever the worker has not started by then (so neither process waits long)."""

    def __init__(self, tasks: Sequence[tuple[Callable[..., Any], tuple[Any, ...]]]):
        import concurrent.futures
        import multiprocessing

        self._tasks = list(tasks)
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=worker_init
        )
        self._futures = [self._pool.submit(render, *args) for render, args in self._tasks]

    def add(self, task: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """One more task, after the others (done here by ``result`` if the worker is gone)."""
        import concurrent.futures

        self._tasks.append((task, args))
        try:
            future = self._pool.submit(task, *args)
        except RuntimeError:  # BrokenProcessPool: the worker died; ``result`` will say so
            future = concurrent.futures.Future()
            future.cancel()  # withdrawn: ``result`` does it in this process
        self._futures.append(future)

    def result(self) -> list[Any]:
        try:
            out: list[Any] = [None] * len(self._futures)
            # The worker takes the tasks in order; the ones it has not started yet (from the
            # end) are withdrawn and rendered in this process, which has finished its own work.
            for i in reversed(range(len(self._futures))):
                if not self._futures[i].cancel():
                    break
                render, args = self._tasks[i]
                out[i] = render(*args)
            return [
                b if b is not None else _here_if_lost(f, task)
                for b, f, task in zip(out, self._futures, self._tasks, strict=True)
            ]
        finally:
            self._pool.shutdown(wait=True)

    def abort(self) -> None:
        """Stop the worker now (a failed or interrupted build): kill it, drop what is queued."""
        for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
            with contextlib.suppress(OSError, AttributeError):
                proc.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _here_if_lost(
    future: concurrent.futures.Future[Any], task: tuple[Callable[..., Any], tuple[Any, ...]]
) -> Any:
    """The worker's result, or the task done in this process if the worker died (killed, out
    of memory): the same bytes, only later."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        run, args = task
        return run(*args)


def _render_xlsx(table: SummaryTable, families: Mapping[Role, str]) -> bytes:
    """``render_xlsx``, imported where it runs (openpyxl: the worker's, not the build's)."""
    from .render.xlsx import render_xlsx

    return render_xlsx(table, families)


def _render_docx(
    doc: Document,
    families: Mapping[Role, str],
    fallbacks: Mapping[Role, Mapping[str, str]],
) -> bytes:
    """``render_docx``, imported where it runs: python-docx and its lxml parts are loaded by
    the Word worker, not by the build's own process before the fork (issue 16)."""
    from .render.docx import render_docx

    return render_docx(doc, families, fallbacks)


def _start_docx(tasks: Sequence[tuple[Callable[..., Any], tuple[Any, ...]]]) -> _DocxJob | None:
    if len(tasks) == 0 or not worker_core_free():
        return None
    try:
        return _DocxJob(tasks)
    except (OSError, ValueError):  # no fork here (sandbox, limits): do it in this process
        return None


def input_paths(city: City, path: Path, options: BuildOptions) -> tuple[Path, ...]:
    """The files a build reads: the city file and every attachment (validated to resolve)."""
    found = [path]
    for app in city.applications:
        for att in app.attachments:
            with contextlib.suppress(ValueError):
                found.append(
                    resolve(city.base_dir, att.file, allow_absolute=options.allow_absolute)
                )
    return tuple(found)


def input_key(
    city: City,
    path: Path,
    options: BuildOptions,
    fonts_fingerprint: str,
    attachments: AttachmentReader | None = None,
) -> str:
    """A digest of everything a packet depends on: the city file (the bytes ``load_city`` read),
    its attachments (the bytes ``attachments`` read and validation checked; read here when not
    given), the edition, the fonts, docgen's version and the options. Stored in the manifest as
    ``build_key``; batch skips a city whose key is unchanged."""
    h = hashlib.sha256()
    h.update(__version__.encode())
    h.update(city.input_sha256.encode())
    for app in city.applications:
        for att in app.attachments:
            h.update(att.file.encode())
            if attachments is not None:
                h.update(attachments.get(att.file).data)
            else:
                resolved = resolve(city.base_dir, att.file, allow_absolute=options.allow_absolute)
                h.update(read_regular(resolved, att.file))
    with contextlib.suppress(EditionError):
        h.update(load_edition(city.edition, options.edition_dirs).fingerprint().encode())
    h.update(fonts_fingerprint.encode())
    h.update(str(options.max_seal_pages).encode())
    h.update(f"{options.seal_marks}{options.duplex}".encode())
    if options.letter:  # only then: a build without the letter keeps its key
        h.update(f"letter{options.letterhead}".encode())
    return h.hexdigest()


def slice_pass(pdf: PdfResult) -> list[bytes]:
    """The PDF of each document of a render pass, in order (the pass parsed once)."""
    reader = PdfReader(io.BytesIO(pdf.data))
    return [_slice_pdf(pdf, i, reader) for i in range(len(pdf.docs))]


def _slice_pdf(rendered: Any, index: int, reader: Any) -> bytes:
    """One document's pages of the one-pass PDF, as a PDF of its own (with its outline).

    The one pass gives every page one /Font dictionary naming every font subset of the pass;
    each page is copied with only the fonts it uses, so a slice embeds only its own subsets.
    """
    import io

    from pypdf import PdfWriter

    from .pdfinfo import describe, keep_zoom, with_content_id

    doc = rendered.docs[index]
    writer = PdfWriter()
    for n in range(doc.first_page, doc.first_page + doc.pages):
        writer.add_page(_own_fonts_only(reader.pages[n]))
    parents: dict[int, Any] = {}
    for entry in doc.outline:
        parent = parents.get(entry.level - 1)
        top = entry.top if entry.top is not None else float(writer.pages[entry.page].mediabox.top)
        parents[entry.level] = writer.add_outline_item(
            title=entry.title, page_number=entry.page, parent=parent, fit=keep_zoom(top)
        )
    describe(writer, rendered_title(rendered, index), doc.author)
    buf = io.BytesIO()
    writer.write(buf)
    return with_content_id(buf.getvalue())


# a font selection in a content stream: the name operand of ``Tf`` (``/F3+1 10.5 Tf``)
_TF = re.compile(rb"(/[^\s/\[\]()<>{}%]+)\s+[-+0-9.]+\s+Tf")


def _own_fonts_only(page: PageObject) -> PageObject:
    """``page`` with a /Resources whose /Font lists only the fonts its content selects.

    A shallow copy: the reader's objects are shared, never changed, so every slice taken from
    the same reader is independent. When the writer clones the copy it follows only the font
    references left in the new /Font dictionary, so the other subsets are never written.
    """
    resources = page.get("/Resources")
    fonts = resources.get_object().get("/Font") if resources is not None else None
    if fonts is None:
        return page
    fonts = fonts.get_object()
    used = _font_names(page)
    if not used <= fonts.keys():  # a name we cannot match (odd spelling): keep them all
        return page
    own_fonts = DictionaryObject({k: fonts.raw_get(k) for k in fonts if k in used})
    assert resources is not None  # it holds the fonts
    own_resources = DictionaryObject(resources.get_object().items())
    own_resources[NameObject("/Font")] = own_fonts
    copy = PageObject(page.pdf, page.indirect_reference)
    copy.update(page.items())
    copy[NameObject("/Resources")] = own_resources
    return copy


def _font_names(page: PageObject) -> set[str]:
    """The font resource names selected by ``page``'s content and, recursively, by the Form
    XObjects it can draw (a superset is harmless: it only keeps a font)."""
    names: set[str] = set()
    seen: set[int] = set()
    todo: list[tuple[Any, Any]] = [(page.get("/Contents"), page.get("/Resources"))]
    while todo:
        contents, resources = todo.pop()
        for raw in set(_TF.findall(_content_bytes(contents))):  # few distinct, many uses
            names.add(NameObject.unnumber(raw).decode("utf-8", "replace"))
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        for ref in xobjects.get_object().values() if xobjects is not None else ():
            xobj = ref.get_object()
            if id(xobj) in seen or xobj.get("/Subtype") != "/Form":
                continue
            seen.add(id(xobj))
            # a form without resources of its own uses those of the page that draws it
            todo.append((xobj, xobj.get("/Resources", resources)))
    return names


def _content_bytes(contents: Any) -> bytes:
    """The decoded bytes of a content stream, or of an array of them joined by newlines."""
    if contents is None:
        return b""
    contents = contents.get_object()
    if isinstance(contents, ArrayObject):
        return b"\n".join(part.get_object().get_data() for part in contents)
    return bytes(contents.get_data())


def rendered_title(rendered: Any, index: int) -> str:
    return getattr(rendered.docs[index], "title", "") or "docgen"


def _letter_document(
    city: City, edition: Edition, table: Any, options: BuildOptions
) -> Document | None:
    """The submission letter (报送函), composed from the same summary as the table, or None
    with --no-letter."""
    if not options.letter:
        return None
    from .compose.letter import compose_letter, letter_document

    return letter_document(compose_letter(city, edition, table), letterhead=options.letterhead)


def _packet_text_document(city: City, edition: Edition) -> Document:
    """The texts the bundle itself prints (cover, contents, running numbers, captions)."""
    from .bundle import fixed_text
    from .document import Paragraph, runs

    blocks = [
        Paragraph(runs(city.city.name, "city.name")),
        Paragraph(runs(city.city.bureau, "city.bureau")),
        Paragraph(runs(fixed_text(packet_texts(edition)))),
    ]
    for i, app in enumerate(city.applications):
        for j, att in enumerate(app.attachments):
            blocks.append(Paragraph(runs(att.title, f"applications[{i}].attachments[{j}].title")))
    return Document(kind="declaration", title="packet", blocks=tuple(blocks))
