"""The intermediate representation of one printable document (a declaration form, a summary table).

Composers build a ``Document`` once; the PDF and DOCX renderers each walk it, so both say the same
thing. Everything here is plain, immutable data: no renderer details, no I/O.

Every piece of printed text is a ``Run`` that remembers where it came from (``source``: the field
path in the city file, or ``None`` for the form's own fixed text), so that a character no font has
can be reported with its place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

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
    drawn tick. Items flow left to right and wrap."""

    label: str
    items: tuple[TickItem, ...]
    size: float = 16.0


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
    pages unless a single row is taller than a page.
    """

    widths: tuple[float, ...]
    rows: tuple[tuple[Cell, ...], ...]
    header_rows: int = 0
    size: float = 12.0
    role: Role = "song"
    caption: Runs | None = None


@dataclass(frozen=True)
class CoverField:
    """A cover line: label on the left, underlined value (e.g. 申报单位（盖章）：XXX公司)."""

    label: str
    value: Runs
    seal: SealKind | None = None  # an official seal slot over this line
    # The seal also covers the next line (the date under the unit's name), as LAYOUT.md
    # places it: one zone of the seal's height for both lines instead of one for each.
    seal_with_next: bool = False


@dataclass(frozen=True)
class CoverFields:
    fields: tuple[CoverField, ...]
    size: float = 16.0


@dataclass(frozen=True)
class SignatureBlock:
    """Right-aligned signature lines (unit, legal representative, date) with an official seal
    slot over the unit's name and the date. Renderers never leave it alone on a page: if it must
    move to a new page, that page carries 「（此页无正文）」 under the last text."""

    lines: tuple[Runs, ...]
    seal: SealKind
    seal_diameter_mm: float = 42.0


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
)


@dataclass(frozen=True)
class Document:
    """One printable document.

    ``cover_pages`` leading pages carry no page number; numbering ("— N —") starts at 1 on the
    first page after them.
    """

    kind: Literal["declaration", "summary"]
    title: str  # PDF /Title and DOCX core title
    blocks: tuple[Block, ...]
    landscape: bool = False
    cover_pages: int = 1
    application_id: str | None = None
    meta: dict[str, str] = field(default_factory=dict)


def iter_runs(doc: Document) -> Iterator[tuple[Run, Role]]:
    """Every run that will be printed, with the face it is printed in (for coverage checks)."""
    for block in doc.blocks:
        yield from _block_runs(block)


def _block_runs(block: Block) -> Iterator[tuple[Run, Role]]:
    match block:
        case Title(text=text, role=role):
            yield from ((r, r.role or role) for r in text)
        case Heading(level=level, number=number, text=text):
            role: Role = "hei" if level == 1 else "kai" if level == 2 else "fangsong"
            yield Run(number), role
            yield from ((r, r.role or role) for r in text)
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
        case _:
            return


def plain(text: Runs) -> str:
    return "".join(r.text for r in text)
