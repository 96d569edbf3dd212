"""The PDF renderer on real fonts and real PDFs: text, fonts, layout rules, seal slots."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from docgen import layout
from docgen.document import (
    Cell,
    CoverField,
    CoverFields,
    Document,
    Heading,
    ListItem,
    OpinionBox,
    PageBreak,
    Paragraph,
    Run,
    SignatureBlock,
    Table,
    TickBoxes,
    TickItem,
    Title,
    runs,
)
from docgen.errors import InputError
from docgen.render.fonts import FontSet, resolve_fonts
from docgen.render.linebreak import CANNOT_END, CANNOT_START
from docgen.render.pdf import NO_BODY_TEXT, SEAL_LABEL, PdfResult, render_pdf

GBSN = Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf")
pytestmark = pytest.mark.skipif(not GBSN.exists(), reason="Debian CJK fonts missing")

PROSE = (
    "我公司成立于二〇〇八年，是一家以“智能制造+服务”为核心的（国家级）高新技术企业，"
    "主要从事工程机械、农业机械的研发、生产、销售和服务；近三年，服务收入占营业收入比重达"
    "35.6%，年均增长12%。通过建设工业互联网平台、开展全生命周期管理、推行总集成总承包等模式，"
    "实现由《卖产品》向“卖服务”转变：效益显著！"
)
PAGE_NUMBER = re.compile(r"^— (\d+) —$")


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    return resolve_fonts()


def _doc(
    *blocks: Any, cover_pages: int = 0, landscape: bool = False, title: str = "测试文件"
) -> Document:
    return Document(
        "declaration", title, tuple(blocks), landscape=landscape, cover_pages=cover_pages
    )


def _lines(page: Any) -> list[tuple[float, float, float, str]]:
    """Text lines of a page from its characters: (top, x0, x1, text), top to bottom."""
    rows: dict[float, list[dict[str, Any]]] = {}
    for ch in page.chars:  # by baseline: faces of one line differ in ascent and descent
        rows.setdefault(-round(ch["matrix"][5], 0), []).append(ch)
    out = []
    for key in sorted(rows):
        chars = sorted(rows[key], key=lambda c: c["x0"])
        text = "".join(c["text"] for c in chars)
        out.append((chars[0]["top"], chars[0]["x0"], chars[-1]["x1"], text))
    return out


def _pages(data: bytes) -> Iterator[Any]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        yield from pdf.pages


def _page_number(page: Any) -> tuple[int, float, float] | None:
    for _, x0, x1, text in _lines(page):
        m = PAGE_NUMBER.match(text)
        if m:
            return int(m.group(1)), x0, x1
    return None


# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def packet(fonts: FontSet) -> PdfResult:
    return build_packet(fonts)


def build_packet(fonts: FontSet) -> PdfResult:
    """A cover, a narrative part with headings, tick boxes, a table, a signature; then a
    landscape summary; then an opinion page."""
    cover = [
        Title(runs("服务型制造示范遴选申报书"), size=26, space_before=60, space_after=40),
        CoverFields(
            (
                CoverField("申报类别：", runs("示范企业")),
                CoverField(
                    "申报单位（盖章）：",
                    runs("广西柳工机械股份有限公司", "applications[0].applicant.name"),
                    seal="applicant",
                ),
                CoverField("推荐单位：", runs("柳州市工业和信息化局")),
                CoverField("申报日期：", runs("二〇二一年四月二十日")),
            )
        ),
        PageBreak(),
    ]
    body = [
        Heading(1, "一、", runs("申报主体基本情况")),
        TickBoxes(
            "申报类别：",
            (
                TickItem("示范企业", False),
                TickItem("示范平台", True),
                TickItem("共享制造类", True, 1),
                TickItem("其他类", False, 1),
                TickItem("示范项目", False),
            ),
        ),
        Heading(2, "（一）", runs("企业概况")),
        Paragraph((Run(PROSE * 2, source="applications[0].narrative"),)),
        Paragraph((Run('名称：<b>&amp;"x" =1+1 法人：王堃、李喆、朱镕', source="x.name"),)),
        Heading(3, "1.", runs("模式")),
        ListItem("1.", runs(PROSE)),
        Table(
            (1, 3),
            (
                (Cell(runs("项目"), header=True), Cell(runs("内容"), header=True)),
                (Cell(runs("单位名称"), header=True), Cell(runs("广西柳工机械股份有限公司"))),
            ),
            header_rows=1,
        ),
        Paragraph(runs("本单位承诺所填报的信息真实、准确、完整。")),
        SignatureBlock(
            (runs("申报单位（盖章）："), runs("2021年  月  日")),
            seal="applicant",
        ),
    ]
    summary = _doc(
        Heading(1, "一、", runs("汇总")),
        Table(
            (1, 4, 2, 2),
            tuple(
                (
                    Cell(runs(str(i))),
                    Cell(runs(PROSE[: 20 + i])),
                    Cell(runs("示范企业")),
                    Cell(runs("x")),
                )
                for i in range(5)
            ),
        ),
        landscape=True,
        cover_pages=0,
        title="汇总表",
    )
    opinion = _doc(
        OpinionBox(
            "推荐意见",
            60,
            SignatureBlock((runs("推荐单位（盖章）："), runs("2021年  月  日")), seal="government"),
        ),
        title="推荐意见",
    )
    declaration = _doc(*cover, *body, cover_pages=1, title="申报书")
    return render_pdf([declaration, summary, opinion], fonts)


def test_packet_structure(packet: PdfResult) -> None:
    assert [d.first_page for d in packet.docs] == [
        0,
        packet.docs[0].pages,
        packet.docs[0].pages + 1,
    ]
    assert sum(d.pages for d in packet.docs) == packet.pages
    reader = PdfReader(io.BytesIO(packet.data))
    assert len(reader.pages) == packet.pages
    summary = reader.pages[packet.docs[1].first_page]
    assert float(summary.mediabox.width) > float(summary.mediabox.height)
    assert reader.metadata is not None
    assert reader.metadata.title == "申报书"
    assert reader.metadata.author == "docgen"
    titles = [e.title for e in packet.docs[0].outline]
    assert titles == ["一、申报主体基本情况", "（一）企业概况", "1.模式"]
    assert [e.level for e in packet.docs[0].outline] == [1, 2, 3]
    assert packet.docs[0].outline[0].page == 1
    top = [o.title if not isinstance(o, list) else None for o in reader.outline]
    assert [t for t in top if t] == ["申报书", "汇总表", "推荐意见"]


def test_text_prints_literally_with_fallback(packet: PdfResult) -> None:
    text = "".join(t for p in _pages(packet.data) for *_, t in _lines(p))
    assert '名称：<b>&amp;"x" =1+1 法人' in text
    for name in ("王堃", "李喆", "朱镕", "二〇〇八年", "二〇二一年"):
        assert name in text
    # the tick boxes' characters are in the text layer (invisible text at the drawn boxes)
    assert "✓" not in text and text.count("☑") == 2


def test_page_numbers_restart_per_document(packet: PdfResult) -> None:
    pages = list(_pages(packet.data))
    _decl, summary, opinion = packet.docs
    assert _page_number(pages[0]) is None  # cover
    assert _page_number(pages[1])[0] == 1  # type: ignore[index]
    assert _page_number(pages[summary.first_page])[0] == 1  # type: ignore[index]
    assert _page_number(pages[opinion.first_page])[0] == 1  # type: ignore[index]


def test_all_fonts_embedded_no_helvetica(packet: PdfResult, tmp_path: Path) -> None:
    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts not installed")
    path = tmp_path / "p.pdf"
    path.write_bytes(packet.data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    assert "Helvetica" not in out
    for row in rows:
        cols = row.split()
        # name type encoding emb sub uni object ID: emb is the 4th column from the end but 3
        assert cols[-5] == "yes", row


def test_qpdf_check(packet: PdfResult, tmp_path: Path) -> None:
    if not shutil.which("qpdf"):
        pytest.skip("qpdf not installed")
    path = tmp_path / "p.pdf"
    path.write_bytes(packet.data)
    res = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_render_is_deterministic(fonts: FontSet) -> None:
    doc = _doc(Heading(1, "一、", runs("标题")), Paragraph(runs(PROSE * 3)), cover_pages=0)
    assert render_pdf([doc], fonts).data == render_pdf([doc], fonts).data


def test_nothing_right_of_the_band(packet: PdfResult) -> None:
    reader = PdfReader(io.BytesIO(packet.data))
    for i, page in enumerate(_pages(packet.data)):
        width = float(reader.pages[i].mediabox.width)
        landscape = width > float(reader.pages[i].mediabox.height)
        geo = layout.geometry(landscape)
        for obj in page.chars + page.rects + page.lines + page.curves:
            if landscape:  # bound top at the binding edge: the band is on the bottom edge
                assert obj["y0"] >= layout.straddle_band_width(), (i, obj.get("text"), obj["y0"])
            else:
                assert obj["x1"] <= geo.band_x0, (i, obj.get("text"), obj["x1"])


def test_tick_boxes_are_drawn(packet: PdfResult) -> None:
    page = list(_pages(packet.data))[1]
    side = 0.8 * 16
    boxes = [
        r for r in page.rects if abs(r["width"] - side) < 0.5 and abs(r["height"] - side) < 0.5
    ]
    assert len(boxes) == 5
    ticks = [c for c in page.curves if any(abs(c["x0"] - b["x0"]) < side for b in boxes)]
    assert len(ticks) == 2  # two checked items get a drawn check mark
    text = "".join(t for *_, t in _lines(page)).replace(" ", "")
    # the drawn boxes' ☑/☐ are invisible text: copying gives them, nothing else is drawn
    assert "☑示范平台（☑共享制造类" in text and "☐其他类）" in text
    assert not any(ch in text for ch in "☒✓✔□■")


def test_seal_slots_hold_only_their_text(packet: PdfResult) -> None:
    decl, _, opinion = packet.docs
    assert len(decl.seal_slots) == 2
    assert decl.seal_slots[0].page == 0 and decl.seal_slots[0].seal == "applicant"
    assert decl.seal_slots[0].diameter_mm == layout.ENTERPRISE_SEAL_MM
    assert opinion.seal_slots[0].diameter_mm == layout.GOVERNMENT_SEAL_MM
    allowed = {
        0: "广西柳工机械股份有限公司" + SEAL_LABEL,
        1: "申报单位（盖章）：2021年月日" + SEAL_LABEL,
        2: "推荐单位（盖章）：2021年月日" + SEAL_LABEL,
    }
    pages = list(_pages(packet.data))
    slots = [(decl, s) for s in decl.seal_slots] + [(opinion, s) for s in opinion.seal_slots]
    for n, (doc, slot) in enumerate(slots):
        page = pages[doc.first_page + slot.page]
        x0, y0, x1, y1 = slot.box
        inside = [
            c["text"]
            for c in page.chars
            if c["x1"] > x0
            and c["x0"] < x1
            and page.height - c["top"] > y0
            and page.height - c["bottom"] < y1
        ]
        assert inside, slot
        assert all(ch in allowed[n] or ch == " " for ch in inside), (n, "".join(inside))
        # the circle lies inside the text area
        fx0, fy0, fx1, fy1 = layout.PORTRAIT.frame
        assert fx0 <= x0 and x1 <= fx1 + 0.1 and fy0 <= y0 and y1 <= fy1 + 0.1


def test_missing_glyph_raises_input_error(fonts: FontSet) -> None:
    doc = _doc(Paragraph((Run("笑😀", source="applications[3].name"),)))
    with pytest.raises(InputError) as err:
        render_pdf([doc], fonts)
    [finding] = err.value.findings
    assert finding.path == "applications[3].name" and "U+1F600" in finding.message


# ---------------------------------------------------------------------------------------------


def test_long_narrative_numbers_and_line_breaking(fonts: FontSet) -> None:
    dense = "甲，乙。丙、丁；戊：己？庚！辛（壬）癸《子》丑“寅”卯……辰——巳·午．未%申,酉."
    blocks: list[Any] = [Title(runs("封面")), PageBreak()]
    for i in range(40):
        blocks.append(Heading(1, "一、", runs(f"第{i}节")))
        blocks.append(Paragraph(runs("据" + dense * 12 + "完")))
        blocks.append(Paragraph(runs("据" + PROSE * 2 + "完")))
    result = render_pdf([_doc(*blocks, cover_pages=1)], fonts)
    assert result.pages >= 40
    frame_x0, _, frame_x1, _ = layout.PORTRAIT.frame
    checked = 0
    for i, page in enumerate(_pages(result.data)):
        number = _page_number(page)
        if i == 0:
            assert number is None
            continue
        assert number is not None and number[0] == i
        em = layout.PAGE_NUMBER_SIZE  # GB/T 9704 7.5: one character in from the text edge
        if i % 2:
            assert abs(number[2] - (frame_x1 - em)) < 1.0  # odd pages: right
        else:
            assert abs(number[1] - (frame_x0 + em)) < 1.0  # even pages: left
        body = [t for *_, t in _lines(page) if not PAGE_NUMBER.match(t)]
        assert not re.fullmatch(r"一、第\d+节", body[-1]), (i, "heading left at the page foot")
        for _, _, x1, text in _lines(page):
            if PAGE_NUMBER.match(text):
                continue
            assert text[0] not in CANNOT_START, (i, text)
            assert text[-1] not in CANNOT_END, (i, text)
            assert x1 <= frame_x1 + 0.01
            checked += 1
    assert checked > 500


def test_table_header_repeats(fonts: FontSet) -> None:
    rows = [(Cell(runs("序号"), header=True), Cell(runs("申报单位名称"), header=True))]
    rows += [(Cell(runs(str(i))), Cell(runs(f"第{i}家企业有限公司"))) for i in range(80)]
    result = render_pdf([_doc(Table((1, 4), tuple(rows), header_rows=1))], fonts)
    pages = list(_pages(result.data))
    assert len(pages) >= 2
    for k, page in enumerate(pages):
        lines = [t for *_, t in _lines(page)]
        if k:  # a continued table says so over its repeated header (issue 12)
            assert lines[0] == "续表", lines[:2]
            lines = lines[1:]
        assert lines[0] == "序号申报单位名称"


def test_signature_never_alone_and_no_body_text_note(fonts: FontSet) -> None:
    sig = SignatureBlock((runs("申报单位（盖章）："), runs("2021年  月  日")), seal="applicant")
    # A paragraph ending near the page bottom: the block takes the paragraph's last lines along.
    filler = Paragraph(runs("据" + "服务型制造示范" * 70 + "完"))
    long_para = Paragraph(runs("据" + PROSE * 2 + "完"))
    result = render_pdf([_doc(filler, long_para, sig)], fonts)
    pages = list(_pages(result.data))
    last = _lines(pages[-1])
    texts = [t for *_, t in last]
    assert "申报单位（盖章）：" in texts
    assert texts.index("申报单位（盖章）：") >= 2  # body text above it on the same page
    assert NO_BODY_TEXT not in "".join(texts)
    # A block that starts a page carries 「（此页无正文）」 at the top.
    result = render_pdf([_doc(Paragraph(runs("正文。")), PageBreak(), sig)], fonts)
    page = list(_pages(result.data))[1]
    assert _lines(page)[0][3] == NO_BODY_TEXT
    assert result.docs[0].seal_slots[0].page == 1


def test_row_taller_than_a_page_runs_on(fonts: FontSet) -> None:
    rows = (
        (Cell(runs("项目"), header=True), Cell(runs("内容"), header=True)),
        (Cell(runs("简介"), header=True), Cell(runs("据" + PROSE * 30 + "完"))),
        (Cell(runs("其他"), header=True), Cell(runs("无"))),
    )
    result = render_pdf([_doc(Table((1, 4), rows, header_rows=1))], fonts)
    pages = list(_pages(result.data))
    text = "".join(t for p in pages for *_, t in _lines(p))
    assert text.count("完") == 1 and "其他无" in text
    # every page is filled: the cut row continues right under the repeated header
    assert 4 <= result.pages <= 6
    for k, page in enumerate(pages):
        lines = [t for *_, t in _lines(page)]
        assert lines[1 if k else 0] == "项目内容"
        assert k == 0 or lines[0] == "续表"


def test_reportlab_runs_with_its_c_accelerator() -> None:
    """rl-accel is a dependency: without it reportlab silently falls back to pure Python for
    number formatting, escaping and font checksums (about 15% of a render)."""
    from reportlab.lib import rl_accel

    assert type(rl_accel.fp_str).__name__ == "builtin_function_or_method"
    assert type(rl_accel.escapePDF).__name__ == "builtin_function_or_method"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_text_round_trips_through_the_pen(fonts: FontSet, data: st.DataObject) -> None:
    """Whatever the characters — PDF string delimiters ( ) \\, ASCII, full-width punctuation,
    hundreds of distinct CJK characters spread over several 256-glyph subsets, bold and regular
    runs — the page shows exactly the input, in order (as text extraction reads it back)."""
    alphabet = _pen_alphabet(fonts)
    pieces = data.draw(
        st.lists(
            st.tuples(st.text(st.sampled_from(alphabet), min_size=1, max_size=120), st.booleans()),
            min_size=1,
            max_size=6,
        )
    )
    # 300 distinct ideographs first, so that lines cross from one 256-glyph subset to the next
    pieces.insert(0, ("".join(alphabet[-300:]), False))
    para = Paragraph(tuple(Run(text, bold=bold) for text, bold in pieces))
    # Twice: the first time reportlab assigns the characters their subset codes, the second
    # time the pen encodes them itself from those assignments (its fast path).
    result = render_pdf([_doc(para, para)], fonts)
    got = "".join(
        t for page in _pages(result.data) for *_, t in _lines(page) if not PAGE_NUMBER.match(t)
    )
    want = "".join(text for text, _ in pieces) * 2
    assert "".join(got.split()) == "".join(want.split())


_ALPHABET: list[str] = []


def _pen_alphabet(fonts: FontSet) -> list[str]:
    """Characters the fangsong chain can draw: ASCII (with the string delimiters), Chinese
    punctuation and 600 CJK ideographs, more than two subsets' worth."""
    if not _ALPHABET:
        cjk = [chr(c) for c in range(0x4E00, 0x9FA5) if fonts.covers(chr(c), "fangsong")]
        extra = "()\\（）《》“”、，。：；！？—…·〇%+-=@#"
        chars = [chr(c) for c in range(0x21, 0x7F)] + list(extra) + cjk[::30][:600]
        _ALPHABET.extend(c for c in chars if fonts.covers(c, "fangsong"))
    return _ALPHABET


