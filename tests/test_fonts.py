"""Font chains, per-character fallback, coverage findings and the line breaker (real fonts)."""

from __future__ import annotations

import random
import sys
from itertools import accumulate, pairwise
from pathlib import Path

import pytest

from docgen.document import Cell, Document, Paragraph, Run, Table, runs
from docgen.render.fonts import FIXED_TEXT_PATH, LATIN_ROLES, files_fingerprint, resolve_fonts
from docgen.render.linebreak import (
    CANNOT_END,
    CANNOT_START,
    break_lines,
    break_opportunities,
)

GBSN = Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf")
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
LXGW = Path("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf")

pytestmark = pytest.mark.skipif(
    not (GBSN.exists() and WQY.exists() and LXGW.exists()), reason="Debian CJK fonts missing"
)


def _doc(*blocks: object) -> Document:
    return Document("declaration", "测试", tuple(blocks))  # type: ignore[arg-type]


def test_chains_use_debian_faces_with_fallbacks() -> None:
    fonts = resolve_fonts()
    song = [f.path for f in fonts.faces("song")]
    assert song[0] == GBSN
    assert WQY in song and LXGW in song
    assert fonts.family("song") == "AR PL SungtiL GB"
    assert fonts.family("hei") == "WenQuanYi Zen Hei"
    assert fonts.family("kai") == "AR PL KaitiM GB"
    # Debian has no 仿宋: song stands in for it.
    assert fonts.faces("fangsong")[0].path == GBSN
    assert all("droid" not in str(f.path).lower() for r in ("song", "hei") for f in fonts.faces(r))


def test_resolve_is_cached_and_fingerprint_stable() -> None:
    a, b = resolve_fonts(), resolve_fonts(())
    assert a is b
    assert len(files_fingerprint()) == 64
    assert files_fingerprint() == files_fingerprint(())


def test_segments_fall_back_per_character() -> None:
    fonts = resolve_fonts()
    segs = fonts.segments("二〇二一年 GB/T 9704，王堃", "song")
    assert "".join(t for _, t in segs) == "二〇二一年 GB/T 9704，王堃"
    by_char = {t: f for f, t in segs}
    primary = fonts.faces("song")[0].name
    # 〇 and 堃 are not in GB2312: another face draws them; the space stays in the body face,
    # ASCII letters and digits go to the serif Latin face where there is one and it is switched
    # on (issue 12, LATIN_ROLES).
    assert by_char["〇"] != primary
    assert by_char["堃"] != primary
    assert segs[0] == (primary, "二")
    if fonts.latin is not None and "song" in LATIN_ROLES:
        latin = fonts.latin.name
        assert (latin, "GB/T") in segs and (latin, "9704") in segs
        assert (primary, " ") in segs and any(f == primary and "，王" in t for f, t in segs)
    else:
        assert any(f == primary and " GB/T 9704，王" in t for f, t in segs)


def test_missing_reports_char_code_point_and_path() -> None:
    fonts = resolve_fonts()
    doc = _doc(
        Paragraph((Run("企业名称😀有限公司", source="applications[0].applicant.name"),)),
        Paragraph(runs("固定文字\U000f0000")),
        Paragraph(runs("王堃、李喆、朱镕、二〇二一年–\n\t", "applications[1].contact")),
    )
    findings = fonts.missing(doc)
    assert len(findings) == 2
    first = findings[0]
    assert first.path == "applications[0].applicant.name"
    assert first.level == "error"
    assert "“😀”" in first.message and "U+1F600" in first.message
    assert "--font-dir" in first.message
    assert findings[1].path == FIXED_TEXT_PATH
    assert "U+F0000" in findings[1].message


def test_missing_checks_table_cells_in_their_role() -> None:
    fonts = resolve_fonts()
    table = Table((1,), ((Cell((Run("𠀀", source="t.cell"),)),),))  # U+20000: Ext-B
    findings = fonts.missing(_doc(table))
    # LXGW WenKai has part of Ext-B; whether U+20000 is covered must match the chain.
    covered = any(f.covers(0x20000) for f in fonts.faces("song"))
    assert (findings == []) == covered


