"""The submission letter (报送函): GB/T 9704-2012's letter format, checked on the PDF itself.

Positions come from pdfplumber (``top`` measured from the top of the page, ``x0``/``x1`` from
the left edge). The text grid is GB/T 9704's: 28 characters of 3号 per line, 22 lines per page.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import shutil
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from docgen import layout
from docgen.build import BuildOptions, build_city
from docgen.compose.letter import (
    LetterContent,
    balanced_lines,
    compose_letter,
    letter_document,
)
from docgen.compose.summary import SummaryTable, compose_summary
from docgen.edition import load_edition
from docgen.model import City, json_schema, load_city, parse_city
from docgen.render.docx import render_docx
from docgen.render.fonts import resolve_fonts
from docgen.render.pdf import PdfResult, render_pdf
from docgen.rules import validate

from .conftest import SAMPLES
from .pdfcheck import check_bundle

MM = layout.MM
PAGE_H = layout.A4_H
FRAME_LEFT = layout.MARGIN_LEFT
FRAME_RIGHT = layout.A4_W - layout.MARGIN_RIGHT
FRAME_TOP = layout.MARGIN_TOP  # from the top of the page
FRAME_BOTTOM = PAGE_H - layout.MARGIN_BOTTOM
PITCH = 16.0 * layout.LEADING_RATIO  # one line of the grid
CHAR = (FRAME_RIGHT - FRAME_LEFT) / 28  # one character of the grid


@pytest.fixture(scope="module")
def fonts() -> Any:
    return resolve_fonts(())


def _city(code: str, keep: int | None = None, letter: dict[str, Any] | None = None) -> City:
    data = json.loads((SAMPLES / code / "city.json").read_text(encoding="utf-8"))
    if keep is not None:
        data["applications"] = data["applications"][:keep]
    if letter is not None:
        data["letter"] = letter
    city = parse_city(json.dumps(data, ensure_ascii=False).encode())
    city._base_dir = SAMPLES / code
    return city


def _compose(city: City) -> tuple[LetterContent, SummaryTable]:
    edition = load_edition(city.edition)
    table = compose_summary(city, edition)
    return compose_letter(city, edition, table), table


def _render(content: LetterContent, fonts: Any, *, letterhead: bool = True) -> PdfResult:
    return render_pdf([letter_document(content, letterhead=letterhead)], fonts)


def _lines(chars: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Characters grouped by baseline (rounded), top to bottom, each line left to right (by the
    baseline: a character from a fallback face has a box of another height)."""
    rows: dict[float, list[dict[str, Any]]] = {}
    for c in chars:
        if c["text"].strip() in ("", "\u3000"):
            continue
        rows.setdefault(round(-c["matrix"][5], 0), []).append(c)  # the baseline, from the top
    return [sorted(rows[k], key=lambda c: c["x0"]) for k in sorted(rows)]


def _text(line: Sequence[dict[str, Any]]) -> str:
    return "".join(c["text"] for c in line)


def _is_red(c: dict[str, Any]) -> bool:
    colour = c.get("non_stroking_color")
    return colour is not None and tuple(round(v, 3) for v in colour) == (1.0, 0.0, 0.0)


def _body_lines(page: Any) -> list[list[dict[str, Any]]]:
    """The 3号 lines of a page (the page number is 4号, the seal label tiny)."""
    return [ln for ln in _lines(page.chars) if abs(ln[0]["size"] - 16.0) < 0.2]


def _line_with(lines: Sequence[Sequence[dict[str, Any]]], text: str) -> Sequence[dict[str, Any]]:
    found = [ln for ln in lines if text in _text(ln)]
    assert found, f"no line holds {text!r}: {[_text(ln) for ln in lines]}"
    return found[0]


# --------------------------------------------------------------------------- the text grid


