"""Annex 1, the declaration form (申报书): one application of a city -> one ``Document``.

Every label and fixed text comes from the edition (``form.toml``, ``instructions.txt.j2``,
``commitment.txt.j2``); this module only decides the order and which fields a category shows.
"""

from __future__ import annotations

from typing import Any

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
    runs,
)
from ..edition import Edition
from ..layout import BUREAU_SEAL_MM, ENTERPRISE_SEAL_MM, GOVERNMENT_SEAL_MM
from ..model import Application, City
from ..rules import service_share
from .markdown import markdown_blocks
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

    number = 1
    blocks += _basic_info(city, app, p, edition, form, number)
    for k, section in enumerate(app.sections):
        number += 1
        blocks.append(
            Heading(
                1, f"{cn_ordinal(number)}、", runs(section.heading, f"{p}.sections[{k}].heading")
            )
        )
        blocks += markdown_blocks(section.text, f"{p}.sections[{k}].text")
    blocks.append(PageBreak())
    blocks += _commitment(city, app, p, edition, form)
    blocks += _recommendation(city, form)
    return Document(
        kind="declaration",
        title=f"{edition.rules.edition.form_title}（{app.applicant.name}）",
        blocks=tuple(blocks),
        cover_pages=1,
        application_id=app.id,
        author=app.applicant.name,
        created=city.submitted_on,
    )


def category_text(app: Application, edition: Edition) -> str:
    """示范平台（共享制造类） etc."""
    cat = edition.rules.categories[app.category]
    sub = cat.subtypes.get(app.subtype or "")
    return f"{cat.label}（{sub.label}）" if sub else cat.label


# --------------------------------------------------------------------------- cover


def _cover(
    city: City, app: Application, p: str, edition: Edition, form: dict[str, Any]
) -> list[Block]:
    cover = form["cover"]
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
    is_city = app.category == "city"
    fields: list[CoverField] = []
    if not is_city:  # a city application has no mode (the notice's form has none for it)
        fields.append(
            CoverField(
                cover["mode_label"],
                runs(app.mode or cover["no_mode"], f"{p}.mode" if app.mode else None),
            )
        )
    if app.title:
        title_label = cover.get(f"{app.category}_title_label", cover["title_label"])
        fields.append(CoverField(title_label, runs(app.title, f"{p}.title")))
    fields.append(
        CoverField(
            cover["city_applicant_label" if is_city else "applicant_label"],
            runs(app.applicant.name, f"{p}.applicant.name"),
            seal="government" if is_city else "applicant",
        )
    )
    if is_city:  # 示范城市申报书由申报市工业和信息化局负责填报
        fields.append(
            CoverField(
                cover.get("city_filler_label", "填报单位"), runs(city.city.bureau, "city.bureau")
            )
        )
    else:
        fields.append(CoverField(cover["recommender_label"], runs(city.city.bureau, "city.bureau")))
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
    b = form["basic"]
    a = app.applicant
    ap = f"{p}.applicant"
    empty = b["empty"]
    is_city = app.category == "city"

    def val(value: str | None, field: str, span: int = 1) -> Cell:
        return _cell(value if value else empty, f"{ap}.{field}" if value else None, span=span)

    def label(key: str) -> Cell:
        return _cell(b[key], header=True)

    rows: list[tuple[Cell, ...]] = []
    if is_city:
        rows.append((label("city_name"), _cell(city.city.name, "city.name", span=3)))
        rows.append(
            (_cell(b.get("city_government", "申报单位"), header=True), val(a.name, "name", 3))
        )
        rows.append(
            (
                _cell(b.get("city_filler", "填报单位"), header=True),
                _cell(city.city.bureau, "city.bureau", span=3),
            )
        )
        rows.append((label("category"), _cell(category_text(app, edition), span=3)))
        rows.append((label("city_address"), val(a.address, "address", 3)))
        rows.append((label("postcode"), val(a.postcode, "postcode", 3)))
    else:
        rows.append((label("name"), val(a.name, "name", 3)))
        rows.append(
            (
                label("uscc"),
                val(a.uscc, "uscc"),
                label("established_on"),
                _cell(
                    cn_date(a.established_on) if a.established_on else empty,
                    f"{ap}.established_on" if a.established_on else None,
                ),
            )
        )
        rows.append((label("address"), val(a.address, "address", 3)))
        capital = money(a.registered_capital) if a.registered_capital is not None else None
        rows.append(
            (
                label("postcode"),
                val(a.postcode, "postcode"),
                label("registered_capital"),
                val(capital, "registered_capital"),
            )
        )
        rows.append(
            (
                label("legal_representative"),
                val(a.legal_representative, "legal_representative"),
                label("ownership"),
                val(a.ownership, "ownership"),
            )
        )
        listed = b["listed_yes"].format(code=a.stock_code or empty) if a.listed else b["listed_no"]
        rows.append(
            (
                label("industry"),
                val(a.industry, "industry"),
                label("listed"),
                _cell(listed, f"{ap}.stock_code" if a.listed else None),
            )
        )
        rows.append(
            (
                label("category"),
                _cell(category_text(app, edition)),
                label("mode"),
                _cell(app.mode or empty, f"{p}.mode" if app.mode else None),
            )
        )
        if app.category == "platform":
            rows.append((label("platform_title"), _cell(app.title or empty, f"{p}.title", span=3)))
            if app.platform is not None:
                pf = app.platform
                rows.append(
                    (
                        label("launched_on"),
                        _cell(cn_date(pf.launched_on), f"{p}.platform.launched_on"),
                        label("registered_users"),
                        _count(pf.registered_users, empty),
                    )
                )
                rows.append(
                    (
                        label("annual_orders"),
                        _count(pf.annual_orders, empty),
                        label("served_enterprises"),
                        _count(pf.served_enterprises, empty),
                    )
                )
        elif app.category == "project":
            rows.append((label("project_title"), _cell(app.title or empty, f"{p}.title", span=3)))
    c = a.contact
    cp = f"{ap}.contact"
    rows.append(
        (
            label("contact"),
            _cell(c.name, f"{cp}.name"),
            label("contact_title"),
            _cell(c.title or empty, f"{cp}.title" if c.title else None),
        )
    )
    rows.append(
        (
            label("phone"),
            _cell(c.phone or empty, f"{cp}.phone" if c.phone else None),
            label("mobile"),
            _cell(c.mobile or empty, f"{cp}.mobile" if c.mobile else None),
        )
    )
    rows.append(
        (label("email"), _cell(c.email or empty, f"{cp}.email" if c.email else None, span=3))
    )

    heading = b["city_heading" if is_city else "heading"]
    out: list[Block] = [
        Heading(1, f"{cn_ordinal(number)}、", runs(heading)),
        Table(widths=(1.25, 1.75, 1.15, 1.45), rows=tuple(rows), size=12.0, role="song"),
    ]
    if app.financials:
        out.append(Spacer(4))
        out.append(_financial_table(app, p, edition, form))
    return out


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

    def line(key: str, values: list[tuple[str, str | None]]) -> tuple[Cell, ...]:
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
    widths = (2.2,) + (1.2,) * len(indexed)
    return Table(
        widths=widths,
        rows=tuple(rows),
        header_rows=1,
        size=12.0,
        role="song",
        caption=runs(f["caption"]),
    )


