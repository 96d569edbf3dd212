"""The province-level summary (全区申报汇总表) that ``docgen batch`` writes beside the cities.

``compose_province`` lists every application of every city (cities in division-code order,
applications in each file's order) and, per city, the counts against the quotas. The counts are
the cities' own summary counts (``compose_summary(city).counts``), so the province table can never
say something else than a city's summary. The counts table has a row for every city of the
province (``province.toml``'s ``[[cities]]``): one that has no city file in the batch is marked
未提交, one whose build failed 生成失败, and the statement under the title names them, so a
missing city cannot go unnoticed. The listing ends with the 填报单位（盖章）/ 填报日期 / contact
block of the provincial office, dated with the latest submission date of the cities listed
(``province_date``) unless the batch gives a date. ``province_document`` lays it out for the PDF
renderer and ``docgen.render.xlsx.render_province_xlsx`` writes it as a workbook. Labels, column
order and widths come from the edition's ``province.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field

from ..cnformat import chinese_date
from ..document import (
    Block,
    Cell,
    Document,
    PageBreak,
    Paragraph,
    Run,
    SignatureBlock,
    Table,
    Title,
)
from ..edition import Edition
from ..errors import EditionError
from ..model import City
from .markdown import display_width
from .summary import (
    COLUMN_KEYS,
    QuotaCount,
    SummaryCell,
    SummaryColumn,
    XlsxSettings,
    _cell,
    _ColumnSpec,
    _Strict,
    _XlsxSpec,
    check_columns,
    compose_summary,
    listing_table,
    read_template,
)
from .summary import (
    _CountsSpec as _SummaryCountsSpec,
)
from .summary import (
    _spec as summary_spec,
)

__all__ = [
    "PROVINCE_COLUMN_KEYS",
    "CityCounts",
    "CountTotal",
    "ProvinceTable",
    "compose_province",
    "count_column_width",
    "province_cities",
    "province_date",
    "province_document",
    "signature_block",
]

PROVINCE_COLUMN_KEYS: tuple[str, ...] = ("seq", "city", *(k for k in COLUMN_KEYS if k != "seq"))

# A table cell's padding (both sides), in half-width characters of the counts table's 12 pt type.
_LABEL_PAD = 2.0

# --------------------------------------------------------------------------- province.toml


class _CountsSpec(_Strict):
    heading: str
    city_label: str
    total_label: str
    cell: str
    cell_no_quota: str
    totals_row: str
    note: str = ""
    city_width: float = Field(gt=0)
    count_width: float = Field(gt=0)
    total_width: float = Field(gt=0)


class _CitySpec(_Strict):
    division_code: str = Field(pattern=r"^[0-9]{6}$")
    name: str = Field(min_length=1)


class _ProvinceXlsxSpec(_XlsxSpec):
    counts_sheet_name: str = Field(min_length=1, max_length=31)


class _ProvinceSpec(_Strict):
    title: str
    statement: str = ""
    table_size: float = Field(default=8.5, ge=6.0, le=16.0)
    province_unit: str = Field(min_length=1)
    unit_label: str = Field(default="填报单位（盖章）", min_length=1)
    date_label: str = Field(default="填报日期", min_length=1)
    date_blank: str = "　　　　年　　月　　日"
    contact: str = ""
    keep_rows: int = Field(default=3, ge=1, le=20)
    none_mark: str
    empty_note: str
    missing_mark: str = Field(default="未提交", min_length=1)
    failed_mark: str = Field(default="生成失败", min_length=1)
    missing_statement: str = ""
    failed_statement: str = ""
    columns: tuple[_ColumnSpec, ...] = Field(min_length=1)
    counts: _CountsSpec
    xlsx: _ProvinceXlsxSpec
    cities: tuple[_CitySpec, ...] = ()


@lru_cache(maxsize=16)
def _load_spec(path: Path) -> _ProvinceSpec:
    spec = read_template(path, _ProvinceSpec, "全区汇总表模板")
    check_columns(path, [c.key for c in spec.columns], PROVINCE_COLUMN_KEYS, "全区汇总表模板")
    checks = (
        (spec.statement, {"cities": 0, "applications": 0}),
        (spec.counts.cell, {"count": 0, "quota": 0}),
        (spec.counts.cell_no_quota, {"count": 0}),
        (spec.missing_statement, {"count": 0, "cities": ""}),
        (spec.failed_statement, {"count": 0, "cities": ""}),
    )
    for template, fields in checks:
        try:
            template.format(**fields)
        except (KeyError, IndexError, ValueError) as exc:
            raise EditionError(
                f"全区汇总表模板 {path} 中的“{template}”无法填写：{exc!r}；"
                f"可用的占位符：{'、'.join('{' + k + '}' for k in fields)}"
            ) from exc
    codes = [c.division_code for c in spec.cities]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise EditionError(f"全区汇总表模板 {path} 中的设区市代码 {'、'.join(twice)} 出现了多次")
    return spec


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class CityCounts:
    """One city's row of the counts table: its summary's counts, aligned to
    ``ProvinceTable.count_labels`` (``None`` where the city's summary has no such line).

    A city of the province without a packet in this batch has ``status`` set (province.toml's
    missing_mark 未提交 or failed_mark 生成失败), no counts and a total of 0; it adds nothing to
    the totals row."""

    city_name: str
    division_code: str
    counts: tuple[QuotaCount | None, ...]
    total: int  # the city's number of applications (its summary's 合计)
    status: str | None = None

    @property
    def over_quota(self) -> bool:
        return any(c is not None and c.over for c in self.counts)

    @property
    def counted(self) -> bool:
        return self.status is None


@dataclass(frozen=True)
class CountTotal:
    """A column of the totals row: the sum of the counts and of the quotas (``None`` when some
    city has no quota for it)."""

    count: int
    quota: int | None


@dataclass(frozen=True)
class ProvinceTable:
    """Everything the province summary shows, ready for any renderer."""

    title: str
    statement: str
    unit: str  # the provincial office that fills the table (填报单位): the PDF's author
    table_size: float
    unit_label: str  # 填报单位（盖章）
    date_label: str  # 填报日期
    date_text: str  # the date in words, or the blank to write it in by hand
    contact: str  # the contact line under the date ("" : none)
    keep_rows: int  # the fewest listing rows on a page, the last page's with the block
    columns: tuple[SummaryColumn, ...]
    rows: tuple[tuple[SummaryCell, ...], ...]
    note: str | None  # set when no city has an application
    counts_heading: str
    counts_city_label: str
    counts_total_label: str
    totals_row_label: str
    counts_note: str
    count_labels: tuple[str, ...]
    count_label: str  # 申报数: the spreadsheet's count column under each category
    quota_label: str  # 名额: and its quota column
    city_counts: tuple[CityCounts, ...]
    cell_format: str
    cell_no_quota_format: str
    none_mark: str
    missing_mark: str
    failed_mark: str
    counts_widths: tuple[float, ...]  # city, one per count label, 合计
    xlsx: XlsxSettings  # the listing sheet's name and the settings of both sheets
    counts_sheet_name: str

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def totals(self) -> tuple[CountTotal, ...]:
        out: list[CountTotal] = []
        counted = [c for c in self.city_counts if c.counted]
        for k in range(len(self.count_labels)):
            counts = [c.counts[k] for c in counted]
            quotas = [c.quota if c is not None else None for c in counts]
            out.append(
                CountTotal(
                    sum(c.count for c in counts if c is not None),
                    None if any(q is None for q in quotas) else sum(q or 0 for q in quotas),
                )
            )
        return tuple(out)

    def count_text(self, count: QuotaCount | CountTotal | None) -> str:
        """A counts cell: "1/2" (count against quota), "1" without quota, none mark if absent."""
        if count is None:
            return self.none_mark
        if count.quota is None:
            return self.cell_no_quota_format.format(count=count.count)
        return self.cell_format.format(count=count.count, quota=count.quota)

    def counts_header(self) -> tuple[str, ...]:
        return (self.counts_city_label, *self.count_labels, self.counts_total_label)

    @property
    def missing(self) -> tuple[CityCounts, ...]:
        """The cities of the province with no city file in the batch."""
        return tuple(c for c in self.city_counts if c.status == self.missing_mark)

    @property
    def failed(self) -> tuple[CityCounts, ...]:
        """The cities whose file was found but whose packet could not be built."""
        return tuple(c for c in self.city_counts if c.status == self.failed_mark)

    def counts_grid(self) -> tuple[tuple[str, ...], ...]:
        """The counts table's body as text, one row per city, then the totals row. A city
        without a packet has its status (未提交, 生成失败) in the first count column and empty
        text in the others: the renderers print it once, across the count columns and 合计."""
        rows = [
            (c.city_name, *(self.count_text(q) for q in c.counts), str(c.total))
            if c.counted
            else (c.city_name, c.status or "", *("" for _ in c.counts))
            for c in self.city_counts
        ]
        totals = (self.totals_row_label, *(self.count_text(t) for t in self.totals))
        rows.append((*totals, str(self.total)))
        return tuple(rows)


def compose_province(
    cities: Sequence[City],
    edition: Edition,
    failed: Mapping[str, str] | None = None,
    on: date | None = None,
) -> ProvinceTable:
    """The province summary of ``cities``: cities in division-code order, each city's
    applications in its file's order, numbered across the province.

    ``failed`` maps the division code of each city whose file the batch found but could not
    build to its name ("" when not known): those cities, and every city of the province (the
    edition's list) with neither a packet nor a failure, get a row of their own in the counts
    table, marked 生成失败 / 未提交, and are named in the statement. ``on``: the date under
    the 填报单位; None: ``province_date(cities)``, the latest of the cities' submission dates
    (province.toml's date_blank, to write in by hand, when there is no city)."""
    spec = _load_spec(edition.template_path("province.toml"))
    ordered = sorted(cities, key=lambda c: (c.city.division_code, c.city.name))
    columns = tuple(SummaryColumn(c.key, c.label, c.width) for c in spec.columns)
    rows = _listing_rows(ordered, columns, edition, spec)
    summaries = [compose_summary(city, edition) for city in ordered]
    labels = _merged_labels([[c.label for c in s.counts] for s in summaries])
    counted = [
        CityCounts(
            city.city.name,
            city.city.division_code,
            tuple(next((c for c in s.counts if c.label == label), None) for label in labels),
            s.total,
        )
        for city, s in zip(ordered, summaries, strict=True)
    ]
    city_counts = _every_city(counted, dict(failed or {}), len(labels), spec)
    day = on if on is not None else province_date(ordered)
    return _province_table(
        spec,
        summary_spec(edition).counts,
        columns=columns,
        rows=rows,
        statement=_statement(spec, len(ordered), len(rows), city_counts),
        labels=labels,
        city_counts=city_counts,
        date_text=chinese_date(day) if day is not None else spec.date_blank,
    )


def province_date(cities: Sequence[City]) -> date | None:
    """The province summary's date (填报日期) when the batch is given none: the latest of the
    listed cities' submission dates (``submitted_on``), the day the last city's packet is dated,
    so the summary is never dated before a city it lists; None when no city is listed."""
    return max((c.submitted_on for c in cities), default=None)


def _listing_rows(
    ordered: Sequence[City],
    columns: Sequence[SummaryColumn],
    edition: Edition,
    spec: _ProvinceSpec,
) -> tuple[tuple[SummaryCell, ...], ...]:
    """One row per application, city after city, numbered across the province."""
    rows: list[tuple[SummaryCell, ...]] = []
    for city in ordered:
        for i, _ in enumerate(city.applications):
            rows.append(
                tuple(_province_cell(c.key, len(rows), city, i, edition, spec) for c in columns)
            )
    return tuple(rows)


def _statement(
    spec: _ProvinceSpec, n_cities: int, n_rows: int, city_counts: Sequence[CityCounts]
) -> str:
    """The line under the title: the numbers, then the cities missing and failed, by name."""
    statement = spec.statement.format(cities=n_cities, applications=n_rows)
    extra = [
        template.format(count=len(names), cities="、".join(names))
        for template, names in (
            (
                spec.missing_statement,
                [c.city_name for c in city_counts if c.status == spec.missing_mark],
            ),
            (
                spec.failed_statement,
                [c.city_name for c in city_counts if c.status == spec.failed_mark],
            ),
        )
        if template and names
    ]
    return "；".join(t for t in (statement, *extra) if t)


def _province_table(
    spec: _ProvinceSpec,
    summary_counts: _SummaryCountsSpec,
    *,
    columns: tuple[SummaryColumn, ...],
    rows: tuple[tuple[SummaryCell, ...], ...],
    statement: str,
    labels: tuple[str, ...],
    city_counts: tuple[CityCounts, ...],
    date_text: str,
) -> ProvinceTable:
    """The table from the composed parts and province.toml's labels and settings."""
    cs = spec.counts
    return ProvinceTable(
        title=spec.title,
        statement=statement,
        unit=spec.province_unit,
        table_size=spec.table_size,
        unit_label=spec.unit_label,
        date_label=spec.date_label,
        date_text=date_text,
        contact=spec.contact,
        keep_rows=spec.keep_rows,
        columns=columns,
        rows=rows,
        note=None if rows else spec.empty_note,
        counts_heading=cs.heading,
        counts_city_label=cs.city_label,
        counts_total_label=cs.total_label,
        totals_row_label=cs.totals_row,
        counts_note=cs.note,
        count_labels=labels,
        count_label=summary_counts.count_label,
        quota_label=summary_counts.quota_label,
        city_counts=city_counts,
        cell_format=cs.cell,
        cell_no_quota_format=cs.cell_no_quota,
        none_mark=spec.none_mark,
        missing_mark=spec.missing_mark,
        failed_mark=spec.failed_mark,
        counts_widths=(
            cs.city_width,
            *(count_column_width(label, cs.count_width) for label in labels),
            cs.total_width,
        ),
        xlsx=XlsxSettings(
            spec.xlsx.sheet_name,
            spec.xlsx.min_column_width,
            spec.xlsx.max_column_width,
            spec.xlsx.footer,
        ),
        counts_sheet_name=spec.xlsx.counts_sheet_name,
    )


def _every_city(
    counted: Sequence[CityCounts], failed: Mapping[str, str], n_labels: int, spec: _ProvinceSpec
) -> tuple[CityCounts, ...]:
    """The counts rows in division-code order: the built cities, the failed ones, and every
    other city of the province marked missing. A code with a packet is never also marked."""
    names = {c.division_code: c.name for c in spec.cities}
    marked: dict[str, CityCounts] = {}
    for code, name in failed.items():
        shown = names.get(code) or name or code
        marked[code] = CityCounts(shown, code, (None,) * n_labels, 0, spec.failed_mark)
    for code, name in names.items():
        marked.setdefault(code, CityCounts(name, code, (None,) * n_labels, 0, spec.missing_mark))
    by_code: dict[str, list[CityCounts]] = {}
    for row in counted:
        by_code.setdefault(row.division_code, []).append(row)
    out: list[CityCounts] = []
    for code in sorted(set(marked) | set(by_code)):
        out += by_code.get(code) or [marked[code]]
    return tuple(out)


def province_cities(edition: Edition) -> tuple[tuple[str, str], ...]:
    """The cities of the province as (division code, name), from the edition's province.toml
    (empty when the edition does not list them)."""
    spec = _load_spec(edition.template_path("province.toml"))
    return tuple((c.division_code, c.name) for c in spec.cities)


def count_column_width(label: str, least: float) -> float:
    """The relative width of the counts column headed ``label``: ``least`` (province.toml's
    ``count_width``), or the label's own width plus the cell padding when that is more, so a long
    label such as 示范平台（共享制造类） keeps to one line (while the table's widths add up to at
    most the frame's ~116 half-width characters of 12 pt type)."""
    need = max(display_width(line) for line in label.split("\n")) + _LABEL_PAD
    return max(least, need)


def _province_cell(
    key: str, seq: int, city: City, i: int, edition: Edition, spec: _ProvinceSpec
) -> SummaryCell:
    code = city.city.division_code
    if key == "seq":
        return SummaryCell(str(seq + 1), f"{code}:applications[{i}]", number=seq + 1)
    if key == "city":
        return SummaryCell(city.city.name, f"{code}:city.name")
    cell = _cell(key, i, city.applications[i], edition, spec.none_mark)
    if cell.source is None:
        return cell
    # the city's division code in front of the path: a glyph error names the right city
    return SummaryCell(cell.text, f"{code}:{cell.source}", cell.number)


def _merged_labels(lists: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """The union of the cities' count labels, keeping each city's order (they all follow the
    edition's category order; a line only some cities have goes where they put it)."""
    out: list[str] = []
    for labels in lists:
        at = 0
        for label in labels:
            if label in out:
                at = out.index(label) + 1
            else:
                out.insert(at, label)
                at += 1
    return tuple(out)


# --------------------------------------------------------------------------- the document


def signature_block(table: ProvinceTable) -> SignatureBlock:
    """填报单位（盖章）：<unit>, 填报日期：<date>, then the contact line when there is one; the
    office's seal over the unit's name and the date."""
    lines: list[tuple[Run, ...]] = [
        (Run(f"{table.unit_label}："), Run(table.unit)),
        (Run(f"{table.date_label}："), Run(table.date_text)),
    ]
    if table.contact:
        lines.append((Run(table.contact),))
    return SignatureBlock(tuple(lines), seal="bureau", unit_line=0, date_line=1)


def province_document(table: ProvinceTable) -> Document:
    """The province summary as a landscape ``Document``: the listing with the 填报单位（盖章）,
    date and contact block after it (kept with the listing's last rows, the seal over the
    unit's name and the date), then on a new page the counts per city; both tables repeat
    their header row on every page, and no page holds fewer than ``keep_rows`` listing rows."""
    counts_rows: list[tuple[Cell, ...]] = [
        tuple(Cell((Run(label),), align="center", header=True) for label in table.counts_header())
    ]
    grid = table.counts_grid()
    for k, texts in enumerate(grid):
        city = table.city_counts[k] if k < len(table.city_counts) else None
        source = f"{city.division_code}:city.name" if city and city.counted else None
        first = Cell(
            (Run(texts[0], source=source),),
            align="left" if city else "center",
            header=city is None,
        )
        if city is not None and not city.counted:  # 未提交 / 生成失败 across the counts
            status = Cell((Run(texts[1], bold=True),), colspan=len(texts) - 1, align="center")
            counts_rows.append((first, status))
            continue
        counts = city.counts if city else (None,) * len(table.count_labels)
        rest = tuple(
            Cell((Run(text, bold=c is not None and c.over),), align="center", header=city is None)
            for text, c in zip(texts[1:], (*counts, None), strict=True)
        )
        counts_rows.append((first, *rest))

    blocks: list[Block] = [
        Title((Run(table.title),), size=22.0, role="hei", space_after=4.0),
    ]
    if table.statement:
        blocks.append(
            Paragraph(
                (Run(table.statement),),
                indent=0,
                align="center",
                size=12.0,
                role="song",
                space_after=6.0,
            )
        )
    blocks += [
        replace(
            listing_table(table.columns, table.rows, table.note, size=table.table_size),
            keep_rows=table.keep_rows,
        ),
        signature_block(table),
        PageBreak(),
        Title((Run(table.counts_heading),), size=18.0, role="hei", space_after=6.0),
        Table(
            widths=table.counts_widths,
            rows=tuple(counts_rows),
            header_rows=1,
            size=12.0,
            role="song",
        ),
    ]
    if table.counts_note:
        blocks.append(
            Paragraph((Run(table.counts_note),), indent=0, align="left", size=12.0, role="song")
        )
    return Document(
        kind="summary",
        title=table.title,
        blocks=tuple(blocks),
        landscape=True,
        cover_pages=0,
        author=table.unit,
    )