def test_body_is_set_on_the_grid_of_28_characters_and_22_lines(fonts: Any) -> None:
    content, _ = _compose(_city("450200"))
    long = (
        "我局高度重视本次申报工作，按照通知要求逐项审核申报主体的资格条件、服务收入占比、"
        "平台运营时间和随附材料，组织专家对申报书进行了评审，确保申报材料真实、准确、完整。"
    ) * 4
    content = dataclasses.replace(content, paragraphs=(content.paragraphs[0], long, long, long))
    pdf = _render(content, fonts)
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
        assert len(doc.pages) >= 3
        full_page = doc.pages[1]  # a continuation page filled with body text
        lines = _body_lines(full_page)
        tops = sorted({round(ln[0]["bottom"], 1) for ln in lines})
        assert len(tops) == 22, tops
        steps = {round(b - a, 1) for a, b in pairwise(tops)}
        assert steps == {round(PITCH, 1)}
        assert tops[0] - 16 > FRAME_TOP - 1 and tops[-1] < FRAME_BOTTOM + 1
        full = 0
        for page in doc.pages:
            for ln in _body_lines(page):
                text = _text(ln)
                if all(ord(ch) >= 0x2E80 for ch in text) and ln[-1]["x1"] > FRAME_RIGHT - 1:
                    # a full line of full-width characters: 28 places (the first line of a
                    # paragraph starts 2 in), on a pitch of 156/28 mm
                    indent = round((ln[0]["x0"] - FRAME_LEFT) / CHAR)
                    assert indent in (0, 2)
                    assert indent + len(text) in (27, 28), text
                    if indent + len(text) == 28:
                        full += 1
                        assert ln[0]["x0"] == pytest.approx(FRAME_LEFT + indent * CHAR, abs=0.6)
                        assert ln[-1]["x1"] == pytest.approx(FRAME_RIGHT, abs=0.6)
                        assert ln[1]["x0"] - ln[0]["x0"] == pytest.approx(CHAR, abs=0.05)
        assert full >= 30
        # every page after the first carries its number "— n —" (GB/T 9704 §7.5); the first none
        assert "—" not in "".join(c["text"] for c in doc.pages[0].chars)
        assert "—2—" in (doc.pages[1].extract_text() or "").replace(" ", "")


def test_title_breaks_between_words_into_a_balanced_shape() -> None:
    words = ["关于", "报送", "柳州市", "第三批", "服务型制造示范", "申报材料的函"]
    assert balanced_lines(words, 20.0) == ["关于报送柳州市第三批", "服务型制造示范申报材料的函"]
    assert balanced_lines(["关于", "报送", "材料的函"], 20.0) == ["关于报送材料的函"]
    long = ["关于报送", "防城港市", "第三批", "服务型制造示范", "申报材料的", "补充说明", "的函"]
    lines = balanced_lines(long, 20.0)
    assert "".join(lines) == "".join(long) and all(len(ln) <= 20 for ln in lines)


# --------------------------------------------------------------------------- page 1 layout


def _page_one(content: LetterContent, fonts: Any, letterhead: bool = True) -> dict[str, Any]:
    pdf = _render(content, fonts, letterhead=letterhead)
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
        page = doc.pages[0]
        return {
            "chars": list(page.chars),
            "rects": list(page.rects),
            "lines": _lines(page.chars),
            "pages": len(doc.pages),
        }


