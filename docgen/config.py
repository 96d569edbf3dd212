"""User settings from a config file, so a bureau names its fonts once instead of on every command.

Looked up in this order (the first that exists is used): ``--config FILE``; ``$DOCGEN_CONFIG``;
``docgen.toml`` in the current folder; the user's config folder (``%APPDATA%\\docgen\\config.toml``
on Windows, ``$XDG_CONFIG_HOME/docgen/config.toml`` or ``~/.config/docgen/config.toml`` elsewhere).

    [fonts]
    dirs = ["C:/Windows/Fonts", "fonts"]     # relative paths: from the config file's folder

    [packet]
    max_seal_pages = 20
    seal_marks = true
    duplex = false
    letter = true          # the submission letter (报送函) first in the packet
    letterhead = "red"     # "none": paper with a printed letterhead
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DocgenError
from .packet import DEFAULT_PACKET, PacketSettings, packet_problems
from .tomlfile import TomlFileError, read_toml


class ConfigError(DocgenError):
    """The config file cannot be read or has wrong values."""


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    font_dirs: tuple[Path, ...] = ()
    # [packet] over the defaults; the command line's options go over these
    packet: PacketSettings = DEFAULT_PACKET


def candidates(explicit: Path | None = None) -> list[Path]:
    out: list[Path] = []
    if explicit is not None:
        return [explicit]
    env = os.environ.get("DOCGEN_CONFIG")
    if env:
        out.append(Path(env))
    out.append(Path.cwd() / "docgen.toml")
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        out.append(Path(os.environ["APPDATA"]) / "docgen" / "config.toml")
    else:
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        out.append(Path(base) / "docgen" / "config.toml")
    return out


def load_config(explicit: Path | None = None) -> Config:
    for path in candidates(explicit):
        if path.is_file():
            return _read(path)
        if explicit is not None:
            raise ConfigError(f"找不到配置文件“{path}”")
    return Config()


_SECTIONS = ("fonts", "packet")


def _read(path: Path) -> Config:
    try:
        raw = read_toml(path)
    except TomlFileError as exc:
        what = "配置文件格式错误" if exc.line is not None else "无法读取配置文件"
        raise ConfigError(f"{what}：{exc}") from exc
    for section, value in raw.items():
        if section not in _SECTIONS or not isinstance(value, dict):
            raise ConfigError(f"配置文件“{path}”中不认识“[{section}]”；可用的有 [fonts]、[packet]")
    unknown = set(raw.get("fonts", {})) - {"dirs"}
    if unknown:
        raise ConfigError(f"配置文件“{path}”的 [fonts] 中不认识：{'、'.join(sorted(unknown))}")
    fonts: dict[str, Any] = raw.get("fonts", {})
    packet: dict[str, Any] = raw.get("packet", {})
    dirs = fonts.get("dirs", [])
    if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise ConfigError(f"配置文件“{path}”：[fonts] dirs 应为文件夹路径的列表")
    font_dirs = tuple(
        (path.parent / d).resolve() if not Path(d).is_absolute() else Path(d) for d in dirs
    )
    for d in font_dirs:
        if not d.is_dir():
            raise ConfigError(f"配置文件“{path}”：字体文件夹“{d}”不存在")
    # the packet settings are checked by their model (docgen.packet), as the CLI's are
    problems = packet_problems(packet)
    if problems:
        raise ConfigError(f"配置文件“{path}”：{'；'.join(problems)}")
    return Config(path=path, font_dirs=font_dirs, packet=PacketSettings.model_validate(packet))
