"""The Word narrative read into the narrative Markdown subset, and what it cannot hold named."""

from __future__ import annotations

import io
from pathlib import Path

import docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from docgen.intake.docxwrite import narrative_docx
from docgen.intake.narrative import heading_key, read_narrative

W = nsdecls("w")


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


def _raw(paragraph: docx.text.paragraph.Paragraph, xml: str) -> None:
    paragraph._p.append(parse_xml(xml))


def test_structure_lists_bold_tables_and_characters(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("申报书正文", style="Title")
    d.add_heading("一、企业基本情况", level=1)
    p = d.add_paragraph("公司成立于1993年，服务收入占比34.10%，")
    p.add_run("“龙城云”").bold = True
    p.add_run("平台＝SUM(A1)<b>&amp;")
    d.add_heading("（一）建设平台", level=2)
    d.add_paragraph("备件前置仓", style="List Bullet")
    d.add_paragraph("4小时到场", style="List Bullet")
    d.add_paragraph("第一步", style="List Number")
    d.add_paragraph("第二步", style="List Number")
    d.add_heading("二、主要成效", level=1)
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "指标", "2020年"
    t.cell(1, 0).text, t.cell(1, 1).text = "服务收入（万元）", "61,380.00"
    d.add_paragraph("喆堃昇珺 <0.5%")
    d.save(tmp_path / "a.docx")
    n = read_narrative(tmp_path / "a.docx")
    assert n.warnings == []
    assert [s.heading for s in n.sections] == ["企业基本情况", "主要成效"]
    assert n.sections[0].text == (
        "公司成立于1993年，服务收入占比34.10%，**“龙城云”**平台＝SUM(A1)<b>&amp;\n\n"
        "### （一）建设平台\n\n- 备件前置仓\n- 4小时到场\n1. 第一步\n2. 第二步"
    )
    assert n.sections[1].text == (
        "| 指标 | 2020年 |\n|---|---|\n| 服务收入（万元） | 61,380.00 |\n\n喆堃昇珺 <0.5%"
    )


def test_numbered_text_headings_without_heading_styles(tmp_path: Path) -> None:
    d = docx.Document()
    for text in ("一、项目概况", "项目位于柳州。", "二、主要做法", "建设共享工厂。"):
        d.add_paragraph(text)
    d.save(tmp_path / "b.docx")
    n = read_narrative(tmp_path / "b.docx")
    assert [(s.heading, s.text) for s in n.sections] == [
        ("项目概况", "项目位于柳州。"),
        ("主要做法", "建设共享工厂。"),
    ]
    assert heading_key("一、 项目概况") == heading_key("项目概况")


def test_what_the_subset_cannot_hold_is_named_by_its_place(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_heading("基本情况", level=1)
    d.add_paragraph("正文。")
    d.add_heading("主要做法", level=1)
    d.add_heading("主要成效", level=1)
    d.add_paragraph("见下图：")
    d.add_paragraph().add_run().add_picture(io.BytesIO(_png()))
    d.add_paragraph().add_run().add_picture(io.BytesIO(_png()))
    p = d.add_paragraph("服务网点")
    # a tracked insertion (kept) and deletion (dropped), as Word writes them
    _raw(p, f'<w:ins {W} w:id="1" w:author="a"><w:r><w:t>126个</w:t></w:r></w:ins>')
    _raw(p, f'<w:del {W} w:id="2" w:author="a"><w:r><w:delText>100个</w:delText></w:r></w:del>')
    _raw(p, f'<w:r {W}><w:footnoteReference w:id="1"/></w:r>')
    _raw(p, f'<w:r {W}><w:commentReference w:id="0"/></w:r>')
    tb = d.add_paragraph()
    _raw(
        tb,
        f'<w:r {W}><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox>'
        f"<w:txbxContent><w:p><w:r><w:t>框中文字</w:t></w:r></w:p></w:txbxContent>"
        f"</v:textbox></v:shape></w:pict></w:r>",
    )
    d.save(tmp_path / "c.docx")
    n = read_narrative(tmp_path / "c.docx")
    assert n.sections[2].text == "见下图：\n\n服务网点126个"
    assert n.sections[1].text == ""
    assert n.warnings == [
        "第 3 节第 1 张图片未导入：请作为随附材料提交",
        "第 3 节第 2 张图片未导入：请作为随附材料提交",
        "第 3 节有修订痕迹，已按“接受所有修订”后的文字导入；请确认",
        "第 3 节第 1 个脚注未导入（脚注不会打印）：请把脚注内容写入正文",
        "第 3 节第 1 条批注未导入（批注不会打印）",
        "第 3 节第 1 个文本框未导入：请把其中的文字移到正文中",
    ]


def test_the_writer_and_the_reader_agree(tmp_path: Path) -> None:
    text = "段落一，**加粗**。\n\n### （一）小标题\n\n- 甲\n- 乙\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    (tmp_path / "d.docx").write_bytes(narrative_docx("申报书正文", "说明", [("基本情况", text)]))
    n = read_narrative(tmp_path / "d.docx")
    assert n.preamble == "申报书正文\n说明"
    assert [(s.heading, s.text) for s in n.sections] == [("基本情况", text)]