def test_first_page_elements_in_gbt9704_order_and_places(fonts: Any) -> None:
    content, _ = _compose(_city("450200", letter={"number": "45"}))
    assert content.number == "柳工信函〔2021〕45号"
    p1 = _page_one(content, fonts)
    lines = p1["lines"]
    head = _line_with(lines, "柳州市工业和信息化局")
    assert all(_is_red(c) for c in head)
    assert all(not _is_red(c) for ln in lines if ln is not head for c in ln)
    # the letterhead: its upper edge 30 mm under the top of the page, centred
    assert head[0]["top"] == pytest.approx(30 * MM, abs=3 * MM)
    centre = (FRAME_LEFT + FRAME_RIGHT) / 2
    assert (head[0]["x0"] + head[-1]["x1"]) / 2 == pytest.approx(centre, abs=1.0)
    # the red double rule 4 mm under it: 170 mm long, centred, thick over thin
    reds = sorted(
        (r for r in p1["rects"] if tuple(r["non_stroking_color"] or ()) == (1, 0, 0)),
        key=lambda r: r["top"],
    )
    assert len(reds) == 4  # two double rules: under the letterhead and at the foot
    upper = reds[:2]
    assert upper[0]["height"] > upper[1]["height"]
    assert upper[0]["top"] - head[0]["bottom"] == pytest.approx(4 * MM, abs=2.0)
    for r in reds:
        assert r["width"] == pytest.approx(170 * MM, abs=0.5)
        assert (r["x0"] + r["x1"]) / 2 == pytest.approx(centre, abs=0.5)
    foot = reds[2:]
    assert foot[0]["height"] < foot[1]["height"]
    assert PAGE_H - foot[1]["bottom"] == pytest.approx(20 * MM, abs=0.5)
    # the document number right-aligned under the rule, 7/8 of a character below it
    number = _line_with(lines, "柳工信函")
    assert _text(number) == "柳工信函〔2021〕45号"
    assert number[-1]["x1"] == pytest.approx(FRAME_RIGHT, abs=0.6)
    assert number[0]["top"] > upper[1]["bottom"]
    # the title centred, 2号, two lines, two empty lines under the number
    title = [ln for ln in lines if abs(ln[0]["size"] - 22.0) < 0.2]
    assert [_text(ln) for ln in title] == list(content.title_lines)
    for ln in title:
        assert (ln[0]["x0"] + ln[-1]["x1"]) / 2 == pytest.approx(centre, abs=1.0)
    assert title[0][0]["top"] - number[0]["bottom"] > 2 * PITCH - 16
    # the recipient flush left on the line after an empty one, then the body indented 2
    recipient = _line_with(lines, "自治区工业和信息化厅：")
    assert _text(recipient) == "自治区工业和信息化厅："
    assert recipient[0]["x0"] == pytest.approx(FRAME_LEFT, abs=0.6)
    body = _line_with(lines, "根据《")
    assert body[0]["x0"] == pytest.approx(FRAME_LEFT + 2 * CHAR, abs=0.6)
    order = [head, number, title[0], title[-1], recipient, body]
    tops = [ln[0]["top"] for ln in order]
    assert tops == sorted(tops)
    assert body[0]["bottom"] - recipient[0]["bottom"] == pytest.approx(PITCH, abs=0.2)
    assert recipient[0]["bottom"] - title[-1][0]["bottom"] > PITCH


def test_letterhead_none_leaves_the_space(fonts: Any) -> None:
    content, _ = _compose(_city("450200"))
    red = _page_one(content, fonts)
    plain = _page_one(content, fonts, letterhead=False)
    assert not any(_is_red(c) for c in plain["chars"])
    assert not plain["rects"]
    assert "柳州市工业和信息化局" not in "".join(_text(ln) for ln in plain["lines"][:1])

    def positions(chars: Sequence[dict[str, Any]]) -> list[tuple[str, float, float]]:
        return [(c["text"], round(c["x0"], 2), round(c["top"], 2)) for c in chars]

    # everything but the red letterhead is where it was: the space is kept
    assert positions([c for c in red["chars"] if not _is_red(c)]) == positions(plain["chars"])
    assert red["pages"] == plain["pages"]


# --------------------------------------------------------------------------- signature and seal


def _signature_page(pdf: PdfResult) -> tuple[Any, dict[str, Any]]:
    slot = pdf.docs[0].seal_slots[0]
    doc = pdfplumber.open(io.BytesIO(pdf.data))
    return doc, {"page": doc.pages[slot.page], "box": slot.box, "slot": slot}


