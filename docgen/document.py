"""The intermediate representation of one printable document (a declaration form, a summary table).

Composers build a ``Document`` once; the PDF and DOCX renderers each walk it, so both say the same
thing. Everything here is plain, immutable data: no renderer details, no I/O.

Every piece of printed text is a ``Run`` that remembers where it came from (``source``: the field
path in the city file, or ``None`` for the form's own fixed text), so that a character no font has
can be reported with its place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

from . import layout

Role = Literal["song", "hei", "kai", "fangsong"]
Align = Literal["left", "center", "right", "justify"]
SealKind = Literal["applicant", "government", "bureau"]


@dataclass(frozen=True)
class Run:
    """A stretch of text in one style. ``role`` overrides the enclosing block's face."""

    text: str
    bold: bool = False
    role: Role | None = None
    source: str | None = None
    # no line break inside this run (a "label：value" pair of a contact line)
    keep: bool = False


Runs = tuple[Run, ...]


def runs(text: str, source: str | None = None, *, bold: bool = False) -> Runs:
    """Shorthand for a single-run inline sequence."""
    return (Run(text, bold=bold, source=source),)


@dataclass(frozen=True)
class Title:
    """A large centred title (the cover's 服务型制造示范遴选申报书)."""

    text: Runs
    size: float = 22.0
    role: Role = "hei"
    space_before: float = 0.0  # points
    space_after: float = 12.0


# Style decisions made here once and read by every renderer (PDF, Word, coverage checks):
# a heading's face by level (LAYOUT.md: 一、 in hei, （一） in kai, level 3 bold in the body
# face), and an official seal's diameter by kind.
HEADING_ROLES: dict[int, Role] = {1: "hei", 2: "kai", 3: "fangsong"}
HEADING_SIZE = 16.0  # 3号, every level
SEAL_MM: dict[SealKind, float] = {
    "applicant": layout.ENTERPRISE_SEAL_MM,
    "government": layout.GOVERNMENT_SEAL_MM,
    "bureau": layout.BUREAU_SEAL_MM,
}


@dataclass(frozen=True)
class Heading:
    """A numbered heading. level 1: 一、 in hei 3号; level 2: （一） in kai 3号; level 3: bold body.

    ``number`` is the ready-made prefix ("一、", "（一）", "") so renderers never count.
    ``bookmark`` puts the heading in the PDF outline.
    """

    level: int
    number: str
    text: Runs
    bookmark: bool = True
    align: Align = "left"  # "center": a form's title-like heading (真实性承诺)

    @property
    def role(self) -> Role:
        """The face of the heading's number and text."""
        return HEADING_ROLES[min(max(self.level, 1), 3)]

    @property
    def bold(self) -> bool:
        return self.level >= 3


@dataclass(frozen=True)
class Paragraph:
    """Body text. ``indent`` is the first-line indent in characters (2 for narrative prose)."""

    text: Runs
    indent: int = 2
    align: Align = "justify"
    size: float = 16.0
    role: Role = "fangsong"
    space_before: float = 0.0
    space_after: float = 0.0
    keep_with_next: bool = False


@dataclass(frozen=True)
class ListItem:
    """One item of a ``-`` list (``marker`` is e.g. "•" or "1.")."""

    marker: str
    text: Runs
    size: float = 16.0
    role: Role = "fangsong"


@dataclass(frozen=True)
class TickItem:
    text: str
    checked: bool
    level: int = 0  # 1 for a subtype nested under its category


@dataclass(frozen=True)
class TickBoxes:
    """A labelled choice with drawn square boxes (never a font glyph); the checked ones get a
    drawn tick. Items flow left to right and wrap; a run of nested items (``level`` 1) is set in
    brackets after the item it belongs to: 示范平台（☐共享制造类 ☐其他类）.

    A choice set on several rows is several blocks: the first carries the label ("申报类别："),
    each further row has ``continues`` set. A continuing row prints no label: its ``label`` is
    only blank space (U+3000) as wide as the first row's label, so that its boxes line up under
    the first row's; renderers that lay rows out by indentation use ``continues`` and the
    label's width, and never print it as a label of its own.
    """

    label: str
    items: tuple[TickItem, ...]
    size: float = 16.0
    continues: bool = False