def _synthetic_cff_font(path: Path) -> None:
    """A real one-glyph OpenType font with PostScript (CFF) outlines."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    fb = FontBuilder(1000, isTTF=False)
    fb.setupGlyphOrder([".notdef", "A"])
    fb.setupCharacterMap({0x41: "A"})
    pen = T2CharStringPen(600, None)
    pen.moveTo((0, 0))
    pen.lineTo((500, 0))
    pen.lineTo((250, 700))
    pen.closePath()
    glyph = pen.getCharString()
    fb.setupCFF("SimKaiCFF", {"FullName": "SimKai CFF"}, {".notdef": glyph, "A": glyph}, {})
    fb.setupHorizontalMetrics({".notdef": (600, 0), "A": (600, 0)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "KaiTi CFF", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    fb.save(str(path))


def test_cff_fonts_in_user_dir_are_skipped(tmp_path: Path) -> None:
    _synthetic_cff_font(tmp_path / "simkai.otf")
    fonts = resolve_fonts([tmp_path])
    assert [p.name for p, _ in fonts.skipped] == ["simkai.otf"]
    assert "CFF" in fonts.skipped[0][1]
    assert fonts.faces("kai")[0].path.name == "gkai00mp.ttf"


def test_user_dir_official_name_comes_first(tmp_path: Path) -> None:
    (tmp_path / "simfang.ttf").symlink_to(LXGW)
    fonts = resolve_fonts([tmp_path])
    assert fonts.faces("fangsong")[0].path.name == "simfang.ttf"
    assert fonts.faces("song")[0].path == GBSN
    assert files_fingerprint([tmp_path]) != files_fingerprint()


def test_reportlab_cannot_start_lists_are_patched() -> None:
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    for ch in "，；：？！》〉”’…—·．":
        assert ch in textsplit.ALL_CANNOT_START
        assert ch in paragraph.ALL_CANNOT_START


def _break(text: str, width_chars: float, first_indent: float = 2.0) -> list[str]:
    widths = [1.0 if ord(c) >= 0x2E80 else 0.5 for c in text]
    cum = [0.0, *accumulate(widths)]
    lines = break_lines(
        text, cum, break_opportunities(text), width_chars - first_indent, width_chars
    )
    for ln in lines:
        assert ln.width <= width_chars + 1e-9 or ln.end - ln.start == 1
    return [text[ln.start : ln.end] for ln in lines]


def test_breaker_obeys_kinsoku_on_dense_punctuation() -> None:
    rng = random.Random(7)
    words = [
        "服务",
        "制造",
        "，",
        "。",
        "、",
        "“平台”",
        "（项目）",
        "《通知》",
        "；",
        "：",
        "……",
        "——",
    ]
    text = "据" + "".join(rng.choice(words) + "示范" for _ in range(2000)) + "完"
    for width in (27, 28, 13, 7):
        lines = _break(text, width)
        assert "".join(lines) == text
        for line in lines:
            assert line[0] not in CANNOT_START, line
            assert line[-1] not in CANNOT_END, line


def test_breaker_keeps_latin_words_and_numbers() -> None:
    text = "依据GB/T 9704-2012标准，营业收入12345.67万元，增长35.6%。" * 3
    widths = [1.0 if ord(c) >= 0x2E80 else 0.5 for c in text]
    cum = [0.0, *accumulate(widths)]
    lines = break_lines(text, cum, break_opportunities(text), 12, 12)
    assert len(lines) > 3
    for a, b in pairwise(lines):
        # A break between two Latin letters or digits only happens at a space.
        left, right = text[a.end - 1], text[b.start]
        if left.isascii() and right.isascii():
            assert text[a.end : b.start].strip() == "" and b.start > a.end, (left, right)
    assert any(text[ln.start : ln.end].startswith("12345.67") for ln in lines)


def test_breaker_forced_newlines_and_empty() -> None:
    assert _break("", 10) == [""]
    assert _break("甲\n乙", 10) == ["甲", "乙"]


# --- the font information cache -------------------------------------------------------------


@pytest.fixture
def font_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """An empty cache folder of its own; the in-process caches are cleared before and after."""
    from docgen.render import fonts

    folder = tmp_path / "cache"
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(folder))
    fonts.face_info.cache_clear()
    yield folder
    fonts.face_info.cache_clear()


def test_font_information_is_read_back_from_the_cache(
    font_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docgen.render import fonts

    first = fonts.face_info(GBSN)
    assert first is not None and 0x4E2D in first.codepoints  # 中
    assert len(list((font_cache / "fonts").glob("*.json"))) == 1
    fonts.face_info.cache_clear()

    def no_parsing(path: Path, index: int) -> None:
        raise AssertionError("parsed again instead of read from the cache")

    monkeypatch.setattr(fonts, "_parse_face_info", no_parsing)
    again = fonts.face_info(GBSN)
    assert again == first and again is not None and again.codepoints == first.codepoints


def test_damaged_or_stale_cache_entries_are_parsed_again(font_cache: Path, tmp_path: Path) -> None:
    import os

    from docgen.render import fonts

    copy = tmp_path / "face.ttf"
    copy.write_bytes(GBSN.read_bytes())
    good = fonts.face_info(copy)
    (entry,) = (font_cache / "fonts").glob("*.json")
    entry.write_text('{"family": "broken', encoding="utf-8")
    fonts.face_info.cache_clear()
    assert fonts.face_info(copy) == good  # damaged: parsed again and rewritten
    assert entry.read_text(encoding="utf-8").startswith("{")
    fonts.face_info.cache_clear()
    st = copy.stat()
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched, same content
    assert fonts.face_info(copy) == good
    # Entries are keyed by the file's content: the same bytes share one entry.
    assert len(list((font_cache / "fonts").glob("*.json"))) == 1
    with copy.open("r+b") as fh:  # the content changed: a new key, not the old entry
        fh.seek(0, 2)
        fh.write(b"\0\0\0\0")
    fonts.face_info.cache_clear()
    assert fonts.face_info(copy) == good
    assert len(list((font_cache / "fonts").glob("*.json"))) == 2


def test_no_cache_when_disabled_or_unwritable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docgen.render import fonts

    try:
        monkeypatch.setenv("DOCGEN_CACHE_DIR", "")
        fonts.face_info.cache_clear()
        assert fonts.cache_dir() is None
        assert fonts.face_info(GBSN) is not None
        blocked = tmp_path / "not-a-folder"
        blocked.write_text("x")
        monkeypatch.setenv("DOCGEN_CACHE_DIR", str(blocked))
        fonts.face_info.cache_clear()
        assert fonts.face_info(GBSN) is not None  # the cache cannot be written: still works
    finally:
        fonts.face_info.cache_clear()


def test_no_home_folder_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.render import fonts

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("DOCGEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert fonts.cache_dir() is None


@pytest.mark.skipif(sys.platform != "linux", reason="file names as raw bytes: Linux")
def test_font_folder_with_an_undecodable_name(font_cache: Path, tmp_path: Path) -> None:
    """A --font-dir whose name is not valid UTF-8 (copied from an old GBK disk) still works:
    face names, the cache key and the build key's font fingerprint all take such paths."""
    import os

    folder = Path(os.fsdecode(bytes(tmp_path) + b"/\xd7\xd6\xcc\xe5"))  # 字体 in GBK
    folder.mkdir()
    (folder / "gbsn00lp.ttf").write_bytes(GBSN.read_bytes())
    from docgen.render.fonts import face_info

    fonts = resolve_fonts([folder])
    mine = [f for f in fonts.faces("song") if f.path.parent == folder]
    assert mine and mine[0].name.startswith("dg-gbsn00lp-")
    assert face_info(mine[0].path) is not None
    assert list((font_cache / "fonts").glob("*.json"))  # cached under a key of its own
    assert len(files_fingerprint([folder])) == 64


