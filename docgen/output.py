"""The guarded writer: every output file goes through here, and only here is OUT touched.

docgen writes only into a folder that is new, empty, or one it made itself: a folder whose
``manifest.json`` carries docgen's marker and lists every other file in it, each unchanged since
docgen wrote it. Any other OUT (a user's folder, a docgen folder into which the user put a file or
in which a file was edited, a folder that holds or lies inside the city's inputs) is refused before
any work, with the reason in Chinese, and left untouched. ``check_out_dir`` takes that decision;
``guarded_output`` takes it again under the lock, right before anything is written.

A build writes into a temporary folder beside OUT and swaps it into place only when everything is
done, so an interrupted or failed build leaves OUT exactly as it was. On Linux the swap is one
atomic ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, with recovery of the previous OUT at
the next build if the process died in between. A lock file beside OUT refuses a second build of the
same OUT while one is running; it is opened with ``O_NOFOLLOW`` and the temporary folder is made
with ``mkdir`` (which never follows a link), so a planted symlink cannot make docgen write
elsewhere. An OUT that is a symlink to a folder is written through: the link's target is the
folder that is checked and replaced, and the link stays as it was. File names are made safe for
Windows and Linux whatever the applicant's name holds.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import hashlib
import os
import re
import shutil
import stat
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import BuildError
from .manifest import (
    MANIFEST,
    FileEntry,
    FolderManifest,
    PacketManifest,
    manifest_bytes,
    read_manifest,
)
from .manifest import MARKER as MARKER  # re-exported: where the marker was defined before
from .manifest import MARKER_KEY as MARKER_KEY

# How many offending names a refusal quotes.
_SHOWN = 3

_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u2028\u2029\u200b-\u200f\ufeff]')
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}
# Linux allows 255 bytes per name; keep well under it for the suffix and Windows' 260-char paths.
_MAX_NAME_BYTES = 120


def safe_name(name: str, max_bytes: int = _MAX_NAME_BYTES) -> str:
    """A file-name stem that is valid on Windows and Linux (no extension)."""
    text = unicodedata.normalize("NFC", name)
    text = _FORBIDDEN.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    text = re.sub(r"_{2,}", "_", text)
    encoded = text.encode("utf-8")
    if len(encoded) > max_bytes:
        text = encoded[:max_bytes].decode("utf-8", errors="ignore").rstrip(" .")
    if not text:
        text = "_"
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    return text


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class OutputFolder:
    """Collects the files of one build in a temporary folder, then swaps them into OUT."""

    def __init__(
        self, out_dir: Path, inputs: tuple[Path, ...] = (), input_folder: Path | None = None
    ):
        self.out_dir = out_dir
        self.tmp_dir = _make_temp_dir(out_dir)
        self._inputs = inputs
        self._input_folder = input_folder
        self._written: dict[str, bytes] = {}

    def write(self, rel: str, data: bytes) -> None:
        """Write one file; refuse to write the same path twice (two names mapping to one file)."""
        key = rel.casefold()
        if key in {k.casefold() for k in self._written}:
            raise BuildError(f"两个输出文件的名称相同：{rel}")
        path = self.tmp_dir / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as fh:  # the temp folder is ours: nothing may be there yet
                fh.write(data)
        except OSError as exc:
            raise BuildError(os_error_message(exc, "写入输出文件", path)) from exc
        self._written[rel] = data

    def files(self) -> list[FileEntry]:
        """Every file written so far (the manifest lists them all but itself)."""
        return [
            FileEntry(path=rel, sha256=sha256(data), size=len(data))
            for rel, data in sorted(self._written.items())
        ]

    def write_manifest(self, manifest: FolderManifest | PacketManifest) -> None:
        """Write ``manifest.json``: the last file of a build."""
        self.write(MANIFEST, manifest_bytes(manifest))

    def commit(self) -> None:
        """Swap the finished temporary folder into OUT; the previous OUT (docgen's own, checked
        once more here) is removed. A folder docgen makes always has its manifest: if the
        caller wrote none, a minimal one (marker and file list) is written here."""
        if MANIFEST not in self._written:
            from . import __version__

            self.write_manifest(FolderManifest(docgen=__version__, files=self.files()))
        try:
            for handle in (self.tmp_dir, *[p for p in self.tmp_dir.rglob("*") if p.is_file()]):
                _fsync(handle)
        except OSError as exc:
            raise BuildError(os_error_message(exc, "写入输出文件", self.tmp_dir)) from exc
        check_out_dir(self.out_dir, self._inputs, self._input_folder)
        out = self.out_dir
        try:
            if out.exists() and _exchange(self.tmp_dir, out):
                shutil.rmtree(self.tmp_dir, ignore_errors=True)  # now holds the previous OUT
                return
            old = _old_path(out)
            if out.exists():
                os.replace(out, old)
            try:
                os.replace(self.tmp_dir, out)
            except OSError:
                if old.exists() and not out.exists():
                    os.replace(old, out)  # put the previous OUT back
                raise
            shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            raise BuildError(os_error_message(exc, "替换输出文件夹", out)) from exc

    def discard(self) -> None:
        shutil.rmtree(self.tmp_dir, ignore_errors=True)


def out_target(out_dir: Path) -> Path:
    """The folder that will really be written: absolute, ``..`` and symlinks resolved (an OUT
    that is a link to a folder is written through, the link stays)."""
    return Path(os.path.realpath(os.path.abspath(out_dir)))


def check_out_dir(
    out_dir: Path, inputs: Iterable[Path] = (), input_folder: Path | None = None
) -> Path:
    """Decide whether docgen may write OUT; return the real folder, or raise BuildError.

    OUT may be new, empty, or docgen's own output (see ``foreign_entries``); it may not be or hold
    ``input_folder`` (the city file's folder) nor hold any of ``inputs`` (the city file and its
    attachments), whatever OUT holds otherwise (``_check_inputs``). Nothing is created or
    changed."""
    real = out_target(out_dir)
    shown = _shown(out_dir)
    _check_inputs(real, shown, tuple(inputs), input_folder)
    if existing_folder(out_dir) is None:
        _check_creatable(real, shown)
        return real
    if os.path.ismount(real):
        raise BuildError(
            f"输出文件夹“{shown}”是一个挂载点（磁盘或网络位置的根），docgen 无法整体替换它；"
            "请在其中新建一个子文件夹作为输出文件夹"
        )
    try:
        foreign, changed = foreign_entries(real)
    except OSError as exc:
        raise BuildError(os_error_message(exc, "读取输出文件夹", shown)) from exc
    if foreign:
        raise BuildError(
            f"输出文件夹“{shown}”已有其他文件（如 {name_list(foreign)}），docgen 不会覆盖；"
            "请换一个空文件夹或删除这些文件"
        )
    if changed:
        raise BuildError(
            f"输出文件夹“{shown}”中的 {name_list(changed)} 在 docgen 生成之后被修改过，docgen 不会覆盖；"
            "请把改过的文件另存到别处，或删除它们后再生成"
        )
    return real


def existing_folder(out_dir: Path) -> Path | None:
    """The real folder OUT names if it exists, None if nothing is there; BuildError (Chinese)
    if OUT is a file or cannot be looked at."""
    real = out_target(out_dir)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BuildError(os_error_message(exc, "访问输出文件夹", _shown(out_dir))) from exc
    if not stat.S_ISDIR(st.st_mode):
        raise BuildError(
            f"输出位置“{_shown(out_dir)}”已存在，但不是文件夹；docgen 不会覆盖它。请换一个文件夹名"
        )
    return real


def _check_inputs(
    real: Path, shown: str, inputs: tuple[Path, ...], input_folder: Path | None
) -> None:
    """OUT may not be or hold the city file's folder, hold any input, or lie in a folder below
    the city's that holds attachments (``attachments/``). A folder of its own inside the city's
    folder (``city/out``) is fine: nothing of the input is there."""
    folder = out_target(input_folder) if input_folder is not None else None
    if folder is not None and (real == folder or real in folder.parents):
        what = "就是" if real == folder else "包含"
        raise BuildError(
            f"输出文件夹“{shown}”{what}城市申报文件所在的文件夹“{folder}”；docgen 不会把材料写进"
            "输入文件夹，以免覆盖申报文件和附件。请用 -o 指定另一个文件夹"
        )
    for item in inputs:
        path = out_target(item)
        if real == path:
            raise BuildError(
                f"输出位置“{shown}”就是输入文件“{item}”；docgen 不会覆盖输入。请换一个输出文件夹"
            )
        if real in path.parents:
            raise BuildError(
                f"输出文件夹“{shown}”包含输入文件“{item}”；docgen 不会覆盖输入。请换一个输出文件夹"
            )
        holder = path.parent
        if (real == holder or holder in real.parents) and (folder is None or holder != folder):
            raise BuildError(
                f"输出文件夹“{shown}”位于附件所在的文件夹“{holder}”之内；请把输出放到附件文件夹以外"
            )


def foreign_entries(folder: Path) -> tuple[list[str], list[str]]:
    """What in ``folder`` docgen did not write: (entries not listed by docgen's manifest,
    listed files that are no longer as docgen wrote them). An empty folder has neither; a folder
    without docgen's manifest has all its entries foreign. Symlinks are never docgen's."""
    entries = sorted(_walk(folder))
    if not entries:
        return [], []
    listed = read_manifest_files(folder)
    if listed is None:
        return [rel for rel in entries if "/" not in rel], []
    dirs = {str(Path(rel).parent) for rel in listed} | {
        str(parent) for rel in listed for parent in Path(rel).parents
    }
    foreign: list[str] = []
    changed: list[str] = []
    for rel in entries:
        path = folder / rel
        st = os.lstat(path)
        if rel == MANIFEST and stat.S_ISREG(st.st_mode):
            continue
        if stat.S_ISDIR(st.st_mode) and rel in dirs:
            continue
        if rel not in listed or not stat.S_ISREG(st.st_mode):
            if not any(rel.startswith(f"{f}/") for f in foreign):  # name a folder, not its files
                foreign.append(rel)
            continue
        digest, size = listed[rel]
        if st.st_size != size or _file_sha256(path, st) != digest:
            changed.append(rel)
    return foreign, changed


def read_manifest_files(folder: Path) -> dict[str, tuple[str, int]] | None:
    """The files docgen's manifest in ``folder`` lists (path -> (sha256, bytes)), or None when
    there is no manifest of docgen's there."""
    manifest = read_manifest(folder, FolderManifest)
    if manifest is None:
        return None
    listed: dict[str, tuple[str, int]] = {}
    for entry in manifest.files:
        rel = entry.path
        if rel.startswith("/") or ".." in rel.split("/") or rel == MANIFEST:
            return None
        listed[rel] = (entry.sha256, entry.size)
    return listed


