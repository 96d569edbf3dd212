"""The typed model of a city file (docgen.city/1) and its loading.

Loading reads UTF-8 with or without a BOM, recognises GBK files and broken JSON, keeps numbers as
``Decimal`` (never binary floats), and turns every schema problem into a ``Finding`` with its path
and a Chinese message. Unknown keys are errors: a typo must not pass silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from .errors import Finding, InputError

if TYPE_CHECKING:
    from .edition import Rules

SCHEMA_ID = "docgen.city/1"

# --------------------------------------------------------------------------- field types


_MAX_NUMBER = Decimal(10) ** 12


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise PydanticCustomError("docgen", "应为数字（不加引号），如 1234.50")
    dec = value if isinstance(value, Decimal) else Decimal(str(value))
    if not dec.is_finite():
        raise PydanticCustomError("docgen", "应为有限的数字")
    if dec.copy_abs() >= _MAX_NUMBER:
        raise PydanticCustomError("docgen", "数值过大（单位为万元，应小于1万亿），请检查")
    return dec


def _money_places(value: Decimal) -> Decimal:
    # Count decimal places from the digits: quantize() fails beyond the context's precision.
    _, digits, exponent = value.as_tuple()
    places = -exponent if isinstance(exponent, int) else 0
    while places > 2 and digits and digits[-1] == 0:
        digits, places = digits[:-1], places - 1
    if places > 2:
        raise PydanticCustomError(
            "docgen", "金额最多保留2位小数（单位：万元），实际为{value}", {"value": str(value)}
        )
    return value


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise PydanticCustomError("docgen", "不能为负数，实际为{value}", {"value": str(value)})
    return value


def _check_money(value: object) -> Decimal:
    return _non_negative(_money_places(_to_decimal(value)))


def _check_signed_money(value: object) -> Decimal:
    return _money_places(_to_decimal(value))


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_date(value: object) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise PydanticCustomError("docgen", '应为日期文本，格式为 YYYY-MM-DD，如 "2021-05-12"')
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError(
            "docgen", "“{value}”不是真实存在的日期", {"value": value}
        ) from None


def _check_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, Decimal) and value == value.to_integral_value():
            raise PydanticCustomError("docgen", "应为整数（不带小数点）")
        raise PydanticCustomError("docgen", "应为整数（不加引号）")
    if abs(value) >= _MAX_NUMBER:
        raise PydanticCustomError("docgen", "数值过大，请检查")
    return value


def _check_text(value: object) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("docgen", "应为文本（加英文双引号）")
    bad = sorted({f"U+{ord(c):04X}" for c in value if "\ud800" <= c <= "\udfff"})
    if bad:
        raise PydanticCustomError(
            "docgen",
            "含有无效的字符编码（{codes}，孤立的代理字符）；请重新输入该文本",
            {"codes": "、".join(bad)},
        )
    return value


def _check_required_text(value: object) -> str:
    text = _check_text(value)
    if not text.strip():
        raise PydanticCustomError("docgen", "不能为空")
    return text


def _check_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise PydanticCustomError("docgen", "应为 true 或 false（不加引号）")
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_check_money),
    WithJsonSchema({"type": "number", "minimum": 0, "description": "万元，最多2位小数"}),
]
SignedMoney = Annotated[
    Decimal,
    BeforeValidator(_check_signed_money),
    WithJsonSchema({"type": "number", "description": "万元，最多2位小数，可为负数"}),
]
Date = Annotated[
    date,
    BeforeValidator(_check_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]
Count = Annotated[int, BeforeValidator(_check_int), Field(ge=0)]
Text = Annotated[str, BeforeValidator(_check_text)]
RequiredText = Annotated[str, BeforeValidator(_check_required_text), Field(min_length=1)]
Flag = Annotated[bool, BeforeValidator(_check_bool)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# --------------------------------------------------------------------------- the city file


class Contact(_Model):
    name: RequiredText
    title: Text | None = None
    phone: Text | None = None
    mobile: Text | None = None
    wechat: Text | None = None
    fax: Text | None = None
    email: Text | None = None


class Applicant(_Model):
    name: RequiredText
    uscc: Text | None = None
    address: Text | None = None
    postcode: Annotated[str, BeforeValidator(_check_text), Field(pattern=r"^[0-9]{6}$")] | None = (
        None
    )
    legal_representative: Text | None = None
    established_on: Date | None = None
    registered_capital: Money | None = None
    ownership: Text | None = None
    industry: Text | None = None
    listed: Flag | None = None
    stock_code: Text | None = None
    contact: Contact


class PlatformInfo(_Model):
    launched_on: Date
    registered_users: Count | None = None
    annual_orders: Count | None = None
    served_enterprises: Count | None = None


class FinancialYear(_Model):
    year: Annotated[int, BeforeValidator(_check_int), Field(ge=1900, le=2100)]
    operating_revenue: Money
    service_revenue: Money
    total_profit: SignedMoney
    rd_expense: Money
    tax_paid: Money
    employees: Count


class Declarations(_Model):
    independent_legal_person: Flag
    no_major_accident: Flag
    no_violation: Flag


class Section(_Model):
    heading: RequiredText
    text: Text


class Attachment(_Model):
    title: RequiredText
    file: RequiredText


def _check_indicator(value: object) -> str | int | Decimal:
    """An indicator's value: a text, or a number (its type is the edition's, checked by
    ``docgen.rules`` against the row the key names)."""
    if isinstance(value, str):
        return _check_text(value)
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise PydanticCustomError("docgen", "应为数字（不加引号）或文本（加英文双引号）")
    if isinstance(value, int):
        return _check_int(value)
    return _to_decimal(value)


# An indicator's key: one of the edition's (rules.toml [categories.X.subtypes.Y.form]
# indicators), checked by docgen.rules against the application's subtype.
IndicatorKey = Annotated[str, BeforeValidator(_check_text)]
IndicatorValue = Annotated[
    str | int | Decimal,
    BeforeValidator(_check_indicator),
    WithJsonSchema({"type": ["number", "string"]}),
]


# A category or subtype key: one of the edition's (rules.toml [categories]); the file is
# checked against the edition it names (see ``parse_city``), its schema lists them as enums.
ChoiceKey = Annotated[str, BeforeValidator(_check_text)]


def _check_choice(value: str, info: ValidationInfo, kind: str) -> str:
    """``value`` among the edition's ``kind`` ("categories" or "subtypes") when the file is
    validated with its edition's choices as context."""
    choices = (info.context or {}).get(kind)
    if choices is not None and value not in choices:
        raise PydanticCustomError(
            "docgen",
            "取值应为以下之一：{expected}；实际为“{value}”",
            {"expected": ", ".join(choices), "value": value},
        )
    return value


