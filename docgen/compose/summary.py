"""Annex 2, the city's summary table (申报汇总表): a ``SummaryTable`` and its ``Document``.

``compose_summary`` gathers everything the table shows (one row per application, in the file's
order, and the counts against the edition's quotas); ``summary_document`` lays it out for the PDF
renderer and ``docgen.render.xlsx.render_xlsx`` writes it as a workbook. Labels, column order
and widths come from the edition's ``summary.toml``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..cnformat import chinese_date
from ..document import Block, Cell, CoverField, CoverFields, Document, Paragraph, Run, Table, Title
from ..edition import Edition
from ..errors import EditionError
from ..model import Application, City
from ..tomlfile import TomlFileError, read_toml

__all__ = [
    "COLUMN_KEYS",
    "ContactField",
    "QuotaCount",
    "SummaryCell",
    "SummaryColumn",
    "SummaryTable",
    "XlsxSettings",
    "check_columns",
    "compose_summary",
    "listing_table",
    "read_template",
    "summary_document",
]

# --------------------------------------------------------------------------- summary.toml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_M = TypeVar("_M", bound=BaseModel)


class _ColumnSpec(_Strict):
    key: str
    label: str
    width: float = Field(gt=0)


class _ContactFieldSpec(_Strict):
    key: str
    label: str


class _ContactSpec(_Strict):
    fields: tuple[_ContactFieldSpec, ...]


class _CountsSpec(_Strict):
    heading: str
    label: str
    subtype_label: str
    count_label: str
    quota_label: str
    result_label: str
    within: str
    over: str
    no_quota: str
    total: str


class _XlsxSpec(_Strict):
    sheet_name: str = Field(min_length=1, max_length=31)
    min_column_width: float = Field(gt=0)
    max_column_width: float = Field(gt=0)
    footer: str


class _SummarySpec(_Strict):
    unit_label: str
    date_label: str
    none_mark: str
    empty_note: str
    table_size: float = Field(default=10.5, ge=6.0, le=16.0)
    contact: _ContactSpec
    counts: _CountsSpec
    columns: tuple[_ColumnSpec, ...] = Field(min_length=1)
    xlsx: _XlsxSpec


def _spec(edition: Edition) -> _SummarySpec:
    return _load_spec(edition.template_path("summary.toml"))


def read_template(path: Path, model: type[_M], what: str) -> _M:
    """``path`` (a TOML template of the edition) validated as ``model``; ``what`` names the
    template in error messages (e.g. 汇总表模板)."""
    try:
        raw = read_toml(path)
    except TomlFileError as exc:
        raise EditionError(f"{what}：{exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise EditionError(f"{what} {path} 格式错误：{exc}") from exc


def check_columns(path: Path, keys: Sequence[str], known: Sequence[str], what: str) -> None:
    """Raise an ``EditionError`` naming every column key of ``keys`` not in ``known``."""
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise EditionError(
            f"{what} {path} 中的列 {'、'.join(unknown)} 不存在；可用的列：{'、'.join(known)}"
        )


@lru_cache(maxsize=16)
def _load_spec(path: Path) -> _SummarySpec:
    spec = read_template(path, _SummarySpec, "汇总表模板")
    check_columns(path, [c.key for c in spec.columns], COLUMN_KEYS, "汇总表模板")
    contact_keys = {"name", "title", "phone", "mobile", "wechat", "fax", "email"}
    bad = [f.key for f in spec.contact.fields if f.key not in contact_keys]
    if bad:
        raise EditionError(f"汇总表模板 {path} 中的联系人字段 {'、'.join(bad)} 不存在")
    return spec


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class SummaryColumn:
    key: str
    label: str
    width: float  # relative width (≈ characters), from summary.toml


@dataclass(frozen=True)
class SummaryCell:
    """One cell: its text, the path of the city-file field it shows (``None`` for docgen's own
    text), and ``number`` when the cell is a true number (序号)."""

    text: str
    source: str | None = None
    number: int | None = None


@dataclass(frozen=True)
class ContactField:
    label: str
    value: str
    source: str | None


@dataclass(frozen=True)
class QuotaCount:
    """Applications of one category (or platform subtype) against the edition's quota."""

    label: str
    count: int
    quota: int | None
    result: str

    @property
    def over(self) -> bool:
        return self.quota is not None and self.count > self.quota


@dataclass(frozen=True)
class XlsxSettings:
    sheet_name: str
    min_column_width: float
    max_column_width: float
    footer: str


