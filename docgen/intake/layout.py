"""Where each value sits in the intake workbooks (template version ``TEMPLATE_VERSION``).

The rows, columns and the JSON path each cell fills are fixed here, once, for the template, the
export and the collection alike; the labels and the choices come from the edition (``form.toml``,
``rules.toml`` and ``intake.toml``). A change of this layout is a new ``TEMPLATE_VERSION``: a
workbook made for a version not in ``ACCEPTED_VERSIONS`` is refused by ``collect``, naming both
versions.

Versions: 1, the first layout; 2 adds, below the city's rows of 城市信息, the rows of the city
file's ``letter`` section (the submission letter, 报送函: the serial of the document number, the
机关代字, the recipient, an added paragraph, its contact). The applicant workbook is the same in
both, and a version-1 city workbook is still collected: its letter is then the edition's default
(the city file has no ``letter`` section), with a warning that says how to get the new template.
3 adds to the applicant workbook the sheet 主要指标 (``SHEET_INDICATORS``): one group of rows per
subtype whose form has an indicator table (rules.toml ``[categories.X.subtypes.Y.form]``), each
under a caption saying which applications fill it, in the edition's order; the application's
``indicators`` are the rows of its own subtype's group. The city workbook is the same as in 2. An
applicant workbook of version 1 or 2 is still collected: its application has no ``indicators``
(the form prints the table blank), with a warning when its subtype has a table. An edition
without indicator tables has no 主要指标 sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..cnformat import cn_date
from ..compose.templating import labels
from ..edition import Edition, IndicatorType
from ..editionfiles import form_labels, label_text

TEMPLATE_VERSION = 3
# Versions ``collect`` reads; the letter rows of the city workbook exist from version 2 on, the
# applicant workbook's sheet 主要指标 from version 3 on.
ACCEPTED_VERSIONS = (1, 2, 3)
LETTER_SINCE = 2
INDICATORS_SINCE = 3

# The hidden sheet of every workbook docgen makes: what it is, for which edition and version.
META_SHEET = "_docgen"
META_ROWS = {"generator": 1, "kind": 2, "edition": 3, "template_version": 4, "annotated": 5}
GENERATOR = "docgen"
APPLICANT, CITY = "applicant", "city"

SHEET_BASIC = "基本信息"
SHEET_SECTIONS = "申报材料"
SHEET_ATTACHMENTS = "随附材料"
SHEET_HELP = "填表说明"
SHEET_CITY = "城市信息"
SHEET_LIST = "申报清单"
SHEET_INDICATORS = "主要指标"
APPLICANT_SHEETS = (SHEET_BASIC, SHEET_SECTIONS, SHEET_ATTACHMENTS, SHEET_HELP)
CITY_SHEETS = (SHEET_CITY, SHEET_LIST, SHEET_HELP)

APPLICANT_WORKBOOK = "申报信息表.xlsx"
CITY_WORKBOOK = "城市信息.xlsx"
NARRATIVE_DOCX = "申报书正文.docx"
ANNOTATED_SUFFIX = "（已标注）"

# Columns of the field sheets: number, label, value, hint.
COL_NO, COL_LABEL, COL_VALUE, COL_HINT = 1, 2, 3, 4
FIRST_FIELD_ROW = 4
# The financial table of 基本信息: a caption row, a header row, then one row per year.
FIN_ROWS = 5
# Table sheets (申报材料, 随附材料, 申报清单): a title row, a hint row, a header row, then data.
TABLE_HEADER_ROW = 3
TABLE_FIRST_ROW = 4
# 主要指标: a title row, a hint row, a header row, then per group a caption row, its rows and a
# blank row. Columns: number, label, value, unit, hint.
IND_COL_VALUE, IND_COL_UNIT, IND_COL_HINT = 3, 4, 5
# Only this many rows of a sheet are read: the forms need a few dozen; a sheet with content
# further down (a pasted table of a million rows) is refused.
ROW_LIMIT = 1000
MAX_COLUMN = 10

Kind = Literal[
    "text",
    "id",
    "uscc",
    "category",
    "subtype",
    "mode",
    "date",
    "money",
    "signed_money",
    "int",
    "bool",
    "postcode",
    "digits",
    "serial",
]


@dataclass(frozen=True)
class Field:
    """One labelled input cell: its row, the JSON path it fills (relative to the application,
    or to the city file for the city workbook), its label, kind and hint."""

    row: int
    path: str
    label: str
    kind: Kind
    hint: str

    @property
    def cell(self) -> str:
        return f"C{self.row}"


@dataclass(frozen=True)
class Column:
    col: int
    key: str
    label: str
    kind: Kind

    @property
    def letter(self) -> str:
        return "ABCDEFGHIJ"[self.col - 1]


@dataclass(frozen=True)
class IndicatorField:
    """One row of 主要指标: the application's ``indicators.<key>`` (rules.toml's row)."""

    row: int
    key: str
    label: str
    unit: str
    type: IndicatorType
    required: bool
    max_chars: int
    hint: str

    @property
    def cell(self) -> str:
        return f"C{self.row}"


@dataclass(frozen=True)
class IndicatorGroup:
    """The rows of one subtype's indicator table, under a caption naming who fills them."""

    category: str
    subtype: str
    who: str  # 示范城市（工业设计特色类）
    caption: str  # the caption as the sheet shows it, with who fills the group
    caption_row: int
    rows: tuple[IndicatorField, ...]

    @property
    def caption_cell(self) -> str:
        return f"B{self.caption_row}"