def test_signature_date_and_the_seal_over_them(fonts: Any) -> None:
    content, _ = _compose(_city("450200"))
    pdf = _render(content, fonts)
    assert len(pdf.docs[0].seal_slots) == 1
    doc, sig = _signature_page(pdf)
    with doc:
        page = sig["page"]
        lines = _body_lines(page)
        name = _line_with(lines, "柳州市工业和信息化局")
        date = _line_with(lines, "二〇二一年五月十二日")
        assert _text(date) == "二〇二一年五月十二日"
        # the date four characters from the right edge, the name centred over it
        assert date[-1]["x1"] == pytest.approx(FRAME_RIGHT - 4 * CHAR, abs=0.6)
        date_centre = (date[0]["x0"] + date[-1]["x1"]) / 2
        assert (name[0]["x0"] + name[-1]["x1"]) / 2 == pytest.approx(date_centre, abs=0.6)
        assert date[0]["bottom"] - name[0]["bottom"] == pytest.approx(PITCH, abs=0.2)
        # the seal slot covers the name and the 年 and 月 of the date (骑年盖月)
        x0, y0, x1, y1 = sig["box"]  # PDF coordinates, origin bottom left
        assert sig["slot"].seal == "bureau" and sig["slot"].diameter_mm == 42.0

        def inside(c: dict[str, Any]) -> bool:
            return x0 <= c["x0"] and c["x1"] <= x1 and y0 <= PAGE_H - c["bottom"] <= y1

        r = (x1 - x0) / 2
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        for c in [*name[2:-2], *(c for c in date if c["text"] in "年月")]:
            assert inside(c), c["text"]
            mid_x, mid_y = (c["x0"] + c["x1"]) / 2, PAGE_H - (c["top"] + c["bottom"]) / 2
            assert (mid_x - cx) ** 2 + (mid_y - cy) ** 2 < r**2, c["text"]
        # the name and the date sit a little below the seal's centre
        assert PAGE_H - name[0]["bottom"] < cy
        # its top within one line of the text above; no other text under it but the 附注
        above = [ln for ln in lines if ln[0]["bottom"] < name[0]["bottom"] - PITCH / 2]
        assert (PAGE_H - above[-1][0]["bottom"]) - y1 < PITCH
        # the 附注 on the line after the date, two characters in
        note = _line_with(lines, "联系人")
        assert _text(note) == "（联系人：覃晓梅，联系电话：0772-2861234）"
        assert note[0]["x0"] == pytest.approx(FRAME_LEFT + 2 * CHAR, abs=0.6)
        assert note[0]["bottom"] - date[0]["bottom"] == pytest.approx(PITCH, abs=0.2)


# --------------------------------------------------------------------------- what it says


def test_counts_and_names_are_the_summary_tables(fonts: Any) -> None:
    for code in ("450200", "450100", "451300"):
        city = _city(code)
        content, table = _compose(city)
        keys = [c.key for c in table.columns]
        by_label: dict[str, list[str]] = {}
        for row in table.rows:
            by_label.setdefault(row[keys.index("category")].text, []).append(
                row[keys.index("applicant")].text
            )
        assert [g.label for g in content.groups] == list(by_label)
        for g in content.groups:
            quota_counts = sum(c.count for c in table.counts if c.label.startswith(g.label))
            assert g.count == quota_counts == len(by_label[g.label])
            assert all(n.startswith(a) for n, a in zip(g.names, by_label[g.label], strict=True))
        assert content.total == table.total == sum(g.count for g in content.groups)
        pdf = _render(content, fonts)
        with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
            text = "".join((p.extract_text() or "") for p in doc.pages).replace("\n", "")
        text = text.replace(" ", "")
        assert f"申报{table.total}项" in text
        for g in content.groups:
            assert f"{g.label}{g.count}个" in text
            for name in g.names:
                assert name.replace(" ", "") in text


