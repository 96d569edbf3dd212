"""The guarded writer: every output file goes through here.

A build writes into a temporary folder beside OUT and swaps it into place only when everything is
done, so an interrupted or failed build leaves OUT exactly as it was. On Linux the swap is one
atomic ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, with recovery of the previous OUT at
the next build if the process died in between. A lock file beside OUT refuses a second build of the
same OUT while one is running. File names are made safe for Windows and Linux whatever the
applicant's name holds.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import os
import re
import shutil
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import BuildError

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

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.absolute()
        self.tmp_dir = self.out_dir.parent / f".{self.out_dir.name}.docgen-tmp-{os.getpid()}"
        self._written: dict[str, bytes] = {}

    def write(self, rel: str, data: bytes) -> None:
        """Write one file; refuse to write the same path twice (two names mapping to one file)."""
        key = rel.casefold()
        if key in {k.casefold() for k in self._written}:
            raise BuildError(f"两个输出文件的名称相同：{rel}")
        path = self.tmp_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self._written[rel] = data

    def files(self) -> list[dict[str, Any]]:
        return [
            {"path": rel, "sha256": sha256(data), "bytes": len(data)}
            for rel, data in sorted(self._written.items())
        ]

    def commit(self) -> None:
        """Swap the finished temporary folder into OUT (the previous OUT is removed)."""
        for handle in (self.tmp_dir, *[p for p in self.tmp_dir.rglob("*") if p.is_file()]):
            _fsync(handle)
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise BuildError(f"输出位置“{self.out_dir}”已存在且不是文件夹")
        if self.out_dir.exists() and _exchange(self.tmp_dir, self.out_dir):
            shutil.rmtree(self.tmp_dir, ignore_errors=True)  # now holds the previous OUT
            return
        old = _old_path(self.out_dir)
        if self.out_dir.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(self.out_dir, old)
        os.replace(self.tmp_dir, self.out_dir)
        shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.tmp_dir, ignore_errors=True)


@contextlib.contextmanager
def guarded_output(out_dir: Path) -> Iterator[OutputFolder]:
    """Lock OUT, recover from an earlier interrupted swap, yield a writer; commit on success."""
    out_dir = out_dir.absolute()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"无法创建输出文件夹“{out_dir.parent}”：{exc.strerror}") from exc
    with _lock(out_dir):
        _recover(out_dir)
        folder = OutputFolder(out_dir)
        shutil.rmtree(folder.tmp_dir, ignore_errors=True)
        folder.tmp_dir.mkdir()
        try:
            yield folder
            folder.commit()
        except BaseException:
            folder.discard()
            raise


def _old_path(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.docgen-old"


def _recover(out_dir: Path) -> None:
    """Undo what an earlier process left behind when it was killed."""
    old = _old_path(out_dir)
    if old.exists() and not out_dir.exists():
        os.replace(old, out_dir)  # died between the two renames: restore the previous OUT
    elif old.exists():
        shutil.rmtree(old, ignore_errors=True)
    for stale in out_dir.parent.glob(f".{out_dir.name}.docgen-tmp-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or not _alive(int(pid)) or int(pid) == os.getpid():
            shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def _lock(out_dir: Path) -> Iterator[None]:
    path = out_dir.parent / f".{out_dir.name}.docgen-lock"
    handle = open(path, "a+b")  # noqa: SIM115 - held for the whole build
    try:
        if not _try_lock(handle):
            raise BuildError(f"另一个 docgen 正在生成“{out_dir}”；请等它完成后再试")
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        handle.close()


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
    """Atomically exchange two paths (Linux renameat2); False where unsupported."""
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
    return result == 0


def _fsync(path: Path) -> None:
    if sys.platform == "win32":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