@dataclass(frozen=True)
class Layout:
    """Everything of one edition the workbooks show: fields, table columns, choices, texts."""

    edition: Edition
    fields: tuple[Field, ...]
    fin_caption_row: int
    fin_header_row: int
    fin_first_row: int
    fin_columns: tuple[Column, ...]
    city_fields: tuple[Field, ...]
    letter_caption_row: int
    letter_fields: tuple[Field, ...]
    indicator_groups: tuple[IndicatorGroup, ...]
    intake: dict[str, Any]

    @property
    def declaration_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.path.startswith("declarations."))

    def field(self, path: str) -> Field:
        return next(f for f in self.fields if f.path == path)

    def city_field(self, path: str) -> Field:
        return next(f for f in (*self.city_fields, *self.letter_fields) if f.path == path)

    def city_sheet_fields(self, version: int = TEMPLATE_VERSION) -> tuple[Field, ...]:
        """The labelled rows of 城市信息 in a workbook of template ``version``."""
        return self.city_fields + (self.letter_fields if version >= LETTER_SINCE else ())

    def applicant_sheets(self, version: int = TEMPLATE_VERSION) -> tuple[str, ...]:
        """The sheets of an applicant workbook of template ``version``."""
        if version >= INDICATORS_SINCE and self.indicator_groups:
            return (SHEET_BASIC, SHEET_INDICATORS, SHEET_SECTIONS, SHEET_ATTACHMENTS, SHEET_HELP)
        return APPLICANT_SHEETS

    def indicator_group(self, category: object, subtype: object) -> IndicatorGroup | None:
        """The group of rows of the category's subtype (None: it has no indicator table)."""
        return next(
            (g for g in self.indicator_groups if (g.category, g.subtype) == (category, subtype)),
            None,
        )

    # ------------------------------------------------------------------ choices (from rules.toml)

    def category_labels(self) -> dict[str, str]:
        """label -> category key (示范企业 -> enterprise)."""
        return {cat.label: key for key, cat in self.edition.rules.categories.items()}

    def subtype_labels(self, category: str) -> dict[str, str]:
        cat = self.edition.rules.categories.get(category)
        return {sub.label: key for key, sub in cat.subtypes.items()} if cat else {}

    def all_subtype_labels(self) -> list[str]:
        seen: dict[str, None] = {}
        for cat in self.edition.rules.categories.values():
            for sub in cat.subtypes.values():
                seen[sub.label] = None
        return list(seen)

    def mode_lists(self) -> dict[str, tuple[str, ...]]:
        """Name of the list (category label + subtype label) -> the modes it allows; only the
        combinations that take a mode."""
        out: dict[str, tuple[str, ...]] = {}
        for cat in self.edition.rules.categories.values():
            if cat.subtypes:
                for sub_key, sub in cat.subtypes.items():
                    modes = cat.allowed_modes(sub_key)
                    if modes:
                        out[cat.label + sub.label] = modes
            elif cat.modes:
                out[cat.label] = cat.modes
        return out

    def text(self, section: str, key: str, **values: Any) -> str:
        return str(self.intake[section][key]).format(**values)


_CACHE: dict[tuple[str, tuple[object, ...]], Layout] = {}


def layout(edition: Edition) -> Layout:
    """The layout of ``edition``'s workbooks (built once per edition)."""
    key = (edition.id, edition.folders)
    if key not in _CACHE:
        _CACHE[key] = _layout(edition)
    return _CACHE[key]


# One labelled row of a field sheet: the JSON path, the label, the kind, the hint.
_Row = tuple[str, str, Kind, str]


def _layout(edition: Edition) -> Layout:
    form = labels(edition, "form.toml")
    intake = labels(edition, "intake.toml")
    fields = _applicant_fields(edition, form, intake)
    caption = FIRST_FIELD_ROW + len(fields) + 1
    city_fields = _city_fields(form, intake)
    # The letter (template version 2): a blank row, a caption, then its rows.
    letter_caption = FIRST_FIELD_ROW + len(city_fields) + 1
    return Layout(
        edition=edition,
        indicator_groups=_indicator_groups(edition, intake),
        fields=fields,
        fin_caption_row=caption,
        fin_header_row=caption + 1,
        fin_first_row=caption + 2,
        fin_columns=_fin_columns(form, intake),
        city_fields=city_fields,
        letter_caption_row=letter_caption,
        letter_fields=_letter_fields(edition, intake, letter_caption + 1),
        intake=intake,
    )


