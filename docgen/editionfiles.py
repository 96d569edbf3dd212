"""The typed models of an edition's text files (form.toml, bundle.toml, messages.toml,
intake.toml) and the readers the engine uses to get them.

rules.toml's model is in :mod:`docgen.edition`, summary.toml's in :mod:`docgen.compose.summary`,
province.toml's in :mod:`docgen.compose.province`, letter.toml's in :mod:`docgen.compose.letter`. Every file is checked whole by
:func:`docgen.editioncheck.check_edition` before anything is built.

A text with ``{placeholders}`` is filled in by the engine with ``str.format``: each such field
says which placeholders it may use, and an edition using another one is refused at check time.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, model_validator
from pydantic_core import core_schema

from .edition import Edition, Label, LabelText

# --------------------------------------------------------------------------- placeholders


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a format string uses (``{year}年`` -> {"year"}). Raises ValueError if
    its braces are unbalanced."""
    names: set[str] = set()
    for _literal, field, _spec, _conv in string.Formatter().parse(text):
        if field is not None:
            names.add(field.split(".")[0].split("[")[0])
    return names


@dataclass(frozen=True)
class Fmt:
    """Annotation metadata: a ``str`` whose ``{placeholders}`` are among ``allowed`` (none: no
    braces at all). Written ``Annotated[str, Fmt("city")]``."""

    allowed: tuple[str, ...]

    def __init__(self, *allowed: str):
        object.__setattr__(self, "allowed", allowed)

    @property
    def json_schema_extra(self) -> dict[str, Any]:
        """What docs/gen_editions.py lists as the text's placeholders."""
        return {"fmt": list(self.allowed)}

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def check(self, value: str) -> str:
        try:
            used = placeholders(value)
        except ValueError as exc:
            raise ValueError("花括号不成对（要印出花括号请写成 {{ 和 }}）") from exc
        unknown = sorted(used - set(self.allowed))
        if unknown:
            can = "、".join("{" + a + "}" for a in self.allowed) or "无"
            bad = "、".join("{" + u + "}" for u in unknown)
            raise ValueError(f"不能使用占位符 {bad}；可用的占位符：{can}")
        return value


class _Labels(BaseModel):
    """A table of labels: every key listed is required; other keys are allowed (and ignored)."""

    model_config = ConfigDict(extra="allow", frozen=True)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- form.toml


class CoverLabels(_Labels):
    """[cover]: the first page of the declaration form."""

    category_label: str
    mode_label: str
    title_label: str
    platform_title_label: str = "平台名称"
    project_title_label: str = "项目名称"
    applicant_label: str
    city_applicant_label: str
    city_filler_label: str = "填报单位"
    recommender_label: str
    date_label: str
    no_mode: str


class InstructionsLabels(_Labels):
    """[instructions]: the heading over instructions.txt.j2."""

    heading: str


class BasicLabels(_Labels):
    """[basic]: the basic-information table."""

    heading: str
    city_heading: str
    name: str
    city_name: str
    city_government: str = "申报单位"
    city_filler: str = "填报单位"
    uscc: str
    established_on: str
    address: str
    city_address: str
    postcode: str
    registered_capital: str
    legal_representative: str
    ownership: str
    industry: str
    listed: str
    listed_yes: Annotated[str, Fmt("code")]
    listed_no: str
    category: str
    mode: str
    platform_title: str
    project_title: str
    launched_on: str
    registered_users: str
    annual_orders: str
    served_enterprises: str
    contact: str
    contact_title: str
    phone: str
    mobile: str
    email: str
    fax: str
    wechat: str
    empty: str


class FinancialsLabels(_Labels):
    """[financials]: the table of the main economic indicators."""

    caption: str
    indicator: str
    year: Annotated[str, Fmt("year")]
    operating_revenue: str
    service_revenue: str
    service_share: str
    total_profit: str
    rd_expense: str
    tax_paid: str
    employees: str