@dataclass(frozen=True)
class SummaryTable:
    """Everything the summary table shows, ready for any renderer."""

    city_name: str
    title: str
    unit_label: str
    unit: str  # the bureau's name (填报单位, where its seal goes)
    date_label: str
    date_text: str
    contact: tuple[ContactField, ...]
    columns: tuple[SummaryColumn, ...]
    rows: tuple[tuple[SummaryCell, ...], ...]
    counts_heading: str
    count_label: str
    quota_label: str
    result_label: str
    counts: tuple[QuotaCount, ...]
    total_label: str
    note: str | None  # set when there are no applications (本市本批次无申报项目)
    xlsx: XlsxSettings
    table_size: float = 10.5  # points, the PDF table

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def over_quota(self) -> bool:
        return any(c.over for c in self.counts)


_Getter = Callable[[Application, str], tuple[str | None, str | None]]


def _contact(field: str) -> _Getter:
    def get(app: Application, p: str) -> tuple[str | None, str | None]:
        return getattr(app.applicant.contact, field), f"{p}.applicant.contact.{field}"

    return get


# key -> (application, its path) -> (text or None, source path); seq, category, subtype and
# remarks are filled in by compose_summary itself.
_GETTERS: dict[str, _Getter] = {
    "mode": lambda a, p: (a.mode, f"{p}.mode"),
    "applicant": lambda a, p: (a.applicant.name, f"{p}.applicant.name"),
    "title": lambda a, p: (a.title, f"{p}.title"),
    "uscc": lambda a, p: (a.applicant.uscc, f"{p}.applicant.uscc"),
    "legal_representative": lambda a, p: (
        a.applicant.legal_representative,
        f"{p}.applicant.legal_representative",
    ),
    "contact_name": _contact("name"),
    "contact_title": _contact("title"),
    "contact_phone": _contact("phone"),
    "contact_mobile": _contact("mobile"),
    "contact_wechat": _contact("wechat"),
    "contact_fax": _contact("fax"),
    "contact_email": _contact("email"),
}

COLUMN_KEYS: tuple[str, ...] = ("seq", "category", "subtype", *_GETTERS, "remarks")


def compose_summary(city: City, edition: Edition) -> SummaryTable:
    """The summary table of ``city``: one row per application, in the file's order."""
    spec = _spec(edition)
    columns = tuple(SummaryColumn(c.key, c.label, c.width) for c in spec.columns)
    rows = tuple(
        tuple(_cell(key, i, app, edition, spec.none_mark) for key in (c.key for c in columns))
        for i, app in enumerate(city.applications)
    )
    contact = tuple(
        ContactField(
            f.label,
            getattr(city.city.contact, f.key) or "",
            f"city.contact.{f.key}",
        )
        for f in spec.contact.fields
    )
    return SummaryTable(
        city_name=city.city.name,
        title=edition.rules.edition.summary_title,
        unit_label=spec.unit_label,
        unit=city.city.bureau,
        date_label=spec.date_label,
        date_text=chinese_date(city.submitted_on),
        contact=contact,
        columns=columns,
        rows=rows,
        counts_heading=spec.counts.heading,
        count_label=spec.counts.count_label,
        quota_label=spec.counts.quota_label,
        result_label=spec.counts.result_label,
        counts=_counts(city, edition, spec.counts),
        total_label=spec.counts.total,
        note=None if city.applications else spec.empty_note,
        xlsx=XlsxSettings(
            spec.xlsx.sheet_name,
            spec.xlsx.min_column_width,
            spec.xlsx.max_column_width,
            spec.xlsx.footer,
        ),
        table_size=spec.table_size,
    )


def _cell(key: str, i: int, app: Application, edition: Edition, none_mark: str) -> SummaryCell:
    p = f"applications[{i}]"
    cat = edition.rules.categories.get(app.category)
    if key == "seq":
        return SummaryCell(str(i + 1), p, number=i + 1)
    if key == "category":
        return SummaryCell(cat.label if cat else app.category, f"{p}.category")
    if key == "subtype":
        sub = cat.subtypes.get(app.subtype or "") if cat else None
        if sub is not None:
            return SummaryCell(sub.label, f"{p}.subtype")
        return SummaryCell(app.subtype or none_mark, f"{p}.subtype" if app.subtype else None)
    if key == "remarks":
        return SummaryCell("")
    if cat is not None and key in cat.summary.blank:  # e.g. a city application's mode
        return SummaryCell(none_mark)
    text, source = _GETTERS[key](app, p)
    if text is None or not text.strip():
        return SummaryCell(none_mark)
    return SummaryCell(text, source)


