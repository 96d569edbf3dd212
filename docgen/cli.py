"""The ``docgen`` command: one small function per command; the library does the work.

Exit codes (CONTRACT §3): 0 done (warnings allowed), 1 the input is invalid, 2 usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import DocgenError, Finding, InputError
from .model import City, json_schema, load_city
from .report import format_findings
from .rules import validate


def _stdout_utf8() -> None:
    # Windows consoles default to a legacy code page; our messages are Chinese.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(encoding="utf-8", errors="replace")
            except (ValueError, OSError):
                pass


def _check(path: Path, allow_absolute: bool) -> tuple[City | None, list[Finding]]:
    try:
        city = load_city(path)
    except InputError as exc:
        return None, exc.findings
    return city, validate(city, allow_absolute=allow_absolute)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="docgen")
def main() -> None:
    """docgen：根据城市申报数据（JSON）生成服务型制造示范申报材料。"""
    _stdout_utf8()


@main.command("validate")
@click.argument("city_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出检查结果。")
@click.option(
    "--allow-absolute-paths", is_flag=True, help="允许附件使用绝对路径（默认只允许申报文件所在文件夹内的相对路径）。"
)
def validate_cmd(city_file: Path, as_json: bool, allow_absolute_paths: bool) -> None:
    """只检查城市申报文件，一次列出全部错误和警告。"""
    city, findings = _check(city_file, allow_absolute_paths)
    has_errors = any(f.level == "error" for f in findings)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "file": str(city_file),
                    "valid": not has_errors,
                    "errors": sum(f.level == "error" for f in findings),
                    "warnings": sum(f.level == "warning" for f in findings),
                    "findings": [f.as_dict() for f in findings],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        click.echo(format_findings(findings, city, str(city_file)))
    sys.exit(1 if has_errors else 0)


@main.command("schema")
def schema_cmd() -> None:
    """输出城市申报文件的 JSON Schema（draft 2020-12），供编辑器检查。"""
    click.echo(json.dumps(json_schema(), ensure_ascii=False, indent=2))


def _fail(exc: DocgenError) -> None:
    click.echo(f"错误：{exc}", err=True)
    sys.exit(1)
