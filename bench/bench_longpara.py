"""Benchmark: one very long paragraph (issue 10) — the PDF engine's time per character must not
grow with the paragraph's length.

Renders documents made of a title and one justified paragraph of 10 K, 100 K, 1 M and 10 M
characters (Chinese prose with punctuation, cut from the samples' narratives) through docgen's
document model and ``render_pdf``, and prints the time per character of each and the ratio of
the largest to the smallest. A paragraph that is re-broken from its split point on every page
costs quadratic time; breaking it once and splitting by line index keeps the ratio near 1.

Run: .venv/bin/python bench/bench_longpara.py [--max 1000000] [--repeats N]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from typing import Any

from _common import ROOT, fresh_round, machine, print_machine

from docgen.document import Document, Paragraph, Title, runs
from docgen.render.fonts import resolve_fonts

SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
TARGET_RATIO = 1.5  # time per character, largest / smallest: "flat"


def _prose() -> str:
    """A few thousand characters of the samples' narratives (deterministic)."""
    parts: list[str] = []
    for city in sorted((ROOT / "samples").glob("*/city.json")):
        data = json.loads(city.read_text(encoding="utf-8"))
        _collect(data, parts)
    text = "".join(p for p in parts if len(p) >= 40)
    return text or "城市更新行动坚持以人民为中心，统筹发展和安全，推进老旧小区改造。"


def _collect(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        for v in node.values():
            _collect(v, out)
    elif isinstance(node, list):
        for v in node:
            _collect(v, out)
    elif isinstance(node, str) and not node.isascii():
        out.append(node.replace("\n", ""))


def document(chars: int, prose: str) -> Document:
    text = (prose * (chars // len(prose) + 1))[:chars]
    return Document(
        kind="declaration",
        title="长段落基准",
        blocks=(
            Title(runs("长段落基准")),
            Paragraph(runs(text, "narrative")),
        ),
        cover_pages=0,
    )


def measure(chars: int, prose: str, repeats: int) -> dict[str, Any]:
    from docgen.render.pdf import render_pdf

    fonts = resolve_fonts()
    doc = document(chars, prose)
    best = float("inf")
    pages = 0
    for _ in range(repeats):
        gc.collect()
        fresh_round()
        t0 = time.perf_counter()
        result = render_pdf([doc], fonts)
        best = min(best, time.perf_counter() - t0)
        pages = result.pages
        del result
    return {
        "chars": chars,
        "pages": pages,
        "seconds": best,
        "us_per_char": best / chars * 1e6,
    }


def run(repeats: int = 3, max_chars: int = SIZES[-1]) -> dict[str, Any]:
    """Measure and print; return the figures (for bench/run_all.py)."""
    prose = _prose()
    from docgen.render.pdf import render_pdf

    render_pdf([document(2_000, prose)], resolve_fonts())  # warm: fonts, width tables
    rows = []
    for chars in SIZES:
        if chars > max_chars:
            continue
        reps = repeats if chars <= 1_000_000 else 1
        row = measure(chars, prose, reps)
        rows.append(row)
        print(
            f"  {chars:>10,} characters  {row['pages']:>6} pages  {row['seconds']:8.2f} s  "
            f"{row['us_per_char']:6.2f} µs/character",
            flush=True,
        )
    ratio = rows[-1]["us_per_char"] / rows[0]["us_per_char"]
    print(
        f"  time per character, {rows[-1]['chars']:,} / {rows[0]['chars']:,} characters: "
        f"{ratio:.2f} (target <= {TARGET_RATIO})"
    )
    return {"rows": rows, "ratio": ratio, "target_met": ratio <= TARGET_RATIO}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max", type=int, default=SIZES[-1], help="largest paragraph, characters")
    args = ap.parse_args()
    print_machine(machine())
    res = run(args.repeats, args.max)
    return 0 if res["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
