"""The ``docgen`` command: one small function per command; the library does the work.

Exit codes (CONTRACT §3): 0 done (warnings allowed), 1 the input is invalid, 2 usage error.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__
from .errors import DocgenError, Finding, InputError
from .model import City, json_schema, load_city
from .packet import DEFAULT_PACKET, MAX_SEAL_PAGES, MIN_SEAL_PAGES
from .procs import QUIET_GC
from .report import batch_summary, format_findings
from .rules import validate

if TYPE_CHECKING:
    from .attachworker import AttachmentWorker


def _stdout_utf8() -> None:
    # Windows consoles default to a legacy code page; our messages are Chinese.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(encoding="utf-8", errors="replace")


def _check(
    path: Path, allow_absolute: bool, font_dirs: tuple[Path, ...] = ()
) -> tuple[City | None, list[Finding]]:
    from .attachworker import start_attachment_worker

    # started before the city file is loaded: it imports the attachment readers meanwhile
    worker = start_attachment_worker()
    try:
        checked = _load_and_validate(path, allow_absolute, font_dirs, worker)
    except BaseException:  # Ctrl-C, SIGTERM, an internal error: the worker goes at once
        if worker is not None:
            worker.abort()
        raise
    if worker is not None:
        worker.close()
    return checked


def _load_and_validate(
    path: Path, allow_absolute: bool, font_dirs: tuple[Path, ...], worker: AttachmentWorker | None
) -> tuple[City | None, list[Finding]]:
    try:
        city = load_city(path)
    except InputError as exc:
        return None, exc.findings
    attachments = None
    if worker is not None:
        files = [att.file for app in city.applications for att in app.attachments]
        attachments = worker.reader(city.base_dir, files, allow_absolute=allow_absolute)
    findings = validate(
        city, allow_absolute=allow_absolute, font_dirs=font_dirs, attachments=attachments
    )
    return city, findings


class _Docgen(click.Group):
    """The command group: an interruption (Ctrl-C, SIGTERM) ends with a Chinese message, after
    the build has removed its temporary files; never click's "Aborted!"."""

    def invoke(self, ctx: click.Context) -> Any:
        from .procs import Terminated, sigterm_as_interrupt

        try:
            with sigterm_as_interrupt():
                return super().invoke(ctx)
        except Terminated:
            _echo("\n已终止（收到结束信号）：未完成的生成已撤销，输出文件夹保持原样。", err=True)
            ctx.exit(143)
        except KeyboardInterrupt:
            _echo("\n已中断：未完成的生成已撤销，输出文件夹保持原样。", err=True)
            ctx.exit(130)


@click.group(cls=_Docgen, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="docgen")
def main() -> None:
    """docgen：根据城市申报数据（JSON）生成服务型制造示范申报材料。"""
    _stdout_utf8()
    # fontTools reports repairs of the fonts it reads ("too much 'glyf' table data" for a free
    # Debian face) on the root logger: notes for a font developer, not for the secretary.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    gc.set_threshold(*QUIET_GC)  # for the whole command, its imports included


