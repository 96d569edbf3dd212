"""GB 32100-2015 unified social credit code (统一社会信用代码): character set and check character."""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_INDEX = {c: i for i, c in enumerate(CHARSET)}


def check_character(body: str) -> str:
    """Return the check character for the first 17 characters of a code."""
    total = sum(_INDEX[c] * w for c, w in zip(body, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Return a Chinese description of what is wrong with ``code``, or None if it is valid."""
    if len(code) != 18:
        return f"应为18位，实际为{len(code)}位"
    bad = sorted({c for c in code if c not in _INDEX})
    if bad:
        shown = "、".join(f"“{c}”" for c in bad)
        return f"含有不允许的字符{shown}（只允许数字和大写字母，不含I、O、S、V、Z）"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"校验码错误：第18位应为“{expected}”，实际为“{code[17]}”"
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None


def make(prefix: str) -> str:
    """Complete a 17-character body with its check character (used by samples and tests)."""
    return prefix + check_character(prefix)
