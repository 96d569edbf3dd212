"""What people type in Excel and WPS, turned into the city file's types.

Each function takes a cell's value and returns the typed value and a note (Chinese, or None) that
says what was changed, so that every normalisation can be listed as a warning at its cell. A value
that cannot be understood raises ``Unreadable`` with what is expected. Only the typing is handled
here; whether a value is allowed (a mode for the category, a negative amount, a third decimal
place, a credit code's check character) is the rules' and the model's business, checked once, in
``docgen validate``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from .workbook import Value

Note = str | None

# Blanks a person or a copy from a web page leaves around a value: spaces, tabs, line breaks,
# the non-breaking space, the ideographic (full-width) space and the zero-width characters.
_BLANKS = " \t\r\n\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff"
# The 1900 date system's day 0 (Excel's day 60 is the non-existent 1900-02-29).
_EXCEL_EPOCH = date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31


class Unreadable(ValueError):
    """The cell's value is not of the expected kind; the message says what is expected."""


def strip_blanks(text: str) -> tuple[str, Note]:
    stripped = text.strip(_BLANKS)
    if stripped == text:
        return text, None
    kinds = sorted(
        {
            _blank_name(ch)
            for ch in text[: len(text) - len(text.lstrip(_BLANKS))]
            + text[len(text.rstrip(_BLANKS)) :]
        }
    )
    return stripped, f"已去掉首尾的{'、'.join(kinds)}"


def _blank_name(ch: str) -> str:
    return {
        "\u00a0": "不间断空格",
        "\u3000": "全角空格",
        "\t": "制表符",
        "\r": "换行",
        "\n": "换行",
        "\u200b": "零宽空格",
        "\ufeff": "零宽空格",
    }.get(ch, "空格")


def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def text(value: Value) -> tuple[str | None, Note]:
    """Any cell as text: a number typed into a text cell (a phone number) becomes its digits."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return ("是" if value else "否"), None
    if isinstance(value, int | float):
        return _number_text(value), None
    if isinstance(value, datetime):
        return value.date().isoformat(), None
    if isinstance(value, date):
        return value.isoformat(), None
    out, note = strip_blanks(str(value))
    return (out or None), note


def _wide_to_ascii(text: str) -> str:
    """Full-width digits, letters and punctuation (１２３，．－) as ASCII; nothing else changes."""
    return "".join(
        unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in text
    )


def uscc(value: Value) -> tuple[str | None, Note]:
    """A credit code: blanks inside removed, full-width characters and lower case corrected."""
    raw, note = text(value)
    if raw is None:
        return None, None
    code = _wide_to_ascii(re.sub(f"[{_BLANKS}]", "", raw)).upper()
    if code != raw:
        what = []
        if re.search(f"[{_BLANKS}]", raw):
            what.append("去掉了空格")
        if any("\uff01" <= ch <= "\uff5e" for ch in raw):
            what.append("全角字符改为半角")
        if any(ch.islower() for ch in raw):
            what.append("小写字母改为大写")
        return code, f"统一社会信用代码{('、'.join(what) or '已整理')}：“{raw}” → “{code}”"
    return code, note


def digits(value: Value) -> tuple[str | None, Note]:
    """A code of digits (postcode, division code): full-width digits as ASCII, blanks removed."""
    raw, note = text(value)
    if raw is None:
        return None, None
    code = _wide_to_ascii(re.sub(f"[{_BLANKS}]", "", raw))
    if code != raw:
        return code, f"“{raw}”按“{code}”读取（全角数字改为半角、去掉空格）"
    return code, note


_SERIAL = re.compile(r"(?:.*〔\d{4}〕)?第?(\d{1,6})号?")


def serial(value: Value) -> tuple[str | None, Note]:
    """The serial of a document number (发文字号的序号, 45): digits, full-width ones as ASCII; a
    whole number typed in (柳工信函〔2021〕45号, 45号) gives its serial, with a note."""
    raw, note = digits(value)
    if raw is None:
        return None, None
    m = _SERIAL.fullmatch(raw)
    if m is None:
        raise Unreadable(
            f"“{raw}”不是发文字号的序号；应为1～6位数字，如 45（柳工信函〔2021〕45号）"
        )
    if m.group(1) != raw:
        return m.group(1), f"“{raw}”按序号“{m.group(1)}”读取（只填〔年份〕后的数字）"
    return raw, note


_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"),
    re.compile(r"(\d{4})\s*[-./／]\s*(\d{1,2})\s*[-./／]\s*(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def as_date(value: Value) -> tuple[date | None, Note]:
    """A real date, an Excel date number, or a date typed as text (2021年5月12日, 2021.5.12,
    2021/5/12, 20210512)."""
    if value is None:
        return None, None
    if isinstance(value, datetime):
        note = None
        if value.time() != datetime.min.time():
            note = f"日期带有时间 {value.time().isoformat()}，只取日期 {value.date().isoformat()}"
        return value.date(), note
    if isinstance(value, date):
        return value, None
    if isinstance(value, bool):
        raise Unreadable("应为日期，如 2021-05-12 或 2021年5月12日")
    if isinstance(value, int | float):
        if not (1 <= value <= _MAX_SERIAL) or not float(value).is_integer():
            raise Unreadable(
                f"“{_number_text(value)}”不是日期；应为日期，如 2021-05-12 或 2021年5月12日"
            )
        day = _EXCEL_EPOCH + timedelta(days=int(value))
        return day, f"Excel 日期序号 {_number_text(value)} 按日期 {day.isoformat()} 读取"
    raw, _ = text(value)
    if raw is None:
        return None, None
    typed = _wide_to_ascii(raw)
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(typed)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                day = date(y, mo, d)
            except ValueError:
                raise Unreadable(f"“{raw}”不是真实存在的日期") from None
            if value == day.isoformat():
                return day, None
            return day, f"日期“{raw}”按 {day.isoformat()} 读取"
    raise Unreadable(f"“{raw}”不是日期；应为日期，如 2021-05-12 或 2021年5月12日")


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def as_decimal(value: Value, *, unit: str = "万元") -> tuple[Decimal | None, Note]:
    """An amount: a number cell, or text with thousands separators, a trailing unit (万元) or
    full-width digits. Binary noise of a calculated cell (1234.5600000000001) is removed."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        raise Unreadable(f"应为数字（单位：{unit}）")
    if isinstance(value, int):
        return Decimal(value), None
    if isinstance(value, float):
        dec = Decimal(repr(value))
        exponent = dec.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -6:
            rounded = Decimal(repr(round(value, 6))).normalize()
            if abs(float(rounded) - value) < 1e-9:
                return rounded, f"计算结果 {value!r} 按 {rounded} 读取"
        return dec, None
    if isinstance(value, date | datetime):
        raise Unreadable(
            f"应为数字（单位：{unit}），不是日期；请把单元格格式设为“常规”或“数值”后重填"
        )
    raw, _ = text(value)
    if raw is None:
        return None, None
    typed = _wide_to_ascii(raw).replace("，", ",").replace("。", ".")
    notes: list[str] = []
    if typed != raw:
        notes.append("全角数字改为半角")
    stripped = typed.strip(_BLANKS)
    if unit and stripped.endswith(unit):
        stripped = stripped[: -len(unit)].strip(_BLANKS)
        notes.append(f"去掉了单位“{unit}”")
    elif unit == "万元" and stripped.endswith("元"):
        raise Unreadable(f"“{raw}”的单位是元；请换算为万元后只填数字")
    if _GROUPED.fullmatch(stripped):
        stripped = stripped.replace(",", "")
        notes.append("去掉了千位分隔符")
    if " " in stripped:
        stripped = stripped.replace(" ", "")
        notes.append("去掉了数字中的空格")
    if not _NUMBER.fullmatch(stripped):
        raise Unreadable(f"“{raw}”不是数字；应为数字（单位：{unit}），如 1234.50")
    try:
        dec = Decimal(stripped)
    except InvalidOperation:
        raise Unreadable(f"“{raw}”不是数字；应为数字（单位：{unit}），如 1234.50") from None
    return dec, (f"“{raw}”按数字 {dec} 读取（{'、'.join(notes)}）" if notes else None)


