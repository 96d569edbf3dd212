"""docgen never loses a user's files: what OUT may be, planted links, the lock, real faults of
the file system, and interruptions. Each case checks what the user would: the exit code, the
message naming the place, the input folder and the previous OUT byte-identical, nothing of
docgen's (temp folder, lock, process) left behind."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docgen.errors import BuildError
from docgen.output import MANIFEST, guarded_output, lock, lock_path

from .conftest import SAMPLES

SMALL = "451400"  # the smallest sample city (19 pages): quick to build


def tree(path: Path) -> dict[str, str]:
    """Everything below ``path`` (links not followed): kind and content digest of each entry."""
    out: dict[str, str] = {}
    if not os.path.lexists(path):
        return out
    for root, dirs, files in os.walk(path, followlinks=False):
        for name in (*dirs, *files):
            p = Path(root) / name
            rel = p.relative_to(path).as_posix()
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def leftovers(folder: Path) -> list[str]:
    """docgen's transient entries (temp folders, old OUT, lock) in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if ".docgen-" in p.name)


def docgen(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "docgen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUTF8": "1"},
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """work/city (a sample city with its attachments), work/home (a user's files), work/a.txt."""
    root = tmp_path / "work"
    shutil.copytree(SAMPLES / SMALL, root / "city")
    (root / "home").mkdir()
    (root / "home" / "thesis.docx").write_bytes(b"my thesis")
    (root / "home" / "photos").mkdir()
    (root / "home" / "photos" / "a.jpg").write_bytes(b"jpeg")
    (root / "a.txt").write_text("notes")
    return root


# ---------------------------------------------------------------------------------------------
# 1. What OUT may be.


@pytest.mark.parametrize(
    ("cwd", "out", "expected"),
    [
        ("", "city", "就是城市申报文件所在的文件夹"),
        ("city", ".", "就是城市申报文件所在的文件夹"),
        ("", ".", "包含城市申报文件所在的文件夹"),
        ("city", "..", "包含城市申报文件所在的文件夹"),
        ("", "home", "已有其他文件（如 photos、thesis.docx）"),
        ("", "city/attachments", "包含输入文件"),
        ("", "city/city.json", "就是输入文件"),
        ("", "a.txt", "不是文件夹"),
    ],
)
def test_out_that_would_touch_inputs_or_user_files_is_refused(
    work: Path, cwd: str, out: str, expected: str
) -> None:
    before = tree(work)
    city = (work / "city" / "city.json").relative_to(work / cwd) if cwd else "city/city.json"
    result = docgen("build", str(city), "-o", out, cwd=work / cwd if cwd else work)
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr, result.stderr
    assert out in result.stderr  # the folder as the user typed it
    assert "Traceback" not in result.stderr
    assert tree(work) == before  # nothing touched, nothing created
    assert not leftovers(work) and not leftovers(work / "city")


def test_home_like_folder_and_current_folder_are_refused(work: Path) -> None:
    before = tree(work)
    home = work / "home"
    result = docgen("build", str(work / "city" / "city.json"), "-o", ".", cwd=home)
    assert result.returncode == 1
    assert "thesis.docx" in result.stderr and "docgen 不会覆盖" in result.stderr
    result = subprocess.run(
        f"{sys.executable} -m docgen build {work / 'city' / 'city.json'} -o ~",
        shell=True,
        cwd=work,
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(home)},
        timeout=180,
    )
    assert result.returncode == 1
    assert "thesis.docx" in result.stderr
    assert tree(work) == before


def test_docgen_folder_with_a_users_file_or_an_edited_file_is_refused(work: Path) -> None:
    out = work / "out"
    assert docgen("build", "city/city.json", "-o", "out", cwd=work).returncode == 0
    (out / "我的备注.txt").write_text("keep me")
    before = tree(out)
    result = docgen("build", "city/city.json", "-o", "out", cwd=work)
    assert result.returncode == 1
    assert "我的备注.txt" in result.stderr and "docgen 不会覆盖" in result.stderr
    assert tree(out) == before
    (out / "我的备注.txt").unlink()
    bundle = out / "bundle.pdf"
    bundle.write_bytes(bundle.read_bytes() + b"% signed by hand\n")
    before = tree(out)
    result = docgen("build", "city/city.json", "-o", "out", cwd=work)
    assert result.returncode == 1
    assert "bundle.pdf" in result.stderr and "被修改过" in result.stderr
    assert tree(out) == before
    assert not leftovers(work)