@dataclass(frozen=True)
class Cell:
    text: Runs
    colspan: int = 1
    align: Align = "left"
    header: bool = False  # label / header cell: bold, light shading allowed


@dataclass(frozen=True)
class Table:
    """A bordered grid. ``widths`` are relative column widths (they are scaled to the frame).

    ``header_rows`` rows repeat at the top of every page the table spans. Rows never split across
    pages unless a single row is taller than a page. ``keep_rows``: the fewest body rows a page
    break leaves on either side (a table that has fewer than twice as many body rows is not
    split but moved whole); a signature block right after the table goes with its last
    ``keep_rows`` rows, never to a page of its own.
    """

    widths: tuple[float, ...]
    rows: tuple[tuple[Cell, ...], ...]
    header_rows: int = 0
    size: float = 12.0
    role: Role = "song"
    caption: Runs | None = None
    keep_rows: int = 2


@dataclass(frozen=True)
class CoverField:
    """A cover line: label on the left, underlined value (e.g. 申报单位（盖章）：XXX公司)."""

    label: str
    value: Runs
    seal: SealKind | None = None  # an official seal slot over this line
    # The seal's diameter (the category's ``seal_mm``); None: the default of its kind.
    seal_diameter_mm: float | None = None
    # The seal also covers the next line (the date under the unit's name), as LAYOUT.md
    # places it: one zone of the seal's height for both lines instead of one for each.
    seal_with_next: bool = False

    @property
    def seal_mm(self) -> float:
        """The diameter of the line's seal slot: the category's (``seal_diameter_mm``), else its
        kind's; a government's never smaller than ``GOVERNMENT_SEAL_MM`` (as the commitment's)."""
        assert self.seal is not None
        if self.seal_diameter_mm is None:
            return SEAL_MM[self.seal]
        if self.seal == "government":
            return max(self.seal_diameter_mm, layout.GOVERNMENT_SEAL_MM)
        return self.seal_diameter_mm


@dataclass(frozen=True)
class CoverFields:
    fields: tuple[CoverField, ...]
    size: float = 16.0
    # How far (mm) a seal over the last lines may reach below the block, onto the text that
    # follows it (the summary's contact line under the bureau's seal): the block keeps only
    # the rest of the seal's height free.
    seal_overhang_mm: float = 0.0


@dataclass(frozen=True)
class SignatureBlock:
    """Signature lines (legal representative, unit, date) sharing one left edge, the block at
    the right, with an official seal slot over the unit's name and the date. Renderers never leave it alone on a page: if it must
    move to a new page, that page carries 「（此页无正文）」 under the last text."""

    lines: tuple[Runs, ...]
    seal: SealKind
    seal_diameter_mm: float = 42.0
    # The line with the unit's name and the line with the date (indexes into ``lines``,
    # negative from the end): the seal is centred between them. A line before the unit's
    # (the legal representative's signing space) stays clear of the seal; an empty line is
    # an empty row.
    unit_line: int = 0
    date_line: int = -1


@dataclass(frozen=True)
class OpinionBox:
    """A bordered box for a written opinion (推荐意见): a title, an empty writing area of
    ``height_mm``, then a signature block inside the box."""

    title: str
    height_mm: float
    signature: SignatureBlock


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Spacer:
    height_mm: float


@dataclass(frozen=True)
class Letterhead:
    """The head of a letter's first page (GB/T 9704-2012 §10.1 信函格式): the issuing body's
    name (发文机关标志) centred in red, the red double rule under it, the red double rule near the
    foot of the page, and the document number (发文字号) right-aligned under the first rule.

    ``printed`` False leaves the name and both rules out (paper with a printed letterhead) and
    keeps their space, so the document number and everything after it stay where they were.
    """

    name: Runs
    number: Runs
    printed: bool = True


@dataclass(frozen=True)
class AttachmentNote:
    """附件说明 (GB/T 9704 §7.3.4): ``label`` ("附件：") then the numbered items; an item's
    wrapped lines align with the first character of its name, and the numbers of later items
    align under the first one's. ``markers`` are the ready-made numbers ("1. ", "2. ")."""

    label: str
    markers: tuple[str, ...]
    items: tuple[Runs, ...]
    size: float = 16.0
    role: Role = "fangsong"


