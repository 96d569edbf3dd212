"""``docgen batch``: many cities at once, isolated from each other, incremental, with a report.

Every city is accounted for. The folders given are searched for every ``*.json`` (any case,
symlinked folders followed, each folder once); a file is a city candidate unless it is clearly
something else: valid JSON (UTF-8, or UTF-16/GBK) without the city schema marker is listed as
skipped, with its path and the reason, never silently dropped. A candidate that cannot be read
(a dangling link, a named pipe, a device, a file too large), decoded, or parsed is a failed city
with its reason.

Cross-city checks run first (one applicant in two cities, two files for one city). Then, before
anything is built, every city's output folder ``OUT/<division_code>`` and OUT itself are checked
(see ``docgen.output``): OUT may not be or hold any city's folder or inputs, and must be new,
empty, or docgen's own batch folder; otherwise the whole batch is refused and nothing is touched.

Every remaining city is built in a process of its own that shares nothing mutable; a process
that dies (killed, out of memory) fails its city only, and what it left behind (temporary folder,
lock) is cleaned. A city is skipped when its build key is unchanged and every file its manifest
lists is there, unchanged. The province summary lists every city of the province, marking those
without a file (未提交) and those that failed (生成失败); a missing city alone does not make the
batch fail (a batch of some cities is legitimate), a failed one does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import signal
import stat
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from . import __version__
from .build import ROLES, BuildOptions, build_city, input_key, input_paths, warm_up
from .edition import load_edition
from .errors import BuildError, DocgenError, Finding, InputError
from .manifest import (
    MARKER,
    MARKER_KEY,
    MAX_MANIFEST_BYTES,
    AnyManifest,
    FolderManifest,
    PacketManifest,
    read_manifest,
)
from .model import City, load_city, read_city_bytes
from .output import (
    check_out_dir,
    existing_folder,
    foreign_entries,
    guarded_output,
    name_list,
    os_error_message,
    out_target,
    read_manifest_files,
)

REPORT_NAME = "batch-report.json"
PROVINCE_DIR = "province"
DIED = "生成进程意外终止（可能内存不足或被强制结束）"

_CODE_DIR = re.compile(r"[0-9]{6}")
# What docgen itself leaves in a batch folder for a moment: a city's or the province's lock,
# temporary and previous folders (docgen.output), and the report being written.
_TRANSIENT = re.compile(
    r"\.(?:[0-9]{6}|province)\.docgen-(?:lock|old|tmp-[0-9]+(?:-[0-9]+)?)"
    r"|\.batch-report\.json\.tmp-[0-9]+"
)
_CITY_MARK = "docgen.city/"
_DIVISION_CODE = re.compile(r'"division_code"\s*:\s*"([0-9]{6})"')


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


@dataclass(frozen=True)
class SkippedFile:
    """A ``*.json`` found in a folder that is evidently not a city file."""

    file: str
    reason: str


@dataclass(frozen=True)
class Discovery:
    """What the paths given to ``batch`` hold: the city candidates (each is built or fails
    with its reason), the JSON files that are not city files, and the folders that could not
    be searched (each becomes a failed entry)."""

    files: list[Path]
    skipped: list[SkippedFile]
    unsearchable: list[SkippedFile]


@dataclass(frozen=True)
class MissingCity:
    division_code: str
    city: str


@dataclass
class BatchResult:
    out_dir: Path
    cities: list[CityOutcome]
    seconds: float
    province: list[str]
    skipped_files: list[SkippedFile] = field(default_factory=list)
    missing: list[MissingCity] = field(default_factory=list)
    province_error: str | None = None

    @property
    def ok(self) -> bool:
        """Every city found was built or is up to date, and the province summary was written.
        Cities of the province with no file in the batch (未提交) do not count against it."""
        return self.province_error is None and all(
            c.status in ("built", "skipped") for c in self.cities
        )


Progress = Callable[[str, CityOutcome | None], None]


# --------------------------------------------------------------------------- discovery


def find_city_files(paths: Iterable[Path]) -> list[Path]:
    """City files named directly, and every city candidate inside named folders."""
    return discover(paths).files


def discover(paths: Iterable[Path], exclude: Iterable[Path] = ()) -> Discovery:
    """Search ``paths``: a file is a candidate as given; a folder is searched recursively for
    ``*.json`` (any case), following symlinked folders, each real folder once (no loops), never
    entering a folder of ``exclude`` (the batch's own OUT) or docgen's transient folders."""
    excluded = {out_target(p) for p in exclude}
    files: list[Path] = []
    skipped: list[SkippedFile] = []
    unsearchable: list[SkippedFile] = []
    seen: set[tuple[int, int]] = set()
    for p in paths:
        try:
            is_dir = stat.S_ISDIR(os.stat(p).st_mode)
        except (OSError, ValueError):
            is_dir = False
        if not is_dir:
            files.append(p)  # named directly: load_city says what is wrong with it
            continue
        for path, reason in _search(p, excluded, seen, unsearchable):
            if reason is None:
                files.append(path)
            else:
                skipped.append(SkippedFile(str(path), reason))
    unique: dict[str, Path] = {}
    for f in files:
        unique.setdefault(os.path.realpath(f), f)
    return Discovery(list(unique.values()), skipped, unsearchable)


def discover_for(paths: Iterable[Path], out_dir: Path) -> Discovery:
    """``discover`` for a batch into ``out_dir``: OUT is left out of the search only when it is
    docgen's own batch folder (then it holds nothing but docgen's output). Any other OUT is
    searched like the rest, so a city file in it is found, and the batch refused for it."""
    try:
        _check_batch_root(out_dir)
    except BuildError:
        return discover(paths)
    return discover(paths, exclude=(out_dir,))


def _search(
    root: Path,
    excluded: set[Path],
    seen: set[tuple[int, int]],
    unsearchable: list[SkippedFile],
) -> Iterator[tuple[Path, str | None]]:
    """(path, None) for each candidate below ``root``, (path, reason) for each JSON file that
    is not a city file; depth first, names sorted."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
        except OSError as exc:
            message = os_error_message(exc, "读取文件夹", folder, out_unchanged=False)
            unsearchable.append(SkippedFile(str(folder), f"{message}；其中的城市申报文件无法查找"))
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen or out_target(folder) in excluded:
            continue  # a folder seen through another link (or a link loop), or OUT itself
        seen.add(key)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            message = os_error_message(exc, "读取文件夹", folder, out_unchanged=False)
            unsearchable.append(SkippedFile(str(folder), f"{message}；其中的城市申报文件无法查找"))
            continue
        below: list[Path] = []
        for entry in entries:
            path = Path(folder) / entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                if not _TRANSIENT.fullmatch(entry.name):
                    below.append(path)
            elif entry.name.lower().endswith(".json"):
                yield path, _not_a_city(path)
        stack.extend(reversed(below))


