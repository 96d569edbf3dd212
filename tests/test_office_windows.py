"""Word and Excel files a secretary can trust on Windows (issue 11).

Every sample's declaration forms as DOCX: the same form as the PDF (labels and values in order,
no stray punctuation lines, each page break of the model a new page, the commitment and the
recommendation pages as in the PDF, page counts), Windows faces only and declared, current Word
settings. The summary XLSX: prints at 9 pt or more, every row, numbers as numbers.

LibreOffice lays the Word files out with ``tests/data/fonts.conf``, which maps the Windows faces to
the Debian faces the PDF is drawn with; all forms are converted in one LibreOffice run.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.table import Table as DocxTable

from docgen.compose.declaration import compose_declaration
from docgen.document import Document, Heading, PageBreak, Paragraph, iter_runs, plain, runs
from docgen.edition import load_edition
from docgen.model import City, load_city
from docgen.render.docx import FACES, FONT_TABLE, WINDOWS_FACES, render_docx
from docgen.render.fonts import resolve_fonts
from docgen.render.pdf import SEAL_LABEL, render_pdf

from .conftest import DATA, sample_files

EDITION = load_edition("gx-2021-3")
FONTS_CONF = DATA / "fonts.conf"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")
PARITY_SHARE = 0.9  # forms whose Word page count equals the PDF's


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass
class Form:
    code: str
    city: City
    application_id: str
    doc: Document
    docx: bytes
    pdf_pages: list[str]  # docgen's PDF, text per page (pdftotext)
    pdf_drawn: list[str]  # the same in drawing order (pdftotext -raw)
    docx_path: Path


def _run(*args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        args, check=True, capture_output=True, text=True, timeout=600, env=env
    ).stdout


def _pdf_pages(pdf: Path, *, raw: bool = False) -> list[str]:
    """Text per page, in reading order (or in drawing order with ``raw``: a table row's cells
    one after the other), without the seal slot marks' tiny label 公章 (a mark, not content;
    the Word file's marks have none)."""
    count = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(pdf))).group(1))
    mode = ("-raw",) if raw else ()
    pages = []
    for i in range(1, count + 1):
        text = _run("pdftotext", *mode, "-f", str(i), "-l", str(i), str(pdf), "-")
        pages.append("\n".join(ln for ln in text.split("\n") if ln.strip() != SEAL_LABEL))
    return pages


def libreoffice(paths: list[Path], outdir: Path, fmt: str = "pdf") -> None:
    """Convert ``paths`` in one LibreOffice run with a private profile and the test fontconfig."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) must be installed"
    env = {
        "HOME": str(outdir),
        "PATH": "/usr/bin:/bin",
        "FONTCONFIG_FILE": str(FONTS_CONF),
        "LANG": "C.UTF-8",
    }
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(outdir / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=900,
        env=env,
    )


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> list[Form]:
    """Every sample's forms: the model, the DOCX, docgen's PDF split per form."""
    work = tmp_path_factory.mktemp("office_forms")
    fonts = resolve_fonts()
    out: list[Form] = []
    for path in sample_files():
        city = load_city(path)
        code = path.parent.name
        docs = [compose_declaration(city, i, EDITION) for i in range(len(city.applications))]
        rendered = render_pdf(docs, fonts)
        whole = work / f"{code}.pdf"
        whole.write_bytes(rendered.data)
        pages = _pdf_pages(whole)
        drawn = _pdf_pages(whole, raw=True)
        for app, doc, placed in zip(city.applications, docs, rendered.docs, strict=True):
            data = render_docx(doc)
            target = work / f"{code}-{app.id}.docx"
            target.write_bytes(data)
            own = slice(placed.first_page, placed.first_page + placed.pages)
            out.append(Form(code, city, app.id, doc, data, pages[own], drawn[own], target))
    return out


@pytest.fixture(scope="module")
def word_pages(forms: list[Form], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each form's DOCX as LibreOffice prints it: text per page."""
    outdir = tmp_path_factory.mktemp("office_lo")
    libreoffice([f.docx_path for f in forms], outdir)
    return {f.docx_path.stem: _pdf_pages(outdir / f"{f.docx_path.stem}.pdf") for f in forms}


