"""The printed packet as the person with the seal and the provincial reviewer see it (issue 12):
checks on the PDF itself, with pdfplumber's glyph positions."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from docgen.build import build_city
from docgen.render.linebreak import CANNOT_START

from .conftest import ROOT

SAMPLES = ("450200", "450900", "450100")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for code in SAMPLES:
        target = tmp_path_factory.mktemp(code) / "out"
        build_city(ROOT / "samples" / code / "city.json", target)
        out[code] = target
    return out


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _inside(c: dict, box: tuple[float, ...], height: float) -> bool:
    x0, y0, x1, y1 = box
    return (
        c["x0"] >= x0 and c["x1"] <= x1 and height - c["bottom"] >= y0 and height - c["top"] <= y1
    )


@pytest.mark.parametrize("code", SAMPLES)
def test_official_seals_cover_the_name_and_the_dates_year_and_month(
    built: dict[str, Path], code: str
) -> None:
    folder = built[code]
    manifest = _manifest(folder)
    with pdfplumber.open(folder / "bundle.pdf") as pdf:
        for doc in manifest["documents"]:
            for slot in doc["seal_slots"]:
                if slot["seal"] == "bureau":
                    continue  # the 推荐意见 box: checked by test_declaration
                page = pdf.pages[slot["page"] - 1]
                chars = page.chars
                text = "".join(c["text"] for c in chars)
                if not re.search(r"日期：二〇..年", text):
                    continue  # a cover: its seal is over the applicant's name line
                inside = [c for c in chars if _inside(c, slot["box"], page.height)]
                covered = "".join(c["text"] for c in inside)
                assert "年" in covered and "月" in covered, (doc["applicant"], covered)
                assert set(doc["applicant"]) & set(covered), (doc["applicant"], covered)
                # the legal representative's signing space stays free
                for c in chars:
                    if c["text"] == "：" and text[chars.index(c) - 2 : chars.index(c)] == "字）":
                        sign_y = page.height - c["bottom"]
                        x0, y0, x1, y1 = slot["box"]
                        r = (x1 - x0) / 2
                        cy = (y0 + y1) / 2
                        # the circle stays below the signing line's glyphs
                        assert cy + r <= sign_y + 2.0 or c["x1"] + 40 < x0


@pytest.mark.parametrize("code", SAMPLES)
def test_signature_lines_share_one_left_edge(built: dict[str, Path], code: str) -> None:
    with pdfplumber.open(built[code] / "bundle.pdf") as pdf:
        for page in pdf.pages:
            lines = [
                ln
                for ln in page.extract_text_lines()
                if ln["text"].startswith(("法定代表人（签字）", "申报单位（盖章）", "日期："))
            ]
            if len(lines) == 3:
                lefts = {round(ln["x0"]) for ln in lines}
                assert max(lefts) - min(lefts) <= 1, lines


def test_summary_of_eight_applications_is_one_page_without_quota_check(
    built: dict[str, Path],
) -> None:
    manifest = _manifest(built["450100"])
    first, last = manifest["summary"]["bundle_pages"]
    assert first == last
    with pdfplumber.open(built["450100"] / "bundle.pdf") as pdf:
        text = pdf.pages[first - 1].extract_text()
    assert "名额核对" not in text


@pytest.mark.parametrize("code", SAMPLES)
def test_summary_header_cells_never_break_inside_a_word(built: dict[str, Path], code: str) -> None:
    manifest = _manifest(built[code])
    first, _ = manifest["summary"]["bundle_pages"]
    with pdfplumber.open(built[code] / "bundle.pdf") as pdf:
        page = pdf.pages[first - 1]
        table = page.extract_table()
    header = table[0]
    allowed = {"服务型\n制造模式", "平台/项目\n名称", "统一社会\n信用代码", "法定\n代表人"}
    for cell in header:
        lines = (cell or "").split("\n")
        assert cell in allowed or len(lines) == 1, cell
        assert all(len(line) > 1 for line in lines), cell


@pytest.mark.parametrize("code", SAMPLES)
def test_continued_tables_say_so(built: dict[str, Path], code: str) -> None:
    with pdfplumber.open(built[code] / "bundle.pdf") as pdf:
        for k, page in enumerate(pdf.pages[1:], 1):
            prev = pdf.pages[k - 1]
            if not page.find_tables() or not prev.find_tables():
                continue
            top = page.extract_text_lines()[0]["text"] if page.extract_text_lines() else ""
            bottom_rect = max(prev.rects, key=lambda r: -r["top"], default=None)
            if top.startswith("续表"):
                assert bottom_rect is not None


@pytest.mark.parametrize("code", SAMPLES)
def test_no_paragraph_ends_with_one_character(built: dict[str, Path], code: str) -> None:
    """A body line of the forms holding one character plus closing punctuation is a
    paragraph's orphaned last line."""
    manifest = _manifest(built[code])
    bad = []
    with pdfplumber.open(built[code] / "bundle.pdf") as pdf:
        for doc in manifest["documents"]:
            a = doc["bundle_pages"][0]
            for n in range(a, a + doc["form_pages"]):
                for line in pdf.pages[n - 1].extract_text_lines():
                    core = [ch for ch in line["text"] if ch not in CANNOT_START and ch != " "]
                    if len(core) == 1 and line["x0"] < 100 and line["chars"][0]["size"] >= 15:
                        bad.append((n, line["text"]))
    assert not bad, bad


