"""``docgen intake collect DIR -o CITYDIR``: the received files into an ordinary city file.

DIR holds the city workbook (城市信息.xlsx) and, per applicant, a folder with the applicant's
workbook (申报信息表.xlsx), the Word narrative and the scans side by side (a workbook may also lie
in DIR itself; its files are then looked up in DIR). Workbooks are recognised by their hidden
``_docgen`` sheet, not by name; ``…（已标注）.xlsx`` copies, Office lock files (``~$…``) and
hidden files are skipped.

The city file and the attachments are written into a temporary folder beside CITYDIR, checked
there with docgen's own ``load_city`` and ``validate`` (the same rules as ``docgen validate``,
nothing checked twice), and swapped into place only when there is no error; CITYDIR must be new,
empty or one docgen made (``output.guarded_output``). Every finding is named by the file, sheet and
cell the value came from. A city workbook of template version 1 (before the letter rows) is
still collected: the city file then has no ``letter`` section, and a warning says how to get the
current template. So is an applicant workbook of version 1 or 2 (before the sheet 主要指标): its
application has no ``indicators``, with a warning when its subtype has an indicator table.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from ..attachments import read_regular
from ..edition import Edition, load_edition
from ..errors import DocgenError, EditionError, InputError
from ..model import SCHEMA_ID, load_city
from ..output import guarded_output, safe_name
from ..rules import validate
from . import normalize as nz
from .findings import IntakeFinding, Place, SourceMap, merge, translate
from .layout import (
    ACCEPTED_VERSIONS,
    APPLICANT,
    CITY,
    CITY_SHEETS,
    COL_LABEL,
    COL_VALUE,
    GENERATOR,
    IND_COL_VALUE,
    INDICATORS_SINCE,
    LETTER_SINCE,
    META_SHEET,
    NARRATIVE_DOCX,
    ROW_LIMIT,
    SHEET_ATTACHMENTS,
    SHEET_BASIC,
    SHEET_CITY,
    SHEET_INDICATORS,
    SHEET_LIST,
    SHEET_SECTIONS,
    TABLE_FIRST_ROW,
    TEMPLATE_VERSION,
    Field,
    IndicatorField,
    Layout,
    is_annotated_name,
    layout,
)
from .narrative import Narrative, heading_key, read_narrative
from .safety import Refusal
from .workbook import Sheet, Workbook, cell_name, read_workbook

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SOURCE_MAP = "source-map.json"


class IntakeError(DocgenError):
    """The intake folder itself cannot be used (missing, not a folder)."""


@dataclass
class CollectResult:
    findings: list[IntakeFinding]
    written: Path | None = None  # CITYDIR, when the city file was written
    applications: int = 0
    attachments: int = 0
    workbooks: list[Path] = field(default_factory=list)
    annotated: list[Path] = field(default_factory=list)
    city: dict[str, Any] | None = None
    source_map: SourceMap | None = None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.level == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.level == "warning")


@dataclass
class _App:
    workbook: Workbook
    rel: str  # the workbook, relative to DIR
    folder: Path  # where its Word files and scans are
    folder_name: str
    data: dict[str, Any]
    places: SourceMap
    files: list[tuple[str, Path]]  # (target in CITYDIR, source file)


class _Discard(Exception):
    """Errors were found: the temporary output folder is dropped."""


def collect(
    in_dir: Path,
    out_dir: Path,
    *,
    annotate: bool = False,
    edition_dirs: tuple[Path, ...] = (),
) -> CollectResult:
    """Collect DIR into CITYDIR; the findings say what is wrong, and where, in the inputs."""
    if not in_dir.is_dir():
        raise IntakeError(f"找不到文件夹“{in_dir}”，或它不是文件夹")
    c = _Collector(in_dir, out_dir, edition_dirs)
    result = c.run()
    if annotate:
        from .annotate import annotate_workbooks

        result.annotated, notes = annotate_workbooks(in_dir, result.findings, c.workbooks)
        result.findings = merge([*result.findings, *notes])
    return result


class _Collector:
    def __init__(self, in_dir: Path, out_dir: Path, edition_dirs: tuple[Path, ...]):
        self.in_dir = in_dir
        self.out_dir = out_dir
        self.edition_dirs = edition_dirs
        self.findings: list[IntakeFinding] = []
        self.inputs: list[Path] = []
        self.workbooks: dict[str, Workbook] = {}
        self.narratives: dict[Path, Narrative | None] = {}
        self.lay: Layout | None = None

    # ------------------------------------------------------------------ findings

    def error(self, place: Place, message: str) -> None:
        self.findings.append(IntakeFinding("error", message, (place,)))

    def warn(self, place: Place, message: str) -> None:
        self.findings.append(IntakeFinding("warning", message, (place,)))

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.in_dir).as_posix()
        except ValueError:
            return str(path)

    # ------------------------------------------------------------------ the run

    def run(self) -> CollectResult:
        city_wbs, app_wbs = self._discover()
        edition = self._edition(city_wbs, app_wbs)
        if edition is None:
            return CollectResult(merge(self.findings), workbooks=list(self._paths()))
        lay = layout(edition)
        self.lay = lay
        city_data, city_map, listing = self._city(lay, city_wbs)
        apps = [a for a in (self._applicant(lay, wb) for wb in app_wbs) if a is not None]
        apps = self._order(lay, apps, listing, city_wbs)
        data: dict[str, Any] = {"schema": SCHEMA_ID, "edition": edition.id, **city_data}
        source = city_map
        data["applications"] = []
        letter = data.pop("letter", None)
        for i, app in enumerate(apps):
            app_id = app.data.get("id")
            if isinstance(app_id, str):
                folder = f"attachments/{safe_name(app_id)}"
                app.files = [(f"{folder}/{name}", src) for name, src in app.files]
                for att in app.data.get("attachments", []):
                    att["file"] = f"{folder}/{att['file']}"
            data["applications"].append(app.data)
            for path, place in app.places.places.items():
                source.add(f"applications[{i}]{path}", place, app.places.labels.get(path))
        if letter is not None:
            data["letter"] = letter
        city_place = Place(city_wbs[0].rel) if city_wbs else None
        result = CollectResult([], city=data, source_map=source, workbooks=list(self._paths()))
        result.applications = len(apps)
        result.attachments = sum(len(a.files) for a in apps)
        self._write(data, source, apps, city_place, result)
        result.findings = merge(self.findings)
        return result

    def _paths(self) -> list[Path]:
        return [wb.path for wb in self.workbooks.values()]

    # ------------------------------------------------------------------ finding the workbooks

    def _discover(self) -> tuple[list[_Book], list[_Book]]:
        candidates: list[Path] = []
        out_real = self.out_dir.resolve()
        for entry in sorted(self.in_dir.iterdir()):
            if _skipped(entry.name) or entry.resolve() == out_real:
                continue
            if entry.is_dir():
                candidates += [
                    p
                    for p in sorted(entry.iterdir())
                    if p.is_file() and _is_workbook_name(p.name) and not _skipped(p.name)
                ]
            elif _is_workbook_name(entry.name):
                candidates.append(entry)
        city: list[_Book] = []
        apps: list[_Book] = []
        for path in candidates:
            rel = self.rel(path)
            try:
                wb = read_workbook(path)
            except Refusal as exc:
                self.error(Place(rel), str(exc))
                continue
            self.inputs.append(path)
            if wb.meta.get("generator") != GENERATOR:
                self.error(
                    Place(rel),
                    "不是用 docgen intake template 生成的表格（缺少隐藏的“_docgen”工作表）；"
                    "请用 docgen intake template 生成的模板填写，不要复制内容到其他工作簿",
                )
                continue
            if wb.meta.get("annotated"):
                continue  # a copy docgen annotated earlier, renamed: not an input
            book = _Book(wb, rel, _version(wb.meta.get("template_version", "")))
            self.workbooks[rel] = wb
            if wb.format == "xls":
                self.warn(
                    Place(rel),
                    "是旧版 .xls 格式，已读取；建议用 Excel 或 WPS“另存为”Excel 工作簿（*.xlsx），"
                    "旧格式不能生成标注副本",
                )
            kind = wb.meta.get("kind")
            if kind == CITY:
                city.append(book)
            elif kind == APPLICANT:
                apps.append(book)
            else:
                self.error(Place(rel), f"隐藏工作表记录的表格类型“{kind}”无法识别")
        if not city:
            self.error(
                Place("."),
                "没有找到城市信息表（城市信息.xlsx，由 docgen intake template 生成）；"
                "请把它放在本文件夹中",
            )
        elif len(city) > 1:
            self.findings.append(
                IntakeFinding(
                    "error",
                    "有多份城市信息表；一个文件夹只能有一份，请删除多余的",
                    tuple(Place(b.rel) for b in city),
                )
            )
        return city[:1], apps

    def _edition(self, city: list[_Book], apps: list[_Book]) -> Edition | None:
        books = city + apps
        if not books:
            if not any(f.level == "error" for f in self.findings):
                self.error(Place("."), "文件夹中没有申报信息表或城市信息表（*.xlsx）")
            return None
        expected = (city or apps)[0].wb.meta.get("edition", "")
        try:
            edition = load_edition(expected, self.edition_dirs)
        except EditionError as exc:
            self.error(Place((city or apps)[0].rel), f"表格记录的版本无法使用：{exc}")
            return None
        keep: list[_Book] = []
        for book in books:
            meta = book.wb.meta
            ed, ver = meta.get("edition", ""), meta.get("template_version", "")
            if ed == edition.id and book.version in ACCEPTED_VERSIONS:
                keep.append(book)
                continue
            if ed == edition.id and book.version > TEMPLATE_VERSION:
                self.error(
                    Place(book.rel),
                    f"模板版本不符：该表格是“{ed}”第 {ver} 版模板，比本程序的第 {TEMPLATE_VERSION} 版"
                    f"新；请升级 docgen 后再收集，或用本程序的 docgen intake template --edition "
                    f"{edition.id} 重新生成模板，把内容填入新模板后再发送",
                )
                continue
            self.error(
                Place(book.rel),
                f"模板版本不符：该表格是“{ed}”第 {ver or '?'} 版模板，本次收集使用“{edition.id}”"
                f"第 {TEMPLATE_VERSION} 版模板；请用 docgen intake template --edition {edition.id} "
                "重新生成模板，把内容填入新模板后再发送",
            )
        city[:] = [b for b in city if b in keep]
        apps[:] = [b for b in apps if b in keep]
        return edition

    # ------------------------------------------------------------------ structure checks

    def _sheets_ok(self, book: _Book, names: tuple[str, ...]) -> bool:
        wb = book.wb
        missing = [n for n in names if n not in wb.sheets]
        if missing:
            shown = "、".join(f"“{n}”" for n in wb.names) or "（无）"
            for name in missing:
                self.error(
                    Place(book.rel, name),
                    f"缺少工作表“{name}”（工作簿中的工作表：{shown}）；请不要重命名或删除工作表，"
                    "可以用 docgen intake template 生成的模板重新填写",
                )
        for sheet in wb.sheets.values():
            if sheet.name == META_SHEET:
                continue
            self._sheet_checks(book, sheet)
        return not missing

    def _sheet_checks(self, book: _Book, sheet: Sheet) -> None:
        for r0, c0, r1, c1 in sheet.merged:
            for (r, c), value in sorted(sheet.cells.items()):
                if r0 <= r <= r1 and c0 <= c <= c1 and (r, c) != (r0, c0):
                    rng = f"{cell_name(r0, c0)}:{cell_name(r1, c1)}"
                    self.error(
                        Place(book.rel, sheet.name, cell_name(r, c)),
                        f"合并单元格 {rng} 中被遮住的 {cell_name(r, c)} 有内容“{_short(value)}”，"
                        f"合并后只显示左上角 {cell_name(r0, c0)}；请取消合并，把内容填到正确的格子后再发送",
                    )
        for r, c in sorted(sheet.formulas_without_value):
            self.error(
                Place(book.rel, sheet.name, cell_name(r, c)),
                "这个格子是公式，但文件中没有保存计算结果（可能由其他程序生成）；请在 Excel 或 WPS "
                "中打开并保存一次，或直接填写数值",
            )
            sheet.cells.pop((r, c), None)
        if sheet.beyond_limit is not None:
            self.error(
                Place(book.rel, sheet.name),
                f"第 {sheet.beyond_limit} 行还有内容：每张工作表只读取前 {ROW_LIMIT} 行，"
                "可能粘贴了大量数据；请删除多余的行后再发送",
            )

    def _labels_ok(
        self, book: _Book, sheet_name: str, fields: Sequence[Field | IndicatorField]
    ) -> bool:
        sheet = book.wb.sheets[sheet_name]
        ok = True
        for f in fields:
            got = sheet.value(f.row, COL_LABEL)
            if (str(got).strip() if got is not None else "") != f.label:
                self.error(
                    Place(book.rel, sheet_name, cell_name(f.row, COL_LABEL)),
                    f"表格结构被改动：这里应为“{f.label}”，实际为“{_short(got)}”；"
                    "请不要插入、删除或移动行，可以用新模板重新填写",
                )
                ok = False
                break
        return ok

    # ------------------------------------------------------------------ reading fields

    def _read_field(
        self,
        book: _Book,
        sheet: Sheet,
        f: Field,
        target: dict[str, Any],
        places: SourceMap,
        prefix: str,
        choices: Callable[[], dict[str, str]],
    ) -> Any:
        place = Place(book.rel, sheet.name, f.cell)
        places.add(prefix + f.path, place, f.label)
        raw = sheet.value(f.row, COL_VALUE)
        try:
            value, note = _convert(raw, f.kind, choices(), f.label)
        except nz.Unreadable as exc:
            self.error(place, f"{f.label}：{exc}")
            return None
        if note:
            self.warn(place, note if note.startswith(f.label) else f"{f.label}：{note}")
        if value is not None:
            _put(target, f.path, value)
        return value

    def _city(
        self, lay: Layout, books: list[_Book]
    ) -> tuple[dict[str, Any], SourceMap, list[tuple[str, str, Place]]]:
        places = SourceMap()
        data: dict[str, Any] = {}
        listing: list[tuple[str, str, Place]] = []
        if not books:
            return data, places, listing
        book = books[0]
        fields = lay.city_sheet_fields(book.version)
        if not self._sheets_ok(book, CITY_SHEETS) or not self._labels_ok(book, SHEET_CITY, fields):
            return data, places, listing
        sheet = book.wb.sheets[SHEET_CITY]
        yes_no = {lay.intake["labels"]["yes"]: "true", lay.intake["labels"]["no"]: "false"}
        for f in fields:
            self._read_field(book, sheet, f, data, places, "", lambda: yes_no)

        def at(path: str) -> Place:
            return Place(book.rel, SHEET_CITY, lay.city_field(path).cell)

        places.add("city", at("city.name"))
        places.add("city.contact", at("city.contact.name"))
        if book.version >= LETTER_SINCE:
            # validate names the whole letter ("letter", when nothing was filled in) by its
            # first row, the serial of the document number.
            places.add("letter", at("letter.number"))
            places.add("letter.contact", at("letter.contact.name"))
        else:
            self.warn(
                Place(book.rel, SHEET_CITY),
                f"该表格是第 {book.version} 版模板，没有“报送函”各行（发文字号的序号、机关代字、"
                "联系人等），报送函按默认内容生成，发文字号留空待手写；如需填写，请用 docgen intake "
                f"template --edition {lay.edition.id} 生成新模板，把城市信息表的内容填入新模板",
            )
        places.add("applications", Place(book.rel, SHEET_LIST))
        places.add("edition", Place(book.rel))
        places.add("schema", Place(book.rel))
        lst = book.wb.sheets[SHEET_LIST]
        for r in range(TABLE_FIRST_ROW, ROW_LIMIT + 1):
            app_id, _ = nz.text(lst.value(r, 2))
            folder, _ = nz.text(lst.value(r, 4))
            if app_id or folder:
                listing.append((app_id or "", folder or "", Place(book.rel, SHEET_LIST, f"B{r}")))
        return data, places, listing

    def _applicant(self, lay: Layout, book: _Book) -> _App | None:
        if not self._sheets_ok(book, lay.applicant_sheets(book.version)):
            return None
        if not self._labels_ok(book, SHEET_BASIC, lay.fields):
            return None
        with_indicators = book.version >= INDICATORS_SINCE and bool(lay.indicator_groups)
        if with_indicators and not self._labels_ok(
            book, SHEET_INDICATORS, [f for g in lay.indicator_groups for f in g.rows]
        ):
            return None
        path = book.wb.path
        folder = path.parent
        in_folder = folder.resolve() != self.in_dir.resolve()
        folder_name = folder.name if in_folder else path.stem
        app: dict[str, Any] = {}
        places = SourceMap()
        sheet = book.wb.sheets[SHEET_BASIC]
        places.add("", Place(book.rel))
        category: list[str | None] = [None]

        def categories() -> dict[str, str]:
            return lay.category_labels()

        def subtypes() -> dict[str, str]:
            if category[0] and lay.subtype_labels(category[0]):
                return lay.subtype_labels(category[0])
            union: dict[str, str] = {}
            for key in lay.edition.rules.categories:
                union.update(lay.subtype_labels(key))
            return union

        yes_no = {lay.intake["labels"]["yes"]: "true", lay.intake["labels"]["no"]: "false"}
        for f in lay.fields:
            choice = {"category": categories, "subtype": subtypes}.get(f.kind, lambda: yes_no)
            value = self._read_field(book, sheet, f, app, places, ".", choice)
            if f.path == "category":
                category[0] = value
        groups = {
            "applicant": "applicant.name",
            "applicant.contact": "applicant.contact.name",
            "platform": "platform.launched_on",
            "declarations": "declarations.independent_legal_person",
        }
        for group, first in groups.items():
            places.add(f".{group}", places.places[f".{first}"])
        if "id" not in app:
            # Not filled in: the applicant's folder (or the workbook's) name is the id.
            app["id"] = folder_name
        self._financials(book, sheet, lay, app, places)
        self._indicators(book, lay, app, places)
        files: list[tuple[str, Path]] = []
        self._attachments(book, folder, app, places, files)
        self._sections(book, folder, in_folder, app, places)
        # The city file's key order, whatever the order the cells were read in.
        ordered = {k: app[k] for k in _APP_KEYS if k in app}
        return _App(book.wb, book.rel, folder, folder_name, ordered, places, files)

    def _financials(
        self, book: _Book, sheet: Sheet, lay: Layout, app: dict[str, Any], places: SourceMap
    ) -> None:
        rows: list[dict[str, Any]] = []
        first = Place(book.rel, SHEET_BASIC, f"B{lay.fin_first_row}")
        places.add(".financials", first)
        for r in range(lay.fin_first_row, ROW_LIMIT + 1):
            cells = {col.col: sheet.value(r, col.col) for col in lay.fin_columns}
            if all(v is None for v in cells.values()):
                if not any(
                    sheet.value(rr, c.col) for rr in range(r, r + 3) for c in lay.fin_columns
                ):
                    break
                continue
            k = len(rows)
            row: dict[str, Any] = {}
            year = None
            for col in lay.fin_columns:
                place = Place(book.rel, SHEET_BASIC, f"{col.letter}{r}")
                json_path = f".financials[{k}].{col.key}"
                label = f"{year}年{col.label}" if year else col.label
                places.add(json_path, place, label)
                try:
                    value, note = _convert(cells[col.col], col.kind, {}, col.label)
                except nz.Unreadable as exc:
                    self.error(place, f"{label}：{exc}")
                    continue
                if note:
                    self.warn(place, f"{label}：{note}")
                if value is not None:
                    row[col.key] = value
                    if col.key == "year":
                        year = value
            places.add(f".financials[{k}]", Place(book.rel, SHEET_BASIC, f"B{r}"))
            rows.append(row)
        if rows:
            app["financials"] = rows

    def _indicators(self, book: _Book, lay: Layout, app: dict[str, Any], places: SourceMap) -> None:
        """The rows of the application's subtype's group of 主要指标 into ``indicators``; a
        value in another group is an error at its cell (the category or subtype is wrong, or
        the row)."""
        category, subtype = app.get("category"), app.get("subtype")
        own = lay.indicator_group(category, subtype)
        if book.version < INDICATORS_SINCE or not lay.indicator_groups:
            if own is not None:
                places.add(".indicators", Place(book.rel))
                self.warn(
                    Place(book.rel),
                    f"该表格是第 {book.version} 版模板，没有“{SHEET_INDICATORS}”表，{own.who}的"
                    "指标表在申报书中留空待手写；如需填写，请用 docgen intake template --edition "
                    f"{lay.edition.id} 生成新模板，把本表内容填入新模板",
                )
            return
        sheet = book.wb.sheets[SHEET_INDICATORS]
        cat = lay.edition.rules.categories.get(str(category))
        # Whose rows are whose is known once the category (and its subtype, if it has any) is.
        known = cat is not None and (not cat.subtypes or subtype in cat.subtypes)
        mine = ""
        if cat is not None:
            sub = cat.subtypes.get(str(subtype)) if cat.subtypes else None
            mine = f"{cat.label}（{sub.label}）" if sub is not None else cat.label
        values: dict[str, Any] = {}
        for g in lay.indicator_groups:
            if g is own:
                places.add(".indicators", Place(book.rel, SHEET_INDICATORS, g.caption_cell))
            for f in g.rows:
                place = Place(book.rel, SHEET_INDICATORS, f.cell)
                raw = sheet.value(f.row, IND_COL_VALUE)
                if g is not own:
                    if known and nz.text(raw)[0] is not None:
                        self.error(
                            place,
                            f"{f.label}：这一组指标只由{g.who}填写，本表申报的是{mine}；"
                            "请删除这一格，或改正“基本信息”中的申报类别和类型",
                        )
                    continue
                places.add(f".indicators.{f.key}", place, f.label)
                try:
                    value, note = _indicator(raw, f)
                except nz.Unreadable as exc:
                    self.error(place, f"{f.label}：{exc}")
                    continue
                if note:
                    self.warn(place, note if note.startswith(f.label) else f"{f.label}：{note}")
                if value is not None:
                    values[f.key] = value
        if values:
            app["indicators"] = values

    def _attachments(
        self,
        book: _Book,
        folder: Path,
        app: dict[str, Any],
        places: SourceMap,
        files: list[tuple[str, Path]],
    ) -> None:
        sheet = book.wb.sheets[SHEET_ATTACHMENTS]
        out: list[dict[str, Any]] = []
        used: set[str] = set()
        places.add(".attachments", Place(book.rel, SHEET_ATTACHMENTS))
        for r in range(TABLE_FIRST_ROW, ROW_LIMIT + 1):
            title_place = Place(book.rel, SHEET_ATTACHMENTS, f"B{r}")
            file_place = Place(book.rel, SHEET_ATTACHMENTS, f"C{r}")
            title, note_t = nz.text(sheet.value(r, 2))
            name, note_f = nz.text(sheet.value(r, 3))
            if title is None and name is None:
                continue
            j = len(out)
            p = f".attachments[{j}]"
            places.add(p, title_place)
            places.add(f"{p}.title", title_place, "材料名称")
            places.add(f"{p}.file", file_place, "文件名")
            for place, note in ((title_place, note_t), (file_place, note_f)):
                if note:
                    self.warn(place, note)
            entry: dict[str, Any] = {}
            if title is not None:
                entry["title"] = title
            target = ""
            if name is None:
                self.error(file_place, "缺少文件名：请填写随附材料的文件名（与本表放在同一文件夹）")
            else:
                source = self._attachment_source(folder, name, file_place)
                stem, dot, ext = PurePosixPath(name.replace("\\", "/")).name.rpartition(".")
                base = safe_name(stem if dot else name) + (("." + safe_name(ext)) if dot else "")
                target = base
                n = 2
                while target.casefold() in used:
                    target = f"{safe_name(stem if dot else name)}-{n}" + (
                        ("." + safe_name(ext)) if dot else ""
                    )
                    n += 1
                used.add(target.casefold())
                if source is not None:
                    files.append((target, source))
            entry["file"] = target
            out.append(entry)
        if out:
            app["attachments"] = out

    def _attachment_source(self, folder: Path, name: str, place: Place) -> Path | None:
        clean = name.replace("\\", "/")
        parts = PurePosixPath(clean).parts
        if clean.startswith("/") or re.match(r"^[A-Za-z]:", clean) or ".." in parts:
            self.error(
                place,
                f"文件名“{name}”不能是绝对路径或含“..”；请把文件放在本表所在的文件夹中，只写文件名",
            )
            return None
        source = folder.joinpath(*parts)
        try:
            real = source.resolve()
            inside = real.is_relative_to(folder.resolve())
        except (OSError, RuntimeError):
            inside = False
        if not inside:
            self.error(place, f"文件“{name}”指向本文件夹以外的位置（链接），docgen 不会读取它")
            return None
        if not source.exists():
            shown = self.rel(folder) if folder != self.in_dir else "本文件夹"
            self.error(
                place,
                f"找不到文件“{name}”：应与本表放在同一文件夹（{shown}）中，文件名须与这里填写的一致",
            )
            return None
        return source

    def _sections(
        self, book: _Book, folder: Path, in_folder: bool, app: dict[str, Any], places: SourceMap
    ) -> None:
        sheet = book.wb.sheets[SHEET_SECTIONS]
        sections: list[dict[str, Any]] = []
        places.add(".sections", Place(book.rel, SHEET_SECTIONS))
        used: dict[Path, set[int]] = {}
        rows = [
            r
            for r in range(TABLE_FIRST_ROW, ROW_LIMIT + 1)
            if any(sheet.value(r, c) is not None for c in (2, 3, 4))
        ]
        for r in rows:
            k = len(sections)
            p = f".sections[{k}]"
            head_place = Place(book.rel, SHEET_SECTIONS, f"B{r}")
            text_place = Place(book.rel, SHEET_SECTIONS, f"C{r}")
            word_place = Place(book.rel, SHEET_SECTIONS, f"D{r}")
            heading, note = nz.text(sheet.value(r, 2))
            if note:
                self.warn(head_place, f"章节标题：{note}")
            places.add(p, head_place)
            places.add(f"{p}.heading", head_place, "章节标题")
            places.add(f"{p}.text", text_place, "正文")
            section: dict[str, Any] = {}
            if heading is not None:
                section["heading"] = heading
            raw_text = sheet.value(r, 3)
            word, _ = nz.text(sheet.value(r, 4))
            if raw_text is not None:
                text, note = nz.text(raw_text)
                if note:
                    self.warn(text_place, f"正文：{note}")
                section["text"] = (text or "").replace("\r\n", "\n").replace("\r", "\n")
            elif word is not None:
                docx = self._attachment_source(folder, word, word_place)
                narrative = self._narrative(docx, word_place) if docx else None
                if narrative is not None and docx is not None:
                    text, where = self._pick(
                        narrative, heading, used.setdefault(docx, set()), word_place, word
                    )
                    if text is not None:
                        section["text"] = text
                        places.add(f"{p}.text", Place(self.rel(docx), where=where), "正文")
            else:
                self.error(text_place, "正文为空：请在 C 列填写正文，或在 D 列填写 Word 文件名")
            sections.append(section)
        for docx, taken in used.items():
            narrative = self.narratives.get(docx)
            if narrative is None:
                continue
            for s in narrative.sections:
                if s.number not in taken and len(narrative.sections) > 1:
                    self.warn(
                        Place(self.rel(docx), where=f"第 {s.number} 节"),
                        f"章节“{s.heading}”没有列在“申报材料”表中，未导入；如需导入，请在表中加一行写明标题和文件名",
                    )
        if not rows:
            docx = folder / NARRATIVE_DOCX if in_folder else None
            if docx is not None and docx.is_file():
                narrative = self._narrative(docx, Place(self.rel(docx)))
                if narrative is not None:
                    for k, s in enumerate(narrative.sections):
                        place = Place(self.rel(docx), where=f"第 {s.number} 节")
                        places.add(f".sections[{k}]", place)
                        places.add(f".sections[{k}].heading", place, "章节标题")
                        places.add(f".sections[{k}].text", place, "正文")
                        sections.append({"heading": s.heading, "text": s.text})
        if sections:
            app["sections"] = sections

    def _narrative(self, docx: Path, place: Place) -> Narrative | None:
        if docx in self.narratives:
            return self.narratives[docx]
        rel = self.rel(docx)
        narrative: Narrative | None = None
        try:
            read = read_narrative(docx)
        except Refusal as exc:
            self.error(Place(rel), str(exc))
        else:
            self.inputs.append(docx)
            for message in read.warnings:
                self.warn(Place(rel), message)
            if read.preamble and not self._is_guidance(read.preamble):
                self.warn(
                    Place(rel, where="正文开头"),
                    f"第一个章节标题之前的文字“{_short(read.preamble)}”未导入；"
                    "章节标题请用“标题 1”样式或“一、……”编号",
                )
            narrative = read
        self.narratives[docx] = narrative
        return narrative

    def _is_guidance(self, text: str) -> bool:
        """The template's own title and guidance paragraph (not the applicant's text)."""
        assert self.lay is not None
        narrative = self.lay.intake["narrative"]
        own = {narrative["title"], narrative["guidance"]}
        return all(line.strip() in own for line in text.splitlines() if line.strip())

    def _pick(
        self, narrative: Narrative, heading: str | None, taken: set[int], place: Place, word: str
    ) -> tuple[str | None, str]:
        if not narrative.sections:
            return narrative.preamble, "全文"
        if heading is not None:
            key = heading_key(heading)
            for s in narrative.sections:
                if heading_key(s.heading) == key and s.number not in taken:
                    taken.add(s.number)
                    return s.text, f"第 {s.number} 节"
        if len(narrative.sections) == 1 and not taken:
            taken.add(1)
            return narrative.sections[0].text, "第 1 节"
        found = "、".join(f"“{s.heading}”" for s in narrative.sections)
        self.error(
            place,
            f"Word 文件“{word}”中没有标题为“{heading or ''}”的章节（文件中的章节：{found}）；"
            "请使两处标题一致",
        )
        return None, ""

    # ------------------------------------------------------------------ order

    def _order(
        self,
        lay: Layout,
        apps: list[_App],
        listing: list[tuple[str, str, Place]],
        city: list[_Book],
    ) -> list[_App]:
        cat_order = {key: i for i, key in enumerate(lay.edition.rules.categories)}

        def natural(app: _App) -> tuple[object, ...]:
            return (
                cat_order.get(str(app.data.get("category")), 99),
                str(app.data.get("id")),
                app.rel,
            )

        if not listing:
            return sorted(apps, key=natural)
        ordered: list[_App] = []
        remaining = list(apps)
        for app_id, folder, place in listing:
            match = next(
                (
                    a
                    for a in remaining
                    if (app_id and a.data.get("id") == app_id)
                    or (folder and folder in (a.folder_name, a.rel, Path(a.rel).parent.as_posix()))
                ),
                None,
            )
            if match is None:
                self.error(
                    place,
                    f"申报清单中的“{app_id or folder}”没有找到对应的申报信息表；"
                    "请检查申报编号和文件夹名，或删除这一行",
                )
                continue
            remaining.remove(match)
            ordered.append(match)
        for app in sorted(remaining, key=natural):
            self.warn(
                Place(app.rel),
                f"申报“{app.data.get('id')}”没有列在城市信息表的申报清单中，已排在最后；"
                "如需调整打印顺序，请在申报清单中加上它",
            )
            ordered.append(app)
        return ordered

    # ------------------------------------------------------------------ writing and checking

    def _write(
        self,
        data: dict[str, Any],
        source: SourceMap,
        apps: list[_App],
        fallback: Place | None,
        result: CollectResult,
    ) -> None:
        raw = _dump(data)
        for app in apps:
            for _target, src in app.files:
                self.inputs.append(src)
        intake_places = {p for f in self.findings if f.level == "error" for p in f.places}
        try:
            with guarded_output(self.out_dir, tuple(self.inputs), self.in_dir) as out:
                for app in apps:
                    for target, src in app.files:
                        try:
                            blob = read_regular(src, src.name)
                        except (OSError, ValueError) as exc:
                            self.error(Place(self.rel(src)), f"无法读取：{exc}")
                            continue
                        out.write(target, blob)
                out.write("city.json", raw)
                out.write(SOURCE_MAP, _dump(source.as_dict()))
                try:
                    city = load_city(out.tmp_dir / "city.json")
                    found = validate(city, edition_dirs=self.edition_dirs)
                except InputError as exc:
                    found = exc.findings
                tmp = str(out.tmp_dir)
                for f in translate(found, source, fallback):
                    if any(p in intake_places for p in f.places):
                        continue
                    message = f.message.replace(tmp, str(self.out_dir))
                    self.findings.append(IntakeFinding(f.level, message, f.places, f.path))
                if any(f.level == "error" for f in self.findings):
                    raise _Discard
        except _Discard:
            return
        result.written = self.out_dir


@dataclass(frozen=True)
class _Book:
    wb: Workbook
    rel: str
    version: int = 0  # the template version its hidden sheet records (0: none or unreadable)


def _version(recorded: str) -> int:
    return int(recorded) if recorded.isascii() and recorded.isdigit() else 0


_APP_KEYS = (
    "id",
    "category",
    "subtype",
    "mode",
    "title",
    "applicant",
    "platform",
    "financials",
    "declarations",
    "sections",
    "attachments",
    "indicators",
)


def _skipped(name: str) -> bool:
    return name.startswith(("~$", ".")) or is_annotated_name(name)


def _is_workbook_name(name: str) -> bool:
    return name.lower().endswith(WORKBOOK_SUFFIXES)


def _short(value: object, n: int = 20) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= n else text[:n] + "…"


def _convert(raw: Any, kind: str, choices: dict[str, str], label: str) -> tuple[Any, str | None]:
    if kind == "uscc":
        return nz.uscc(raw)
    if kind == "date":
        day, note = nz.as_date(raw)
        return (day.isoformat() if day else None), note
    if kind in ("money", "signed_money"):
        return nz.as_decimal(raw)
    if kind == "int":
        return nz.as_int(raw)
    if kind == "bool":
        return nz.as_bool(raw)
    if kind in ("category", "subtype"):
        return nz.as_choice(raw, choices, label)
    if kind == "postcode":
        return nz.digits(raw)
    if kind == "serial":
        return nz.serial(raw)
    return nz.text(raw)


def _indicator(raw: Any, f: IndicatorField) -> tuple[Any, str | None]:
    """A cell of 主要指标 as its row's type: a count (a trailing unit such as 个 or 项 taken
    off), a number (thousands separators, a trailing unit), or a text."""
    if f.type == "count":
        return nz.as_int(raw, units="人个家单户次项" + f.unit)
    if f.type == "number":
        return nz.as_decimal(raw, unit=f.unit)
    return nz.text(raw)


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value


def _dump(data: Any) -> bytes:
    """JSON with every Decimal written with its digits (never through a binary float)."""
    token = f"@@decimal-{secrets.token_hex(8)}@@"
    numbers: list[str] = []

    def default(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            numbers.append(str(obj))
            return f"{token}{len(numbers) - 1}"
        raise TypeError(type(obj).__name__)

    text = json.dumps(data, ensure_ascii=False, indent=2, default=default)
    text = re.sub(f'"{re.escape(token)}(\\d+)"', lambda m: numbers[int(m.group(1))], text)
    return (text + "\n").encode("utf-8")