def _walk(folder: Path) -> Iterator[str]:
    """Every entry below ``folder`` as a '/'-separated relative path, links not followed."""
    for root, dirnames, filenames in os.walk(folder, followlinks=False, onerror=_raise):
        base = Path(root).relative_to(folder)
        for name in (*dirnames, *filenames):
            yield (base / name).as_posix()


def _raise(exc: OSError) -> None:
    raise exc


# Inside ``with RememberedDigests()`` a file's digest is remembered by everything its inode says
# of it (device, inode, size, mtime, ctime). A batch checks each city's folder before it takes
# the lock and again under it, within a fraction of a second; this hashes each file once for
# both. Outside that scope nothing is remembered: the kernel's timestamps are coarse (a few
# ms), so over a long time a file deleted and replaced by one of the same size could reuse the
# inode and the timestamps.
_DigestKey = tuple[int, int, int, int, int]
_digests: dict[_DigestKey, str] | None = None


class RememberedDigests:
    """``with memo:`` remembers the digests computed inside, and knows them again each time
    it is entered; nothing is remembered outside."""

    def __init__(self) -> None:
        self.known: dict[_DigestKey, str] = {}

    def __enter__(self) -> None:
        global _digests
        _digests = self.known

    def __exit__(self, *_exc: object) -> None:
        global _digests
        _digests = None