# --------------------------------------------------------------------------- commitment, opinion


def _commitment(
    city: City, app: Application, p: str, edition: Edition, form: dict[str, Any]
) -> list[Block]:
    c = form["commitment"]
    is_city = app.category == "city"
    text = render_text(
        edition,
        "commitment.txt.j2",
        applicant=app.applicant.name,
        category=app.category,
        category_label=category_text(app, edition),
        cutoff=cn_date(edition.rules.thresholds.accident_cutoff),
    )
    name: Runs = runs(app.applicant.name, f"{p}.applicant.name")
    unit_template = c["city_unit_line" if is_city else "unit_line"]
    prefix, _, suffix = unit_template.partition("{name}")
    unit_line: Runs = tuple(r for r in (Run(prefix), *name, Run(suffix)) if r.text)
    # The legal representative signs above the sealed lines, with an empty line between, so
    # the seal over the unit's name and the date (骑年盖月) leaves the signing space free.
    lines: list[Runs] = [] if is_city else [runs(c["legal_line"]), ()]
    unit = len(lines)
    lines.append(unit_line)
    lines.append(runs(c["date_line"].format(date=chinese_date(city.submitted_on))))
    out: list[Block] = [Heading(1, "", runs(c["heading"]), align="center")]
    out += [Paragraph(runs(line.strip()), indent=2) for line in text.splitlines() if line.strip()]
    out.append(Spacer(10))
    out.append(
        SignatureBlock(
            tuple(lines),
            seal="government" if is_city else "applicant",
            seal_diameter_mm=GOVERNMENT_SEAL_MM if is_city else ENTERPRISE_SEAL_MM,
            unit_line=unit,
        )
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
