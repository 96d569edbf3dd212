"""Benchmark (issue 16): a one-city build at interactive speed.

What a secretary waits for when she runs ``docgen`` again and again on one city, each time in a
fresh process:

1. The fixed cost of a build: ``docgen build`` of the largest sample (CLI, best of N) minus the
   same build in a warm process (``build_city`` after a warm-up, best of N), measured in
   alternating rounds. Target <= 0.4 s.
2. ``docgen validate`` of the largest sample (CLI wall, best of N). Target <= 0.3 s.
3. ``docgen --version``: the interpreter and the command line's own imports.
4. The same CLI build with the code of an older commit (``--baseline COMMIT``, default the commit
   before issue 16), run from a ``git archive`` of it with this venv: the largest sample built by
   the CLI in at most half that time. Skipped with the reason when git or the commit is missing.
5. The top importers of a ``docgen build`` (``python -X importtime``), cumulative.

Run: .venv/bin/python bench/bench_startup.py [--repeats N] [--baseline COMMIT|none]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import ROOT, largest_sample, machine, print_machine, run_measured, verdict

TARGET_FIXED_S = 0.4
TARGET_VALIDATE_S = 0.3
TARGET_VS_BASELINE = 0.5
BASELINE_COMMIT = "8849e4b"  # main before issue 16 (docs/performance.md keeps its figure)


def _cli(python: str, args: list[str], env: dict[str, str] | None = None) -> float:
    r = run_measured([python, "-m", "docgen", *args], timeout=600, env=env, sample_tree=False)
    if not r.ok:
        raise RuntimeError(f"docgen {' '.join(args)} failed ({r.returncode}): {r.stderr[-1500:]}")
    return r.wall


def _baseline_tree(commit: str, work: Path) -> tuple[Path | None, str]:
    """A ``git archive`` of ``commit`` in ``work`` (the editions linked where the package
    finds them), or None and why not."""
    git = shutil.which("git")
    if git is None:
        return None, "git is not installed"
    tree = work / f"docgen-{commit}"
    tree.mkdir()
    archive = subprocess.run(
        [git, "-C", str(ROOT), "archive", commit], capture_output=True, timeout=120, check=False
    )
    if archive.returncode != 0:
        return None, f"git archive {commit} failed: {archive.stderr.decode()[-300:].strip()}"
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True, timeout=120)
    link = tree / "docgen" / "templates"
    if not link.exists():
        link.symlink_to(Path("..") / "templates")
    return tree, ""


def import_top(city: Path, out: Path, top: int = 12) -> list[tuple[str, float]]:
    """(module, cumulative ms) of the ``top`` slowest imports of one ``docgen build``, nested
    ones included (a parent's figure contains its children's)."""
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "docgen", "build", str(city), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    rows: list[tuple[str, float]] = []
    for line in r.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _self, cumulative, name = line[len("import time:") :].split("|", 2)
        if cumulative.strip().isdigit():
            rows.append((name.rstrip(), int(cumulative) / 1000.0))
    rows.sort(key=lambda kv: kv[1], reverse=True)
    return rows[:top]


def run(repeats: int = 5, baseline: str | None = BASELINE_COMMIT) -> dict[str, Any]:
    from docgen.build import build_city

    res: dict[str, Any] = {}
    city = largest_sample()
    py = sys.executable
    work = Path(tempfile.mkdtemp(prefix="docgen-bench-startup-"))
    try:
        base_env: dict[str, str] | None = None
        if baseline:
            tree, why = _baseline_tree(baseline, work)
            if tree is None:
                res["baseline"] = {"skipped": why}
            else:
                base_env = dict(os.environ, PYTHONPATH=str(tree))
                res["baseline"] = {"commit": baseline}

        def cli_build() -> float:
            out = work / "cli"
            shutil.rmtree(out, ignore_errors=True)
            return _cli(py, ["build", str(city), "-o", str(out)])

        def old_build() -> float:
            out = work / "old"
            shutil.rmtree(out, ignore_errors=True)
            return _cli(py, ["build", str(city), "-o", str(out)], base_env)

        def warm_build() -> float:
            out = work / "warm"
            shutil.rmtree(out, ignore_errors=True)
            t0 = time.perf_counter()
            build_city(city, out)
            return time.perf_counter() - t0

        warm_build()  # imports, fonts, edition: what the warm figure must not hold
        rounds: dict[str, list[float]] = {"cli": [], "warm": [], "validate": [], "version": []}
        if base_env is not None:
            rounds["baseline"] = []
        for _ in range(repeats):  # alternating: a slow spell hits every figure alike
            rounds["cli"].append(cli_build())
            rounds["warm"].append(warm_build())
            rounds["validate"].append(_cli(py, ["validate", str(city)]))
            rounds["version"].append(_cli(py, ["--version"]))
            if base_env is not None:
                rounds["baseline"].append(old_build())
        best = {k: min(v) for k, v in rounds.items()}
        res.update(
            city=city.parent.name,
            cli_s=best["cli"],
            warm_s=best["warm"],
            fixed_s=best["cli"] - best["warm"],
            validate_s=best["validate"],
            version_s=best["version"],
            load=os.getloadavg()[0],
        )
        print(f"\none-city build, {city.parent.name} (best of {repeats}, alternating rounds):")
        print(f"  docgen build (CLI)            {best['cli']:6.3f} s")
        print(f"  build_city in a warm process  {best['warm']:6.3f} s")
        print(
            f"  fixed cost of a fresh process {res['fixed_s']:6.3f} s  (target <= "
            f"{TARGET_FIXED_S}: {verdict(res['fixed_s'] <= TARGET_FIXED_S)})"
        )
        print(
            f"  docgen validate (CLI)         {best['validate']:6.3f} s  (target <= "
            f"{TARGET_VALIDATE_S}: {verdict(best['validate'] <= TARGET_VALIDATE_S)})"
        )
        print(f"  docgen --version              {best['version']:6.3f} s")
        res["targets"] = {
            "fixed": res["fixed_s"] <= TARGET_FIXED_S,
            "validate": best["validate"] <= TARGET_VALIDATE_S,
        }
        if "baseline" in best:
            ratio = best["cli"] / best["baseline"]
            res["baseline"].update(cli_s=best["baseline"], ratio=ratio)
            res["targets"]["vs_baseline"] = ratio <= TARGET_VS_BASELINE
            print(
                f"  docgen build at {baseline}      {best['baseline']:6.3f} s: now "
                f"{ratio:.2f} of it (target <= {TARGET_VS_BASELINE}: "
                f"{verdict(ratio <= TARGET_VS_BASELINE)})"
            )
        elif baseline:
            print(f"  baseline {baseline}: SKIPPED: {res['baseline'].get('skipped')}")
        res["imports"] = import_top(city, work / "imports")
        print("  slowest imports of docgen build (cumulative, -X importtime, one run):")
        for name, ms in res["imports"]:
            print(f"    {ms:7.1f} ms  {name}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument(
        "--baseline", default=BASELINE_COMMIT, help="older commit to compare with ('none': skip)"
    )
    args = ap.parse_args()
    print_machine(machine())
    run(args.repeats, None if args.baseline == "none" else args.baseline)


if __name__ == "__main__":
    sys.exit(main())
