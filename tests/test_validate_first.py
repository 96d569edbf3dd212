"""Everything `build` would refuse, `validate` refuses first (issue 10, section 4).

A character no font has, an invisible or control character, a text longer than its field's
maximum: `docgen validate` exits 1 naming the field path and the code point (or the maximum),
each character once, and `build` refuses the same city with the same errors. A city with every
limited field at its maximum builds (PDF and Word files).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docgen.build import build_city
from docgen.cli import main
from docgen.edition import field_pattern, load_edition
from docgen.errors import InputError
from docgen.model import load_city
from docgen.printable import FIXED_TEXT_PATH, text_fields

EDITION = load_edition("gx-2021-3")
LIMITS = EDITION.rules.limits

# Text fields with no length limit of their own: each is checked by its format or its list of
# allowed values (and so cannot be long), or is not printed (an attachment's file path).
UNLIMITED = {
    "schema",
    "edition",
    "city.division_code",
    "applications[].id",
    "applications[].category",
    "applications[].subtype",
    "applications[].mode",
    "applications[].applicant.uscc",
    "applications[].applicant.postcode",
    "applications[].attachments[].file",
    "letter.number",  # 1 to 6 digits
}


# --------------------------------------------------------------------------- helpers


def edit(city_file: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = json.loads(city_file.read_text(encoding="utf-8"))
    change(data)
    city_file.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return city_file


def at(data: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """The object holding ``path``'s last key, and that key (``applications[0].applicant.name``)."""
    parts = path.replace("]", "").replace("[", ".").split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    return node, parts[-1]


