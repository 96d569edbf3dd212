"""Generate the bad city files of tests/data/bad/ from the valid example (samples/450200).

Each ``<name>.json`` is the example with one small change that docgen must refuse (exit 1, a
Chinese message naming the place). ``ok_<name>.json`` files are variants that must be accepted
(possibly with a warning). The example's attachments are copied to ``attachments/`` so that the
paths inside the files (``attachments/LZ-E1/...``) still resolve; broken attachments used by
some cases live in ``attachments/fixtures/``.

The output is deterministic: running the script twice gives the same bytes. Run it with the
project's venv (pypdf is needed for the encrypted PDF)::

    .venv/bin/python tests/data/bad/make_bad.py
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import io
import json
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
EXAMPLE = ROOT / "samples" / "450200"

# GB 32100-2015, written out here independently of docgen.uscc so that the data does not
# depend on the code under test.
_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_check(body: str) -> str:
    total = sum(_CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return _CHARSET[(31 - total % 31) % 31]


def uscc(division: str, seed: str) -> str:
    """A valid 18-character code registered under ``division``, derived from ``seed``."""
    digest = hashlib.sha256(seed.encode()).digest()
    tail = "".join(_CHARSET[b % len(_CHARSET)] for b in digest[:9])
    body = "91" + division + tail
    return body + uscc_check(body)


def wrong_check(code: str) -> str:
    """``code`` with its check character replaced by another valid character."""
    good = code[17]
    other = next(c for c in "0123456789" if c != good)
    return code[:17] + other


# --------------------------------------------------------------------------- helpers

Data = dict[str, Any]
Case = Callable[[Data], "Data | bytes"]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        assert name not in CASES, name
        CASES[name] = fn
        return fn

    return register


def dump(data: Data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def app(d: Data, app_id: str) -> Data:
    return next(a for a in d["applications"] if a["id"] == app_id)


def index(d: Data, app_id: str) -> int:
    return next(i for i, a in enumerate(d["applications"]) if a["id"] == app_id)


def clone(d: Data, app_id: str, new_id: str, **changes: Any) -> Data:
    """A copy of an application with a new id and a new, valid credit code."""
    new = copy.deepcopy(app(d, app_id))
    new["id"] = new_id
    if new["applicant"].get("uscc"):
        new["applicant"]["uscc"] = uscc(d["city"]["division_code"], new_id)
    new["applicant"]["name"] = new["applicant"]["name"] + f"（{new_id}）"
    new.update(changes)
    return new


def insert_after(d: Data, app_id: str, *apps: Data) -> Data:
    i = index(d, app_id) + 1
    d["applications"][i:i] = list(apps)
    return d


def other_platform(d: Data, new_id: str) -> Data:
    return clone(
        d,
        "LZ-P1",
        new_id,
        subtype="other",
        mode="定制化服务",
        title=f"柳州工程机械定制化服务平台（{new_id}）",
    )


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


# --------------------------------------------------------------------------- not JSON, encodings


@case("not_json_brace")
def _(d: Data) -> bytes:
    # The "}" that closes city.contact is typed as "]".
    lines = dump(d).split("\n")
    assert lines[18] == "    }", lines[18]
    lines[18] = "    ]"
    return "\n".join(lines).encode()


@case("not_json_truncated")
def _(d: Data) -> bytes:
    text = dump(d)
    return text[: len(text) // 2].encode()


@case("not_json_windows_backslash")
def _(d: Data) -> bytes:
    # A path typed the Windows way: "\\L" is not a valid JSON escape.
    return replace_once(
        dump(d), '"attachments/LZ-E2/license.pdf"', '"attachments\\LZ-E2\\license.pdf"'
    ).encode()


@case("not_json_empty")
def _(d: Data) -> bytes:
    return b""


@case("not_json_array")
def _(d: Data) -> bytes:
    return (json.dumps([d], ensure_ascii=False, indent=2) + "\n").encode()


@case("duplicate_key")
def _(d: Data) -> bytes:
    return replace_once(
        dump(d), '"edition": "gx-2021-3",', '"edition": "gx-2021-3",\n  "edition": "gx-2021-3",'
    ).encode()


@case("encoding_gbk")
def _(d: Data) -> bytes:
    return dump(d).encode("gbk")


@case("encoding_utf16")
def _(d: Data) -> bytes:
    return dump(d).encode("utf-16")  # with a BOM, as Notepad writes it


# --------------------------------------------------------------------------- schema, edition


@case("schema_wrong")
def _(d: Data) -> Data:
    d["schema"] = "docgen.city/2"
    return d


@case("edition_unknown")
def _(d: Data) -> Data:
    d["edition"] = "gx-2099-1"
    return d


@case("edition_long")
def _(d: Data) -> Data:
    d["edition"] = "gx-" + "2021" * 80
    return d


# --------------------------------------------------------------------------- missing keys


def _delete(d: Data, path: tuple[str | int, ...]) -> Data:
    target: Any = d
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return d


MISSING: dict[str, tuple[str | int, ...]] = {
    "missing_schema": ("schema",),
    "missing_edition": ("edition",),
    "missing_submitted_on": ("submitted_on",),
    "missing_city": ("city",),
    "missing_city_name": ("city", "name"),
    "missing_city_division_code": ("city", "division_code"),
    "missing_city_bureau": ("city", "bureau"),
    "missing_city_government": ("city", "government"),
    "missing_city_contact": ("city", "contact"),
    "missing_applications": ("applications",),
    "missing_app_id": ("applications", 1, "id"),
    "missing_app_category": ("applications", 1, "category"),
    "missing_app_applicant": ("applications", 1, "applicant"),
    "missing_applicant_name": ("applications", 1, "applicant", "name"),
    "missing_applicant_contact": ("applications", 1, "applicant", "contact"),
}
for _name, _path in MISSING.items():
    case(_name)(lambda d, _path=_path: _delete(d, _path))


# --------------------------------------------------------------------------- types and values


@case("type_string_for_number")
def _(d: Data) -> Data:
    app(d, "LZ-E1")["applicant"]["registered_capital"] = "118000"
    return d


@case("type_number_for_date")
def _(d: Data) -> Data:
    d["submitted_on"] = 20210512
    return d


@case("type_string_for_bool")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["applicant"]["listed"] = "true"
    return d


@case("type_number_for_string")
def _(d: Data) -> Data:
    d["city"]["contact"]["phone"] = 7722861234
    return d


@case("money_negative")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["financials"][2]["rd_expense"] = -2230.0
    return d


@case("money_three_decimals")
def _(d: Data) -> bytes:
    return replace_once(dump(d), "180000.0", "180000.125").encode()


@case("money_too_many_digits")
def _(d: Data) -> bytes:
    # 30 digits before the point and 3 after: more than Decimal's default precision.
    return replace_once(dump(d), "180000.0", "123456789012345678901234567890.123").encode()


@case("number_huge_integer")
def _(d: Data) -> bytes:
    # 5000 digits: more than Python's int() accepts by default (4300).
    return replace_once(dump(d), '"employees": 3260', '"employees": ' + "9" * 5000).encode()


@case("nesting_too_deep")
def _(d: Data) -> bytes:
    deep = "[" * 3000 + "]" * 3000
    return replace_once(dump(d), '"sections": [', f'"deep": {deep},\n      "sections": [').encode()


@case("service_revenue_overflow")
def _(d: Data) -> Data:
    row = app(d, "LZ-E1")["financials"][2]
    row["operating_revenue"] = 0.01
    row["service_revenue"] = 10**30
    return d


@case("date_invalid")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["applicant"]["established_on"] = "2021-02-30"
    return d


@case("date_year_one")
def _(d: Data) -> Data:
    d["submitted_on"] = "0001-05-12"
    return d


@case("unknown_key_uscc_code")
def _(d: Data) -> Data:
    applicant = app(d, "LZ-E2")["applicant"]
    applicant["uscc_code"] = applicant.pop("uscc")
    return d


@case("established_after_submitted")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["applicant"]["established_on"] = "2021-06-01"
    return d


@case("listed_without_stock_code")
def _(d: Data) -> Data:
    del app(d, "LZ-E1")["applicant"]["stock_code"]
    return d


@case("applicant_name_blank")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["applicant"]["name"] = "   "
    return d


@case("postcode_five_digits")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["applicant"]["postcode"] = "54561"
    return d


@case("id_with_slash")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["id"] = "../LZ-E2"
    return d


@case("division_code_five_digits")
def _(d: Data) -> Data:
    d["city"]["division_code"] = "45020"
    return d


@case("financial_year_duplicate")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["financials"][1]["year"] = 2018
    return d


# --------------------------------------------------------------------------- credit codes


@case("duplicate_id")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["id"] = "LZ-E1"
    return d


@case("duplicate_uscc")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["applicant"]["uscc"] = app(d, "LZ-E1")["applicant"]["uscc"]
    return d


@case("uscc_bad_check")
def _(d: Data) -> Data:
    applicant = app(d, "LZ-E2")["applicant"]
    applicant["uscc"] = wrong_check(applicant["uscc"])
    return d


@case("uscc_17_chars")
def _(d: Data) -> Data:
    applicant = app(d, "LZ-E2")["applicant"]
    applicant["uscc"] = applicant["uscc"][:17]
    return d


@case("uscc_lowercase")
def _(d: Data) -> Data:
    applicant = app(d, "LZ-E1")["applicant"]
    applicant["uscc"] = applicant["uscc"][:8] + applicant["uscc"][8:].lower()
    return d


@case("uscc_letter_i_o")
def _(d: Data) -> Data:
    # "I" and "O" look like 1 and 0 but are not in the GB 32100 character set.
    body = "91450200IO" + "1234567"
    app(d, "LZ-E2")["applicant"]["uscc"] = body + "X"
    return d


@case("uscc_missing_enterprise")
def _(d: Data) -> Data:
    del app(d, "LZ-E2")["applicant"]["uscc"]
    return d


# --------------------------------------------------------------------------- quotas


@case("quota_enterprise_3")
def _(d: Data) -> Data:
    return insert_after(d, "LZ-E2", clone(d, "LZ-E2", "LZ-E3"))


@case("quota_shared_platform_2")
def _(d: Data) -> Data:
    return insert_after(d, "LZ-P1", clone(d, "LZ-P1", "LZ-P2", title="柳州机械加工共享制造平台"))


@case("quota_other_platform_2_no_extra")
def _(d: Data) -> Data:
    d["city"]["extra_platform_quota"] = False
    return insert_after(d, "LZ-P1", other_platform(d, "LZ-P2"), other_platform(d, "LZ-P3"))


@case("quota_other_platform_4_extra")
def _(d: Data) -> Data:
    assert d["city"]["extra_platform_quota"] is True
    others = [other_platform(d, f"LZ-P{n}") for n in (2, 3, 4, 5)]
    return insert_after(d, "LZ-P1", *others)


@case("quota_project_2")
def _(d: Data) -> Data:
    return insert_after(d, "LZ-J1", clone(d, "LZ-J1", "LZ-J2", title="柳江共享铸造中心项目"))


@case("quota_city_2")
def _(d: Data) -> Data:
    return insert_after(d, "LZ-C1", clone(d, "LZ-C1", "LZ-C2", subtype="design"))


# --------------------------------------------------------------------------- modes


@case("mode_enterprise_shared")
def _(d: Data) -> Data:
    app(d, "LZ-E1")["mode"] = "共享制造"
    return d


@case("mode_project_turnkey")
def _(d: Data) -> Data:
    app(d, "LZ-J1")["mode"] = "总集成总承包"
    return d


@case("mode_shared_platform_custom")
def _(d: Data) -> Data:
    app(d, "LZ-P1")["mode"] = "定制化服务"
    return d


@case("mode_other_platform_shared")
def _(d: Data) -> Data:
    p = other_platform(d, "LZ-P2")
    p["mode"] = "共享制造"
    return insert_after(d, "LZ-P1", p)


@case("mode_unknown")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["mode"] = "服务外包"
    return d


@case("mode_missing")
def _(d: Data) -> Data:
    del app(d, "LZ-E2")["mode"]
    return d


# --------------------------------------------------------------------------- platforms


@case("platform_too_young")
def _(d: Data) -> Data:
    assert d["submitted_on"] == "2021-05-12"
    app(d, "LZ-P1")["platform"]["launched_on"] = "2019-05-13"  # 1 year 364 days before
    return d


@case("platform_block_missing")
def _(d: Data) -> Data:
    del app(d, "LZ-P1")["platform"]
    return d


@case("platform_title_missing")
def _(d: Data) -> Data:
    del app(d, "LZ-P1")["title"]
    return d


@case("platform_subtype_missing")
def _(d: Data) -> Data:
    del app(d, "LZ-P1")["subtype"]
    return d


# --------------------------------------------------------------------------- declarations


for _field in ("independent_legal_person", "no_major_accident", "no_violation"):

    def _false(d: Data, _field: str = _field) -> Data:
        app(d, "LZ-E2")["declarations"][_field] = False
        return d

    case(f"declaration_{_field}_false")(_false)


# --------------------------------------------------------------------------- financials


@case("financials_on_city")
def _(d: Data) -> Data:
    app(d, "LZ-C1")["financials"] = copy.deepcopy(app(d, "LZ-E2")["financials"])
    return d


@case("service_over_operating")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["financials"][2]["service_revenue"] = 51500.01
    return d


# --------------------------------------------------------------------------- attachments


def _attachment(file: str) -> Case:
    def mutate(d: Data) -> Data:
        app(d, "LZ-E2")["attachments"].append({"title": "补充材料", "file": file})
        return d

    return mutate


ATTACHMENT_CASES = {
    "attachment_missing": "attachments/LZ-E2/missing.pdf",
    "attachment_directory": "attachments/fixtures/folder.pdf",
    "attachment_text_as_pdf": "attachments/fixtures/text.pdf",
    "attachment_encrypted_pdf": "attachments/fixtures/encrypted.pdf",
    "attachment_truncated_pdf": "attachments/fixtures/truncated.pdf",
    "attachment_empty_pdf": "attachments/fixtures/empty.pdf",
    "attachment_truncated_jpeg": "attachments/fixtures/truncated.jpg",
    "attachment_parent_dir": "../../etc/passwd",
    "attachment_absolute": "/etc/hosts",
    "attachment_name_too_long": "attachments/LZ-E2/" + "营业执照" * 80 + ".pdf",
    "attachment_nul_in_path": "attachments/LZ-E2/license.pdf\u0000.txt",
}
for _name, _file in ATTACHMENT_CASES.items():
    case(_name)(_attachment(_file))


@case("attachment_lone_surrogate")
def _(d: Data) -> bytes:
    # "\\ud800" is valid JSON syntax but not a character: Python reads it as a lone surrogate.
    _attachment("attachments/LZ-E2/SURROGATE.pdf")(d)
    return replace_once(dump(d), "SURROGATE", "\\ud800").encode()


# --------------------------------------------------------------------------- accepted variants


@case("ok_bom")
def _(d: Data) -> bytes:
    return b"\xef\xbb\xbf" + dump(d).encode()


@case("ok_low_service_share")
def _(d: Data) -> Data:
    # 43866.5 / 180000 = 24.3702...%  ->  "24.37%"
    app(d, "LZ-E1")["financials"][2]["service_revenue"] = 43866.5
    return d


@case("ok_uscc_other_city")
def _(d: Data) -> Data:
    app(d, "LZ-E2")["applicant"]["uscc"] = uscc("450100", "LZ-E2 Nanning")
    return d


@case("ok_late_submission")
def _(d: Data) -> Data:
    d["submitted_on"] = "2021-05-20"
    return d


@case("ok_platform_exactly_two_years")
def _(d: Data) -> Data:
    assert d["submitted_on"] == "2021-05-12"
    app(d, "LZ-P1")["platform"]["launched_on"] = "2019-05-12"
    return d


# --------------------------------------------------------------------------- fixtures


def _deterministic_token_bytes() -> Callable[[int], bytes]:
    counter = 0

    def token_bytes(n: int = 32) -> bytes:
        nonlocal counter
        counter += 1
        return hashlib.sha256(b"docgen-bad-%d" % counter).digest()[:n]

    return token_bytes


def encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    # pypdf draws the document ID from `secrets`; fix it so the bytes are reproducible.
    with mock.patch.object(secrets, "token_bytes", _deterministic_token_bytes()):
        writer = PdfWriter()
        writer.add_blank_page(width=72, height=72)
        writer.encrypt(user_password="secret", owner_password="secret", algorithm="RC4-128")
        out = io.BytesIO()
        writer.write(out)
    return out.getvalue()


def write_fixtures(out: Path) -> None:
    attachments = out / "attachments"
    fixtures = attachments / "fixtures"
    if attachments.exists():
        shutil.rmtree(attachments)
    shutil.copytree(EXAMPLE / "attachments", attachments)
    fixtures.mkdir()
    pdf = (EXAMPLE / "attachments" / "LZ-E1" / "license.pdf").read_bytes()
    jpeg = (EXAMPLE / "attachments" / "LZ-E1" / "network-map.jpg").read_bytes()
    (fixtures / "encrypted.pdf").write_bytes(encrypted_pdf())
    (fixtures / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    (fixtures / "text.pdf").write_bytes("这不是 PDF，只是一个改了扩展名的文本文件。\n".encode())
    (fixtures / "empty.pdf").write_bytes(b"")
    (fixtures / "truncated.jpg").write_bytes(jpeg[:2048])
    folder = fixtures / "folder.pdf"
    folder.mkdir()
    # git does not keep empty folders.
    (folder / "README.txt").write_text("这是一个名字像 PDF 的文件夹。\n", encoding="utf-8")


def generate(out: Path = HERE) -> dict[str, bytes]:
    """Write every case (and the fixtures) into ``out``; return the city files' bytes by name."""
    source = json.loads((EXAMPLE / "city.json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    write_fixtures(out)
    files: dict[str, bytes] = {}
    for name, mutate in CASES.items():
        result = mutate(copy.deepcopy(source))
        raw = result if isinstance(result, bytes) else dump(result).encode()
        (out / f"{name}.json").write_bytes(raw)
        files[f"{name}.json"] = raw
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    out = parser.parse_args().out
    generate(out)
    bad = sum(1 for n in CASES if not n.startswith("ok_"))
    print(f"wrote {bad} bad and {len(CASES) - bad} accepted city files to {out}")


if __name__ == "__main__":
    main()
