"""Where a value came from (the source map) and findings named by file, sheet and cell.

``validate`` reports findings at JSON paths (``applications[2].applicant.uscc``); intake keeps,
for every path it wrote, the place the value was read from, and translates each finding to it:
``LZ-E1/申报信息表.xlsx › 基本信息!C7：统一社会信用代码…``. A path intake did not write itself
(``applications[1].platform``, a whole application) is named by its nearest written ancestor.
A message that tells where to fill something in by JSON path (``可在 letter.number 中填写序号``)
names the form's row instead (``可在“报送函发文字号：序号”中填写序号``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import Finding, Level

# The model's messages that do not name their field: the form's label is put before them.
_GENERIC = (
    "缺少必填字段",
    "不能为空",
    "应为",
    "格式不正确",
    "取值",
    "不能小于",
    "不能大于",
    "金额最多",
    "不能为负数",
    "数值过大",
    "含有无效",
    "不认识的字段",
    "“",
)
_TAIL = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")
_CELL = re.compile(r"([A-Z]+)(\d+)")
# A JSON path inside a message (letter.number, applications[0].mode), with the spaces around it
# and a JSON value it is said to have (letter.replace 为 true).
_PATH_IN_TEXT = re.compile(
    r" ?((?<![\w.\[\]])[a-z_]+(?:\.[a-z_]+|\[\d+\])+(?![\w.\[]))(?: 为 (true|false))? ?",
    re.ASCII,
)


@dataclass(frozen=True)
class Place:
    """A file (relative to the intake folder, '/'-separated), and in it a sheet and cell, or a
    place in a Word file (``第 2 节``)."""

    file: str
    sheet: str | None = None
    cell: str | None = None
    where: str | None = None

    def __str__(self) -> str:
        out = self.file
        if self.sheet and self.cell:
            out += f" › {self.sheet}!{self.cell}"
        elif self.sheet:
            out += f" › {self.sheet}"
        if self.where:
            out += f" › {self.where}"
        return out

    def order(self) -> tuple[object, ...]:
        row = col = 0
        m = _CELL.fullmatch(self.cell or "")
        if m:
            row = int(m.group(2))
            col = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(m.group(1))))
        return (self.file, self.sheet or "", row, col, self.where or "")

    def as_dict(self) -> dict[str, str]:
        out = {"file": self.file}
        if self.sheet:
            out["sheet"] = self.sheet
        if self.cell:
            out["cell"] = self.cell
        if self.where:
            out["where"] = self.where
        return out


@dataclass(frozen=True)
class IntakeFinding:
    """A finding for the person who filled the files: level, message, and the places (two or
    more when one problem spans files, such as one applicant in two workbooks)."""

    level: Level
    message: str
    places: tuple[Place, ...] = ()
    path: str | None = None

    @property
    def location(self) -> str:
        return " 与 ".join(str(p) for p in self.places) or "（输入文件夹）"

    def as_finding(self) -> Finding:
        """As docgen's ``Finding``, its path being the location (for ``format_findings``)."""
        return Finding(self.location, self.level, self.message)

    def order(self) -> tuple[object, ...]:
        first = self.places[0].order() if self.places else ("",)
        return (first, 0 if self.level == "error" else 1, self.message)


@dataclass
class SourceMap:
    """JSON path -> where the value came from, and the label the form gives it."""

    places: dict[str, Place] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def add(self, path: str, place: Place, label: str | None = None) -> None:
        self.places[path] = place
        if label:
            self.labels[path] = label

    def lookup(self, path: str) -> tuple[Place | None, str | None]:
        """The place of ``path`` or of its nearest ancestor, and the label of ``path`` itself."""
        probe = path
        while probe:
            if probe in self.places:
                return self.places[probe], self.labels.get(path)
            shorter = _TAIL.sub("", probe)
            if shorter == probe:
                break
            probe = shorter
        return None, None

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {path: place.as_dict() for path, place in self.places.items()}


def translate(
    findings: Iterable[Finding], source: SourceMap, fallback: Place | None
) -> list[IntakeFinding]:
    """``validate``'s findings, each named by the place its path came from."""
    out: list[IntakeFinding] = []
    for f in findings:
        place, label = source.lookup(f.path)
        message = _PATH_IN_TEXT.sub(lambda m: _row_name(m, source), f.message)
        if label and message.startswith(_GENERIC) and not message.startswith(f"“{label}”"):
            message = f"{label}：{message}"
        places = (place,) if place else ((fallback,) if fallback else ())
        out.append(IntakeFinding(f.level, message, places, f.path))
    return out


def _row_name(match: re.Match[str], source: SourceMap) -> str:
    """A JSON path as the row of the form it was read from, if intake labelled one (in
    quotation marks, without the spaces around the path); ``为 true`` as the choice 选“是”."""
    label = source.labels.get(match.group(1))
    if not label:
        return match.group(0)
    said = {"true": "选“是”", "false": "选“否”"}.get(match.group(2) or "", "")
    return f"“{label}”{said}"


def merge(findings: Iterable[IntakeFinding]) -> list[IntakeFinding]:
    """One finding per problem: the same message at several places (an applicant in two
    workbooks, reported by ``validate`` at each) becomes one finding naming every place."""
    merged: dict[tuple[str, str], IntakeFinding] = {}
    for f in findings:
        key = (f.level, f.message)
        if key in merged:
            old = merged[key]
            places = old.places + tuple(p for p in f.places if p not in old.places)
            merged[key] = IntakeFinding(f.level, f.message, places, old.path)
        else:
            merged[key] = f
    return sorted(merged.values(), key=IntakeFinding.order)
