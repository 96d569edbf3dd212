"""``docgen batch``: many cities at once, isolated from each other, incremental, with a report.

Cross-city checks run first (one applicant in two cities, two files for one city); then every
remaining city is built in worker processes that share nothing mutable. A city whose inputs are
unchanged since its last successful build is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .build import BuildOptions, build_city, input_key
from .edition import load_edition
from .errors import DocgenError, Finding, InputError
from .model import City, load_city
from .output import guarded_output

REPORT_NAME = "batch-report.json"
PROVINCE_DIR = "province"


@dataclass
class CityOutcome:
    file: str
    division_code: str | None = None
    city: str | None = None
    status: str = "pending"  # built · skipped · invalid · failed
    pages: int | None = None
    seconds: float = 0.0
    out_dir: str | None = None
    outputs: list[str] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass
class BatchResult:
    out_dir: Path
    cities: list[CityOutcome]
    seconds: float
    province: list[str]

    @property
    def ok(self) -> bool:
        return all(c.status in ("built", "skipped") for c in self.cities)


Progress = Callable[[str, CityOutcome | None], None]


def find_city_files(paths: Iterable[Path]) -> list[Path]:
    """City files named directly, and every city file inside named folders (recursively)."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            for candidate in sorted(p.rglob("*.json")):
                if _looks_like_city(candidate):
                    found.append(candidate)
        else:
            found.append(p)
    unique: dict[Path, Path] = {}
    for f in found:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