# ---------------------------------------------------------------------- the same form


def _docx_paragraph_texts(data: bytes) -> list[str]:
    """Every paragraph's text in body order, table cells included (a merged cell once)."""
    word = docx.Document(io.BytesIO(data))
    out: list[str] = []
    for item in word.iter_inner_content():
        if isinstance(item, DocxTable):
            for row in item.rows:
                seen: list[object] = []
                for cell in row.cells:
                    if cell._tc in seen:
                        continue
                    seen.append(cell._tc)
                    out += [p.text for p in cell.paragraphs]
        else:
            out.append(item.text)
    return out


def _printed_strings(doc: Document) -> list[str]:
    """The labels and values of the form, in the model's (the PDF's) order."""
    out = []
    for run, _role in iter_runs(doc):
        text = _squash(run.text)
        if text and text != "（此页无正文）":  # the PDF prints it only on a page of its own
            out.append(text)
    return out


def test_no_paragraph_is_only_punctuation_or_blank(forms: list[Form]) -> None:
    bad = []
    for form in forms:
        # the form's own none mark "—" in a table cell is a value, as in the PDF
        values = {run.text for run, _ in iter_runs(form.doc)}
        for text in _docx_paragraph_texts(form.docx):
            if not text or text in values:
                continue  # a spacer paragraph has no text at all
            if all(unicodedata.category(c)[0] in "PZ" or c.isspace() for c in text):
                bad.append(f"{form.application_id}: {text!r}")
    assert bad == []


def test_docx_holds_every_label_and_value_of_the_pdf_in_order(forms: list[Form]) -> None:
    for form in forms:
        docx_text = _squash("".join(_docx_paragraph_texts(form.docx)))
        pdf_text = _squash(_PAGE_NUMBER.sub("", "".join(form.pdf_drawn)))
        pos = 0
        for text in _printed_strings(form.doc):
            assert text in pdf_text, f"{form.application_id}: the PDF lacks {text[:30]}"
            found = docx_text.find(text, pos)
            assert found >= 0, f"{form.application_id}: {text[:30]!r} missing or out of order"
            pos = found + len(text)


def test_cover_choices_read_as_in_the_pdf(forms: list[Form]) -> None:
    form = next(f for f in forms if f.application_id == "LZ-P1")
    word = docx.Document(io.BytesIO(form.docx))
    root = word.element.body
    lines = []
    for p in root.iter(qn("w:p")):
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        if "示范" in text and ("☐" in text or "☑" in text):
            lines.append(text.strip())
    assert lines == [
        "申报类别：☐示范企业",
        "☑示范平台（☑共享制造类 ☐其他类）",
        "☐示范项目",
        "☐示范城市（☐工业设计特色类 ☐其他类）",
    ]


def test_checkboxes_tick_with_a_check_mark_in_a_face_that_has_it(forms: list[Form]) -> None:
    form = forms[0]
    xml = zipfile.ZipFile(io.BytesIO(form.docx)).read("word/document.xml")
    root = docx.oxml.parse_xml(xml)
    for box in root.iter(f"{{{W14}}}checkbox"):
        checked = box.find(f"{{{W14}}}checkedState")
        unchecked = box.find(f"{{{W14}}}uncheckedState")
        assert checked.get(f"{{{W14}}}val") == "2611"
        assert unchecked.get(f"{{{W14}}}val") == "2610"
        assert checked.get(f"{{{W14}}}font") == "Segoe UI Symbol"
    shown = {"".join(t.text for t in sdt.iter(qn("w:t"))) for sdt in root.iter(qn("w:sdt"))}
    assert shown == {"☑", "☐"}