@main.command("validate")
@click.argument("city_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出检查结果。")
@click.option(
    "--allow-absolute-paths",
    is_flag=True,
    help="允许附件使用绝对路径（默认只允许申报文件所在文件夹内的相对路径）。",
)
@click.option(
    "--font-dir",
    "font_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="检查字符时也使用此文件夹中的字体（与 build 的同名选项相同）。",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="配置文件（其中的字体文件夹同样用于检查）。",
)
def validate_cmd(
    city_file: Path,
    as_json: bool,
    allow_absolute_paths: bool,
    font_dirs: tuple[Path, ...],
    config_file: Path | None,
) -> None:
    """只检查城市申报文件，一次列出全部错误和警告。"""
    from .config import load_config

    try:
        config = load_config(config_file)
    except DocgenError as exc:
        _fail(exc)
    all_font_dirs = tuple(font_dirs) + config.font_dirs
    city, findings = _check(city_file, allow_absolute_paths, all_font_dirs)
    if all_font_dirs:
        from .render.fonts import resolve_fonts

        _font_problems(resolve_fonts(all_font_dirs).problems)
    has_errors = any(f.level == "error" for f in findings)
    if as_json:
        _echo_json(
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
        _echo(format_findings(findings, city, str(city_file)))
    _skip_final_collection()
    sys.exit(1 if has_errors else 0)


def _packet_options(func: Any) -> Any:
    """Options shared by build and batch; a config file may give their defaults."""
    options = [
        click.option(
            "--font-dir",
            "font_dirs",
            multiple=True,
            type=click.Path(path_type=Path, file_okay=False, exists=True),
            help="优先使用此文件夹中的字体（可多次指定），如放有 simsun.ttc、simfang.ttf 的文件夹。",
        ),
        click.option(
            "--max-seal-pages",
            type=click.IntRange(MIN_SEAL_PAGES, MAX_SEAL_PAGES),
            default=None,
            help=f"每组骑缝章最多覆盖的页数（默认 {DEFAULT_PACKET.max_seal_pages}）。",
        ),
        click.option(
            "--no-seal-marks", is_flag=True, help="不画盖章位置的浅色提示线（留白照旧）。"
        ),
        click.option(
            "--duplex", is_flag=True, help="双面打印：每份文件从奇数页开始（自动插入空白页）。"
        ),
        click.option("--allow-absolute-paths", is_flag=True, help="允许附件使用绝对路径。"),
        click.option("--no-letter", is_flag=True, help="不生成报送函（默认作为总册第一份文件）。"),
        click.option(
            "--letterhead",
            type=click.Choice(["red", "none"]),
            default=None,
            help="报送函的版头：red 印红色发文机关标志和红色双线（默认）；"
            "none 不印，留出位置，用于已印好版头的公文纸。",
        ),
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="配置文件（默认依次查找 $DOCGEN_CONFIG、./docgen.toml、用户配置文件夹中的 docgen/config.toml）。",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _options(
    font_dirs: tuple[Path, ...],
    max_seal_pages: int | None,
    no_seal_marks: bool,
    duplex: bool,
    allow_absolute_paths: bool,
    config_file: Path | None,
    no_letter: bool = False,
    letterhead: str | None = None,
) -> Any:
    """Command-line options over the config file over the defaults."""
    from .build import BuildOptions
    from .config import load_config

    try:
        config = load_config(config_file)
    except DocgenError as exc:
        _fail(exc)
    packet = config.packet.updated(
        max_seal_pages=max_seal_pages,
        seal_marks=False if no_seal_marks else None,
        duplex=True if duplex else None,
        letter=False if no_letter else None,
        letterhead=letterhead,
    )
    return BuildOptions(
        font_dirs=tuple(font_dirs) + config.font_dirs,
        max_seal_pages=packet.max_seal_pages,
        seal_marks=packet.seal_marks,
        duplex=packet.duplex,
        allow_absolute=allow_absolute_paths,
        letter=packet.letter,
        letterhead=packet.has_letterhead,
    )


@main.command("build")
@click.argument("city_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="输出文件夹（默认 out/<行政区划代码>）。必须是新的、空的或 docgen 生成的文件夹。",
)
@_packet_options
def build_cmd(city_file: Path, out_dir: Path | None, **packet: Any) -> None:
    """检查并生成一个城市的全部申报材料（申报书、汇总表、总册 PDF 和清单）。"""
    from .build import build_city
    from .report import build_report

    options = _options(**packet)
    try:
        result = build_city(city_file, out_dir, options)
    except InputError as exc:
        city = None
        with contextlib.suppress(InputError):
            city = load_city(city_file)
        _echo(format_findings(exc.findings, city, str(city_file)), err=True)
        sys.exit(1)
    except DocgenError as exc:
        _fail(exc)
    except Exception as exc:
        _internal_error(exc)
    _echo(build_report(result.manifest, str(result.out_dir), result.seconds))
    _font_problems(result.font_problems)
    _skip_final_collection()


def _date_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    """A date written YYYY-MM-DD (a usage error otherwise, exit 2)."""
    if value is None:
        return None
    with contextlib.suppress(ValueError):
        if len(value) == 10 and value[4] == value[7] == "-":
            return date.fromisoformat(value)
    raise click.BadParameter(f"“{value}”不是日期，应写作 YYYY-MM-DD，如 2021-05-20")


@main.command("batch")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="输出文件夹：每个城市写入 OUT/<行政区划代码>/，全区汇总写入 OUT/province/。",
)
@click.option(
    "-j", "--jobs", type=click.IntRange(1, 64), default=None, help="并行进程数（默认为 CPU 核数）。"
)
@click.option("--force", is_flag=True, help="全部重新生成（默认跳过输入未改动的城市）。")
@click.option(
    "--date",
    "dated",
    metavar="YYYY-MM-DD",
    default=None,
    callback=_date_option,
    help="全区汇总表的填报日期（默认为所列城市申报日期中最晚的一天）。",
)
@_packet_options
def batch_cmd(
    paths: tuple[Path, ...],
    out_dir: Path,
    jobs: int | None,
    force: bool,
    dated: date | None,
    **packet: Any,
) -> None:
    """一次生成多个城市的申报材料和全区汇总表；某个城市出错不影响其他城市。"""
    from .batch import discover_for, run_batch
    from .procs import Terminated
    from .progress import BatchProgress

    options = _options(**packet)
    found = discover_for(paths, out_dir)
    if not found.files and not found.unsearchable:
        lines = ["没有找到城市申报文件（*.json，schema 为 docgen.city/1）"]
        lines += [f"  跳过 {s.file}：{s.reason}" for s in found.skipped]
        from .textsafe import for_terminal

        raise click.UsageError(for_terminal("\n".join(lines)))
    built: list[str] = []  # the cities written so far: an interruption must not deny them
    try:
        with BatchProgress(len(found.files) + len(found.unsearchable)) as progress:

            def update(message: str, outcome: Any) -> None:
                progress.update(message, outcome)
                if outcome is not None and outcome.status == "built":
                    built.append(f"{outcome.city}（{outcome.division_code}）")

            result = run_batch(
                paths,
                out_dir,
                options,
                jobs=jobs,
                force=force,
                progress=update,
                found=found,
                dated=dated,
            )
    except KeyboardInterrupt as exc:
        what = "已终止（收到结束信号）" if isinstance(exc, Terminated) else "已中断"
        if built:
            _echo(
                f"\n{what}：已生成的 {len(built)} 个城市（{'、'.join(built)}）保留在输出文件夹中；"
                "正在生成的城市已撤销，batch-report.json 和全区汇总表未更新。",
                err=True,
            )
        else:
            _echo(f"\n{what}：正在生成的城市已撤销，本次没有写出任何城市的材料。", err=True)
        sys.exit(143 if isinstance(exc, Terminated) else 130)
    except DocgenError as exc:
        _fail(exc)
    except Exception as exc:
        if not built:
            _internal_error(exc)
        if os.environ.get("DOCGEN_DEBUG"):
            traceback.print_exc()
        _echo(
            f"docgen 内部错误（{type(exc).__name__}: {exc}）。已生成的 {len(built)} 个城市"
            f"（{'、'.join(built)}）保留在输出文件夹中，batch-report.json 可能未更新。"
            "请把输入文件和这条信息发给维护人员；设置环境变量 DOCGEN_DEBUG=1 可显示详细信息。",
            err=True,
        )
        sys.exit(1)
    _echo(batch_summary(result))
    _skip_final_collection()
    sys.exit(0 if result.ok else 1)


@main.command("schema")
@click.option(
    "--edition",
    "edition",
    metavar="版本",
    default=None,
    help="按这个版本（名称，或版本文件夹的路径）的申报类别和类型生成；默认为默认版本",
)
def schema_cmd(edition: str | None) -> None:
    """输出城市申报文件的 JSON Schema（draft 2020-12），供编辑器检查。"""
    dirs: tuple[Path, ...] = ()
    if edition is not None and (Path(edition) / "rules.toml").is_file():
        folder = Path(edition)
        edition, dirs = folder.resolve().name, (folder.resolve().parent,)
    try:
        schema = json_schema(edition, dirs)
    except DocgenError as exc:
        _fail(exc)
    _echo_json(json.dumps(schema, ensure_ascii=False, indent=2))


def _font_problems(problems: Sequence[str]) -> None:
    """Fonts of --font-dir that docgen could not use (the build went on with the others)."""
    for problem in problems:
        _echo(f"字体警告：{problem}", err=True)


@main.group("intake")
def intake_group() -> None:
    """从申报单位填写的 Excel 和 Word 文件收集申报数据：生成模板、收集、导出。"""


@intake_group.command("template")
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="写入模板的文件夹（必须是新的、空的或 docgen 生成的文件夹）。",
)
@click.option("--edition", default="gx-2021-3", show_default=True, help="申报通知的版本。")
@click.option(
    "--city",
    "division_code",
    default="",
    help="城市的行政区划代码，如 450200（预先填入城市信息表）。",
)
def intake_template_cmd(out_dir: Path, edition: str, division_code: str) -> None:
    """生成填报模板：城市信息.xlsx、申报信息表.xlsx 和 申报书正文.docx。"""
    from .intake import write_template

    if division_code and not (len(division_code) == 6 and division_code.isdigit()):
        raise click.BadParameter("应为6位数字的行政区划代码，如 450200", param_hint="--city")
    try:
        written = write_template(out_dir, edition, division_code)
    except DocgenError as exc:
        _fail(exc)
    _echo(f"已生成填报模板：{written.out_dir}")
    for name in written.files:
        _echo(f"  {name}")
    _echo(
        "请把 申报信息表.xlsx 和 申报书正文.docx 发给每个申报单位，城市信息.xlsx 由市工业和信息化局填写。"
    )