def as_int(value: Value, *, units: str = "人个家单户次") -> tuple[int | Decimal | None, Note]:
    """A count: a number cell, or text with separators or a trailing unit (3,260人)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        raise Unreadable("应为整数")
    if isinstance(value, int):
        return value, None
    if isinstance(value, float):
        return (int(value), None) if value.is_integer() else (Decimal(repr(value)), None)
    raw, _ = text(value)
    if raw is None:
        return None, None
    typed = _wide_to_ascii(raw).replace("，", ",")
    stripped = typed.rstrip(units).strip(_BLANKS)
    grouped = _GROUPED.fullmatch(stripped)
    digits = stripped.replace(",", "") if grouped else stripped
    if not re.fullmatch(r"[+-]?\d+", digits):
        raise Unreadable(f"“{raw}”不是整数；应为整数，如 3260")
    return int(digits), f"“{raw}”按整数 {int(digits)} 读取"


_YES = {"是", "y", "yes", "true", "√", "✓", "有"}
_NO = {"否", "n", "no", "false", "×", "✗", "无"}


def as_bool(value: Value) -> tuple[bool | None, Note]:
    if value is None:
        return None, None
    if isinstance(value, bool):
        return value, None
    raw, _ = text(value)
    if raw is None:
        return None, None
    key = _wide_to_ascii(raw).strip().lower()
    if key in _YES:
        return True, (None if raw == "是" else f"“{raw}”按“是”读取")
    if key in _NO:
        return False, (None if raw == "否" else f"“{raw}”按“否”读取")
    raise Unreadable(f"“{raw}”不是“是”或“否”；请从下拉列表选择")


def as_choice(value: Value, choices: dict[str, str], what: str) -> tuple[str | None, Note]:
    """A dropdown value: its label (示范平台) as the key (platform). The key itself is taken too."""
    raw, note = text(value)
    if raw is None:
        return None, None
    if raw in choices:
        return choices[raw], note
    if raw in choices.values():
        return raw, note
    compact = re.sub(f"[{_BLANKS}]", "", raw)
    if compact in choices:
        return choices[compact], f"{what}“{raw}”按“{compact}”读取"
    raise Unreadable(f"{what}“{raw}”不在可选范围内；应为：{'、'.join(choices)}（请从下拉列表选择）")
