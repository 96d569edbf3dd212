"""An edition checked whole: every file of its folders (its own and those it ``extends``) read
with its typed model, every Jinja2 template compiled and rendered with the context the engine
gives it; every problem reported at once, each naming its file and key.

:func:`docgen.edition.load_edition` runs this before it returns an edition, so ``validate``,
``build`` and ``batch`` refuse a broken edition with these findings, never an internal error;
``docgen edition check DIR`` prints them for the person writing a new edition.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, meta
from pydantic import BaseModel, ValidationError

from .cnformat import cn_date
from .edition import Edition, Rules
from .editionfiles import TEXT_FILES
from .errors import EditionError
from .tomlfile import TomlFileError, read_toml

Context = dict[str, Any]

# The context each template of the engine is rendered with, built from the edition's typed
# models: one context per case the engine renders (e.g. per category). A template not listed
# here is compiled, but its variables cannot be checked: list it here with its context when
# the engine starts rendering it.
TEMPLATE_CONTEXTS: dict[str, Callable[[Edition], list[Context]]] = {}

# Files every edition has (its own or through ``extends``).
REQUIRED_FILES: tuple[str, ...] = (
    "rules.toml",
    *TEXT_FILES,
    "instructions.txt.j2",
    "commitment.txt.j2",
    "letter-title.txt.j2",
    "letter-body.txt.j2",
    "letter-attachments.txt.j2",
    "letter-note.txt.j2",
)


def template_context(name: str) -> Callable[[Callable[[Edition], list[Context]]], Any]:
    """Register the contexts ``name`` is rendered with (a decorator)."""

    def register(func: Callable[[Edition], list[Context]]) -> Any:
        TEMPLATE_CONTEXTS[name] = func
        return func

    return register


@template_context("instructions.txt.j2")
def _instructions(edition: Edition) -> list[Context]:
    rules = edition.rules
    return [
        {
            "notice": rules.edition,
            "cutoff": cn_date(rules.thresholds.accident_cutoff),
            "share_min": rules.thresholds.service_share_min_percent,
            "platform_years": rules.thresholds.platform_min_years,
        }
    ]


@template_context("commitment.txt.j2")
def _commitment(edition: Edition) -> list[Context]:
    out: list[Context] = []
    for key, cat in edition.rules.categories.items():
        labels = [f"{cat.label}（{sub.label}）" for sub in cat.subtypes.values()] or [cat.label]
        for label in labels:
            out.append(
                {
                    "applicant": "（申报单位）",
                    "category": key,
                    "category_label": label,
                    "cutoff": cn_date(edition.rules.thresholds.accident_cutoff),
                }
            )
    return out


# The submission letter (docgen.compose.letter.compose_letter renders these).
_LETTER_CITY = "（城市）"


@template_context("letter-title.txt.j2")
def _letter_title(edition: Edition) -> list[Context]:
    return [{"city": _LETTER_CITY, "wbr": "\x1f"}]


@template_context("letter-body.txt.j2")
def _letter_body(edition: Edition) -> list[Context]:
    groups = [
        {"label": cat.label, "count": 1, "names": ["（申报单位）"]}
        for cat in edition.rules.categories.values()
    ]
    base: Context = {
        "notice": edition.rules.edition.notice,
        "notice_number": "（文号）",
        "city": _LETTER_CITY,
        "bureau": "（推荐单位）",
        "groups": groups,
        "total": len(groups),
        "extra": "",
        "replace": False,
    }
    # with applications and an added paragraph; with none; the paragraph replacing the first
    return [
        {**base, "extra": "（补充段落）"},
        {**base, "groups": [], "total": 0},
        {**base, "extra": "（替换段落）", "replace": True},
    ]


@template_context("letter-attachments.txt.j2")
def _letter_attachments(edition: Edition) -> list[Context]:
    info = edition.rules.edition
    documents = [
        {"applicant": "（申报单位）", "category": cat.label, "id": "X-1", "attachments": 1}
        for cat in edition.rules.categories.values()
    ]
    base: Context = {
        "city": _LETTER_CITY,
        "summary_title": info.summary_title,
        "form_title": info.form_title,
        "documents": documents,
    }
    return [base, {**base, "documents": []}]


@template_context("letter-note.txt.j2")
def _letter_note(edition: Edition) -> list[Context]:
    return [
        {"person": "（联系人）", "phone": "0772-0000000"},
        {"person": "（联系人）", "phone": ""},
    ]


# --------------------------------------------------------------------------- the check


def display(path: Path) -> str:
    """How a message names a file: relative to the current folder when inside it."""
    try:
        return Path(os.path.relpath(path)).as_posix() if _inside_cwd(path) else str(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def _inside_cwd(path: Path) -> bool:
    try:
        path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return False
    return True


def check_files(folders: Sequence[Path], rules: Rules | None) -> list[str]:
    """Every problem of the edition whose folders are ``folders`` (own first), except those of
    rules.toml (see :func:`rules_problems`). ``rules`` is None when rules.toml is broken: the
    templates are then compiled, not rendered."""
    problems: list[str] = []
    names = sorted({p.name for f in folders if f.is_dir() for p in f.iterdir() if p.is_file()})
    for name in REQUIRED_FILES:
        if name not in names:
            where = display(folders[0] / name)
            problems.append(f"{where}：缺失（本版本及其 extends 的版本中都没有这个文件）")
    edition = Edition(rules=rules, folders=tuple(folders)) if rules is not None else None
    if edition is not None and "form.toml" in names:
        problems += category_problems(edition)
    for name in names:
        path = next(f / name for f in folders if (f / name).is_file())
        if name.endswith(".toml") and name != "rules.toml":
            problems += _toml_problems(path, name)
        elif name.endswith(".j2"):
            problems += _template_problems(path, name, edition)
    return problems


def category_problems(edition: Edition) -> list[str]:
    """The categories' declarations (rules.toml ``[categories.X]``) against the edition's other
    files: every label they name is a key of form.toml's table, every summary column they blank
    a column of the summary table. form.toml's own problems are reported by its check."""
    from .compose.summary import COLUMN_KEYS
    from .editionfiles import FormLabels, label_text

    form_path = edition.template_path("form.toml")
    try:
        form = FormLabels.model_validate(read_toml(form_path))
    except (TomlFileError, ValidationError):
        return []  # reported as form.toml's own problem
    rules_path = next(
        (f / "rules.toml" for f in edition.folders if (f / "rules.toml").is_file()),
        edition.folders[0] / "rules.toml",
    )
    where, form_where = display(rules_path), display(form_path)
    out: list[str] = []

    def check(table: BaseModel, section: str, key: str, label: Any) -> None:
        if label_text(table, label) is None:
            out.append(
                f"{where}：{key} 的标签“{label}”在 {form_where} 的 [{section}] 中没有；"
                f'请在 [{section}] 中加上它，或写成 {{ text = "…" }}'
            )

    for cat_key, cat in edition.rules.categories.items():
        at = f"[categories.{cat_key}"
        for name in ("title_label", "applicant_label", "bureau_label"):
            check(form.cover, "cover", f"{at}.cover] {name}", getattr(cat.cover, name))
        check(form.basic, "basic", f"{at}.form] heading", cat.form.heading)
        for r, row in enumerate(cat.form.basic):
            for item in row:
                check(
                    form.basic,
                    "basic",
                    f"{at}.form] basic 第{r + 1}行 {item.field}",
                    item.label_key,
                )
        check(form.commitment, "commitment", f"{at}.form] unit_line", cat.form.unit_line)
        for sub_key, sub in cat.subtypes.items():
            if sub.form is not None:
                check(
                    form.indicators,
                    "indicators",
                    f"{at}.subtypes.{sub_key}.form] caption",
                    sub.form.caption,
                )
        for column in cat.summary.blank:
            if column not in COLUMN_KEYS:
                out.append(
                    f"{where}：{at}.summary] blank 中的“{column}”不是汇总表的列"
                    f"（可用：{'、'.join(COLUMN_KEYS)}）"
                )
    out += _indicator_problems(edition, where)
    return out


