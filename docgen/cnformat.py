"""Chinese dates and numerals, as the forms, the rule messages and the packet write them.

The one home for them: ``compose/``, ``rules`` and ``bundle`` import from here.
"""

from __future__ import annotations

from datetime import date

_DIGITS = "〇一二三四五六七八九"


def cn_date(day: date) -> str:
    """2021年5月12日: a date in a sentence (rule messages, the notice's cut-off dates)."""
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_date(day: date) -> str:
    """二〇二一年五月十二日: the date as written on official forms."""
    year = "".join(_DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{cn_number(day.month)}月{cn_number(day.day)}日"


def cn_number(n: int) -> str:
    """0 -> 〇, 1 -> 一, 10 -> 十, 12 -> 十二, 23 -> 二十三; from 100 on, Arabic digits.

    Months, days and heading numbers (一、二、…十二、) are all below 100.
    """
    if n < 10:
        return _DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
    return str(n)