def test_new_empty_own_and_nested_out_are_written(work: Path) -> None:
    inputs = tree(work / "city")
    (work / "empty").mkdir()
    for out in ("new/deeper", "empty", "city/out"):
        result = docgen("build", "city/city.json", "-o", out, cwd=work)
        assert result.returncode == 0, result.stderr
        manifest = json.loads((work / out / MANIFEST).read_text(encoding="utf-8"))
        assert manifest["generator"] == "docgen"
        listed = {f["path"] for f in manifest["files"]} | {MANIFEST}
        assert {p.name for p in (work / out).iterdir()} == listed
    # its own folder is rebuilt in place, and the inputs were never touched
    result = docgen("build", "city/city.json", "-o", "empty", cwd=work)
    assert result.returncode == 0, result.stderr
    after = tree(work / "city")
    assert {k: v for k, v in after.items() if not k.startswith("out")} == inputs
    assert not leftovers(work) and not leftovers(work / "city")


def test_out_symlink_is_written_through_and_stays_a_link(work: Path) -> None:
    (work / "target").mkdir()
    (work / "link").symlink_to("target", target_is_directory=True)
    for _ in range(2):  # new, then docgen's own
        result = docgen("build", "city/city.json", "-o", "link", cwd=work)
        assert result.returncode == 0, result.stderr
        assert (work / "link").is_symlink() and os.readlink(work / "link") == "target"
        assert (work / "target" / "bundle.pdf").is_file()
    assert not leftovers(work)


def test_planted_symlinks_are_not_followed(work: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("precious")
    out = work / "out"
    # a lock file that is a link: refused, the target untouched
    lock_path(out).symlink_to(victim / "precious.txt")
    result = docgen("build", "city/city.json", "-o", "out", cwd=work)
    assert result.returncode == 1
    assert "符号链接" in result.stderr
    assert (victim / "precious.txt").read_text() == "precious"
    lock_path(out).unlink()
    # a temp folder name that is a link: another name is taken, the link and its target stay
    planted = work / f".out.docgen-tmp-{os.getpid()}"
    planted.symlink_to(victim, target_is_directory=True)
    with guarded_output(out) as w:
        w.write("a.txt", b"new")
    assert planted.is_symlink()
    assert tree(victim) == {"precious.txt": hashlib.sha256(b"precious").hexdigest()}
    assert (out / "a.txt").read_bytes() == b"new"
    planted.unlink()
    assert not leftovers(work)


def test_a_refused_build_never_removes_the_lock(work: Path) -> None:
    out = work / "out"
    with lock(out.absolute()):
        for _ in range(2):  # a second and a third build: both refused, the lock stays
            result = docgen("build", "city/city.json", "-o", "out", cwd=work)
            assert result.returncode == 1
            assert "另一个 docgen 正在生成" in result.stderr
            assert lock_path(out).exists()
        assert not out.exists()
    assert not lock_path(out).exists()  # the holder removes it


def test_a_failed_writer_leaves_the_previous_out_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with guarded_output(out) as w:
        w.write("a.txt", b"old")
    before = tree(out)
    with pytest.raises(BuildError), guarded_output(out) as w:
        w.write("a.txt", b"new")
        w.write("A.TXT", b"clash")  # two names mapping to one file on Windows
    assert tree(out) == before
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# Real faults of the file system (tmpfs mounts; root with CAP_SYS_ADMIN, as in CI).


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[object]:
    mounted: list[Path] = []

    def do(name: str, size: str) -> Path:
        point = tmp_path / name
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(point)],
            capture_output=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace')}")
        mounted.append(point)
        return point

    yield do
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _packet_bytes(work: Path) -> int:
    assert docgen("build", "city/city.json", "-o", "probe", cwd=work).returncode == 0
    size = sum(p.stat().st_size for p in (work / "probe").iterdir())
    shutil.rmtree(work / "probe")
    return size


