"""Every sample city is valid, matches the JSON Schema, and together they cover the notice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from docgen.cli import main
from docgen.model import json_schema, load_city
from docgen.rules import validate

from .conftest import EXAMPLE_DIR, ROOT, sample_files

CODES = [
    "450100",
    "450200",
    "450300",
    "450400",
    "450500",
    "450600",
    "450700",
    "450800",
    "450900",
    "451000",
    "451100",
    "451200",
    "451300",
    "451400",
]


def test_contract_example_is_the_first_sample_unchanged() -> None:
    contract = ROOT.parent / "shared" / "contract" / "city.example.json"
    if contract.exists():
        assert (EXAMPLE_DIR / "city.json").read_bytes() == contract.read_bytes()


def test_all_fourteen_cities_present() -> None:
    codes = [load_city(p).city.division_code for p in sample_files()]
    assert sorted(codes) == CODES


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.parent.name)
def test_sample_is_valid_and_matches_schema(path: Path) -> None:
    city = load_city(path)
    assert [f for f in validate(city) if f.level == "error"] == []
    Draft202012Validator(json_schema()).validate(json.loads(path.read_text(encoding="utf-8")))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output


def test_schema_is_draft_2020_12_and_valid() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["properties"]["schema"]


def test_samples_cover_every_category_and_feature() -> None:
    cities = [load_city(p) for p in sample_files()]
    kinds = {(a.category, a.subtype) for c in cities for a in c.applications}
    assert kinds >= {
        ("enterprise", None),
        ("platform", "shared"),
        ("platform", "other"),
        ("project", None),
        ("city", "design"),
        ("city", "other"),
    }
    assert any(
        c.city.extra_platform_quota
        and sum(a.category == "platform" and a.subtype == "other" for a in c.applications) > 1
        for c in cities
    )
    warned = [f for c in cities for f in validate(c) if "服务收入占营业收入比重" in f.message]
    assert len(warned) >= 1
    longest = max(sum(len(s.text) for s in a.sections) for c in cities for a in c.applications)
    assert longest >= 10000  # past 15 pages of 3号 text (about 600 characters a page)
    codes = [a.applicant.uscc for c in cities for a in c.applications if a.applicant.uscc]
    assert len(codes) == len(set(codes))
