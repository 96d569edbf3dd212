"""Human-readable Chinese text for findings (grouped by application); the CLI prints it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .errors import Finding
from .manifest import PacketManifest
from .model import City

_LEVEL = {"error": "错误", "warning": "警告"}
_APP = re.compile(r"^applications\[(\d+)\]")


def group_findings(
    findings: Sequence[Finding], city: City | None
) -> list[tuple[str, list[Finding]]]:
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


_SEAL_NAMES = {
    "applicant": "申报单位公章",
    "government": "市人民政府公章",
    "bureau": "市工业和信息化局公章",
}


def build_report(manifest: PacketManifest, out_dir: str, seconds: float) -> str:
    """What the clerk has to do with the packet: pages, seals to stamp and where, warnings."""
    m = manifest
    lines = [
        f"已生成{m.city.name}（{m.city.division_code}）申报材料：{out_dir}",
        f"  总册 {m.bundle.file} 共 {m.bundle.pages} 页；申报书 {len(m.documents)} 份，"
        f"汇总表在第 {_pages(m.summary.bundle_pages)} 页。",
    ]
    if m.letter:  # the submission letter lies on top: its pages first, sealed by the bureau
        lines.append(f"  报送函在第 {_pages(m.letter.bundle_pages)} 页（{m.letter.pdf}）。")
    slots = sorted((s.page, s.seal) for s in m.seal_slots())
    groups = sorted(g.pages for g in m.straddle_groups())
    by_kind: dict[str, list[int]] = {}
    for page, kind in slots:
        by_kind.setdefault(kind, []).append(page)
    lines.append(f"  需盖公章 {len(slots)} 处：")
    for kind, pages in by_kind.items():
        shown = "、".join(str(p) for p in pages)
        lines.append(f"    {_SEAL_NAMES.get(kind, kind)} {len(pages)} 处，第 {shown} 页")
    shown = "、".join(_pages(g) for g in groups)
    lines.append(f"  需盖骑缝章 {len(groups)} 组（每组扇形展开后跨页盖一次）：第 {shown} 页")
    if m.summary.quota:  # the quota check: not on the sealed table, here and in the workbook
        lines.append("  名额核对：")
        for q in m.summary.quota:
            over = "（超出名额）" if q.quota is not None and q.count > q.quota else ""
            shown = f"{q.count}/{q.quota}" if q.quota is not None else f"{q.count}（不限名额）"
            lines.append(f"    {q.label} {shown}{over}")
    if m.warnings:
        lines.append(f"  警告 {len(m.warnings)} 个：")
        lines += [f"    {w.path}：{w.message}" for w in m.warnings]
    lines.append(f"  用时 {seconds:.1f} 秒。")
    return "\n".join(lines)


def _pages(pages: tuple[int, int]) -> str:
    return f"{pages[0]}" if pages[0] == pages[1] else f"{pages[0]}–{pages[1]}"


def batch_summary(result: Any) -> str:
    """The batch's outcome per city, then totals; errors of failed cities in full."""
    status = {
        "built": "已生成",
        "skipped": "跳过（未改动）",
        "invalid": "数据有误",
        "failed": "生成失败",
    }
    lines = [f"批量生成：{result.out_dir}"]
    for c in result.cities:
        name = f"{c.city or '（无法读取）'}（{c.division_code or '—'}）"
        pages = f"，{c.pages} 页" if c.pages else ""
        warn = f"，{len(c.warnings)} 个警告" if c.warnings else ""
        lines.append(f"  {name} {status.get(c.status, c.status)}{pages}{warn}  {c.file}")
        for e in c.errors:
            lines.append(f"      错误  {e['path']}：{e['message']}")
    skipped_files = getattr(result, "skipped_files", [])
    if skipped_files:
        lines.append(f"不是城市申报文件，未处理（{len(skipped_files)} 个）：")
        lines += [f"  {s.file}：{s.reason}" for s in skipped_files]
    built = sum(c.status == "built" for c in result.cities)
    skipped = sum(c.status == "skipped" for c in result.cities)
    failed = len(result.cities) - built - skipped
    total_pages = sum(c.pages or 0 for c in result.cities)
    lines.append(
        f"共 {len(result.cities)} 个城市：生成 {built}，跳过 {skipped}，失败 {failed}；"
        f"共 {total_pages} 页，用时 {result.seconds:.1f} 秒。"
    )
    missing = getattr(result, "missing", [])
    if missing:
        names = "、".join(f"{m.city}（{m.division_code}）" for m in missing)
        lines.append(f"未提交（本次没有该市的申报文件，汇总表中标为“未提交”）：{names}")
    if getattr(result, "province_error", None):
        lines.append(f"错误：{result.province_error}")
    if result.province:
        lines.append(f"全区汇总表：{result.out_dir / 'province'}")
    return "\n".join(lines)