def test_disk_full_keeps_the_previous_out(work: Path, mount: object) -> None:
    size = _packet_bytes(work)
    disk = mount("disk", f"{int(size * 1.6) // 1024 + 64}k")  # type: ignore[operator]
    out = disk / "out"
    assert docgen("build", "city/city.json", "-o", str(out), cwd=work).returncode == 0
    before = tree(out)
    result = docgen("build", "city/city.json", "-o", str(out), cwd=work)
    assert result.returncode == 1
    assert "磁盘空间不足" in result.stderr and "输出文件夹保持原样" in result.stderr
    assert "内部错误" not in result.stderr
    assert tree(out) == before
    assert leftovers(disk) == []


def test_read_only_file_system_keeps_the_previous_out(work: Path, mount: object) -> None:
    disk = mount("ro", "8m")  # type: ignore[operator]
    out = disk / "out"
    assert docgen("build", "city/city.json", "-o", str(out), cwd=work).returncode == 0
    before = tree(out)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    result = docgen("build", "city/city.json", "-o", str(out), cwd=work)
    assert result.returncode == 1
    assert "只读" in result.stderr and str(disk) in result.stderr
    assert tree(out) == before
    assert leftovers(disk) == []


def test_mount_point_as_out_is_refused(work: Path, mount: object) -> None:
    disk = mount("usb", "8m")  # type: ignore[operator]
    result = docgen("build", "city/city.json", "-o", str(disk), cwd=work)
    assert result.returncode == 1
    assert "挂载点" in result.stderr and "子文件夹" in result.stderr
    assert list(disk.iterdir()) == []