def _fields(rows: list[_Row], first_row: int) -> tuple[Field, ...]:
    """The rows as fields, one a sheet row from ``first_row`` on."""
    return tuple(
        Field(first_row + i, path, label, kind, hint)
        for i, (path, label, kind, hint) in enumerate(rows)
    )


def _applicant_fields(
    edition: Edition, form: dict[str, Any], intake: dict[str, Any]
) -> tuple[Field, ...]:
    """The labelled rows of 基本信息 (a declaration's hint, left empty here, is yes/no)."""
    b, lab, hints = form["basic"], intake["labels"], intake["hints"]
    dec = intake["declarations"]
    cutoff = cn_date(edition.rules.thresholds.accident_cutoff)
    rows: list[_Row] = [
        ("category", b["category"], "category", hints["category"]),
        ("subtype", lab["subtype"], "subtype", hints["subtype"]),
        ("applicant.name", b["name"], "text", hints["text"]),
        ("applicant.uscc", b["uscc"], "uscc", hints["uscc"]),
        ("mode", b["mode"], "mode", hints["mode"]),
        ("title", lab["title_field"], "text", hints["text"]),
        ("applicant.address", b["address"], "text", hints["text"]),
        ("applicant.postcode", b["postcode"], "postcode", hints["postcode"]),
        ("applicant.legal_representative", b["legal_representative"], "text", hints["text"]),
        ("applicant.established_on", b["established_on"], "date", hints["date"]),
        ("applicant.registered_capital", b["registered_capital"], "money", hints["money"]),
        ("applicant.ownership", b["ownership"], "text", hints["text"]),
        ("applicant.industry", b["industry"], "text", hints["text"]),
        ("applicant.listed", b["listed"], "bool", hints["yes_no"]),
        ("applicant.stock_code", _plain(b["listed_yes"]), "digits", hints["text"]),
        ("applicant.contact.name", b["contact"], "text", hints["text"]),
        ("applicant.contact.title", b["contact_title"], "text", hints["text"]),
        ("applicant.contact.phone", b["phone"], "digits", hints["text"]),
        ("applicant.contact.mobile", b["mobile"], "digits", hints["text"]),
        ("applicant.contact.wechat", b["wechat"], "digits", hints["text"]),
        ("applicant.contact.fax", b["fax"], "digits", hints["text"]),
        ("applicant.contact.email", b["email"], "text", hints["text"]),
        ("platform.launched_on", lab["launched_on"], "date", hints["date"]),
        ("platform.registered_users", lab["registered_users"], "int", hints["integer"]),
        ("platform.annual_orders", lab["annual_orders"], "int", hints["integer"]),
        ("platform.served_enterprises", lab["served_enterprises"], "int", hints["integer"]),
        ("declarations.independent_legal_person", dec["independent_legal_person"], "bool", ""),
        (
            "declarations.no_major_accident",
            dec["no_major_accident"].format(cutoff=cutoff),
            "bool",
            "",
        ),
        ("declarations.no_violation", dec["no_violation"], "bool", ""),
        ("id", lab["id"], "id", hints["id"]),
    ]
    yes_no = hints["yes_no"]
    return _fields([(p, label, k, hint or yes_no) for p, label, k, hint in rows], FIRST_FIELD_ROW)


def _fin_columns(form: dict[str, Any], intake: dict[str, Any]) -> tuple[Column, ...]:
    """The columns of 基本信息's financial table: the year, then one per figure."""
    fin, lab = form["financials"], intake["labels"]
    return (
        Column(2, "year", lab["year"], "int"),
        Column(3, "operating_revenue", fin["operating_revenue"], "money"),
        Column(4, "service_revenue", fin["service_revenue"], "money"),
        Column(5, "total_profit", fin["total_profit"], "signed_money"),
        Column(6, "rd_expense", fin["rd_expense"], "money"),
        Column(7, "tax_paid", fin["tax_paid"], "money"),
        Column(8, "employees", fin["employees"], "int"),
    )


