"""Human-readable Chinese text for findings (grouped by application); the CLI prints it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .errors import Finding
from .model import City

_LEVEL = {"error": "错误", "warning": "警告"}
_APP = re.compile(r"^applications\[(\d+)\]")


def group_findings(findings: Sequence[Finding], city: City | None) -> list[tuple[str, list[Finding]]]:
    """Findings grouped under a heading per application (file-level ones first)."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        m = _APP.match(f.path)
        if m and city is not None and int(m.group(1)) < len(city.applications):
            app = city.applications[int(m.group(1))]
            key = f"申报 {int(m.group(1)) + 1}【{app.id}】{app.applicant.name}"
        elif m:
            key = f"申报 {int(m.group(1)) + 1}"
        else:
            key = "城市申报文件"
        groups.setdefault(key, []).append(f)
    return list(groups.items())


def format_findings(findings: Sequence[Finding], city: City | None, source: str) -> str:
    lines: list[str] = []
    for heading, items in group_findings(findings, city):
        lines.append(heading)
        for f in items:
            lines.append(f"  {_LEVEL[f.level]}  {f.path}：{f.message}")
    lines.append(summary_line(findings, source))
    return "\n".join(lines)


def summary_line(findings: Sequence[Finding], source: str) -> str:
    errors = sum(1 for f in findings if f.level == "error")
    warnings = sum(1 for f in findings if f.level == "warning")
    if errors:
        return f"{source}：{errors} 个错误，{warnings} 个警告。请改正错误后再生成，未写出任何文件。"
    if warnings:
        return f"{source}：检查通过，有 {warnings} 个警告（不影响生成，请确认）。"
    return f"{source}：检查通过，没有错误或警告。"