def set_text(path: str, value: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node, key = at(data, path)
        node[key] = value

    return change


def validate_json(city_file: Path) -> tuple[int, list[dict[str, str]]]:
    """`docgen validate --json`: the exit code and the findings, as a user's script sees them."""
    result = CliRunner().invoke(main, ["validate", "--json", str(city_file)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


def validate_text(city_file: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(city_file)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


def errors_at(findings: list[dict[str, str]], path: str) -> list[str]:
    return [f["message"] for f in findings if f["level"] == "error" and f["path"] == path]


# --------------------------------------------------------------------------- characters

NAME = "applications[0].applicant.name"

# (field, character, expected words in the message); each is one case of a city file with
# that character inserted in the middle of the field's text.
CHARACTERS: list[tuple[str, str, str]] = [
    # no font has them
    (NAME, "😀", "没有任何可用字体"),
    ("city.bureau", "\U0001f3ed", "没有任何可用字体"),
    ("applications[1].sections[0].text", "😀", "没有任何可用字体"),
    # invisible, format and bidi characters
    (NAME, "\u202e", "从右至左强制控制符"),
    (NAME, "\u200d", "零宽连字"),
    (NAME, "\ufeff", "不可见字符"),
    (NAME, "\u200b", "零宽空格"),
    (NAME, "\u00ad", "软连字符"),
    (NAME, "\u3164", "韩文填充符"),
    (NAME, "\u2060", "词连接符"),
    ("city.name", "\u202a", "不可见字符"),
    ("city.government", "\u202b", "不可见字符"),
    ("city.bureau", "\u202c", "不可见字符"),
    ("applications[2].title", "\u202d", "不可见字符"),
    ("applications[0].applicant.address", "\u2066", "隔离"),
    ("applications[0].applicant.industry", "\u2067", "隔离"),
    ("applications[0].sections[0].heading", "\u2068", "隔离"),
    ("applications[0].sections[0].text", "\u2069", "隔离"),
    ("applications[0].attachments[0].title", "\u200e", "从左至右标记"),
    ("city.contact.name", "\u200f", "从右至左标记"),
    ("applications[0].applicant.contact.email", "\u2028", "行分隔符"),
    ("applications[0].applicant.legal_representative", "\ufe0f", "变体选择符"),
    # control characters (C0, DEL, C1), the newline outside the narrative
    (NAME, "\x1b", "控制字符"),
    (NAME, "\x00", "控制字符"),
    (NAME, "\x07", "控制字符"),
    (NAME, "\x7f", "控制字符"),
    (NAME, "\x85", "控制字符"),
    (NAME, "\x9b", "控制字符"),
    (NAME, "\n", "只能写一行"),
    (NAME, "\t", "只能写一行"),
    ("applications[0].sections[0].heading", "\r", "只能写一行"),
    ("applications[0].sections[0].text", "\x1b", "控制字符"),
]


@pytest.mark.parametrize(
    ("path", "ch", "words"), CHARACTERS, ids=[f"{p}-U+{ord(c):04X}" for p, c, _ in CHARACTERS]
)
def test_character_is_reported_once_at_its_field(
    example_copy: Path, path: str, ch: str, words: str
) -> None:
    def change(data: dict[str, Any]) -> None:
        node, key = at(data, path)
        text = node[key]
        node[key] = text[: len(text) // 2] + ch + text[len(text) // 2 :]

    edit(example_copy, change)
    code, findings = validate_json(example_copy)
    assert code == 1
    point = f"U+{ord(ch):04X}"
    mentioning = [f for f in findings if point in f["message"]]
    assert len(mentioning) == 1, f"{point} reported {len(mentioning)} times: {findings}"
    (finding,) = mentioning
    assert finding["path"] == path
    assert finding["level"] == "error"
    assert words in finding["message"]
    assert all(f["path"] != FIXED_TEXT_PATH for f in findings)


def test_several_characters_in_one_name_each_once(example_copy: Path) -> None:
    name = "柳州😀龙城\u202e重型\u200d机械\ufeff股份😀有限公司"
    edit(example_copy, set_text(NAME, name))
    code, findings = validate_json(example_copy)
    assert code == 1
    findings = without_letter_warning(findings)
    assert [f["path"] for f in findings] == [NAME] * 4, findings
    for point in ("U+1F600", "U+202E", "U+200D", "U+FEFF"):
        assert sum(point in f["message"] for f in findings) == 1
    emoji = next(f["message"] for f in findings if "U+1F600" in f["message"])
    assert "第3、15个字符" in emoji  # where, so that a long text can be corrected

    code, text = validate_text(example_copy)
    assert code == 1
    assert "表格固定文字" not in text
    assert text.count(NAME) == 4


def test_build_refuses_what_validate_refuses(example_copy: Path, tmp_path: Path) -> None:
    edit(example_copy, set_text(NAME, "柳州😀龙城\u202e重型机械股份有限公司"))
    _, findings = validate_json(example_copy)
    with pytest.raises(InputError) as refused:
        build_city(example_copy, tmp_path / "out")
    assert [(f.path, f.message) for f in refused.value.errors] == [
        (f["path"], f["message"]) for f in findings if f["level"] == "error"
    ]
    assert not (tmp_path / "out").exists()


def test_newline_and_tab_are_allowed_in_the_narrative(example_copy: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        section = data["applications"][0]["sections"][0]
        section["text"] = "第一段\t内容。\r\n\r\n第二段内容。\n- 一项\n- 两项"

    edit(example_copy, change)
    code, findings = validate_json(example_copy)
    assert code == 0, findings


def test_a_valid_city_still_validates_and_quickly(example_copy: Path) -> None:
    code, findings = validate_json(example_copy)
    assert code == 0
    assert without_letter_warning(findings) == []


def without_letter_warning(findings: list[dict[str, str]]) -> list[dict[str, str]]:
    """The example has no ``letter`` section: validate warns once that the letter's document
    number is left blank for writing in by hand (issue 13). The other findings."""
    letter = [f for f in findings if f["path"] == "letter"]
    assert len(letter) == 1 and letter[0]["level"] == "warning", letter
    # Its city application gives none of its subtype's indicators: one warning, the table
    # printed blank for writing in by hand (tests/test_city_subtypes.py).
    blank = [f for f in findings if f["path"].endswith("].indicators")]
    assert len(blank) <= 1 and all(f["level"] == "warning" for f in blank), blank
    return [f for f in findings if f["path"] != "letter" and f not in blank]


# --------------------------------------------------------------------------- lengths

CJK = (
    "广西壮族自治区柳州市柳南区航岭路十八号龙城重型机械股份有限公司工业和信息化局"
    "人民政府服务型制造示范平台项目设备全生命周期管理共享制造检验检测认证服务"
)
ASCII_KINDS = {"phone", "mobile", "fax", "stock_code", "wechat", "email"}


def realistic(key: str, n: int) -> str:
    """``n`` characters of the kind the field holds: Chinese text, or a phone number, an
    e-mail address, a WeChat id, written without spaces (the hardest case to wrap)."""
    if key in ("phone", "mobile", "fax", "stock_code"):
        unit = "0772-28612345，"
    elif key == "email":
        return ("liangzhenyu.service" * n)[: n - 13] + "@example.cn.x"[: min(13, n)]
    elif key == "wechat":
        unit = "lz_qinxm_2021"
    else:
        unit = CJK
    return (unit * (n // len(unit) + 1))[:n]


def fill_every_field(data: dict[str, Any], length: Callable[[str], int]) -> None:
    """Give every application every optional text field, then set each limited field to
    ``length(pattern)`` characters."""
    for app in data["applications"]:
        applicant = app["applicant"]
        app.setdefault("title", "x")
        for key in ("address", "legal_representative", "ownership", "industry"):
            applicant.setdefault(key, "x")
        if applicant.get("listed") is not None:
            applicant["listed"] = True
            applicant.setdefault("stock_code", "x")
        for contact in (applicant["contact"], data["city"]["contact"]):
            for key in ("title", "phone", "mobile", "wechat", "fax", "email"):
                contact.setdefault(key, "x")
    letter = data.setdefault("letter", {})
    letter.setdefault("number", "45")
    for key in ("prefix", "recipient", "paragraph"):
        letter.setdefault(key, "x")
    letter_contact = letter.setdefault("contact", {"name": "x"})
    for key in ("title", "phone", "mobile", "wechat", "fax", "email"):
        letter_contact.setdefault(key, "x")

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                sub = f"{path}.{key}" if path else key
                if isinstance(value, dict | list):
                    walk(value, sub)
                elif field_pattern(sub) in LIMITS and key != "text":
                    node[key] = realistic(key, length(field_pattern(sub)))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(data, "")


def narrative(n: int) -> str:
    """``n`` characters of narrative: paragraphs of some 300 characters."""
    paragraph = (CJK * 5)[:298] + "。"
    return ("\n\n".join([paragraph] * (n // 300 + 1)))[:n]


def test_every_text_field_has_a_limit_or_a_format() -> None:
    data = json.loads((Path(__file__).parent.parent / "samples/450200/city.json").read_text())
    fill_every_field(data, lambda pattern: 1)
    city = load_city_from(data)
    patterns = {field_pattern(f.path) for f in text_fields(city)}
    assert patterns - set(LIMITS) - UNLIMITED == set(), "a text field without a maximum"
    assert set(LIMITS) <= patterns, "a limit for a field that does not exist"


def load_city_from(data: dict[str, Any]) -> Any:
    from docgen.model import parse_city

    return parse_city(json.dumps(data, ensure_ascii=False).encode("utf-8"))


def test_every_field_at_its_maximum_builds(example_copy: Path, tmp_path: Path) -> None:
    """The maximums are lengths that lay out: every limited field at its maximum at once (and
    one narrative section at its maximum) gives the whole packet, PDF and Word files."""

    def change(data: dict[str, Any]) -> None:
        fill_every_field(data, lambda pattern: LIMITS[pattern])
        data["applications"][0]["sections"][0]["text"] = narrative(
            LIMITS["applications[].sections[].text"]
        )

    edit(example_copy, change)
    city = load_city(example_copy)
    longest: dict[str, int] = {}
    for f in text_fields(city):
        pattern = field_pattern(f.path)
        longest[pattern] = max(longest.get(pattern, 0), len(f.text))
    assert {p: n for p, n in longest.items() if p in LIMITS} == LIMITS  # each one at its max

    code, findings = validate_json(example_copy)
    assert code == 0, [f for f in findings if f["level"] == "error"]
    result = build_city(example_copy, tmp_path / "out")
    names = [f.path for f in result.manifest.files]
    # a form per application and the letter; PDFs of those, the summary and the bundle
    assert sum(n.endswith(".docx") for n in names) == len(city.applications) + 1
    assert sum(n.endswith(".pdf") for n in names) == len(city.applications) + 3
    assert all(len(n.encode("utf-8")) <= 255 for n in names)


@pytest.mark.parametrize("pattern", sorted(LIMITS))
def test_one_character_over_the_maximum_is_refused(example_copy: Path, pattern: str) -> None:
    limit = LIMITS[pattern]
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    fill_every_field(data, lambda p: 1)
    path = next(
        f.path for f in text_fields(load_city_from(data)) if field_pattern(f.path) == pattern
    )
    key = path.rsplit(".", 1)[-1]
    value = narrative(limit + 1) if key == "text" else realistic(key, limit + 1)
    set_text(path, value)(data)
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    code, findings = validate_json(example_copy)
    assert code == 1
    messages = errors_at(findings, path)
    assert len(messages) == 1, findings
    assert f"上限{limit}个字符" in messages[0]
    assert f"共{limit + 1}个字符" in messages[0]
    assert [f for f in findings if f["level"] == "error" and f["path"] != path] == []


@pytest.mark.parametrize(
    ("path", "length"),
    [
        (NAME, 250),  # the Word file's title
        (NAME, 600),
        ("city.bureau", 1000),
        ("applications[0].sections[0].heading", 6000),
    ],
)
def test_the_issue_s_lengths_are_named_at_validate(
    example_copy: Path, tmp_path: Path, path: str, length: int
) -> None:
    edit(example_copy, set_text(path, realistic("name", length)))
    code, text = validate_text(example_copy)
    assert code == 1
    line = next(line for line in text.splitlines() if path in line)
    assert "错误" in line and f"上限{LIMITS[field_pattern(path)]}个字符" in line
    with pytest.raises(InputError):
        build_city(example_copy, tmp_path / "out")


def test_an_edition_sets_its_own_limits(example_copy: Path, tmp_path: Path) -> None:
    """The maximums are the edition's: a later notice's edition can change one in rules.toml."""
    folder = tmp_path / "editions" / "gx-2099-1"
    folder.mkdir(parents=True)
    (folder / "rules.toml").write_text(
        '[edition]\nid = "gx-2099-1"\nextends = "gx-2021-3"\n\n'
        '[limits]\n"applications[].applicant.name" = 10\n',
        encoding="utf-8",
    )
    edit(example_copy, lambda data: data.update(edition="gx-2099-1"))
    old = os.environ.get("DOCGEN_EDITIONS")
    os.environ["DOCGEN_EDITIONS"] = str(tmp_path / "editions")
    try:
        code, findings = validate_json(example_copy)
    finally:
        if old is None:
            del os.environ["DOCGEN_EDITIONS"]
        else:
            os.environ["DOCGEN_EDITIONS"] = old
    assert code == 1
    assert any("上限10个字符" in m for m in errors_at(findings, NAME))
    # the other limits are inherited
    assert load_edition("gx-2021-3").rules.limit("city.bureau") == 50
