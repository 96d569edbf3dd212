"""The Word renderer: real .docx files, reopened with python-docx and converted by LibreOffice."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Twips
from docx.table import Table as DocxTable

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
    Role,
    Run,
    SignatureBlock,
    Spacer,
    Table,
    TickBoxes,
    TickItem,
    Title,
    runs,
)
from docgen.errors import FontError
from docgen.render.docx import WINDOWS_FACES, render_docx
from docgen.render.fonts import ROLES, FontSet, resolve_fonts

FAMILIES = {
    "song": "AR PL SungtiL GB",
    "hei": "WenQuanYi Zen Hei",
    "kai": "AR PL KaitiM GB",
    "fangsong": "AR PL SungtiL GB",
}
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
MC_ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
BODY = "我公司成立于二〇一五年，主要从事装备制造与服务型制造业务，拥有完整的研发、生产和服务体系。"
LITERAL = '<b>&amp;"x"'
FORMULA = "=1+1"
TABLE_ROWS = 45


def _declaration() -> Document:
    rows: list[tuple[Cell, ...]] = [
        (
            Cell(runs("序号"), header=True, align="center"),
            Cell(runs("项目名称"), header=True, align="center"),
            Cell(runs("金额（万元）"), header=True, align="center"),
            Cell(runs("备注"), header=True),
        )
    ]
    for i in range(TABLE_ROWS):
        rows.append(
            (
                Cell(runs(str(i + 1)), align="center"),
                Cell(runs(f"智能制造服务平台建设项目第{i + 1}期")),
                Cell(runs(f"{1234.5 + i:.2f}"), align="right"),
                Cell(runs("正常")),
            )
        )
    rows.append(
        (
            Cell(runs("合计"), colspan=2, header=True, align="center"),
            Cell(runs("99999.00"), align="right"),
            Cell(runs("")),
        )
    )
    return Document(
        kind="declaration",
        title="服务型制造示范遴选申报书",
        blocks=(
            Spacer(40),
            Title(runs("服务型制造示范遴选申报书"), size=26),
            Spacer(30),
            CoverFields(
                (
                    CoverField("申报类别", runs("示范企业")),
                    CoverField("申报单位（盖章）", runs("柳州某某机械有限公司"), seal="applicant"),
                    CoverField("推荐单位", runs("柳州市工业和信息化局")),
                )
            ),
            PageBreak(),
            Heading(1, "一、", runs("企业基本情况")),
            Paragraph(runs(BODY * 3)),
            Paragraph(
                (
                    Run(f"特殊字符{LITERAL}与{FORMULA}，"),
                    Run("加粗文字", bold=True),
                    Run("控制符\x01\x0b\ud800去掉。"),
                )
            ),
            Heading(2, "（一）", runs("主营业务")),
            ListItem("•", runs("提供全生命周期管理服务，覆盖设计、制造、运维。")),
            ListItem("1.", runs("第二项")),
            Heading(3, "1.", runs("三级标题")),
            Heading(3, "", runs("不进导航的标题"), bookmark=False),
            TickBoxes(
                "申报类型",
                (
                    TickItem("示范企业", True),
                    TickItem("工业设计服务", False, 1),
                    TickItem("定制化服务", True, 1),
                    TickItem("示范项目", False),
                ),
            ),
            TickBoxes("是否上市", (TickItem("是", False), TickItem("否", True))),
            Table((1, 5, 2, 2), tuple(rows), header_rows=1, caption=runs("表1 主要项目")),
            Paragraph(runs("以上情况属实。")),
            SignatureBlock(
                (
                    runs("申报单位（盖章）：柳州某某机械有限公司"),
                    runs("法定代表人（签字）："),
                    runs("2021年  月  日"),
                ),
                seal="applicant",
            ),
            PageBreak(),
            OpinionBox(
                "推荐意见",
                60,
                SignatureBlock(
                    (runs("推荐单位（盖章）："), runs("2021年  月  日")),
                    seal="government",
                    seal_diameter_mm=45,
                ),
            ),
        ),
    )


def _summary() -> Document:
    header = tuple(Cell(runs(f"指标{i}"), header=True) for i in range(10))
    body = tuple(
        tuple(Cell(runs(f"城市{r}第{i}项数据较长需要换行")) for i in range(10)) for r in range(30)
    )
    return Document(
        kind="summary",
        title="汇总表",
        landscape=True,
        cover_pages=0,
        blocks=(Title(runs("申报汇总表")), Table(tuple([1.0] * 10), (header, *body), 1, 10.5)),
    )


def _undelimited_cover() -> Document:
    """cover_pages=1 but no PageBreak: the first page still carries no number."""
    text = runs("测试正文内容，用于填满页面。" * 30)
    return Document(
        kind="declaration",
        title="无分页封面",
        blocks=(Title(runs("封面标题")), Spacer(200), *(Paragraph(text) for _ in range(4))),
    )


@pytest.fixture(scope="module")
def declaration_bytes() -> bytes:
    return render_docx(_declaration(), FAMILIES)


@pytest.fixture(scope="module")
def word(declaration_bytes: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(declaration_bytes))


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _block_texts(word: docx.document.Document) -> Iterator[str]:
    for item in word.iter_inner_content():
        if isinstance(item, DocxTable):
            for row in item.rows:
                seen: list[str] = []
                for cell in row.cells:  # a merged cell is repeated once per grid column
                    if cell.text not in seen:
                        seen.append(cell.text)
                yield "|".join(seen)
        else:
            yield item.text


# ---------------------------------------------------------------------- structure


def test_blocks_come_out_in_order(word: docx.document.Document) -> None:
    texts = [t for t in _block_texts(word) if t]
    expected = [
        "服务型制造示范遴选申报书",
        "申报类别\t示范企业\t",
        "申报单位（盖章）\t柳州某某机械有限公司\t",
        "推荐单位\t柳州市工业和信息化局\t",
        "一、企业基本情况",
        BODY * 3,
        f"特殊字符{LITERAL}与{FORMULA}，加粗文字控制符去掉。",
        "（一）主营业务",
        "•\t提供全生命周期管理服务，覆盖设计、制造、运维。",
        "1.\t第二项",
        "1.三级标题",
        "不进导航的标题",
        "申报类型示范企业（工业设计服务 定制化服务）\u3000示范项目",
        "是否上市是\u3000否",
        "表1 主要项目",
        "序号|项目名称|金额（万元）|备注",
        "1|智能制造服务平台建设项目第1期|1234.50|正常",
        "合计|99999.00|",
        "以上情况属实。",
        "申报单位（盖章）：柳州某某机械有限公司",
        "法定代表人（签字）：",
        "2021年  月  日",
        "推荐意见\n\n\n推荐单位（盖章）：\n2021年  月  日\n",
    ]
    positions = []
    for e in expected:
        assert e in texts, e
        positions.append(texts.index(e))
    assert positions == sorted(positions)


def test_text_is_literal_and_xml_safe(declaration_bytes: bytes) -> None:
    xml = _parts(declaration_bytes)["word/document.xml"].decode("utf-8")
    assert '&lt;b&gt;&amp;amp;"x"' in xml  # escaped once by the XML writer, not by us
    assert FORMULA in xml
    assert "\x01" not in xml and "\x0b" not in xml


def _style_faces(word: docx.document.Document, style_id: str) -> tuple[str, str]:
    """(eastAsia, ascii) face of a style, following basedOn."""
    styles = {st.style_id: st for st in word.styles}
    style = styles[style_id]
    while True:
        rpr = style.element.rPr
        fonts = rpr.rFonts if rpr is not None else None
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            return fonts.get(qn("w:eastAsia")), fonts.get(qn("w:ascii"))
        style = style.base_style


def test_heading_styles_and_faces(word: docx.document.Document) -> None:
    by_text = {p.text: p for p in word.paragraphs}
    expect = {
        "一、企业基本情况": ("Heading1", WINDOWS_FACES["hei"], False),
        "（一）主营业务": ("Heading2", WINDOWS_FACES["kai"], False),
        "1.三级标题": ("Heading3", WINDOWS_FACES["fangsong"], True),
    }
    for text, (style_id, face, bold) in expect.items():
        para = by_text[text]
        assert para.style.style_id == style_id
        assert _style_faces(word, style_id) == (face, "Times New Roman")
        assert bool(para.style.font.bold) is bold
        for run in para.runs:
            assert run._r.rPr is None or run._r.rPr.rFonts is None  # the face is the style's
            assert run.font.size is None  # 3号, the style's size
    h1 = word.styles["heading 1"]
    assert h1.font.color.rgb is None  # black: no theme colour
    assert h1.element.pPr.keepNext_val
    # A heading without bookmark keeps the look but stays out of the navigation pane.
    hidden = by_text["不进导航的标题"]
    assert hidden._p.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == "9"


def test_body_paragraph_format(word: docx.document.Document) -> None:
    para = next(p for p in word.paragraphs if p.text == BODY * 3)
    ind = para._p.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    assert ind.get(qn("w:firstLine")) == "640"  # 2 x 16 pt in twips
    assert para.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.JUSTIFY
    title = next(p for p in word.paragraphs if p.text == "服务型制造示范遴选申报书")
    assert title.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert all(not r.bold and r.font.size.pt == 26 for r in title.runs)  # 黑体, as the PDF
    assert title.style.style_id == "HeiTi"
    item = next(p for p in word.paragraphs if p.text.startswith("•"))
    assert item.paragraph_format.first_line_indent < 0  # hanging marker
    assert item.paragraph_format.left_indent > 0


def test_every_run_has_a_windows_face_from_its_styles(declaration_bytes: bytes) -> None:
    parts = _parts(declaration_bytes)
    word = docx.Document(io.BytesIO(declaration_bytes))
    windows = set(WINDOWS_FACES.values())
    for name in ("word/document.xml", "word/footer1.xml", "word/footer2.xml"):
        root = docx.oxml.parse_xml(parts[name])
        count = 0
        for p in root.iter(qn("w:p")):
            ppr = p.find(qn("w:pPr"))
            pstyle = ppr.find(qn("w:pStyle")) if ppr is not None else None
            para_face = _style_faces(
                word, pstyle.get(qn("w:val")) if pstyle is not None else "Normal"
            )
            for r in p.iter(qn("w:r")):
                if r.find(MC_ALTERNATE) is not None or r.find(qn("w:t")) is None:
                    continue  # the seal slot shape, field characters
                rpr = r.find(qn("w:rPr"))
                assert rpr is None or rpr.find(qn("w:rFonts")) is None, name  # no face on runs
                rstyle = rpr.find(qn("w:rStyle")) if rpr is not None else None
                face = _style_faces(word, rstyle.get(qn("w:val"))) if rstyle is not None else None
                assert (face or para_face)[0] in windows | {"Segoe UI Symbol", "Times New Roman"}
                count += 1
        assert count > 0
    styles = parts["word/styles.xml"].decode("utf-8")
    assert "asciiTheme" not in styles and "eastAsiaTheme" not in styles
    assert "word/stylesWithEffects.xml" not in parts
    root = docx.oxml.parse_xml(parts["word/styles.xml"])
    defaults = root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋"
    assert defaults.find(qn("w:rFonts")).get(qn("w:ascii")) == "Times New Roman"
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_normal_style_face(word: docx.document.Document) -> None:
    fonts = word.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "仿宋"
    assert fonts.get(qn("w:hAnsi")) == "Times New Roman"
    assert fonts.get(qn("w:asciiTheme")) is None


def test_table_layout(word: docx.document.Document) -> None:
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "序号")  # the data table
    tbl = table._tbl
    assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    grid = [int(g.get(qn("w:w"))) for g in tbl.tblGrid.findall(qn("w:gridCol"))]
    frame = round(layout.PORTRAIT.frame_width * 20)
    assert sum(grid) == frame
    assert grid[1] == pytest.approx(frame / 2, abs=2)  # widths 1:5:2:2
    rows = tbl.findall(qn("w:tr"))
    assert len(rows) == TABLE_ROWS + 2
    assert sum(1 for tr in rows if tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None) == 1
    assert rows[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    assert all(tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for tr in rows)
    for tc in tbl.iter(qn("w:tc")):
        assert tc.tcPr.find(qn("w:tcW")).get(qn("w:type")) == "dxa"
    last = rows[-1].findall(qn("w:tc"))
    assert len(last) == 3
    assert last[0].tcPr.find(qn("w:gridSpan")).get(qn("w:val")) == "2"
    assert int(last[0].tcPr.find(qn("w:tcW")).get(qn("w:w"))) == grid[0] + grid[1]
    header_cell = table.rows[0].cells[0]
    assert header_cell.paragraphs[0].runs[0].bold
    assert header_cell._tc.tcPr.find(qn("w:shd")) is not None


def test_checkboxes_are_content_controls(declaration_bytes: bytes) -> None:
    root = docx.oxml.parse_xml(_parts(declaration_bytes)["word/document.xml"])
    boxes = list(root.iter(f"{{{W14}}}checkbox"))
    states = [b.find(f"{{{W14}}}checked").get(f"{{{W14}}}val") for b in boxes]
    assert states == ["1", "0", "1", "0", "0", "1"]
    shown = ["".join(t.text for t in sdt.iter(qn("w:t"))) for sdt in root.iter(qn("w:sdt"))]
    assert shown == ["☑", "☐", "☑", "☐", "☐", "☑"]  # a tick, as the PDF draws it


def test_seal_slots_are_marked(declaration_bytes: bytes) -> None:
    xml = _parts(declaration_bytes)["word/document.xml"].decode("utf-8")
    # cover field, signature block, opinion box: dashed light grey circles behind the text
    assert xml.count('prst="ellipse"') == 3
    assert xml.count('behindDoc="1"') == 3
    assert xml.count("<v:oval") == 3  # VML fallback for old readers
    d42 = round(42 * layout.MM * 12700)
    d45 = round(45 * layout.MM * 12700)
    assert xml.count(f'cx="{d42}"') == 4 and xml.count(f'cx="{d45}"') == 2  # extent + xfrm


def test_page_setup_sections_and_footers(
    word: docx.document.Document, declaration_bytes: bytes
) -> None:
    geo = layout.PORTRAIT
    sections = word.sections
    assert len(sections) == 2  # cover, then the numbered body
    for s in sections:
        assert s.page_width == Twips(round(geo.width * 20))
        assert s.page_height == Twips(round(geo.height * 20))
        assert s.top_margin == Twips(round(geo.margin_top * 20))
        assert s.left_margin == Twips(round(geo.margin_left * 20))
        assert s.right_margin == Twips(round(geo.margin_right * 20))
        assert s.bottom_margin == Twips(round(geo.margin_bottom * 20))
    cover, body = (s._sectPr for s in sections)
    assert cover.find(qn("w:footerReference")) is None  # the cover shows no number
    assert body.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
    kinds = sorted(f.get(qn("w:type")) for f in body.findall(qn("w:footerReference")))
    assert kinds == ["default", "even"]
    assert word.settings.odd_and_even_pages_header_footer
    odd = sections[1].footer.paragraphs[0]
    even = sections[1].even_page_footer.paragraphs[0]
    assert odd.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert even.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.LEFT
    for para in (odd, even):
        assert para.text == "— 1 —"
        assert "PAGE" in "".join(t.text for t in para._p.iter(qn("w:instrText")))


def test_landscape_geometry() -> None:
    word = docx.Document(io.BytesIO(render_docx(_summary(), FAMILIES)))
    (section,) = word.sections
    assert section.orientation == docx.enum.section.WD_ORIENT.LANDSCAPE
    assert section.page_width > section.page_height
    assert section.left_margin == Twips(round(layout.LS_MARGIN_LEFT * 20))
    grid = word.tables[0]._tbl.tblGrid.findall(qn("w:gridCol"))
    assert sum(int(g.get(qn("w:w"))) for g in grid) == round(layout.LANDSCAPE.frame_width * 20)


def test_undelimited_cover_uses_title_page() -> None:
    word = docx.Document(io.BytesIO(render_docx(_undelimited_cover(), FAMILIES)))
    (section,) = word.sections
    assert section.different_first_page_header_footer
    assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "0"


def test_core_properties(word: docx.document.Document, declaration_bytes: bytes) -> None:
    props = word.core_properties
    assert props.title == "服务型制造示范遴选申报书"
    assert props.author == "docgen"
    assert props.created.year == 2000 and props.modified.year == 2000
    assert props.comments == ""
    parts = _parts(declaration_bytes)
    assert "docProps/thumbnail.jpeg" not in parts
    assert b"python-docx" not in parts["docProps/core.xml"]


def test_bytes_are_deterministic(declaration_bytes: bytes) -> None:
    assert render_docx(_declaration(), FAMILIES) == declaration_bytes
    with zipfile.ZipFile(io.BytesIO(declaration_bytes)) as z:
        infos = z.infolist()
    names = [i.filename for i in infos]
    assert names[0] == "[Content_Types].xml"
    assert names[1:] == sorted(names[1:])
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)


def test_the_building_machines_faces_are_never_named() -> None:
    """Whatever fonts the PDF was drawn with, the Word file names the Windows faces."""
    data = render_docx(_summary(), {"song": "AR PL SungtiL GB"})
    for name, payload in _parts(data).items():
        if name.endswith(".xml"):
            assert b"AR PL" not in payload and b"WenQuanYi" not in payload, name
    assert render_docx(_summary(), {}) == data


# ---------------------------------------------------------------------- per-character faces


def _fallback_char() -> tuple[FontSet, Role, str]:
    """The installed fonts, a role and a character its primary face lacks but a later face of
    its chain has (〇 first: the AR PL faces lack it), or skip."""
    try:
        fonts = resolve_fonts()
    except FontError as exc:
        pytest.skip(f"no usable CJK fonts: {exc}")
    for ch in ["〇", *map(chr, range(0x4E00, 0xA000))]:
        for role in ("fangsong", *ROLES):
            face = fonts.font_for(ch, role)
            if face is not None and fonts.family_of(face) != fonts.family(role):
                return fonts, role, ch
    pytest.skip("every installed role's primary face has every CJK character another face has")


def test_a_character_the_linux_face_lacks_stays_in_the_windows_face() -> None:
    """〇 is missing from the AR PL faces the PDF uses on Debian, so the PDF draws it with a
    fallback face; 宋体/仿宋/黑体/楷体 all have it (GBK), so Word gets no other face for it."""
    fonts, role, ch = _fallback_char()
    text = "申报日期：二" + ch + "二一年"
    doc = Document("declaration", "逐字字体", (Paragraph(runs(text), role=role),))
    data = render_docx(doc, {r: fonts.family(r) for r in ROLES}, fonts.fallback_families([doc]))
    word = docx.Document(io.BytesIO(data))
    para = next(p for p in word.paragraphs if p.text == text)
    assert [r.text for r in para.runs] == [text]
    assert para.runs[0]._r.rPr is None or para.runs[0]._r.rPr.rFonts is None


# ---------------------------------------------------------------------- LibreOffice


def _pdf_pages(pdf: Path) -> list[str]:
    count = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(pdf))).group(1))
    return [
        _run("pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-") for i in range(1, count + 1)
    ]


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=300).stdout


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """All sample documents converted to PDF in one LibreOffice run (own profile)."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) must be installed"
    work = tmp_path_factory.mktemp("docx_lo")
    docs = {"declaration": _declaration(), "summary": _summary(), "cover": _undelimited_cover()}
    paths = []
    for name, doc in docs.items():
        path = work / f"{name}.docx"
        path.write_bytes(render_docx(doc, FAMILIES))
        paths.append(str(path))
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            *paths,
        ],
        check=True,
        capture_output=True,
        timeout=600,
        # The Windows faces the file names, mapped to the Debian faces the PDF is drawn with.
        env={
            "HOME": str(work),
            "PATH": "/usr/bin:/bin",
            "FONTCONFIG_FILE": str(Path(__file__).parent / "data" / "fonts.conf"),
        },
    )
    return {name: work / f"{name}.pdf" for name in docs}


