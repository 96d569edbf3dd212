"""`docgen batch`: isolation, cross-city checks, province summary, incremental rebuilds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from docgen.build import build_city
from docgen.uscc import make

from .conftest import SAMPLES

DOCGEN = Path(sys.executable).parent / "docgen"
BROKEN = "451400"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DOCGEN), "batch", *args], capture_output=True, text=True, timeout=600
    )


def _report(out: Path) -> dict[str, Any]:
    return json.loads((out / "batch-report.json").read_text(encoding="utf-8"))


def _status(out: Path) -> dict[str, str]:
    return {c["division_code"]: c["status"] for c in _report(out)["cities"]}


def _break(city_file: Path) -> bytes:
    """Give the first application a wrong check character; return the original bytes."""
    original = city_file.read_bytes()
    data = json.loads(original)
    code = data["applications"][0]["applicant"]["uscc"]
    data["applications"][0]["applicant"]["uscc"] = code[:17] + ("0" if code[17] != "0" else "1")
    city_file.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return original


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The 14 samples with one broken city, batched once; then the city fixed and batched again."""
    root = tmp_path_factory.mktemp("batch")
    inp = root / "in"
    shutil.copytree(SAMPLES, inp, ignore=shutil.ignore_patterns("*.py", "*.md"))
    original = _break(inp / BROKEN / "city.json")
    out = root / "out"
    first = _run(str(inp), "-o", str(out), "-j", "2")
    first_status = _status(out)
    first_counts = _counts(out)
    (inp / BROKEN / "city.json").write_bytes(original)
    second = _run(str(inp), "-o", str(out), "-j", "2")
    return {
        "in": inp,
        "out": out,
        "first": first,
        "first_status": first_status,
        "first_counts": first_counts,
        "second": second,
    }


def _counts(out: Path) -> dict[str, tuple[Any, ...]]:
    """The province summary's counts sheet: city name -> the rest of its row."""
    ws = load_workbook(out / "province" / "全区申报汇总表.xlsx").worksheets[1]
    return {r[0]: tuple(r[1:]) for r in ws.iter_rows(min_row=3, values_only=True) if r[0]}


def test_one_broken_city_does_not_stop_the_others(province: dict[str, Any]) -> None:
    first = province["first"]
    assert first.returncode == 1
    assert "Traceback" not in first.stdout + first.stderr
    status = province["first_status"]
    assert status[BROKEN] == "invalid"
    assert sorted(k for k, v in status.items() if v == "built") == sorted(
        p.parent.name for p in SAMPLES.glob("*/city.json") if p.parent.name != BROKEN
    )
    assert "applications[0].applicant.uscc" in first.stdout


def test_the_broken_city_shows_as_failed_in_the_province_summary(
    province: dict[str, Any],
) -> None:
    first = province["first_counts"]
    assert first["崇左市"][0] == "生成失败"  # 451400, the broken city
    assert sum(row[0] == "生成失败" for row in first.values()) == 1
    assert not any(row[0] == "未提交" for row in first.values())
    second = _counts(province["out"])
    assert second["崇左市"][0] != "生成失败"
    assert len([name for name in second if name.endswith("市")]) == 14


def test_fixed_city_alone_is_rebuilt_and_all_fourteen_are_there(province: dict[str, Any]) -> None:
    second = province["second"]
    assert second.returncode == 0, second.stdout + second.stderr
    status = _status(province["out"])
    assert status[BROKEN] == "built"
    assert sum(v == "skipped" for v in status.values()) == 13
    for code in status:
        assert (province["out"] / code / "bundle.pdf").exists()
    report = _report(province["out"])
    assert report["ok"] is True
    assert report["totals"]["pages"] == sum(c["pages"] for c in report["cities"])


def test_province_summary_counts_equal_the_cities(province: dict[str, Any]) -> None:
    out = province["out"]
    wb = load_workbook(out / "province" / "全区申报汇总表.xlsx")
    listing = wb.worksheets[0]
    listed_codes = {
        c.value
        for row in listing.iter_rows()
        for c in row
        if isinstance(c.value, str) and len(c.value) == 18 and c.value.startswith("91")
    }
    expected: set[str] = set()
    for code_dir in sorted(p for p in out.iterdir() if p.name.isdigit()):
        m = json.loads((code_dir / "manifest.json").read_text(encoding="utf-8"))
        city = json.loads(
            (province["in"] / code_dir.name / "city.json").read_text(encoding="utf-8")
        )
        assert len(m["documents"]) == len(city["applications"])
        expected |= {
            a["applicant"].get("uscc") for a in city["applications"] if a["applicant"].get("uscc")
        }
    assert listed_codes == expected
    assert (out / "province" / "全区申报汇总表.pdf").exists()


