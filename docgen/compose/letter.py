"""The city's submission letter (报送函) in GB/T 9704-2012's letter format (§10.1 信函格式).

``compose_letter`` gathers what the letter says (``LetterContent``) from the city, the edition's
``letter.toml`` and ``letter-*.txt.j2`` templates, and the summary table (``SummaryTable``): the
counts and names per category are the summary's rows, so the letter and the table can never
disagree. ``letter_document`` lays it out as a ``Document`` that the PDF and Word renderers both draw
(letterhead, title, 主送机关, body, 附件说明, signature with the bureau's seal slot, 附注).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, pairwise
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .. import layout
from ..cnformat import chinese_date, cn_date
from ..document import (
    AttachmentNote,
    Block,
    DatedSignature,
    Document,
    Letterhead,
    Paragraph,
    Run,
    Title,
)
from ..edition import Edition
from ..errors import EditionError
from ..model import City, Contact
from .declaration import category_text
from .summary import SummaryTable, read_template
from .templating import render_text

__all__ = [
    "LetterContent",
    "LetterGroup",
    "agency_prefix",
    "balanced_lines",
    "compose_letter",
    "document_number",
    "letter_document",
]

# Marks the places the title template allows a line break (``{{ wbr }}``). A control
# character: validation refuses them in every field, so no city text can hold one.
WORD_BREAK = "\x1f"


class _LetterSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    notice_number: str
    recipient: str
    number_format: str
    prefix_suffix: str
    blank_number: str
    attachment_label: str
    item_marker: str
    date_numerals: Literal["chinese", "arabic"] = "chinese"


@lru_cache(maxsize=16)
def _load_spec(path: Path) -> _LetterSpec:
    spec = read_template(path, _LetterSpec, "报送函模板")
    try:
        spec.number_format.format(prefix="", year=2021, number="")
        spec.item_marker.format(n=1)
    except (KeyError, IndexError, ValueError) as exc:
        raise EditionError(f"报送函模板 {path} 中的格式有误：{exc}") from exc
    return spec


def _spec(edition: Edition) -> _LetterSpec:
    return _load_spec(edition.template_path("letter.toml"))


@dataclass(frozen=True)
class LetterGroup:
    """One category as the letter names it: its label, how many, and their names."""

    label: str
    names: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class LetterContent:
    """Everything the letter says, in reading order, ready for layout (and for tests)."""

    bureau: str  # 发文机关标志 and 署名: the bureau's full name
    number: str  # 发文字号, e.g. 柳工信函〔2021〕45号 (blank number: 〔2021〕　号)
    number_given: bool
    title_lines: tuple[str, ...]
    recipient: str  # with its colon
    paragraphs: tuple[str, ...]
    attachment_label: str
    markers: tuple[str, ...]
    attachments: tuple[str, ...]
    date: str
    note: str | None
    groups: tuple[LetterGroup, ...]
    total: int

    @property
    def title(self) -> str:
        return "".join(self.title_lines)


def agency_prefix(city: City, edition: Edition) -> tuple[str, bool]:
    """The 机关代字 of the document number and whether it was derived (no letter.prefix):
    the first character of the city's name and the edition's suffix (柳州市 -> 柳工信函)."""
    given = city.letter.prefix if city.letter else None
    if given and given.strip():
        return given.strip(), False
    return city.city.name.strip()[:1] + _spec(edition).prefix_suffix, True


def document_number(city: City, edition: Edition) -> tuple[str, bool]:
    """The 发文字号 and whether its number was given (else it is blank, to write in)."""
    spec = _spec(edition)
    prefix, _ = agency_prefix(city, edition)
    number = city.letter.number if city.letter else None
    text = spec.number_format.format(
        prefix=prefix, year=city.submitted_on.year, number=number or spec.blank_number
    )
    return text, bool(number)


def _width_em(text: str) -> float:
    return sum(1.0 if ord(c) >= 0x2E80 else 0.5 for c in text)


def balanced_lines(words: list[str], max_em: float) -> list[str]:
    """The title in as few lines as fit ``max_em`` characters, broken between ``words`` only,
    the lines as even as possible; of equally even shapes the one whose lines grow downwards
    (正梯形). A word longer than a line is broken by the renderer."""
    words = [w for w in words if w]
    if not words:
        return [""]
    n = len(words)
    best: tuple[tuple[float, ...], list[str]] | None = None
    for k in range(1, n + 1):
        for cuts in _cuts(n, k):
            lines = ["".join(words[a:b]) for a, b in zip((0, *cuts), (*cuts, n), strict=True)]
            widths = [_width_em(line) for line in lines]
            if max(widths) > max_em and k < n:
                continue
            growing = all(a <= b for a, b in pairwise(widths))
            key = (max(widths) - min(widths), 0.0 if growing else 1.0, -widths[-1])
            if best is None or key < best[0]:
                best = (key, lines)
        if best is not None:
            return best[1]
    return ["".join(words)]


def _cuts(n: int, k: int) -> list[tuple[int, ...]]:
    """Every way to cut ``n`` words into ``k`` non-empty lines (positions of the cuts)."""
    if k == 1:
        return [()]
    return list(combinations(range(1, n), k - 1))


def _contact(city: City) -> Contact:
    if city.letter is not None and city.letter.contact is not None:
        return city.letter.contact
    return city.city.contact


def _cn_or_arabic(city: City, numerals: str) -> str:
    day = city.submitted_on
    if numerals == "arabic":
        return cn_date(day)
    return chinese_date(day)


def _groups(table: SummaryTable) -> tuple[LetterGroup, ...]:
    """Per category (in the order the rows first show it), the names of its rows."""
    keys = [c.key for c in table.columns]
    for needed in ("category", "applicant"):
        if needed not in keys:
            raise EditionError(f"汇总表模板缺少“{needed}”列：报送函的申报数量和名称取自汇总表")
    cat_i, app_i = keys.index("category"), keys.index("applicant")
    title_i = keys.index("title") if "title" in keys else None
    out: dict[str, list[str]] = {}
    for row in table.rows:
        name = row[app_i].text
        if title_i is not None and row[title_i].source is not None:
            name = f"{name}“{row[title_i].text}”"
        out.setdefault(row[cat_i].text, []).append(name)
    return tuple(LetterGroup(label, tuple(names)) for label, names in out.items())


def compose_letter(city: City, edition: Edition, table: SummaryTable) -> LetterContent:
    """What the letter of ``city`` says, from the edition's templates and the summary table."""
    spec = _spec(edition)
    info = edition.rules.edition
    letter = city.letter
    groups = _groups(table)
    name = city.city.name
    title = render_text(edition, "letter-title.txt.j2", city=name, wbr=WORD_BREAK)
    words = title.strip().split(WORD_BREAK)
    max_em = layout.PORTRAIT.frame_width / layout.LETTER_TITLE_SIZE
    body = render_text(
        edition,
        "letter-body.txt.j2",
        notice=info.notice,
        notice_number=spec.notice_number,
        city=name,
        bureau=city.city.bureau,
        groups=[{"label": g.label, "count": g.count, "names": list(g.names)} for g in groups],
        total=table.total,
        extra=(letter.paragraph or "").strip() if letter else "",
        replace=bool(letter and letter.replace),
    )
    paragraphs = tuple(p.strip() for p in body.splitlines() if p.strip())
    documents = [
        {
            "applicant": app.applicant.name,
            "category": category_text(app, edition),
            "id": app.id,
            "attachments": len(app.attachments),
        }
        for app in city.applications
    ]
    listed = render_text(
        edition,
        "letter-attachments.txt.j2",
        city=name,
        summary_title=info.summary_title,
        form_title=info.form_title,
        documents=documents,
    )
    attachments = tuple(a.strip() for a in listed.splitlines() if a.strip())
    contact = _contact(city)
    phone = contact.phone or contact.mobile
    note = render_text(
        edition, "letter-note.txt.j2", person=contact.name, phone=phone or ""
    ).strip()
    recipient = (letter.recipient or "").strip() if letter else ""
    number, given = document_number(city, edition)
    return LetterContent(
        bureau=city.city.bureau,
        number=number,
        number_given=given,
        title_lines=tuple(balanced_lines(words, max_em)),
        recipient=f"{recipient or spec.recipient}：",
        paragraphs=paragraphs,
        attachment_label=spec.attachment_label,
        markers=tuple(spec.item_marker.format(n=n) for n in range(1, len(attachments) + 1)),
        attachments=attachments,
        date=_cn_or_arabic(city, spec.date_numerals),
        note=note or None,
        groups=groups,
        total=table.total,
    )


