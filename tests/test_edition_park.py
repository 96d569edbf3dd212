"""A new category is edition data: the test edition gx-test-park adds 示范园区 (``park``) with its
own fields, labels, quota and seal in its rules.toml alone, and a full packet builds from a city
file using it, with no Python change. And no category or subtype key is decided in code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner

from docgen.cli import main
from docgen.edition import check_folder
from docgen.model import json_schema, load_city
from docgen.rules import validate

from .conftest import DATA

EDITIONS = DATA / "editions"
ROOT = Path(__file__).resolve().parent.parent

PARK = {
    "id": "LZ-Y1",
    "category": "park",
    "mode": "共享制造",
    "title": "柳东智能制造示范园区",
    "applicant": {
        "name": "柳州柳东园区运营管理有限公司",
        "uscc": "91450200MA5KD8EA2Y",
        "address": "广西壮族自治区柳州市柳东新区园区大道8号",
        "postcode": "545616",
        "legal_representative": "韦建国",
        "established_on": "2012-03-01",
        "registered_capital": 50000,
        "ownership": "国有企业",
        "industry": "园区运营管理",
        "listed": False,
        "contact": {"name": "黄立", "title": "招商部经理", "phone": "0772-3110000"},
    },
    "declarations": {
        "independent_legal_person": True,
        "no_major_accident": True,
        "no_violation": True,
    },
    "sections": [{"heading": "园区基本情况", "text": "园区聚集智能制造企业120家。"}],
}


def _park_city(example_copy: Path, parks: int = 1) -> Path:
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    data["edition"] = "gx-test-park"
    apps = [a for a in data["applications"] if a["category"] != "city"][:1]
    for n in range(parks):
        park = json.loads(json.dumps(PARK))
        park["id"] = f"LZ-Y{n + 1}"
        if n:
            park["applicant"]["uscc"] = "91450200MA5KD8EB0R"
            park["applicant"]["name"] += f"{n + 1}"
        apps.append(park)
    data["applications"] = apps
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return example_copy


@pytest.fixture()
def park_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("DOCGEN_EDITIONS", str(EDITIONS))
    return {"DOCGEN_EDITIONS": str(EDITIONS)}


def test_the_park_edition_checks_clean_and_its_schema_lists_park(park_env: object) -> None:
    assert check_folder(EDITIONS / "gx-test-park") == []
    schema = json_schema("gx-test-park")
    app = schema["$defs"]["Application"]["properties"]
    assert app["category"]["enum"] == ["enterprise", "platform", "project", "city", "park"]
    # the default edition's schema is unchanged: no park
    assert "park" not in json_schema()["$defs"]["Application"]["properties"]["category"]["enum"]
    result = CliRunner().invoke(main, ["schema", "--edition", str(EDITIONS / "gx-test-park")])
    assert result.exit_code == 0, result.output
    assert (
        "park"
        in json.loads(result.output)["$defs"]["Application"]["properties"]["category"]["enum"]
    )


def test_park_is_refused_by_the_default_edition(example_copy: Path) -> None:
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    data["applications"].append(PARK)
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(example_copy)])
    assert result.exit_code == 1
    assert "取值应为以下之一：enterprise, platform, project, city；实际为“park”" in result.output


def test_a_city_file_with_a_park_validates(example_copy: Path, park_env: object) -> None:
    city = load_city(_park_city(example_copy))
    findings = validate(city)
    assert [f for f in findings if f.level == "error"] == []


def test_the_park_quota_is_the_editions(example_copy: Path, park_env: object) -> None:
    city = load_city(_park_city(example_copy, parks=2))
    errors = [f for f in validate(city) if f.level == "error"]
    assert [f.path for f in errors] == ["applications[2].category"]
    assert "示范园区共2个" in errors[0].message and "最多1个" in errors[0].message


def test_a_full_packet_builds_with_a_park(
    example_copy: Path, park_env: dict[str, str], tmp_path: Path
) -> None:
    path = _park_city(example_copy)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(path), "-o", str(out)], env=park_env)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    form = next(d for d in manifest["documents"] if d["application_id"] == "LZ-Y1")
    assert form["category"] == "park"
    with pdfplumber.open(out / form["pdf"]) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    squeezed = re.sub(r"\s+", "", text)
    for label in ("园区名称", "园区运营单位（盖章）", "申报园区基本情况", "园区地址"):
        assert label in squeezed, label
    assert "☑示范园区" in squeezed or "示范园区" in squeezed
    assert "柳东智能制造示范园区" in squeezed
    # the park's own seal: the applicant's, with the edition's diameter on the commitment page
    slots = [s for s in form["seal_slots"] if s["seal"] == "applicant"]
    assert slots and any(s["diameter_mm"] == 40 for s in slots), slots
    # the summary table's row, and the quota check against the park's quota
    with pdfplumber.open(out / manifest["summary"]["pdf"]) as pdf:
        summary = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pdf.pages))
    assert "示范园区" in summary and PARK["applicant"]["uscc"] in summary
    # the quota check (in the build report, the workbook's 名额核对 sheet) counts the park
    from openpyxl import load_workbook

    book = load_workbook(out / manifest["summary"]["xlsx"])
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert "示范园区" in cells


def test_a_category_label_missing_from_form_toml_is_reported_with_file_and_key(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "eds" / "gx-test-park2"
    folder.mkdir(parents=True)
    text = (EDITIONS / "gx-test-park" / "rules.toml").read_text(encoding="utf-8")
    text = text.replace('id = "gx-test-park"', 'id = "gx-test-park2"')
    text = text.replace('label = "contact" }', 'label = "park_contact" }')
    (folder / "rules.toml").write_text(text, encoding="utf-8")
    problems = check_folder(folder)
    joined = "\n".join(problems)
    assert "gx-test-park2/rules.toml" in joined
    assert "[categories.park.form] basic 第7行 applicant.contact.name" in joined
    assert "park_contact" in joined and "[basic]" in joined
    # a field the engine does not know is the model's error, with its place
    (folder / "rules.toml").write_text(
        text.replace('["category", "mode"]', '["category", "nonsense"]'), encoding="utf-8"
    )
    joined = "\n".join(check_folder(folder))
    assert "rules.toml" in joined and "basic" in joined and "nonsense" in joined, joined


# Modules that turn an edition into documents decide nothing by a category or subtype key.
# ("city" and "other" are words of their own too: a column key, a path; they are caught as a
# category or subtype compared by the first pattern.)
_KEYS = r"(enterprise|platform|project|park|shared|design)"
_SMELLS = (
    re.compile(r"\b(category|subtype)\s*[!=]=\s*[\"']"),
    re.compile(r"[\"']" + _KEYS + r"[\"']\s*(==|!=|in\b)"),
    re.compile(r"(==|!=)\s*[\"']" + _KEYS + r"[\"']"),
    re.compile(r"[\"'](enterprise|platform|project|shared|design)[\"']"),
)


@pytest.mark.parametrize(
    "module",
    [
        "docgen/rules.py",
        *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docgen" / "compose").glob("*.py")),
        *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docgen" / "render").glob("*.py")),
    ],
)
def test_no_category_key_decides_anything_in_code(module: str) -> None:
    source = (ROOT / module).read_text(encoding="utf-8")
    hits = [
        f"{module}:{n}: {line.strip()}"
        for n, line in enumerate(source.splitlines(), 1)
        if not line.lstrip().startswith("#") and any(s.search(line) for s in _SMELLS)
    ]
    assert hits == []