def test_libreoffice_declaration(converted: dict[str, Path]) -> None:
    pdf = converted["declaration"]
    info = _run("pdfinfo", str(pdf))
    assert "595.3" in info and "841.89" in info  # A4 portrait
    pages = _pdf_pages(pdf)
    assert 5 <= len(pages) <= 8
    everything = _squash("".join(pages))
    for text in (
        "服务型制造示范遴选申报书",
        "申报单位（盖章）：",
        "一、企业基本情况",
        _squash(BODY),
        LITERAL,
        FORMULA,
        "（一）主营业务",
        "☑示范企业",
        "☐工业设计服务",
        "智能制造服务平台建设项目第45期",
        "99999.00",
        "法定代表人（签字）：",
        "推荐意见",
    ):
        assert _squash(text) in everything, text
    # The cover has no page number; numbering starts at 1 on the next page.
    assert "—" not in pages[0]
    assert "—1—" in _squash(pages[1])
    assert "—2—" in _squash(pages[2])
    # The data table's header row repeats on its second page.
    table_pages = [p for p in pages if "智能制造服务平台" in p]
    assert len(table_pages) >= 2
    assert all("项目名称" in p for p in table_pages)


def test_libreoffice_landscape_summary(converted: dict[str, Path]) -> None:
    pdf = converted["summary"]
    assert "841.89 x 595.3" in _run("pdfinfo", str(pdf))
    pages = _pdf_pages(pdf)
    assert 2 <= len(pages) <= 6
    assert "—1—" in _squash(pages[0])  # no cover: numbered from the first page
    # The header row is on every page and its last column is not cut off.
    assert all("指标9" in _squash(p) for p in pages)


def test_libreoffice_undelimited_cover(converted: dict[str, Path]) -> None:
    pages = _pdf_pages(converted["cover"])
    assert len(pages) >= 2
    assert "—" not in pages[0]
    assert "—1—" in _squash(pages[1])


def test_libreoffice_uses_the_requested_faces(converted: dict[str, Path]) -> None:
    fonts = _run("pdffonts", str(converted["declaration"]))
    # AR PL SungtiL GB / KaitiM GB carry their PostScript names BousungEG / GBZenKai.
    for ps_name in ("WenQuanYiZenHei", "BousungEG-Light-GB", "GBZenKai-Medium"):
        assert ps_name in fonts