def test_attachment_list_is_the_packet_in_order(tmp_path: Path) -> None:
    result = build_city(SAMPLES / "450200" / "city.json", tmp_path / "out", parallel=False)
    manifest = result.manifest.as_json()
    city = load_city(SAMPLES / "450200" / "city.json")
    content, _ = _compose(city)
    expected = ["申报汇总表", *(d["applicant"] for d in manifest["documents"])]
    assert len(content.attachments) == len(expected)
    for item, what in zip(content.attachments, expected, strict=True):
        assert what in item
    for item, d in zip(content.attachments[1:], manifest["documents"], strict=True):
        assert item.startswith(d["applicant"])
    pdf = (tmp_path / "out" / manifest["letter"]["pdf"]).read_bytes()
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        lines = [ln for p in doc.pages for ln in _body_lines(p)]
    first = _line_with(lines, "附件：")
    assert _text(first).startswith("附件：1.")
    assert first[0]["x0"] == pytest.approx(FRAME_LEFT + 2 * CHAR, abs=0.6)
    start = lines.index(first)
    numbers = [_text(ln) for ln in lines[start:] if _text(ln)[:2].rstrip(".").isdigit()]
    assert [n.split(".")[0] for n in numbers] == [str(i) for i in range(2, len(expected) + 1)]
    # later numbers under the first one's, wrapped names under the first character of the name
    one = next(c for c in first if c["text"] == "1")
    name_x = (
        first[first.index(one) + 3]["x0"] if first[first.index(one) + 2]["text"] == " " else None
    )
    for ln in lines[start + 1 :]:
        if _text(ln)[:1].isdigit():
            assert ln[0]["x0"] == pytest.approx(one["x0"], abs=0.6)
        elif name_x is not None and "联系人" not in _text(ln) and ln[0]["x0"] < FRAME_RIGHT - 200:
            if _text(ln).startswith(("柳州市工业", "二〇")):
                break
            assert ln[0]["x0"] == pytest.approx(name_x, abs=1.0)


def test_docx_holds_the_same_text(fonts: Any) -> None:
    from docx import Document as Docx

    content, _ = _compose(_city("450200", letter={"number": "45"}))
    doc = letter_document(content)
    data = render_docx(doc)
    word = Docx(io.BytesIO(data))
    text = "".join(p.text for p in word.paragraphs).replace("\t", "").replace(" ", "")
    section = word.sections[0]
    # the letterhead in the first page's header, in red; the first page's footer has no number
    assert section.different_first_page_header_footer
    head = section.first_page_header.paragraphs[0]
    assert head.text == content.bureau
    assert all(str(r.font.color.rgb) == "FF0000" for r in head.runs)
    xml = section.first_page_header._element.xml + section.first_page_footer._element.xml
    assert xml.count("FF0000") >= 3  # the name, the two double rules
    assert "PAGE" not in section.first_page_footer._element.xml
    assert "PAGE" in section.footer._element.xml  # "— 2 —" from the second page on
    # 3号 body text tightened by 0.25 pt so that 28 characters fill the 156 mm line
    assert 'w:spacing w:val="-5"' in word.element.body.xml
    for piece in (
        content.bureau,
        content.number,
        *content.title_lines,
        content.recipient,
        *content.paragraphs,
        *content.attachments,
        content.date,
        content.note or "",
        content.attachment_label,
    ):
        assert piece.replace(" ", "") in text, piece
    pdf = _render(content, fonts)
    with pdfplumber.open(io.BytesIO(pdf.data)) as pdoc:
        pdf_text = "".join(c["text"] for p in pdoc.pages for c in p.chars).replace(" ", "")
    for piece in (*content.paragraphs, *content.attachments, content.note or ""):
        assert piece.replace(" ", "") in pdf_text, piece


# --------------------------------------------------------------------------- pagination


@pytest.mark.parametrize(("code", "keep"), [("450200", 1), ("450100", 7)])
def test_one_and_seven_applications_lay_out_on_whole_pages(
    fonts: Any, code: str, keep: int
) -> None:
    city = _city(code, keep=keep)
    assert len(city.applications) == keep
    content, _ = _compose(city)
    _check_pages(_render(content, fonts), content)


@pytest.mark.parametrize("extra", range(0, 600, 37))
def test_signature_never_alone_on_its_page(fonts: Any, extra: int) -> None:
    text = ("本市将督促申报主体按时完成在线提交，并对申报材料的真实性负责" * 20)[:extra]
    city = _city("450200", letter={"paragraph": text} if text else None)
    content, _ = _compose(city)
    _check_pages(_render(content, fonts), content)


