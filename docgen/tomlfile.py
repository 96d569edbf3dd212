"""The one TOML reader: an edition's files and the config file, with Chinese errors naming the
file, the line and the key.

TOML is strict already (a key written twice, a table declared twice and a value without quotes
are errors, not the last one winning); this module adds the file's encoding (UTF-8, a BOM
allowed), and turns ``tomllib``'s English messages into ones a person can act on.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from .errors import DocgenError


class TomlFileError(DocgenError):
    """A TOML file cannot be read or parsed; the message names file, line and key."""

    def __init__(self, message: str, *, line: int | None = None, key: str | None = None):
        super().__init__(message)
        self.line = line
        self.key = key


# tomllib's messages (the text before " (at ...)"), in Chinese.
_REASONS: tuple[tuple[str, str], ...] = (
    ("Invalid value", "值无效（文本要加英文双引号；数字、true/false 和日期不加）"),
    ("Cannot overwrite a value", "同一个键写了两次"),
    ("Cannot declare", "同一个表写了两次"),
    ("Unterminated string", "文本没有结束（缺少结尾的引号）"),
    ("Illegal character", "文本中有不允许的控制字符"),
    ("Invalid statement", "无法识别的一行（应为“键 = 值”或“[表名]”）"),
    ("Expected '=' after a key", "键后面缺少“=”"),
    ("Expected ']' at the end of a table declaration", "表名缺少结尾的“]”"),
    ("Expected ']]' at the end of an array declaration", "表名缺少结尾的“]]”"),
    ("Unclosed array", "列表缺少结尾的“]”"),
    ("Unclosed inline table", "内联表缺少结尾的“}”"),
    ("Expected newline or end of document after a statement", "一行只能写一个“键 = 值”"),
    ("Invalid date or datetime", "日期无效（应为 YYYY-MM-DD）"),
    ("Invalid initial character for a key part", "键的写法不对"),
)
_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")
_KEY_LINE = re.compile(r"""^\s*([A-Za-z0-9_\-."' ]+?)\s*=""")
_TABLE_LINE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def read_toml(path: Path, display: str | None = None) -> dict[str, Any]:
    """``path`` parsed; ``display`` is how messages name the file (default: the path).

    Raises :class:`TomlFileError` with a Chinese message ("文件：第3行（[packet]
    max_seal_pages）：值无效…") if the file cannot be read, is not UTF-8 or is not valid TOML.
    """
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TomlFileError(f"{name}：无法读取（{exc.strerror or exc}）") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TomlFileError(
            f"{name}：第{line}行不是 UTF-8 编码；请用 UTF-8 保存该文件", line=line
        ) from exc
    return parse_toml(text, name)


def parse_toml(text: str, name: str) -> dict[str, Any]:
    """``text`` (the content of the file ``name``) parsed, or a :class:`TomlFileError`."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _decode_error(text, name, str(exc)) from exc


def _decode_error(text: str, name: str, message: str) -> TomlFileError:
    at = _AT.search(message)
    reason_en = message[: at.start()] if at else message
    reason = next((zh for en, zh in _REASONS if reason_en.startswith(en)), None)
    reason = reason or f"格式错误（{reason_en}）"
    lines = text.splitlines()
    line: int | None = None
    if at and at.group(1):
        line = int(at.group(1))
    elif reason_en.startswith("Cannot overwrite a value"):
        line = _repeated_key_line(lines)
    elif lines:
        line = len(lines)
    key = _key_at(lines, line) if line else None
    where = f"第{line}行" if line else ""
    if key:
        where += f"（{key}）"
    return TomlFileError(f"{name}：{where}{'：' if where else ''}{reason}", line=line, key=key)


def _key_at(lines: list[str], line: int) -> str | None:
    """The key written on ``line`` (1-based), with the table it is in: ``[packet] duplex``."""
    if not 0 < line <= len(lines):
        return None
    table = _table_before(lines, line)
    own = _TABLE_LINE.match(lines[line - 1])
    if own:
        return f"[{own.group(1)}]"
    m = _KEY_LINE.match(lines[line - 1])
    if not m:
        return f"[{table}]" if table else None
    return f"[{table}] {m.group(1)}" if table else m.group(1)


def _table_before(lines: list[str], line: int) -> str | None:
    for text in reversed(lines[: line - 1]):
        m = _TABLE_LINE.match(text)
        if m:
            return m.group(1)
    return None


def _repeated_key_line(lines: list[str]) -> int | None:
    """The first line whose key was already written in the same table (tomllib does not say)."""
    seen: set[tuple[str | None, str]] = set()
    table: str | None = None
    for n, text in enumerate(lines, 1):
        m = _TABLE_LINE.match(text)
        if m:
            table = m.group(1)
            continue
        k = _KEY_LINE.match(text)
        if k:
            key = (table, k.group(1).strip())
            if key in seen:
                return n
            seen.add(key)
    return None
