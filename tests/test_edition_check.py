"""An edition is checked whole before anything is built: every file with its model, every
template compiled and rendered, all problems reported at once with file and key."""

from __future__ import annotations

import json
import shutil
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from docgen import cnformat, rules
from docgen.cli import main
from docgen.edition import available, check_folder, load_edition
from docgen.errors import EditionError
from docgen.packet import DEFAULT_PACKET, PacketSettings, packet_problems
from docgen.tomlfile import TomlFileError, parse_toml

from .conftest import DATA, EXAMPLE_DIR

EDITIONS = DATA / "editions"
BROKEN = EDITIONS / "gx-test-broken"
SHIPPED = Path(str(resources.files("docgen.templates")))


def _three(problems: list[str]) -> None:
    text = "\n".join(problems)
    assert "form.toml：[recommendation] box_title 缺失" in text
    assert "commitment.txt.j2：第3行 Jinja 语法错误" in text
    assert "instructions.txt.j2：使用了未定义的变量 deadline_text" in text


def test_broken_edition_reports_all_three_problems_together() -> None:
    problems = check_folder(BROKEN)
    _three(problems)
    assert len(problems) == 3, problems
    # each names the file of the broken edition itself
    assert all("gx-test-broken/" in p for p in problems)


def test_load_edition_refuses_a_broken_edition_with_every_problem() -> None:
    with pytest.raises(EditionError) as info:
        load_edition("gx-test-broken", [EDITIONS])
    _three(list(info.value.problems))


@pytest.mark.parametrize("name", available())
def test_every_shipped_edition_checks_clean(name: str) -> None:
    assert check_folder(SHIPPED / name) == []


def test_test_editions_other_than_the_broken_one_check_clean() -> None:
    for folder in sorted(EDITIONS.iterdir()):
        if folder.name != "gx-test-broken":
            assert check_folder(folder) == [], folder


def _edition(root: Path, name: str, rules_toml: str, **files: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "rules.toml").write_text(rules_toml, encoding="utf-8")
    for file, text in files.items():
        (folder / file.replace("__", ".")).write_text(text, encoding="utf-8")
    return folder


def test_extends_chain_is_checked(tmp_path: Path) -> None:
    # a child of the broken edition inherits its problems, reported at the parent's files
    shutil.copytree(BROKEN, tmp_path / "gx-test-broken")
    child = _edition(
        tmp_path, "gx-child", '[edition]\nid = "gx-child"\nextends = "gx-test-broken"\n'
    )
    _three(check_folder(child))
    # a child that overrides a file of a sound parent is checked with its own file
    bad = (SHIPPED / "gx-2021-3" / "bundle.toml").read_text(encoding="utf-8")
    bad = bad.replace('running_number = "{city} 第 {page}', 'running_number = "{town} 第 {page}')
    own = _edition(
        tmp_path,
        "gx-own",
        '[edition]\nid = "gx-own"\nextends = "gx-2021-3"\n',
        bundle__toml=bad,
    )
    (problem,) = check_folder(own)
    assert "gx-own/bundle.toml：running_number 不能使用占位符 {town}" in problem
    # extends naming no edition, and a cycle
    lost = _edition(tmp_path, "gx-lost", '[edition]\nid = "gx-lost"\nextends = "gx-nowhere"\n')
    assert "extends 指向的找不到版本“gx-nowhere”" in "\n".join(check_folder(lost))
    _edition(tmp_path, "gx-a", '[edition]\nid = "gx-a"\nextends = "gx-b"\n')
    b = _edition(tmp_path, "gx-b", '[edition]\nid = "gx-b"\nextends = "gx-a"\n')
    assert "循环" in "\n".join(check_folder(b))


def test_rules_toml_errors_name_file_and_key(tmp_path: Path) -> None:
    folder = _edition(
        tmp_path,
        "gx-rules",
        '[edition]\nid = "gx-rules"\nextends = "gx-2021-3"\n'
        '[thresholds]\nplatform_min_years = "two"\n'
        "[categories.enterprise]\nquota = 2\nquotta = 3\n",
    )
    text = "\n".join(check_folder(folder))
    assert "gx-rules/rules.toml：[thresholds] platform_min_years 应为整数" in text
    assert "gx-rules/rules.toml：[categories.enterprise] quotta 不认识" in text


