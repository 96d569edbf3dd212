"""The packet settings (straddle-seal group size, seal marks, duplex, the submission letter and its
letterhead): one typed model, read from the config file's ``[packet]``, overridden by the command
line, carried by ``BuildOptions``.

Every default and limit is written here once; the CLI's option range and help, the config
file's check and the build's defaults all read them from this model.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MIN_SEAL_PAGES = 2
MAX_SEAL_PAGES = 200


class PacketSettings(BaseModel):
    """How the packet is laid out for sealing and printing."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    max_seal_pages: int = Field(
        default=20,
        ge=MIN_SEAL_PAGES,
        le=MAX_SEAL_PAGES,
        description="每组骑缝章最多覆盖的页数",
    )
    seal_marks: bool = Field(default=True, description="在盖章位置画浅色提示线（留白照旧）")
    duplex: bool = Field(default=False, description="双面打印：每份文件从奇数页开始")
    letter: bool = Field(default=True, description="生成报送函，作为总册第一份文件")
    letterhead: Literal["red", "none"] = Field(
        default="red",
        description="报送函的版头：red 印红色发文机关标志和红色双线；none 不印，留出位置",
    )

    @property
    def has_letterhead(self) -> bool:
        """Whether the letter prints its red letterhead and rules."""
        return self.letterhead == "red"

    def updated(self, **values: Any) -> PacketSettings:
        """A copy with the given values (``None`` values are left out: not given)."""
        given = {k: v for k, v in values.items() if v is not None}
        return PacketSettings.model_validate({**self.model_dump(), **given})


DEFAULT_PACKET = PacketSettings()


def packet_problems(raw: dict[str, Any]) -> list[str]:
    """Chinese messages for what is wrong with ``raw`` (a config file's ``[packet]`` table)."""
    try:
        PacketSettings.model_validate(raw)
    except ValidationError as exc:
        return [_message(err) for err in exc.errors()]
    return []


def _message(err: Any) -> str:
    key = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        known = "、".join(PacketSettings.model_fields)
        return f"[packet] 中不认识：{key}（可用的有 {known}）"
    if key == "max_seal_pages":
        return f"[packet] max_seal_pages 应为 {MIN_SEAL_PAGES} 到 {MAX_SEAL_PAGES} 之间的整数"
    if key == "letterhead":
        return '[packet] letterhead 应为 "red" 或 "none"'
    return f"[packet] {key} 应为 true 或 false"