class IndicatorLabels(_Labels):
    """[indicators]: a subtype's own table of indicators, and the space under a heading.

    The table is declared by rules.toml ``[categories.X.subtypes.Y.form]``; further keys are
    captions a subtype names; ``blank_section_mm`` is the space left under a heading the
    subtype asks for and the application has not written."""

    caption: str = "主要指标"
    indicator: str = "指标"
    unit: str = "单位"
    value: str = "数值"
    blank_section_mm: float = Field(default=40.0, ge=0, le=200)


class CommitmentLabels(_Labels):
    """[commitment]: the heading and signature lines around commitment.txt.j2."""

    heading: str
    unit_line: Annotated[str, Fmt("name")]
    city_unit_line: Annotated[str, Fmt("name")]
    legal_line: str
    date_line: Annotated[str, Fmt("date")]


class RecommendationLabels(_Labels):
    """[recommendation]: the city bureau's opinion box."""

    heading: str
    box_title: str
    box_height_mm: float = Field(gt=0, le=200)
    unit_line: Annotated[str, Fmt("bureau")]
    date_line: Annotated[str, Fmt("date")]


class NarrativeLabels(_Labels):
    """[narrative]: how the applicant's narrative sections are set."""

    bullets: tuple[Annotated[str, Fmt("n")], ...] = Field(
        default=("{n}.", "（{n}）"),
        min_length=1,
        description="markers of “-” list items by nesting level, {n} the item's number",
    )


class FormLabels(_Labels):
    """form.toml: every label Annex 1 (the declaration form) prints."""

    cover: CoverLabels
    instructions: InstructionsLabels
    basic: BasicLabels
    financials: FinancialsLabels
    indicators: IndicatorLabels = Field(default_factory=IndicatorLabels)
    commitment: CommitmentLabels
    recommendation: RecommendationLabels
    narrative: NarrativeLabels = Field(default_factory=NarrativeLabels)


# --------------------------------------------------------------------------- bundle.toml


class CoverField(_Strict):
    """One line of the packet cover: ``label`` then ``value`` filled in."""

    label: str
    value: Annotated[str, Fmt("bureau", "division_code", "applications", "pages", "date")]


class FileNames(_Strict):
    """[files]: the names of the files written into OUT, without their extension. Each value the
    engine fills in is made safe for Windows and Linux first; the fixed text must be safe as it is
    (no / \\ : * ? " < > | and no control characters)."""

    summary: Annotated[str, Fmt("city")] = Field(
        description="汇总表（.pdf 和 .xlsx）；{city}：城市名"
    )
    form: Annotated[str, Fmt("n", "id", "applicant")] = Field(
        description="每份申报书（.pdf 和 .docx）；{n}：序号（整数，{n:02d} 补足两位），"
        "{id}：申报编号，{applicant}：申报单位"
    )
    letter: Annotated[str, Fmt("city")] = Field(
        description="报送函（.pdf 和 .docx）；{city}：城市名"
    )
    province: str = Field(description="docgen batch 的全区汇总表（.pdf 和 .xlsx）")

    @model_validator(mode="after")
    def _safe(self) -> FileNames:
        from .output import safe_name

        samples = {
            "summary": self.summary.format(city="柳州市"),
            "letter": self.letter.format(city="柳州市"),
            "province": self.province,
        }
        try:
            samples["form"] = self.form.format(n=1, id="LZ-E1", applicant="柳州某公司")
        except (ValueError, IndexError, KeyError) as exc:
            raise ValueError(f"form 的格式有误（{exc}）") from exc
        for key, name in samples.items():
            if not name or safe_name(name, 1000) != name:
                raise ValueError(f"{key} 不能作文件名（为空，或含有 Windows 文件名不允许的字符）")
        return self