def _not_a_city(path: Path) -> str | None:
    """Why ``path`` is clearly not a city file, or None when it is a candidate: a city file, or
    one that cannot be read, decoded or parsed (it then fails with the reason)."""
    try:
        raw = read_city_bytes(path)  # never opens a FIFO, socket or device
    except InputError:
        return None
    data = _any_json(raw)
    if data is _UNPARSED:
        return None
    if not isinstance(data, dict):
        return "是 JSON 文件，但最外层不是对象 {…}，不是城市申报文件"
    schema = data.get("schema")
    if isinstance(schema, str) and schema.startswith(_CITY_MARK):
        return None
    if schema is None and ("city" in data or "applications" in data):
        return None  # a city file without its schema line: load_city names the problem
    if schema is None:
        return f"是 JSON 文件，但没有“schema”: “{_CITY_MARK}1”，不是城市申报文件"
    return f"是 JSON 文件，schema 为“{str(schema)[:60]}”，不是城市申报文件"


_UNPARSED = object()


def _any_json(raw: bytes) -> Any:
    """``raw`` parsed as JSON in any encoding a text editor may have saved it in (UTF-8 with or
    without BOM, UTF-16 with BOM, GBK); ``_UNPARSED`` when none gives valid JSON."""
    texts: list[str] = []
    for encoding in ("utf-8-sig", "utf-16", "gbk"):
        if encoding == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        with contextlib.suppress(UnicodeDecodeError):
            texts.append(raw.decode(encoding))
    for text in texts:
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            continue
    return _UNPARSED