def test_table_rules_follow_the_spans(fonts: FontSet) -> None:
    """A column boundary is ruled in every row except where a cell spans across it; a row
    with fewer cells than columns still shows its columns."""
    rows = (
        (Cell(runs("甲")), Cell(runs("乙")), Cell(runs("丙"))),
        (Cell(runs("跨两列"), colspan=2), Cell(runs("丁"))),
        (Cell(runs("只有一格")),),
    )
    result = render_pdf([_doc(Table((1, 1, 1), rows))], fonts)
    page = next(_pages(result.data))
    x0, _, x1, _ = layout.PORTRAIT.frame
    b1, b2 = x0 + (x1 - x0) / 3, x0 + 2 * (x1 - x0) / 3
    tops = sorted({round(c["top"]) for c in page.chars if c["text"] in "甲跨只"})
    bands = list(zip(tops, [*tops[1:], tops[-1] + 30], strict=True))

    def ruled(x: float, band: tuple[float, float]) -> bool:
        mid = (band[0] + band[1]) / 2
        return any(
            abs(e["x0"] - x) < 1 and abs(e["x1"] - x) < 1 and e["top"] <= mid <= e["bottom"]
            for e in page.edges
        )

    assert ruled(b1, bands[0]) and ruled(b2, bands[0])
    assert not ruled(b1, bands[1]) and ruled(b2, bands[1])  # 跨两列 spans the first boundary
    assert ruled(b1, bands[2]) and ruled(b2, bands[2])


def test_a_render_collects_garbage_quietly_and_puts_the_thresholds_back(
    fonts: FontSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """render_pdf runs with the quiet collector thresholds a build has (procs.QUIET_GC) and
    leaves the caller's as they were, also when it raises."""
    import gc

    import docgen.render.pdf as rpdf
    from docgen.procs import QUIET_GC

    seen: list[tuple[int, ...]] = []
    real = rpdf._build

    def spying(template: Any, story: Any) -> None:
        seen.append(gc.get_threshold())
        real(template, story)

    monkeypatch.setattr(rpdf, "_build", spying)
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        render_pdf([_doc(Paragraph(runs("正文")))], fonts)
        assert seen == [QUIET_GC]
        assert gc.get_threshold() == (700, 10, 10)
        with pytest.raises(InputError):
            render_pdf([_doc(Paragraph(runs("\U000f0000")))], fonts)  # no face has it
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
