"""Editions: the rules, labels and text templates of one notice, read from templates/<edition>/.

A new year's notice is a new folder with a ``rules.toml`` (it may ``extends`` an older edition and
override only what changed), not new Python. Extra edition folders can be given with the
``DOCGEN_EDITIONS`` environment variable (os.pathsep-separated) or the ``edition_dirs`` argument.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from .errors import EditionError, EditionNotFound
from .tomlfile import TomlFileError, read_toml

# The edition of a command that names none (the notice docgen was written for).
DEFAULT_EDITION = "gx-2021-3"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelText(_Strict):
    """A label printed as written (``{ text = "园区名称" }``), for a category of its own."""

    text: str = Field(min_length=1)


# A label of the declaration form: a key of the form.toml table it is used in (``"heading"``),
# or ``{ text = "…" }`` printed as written.
Label = Annotated[str, Field(min_length=1)] | LabelText

# The values a row of the basic-information table can show, by the city file's path (the
# application's fields; ``city.*`` the city's). The engine formats each (dates, money, counts).
BasicField = Literal[
    "applicant.name",
    "applicant.uscc",
    "applicant.established_on",
    "applicant.address",
    "applicant.postcode",
    "applicant.registered_capital",
    "applicant.legal_representative",
    "applicant.ownership",
    "applicant.industry",
    "applicant.listed",
    "applicant.contact.name",
    "applicant.contact.title",
    "applicant.contact.phone",
    "applicant.contact.mobile",
    "applicant.contact.email",
    "applicant.contact.fax",
    "applicant.contact.wechat",
    "category",
    "mode",
    "title",
    "platform.launched_on",
    "platform.registered_users",
    "platform.annual_orders",
    "platform.served_enterprises",
    "city.name",
    "city.bureau",
]


def _field_item(value: object) -> object:
    return {"field": value} if isinstance(value, str) else value


class BasicItem(_Strict):
    """One field of a row of the basic-information table: its label cell and its value cell.
    Written as the field alone (``"applicant.uscc"``: the label is form.toml's ``[basic]`` key
    of the field's last part, ``uscc``) or as ``{ field = "…", label = "key" }`` /
    ``{ field = "…", label = { text = "…" } }``."""

    field: BasicField
    label: Label | None = None

    @property
    def label_key(self) -> Label:
        return self.label if self.label is not None else self.field.rsplit(".", 1)[-1]


BasicRow = Annotated[
    tuple[Annotated[BasicItem, BeforeValidator(_field_item)], ...],
    Field(min_length=1, max_length=2),
]


IndicatorType = Literal["count", "number", "text"]


class IndicatorRow(_Strict):
    """A row of the subtype's indicator table: the application's ``indicators.<key>``.

    Its label and unit are printed as written; ``type`` is the value's: ``count`` a whole
    number, ``number`` a number with at most 2 decimals, ``text`` at most ``max_chars``."""

    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    label: str = Field(min_length=1, description="the row's label (指标)")
    unit: str = Field(default="", description="the unit column (个, %, 亿元); empty: none")
    type: IndicatorType = "count"
    required: bool = Field(
        default=True, description="a missing value is a warning; the cell is left blank"
    )
    max_chars: int = Field(default=60, gt=0, le=200, description="the longest text value")


class SubtypeForm(_Strict):
    """[categories.X.subtypes.Y.form]: the subtype's indicator table and narrative headings.

    What the notice asks of this subtype in its form: a table of indicators under the basic
    information (its rows: key, label, unit, type, required, max_chars), and the narrative's
    headings.

    A required indicator the application does not give, or a heading its ``sections`` lack, is
    a warning at ``validate``; the form prints the row with its value cell blank and the heading
    with blank space after it, for writing in by hand."""

    caption: Label = Field(
        default="caption", description="the table's caption, a key of form.toml [indicators]"
    )
    indicators: tuple[IndicatorRow, ...] = ()
    sections: tuple[Annotated[str, Field(min_length=1)], ...] = Field(
        default=(), description="the narrative's headings the notice asks for, in their order"
    )

    @model_validator(mode="after")
    def _unique(self) -> SubtypeForm:
        for what, items in (
            ("indicators 的 key", [row.key for row in self.indicators]),
            ("sections 的标题", list(self.sections)),
        ):
            twice = sorted({x for x in items if items.count(x) > 1})
            if twice:
                raise ValueError(f"{what}重复：{'、'.join(twice)}")
        return self

    def indicator(self, key: str) -> IndicatorRow | None:
        return next((row for row in self.indicators if row.key == key), None)


class SubtypeRules(_Strict):
    label: str
    quota: int | None = None
    extra_quota: int | None = None
    modes: tuple[str, ...] | None = None
    form: SubtypeForm | None = None


class CoverSpec(_Strict):
    """[categories.X.cover]: what the form's cover shows for the category.

    Labels are keys of form.toml ``[cover]``, or ``{ text = "…" }`` printed as written."""

    mode: bool = Field(default=True, description="the 服务型制造模式 line")
    title_label: Label = "title_label"
    applicant_label: Label = "applicant_label"
    bureau_label: Label = Field(
        default="recommender_label", description="the city bureau's line (推荐单位, 填报单位)"
    )


class FormSpec(_Strict):
    """[categories.X.form]: the category's declaration form, basic table and commitment.

    Labels are keys of form.toml ``[basic]`` (``unit_line``: ``[commitment]``), or
    ``{ text = "…" }`` printed as written."""

    heading: Label = Field(default="heading", description="the basic-information heading")
    basic: tuple[BasicRow, ...] = Field(
        min_length=1, description="rows of the basic-information table, one or two fields each"
    )
    unit_line: Label = Field(default="unit_line", description="the commitment's sealed line")
    legal_signature: bool = Field(
        default=True, description="the legal representative's signing line in the commitment"
    )


class SummarySpec(_Strict):
    """[categories.X.summary]: the category's row of the summary table."""

    blank: tuple[str, ...] = Field(
        default=(), description="column keys printed as none_mark for this category"
    )


class CategoryRules(_Strict):
    label: str
    short: str
    quota: int | None = None
    modes: tuple[str, ...] = ()
    requires_uscc: bool = True
    requires_title: bool = False
    financials: bool = True
    # The application has a ``platform`` block (required), and only this category may.
    platform_info: bool = False
    # The service-revenue share of the latest year is checked against the threshold.
    service_share_check: bool = False
    # Whose official seal the form carries (the applicant's, or the city's people's
    # government's), and its diameter in millimetres.
    seal: Literal["applicant", "government"] = "applicant"
    seal_mm: float = Field(default=42.0, ge=30, le=60)
    cover: CoverSpec = Field(default_factory=CoverSpec)
    form: FormSpec
    summary: SummarySpec = Field(default_factory=SummarySpec)
    subtypes: dict[str, SubtypeRules] = Field(default_factory=dict)

    def allowed_modes(self, subtype: str | None) -> tuple[str, ...]:
        sub = self.subtypes.get(subtype or "")
        if sub is not None and sub.modes is not None:
            return sub.modes
        return self.modes


class EditionInfo(_Strict):
    id: str
    name: str
    notice: str
    issuer: str
    form_title: str
    summary_title: str
    deadline: date
    financial_years: int = 3
    extends: str | None = None


class Thresholds(_Strict):
    service_share_min_percent: Decimal
    platform_min_years: int
    accident_cutoff: date


class Rules(_Strict):
    edition: EditionInfo
    thresholds: Thresholds
    modes: tuple[str, ...]
    categories: dict[str, CategoryRules]
    # The longest text (in characters) each field may hold, by field pattern: the field's path
    # with every list index written ``[]`` ("applications[].applicant.name"). A field not
    # listed has no limit of its own (it is checked by its format, or not printed).
    limits: dict[str, Annotated[int, Field(gt=0)]] = Field(default_factory=dict)

    def limit(self, path: str) -> int | None:
        """The maximum length of the field at ``path`` (``applications[2].applicant.name``); an
        indicator's (``applications[2].indicators.key``) is its row's ``max_chars``."""
        pattern = field_pattern(path)
        head, _, key = pattern.rpartition(".")
        if head == "applications[].indicators":
            row = self.indicator_rows().get(key)
            return row.max_chars if row is not None and row.type == "text" else None
        return self.limits.get(pattern)

    def indicator_rows(self) -> dict[str, IndicatorRow]:
        """Every indicator row of the edition by key (a key means one thing in an edition: the
        edition check refuses one declared twice with another type or maximum)."""
        out: dict[str, IndicatorRow] = {}
        for cat in self.categories.values():
            for sub in cat.subtypes.values():
                for row in sub.form.indicators if sub.form else ():
                    out.setdefault(row.key, row)
        return out


_INDEX = re.compile(r"\[\d+\]")


def field_pattern(path: str) -> str:
    """``applications[2].sections[0].text`` -> ``applications[].sections[].text``."""
    return _INDEX.sub("[]", path)


@dataclass(frozen=True)
class Edition:
    """A loaded edition: its rules and the folders its templates are looked up in (own first)."""

    rules: Rules
    folders: tuple[Path, ...]

    @property
    def id(self) -> str:
        return self.rules.edition.id

    def template_path(self, name: str) -> Path:
        found = _template_file(self.folders, name)
        if found is None:
            raise EditionError(f"版本“{self.id}”缺少模板文件 {name}")
        return found

    def fingerprint(self) -> str:
        """SHA-256 over every file of the edition's folders (for incremental builds)."""
        h = hashlib.sha256()
        for folder in self.folders:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                h.update(str(path.relative_to(folder)).encode())
                h.update(path.read_bytes())
        return h.hexdigest()


def search_path(edition_dirs: Sequence[Path] = ()) -> list[Path]:
    dirs = [Path(d) for d in edition_dirs]
    env = os.environ.get("DOCGEN_EDITIONS")
    if env:
        dirs.extend(Path(p) for p in env.split(os.pathsep) if p)
    dirs.append(Path(str(resources.files("docgen.templates"))))
    return dirs


def available(edition_dirs: Sequence[Path] = ()) -> list[str]:
    names: set[str] = set()
    for d in search_path(edition_dirs):
        if d.is_dir():
            names.update(p.parent.name for p in d.glob("*/rules.toml"))
    return sorted(names)


def load_edition(edition_id: str, edition_dirs: Sequence[Path] = ()) -> Edition:
    """The edition ``edition_id``, checked whole (every file and template of its folders and of
    those it extends). Raises :class:`EditionNotFound` if no folder holds it and
    :class:`EditionError` carrying every problem found if it is broken."""
    return _load(edition_id, tuple(search_path(edition_dirs)))


def check_folder(folder: Path) -> list[str]:
    """Every problem of the edition in ``folder`` (``docgen edition check``): it is loaded as
    edition ``folder.name`` with ``folder``'s parent first in the search path, so that what it
    extends is found beside it or among the installed editions."""
    try:
        _load.cache_clear()
        load_edition(folder.name, [folder.parent])
    except EditionError as exc:
        return list(exc.problems)
    return []


@lru_cache(maxsize=256)
def _template_file(folders: tuple[Path, ...], name: str) -> Path | None:
    """The first of ``folders`` that has the file ``name``, looked up once per process, like
    the edition itself (``_load``) and its parsed templates: every form asks for the same few
    files (a stat of each folder every time cost 1 % of composing the sample forms)."""
    for folder in folders:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


_EDITION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@lru_cache(maxsize=32)
def _load(edition_id: str, dirs: tuple[Path, ...], _seen: tuple[str, ...] = ()) -> Edition:
    from .editioncheck import check_files, display, rules_problems

    if edition_id in _seen:
        raise EditionError(
            f"版本“{edition_id}”的 extends 形成了循环：{' → '.join(_seen)} → {edition_id}"
        )
    if not _EDITION_ID.fullmatch(edition_id):
        raise EditionNotFound(f"找不到版本“{edition_id}”的规则文件")
    folder = next((d / edition_id for d in dirs if (d / edition_id / "rules.toml").is_file()), None)
    if folder is None:
        raise EditionNotFound(f"找不到版本“{edition_id}”的规则文件（{edition_id}/rules.toml）")
    path = folder / "rules.toml"
    try:
        raw = read_toml(path, display(path))
    except TomlFileError as exc:
        # the rest can still be checked, without the rules the templates are rendered with
        raise EditionError(str(exc), *check_files((folder,), None)) from exc
    edition = raw.get("edition")
    parent_id = edition.get("extends") if isinstance(edition, dict) else None
    folders: tuple[Path, ...] = (folder,)
    if isinstance(parent_id, str) and parent_id:
        try:
            parent = _load(parent_id, dirs, (*_seen, edition_id))
        except EditionNotFound as exc:
            raise EditionError(f"{display(path)}：[edition] extends 指向的{exc}") from exc
        raw = _merge(parent.rules.model_dump(mode="python"), raw)
        folders = (folder, *parent.folders)
    problems: list[str] = []
    rules: Rules | None = None
    try:
        rules = Rules.model_validate(raw)
    except ValidationError as exc:
        problems += rules_problems(path, exc)
    if rules is not None and rules.edition.id != edition_id:
        problems.append(
            f"{display(path)}：[edition] id 为“{rules.edition.id}”，应与文件夹名“{edition_id}”相同"
        )
    problems += check_files(folders, rules)
    if problems or rules is None:
        raise EditionError(*problems)
    return Edition(rules=rules, folders=folders)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out
