"""The printed packet as the person with the seal and the provincial reviewer see it (issue 12):
checks on the PDF itself, with pdfplumber's glyph positions."""

from __future__ import annotations

import json
import re
from pathlib import Path

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
