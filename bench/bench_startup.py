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
5. The top importers of a ``docgen build`` (``python -X importtime``), cumulative; the Word
   worker's imports (it shares the build's stderr) are left out.

Every tree is compiled to bytecode first (``compileall``), as an installed docgen is: with
``PYTHONDONTWRITEBYTECODE`` set each process would otherwise compile docgen's sources anew and
the figures would hold that. Besides wall times the CLI figures give CPU times (the process and
its Word worker), which a loaded machine disturbs less. Every command runs with ``python -P``:
without it ``python -m docgen`` started in the repository imports the repository's docgen
whatever ``PYTHONPATH`` says (so before this was fixed, the baseline of 4. ran this tree's code).

Run: .venv/bin/python bench/bench_startup.py [--repeats N] [--baseline COMMIT|none]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    ROOT,
    fresh_round,
    largest_sample,
    machine,
    print_machine,
    run_measured,
    verdict,
)

TARGET_FIXED_S = 0.4
TARGET_VALIDATE_S = 0.3
TARGET_VS_BASELINE = 0.5
BASELINE_COMMIT = "8849e4b"  # main before issue 16 (docs/performance.md keeps its figure)


def _cli(python: str, args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, CPU) of one ``docgen`` command. ``-P``: the working directory (the repository, as
    ``make bench`` runs) is not put first on sys.path, so that ``PYTHONPATH`` picks the
    baseline's docgen, not this tree's."""
    r = run_measured([python, "-P", "-m", "docgen", *args], timeout=600, env=env, sample_tree=False)
    if not r.ok:
        raise RuntimeError(f"docgen {' '.join(args)} failed ({r.returncode}): {r.stderr[-1500:]}")
    return r.wall, r.cpu


def _compile(tree: Path) -> None:
    """Bytecode for every module of ``tree``/docgen, as an installed package has it."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(tree / "docgen")],
        capture_output=True,
        timeout=300,
        check=False,
    )


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


# ``docgen build`` as ``python -m docgen`` runs it, then the modules the process holds.
_BUILD_PROBE = """
import json, sys
from docgen.cli import main
code = 0
try:
    main(["build", sys.argv[1], "-o", sys.argv[2]])
except SystemExit as exc:
    code = exc.code
print("MODULES " + json.dumps(sorted(sys.modules)))
print("EXIT " + json.dumps(code))
"""