@intake_group.command("collect")
@click.argument("in_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="写入 city.json 和附件的文件夹（必须是新的、空的或 docgen 生成的文件夹）。",
)
@click.option(
    "--annotate",
    is_flag=True,
    help="在每个有问题的工作簿旁写一份“（已标注）”副本：问题格子标红并加批注。",
)
def intake_collect_cmd(in_dir: Path, out_dir: Path, annotate: bool) -> None:
    """读取文件夹中的城市信息表、各申报单位的申报信息表、Word 正文和随附材料，生成 city.json 并检查。"""
    from .intake import collect, file_titles, format_intake_findings

    try:
        result = collect(in_dir, out_dir, annotate=annotate)
    except DocgenError as exc:
        _fail(exc)
    except Exception as exc:
        _internal_error(exc)
    if result.findings:
        titles = file_titles(result.city, result.source_map)
        _echo(format_intake_findings(result.findings, str(in_dir), titles))
    if result.written is not None:
        _echo(
            f"已生成城市申报文件：{result.written / 'city.json'}（{result.applications} 个申报，"
            f"{result.attachments} 份随附材料）"
        )
    for path in result.annotated:
        _echo(f"已写出标注副本：{path}")
    sys.exit(1 if result.errors else 0)


@intake_group.command("export")
@click.argument("city_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="写入工作簿和 Word 正文的文件夹（必须是新的、空的或 docgen 生成的文件夹）。",
)
def intake_export_cmd(city_file: Path, out_dir: Path) -> None:
    """把现有的城市申报文件导出为各申报单位的申报信息表和 Word 正文。"""
    from .intake import export_city

    try:
        city = load_city(city_file)
    except InputError as exc:
        _echo(format_findings(exc.findings, None, str(city_file)), err=True)
        sys.exit(1)
    try:
        written = export_city(city, out_dir)
    except DocgenError as exc:
        _fail(exc)
    except (OSError, ValueError) as exc:
        _fail(DocgenError(f"无法读取附件：{exc}"))
    _echo(f"已导出 {len(city.applications)} 个申报的工作簿和 Word 正文：{written.out_dir}")