def _check_pages(pdf: PdfResult, content: LetterContent) -> None:
    slot = pdf.docs[0].seal_slots[0]
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
        for n, page in enumerate(doc.pages):
            for c in page.chars:
                if _is_red(c) or c["size"] < 15:  # the letterhead, page numbers, slot label
                    continue
                assert c["x0"] >= FRAME_LEFT - 0.6 and c["x1"] <= FRAME_RIGHT + 0.6
                assert c["top"] >= FRAME_TOP - 1 and c["bottom"] <= FRAME_BOTTOM + 1, (n, c)
            lines = _body_lines(page)
            assert lines, f"page {n + 1} is empty"
        page = doc.pages[slot.page]
        lines = _body_lines(page)
        name = _line_with(lines, content.bureau)
        above = [ln for ln in lines if ln[0]["bottom"] < name[0]["bottom"] - 1]
        assert len(above) >= 2, [_text(ln) for ln in lines]
        # the last text above the signature is the 附件说明 or the body's last lines
        assert "无正文" not in "".join(_text(ln) for ln in lines)


# --------------------------------------------------------------------------- the build


def test_build_puts_the_letter_on_page_one(tmp_path: Path) -> None:
    result = build_city(SAMPLES / "450200" / "city.json", tmp_path / "out", parallel=False)
    m = result.manifest.as_json()
    out = tmp_path / "out"
    letter = m["letter"]
    assert letter["pdf"] == "00-报送函-柳州市.pdf" and letter["docx"] == "00-报送函-柳州市.docx"
    assert (out / letter["pdf"]).is_file() and (out / letter["docx"]).is_file()
    assert letter["bundle_pages"] == [1, letter["pages"]]
    assert [s["seal"] for s in letter["seal_slots"]] == ["bureau"]
    assert letter["seal_slots"][0]["page"] <= letter["pages"]
    assert m["summary"]["bundle_pages"][0] == letter["pages"] + 3  # cover, contents
    assert "straddle_seals" not in letter
    assert not check_bundle(m, out / "bundle.pdf")
    with pdfplumber.open(out / "bundle.pdf") as doc:
        first = doc.pages[0].extract_text() or ""
        assert "关于报送柳州市第三批" in first and "柳州市工业和信息化局" in first
        assert "第 1 /" not in first  # no running packet number on the letter
        cover = doc.pages[letter["pages"]].extract_text() or ""
        assert "服务型制造示范申报材料" in cover
    from pypdf import PdfReader

    outline = PdfReader(out / "bundle.pdf").outline
    assert outline[0].title == "报送函"
    names = [f["path"] for f in m["files"]]
    assert letter["pdf"] in names and letter["docx"] in names
    warnings = [w["path"] for w in m["warnings"]]
    assert "letter" in warnings  # no document number given


def test_no_letter_and_letterhead_none(tmp_path: Path) -> None:
    city = SAMPLES / "450200" / "city.json"
    plain = build_city(city, tmp_path / "a", BuildOptions(letter=False), parallel=False)
    plain = plain.manifest.as_json()
    assert "letter" not in plain
    assert not any(p.name.startswith("00-报送函") for p in (tmp_path / "a").iterdir())
    assert not any(w["path"].startswith("letter") for w in plain["warnings"])
    assert plain["summary"]["bundle_pages"][0] == 3
    bare = build_city(city, tmp_path / "b", BuildOptions(letterhead=False), parallel=False)
    bare = bare.manifest.as_json()
    assert bare["letter"]["letterhead"] is False
    with pdfplumber.open(tmp_path / "b" / "bundle.pdf") as doc:
        assert not any(_is_red(c) for c in doc.pages[0].chars)
        assert "柳工信函" in (doc.pages[0].extract_text() or "")
    assert plain["build_key"] != bare["build_key"]


