"""Random damage to the valid example never crashes loading or validation.

Whatever is done to the example (a key deleted at any depth, a value replaced by one of another
type, a list element duplicated, the text cut short, a byte flipped), ``parse_city`` +
``validate`` either return findings or raise ``docgen.InputError`` whose findings all say where
and what. Any other exception is a bug.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docgen import InputError
from docgen.errors import Finding
from docgen.model import parse_city
from docgen.rules import validate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DIR = ROOT / "samples" / "450200"
SOURCE: dict[str, Any] = json.loads((EXAMPLE_DIR / "city.json").read_text(encoding="utf-8"))

Path_ = tuple[str | int, ...]


class Raw:
    """A JSON token written verbatim (numbers json.dumps cannot or will not produce)."""

    def __init__(self, token: str):
        self.token = token

    def __repr__(self) -> str:
        return f"Raw({self.token[:40]!r}{'…' if len(self.token) > 40 else ''})"


RAW_TOKENS = [
    "9" * 5000,  # more digits than int() accepts by default
    "1e999999999",
    "-1e999999999",
    "1E-400",
    "123456789012345678901234567890.123",  # more digits than Decimal's precision
    "1" + "0" * 40,
    "-0",
    "0.000",
    "[" * 2000 + "]" * 2000,  # deeper than the JSON parser's recursion limit
    '{"a":' * 1500 + "1" + "}" * 1500,
]

# --------------------------------------------------------------------------- value strategies

control = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), min_size=1)
emoji = st.text(alphabet=st.sampled_from("😀🎉👍🇨🇳🏭𠀀𪚥\u200d\ufe0f"), min_size=1)
long_text = st.builds(
    lambda n, c: c * n, st.integers(1_000, 60_000), st.sampled_from(["长", "a", "/", "\x00", "😀"])
)
odd_text = st.sampled_from(
    [
        "",
        " ",
        "NaN",
        "Infinity",
        "-inf",
        "1e999",
        "true",
        "null",
        "2021-02-30",
        "0001-01-01",
        "9999-12-31",
        "２０２１-０５-１２",
        "４５０２００",
        "../../etc/passwd",
        "/etc/hosts",
        "C:\\Windows\\win.ini",
        "attachments",
        "attachments/LZ-E1/license.pdf",
        "\ud800",
        "a\x00b",
        "\u202eevil",
        "=1+1",
        "gx-2021-3",
        "docgen.city/1",
        "enterprise",
        "platform",
        "shared",
        "共享制造",
    ]
)
texts = st.one_of(st.text(max_size=30), control, emoji, long_text, odd_text)
ints = st.one_of(
    st.integers(),
    st.sampled_from([0, -1, 1, 1900, 2021, 2101, 2**31, 2**63, -(2**63), 10**30, 10**400]),
)
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -0.0, 5e-324, 0.125, 180000.123, 0.01, 1e30]),
)
raws = st.sampled_from(RAW_TOKENS).map(Raw)
scalars = st.one_of(st.none(), st.booleans(), ints, floats, texts, raws)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), odd_text), children, max_size=4),
    ),
    max_leaves=10,
)

SAME_KIND = {
    "str": texts,
    "int": st.one_of(ints, raws),
    "float": st.one_of(floats, ints, raws),
    "bool": st.booleans(),
}


def kind(value: object) -> str:
    if isinstance(value, Raw):
        return "raw"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    return type(value).__name__


# --------------------------------------------------------------------------- mutations


def walk(node: object, prefix: Path_ = ()) -> list[Path_]:
    """Every path below ``node`` (not the node itself)."""
    out: list[Path_] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*prefix, key))
            out += walk(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append((*prefix, i))
            out += walk(value, (*prefix, i))
    return out


def get(doc: Any, path: Path_) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def serialize(doc: object, *, ascii_only: bool) -> bytes:
    raws: list[str] = []

    def default(value: object) -> str:
        if isinstance(value, Raw):
            raws.append(value.token)
            return f"@@RAW{len(raws) - 1}@@"
        raise TypeError(type(value))

    # Raw objects are turned into placeholder strings, then replaced by their tokens.
    text = json.dumps(doc, ensure_ascii=ascii_only, indent=2, default=default)
    for n, token in enumerate(raws):
        text = text.replace(f'"@@RAW{n}@@"', token, 1)
    # Lone surrogates (from "\ud800" values) become CESU bytes: not valid UTF-8.
    return text.encode("utf-8", "surrogatepass")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}…({len(text)})"


class Mutant:
    """The damaged file's bytes and, for a readable failure report, what was done."""

    def __init__(self, raw: bytes, ops: list[str]):
        self.raw = raw
        self.ops = ops

    def __repr__(self) -> str:
        return f"Mutant({len(self.raw)} bytes: {'; '.join(self.ops)})"


