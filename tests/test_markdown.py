"""Narrative Markdown subset -> document blocks (docgen.compose.markdown)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docgen.compose.markdown import (
    _parse_blocks,
    blocks_text,
    display_width,
    essential_chars,
    markdown_blocks,
)
from docgen.document import Block, Cell, Heading, ListItem, Paragraph, Run, Table, plain

SRC = "applications[0].sections[1].text"
EXAMPLE = Path("/work/shared/contract/city.example.json")


def one(text: str) -> Block:
    blocks = markdown_blocks(text, SRC)
    assert len(blocks) == 1, blocks
    return blocks[0]


def literal(text: str) -> str:
    """The text of ``text`` parsed as a single paragraph with no markup."""
    block = one(text)
    assert isinstance(block, Paragraph)
    assert all(not r.bold for r in block.text)
    return plain(block.text)


def all_runs(blocks: list[Block]) -> list[Run]:
    out: list[Run] = []
    for b in blocks:
        match b:
            case Heading(text=t) | Paragraph(text=t) | ListItem(text=t):
                out.extend(t)
            case Table(rows=rows):
                out.extend(r for row in rows for c in row for r in c.text)
    return out


# --- constructs ------------------------------------------------------------------------------


def test_paragraphs_are_blank_line_separated() -> None:
    blocks = markdown_blocks("第一段。\n\n第二段。\n\n\n第三段。", SRC)
    assert [type(b) for b in blocks] == [Paragraph] * 3
    assert [plain(b.text) for b in blocks] == ["第一段。", "第二段。", "第三段。"]  # type: ignore[union-attr]
    assert all(b.indent == 2 for b in blocks)  # type: ignore[union-attr]


def test_every_run_carries_the_source() -> None:
    text = "### 标题\n\n正文**粗体**。\n\n- 一项\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    runs = all_runs(markdown_blocks(text, SRC))
    assert runs and all(r.source == SRC for r in runs)


@pytest.mark.parametrize("hashes", ["#", "##", "###", "####"])
def test_headings_become_unnumbered_level_2(hashes: str) -> None:
    block = one(f"{hashes} （一）建设平台")
    assert isinstance(block, Heading)
    assert (block.level, block.number, plain(block.text)) == (2, "", "（一）建设平台")


def test_heading_without_space_before_cjk() -> None:
    block = one("###（一）建设平台")
    assert isinstance(block, Heading) and plain(block.text) == "（一）建设平台"
    assert literal("#1机组运行正常") == "#1机组运行正常"


def test_bullet_lists() -> None:
    blocks = markdown_blocks("- 甲\n- 乙\n\n* 丙\n+ 丁", SRC)
    assert all(isinstance(b, ListItem) and b.marker == "•" for b in blocks)
    assert [plain(b.text) for b in blocks] == ["甲", "乙", "丙", "丁"]  # type: ignore[union-attr]


def test_bullets_are_numbered_by_level_as_the_edition_says() -> None:
    """一、（一）1.（1）: a "-" list is 1. 2. …, a list inside it （1）（2）…, never "•"."""
    text = "- 甲\n  - 乙\n  - 丙\n- 丁\n\n  续段\n\n另段\n\n- 戊"
    blocks = markdown_blocks(text, SRC, ("{n}.", "（{n}）"))
    assert [(getattr(b, "marker", None), plain(b.text)) for b in blocks] == [  # type: ignore[union-attr]
        ("1.", "甲"),
        ("（1）", "乙"),
        ("（2）", "丙"),
        ("2.", "丁"),
        (None, "续段"),
        (None, "另段"),
        ("1.", "戊"),
    ]
    # deeper than the edition's levels: the last pattern; an empty bullet is not counted
    blocks = markdown_blocks("- 甲\n  - 乙\n    - 丙\n-\n- 丁", SRC, ("{n}.", "（{n}）"))
    assert [b.marker for b in blocks] == ["1.", "（1）", "（1）", "2."]  # type: ignore[union-attr]


def test_ordered_lists_keep_the_original_numbers() -> None:
    blocks = markdown_blocks("1. 甲\n2. 乙\n5. 丙\n\n3) 丁", SRC)
    assert [(b.marker, plain(b.text)) for b in blocks] == [  # type: ignore[union-attr]
        ("1.", "甲"),
        ("2.", "乙"),
        ("5.", "丙"),
        ("3)", "丁"),
    ]


def test_nested_and_loose_lists_flatten() -> None:
    blocks = markdown_blocks("- 甲\n  - 乙\n\n- 丙\n\n  续段", SRC)
    assert [type(b).__name__ for b in blocks] == ["ListItem", "ListItem", "ListItem", "Paragraph"]
    assert [plain(b.text) for b in blocks] == ["甲", "乙", "丙", "续段"]  # type: ignore[union-attr]


def test_bold_and_emphasis() -> None:
    block = one("为售出的**2.8万台**设备加装*物联网*终端")
    assert isinstance(block, Paragraph)
    assert block.text == (
        Run("为售出的", source=SRC),
        Run("2.8万台", bold=True, source=SRC),
        Run("设备加装物联网终端", source=SRC),
    )


def test_bold_next_to_cjk_punctuation() -> None:
    # CommonMark's flanking rules alone would leave these asterisks in the text.
    block = one("依托**“龙城云”**平台")
    assert isinstance(block, Paragraph)
    assert [(r.text, r.bold) for r in block.text] == [
        ("依托", False),
        ("“龙城云”", True),
        ("平台", False),
    ]


def test_soft_breaks_join_without_space_next_to_cjk() -> None:
    assert literal("中文\n中文") == "中文中文"
    assert literal("中文\nabc") == "中文abc"
    assert literal("abc\n中文") == "abc中文"
    assert literal("服务，\nservice") == "服务，service"
    assert literal("service\nmanufacturing") == "service manufacturing"
    assert literal("trailing  \nhard break") == "trailing hard break"


def test_ideographic_space_indentation_is_stripped() -> None:
    assert literal("\u3000\u3000公司成立于1993年。") == "公司成立于1993年。"
    assert literal("\u3000\u3000公司成立。\u3000\u3000") == "公司成立。"
    # a line indented with U+3000 after a line break starts a new paragraph
    blocks = markdown_blocks("\u3000\u3000第一段，\n接着写。\n\u3000\u3000第二段。", SRC)
    assert [plain(b.text) for b in blocks] == ["第一段，接着写。", "第二段。"]  # type: ignore[union-attr]


def test_table() -> None:
    text = (
        "| 指标 | 2018年 | 增长率 |\n"
        "|---|---|---|\n"
        "| 服务收入（万元） | 41,400.00 | 12% |\n"
        "| **设备平均无故障时间（小时）** | 420 | -3.5 |\n"
        "| 备注 | 约9% | — |"
    )
    table = one(text)
    assert isinstance(table, Table)
    assert (table.header_rows, table.size, table.role) == (1, 12.0, "song")
    assert len(table.rows) == 4 and all(len(r) == 3 for r in table.rows)
    assert all(c.header and c.align == "center" for c in table.rows[0])
    assert not any(c.header for row in table.rows[1:] for c in row)
    aligns = [[c.align for c in row] for row in table.rows[1:]]
    assert aligns == [["left", "right", "right"], ["left", "right", "right"], ["left"] * 3]
    assert table.rows[2][0].text == (Run("设备平均无故障时间（小时）", bold=True, source=SRC),)
    # widths follow the widest cell of each column (CJK counts 2) ...
    first, second, third = table.widths
    assert first > second > third
    assert first / second == pytest.approx((26 + 2) / (9 + 2))


def test_table_widths_keep_short_cells_whole_and_share_the_rest() -> None:
    long = "很长的说明文字" * 20
    table = one(f"| 序 | 说明 |\n|---|---|\n| 1 | {long} |")
    assert isinstance(table, Table)
    narrow, wide = table.widths
    assert narrow >= 4  # "序" and "1" on one line
    assert wide >= 10 * narrow
    # A regional table: the two-character region names must not stack one character a line.
    header = "| 区域 | 区域中心 | 服务网点（个） | 服务工程师（名） | 备件库面积（㎡） | 平均到场时间（小时） | 2020年服务工单（单） |"
    rows = "\n".join("| 华南 | 南宁市 | 414 | 1,862 | 4,800 | 4.6 | 61,350 |" for _ in range(3))
    table = one(header + "\n" + "|---" * 7 + "|\n" + rows)
    assert isinstance(table, Table)
    widths = table.widths
    assert widths[0] >= display_width("华南") + 2
    assert widths[1] >= display_width("南宁市") + 2
    assert sum(widths) <= 66.5
    many = "| " + " | ".join(["1"] + [long] * 8) + " |"
    table = one("| " + " | ".join("abcdefghi") + " |\n" + "|---" * 9 + "|\n" + many)
    assert isinstance(table, Table)
    assert min(table.widths) >= 3 and len(set(table.widths[1:])) == 1


def test_table_explicit_alignment_and_ragged_rows() -> None:
    table = one("| a | b |\n|:-:|---|\n| x |\n| 1 | 2 | 3 |")
    assert isinstance(table, Table)
    assert [len(r) for r in table.rows] == [2, 2, 2]
    assert table.rows[1][0].align == "center"
    # markdown-it would drop the cell beyond the header's count: it is kept in the last cell
    assert plain(table.rows[2][1].text) == "2 | 3"


def test_table_then_paragraph() -> None:
    blocks = markdown_blocks("| a | b |\n|---|---|\n| 1 | 2 |\n\n说明。", SRC)
    assert [type(b) for b in blocks] == [Table, Paragraph]


def test_display_width() -> None:
    assert display_width("abc") == 3
    assert display_width("中文") == 4
    assert display_width("（一）“龙”") == 12  # Chinese quotes are full width
    assert display_width("41,400.00") == 9


# --- everything else is literal ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('<b>&amp;"x"', '<b>&amp;"x"'),  # no html, no entities
        ("&#x4E2D; &copy; &nbsp;", "&#x4E2D; &copy; &nbsp;"),
        ("=1+1", "=1+1"),
        ("＝SUM(A1)", "＝SUM(A1)"),
        (r"\*x\*", r"\*x\*"),  # no backslash escapes (and the stars stay)
        (r"a\_b\_c \# \[x\]", r"a\_b\_c \# \[x\]"),
        ("    four spaces", "four spaces"),  # no indented code block
        ("a\n---", "a ---"),  # no setext heading (and no table)
        ("a\n===", "a ==="),
        ("```\ncode\n```", "``` code ```"),  # no fence
        ("~~~\ncode\n~~~", "~~~ code ~~~"),
        ("> 引用", "> 引用"),  # no blockquote
        ("`code` ``x``", "`code` ``x``"),  # no code spans
        ("[链接](http://x.cn)", "[链接](http://x.cn)"),  # no links
        ("![图](a.png)", "![图](a.png)"),  # no images
        ("<http://x.cn> <a@b.cn>", "<http://x.cn> <a@b.cn>"),  # no autolinks
        ("[1]: http://x.cn", "[1]: http://x.cn"),  # no reference definitions
        ("<div>\n块\n</div>", "<div>块</div>"),  # no html blocks
        ("a\\\nb", "a\\ b"),  # no backslash hard break
        ("1.5亿元", "1.5亿元"),
        ("2018-2020年", "2018-2020年"),
    ],
)
def test_literal(text: str, expected: str) -> None:
    assert literal(text) == expected


@pytest.mark.parametrize("rule", ["***", "---", "___", "* * *"])
def test_no_thematic_break(rule: str) -> None:
    blocks = markdown_blocks(f"上文\n\n{rule}\n\n下文", SRC)
    assert all(isinstance(b, Paragraph) for b in blocks)
    assert plain(blocks[0].text) == "上文" and plain(blocks[-1].text) == "下文"  # type: ignore[union-attr]
    assert len(blocks) == (2 if rule == "* * *" else 3)  # "* * *" is three empty bullets


def test_control_characters_are_dropped() -> None:
    assert literal("a\x00b\x07c\x1bd") == "abcd"


def test_crlf() -> None:
    blocks = markdown_blocks("第一段\r\n\r\n第二段\r\n续", SRC)
    assert [plain(b.text) for b in blocks] == ["第一段", "第二段续"]  # type: ignore[union-attr]


def test_pathological_nesting_falls_back_to_literal_text() -> None:
    text = "- " * 80 + "深"
    blocks = markdown_blocks(text, SRC)
    assert blocks_text(blocks).endswith("深")


def test_empty() -> None:
    assert markdown_blocks("", SRC) == []
    assert markdown_blocks("\n\n \u3000\n", SRC) == []


# --- the example narratives ---------------------------------------------------------------------


def _sections() -> dict[tuple[str, int], str]:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return {
        (app["id"], i): s["text"]
        for app in data["applications"]
        for i, s in enumerate(app.get("sections", []))
    }


@pytest.mark.skipif(not EXAMPLE.exists(), reason="contract example not available")
def test_example_lz_e1_section_1() -> None:
    blocks = markdown_blocks(_sections()["LZ-E1", 1], SRC)
    headings = [b for b in blocks if isinstance(b, Heading)]
    items = [b for b in blocks if isinstance(b, ListItem)]
    assert [plain(h.text) for h in headings] == [
        "（一）建设设备全生命周期管理平台",
        "（二）推行“产品+服务”的商业模式",
        "（三）完善服务组织体系",
    ]
    assert all(h.level == 2 and h.number == "" for h in headings)
    assert len(items) == 3 and all(i.marker == "•" for i in items)
    bold = [r.text for r in all_runs(blocks) if r.bold]
    assert bold == ["2.8万台"]
    assert [type(b).__name__ for b in blocks] == [
        "Heading",
        "Paragraph",
        "Heading",
        "ListItem",
        "ListItem",
        "ListItem",
        "Heading",
        "Paragraph",
    ]


@pytest.mark.skipif(not EXAMPLE.exists(), reason="contract example not available")
def test_example_lz_e1_sections_0_2_3() -> None:
    sections = _sections()
    blocks = markdown_blocks(sections["LZ-E1", 0], SRC)
    assert [type(b) for b in blocks] == [Paragraph, Paragraph]
    blocks = markdown_blocks(sections["LZ-E1", 2], SRC)
    assert [type(b) for b in blocks] == [Table, Paragraph]
    table = blocks[0]
    assert isinstance(table, Table)
    assert len(table.rows) == 4 and len(table.widths) == 4
    assert [plain(c.text) for c in table.rows[0]] == ["指标", "2018年", "2019年", "2020年"]
    assert table.rows[1] == (
        Cell((Run("服务收入（万元）", source=SRC),), align="left"),
        Cell((Run("41,400.00", source=SRC),), align="right"),
        Cell((Run("50,985.00", source=SRC),), align="right"),
        Cell((Run("61,380.00", source=SRC),), align="right"),
    )
    assert table.widths[0] == max(table.widths)
    assert [type(b) for b in markdown_blocks(sections["LZ-E1", 3], SRC)] == [Paragraph]


@pytest.mark.skipif(not EXAMPLE.exists(), reason="contract example not available")
def test_all_example_narratives_keep_their_text() -> None:
    for key, text in _sections().items():
        blocks = markdown_blocks(text, SRC)
        assert blocks == _parse_blocks(text, SRC), key  # parsed, not the literal fallback
        out = blocks_text(blocks).replace("•", "")
        assert essential_chars(out) == essential_chars(text), key


# --- properties ----------------------------------------------------------------------------------

_ALPHABET = (
    list("中文服务型制造（一）“”。，、；\u3000")
    + list("ab1 2.9")
    + list("#*_-+|:\\<>&`[]()!=~\t")
    + ["\n", "\n\n", "  ", "- ", "1. ", "### ", "**", "| ", "|---|"]
)
_texts = st.one_of(
    st.lists(st.sampled_from(_ALPHABET), max_size=60).map("".join),
    st.text(max_size=60),
)


def _is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts)
def test_property_never_raises_and_keeps_every_character(text: str) -> None:
    blocks = markdown_blocks(text, SRC)
    assert all(r.source == SRC for r in all_runs(blocks))
    assert all(r.text for r in all_runs(blocks))
    out = blocks_text(blocks)
    cleaned = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)  # not text: dropped
    assert _is_subsequence(essential_chars(cleaned), essential_chars(out))
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    assert [c for c in out if "\u4e00" <= c <= "\u9fff"] == cjk


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_ALPHABET), max_size=60).map("".join))
def test_property_parser_needs_no_fallback(text: str) -> None:
    # the literal fallback is a safety net for pathological nesting only
    assert markdown_blocks(text, SRC) == _parse_blocks(text, SRC)


def test_whitespace_list_is_exactly_what_isspace_accepts() -> None:
    """essential_chars deletes WHITESPACE with str.translate: the list must be all of Unicode's
    str.isspace() characters, no more, no fewer."""
    from docgen.compose.markdown import WHITESPACE

    assert set(WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
