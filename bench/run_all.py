"""All of docgen's benchmarks in one run (``make bench``); the figures in docs/performance.md.

Runs, on this machine and in this one run: validation of the samples (bench_validate), the forms
against the raw reportlab limit, WeasyPrint, Typst and python-docx + LibreOffice (bench_forms), a
one-city build's fixed cost, validate and the build against an older commit (bench_startup), one
city's packet including a synthetic 300-page one (bench_packet), and the batch of the 14 samples
with -j 1 / -j 2, the no-change rerun and the scaling series (bench_batch), and one paragraph of
10 K to 10 M characters (bench_longpara). Every ratio is between
figures measured in this run. Ends with a table of the results against the issues' targets, and
says how much CPU other processes took meanwhile (a busy machine makes every figure worse).

Run: .venv/bin/python bench/run_all.py [--quick] [--json FILE] [--markdown FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

# Run as a script, so this folder is on sys.path and the sibling modules import directly.
import bench_batch
import bench_forms
import bench_intake
import bench_longpara
import bench_packet
import bench_startup
import bench_validate
from _common import machine, print_machine


def _cpu_busy_seconds() -> float:
    """Seconds of CPU the whole machine has been busy (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def wait_idle(limit_s: float, threshold: float = 0.3) -> None:
    """Wait (at most ``limit_s``) until the machine's 1-minute load is below ``threshold``."""
    deadline = time.time() + limit_s
    while time.time() < deadline:
        load = os.getloadavg()[0]
        if load < threshold:
            return
        print(f"waiting for an idle machine (load {load:.2f})", flush=True)
        time.sleep(15)


def _section(name: str, fn: Callable[[], dict[str, Any]], results: dict[str, Any]) -> None:
    print(f"\n=== {name} " + "=" * max(0, 70 - len(name)), flush=True)
    t0 = time.perf_counter()
    try:
        results[name] = fn()
    except Exception as exc:  # one broken section must not hide the others
        traceback.print_exc()
        results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    print(f"({name}: {time.perf_counter() - t0:.0f} s)", flush=True)


def _get(d: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def summary_rows(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, measured, target, verdict) for the table."""
    rows: list[tuple[str, str, str, str]] = []

    def add(fig: str, value: str | None, target: str = "", ok: bool | None = None) -> None:
        verdict = "" if ok is None else ("met" if ok else "**missed**")
        rows.append((fig, value if value is not None else "n/a", target, verdict))

    v = r.get("validate", {})
    if "best_s" in v:
        add(
            f"validate all {v['cities']} samples",
            f"{v['best_s'] * 1000:.0f} ms ({v['per_city_ms']:.1f} ms per city)",
        )
    f = r.get("forms", {})
    if "pages" in f:
        add(
            f"forms: docgen compose + render_pdf, {f['forms']} forms, {f['pages']} pages",
            f"{f['docgen_pps_cpu']:.0f} pages/s per core ({f['docgen_wall']:.2f} s)",
            ">= 150 pages/s per core",
            f["docgen_pps_cpu"] >= bench_forms.TARGET_PAGES_PER_CORE,
        )
        vs_raw = math.floor(f["vs_raw"] * 1000) / 1000
        add(
            f"forms: raw limit (reportlab canvas, {f['raw_lines']} pre-broken lines), issue 3",
            f"{f['raw_pps']:.0f} pages/s; docgen = {vs_raw:.3f} of it",
            f">= {bench_forms.TARGET_VS_RAW} of the raw limit",
            f["vs_raw"] >= bench_forms.TARGET_VS_RAW,
        )
        add(
            "forms: PDF engine against the raw limit (issue 16)",
            f"docgen = {vs_raw:.3f} of the raw limit",
            f">= {bench_forms.TARGET_VS_RAW_ISSUE16} of the raw limit",
            f["vs_raw"] >= bench_forms.TARGET_VS_RAW_ISSUE16,
        )
        w = f.get("weasyprint", {})
        if "skipped" in w:
            add("forms: WeasyPrint", f"skipped: {w['skipped']}", ">= 10x")
        elif "ratio_per_page" in w:
            add(
                f"forms: WeasyPrint ({w['pages']} pages, {w['wall']:.1f} s)",
                f"docgen {w['ratio_per_page']:.1f}x faster per page",
                ">= 10x",
                w["ratio_per_page"] >= bench_forms.TARGET_VS_WEASYPRINT,
            )
        ty = f.get("typst", {})
        if "skipped" in ty:
            add("forms: Typst", f"skipped: {ty['skipped']}", "docgen CPU <= 0.75x, wall <= 1x")
        elif "cpu_ratio" in ty:
            add(
                f"forms: Typst {ty['version']}, one Compiler ({ty['pages']} pages, "
                f"{ty['wall']:.2f} s wall, {ty['cpu']:.2f} s CPU), CPU time",
                f"docgen CPU (one process) = {ty['cpu_ratio']:.2f} of Typst's "
                f"({ty['docgen_cpu']:.2f} s)",
                f"<= {bench_forms.TARGET_CPU_VS_TYPST}",
                ty["cpu_ratio"] <= bench_forms.TARGET_CPU_VS_TYPST,
            )
            if "two_wall_ratio" in ty:
                add(
                    "forms: Typst, wall time, docgen in two processes, cities split as "
                    "batch -j 2 does",
                    f"docgen wall = {ty['two_wall_ratio']:.2f} of Typst's ({ty['two_wall']:.2f} s; "
                    f"CPU {ty['two_cpu']:.2f} s = {ty['two_cpu_ratio']:.2f} of Typst's; "
                    f"byte-identical PDFs: {ty['two_same_bytes']} of {ty['files']})",
                    f"<= {bench_forms.TARGET_WALL_VS_TYPST:.0f}",
                    ty["two_wall_ratio"] <= bench_forms.TARGET_WALL_VS_TYPST,
                )
                add(
                    "forms: Typst, wall time, docgen in one process",
                    f"docgen wall = {ty['wall_ratio']:.2f} of Typst's ({ty['docgen_wall']:.2f} s)",
                )
            else:  # no two worker processes here: the wall target judged on one process
                add(
                    "forms: Typst, wall time, docgen in one process (two processes: "
                    f"{ty.get('two_skipped', 'not measured')})",
                    f"docgen wall = {ty['wall_ratio']:.2f} of Typst's ({ty['docgen_wall']:.2f} s)",
                    f"<= {bench_forms.TARGET_WALL_VS_TYPST:.0f}",
                    ty["wall_ratio"] <= bench_forms.TARGET_WALL_VS_TYPST,
                )
        lo = f.get("libreoffice", {})
        if "skipped" in lo:
            add("forms: python-docx + LibreOffice", f"skipped: {lo['skipped']}", ">= 15x")
        elif "ratio_one_call" in lo:
            add(
                f"forms: python-docx + soffice, one call ({lo['pages']} pages, "
                f"{lo['docx_wall'] + lo['one_call_wall']:.1f} s)",
                f"docgen {lo['ratio_one_call']:.1f}x faster per page",
                ">= 15x",
                lo["ratio_one_call"] >= bench_forms.TARGET_VS_LIBREOFFICE,
            )
            if "ratio_per_file" in lo:
                add(
                    f"forms: python-docx + soffice, one call per file ({lo['files']} calls, "
                    f"{lo['docx_wall'] + lo['per_file_wall']:.1f} s)",
                    f"docgen {lo['ratio_per_file']:.1f}x faster per page",
                    ">= 15x",
                    lo["ratio_per_file"] >= bench_forms.TARGET_VS_LIBREOFFICE,
                )
        wd = f.get("word", {})
        if "skipped" in wd:
            add("forms: Word writer against an older commit", f"skipped: {wd['skipped']}", "<= 0.5")
        elif "cpu_ratio" in wd:
            add(
                f"forms: Word writer, {wd['forms']} forms, CPU against {wd['commit']}",
                f"{wd['cpu'] / wd['forms'] * 1000:.1f} ms per form = {wd['cpu_ratio']:.2f} of "
                f"{wd['old_cpu'] / wd['forms'] * 1000:.1f} ms",
                "<= 0.5",
                wd["cpu_ratio"] <= bench_forms.TARGET_WORD_VS_BASELINE,
            )
    st = r.get("startup", {})
    if "fixed_s" in st:
        add(
            f"startup: fixed cost of docgen build {st['city']} (CLI - warm)",
            f"{st['fixed_s']:.2f} s ({st['cli_s']:.2f} - {st['warm_s']:.2f} s)",
            "<= 0.4 s",
            st["targets"]["fixed"],
        )
        add(
            f"startup: docgen validate {st['city']}",
            f"{st['validate_s']:.2f} s",
            "<= 0.3 s",
            st["targets"]["validate"],
        )
        b = st.get("baseline", {})
        if "ratio" in b:
            add(
                f"startup: docgen build {st['city']} against {b['commit']}",
                f"{st['cli_s']:.2f} s against {b['cli_s']:.2f} s = {b['ratio']:.2f}",
                "<= 0.5",
                st["targets"]["vs_baseline"],
            )
    p = r.get("packet", {})
    if "largest" in p:
        big, syn = p["largest"], p["synthetic"]
        add(
            f"packet: largest sample {big['code']} ({big['pages']} pages)",
            f"{big['wall']:.2f} s, {big['pps']:.0f} pages/s, peak {big['peak_mib']:.0f} MiB, "
            f"{big['bytes_per_page'] / 1024:.1f} KB/page",
        )
        add(
            f"packet: synthetic {syn['pages']}-page city, wall",
            f"{syn['wall']:.2f} s ({syn['pps']:.0f} pages/s)",
            "<= 3 s",
            p["targets"]["seconds_300"],
        )
        add(
            "packet: synthetic city, peak memory",
            f"{syn['peak_mib'] * 1.048576:.0f} MB",
            "< 300 MB",
            p["targets"]["peak_memory"],
        )
        add(
            "packet: synthetic city, bundle.pdf per page",
            f"{syn['bytes_per_page'] / 1024:.1f} KB average, "
            f"{syn['marginal_bytes_per_page'] / 1024:.1f} KB per added text page",
            "< 15 KB per text page",
            p["targets"]["bytes_per_page"],
        )
    b = r.get("batch", {})
    if "j1" in b:
        for key in ("j1", "j2"):
            x = b[key]
            add(
                f"batch: {x['cities']} samples, -j {x['jobs']} ({x['pages']} pages)",
                f"{x['wall']:.2f} s, {x['pps']:.0f} pages/s, peak {x['maxrss_mib']:.0f} MiB per "
                f"process / {x['tree_peak_mib']:.0f} MiB all",
                "<= 20 s" if key == "j2" else "",
                b["targets"]["batch_j2"] if key == "j2" else None,
            )
        inc = b["incremental"]
        add(
            "batch: no-change rerun (-j 2)",
            f"{inc['wall']:.2f} s ({inc['internal_s']:.2f} s inside run_batch)",
            "< 1 s",
            b["targets"]["incremental"],
        )
        sc = b["scaling"]
        last = sc[-1]
        add(
            f"scaling: narrative x1 -> x{last['factor']} ({sc[0]['pages']} -> {last['pages']} pages)",
            f"{last['page_ratio']:.2f}x pages in {last['time_ratio']:.2f}x CLI time, "
            f"{last['warm_ratio']:.2f}x warm",
            "x8 pages in <= x9 time",
            b["targets"]["linear"],
        )
    lp = r.get("longpara", {})
    if "rows" in lp:
        first, last = lp["rows"][0], lp["rows"][-1]
        add(
            f"one paragraph, {first['chars']:,} -> {last['chars']:,} characters "
            f"({first['pages']} -> {last['pages']} pages)",
            f"{first['us_per_char']:.2f} -> {last['us_per_char']:.2f} µs per character "
            f"(ratio {lp['ratio']:.2f})",
            f"ratio <= {bench_longpara.TARGET_RATIO}",
            lp["target_met"],
        )
    it = r.get("intake", {})
    if "collect_s" in it:
        add(
            f"intake collect: {it['cities']} samples after export, {it['applicants']} applicants",
            f"{it['collect_per_applicant_ms']:.0f} ms per applicant (7: {it['seven_applicants_s']:.2f} s); "
            f"reading a workbook {it['read_workbook_ms']:.1f} ms vs openpyxl's bare load "
            f"{it['openpyxl_per_workbook_ms']:.1f} ms",
            "7 applicants < 1 s",
            it["target_met"],
        )
    return rows


def markdown_table(rows: list[tuple[str, str, str, str]]) -> str:
    out = ["| figure | measured | target | |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(out)


def _plain(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(type(obj).__name__)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="one repeat each, no one-soffice-call-per-file series"
    )
    ap.add_argument("--no-weasyprint", action="store_true")
    ap.add_argument("--no-libreoffice", action="store_true")
    ap.add_argument("--no-typst", action="store_true")
    ap.add_argument(
        "--only",
        choices=("validate", "forms", "startup", "packet", "batch", "longpara", "intake"),
        action="append",
        help="run only these sections (repeatable)",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="cProfile docgen in every section, not only where a target is missed",
    )
    ap.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="first wait up to SECONDS for the machine's load to drop below 0.3",
    )
    ap.add_argument("--json", type=Path, help="write every figure to this JSON file")
    ap.add_argument("--markdown", type=Path, help="write the summary table to this file")
    args = ap.parse_args()
    repeats = 1 if args.quick else 3
    profile = True if args.profile else None
    if args.wait_idle:
        wait_idle(args.wait_idle)

    info = machine()
    print_machine(info)
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    busy0, own0, t0 = _cpu_busy_seconds(), _own_cpu_seconds(), time.perf_counter()

    results: dict[str, Any] = {"machine": info}
    only = set(
        args.only or ("validate", "forms", "startup", "packet", "batch", "longpara", "intake")
    )
    if "validate" in only:
        _section("validate", lambda: bench_validate.run(7 if not args.quick else 3), results)
    if "forms" in only:
        _section(
            "forms",
            lambda: bench_forms.run(
                repeats,
                weasy=not args.no_weasyprint,
                libreoffice=not args.no_libreoffice,
                typst=not args.no_typst,
                per_file=not args.quick,
                profile=profile,
            ),
            results,
        )
    if "startup" in only:
        _section("startup", lambda: bench_startup.run(5 if not args.quick else 2), results)
    if "packet" in only:
        _section("packet", lambda: bench_packet.run(repeats, 300, profile), results)
    if "batch" in only:
        _section(
            "batch",
            lambda: bench_batch.run(max(2, repeats) if not args.quick else 1, profile),
            results,
        )
    if "longpara" in only:
        # --quick stops at 1 M characters (the 10 M one takes a minute and a few GB).
        _section(
            "longpara",
            lambda: bench_longpara.run(
                repeats, 1_000_000 if args.quick else bench_longpara.SIZES[-1]
            ),
            results,
        )
    if "intake" in only:
        _section("intake", lambda: bench_intake.run(repeats), results)

    elapsed = time.perf_counter() - t0
    foreign = max(0.0, (_cpu_busy_seconds() - busy0) - (_own_cpu_seconds() - own0))
    share = foreign / (elapsed * (info["nproc"] or 1))
    results["run"] = {"seconds": elapsed, "foreign_cpu_s": foreign, "foreign_share": share}

    rows = summary_rows(results)
    table = markdown_table(rows)
    print("\n=== summary " + "=" * 62)
    print(table)
    print(
        f"\nbenchmark took {elapsed:.0f} s; other processes used {foreign:.0f} CPU-seconds "
        f"meanwhile ({share * 100:.0f} % of the machine)"
        + ("  WARNING: the machine was busy, figures are pessimistic" if share > 0.05 else "")
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=_plain, ensure_ascii=False))
    if args.markdown:
        args.markdown.write_text(table + "\n", encoding="utf-8")
    missed = [r[0] for r in rows if r[3] == "**missed**"]
    if missed:
        print("targets missed: " + "; ".join(missed))
    errors = [k for k, v in results.items() if isinstance(v, dict) and "error" in v]
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