def import_top(
    city: Path, out: Path, top: int = 12, env: dict[str, str] | None = None
) -> tuple[list[tuple[str, float]], bool]:
    """(module, cumulative ms) of the ``top`` slowest imports of one ``docgen build``'s own
    process, nested ones included (a parent's figure contains its children's), and whether
    that process imported python-docx. The Word worker is forked with ``-X importtime`` too
    and writes to the same stderr: a module the build's process does not hold at its end was
    imported by the worker and is left out."""
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run(
        [sys.executable, "-P", "-X", "importtime", "-c", _BUILD_PROBE, str(city), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    held: set[str] = set()
    code: Any = None
    for line in r.stdout.splitlines():
        if line.startswith("MODULES "):
            held = set(json.loads(line[len("MODULES ") :]))
        elif line.startswith("EXIT "):
            code = json.loads(line[len("EXIT ") :])
    if code not in (0, None) or not held:
        raise RuntimeError(f"docgen build failed ({code}): {r.stdout[-800:]} {r.stderr[-800:]}")
    rows: list[tuple[str, float]] = []
    for line in r.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _self, cumulative, name = line[len("import time:") :].split("|", 2)
        if cumulative.strip().isdigit() and name.strip() in held:
            rows.append((name.rstrip(), int(cumulative) / 1000.0))
    rows.sort(key=lambda kv: kv[1], reverse=True)
    return rows[:top], "docx" in held


def _cpu_now() -> float:
    """CPU seconds of this process and of its children reaped so far (the Word worker)."""
    import resource

    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run(repeats: int = 5, baseline: str | None = BASELINE_COMMIT) -> dict[str, Any]:
    from docgen.build import build_city

    res: dict[str, Any] = {}
    city = largest_sample()
    py = sys.executable
    work = Path(tempfile.mkdtemp(prefix="docgen-bench-startup-"))
    try:
        _compile(ROOT)
        base_env: dict[str, str] | None = None
        old_city = city
        if baseline:
            tree, why = _baseline_tree(baseline, work)
            if tree is None:
                res["baseline"] = {"skipped": why}
            else:
                _compile(tree)
                base_env = dict(os.environ, PYTHONPATH=str(tree))
                res["baseline"] = {"commit": baseline}
                # the baseline builds its own copy of the sample: city files gain fields that
                # older code refuses (e.g. indicators), so each side builds what it accepts
                own = tree / city.relative_to(ROOT)
                old_city = own if own.is_file() else city

        def cli_build() -> tuple[float, float]:
            out = work / "cli"
            shutil.rmtree(out, ignore_errors=True)
            return _cli(py, ["build", str(city), "-o", str(out)])

        def old_build() -> tuple[float, float]:
            out = work / "old"
            shutil.rmtree(out, ignore_errors=True)
            return _cli(py, ["build", str(old_city), "-o", str(out)], base_env)

        def warm_build() -> tuple[float, float]:
            out = work / "warm"
            shutil.rmtree(out, ignore_errors=True)
            fresh_round()  # the city as a fresh process builds it, not again
            c0, t0 = _cpu_now(), time.perf_counter()
            build_city(city, out)
            return time.perf_counter() - t0, _cpu_now() - c0

        warm_build()  # imports, fonts, edition: what the warm figure must not hold
        rounds: dict[str, list[tuple[float, float]]] = {
            "cli": [],
            "warm": [],
            "validate": [],
            "version": [],
        }
        if base_env is not None:
            rounds["baseline"] = []
        for _ in range(repeats):  # alternating: a slow spell hits every figure alike
            rounds["cli"].append(cli_build())
            rounds["warm"].append(warm_build())
            rounds["validate"].append(_cli(py, ["validate", str(city)]))
            rounds["version"].append(_cli(py, ["--version"]))
            if base_env is not None:
                rounds["baseline"].append(old_build())
        best = {k: min(w for w, _ in v) for k, v in rounds.items()}
        cpu = {k: min(c for _, c in v) for k, v in rounds.items()}
        res.update(
            city=city.parent.name,
            cli_s=best["cli"],
            warm_s=best["warm"],
            fixed_s=best["cli"] - best["warm"],
            validate_s=best["validate"],
            version_s=best["version"],
            cpu=cpu,
            fixed_cpu_s=cpu["cli"] - cpu["warm"],
            load=os.getloadavg()[0],
        )
        print(
            f"\none-city build, {city.parent.name} (best of {repeats}, alternating rounds; "
            f"wall, and CPU of the process and its Word worker; load {res['load']:.1f}):"
        )
        print(f"  docgen build (CLI)            {best['cli']:6.3f} s  (CPU {cpu['cli']:.3f} s)")
        print(f"  build_city in a warm process  {best['warm']:6.3f} s  (CPU {cpu['warm']:.3f} s)")
        print(
            f"  fixed cost of a fresh process {res['fixed_s']:6.3f} s  (CPU "
            f"{res['fixed_cpu_s']:.3f} s; target <= {TARGET_FIXED_S}: "
            f"{verdict(res['fixed_s'] <= TARGET_FIXED_S)})"
        )
        print(
            f"  docgen validate (CLI)         {best['validate']:6.3f} s  (CPU "
            f"{cpu['validate']:.3f} s; target <= {TARGET_VALIDATE_S}: "
            f"{verdict(best['validate'] <= TARGET_VALIDATE_S)})"
        )
        print(
            f"  docgen --version              {best['version']:6.3f} s  (CPU {cpu['version']:.3f} s)"
        )
        res["targets"] = {
            "fixed": res["fixed_s"] <= TARGET_FIXED_S,
            "validate": best["validate"] <= TARGET_VALIDATE_S,
        }
        if "baseline" in best:
            ratio = best["cli"] / best["baseline"]
            res["baseline"].update(
                cli_s=best["baseline"],
                cli_cpu_s=cpu["baseline"],
                ratio=ratio,
                cpu_ratio=cpu["cli"] / cpu["baseline"],
            )
            res["targets"]["vs_baseline"] = ratio <= TARGET_VS_BASELINE
            print(
                f"  docgen build at {baseline}      {best['baseline']:6.3f} s  (CPU "
                f"{cpu['baseline']:.3f} s): now {ratio:.2f} of its wall, "
                f"{res['baseline']['cpu_ratio']:.2f} of its CPU (target <= {TARGET_VS_BASELINE}: "
                f"{verdict(ratio <= TARGET_VS_BASELINE)})"
            )
        elif baseline:
            print(f"  baseline {baseline}: SKIPPED: {res['baseline'].get('skipped')}")
        res["imports"], res["docx_in_build"] = import_top(city, work / "imports")
        print(
            "  slowest imports of docgen build's own process (cumulative, -X importtime, one "
            f"run; python-docx imported: {'yes' if res['docx_in_build'] else 'no'}):"
        )
        for name, ms in res["imports"]:
            print(f"    {ms:7.1f} ms  {name}")
        if base_env is not None:
            old_top, old_docx = import_top(old_city, work / "imports-old", env=base_env)
            res["baseline"].update(imports=old_top, docx_in_build=old_docx)
            print(
                f"  the same at {baseline} (python-docx imported: {'yes' if old_docx else 'no'}):"
            )
            for name, ms in old_top:
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
