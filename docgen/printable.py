"""Can every text of a city be printed? The one check ``validate`` and ``build`` share.

Three things make a text unprintable, and each is an error at the field that holds it, reported
once per field and character:

- an invisible or format character (see :mod:`docgen.textsafe`): a zero-width space, a bidi
  control, a control code ... — refused, never removed silently;
- a text longer than the edition's maximum for its field (``[limits]`` in ``rules.toml``):
  the maximums are lengths every form, table, Word file and bundle page lays out;
- a character no face of the font chain has (an emoji, a rare character without a font).

:func:`check_printable` looks at the city's own fields (always) and at the composed documents
(the forms and the summary table with their fixed text). A character of a document that has
no field of its own (a form text that quotes the applicant's name, such as the commitment) is
reported at the field it came from, never a second time as the form's fixed text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, get_args

from pydantic import BaseModel

from .document import Document, Role, iter_runs
from .errors import Finding
from .textsafe import LINE_CONTROLS, code_point, describe, invisible_chars, is_invisible

if TYPE_CHECKING:
    from .edition import Edition
    from .model import City
    from .render.fonts import FontSet

# Fields whose text has lines: the newline, carriage return and tab are allowed there.
_MULTILINE = ("text",)
# How many places of one character a message lists before it says "…共N处".
_PLACES_SHOWN = 5

FIXED_TEXT_PATH = "（表格固定文字）"  # as docgen.render.fonts names a run without a source
ROLES: tuple[Role, ...] = get_args(Role)


@dataclass(frozen=True)
class TextField:
    """One text of the city file: its path (``applications[0].applicant.name``) and value."""

    path: str
    text: str

    @property
    def multiline(self) -> bool:
        return self.path.rsplit(".", 1)[-1] in _MULTILINE and ".sections[" in self.path


def text_fields(city: City) -> list[TextField]:
    """Every text of ``city``, in file order, with its path."""
    return list(_walk(city, ""))


def _walk(value: object, path: str) -> Iterator[TextField]:
    if isinstance(value, str):
        yield TextField(path, value)
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            key = info.alias or name
            yield from _walk(getattr(value, name), f"{path}.{key}" if path else key)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")
    elif isinstance(value, dict):  # an application's indicators: key -> text or number
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")


def check_printable(
    city: City,
    edition: Edition,
    fonts: FontSet,
    documents: Sequence[Document] | None = None,
) -> list[Finding]:
    """Every error that keeps a text of ``city`` from being printed (see the module's text).

    ``documents`` are the composed documents (forms, summary table, the bundle's own text); when
    ``None`` they are composed here, unless the fields already have errors (composing a city
    that fails the checks is not safe, and the field errors come first).
    """
    fields = text_fields(city)
    coverage = _Coverage(fonts)
    found: dict[tuple[str, str], Finding] = {}  # (path, character or "") -> the finding
    for field in fields:
        _check_field(field, edition, coverage, found)
    if documents is None and not found:
        documents = compose_documents(city, edition)
    for doc in documents or ():
        _check_document(doc, fields, coverage, found)
    return list(found.values())


def compose_documents(city: City, edition: Edition) -> list[Document]:
    """The summary table, every declaration form and the submission letter of ``city``, as
    ``build`` composes them."""
    from .compose.declaration import compose_declaration
    from .compose.letter import compose_letter, letter_document
    from .compose.summary import compose_summary, summary_document

    table = compose_summary(city, edition)
    docs = [summary_document(table)]
    docs += [compose_declaration(city, i, edition) for i in range(len(city.applications))]
    docs.append(letter_document(compose_letter(city, edition, table)))
    return docs


# --------------------------------------------------------------------------- the fields


def _check_field(
    field: TextField, edition: Edition, coverage: _Coverage, found: dict[tuple[str, str], Finding]
) -> None:
    path, text = field.path, field.text
    limit = edition.rules.limit(path)
    if limit is not None and len(text) > limit:
        found[(path, "")] = Finding(
            path,
            "error",
            f"内容过长：共{len(text)}个字符，超过本项上限{limit}个字符，无法排版；"
            f"请缩短到{limit}个字符以内",
        )
    hidden = invisible_chars(text, multiline=field.multiline)
    for ch, places in hidden.items():
        found[(path, ch)] = Finding(path, "error", _invisible_message(ch, places))
    for ch in coverage.missing(text):
        places = [i + 1 for i, c in enumerate(text) if c == ch]
        found[(path, ch)] = Finding(path, "error", _no_font_message(ch, places))


def _invisible_message(ch: str, places: Sequence[int] = ()) -> str:
    where = f"，在{_places(places)}" if places else ""
    if ch in LINE_CONTROLS:
        return f"含有{describe(ch)} {code_point(ch)}{where}；此项只能写一行，请删除"
    kind = "控制字符" if ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F else "不可见字符"
    return (
        f"含有{kind} {code_point(ch)}（{describe(ch)}）{where}；"
        "它看不见，却会进入表格和文件名，请删除该字符"
    )


def _no_font_message(ch: str, places: Sequence[int] = ()) -> str:
    where = f"，{_places(places)}" if places else ""
    return (
        f"字符“{ch}”（{code_point(ch)}{where}）没有任何可用字体能够显示；"
        "请删除或替换该字符，或用 --font-dir 指定包含该字符的字体"
    )


def _places(places: Sequence[int]) -> str:
    """``第5个字符`` / ``第5、9个字符`` / ``第1、2、3、4、5个字符等共12处``."""
    shown = "、".join(str(p) for p in places[:_PLACES_SHOWN])
    more = f"等共{len(places)}处" if len(places) > _PLACES_SHOWN else ""
    return f"第{shown}个字符{more}"


# --------------------------------------------------------------------------- fonts


class _Coverage:
    """Which characters the font chains draw, asked of the faces (``Face.covers``) as
    ``FontSet.font_for`` asks them, but without registering any face with reportlab: the check
    draws nothing, and registering a CJK face costs a tenth of a second."""

    def __init__(self, fonts: FontSet):
        self._fonts = fonts
        self._any: set[str] = set(LINE_CONTROLS)
        self._role: dict[str, set[str]] = {}

    def missing(self, text: str) -> list[str]:
        """The visible characters of ``text`` that no role's chain has (every chain holds the
        same faces, each in its own order), in order of first appearance."""
        chars = set(text)
        if self._any.issuperset(chars):
            return []
        out = []
        for ch in chars - self._any:
            if is_invisible(ch):
                continue  # reported as invisible
            cp = ord(ch)
            if any(face.covers(cp) for role in ROLES for face in self._fonts.faces(role)):
                self._any.add(ch)
            else:
                out.append(ch)
        return sorted(out, key=text.index)

    def covers(self, ch: str, role: Role) -> bool:
        """Whether the chain of ``role`` has ``ch``."""
        known = self._role.setdefault(role, set())
        if ch in known:
            return True
        cp = ord(ch)
        if any(face.covers(cp) for face in self._fonts.faces(role)):
            known.add(ch)
            return True
        return False


# --------------------------------------------------------------------------- the documents


def _check_document(
    doc: Document,
    fields: Sequence[TextField],
    coverage: _Coverage,
    found: dict[tuple[str, str], Finding],
) -> None:
    """The runs of ``doc``: a character no face of the run's own chain has, or an invisible
    one, at the run's field, else at every field holding it, else at the fixed text."""
    ok: dict[Role, set[str]] = {}
    for run, role in iter_runs(doc):
        good = ok.setdefault(role, set(LINE_CONTROLS))
        if good.issuperset(run.text):
            continue
        for ch in sorted(set(run.text) - good, key=run.text.index):
            hidden = is_invisible(ch)
            if not hidden and coverage.covers(ch, role):
                good.add(ch)
                continue
            for path in _owners(run.source, ch, fields):
                if (path, ch) in found:
                    continue
                if path != FIXED_TEXT_PATH:
                    message = _invisible_message(ch) if hidden else _no_font_message(ch)
                elif hidden:
                    message = (
                        f"表格固定文字“{run.text[:30]}”含有不可见字符 {code_point(ch)}"
                        f"（{describe(ch)}）；请修改版本模板"
                    )
                else:
                    message = _no_font_message(ch)
                found[(path, ch)] = Finding(path, "error", message)


def _owners(source: str | None, ch: str, fields: Sequence[TextField]) -> list[str]:
    """Where to report ``ch`` of a run: its own field, else every field of the city holding
    ``ch`` (a form text that quotes a field, such as the commitment), else the fixed text."""
    if source is not None:
        return [source]
    owners = [f.path for f in fields if ch in f.text]
    return owners or [FIXED_TEXT_PATH]