def letter_document(content: LetterContent, *, letterhead: bool = True) -> Document:
    """The letter as a ``Document``: one A4 portrait document on GB/T 9704's grid of 28
    characters by 22 lines, its first page without a page number."""
    body = layout.LETTER_BODY_SIZE
    blocks: list[Block] = [
        Letterhead(
            name=(Run(content.bureau, bold=True, role="song", source="city.bureau"),),
            number=(Run(content.number, source="letter.number" if content.number_given else None),),
            printed=letterhead,
        ),
        Title(
            (Run("\n".join(content.title_lines), bold=True, role="song"),),
            size=layout.LETTER_TITLE_SIZE,
            role="song",
            space_after=0.0,
        ),
        Paragraph(
            (Run(content.recipient),),
            indent=0,
            align="left",
            size=body,
            space_before=body * layout.LEADING_RATIO,
        ),
    ]
    blocks += [Paragraph((Run(p),), indent=2, size=body) for p in content.paragraphs]
    if content.attachments:
        blocks.append(
            AttachmentNote(
                label=content.attachment_label,
                markers=content.markers,
                items=tuple((Run(a),) for a in content.attachments),
                size=body,
            )
        )
    blocks.append(
        DatedSignature(
            name=(Run(content.bureau, source="city.bureau"),),
            date=(Run(content.date, source="submitted_on"),),
            seal="bureau",
            seal_diameter_mm=layout.BUREAU_SEAL_MM,
            note=(Run(content.note),) if content.note else None,
        )
    )
    return Document(
        kind="letter",
        title=content.title,
        blocks=tuple(blocks),
        cover_pages=0,
        author=content.bureau,
        grid_chars=layout.LETTER_GRID_CHARS,
    )