def _guess_code(path: Path) -> str | None:
    """The division code of a city file that could not be loaded: from its text when it has one
    (a truncated or mis-encoded file), else from its folder's name (samples/451400/city.json)."""
    with contextlib.suppress(InputError):
        raw = read_city_bytes(path)
        for encoding in ("utf-8", "utf-16", "gbk"):
            if encoding == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                continue
            found = _DIVISION_CODE.search(raw.decode(encoding, errors="replace"))
            if found:
                return found.group(1)
    name = path.name if os.path.isdir(path) else path.parent.name
    return name if _CODE_DIR.fullmatch(name) else None


# --------------------------------------------------------------------------- the batch
#
# run_batch calls one function per stage, each handing the next its typed result:
#   discover_for -> Discovery -> load_cities -> LoadedCities -> prepare_out -> CheckedOut
#   -> plan_cities -> CityPlan -> build_cities -> plan_province -> ProvincePlan
#   -> summarize_province -> ProvinceOutcome -> report.


@dataclass(frozen=True)
class LoadedCities:
    """Every candidate loaded and cross-checked. ``outcomes`` has one entry per file (same
    index), filled in by the later stages; ``cities`` holds those still to be built or skipped,
    ``loaded`` every file that could be loaded (cross-city conflicts included); ``problems``
    the folders that could not be searched, each a failed entry."""

    files: list[Path]
    outcomes: list[CityOutcome]
    cities: dict[int, City]
    loaded: dict[int, City]
    problems: list[CityOutcome]


@dataclass(frozen=True)
class CheckedOut:
    """OUT may be written for every city, and exists: ``root`` is the folder really written
    (``out_target``), ``inputs`` each city's input files (by index)."""

    root: Path
    inputs: dict[int, tuple[Path, ...]]


@dataclass(frozen=True)
class CityPlan:
    """Which cities are built (``todo``, by index) and each city's build key (by division
    code; "" when it cannot be computed). The skipped ones are already filled in."""

    keys: dict[str, str]
    todo: list[int]


@dataclass(frozen=True)
class ProvincePlan:
    """What the province summary lists: the cities built or up to date, the failed ones
    (division code -> name), the edition, the summary's build key and its date (填报日期:
    ``--date``, else the latest submission date of the cities listed; None: none listed)."""

    cities: list[City]
    failed: dict[str, str]
    edition_id: str | None
    key: str
    on: date | None = None


@dataclass(frozen=True)
class ProvinceOutcome:
    files: list[str]
    missing: list[MissingCity]
    error: str | None


def run_batch(
    paths: Sequence[Path],
    out_dir: Path,
    options: BuildOptions | None = None,
    *,
    jobs: int | None = None,
    force: bool = False,
    progress: Progress | None = None,
    found: Discovery | None = None,
    dated: date | None = None,
) -> BatchResult:
    """Build every city of ``paths`` into ``out_dir``; raise ``BuildError`` (nothing touched)
    when OUT may not be written for some city. ``dated``: the province summary's date (None:
    the latest submission date of the cities it lists)."""
    options = options or BuildOptions()
    say = progress or (lambda _msg, _c: None)
    started = time.perf_counter()
    found = found or discover_for(paths, out_dir)
    batch = load_cities(found, options.edition_dirs)
    from .output import RememberedDigests, lock

    digests = RememberedDigests()  # each output file is hashed once for the checks below
    with digests:
        # May OUT be written, for every city? Decided before anything is built or touched.
        out = prepare_out(out_dir, batch, options)

    with lock(out.root):  # one batch at a time in one OUT
        with digests:
            _check_batch_root(out_dir)
            plan = plan_cities(batch, out_dir, options, out.inputs, force=force, say=say)
        for outcome in (*batch.outcomes, *batch.problems):
            if outcome.status in ("invalid", "failed"):
                say("失败", outcome)
        build_cities(batch, plan, out_dir, options, jobs=jobs, say=say)
        outcomes = [*batch.outcomes, *batch.problems]
        province = summarize_province(
            plan_province(batch, plan, outcomes, dated), out_dir, options, force=force
        )
        result = BatchResult(
            out_dir,
            outcomes,
            time.perf_counter() - started,
            province.files,
            skipped_files=list(found.skipped),
            missing=province.missing,
            province_error=province.error,
        )
        _write_report(result)
    return result