def _file_sha256(path: Path, st: os.stat_result) -> str:
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    memo = _digests
    known = memo.get(key) if memo is not None else None
    if known is not None:
        return known
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    if memo is not None:
        after = os.lstat(path)
        if (after.st_ino, after.st_size, after.st_mtime_ns, after.st_ctime_ns) == key[1:]:
            memo[key] = digest
    return digest


def _check_creatable(real: Path, shown: str) -> None:
    """A new OUT: the nearest existing ancestor must be a folder."""
    for parent in real.parents:
        try:
            st = os.stat(parent)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise BuildError(os_error_message(exc, "创建输出文件夹", shown)) from exc
        if not stat.S_ISDIR(st.st_mode):
            raise BuildError(f"无法创建输出文件夹“{shown}”：“{parent}”是文件，不是文件夹")
        return


def name_list(rels: list[str]) -> str:
    """Up to three names for a message, and how many there are in all."""
    names = "、".join(rels[:_SHOWN])
    return names if len(rels) <= _SHOWN else f"{names} 等 {len(rels)} 项"


def _shown(path: Path) -> str:
    return str(path)


_CAUSES = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EROFS: "所在的磁盘或文件系统是只读的",
    errno.EACCES: "没有写入或访问权限",
    errno.EPERM: "操作不被允许（权限不足）",
    errno.ENAMETOOLONG: "路径或文件名过长",
    errno.EBUSY: "文件夹正被占用（可能是挂载点，或被其他程序打开）",
    errno.ENOTDIR: "路径中有一部分不是文件夹",
    errno.EISDIR: "该位置是文件夹",
    errno.ELOOP: "路径中有符号链接循环，或有不允许的符号链接",
    errno.EEXIST: "该位置已有同名的文件或文件夹",
    errno.EIO: "读写设备出错（磁盘或网络故障）",
    errno.EXDEV: "不能跨磁盘移动",
    errno.EMFILE: "打开的文件过多",
    errno.ENOENT: "路径不存在",
    errno.ENOTEMPTY: "文件夹不是空的",
}