# --- reportlab's parse of a face, cached --------------------------------------------------------


def _face_state(font: object) -> dict[str, object]:
    face = font.face  # type: ignore[attr-defined]
    # glyphToChar is not kept in the cache: only reportlab's shaping (uharfbuzz) reads it
    state = {k: v for k, v in vars(face).items() if k not in ("_pdfScale", "glyphToChar")}
    names = {k: v.ustr for k, v in state.items() if hasattr(v, "ustr")}
    types = {k: type(v) for k, v in state.items()}
    scale = [face._pdfScale(x) for x in (1, 7, 123, -55, 0.5)]
    return {"state": state, "names": names, "types": types, "scale": scale}


def _font_state(font: object) -> dict[str, object]:
    return {k: v for k, v in vars(font).items() if k not in ("face", "state", "encoding")}


@pytest.mark.parametrize("path", [GBSN, WQY, LXGW])
def test_reportlab_faces_from_the_cache_equal_a_fresh_parse(font_cache: Path, path: Path) -> None:
    from reportlab.pdfbase.ttfonts import TTFont

    from docgen.render import fonts

    face = fonts._usable_face(path, 0)
    assert face is not None
    assert fonts._cached_ttfont(face) is None  # nothing stored yet
    fresh = TTFont(face.name, str(face.path), subfontIndex=face.index)
    fonts._store_ttfont(face, fresh)
    cached = fonts._cached_ttfont(face)
    assert cached is not None and cached is not fresh
    assert _font_state(cached) == _font_state(fresh)
    assert _face_state(cached) == _face_state(fresh)