class PacketTexts(_Strict):
    """bundle.toml: everything bundle.pdf prints of its own (cover, contents, captions, running
    numbers, straddle-seal marks), the names of its bookmarks and the names of the files."""

    title: Annotated[str, Fmt("city")] = Field(description="封面标题和 PDF 标题")
    cover: tuple[CoverField, ...] = Field(min_length=1)
    contents_bookmark: str
    contents_title: str
    contents_title_continued: str
    summary_entry: str
    form_entry: Annotated[str, Fmt("applicant", "category")]
    attachment_entry: Annotated[str, Fmt("n", "title")]
    running_number: Annotated[str, Fmt("city", "page", "pages")]
    straddle_mark: Annotated[str, Fmt("group", "groups")]
    letter_bookmark: str = Field(description="报送函的书签")
    files: FileNames

    def all_text(self) -> str:
        """Every fixed character of these texts (for the build's font-coverage check)."""
        parts = [
            self.title,
            self.contents_bookmark,
            self.contents_title,
            self.contents_title_continued,
            self.summary_entry,
            self.form_entry,
            self.attachment_entry,
            self.running_number,
            self.straddle_mark,
            self.letter_bookmark,
        ]
        parts += [f.label + f.value for f in self.cover]
        return "".join(_literal(p) for p in parts)


def _literal(text: str) -> str:
    return "".join(lit for lit, _f, _s, _c in string.Formatter().parse(text))


# --------------------------------------------------------------------------- messages.toml


class DeclarationTexts(_Strict):
    """[declarations]: the conditions an applicant declares, in the notice's words."""

    independent_legal_person: str
    no_major_accident: Annotated[str, Fmt("cutoff")]
    no_violation: str


class RuleMessages(_Strict):
    """[messages]: what ``validate`` says when a condition of the notice is not met."""

    late_submission: Annotated[str, Fmt("submitted_on", "deadline")]
    over_quota: Annotated[str, Fmt("city", "label", "count", "ids", "limit", "hint")]
    extra_quota_hint: Annotated[str, Fmt("extra_quota")]
    platform_too_young: Annotated[str, Fmt("launched_on", "submitted_on", "years", "latest")]
    service_share_low: Annotated[str, Fmt("year", "share", "minimum", "service", "operating")]
    declaration_false: Annotated[str, Fmt("condition")]
    unknown_edition: Annotated[str, Fmt("edition", "available")]


class RuleTexts(_Strict):
    """messages.toml: the wording of the rule messages that quote the notice."""

    declarations: DeclarationTexts
    messages: RuleMessages


# --------------------------------------------------------------------------- intake.toml


class IntakeLabelTexts(_Labels):
    """[labels]: workbook rows form.toml does not name."""

    title: str
    city_title: str
    id: str
    subtype: str
    title_field: str
    launched_on: str
    registered_users: str
    annual_orders: str
    served_enterprises: str
    year: str
    column_no: str
    column_item: str
    column_value: str
    column_hint: str
    section_heading: str
    section_text: str
    section_word: str
    attachment_title: str
    attachment_file: str
    city_name: str
    division_code: str
    bureau: str
    government: str
    extra_platform_quota: str
    submitted_on: str
    app_id: str
    app_name: str
    app_folder: str
    yes: str
    no: str
    # the submission letter's rows of 城市信息 (template version 2)
    letter_heading: str
    letter_number: str
    letter_prefix: str
    letter_recipient: str
    letter_paragraph: str
    letter_replace: str
    letter_contact: str
    letter_contact_title: str
    letter_phone: str
    letter_mobile: str
    letter_wechat: str
    letter_fax: str
    letter_email: str
    # the caption of a group of 主要指标 (template version 3): the subtype's table caption and
    # which applications fill it
    indicator_group: Annotated[str, Fmt("caption", "category", "subtype")]


class IntakeDeclarations(_Labels):
    """[declarations]: the declaration rows of the workbook."""

    heading: str
    independent_legal_person: str
    no_major_accident: Annotated[str, Fmt("cutoff")]
    no_violation: str