def _indicator_problems(edition: Edition, where: str) -> list[str]:
    """An indicator key means one thing in an edition (the city file's schema lists each key
    once): declared by two subtypes, it has the same type and maximum in both."""
    out: list[str] = []
    first: dict[str, tuple[str, Any]] = {}
    for cat_key, cat in edition.rules.categories.items():
        for sub_key, sub in cat.subtypes.items():
            for row in sub.form.indicators if sub.form else ():
                at = f"[categories.{cat_key}.subtypes.{sub_key}.form]"
                seen = first.setdefault(row.key, (at, row))
                if (seen[1].type, seen[1].max_chars) != (row.type, row.max_chars):
                    out.append(
                        f"{where}：{at} indicators 的“{row.key}”与 {seen[0]} 中的同名指标"
                        f"类型或 max_chars 不同；同一 key 在一个版本中只能有一种含义"
                    )
    return out


def rules_problems(path: Path, error: ValidationError) -> list[str]:
    """rules.toml's model errors, one message each."""
    return [f"{display(path)}：{model_error(e)}" for e in error.errors()]


def _toml_problems(path: Path, name: str) -> list[str]:
    where = display(path)
    try:
        raw = read_toml(path, where)
    except TomlFileError as exc:
        return [str(exc)]
    model = TEXT_FILES.get(name)
    if model is None and name in TEXT_FILES:
        return _owned_problems(path, name, raw)
    if model is None:
        return []  # a file the engine does not read by a model (e.g. a newer part's): parsed
    return _model_problems(where, model, raw)


def _model_problems(where: str, model: type[BaseModel], raw: dict[str, Any]) -> list[str]:
    try:
        model.model_validate(raw)
    except ValidationError as exc:
        return [f"{where}：{model_error(e)}" for e in exc.errors()]
    return []


