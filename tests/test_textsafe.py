"""docgen.textsafe: which characters are invisible, and text made safe for a terminal."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docgen.textsafe import describe, for_terminal, invisible_chars, is_invisible

# What a terminal must never receive raw from user text: C0 controls but newline and tab, DEL,
# C1 controls, and the bidi controls (embedding, override, isolate, marks).
C0_C1 = {chr(c) for c in range(0x20)} - {"\n", "\t"} | {chr(c) for c in range(0x7F, 0xA0)}
BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}
FORBIDDEN = C0_C1 | BIDI

ASCII_PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))
ORDINARY = st.text(
    alphabet=st.one_of(
        st.sampled_from(ASCII_PRINTABLE + "\n\t　，。、；：？！“”‘’（）《》【】—…·％"),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK unified ideographs
        st.characters(min_codepoint=0x3400, max_codepoint=0x4DBF),  # extension A
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),  # full-width forms
    ),
    max_size=200,
)


@given(ORDINARY)
def test_for_terminal_is_the_identity_on_ordinary_text(text: str) -> None:
    assert for_terminal(text) == text


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=200))
def test_for_terminal_leaves_no_control_or_bidi_character(text: str) -> None:
    out = for_terminal(text)
    assert not FORBIDDEN & set(out), ascii(out)
    assert not [ch for ch in out if is_invisible(ch) and ch not in "\n\t"], ascii(out)


@given(st.text(max_size=50), st.sampled_from(sorted(FORBIDDEN)), st.text(max_size=50))
def test_a_forbidden_character_becomes_its_visible_escape(
    before: str, bad: str, after: str
) -> None:
    out = for_terminal(before + bad + after)
    escaped = f"\\x{ord(bad):02x}" if ord(bad) <= 0xFF else f"\\u{ord(bad):04x}"
    assert escaped in out
    assert bad not in out


def test_terminal_title_escape_is_defused() -> None:
    name = "柳州\x1b]0;pwned\x07机械有限公司"
    assert for_terminal(name) == "柳州\\x1b]0;pwned\\x07机械有限公司"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\u202eb", "a\\u202eb"),
        ("a\u2066b\u2069", "a\\u2066b\\u2069"),
        ("\x9b31m", "\\x9b31m"),
        ("\x7f", "\\x7f"),
        ("\r", "\\x0d"),
        ("\u200b\u00ad\u3164\ufeff", "\\u200b\\xad\\u3164\\ufeff"),
        ("\U000e0041", "\\U000e0041"),
        ("line one\nline two\tend", "line one\nline two\tend"),
        ("柳州市　工业和信息化局", "柳州市　工业和信息化局"),  # the ideographic space stays
    ],
)
def test_for_terminal_examples(text: str, expected: str) -> None:
    assert for_terminal(text) == expected


def test_every_format_character_is_invisible() -> None:
    """Every character of categories Cc, Cf, Zl, Zp and Cs in this Python's Unicode database
    is in the hard-coded table (a new Unicode version with a new format character fails here)."""
    missed = [
        f"U+{cp:04X}"
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) in ("Cc", "Cf", "Zl", "Zp", "Cs")
        and not is_invisible(chr(cp))
    ]
    assert missed == []


@pytest.mark.parametrize(
    "ch", ["\u3164", "\u115f", "\u1160", "\uffa0", "\u034f", "\ufe0f", "\U000e0100", "\u180b"]
)
def test_default_ignorable_characters_that_are_not_format_characters(ch: str) -> None:
    assert is_invisible(ch)


@pytest.mark.parametrize(
    "ch", ["柳", "a", " ", "\u3000", "\u00a0", "・", "—", "…", "\U00020000", "\ue000", "😀"]
)
def test_visible_characters_are_not_invisible(ch: str) -> None:
    assert not is_invisible(ch)


def test_invisible_chars_positions_and_lines() -> None:
    text = "柳\u200b州\n市\u200b\t"
    assert invisible_chars(text) == {"\u200b": [2, 6], "\n": [4], "\t": [7]}
    assert invisible_chars(text, multiline=True) == {"\u200b": [2, 6]}
    assert invisible_chars("柳州市工业和信息化局") == {}
    assert invisible_chars("a\rb", multiline=True) == {}


def test_describe_names_the_common_ones_in_chinese() -> None:
    assert describe("\u200b") == "零宽空格"
    assert describe("\u202e") == "从右至左强制控制符"
    assert describe("\u00ad") == "软连字符"
    assert describe("\u3164") == "韩文填充符"
    assert describe("\x85") == "控制字符"
    assert describe("\ufe0f") == "变体选择符"
    assert describe("\U000e0041") == "标签字符"
    assert describe("\u2062") == "不可见乘号"