class IntakeHints(_Labels):
    """[hints]: the 说明 column of the workbook."""

    text: str
    id: str
    category: str
    subtype: str
    mode: str
    uscc: str
    date: str
    money: str
    integer: str
    postcode: str
    yes_no: str
    financials: Annotated[str, Fmt("years")]
    sections: str
    attachments: str
    applications: str
    letter_number: str
    letter_prefix: str
    letter_recipient: Annotated[str, Fmt("recipient")]
    letter_paragraph: str
    letter_replace: str
    letter_contact: str
    # 主要指标 (template version 3): the sheet's note, and a row's input message, joined with
    # "；" from its type's text, its unit's and whether it is required
    indicators: str
    indicator_count: str
    indicator_number: str
    indicator_text: Annotated[str, Fmt("max_chars")]
    indicator_unit: Annotated[str, Fmt("unit")]
    indicator_required: str
    indicator_optional: str


class IntakeInstructions(_Labels):
    """[instructions]: the 填表说明 sheet."""

    heading: str
    applicant: tuple[str, ...]
    city: tuple[str, ...]


class IntakeNarrative(_Labels):
    """[narrative]: the Word template 申报书正文.docx."""

    title: str
    guidance: str
    headings: tuple[str, ...] = Field(min_length=1)


class IntakeTexts(_Labels):
    """intake.toml: what ``docgen intake`` asks the applicants for."""

    labels: IntakeLabelTexts
    declarations: IntakeDeclarations
    hints: IntakeHints
    instructions: IntakeInstructions
    narrative: IntakeNarrative


# --------------------------------------------------------------------------- readers

# The TOML files of an edition besides rules.toml, each with its model (None: checked by the
# module that owns it, see docgen.editioncheck).
TEXT_FILES: dict[str, type[BaseModel] | None] = {
    "form.toml": FormLabels,
    "bundle.toml": PacketTexts,
    "messages.toml": RuleTexts,
    "intake.toml": IntakeTexts,
    "summary.toml": None,
    "province.toml": None,
    "letter.toml": None,
}

_M = TypeVar("_M", bound=BaseModel)


def form_labels(edition: Edition) -> FormLabels:
    """form.toml of ``edition`` (checked when the edition was loaded)."""
    texts = _read(edition.template_path("form.toml"), FormLabels)
    assert isinstance(texts, FormLabels)  # lru_cache hides the type
    return texts


@cache
def _field_names(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` (pydantic's ``model_fields`` is a descriptor that costs a few
    microseconds a read; a form reads it for every label)."""
    return frozenset(model.model_fields)


def label_text(table: BaseModel, label: Label) -> str | None:
    """The text of ``label`` in ``table`` (a table of form.toml: a key of it, or ``{ text }``
    as written); None when the table has no such key."""
    if isinstance(label, LabelText):
        return label.text
    value = getattr(table, label, None) if label in _field_names(type(table)) else None
    if value is None:
        value = (table.model_extra or {}).get(label)
    return value if isinstance(value, str) else None


def packet_texts(edition: Edition) -> PacketTexts:
    """bundle.toml of ``edition`` (checked when the edition was loaded)."""
    texts = _read(edition.template_path("bundle.toml"), PacketTexts)
    assert isinstance(texts, PacketTexts)  # lru_cache hides the type
    return texts


def rule_texts(edition: Edition) -> RuleTexts:
    """messages.toml of ``edition`` (checked when the edition was loaded)."""
    texts = _read(edition.template_path("messages.toml"), RuleTexts)
    assert isinstance(texts, RuleTexts)  # lru_cache hides the type
    return texts


@lru_cache(maxsize=64)
def _read(path: Path, model: type[_M]) -> _M:
    from .tomlfile import read_toml

    raw: dict[str, Any] = read_toml(path)
    return model.model_validate(raw)
