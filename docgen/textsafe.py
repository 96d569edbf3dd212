"""Characters that must never pass silently: invisible and format characters in the city file,
and control characters in text echoed to a terminal.

A city file's text ends up on official forms and in file names. A character that prints as
nothing (a zero-width space, a soft hyphen, a Hangul filler), that reorders the text around it
(the bidi controls U+202A–U+202E, U+2066–U+2069, U+200E, U+200F) or that is a control code
(C0, DEL, C1) changes what a name *is* without changing what it looks like. docgen does not
remove such characters on its own — silently editing a name on an official form is worse than
refusing it — so :func:`invisible_chars` finds them and validation reports each one as an error
naming the field and the code point. The newline, carriage return and tab are allowed in the
narrative text only (``sections[].text``), where they separate lines and paragraphs.

:func:`for_terminal` makes any text safe to print on a terminal: control, bidi and other
invisible characters become visible escapes (``\\x1b``, ``\\u202e``), so that a name holding
``ESC ] 0 ; … BEL`` cannot retitle the terminal or reorder the line it is printed on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# What counts as invisible, as code point ranges (inclusive): the C0 controls, DEL and the C1
# controls; every format character (general category Cf, as of Unicode 15: soft hyphen, the
# Arabic and Syriac marks, zero-width characters, bidi controls, invisible operators, BOM,
# interlinear annotation, the Egyptian, shorthand and musical format controls, tags); the line
# and paragraph separators; the surrogates; and the default-ignorable characters that are not
# Cf but print as nothing all the same (combining grapheme joiner, Hangul fillers, Khmer
# inherent vowels, Mongolian and other variation selectors, the rest of plane 14's tag block).
_INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F),
    (0x007F, 0x009F),
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xD800, 0xDFFF),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


def _char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(
        re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        for lo, hi in ranges
    )


_INVISIBLE = re.compile(f"[{_char_class(_INVISIBLE_RANGES)}]")

# Allowed where text has lines (the narrative): newline, carriage return, tab.
LINE_CONTROLS = frozenset("\n\r\t")

# Chinese names of the characters a user is most likely to meet (pasted from Word, a web page,
# a messaging app); every other one is described by its class.
_NAMES: Mapping[int, str] = {
    0x0009: "制表符",
    0x000A: "换行符",
    0x000D: "回车符",
    0x0000: "空字符",
    0x001B: "转义控制符 ESC",
    0x0007: "响铃控制符 BEL",
    0x007F: "删除控制符 DEL",
    0x00AD: "软连字符",
    0x034F: "组合字形连接符",
    0x115F: "韩文填充符",
    0x1160: "韩文填充符",
    0x3164: "韩文填充符",
    0xFFA0: "半角韩文填充符",
    0x180E: "蒙古文元音分隔符",
    0x200B: "零宽空格",
    0x200C: "零宽不连字",
    0x200D: "零宽连字",
    0x200E: "从左至右标记",
    0x200F: "从右至左标记",
    0x2028: "行分隔符",
    0x2029: "段落分隔符",
    0x202A: "从左至右嵌入控制符",
    0x202B: "从右至左嵌入控制符",
    0x202C: "双向格式结束控制符",
    0x202D: "从左至右强制控制符",
    0x202E: "从右至左强制控制符",
    0x2060: "词连接符",
    0x2061: "不可见函数符",
    0x2062: "不可见乘号",
    0x2063: "不可见分隔符",
    0x2064: "不可见加号",
    0x2066: "从左至右隔离控制符",
    0x2067: "从右至左隔离控制符",
    0x2068: "首强隔离控制符",
    0x2069: "隔离结束控制符",
    0xFEFF: "零宽不换行空格/BOM",
}


def is_invisible(ch: str) -> bool:
    """True for a control (C0, DEL, C1), format (Cf), line or paragraph separator, surrogate or
    other default-ignorable character: one that prints as nothing or changes the text around
    it. The newline, carriage return and tab count too; callers allow them where text has
    lines."""
    return _INVISIBLE.match(ch) is not None


def code_point(ch: str) -> str:
    """``U+200B``: the code point as Unicode writes it."""
    return f"U+{ord(ch):04X}"


def describe(ch: str) -> str:
    """A short Chinese name of an invisible character (零宽空格, 从右至左强制控制符 ...)."""
    cp = ord(ch)
    name = _NAMES.get(cp)
    if name is not None:
        return name
    if cp < 0x20 or 0x7F <= cp <= 0x9F:
        return "控制字符"
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x180B <= cp <= 0x180F:
        return "变体选择符"
    if 0xE0000 <= cp <= 0xE007F:
        return "标签字符"
    if 0xD800 <= cp <= 0xDFFF:
        return "孤立的代理字符"
    return "不可见的格式控制字符"


def invisible_chars(text: str, *, multiline: bool = False) -> dict[str, list[int]]:
    """Every invisible character of ``text`` (see :func:`is_invisible`), in order of first
    appearance, with the 1-based positions where it occurs. With ``multiline`` the newline,
    carriage return and tab are allowed."""
    found: dict[str, list[int]] = {}
    for m in _INVISIBLE.finditer(text):  # the scan runs at C speed; matches are rare
        ch = m.group()
        if not (multiline and ch in LINE_CONTROLS):
            found.setdefault(ch, []).append(m.start() + 1)
    return found


# Kept as they are by for_terminal: they move the cursor in the expected way only.
_TERMINAL_KEEP = frozenset("\n\t")


def for_terminal(text: str) -> str:
    """``text`` made safe to print on a terminal: every C0 control except newline and tab, DEL,
    every C1 control, the bidi controls and every other invisible or format character (see
    :func:`is_invisible`) becomes a visible escape as Python writes them (``\\x1b``, ``\\x9b``,
    ``\\u202e``, ``\\U000e0041``). Everything else, CJK and ASCII text included, is returned
    unchanged, so ``for_terminal(s) == s`` for ordinary text."""
    return _INVISIBLE.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _TERMINAL_KEEP:
        return ch
    cp = ord(ch)
    if cp <= 0xFF:
        return f"\\x{cp:02x}"
    if cp <= 0xFFFF:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


# Characters XML 1.0 forbids (C0 controls but tab, newline and carriage return; lone
# surrogates; U+FFFE, U+FFFF): a Word or Excel file holding one does not open.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` as a Word or Excel file may hold it: line breaks normalised to ``\\n`` and the
    characters XML 1.0 forbids removed (validation has already refused them in user fields;
    this keeps a stray one from breaking the file). The one function both writers use."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("", text)