def os_error_message(
    exc: OSError, action: str, path: Path | str, hint: str = "", *, out_unchanged: bool = True
) -> str:
    """A Chinese sentence for an operating-system error: what docgen tried, where, why,
    (``hint``) what the user can do, and (``out_unchanged``) that OUT is as it was."""
    cause = _CAUSES.get(exc.errno or 0) or exc.strerror or type(exc).__name__
    where = exc.filename if isinstance(exc.filename, str) and exc.filename else str(path)
    more = f"；{hint}" if hint else ""
    return f"无法{action}“{where}”：{cause}{more}" + (
        "。输出文件夹保持原样" if out_unchanged else ""
    )


@contextlib.contextmanager
def guarded_output(
    out_dir: Path, inputs: Iterable[Path] = (), input_folder: Path | None = None
) -> Iterator[OutputFolder]:
    """Check OUT, lock it, recover from an earlier interrupted swap, check again, yield a
    writer; commit on success, discard on any failure (nothing of this build is left)."""
    inputs = tuple(inputs)
    real = check_out_dir(out_dir, inputs, input_folder)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(os_error_message(exc, "创建输出文件夹", real.parent)) from exc
    with lock(real):
        try:
            recover(real)
        except OSError as exc:
            raise BuildError(os_error_message(exc, "整理输出文件夹", real)) from exc
        check_out_dir(real, inputs, input_folder)
        folder = OutputFolder(real, inputs, input_folder)
        try:
            yield folder
            folder.commit()
        except BaseException:
            folder.discard()
            raise


def _make_temp_dir(out_dir: Path) -> Path:
    """A new, empty temporary folder beside OUT; ``mkdir`` never follows a planted link."""
    base = f".{out_dir.name}.docgen-tmp-{os.getpid()}"
    for n in range(100):
        path = out_dir.parent / (base if n == 0 else f"{base}-{n}")
        try:
            path.mkdir(mode=0o755)
        except FileExistsError:
            continue
        except OSError as exc:
            raise BuildError(os_error_message(exc, "创建临时文件夹", path)) from exc
        return path
    raise BuildError(f"无法在“{out_dir.parent}”中创建临时文件夹：同名的文件过多")


def _old_path(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.docgen-old"


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def recover(out_dir: Path) -> None:
    """Undo what an earlier docgen process left behind when it was killed (only folders of
    docgen's own naming that are real folders, never links)."""
    old = _old_path(out_dir)
    if _is_real_dir(old) and not os.path.lexists(out_dir):
        os.replace(old, out_dir)  # died between the two renames: restore the previous OUT
    elif _is_real_dir(old):
        shutil.rmtree(old, ignore_errors=True)
    for stale in out_dir.parent.glob(f".{out_dir.name}.docgen-tmp-*"):
        pid = stale.name[len(f".{out_dir.name}.docgen-tmp-") :].split("-")[0]
        if not _is_real_dir(stale) or not pid.isdigit():
            continue
        if int(pid) == os.getpid() or not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def lock_path(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.docgen-lock"


@contextlib.contextmanager
def lock(out_dir: Path) -> Iterator[None]:
    """Hold the lock of OUT for the block, or raise BuildError at once if another docgen holds
    it. Only the holder ever removes the lock file."""
    path = lock_path(out_dir)
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NONBLOCK", 0)  # a planted FIFO must not block the open
    for _attempt in range(20):
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise BuildError(
                    f"锁文件“{path}”是符号链接（不是 docgen 建立的）；docgen 不会经由它写入。请删除它后再试"
                ) from exc
            hint = f"docgen 要在“{out_dir.parent}”中放锁文件和临时文件夹，该文件夹必须可写"
            raise BuildError(os_error_message(exc, "建立锁文件", path, hint)) from exc
        handle = os.fdopen(fd, "r+b")
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            handle.close()
            raise BuildError(f"锁文件“{path}”不是普通文件（不是 docgen 建立的）；请删除它后再试")
        if not _try_lock(handle):
            handle.close()  # not ours: never remove it
            raise BuildError(f"另一个 docgen 正在生成“{out_dir}”；请等它完成后再试")
        try:
            same = os.lstat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the holder before us removed the file as we opened it: take the new one
            handle.close()
            continue
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
            handle.close()
        return
    raise BuildError(f"无法取得锁文件“{path}”；请稍后再试")


def _try_lock(handle: Any) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # be conservative: never delete another live build's folder
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2): True when done, False where the system
    or file system cannot; any other failure raises OSError."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync(path: Path) -> None:
    if sys.platform == "win32":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno in (errno.EIO, errno.ENOSPC, errno.EDQUOT):
            raise
    finally:
        os.close(fd)