@dataclass(frozen=True)
class DatedSignature:
    """发文机关署名 and 成文日期 of a sealed document (GB/T 9704 §7.3.5.1): the date ends
    ``date_right_chars`` characters from the right edge of the text area, the name is centred
    over the date, and the seal slot is centred over both with its top within a line of the
    text above (``space_lines`` empty lines before the name). ``note`` (附注) follows on the
    line after the date, indented two characters. Renderers keep the block on one page with
    the last lines of the text before it."""

    name: Runs
    date: Runs
    seal: SealKind
    seal_diameter_mm: float = 42.0
    date_right_chars: int = 4
    space_lines: int = 2
    note: Runs | None = None


Block = (
    Title
    | Heading
    | Paragraph
    | ListItem
    | TickBoxes
    | Table
    | CoverFields
    | SignatureBlock
    | OpinionBox
    | PageBreak
    | Spacer
    | Letterhead
    | AttachmentNote
    | DatedSignature
)


@dataclass(frozen=True)
class Document:
    """One printable document.

    ``cover_pages`` leading pages carry no page number; numbering ("— N —") starts at 1 on the
    first page after them.
    """

    kind: Literal["declaration", "summary", "letter"]
    title: str  # PDF /Title and DOCX core title
    blocks: tuple[Block, ...]
    landscape: bool = False
    cover_pages: int = 1
    # The Word file's core properties: its author (the applicant) and its creation date (the
    # city's submission date); None: docgen, and a fixed date.
    author: str | None = None
    created: date | None = None
    # Characters per body line of the document grid (GB/T 9704: 28 of 3号 in the 156 mm text
    # area): body text is set on this pitch, as Word's 文档网格 does. 0: natural widths.
    grid_chars: int = 0


def iter_runs(doc: Document) -> Iterator[tuple[Run, Role]]:
    """Every run that will be printed, with the face it is printed in (for coverage checks)."""
    for block in doc.blocks:
        yield from _block_runs(block)


def _block_runs(block: Block) -> Iterator[tuple[Run, Role]]:
    match block:
        case Title(text=text, role=role):
            yield from ((r, r.role or role) for r in text)
        case Heading(number=number, text=text):
            face = block.role
            yield Run(number), face
            yield from ((r, r.role or face) for r in text)
        case Paragraph(text=text, role=role):
            yield from ((r, r.role or role) for r in text)
        case ListItem(marker=marker, text=text, role=role):
            yield Run(marker), role
            yield from ((r, r.role or role) for r in text)
        case TickBoxes(label=label, items=items):
            yield Run(label), "fangsong"
            yield from ((Run(i.text), "fangsong") for i in items)
        case Table(rows=rows, role=role, caption=caption):
            if caption:
                yield from ((r, r.role or "hei") for r in caption)
            for row in rows:
                for cell in row:
                    yield from ((r, r.role or role) for r in cell.text)
        case CoverFields(fields=fields):
            for f in fields:
                yield Run(f.label), "fangsong"
                yield from ((r, r.role or "fangsong") for r in f.value)
        case SignatureBlock(lines=lines):
            for line in lines:
                yield from ((r, r.role or "fangsong") for r in line)
            yield Run("（此页无正文）"), "fangsong"
        case OpinionBox(title=title, signature=sig):
            yield Run(title), "hei"
            yield from _block_runs(sig)
        case Letterhead(name=name, number=number):
            yield from ((r, r.role or "song") for r in name)
            yield from ((r, r.role or "fangsong") for r in number)
        case AttachmentNote(label=label, markers=markers, items=items, role=role):
            yield Run(label), role
            for marker, item in zip(markers, items, strict=True):
                yield Run(marker), role
                yield from ((r, r.role or role) for r in item)
        case DatedSignature(name=name, date=date, note=note):
            for part in (name, date, note or ()):
                yield from ((r, r.role or "fangsong") for r in part)
        case _:
            return


def plain(text: Runs) -> str:
    return "".join(r.text for r in text)
