"""`docgen batch` never loses a city nor a user's file.

Every ``*.json`` of a folder is built, reported as failed with its reason, or listed as skipped
(not a city file); the province summary lists every city of the province (未提交 / 生成失败); OUT
overlapping any city's inputs is refused before anything is built; a killed worker fails its city
alone; an interrupted or killed batch leaves no process, temporary folder or lock; a city is
skipped only when its packet is all there, unchanged.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from docgen.batch import DIED, discover
from docgen.errors import InputError
from docgen.model import MAX_CITY_FILE_BYTES, load_city

from .conftest import SAMPLES

DOCGEN = Path(sys.executable).parent / "docgen"
TIMEOUT = 300
PROVINCE_PDF = "全区申报汇总表.pdf"
PROVINCE_XLSX = "全区申报汇总表.xlsx"
ALL_CITIES = {
    "450100": "南宁市",
    "450200": "柳州市",
    "450300": "桂林市",
    "450400": "梧州市",
    "450500": "北海市",
    "450600": "防城港市",
    "450700": "钦州市",
    "450800": "贵港市",
    "450900": "玉林市",
    "451000": "百色市",
    "451100": "贺州市",
    "451200": "河池市",
    "451300": "来宾市",
    "451400": "崇左市",
}


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DOCGEN), *args], capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd
    )


def _report(out: Path) -> dict[str, Any]:
    return json.loads((out / "batch-report.json").read_text(encoding="utf-8"))


def _tree_hashes(folder: Path) -> dict[str, str]:
    """Every entry below ``folder`` (links not followed) with the sha256 of its content."""
    out: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(root) / name
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                out[rel] = f"link:{os.readlink(path)}"
            elif path.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _leftovers(*folders: Path) -> list[str]:
    """docgen's transient entries (locks, temporary and previous folders, report temp files)."""
    found: list[str] = []
    for folder in folders:
        if folder.is_dir():
            for root, dirs, files in os.walk(folder):
                for name in [*dirs, *files]:
                    if ".docgen-" in name or ".tmp-" in name:
                        found.append(str(Path(root) / name))
    return found


def _city_text(code: str, *, schema_last: bool = False) -> str:
    data = json.loads((SAMPLES / code / "city.json").read_text(encoding="utf-8"))
    if schema_last:
        data["schema"] = data.pop("schema")
    return json.dumps(data, ensure_ascii=False, indent=2)


def _copy_city(code: str, dest: Path, name: str = "city.json", **kw: bool) -> Path:
    shutil.copytree(SAMPLES / code, dest, ignore=shutil.ignore_patterns("city.json"))
    (dest / name).write_text(_city_text(code, **kw), encoding="utf-8")
    return dest / name


# --------------------------------------------------------------------------- discovery, unit


def _utf16(folder: Path) -> Path:
    path = folder / "c.json"
    path.write_bytes(_city_text("450500").encode("utf-16"))
    return path


def _gbk(folder: Path) -> Path:
    path = folder / "c.json"
    path.write_bytes(_city_text("450500").encode("gbk"))
    return path


def _truncated(folder: Path) -> Path:
    path = folder / "c.json"
    path.write_text(_city_text("450500")[:300], encoding="utf-8")
    return path


def _empty(folder: Path) -> Path:
    path = folder / "c.json"
    path.write_bytes(b"")
    return path


def _dangling(folder: Path) -> Path:
    path = folder / "c.json"
    path.symlink_to(folder / "nowhere.json")
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "c.json"
    os.mkfifo(path)
    return path


def _schema_after_4k(folder: Path) -> Path:
    path = folder / "c.json"
    text = _city_text("450500", schema_last=True)
    assert text.index('"schema"') > 4096
    path.write_text(text, encoding="utf-8")
    return path


def _upper_case(folder: Path) -> Path:
    path = folder / "CITY.JSON"
    path.write_text(_city_text("450500"), encoding="utf-8")
    return path