def test_writable_out_under_a_read_only_parent(work: Path, tmp_path: Path) -> None:
    """Root passes every permission check: the build runs as root without CAP_DAC_OVERRIDE,
    so that permissions apply to it as to a secretary's account."""
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv (util-linux) to drop CAP_DAC_OVERRIDE")
    parent = tmp_path / "shared"
    out = parent / "out"
    assert docgen("build", "city/city.json", "-o", str(out), cwd=work).returncode == 0
    out.chmod(0o777)
    parent.chmod(0o555)
    before = tree(out)
    command = [sys.executable, "-m", "docgen", "build", "city/city.json", "-o", str(out)]
    try:
        result = subprocess.run(
            [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--", *command],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        parent.chmod(0o755)
    assert result.returncode == 1
    assert "没有写入或访问权限" in result.stderr and str(parent) in result.stderr
    assert tree(out) == before
    assert leftovers(parent) == []


def test_name_too_long_is_a_message(work: Path) -> None:
    result = docgen("build", "city/city.json", "-o", "长" * 100, cwd=work)
    assert result.returncode == 1
    assert "路径或文件名过长" in result.stderr
    assert "内部错误" not in result.stderr
    assert not leftovers(work)


# ---------------------------------------------------------------------------------------------
# Interruptions: nothing keeps running, nothing is left behind.


def _processes_with(marker: str) -> list[int]:
    """Live processes whose environment carries ``marker`` (the build and its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if marker.encode() in (entry / "environ").read_bytes():
                status = (entry / "status").read_text()
                if "\nState:\tZ" not in status:
                    found.append(int(entry.name))
    return found


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(x) for x in text.split()]
    return []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupted_build_leaves_no_process_and_the_previous_out(
    work: Path, sig: signal.Signals
) -> None:
    shutil.copytree(SAMPLES / "450100", work / "big")  # long enough to be caught mid-build
    out = work / "out"
    assert docgen("build", "big/city.json", "-o", "out", cwd=work).returncode == 0
    before = tree(out)
    marker = f"DOCGEN_TEST_RUN={uuid.uuid4().hex}"
    env = {**os.environ, "PYTHONUTF8": "1", marker.split("=")[0]: marker.split("=")[1]}
    proc = subprocess.Popen(
        [sys.executable, "-m", "docgen", "build", "big/city.json", "-o", "out"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # wait for the Word worker: the build is under way
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_with(marker) == []
    if proc.returncode == 0:  # finished before the signal landed: a whole new packet
        assert (out / "bundle.pdf").is_file()
    else:
        assert tree(out) == before
    if sig == signal.SIGINT and proc.returncode != 0:
        assert proc.returncode == 130 and "已中断" in err and "Aborted" not in err
    if sig == signal.SIGTERM and proc.returncode != 0:
        assert proc.returncode == 143 and "已终止" in err
    if sig != signal.SIGKILL:
        assert leftovers(work) == []
    # after SIGKILL the next build clears what the killed one left
    assert docgen("build", "big/city.json", "-o", "out", cwd=work).returncode == 0
    assert leftovers(work) == []


# ---------------------------------------------------------------------------------------------
# Any folder state: nothing docgen did not write is ever removed or changed.

_names = st.sampled_from(["a.txt", "b.pdf", "manifest.json", "sub", "论文.docx", ".hidden"])
_actions = st.lists(
    st.tuples(
        st.sampled_from(["user-file", "user-dir", "edit", "delete", "link", "docgen", "input"]),
        _names,
    ),
    max_size=5,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=_actions)
def test_any_folder_state_loses_nothing(
    tmp_path_factory: pytest.TempPathFactory, actions: list[tuple[str, str]]
) -> None:
    base = tmp_path_factory.mktemp("state")
    out = base / "out"
    out.mkdir()
    docgen_files: set[str] = set()
    city_dir = base / "city"  # the city's folder: beside OUT, or (action "input") inside it
    city_dir.mkdir()
    (city_dir / "city.json").write_bytes(b'{"schema": "docgen.city/1"}')
    for action, name in actions:
        path = out / name
        if action == "input" and not os.path.lexists(path):
            shutil.move(city_dir, path)  # the city folder (with its file) now lies inside OUT
            city_dir = path
            continue
        if action == "docgen":
            if base / "city" != city_dir:  # keep the input when docgen's output is re-made
                shutil.move(city_dir, base / "city")
                city_dir = base / "city"
            shutil.rmtree(out)
            with guarded_output(out) as w:
                w.write("bundle.pdf", b"%PDF-1.7 packet")
                w.write("form.docx", b"docx")
            docgen_files = {"bundle.pdf", "form.docx", MANIFEST}
        elif os.path.lexists(path):
            if action == "edit" and path.is_file() and not path.is_symlink():
                path.write_bytes(path.read_bytes() + b"!")
            elif action == "delete" and path != city_dir:  # the city's folder stays an input
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        elif action == "user-file":
            path.write_bytes(b"user data " + name.encode())
        elif action == "user-dir":
            path.mkdir()
            (path / "inside.txt").write_bytes(b"user")
        elif action == "link":
            path.symlink_to(base)
    before = tree(out)
    own = {rel for rel in before if rel in docgen_files}
    manifest = out / MANIFEST
    listed: dict[str, str] = {}
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(manifest.read_text())
        listed = {f["path"]: f["sha256"] for f in data["files"]} if isinstance(data, dict) else {}
    inputs_before = tree(city_dir)
    try:
        with guarded_output(out, [city_dir / "city.json"], city_dir) as w:
            w.write("bundle.pdf", b"%PDF-1.7 new packet")
    except BuildError:
        assert tree(out) == before  # refused: untouched
    else:
        # replaced: everything that was there was docgen's own, as docgen wrote it
        for rel, digest in before.items():
            top = rel.split("/")[0]
            assert top in own or not before, rel
            if rel in listed:
                assert digest == listed[rel]
        assert (out / "bundle.pdf").read_bytes() == b"%PDF-1.7 new packet"
        assert out not in city_dir.parents  # an OUT holding the input is never replaced
    assert tree(city_dir) == inputs_before  # the input, wherever it is, is never touched
    assert leftovers(base) == []
