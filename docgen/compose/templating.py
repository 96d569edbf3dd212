"""Edition texts: labels (TOML) and fixed texts (Jinja2, sandboxed, strict undefined variables).

Templates produce plain text, never markup: the renderers escape whatever they print, so a value
such as ``<b>&amp;`` inserted into a template prints literally in every format.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from ..cnformat import cn_number
from ..edition import Edition
from ..errors import EditionError
from ..tomlfile import TomlFileError, read_toml

_ENV = SandboxedEnvironment(
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


def environment() -> SandboxedEnvironment:
    """The environment every edition template is compiled in (the edition check uses it too)."""
    return _ENV


def labels(edition: Edition, name: str) -> dict[str, Any]:
    """A labels file of the edition (e.g. ``form.toml``), parsed."""
    return _labels(edition.template_path(name))


@lru_cache(maxsize=64)
def _labels(path: Path) -> dict[str, Any]:
    try:
        return read_toml(path)
    except TomlFileError as exc:
        raise EditionError(str(exc)) from exc


def render_text(edition: Edition, name: str, **context: Any) -> str:
    """Render a fixed-text template of the edition with ``context``; undefined names are errors."""
    template = _template(edition.template_path(name))
    try:
        return template.render(**context)
    except TemplateError as exc:
        raise EditionError(f"模板 {name} 出错：{exc}") from exc


@lru_cache(maxsize=64)
def _template(path: Path) -> Template:
    try:
        return _ENV.from_string(path.read_text(encoding="utf-8"))
    except (OSError, TemplateError) as exc:
        raise EditionError(f"模板文件 {path} 无法读取：{exc}") from exc


def cn_ordinal(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 23 -> 二十三 (heading numbers); see docgen.cnformat."""
    return cn_number(n)


def money(value: Decimal) -> str:
    """150000 -> 150,000.00 (万元, two decimals, thousands separators)."""
    return f"{value:,.2f}"


def integer(value: int) -> str:
    return f"{value:,}"