def test_cover_values_are_underlined_left_aligned_and_labels_plain(forms: list[Form]) -> None:
    form = forms[0]
    word = docx.Document(io.BytesIO(form.docx))
    para = next(p for p in word.paragraphs if p.text.startswith("推荐单位\t"))
    assert para.alignment in (None, docx.enum.text.WD_ALIGN_PARAGRAPH.LEFT)
    label, value = para.runs[0], para.runs[1]
    assert label.text == "推荐单位\t" and not label.underline
    assert value.text == form.city.city.bureau and value.underline
    assert para.runs[-1].underline and para.runs[-1].text == "\t"  # the rule to the right edge


# ---------------------------------------------------------------------- pages, through LibreOffice


def _starts_page(pages: list[str], text: str) -> bool:
    head = _squash(text)[:12]
    return any(_squash(page).startswith(head) for page in pages)


def _after_breaks(doc: Document) -> list[str]:
    """The first printed text after each page break of the model."""
    out = []
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        if not isinstance(block, PageBreak):
            continue
        for nxt in blocks[i + 1 :]:
            texts = [_squash(r.text) for r, _ in iter_runs(Document("x", "x", (nxt,)))]
            texts = [t for t in texts if t]
            if texts:
                out.append("".join(texts))
                break
    return out


def _page_with(pages: list[str], text: str) -> int:
    hits = [i for i, page in enumerate(pages) if _squash(text) in _squash(page)]
    assert hits, text
    return hits[0]


def _page_text(page: str) -> str:
    """A page's words: no page number, spacing or punctuation (pdftotext may drop a colon the
    PDF hangs past the line's end)."""
    text = _squash(_PAGE_NUMBER.sub("", page)).replace("（此页无正文）", "")
    return "".join(c for c in text if unicodedata.category(c)[0] != "P")


def test_word_pages_match_the_pdf(forms: list[Form], word_pages: dict[str, list[str]]) -> None:
    differ = []
    for form in forms:
        pages = word_pages[form.docx_path.stem]
        ident = form.application_id
        # every page break of the model starts a new page in Word
        for text in _after_breaks(form.doc):
            assert _starts_page(pages, text), f"{ident}: no page starts with {text[:12]}"
        # the commitment and the recommendation pages say what the PDF's say
        blocks = form.doc.blocks
        last_break = max(i for i, b in enumerate(blocks) if isinstance(b, PageBreak))
        headings = [b for b in blocks[last_break:] if isinstance(b, Heading)]
        assert len(headings) == 2
        for heading in headings:
            title = plain(heading.text)
            word = _page_text(pages[_page_with(pages, title)])
            pdf = _page_text(form.pdf_pages[_page_with(form.pdf_pages, title)])
            assert word == pdf, f"{ident}: the page of {title} differs"
        if len(pages) != len(form.pdf_pages):
            differ.append(f"{ident}: Word {len(pages)} pages, PDF {len(form.pdf_pages)}")
    same = len(forms) - len(differ)
    print(f"\npage counts equal for {same} of {len(forms)} forms")
    for line in differ:
        print("  " + line)
    assert same >= PARITY_SHARE * len(forms), differ


# ---------------------------------------------------------------------- faces


def _faces_named(parts: dict[str, bytes]) -> set[str]:
    """Every face named in a DOCX's parts, the font table excepted."""
    faces: set[str] = set()
    for name, data in parts.items():
        if not name.endswith(".xml") or name.endswith("fontTable.xml"):
            continue
        text = data.decode("utf-8")
        for fonts in re.findall(r"<w:rFonts [^>]*>", text):
            faces.update(re.findall(r'w:(?:ascii|hAnsi|eastAsia|cs)="([^"]*)"', fonts))
        faces.update(re.findall(r'w14:font="([^"]*)"', text))
        faces.update(re.findall(r'typeface="([^"]*)"', text))
        faces.update(re.findall(r'm:mathFont m:val="([^"]*)"', text))
    faces.discard("")
    return faces


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_docx_names_windows_faces_only_and_declares_exactly_them(forms: list[Form]) -> None:
    assert set(WINDOWS_FACES.values()) | {"Times New Roman"} <= FACES
    for form in forms:
        parts = _parts(form.docx)
        named = _faces_named(parts)
        assert named <= FACES, named - FACES
        table = docx.oxml.parse_xml(parts["word/fontTable.xml"])
        declared = {f.get(qn("w:name")): f for f in table.iter(qn("w:font"))}
        assert set(declared) == named
        for name, font in declared.items():
            decl = FONT_TABLE[name]
            assert font.find(qn("w:panose1")).get(qn("w:val")) == decl.panose
            assert font.find(qn("w:family")) is not None
            if name in WINDOWS_FACES.values():
                assert font.find(qn("w:charset")).get(qn("w:val")) == "86"
                assert font.find(qn("w:altName")).get(qn("w:val")) == decl.alt_name


