"""Fonts docgen cannot trust (issue 10): a corrupt font in --font-dir is reported, a cmap entry
pointing to an empty glyph does not count as coverage, an edited cache entry is never believed,
and the font fingerprint follows the files' content."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from docgen.document import Document, Paragraph, runs
from docgen.render import fonts
from docgen.render.fonts import face_info, files_fingerprint, resolve_fonts

GBSN = Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf")
GKAI = Path("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf")

pytestmark = pytest.mark.skipif(
    not (GBSN.exists() and GKAI.exists()), reason="Debian CJK fonts missing"
)

KEPT = "中国城市更新行动"  # drawn by the crafted face
EMPTIED = "城市"  # mapped by its cmap, but to glyphs without contours
PUA = 0xE000  # a private-use character only the crafted face maps (to an empty glyph)


@pytest.fixture
def font_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(folder))
    face_info.cache_clear()
    yield folder
    face_info.cache_clear()


def _crafted_font(path: Path) -> None:
    """A small subset of AR PL SungtiL GB (中国城市更新行动, space, A) named as SimSun, whose
    glyphs for 城 and 市 are emptied, plus U+E000 mapped to an empty glyph."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(str(GBSN))
    sub = subset.Subsetter(options)
    sub.populate(text=KEPT + " A")
    sub.subset(font)
    cmap = font.getBestCmap()
    for ch in EMPTIED:
        font["glyf"][cmap[ord(ch)]] = Glyph()  # no contours
    for table in font["cmap"].tables:
        if table.isUnicode():
            table.cmap[PUA] = cmap[ord(EMPTIED[0])]
    for rec in font["name"].names:
        if rec.nameID in (1, 4, 6):
            rec.string = "SimSun"
    font.save(str(path))


# --- corrupt fonts in a user's font folder ------------------------------------------------------


