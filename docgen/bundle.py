"""The print packet (bundle.pdf): cover, contents, summary table, then each application's form
followed by its attachments, with running packet numbers, page labels, bookmarks and the
straddle-seal (骑缝章) groups kept clear and faintly marked.

Pages of the one-pass render are sliced with pypdf (so the forms keep their shared font subsets);
everything the bundle itself prints (cover, contents, captions, running numbers, straddle marks)
comes from ONE reportlab overlay document, one page per bundle page, merged onto the pages.

``assemble`` runs three stages, each handing a typed result to the next:

    plan_packet(inp, ink)          -> PacketPlan    the sheets in order (letter, cover, contents,
                                                    summary, forms, attachments, duplex blanks),
                                                    straddle groups, seal slots, contents entries
    draw_overlay(plan, inp, ink)   -> bytes         the overlay PDF: cover and contents text,
                                                    captions, straddle marks, running numbers
    write_packet(plan, overlay, inp) -> BundleResult  pages merged with the overlay, bookmarks,
                                                    page labels, metadata, content-based /ID
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.constants import PageLabelStyle
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    FloatObject,
    NameObject,
)

from docgen import layout
from docgen.attach import AttachmentError, PlacedPage, attachment_pages
from docgen.attachments import AttachmentKind
from docgen.document import Role
from docgen.errors import Finding, FontError, InputError
from docgen.layout import MM, PORTRAIT, Box
from docgen.packet import DEFAULT_PACKET
from docgen.pdfinfo import describe, keep_zoom, unique_subset_tags, with_content_id
from docgen.render.linebreak import Line

if TYPE_CHECKING:
    from docgen.editionfiles import PacketTexts
    from docgen.render.fonts import FontSet
    from docgen.render.pdf import Inline, PdfResult, RenderedDoc

# What the bundle prints besides its texts (the edition's bundle.toml): page numbers and the
# ellipsis of a shortened caption.
OWN_CHARACTERS = "0123456789…"


def fixed_text(texts: PacketTexts) -> str:
    """Every character the bundle prints of its own (for the build's coverage check)."""
    return texts.all_text() + OWN_CHARACTERS


def packet_texts(inp: BundleInput) -> PacketTexts:
    """The bundle's texts: the edition's, or (an input made without them) the default
    edition's."""
    if inp.texts is not None:
        return inp.texts
    from docgen.edition import DEFAULT_EDITION, load_edition
    from docgen.editionfiles import packet_texts as edition_texts

    return edition_texts(load_edition(DEFAULT_EDITION))


# Cover and contents geometry (portrait), in points.
_COVER_TITLE_SIZE = 26.0
_COVER_TITLE_BASELINE = layout.A4_H - 95.0 * MM
_COVER_FIELD_SIZE = 16.0
_COVER_FIELD_LEADING = 34.0
_COVER_FIELDS_TOP = layout.A4_H - 160.0 * MM
_COVER_FIELDS_X = 45.0 * MM
_TOC_TITLE_SIZE = 22.0
_TOC_TITLE_BASELINE = layout.A4_H - 30.0 * MM
_TOC_SIZE = 14.0
_TOC_LEADING = 25.0
_TOC_TOP = layout.A4_H - 50.0 * MM  # first entry baseline
_TOC_BOTTOM = 25.0 * MM  # no entry baseline below this
_TOC_X0 = PORTRAIT.margin_left
_TOC_X1 = PORTRAIT.width - PORTRAIT.margin_right
_TOC_INDENT = 2 * _TOC_SIZE
_TOC_NUMBER_GAP = 8.0  # between an entry's text and its page number, at the least
_TEXT_GREY = 0.35  # running numbers: readable, clearly not part of the form
_MARK_GREY = layout.SEAL_MARK_GREY


# ---------------------------------------------------------------------------------------------
# Input and result.


@dataclass(frozen=True)
class ApplicationInput:
    """One application: its form is ``rendered.docs[doc_index]`` of the bundle's render; its
    attachments are (title, file, kind) in print order. ``placed`` holds their pages when the
    caller has placed them already (the build: validation placed them from the bytes it
    checked); otherwise each file is read and placed here."""

    application_id: str
    applicant: str
    category_label: str  # 示范企业, 示范平台（共享制造类） ...
    doc_index: int
    attachments: tuple[tuple[str, Path, AttachmentKind], ...] = ()
    placed: tuple[tuple[PlacedPage, ...], ...] | None = None


@dataclass(frozen=True)
class BundleInput:
    """Everything the packet needs. ``rendered`` is the one-pass render of the summary table and
    all forms (one reportlab build: shared font subsets); the indexes pick documents in it."""

    city_name: str
    division_code: str
    bureau: str
    date_text: str  # 二〇二一年五月十日
    rendered: PdfResult
    summary_index: int
    applications: tuple[ApplicationInput, ...]
    # What the bundle prints of its own (the edition's bundle.toml); None: the default edition's.
    texts: PacketTexts | None = None
    # The city's submission letter (报送函), rendered on its own: it lies on top of the bound
    # packet, so it comes first, before the cover, with no straddle group and no running number.
    letter: PdfResult | None = None


@dataclass(frozen=True)
class DocumentPlacement:
    """Where one application landed in the packet (1-based bundle pages; boxes rounded 0.1)."""

    application_id: str
    applicant: str
    bundle_pages: tuple[int, int]  # form and attachments
    form_pages: tuple[int, int]
    straddle_seals: tuple[dict[str, Any], ...]  # {"pages": [a, b], "box": [x0, y0, x1, y1]}
    seal_slots: tuple[dict[str, Any], ...]  # {"page", "box", "seal", "diameter_mm"}
    # {"title", "pages", "scale", "rotated"[, "rasterized_pages"][, "substituted_fonts"]}
    attachments: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class BundleResult:
    data: bytes
    pages: int
    summary_pages: tuple[int, int]
    summary_straddle_seals: tuple[dict[str, Any], ...]
    summary_seal_slots: tuple[dict[str, Any], ...]
    documents: tuple[DocumentPlacement, ...]
    contents_pages: tuple[int, int]
    blank_pages: tuple[int, ...]  # duplex versos inserted before a document
    letter_pages: tuple[int, int] | None = None
    letter_seal_slots: tuple[dict[str, Any], ...] = ()


# ---------------------------------------------------------------------------------------------
# Text drawn by the bundle itself, with the font set's per-character fallback.


class _Ink:
    """The bundle's own texts, set as the forms' are: measured with the form renderer's width
    tables (``InlineBuilder``), broken by the Chinese rules, drawn by its text pen
    (``_TextPen``), so that all access to reportlab's fonts and text operators lives in the pen.
    Each character is set in the first face of its role that has it; a character no face has is
    recorded (``missing``) for :meth:`check`."""

    def __init__(self, fonts: FontSet):
        self.fonts = fonts
        self.missing: dict[str, str] = {}  # character -> the text it occurs in

    def cover(self, text: str, role: Role) -> None:
        """Record the characters of ``text`` that no face of ``role`` has."""
        for ch in text:
            if ch not in " \u3000" and not self.fonts.covers(ch, role):
                self.missing.setdefault(ch, text)

    def inline(self, text: str, role: Role, size: float, *, keep: int = -1) -> Inline:
        """``text`` measured for the pen, with no line break inside ``text[keep:]`` when
        ``keep`` > 0. No punctuation squeezing (标点挤压): the packet's cover and contents keep
        every full-width mark's whole width, as they always have."""
        from docgen.render.pdf import InlineBuilder

        self.cover(text, role)
        b = InlineBuilder(self.fonts, size, squeeze=False)
        if 0 < keep < len(text):
            b.add(text[:keep], role)
            with b.keep():
                b.add(text[keep:], role)
        else:
            b.add(text, role)
        return b.build()

    def width(self, text: str, role: Role, size: float) -> float:
        return self.inline(text, role, size).width()

    def draw(
        self,
        canv: Any,
        x: float,
        y: float,
        text: str,
        role: Role,
        size: float,
        *,
        align: Literal["left", "center", "right"] = "left",
        grey: float = 0.0,
    ) -> float:
        """Draw ``text`` on one line with its baseline at ``y``; returns its width."""
        from reportlab.lib.colors import Color, black

        from docgen.render.pdf import _TextPen

        inline = self.inline(text, role, size)
        width = inline.width()
        if align == "center":
            x -= width / 2.0
        elif align == "right":
            x -= width
        pen = _TextPen(canv, size, Color(grey, grey, grey) if grey else black)
        pen.line(inline, Line(0, len(inline.text), width, True), x, y, width, "left")
        pen.finish()
        return width

    def wrap(
        self, text: str, role: Role, size: float, first: float, rest: float, *, keep: int = -1
    ) -> list[str]:
        """Lines of ``text`` no wider than ``first`` (then ``rest``), breaking as Chinese does;
        no break inside ``text[keep:]`` when ``keep`` >= 0 and that part fits on a line."""
        if not text:
            return [""]
        if 0 < keep < len(text) and self.width(text[keep:], role, size) > rest:
            keep = -1  # a part wider than a line cannot be kept whole
        inline = self.inline(text, role, size, keep=keep)
        return [inline.text[ln.start : ln.end] for ln in inline.lines(first, rest)] or [""]

    def fit(self, text: str, role: Role, size: float, max_width: float, min_size: float) -> float:
        """The largest size, down to ``min_size``, at which ``text`` fits on one line."""
        while size > min_size and self.width(text, role, size) > max_width:
            size -= 0.5
        return size

    def truncate(self, text: str, role: Role, size: float, max_width: float) -> str:
        if self.width(text, role, size) <= max_width:
            return text
        while text and self.width(text + "…", role, size) > max_width:
            text = text[:-1]
        return text + "…"

    def check(self) -> None:
        """Raises FontError naming every character drawn or measured that no font has."""
        if self.missing:
            raise FontError(
                "；".join(
                    f"字符“{ch}”（U+{ord(ch):04X}，出现在“{text}”中）没有任何可用字体能够显示"
                    for ch, text in sorted(self.missing.items())
                )
                + "；请删除或替换该字符，或用 --font-dir 指定包含该字符的字体"
            )


# ---------------------------------------------------------------------------------------------
# The pipeline: plan the sheets, draw the overlay, write the packet.


def assemble(
    inp: BundleInput,
    fonts: FontSet,
    *,
    max_seal_pages: int = DEFAULT_PACKET.max_seal_pages,
    seal_marks: bool = DEFAULT_PACKET.seal_marks,
    duplex: bool = DEFAULT_PACKET.duplex,
) -> BundleResult:
    """Assemble the packet: :func:`plan_packet`, :func:`draw_overlay`, :func:`write_packet`.

    Raises FontError if a character the bundle prints (cover, contents, captions) has no font,
    InputError (with the attachment's path in the city file) if an attachment cannot be placed,
    ValueError if ``max_seal_pages`` is below 2.
    """
    if max_seal_pages < 2:
        raise ValueError("max_seal_pages must be at least 2")
    ink = _Ink(fonts)
    plan = plan_packet(inp, ink, max_seal_pages=max_seal_pages, duplex=duplex)
    overlay = draw_overlay(plan, inp, ink, seal_marks=seal_marks)
    return write_packet(plan, overlay, inp)


# ---------------------------------------------------------------------------------------------
# The plan: one sheet per bundle page.

SheetKind = Literal["letter", "cover", "contents", "blank", "summary", "form", "attachment"]


@dataclass
class Sheet:
    """One bundle page: the page it is laid on (None: the overlay alone) and what the bundle
    prints on it."""

    kind: SheetKind
    width: float
    height: float
    source: PageObject | None = None  # the page the overlay is laid on; None: overlay only
    caption: str | None = None  # an attachment's first page
    straddle: tuple[Box, str] | None = None  # box and mark label
    contents_lines: list[tuple[float, str, int | None]] = field(default_factory=list)
    # the page prints its own document's number ("— 3 —"): no packet number besides it
    own_number: bool = False


@dataclass
class ContentsEntry:
    """One entry of the contents: a document or an attachment, wrapped into lines."""

    level: int  # 0 document, 1 attachment
    text: str
    page: int = 0  # 1-based bundle page, set once known
    lines: list[str] = field(default_factory=list)
    hang: float = 0.0  # indent of continuation lines (under the text after "申报书：")


@dataclass(frozen=True)
class ApplicationOutline:
    """An application's bookmarks: its form (first bundle page, rendered document, whose own
    headings nest under it) and each attachment's caption and first bundle page."""

    app: ApplicationInput
    first: int
    doc: RenderedDoc
    attachments: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class PacketPlan:
    """The packet laid out (:func:`plan_packet`): every sheet in order, with its straddle mark,
    caption or contents lines, and where every document, seal slot and straddle group landed
    (1-based bundle pages). The overlay draws what the sheets say; the writer binds them."""

    texts: PacketTexts
    sheets: tuple[Sheet, ...]
    contents: tuple[ContentsEntry, ...]
    contents_pages: tuple[int, int]
    summary_doc: RenderedDoc
    summary_pages: tuple[int, int]
    summary_straddle_seals: tuple[dict[str, Any], ...]
    summary_seal_slots: tuple[dict[str, Any], ...]
    documents: tuple[DocumentPlacement, ...]
    outline: tuple[ApplicationOutline, ...]
    blank_pages: tuple[int, ...]  # duplex versos inserted before a document
    letter_pages: tuple[int, int] | None
    letter_seal_slots: tuple[dict[str, Any], ...]

    @property
    def pages(self) -> int:
        return len(self.sheets)


def straddle_groups(pages: int, max_pages: int) -> list[tuple[int, int]]:
    """Split a document of ``pages`` pages into straddle groups of at most ``max_pages`` pages,
    as even as possible, no page shared between groups. 0-based inclusive ranges; a one-page
    document has none."""
    if max_pages < 2:
        raise ValueError("max_seal_pages must be at least 2")
    if pages < 2:
        return []
    count = math.ceil(pages / max_pages)
    base, extra = divmod(pages, count)
    out: list[tuple[int, int]] = []
    start = 0
    for k in range(count):
        size = base + (1 if k < extra else 0)
        out.append((start, start + size - 1))
        start += size
    return out


def _box_json(box: Sequence[float]) -> list[float]:
    return [round(float(v), 1) for v in box]


def _page_size(page: PageObject) -> tuple[float, float]:
    box = page.mediabox
    w, h = float(box.width), float(box.height)
    if page.rotation % 180:
        w, h = h, w
    return w, h


def _reader(data: bytes) -> PdfReader:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return PdfReader(io.BytesIO(data))


def plan_packet(
    inp: BundleInput,
    ink: _Ink,
    *,
    max_seal_pages: int = DEFAULT_PACKET.max_seal_pages,
    duplex: bool = DEFAULT_PACKET.duplex,
) -> PacketPlan:
    """The sheets of the packet, in order: the letter, the cover, the contents, the summary
    table, then each form followed by its attachments (a blank verso before a document that
    would start on an even page, when ``duplex``), with the straddle groups, seal slots and
    contents entries placed. Attachments not yet placed by the caller are read here.

    Raises InputError if an attachment cannot be placed, ValueError if ``max_seal_pages`` is
    below 2."""
    if max_seal_pages < 2:
        raise ValueError("max_seal_pages must be at least 2")
    texts = packet_texts(inp)
    docs = inp.rendered.docs
    placed = _place_attachments(inp)  # their page counts shape the plan
    toc, contents_count = _contents_entries(inp, texts, ink, placed)
    planner = _Planner(texts, _reader(inp.rendered.data), max_seal_pages, duplex)

    letter_pages: tuple[int, int] | None = None
    letter_slots: tuple[dict[str, Any], ...] = ()
    if inp.letter is not None:
        letter_pages, letter_slots = planner.add_letter(inp.letter)
    planner.add("cover")
    contents_pages = planner.add_contents(contents_count)

    summary_doc = docs[inp.summary_index]
    summary_pages, summary_groups, summary_slots = planner.add_summary(summary_doc)
    toc[0].page = summary_pages[0]

    placements: list[DocumentPlacement] = []
    outline: list[ApplicationOutline] = []
    entries = iter(toc[1:])
    for app, app_placed in zip(inp.applications, placed, strict=True):
        placement, app_outline = planner.add_application(
            app, docs[app.doc_index], app_placed, entries
        )
        placements.append(placement)
        outline.append(app_outline)

    sheets = planner.sheets
    _fill_contents(sheets, toc, contents_pages[0], contents_count)
    return PacketPlan(
        texts=texts,
        sheets=tuple(sheets),
        contents=tuple(toc),
        contents_pages=contents_pages,
        summary_doc=summary_doc,
        summary_pages=summary_pages,
        summary_straddle_seals=tuple(summary_groups),
        summary_seal_slots=summary_slots,
        documents=tuple(placements),
        outline=tuple(outline),
        blank_pages=tuple(planner.blanks),
        letter_pages=letter_pages,
        letter_seal_slots=letter_slots,
    )


def _place_attachments(inp: BundleInput) -> list[list[list[PlacedPage]]]:
    """Each application's attachments as placed pages: the caller's, or read and placed here."""
    placed: list[list[list[PlacedPage]]] = []
    for i, app in enumerate(inp.applications):
        if app.placed is not None:
            placed.append([list(pages) for pages in app.placed])
            continue
        pages_of_app: list[list[PlacedPage]] = []
        for j, (_title, path, kind) in enumerate(app.attachments):
            try:
                pages_of_app.append(attachment_pages(Path(path), kind))
            except AttachmentError as exc:
                where = f"applications[{i}].attachments[{j}].file"
                raise InputError([Finding(where, "error", str(exc))]) from exc
        placed.append(pages_of_app)
    return placed


# Contents lines per contents page.
_TOC_PER_PAGE = int((_TOC_TOP - _TOC_BOTTOM) // _TOC_LEADING) + 1


def _contents_entries(
    inp: BundleInput, texts: PacketTexts, ink: _Ink, placed: Sequence[Sequence[Sequence[Any]]]
) -> tuple[list[ContentsEntry], int]:
    """The contents entries with their wrapped lines (page numbers come later: the plan sets
    them), and how many contents pages they fill."""
    toc: list[ContentsEntry] = [ContentsEntry(0, texts.summary_entry)]
    for app in inp.applications:
        toc.append(
            ContentsEntry(
                0, texts.form_entry.format(applicant=app.applicant, category=app.category_label)
            )
        )
        for n, (title, _p, _k) in enumerate(app.attachments, 1):
            toc.append(ContentsEntry(1, texts.attachment_entry.format(n=n, title=title)))
    docs = inp.rendered.docs
    # Room for the page numbers: as many digits as the packet can have pages.
    most_pages = (
        2 * (len(toc) + 2)
        + sum(docs[i].pages for i in [inp.summary_index] + [a.doc_index for a in inp.applications])
        + sum(len(pp) for app in placed for pp in app)
        + len(toc) * 4
    )
    number_room = ink.width("8" * len(str(most_pages)), "song", _TOC_SIZE) + _TOC_NUMBER_GAP
    total_lines = 0
    for e in toc:
        x0 = _TOC_X0 + (_TOC_INDENT if e.level else 0)
        avail = _TOC_X1 - x0 - number_room
        prefix = e.text[: e.text.find("：") + 1]
        e.hang = min(ink.width(prefix, "song", _TOC_SIZE), avail / 3.0)
        # a form's category in brackets, "（示范平台（其他类））", is never split over two lines
        keep = _trailing_group(e.text) if e.level == 0 else -1
        e.lines = ink.wrap(e.text, "song", _TOC_SIZE, avail, avail - e.hang, keep=keep)
        total_lines += len(e.lines)
    return toc, max(1, math.ceil(total_lines / _TOC_PER_PAGE))


def _trailing_group(text: str) -> int:
    """Where the bracketed group that ends ``text`` ("…（示范平台（其他类））") opens, or -1."""
    if not text.endswith("）"):
        return -1
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == "）":
            depth += 1
        elif text[i] == "（":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _fill_contents(
    sheets: Sequence[Sheet], toc: Sequence[ContentsEntry], first: int, count: int
) -> None:
    """The contents lines onto the ``count`` contents sheets from bundle page ``first``: each
    entry's page number on its last line."""
    flat: list[tuple[float, str, int | None]] = []
    for e in toc:
        for j, line in enumerate(e.lines):
            x = _TOC_X0 + (_TOC_INDENT if e.level else 0) + (e.hang if j else 0.0)
            flat.append((x, line, e.page if j == len(e.lines) - 1 else None))
    per_page = _TOC_PER_PAGE
    for i in range(count):
        sheets[first - 1 + i].contents_lines = flat[i * per_page : (i + 1) * per_page]


class _Planner:
    """Appends the packet's sheets in order and records where each document lands."""

    def __init__(self, texts: PacketTexts, reader: PdfReader, max_seal_pages: int, duplex: bool):
        self.texts = texts
        self.reader = reader  # of the one-pass render
        self.max_seal_pages = max_seal_pages
        self.duplex = duplex
        self.sheets: list[Sheet] = []
        self.blanks: list[int] = []

    def add(self, kind: SheetKind) -> None:
        """A portrait sheet of the overlay alone (the cover, a contents page, a blank)."""
        self.sheets.append(Sheet(kind, PORTRAIT.width, PORTRAIT.height))

    def start_document(self) -> int:
        """The bundle page the next document starts on, after a blank verso if duplex needs
        one."""
        if self.duplex and len(self.sheets) % 2 == 1:
            self.add("blank")
            self.blanks.append(len(self.sheets))
        return len(self.sheets) + 1

    def add_pages(
        self, kind: SheetKind, pages: Sequence[PageObject], *, numbered: int | None
    ) -> None:
        """Sheets laid on ``pages``; from the ``numbered``-th on (0-based; None: none) each
        prints its own document's number."""
        for i, page in enumerate(pages):
            w, h = _page_size(page)
            own = numbered is not None and i >= numbered
            self.sheets.append(Sheet(kind, w, h, source=page, own_number=own))

    def doc_pages(self, doc: RenderedDoc) -> list[PageObject]:
        return [self.reader.pages[doc.first_page + i] for i in range(doc.pages)]

    def add_letter(self, letter: PdfResult) -> tuple[tuple[int, int], tuple[dict[str, Any], ...]]:
        """The submission letter, first: its pages and seal slots."""
        self.add_pages("letter", _reader(letter.data).pages, numbered=None)
        pages = (1, len(self.sheets))
        slots = _slots(letter.docs[0], 1)
        self.start_document()
        return pages, slots

    def add_contents(self, count: int) -> tuple[int, int]:
        first = self.start_document()
        for _ in range(count):
            self.add("contents")
        return first, len(self.sheets)

    def add_summary(
        self, doc: RenderedDoc
    ) -> tuple[tuple[int, int], list[dict[str, Any]], tuple[dict[str, Any], ...]]:
        """The summary table: its pages, straddle groups and seal slots."""
        first = self.start_document()
        self.add_pages("summary", self.doc_pages(doc), numbered=0)
        pages = (first, len(self.sheets))
        return pages, self.group_sheets(first - 1, doc.pages), _slots(doc, first)

    def add_application(
        self,
        app: ApplicationInput,
        doc: RenderedDoc,
        placed: Sequence[Sequence[PlacedPage]],
        entries: Iterator[ContentsEntry],
    ) -> tuple[DocumentPlacement, ApplicationOutline]:
        """An application's form, then its attachments; ``entries`` gives their contents
        entries in order, which get their pages."""
        first = self.start_document()
        next(entries).page = first
        # the form's cover prints the packet's number, its body its own ("— 3 —")
        self.add_pages("form", self.doc_pages(doc), numbered=1)
        form_pages = (first, len(self.sheets))
        records: list[dict[str, Any]] = []
        outline: list[tuple[str, int]] = []
        for n, ((title, _p, _k), pages) in enumerate(zip(app.attachments, placed, strict=True), 1):
            caption = self.texts.attachment_entry.format(n=n, title=title)
            att_first = len(self.sheets) + 1
            next(entries).page = att_first
            records.append(self.add_attachment(title, caption, pages))
            outline.append((caption, att_first))
        last = len(self.sheets)
        placement = DocumentPlacement(
            application_id=app.application_id,
            applicant=app.applicant,
            bundle_pages=(first, last),
            form_pages=form_pages,
            straddle_seals=tuple(self.group_sheets(first - 1, last - first + 1)),
            seal_slots=_slots(doc, first),
            attachments=tuple(records),
        )
        return placement, ApplicationOutline(app, first, doc, tuple(outline))

    def add_attachment(
        self, title: str, caption: str, pages: Sequence[PlacedPage]
    ) -> dict[str, Any]:
        """An attachment's pages, its caption over the first; its record for the manifest."""
        first = len(self.sheets) + 1
        rotated: list[int] = []
        rasterized: list[int] = []
        substituted: set[str] = set()
        for i, pp in enumerate(pages):
            self.sheets.append(
                Sheet(
                    "attachment",
                    layout.A4_W,
                    layout.A4_H,
                    source=pp.page,
                    caption=caption if i == 0 else None,
                )
            )
            if pp.rotated:
                rotated.append(len(self.sheets))
            if pp.rasterized:
                rasterized.append(len(self.sheets))
            substituted.update(pp.fonts_embedded)
        record: dict[str, Any] = {
            "title": title,
            "pages": [first, len(self.sheets)],
            "scale": round(min(pp.scale for pp in pages), 3),
            "rotated": rotated,
        }
        # Only when something was done to make every font embedded (docgen.fontfix).
        if rasterized:
            record["rasterized_pages"] = rasterized
        if substituted:
            record["substituted_fonts"] = sorted(substituted)
        return record

    def group_sheets(self, first_sheet: int, count: int) -> list[dict[str, Any]]:
        """Mark the straddle groups on sheets[first_sheet : first_sheet + count].

        Duplex: a fanned stack of duplex sheets shows only the rectos (odd bundle pages), so a
        group is made of rectos, counted as sheets, and only rectos carry the slot and mark.
        """
        members = [first_sheet + i for i in range(count)]
        if self.duplex:
            members = [n for n in members if (n + 1) % 2 == 1]
        groups = straddle_groups(len(members), self.max_seal_pages)
        out: list[dict[str, Any]] = []
        for k, (a, b) in enumerate(groups):
            label = self.texts.straddle_mark.format(group=k + 1, groups=len(groups))
            first_box: Box | None = None
            for n in members[a : b + 1]:
                sheet = self.sheets[n]
                box = (
                    layout.landscape_straddle_box(sheet.width, sheet.height, k)
                    if sheet.width > sheet.height
                    else layout.straddle_box(sheet.width, sheet.height, k)
                )
                first_box = first_box or box
                sheet.straddle = (box, label)
            assert first_box is not None
            entry: dict[str, Any] = {
                "pages": [members[a] + 1, members[b] + 1],
                "box": _box_json(first_box),
            }
            if self.duplex:
                entry["recto_only"] = True
                entry["page_list"] = [n + 1 for n in members[a : b + 1]]
            out.append(entry)
        return out


def _slots(doc: RenderedDoc, first_page: int) -> tuple[dict[str, Any], ...]:
    """A document's seal slots, at its first bundle page ``first_page``."""
    return tuple(
        {
            "page": first_page + s.page,
            "box": _box_json(s.box),
            "seal": s.seal,
            "diameter_mm": s.diameter_mm,
        }
        for s in doc.seal_slots
    )


# ---------------------------------------------------------------------------------------------
# The overlay: everything the bundle prints, one page per bundle page, one font subset.


def draw_overlay(plan: PacketPlan, inp: BundleInput, ink: _Ink, *, seal_marks: bool) -> bytes:
    """One PDF page per sheet, the size of the sheet, with what the bundle prints on it: the
    cover, the contents, an attachment's caption, the straddle mark and its label (unless not
    ``seal_marks``), the running number.

    Raises FontError if a character the bundle prints (or the plan measured) has no font."""
    from docgen.render.pdf import FlateCanvas, threaded_flate

    sheets, texts = plan.sheets, plan.texts
    total = len(sheets)
    buf = io.BytesIO()
    with threaded_flate() as flate:  # the streams compressed on a second thread
        canv = FlateCanvas(
            buf,
            pagesize=(sheets[0].width, sheets[0].height),
            invariant=1,
            pageCompression=1,
            # reportlab opens every page with its initial font: ours, not a bare Helvetica
            initialFontName=ink.fonts.font_name("song"),
            initialFontSize=layout.RUNNING_NUMBER_SIZE,
            flate=flate,
        )
        canv.setCreator("docgen")
        canv.setTitle(texts.title.format(city=inp.city_name))
        first_contents = plan.contents_pages[0] - 1
        for number, sheet in enumerate(sheets, 1):
            canv.setPageSize((sheet.width, sheet.height))
            if sheet.kind == "cover":
                _draw_cover(canv, ink, inp, texts, total)
            elif sheet.kind == "contents":
                _draw_contents(canv, ink, sheet, texts, first=number - 1 == first_contents)
            if sheet.caption:
                _draw_caption(canv, ink, sheet.caption)
            if sheet.straddle and seal_marks:
                _draw_straddle_mark(canv, ink, *sheet.straddle)
            # One page-number system per page: a page of the summary or of a form's body
            # shows its document's number ("— 3 —", GB/T 9704), the letter its own; the packet
            # cover and the contents show none; every other page (a form's cover, an
            # attachment, a blank verso) the packet's running number, which the contents and
            # page labels refer to.
            if sheet.kind not in ("letter", "cover", "contents") and not sheet.own_number:
                text = texts.running_number.format(city=inp.city_name, page=number, pages=total)
                _draw_running_number(canv, ink, sheet, text)
            canv.showPage()
        canv.save()
    ink.check()
    return buf.getvalue()


def _draw_running_number(canv: Any, ink: _Ink, sheet: Sheet, text: str) -> None:
    geo = layout.geometry(sheet.width > sheet.height)
    x0, _, x1, _ = geo.frame
    centre = (x0 + x1) / 2.0  # the text is short: it stays well left of the straddle band
    ink.draw(
        canv,
        centre,
        layout.RUNNING_NUMBER_BASELINE,
        text,
        "song",
        layout.RUNNING_NUMBER_SIZE,
        align="center",
        grey=_TEXT_GREY,
    )


def _draw_caption(canv: Any, ink: _Ink, caption: str) -> None:
    x0, _, x1, _ = layout.attachment_box(PORTRAIT)
    size = ink.fit(caption, "song", layout.CAPTION_SIZE, x1 - x0, 9.0)
    text = ink.truncate(caption, "song", size, x1 - x0)
    ink.draw(canv, x0, layout.A4_H - layout.CAPTION_BASELINE_FROM_TOP, text, "song", size)


def _draw_straddle_mark(canv: Any, ink: _Ink, box: Box, label: str) -> None:
    if box[1] == 0.0 and box[2] - box[0] > box[3] - box[1]:  # a landscape page's bottom edge
        _draw_bottom_straddle_mark(canv, ink, box, label)
        return
    cx, cy, r = layout.straddle_mark_circle(box)
    canv.saveState()
    canv.setStrokeGray(_MARK_GREY)
    canv.setLineWidth(layout.SEAL_MARK_LINE_WIDTH)
    canv.setDash(list(layout.SEAL_MARK_DASH), 0)
    # The left half of the seal circle centred on the right edge: the slice this page shows.
    inset = layout.SEAL_MARK_LINE_WIDTH
    rr = r - inset
    canv.arc(cx - rr, cy - rr, cx + rr, cy + rr, startAng=90, extent=180)
    canv.restoreState()
    size = layout.SEAL_MARK_LABEL_SIZE
    _draw_mark_label(canv, ink, box[0] + r * 0.3, cy - size / 3.0, label, center=False)


def _draw_mark_label(
    canv: Any, ink: _Ink, x: float, y: float, label: str, *, center: bool = True
) -> None:
    """A slot mark's label as glyph outlines: never in the text layer."""
    from reportlab.lib.colors import Color

    from docgen.render.pdf import draw_outlined

    ink.cover(label, "song")  # the coverage check of everything the bundle prints
    grey = Color(_MARK_GREY, _MARK_GREY, _MARK_GREY)
    draw_outlined(canv, ink.fonts, label, x, y, layout.SEAL_MARK_LABEL_SIZE, grey, center=center)


def _draw_bottom_straddle_mark(canv: Any, ink: _Ink, box: Box, label: str) -> None:
    """The upper half of the seal circle centred on the bottom edge, the label turned as the
    bound sheet reads (the page's top at the binding edge)."""
    x0, _y0, x1, _y1 = box
    r = (x1 - x0) / 2.0
    cx = (x0 + x1) / 2.0
    canv.saveState()
    canv.setStrokeGray(_MARK_GREY)
    canv.setLineWidth(layout.SEAL_MARK_LINE_WIDTH)
    canv.setDash(list(layout.SEAL_MARK_DASH), 0)
    rr = r - layout.SEAL_MARK_LINE_WIDTH
    canv.arc(cx - rr, -rr, cx + rr, rr, startAng=0, extent=180)
    canv.restoreState()
    canv.saveState()
    canv.translate(cx, r * 0.3)
    canv.rotate(-90)  # upright on the bound sheet, whose top is this page's left
    _draw_mark_label(canv, ink, 0.0, 0.0, label, center=True)
    canv.restoreState()


def _draw_cover(canv: Any, ink: _Ink, inp: BundleInput, texts: PacketTexts, total: int) -> None:
    geo = PORTRAIT
    x0, _, x1, _ = geo.frame
    title = texts.title.format(city=inp.city_name)
    size = ink.fit(title, "hei", _COVER_TITLE_SIZE, x1 - x0, 16.0)
    lines = ink.wrap(title, "hei", size, x1 - x0, x1 - x0)
    y = _COVER_TITLE_BASELINE
    for line in lines:
        ink.draw(canv, (x0 + x1) / 2.0, y, line, "hei", size, align="center")
        y -= size * 1.5

    values = {
        "bureau": inp.bureau,
        "division_code": inp.division_code,
        "applications": len(inp.applications),
        "pages": total,
        "date": inp.date_text,
    }
    fields = [(f.label, f.value.format(**values)) for f in texts.cover]
    fsize = _COVER_FIELD_SIZE
    label_w = max(ink.width(label, "fangsong", fsize) for label, _ in fields)
    y = _COVER_FIELDS_TOP
    vx = _COVER_FIELDS_X + label_w
    avail = x1 - vx
    for label, value in fields:
        ink.draw(canv, _COVER_FIELDS_X, y, label, "fangsong", fsize)
        for line in ink.wrap(value, "fangsong", fsize, avail, avail):
            ink.draw(canv, vx, y, line, "fangsong", fsize)
            y -= _COVER_FIELD_LEADING
    canv.saveState()
    canv.setLineWidth(0.8)
    canv.line(x0, _COVER_TITLE_BASELINE - 20.0 * MM, x1, _COVER_TITLE_BASELINE - 20.0 * MM)
    canv.restoreState()


def _draw_contents(canv: Any, ink: _Ink, sheet: Sheet, texts: PacketTexts, *, first: bool) -> None:
    title = texts.contents_title if first else texts.contents_title_continued
    ink.draw(
        canv,
        (_TOC_X0 + _TOC_X1) / 2.0,
        _TOC_TITLE_BASELINE,
        title,
        "hei",
        _TOC_TITLE_SIZE,
        align="center",
    )
    y = _TOC_TOP
    for x, line, page in sheet.contents_lines:
        role: Role = "song"
        w = ink.draw(canv, x, y, line, role, _TOC_SIZE)
        if page is not None:
            num = str(page)
            nw = ink.draw(canv, _TOC_X1, y, num, role, _TOC_SIZE, align="right")
            lx0, lx1 = x + w + 4.0, _TOC_X1 - nw - 4.0
            if lx1 - lx0 > 6.0:
                canv.saveState()
                canv.setLineWidth(0.9)
                canv.setLineCap(1)
                canv.setDash([0.1, 3.5], 0)
                canv.line(lx0, y + 1.5, lx1, y + 1.5)
                canv.restoreState()
        y -= _TOC_LEADING


# ---------------------------------------------------------------------------------------------
# The writer: the sheets' pages with the overlay stamped on, bookmarks, labels, metadata.


def write_packet(plan: PacketPlan, overlay: bytes, inp: BundleInput) -> BundleResult:
    """bundle.pdf: each sheet's page (or the overlay's page alone) with its overlay page drawn
    over it, the bookmarks, page labels and metadata, shared objects merged and a content-based
    /ID."""
    texts = plan.texts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        writer = _merge(plan.sheets, PdfReader(io.BytesIO(overlay)))
        if plan.letter_pages is not None:
            first = plan.letter_pages[0] - 1
            top = float(writer.pages[first].mediabox.top)
            writer.add_outline_item(
                title=texts.letter_bookmark, page_number=first, fit=keep_zoom(top)
            )
        _outline(writer, plan)
        writer.set_page_label(0, plan.pages - 1, style=PageLabelStyle.DECIMAL, start=1)
        describe(writer, texts.title.format(city=inp.city_name), inp.bureau)
        writer.page_mode = "/UseOutlines"
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
        unique_subset_tags(writer)  # the one pass, the overlay, the letter, the attachments
        buf = io.BytesIO()
        writer.write(buf)

    return BundleResult(
        data=with_content_id(buf.getvalue()),
        pages=plan.pages,
        summary_pages=plan.summary_pages,
        summary_straddle_seals=plan.summary_straddle_seals,
        summary_seal_slots=plan.summary_seal_slots,
        documents=plan.documents,
        contents_pages=plan.contents_pages,
        blank_pages=plan.blank_pages,
        letter_pages=plan.letter_pages,
        letter_seal_slots=plan.letter_seal_slots,
    )


def _merge(sheets: Sequence[Sheet], over: PdfReader) -> PdfWriter:
    """A writer with one page per sheet: its source page with the overlay's page stamped on,
    or the overlay's page itself."""
    writer = PdfWriter()
    writer.pdf_header = "%PDF-1.7"  # attachments may use anything up to PDF 1.7
    stamper = _Stamper(writer)
    for i, sheet in enumerate(sheets):
        ov = over.pages[i]
        if sheet.source is None:
            writer.add_page(ov)
            continue
        page = writer.add_page(sheet.source)
        if page.rotation % 360:
            page.transfer_rotation_to_content()
            page.compress_content_streams()
        left, bottom = float(page.mediabox.left), float(page.mediabox.bottom)
        stamper.stamp(page, ov, left, bottom)
    return writer


class _Stamper:
    """Draws an overlay page over a bundle page as a Form XObject.

    The page's own content streams are referenced as they are (no decoding, parsing or
    re-encoding, which pypdf's merge_page does for every page); the overlay's stream is reused
    still compressed. The page gets its own copy of its resource dictionary, since pages may
    share one and each page's stamp differs."""

    def __init__(self, writer: Any):
        self.writer = writer
        self.opening = writer._add_object(_stream(b"q\n"))

    def stamp(self, page: PageObject, overlay: PageObject, dx: float, dy: float) -> None:
        source: Any = overlay[NameObject("/Contents")].get_object()  # reportlab's one stream
        form = EncodedStreamObject() if "/Filter" in source else DecodedStreamObject()
        form._data = source._data  # still encoded, with its /Filter below
        for key in ("/Filter", "/DecodeParms"):
            if key in source:
                form[NameObject(key)] = source[key]
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        box = overlay.mediabox
        form[NameObject("/BBox")] = ArrayObject(
            [
                FloatObject(box.left),
                FloatObject(box.bottom),
                FloatObject(box.right),
                FloatObject(box.top),
            ]
        )
        resources: Any = overlay[NameObject("/Resources")].get_object()
        form[NameObject("/Resources")] = resources.clone(self.writer)
        form_ref = self.writer._add_object(form)

        resources = page.get("/Resources")
        own = DictionaryObject(resources.get_object() if resources is not None else {})
        xobjects = own.get("/XObject")
        own_x = DictionaryObject(xobjects.get_object() if xobjects is not None else {})
        own_x[NameObject("/DgStamp")] = form_ref
        own[NameObject("/XObject")] = own_x
        page[NameObject("/Resources")] = own

        contents = page.get("/Contents")
        existing: list[Any] = []
        if contents is not None:
            obj = contents.get_object()
            existing = list(obj) if isinstance(obj, ArrayObject) else [contents]
        tail = f"Q q 1 0 0 1 {dx:g} {dy:g} cm /DgStamp Do Q\n".encode()
        closing = self.writer._add_object(_stream(tail))
        page[NameObject("/Contents")] = ArrayObject([self.opening, *existing, closing])


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def _outline(writer: PdfWriter, plan: PacketPlan) -> None:
    """Bookmarks that keep the reader's zoom (/XYZ): a document's or an attachment's at the top
    of its first page, a heading's at the heading."""
    texts = plan.texts

    def add(title: str, page: int, top: float | None = None, **kw: Any) -> Any:
        if top is None:
            top = float(writer.pages[page].mediabox.top)
        return writer.add_outline_item(title=title, page_number=page, fit=keep_zoom(top), **kw)

    add(texts.contents_bookmark, plan.contents_pages[0] - 1)

    def nest(parent: Any, doc: RenderedDoc, first: int) -> None:
        stack: list[tuple[int, Any]] = []
        for entry in doc.outline:
            while stack and stack[-1][0] >= entry.level:
                stack.pop()
            item = add(
                entry.title,
                first - 1 + entry.page,
                entry.top,
                parent=stack[-1][1] if stack else parent,
                is_open=False,
            )
            stack.append((entry.level, item))

    summary_first = plan.summary_pages[0]
    top = add(texts.summary_entry, summary_first - 1)
    nest(top, plan.summary_doc, summary_first)
    for app in plan.outline:
        top = add(
            texts.form_entry.format(applicant=app.app.applicant, category=app.app.category_label),
            app.first - 1,
            is_open=False,
        )
        nest(top, app.doc, app.first)
        for title, page in app.attachments:
            add(title, page - 1, parent=top)