def _city_fields(form: dict[str, Any], intake: dict[str, Any]) -> tuple[Field, ...]:
    """The city's labelled rows of 城市信息."""
    b, lab, hints = form["basic"], intake["labels"], intake["hints"]
    rows: list[_Row] = [
        ("city.name", lab["city_name"], "text", hints["text"]),
        ("city.division_code", lab["division_code"], "postcode", hints["postcode"]),
        ("city.bureau", lab["bureau"], "text", hints["text"]),
        ("city.government", lab["government"], "text", hints["text"]),
        ("city.extra_platform_quota", lab["extra_platform_quota"], "bool", hints["yes_no"]),
        ("submitted_on", lab["submitted_on"], "date", hints["date"]),
        ("city.contact.name", b["contact"], "text", hints["text"]),
        ("city.contact.title", b["contact_title"], "text", hints["text"]),
        ("city.contact.phone", b["phone"], "digits", hints["text"]),
        ("city.contact.mobile", b["mobile"], "digits", hints["text"]),
        ("city.contact.wechat", b["wechat"], "digits", hints["text"]),
        ("city.contact.fax", b["fax"], "digits", hints["text"]),
        ("city.contact.email", b["email"], "text", hints["text"]),
    ]
    return _fields(rows, FIRST_FIELD_ROW)


def _letter_fields(edition: Edition, intake: dict[str, Any], first_row: int) -> tuple[Field, ...]:
    """The letter's labelled rows of 城市信息 (template version 2), from ``first_row`` on."""
    lab, hints = intake["labels"], intake["hints"]
    recipient = str(labels(edition, "letter.toml").get("recipient", ""))
    rows: list[_Row] = [
        ("letter.number", lab["letter_number"], "serial", hints["letter_number"]),
        ("letter.prefix", lab["letter_prefix"], "text", hints["letter_prefix"]),
        (
            "letter.recipient",
            lab["letter_recipient"],
            "text",
            hints["letter_recipient"].format(recipient=recipient),
        ),
        ("letter.paragraph", lab["letter_paragraph"], "text", hints["letter_paragraph"]),
        ("letter.replace", lab["letter_replace"], "bool", hints["letter_replace"]),
        ("letter.contact.name", lab["letter_contact"], "text", hints["letter_contact"]),
        ("letter.contact.title", lab["letter_contact_title"], "text", hints["text"]),
        ("letter.contact.phone", lab["letter_phone"], "digits", hints["text"]),
        ("letter.contact.mobile", lab["letter_mobile"], "digits", hints["text"]),
        ("letter.contact.wechat", lab["letter_wechat"], "digits", hints["text"]),
        ("letter.contact.fax", lab["letter_fax"], "digits", hints["text"]),
        ("letter.contact.email", lab["letter_email"], "text", hints["text"]),
    ]
    return _fields(rows, first_row)


def _indicator_groups(edition: Edition, intake: dict[str, Any]) -> tuple[IndicatorGroup, ...]:
    """The groups of 主要指标, in the order of rules.toml's categories and subtypes."""
    table = form_labels(edition).indicators
    lab, hints = intake["labels"], intake["hints"]
    groups: list[IndicatorGroup] = []
    row = TABLE_FIRST_ROW
    for cat_key, cat in edition.rules.categories.items():
        for sub_key, sub in cat.subtypes.items():
            if sub.form is None or not sub.form.indicators:
                continue
            caption = label_text(table, sub.form.caption) or table.caption
            shown = lab["indicator_group"].format(
                caption=caption, category=cat.label, subtype=sub.label
            )
            fields: list[IndicatorField] = []
            for i, spec in enumerate(sub.form.indicators, start=1):
                if spec.type == "count":
                    kind = hints["indicator_count"]
                elif spec.type == "number":
                    kind = hints["indicator_number"]
                else:
                    kind = hints["indicator_text"].format(max_chars=spec.max_chars)
                parts = [kind]
                if spec.unit:
                    parts.append(hints["indicator_unit"].format(unit=spec.unit))
                parts.append(hints["indicator_required" if spec.required else "indicator_optional"])
                fields.append(
                    IndicatorField(
                        row + i,
                        spec.key,
                        spec.label,
                        spec.unit,
                        spec.type,
                        spec.required,
                        spec.max_chars,
                        "；".join(parts),
                    )
                )
            who = f"{cat.label}（{sub.label}）"
            groups.append(IndicatorGroup(cat_key, sub_key, who, shown, row, tuple(fields)))
            row += len(fields) + 2  # the caption, the rows, a blank row
    return tuple(groups)


def _plain(label: str) -> str:
    """``是（股票代码：{code}）`` -> ``股票代码``."""
    inner = label.split("（", 1)[-1].split("：", 1)[0]
    return inner or label


def annotated_name(name: str) -> str:
    """申报信息表.xlsx -> 申报信息表（已标注）.xlsx"""
    stem, dot, _ext = name.rpartition(".")
    return f"{stem}{ANNOTATED_SUFFIX}.xlsx" if dot else f"{name}{ANNOTATED_SUFFIX}.xlsx"


def is_annotated_name(name: str) -> bool:
    return name.rpartition(".")[0].endswith(ANNOTATED_SUFFIX)