def _counts(city: City, edition: Edition, spec: _CountsSpec) -> tuple[QuotaCount, ...]:
    """Mirror of the quota rule: a subtype with its own quota is counted on its own, every other
    application of the category against the category's quota."""
    out: list[QuotaCount] = []
    apps = city.applications
    for key, cat in edition.rules.categories.items():
        own = {k: s for k, s in cat.subtypes.items() if s.quota is not None}
        for sub_key, sub in own.items():
            quota = sub.quota
            if city.city.extra_platform_quota and sub.extra_quota is not None:
                quota = sub.extra_quota
            n = sum(1 for a in apps if a.category == key and a.subtype == sub_key)
            label = spec.subtype_label.format(category=cat.label, subtype=sub.label)
            out.append(_quota_count(label, n, quota, spec))
        rest = sum(1 for a in apps if a.category == key and a.subtype not in own)
        if cat.quota is not None or not own or rest:
            out.append(_quota_count(spec.label.format(category=cat.label), rest, cat.quota, spec))
    return tuple(out)


def _quota_count(label: str, count: int, quota: int | None, spec: _CountsSpec) -> QuotaCount:
    if quota is None:
        result = spec.no_quota
    elif count > quota:
        result = spec.over.format(excess=count - quota)
    else:
        result = spec.within
    return QuotaCount(label, count, quota, result)


# --------------------------------------------------------------------------- the document


# How far the bureau's seal may reach over the contact line under the date (mm): the seal
# presses on the contact text, as it presses on the unit's name and the date, and the page
# keeps room for up to eight applications.
CONTACT_UNDER_SEAL_MM = 12.0


def summary_document(table: SummaryTable) -> Document:
    """The summary table as a landscape ``Document`` for the PDF renderer.

    The page the bureau seals carries no internal check: the counts against the quotas
    (名额核对) go to the build's report, the manifest and the XLSX's quota sheet."""
    blocks: list[Block] = [
        Title((Run(table.title),), size=18.0, role="hei", space_after=0.0),
        CoverFields(
            (
                CoverField(
                    table.unit_label,
                    (Run(table.unit, source="city.bureau"),),
                    seal="bureau",
                    seal_with_next=True,
                ),
                CoverField(table.date_label, (Run(table.date_text, source="submitted_on"),)),
            ),
            size=14.0,
            seal_overhang_mm=CONTACT_UNDER_SEAL_MM,
        ),
        Paragraph(
            _contact_runs(table), indent=0, align="left", size=9.0, role="song", space_after=4.0
        ),
        listing_table(table.columns, table.rows, table.note, size=table.table_size),
    ]
    return Document(
        kind="summary",
        title=f"{table.city_name}{table.title}",
        blocks=tuple(blocks),
        landscape=True,
        cover_pages=0,
        author=table.unit,
    )


def listing_table(
    columns: Sequence[SummaryColumn],
    rows: Sequence[Sequence[SummaryCell]],
    note: str | None,
    size: float = 10.5,
) -> Table:
    """The grid of applications: a header row that repeats on every page, one row per
    application, or ``note`` across the table when there is none."""
    header = tuple(Cell((Run(c.label),), align="center", header=True) for c in columns)
    body: list[tuple[Cell, ...]] = [
        # numbers and docgen's own marks (the none mark "—") centred, user text left-aligned
        tuple(
            Cell(
                (Run(cell.text, source=cell.source),),
                align="left" if cell.source is not None and cell.number is None else "center",
            )
            for cell in row
        )
        for row in rows
    ]
    if note is not None:
        body.append((Cell((Run(note),), colspan=len(columns), align="center"),))
    return Table(
        widths=content_widths(columns, rows, size),
        rows=(header, *body),
        header_rows=1,
        size=size,
        role="song",
    )


def _units(text: str) -> float:
    """Width in half-width characters: a CJK or full-width character is 2, an ASCII letter or
    digit as wide as in Times New Roman (the Latin face of Chinese text, render/fonts.py
    LATIN_ROLES: Liberation Serif and Tinos have its metrics), never less than 1 (the CJK
    face's half-width glyph, where the system has no Latin face)."""
    return sum(2.0 if ord(ch) >= 0x2E80 else _ascii_units(ch) for ch in text)


@lru_cache(maxsize=256)
def _ascii_units(ch: str) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if not ("!" <= ch <= "~"):
        return 1.0
    return max(1.0, stringWidth(ch, "Times-Roman", 2.0))


def word_units(text: str) -> float:
    """The width of the longest run of half-width characters in ``text`` (a credit code, a
    telephone number), which no line may break, in half-width characters (half an em)."""
    longest = 0.0
    run = 0.0
    for ch in text:
        if ord(ch) >= 0x2E80 or ch.isspace():
            run = 0.0
        else:
            run += _ascii_units(ch)
            longest = max(longest, run)
    return longest


def _least_units(text: str) -> float:
    """The narrowest a value can be set without breaking inside a word: its longest run of
    half-width characters (a credit code, a telephone number) or five CJK characters (a
    short term such as 共享制造类 stays whole)."""
    units = _units(text)
    return max(word_units(text), units if units <= 10 else 8.0)


