"""Benchmark: load and validate every sample city (docgen validate), in process.

Prints the time for all samples, best of N runs, and per city. Run: .venv/bin/python bench/bench_validate.py
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from docgen.model import load_city
from docgen.rules import validate

ROOT = Path(__file__).resolve().parent.parent


def run(repeats: int = 7) -> dict[str, Any]:
    """Measure and print; return the figures (for bench/run_all.py)."""
    files = sorted((ROOT / "samples").glob("*/city.json"))
    # First run includes imports of pypdf/PIL and the edition load; report it separately.
    t0 = time.perf_counter()
    for f in files:
        validate(load_city(f))
    cold = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for f in files:
            validate(load_city(f))
        times.append(time.perf_counter() - t0)
    apps = sum(len(load_city(f).applications) for f in files)
    atts = sum(len(a.attachments) for f in files for a in load_city(f).applications)
    print(f"samples: {len(files)} cities, {apps} applications, {atts} attachments")
    print(f"validate all samples, first run (cold imports): {cold * 1000:.0f} ms")
    print(
        f"validate all samples, best of {repeats}: {min(times) * 1000:.0f} ms "
        f"(median {statistics.median(times) * 1000:.0f} ms, {min(times) / len(files) * 1000:.1f} ms per city)"
    )
    return {
        "cities": len(files),
        "applications": apps,
        "attachments": atts,
        "cold_s": cold,
        "best_s": min(times),
        "median_s": statistics.median(times),
        "per_city_ms": min(times) / len(files) * 1000,
    }


def main(repeats: int = 7) -> None:
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} python {sys.version.split()[0]}"
    )
    run(repeats)


if __name__ == "__main__":
    main()