def load_cities(found: Discovery, edition_dirs: Sequence[Path] = ()) -> LoadedCities:
    """Load every candidate (a file that cannot be loaded is invalid, with its findings), then
    the cross-city checks: a city in two files, an applicant in two cities. ``edition_dirs``:
    where the editions the cities name are looked for first (``BuildOptions.edition_dirs``)."""
    files = found.files
    outcomes = [CityOutcome(file=str(f)) for f in files]
    cities: dict[int, City] = {}
    loaded: dict[int, City] = {}
    for i, f in enumerate(files):
        try:
            city = load_city(f, edition_dirs)
        except InputError as exc:
            _fail(outcomes[i], exc.findings, "invalid")
            continue
        cities[i] = loaded[i] = city
        outcomes[i].division_code = city.city.division_code
        outcomes[i].city = city.city.name
    for i, finding in _cross_city_findings(files, cities):
        _fail(outcomes[i], [finding], "invalid")
        cities.pop(i, None)
    problems = [
        CityOutcome(
            file=u.file,
            status="failed",
            errors=[{"path": "（文件夹）", "level": "error", "message": u.reason}],
        )
        for u in found.unsearchable
    ]
    return LoadedCities(files, outcomes, cities, loaded, problems)


def prepare_out(out_dir: Path, batch: LoadedCities, options: BuildOptions) -> CheckedOut:
    """Refuse (BuildError, nothing touched) when OUT may not be written for some city; else
    create OUT."""
    inputs = {i: input_paths(city, batch.files[i], options) for i, city in batch.cities.items()}
    _check_outputs(out_dir, batch.files, batch.cities, inputs)
    root = out_target(out_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(os_error_message(exc, "创建输出文件夹", out_dir)) from exc
    return CheckedOut(root, inputs)


def plan_cities(
    batch: LoadedCities,
    out_dir: Path,
    options: BuildOptions,
    inputs: dict[int, tuple[Path, ...]],
    *,
    force: bool,
    say: Progress,
) -> CityPlan:
    """Each city's build key; a city whose key is unchanged and whose folder holds exactly its
    previous packet is skipped (filled in from its manifest), the others are to be built."""
    from .render.fonts import files_fingerprint

    fonts_fp = files_fingerprint(options.font_dirs)
    keys: dict[str, str] = {}
    todo: list[int] = []
    for i, city in sorted(batch.cities.items()):
        outcome = batch.outcomes[i]
        if outcome.status != "pending":
            continue
        target = out_dir / city.city.division_code
        key = _input_key(city, batch.files[i], options, fonts_fp, inputs[i])
        keys[city.city.division_code] = key or ""
        outcome.out_dir = str(target)
        previous = None if force or key is None else _up_to_date(target, key, PacketManifest)
        if previous is not None:
            outcome.status = "skipped"
            outcome.pages = previous.bundle.pages
            outcome.outputs = [f.path for f in previous.files]
            outcome.warnings = _warnings(previous)
            say("跳过（未改动）", outcome)
            continue
        todo.append(i)
    return CityPlan(keys, todo)


def build_cities(
    batch: LoadedCities,
    plan: CityPlan,
    out_dir: Path,
    options: BuildOptions,
    *,
    jobs: int | None,
    say: Progress,
) -> None:
    """Build the planned cities, each in a process of its own, ``jobs`` at a time; each
    city's outcome is filled in as its process ends."""
    cities = batch.cities

    def done(i: int, data: dict[str, Any]) -> None:
        if data.get("died"):
            target = out_dir / cities[i].city.division_code
            data = _after_death(data, target, plan.keys.get(cities[i].city.division_code))
        _apply(batch.outcomes[i], data)
        say("完成", batch.outcomes[i])

    todo = plan.todo
    jobs_list = [
        (i, str(batch.files[i]), str(out_dir / cities[i].city.division_code)) for i in todo
    ]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    if todo:
        # Each forked worker starts warm. Caches only: a font or edition that fails here fails
        # in its city's worker too, with that city's message, so nothing is lost by going on.
        with contextlib.suppress(Exception):
            warm_up(options, [cities[i].edition for i in todo])
    _run_workers(jobs_list, options, workers, done)


def plan_province(
    batch: LoadedCities,
    plan: CityPlan,
    outcomes: Sequence[CityOutcome],
    dated: date | None = None,
) -> ProvincePlan:
    """The province summary's cities (built or up to date), the failed ones (by division code,
    guessed for a file that could not be loaded), its edition (the one most cities use), its
    date (``dated``, else ``province_date``: the latest submission date of the cities listed)
    and its build key (every listed city's key, the failed codes, and the date)."""
    from .compose.province import province_date

    good = [
        batch.cities[i] for i in sorted(batch.cities) if outcomes[i].status in ("built", "skipped")
    ]
    good_codes = {c.city.division_code for c in good}
    failed: dict[str, str] = {}
    for outcome in outcomes:
        if outcome.status in ("invalid", "failed"):
            code = outcome.division_code or _guess_code(Path(outcome.file))
            if code and code not in good_codes:
                failed.setdefault(code, outcome.city or "")
    editions = Counter(c.edition for c in (good or batch.loaded.values()))
    edition_id = min(editions, key=lambda e: (-editions[e], e)) if editions else None
    on = dated or province_date(good)
    key = hashlib.sha256(
        json.dumps(
            [
                sorted(
                    (c.city.division_code, plan.keys.get(c.city.division_code, "")) for c in good
                ),
                sorted(failed),
                on.isoformat() if on else "",
            ]
        ).encode()
    ).hexdigest()
    return ProvincePlan(good, failed, edition_id, key, on)


def summarize_province(
    plan: ProvincePlan, out_dir: Path, options: BuildOptions, *, force: bool
) -> ProvinceOutcome:
    """The province summary, written (or left as it is when up to date); a failure to write it
    is the batch's error, not an exception."""
    try:
        files, missing = _province(
            plan.cities,
            out_dir,
            options,
            plan.key,
            force=force,
            failed=plan.failed,
            edition_id=plan.edition_id,
            on=plan.on,
        )
    except DocgenError as exc:
        return ProvinceOutcome([], [], f"全区汇总表未能生成：{exc}")
    return ProvinceOutcome(files, missing, None)


def _input_key(
    city: City, file: Path, options: BuildOptions, fonts_fp: str, inputs: Sequence[Path]
) -> str | None:
    """The build key, or None when some input is not a readable regular file (the city is then
    built, and the build names the problem): a FIFO attachment is never opened here."""
    for path in inputs:
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):
                return None
        except OSError:
            return None
    try:
        return input_key(city, file, options, fonts_fp)
    except (OSError, ValueError):
        return None


