"""Benchmark (issue 5): one city's whole packet, the largest sample and a synthetic 300-page city.

Each build is the real command, ``docgen build CITY -o OUT``, in a subprocess: wall time (best
of N), pages/s, peak memory (ru_maxrss of the process, via wait4) and bytes per page of
bundle.pdf. The synthetic city is the largest sample with every narrative section repeated until
the packet has about 300 pages (calibrated in the same run, in a temporary folder).

Run: .venv/bin/python bench/bench_packet.py [--repeats N] [--pages 300]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    DOCGEN,
    build_stages,
    largest_sample,
    machine,
    manifest_of,
    print_machine,
    print_profile,
    print_stages,
    profile_call,
    run_measured,
    scaled_city,
    verdict,
)

TARGET_SECONDS_300 = 3.0
TARGET_PEAK_MB = 300.0
TARGET_BYTES_PER_PAGE = 15 * 1024


def build(city: Path, out: Path, repeats: int) -> dict[str, Any]:
    """``docgen build`` ``repeats`` times into a fresh folder; best wall, its peak memory."""
    runs = []
    for _ in range(repeats):
        if out.exists():
            shutil.rmtree(out)
        r = run_measured([DOCGEN, "build", str(city), "-o", str(out)], timeout=600)
        if not r.ok:
            raise RuntimeError(f"docgen build {city} failed ({r.returncode}): {r.stderr[-2000:]}")
        runs.append(r)
    best = min(runs, key=lambda r: r.wall)
    m = manifest_of(out)
    size = (out / "bundle.pdf").stat().st_size
    pages = m["bundle"]["pages"]
    form_pages = sum(d["form_pages"] for d in m["documents"])
    attachment_pages = sum(
        a["pages"][1] - a["pages"][0] + 1 for d in m["documents"] for a in d["attachments"]
    )
    return {
        "city": m["city"]["name"],
        "code": m["city"]["division_code"],
        "pages": pages,
        "form_pages": form_pages,
        "attachment_pages": attachment_pages,
        "wall": best.wall,
        "cpu": best.cpu,
        "walls": [r.wall for r in runs],
        "pps": pages / best.wall,
        "peak_mib": max(r.maxrss_mib for r in runs),
        # build forks a worker for the Word files (Linux): both processes' RSS summed (pages
        # they share after the fork count twice, so this is an upper bound)
        "tree_peak_mib": max(r.tree_peak_mib for r in runs),
        "bundle_bytes": size,
        "bytes_per_page": size / pages,
    }


def import_overhead(repeats: int) -> float:
    """Wall time of ``docgen --version`` (interpreter start and imports): a fixed cost in every
    build above."""
    best = float("inf")
    for _ in range(repeats):
        r = run_measured([DOCGEN, "--version"], timeout=60, sample_tree=False)
        best = min(best, r.wall)
    return best


def synthetic(src: Path, work: Path, pages_wanted: int) -> tuple[Path, float]:
    """The largest sample scaled so its packet has about ``pages_wanted`` pages."""
    probe = work / "probe"

    def pages_at(factor: float) -> int:
        city = scaled_city(src, work / "probe-city", factor)
        r = run_measured([DOCGEN, "build", str(city), "-o", str(probe)], timeout=600)
        if not r.ok:
            raise RuntimeError(f"synthetic build failed: {r.stderr[-2000:]}")
        return int(manifest_of(probe)["bundle"]["pages"])

    p1 = pages_at(1.0)
    p2 = pages_at(2.0)
    factor = 1.0 + (pages_wanted - p1) / max(p2 - p1, 1)
    for _ in range(3):  # a few secant steps: pages are close to linear in the factor
        got = pages_at(factor)
        if abs(got - pages_wanted) <= 2:
            break
        factor += (pages_wanted - got) / max(p2 - p1, 1)
    return scaled_city(src, work / f"synthetic-{pages_wanted}", factor), factor


def run(repeats: int = 3, pages_wanted: int = 300, profile: bool | None = None) -> dict[str, Any]:
    res: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="docgen-bench-packet-"))
    try:
        res["startup_s"] = import_overhead(repeats)
        src = largest_sample()
        res["largest"] = largest = build(src, work / "out-largest", repeats)
        t0 = time.perf_counter()
        city, factor = synthetic(src, work, pages_wanted)
        calib = time.perf_counter() - t0
        res["synthetic"] = syn = build(city, work / "out-synthetic", repeats)
        syn["factor"] = factor
        # Text pages only: what one more page of narrative adds to bundle.pdf.
        extra_pages = syn["pages"] - largest["pages"]
        syn["marginal_bytes_per_page"] = (
            (syn["bundle_bytes"] - largest["bundle_bytes"]) / extra_pages if extra_pages else 0.0
        )
        syn["marginal_s_per_page"] = (
            (syn["wall"] - largest["wall"]) / extra_pages if extra_pages else 0.0
        )
        syn["seconds_at_target"] = largest["wall"] + syn["marginal_s_per_page"] * (
            pages_wanted - largest["pages"]
        )

        print(
            f"\npacket (docgen build, one city; best of {repeats}; "
            f"interpreter start + imports {res['startup_s']:.2f} s included):"
        )
        for name, r in (("largest sample", largest), (f"synthetic ~{pages_wanted} pages", syn)):
            print(
                f"  {name:<22} {r['city']} {r['code']}: {r['pages']} pages "
                f"({r['form_pages']} form, {r['attachment_pages']} attachment), "
                f"{r['wall']:.2f} s wall ({r['cpu']:.2f} s CPU), {r['pps']:.0f} pages/s, "
                f"peak {r['peak_mib']:.0f} MiB ({r['tree_peak_mib']:.0f} MiB all processes), "
                f"bundle.pdf {r['bundle_bytes'] / 1024:.0f} KB = "
                f"{r['bytes_per_page'] / 1024:.1f} KB/page"
            )
        print(
            f"  synthetic city: every section x{factor:.2f} (calibrated in {calib:.1f} s); "
            f"each added text page costs {syn['marginal_s_per_page'] * 1000:.1f} ms and "
            f"{syn['marginal_bytes_per_page'] / 1024:.1f} KB"
        )
        ok_t = syn["wall"] <= TARGET_SECONDS_300 * syn["pages"] / pages_wanted
        ok_m = max(largest["peak_mib"], syn["peak_mib"]) * 1.048576 < TARGET_PEAK_MB
        ok_b = syn["bytes_per_page"] < TARGET_BYTES_PER_PAGE and (
            syn["marginal_bytes_per_page"] < TARGET_BYTES_PER_PAGE
        )
        print(
            f"  target 300-page packet <= {TARGET_SECONDS_300:.0f} s: {syn['wall']:.2f} s for "
            f"{syn['pages']} pages ({syn['seconds_at_target']:.2f} s at {pages_wanted}): {verdict(ok_t)}"
        )
        print(
            f"  target peak memory < {TARGET_PEAK_MB:.0f} MB: "
            f"{max(largest['peak_mib'], syn['peak_mib']) * 1.048576:.0f} MB: {verdict(ok_m)}"
        )
        print(
            f"  target < 15 KB per text page: {syn['bytes_per_page'] / 1024:.1f} KB average, "
            f"{syn['marginal_bytes_per_page'] / 1024:.1f} KB per added text page: {verdict(ok_b)}"
        )
        res["targets"] = {"seconds_300": ok_t, "peak_memory": ok_m, "bytes_per_page": ok_b}
        from docgen.build import build_city

        build_city(city, work / "warm")  # fonts and imports out of the way
        total, stages = build_stages(city, work / "staged")
        res["stages"] = {"total": total, **stages}
        print_stages(f"the {syn['pages']}-page build", total, stages)
        res["cold_overhead_s"] = syn["wall"] - total
        print(
            f"    fixed cost of a fresh process (CLI wall - warm build: interpreter, imports, "
            f"font parsing): {syn['wall'] - total:.2f} s"
        )
        if profile or (profile is None and not (ok_t and ok_m)):
            res["profile"] = profile_call(lambda: build_city(city, work / "profiled"))
            print_profile(f"build_city of the {syn['pages']}-page city, in process", res["profile"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--pages", type=int, default=300, help="size of the synthetic packet")
    ap.add_argument("--profile", action="store_true", help="cProfile the build even if targets met")
    args = ap.parse_args()
    print_machine(machine())
    run(args.repeats, args.pages, True if args.profile else None)


if __name__ == "__main__":
    sys.exit(main())