def test_corrupt_fonts_in_a_font_dir_are_reported(tmp_path: Path, font_cache: Path) -> None:
    folder = tmp_path / "fonts"
    folder.mkdir()
    (folder / "garbage.ttf").write_bytes(b"this is not a font at all" * 40)
    data = GKAI.read_bytes()
    (folder / "simkai.ttf").write_bytes(data[: len(data) // 2])  # an interrupted copy
    (folder / "broken.ttc").write_bytes(b"ttcf" + b"\0" * 60)

    fontset = resolve_fonts([folder])
    problems = fontset.problems
    assert len(problems) == 3, problems
    for name in ("garbage.ttf", "simkai.ttf", "broken.ttc"):
        (msg,) = [p for p in problems if name in p]
        assert str(folder / name) in msg and "未使用" in msg
    (truncated,) = [p for p in problems if "simkai.ttf" in p]
    assert "文件不完整" in truncated
    (garbage,) = [p for p in problems if "garbage.ttf" in p]
    assert "已损坏或不是字体" in garbage
    assert {p.name for p, _ in fontset.skipped} == {"garbage.ttf", "simkai.ttf", "broken.ttc"}
    # Nothing of the broken files is used: the Debian faces stand in.
    assert fontset.faces("kai")[0].path == GKAI


def test_a_font_dir_without_fonts_is_reported(tmp_path: Path, font_cache: Path) -> None:
    folder = tmp_path / "empty-fonts"
    folder.mkdir()
    (folder / "readme.txt").write_text("no fonts here")
    problems = resolve_fonts([folder]).problems
    assert problems == (f"字体目录 {folder} 中没有字体文件（.ttf、.ttc、.otf）",)


def test_a_good_font_dir_has_no_problems(tmp_path: Path, font_cache: Path) -> None:
    folder = tmp_path / "good"
    folder.mkdir()
    (folder / "simkai.ttf").write_bytes(GKAI.read_bytes())
    fontset = resolve_fonts([folder])
    assert fontset.faces("kai")[0].path == folder / "simkai.ttf"
    # gkai00mp maps a few characters (ń, ⅰ ...) to empty glyphs: reported, not an error.
    assert all("字形是空的" in p for p in fontset.problems)
    assert fontset.skipped == ()


# --- empty glyphs ---------------------------------------------------------------------------


def test_empty_glyphs_do_not_count_as_coverage(tmp_path: Path, font_cache: Path) -> None:
    folder = tmp_path / "fonts"
    folder.mkdir()
    crafted = folder / "simsun.ttf"
    _crafted_font(crafted)
    assert crafted.stat().st_size < 50_000

    info = face_info(crafted)
    assert info is not None
    for ch in KEPT.replace(EMPTIED, ""):
        assert ord(ch) in info.codepoints, ch
    for ch in EMPTIED:
        assert ord(ch) not in info.codepoints and ord(ch) in info.blank
    assert PUA in info.blank
    assert 0x20 in info.codepoints  # a space is blank by design: covered

    fontset = resolve_fonts([folder])
    primary = fontset.faces("song")[0]
    assert primary.path == crafted
    assert fontset.font_for("中", "song") == primary.name
    # 城 and 市 fall back to a face that really draws them.
    for ch in EMPTIED:
        name = fontset.font_for(ch, "song")
        assert name is not None and name != primary.name
    # A character that only the crafted face claims is reported missing, not printed blank.
    doc = Document("declaration", "测试", (Paragraph(runs(KEPT + chr(PUA), "概述")),))
    findings = fontset.missing(doc)
    assert [f.path for f in findings] == ["概述"]
    assert "U+E000" in findings[0].message
    (warning,) = [p for p in fontset.problems if str(crafted) in p]
    assert "3 个字符" in warning and "U+57CE" in warning


# --- the face information cache -------------------------------------------------------------


def _entry(font_cache: Path) -> Path:
    (entry,) = (font_cache / "fonts").glob("*.json")
    return entry


def test_an_edited_cache_entry_is_rejected_and_parsed_again(
    tmp_path: Path, font_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crafted = tmp_path / "simsun.ttf"
    _crafted_font(crafted)
    good = face_info(crafted)
    assert good is not None
    entry = _entry(font_cache)
    data = json.loads(entry.read_text(encoding="utf-8"))
    assert len(data["font_sha256"]) == 64 and data["check"]

    parses: list[Path] = []
    real_parse = fonts._parse_face_info

    def counting(path: Path, index: int) -> tuple[fonts.FaceInfo | None, str]:
        parses.append(path)
        return real_parse(path, index)

    monkeypatch.setattr(fonts, "_parse_face_info", counting)

    # Someone "repairs" the coverage: 城 and 市 are claimed, the entry's hashes left alone.
    edited = json.loads(json.dumps(data))
    edited["payload"]["info"]["ranges"].append([0x57CE, 0x57CE])
    edited["payload"]["info"]["ranges"].append([0x5E02, 0x5E02])
    entry.write_text(json.dumps(edited), encoding="utf-8")
    face_info.cache_clear()
    again = face_info(crafted)
    assert again is not None and ord("城") not in again.codepoints
    assert parses == [crafted]
    assert json.loads(entry.read_text(encoding="utf-8")) == data  # rewritten

    # The payload and its check both rewritten, but for other content: rejected too.
    forged = json.loads(json.dumps(edited))
    forged["font_sha256"] = "0" * 64
    forged["check"] = fonts._payload_check(
        forged["payload"], forged["font_sha256"], 0, crafted.stat().st_size
    )
    entry.write_text(json.dumps(forged), encoding="utf-8")
    face_info.cache_clear()
    again = face_info(crafted)
    assert again is not None and ord("城") not in again.codepoints
    assert len(parses) == 2

    # An untouched entry is believed: no parsing.
    face_info.cache_clear()
    assert face_info(crafted) == good
    assert len(parses) == 2


def test_a_tampered_hash_index_cannot_lend_another_font_its_coverage(
    tmp_path: Path, font_cache: Path
) -> None:
    crafted = tmp_path / "simsun.ttf"
    _crafted_font(crafted)
    other = tmp_path / "gbsn.ttf"
    other.write_bytes(GBSN.read_bytes())
    assert face_info(other) is not None and face_info(crafted) is not None
    index_file = font_cache / fonts._HASH_INDEX_NAME
    index = json.loads(index_file.read_text(encoding="utf-8"))
    digests = index["hashes"]
    real = fonts.content_hash(other)
    (crafted_key,) = [k for k, v in digests.items() if v != real]
    digests[crafted_key] = real  # the crafted face now "is" the full font
    index_file.write_text(json.dumps(index), encoding="utf-8")
    fonts._hash_memo.clear()
    fonts._hash_indexes.clear()
    fonts._hashed_here.clear()
    face_info.cache_clear()
    info = face_info(crafted)
    assert info is not None and ord("城") not in info.codepoints
    assert len(info.codepoints) < 20


# --- the font fingerprint -------------------------------------------------------------------


def test_fingerprint_follows_content_with_same_size_and_mtime(
    tmp_path: Path, font_cache: Path
) -> None:
    folder = tmp_path / "fonts"
    folder.mkdir()
    font = folder / "simsun.ttf"
    _crafted_font(font)
    before = files_fingerprint([folder])
    assert files_fingerprint([folder]) == before
    st = font.stat()
    data = bytearray(font.read_bytes())
    data[-1] ^= 0xFF  # same size, other content
    for _ in range(200):  # until the change time moves on (coarse file system clocks)
        with font.open("r+b") as fh:
            fh.write(data)
        os.utime(font, ns=(st.st_atime_ns, st.st_mtime_ns))
        if font.stat().st_ctime_ns != st.st_ctime_ns:
            break
        time.sleep(0.01)
    after = font.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        st.st_size,
        st.st_mtime_ns,
        st.st_ino,
    )
    assert files_fingerprint([folder]) != before


def test_fingerprint_reads_unchanged_files_from_the_index(
    tmp_path: Path, font_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "fonts"
    folder.mkdir()
    (folder / "simkai.ttf").write_bytes(GKAI.read_bytes())
    first = files_fingerprint([folder])
    assert (font_cache / fonts._HASH_INDEX_NAME).is_file()
    fonts._hash_memo.clear()  # as in a new process
    fonts._hash_indexes.clear()

    def no_hashing(*args: object, **kw: object) -> None:
        raise AssertionError("hashed again instead of read from the index")

    monkeypatch.setattr(fonts.hashlib, "file_digest", no_hashing)
    assert files_fingerprint([folder]) == first