@pytest.mark.parametrize("code", SAMPLES)
def test_slot_labels_are_not_in_the_text_layer(built: dict[str, Path], code: str) -> None:
    with pdfplumber.open(built[code] / "bundle.pdf") as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert not re.search(r"骑缝章 ?\d+/\d+", text)
    assert "公章" not in [line.strip() for line in text.splitlines()]
    assert not re.search(r"[^加盖位]公章", text.replace("申报单位公章", ""))


@pytest.mark.parametrize("code", SAMPLES)
def test_one_page_number_system_per_page(built: dict[str, Path], code: str) -> None:
    with pdfplumber.open(built[code] / "bundle.pdf") as pdf:
        for n, page in enumerate(pdf.pages, 1):
            text = page.extract_text()
            own = re.search(r"— \d+ —", text) is not None
            running = re.search(r"第 \d+ / \d+ 页", text) is not None
            assert not (own and running), n


def test_landscape_straddle_band_lies_on_the_sheets_outer_edge() -> None:
    from docgen import layout

    box = layout.landscape_straddle_box(layout.A4_H, layout.A4_W, 0)
    portrait = layout.straddle_box(layout.A4_W, layout.A4_H, 0)
    assert box[1] == 0.0 and box[3] == pytest.approx(21 * layout.MM, abs=0.1)
    assert (box[0], box[2]) == (portrait[1], portrait[3])
    assert layout.LANDSCAPE.margin_bottom > box[3]


@pytest.mark.parametrize("code", SAMPLES)
def test_city_application_per_the_notice(built: dict[str, Path], code: str) -> None:
    manifest = _manifest(built[code])
    city = [d for d in manifest["documents"] if d["category"] == "city"]
    if not city:
        pytest.skip("no city application")
    a = city[0]["bundle_pages"][0]
    b = a + city[0]["form_pages"] - 1
    with pdfplumber.open(built[code] / "bundle.pdf") as pdf:
        cover = pdf.pages[a - 1].extract_text()
        text = "".join(pdf.pages[n - 1].extract_text() for n in range(a, b + 1))
    assert "服务型制造模式" not in cover
    assert "填报单位" in cover and "工业和信息化局" in cover
    assert "人民政府（盖章）：" in text


# --------------------------------------------------------------------------- a PDF in a reader


def _pdfs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pdf"))


@pytest.mark.parametrize("code", SAMPLES)
def test_every_pdf_has_its_title_author_language_and_a_content_id(
    built: dict[str, Path], code: str
) -> None:
    from pypdf import PdfReader

    from docgen.pdfinfo import with_content_id

    folder = built[code]
    manifest = _manifest(folder)
    bureau = PdfReader(folder / "bundle.pdf").metadata["/Author"]
    authors = {d["pdf"]: d["applicant"] for d in manifest["documents"]}
    assert "局" in bureau
    pdfs = _pdfs(folder)
    assert len(pdfs) == len(manifest["documents"]) + 3  # summary, letter, bundle
    ids = set()
    for path in pdfs:
        reader = PdfReader(path)
        info = reader.metadata
        assert re.search(r"[\u4e00-\u9fff]", info["/Title"]), (path.name, info["/Title"])
        assert info["/Author"] == authors.get(path.name, bureau), path.name
        root = reader.trailer["/Root"]
        assert root["/Lang"] == "zh-CN"
        assert root["/ViewerPreferences"]["/DisplayDocTitle"] is True or (
            root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712 (BooleanObject)
        )
        first, second = (getattr(v, "original_bytes", v) for v in reader.trailer["/ID"])
        assert first == second and len(first) == 16
        data = path.read_bytes()
        assert with_content_id(data) == data, path.name  # the identifier is the content's
        ids.add(bytes(first))
    assert len(ids) == len(pdfs)


