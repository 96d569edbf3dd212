"""Editions: the rules, labels and text templates of one notice, read from templates/<edition>/.

A new year's notice is a new folder with a ``rules.toml`` (it may ``extends`` an older edition and
override only what changed), not new Python. Extra edition folders can be given with the
``DOCGEN_EDITIONS`` environment variable (os.pathsep-separated) or the ``edition_dirs`` argument.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import EditionError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubtypeRules(_Strict):
    label: str
    quota: int | None = None
    extra_quota: int | None = None
    modes: tuple[str, ...] | None = None


class CategoryRules(_Strict):
    label: str
    short: str
    quota: int | None = None
    modes: tuple[str, ...] = ()
    requires_uscc: bool = True
    requires_title: bool = False
    financials: bool = True
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
        """The maximum length of the field at ``path`` (``applications[2].applicant.name``)."""
        return self.limits.get(field_pattern(path))


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
        for folder in self.folders:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        raise EditionError(f"版本“{self.id}”缺少模板文件 {name}")

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
    return _load(edition_id, tuple(search_path(edition_dirs)))


_EDITION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@lru_cache(maxsize=32)
def _load(edition_id: str, dirs: tuple[Path, ...], _seen: tuple[str, ...] = ()) -> Edition:
    if edition_id in _seen:
        raise EditionError(f"版本“{edition_id}”的 extends 形成了循环")
    if not _EDITION_ID.fullmatch(edition_id):
        raise EditionError(f"找不到版本“{edition_id}”的规则文件")
    folder = next((d / edition_id for d in dirs if (d / edition_id / "rules.toml").is_file()), None)
    if folder is None:
        raise EditionError(f"找不到版本“{edition_id}”的规则文件")
    try:
        raw = tomllib.loads((folder / "rules.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise EditionError(f"版本“{edition_id}”的规则文件无法读取：{exc}") from exc
    parent_id = raw.get("edition", {}).get("extends")
    folders: tuple[Path, ...] = (folder,)
    if parent_id:
        parent = _load(parent_id, dirs, (*_seen, edition_id))
        raw = _merge(parent.rules.model_dump(mode="python"), raw)
        folders = (folder, *parent.folders)
    try:
        rules = Rules.model_validate(raw)
    except ValidationError as exc:
        raise EditionError(f"版本“{edition_id}”的规则文件格式错误：{exc}") from exc
    if rules.edition.id != edition_id:
        raise EditionError(f"版本文件夹“{edition_id}”中的 edition.id 为“{rules.edition.id}”")
    return Edition(rules=rules, folders=folders)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out