def _owned_problems(path: Path, name: str, raw: dict[str, Any]) -> list[str]:
    """summary.toml, province.toml and letter.toml: their models live with the documents they
    describe."""
    from .compose import letter, province, summary

    where = display(path)
    loader: Callable[[Path], Any]
    if name == "summary.toml":
        problems = _model_problems(where, summary._SummarySpec, raw)
        loader = summary._load_spec
    elif name == "letter.toml":
        problems = _model_problems(where, letter._LetterSpec, raw)
        loader = letter._load_spec
    else:
        problems = _model_problems(where, province._ProvinceSpec, raw)
        loader = province._load_spec
    if problems:
        return problems
    try:
        loader(path)  # the checks beyond the model: known column keys, placeholders
    except EditionError as exc:
        return [f"{where}：{p}" for p in exc.problems]
    return []


def _template_problems(path: Path, name: str, edition: Edition | None) -> list[str]:
    from .compose.templating import environment

    where = display(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [f"{where}：无法读取（{exc}）"]
    env = environment()
    try:
        ast = env.parse(source)
        template = env.from_string(source)
    except TemplateSyntaxError as exc:
        return [f"{where}：第{exc.lineno}行 Jinja 语法错误（{exc.message}）"]
    contexts = TEMPLATE_CONTEXTS.get(name)
    if contexts is None or edition is None:
        return []
    cases = contexts(edition)
    declared = set().union(*(c.keys() for c in cases)) if cases else set()
    unknown = sorted(meta.find_undeclared_variables(ast) - declared)
    if unknown:
        can = "、".join(sorted(declared)) or "无"
        return [f"{where}：使用了未定义的变量 {'、'.join(unknown)}（可用的变量：{can}）"]
    for context in cases:
        try:
            template.render(**context)
        except TemplateError as exc:
            return [f"{where}：渲染出错（{exc}）"]
    return []


# --------------------------------------------------------------------------- model errors

_TYPES = {
    "string_type": "应为文本（加英文双引号）",
    "bool_type": "应为 true 或 false",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "date_type": "应为日期（YYYY-MM-DD，不加引号）",
    "date_parsing": "应为日期（YYYY-MM-DD，不加引号）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD，不加引号）",
    "dict_type": "应为表",
    "model_type": "应为表",
    "model_attributes_type": "应为表",
    "list_type": "应为列表 […]",
    "tuple_type": "应为列表 […]",
}


def model_error(err: Any) -> str:
    """One pydantic error as ``[section] key 缺失``, ``[section] key 应为整数``, …"""
    where = key_text(tuple(err["loc"]))
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        what = "缺失"
    elif kind == "extra_forbidden":
        what = "不认识（可能是拼写错误）；请删除或改正"
    elif kind == "value_error":
        what = str(ctx.get("error", err["msg"]))
    elif kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        what = f"取值应为以下之一：{expected}；实际为“{err.get('input')}”"
    elif kind in _TYPES:
        what = _TYPES[kind]
    elif kind in ("greater_than", "greater_than_equal"):
        what = f"应{'大于' if kind == 'greater_than' else '不小于'}{ctx.get('gt', ctx.get('ge'))}"
    elif kind in ("less_than", "less_than_equal"):
        what = f"应{'小于' if kind == 'less_than' else '不大于'}{ctx.get('lt', ctx.get('le'))}"
    elif kind in ("string_too_short", "too_short"):
        what = f"至少应有 {ctx.get('min_length')} 个字符或项"
    elif kind in ("string_too_long", "too_long"):
        what = f"最多 {ctx.get('max_length')} 个字符或项"
    elif kind == "string_pattern_mismatch":
        what = f"格式不正确（应符合 {ctx.get('pattern')}），实际为“{err.get('input')}”"
    else:
        what = f"取值不正确（{err['msg']}）"
    return f"{where} {what}" if where else what


def key_text(loc: tuple[int | str, ...]) -> str:
    """("recommendation", "box_title") -> "[recommendation] box_title";
    ("columns", 2, "label") -> "[[columns]] 第3项 label"; ("title",) -> "title"."""
    parts = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
    if not parts:
        return ""
    first_index = next((i for i, p in enumerate(parts) if isinstance(p, int)), None)
    names = [str(p) for p in parts]
    if first_index is None:
        return f"[{'.'.join(names[:-1])}] {names[-1]}" if len(names) > 1 else names[0]
    n = f"第{int(parts[first_index]) + 1}项"
    if first_index == len(parts) - 1:  # an item of a list value
        head, key = names[: first_index - 1], names[first_index - 1] if first_index else ""
        return f"[{'.'.join(head)}] {key} {n}" if head else f"{key} {n}".strip()
    table, rest = ".".join(names[:first_index]), ".".join(names[first_index + 1 :])
    return f"[[{table}]] {n} {rest}"