def _up_to_date(target: Path, key: str, kind: type[AnyManifest]) -> AnyManifest | None:
    """The previous manifest of ``target`` (a city's packet or the province summary, ``kind``)
    when it need not be rebuilt: same build key, and every file the manifest lists present and
    unchanged (sha256), nothing else there. A manifest docgen cannot read as ``kind`` (an older
    docgen's, edited by hand) means: rebuild."""
    previous = read_manifest(target, kind)
    if previous is None or previous.build_key != key:
        return None
    listed = read_manifest_files(target)
    if listed is None:
        return None
    for rel in listed:
        try:
            if not stat.S_ISREG(os.lstat(target / rel).st_mode):
                return None
        except OSError:
            return None
    try:
        foreign, changed = foreign_entries(target)
    except OSError:
        return None
    return None if foreign or changed else previous


def _check_outputs(
    out_dir: Path,
    files: Sequence[Path],
    cities: dict[int, City],
    inputs: dict[int, tuple[Path, ...]],
) -> None:
    """Refuse (BuildError, nothing touched) when OUT would overlap any city's inputs, or a
    city's output folder or OUT itself is not docgen's to replace."""
    root = out_target(out_dir)
    for f in files:
        real = out_target(f)
        if root == real.parent or root in real.parents:
            raise BuildError(
                f"输出文件夹“{out_dir}”包含城市申报文件“{f}”；docgen 不会把材料写进输入文件夹，"
                "以免覆盖申报文件和附件。请用 -o 指定另一个文件夹。批量生成未开始，没有改动任何文件"
            )
    for i, city in sorted(cities.items()):
        try:
            check_out_dir(out_dir / city.city.division_code, inputs[i], files[i].parent)
        except BuildError as exc:
            raise BuildError(
                f"城市申报文件“{files[i]}”：{exc}。批量生成未开始，没有改动任何文件"
            ) from exc
    _check_batch_root(out_dir)