@pytest.mark.parametrize("code", SAMPLES)
def test_bookmarks_keep_the_readers_zoom(built: dict[str, Path], code: str) -> None:
    from pypdf import PdfReader

    for path in _pdfs(built[code]):
        reader = PdfReader(path)

        def walk(items: list) -> list:
            out = []
            for item in items:
                out.extend(walk(item) if isinstance(item, list) else [item])
            return out

        for item in walk(reader.outline):
            assert item["/Type"] == "/XYZ", (path.name, item.title, item["/Type"])
            assert (
                item.get("/Zoom") in (None, 0) or item["/Zoom"].__class__.__name__ == "NullObject"
            )


@pytest.mark.parametrize("code", SAMPLES)
def test_font_subsets_never_share_a_name(built: dict[str, Path], code: str) -> None:
    import hashlib

    from pypdf import PdfReader

    reader = PdfReader(built[code] / "bundle.pdf")
    programs: dict[str, set[str]] = {}
    seen: set[int] = set()

    def visit(resources: Any) -> None:
        if resources is None:
            return
        resources = resources.get_object()
        fonts = resources.get("/Font")
        for ref in fonts.get_object().values() if fonts is not None else ():
            font = ref.get_object()
            for f in [font, *(k.get_object() for k in font.get("/DescendantFonts", ()))]:
                desc = f.get("/FontDescriptor")
                if desc is None:
                    continue
                desc = desc.get_object()
                name = str(desc.get("/FontName"))
                stream = desc.get("/FontFile2") or desc.get("/FontFile3") or desc.get("/FontFile")
                if stream is None or not re.match(r"^/[A-Z]{6}\+", name):
                    continue
                digest = hashlib.sha256(stream.get_object().get_data()).hexdigest()
                programs.setdefault(name, set()).add(digest)
        xobjects = resources.get("/XObject")
        for ref in xobjects.get_object().values() if xobjects is not None else ():
            key = getattr(ref, "idnum", None)
            if key is not None and key in seen:
                continue
            if key is not None:
                seen.add(key)
            visit(ref.get_object().get("/Resources"))

    for page in reader.pages:
        visit(page.get("/Resources"))
    assert programs
    shared = {k: v for k, v in programs.items() if len(v) > 1}
    assert not shared, shared


@pytest.mark.parametrize("code", SAMPLES)
def test_form_page_numbers_one_character_in(built: dict[str, Path], code: str) -> None:
    """GB/T 9704 7.5: "— n —" on odd pages right, on even pages left, one character (4号, 14 pt)
    in from the text area's edge."""
    from docgen import layout

    manifest = _manifest(built[code])
    x0, _, x1, _ = layout.PORTRAIT.frame
    em = layout.PAGE_NUMBER_SIZE
    with pdfplumber.open(built[code] / "bundle.pdf") as pdf:
        for doc in manifest["documents"]:
            a = doc["bundle_pages"][0]
            for n in range(a + 1, a + doc["form_pages"]):
                page = pdf.pages[n - 1]
                lines = [
                    ln for ln in page.extract_text_lines() if re.fullmatch(r"— \d+ —", ln["text"])
                ]
                assert len(lines) == 1, n
                k = int(lines[0]["text"].strip("— "))
                if k % 2:
                    assert lines[0]["x1"] == pytest.approx(x1 - em, abs=0.6), n
                else:
                    assert lines[0]["x0"] == pytest.approx(x0 + em, abs=0.6), n


_CATEGORY_LABELS = {
    "enterprise": "示范企业",
    "platform": "示范平台",
    "project": "示范项目",
    "city": "示范城市",
}