def _looks_like_city(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b'"docgen.city/' in head


def run_batch(
    paths: Sequence[Path],
    out_dir: Path,
    options: BuildOptions | None = None,
    *,
    jobs: int | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> BatchResult:
    from .render.fonts import files_fingerprint

    options = options or BuildOptions()
    say = progress or (lambda _msg, _c: None)
    started = time.perf_counter()
    files = find_city_files(paths)
    outcomes = [CityOutcome(file=str(f)) for f in files]
    cities: dict[int, City] = {}

    # 1. load and validate every city; cross-city checks
    for i, f in enumerate(files):
        try:
            city = load_city(f)
        except InputError as exc:
            _fail(outcomes[i], exc.findings, "invalid")
            continue
        cities[i] = city
        outcomes[i].division_code = city.city.division_code
        outcomes[i].city = city.city.name
    for i, finding in _cross_city_findings(files, cities):
        _fail(outcomes[i], [finding], "invalid")
        cities.pop(i, None)

    # 2. skip unchanged cities
    fonts_fp = files_fingerprint(options.font_dirs)
    keys: dict[str, str] = {}
    todo: list[tuple[int, str]] = []
    for i, city in sorted(cities.items()):
        if outcomes[i].status != "pending":
            continue
        target = out_dir / city.city.division_code
        key = input_key(city, files[i], options, fonts_fp)
        keys[city.city.division_code] = key
        outcomes[i].out_dir = str(target)
        previous = _previous_manifest(target)
        if not force and previous is not None and previous.get("build_key") == key:
            outcomes[i].status = "skipped"
            outcomes[i].pages = previous.get("bundle", {}).get("pages")
            outcomes[i].outputs = [f["path"] for f in previous.get("files", [])]
            outcomes[i].warnings = previous.get("warnings", [])
            say("跳过（未改动）", outcomes[i])
            continue
        todo.append((i, key))

    # 3. build in worker processes
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    if workers == 1:
        for i, key in todo:
            _apply(
                outcomes[i],
                _build_one(
                    str(files[i]), str(out_dir / cities[i].city.division_code), options, key
                ),
            )
            say("完成", outcomes[i])
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {
                pool.submit(
                    _build_one,
                    str(files[i]),
                    str(out_dir / cities[i].city.division_code),
                    options,
                    key,
                ): i
                for i, key in todo
            }
            for fut in as_completed(futures):
                i = futures[fut]
                _apply(outcomes[i], fut.result())
                say("完成", outcomes[i])

    # 4. province summary and report
    good = [cities[i] for i in sorted(cities) if outcomes[i].status in ("built", "skipped")]
    province_key = hashlib.sha256(
        json.dumps(
            sorted((c.city.division_code, keys[c.city.division_code]) for c in good)
        ).encode()
    ).hexdigest()
    province = _write_province(good, out_dir, options, province_key, force=force)
    result = BatchResult(out_dir, outcomes, time.perf_counter() - started, province)
    _write_report(result)
    return result


def _build_one(file: str, target: str, options: BuildOptions, key: str) -> dict[str, Any]:
    """Runs in a worker process: build one city, return a plain summary (picklable)."""
    started = time.perf_counter()
    try:
        result = build_city(Path(file), Path(target), options, parallel=False)
    except InputError as exc:
        return {
            "status": "invalid",
            "errors": [f.as_dict() for f in exc.errors],
            "warnings": [f.as_dict() for f in exc.findings if f.level == "warning"],
            "seconds": time.perf_counter() - started,
        }
    except DocgenError as exc:
        return {
            "status": "failed",
            "errors": [{"path": file, "level": "error", "message": str(exc)}],
            "seconds": time.perf_counter() - started,
        }
    except Exception as exc:  # one city's crash must not stop the others
        return {
            "status": "failed",
            "errors": [
                {"path": file, "level": "error", "message": f"生成失败（程序错误）：{exc!r}"}
            ],
            "seconds": time.perf_counter() - started,
        }
    m = result.manifest
    return {
        "status": "built",
        "pages": m["bundle"]["pages"],
        "outputs": [f["path"] for f in m["files"]],
        "warnings": m["warnings"],
        "errors": [],
        "seconds": result.seconds,
    }


def _apply(outcome: CityOutcome, data: dict[str, Any]) -> None:
    outcome.status = data["status"]
    outcome.pages = data.get("pages")
    outcome.outputs = data.get("outputs", [])
    outcome.warnings = data.get("warnings", [])
    outcome.errors = data.get("errors", [])
    outcome.seconds = round(data.get("seconds", 0.0), 3)


def _fail(outcome: CityOutcome, findings: Sequence[Finding], status: str) -> None:
    outcome.status = status
    outcome.errors += [f.as_dict() for f in findings if f.level == "error"]
    outcome.warnings += [f.as_dict() for f in findings if f.level == "warning"]


def _cross_city_findings(
    files: Sequence[Path], cities: dict[int, City]
) -> list[tuple[int, Finding]]:
    out: list[tuple[int, Finding]] = []
    by_code: dict[str, list[int]] = defaultdict(list)
    by_uscc: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for i, city in cities.items():
        by_code[city.city.division_code].append(i)
        for j, app in enumerate(city.applications):
            if app.applicant.uscc:
                by_uscc[app.applicant.uscc.strip().upper()].append((i, j))
    for code, idx in by_code.items():
        if len(idx) > 1:
            names = "、".join(str(files[i]) for i in idx)
            for i in idx:
                out.append(
                    (
                        i,
                        Finding(
                            "city.division_code",
                            "error",
                            f"行政区划代码 {code} 出现在多个城市文件中（{names}）；每个设区市只能有一个申报文件",
                        ),
                    )
                )
    for code, places in by_uscc.items():
        city_ids = {i for i, _ in places}
        if len(city_ids) > 1:
            where = "；".join(f"{files[i]} 的 applications[{j}].applicant.uscc" for i, j in places)
            for i, j in places:
                out.append(
                    (
                        i,
                        Finding(
                            f"applications[{j}].applicant.uscc",
                            "error",
                            f"统一社会信用代码 {code} 同时出现在多个城市（{where}）；同一申报主体只能申报一次",
                        ),
                    )
                )
    return out


def _previous_manifest(target: Path) -> dict[str, Any] | None:
    try:
        return json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_province(
    cities: list[City], out_dir: Path, options: BuildOptions, key: str, *, force: bool = False
) -> list[str]:
    """The province summary; left as it is when the cities it lists are all unchanged."""
    if not cities:
        return []
    previous = _previous_manifest(out_dir / PROVINCE_DIR)
    if not force and previous is not None and previous.get("build_key") == key:
        names = [f["path"] for f in previous.get("files", [])]
        if all((out_dir / PROVINCE_DIR / n).is_file() for n in names):
            return names

    from .compose.province import compose_province, province_document
    from .render.fonts import resolve_fonts
    from .render.pdf import render_pdf
    from .render.xlsx import render_province_xlsx

    editions = {c.edition for c in cities}
    edition = load_edition(sorted(editions)[0], options.edition_dirs)
    table = compose_province(cities, edition)
    fonts = resolve_fonts(options.font_dirs)
    families = {role: fonts.family(role) for role in ("song", "hei", "kai", "fangsong")}
    pdf = render_pdf([province_document(table)], fonts, seal_marks=options.seal_marks)
    with guarded_output(out_dir / PROVINCE_DIR) as out:
        out.write("全区申报汇总表.xlsx", render_province_xlsx(table, families))
        out.write("全区申报汇总表.pdf", pdf.data)
        files = out.files()
        manifest = {"docgen": __version__, "build_key": key, "files": files}
        out.write(
            "manifest.json", (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
        )
        return [f["path"] for f in files]


def _write_report(result: BatchResult) -> None:
    result.out_dir.mkdir(parents=True, exist_ok=True)
    report = {
        "docgen": __version__,
        "ok": result.ok,
        "cities": [asdict(c) for c in result.cities],
        "province": [f"{PROVINCE_DIR}/{p}" for p in result.province],
        "totals": {
            "cities": len(result.cities),
            "built": sum(c.status == "built" for c in result.cities),
            "skipped": sum(c.status == "skipped" for c in result.cities),
            "failed": sum(c.status in ("invalid", "failed") for c in result.cities),
            "pages": sum(c.pages or 0 for c in result.cities),
            "seconds": round(result.seconds, 3),
        },
    }
    tmp = result.out_dir / f".{REPORT_NAME}.tmp"
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, result.out_dir / REPORT_NAME)