def _check_batch_root(out_dir: Path) -> None:
    """OUT of a batch is new, empty, or docgen's batch folder: nothing in it but docgen's
    report, province summary and city folders (each docgen's own, see ``check_out_dir``) and
    docgen's transient lock and temporary entries."""
    root = existing_folder(out_dir)
    if root is None:
        return
    try:
        names = sorted(os.listdir(root))
    except OSError as exc:
        raise BuildError(os_error_message(exc, "读取输出文件夹", out_dir)) from exc
    foreign: list[str] = []
    for name in names:
        path = root / name
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            continue  # gone meanwhile
        if name == REPORT_NAME:
            if not (stat.S_ISREG(mode) and _is_docgen_report(path)):
                foreign.append(name)
        elif name == PROVINCE_DIR or _CODE_DIR.fullmatch(name):
            if not stat.S_ISDIR(mode):
                foreign.append(name)
            else:
                check_out_dir(path)  # names a foreign or edited file inside, if any
        elif not _TRANSIENT.fullmatch(name):
            foreign.append(name)
    if foreign:
        raise BuildError(
            f"输出文件夹“{out_dir}”已有其他文件（如 {name_list(foreign)}），docgen 不会覆盖；批量生成的输出文件夹"
            "只能是新的、空的，或 docgen 以前批量生成的文件夹。请换一个空文件夹或删除这些文件。"
            "批量生成未开始，没有改动任何文件"
        )


def _is_docgen_report(path: Path) -> bool:
    try:
        if os.lstat(path).st_size > MAX_MANIFEST_BYTES:
            return False
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict) or not isinstance(data.get("cities"), list):
        return False
    return data.get(MARKER_KEY) == MARKER or (
        isinstance(data.get("docgen"), str) and MARKER_KEY not in data  # before the marker
    )


# --------------------------------------------------------------------------- the workers


Job = tuple[int, str, str]  # index, city file, output folder


