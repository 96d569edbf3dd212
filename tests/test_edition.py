"""Editions are data: a new notice's rules are a folder, not code."""

from __future__ import annotations

import json
from pathlib import Path

from docgen.edition import available, load_edition
from docgen.model import load_city
from docgen.rules import validate

from .conftest import DATA


def test_seed_edition_numbers_come_from_rules_toml() -> None:
    ed = load_edition("gx-2021-3")
    assert ed.rules.categories["enterprise"].quota == 2
    assert ed.rules.categories["platform"].subtypes["other"].extra_quota == 3
    assert str(ed.rules.thresholds.service_share_min_percent) == "30"
    assert ed.rules.edition.deadline.isoformat() == "2021-05-15"
    assert "共享制造" not in ed.rules.categories["enterprise"].modes


def test_second_edition_changes_a_quota_without_code(example_copy: Path) -> None:
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    first = data["applications"][0]
    for n in range(3):
        extra = json.loads(json.dumps(first))
        extra["id"] = f"LZ-E9{n}"
        from docgen.uscc import make

        extra["applicant"]["uscc"] = make(f"91450200TEAM000{n}X")
        data["applications"].append(extra)
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    city = load_city(example_copy)
    seed = validate(city)
    assert any(f.level == "error" and "最多2个" in f.message for f in seed)
    dirs = [DATA / "editions"]
    assert "gx-test-bigquota" in available(dirs)
    data["edition"] = "gx-test-bigquota"
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    city = load_city(example_copy)
    assert [f for f in validate(city, edition_dirs=dirs) if f.level == "error"] == []