def test_a_damaged_reportlab_cache_entry_is_parsed_again(font_cache: Path) -> None:
    from reportlab.pdfbase.ttfonts import TTFont

    from docgen.render import fonts

    face = fonts._usable_face(GBSN, 0)
    assert face is not None
    fonts._store_ttfont(face, TTFont(face.name, str(face.path)))
    (entry,) = (font_cache / "fonts").glob("rl-*.bin")
    data = bytearray(entry.read_bytes())
    data[-10] ^= 0xFF
    entry.write_bytes(bytes(data))
    assert fonts._cached_ttfont(face) is None
    entry.write_bytes(b"")
    assert fonts._cached_ttfont(face) is None


def test_slot_label_outlines_are_read_back_from_the_cache(
    font_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outlines of the slot labels ("公章", "骑缝章 1/3") are kept in the cache folder: a
    fresh process draws them without opening the font, and a damaged entry (right checksum,
    wrong content) is not trusted but made again."""
    import hashlib
    import marshal

    from docgen.render.pdf import pen

    fonts = resolve_fonts()
    face = fonts._by_name[fonts.font_name("song")]
    pen._char_outline_tables.clear()
    made = dict(pen._char_outlines(face, "骑缝章 1/3"))
    assert made["骑"] is not None and made["章"] is not None
    (entry,) = (font_cache / "fonts").glob("outline-*.bin")

    def no_font(path: str, index: int) -> None:
        raise AssertionError("opened the font instead of reading the cache")

    pen._char_outline_tables.clear()
    monkeypatch.setattr(pen, "_glyph_set", no_font)
    assert pen._char_outlines(face, "骑缝章 1/3") == made
    monkeypatch.undo()
    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(font_cache))

    for bad in ({"骑": (("x", 1, 2),), "章": None}, {"骑": ((("m", "1", 2),), 1.0, 1000.0)}):
        payload = marshal.dumps(bad)
        entry.write_bytes(hashlib.sha256(payload).digest() + payload)
        pen._char_outline_tables.clear()
        assert pen._char_outlines(face, "骑缝章 1/3") == made  # made again from the font
    pen._char_outline_tables.clear()