def _run_workers(
    jobs: Sequence[Job],
    options: BuildOptions,
    workers: int,
    done: Callable[[int, dict[str, Any]], None],
) -> None:
    """Build each job in a process of its own, ``workers`` at a time; ``done(i, summary)`` as
    each finishes. A process that dies without an answer (SIGKILL, out of memory) fails its
    city alone; what it left (temporary folder, lock) is cleaned. On an interruption every
    running process is killed and cleaned up before the interruption goes on."""
    ctx = multiprocessing.get_context()
    queue = list(jobs)
    running: dict[Connection, tuple[Any, int, str]] = {}
    try:
        while queue or running:
            while queue and len(running) < workers:
                i, file, target = queue.pop(0)
                receive, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_worker, args=(send, file, target, options), daemon=True)
                proc.start()
                send.close()  # the child holds the only writing end: EOF when it dies
                running[receive] = (proc, i, target)
            for conn in wait(list(running)):
                assert isinstance(conn, Connection)
                proc, i, target = running.pop(conn)
                try:
                    data: dict[str, Any] | None = conn.recv()
                except (EOFError, OSError):
                    data = None
                conn.close()
                proc.join(30)
                if proc.is_alive():
                    proc.kill()
                    proc.join()
                if data is None:
                    _clean_after(Path(target))
                    data = _died(proc.exitcode)
                done(i, data)
    finally:
        for conn, (proc, _i, target) in running.items():
            proc.kill()
            proc.join()
            conn.close()
            _clean_after(Path(target))


def _worker(conn: Connection, file: str, target: str, options: BuildOptions) -> None:
    """The body of a worker process: dies with the parent, leaves Ctrl-C to it."""
    from .procs import worker_init

    worker_init()
    try:
        data = _build_one(file, target, options)
    except BaseException as exc:  # reported as this city's failure
        data = {
            "status": "failed",
            "errors": [{"path": file, "level": "error", "message": f"生成失败：{exc!r}"}],
        }
    conn.send(data)
    conn.close()


def _after_death(data: dict[str, Any], target: Path, key: str | None) -> dict[str, Any]:
    """What a city whose worker died has in its output folder, said exactly. The swap into
    OUT is atomic: either the folder holds a complete packet of the current inputs (the worker
    died after writing it), or it is as before the batch (the unfinished files are removed)."""
    previous = _up_to_date(target, key, PacketManifest) if key else None
    if previous is not None:
        return {
            "status": "built",
            "pages": previous.bundle.pages,
            "outputs": [f.path for f in previous.files],
            "warnings": [
                *_warnings(previous),
                {
                    "path": "（生成过程）",
                    "level": "warning",
                    "message": f"{DIED}{data['how']}；输出文件夹“{target}”中的材料完整，"
                    "与当前输入一致",
                },
            ],
            "errors": [],
        }
    where = (
        f"输出文件夹“{target}”保持本次生成前的内容，生成中途的文件已清除"
        if key
        else f"请检查输出文件夹“{target}”"
    )
    return {
        "status": "failed",
        "errors": [
            {
                "path": "（生成过程）",
                "level": "error",
                "message": f"{DIED}{data['how']}。{where}；请重新运行 docgen batch 生成该城市",
            }
        ],
    }


def _died(exitcode: int | None) -> dict[str, Any]:
    how = ""
    if exitcode is not None and exitcode < 0:
        try:
            how = f"；结束信号 {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"；结束信号 {-exitcode}"
    elif exitcode:
        how = f"；退出码 {exitcode}"
    return {
        "died": True,
        "how": how,
        "status": "failed",
        "errors": [{"path": "（生成过程）", "level": "error", "message": f"{DIED}{how}"}],
    }


def _clean_after(target: Path) -> None:
    """Remove what a dead worker left beside ``target``: its temporary folder (docgen.output's
    recovery, for folders of dead processes) and the lock, taken first so a live holder's lock
    is never removed."""
    from .output import lock, recover

    real = out_target(target)
    with contextlib.suppress(BuildError, OSError), lock(real):
        recover(real)


def _build_one(file: str, target: str, options: BuildOptions) -> dict[str, Any]:
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
        "pages": m.bundle.pages,
        "outputs": [f.path for f in m.files],
        "warnings": _warnings(m),
        "errors": [],
        "seconds": result.seconds,
    }


def _warnings(manifest: PacketManifest) -> list[dict[str, str]]:
    """A packet's warnings as the batch report lists them."""
    return [{"path": w.path, "message": w.message} for w in manifest.warnings]


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


# --------------------------------------------------------------------------- province, report


