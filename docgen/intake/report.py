"""Human-readable Chinese text for the findings of ``docgen intake collect``; the CLI prints it.

docgen's own ``report.format_findings`` groups by application, reading JSON paths; intake's
findings are named by file, sheet and cell, so they are grouped by the file they are in: the
intake folder itself first, then the city workbook, then each application's files in print order
(headed by the application's number, id and name), then any other file. Under its
file, each finding names only the sheet and cell (or the place in a Word file); a finding that
spans files is listed under its first file and names the others in full.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .findings import IntakeFinding, Place, SourceMap

_LEVEL = {"error": "错误", "warning": "警告"}
_APP = re.compile(r"^applications\[(\d+)\]")
FOLDER = "."


def file_titles(city: Mapping[str, Any] | None, source: SourceMap | None) -> dict[str, str]:
    """What each collected file is, by its path in the intake folder: the city workbook and the
    files of each application, its workbook first (申报 1【LZ-E1】柳州龙城重型机械股份有限公司),
    in print order."""
    if source is None:
        return {}
    titles: dict[str, str] = {}
    city_place = source.places.get("city")
    if city_place is not None:
        titles[city_place.file] = "城市信息表"
    apps = (city or {}).get("applications") or []
    for path, place in source.places.items():
        m = _APP.match(path)
        if m is None:
            continue
        i = int(m.group(1))
        app = apps[i] if i < len(apps) and isinstance(apps[i], dict) else {}
        name = (app.get("applicant") or {}).get("name") if isinstance(app, dict) else None
        title = f"申报 {i + 1}【{app.get('id', '')}】" + (str(name) if name else "")
        titles.setdefault(place.file, title)
    return titles


def format_intake_findings(
    findings: Sequence[IntakeFinding], source: str, titles: Mapping[str, str] | None = None
) -> str:
    """The findings under one heading per file, then a summary line (``source``: the intake
    folder as the user named it)."""
    titles = titles or {}
    order = {name: i for i, name in enumerate(titles)}
    groups: dict[str, list[IntakeFinding]] = {}
    for f in findings:
        groups.setdefault(f.places[0].file if f.places else FOLDER, []).append(f)

    def rank(name: str) -> tuple[int, int, str]:
        if name == FOLDER:
            return (0, 0, name)
        if name in order:
            return (1, order[name], name)
        return (2, 0, name)

    lines: list[str] = []
    for name in sorted(groups, key=rank):
        if name == FOLDER:
            lines.append(f"{source}（文件夹）")
        elif name in titles:
            lines.append(f"{name}（{titles[name]}）")
        else:
            lines.append(name)
        for f in groups[name]:
            where = _where(f.places, name)
            lines.append(
                f"  {_LEVEL[f.level]}  {where}：{f.message}"
                if where
                else f"  {_LEVEL[f.level]}  {f.message}"
            )
    lines.append(summary_line(findings, source))
    return "\n".join(lines)


def _where(places: Sequence[Place], file: str) -> str:
    """The places of a finding, those in ``file`` without the file's name."""
    shown: list[str] = []
    for place in places:
        if place.file != file:
            shown.append(str(place))
            continue
        inner = str(place)[len(place.file) :].removeprefix(" › ")
        if inner:
            shown.append(inner)
        elif len(places) > 1:
            shown.append("本文件")
    return " 与 ".join(shown)


def summary_line(findings: Sequence[IntakeFinding], source: str) -> str:
    errors = sum(1 for f in findings if f.level == "error")
    warnings = sum(1 for f in findings if f.level == "warning")
    if errors:
        return (
            f"{source}：{errors} 个错误，{warnings} 个警告。请改正错误后再收集，"
            "未写出城市申报文件。"
        )
    if warnings:
        return f"{source}：检查通过，有 {warnings} 个警告（不影响生成，请确认）。"
    return f"{source}：检查通过，没有错误或警告。"