@pytest.mark.parametrize("code", SAMPLES)
def test_ticked_box_is_in_the_text_layer(built: dict[str, Path], code: str) -> None:
    """Copying a cover gives "☑示范企业 ☐示范平台…": ☑ before the chosen category, ☐ before the
    others (the boxes stay drawn; their characters are invisible text)."""
    manifest = _manifest(built[code])
    with pdfplumber.open(built[code] / "bundle.pdf") as pdf:
        for doc in manifest["documents"]:
            page = pdf.pages[doc["bundle_pages"][0] - 1]
            text = page.extract_text().replace(" ", "")
            head = _CATEGORY_LABELS[doc["category"]]
            assert text.count("☑") >= 1 and f"☑{head}" in text, (doc["category"], text[:120])
            for other in set(_CATEGORY_LABELS.values()) - {head}:
                assert f"☐{other}" in text, (other, text[:120])


def test_pdftotext_finds_the_ticks(built: dict[str, Path]) -> None:
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed")
    manifest = _manifest(built["450200"])
    first = manifest["documents"][0]["bundle_pages"][0]
    out = subprocess.run(
        ["pdftotext", "-f", str(first), "-l", str(first), str(built["450200"] / "bundle.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace(" ", "")
    assert "☑示范企业" in out and "☐示范平台（☐共享制造类☐其他类）" in out


def _latin_face_present() -> bool:
    from docgen.render.fonts import LATIN_ROLES, resolve_fonts

    return resolve_fonts().latin is not None and "song" in LATIN_ROLES


@pytest.mark.parametrize("code", SAMPLES)
def test_digits_in_chinese_text_are_set_in_the_serif_latin_face(
    built: dict[str, Path], code: str
) -> None:
    """ASCII digits of a form (a year such as "1993", a date "2019年1月1日") are drawn with the
    Latin face (Liberation Serif / Times New Roman), whose digits are proportional: "1" is
    narrower than the CJK face's half-width digits and than "0"."""
    if not _latin_face_present():
        pytest.skip("no serif Latin face on this system, or the Latin face is switched off")
    manifest = _manifest(built[code])
    seen = 0
    with pdfplumber.open(built[code] / "bundle.pdf") as pdf:
        doc = manifest["documents"][0]
        a = doc["bundle_pages"][0]
        for n in range(a, a + doc["form_pages"]):
            chars = pdf.pages[n - 1].chars
            text = "".join(c["text"] for c in chars)
            for m in re.finditer(r"(?<![0-9])(19|20)\d\d(?=年)", text):
                glyphs = chars[m.start() : m.end()]
                for c in glyphs:
                    assert re.search(r"LiberationSerif|TimesNewRoman|Tinos", c["fontname"]), c
                seen += 1
            digits = [c for c in chars if c["text"] in "0123456789" and c["size"] > 0]
            for c in digits:
                assert "gbsn" not in c["fontname"].lower() and "Sungti" not in c["fontname"], c
    assert seen
    # proportional: in the serif face a "1" is narrower than a "0" (half-width digits are equal)
    from reportlab.pdfbase import pdfmetrics

    from docgen.render.fonts import resolve_fonts

    fonts = resolve_fonts()
    name = fonts.font_for("1", "song")
    assert name is not None and fonts.latin is not None and name == fonts.latin.name
    assert pdfmetrics.stringWidth("1", name, 12) < pdfmetrics.stringWidth("0", name, 12) + 1e-9
    assert fonts.font_for("1", "hei") != name  # headings in 黑体 keep their face's digits


def test_a_times_new_roman_in_the_font_folder_wins(tmp_path: Path) -> None:
    import shutil

    from docgen.render.fonts import resolve_fonts

    system = resolve_fonts().latin
    if system is None:
        pytest.skip("no serif Latin face on this system to copy")
    shutil.copy(system.path, tmp_path / "times.ttf")
    fonts = resolve_fonts([tmp_path])
    assert fonts.latin is not None and fonts.latin.path == tmp_path / "times.ttf"
    if _latin_face_present():
        assert fonts.font_for("7", "fangsong") == fonts.latin.name


def test_rare_characters_keep_a_serif_face_or_are_reported(tmp_path: Path) -> None:
    """喆 (not in GB2312) is drawn by a face of the song style when one has it, else by the
    nearest style (kai) before a sans face; a face of another style is reported per character
    in the build's warnings and the manifest's."""
    from docgen.render.fonts import face_style, resolve_fonts

    fonts = resolve_fonts()
    chain = fonts.faces("song")
    name = fonts.font_for("喆", "song")
    assert name is not None
    face = next(f for f in chain if f.name == name)
    styles = [face_style(f) for f in chain if f.covers(ord("喆"))]
    if "song" in styles:
        assert face_style(face) == "song"
    elif "kai" in styles or None in styles:
        assert face_style(face) != "hei"
    target = tmp_path / "out"
    result = build_city(ROOT / "samples" / "450300" / "city.json", target)
    manifest = _manifest(target)
    notes = [w for w in manifest["warnings"] if "“喆”" in w["message"]]
    if face_style(face) == "song":
        assert not notes
        return
    assert len(notes) == 1, notes
    assert face.family in notes[0]["message"] and notes[0]["path"].startswith("applications[")
    assert any("“喆”" in w.message for w in result.warnings)
    from docgen.report import build_report

    assert "“喆”" in build_report(result.manifest, str(target), 0.0)


def test_rasterized_attachment_page_is_announced(tmp_path: Path) -> None:
    from .test_fontfix import ttf_pdf

    city_dir = tmp_path / "city"
    import shutil

    shutil.copytree(ROOT / "samples" / "450200", city_dir)
    target = city_dir / "attachments" / "LZ-E2" / "license.pdf"
    ttf_pdf(target)
    result = build_city(city_dir / "city.json", tmp_path / "out")
    manifest = _manifest(tmp_path / "out")
    placed = [
        a for d in manifest["documents"] for a in d["attachments"] if a.get("rasterized_pages")
    ]
    assert len(placed) == 1
    page = placed[0]["rasterized_pages"][0]
    notes = [w for w in manifest["warnings"] if "已转为图像" in w["message"]]
    assert len(notes) == 1, manifest["warnings"]
    assert "LZ-E2/license.pdf" in notes[0]["message"] and "第 1 页" in notes[0]["message"]
    assert f"总册第 {page} 页" in notes[0]["message"]
    from docgen.report import build_report

    assert "已转为图像" in build_report(result.manifest, str(tmp_path / "out"), 0.0)


@pytest.mark.parametrize("code", SAMPLES)
def test_quota_check_in_the_manifest_and_the_build_report(
    built: dict[str, Path], code: str
) -> None:
    from docgen.manifest import PacketManifest, read_manifest
    from docgen.report import build_report

    manifest = read_manifest(built[code], PacketManifest)
    assert manifest is not None and manifest.summary.quota
    report = build_report(manifest, str(built[code]), 0.0)
    assert "名额核对：" in report
    for q in manifest.summary.quota:
        if q.quota is not None:
            assert f"    {q.label} {q.count}/{q.quota}" in report
    assert sum(q.count for q in manifest.summary.quota) == len(manifest.documents)
    with pdfplumber.open(built[code] / "bundle.pdf") as pdf:
        a, b = manifest.summary.bundle_pages
        text = "".join(pdf.pages[n - 1].extract_text() for n in range(a, b + 1))
    assert "名额核对" not in text  # not on the sealed table


def test_contact_line_breaks_between_pairs_never_inside_one(tmp_path: Path) -> None:
    """The summary's contact line breaks between its "label：value" pairs, never inside one
    ("传真：|0771-…", "电子邮/箱"): with a long e-mail address the line must wrap."""
    data = json.loads((ROOT / "samples" / "450200" / "city.json").read_text(encoding="utf-8"))
    contact = data["city"]["contact"]
    contact["email"] = "market.development.office.of.liuzhou@lzgxj.example.gov.cn"
    contact["title"] = "市场开拓科科长兼综合协调办公室主任"
    city = tmp_path / "city"
    shutil.copytree(ROOT / "samples" / "450200", city)
    (city / "city.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = build_city(city / "city.json", tmp_path / "out")
    summary = tmp_path / "out" / result.manifest.summary.pdf
    with pdfplumber.open(summary) as pdf:
        lines = (pdf.pages[0].extract_text() or "").splitlines()
    pairs = {
        "联系人": contact["name"],
        "职务": contact["title"],
        "联系电话": contact["phone"],
        "手机": contact["mobile"],
        "传真": contact["fax"],
        "电子邮箱": contact["email"],
    }
    contact_lines = [ln.replace(" ", "") for ln in lines if "联系" in ln or "邮箱" in ln]
    assert len(contact_lines) >= 2, lines  # it did wrap
    for label, value in pairs.items():
        whole = f"{label}：{value}".replace(" ", "")
        assert any(whole in ln for ln in contact_lines), (label, contact_lines)
