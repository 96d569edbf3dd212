"""``docgen intake export city.json -o DIR``: a city file as the workbooks applicants fill in.

DIR receives ``城市信息.xlsx`` (the letter's rows filled from the city file's ``letter`` section,
the 申报清单 in the city file's order), and per application a folder named by its id with
``申报信息表.xlsx``, ``申报书正文.docx`` (the narrative; the 申报材料 sheet names it for every
section; 主要指标 the application's ``indicators`` in its subtype's group) and a copy of each
attachment. ``docgen intake collect DIR`` gives the
same city back: the same data, the same attachments by content; a narrative comes back in the
canonical form of its Markdown (one blank line between blocks), which prints the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..attachments import read_regular
from ..edition import load_edition
from ..errors import DocgenError
from ..model import Application, City
from ..output import guarded_output, safe_name
from .docxwrite import narrative_docx
from .layout import APPLICANT_WORKBOOK, CITY_WORKBOOK, NARRATIVE_DOCX, Layout, layout
from .template import Written, applicant_workbook, city_workbook


def export_city(city: City, out_dir: Path, edition_dirs: tuple[Path, ...] = ()) -> Written:
    """Write DIR from ``city`` (loaded with ``load_city``); OUT rules as for every docgen output."""
    edition = load_edition(city.edition, edition_dirs)
    lay = layout(edition)
    files: dict[str, bytes] = {}
    inputs: list[Path] = [city.source] if city.source else []
    listing: list[tuple[str, str, str]] = []
    for app in city.applications:
        folder = safe_name(app.id)
        listing.append((app.id, app.applicant.name, folder))
        names: set[str] = set()
        attachments: list[tuple[str, str]] = []
        for att in app.attachments:
            source = (city.base_dir / att.file).resolve()
            name = _unique(safe_name(Path(att.file).stem) + Path(att.file).suffix, names)
            files[f"{folder}/{name}"] = read_regular(source, att.file)
            inputs.append(source)
            attachments.append((att.title, name))
        sections = [(s.heading, "", NARRATIVE_DOCX) for s in app.sections]
        files[f"{folder}/{APPLICANT_WORKBOOK}"] = applicant_workbook(
            lay,
            _app_values(lay, app),
            [f.model_dump() for f in app.financials],
            sections,
            attachments,
            group=lay.indicator_group(app.category, app.subtype),
            indicators=_indicators(lay, app),
        )
        narrative = lay.intake["narrative"]
        files[f"{folder}/{NARRATIVE_DOCX}"] = narrative_docx(
            narrative["title"], narrative["guidance"], [(s.heading, s.text) for s in app.sections]
        )
    files[CITY_WORKBOOK] = city_workbook(lay, _city_values(lay, city), listing)
    input_folder = city.source.resolve().parent if city.source else None
    with guarded_output(out_dir, inputs, input_folder) as out:
        for rel, data in sorted(files.items()):
            out.write(rel, data)
    return Written(out_dir, tuple(sorted(files)))


def _indicators(lay: Layout, app: Application) -> dict[str, Any]:
    """The application's indicators, each of which must have its row in the subtype's group
    (a city file ``validate`` accepts has no other): a value without a row is refused rather
    than left out of the workbooks."""
    given = app.indicators or {}
    group = lay.indicator_group(app.category, app.subtype)
    keys = {f.key for f in group.rows} if group else set()
    stray = [key for key in given if key not in keys]
    if stray:
        names = "、".join(f"“{key}”" for key in stray)
        raise DocgenError(
            f"申报“{app.id}”的指标{names}在申报信息表中没有对应的行（其申报类别和类型没有这些指标）；"
            "请先用 docgen validate 检查并改正城市申报文件，再导出"
        )
    return dict(given)


def _unique(name: str, used: set[str]) -> str:
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = name, 2
    while candidate.casefold() in used:
        candidate = f"{stem}-{n}{suffix}"
        n += 1
    used.add(candidate.casefold())
    return candidate


def _lookup(obj: Any, path: str) -> Any:
    for key in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, key, None)
    return obj


def _app_values(lay: Layout, app: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in lay.fields:
        value = _lookup(app, f.path)
        if value is None:
            continue
        if f.kind == "category":
            value = lay.edition.rules.categories[value].label
        elif f.kind == "subtype":
            value = lay.edition.rules.categories[app.category].subtypes[value].label
        values[f.path] = value
    return values


def _city_values(lay: Layout, city: City) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in (*lay.city_fields, *lay.letter_fields):
        value = _lookup(city, f.path)
        if value is not None:
            values[f.path] = value
    return values