def test_faces_are_on_styles_not_on_every_run(forms: list[Form]) -> None:
    for form in forms:
        xml = _parts(form.docx)["word/document.xml"].decode("utf-8")
        runs_ = xml.count("<w:r>") + xml.count("<w:r ")
        assert xml.count("<w:rFonts") <= max(10, runs_ // 20), form.application_id
    styles = _parts(forms[0].docx)["word/styles.xml"].decode("utf-8")
    assert 'w:eastAsia="仿宋"' in styles and 'w:ascii="Times New Roman"' in styles
    assert 'w:eastAsia="黑体"' in styles  # heading 1


def _one_paragraph(text: str) -> bytes:
    doc = Document("declaration", "字", (Paragraph(runs(text), role="hei"),))
    return render_docx(doc)


def test_characters_outside_gbk_name_a_windows_face_that_has_them() -> None:
    data = _one_paragraph("吉𠮷喆堃㐀")
    word = docx.Document(io.BytesIO(data))
    para = next(p for p in word.paragraphs if p.text)
    styles = {s.style_id: s for s in word.styles}
    faces = []
    for r in para.runs:
        style = r._r.rPr.find(qn("w:rStyle")) if r._r.rPr is not None else None
        fonts = None
        if style is not None:
            fonts = styles[style.get(qn("w:val"))].element.rPr.rFonts
        faces.append((r.text, None if fonts is None else fonts.get(qn("w:eastAsia"))))
    # GBK (喆 and 堃 included) stays in the role's face (the paragraph style); Extension B is
    # SimSun-ExtB; Extension A is in 宋体 (SimSun), which Windows ships with it.
    assert faces == [("吉", None), ("𠮷", "SimSun-ExtB"), ("喆堃", None), ("㐀", "宋体")]
    declared = docx.oxml.parse_xml(_parts(data)["word/fontTable.xml"])
    assert "SimSun-ExtB" in {f.get(qn("w:name")) for f in declared.iter(qn("w:font"))}


# ---------------------------------------------------------------------- settings, properties


def test_current_word_and_core_properties(forms: list[Form]) -> None:
    for form in forms[:6]:
        parts = _parts(form.docx)
        settings = parts["word/settings.xml"].decode("utf-8")
        assert re.search(r'w:name="compatibilityMode"[^>]*w:val="15"', settings)
        word = docx.Document(io.BytesIO(form.docx))
        props = word.core_properties
        day = form.city.submitted_on
        when = dt.datetime(day.year, day.month, day.day)
        assert props.created.replace(tzinfo=None) == when
        assert props.modified.replace(tzinfo=None) == when
        assert props.title == form.doc.title
        assert props.author == form.doc.author
        assert props.language == "zh-CN"
        assert "word/numbering.xml" not in parts


def test_long_titles_are_cut_to_words_limit() -> None:
    doc = Document(
        "declaration",
        "申报书（" + "龙" * 300 + "）",
        (Paragraph(runs("正文")),),
        author="柳州某公司",
        created=dt.date(2021, 5, 12),
    )
    props = docx.Document(io.BytesIO(render_docx(doc))).core_properties
    assert props.title == doc.title[:255]
    assert props.author == "柳州某公司"


def test_same_input_same_bytes(forms: list[Form]) -> None:
    form = forms[0]
    assert render_docx(form.doc) == form.docx


# ---------------------------------------------------------------------- the Excel summaries


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, list[str]]]:
    """Every sample's summary XLSX and the province's: bytes, and the names each must print."""
    from docgen.compose.province import compose_province
    from docgen.compose.summary import compose_summary
    from docgen.render.xlsx import render_province_xlsx, render_xlsx

    cities = [load_city(p) for p in sample_files()]
    out: dict[str, tuple[bytes, list[str]]] = {}
    for city in cities:
        table = compose_summary(city, EDITION)
        names = [a.applicant.name for a in city.applications]
        out[city.city.division_code] = (render_xlsx(table, {}), names)
    province = compose_province(cities, EDITION)
    names = [a.applicant.name for c in cities for a in c.applications]
    out["province"] = (render_province_xlsx(province, {}), names)
    return out


