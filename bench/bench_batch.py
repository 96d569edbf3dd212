"""Benchmark (issue 6): ``docgen batch`` over the 14 sample cities, the no-change rerun, and how a
city's build time grows with its narrative volume.

1. ``docgen batch samples -o OUT -j 1`` and ``-j 2`` into a fresh OUT: wall, pages, pages/s, peak
   memory (largest single process via wait4, and the sampled sum over all worker processes).
2. The same ``-j 2`` command again with nothing changed (every city skipped): wall.
3. Scaling: the largest sample with 1x, 2x, 4x, 8x its narrative (every section repeated), built
   with ``docgen build``: pages and time; linear means 8x the pages in at most 9x the time.

Run: .venv/bin/python bench/bench_batch.py [--repeats N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import (
    DOCGEN,
    SAMPLES,
    largest_sample,
    machine,
    manifest_of,
    print_machine,
    print_profile,
    profile_cli,
    run_measured,
    scaled_city,
    verdict,
)

TARGET_BATCH_J2 = 20.0
TARGET_INCREMENTAL = 1.0
TARGET_LINEAR = 9.0 / 8.0  # time ratio over page ratio
FACTORS = (1, 2, 4, 8)


def batch(out: Path, jobs: int, repeats: int, *, fresh: bool = True) -> dict[str, Any]:
    runs = []
    for _ in range(repeats):
        if fresh and out.exists():
            shutil.rmtree(out)
        r = run_measured(
            [DOCGEN, "batch", str(SAMPLES), "-o", str(out), "-j", str(jobs)], timeout=900
        )
        if not r.ok:
            raise RuntimeError(
                f"docgen batch -j {jobs} failed ({r.returncode}): {r.stderr[-2000:]}"
            )
        runs.append(r)
    best = min(runs, key=lambda r: r.wall)
    report = json.loads((out / "batch-report.json").read_text(encoding="utf-8"))
    totals = report["totals"]
    pages = sum(c["pages"] or 0 for c in report["cities"])
    # One manifest per city folder; the province folder has its own (no documents) since
    # a509cd8, which lets a rerun skip the unchanged summary.
    apps = sum(
        len(json.loads(m.read_text(encoding="utf-8")).get("documents", []))
        for m in out.glob("*/manifest.json")
    )
    out_bytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "applications": apps,
        "out_bytes": out_bytes,
        "jobs": jobs,
        "wall": best.wall,
        "cpu": best.cpu,
        "walls": [r.wall for r in runs],
        "internal_s": totals["seconds"],
        "cities": totals["cities"],
        "built": totals["built"],
        "skipped": totals["skipped"],
        "pages": pages,
        "pps": pages / best.wall,
        "maxrss_mib": max(r.maxrss_mib for r in runs),
        "tree_peak_mib": max(r.tree_peak_mib for r in runs),
    }


def scaling(work: Path, repeats: int) -> list[dict[str, Any]]:
    src = largest_sample()
    rows = []
    for k in FACTORS:
        city = scaled_city(src, work / f"x{k}", float(k))
        out = work / f"out-x{k}"
        walls, peaks = [], []
        for _ in range(repeats):
            if out.exists():
                shutil.rmtree(out)
            r = run_measured([DOCGEN, "build", str(city), "-o", str(out)], timeout=900)
            if not r.ok:
                raise RuntimeError(f"build x{k} failed: {r.stderr[-2000:]}")
            walls.append(r.wall)
            peaks.append(r.maxrss_mib)
        rows.append(
            {
                "factor": k,
                "pages": manifest_of(out)["bundle"]["pages"],
                "wall": min(walls),
                "peak_mib": max(peaks),
                "city": city,
            }
        )
    return rows


def warm_scaling(rows: list[dict[str, Any]], work: Path, repeats: int) -> None:
    """The same builds in this process after a warm-up: no interpreter start, imports or font
    parsing in the figures, so the fixed cost does not flatter the ratios."""
    import time

    from docgen.build import build_city

    build_city(rows[0]["city"], work / "warm")
    for row in rows:
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            build_city(row["city"], work / f"warm-x{row['factor']}")
            best = min(best, time.perf_counter() - t0)
        row["warm"] = best


def run(repeats: int = 2, profile: bool | None = None) -> dict[str, Any]:
    res: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="docgen-bench-batch-"))
    try:
        res["j1"] = j1 = batch(work / "out-j1", 1, repeats)
        res["j2"] = j2 = batch(work / "out-j2", 2, repeats)
        res["incremental"] = inc = batch(work / "out-j2", 2, max(repeats, 3), fresh=False)
        print(
            f"\nbatch: {j2['cities']} sample cities, {j2['pages']} packet pages (best of {repeats}, "
            f"fresh output folder each time)"
        )
        for r in (j1, j2):
            print(
                f"  -j {r['jobs']}: {r['wall']:6.2f} s wall ({r['cpu']:.2f} s CPU), "
                f"{r['pps']:.0f} pages/s, peak {r['maxrss_mib']:.0f} MiB per process, "
                f"{r['tree_peak_mib']:.0f} MiB all processes together"
            )
        print(
            f"  -j 2 speed-up over -j 1: {j1['wall'] / j2['wall']:.2f}x; "
            f"{j2['applications']} applications, output {j2['out_bytes'] / 1e6:.1f} MB"
        )
        per_app = j2["wall"] / j2["applications"]
        res["scale"] = scale = {
            "s_per_application_j2": per_app,
            "cpu_s_per_application": j1["cpu"] / j1["applications"],
            "mb_per_application": j2["out_bytes"] / 1e6 / j2["applications"],
        }
        print(
            f"  at this rate (-j 2, this machine): {per_app:.2f} s per application, "
            f"{scale['cpu_s_per_application']:.2f} CPU-s per application (-j 1); "
            f"300 applications (a province) ~{300 * per_app:.0f} s, 5000 (all of China) "
            f"~{5000 * per_app / 60:.0f} min, {5000 * scale['mb_per_application'] / 1000:.1f} GB "
            f"of output"
        )
        print(
            f"  target all 14 cities <= {TARGET_BATCH_J2:.0f} s with -j 2: {j2['wall']:.2f} s: "
            f"{verdict(j2['wall'] <= TARGET_BATCH_J2)}"
        )
        print(
            f"  no-change rerun (-j 2, {inc['skipped']} skipped): {inc['wall']:.2f} s wall "
            f"({inc['internal_s']:.2f} s inside run_batch, the rest is interpreter start and "
            f"imports); target < {TARGET_INCREMENTAL:.0f} s: {verdict(inc['wall'] < TARGET_INCREMENTAL)}"
        )

        rows = scaling(work, repeats)
        warm_scaling(rows, work, repeats)
        base = rows[0]
        print(
            f"\nscaling: {largest_sample().parent.name} narrative x1..x8, docgen build (CLI wall, "
            f"best of {repeats}) and build_city in a warm process"
        )
        print(
            "  factor  pages  page ratio   CLI s  time ratio  (time/page ratio)   warm s  time ratio  "
            "(time/page ratio)  peak MiB"
        )
        for r in rows:
            pr = r["pages"] / base["pages"]
            r["page_ratio"] = pr
            r["time_ratio"] = r["wall"] / base["wall"]
            r["warm_ratio"] = r["warm"] / base["warm"]
            print(
                f"  {r['factor']:>5}x  {r['pages']:5d}  {pr:9.2f}x  {r['wall']:6.2f}  {r['time_ratio']:9.2f}x  "
                f"({r['time_ratio'] / pr:5.2f})          {r['warm']:6.2f}  {r['warm_ratio']:9.2f}x  "
                f"({r['warm_ratio'] / pr:5.2f})         {r['peak_mib']:6.0f}"
            )
        last = rows[-1]
        ok_lin = last["warm_ratio"] / last["page_ratio"] <= TARGET_LINEAR and (
            last["time_ratio"] / last["page_ratio"] <= TARGET_LINEAR
        )
        # Marginal cost per page between consecutive sizes: flat when growth is linear.
        marg = [
            (b["warm"] - a["warm"]) / (b["pages"] - a["pages"]) * 1000
            for a, b in itertools.pairwise(rows)
            if b["pages"] > a["pages"]
        ]
        print("  marginal ms per added page (warm): " + ", ".join(f"{m:.1f}" for m in marg))
        print(
            f"  target linear (x8 pages in <= 9x the time, i.e. time/page ratio <= "
            f"{TARGET_LINEAR:.3f}): {verdict(ok_lin)}"
        )
        res["scaling"] = [{k: v for k, v in r.items() if k != "city"} for r in rows]
        res["marginal_ms"] = marg
        res["targets"] = {
            "batch_j2": j2["wall"] <= TARGET_BATCH_J2,
            "incremental": inc["wall"] < TARGET_INCREMENTAL,
            "linear": ok_lin,
        }
        if profile or (profile is None and not res["targets"]["incremental"]):
            res["profile_incremental"] = profile_cli(
                ["batch", str(SAMPLES), "-o", str(work / "out-j2"), "-j", "2"]
            )
            print_profile(
                "the no-change rerun (the whole docgen batch command, imports included)",
                res["profile_incremental"],
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--profile", action="store_true", help="cProfile the rerun even if targets met")
    args = ap.parse_args()
    print_machine(machine())
    run(args.repeats, True if args.profile else None)


if __name__ == "__main__":
    sys.exit(main())
