"""Benchmark: ``docgen intake collect`` of all 14 samples after ``intake export``, per applicant.

Each sample city is exported once (not timed) into the workbooks and Word narratives an applicant
sends; then, best of N runs, in process:

- ``collect``: the whole command's work (read every workbook and narrative, copy the attachments,
  write city.json, run docgen's own load_city + validate in the temporary folder, swap it in);
- ``read``: only the intake's reading (``read_workbook`` of every workbook and ``read_narrative`` of
  every Word file: what intake adds in front of validate);
- the reference, measured in the same run: openpyxl's bare ``load_workbook(path)`` of the same
  workbooks (default mode, nothing read out of it).

Figures are per applicant (a workbook, a Word narrative and its scans); the city workbooks are
counted in the totals. Run: .venv/bin/python bench/bench_intake.py [repeats]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from docgen.intake import collect, export_city
from docgen.intake.narrative import read_narrative
from docgen.intake.workbook import read_workbook
from docgen.model import load_city

ROOT = Path(__file__).resolve().parent.parent
# The target: a city of 7 applicants collected in well under a second.
TARGET_SEVEN_S = 1.0


def _best(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run(repeats: int = 3) -> dict[str, Any]:
    """Measure and print; return the figures (for bench/run_all.py)."""
    from openpyxl import load_workbook

    files = sorted((ROOT / "samples").glob("*/city.json"))
    work = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    try:
        forms: list[tuple[str, Path, int]] = []
        for f in files:
            city = load_city(f)
            export_city(city, work / f.parent.name)
            forms.append((f.parent.name, work / f.parent.name, len(city.applications)))
        books = sorted(work.rglob("*.xlsx"))
        narratives = sorted(work.rglob("*.docx"))
        applicants = sum(n for _, _, n in forms)

        def collect_all() -> None:
            for code, folder, _ in forms:
                result = collect(folder, work / "out" / code)
                assert result.errors == 0, code

        def read_books() -> None:
            for b in books:
                read_workbook(b)

        def read_narratives() -> None:
            for d in narratives:
                read_narrative(d)

        def openpyxl_all() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for b in books:
                    load_workbook(b)

        collect_all()  # warm: imports, fonts, the edition
        collect_s = _best(collect_all, repeats)
        books_s = _best(read_books, repeats)
        narratives_s = _best(read_narratives, repeats)
        read_s = books_s + narratives_s
        openpyxl_s = _best(openpyxl_all, repeats)
        big_code, big_folder, big_n = max(forms, key=lambda x: x[2])
        big_s = _best(lambda: collect(big_folder, work / "out" / big_code), repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    per_app = collect_s / applicants * 1000
    out = {
        "cities": len(files),
        "applicants": applicants,
        "workbooks": len(books),
        "narratives": len(narratives),
        "collect_s": collect_s,
        "collect_per_applicant_ms": per_app,
        "read_s": read_s,
        "read_per_applicant_ms": read_s / applicants * 1000,
        "read_workbooks_s": books_s,
        "read_workbook_ms": books_s / len(books) * 1000,
        "read_narrative_ms": narratives_s / len(narratives) * 1000,
        "openpyxl_load_s": openpyxl_s,
        "openpyxl_per_workbook_ms": openpyxl_s / len(books) * 1000,
        "read_vs_openpyxl": books_s / openpyxl_s,
        "largest": {"code": big_code, "applicants": big_n, "collect_s": big_s},
        "seven_applicants_s": per_app * 7 / 1000,
        "target_met": per_app * 7 / 1000 < TARGET_SEVEN_S,
    }
    print(
        f"samples: {len(files)} cities, {applicants} applicants, {len(books)} workbooks, "
        f"{len(narratives)} Word narratives (best of {repeats})"
    )
    print(
        f"collect all: {collect_s:.2f} s = {per_app:.0f} ms per applicant "
        f"(7 applicants: {per_app * 7 / 1000:.2f} s; target < {TARGET_SEVEN_S:.0f} s)"
    )
    print(
        f"  of which reading the workbooks and narratives: {read_s:.2f} s = "
        f"{out['read_per_applicant_ms']:.0f} ms per applicant "
        f"({out['read_workbook_ms']:.1f} ms per workbook, {out['read_narrative_ms']:.1f} ms per "
        "Word narrative)"
    )
    print(
        f"openpyxl load_workbook of the same {len(books)} workbooks: {openpyxl_s:.2f} s = "
        f"{out['openpyxl_per_workbook_ms']:.1f} ms per workbook "
        f"(intake's reading of a workbook = {out['read_vs_openpyxl']:.2f}x openpyxl's bare load)"
    )
    print(f"largest city {big_code} ({big_n} applicants): {big_s:.2f} s")
    return out


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
