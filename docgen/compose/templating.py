"""Edition texts: labels (TOML) and fixed texts (Jinja2, sandboxed, strict undefined variables).

Templates produce plain text, never markup: the renderers escape whatever they print, so a value
such as ``<b>&amp;`` inserted into a template prints literally in every format.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from ..edition import Edition
from ..errors import EditionError

_ENV = SandboxedEnvironment(
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


def labels(edition: Edition, name: str) -> dict[str, Any]:
    """A labels file of the edition (e.g. ``form.toml``), parsed."""
    return _labels(edition.template_path(name))


@lru_cache(maxsize=64)
def _labels(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise EditionError(f"模板文件 {path} 无法读取：{exc}") from exc


def render_text(edition: Edition, name: str, **context: Any) -> str:
    """Render a fixed-text template of the edition with ``context``; undefined names are errors."""
    template = _template(edition.template_path(name))
    try:
        return template.render(**context)
    except TemplateError as exc:
        raise EditionError(f"模板 {name} 出错：{exc}") from exc


@lru_cache(maxsize=64)
def _template(path: Path) -> Any:
    try:
        return _ENV.from_string(path.read_text(encoding="utf-8"))
    except (OSError, TemplateError) as exc:
        raise EditionError(f"模板文件 {path} 无法读取：{exc}") from exc


_CN = "〇一二三四五六七八九"


def cn_ordinal(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 23 -> 二十三 (heading numbers)."""
    if n < 10:
        return _CN[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")
    return str(n)


def money(value: Decimal) -> str:
    """150000 -> 150,000.00 (万元, two decimals, thousands separators)."""
    return f"{value:,.2f}"


def integer(value: int) -> str:
    return f"{value:,}"