def _no_schema(folder: Path) -> Path:
    path = folder / "c.json"
    data = json.loads(_city_text("450500"))
    del data["schema"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _in_symlinked_folder(folder: Path) -> Path:
    real = folder.parent.parent / f"outside-{folder.name}"
    real.mkdir()
    (real / "city.json").write_text(_city_text("450500"), encoding="utf-8")
    (folder / "linked").symlink_to(real, target_is_directory=True)
    return folder / "linked" / "city.json"


def _in_folder_named_json(folder: Path) -> Path:
    (folder / "x.json").mkdir()
    path = folder / "x.json" / "city.json"
    path.write_text(_city_text("450500"), encoding="utf-8")
    return path


def _package_json(folder: Path) -> Path:
    path = folder / "package.json"
    path.write_text('{"name": "x", "version": "1.0.0"}', encoding="utf-8")
    return path


def _other_schema(folder: Path) -> Path:
    path = folder / "other.json"
    path.write_text('{"schema": "something/2", "a": 1}', encoding="utf-8")
    return path


def _json_array(folder: Path) -> Path:
    path = folder / "list.json"
    path.write_text("[1, 2, 3]", encoding="utf-8")
    return path


def _utf16_not_city(folder: Path) -> Path:
    path = folder / "settings.json"
    path.write_bytes('{"名称": "设置"}'.encode("utf-16"))
    return path


# (case, make the file, how discovery must classify it)
DISCOVERY: list[tuple[str, Callable[[Path], Path], str]] = [
    ("schema after the first 4 KB", _schema_after_4k, "candidate"),
    ("CITY.JSON", _upper_case, "candidate"),
    ("symlinked folder", _in_symlinked_folder, "candidate"),
    ("folder named x.json", _in_folder_named_json, "candidate"),
    ("UTF-16", _utf16, "candidate"),
    ("GBK", _gbk, "candidate"),
    ("truncated", _truncated, "candidate"),
    ("empty", _empty, "candidate"),
    ("dangling link (unreadable)", _dangling, "candidate"),
    ("FIFO", _fifo, "candidate"),
    ("city without its schema line", _no_schema, "candidate"),
    ("package.json", _package_json, "skipped"),
    ("other schema", _other_schema, "skipped"),
    ("JSON array", _json_array, "skipped"),
    ("UTF-16 JSON that is not a city", _utf16_not_city, "skipped"),
]


@pytest.mark.parametrize(("case", "make", "expected"), DISCOVERY, ids=[c[0] for c in DISCOVERY])
def test_discovery_never_drops_a_json_file(
    tmp_path: Path, case: str, make: Callable[[Path], Path], expected: str
) -> None:
    folder = tmp_path / "in" / "case"
    folder.mkdir(parents=True)
    path = make(folder)
    # discovery of a FIFO must not open it: run it in a child that is killed if it blocks
    code = (
        "import json, sys; from pathlib import Path; from docgen.batch import discover; "
        "d = discover([Path(sys.argv[1])]); "
        "print(json.dumps({'files': [str(f) for f in d.files], "
        "'skipped': [[s.file, s.reason] for s in d.skipped]}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "in")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    skipped = {f: reason for f, reason in found["skipped"]}
    if expected == "candidate":
        assert found["files"] == [str(path)], case
        assert skipped == {}
    else:
        assert found["files"] == []
        assert list(skipped) == [str(path)]
        assert "不是城市申报文件" in skipped[str(path)]


def test_discovery_survives_a_symlink_loop_and_lists_a_city_once(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    (inp / "a").mkdir(parents=True)
    (inp / "a" / "city.json").write_text(_city_text("450200"), encoding="utf-8")
    (inp / "a" / "loop").symlink_to(inp, target_is_directory=True)  # a/loop -> in
    (inp / "again").symlink_to(inp / "a", target_is_directory=True)  # the same folder twice
    found = discover([inp])
    assert [os.path.realpath(f) for f in found.files] == [str(inp / "a" / "city.json")]
    assert found.skipped == [] and found.unsearchable == []


# --------------------------------------------------------------------------- load_city


def test_load_city_refuses_a_fifo_at_once_never_reading_it(tmp_path: Path) -> None:
    fifo = tmp_path / "city.json"
    os.mkfifo(fifo)
    done = subprocess.run(
        [str(DOCGEN), "validate", str(fifo)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "命名管道" in done.stdout + done.stderr and str(fifo) in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("case", "make", "message"),
    [
        ("over 50 MB", lambda p: os.truncate(p, MAX_CITY_FILE_BYTES + 1), "最大 50 MB"),
        ("empty", lambda p: p.write_bytes(b""), "是空的"),
        ("a folder", lambda p: (p.unlink(), p.mkdir()), "是文件夹"),
        ("a dangling link", lambda p: (p.unlink(), p.symlink_to(p.parent / "gone")), "不存在"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_load_city_refuses_what_is_no_city_file(
    tmp_path: Path, case: str, make: Callable[[Path], Any], message: str
) -> None:
    path = tmp_path / "city.json"
    path.write_bytes(b"{}")
    make(path)
    with pytest.raises(InputError) as info:
        load_city(path)
    assert message in info.value.findings[0].message, case
    assert str(path) in info.value.findings[0].message


# --------------------------------------------------------------------------- a mixed folder


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three good cities (one with its schema after 4 KB, one named CITY.JSON in a symlinked
    folder), every kind of broken file, a non-city JSON and a link loop; batched once."""
    root = tmp_path_factory.mktemp("mixed")
    inp = root / "in"
    _copy_city("450200", inp / "450200")
    _copy_city("450300", inp / "450300", schema_last=True)
    _copy_city("451400", root / "elsewhere" / "451400", name="CITY.JSON")
    (inp / "linked").symlink_to(root / "elsewhere", target_is_directory=True)
    (inp / "loop").symlink_to(inp, target_is_directory=True)
    bad = {
        "utf16": _utf16,
        "gbk": _gbk,
        "truncated": _truncated,
        "empty": _empty,
        "dangling": _dangling,
        "fifo": _fifo,
    }
    files = {}
    for name, make in bad.items():
        (inp / "bad" / name).mkdir(parents=True)
        files[name] = make(inp / "bad" / name)
    _package_json(inp)
    out = root / "out"
    result = _run("batch", str(inp), "-o", str(out), "-j", "2")
    return {"in": inp, "out": out, "result": result, "bad": files}


# what the report says of each broken file
BAD_REASONS = {
    "utf16": "UTF-16",
    "gbk": "GBK",
    "truncated": "不是有效的 JSON",
    "empty": "是空的",
    "dangling": "不存在",
    "fifo": "命名管道",
}


def test_mixed_folder_every_city_is_built_or_failed_with_its_reason(mixed: dict[str, Any]) -> None:
    result = mixed["result"]
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    report = _report(mixed["out"])
    by_file = {c["file"]: c for c in report["cities"]}
    built = sorted(c["division_code"] for c in report["cities"] if c["status"] == "built")
    assert built == ["450200", "450300", "451400"]
    for name, reason in BAD_REASONS.items():
        entry = by_file[str(mixed["bad"][name])]
        assert entry["status"] == "invalid", name
        message = " ".join(e["message"] for e in entry["errors"])
        assert reason in message, (name, message)
        assert str(mixed["bad"][name]) in result.stdout
    assert len(report["cities"]) == 3 + len(BAD_REASONS)  # the loop adds nothing twice
    assert report["skipped_files"] == [
        {"file": str(mixed["in"] / "package.json"), "reason": report["skipped_files"][0]["reason"]}
    ]
    assert "不是城市申报文件" in report["skipped_files"][0]["reason"]
    assert str(mixed["in"] / "package.json") in result.stdout
    assert report["ok"] is False and report["totals"]["failed"] == len(BAD_REASONS)


def _counts_rows(xlsx: Path) -> dict[str, list[Any]]:
    ws = load_workbook(xlsx).worksheets[1]
    rows: dict[str, list[Any]] = {}
    for row in ws.iter_rows(min_row=3, values_only=True):
        if row[0] in ALL_CITIES.values():
            rows[row[0]] = list(row[1:])
    return rows


def test_province_summary_lists_all_fourteen_cities(mixed: dict[str, Any]) -> None:
    folder = mixed["out"] / "province"
    rows = _counts_rows(folder / PROVINCE_XLSX)
    assert list(rows) == list(ALL_CITIES.values())  # all 14, in division-code order
    assert rows["柳州市"][0] != "未提交" and rows["桂林市"][0] != "未提交"
    # the broken files are all copies of 北海市 (450500): its build failed
    assert rows["北海市"][0] == "生成失败"
    missing = [n for n in ALL_CITIES.values() if n not in ("柳州市", "桂林市", "崇左市", "北海市")]
    for name in missing:
        assert rows[name][0] == "未提交", name
    statement = load_workbook(folder / PROVINCE_XLSX).worksheets[0].cell(row=2, column=1).value
    assert "未提交10个" in statement and "生成失败1个：北海市" in statement

    pdfplumber = pytest.importorskip("pdfplumber")
    with pdfplumber.open(io.BytesIO((folder / PROVINCE_PDF).read_bytes())) as pdf:
        lines = [line for p in pdf.pages for line in (p.extract_text() or "").splitlines()]
    text = "".join("".join(line.split()) for line in lines)
    assert "未提交10个" in text and "生成失败1个：北海市" in text
    for name in ALL_CITIES.values():  # each city has its row in the counts table
        assert any(line.split()[:1] == [name] for line in lines), name
    assert [line.split() for line in lines if line.startswith("北海市")] == [["北海市", "生成失败"]]
    assert sum(line.split() == [n, "未提交"] for line in lines for n in missing) == len(missing)
    report = _report(mixed["out"])
    assert [m["city"] for m in report["missing_cities"]] == missing
    assert "未提交" in mixed["result"].stdout


def test_mixed_folder_leaves_no_lock_or_temporary_folder(mixed: dict[str, Any]) -> None:
    assert _leftovers(mixed["out"].parent) == []
    manifest = json.loads((mixed["out"] / "province" / "manifest.json").read_text("utf-8"))
    assert manifest["generator"] == "docgen"
    assert _report(mixed["out"])["generator"] == "docgen"


# --------------------------------------------------------------------------- OUT and the inputs


@pytest.fixture
def samples_copy(tmp_path: Path) -> Path:
    """A `samples`-like folder: two cities and a README."""
    root = tmp_path / "samples"
    for code in ("450200", "450300"):
        shutil.copytree(SAMPLES / code, root / code)
    (root / "README.md").write_text("说明\n", encoding="utf-8")
    return root


def _foreign_out(tmp: Path, samples: Path) -> Path:
    out = tmp / "thesis"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"my work")
    return out


def _docgen_city_out_with_extra_file(tmp: Path, samples: Path) -> Path:
    out = tmp / "out"
    (out / "450200").mkdir(parents=True)
    (out / "450200" / "manifest.json").write_text(
        json.dumps({"generator": "docgen", "docgen": "0", "files": []}), encoding="utf-8"
    )
    (out / "450200" / "notes.txt").write_text("mine", encoding="utf-8")
    return out


# (case, the OUT given, a word the message must hold)
REFUSED_OUT: list[tuple[str, Callable[[Path, Path], Path], str]] = [
    ("OUT is the samples folder", lambda tmp, s: s, "city.json"),
    ("OUT is a city's folder", lambda tmp, s: s / "450200", "city.json"),
    ("OUT is an attachment folder", lambda tmp, s: s / "450200" / "attachments", "450200"),
    ("OUT is a parent of the samples", lambda tmp, s: tmp, "city.json"),
    ("OUT holds a foreign file", _foreign_out, "thesis.docx"),
    ("a city folder of OUT holds a file", _docgen_city_out_with_extra_file, "notes.txt"),
]


@pytest.mark.parametrize(("case", "out_of", "word"), REFUSED_OUT, ids=[c[0] for c in REFUSED_OUT])
def test_out_overlapping_inputs_or_not_docgens_is_refused_and_nothing_touched(
    tmp_path: Path,
    samples_copy: Path,
    case: str,
    out_of: Callable[[Path, Path], Path],
    word: str,
) -> None:
    out = out_of(tmp_path, samples_copy)
    before = _tree_hashes(tmp_path)
    result = _run("batch", str(samples_copy), "-o", str(out), "-j", "2")
    assert result.returncode == 1, (case, result.stdout, result.stderr)
    assert word in result.stderr and "没有改动任何文件" in result.stderr, result.stderr
    assert _tree_hashes(tmp_path) == before  # inputs and OUT byte-identical, nothing added
    assert "Traceback" not in result.stderr


def test_batch_samples_into_samples_is_refused_from_the_shell(
    tmp_path: Path, samples_copy: Path
) -> None:
    """The exact command of the issue, run where a user would type it."""
    before = _tree_hashes(tmp_path)
    result = _run("batch", "samples", "-o", "samples", cwd=tmp_path)
    assert result.returncode == 1
    assert "samples/450200/city.json" in result.stderr
    assert _tree_hashes(tmp_path) == before


# --------------------------------------------------------------------------- up to date


@pytest.fixture
def two_built(tmp_path: Path) -> dict[str, Path]:
    inp = tmp_path / "in"
    for code in ("450200", "450300"):
        shutil.copytree(SAMPLES / code, inp / code)
    out = tmp_path / "out"
    first = _run("batch", str(inp), "-o", str(out), "-j", "2")
    assert first.returncode == 0, first.stdout + first.stderr  # missing cities alone: exit 0
    return {"in": inp, "out": out}


def _statuses(out: Path) -> dict[str, str]:
    return {c["division_code"]: c["status"] for c in _report(out)["cities"]}


def test_a_skip_needs_every_listed_file_unchanged(two_built: dict[str, Path]) -> None:
    inp, out = two_built["in"], two_built["out"]
    again = _run("batch", str(inp), "-o", str(out))
    assert again.returncode == 0 and set(_statuses(out).values()) == {"skipped"}

    # a listed file deleted: that city is built again, the other skipped
    victim = next(p for p in (out / "450200").iterdir() if p.name.endswith(".docx"))
    victim.unlink()
    rebuilt = _run("batch", str(inp), "-o", str(out))
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert _statuses(out) == {"450200": "built", "450300": "skipped"}
    assert victim.exists()

    # a listed file altered by the user: never skipped as up to date, never overwritten
    edited = out / "450300" / "bundle.pdf"
    edited.write_bytes(edited.read_bytes() + b"% my note\n")
    before = _tree_hashes(out)
    refused = _run("batch", str(inp), "-o", str(out))
    assert refused.returncode == 1
    assert "bundle.pdf" in refused.stderr and "被修改过" in refused.stderr
    assert _tree_hashes(out) == before
    # --force does not override it either
    assert _run("batch", str(inp), "-o", str(out), "--force").returncode == 1
    assert _tree_hashes(out) == before


def test_province_summary_is_rewritten_when_its_file_is_missing(
    two_built: dict[str, Path],
) -> None:
    inp, out = two_built["in"], two_built["out"]
    (out / "province" / PROVINCE_XLSX).unlink()
    again = _run("batch", str(inp), "-o", str(out))
    assert again.returncode == 0, again.stdout + again.stderr
    assert (out / "province" / PROVINCE_XLSX).is_file()
    rows = _counts_rows(out / "province" / PROVINCE_XLSX)
    assert sum(v[0] == "未提交" for v in rows.values()) == 12


# --------------------------------------------------------------------------- processes


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat_line.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for_children(proc: subprocess.Popen[str], settle: float = 0.3) -> list[int]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        kids = _children(proc.pid)
        if kids:
            time.sleep(settle)  # let the workers get into their builds
            kids = [k for k in _children(proc.pid) if _alive(k)]
            if kids:
                return kids
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    pytest.fail("the batch started no worker process")


@pytest.fixture
def three_cities(tmp_path: Path) -> Path:
    inp = tmp_path / "in"
    for code in ("450200", "450300", "451400"):
        shutil.copytree(SAMPLES / code, inp / code)
    return inp


linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")


@linux_only
def test_a_killed_worker_fails_its_city_only(tmp_path: Path, three_cities: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [str(DOCGEN), "batch", str(three_cities), "-o", str(out), "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    victim = _wait_for_children(proc)[0]
    os.kill(victim, signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1, stdout + stderr
    report = _report(out)
    failed = [c for c in report["cities"] if c["status"] == "failed"]
    assert len(failed) == 1, report["cities"]
    assert DIED in failed[0]["errors"][0]["message"] and "SIGKILL" in stdout
    assert sorted(c["status"] for c in report["cities"]) == ["built", "built", "failed"]
    dead = failed[0]["division_code"]
    for c in report["cities"]:
        if c["status"] == "built":
            assert (out / c["division_code"] / "bundle.pdf").is_file()
    rows = _counts_rows(out / "province" / PROVINCE_XLSX)
    assert rows[ALL_CITIES[dead]][0] == "生成失败"
    assert _leftovers(tmp_path) == []
    assert "没有写出" not in stdout + stderr and "保持原样" not in stdout + stderr
    # the next batch builds the city again, and only it
    again = _run("batch", str(three_cities), "-o", str(out))
    assert again.returncode == 0, again.stdout + again.stderr
    assert {c["division_code"]: c["status"] for c in _report(out)["cities"]}[dead] == "built"


@linux_only
@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [(signal.SIGTERM, 143, "已终止"), (signal.SIGINT, 130, "已中断"), (signal.SIGKILL, -9, "")],
    ids=["SIGTERM", "SIGINT", "SIGKILL"],
)
def test_stopping_the_batch_leaves_no_worker(
    tmp_path: Path, three_cities: Path, sig: signal.Signals, code: int, word: str
) -> None:
    out = tmp_path / "out"
    before = _tree_hashes(three_cities)
    proc = subprocess.Popen(
        [str(DOCGEN), "batch", str(three_cities), "-o", str(out), "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers = _wait_for_children(proc)
    os.kill(proc.pid, sig)
    _stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers)
    assert word in stderr and "Aborted" not in stderr and "Traceback" not in stderr
    assert _tree_hashes(three_cities) == before
    if sig != signal.SIGKILL:  # a killed batch cannot clean up: the next one does
        assert _leftovers(tmp_path) == []
    else:
        again = _run("batch", str(three_cities), "-o", str(out))
        assert again.returncode == 0, again.stdout + again.stderr
        assert _leftovers(tmp_path) == []


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_what_a_dead_worker_left_is_removed(tmp_path: Path) -> None:
    from docgen.batch import _clean_after
    from docgen.output import lock_path

    target = tmp_path / "out" / "450200"
    target.mkdir(parents=True)
    (target / "kept.txt").write_text("previous packet", encoding="utf-8")
    pid = _dead_pid()
    stale = tmp_path / "out" / f".450200.docgen-tmp-{pid}"
    stale.mkdir()
    (stale / "half.pdf").write_bytes(b"%PDF-")
    lock_path(target).write_bytes(b"")
    live = tmp_path / "out" / ".450200.docgen-tmp-1"  # a live process's (init): kept
    live.mkdir()
    _clean_after(target)
    assert not stale.exists() and not lock_path(target).exists()
    assert (target / "kept.txt").read_text(encoding="utf-8") == "previous packet"
    assert live.is_dir()


def test_a_dead_workers_city_is_reported_as_what_its_folder_holds(tmp_path: Path) -> None:
    from docgen.batch import _after_death, _died
    from docgen.manifest import (
        BundleEntry,
        CityEntry,
        FileEntry,
        OptionsEntry,
        PacketManifest,
        SummaryEntry,
        manifest_bytes,
    )

    died = _died(-signal.SIGKILL)
    assert "SIGKILL" in died["how"]
    target = tmp_path / "450200"
    gone = _after_death(died, target, "key")  # nothing written: the folder as before
    assert gone["status"] == "failed"
    assert "保持本次生成前的内容" in gone["errors"][0]["message"]
    unknown = _after_death(died, target, None)
    assert "保持" not in unknown["errors"][0]["message"]  # no claim it cannot make

    target.mkdir()
    data = b"%PDF-1.7 packet"
    (target / "bundle.pdf").write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    manifest = PacketManifest(
        docgen="0",
        input_sha256="",
        build_key="key",
        edition="gx-2021-3",
        city=CityEntry(name="柳州市", division_code="450200"),
        bundle=BundleEntry(file="bundle.pdf", pages=3, sha256=digest),
        summary=SummaryEntry(
            xlsx="", pdf="", bundle_pages=(1, 1), straddle_seals=[], seal_slots=[]
        ),
        documents=[],
        options=OptionsEntry(max_seal_pages=20, seal_marks=True, duplex=False),
        files=[FileEntry(path="bundle.pdf", sha256=digest, size=len(data))],
        warnings=[],
    )
    (target / "manifest.json").write_bytes(manifest_bytes(manifest))
    written = _after_death(died, target, "key")  # died after the swap: the packet is there
    assert written["status"] == "built" and written["pages"] == 3
    assert DIED in written["warnings"][-1]["message"]
