"""``docgen build``: one city file -> the whole packet in OUT, or nothing at all.

Stages, in one direction: load -> validate -> compose -> coverage check -> render (PDF in one
pass, DOCX, XLSX) -> bundle -> guarded output with manifest. Nothing is written before every
check has passed.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PageObject, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from . import __version__
from .attachments import AttachmentReader, read_regular, resolve
from .cnformat import chinese_date
from .compose.declaration import category_text, compose_declaration
from .compose.summary import compose_summary, summary_document
from .document import Document
from .edition import Edition, load_edition
from .editionfiles import packet_texts
from .errors import EditionError, Finding, InputError
from .model import City, load_city
from .output import MARKER, MARKER_KEY, check_out_dir, guarded_output, safe_name, sha256
from .packet import DEFAULT_PACKET
from .procs import worker_init
from .rules import validate


@dataclass(frozen=True)
class BuildOptions:
    font_dirs: tuple[Path, ...] = ()
    edition_dirs: tuple[Path, ...] = ()
    # the packet settings: docgen.packet.PacketSettings, checked there
    max_seal_pages: int = DEFAULT_PACKET.max_seal_pages
    seal_marks: bool = DEFAULT_PACKET.seal_marks
    duplex: bool = DEFAULT_PACKET.duplex
    allow_absolute: bool = False
    letter: bool = True  # the submission letter (报送函) first in the packet; --no-letter
    letterhead: bool = True  # its red letterhead and rules; --letterhead none keeps the space


@dataclass
class BuildResult:
    out_dir: Path
    manifest: dict[str, Any]
    warnings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    # what is wrong with the fonts of --font-dir (corrupt files, empty glyphs): Chinese messages
    font_problems: tuple[str, ...] = ()


Progress = Callable[[str], None]


def check_city(
    path: Path, options: BuildOptions
) -> tuple[City, Edition, list[Finding], AttachmentReader]:
    """Load and validate; raise InputError if there is any error. Returns the warnings and the
    attachments as validation read and placed them (each read once: the build key and the
    bundle use these very bytes and pages)."""
    city = load_city(path)
    attachments = AttachmentReader(city.base_dir, allow_absolute=options.allow_absolute)
    findings = validate(
        city,
        edition_dirs=options.edition_dirs,
        allow_absolute=options.allow_absolute,
        font_dirs=options.font_dirs,
        attachments=attachments,
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
    with _quiet_gc():
        return _build_city(path, out_dir, options, progress, parallel=parallel)


def _build_city(
    path: Path,
    out_dir: Path | None,
    options: BuildOptions | None,
    progress: Progress | None,
    *,
    parallel: bool,
) -> BuildResult:
    from .bundle import ApplicationInput, BundleInput, assemble
    from .render.docx import render_docx
    from .render.fonts import files_fingerprint, resolve_fonts
    from .render.pdf import render_pdf
    from .render.xlsx import render_xlsx

    options = options or BuildOptions()
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    city, edition, warnings, attachments = check_city(path, options)
    if not options.letter:  # what validate says of the letter concerns no file of this build
        warnings = [w for w in warnings if not w.path.startswith("letter")]
    out_dir = out_dir or Path("out") / city.city.division_code
    # Whether OUT may be written is decided before any work (and again under the lock).
    inputs = input_paths(city, path, options)
    check_out_dir(out_dir, inputs, path.parent)

    # compose
    table = compose_summary(city, edition)
    summary_doc = summary_document(table)
    letter_doc = _letter_document(city, edition, table, options)
    forms = [compose_declaration(city, i, edition) for i in range(len(city.applications))]

    # every printed text must be printable (validate's check, here on the composed documents
    # and the bundle's own text too), before anything is rendered
    from .printable import check_printable

    fonts = resolve_fonts(options.font_dirs)
    docs = [summary_doc, *forms, _packet_text_document(city, edition)]
    if letter_doc is not None:
        docs.append(letter_doc)
    unprintable = check_printable(city, edition, fonts, docs)
    if unprintable:
        raise InputError(unprintable)

    families = {role: fonts.family(role) for role in ("song", "hei", "kai", "fangsong")}
    # characters the primary face of their role lacks, with the family that draws them
    fallbacks = fonts.fallback_families(forms)
    # The Word files need nothing from the PDF: on Linux they are made in a forked worker while
    # this process lays out the PDF and the bundle (a third of a build's time off its path).
    docx_job = _start_docx(forms, families, fallbacks) if parallel else None

    try:
        # render: all PDFs in one pass so the packet shares one set of font subsets
        say("排版 PDF")
        rendered = render_pdf([summary_doc, *forms], fonts, seal_marks=options.seal_marks)
        # the letter on its own: the packet's documents keep their bytes and font subsets
        letter_pdf = (
            render_pdf([letter_doc], fonts, seal_marks=options.seal_marks)
            if letter_doc is not None
            else None
        )

        say("生成 Word 与 Excel")
        xlsx = render_xlsx(table, families)

        say("装订总册")
        apps_in: list[ApplicationInput] = []
        for i, app in enumerate(city.applications):
            loaded = [attachments.get(att.file) for att in app.attachments]
            apps_in.append(
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
        bundle = assemble(
            BundleInput(
                city_name=city.city.name,
                division_code=city.city.division_code,
                bureau=city.city.bureau,
                date_text=chinese_date(city.submitted_on),
                rendered=rendered,
                summary_index=0,
                applications=tuple(apps_in),
                texts=packet_texts(edition),
                letter=letter_pdf,
            ),
            fonts,
            max_seal_pages=options.max_seal_pages,
            seal_marks=options.seal_marks,
            duplex=options.duplex,
        )

        docx_files = (
            docx_job.result()
            if docx_job
            else [render_docx(doc, families, fallbacks) for doc in forms]
        )
        letter_docx = (
            render_docx(letter_doc, families, fallbacks)
            if letter_doc is not None
            else None
        )
    except BaseException:
        if docx_job is not None:
            docx_job.abort()  # the worker must not outlive a failed or interrupted build
        raise

    say("写出文件")
    with guarded_output(out_dir, inputs, path.parent) as out:
        stem = safe_name(f"00-申报汇总表-{city.city.name}")
        summary_pdf = f"{stem}.pdf"
        summary_xlsx = f"{stem}.xlsx"
        reader = PdfReader(io.BytesIO(rendered.data))  # one parse for every slice
        out.write(summary_pdf, _slice_pdf(rendered, 0, reader))
        out.write(summary_xlsx, xlsx)
        letter_entry: dict[str, Any] | None = None
        if letter_pdf is not None and letter_docx is not None and bundle.letter_pages:
            stem = safe_name(f"00-报送函-{city.city.name}")
            out.write(f"{stem}.pdf", letter_pdf.data)
            out.write(f"{stem}.docx", letter_docx)
            letter_entry = {
                "pdf": f"{stem}.pdf",
                "docx": f"{stem}.docx",
                "pages": letter_pdf.pages,
                "bundle_pages": list(bundle.letter_pages),
                "seal_slots": [dict(s) for s in bundle.letter_seal_slots],
                "letterhead": options.letterhead,
            }
        documents: list[dict[str, Any]] = []
        placements = {d.application_id: d for d in bundle.documents}
        for i, app in enumerate(city.applications):
            stem = f"{i + 1:02d}-申报书-{safe_name(app.id, 40)}-{safe_name(app.applicant.name, 90)}"
            pdf_name, docx_name = f"{stem}.pdf", f"{stem}.docx"
            out.write(pdf_name, _slice_pdf(rendered, i + 1, reader))
            out.write(docx_name, docx_files[i])
            placed = placements[app.id]
            documents.append(
                {
                    "application_id": app.id,
                    "applicant": app.applicant.name,
                    "category": app.category,
                    "pdf": pdf_name,
                    "docx": docx_name,
                    "pages": placed.bundle_pages[1] - placed.bundle_pages[0] + 1,
                    "form_pages": rendered.docs[i + 1].pages,
                    "bundle_pages": list(placed.bundle_pages),
                    "straddle_seals": [dict(s) for s in placed.straddle_seals],
                    "seal_slots": [dict(s) for s in placed.seal_slots],
                    "attachments": [dict(a) for a in placed.attachments],
                }
            )
        out.write("bundle.pdf", bundle.data)
        manifest: dict[str, Any] = {
            MARKER_KEY: MARKER,
            "docgen": __version__,
            "input_sha256": city.input_sha256,
            "build_key": input_key(
                city, path, options, files_fingerprint(options.font_dirs), attachments
            ),
            "edition": edition.id,
            "city": {"name": city.city.name, "division_code": city.city.division_code},
            "bundle": {"file": "bundle.pdf", "pages": bundle.pages, "sha256": sha256(bundle.data)},
            "summary": {
                "xlsx": summary_xlsx,
                "pdf": summary_pdf,
                "bundle_pages": list(bundle.summary_pages),
                "straddle_seals": [dict(s) for s in bundle.summary_straddle_seals],
                "seal_slots": [dict(s) for s in bundle.summary_seal_slots],
            },
            **({"letter": letter_entry} if letter_entry is not None else {}),
            "documents": documents,
            "options": {
                "max_seal_pages": options.max_seal_pages,
                "seal_marks": options.seal_marks,
                "duplex": options.duplex,
                "straddle_groups_share_pages": False,
            },
            "files": out.files(),
            "warnings": [{"path": w.path, "message": w.message} for w in warnings],
        }
        out.write("manifest.json", _manifest_bytes(manifest))
    return BuildResult(
        out_dir, manifest, warnings, time.perf_counter() - started, tuple(fonts.problems)
    )


class _DocxJob:
    """Word files rendered in a forked worker process; ``result()`` collects them, rendering
    here whatever the worker has not started by then (so neither process waits long)."""

    def __init__(
        self,
        forms: Sequence[Document],
        families: dict[str, str],
        fallbacks: Mapping[str, Mapping[str, str]],
    ):
        import concurrent.futures
        import multiprocessing

        from .render.docx import render_docx

        self._render = render_docx
        self._args = [(doc, families, fallbacks) for doc in forms]
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("fork"), initializer=worker_init
        )
        self._futures = [self._pool.submit(render_docx, *args) for args in self._args]

    def result(self) -> list[bytes]:
        try:
            out: list[bytes | None] = [None] * len(self._futures)
            # The worker takes the forms in order; the ones it has not started yet (from the
            # end) are withdrawn and rendered in this process, which has finished its own work.
            for i in reversed(range(len(self._futures))):
                if not self._futures[i].cancel():
                    break
                out[i] = self._render(*self._args[i])
            return [
                b if b is not None else f.result() for b, f in zip(out, self._futures, strict=True)
            ]
        finally:
            self._pool.shutdown(wait=True)

    def abort(self) -> None:
        """Stop the worker now (a failed or interrupted build): kill it, drop what is queued."""
        for proc in list(getattr(self._pool, "_processes", {}).values()):
            with contextlib.suppress(OSError, AttributeError):
                proc.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _start_docx(
    forms: Sequence[Document], families: dict[str, str], fallbacks: Mapping[str, Mapping[str, str]]
) -> _DocxJob | None:
    if not sys.platform.startswith("linux") or len(forms) == 0 or len(os.sched_getaffinity(0)) < 2:
        return None
    try:
        return _DocxJob(forms, families, fallbacks)
    except (OSError, ValueError):  # no fork here (sandbox, limits): do it in this process
        return None


@contextlib.contextmanager
def _quiet_gc() -> Iterator[None]:
    """A build allocates millions of small objects and almost no garbage cycles: collect the
    young generation less often (the thresholds are restored afterwards)."""
    saved = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


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


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _slice_pdf(rendered: Any, index: int, reader: Any) -> bytes:
    """One document's pages of the one-pass PDF, as a PDF of its own (with its outline).

    The one pass gives every page one /Font dictionary naming every font subset of the pass;
    each page is copied with only the fonts it uses, so a slice embeds only its own subsets.
    """
    import io

    from pypdf import PdfWriter

    doc = rendered.docs[index]
    writer = PdfWriter()
    for n in range(doc.first_page, doc.first_page + doc.pages):
        writer.add_page(_own_fonts_only(reader.pages[n]))
    parents: dict[int, Any] = {}
    for entry in doc.outline:
        parent = parents.get(entry.level - 1)
        parents[entry.level] = writer.add_outline_item(
            title=entry.title, page_number=entry.page, parent=parent
        )
    info = reader.metadata or {}
    writer.add_metadata(
        {k: v for k, v in info.items() if k in ("/Author", "/Creator", "/Producer")}
    )
    writer.add_metadata({"/Title": rendered_title(rendered, index)})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


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
