"""Annex 1 on every sample: every value the applicant gave reaches the PDF and the DOCX."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document as DocxFile
from pypdf import PdfReader

from docgen.compose.declaration import compose_declaration
from docgen.document import Document, Run, iter_runs
from docgen.edition import load_edition
from docgen.model import load_city, parse_city
from docgen.render.docx import render_docx
from docgen.render.fonts import resolve_fonts
from docgen.render.linebreak import CANNOT_END, CANNOT_START
from docgen.render.pdf import render_pdf

from .conftest import sample_files

EDITION = load_edition("gx-2021-3")
_PAGE_NUMBER = re.compile(r"^\s*— \d+ —\s*$", re.MULTILINE)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _user_strings(doc: Document) -> list[Run]:
    """Runs that carry the applicant's data (they have a source path), as printed."""
    return [run for run, _role in iter_runs(doc) if run.source and _squash(run.text)]


def _docx_text(data: bytes) -> str:
    d = DocxFile(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    # content controls and text boxes: read the XML text nodes as well
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    parts += re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)
    return _squash("".join(parts)).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.parent.name)
def test_every_value_is_printed_in_pdf_and_docx(path: Path) -> None:
    city = load_city(path)
    fonts = resolve_fonts()
    families = {role: fonts.family(role) for role in ("song", "hei", "kai", "fangsong")}
    docs = [compose_declaration(city, i, EDITION) for i in range(len(city.applications))]
    rendered = render_pdf(docs, fonts)
    reader = PdfReader(io.BytesIO(rendered.data))
    for app, doc, placed in zip(city.applications, docs, rendered.docs, strict=True):
        pages = reader.pages[placed.first_page : placed.first_page + placed.pages]
        # page numbers ("— 9 —") stand between the halves of a paragraph that crosses a page
        pdf_text = _squash("".join(_PAGE_NUMBER.sub("", page.extract_text()) for page in pages))
        docx_text = _docx_text(render_docx(doc, families))
        # the cover is exactly one page, whatever the length of the names on it
        assert "填报说明" in pages[1].extract_text(), f"{app.id}: cover overflows"
        for run in _user_strings(doc):
            wanted = _squash(run.text)
            assert wanted in pdf_text, f"{app.id} PDF lacks {run.source}: {wanted[:40]}"
            assert wanted in docx_text, f"{app.id} DOCX lacks {run.source}: {wanted[:40]}"


@pytest.mark.parametrize("code", ["450900", "450100"])
def test_no_line_breaks_the_punctuation_rules(code: str) -> None:
    city = load_city(next(p for p in sample_files() if p.parent.name == code))
    docs = [compose_declaration(city, i, EDITION) for i in range(len(city.applications))]
    rendered = render_pdf(docs, resolve_fonts())
    bad: list[str] = []
    for page in PdfReader(io.BytesIO(rendered.data)).pages:
        for line in page.extract_text().splitlines():
            line = line.strip()
            # page numbers, and table cells holding only the none mark "—", are not wrapped text
            if not line or _PAGE_NUMBER.fullmatch(line) or line == "—":
                continue
            if line[0] in CANNOT_START or line[-1] in CANNOT_END:
                bad.append(line)
    assert bad == []


def test_cover_is_one_page_even_with_very_long_names() -> None:
    source = next(p for p in sample_files() if p.parent.name == "450200")
    fonts = resolve_fonts()
    for n in (40, 100):  # real names and titles stay well under 100 characters
        data = json.loads(source.read_text(encoding="utf-8"))
        app = data["applications"][3]
        app["applicant"]["name"] = "柳州" + "龙" * n + "有限公司"
        app["title"] = "柳东新区" + "汽车产业集群" * (n // 6) + "共享工厂项目"
        city = parse_city(json.dumps(data, ensure_ascii=False).encode("utf-8"))
        doc = compose_declaration(city, 3, EDITION)
        reader = PdfReader(io.BytesIO(render_pdf([doc], fonts).data))
        assert "填报说明" in reader.pages[1].extract_text(), f"cover overflows with {n} characters"


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.parent.name)
def test_basic_table_keeps_credit_code_and_subtype_whole(path: Path) -> None:
    """In the basic-information table an 18-character credit code is one line (never
    "914502002XW55T1P3" over "K"), and a bracketed subtype, "（共享制造类）", is not split; the
    financial table's longest indicator is one line (never "…比" over "重（%）")."""
    city = load_city(path)
    docs = [compose_declaration(city, i, EDITION) for i in range(len(city.applications))]
    rendered = render_pdf(docs, resolve_fonts())
    reader = PdfReader(io.BytesIO(rendered.data))
    for app, placed in zip(city.applications, rendered.docs, strict=True):
        pages = reader.pages[placed.first_page : placed.first_page + placed.pages]
        lines = [ln.strip() for page in pages for ln in page.extract_text().splitlines()]
        code = app.applicant.uscc
        if code:
            assert any(code in ln for ln in lines), f"{app.id}: {code} broken over lines"
        cat = EDITION.rules.categories[app.category]
        sub = cat.subtypes.get(app.subtype or "")
        if sub is not None:
            assert any(f"（{sub.label}）" in ln for ln in lines), f"{app.id}: {sub.label} split"
        cover = [ln.replace(" ", "") for ln in pages[0].extract_text().splitlines()]
        for ending in ("股份有限公司", "有限责任公司", "有限公司", "人民政府"):
            if app.applicant.name.endswith(ending):  # "…有限" over "公司" on the cover
                parts = [ending[k:] for k in range(1, len(ending))]
                assert not any(ln.startswith(tuple(parts)) for ln in cover), f"{app.id}: {ending}"
                break
        if app.financials:  # the longest indicator of the financial table is one line
            share = "服务收入占营业收入比重（%）"
            assert any(share in ln.replace(" ", "") for ln in lines), f"{app.id}: {share} split"