def test_nothing_changed_skips_everything_and_one_attachment_rebuilds_one_city(
    province: dict[str, Any],
) -> None:
    inp, out = province["in"], province["out"]
    again = _run(str(inp), "-o", str(out))
    assert again.returncode == 0
    assert set(_status(out).values()) == {"skipped"}
    attachment = next((inp / "450300" / "attachments").rglob("*.pdf"))
    attachment.write_bytes(attachment.read_bytes() + b"\n% touched\n")
    touched = _run(str(inp), "-o", str(out))
    assert touched.returncode == 0, touched.stdout + touched.stderr
    status = _status(out)
    assert [k for k, v in status.items() if v == "built"] == ["450300"]


def test_batch_output_equals_individual_builds(province: dict[str, Any], tmp_path: Path) -> None:
    for code in ("450200", "450800"):
        build_city(province["in"] / code / "city.json", tmp_path / code)
        batch_dir = province["out"] / code
        names = sorted(p.name for p in (tmp_path / code).iterdir())
        assert names == sorted(p.name for p in batch_dir.iterdir())
        for name in names:
            assert (tmp_path / code / name).read_bytes() == (batch_dir / name).read_bytes(), name


def test_same_credit_code_in_two_cities_stops_both(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    for code in ("450200", "450500"):
        shutil.copytree(SAMPLES / code, inp / code)
    a = json.loads((inp / "450200" / "city.json").read_text(encoding="utf-8"))
    b = json.loads((inp / "450500" / "city.json").read_text(encoding="utf-8"))
    b["applications"][0]["applicant"]["uscc"] = a["applications"][0]["applicant"]["uscc"]
    (inp / "450500" / "city.json").write_text(json.dumps(b, ensure_ascii=False), encoding="utf-8")
    result = _run(str(inp), "-o", str(tmp_path / "out"), "-j", "1")
    assert result.returncode == 1
    status = _status(tmp_path / "out")
    assert status == {"450200": "invalid", "450500": "invalid"}
    for city in _report(tmp_path / "out")["cities"]:
        message = " ".join(e["message"] for e in city["errors"])
        assert "450200" in message and "450500" in message  # both files named
        assert "applications[0].applicant.uscc" in message
    assert not (tmp_path / "out" / "450200").exists()


def test_two_files_for_one_city_stop_both(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    shutil.copytree(SAMPLES / "450200", inp / "a")
    shutil.copytree(SAMPLES / "450200", inp / "b")
    data = json.loads((inp / "b" / "city.json").read_text(encoding="utf-8"))
    for i, app in enumerate(data["applications"]):
        if app["applicant"].get("uscc"):
            app["applicant"]["uscc"] = make(f"91450200QQQQQQQ{i:02d}")
    (inp / "b" / "city.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = _run(str(inp), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "行政区划代码 450200" in result.stdout


def test_run_batch_finds_a_city_s_edition_in_the_options_edition_dirs(
    example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library caller names its editions' folder in ``BuildOptions.edition_dirs``, which is
    searched before DOCGEN_EDITIONS: the batch loads each city with that folder's edition, as
    ``build_city`` does. Here DOCGEN_EDITIONS holds another edition of the same id without the
    park category, which a load that ignored the options would take (and call the city
    invalid)."""
    from docgen.batch import run_batch
    from docgen.build import BuildOptions

    from .test_edition_park import EDITIONS, PARK

    other = tmp_path / "env-editions" / "gx-test-park"
    other.mkdir(parents=True)
    (other / "rules.toml").write_text(
        '[edition]\nid = "gx-test-park"\nextends = "gx-2021-3"\nname = "没有示范园区的同名版本"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DOCGEN_EDITIONS", str(other.parent))
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    data["edition"] = "gx-test-park"
    data["applications"] = [data["applications"][0], PARK]
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    options = BuildOptions(edition_dirs=(EDITIONS,))
    result = run_batch([example_copy.parent], tmp_path / "out", options, jobs=1)
    assert [(c.status, c.errors) for c in result.cities] == [("built", [])]
    code = data["city"]["division_code"]
    assert (tmp_path / "out" / code / "manifest.json").is_file()