class Application(_Model):
    id: Annotated[
        str, BeforeValidator(_check_text), Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
    ]
    category: ChoiceKey
    subtype: ChoiceKey | None = None
    mode: Text | None = None
    title: Text | None = None
    applicant: Applicant
    platform: PlatformInfo | None = None
    financials: list[FinancialYear] = Field(default_factory=list)
    declarations: Declarations | None = None
    sections: list[Section] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    indicators: dict[IndicatorKey, IndicatorValue] | None = Field(
        default=None,
        description="the indicators the edition asks of the application's subtype, by key",
    )

    @field_validator("category")
    @classmethod
    def _edition_category(cls, value: str, info: ValidationInfo) -> str:
        return _check_choice(value, info, "categories")

    @field_validator("subtype")
    @classmethod
    def _edition_subtype(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else _check_choice(value, info, "subtypes")

    def latest_financials(self) -> FinancialYear | None:
        return max(self.financials, key=lambda f: f.year) if self.financials else None


class CityInfo(_Model):
    name: RequiredText
    division_code: Annotated[str, BeforeValidator(_check_text), Field(pattern=r"^[0-9]{6}$")]
    bureau: RequiredText
    government: RequiredText
    extra_platform_quota: Flag = False
    contact: Contact


class LetterInfo(_Model):
    """The city's submission letter (报送函), all optional: without it the letter is made with a
    blank document number and the edition's wording."""

    number: (
        Annotated[
            str,
            BeforeValidator(_check_text),
            Field(pattern=r"^[0-9]{1,6}$"),
            WithJsonSchema(
                {
                    "type": "string",
                    "pattern": r"^[0-9]{1,6}$",
                    "description": "发文字号中的序号，如 45（柳工信函〔2021〕45号）",
                }
            ),
        ]
        | None
    ) = None
    prefix: Text | None = Field(
        default=None,
        description="机关代字，如 柳工信函；不填则按城市名称推出（柳州市 -> 柳工信函）",
    )
    paragraph: Text | None = Field(
        default=None, description="正文中另加的一段；replace 为 true 时取代版本模板的第一段"
    )
    replace: Flag = False
    recipient: Text | None = Field(default=None, description="主送机关，默认为版本模板中的机关")
    contact: Contact | None = Field(default=None, description="附注中的联系人，默认为 city.contact")


class City(_Model):
    """A city file as loaded. ``base_dir`` is the folder attachment paths are relative to."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
        title="docgen city file (docgen.city/1)",
    )

    schema_: Literal["docgen.city/1"] = Field(alias="schema")
    edition: RequiredText
    submitted_on: Date
    city: CityInfo
    applications: list[Application]
    letter: LetterInfo | None = None

    _base_dir: Path = PrivateAttr(default=Path("."))
    _source: Path | None = PrivateAttr(default=None)
    _sha256: str = PrivateAttr(default="")

    @property
    def base_dir(self) -> Path:
        return self._base_dir

    @property
    def source(self) -> Path | None:
        return self._source

    @property
    def input_sha256(self) -> str:
        return self._sha256


# --------------------------------------------------------------------------- loading


def json_schema(edition: str | None = None, edition_dirs: Sequence[Path] = ()) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the city file for ``edition`` (default: the default
    edition), generated from the model, with the edition's categories and subtypes as enums.
    Raises ``EditionError`` if the edition is missing or broken."""
    from .edition import DEFAULT_EDITION, load_edition

    rules = load_edition(edition or DEFAULT_EDITION, edition_dirs).rules
    choices = edition_choices(rules)
    schema = City.model_json_schema(by_alias=True, mode="validation")
    schema["$id"] = "https://docgen.example/schema/docgen.city-1.json"
    app = schema["$defs"]["Application"]["properties"]
    app["category"] = {"enum": list(choices["categories"]), "title": "Category", "type": "string"}
    app["subtype"] = {
        "anyOf": [{"enum": list(choices["subtypes"]), "type": "string"}, {"type": "null"}],
        "default": None,
        "title": "Subtype",
    }
    app["indicators"] = {
        "anyOf": [_indicators_schema(rules), {"type": "null"}],
        "default": None,
        "title": "Indicators",
        "description": app.get("indicators", {}).get("description", ""),
    }
    return schema


_INDICATOR_SCHEMA: dict[str, dict[str, Any]] = {
    "count": {"type": "integer", "minimum": 0},
    "number": {"type": "number"},
    "text": {"type": "string"},
}


def _indicators_schema(rules: Rules) -> dict[str, Any]:
    """The ``indicators`` object of an application: the edition's keys, each with its type,
    its label and unit, and the subtypes that ask for it."""
    who: dict[str, list[str]] = {}
    for key, cat in rules.categories.items():
        for sub_key, sub in cat.subtypes.items():
            for row in sub.form.indicators if sub.form else ():
                mark = "" if row.required else "（选填）"
                who.setdefault(row.key, []).append(f"{key}/{sub_key}{mark}")
    properties: dict[str, Any] = {}
    for key, row in rules.indicator_rows().items():
        prop = dict(_INDICATOR_SCHEMA[row.type])
        if row.type == "text":
            prop["maxLength"] = row.max_chars
        unit = f"（{row.unit}）" if row.unit else ""
        prop["description"] = f"{row.label}{unit}；{'、'.join(who[key])}"
        properties[key] = prop
    return {"type": "object", "properties": properties, "additionalProperties": False}


def edition_choices(rules: Rules) -> dict[str, tuple[str, ...]]:
    """The category and subtype keys of an edition (subtypes in first-seen order)."""
    cats = rules.categories
    subtypes = dict.fromkeys(key for cat in cats.values() for key in cat.subtypes)
    return {"categories": tuple(cats), "subtypes": tuple(subtypes)}


def _file_choices(data: dict[str, Any], edition_dirs: Sequence[Path]) -> dict[str, Any] | None:
    """The choices of the edition the file names; None when it names none that loads (then
    ``validate`` reports the edition, and checks the categories against it no further)."""
    from .edition import load_edition
    from .errors import EditionError

    edition = data.get("edition")
    if not isinstance(edition, str):
        return None
    try:
        return edition_choices(load_edition(edition, edition_dirs).rules)
    except EditionError:
        return None


def load_city(path: str | Path, edition_dirs: Sequence[Path] = ()) -> City:
    """Read and check a city file; raise ``InputError`` with every problem found."""
    path = Path(path)
    raw = read_city_bytes(path)
    city = parse_city(raw, edition_dirs)
    city._base_dir = path.resolve().parent
    city._source = path
    return city


# A city file is a few hundred KB at most (the samples are under 20 KB); anything beyond this is
# not a city file typed by hand, and reading it whole would only cost memory and time.
MAX_CITY_FILE_BYTES = 50 * 1024 * 1024

_NOT_REGULAR = (
    (stat.S_ISFIFO, "命名管道（FIFO）"),
    (stat.S_ISSOCK, "套接字"),
    (stat.S_ISCHR, "字符设备"),
    (stat.S_ISBLK, "块设备"),
)


def _file_error(message: str) -> InputError:
    return InputError([Finding("（文件）", "error", message)])


def read_city_bytes(path: Path) -> bytes:
    """The bytes of the city file ``path``, or ``InputError`` with the reason in Chinese.

    Only a regular file is read: a folder, a named pipe (FIFO), a socket or a device is refused
    from its ``stat`` without ever being opened (opening a FIFO for reading blocks until a
    writer comes, forever), and so is a file over ``MAX_CITY_FILE_BYTES`` or an empty one."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise _file_error(f"“{path}”是指向不存在文件的链接（快捷方式），无法读取") from None
        raise _file_error(f"找不到文件：{path}") from None
    except OSError as exc:
        raise _file_error(f"无法读取文件“{path}”：{exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise _file_error(f"“{path}”是文件夹，不是城市申报文件")
    _check_regular(path, st)
    try:
        # O_NONBLOCK: should the file have been swapped for a FIFO since the stat, the open
        # still returns at once, and the fstat below refuses it.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise _file_error(f"无法读取文件“{path}”：{exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as fh:
        try:
            _check_regular(path, os.fstat(fd))
            raw = fh.read(MAX_CITY_FILE_BYTES + 1)
        except OSError as exc:
            raise _file_error(f"无法读取文件“{path}”：{exc.strerror or exc}") from None
    if len(raw) > MAX_CITY_FILE_BYTES:
        raise _too_large(path, len(raw))
    if not raw:
        raise InputError(
            [
                Finding(
                    "第1行第1列",
                    "error",
                    f"不是有效的 JSON：文件“{path}”是空的（0 字节）；请确认选对了文件，或重新保存后再试",
                )
            ]
        )
    return raw


def _check_regular(path: Path, st: os.stat_result) -> None:
    for test, kind in _NOT_REGULAR:
        if test(st.st_mode):
            raise _file_error(
                f"“{path}”不是普通文件（是{kind}），docgen 不会读取它；请指定城市申报文件"
            )
    if not stat.S_ISREG(st.st_mode):
        raise _file_error(f"“{path}”不是普通文件，docgen 不会读取它；请指定城市申报文件")
    if st.st_size > MAX_CITY_FILE_BYTES:
        raise _too_large(path, st.st_size)


def _too_large(path: Path, size: int) -> InputError:
    return _file_error(
        f"文件“{path}”过大（{size / 1024 / 1024:.1f} MB）；城市申报文件最大 "
        f"{MAX_CITY_FILE_BYTES // 1024 // 1024} MB，请确认选对了文件"
    )


def parse_city(raw: bytes, edition_dirs: Sequence[Path] = ()) -> City:
    text = _decode(raw)
    try:
        data = json.loads(text, parse_float=Decimal, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as dup:
        raise InputError(
            [
                Finding(
                    "（文件）", "error", f"同一对象中字段“{dup.key}”出现了两次；每个字段只能写一次"
                )
            ]
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            [
                Finding(
                    f"第{exc.lineno}行第{exc.colno}列",
                    "error",
                    f"不是有效的 JSON：{_json_reason(exc.msg)}（第{exc.lineno}行第{exc.colno}列）",
                )
            ]
        ) from None
    except RecursionError:
        raise InputError(
            [Finding("（文件）", "error", "不是有效的城市申报文件：[ ] 或 { } 嵌套层数过多")]
        ) from None
    except ValueError:  # an integer longer than int() accepts (sys.get_int_max_str_digits)
        raise InputError(
            [Finding("（文件）", "error", "文件中有位数过多的数字（数千位），无法读取；请检查数字")]
        ) from None
    if not isinstance(data, dict):
        raise InputError([Finding("（文件）", "error", "文件的最外层应为一个 JSON 对象 {…}")])
    if data.get("schema") != SCHEMA_ID:
        got = data.get("schema")
        shown = "缺少该字段" if got is None else f"实际为“{got}”"
        raise InputError(
            [
                Finding(
                    "schema", "error", f"格式版本应为“{SCHEMA_ID}”，{shown}；本程序只能读取该版本"
                )
            ]
        )
    try:
        city = City.model_validate(data, context=_file_choices(data, edition_dirs))
    except ValidationError as exc:
        raise InputError([_finding(err) for err in exc.errors()]) from None
    city._sha256 = hashlib.sha256(raw).hexdigest()
    return city


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            [
                Finding(
                    "（文件）",
                    "error",
                    "文件是 UTF-16 编码；请在记事本中“另存为”，编码选“UTF-8”后再试",
                )
            ]
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            raw.decode("gbk")
            hint = "看起来是 GBK（中文 Windows 默认）编码。"
        except UnicodeDecodeError:
            pass
        raise InputError(
            [
                Finding(
                    "（文件）",
                    "error",
                    f"文件不是 UTF-8 编码（第{exc.start + 1}个字节无法识别）。{hint}"
                    "请用记事本或 WPS 打开，“另存为”时编码选择“UTF-8”后再试",
                )
            ]
        ) from None


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


_JSON_REASONS = {
    "Expecting value": "此处缺少值",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting property name enclosed in double quotes": "字段名须用英文双引号，或多了一个逗号",
    "Unterminated string starting at": "文本缺少结尾的英文双引号",
    "Extra data": "JSON 结束后还有多余内容",
    "Invalid \\uXXXX escape": "“\\u”后应为4位十六进制数字",
    "Invalid \\escape": "文本中有无效的反斜杠“\\”（路径请用“/”分隔，或写成“\\\\”）",
    "Invalid control character at": "文本中有不允许的控制字符（如直接换行，应写作 \\n）",
}


def _json_reason(msg: str) -> str:
    for key, reason in _JSON_REASONS.items():
        if msg.startswith(key):
            return reason
    return msg


def format_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + ("schema" if part == "schema_" else part)
    return out


_MESSAGES = {
    "missing": "缺少必填字段",
    "literal_error": "取值应为以下之一：{expected}",
    "string_pattern_mismatch": "格式不正确",
    "string_too_short": "不能为空",
    "list_type": "应为列表 […]",
    "model_type": "应为对象 {{…}}",
    "model_attributes_type": "应为对象 {{…}}",
    "dict_type": "应为对象 {{…}}",
    "greater_than_equal": "不能小于{ge}",
    "less_than_equal": "不能大于{le}",
    "string_type": "应为文本（加英文双引号）",
    "bool_type": "应为 true 或 false（不加引号）",
    "int_type": "应为整数",
    "date_type": "应为日期文本 YYYY-MM-DD",
    "decimal_type": "应为数字",
}

_PATTERN_HINTS = {
    "division_code": "应为6位数字的行政区划代码，如 450200",
    "postcode": "应为6位数字的邮政编码，如 545007",
    "id": "应为1–40位的字母、数字、“-”“_”“.”组合（以字母或数字开头），如 LZ-E1",
    "number": '应为发文字号中的序号（1–6位数字，加英文双引号），如 "45"',
}


def _finding(err: Any) -> Finding:
    loc = tuple(err["loc"])
    path = format_path(loc)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "docgen":
        message = err["msg"]
    elif kind == "extra_forbidden":
        field = loc[-1]
        message = f"不认识的字段“{field}”（可能是拼写错误）；请删除或改正"
    elif kind == "string_pattern_mismatch":
        field = next((p for p in reversed(loc) if isinstance(p, str)), "")
        message = _PATTERN_HINTS.get(str(field), "格式不正确")
        message = f"{message}，实际为“{err.get('input')}”"
    elif kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        message = f"取值应为以下之一：{expected}；实际为“{err.get('input')}”"
    else:
        template = _MESSAGES.get(kind)
        message = template.format(**ctx) if template else f"取值不正确（{err['msg']}）"
    return Finding(path or "（文件）", "error", message)