@st.composite
def mutated(draw: st.DrawFn) -> Mutant:
    doc: Any = copy.deepcopy(SOURCE)
    ops: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["delete", "replace", "replace", "tweak", "duplicate"]))
        # Deepest-last order would make Hypothesis favour "schema" (index 0); reverse it.
        paths = walk(doc)[::-1]
        if op == "delete":
            keys = [p for p in paths if isinstance(p[-1], str)]
            if keys:
                path = draw(st.sampled_from(keys))
                del get(doc, path[:-1])[path[-1]]
                ops.append(f"delete {list(path)}")
        elif op == "replace":
            path = draw(st.sampled_from([*paths, ()]))
            old = get(doc, path)
            new = draw(json_values.filter(lambda v, old=old: kind(v) != kind(old)))
            if path:
                get(doc, path[:-1])[path[-1]] = new
            else:
                doc = new
            ops.append(f"replace {list(path)} = {_short(new)}")
        elif op == "tweak" and paths:
            # A value of the same type but odd: loads more often, so the rules see it.
            path = draw(st.sampled_from(paths))
            old = get(doc, path)
            if kind(old) in SAME_KIND:
                new = draw(SAME_KIND[kind(old)])
                get(doc, path[:-1])[path[-1]] = new
                ops.append(f"tweak {list(path)} = {_short(new)}")
        elif op == "duplicate":
            lists = [p for p in [*paths, ()] if isinstance(get(doc, p), list) and get(doc, p)]
            if lists:
                path = draw(st.sampled_from(lists))
                target = get(doc, path)
                i = draw(st.integers(0, len(target) - 1))
                at = draw(st.integers(0, len(target)))
                target.insert(at, copy.deepcopy(target[i]))
                ops.append(f"duplicate {list(path)}[{i}] at {at}")
    ascii_only = draw(st.booleans())
    raw = serialize(doc, ascii_only=ascii_only)
    ops.append("ascii" if ascii_only else "utf-8")
    tail = draw(st.sampled_from(["none", "none", "none", "truncate", "flip"]))
    if tail == "truncate":
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut]
        ops.append(f"truncate at {cut}")
    elif tail == "flip" and raw:
        pos = draw(st.integers(0, len(raw) - 1))
        mask = draw(st.integers(1, 255))
        raw = raw[:pos] + bytes([raw[pos] ^ mask]) + raw[pos + 1 :]
        ops.append(f"flip byte {pos} ^ {mask:#04x}")
    return Mutant(raw, ops)


# --------------------------------------------------------------------------- the property


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example's folder, so that the attachments resolve."""
    folder = tmp_path_factory.mktemp("example") / "450200"
    shutil.copytree(EXAMPLE_DIR, folder)
    return folder


def _check_finding(f: Finding) -> None:
    assert isinstance(f, Finding)
    assert f.path and f.path.strip(), f
    assert f.message and f.message.strip(), f
    assert f.level in ("error", "warning"), f


def load_and_validate(raw: bytes, base_dir: Path) -> list[Finding] | None:
    """Findings of a city that loads; None when it is refused with InputError."""
    try:
        city = parse_city(raw)
    except InputError as exc:
        assert exc.findings, "InputError without findings"
        for f in exc.findings:
            _check_finding(f)
        assert any(f.level == "error" for f in exc.findings)
        return None
    city._base_dir = base_dir  # what load_city does for a file in base_dir
    findings = validate(city)
    assert isinstance(findings, list)
    for f in findings:
        _check_finding(f)
    return findings


def test_example_loads(base_dir: Path) -> None:
    raw = (EXAMPLE_DIR / "city.json").read_bytes()
    # the example has no letter section (its number is left blank) and its city application
    # gives no indicators (the table is printed blank): one warning each
    letter_only = [("applications[4].indicators", "warning"), ("letter", "warning")]
    assert [(f.path, f.level) for f in load_and_validate(raw, base_dir)] == letter_only
    ascii_raw = serialize(SOURCE, ascii_only=True)
    assert [(f.path, f.level) for f in load_and_validate(ascii_raw, base_dir)] == letter_only


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(mutant=mutated())
def test_mutations_never_crash(base_dir: Path, mutant: Mutant) -> None:
    load_and_validate(mutant.raw, base_dir)


# --------------------------------------------------------------------------- known crashers


def _with(change: Any) -> bytes:
    doc = copy.deepcopy(SOURCE)
    change(doc)
    return serialize(doc, ascii_only=False)


def _set(path: Path_, value: object):
    def change(doc: Any) -> None:
        get(doc, path[:-1])[path[-1]] = value

    return change


def _both(*changes: Any):
    def change(doc: Any) -> None:
        for c in changes:
            c(doc)

    return change


E1_2020 = ("applications", 0, "financials", 2)

# Inputs the property test has found (or would find) that once escaped as other exceptions.
CRASHERS = {
    "huge_integer": _with(_set((*E1_2020, "employees"), Raw("9" * 5000))),
    "deep_nesting": _with(_set(("applications", 0, "sections"), Raw("[" * 2000 + "]" * 2000))),
    "money_beyond_decimal_precision": _with(
        _set((*E1_2020, "operating_revenue"), Raw("123456789012345678901234567890.123"))
    ),
    "service_share_overflow": _with(
        _both(
            _set((*E1_2020, "operating_revenue"), 0.01),
            _set((*E1_2020, "service_revenue"), 10**30),
        )
    ),
    "submitted_year_one": _with(_set(("submitted_on",), "0001-05-12")),
    "submitted_year_two_feb": _with(_set(("submitted_on",), "0002-02-28")),
    "attachment_name_too_long": _with(
        _set(("applications", 0, "attachments", 0, "file"), "a" * 300 + ".pdf")
    ),
    "attachment_path_too_long": _with(
        _set(("applications", 0, "attachments", 0, "file"), ("a" * 200 + "/") * 30 + "x.pdf")
    ),
    "edition_too_long": _with(_set(("edition",), "x" * 300)),
}


@pytest.mark.parametrize("name", sorted(CRASHERS))
def test_known_crasher(base_dir: Path, name: str) -> None:
    load_and_validate(CRASHERS[name], base_dir)