# What a line of a cell may lack against the estimate (half-width characters): the breaking
# rules (no line starts with closing punctuation, Latin words stay whole) and glyph rounding.
_LINE_SLACK = 1.0


def _pad_units(size: float) -> float:
    """A cell's horizontal padding (both sides) in half-width characters of ``size`` type."""
    from ..layout import TABLE_PAD_X

    return 2 * TABLE_PAD_X / (size / 2.0) + 0.1


def _lines(units: float, width: float, pad: float) -> int:
    """Lines a value of ``units`` takes in a column ``width`` wide (an estimate that errs long)."""
    room = width - pad - _LINE_SLACK
    if units <= width - pad:
        return 1
    if room <= 0:
        return 99
    return max(2, -(-int(units * 100) // int(room * 100)))


def content_widths(
    columns: Sequence[SummaryColumn], rows: Sequence[Sequence[SummaryCell]], size: float
) -> tuple[float, ...]:
    """Column widths (half-width characters of ``size`` type) chosen from the content: each
    column at least its label's widest line (a "\n" in a label is where it may break) and its
    values' longest word; then, while the frame has room, the column whose widening saves the
    most lines of the table per unit of width is widened (a row is as tall as its tallest cell);
    what is left goes to the columns whose values still wrap, in proportion to what they lack."""
    from ..layout import LANDSCAPE

    budget = LANDSCAPE.frame_width / (size / 2.0)
    pad = _pad_units(size)
    values = [
        [_units(row[k].text) if k < len(row) else 0.0 for row in rows] for k in range(len(columns))
    ]
    least: list[float] = []
    natural: list[float] = []
    for k, col in enumerate(columns):
        label = max((_units(line) for line in col.label.split("\n")), default=0)
        word = max((_least_units(row[k].text) for row in rows if k < len(row)), default=0)
        full = max(values[k], default=0)
        least.append(max(label, word, 2) + pad)
        natural.append(max(least[-1], full + pad))
    if sum(natural) <= budget or sum(least) >= budget:
        return tuple(natural if sum(natural) <= budget else least)

    def cost(widths: Sequence[float]) -> tuple[int, int]:
        """(lines of the table, lines of all its cells)."""
        per_cell = [
            [_lines(u, w, pad) for u in vals] for vals, w in zip(values, widths, strict=True)
        ]
        by_row = [max(col[r] for col in per_cell) for r in range(len(rows))]
        return sum(by_row), sum(sum(col) for col in per_cell)

    widths = list(least)
    current = cost(widths)
    while True:
        room = budget - sum(widths)
        best: tuple[float, int, float] | None = None  # (saving per unit, column, new width)
        for k in range(len(columns)):
            # the next width at which some value of column k takes one line fewer
            steps = sorted(
                {
                    u + pad if n == 2 else -(-u // (n - 1)) + pad + _LINE_SLACK
                    for u in values[k]
                    if (n := _lines(u, widths[k], pad)) > 1
                }
            )
            for w in steps:
                if w <= widths[k] or w - widths[k] > room:
                    continue
                trial = [*widths[:k], w, *widths[k + 1 :]]
                after = cost(trial)
                saving = (current[0] - after[0]) * 1000 + (current[1] - after[1])
                if saving > 0:
                    rate = saving / (w - widths[k])
                    if best is None or rate > best[0]:
                        best = (rate, k, w)
                    break
        if best is None:
            break
        widths[best[1]] = best[2]
        current = cost(widths)
    room = budget - sum(widths)
    lack = [max(0.0, n - b) for n, b in zip(natural, widths, strict=True)]
    lacking = sum(lack, 0.0)
    if room > 0 and lacking > 0:
        share = min(1.0, room / lacking)
        widths = [b + d * share for b, d in zip(widths, lack, strict=True)]
    return tuple(widths)


def _counts_runs(table: SummaryTable) -> tuple[Run, ...]:
    out: list[Run] = [Run(f"{table.counts_heading}：", bold=True)]
    for k, c in enumerate(table.counts):
        if k:
            out.append(Run("；"))
        quota = "—" if c.quota is None else str(c.quota)
        out.append(Run(f"{c.label} {c.count} / {quota}"))
        if c.over:
            out.append(Run(f"（{c.result}）", bold=True))
    out.append(Run(f"；{table.total_label} {table.total}。"))
    return tuple(out)


def _contact_runs(table: SummaryTable) -> tuple[Run, ...]:
    out: list[Run] = []
    for f in table.contact:
        if not f.value:
            continue
        if out:
            out.append(Run("　　"))
        # a line breaks between the pairs, never inside one ("传真：|0771-…", "电子邮/箱")
        out.append(Run(f"{f.label}：{f.value}", source=f.source, keep=True))
    return tuple(out)
