"""Font discovery by role (song, hei, kai, fangsong), per-character fallback and coverage checks.

Every role resolves to a chain of TrueType faces: the user's ``--font-dir`` faces first, then the
official faces the system has (SimSun, SimHei, KaiTi, FangSong ...), then the free Debian faces,
then wide fallbacks (WenQuanYi Zen Hei, LXGW WenKai). Each character is drawn by the first face
of the chain that has it, so a rare character in a name still prints when the body face lacks it.
reportlab embeds only TrueType (``glyf``) outlines, so CFF faces are skipped, never loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, get_args

from docgen.document import Document, Role, iter_runs
from docgen.errors import Finding, FontError

if TYPE_CHECKING:
    from reportlab.pdfbase.ttfonts import TTFont

ROLES: tuple[Role, ...] = get_args(Role)

FIXED_TEXT_PATH = "（表格固定文字）"
"""Finding path for text the form itself writes (a run without ``source``)."""

_IGNORED = frozenset("\n\t\r")
_FONT_SUFFIXES = (".ttf", ".ttc", ".otf")

# ---------------------------------------------------------------------------------------------
# Where faces are looked for.

# Official (government-document) faces by role, as file names (matched case-insensitively).
_OFFICIAL_FILES: dict[Role, tuple[str, ...]] = {
    "fangsong": (
        "仿宋_GB2312.ttf",
        "FangSong_GB2312.ttf",
        "fsgb2312.ttf",
        "simfang.ttf",
        "STFANGSO.TTF",
        "华文仿宋.ttf",
    ),
    "song": ("simsun.ttc", "simsun.ttf", "Songti.ttc", "STSONG.TTF", "华文宋体.ttf"),
    "hei": ("simhei.ttf", "STHeiti Medium.ttc", "STHeiti Light.ttc", "STHEITI.TTF"),
    "kai": (
        "楷体_GB2312.ttf",
        "KaiTi_GB2312.ttf",
        "simkai.ttf",
        "Kaiti.ttc",
        "STKAITI.TTF",
        "华文楷体.ttf",
    ),
}

# The free Debian faces, by role (Debian has no fangsong: song stands in, as GB/T 9704 allows).
_DEBIAN_ROOT = Path("/usr/share/fonts/truetype")
_DEBIAN_FILES: dict[Role, tuple[str, ...]] = {
    "song": ("arphic-gbsn00lp/gbsn00lp.ttf",),
    "fangsong": (),
    "hei": ("wqy/wqy-zenhei.ttc",),
    "kai": ("arphic-gkai00mp/gkai00mp.ttf",),
}
# Wide-coverage fallbacks. Droid Sans Fallback is deliberately absent: it has no ASCII.
_FALLBACK_FILES: dict[Role, tuple[str, ...]] = {
    "kai": ("lxgw-wenkai/LXGWWenKai-Regular.ttf", "wqy/wqy-zenhei.ttc", "wqy/wqy-microhei.ttc"),
}
_DEFAULT_FALLBACKS = (
    "wqy/wqy-zenhei.ttc",
    "wqy/wqy-microhei.ttc",
    "lxgw-wenkai/LXGWWenKai-Regular.ttf",
)

# ASCII letters, digits and punctuation in Chinese text are set in a proportional serif Latin
# face, as official documents do (Times New Roman; Liberation Serif on Debian: metric-compatible),
# not in the CJK face's half-width glyphs. A user's folder wins, then the system's files. Headings
# in 黑体 keep their face's own Latin glyphs.
_LATIN_FILES = (
    "times.ttf",
    "Times New Roman.ttf",
    "LiberationSerif-Regular.ttf",
    "Tinos-Regular.ttf",
)
_LATIN_FAMILY = re.compile(r"^(times new roman|liberation serif|tinos)$", re.I)
LATIN_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F))
"""Printable ASCII but the space (whose width the layout of blanks relies on)."""
# The roles whose Latin characters go to the Latin face (issue 12). The summary table measures
# its columns with the Latin face's (Times New Roman) widths (compose/summary.py _units), so the
# wider credit codes still leave 8 applications on one landscape page.
LATIN_ROLES: frozenset[Role] = frozenset(("song", "fangsong", "kai"))

# A face with ☑ (U+2611) and ☐ (U+2610), for the invisible text of the drawn tick boxes (what
# copying or searching the text finds); none of the CJK faces has them.
_SYMBOL_FILES = ("seguisym.ttf", "DejaVuSans.ttf")
TICK_CHARS = "\u2611\u2610"  # checked, unchecked

# The style of a face, from its file and family names: a character a role's faces lack goes
# first to a face of the same style (a song face for song text), then to the nearest one (kai
# for song, song for kai), and a sans face only when nothing else has it (reported).
_STYLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hei", re.compile(r"hei|sans|gothic|黑|droid", re.I)),
    ("kai", re.compile(r"kai|楷", re.I)),
    ("song", re.compile(r"song|sun|ming|宋|明|仿|fang|fs", re.I)),
)
_ROLE_STYLE: dict[Role, str] = {"song": "song", "fangsong": "song", "kai": "kai", "hei": "hei"}
_NEAR_STYLE = {"song": "kai", "kai": "song", "hei": "hei"}
STYLE_ZH = {"song": "宋体类", "kai": "楷体类", "hei": "黑体类"}

# A face in a user's font folder is given a role by its family or file name.
_ROLE_PATTERNS: tuple[tuple[Role, re.Pattern[str]], ...] = (
    ("fangsong", re.compile(r"fangsong|仿宋|simfang|stfangso|fzfs", re.I)),
    ("kai", re.compile(r"kaiti|楷体|simkai|stkaiti|fzkt", re.I)),
    ("hei", re.compile(r"simhei|黑体|heiti|fzht", re.I)),
    ("song", re.compile(r"simsun|宋体|songti|stsong|fzss", re.I)),
)
# Display faces that must not become body faces (方正小标宋 is for titles only).
_DISPLAY_PATTERN = re.compile(r"小标宋|xiaobiaosong|fzxbs", re.I)


def _system_font_dirs() -> list[Path]:
    dirs: list[Path] = []
    if sys.platform.startswith("win"):
        windir = os.environ.get("WINDIR", "C:/Windows")
        dirs.append(Path(windir) / "Fonts")
        local = os.environ.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    elif sys.platform == "darwin":
        dirs += [
            Path("/System/Library/Fonts"),
            Path("/System/Library/Fonts/Supplemental"),
            Path("/Library/Fonts"),
            Path.home() / "Library" / "Fonts",
        ]
    else:
        dirs += [
            Path("/usr/share/fonts"),
            Path("/usr/local/share/fonts"),
            Path.home() / ".local" / "share" / "fonts",
            Path.home() / ".fonts",
        ]
    return dirs


# ---------------------------------------------------------------------------------------------
# Faces.


@dataclass(frozen=True)
class FaceInfo:
    """What fontTools says about one face of a file (read once per process).

    ``codepoints`` are the characters the face can really draw: those its cmap maps to a glyph
    with an outline. ``blank`` are the characters its cmap maps to an empty glyph (no contours)
    or to ``.notdef``: a face claiming them would print blanks or boxes, so they are not
    covered (space-like and format characters, whose glyph is empty by design, are covered).
    """

    family: str
    family_zh: str
    subfamily: str
    postscript: str
    truetype: bool
    embeddable: bool
    codepoints: frozenset[int] = field(repr=False, compare=False)
    blank: frozenset[int] = field(default=frozenset(), repr=False, compare=False)


@cache
def _face_count(path: Path) -> int:
    from fontTools.ttLib import TTCollection

    if path.suffix.lower() != ".ttc":
        return 1
    try:
        with TTCollection(str(path), lazy=True) as coll:
            return len(coll.fonts)
    except Exception:
        return 0


_FACE_ERRORS: dict[tuple[Path, int], str] = {}
"""Why :func:`face_info` returned ``None`` for a face, in Chinese (for the user's warnings)."""


@cache
def face_info(path: Path, index: int = 0) -> FaceInfo | None:
    """Names, outline format and coverage of one face; ``None`` if it cannot be read (the
    reason is then :func:`face_error`).

    Parsing a CJK cmap takes fontTools about 40 ms a face, in every process: the result is
    kept in the user's cache folder (see :func:`cache_dir`), under the SHA-256 of the font
    file's content, and read back in about a millisecond. An entry is used only if it names
    that content hash and its own payload hash checks out; anything else (an edited, damaged
    or foreign entry) is ignored and the face parsed again, so no cache can make a face claim
    characters it cannot draw.
    """
    digest = content_hash(path)
    try:
        size = path.stat().st_size
    except OSError:
        digest = None
    if digest is None:
        _FACE_ERRORS[(path, index)] = "无法读取字体文件"
        return None
    folder = cache_dir()
    entry = folder / "fonts" / f"{_entry_key(digest, index, size)}.json" if folder else None
    if entry is not None:
        cached = _read_cached_info(entry, digest, index, size)
        if cached is not None:
            info, error = cached
            if info is None:
                _FACE_ERRORS[(path, index)] = error
            return info
        if digest not in _hashed_here:
            # About to parse and store: the entry's hash must be the file's own, not the
            # index's word for it.
            true = _hash_file(path)
            if true is None:
                _FACE_ERRORS[(path, index)] = "无法读取字体文件"
                return None
            if true != digest:
                _forget_hash(path)
                digest = content_hash(path) or true
                entry = entry.with_name(f"{_entry_key(digest, index, size)}.json")
    info, error = _parse_face_info(path, index)
    if info is None:
        _FACE_ERRORS[(path, index)] = error
    if entry is not None:
        _write_cached_info(entry, info, digest, index, size, error)
    return info


def face_error(path: Path, index: int = 0) -> str:
    """Why the face cannot be read (after :func:`face_info` returned ``None`` for it)."""
    return _FACE_ERRORS.get((path, index), "无法读取字体文件")


_CACHE_VERSION = 2


def _entry_key(digest: str, index: int, size: int) -> str:
    key = f"{_CACHE_VERSION}|{digest}|{index}|{size}"
    return hashlib.sha256(key.encode("ascii")).hexdigest()[:40]


def cache_dir() -> Path | None:
    """docgen's cache folder: ``$DOCGEN_CACHE_DIR`` (empty: no cache), else
    ``%LOCALAPPDATA%\\docgen\\cache`` on Windows, ``~/Library/Caches/docgen`` on macOS,
    ``$XDG_CACHE_HOME/docgen`` or ``~/.cache/docgen`` elsewhere."""
    explicit = os.environ.get("DOCGEN_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit else None
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "docgen" / "cache" if base else None
    try:
        if sys.platform == "darwin":
            return Path.home() / "Library" / "Caches" / "docgen"
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    except (RuntimeError, KeyError):  # no home folder to be found (a service account)
        return None
    return Path(base) / "docgen"


# ---------------------------------------------------------------------------------------------
# Content hashes of font files, with an index by (path, size, mtime, ctime, inode).

_HASH_INDEX_NAME = "font-hashes.json"
_HASH_INDEX_MAX = 4096
_HASH_RE = re.compile(r"[0-9a-f]{64}")
_hash_memo: dict[str, str] = {}
_hash_indexes: dict[Path, dict[str, str]] = {}
_hash_dirty: set[Path] = set()
_hashed_here: set[str] = set()  # digests this process computed from the files themselves


def content_hash(path: Path, *, save: bool = True) -> str | None:
    """SHA-256 of the file's bytes (hex); ``None`` if it cannot be read.

    Hashing a 20 MB collection takes about 30 ms, so the digest is remembered in an index in
    the cache folder, keyed by the file's path, size, modification and change times, inode and
    device: a file rewritten in place gets a new change time even when its size and
    modification time are put back. ``save=False`` leaves the index for :func:`_save_hash_index`
    (many files at once).
    """
    key = _stat_key(path)
    if key is None:
        return None
    folder = cache_dir()
    index = _hash_index(folder) if folder is not None else None
    digest = _hash_memo.get(key)
    if digest is None and index is not None:
        digest = index.get(key)
        if digest is not None and not _HASH_RE.fullmatch(digest):
            digest = None
    if digest is None:
        digest = _hash_file(path)
        if digest is None:
            return None
    _hash_memo[key] = digest
    if index is not None and folder is not None and index.get(key) != digest:
        index[key] = digest
        _hash_dirty.add(folder)
        if save:
            _save_hash_index(folder)
    return digest


def _stat_key(path: Path) -> str | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    stamp = f"{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}|{st.st_dev}"
    return hashlib.sha256(os.fsencode(path) + b"\0" + stamp.encode("ascii")).hexdigest()[:40]


def _hash_file(path: Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None
    _hashed_here.add(digest)
    return digest


def _forget_hash(path: Path) -> None:
    """Drop a wrong digest of ``path`` from the memo and the index (it is hashed again)."""
    key = _stat_key(path)
    if key is None:
        return
    _hash_memo.pop(key, None)
    folder = cache_dir()
    if folder is not None:
        _hash_index(folder).pop(key, None)


def _hash_index(folder: Path) -> dict[str, str]:
    index = _hash_indexes.get(folder)
    if index is None:
        index = _hash_indexes[folder] = _load_hash_index(folder)
    return index


def _load_hash_index(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / _HASH_INDEX_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != _CACHE_VERSION:
        return {}
    hashes = data.get("hashes")
    if not isinstance(hashes, dict):
        return {}
    return {k: v for k, v in hashes.items() if isinstance(k, str) and isinstance(v, str)}


def _save_hash_index(folder: Path) -> None:
    """Merge this process's new digests into the index on disk (atomically; a cache that
    cannot be written is simply not used)."""
    if folder not in _hash_dirty:
        return
    _hash_dirty.discard(folder)
    merged = _load_hash_index(folder)
    merged.update(_hash_indexes.get(folder, {}))
    if len(merged) > _HASH_INDEX_MAX:
        merged = dict(list(merged.items())[-_HASH_INDEX_MAX:])
    _atomic_write(folder / _HASH_INDEX_NAME, {"version": _CACHE_VERSION, "hashes": merged})


def _atomic_write(target: Path, data: object) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.stem}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------
# The face information cache.


def _payload(info: FaceInfo | None, error: str) -> dict[str, object]:
    if info is None:
        return {"info": None, "error": error}
    return {
        "info": {
            "family": info.family,
            "family_zh": info.family_zh,
            "subfamily": info.subfamily,
            "postscript": info.postscript,
            "truetype": info.truetype,
            "embeddable": info.embeddable,
            "ranges": _ranges(info.codepoints),
            "blank": _ranges(info.blank),
        },
        "error": "",
    }


def _payload_check(payload: object, digest: str, index: int, size: int) -> str:
    """The digest an entry carries of its own payload, bound to the font's content hash."""
    text = json.dumps(payload, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    head = f"{_CACHE_VERSION}|{digest}|{index}|{size}|"
    return hashlib.sha256((head + text).encode("ascii")).hexdigest()


def _read_cached_info(
    entry: Path, digest: str, index: int, size: int
) -> tuple[FaceInfo | None, str] | None:
    """The cached (info, error) of face ``index`` of the font file with content hash
    ``digest`` and ``size`` bytes, or ``None`` when there is no trustworthy entry: missing,
    damaged, made for other content or another size (a hash index that was tampered with), or
    whose payload does not match its recorded hash (an edited entry). The face is then parsed
    again."""
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
        if (
            data["version"] != _CACHE_VERSION
            or data["font_sha256"] != digest
            or data["font_size"] != size
            or data["index"] != index
            or data["check"] != _payload_check(data["payload"], digest, index, size)
        ):
            return None
        payload = data["payload"]
        raw = payload["info"]
        if raw is None:
            return None, str(payload["error"])
        info = FaceInfo(
            str(raw["family"]),
            str(raw["family_zh"]),
            str(raw["subfamily"]),
            str(raw["postscript"]),
            bool(raw["truetype"]),
            bool(raw["embeddable"]),
            frozenset(cp for a, b in raw["ranges"] for cp in range(a, b + 1)),
            frozenset(cp for a, b in raw["blank"] for cp in range(a, b + 1)),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return info, ""


def _write_cached_info(
    entry: Path, info: FaceInfo | None, digest: str, index: int, size: int, error: str = ""
) -> None:
    """Store ``info`` (or the reason the face is unreadable) atomically, with the font's
    content hash and the hash of the payload; a cache that cannot be written (read-only home,
    full disk) is simply not used."""
    payload = _payload(info, error)
    data = {
        "version": _CACHE_VERSION,
        "font_sha256": digest,
        "font_size": size,
        "index": index,
        "payload": payload,
        "check": _payload_check(payload, digest, index, size),
    }
    _atomic_write(entry, data)


def _ranges(codepoints: Iterable[int]) -> list[list[int]]:
    """Sorted code points as inclusive ranges ``[[first, last], ...]``."""
    out: list[list[int]] = []
    for cp in sorted(codepoints):
        if out and cp == out[-1][1] + 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def blank_by_design(cp: int) -> bool:
    """Characters whose glyph is empty in every font: spaces (Zs: U+0020, U+00A0, U+3000 ...),
    line and paragraph separators, control and format characters, variation selectors."""
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return True
    return unicodedata.category(chr(cp)) in ("Zs", "Zl", "Zp", "Cc", "Cf")


def _parse_face_info(path: Path, index: int) -> tuple[FaceInfo | None, str]:
    """(info, "") or (None, why not) for one face of a font file."""
    from fontTools.ttLib import TTFont

    try:
        file_size = path.stat().st_size
        with TTFont(str(path), fontNumber=index, lazy=True) as tt:
            reader = tt.reader
            for tag, rec in reader.tables.items():
                if rec.offset + rec.length > file_size:
                    return None, f"文件不完整（{tag.strip()} 表超出文件末尾），可能下载或复制时损坏"
            truetype = "glyf" in tt
            name = tt["name"]
            family = _name(name, 1, english=True)
            family_zh = _name(name, 1, english=False) or family
            subfamily = _name(name, 2, english=True)
            postscript = _name(name, 6, english=True)
            fs_type = tt["OS/2"].fsType if "OS/2" in tt else 0
            cmap = tt.getBestCmap() or {}
            codepoints: frozenset[int] = frozenset()
            blank: frozenset[int] = frozenset()
            if truetype:
                codepoints, blank = _outlined(tt, cmap, reader.tables["glyf"].length)
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        if len(detail) > 120:
            detail = detail[:117] + "..."
        return None, f"文件已损坏或不是字体（{detail}）"
    # fsType bit 1: restricted licence embedding; reportlab refuses such faces.
    embeddable = not (fs_type & 0x0002)
    info = FaceInfo(
        family, family_zh, subfamily, postscript, truetype, embeddable, codepoints, blank
    )
    return info, ""


def _outlined(
    tt: object, cmap: dict[int, str], glyf_length: int
) -> tuple[frozenset[int], frozenset[int]]:
    """(characters drawn with an outline, characters mapped to an empty glyph or .notdef) of a
    TrueType face, from the glyph offsets (``loca``) alone: no glyph is decompiled. A glyph
    whose outline lies outside the ``glyf`` table is damaged: ``ValueError``."""
    locations = tt["loca"].locations  # type: ignore[index]
    gids = tt.getReverseGlyphMap()  # type: ignore[attr-defined]
    last = len(locations) - 1
    covered: list[int] = []
    blank: list[int] = []
    for cp, glyph in cmap.items():
        if blank_by_design(cp):  # nothing to draw in any font
            covered.append(cp)
            continue
        gid = gids.get(glyph)
        if gid is None or gid >= last:  # a glyph the font does not have
            blank.append(cp)
            continue
        a, b = locations[gid], locations[gid + 1]
        if b > glyf_length:
            raise ValueError(f"glyph {gid} lies outside the glyf table")
        if gid == 0 or a >= b:
            blank.append(cp)
        else:
            covered.append(cp)
    return frozenset(covered), frozenset(blank)


def _name(table: object, name_id: int, *, english: bool) -> str:
    records = [r for r in getattr(table, "names", []) if r.nameID == name_id]

    def text(r: object) -> str:
        try:
            return str(r.toUnicode())  # type: ignore[attr-defined]
        except Exception:
            return ""

    if english:
        for r in records:
            if r.platformID == 3 and r.langID == 0x409:
                return text(r)
    else:
        for r in records:
            if r.platformID == 3 and r.langID in (0x804, 0x404, 0xC04, 0x1004):
                return text(r)
    for r in records:
        t = text(r)
        if t:
            return t
    return ""


@dataclass(frozen=True)
class Face:
    """One usable TrueType face: a file, the subfont index in a collection, its names."""

    path: Path
    index: int
    family: str
    family_zh: str
    size: int

    @cached_property
    def name(self) -> str:
        """The name the face is registered under with reportlab (stable for a path)."""
        stem = re.sub(r"[^A-Za-z0-9]+", "-", self.path.stem).strip("-") or "font"
        digest = hashlib.sha1(os.fsencode(self.path)).hexdigest()[:6]
        return f"dg-{stem}-{self.index}-{digest}"

    def covers(self, codepoint: int) -> bool:
        info = face_info(self.path, self.index)
        return info is not None and codepoint in info.codepoints


def _usable_face(path: Path, index: int) -> Face | None:
    info = face_info(path, index)
    if info is None or not info.truetype or not info.embeddable or not info.codepoints:
        return None
    try:
        size = path.stat().st_size
    except OSError:
        return None
    return Face(path, index, info.family, info.family_zh, size)


def _best_subfont(path: Path) -> int:
    """The regular-weight face of a collection (SimSun rather than NSimSun: the first one)."""
    count = _face_count(path)
    for i in range(count):
        info = face_info(path, i)
        if info and info.truetype and info.subfamily.lower() in ("regular", "normal", "book"):
            return i
    return 0


def _faces_of_file(path: Path) -> list[Face]:
    faces = []
    for i in range(_face_count(path)):
        face = _usable_face(path, i)
        if face is not None:
            faces.append(face)
    return faces


def _listing(folder: Path) -> dict[str, Path]:
    """Font files under ``folder`` (recursively) by lower-case file name; first path wins."""
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for fname in sorted(files):
            if fname.lower().endswith(_FONT_SUFFIXES):
                found.setdefault(fname.lower(), Path(root) / fname)
    return found


@cache
def _system_listing() -> dict[str, Path]:
    merged: dict[str, Path] = {}
    for folder in _system_font_dirs():
        for key, path in _listing(folder).items():
            merged.setdefault(key, path)
    return merged


def _classify(face: Face, path: Path) -> Role | None:
    info = face_info(face.path, face.index)
    names = " ".join([path.name, face.family, face.family_zh, info.postscript if info else ""])
    if _DISPLAY_PATTERN.search(names):
        return None
    for role, pattern in _ROLE_PATTERNS:
        if pattern.search(names):
            return role
    return None


# ---------------------------------------------------------------------------------------------
# The font set.


class FontSet:
    """The resolved chains of faces, one per role, and the per-character choice of face."""

    def __init__(
        self,
        chains: dict[Role, tuple[Face, ...]],
        skipped: Sequence[tuple[Path, str]],
        problems: Sequence[str] = (),
        latin: Face | None = None,
        symbol: Face | None = None,
    ):
        missing_roles = [r for r in ROLES if not chains.get(r)]
        if missing_roles:
            raise FontError(
                "没有找到可用的中文 TrueType 字体（"
                + "、".join(missing_roles)
                + "）；请安装 fonts-arphic-gbsn00lp、fonts-wqy-zenhei，或用 --font-dir 指定字体目录"
            )
        self._chains = chains
        # the Latin face of LATIN_ROLES (None: the CJK faces' own Latin glyphs), the tick face
        self.latin = latin
        self.symbol = symbol
        self._by_name = {face.name: face for chain in chains.values() for face in chain}
        for extra in (latin, symbol):
            if extra is not None:
                self._by_name[extra.name] = extra
        self.skipped: tuple[tuple[Path, str], ...] = tuple(skipped)
        # What the user should hear about the fonts of their --font-dir folders, in Chinese,
        # one message each (a file that could not be used and why, a folder without fonts):
        # the library never prints; the command line shows these as warnings.
        self.problems: tuple[str, ...] = tuple(problems) or tuple(
            _skipped_message(path, reason) for path, reason in skipped
        )
        self._char_font: dict[Role, dict[str, str | None]] = {r: {} for r in ROLES}
        # Characters known to be drawn by the role's primary face, and known to be drawable at
        # all: whole strings are checked against these sets at C speed before any per-character
        # work.
        self._primary_chars: dict[Role, set[str]] = {r: set() for r in ROLES}
        self._covered: dict[Role, set[str]] = {r: set() for r in ROLES}
        self._registered: set[str] = set()

    # -- description ----------------------------------------------------------------------------

    def faces(self, role: Role) -> tuple[Face, ...]:
        return self._chains[role]

    def family(self, role: Role) -> str:
        """Family name of the role's primary face (for DOCX and XLSX font names)."""
        return self._chains[role][0].family

    def family_zh(self, role: Role) -> str:
        """Chinese family name of the primary face where it has one (仿宋, 宋体 ...)."""
        return self._chains[role][0].family_zh

    def font_name(self, role: Role) -> str:
        """reportlab name of the role's primary face (registered on return)."""
        face = self._chains[role][0]
        self._register(face)
        return face.name

    def family_of(self, font_name: str) -> str:
        """Family name of the face registered with reportlab as ``font_name`` (a name that
        ``font_for``, ``segments`` or ``font_name`` returned); ``KeyError`` for any other."""
        return self._by_name[font_name].family

    def fallback_families(self, docs: Iterable[Document]) -> dict[Role, dict[str, str]]:
        """For each role, the characters of ``docs`` that a face other than the role's primary
        one draws, mapped to that face's family name: what a Word file must name per character
        to print what the PDF prints. Roles without such characters are left out, and so are
        characters no face has and control characters (nothing is drawn for them)."""
        out: dict[Role, dict[str, str]] = {}
        for doc in docs:
            for run, role in iter_runs(doc):
                if self._primary_chars[role].issuperset(run.text):
                    continue
                primary = self._chains[role][0]
                latin = self.latin.name if self.latin is not None else None
                for ch in run.text:
                    if ch <= "\x1f" or "\x7f" <= ch <= "\x9f":
                        continue
                    name = self.font_for(ch, role)
                    if name is None or name == primary.name or name == latin:
                        continue  # Latin letters: the Word file names its own Latin face
                    family = self.family_of(name)
                    if family and family != primary.family:
                        out.setdefault(role, {})[ch] = family
        return out

    # -- coverage --------------------------------------------------------------------------------

    def font_for(self, ch: str, role: Role) -> str | None:
        """reportlab name of the face that draws ``ch`` in ``role``, ``None`` if none can."""
        cache = self._char_font[role]
        try:
            return cache[ch]
        except KeyError:
            pass
        cp = ord(ch)
        name: str | None = None
        latin = self.latin
        if latin is not None and ch in LATIN_CHARS and role in LATIN_ROLES and latin.covers(cp):
            self._register(latin)
            name = latin.name
        else:
            for face in self._chains[role]:
                if face.covers(cp):
                    self._register(face)
                    name = face.name
                    break
        cache[ch] = name
        if name is not None:
            self._covered[role].add(ch)
            if name == self._chains[role][0].name:
                self._primary_chars[role].add(ch)
        return name

    def covers(self, ch: str, role: Role) -> bool:
        return self.font_for(ch, role) is not None

    def tick_font(self) -> str | None:
        """reportlab name of the face that has ☑ and ☐ (registered), ``None`` if none has."""
        if self.symbol is None:
            return None
        self._register(self.symbol)
        return self.symbol.name

    def style_switches(self, docs: Iterable[Document]) -> list[Finding]:
        """A warning per (character, face) of ``docs`` that is drawn in a face of another style
        than its role's (a rare character of a name in a song line drawn by a hei face): no
        face of the role's style has it. The first field that has the character is named."""
        findings: list[Finding] = []
        seen: set[tuple[str, str]] = set()
        latin = self.latin.name if self.latin is not None else None
        for doc in docs:
            for run, role in iter_runs(doc):
                if self._primary_chars[role].issuperset(run.text):
                    continue
                want = _ROLE_STYLE[role]
                for ch in run.text:
                    if not unicodedata.name(ch, "").startswith("CJK UNIFIED"):
                        continue  # a rare character of a name, not a mark or a digit
                    name = self.font_for(ch, role)
                    if name is None or name == latin or (ch, name) in seen:
                        continue
                    face = self._by_name[name]
                    style = face_style(face)
                    if style is None or style == want:
                        continue
                    seen.add((ch, name))
                    primary = self._chains[role][0]
                    findings.append(
                        Finding(
                            run.source or FIXED_TEXT_PATH,
                            "warning",
                            f"字符“{ch}”（U+{ord(ch):04X}）：{STYLE_ZH[want]}字体"
                            f"（{primary.family} 等）中没有，改用{STYLE_ZH[style]}字体"
                            f" {face.family} 显示；如需统一字形，请用 --font-dir 指定含该字的"
                            f"{STYLE_ZH[want]}字体",
                        )
                    )
        return findings

    def segments(self, text: str, role: Role) -> list[tuple[str, str]]:
        """Split ``text`` into runs of (reportlab font name, text); each character goes to the
        first face of the role's chain that has it (an uncovered one to the primary face)."""
        if self._primary_chars[role].issuperset(text):
            return [(self.font_name(role), text)] if text else []
        cache = self._char_font[role]
        primary: str | None = None
        out: list[tuple[str, str]] = []
        cur_font: str | None = None
        start = 0
        for i, ch in enumerate(text):
            font = cache[ch] if ch in cache else self.font_for(ch, role)
            if font is None:
                if primary is None:
                    primary = self.font_name(role)
                font = primary
            if font != cur_font:
                if cur_font is not None:
                    out.append((cur_font, text[start:i]))
                cur_font, start = font, i
        if cur_font is not None:
            out.append((cur_font, text[start:]))
        return out

    def missing(self, doc: Document) -> list[Finding]:
        """One error per (field, character) that no face of the chain can print."""
        findings: list[Finding] = []
        seen: set[tuple[str, str]] = set()
        for run, role in iter_runs(doc):
            if self._covered[role].issuperset(run.text):
                continue
            path = run.source or FIXED_TEXT_PATH
            for ch in run.text:
                if ch in _IGNORED or (path, ch) in seen or self.covers(ch, role):
                    continue
                seen.add((path, ch))
                findings.append(
                    Finding(
                        path,
                        "error",
                        f"字符“{ch}”（U+{ord(ch):04X}）没有任何可用字体能够显示；"
                        "请删除或替换该字符，或用 --font-dir 指定包含该字符的字体",
                    )
                )
        return findings

    # -- reportlab -------------------------------------------------------------------------------

    def register_all(self) -> None:
        for role in ROLES:
            for face in self._chains[role]:
                self._register(face)

    def _register(self, face: Face) -> None:
        if face.name in self._registered:
            return
        _register_face(face)
        self._registered.add(face.name)


@cache
def _register_face(face: Face) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        font = _cached_ttfont(face)
        if font is None:
            font = TTFont(face.name, str(face.path), subfontIndex=face.index)
            _store_ttfont(face, font)
    except (TTFError, OSError) as exc:
        raise FontError(f"字体文件 {face.path} 无法嵌入 PDF：{exc}") from exc
    pdfmetrics.registerFont(font)


# ---------------------------------------------------------------------------------------------
# reportlab's parse of a face, cached.
#
# reportlab reads a face's cmap, widths and glyph offsets in pure Python: 15-70 ms a face, four
# faces in every build. What it extracts is plain data (numbers, strings, dicts and lists of
# them), kept here with ``marshal`` (which builds no objects but those: nothing in an entry can
# run code) under the font file's content hash, the face index, the file size, reportlab's and
# Python's versions. The font program itself is read from the file, as reportlab does. An entry
# whose payload does not match its recorded SHA-256 is ignored and the face parsed again.

_RL_CACHE_VERSION = 2
# Not kept: the file's bytes (read from the file), a function of unitsPerEm, and glyphToChar,
# the reverse of charToGlyph, which only reportlab's text shaping (uharfbuzz) reads: docgen's
# pen never shapes, and unmarshalling its lists took two thirds of loading a face (35 ms of
# 53 ms for the four CJK faces of a build).
_RL_SKIP = frozenset({"_ttf_data", "_pdfScale", "glyphToChar"})
_RL_NAME = "\0TTFNameBytes"


def _rl_entry(face: Face) -> Path | None:
    import reportlab

    digest = content_hash(face.path) if cache_dir() is not None else None
    if digest is None:
        return None
    return blob_path(
        "rl",
        f"{_RL_CACHE_VERSION}|{reportlab.Version}|{digest}|{face.index}|{face.size}",
    )


def blob_path(kind: str, key: str) -> Path | None:
    """Where :func:`write_blob` keeps the data of ``kind`` for ``key`` (which must name
    everything the data depends on: a content hash, library versions), or None without a
    cache folder. Python's and marshal's versions are added here."""
    import marshal

    folder = cache_dir()
    if folder is None:
        return None
    full = f"{kind}|{sys.version_info[:2]}|{marshal.version}|{key}"
    return folder / "fonts" / f"{kind}-{hashlib.sha256(full.encode()).hexdigest()[:40]}.bin"


# What write_blob keeps: marshal's plain data. Lists and dicts are typed as marshal's own stubs
# type them; an item marshal cannot keep is found when it writes them (ValueError: no entry).
Blob: TypeAlias = (
    bool | int | float | str | bytes | tuple["Blob", ...] | list[Any] | dict[Any, Any] | None
)


def write_blob(entry: Path | None, value: Blob) -> None:
    """Keep ``value`` (numbers, strings, bytes and containers of them) at ``entry`` with the
    SHA-256 of its marshal payload, atomically; a cache that cannot be written is not used."""
    import marshal

    if entry is None:
        return
    try:
        payload = marshal.dumps(value)
    except ValueError:  # something marshal cannot keep: no entry
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
        tmp.write_bytes(hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, entry)
    except OSError:
        pass


def read_blob(entry: Path | None) -> object | None:
    """What :func:`write_blob` kept at ``entry``, or None if there is none or its payload does
    not match its recorded hash."""
    import marshal

    if entry is None:
        return None
    try:
        raw = entry.read_bytes()
        payload = raw[32:]
        if len(raw) < 32 or hashlib.sha256(payload).digest() != raw[:32]:
            return None
        value: object = marshal.loads(payload)  # untrusted: callers check what it is
        return value
    except (OSError, ValueError, EOFError, TypeError):
        return None


def _store_ttfont(face: Face, font: TTFont) -> None:
    """Keep reportlab's parse of ``face`` (a just-made ``TTFont``) in the cache folder."""
    from reportlab.pdfbase.ttfonts import TTFNameBytes

    entry = _rl_entry(face)
    if entry is None:
        return
    state: dict[str, Blob] = {}
    for key, value in vars(font.face).items():
        if key in _RL_SKIP:
            continue
        if isinstance(value, TTFNameBytes):
            value = (_RL_NAME, bytes(value), value.ustr)
        state[key] = value
    write_blob(entry, state)


def _cached_ttfont(face: Face) -> TTFont | None:
    """A reportlab ``TTFont`` for ``face`` made from its cache entry, the same object the parse
    makes (``tests/test_fonts.py`` compares them); ``None`` without a valid entry."""
    from fnmatch import fnmatch
    from weakref import WeakKeyDictionary

    from reportlab import rl_config
    from reportlab.pdfbase.ttfonts import (  # type: ignore[attr-defined]  # unShapedFontGlob: no stub
        TTEncoding,
        TTFNameBytes,
        TTFont,
        TTFontFace,
        unShapedFontGlob,
    )

    state = read_blob(_rl_entry(face))
    if not isinstance(state, dict):
        return None
    try:
        with open(face.path, "rb") as fh:
            ttf_data = fh.read()
    except OSError:
        return None
    if len(ttf_data) != face.size:
        return None
    ttf = TTFontFace.__new__(TTFontFace)
    for key, value in state.items():
        if isinstance(value, tuple) and len(value) == 3 and value[0] == _RL_NAME:
            name = bytes.__new__(TTFNameBytes, value[1])
            name.ustr = value[2]
            value = name
        setattr(ttf, key, value)
    # The private attributes TTFontFace.__init__ sets, missing from types-reportlab:
    ttf._ttf_data = ttf_data  # type: ignore[attr-defined]
    units = state.get("unitsPerEm")
    if not isinstance(units, int) or units <= 0:
        return None
    if units == 1000:
        ttf._pdfScale = lambda x: x  # type: ignore[attr-defined]
    else:
        mult = 1000 / units
        ttf._pdfScale = lambda x: x * mult  # type: ignore[attr-defined]
    # TTFont.__init__ without its parse (reportlab 4.2 - 5.x)
    font = TTFont.__new__(TTFont)
    font.fontName = face.name
    font.face = ttf
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable  # type: ignore[attr-defined]  # private, no stub
    if "shapable" in TTFont.__init__.__code__.co_varnames:
        font.shapable = not any(fnmatch(face.name, g) for g in unShapedFontGlob)
    return font


def _dedupe(faces: Iterable[Face]) -> tuple[Face, ...]:
    seen: set[tuple[Path, int]] = set()
    out: list[Face] = []
    for f in faces:
        key = (f.path, f.index)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return tuple(out)


def _official(role: Role, listings: Sequence[dict[str, Path]]) -> list[Face]:
    """The usable face of each of the role's official files, in their order."""
    named = (_named_face((fname,), listings) for fname in _OFFICIAL_FILES[role])
    return [face for face in named if face is not None]


def _debian(rel_paths: Iterable[str]) -> list[Face]:
    faces: list[Face] = []
    system = _system_listing()
    for rel in rel_paths:
        path = _DEBIAN_ROOT / rel
        if not path.is_file():
            alt = system.get(Path(rel).name.lower())
            if alt is None:
                continue
            path = alt
        face = _usable_face(path, 0)
        if face is not None:
            faces.append(face)
    return faces


def files_fingerprint(font_dirs: Sequence[Path] = ()) -> str:
    """A digest of every font file the chains can draw from (path and content hash), without
    parsing any font: what an incremental build needs to know whether the fonts changed.

    The content hashes come from :func:`content_hash`'s index, so only a file that changed (or
    was never seen) is read: a font rewritten with the same size and modification time
    changes the fingerprint too."""
    h = hashlib.sha256()
    entries = [
        ("u", path)
        for folder in [Path(d).expanduser().resolve() for d in font_dirs]
        for _key, path in sorted(_listing(folder).items())
    ]
    entries += [("s", path) for _key, path in sorted(_system_listing().items())]
    for kind, path in entries:
        digest = content_hash(path, save=False) or "unreadable"
        h.update(os.fsencode(f"{kind}\0{path}\0{digest}\n"))
    folder = cache_dir()
    if folder is not None:
        _save_hash_index(folder)
    return h.hexdigest()


def resolve_fonts(font_dirs: Sequence[Path] = ()) -> FontSet:
    """The font set for these user font folders (cached per process and argument)."""
    return _resolve(tuple(Path(d).expanduser().resolve() for d in font_dirs))


@cache
def _resolve(font_dirs: tuple[Path, ...]) -> FontSet:
    skipped: list[tuple[Path, str]] = []
    problems: list[str] = []
    user_by_role: dict[Role, list[Face]] = {r: [] for r in ROLES}
    user_extra: list[Face] = []
    user_listings: list[dict[str, Path]] = []
    for folder in font_dirs:
        if not folder.is_dir():
            raise FontError(f"字体目录 {folder} 不存在或不是目录")
        listing = _listing(folder)
        user_listings.append(listing)
        if not listing:
            problems.append(f"字体目录 {folder} 中没有字体文件（.ttf、.ttc、.otf）")
        for path in listing.values():
            faces = _faces_of_file(path)
            if not faces:
                reason = _skip_reason(path)
                skipped.append((path, reason))
                problems.append(_skipped_message(path, reason))
                continue
            for face in faces:
                role = _classify(face, path)
                (user_by_role[role] if role else user_extra).append(face)
                blank = _blank_message(face)
                if blank:
                    problems.append(blank)

    system = [_system_listing()]
    chains: dict[Role, tuple[Face, ...]] = {}
    preferred: dict[Role, list[Face]] = {}
    for role in ROLES:
        preferred[role] = (
            user_by_role[role]
            + _official(role, user_listings)
            + _official(role, system)
            + _debian(_DEBIAN_FILES[role])
        )
    # 仿宋 is customarily replaced by 宋体 where it is missing.
    preferred["fangsong"] = preferred["fangsong"] + preferred["song"]
    everything = [f for role in ROLES for f in preferred[role]]
    for role in ROLES:
        fallbacks = _debian(_FALLBACK_FILES.get(role, _DEFAULT_FALLBACKS))
        own = _dedupe(preferred[role])
        tail = [f for f in _dedupe(user_extra + fallbacks + everything) if f not in own]
        chains[role] = (*own, *_by_style(role, tail))
    listings = [*user_listings, *system]
    user_faces = [f for faces in user_by_role.values() for f in faces] + user_extra
    return FontSet(
        chains, skipped, problems, _latin_face(user_faces, listings), _symbol_face(listings)
    )


@cache
def face_style(face: Face) -> str | None:
    """The style (song, kai or hei) from the face's file and family names; None if unknown."""
    names = f"{face.path.name} {face.family} {face.family_zh}"
    for style, pattern in _STYLE_PATTERNS:
        if pattern.search(names):
            return style
    return None


def _by_style(role: Role, faces: Sequence[Face]) -> list[Face]:
    """``faces`` (the fallbacks of a role) with the role's own style first, then the nearest
    style and faces of unknown style, a sans face last (a stable sort: the order of the chain
    holds within each rank)."""
    want = _ROLE_STYLE[role]
    near = _NEAR_STYLE[want]

    def rank(face: Face) -> int:
        style = face_style(face)
        if style == want:
            return 0
        if style is None or style == near:
            return 1
        return 2

    return sorted(faces, key=rank)


def _named_face(names: Sequence[str], listings: Sequence[dict[str, Path]]) -> Face | None:
    """The first usable face of the files ``names`` found in ``listings`` (in that order)."""
    for fname in names:
        for listing in listings:
            path = listing.get(fname.lower())
            if path is None:
                continue
            face = _usable_face(path, _best_subfont(path))
            if face is not None:
                return face
    return None


def _latin_face(user_faces: Sequence[Face], listings: Sequence[dict[str, Path]]) -> Face | None:
    """The serif Latin face: a user's Times New Roman-like face first (by family, regular), then
    the files of ``_LATIN_FILES`` in the user's folders and the system's."""
    for face in user_faces:
        info = face_info(face.path, face.index)
        if (
            info is not None
            and _LATIN_FAMILY.match(face.family)
            and info.subfamily.lower() in ("regular", "normal", "book", "roman")
        ):
            return face
    return _named_face(_LATIN_FILES, listings)


def _symbol_face(listings: Sequence[dict[str, Path]]) -> Face | None:
    face = _named_face(_SYMBOL_FILES, listings)
    if face is None or not all(face.covers(ord(c)) for c in TICK_CHARS):
        return None
    return face


def _skipped_message(path: Path, reason: str) -> str:
    return f"字体文件 {path} 未使用：{reason}"


def _blank_message(face: Face) -> str | None:
    """A warning for a user's face whose cmap maps characters to empty glyphs."""
    info = face_info(face.path, face.index)
    if info is None or not info.blank:
        return None
    shown = "、".join(f"U+{cp:04X}" for cp in sorted(info.blank)[:5])
    more = " 等" if len(info.blank) > 5 else ""
    return (
        f"字体文件 {face.path} 中有 {len(info.blank)} 个字符（{shown}{more}）的字形是空的，"
        "这些字符不用该字体，改由其他字体显示"
    )


def _skip_reason(path: Path) -> str:
    info = face_info(path, 0)
    if info is None:
        return face_error(path, 0)
    if not info.truetype:
        return "PostScript (CFF) 轮廓字体，reportlab 无法嵌入"
    if not info.embeddable:
        return "字体许可禁止嵌入"
    return "字体没有 Unicode 字符映射"