def test_cli_options(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from docgen.cli import main

    runner = CliRunner()
    city = str(SAMPLES / "450200" / "city.json")
    res = runner.invoke(main, ["build", city, "-o", str(tmp_path / "a"), "--no-letter"])
    assert res.exit_code == 0, res.output
    assert "报送函" not in res.output
    res = runner.invoke(main, ["build", city, "-o", str(tmp_path / "b"), "--letterhead", "none"])
    assert res.exit_code == 0, res.output
    assert "报送函在第 1" in res.output
    res = runner.invoke(main, ["build", city, "-o", str(tmp_path / "c"), "--letterhead", "blue"])
    assert res.exit_code == 2
    config = tmp_path / "docgen.toml"
    config.write_text('[packet]\nletter = false\nletterhead = "none"\n', encoding="utf-8")
    res = runner.invoke(main, ["build", city, "-o", str(tmp_path / "d"), "--config", str(config)])
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "d" / "00-报送函-柳州市.pdf").exists()


# --------------------------------------------------------------------------- the city file


def test_schema_and_validation_of_the_letter_section(tmp_path: Path) -> None:
    schema = json_schema()
    letter = schema["$defs"]["LetterInfo"]["properties"]
    assert {"number", "prefix", "paragraph", "replace", "recipient", "contact"} <= set(letter)
    assert "letter" in schema["properties"]

    base = json.loads((SAMPLES / "450200" / "city.json").read_text(encoding="utf-8"))
    folder = tmp_path / "city"
    shutil.copytree(SAMPLES / "450200", folder)

    def check(section: dict[str, Any] | None) -> list[tuple[str, str, str]]:
        data = copy.deepcopy(base)
        if section is not None:
            data["letter"] = section
        (folder / "city.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        try:
            city = load_city(folder / "city.json")
        except Exception as exc:  # InputError: schema findings
            return [(f.path, f.level, f.message) for f in exc.findings]  # type: ignore[attr-defined]
        return [(f.path, f.level, f.message) for f in validate(city) if f.path.startswith("letter")]

    missing = check(None)
    assert [(p, lvl) for p, lvl, _ in missing] == [("letter", "warning")]
    assert "柳工信函〔2021〕　号" in missing[0][2]
    assert [(p, lvl) for p, lvl, _ in check({"number": "45"})] == [("letter.prefix", "warning")]
    assert check({"number": "45", "prefix": "柳工信函"}) == []
    bad = check({"number": "四十五"})
    assert bad and bad[0][0] == "letter.number" and bad[0][1] == "error"
    assert check({"number": "45", "prefix": "柳工信函", "typo": 1})[0][0] == "letter.typo"
    replace = check({"number": "45", "prefix": "柳工信函", "replace": True})
    assert [(p, lvl) for p, lvl, _ in replace] == [("letter.replace", "error")]
    too_long = check({"number": "45", "prefix": "柳工信函", "paragraph": "很" * 601})
    assert [(p, lvl) for p, lvl, _ in too_long] == [("letter.paragraph", "error")]
    hidden = check({"number": "45", "prefix": "柳工\u200b信函"})
    assert [(p, lvl) for p, lvl, _ in hidden] == [("letter.prefix", "error")]


def test_letter_section_fills_the_letter(fonts: Any) -> None:
    city = _city(
        "450200",
        letter={
            "number": "45",
            "prefix": "柳工信函",
            "recipient": "自治区工业和信息化厅市场开拓处",
            "paragraph": "另，我市示范城市申报书已由市人民政府盖章。",
            "contact": {"name": "韦小明", "mobile": "13900000000"},
        },
    )
    content, _ = _compose(city)
    assert content.recipient == "自治区工业和信息化厅市场开拓处："
    assert content.paragraphs[1] == "另，我市示范城市申报书已由市人民政府盖章。"
    assert content.note == "（联系人：韦小明，联系电话：13900000000）"
    replaced = _city("450200", letter={"paragraph": "全新的正文。", "replace": True, "number": "1"})
    content, _ = _compose(replaced)
    assert content.paragraphs[0] == "全新的正文。"
    assert not any("示范企业2个" in p for p in content.paragraphs)


def test_same_input_same_bytes(fonts: Any) -> None:
    content, _ = _compose(_city("450200"))
    assert _render(content, fonts).data == _render(content, fonts).data
    doc = letter_document(content)
    assert render_docx(doc) == render_docx(doc)