@pytest.fixture(scope="module")
def printed(
    workbooks: dict[str, tuple[bytes, list[str]]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Each workbook printed by LibreOffice (all in one run)."""
    work = tmp_path_factory.mktemp("office_xlsx")
    paths = []
    for name, (data, _) in workbooks.items():
        path = work / f"{name}.xlsx"
        path.write_bytes(data)
        paths.append(path)
    libreoffice(paths, work)
    return {name: work / f"{name}.pdf" for name in workbooks}


def test_xlsx_prints_at_nine_points_or_more_with_every_row(
    workbooks: dict[str, tuple[bytes, list[str]]], printed: dict[str, Path]
) -> None:
    import pdfplumber

    smallest = {}
    for name, (_, applicants) in workbooks.items():
        with pdfplumber.open(printed[name]) as pdf:
            sizes = [
                c["size"]
                for page in pdf.pages
                for table in page.find_tables()
                for c in page.within_bbox(table.bbox).chars
            ]
            # the footer's page numbers too
            sizes += [c["size"] for page in pdf.pages for c in page.chars if c["text"] == "页"]
            cells = [
                (c or "").replace("\n", "")
                for page in pdf.pages
                for t in page.extract_tables()
                for row in t
                for c in row
            ]
            assert all(page.width > page.height for page in pdf.pages)  # landscape
        smallest[name] = min(sizes)
        text = "".join(cells)
        missing = [a for a in applicants if a not in text]
        assert missing == [], f"{name}: not printed {missing}"
    print(f"\nsmallest printed size: {min(smallest.values()):.2f} pt")
    assert min(smallest.values()) >= 9.0, smallest


def test_xlsx_faces_quota_numbers_and_no_recalculation(
    workbooks: dict[str, tuple[bytes, list[str]]],
) -> None:
    from openpyxl import load_workbook

    allowed = {"宋体", "黑体", "Times New Roman"}
    for name, (data, _) in workbooks.items():
        parts = _parts(data)
        styles = parts["xl/styles.xml"].decode("utf-8")
        theme = parts["xl/theme/theme1.xml"].decode("utf-8")
        faces = set(re.findall(r'<name val="([^"]*)"', styles))
        faces |= set(re.findall(r'typeface="([^"]*)"', theme)) - {""}
        assert faces <= allowed, (name, faces - allowed)
        assert "fullCalcOnLoad" not in parts["xl/workbook.xml"].decode("utf-8")
        assert not any("<f>" in p.decode("utf-8") for n, p in parts.items() if "worksheets" in n)
        book = load_workbook(io.BytesIO(data))
        if name == "province":
            continue
        listing, check = book.worksheets
        assert check.title == "名额核对"
        assert listing.print_area.endswith(f"${listing.max_row}")  # the table only
        for row in check.iter_rows(min_row=3, max_row=check.max_row - 1):
            label, count, quota = row[0], row[1], row[2]
            assert count.data_type == "n" and isinstance(count.value, int), label.value
            assert quota.value is None or isinstance(quota.value, int)