def _province(
    cities: list[City],
    out_dir: Path,
    options: BuildOptions,
    key: str,
    *,
    force: bool,
    failed: dict[str, str],
    edition_id: str | None,
    on: date | None = None,
) -> tuple[list[str], list[MissingCity]]:
    """Write the province summary; return its files and the cities of the province it marks
    未提交 (no file in this batch)."""
    files = _write_province(
        cities, out_dir, options, key, force=force, failed=failed, edition_id=edition_id, on=on
    )
    if edition_id is None:
        return files, []
    from .compose.province import province_cities

    present = {c.city.division_code for c in cities} | set(failed)
    edition = load_edition(edition_id, options.edition_dirs)
    missing = [MissingCity(code, name) for code, name in province_cities(edition)]
    return files, [m for m in missing if m.division_code not in present]


def _write_province(
    cities: list[City],
    out_dir: Path,
    options: BuildOptions,
    key: str,
    *,
    force: bool = False,
    failed: dict[str, str] | None = None,
    edition_id: str | None = None,
    on: date | None = None,
) -> list[str]:
    """The province summary; left as it is when the cities it lists are all unchanged and its
    files are all there, unchanged. Written whenever the edition is known, even when no city
    could be built: every city then shows as 未提交 or 生成失败, never an old summary. ``on``:
    its date (None: the latest submission date of ``cities``, see ``province_date``)."""
    if not cities and edition_id is None:
        return []
    target = out_dir / PROVINCE_DIR
    if not force:
        previous = _up_to_date(target, key, FolderManifest)
        if previous is not None:
            return [f.path for f in previous.files]

    from .compose.province import compose_province, province_document
    from .editionfiles import packet_texts
    from .output import safe_name
    from .pdfinfo import with_content_id
    from .render.fonts import resolve_fonts
    from .render.pdf import render_pdf
    from .render.xlsx import render_province_xlsx

    editions = sorted({c.edition for c in cities})
    edition = load_edition(edition_id or editions[0], options.edition_dirs)
    table = compose_province(cities, edition, failed, on)
    fonts = resolve_fonts(options.font_dirs)
    families = {role: fonts.family(role) for role in ROLES}
    pdf = render_pdf([province_document(table)], fonts, seal_marks=options.seal_marks)
    stem = safe_name(packet_texts(edition).files.province)
    with guarded_output(target) as out:
        out.write(f"{stem}.xlsx", render_province_xlsx(table, families))
        out.write(f"{stem}.pdf", with_content_id(pdf.data))
        files = out.files()
        out.write_manifest(FolderManifest(docgen=__version__, build_key=key, files=files))
        return [f.path for f in files]


def _write_report(result: BatchResult) -> None:
    report = {
        MARKER_KEY: MARKER,
        "docgen": __version__,
        "ok": result.ok,
        "cities": [asdict(c) for c in result.cities],
        "skipped_files": [asdict(s) for s in result.skipped_files],
        "missing_cities": [asdict(m) for m in result.missing],
        "province": [f"{PROVINCE_DIR}/{p}" for p in result.province],
        "province_error": result.province_error,
        "totals": {
            "cities": len(result.cities),
            "built": sum(c.status == "built" for c in result.cities),
            "skipped": sum(c.status == "skipped" for c in result.cities),
            "failed": sum(c.status in ("invalid", "failed") for c in result.cities),
            "missing": len(result.missing),
            "skipped_files": len(result.skipped_files),
            "pages": sum(c.pages or 0 for c in result.cities),
            "seconds": round(result.seconds, 3),
        },
    }
    data = (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    root = out_target(result.out_dir)
    tmp = root / f".{REPORT_NAME}.tmp-{os.getpid()}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISDIR(os.lstat(tmp).st_mode):
                tmp.unlink()  # an earlier run's, killed while writing
        fd = os.open(tmp, flags | getattr(os, "O_BINARY", 0), 0o644)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, root / REPORT_NAME)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    except OSError as exc:
        message = os_error_message(exc, "写入批量生成报告", root / REPORT_NAME, out_unchanged=False)
        raise BuildError(f"{message}；各城市已生成的材料保留在输出文件夹中") from exc