@main.group("edition")
def edition_group() -> None:
    """申报通知的版本（templates/<版本>/ 文件夹）：编写新版本时检查。"""


@edition_group.command("check")
@click.argument("edition_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
def edition_check_cmd(edition_dir: Path) -> None:
    """检查一个版本文件夹的全部文件（规则、标签、文字模板及其 extends 的版本），一次列出全部问题。"""
    from .edition import check_folder

    problems = check_folder(edition_dir)
    for problem in problems:
        _echo(f"  错误  {problem}")
    if problems:
        _echo(f"{edition_dir}：{len(problems)} 个错误。请改正后再用这个版本生成申报材料。")
        sys.exit(1)
    _echo(f"{edition_dir}：检查通过，版本“{edition_dir.name}”的全部文件没有错误。")


def _echo(text: str, *, err: bool = False) -> None:
    """Print for a person: user text in messages (names, paths) may hold terminal escapes or
    bidi controls; they are shown as visible escapes, never acted on by the terminal."""
    from .textsafe import for_terminal

    click.echo(for_terminal(text), err=err)


def _echo_json(text: str) -> None:
    """Print JSON: invisible characters inside strings become JSON ``\\uXXXX`` escapes (the
    same data, but nothing a terminal acts on); the newlines of the layout stay."""
    from .textsafe import is_invisible

    click.echo("".join(_json_escape(ch) if ch != "\n" and is_invisible(ch) else ch for ch in text))


def _json_escape(ch: str) -> str:
    units = ch.encode("utf-16-be")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


def _skip_final_collection() -> None:
    """The output is committed: move every live object out of the garbage collector's sight, so
    that the interpreter's exit does not traverse the heap (about 0.2 s after a build of a few
    hundred MB, 0.03 s after a validate)."""
    gc.freeze()


def _fail(exc: DocgenError) -> NoReturn:
    _echo(f"错误：{exc}", err=True)
    sys.exit(1)


def _internal_error(exc: BaseException) -> NoReturn:
    """A bug in docgen, not the user's mistake: say so plainly; the traceback only on request."""
    if os.environ.get("DOCGEN_DEBUG"):
        traceback.print_exc()
    _echo(
        f"docgen 内部错误（{type(exc).__name__}: {exc}）。输出文件夹未被改动。"
        "请把输入文件和这条信息发给维护人员；设置环境变量 DOCGEN_DEBUG=1 可显示详细信息。",
        err=True,
    )
    sys.exit(1)