def test_toml_syntax_error_names_line_and_key(tmp_path: Path) -> None:
    folder = _edition(
        tmp_path,
        "gx-syntax",
        '[edition]\nid = "gx-syntax"\nextends = "gx-2021-3"\n',
        messages__toml="[declarations]\nno_violation = 没有违法行为\n",
    )
    (problem,) = check_folder(folder)
    assert "gx-syntax/messages.toml：第2行（[declarations] no_violation）：值无效" in problem


def test_attribute_errors_are_found_by_rendering(tmp_path: Path) -> None:
    folder = _edition(
        tmp_path,
        "gx-attr",
        '[edition]\nid = "gx-attr"\nextends = "gx-2021-3"\n',
        instructions__txt__j2="本申报书适用于{{ notice.nmae }}。\n",
    )
    (problem,) = check_folder(folder)
    assert "instructions.txt.j2：渲染出错" in problem and "nmae" in problem


def test_the_letter_is_checked_whole(tmp_path: Path) -> None:
    folder = _edition(
        tmp_path,
        "gx-letter",
        '[edition]\nid = "gx-letter"\nextends = "gx-2021-3"\n',
        letter__toml='notice_number = 3\nrecipient = "厅"\n',
        bundle__toml=(resources.files("docgen.templates") / "gx-2021-3" / "bundle.toml")
        .read_text(encoding="utf-8")
        .replace('form = "{n:02d}-申报书-{id}-{applicant}"', 'form = "{n:02d}/{applicant}"'),
    )
    (folder / "letter-note.txt.j2").write_text("（{{ person }}，{{ mobile }}）\n", encoding="utf-8")
    text = "\n".join(check_folder(folder))
    assert "letter-note.txt.j2：使用了未定义的变量 mobile" in text
    assert "letter.toml：notice_number 应为文本" in text
    assert "letter.toml：number_format 缺失" in text
    assert "bundle.toml：files form 不能作文件名" in text


def test_cli_edition_check_exit_codes() -> None:
    runner = CliRunner()
    broken = runner.invoke(main, ["edition", "check", str(BROKEN)])
    assert broken.exit_code == 1
    _three(broken.output.splitlines())
    assert "3 个错误" in broken.output
    good = runner.invoke(main, ["edition", "check", str(SHIPPED / "gx-2021-3")])
    assert good.exit_code == 0, good.output
    assert "检查通过" in good.output
    assert runner.invoke(main, ["edition", "check"]).exit_code == 2
    assert runner.invoke(main, ["edition", "check", str(BROKEN / "nowhere")]).exit_code == 2


def test_a_city_naming_the_broken_edition_is_refused_by_validate_and_build(
    example_copy: Path, tmp_path: Path
) -> None:
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    data["edition"] = "gx-test-broken"
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    env = {"DOCGEN_EDITIONS": str(EDITIONS)}
    checked = runner.invoke(main, ["validate", str(example_copy)], env=env)
    assert checked.exit_code == 1
    _three(checked.output.splitlines())
    out = tmp_path / "out"
    built = runner.invoke(main, ["build", str(example_copy), "-o", str(out)], env=env)
    assert built.exit_code == 1
    _three(built.output.splitlines())
    assert "内部错误" not in built.output and "Traceback" not in built.output
    assert not out.exists()


def test_an_unknown_edition_lists_the_editions_there_are(example_copy: Path) -> None:
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    data["edition"] = "gx-1999-9"
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(example_copy)])
    assert result.exit_code == 1
    assert "找不到版本“gx-1999-9”" in result.output
    assert "可用的版本：gx-2021-3" in result.output


