"""Annex 1, the declaration form (申报书): one application of a city -> one ``Document``.

Every label and fixed text comes from the edition (``form.toml``, ``instructions.txt.j2``,
``commitment.txt.j2``); this module only decides the order and which fields a category shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from .. import layout
from ..cnformat import chinese_date, cn_date
from ..document import (
    Block,
    Cell,
    CoverField,
    CoverFields,
    Document,
    Heading,
    OpinionBox,
    PageBreak,
    Paragraph,
    Run,
    Runs,
    SignatureBlock,
    Spacer,
    Table,
    TickBoxes,
    TickItem,
    Title,
    plain,
    runs,
)
from ..edition import BasicField, Edition, Label, SubtypeForm
from ..editionfiles import form_labels, label_text
from ..errors import EditionError
from ..layout import BUREAU_SEAL_MM
from ..model import Application, City
from ..rules import service_share
from .markdown import display_width, markdown_blocks
from .summary import word_units
from .templating import cn_ordinal, integer, labels, money, render_text


def compose_declaration(city: City, index: int, edition: Edition) -> Document:
    """The declaration form of ``city.applications[index]``."""
    app = city.applications[index]
    form = labels(edition, "form.toml")
    p = f"applications[{index}]"
    blocks: list[Block] = []
    blocks += _cover(city, app, p, edition, form)
    blocks.append(PageBreak())
    blocks += _instructions(edition, form)
    blocks.append(PageBreak())

    texts = form_labels(edition)
    bullets = texts.narrative.bullets
    number = 1
    blocks += _basic_info(city, app, p, edition, form, number)
    for k, heading in _narrative_order(app, _subtype_form(app, edition)):
        number += 1
        if k is None:  # a heading the notice asks for, not written: space to write it in
            blocks.append(Heading(1, f"{cn_ordinal(number)}、", runs(heading)))
            blocks.append(Spacer(texts.indicators.blank_section_mm))
            continue
        section = app.sections[k]
        blocks.append(
            Heading(
                1, f"{cn_ordinal(number)}、", runs(section.heading, f"{p}.sections[{k}].heading")
            )
        )
        blocks += markdown_blocks(section.text, f"{p}.sections[{k}].text", bullets)
    blocks.append(PageBreak())
    blocks += _commitment(city, app, p, edition, form)
    blocks += _recommendation(city, form)
    return Document(
        kind="declaration",
        title=f"{edition.rules.edition.form_title}（{app.applicant.name}）",
        blocks=tuple(blocks),
        cover_pages=1,
        author=app.applicant.name,
        created=city.submitted_on,
    )


def _subtype_form(app: Application, edition: Edition) -> SubtypeForm | None:
    sub = edition.rules.categories[app.category].subtypes.get(app.subtype or "")
    return sub.form if sub is not None else None


def _narrative_order(app: Application, form: SubtypeForm | None) -> list[tuple[int | None, str]]:
    """The narrative's sections in print order, as (index in ``app.sections``, heading): the
    application's own order, and each heading its subtype asks for that it lacks (index None)
    after the one the edition lists before it (the first: before the first one present)."""
    out: list[tuple[int | None, str]] = [(k, s.heading) for k, s in enumerate(app.sections)]
    wanted = form.sections if form is not None else ()
    for r, heading in enumerate(wanted):
        if any(h.strip() == heading for _, h in out):
            continue
        if r:
            at = next(i for i, (_, h) in enumerate(out) if h.strip() == wanted[r - 1]) + 1
        else:
            later = set(wanted[1:])
            at = next((i for i, (_, h) in enumerate(out) if h.strip() in later), len(out))
        out.insert(at, (None, heading))
    return out


def category_text(app: Application, edition: Edition) -> str:
    """示范平台（共享制造类） etc."""
    return plain(_category_runs(app, edition))


def _category_runs(app: Application, edition: Edition) -> Runs:
    """The category and, in brackets, its subtype kept on one line ("（共享制造类）")."""
    cat = edition.rules.categories[app.category]
    sub = cat.subtypes.get(app.subtype or "")
    return (Run(cat.label), Run(f"（{sub.label}）", keep=True)) if sub else runs(cat.label)


# --------------------------------------------------------------------------- cover


# The legal-form ending of a unit's name is one word: a cover line that wraps breaks before
# "有限公司", never inside it ("…检测技术有限/公司").
_NAME_ENDINGS = ("股份有限公司", "有限责任公司", "有限公司", "人民政府")


def _name_runs(name: str, source: str) -> Runs:
    for ending in _NAME_ENDINGS:
        if name.endswith(ending) and len(name) > len(ending):
            head = name[: -len(ending)]
            return (Run(head, source=source), Run(ending, source=source, keep=True))
    return runs(name, source)


def _cover(
    city: City, app: Application, p: str, edition: Edition, form: dict[str, Any]
) -> list[Block]:
    cover = form["cover"]
    spec = edition.rules.categories[app.category]
    labels_ = form_labels(edition).cover
    # One row per category, its subtypes in brackets after it; the chosen category and subtype
    # are both ticked. Rows after the first are indented by the label's width.
    label = cover["category_label"] + "："
    rows: list[Block] = []
    for key, cat in edition.rules.categories.items():
        chosen = app.category == key
        items = [TickItem(cat.label, chosen)]
        items += [
            TickItem(sub.label, chosen and app.subtype == sub_key, level=1)
            for sub_key, sub in cat.subtypes.items()
        ]
        if rows:  # a further row: no label, boxes under the first row's
            rows.append(TickBoxes("\u3000" * len(label), tuple(items), continues=True))
        else:
            rows.append(TickBoxes(label, tuple(items)))
    fields: list[CoverField] = []
    if spec.cover.mode:  # e.g. a city application has no mode (the notice's form has none)
        fields.append(
            CoverField(
                cover["mode_label"],
                runs(app.mode or cover["no_mode"], f"{p}.mode" if app.mode else None),
            )
        )
    if app.title:
        fields.append(
            CoverField(_text(labels_, spec.cover.title_label), runs(app.title, f"{p}.title"))
        )
    fields.append(
        CoverField(
            _text(labels_, spec.cover.applicant_label),
            _name_runs(app.applicant.name, f"{p}.applicant.name"),
            seal=spec.seal,
            seal_diameter_mm=spec.seal_mm,
        )
    )
    # 推荐单位, or for a city application 填报单位 (申报书由申报市工业和信息化局负责填报)
    fields.append(
        CoverField(_text(labels_, spec.cover.bureau_label), runs(city.city.bureau, "city.bureau"))
    )
    fields.append(
        CoverField(cover["date_label"], runs(chinese_date(city.submitted_on), "submitted_on"))
    )
    # The cover is one page whatever the names' length: title in the upper third, then the
    # choices and the fields (the sealed field takes a seal-high zone of its own). Very long
    # names are set smaller (三号 16 pt, else 四号 14 pt, else 小四 12 pt) so they still fit.
    long = len(app.applicant.name) + len(app.title or "") + len(city.city.bureau)
    size = 16.0 if long <= 70 else 14.0 if long <= 130 else 12.0
    return [
        Spacer(14 if size == 16.0 else 4),
        Title(runs(edition.rules.edition.form_title), size=26.0, role="hei", space_after=24.0),
        Spacer(6),
        *rows,
        Spacer(10),
        CoverFields(tuple(fields), size=size),
    ]


def _instructions(edition: Edition, form: dict[str, Any]) -> list[Block]:
    rules = edition.rules
    text = render_text(
        edition,
        "instructions.txt.j2",
        notice=rules.edition,
        cutoff=cn_date(rules.thresholds.accident_cutoff),
        share_min=rules.thresholds.service_share_min_percent,
        platform_years=rules.thresholds.platform_min_years,
    )
    out: list[Block] = [
        Title(runs(form["instructions"]["heading"]), size=22.0, role="hei", space_after=18.0)
    ]
    out += [Paragraph(runs(line.strip()), indent=2) for line in text.splitlines() if line.strip()]
    return out


# --------------------------------------------------------------------------- basic information


def _cell(text: str, source: str | None = None, *, span: int = 1, header: bool = False) -> Cell:
    return Cell(
        runs(text, source), colspan=span, header=header, align="center" if header else "left"
    )


def _basic_info(
    city: City, app: Application, p: str, edition: Edition, form: dict[str, Any], number: int
) -> list[Block]:
    spec = edition.rules.categories[app.category].form
    basic = form_labels(edition).basic
    rows: list[tuple[Cell, ...]] = []
    label_columns: tuple[list[str], list[str]] = ([], [])
    value_columns: tuple[list[str], list[str]] = ([], [])  # of the cells one column wide
    for row in spec.basic:
        values = [
            _basic_value(item.field, city, app, p, edition, form, 3 if len(row) == 1 else 1)
            for item in row
        ]
        if any(v is None for v in values):
            continue  # a block the application does not have (no platform): no row
        cells: list[Cell] = []
        for k, (item, value) in enumerate(zip(row, values, strict=True)):
            assert value is not None
            text = _text(basic, item.label_key)
            label_columns[k].append(text)
            if value.colspan == 1:
                value_columns[k].append(plain(value.text))
            cells += [_cell(text, header=True), value]
        rows.append(tuple(cells))
    out: list[Block] = [
        Heading(1, f"{cn_ordinal(number)}、", runs(_text(basic, spec.heading))),
        Table(
            widths=_basic_widths(label_columns, value_columns),
            rows=tuple(rows),
            size=_BASIC_SIZE,
            role="song",
        ),
    ]
    if app.financials:
        out.append(Spacer(4))
        out.append(_financial_table(app, p, edition, form))
    sub = _subtype_form(app, edition)
    if sub is not None and sub.indicators:
        out.append(Spacer(4))
        out.append(_indicator_table(app, p, sub, edition))
    return out


def _indicator_table(app: Application, p: str, sub: SubtypeForm, edition: Edition) -> Table:
    """The subtype's own table (what the notice asks of it): label, unit, value; a value the
    application does not give is a blank cell, to be written in by hand."""
    t = form_labels(edition).indicators
    given = app.indicators or {}
    rows: list[tuple[Cell, ...]] = [
        (_cell(t.indicator, header=True), _cell(t.unit, header=True), _cell(t.value, header=True))
    ]
    for row in sub.indicators:
        value = given.get(row.key)
        text = "" if value is None else _indicator_text(value)
        cell = Cell(
            runs(text, f"{p}.indicators.{row.key}" if text else None),
            align="left" if row.type == "text" else "right",
            colspan=1 if row.unit else 2,  # a row without a unit: its value spans both
        )
        label = _cell(row.label, header=True)
        unit = (Cell(runs(row.unit), align="center"),) if row.unit else ()
        rows.append((label, *unit, cell))
    return Table(
        widths=(3.4, 0.8, 1.8),
        rows=tuple(rows),
        header_rows=1,
        size=12.0,
        role="song",
        caption=runs(_text(t, sub.caption)),
    )


def _indicator_text(value: str | int | Decimal) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return integer(value)
    return f"{value:,f}"


_BASIC_SIZE = 12.0
# The basic table's columns (label, value, label, value) in points of the portrait frame: the
# label columns at least as wide as their longest label on one line ("统一社会信用代码",
# "注册资本（万元）" stay whole), the values sharing the rest in this ratio.
_BASIC_WIDTHS = (1.25, 1.75, 1.15, 1.45)


def _cell_width(units: float, size: float) -> float:
    """The width (pt) of a cell whose text is ``units`` half-width characters of ``size`` type:
    both paddings and a point for rounding."""
    return units / 2 * size + 2 * layout.TABLE_PAD_X + 1.0


def _basic_widths(
    labels: tuple[list[str], list[str]], values: tuple[list[str], list[str]] = ([], [])
) -> tuple[float, ...]:
    """The label columns as wide as their longest label; the value columns share the rest, the
    first taking from the second what its longest word needs (an 18-character credit code is
    never broken, "914502002XW55T1P3/K") while the second keeps what its own words need."""
    frame = layout.PORTRAIT.frame_width
    scale = frame / sum(_BASIC_WIDTHS)
    base = [w * scale for w in _BASIC_WIDTHS]
    first, second = (
        max([base[c], *(_cell_width(display_width(t), _BASIC_SIZE) for t in labels[c // 2])])
        for c in (0, 2)
    )
    rest = frame - first - second
    share = base[1] + base[3]
    v1, v2 = rest * base[1] / share, rest * base[3] / share
    need1, need2 = (
        _cell_width(max((word_units(t) for t in values[k]), default=0.0), _BASIC_SIZE)
        for k in (0, 1)
    )
    if v1 < need1 and rest - need1 >= need2:
        v1, v2 = need1, rest - need1
    return (first, v1, second, v2)


def _text(table: BaseModel, label: Label) -> str:
    text = label_text(table, label)
    if text is None:  # the edition check refuses such an edition before anything is built
        raise EditionError(f"form.toml 中没有标签“{label}”")
    return text


def _basic_value(
    field: BasicField,
    city: City,
    app: Application,
    p: str,
    edition: Edition,
    form: dict[str, Any],
    span: int,
) -> Cell | None:
    """The value cell of ``field`` in the basic-information table (None: the application has
    no such block, e.g. no ``platform``)."""
    b = form["basic"]
    empty = b["empty"]
    a = app.applicant
    name = field.rsplit(".", 1)[-1]
    if field.startswith("city."):
        return _cell(getattr(city.city, name), field, span=span)
    if field == "category":
        return Cell(_category_runs(app, edition), colspan=span, align="left")
    if field == "mode":
        return _cell(app.mode or empty, f"{p}.mode" if app.mode else None, span=span)
    if field == "title":
        return _cell(app.title or empty, f"{p}.title", span=span)
    if field.startswith("platform."):
        if app.platform is None:
            return None
        value = getattr(app.platform, name)
        if isinstance(value, date):
            return _cell(cn_date(value), f"{p}.{field}", span=span)
        return _cell(integer(value) if value is not None else empty, span=span)
    if field == "applicant.listed":
        listed = b["listed_yes"].format(code=a.stock_code or empty) if a.listed else b["listed_no"]
        return _cell(listed, f"{p}.applicant.stock_code" if a.listed else None, span=span)
    owner: object = a.contact if field.startswith("applicant.contact.") else a
    value = getattr(owner, field.rsplit(".", 1)[-1])
    if isinstance(value, date):
        value = cn_date(value)
    elif isinstance(value, Decimal):
        value = money(value)
    if field == "applicant.contact.name":  # required: its source even when shown
        return _cell(value, f"{p}.{field}", span=span)
    return _cell(value or empty, f"{p}.{field}" if value else None, span=span)


def _count(value: int | None, empty: str) -> Cell:
    return _cell(integer(value) if value is not None else empty)


def _financial_table(app: Application, p: str, edition: Edition, form: dict[str, Any]) -> Table:
    f = form["financials"]
    keep = edition.rules.edition.financial_years
    indexed = sorted(enumerate(app.financials), key=lambda kv: kv[1].year)[-keep:]
    header = (
        _cell(f["indicator"], header=True),
        *(_cell(f["year"].format(year=row.year), header=True) for _, row in indexed),
    )

    def line(key: str, values: Sequence[tuple[str, str | None]]) -> tuple[Cell, ...]:
        return (
            _cell(f[key], header=True),
            *(Cell(runs(text, src), align="right") for text, src in values),
        )

    fp = f"{p}.financials"
    rows = [header]
    for key in ("operating_revenue", "service_revenue"):
        rows.append(line(key, [(money(getattr(r, key)), f"{fp}[{k}].{key}") for k, r in indexed]))
    shares = []
    for k, r in indexed:
        share = service_share(r.service_revenue, r.operating_revenue)
        shares.append((f"{share:.2f}" if share is not None else "—", f"{fp}[{k}].service_revenue"))
    rows.append(line("service_share", shares))
    for key in ("total_profit", "rd_expense", "tax_paid"):
        rows.append(line(key, [(money(getattr(r, key)), f"{fp}[{k}].{key}") for k, r in indexed]))
    rows.append(
        line("employees", [(integer(r.employees), f"{fp}[{k}].employees") for k, r in indexed])
    )
    return Table(
        widths=_financial_widths([plain(row[0].text) for row in rows], len(indexed)),
        rows=tuple(rows),
        header_rows=1,
        size=_FIN_SIZE,
        role="song",
        caption=runs(f["caption"]),
    )


# The indicator column and the years' columns, in this ratio unless an indicator's name needs
# more: "服务收入占营业收入比重（%）" stays on one line (not "…比/重（%）").
_FIN_WIDTHS = (2.2, 1.2)
_FIN_SIZE = 12.0


def _financial_widths(labels: Sequence[str], years: int) -> tuple[float, ...]:
    frame = layout.PORTRAIT.frame_width
    first = frame * _FIN_WIDTHS[0] / (_FIN_WIDTHS[0] + _FIN_WIDTHS[1] * years)
    # a full-width character of slack: Latin marks ("%") are wider than half an em in the serif
    need = _cell_width(max(display_width(t) for t in labels) + 2, _FIN_SIZE)
    # the years keep room for an amount such as "41,400.00" (eleven half-width characters)
    first = min(max(first, need), frame - years * _cell_width(11, _FIN_SIZE))
    return (first, *((frame - first) / years,) * years)


# --------------------------------------------------------------------------- commitment, opinion


def _commitment(
    city: City, app: Application, p: str, edition: Edition, form: dict[str, Any]
) -> list[Block]:
    c = form["commitment"]
    cat = edition.rules.categories[app.category]
    text = render_text(
        edition,
        "commitment.txt.j2",
        applicant=app.applicant.name,
        category=app.category,
        category_label=category_text(app, edition),
        cutoff=cn_date(edition.rules.thresholds.accident_cutoff),
    )
    name: Runs = runs(app.applicant.name, f"{p}.applicant.name")
    unit_template = _text(form_labels(edition).commitment, cat.form.unit_line)
    prefix, _, suffix = unit_template.partition("{name}")
    unit_line: Runs = tuple(r for r in (Run(prefix), *name, Run(suffix)) if r.text)
    # The legal representative signs above the sealed lines, with an empty line between, so
    # the seal over the unit's name and the date (骑年盖月) leaves the signing space free.
    lines: list[Runs] = [runs(c["legal_line"]), ()] if cat.form.legal_signature else []
    unit = len(lines)
    lines.append(unit_line)
    lines.append(runs(c["date_line"].format(date=chinese_date(city.submitted_on))))
    out: list[Block] = [Heading(1, "", runs(c["heading"]), align="center")]
    out += [Paragraph(runs(line.strip()), indent=2) for line in text.splitlines() if line.strip()]
    out.append(Spacer(10))
    out.append(
        SignatureBlock(tuple(lines), seal=cat.seal, seal_diameter_mm=cat.seal_mm, unit_line=unit)
    )
    return out


def _recommendation(city: City, form: dict[str, Any]) -> list[Block]:
    r = form["recommendation"]
    signature = SignatureBlock(
        (
            runs(r["unit_line"].format(bureau=city.city.bureau), "city.bureau"),
            runs(r["date_line"].format(date=chinese_date(city.submitted_on))),
        ),
        seal="bureau",
        seal_diameter_mm=BUREAU_SEAL_MM,
    )
    return [
        Spacer(8),
        Heading(1, "", runs(r["heading"])),
        OpinionBox(r["box_title"], float(r["box_height_mm"]), signature),
    ]