def test_rule_messages_quoting_the_notice_come_from_the_edition(tmp_path: Path) -> None:
    """messages.toml of an edition rewords what validate says; the engine keeps the logic."""
    text = (SHIPPED / "gx-2021-3" / "messages.toml").read_text(encoding="utf-8")
    text = text.replace("近2年内（{cutoff}起）", "近3年内（{cutoff}以来）")
    folder = _edition(
        tmp_path / "eds",
        "gx-words",
        '[edition]\nid = "gx-words"\nextends = "gx-2021-3"\n',
        messages__toml=text,
    )
    assert check_folder(folder) == []
    city_dir = tmp_path / "city"
    shutil.copytree(EXAMPLE_DIR, city_dir)
    data = json.loads((city_dir / "city.json").read_text(encoding="utf-8"))
    data["edition"] = "gx-words"
    data["applications"][0]["declarations"]["no_major_accident"] = False
    (city_dir / "city.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    from docgen.model import load_city

    findings = rules.validate(load_city(city_dir / "city.json"), edition_dirs=[tmp_path / "eds"])
    (finding,) = [f for f in findings if f.path.endswith("declarations.no_major_accident")]
    assert "近3年内（2019年1月1日以来）" in finding.message


# --------------------------------------------------------------------------- one home each


def test_chinese_dates_and_numbers_have_one_home() -> None:
    assert not hasattr(rules, "chinese_date")  # one home: docgen.cnformat
    import re

    package = Path(cnformat.__file__).parent
    own = [
        p.relative_to(package).as_posix()
        for p in sorted(package.rglob("*.py"))
        if p.name != "cnformat.py" and re.search(r"\}年\{[^}]*\}月", p.read_text(encoding="utf-8"))
    ]
    assert own == []  # nobody writes Y年M月D日 by hand
    assert cnformat.chinese_date(date(2021, 5, 12)) == "二〇二一年五月十二日"
    assert cnformat.chinese_date(date(2020, 10, 30)) == "二〇二〇年十月三十日"
    assert cnformat.cn_date(date(2019, 1, 1)) == "2019年1月1日"
    assert [cnformat.cn_number(n) for n in (0, 7, 10, 12, 20, 23, 99, 100)] == [
        "〇",
        "七",
        "十",
        "十二",
        "二十",
        "二十三",
        "九十九",
        "100",
    ]


def test_packet_settings_one_model() -> None:
    from docgen.build import BuildOptions

    options = BuildOptions()
    assert (options.max_seal_pages, options.seal_marks, options.duplex) == (
        DEFAULT_PACKET.max_seal_pages,
        DEFAULT_PACKET.seal_marks,
        DEFAULT_PACKET.duplex,
    )
    assert packet_problems({"max_seal_pages": 1}) == [
        "[packet] max_seal_pages 应为 2 到 200 之间的整数"
    ]
    assert packet_problems({"max_seal_pages": True})  # a bool is no number of pages
    assert packet_problems({"duplex": "yes"}) == ["[packet] duplex 应为 true 或 false"]
    assert DEFAULT_PACKET.updated(max_seal_pages=None, duplex=True) == PacketSettings(duplex=True)


def test_cli_packet_options_over_config_over_defaults(tmp_path: Path) -> None:
    config = tmp_path / "docgen.toml"
    config.write_text("[packet]\nmax_seal_pages = 30\nduplex = true\n", encoding="utf-8")
    from docgen.cli import _options

    kwargs = {"font_dirs": (), "no_seal_marks": False, "allow_absolute_paths": False}
    opts = _options(max_seal_pages=None, duplex=False, config_file=config, **kwargs)
    assert (opts.max_seal_pages, opts.duplex, opts.seal_marks) == (30, True, True)
    opts = _options(max_seal_pages=12, duplex=False, config_file=config, **kwargs)
    assert opts.max_seal_pages == 12


def test_toml_errors_name_file_line_and_key() -> None:
    with pytest.raises(TomlFileError) as info:
        parse_toml("[packet]\nduplex = true\nduplex = false\n", "docgen.toml")
    assert str(info.value) == "docgen.toml：第3行（[packet] duplex）：同一个键写了两次"
    assert info.value.line == 3 and info.value.key == "[packet] duplex"


def test_docs_list_every_file_and_key_of_an_edition() -> None:
    """docs/editions.md's reference is what docs/gen_editions.py generates from the models."""
    import importlib.util

    from .conftest import ROOT

    spec = importlib.util.spec_from_file_location("gen_editions", ROOT / "docs" / "gen_editions.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.current() == gen.generate(), "run: python docs/gen_editions.py"
