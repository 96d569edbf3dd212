"""The print packet: order, running numbers, page labels, bookmarks, straddle groups, seal slots,
duplex, attachments clear of the band, shared fonts, and the same bytes every time."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pypdf import PdfReader

from docgen import layout
from docgen.bundle import ApplicationInput, BundleInput, BundleResult, assemble, straddle_groups
from docgen.document import (
    CoverField,
    CoverFields,
    Document,
    Heading,
    PageBreak,
    Paragraph,
    SignatureBlock,
    Title,
    runs,
)
from docgen.errors import InputError
from docgen.render.fonts import FontSet, resolve_fonts
from docgen.render.pdf import PdfResult, render_pdf
from tests.pdfcheck import audit, check_bundle
from tests.test_attach import make_sources

CITY = "柳州市"
DATE = "二〇二一年五月十日"


def form(name: str, pages: int) -> Document:
    """A declaration of exactly ``pages`` pages: a cover with the applicant's seal, one heading
    per page, a signature block with a seal at the end."""
    blocks: list[Any] = [
        Title(runs("服务型制造示范遴选申报书")),
        CoverFields(
            (
                CoverField("申报单位（盖章）", runs(name), seal="applicant"),
                CoverField("日期", runs(DATE)),
            )
        ),
    ]
    if pages > 1:
        blocks.append(PageBreak())
    for i in range(1, pages):
        blocks.append(Heading(1, f"{i}、", runs(f"第{i}部分")))
        blocks.append(Paragraph(runs(f"{name}的情况说明。" * 6)))
        if i < pages - 1:
            blocks.append(PageBreak())
    blocks.append(
        SignatureBlock((runs(f"申报单位（盖章）：{name}"), runs(f"日期：{DATE}")), seal="applicant")
    )
    return Document(kind="declaration", title=f"申报书-{name}", blocks=tuple(blocks))


def summary() -> Document:
    return Document(
        kind="summary",
        title="申报汇总表",
        landscape=True,
        cover_pages=0,
        blocks=(
            Title(runs("服务型制造示范遴选申报汇总表")),
            Paragraph(runs("甲公司、乙公司、丙公司")),
            SignatureBlock(
                (runs("填报单位（盖章）：柳州市工业和信息化局"), runs(f"日期：{DATE}")),
                seal="bureau",
            ),
        ),
    )


APPS = (("A-1", "柳州甲科技有限公司", 3), ("B-2", "柳州乙重工股份有限公司", 45), ("C-3", "丙厂", 1))


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    return resolve_fonts()


@pytest.fixture(scope="module")
def rendered(fonts: FontSet) -> PdfResult:
    docs = [summary()] + [form(n, p) for _i, n, p in APPS]
    result = render_pdf(docs, fonts)
    assert [d.pages for d in result.docs] == [1, 3, 45, 1]
    return result


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_sources(tmp_path_factory.mktemp("bundle-sources"))


def _kind(path: Path) -> str:
    return {".pdf": "pdf", ".jpg": "jpeg", ".png": "png"}[path.suffix]


@pytest.fixture(scope="module")
def inp(rendered: PdfResult, sources: dict[str, Path]) -> BundleInput:
    return make_input(rendered, sources)


def make_input(rendered: PdfResult, sources: dict[str, Path]) -> BundleInput:
    """Summary, a 3-page form with one attachment of every kind, a 45-page form, a 1-page one."""
    titles = {
        "letter": "营业执照（副本）复印件",
        "a3_landscape": "2020年度财务审计报告（A3横版）",
        "rotate90": "资质证书（扫描件，旋转）",
        "exif6": "服务网点照片",
        "png300": "专利证书（300dpi 扫描）",
        "cmyk": "宣传册（CMYK）",
    }
    atts = tuple((t, sources[k], _kind(sources[k])) for k, t in titles.items())
    return BundleInput(
        city_name=CITY,
        division_code="450200",
        bureau="柳州市工业和信息化局",
        date_text=DATE,
        rendered=rendered,
        summary_index=0,
        applications=(
            ApplicationInput("A-1", APPS[0][1], "示范企业", 1, atts),  # type: ignore[arg-type]
            ApplicationInput("B-2", APPS[1][1], "示范平台（共享制造类）", 2),
            ApplicationInput("C-3", APPS[2][1], "示范项目", 3),
        ),
    )


@pytest.fixture(scope="module")
def bundle(inp: BundleInput, fonts: FontSet) -> BundleResult:
    return assemble(inp, fonts)


@pytest.fixture(scope="module")
def duplex(inp: BundleInput, fonts: FontSet) -> BundleResult:
    return assemble(inp, fonts, duplex=True)


def manifest(result: BundleResult, max_seal_pages: int = 20) -> dict[str, Any]:
    """The manifest's bundle part, shaped as CONTRACT §4 shows."""
    return {
        "bundle": {"file": "bundle.pdf", "pages": result.pages},
        "summary": {
            "bundle_pages": list(result.summary_pages),
            "straddle_seals": [dict(s) for s in result.summary_straddle_seals],
            "seal_slots": [dict(s) for s in result.summary_seal_slots],
        },
        "documents": [
            {
                "application_id": d.application_id,
                "applicant": d.applicant,
                "pages": d.bundle_pages[1] - d.bundle_pages[0] + 1,
                "bundle_pages": list(d.bundle_pages),
                "form_pages": d.form_pages[1] - d.form_pages[0] + 1,
                "straddle_seals": [dict(s) for s in d.straddle_seals],
                "seal_slots": [dict(s) for s in d.seal_slots],
                "attachments": [dict(a) for a in d.attachments],
            }
            for d in result.documents
        ],
        "options": {"max_seal_pages": max_seal_pages},
    }


def page_texts(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [re.sub(r"\s+", "", "".join(c["text"] for c in p.chars)) for p in pdf.pages]


# ---------------------------------------------------------------------------------------------


def test_straddle_groups_split() -> None:
    assert straddle_groups(1, 20) == []
    assert straddle_groups(2, 20) == [(0, 1)]
    assert straddle_groups(20, 20) == [(0, 19)]
    assert straddle_groups(21, 20) == [(0, 10), (11, 20)]
    assert straddle_groups(45, 20) == [(0, 14), (15, 29), (30, 44)]
    with pytest.raises(ValueError):
        straddle_groups(5, 1)


def test_order_and_counts(bundle: BundleResult) -> None:
    attachment_pages = 2 + 1 + 1 + 1 + 1 + 1  # letter has two pages
    assert bundle.pages == 1 + 1 + 1 + (3 + attachment_pages) + 45 + 1
    assert bundle.contents_pages == (2, 2)
    assert bundle.summary_pages == (3, 3)
    a, b, c = bundle.documents
    assert a.bundle_pages == (4, 4 + 3 + attachment_pages - 1) and a.form_pages == (4, 6)
    assert b.bundle_pages == (a.bundle_pages[1] + 1, a.bundle_pages[1] + 45)
    assert c.bundle_pages == (bundle.pages, bundle.pages)
    assert [x["pages"][0] for x in a.attachments] == [7, 9, 10, 11, 12, 13]
    assert bundle.blank_pages == ()
    assert len(PdfReader(io.BytesIO(bundle.data)).pages) == bundle.pages


def test_cover_and_contents(bundle: BundleResult) -> None:
    texts = page_texts(bundle.data)
    assert f"{CITY}服务型制造示范申报材料" in texts[0]
    assert f"共{bundle.pages}页" in texts[0] and DATE in texts[0] and "3项" in texts[0]
    toc = texts[1]
    a, b, c = bundle.documents
    assert f"申报汇总表{bundle.summary_pages[0]}" in toc
    assert f"申报书：{APPS[0][1]}（示范企业）{a.bundle_pages[0]}" in toc
    assert f"附件1：营业执照（副本）复印件{a.attachments[0]['pages'][0]}" in toc
    assert f"附件6：宣传册（CMYK）{a.attachments[5]['pages'][0]}" in toc
    assert f"（示范平台（共享制造类））{b.bundle_pages[0]}" in toc
    assert f"申报书：丙厂（示范项目）{c.bundle_pages[0]}" in toc


def test_running_numbers_and_labels(bundle: BundleResult) -> None:
    """One page-number system per page: the packet's cover and contents none, the summary and
    a form's pages after its cover their own "— k —", every other page (a form's cover, an
    attachment) the running number, which the page labels and the contents refer to."""
    texts = page_texts(bundle.data)
    own: dict[int, int] = {}
    s0, s1 = bundle.summary_pages
    own.update({p: p - s0 + 1 for p in range(s0, s1 + 1)})
    for d in bundle.documents:
        f0, f1 = d.form_pages
        own.update({p: p - f0 for p in range(f0 + 1, f1 + 1)})
    bare = set(range(1, bundle.summary_pages[0]))
    assert bare == {1, 2}  # the packet's cover and its contents
    for n, text in enumerate(texts, 1):
        running = f"{CITY}第{n}/{bundle.pages}页" in text
        numbers = re.findall(r"—(\d+)—", text)
        if n in bare:
            assert not running and not numbers, n
        elif n in own:
            assert not running and numbers == [str(own[n])], (n, numbers)
        else:
            assert running and not numbers, n
    reader = PdfReader(io.BytesIO(bundle.data))
    assert reader.page_labels == [str(n) for n in range(1, bundle.pages + 1)]


def test_captions(bundle: BundleResult) -> None:
    texts = page_texts(bundle.data)
    a = bundle.documents[0]
    for n, att in enumerate(a.attachments, 1):
        first, last = att["pages"]
        assert f"附件{n}：{att['title']}".replace(" ", "") in texts[first - 1]
        for p in range(first + 1, last + 1):
            assert f"附件{n}：" not in texts[p - 1]


def test_attachment_records(bundle: BundleResult) -> None:
    atts = {x["title"]: x for x in bundle.documents[0].attachments}
    assert atts["2020年度财务审计报告（A3横版）"]["rotated"] == [
        atts["2020年度财务审计报告（A3横版）"]["pages"][0]
    ]
    assert atts["服务网点照片"]["rotated"] == []
    assert atts["专利证书（300dpi 扫描）"]["scale"] == 1.0
    assert 0 < atts["营业执照（副本）复印件"]["scale"] < 1.0


def test_straddle_groups_in_bundle(bundle: BundleResult) -> None:
    a, b, c = bundle.documents
    assert [g["pages"] for g in a.straddle_seals] == [list(a.bundle_pages)]
    groups = b.straddle_seals
    first = b.bundle_pages[0]
    assert [g["pages"] for g in groups] == [
        [first, first + 14],
        [first + 15, first + 29],
        [first + 30, first + 44],
    ]
    boxes = [tuple(g["box"]) for g in groups]
    assert len(set(boxes)) == 3
    for k, box in enumerate(boxes):
        assert box == tuple(round(v, 1) for v in layout.straddle_box(layout.A4_W, layout.A4_H, k))
    for x, y in itertools.pairwise(boxes):
        assert not layout.intersects(x, y)  # stamps of consecutive groups never overlap
    assert c.straddle_seals == ()  # a single page has nothing to straddle
    assert bundle.summary_straddle_seals == ()


def _label_outlines(data: bytes, page: int, box: Any) -> int:
    """Pieces of a slot label's glyph outlines (small light-grey filled shapes) inside ``box``."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        p = pdf.pages[page - 1]
        shapes = p.curves + p.rects
    return sum(
        1
        for o in shapes
        if o.get("fill")
        and o.get("non_stroking_color") == (layout.SEAL_MARK_GREY,) * 3
        and box[0] <= o["x0"] <= o["x1"] <= box[2]
        and box[1] <= o["y0"] <= o["y1"] <= box[3]
        and o["x1"] - o["x0"] < 12
    )


def test_straddle_marks(
    bundle: BundleResult, inp: BundleInput, fonts: FontSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The label "骑缝章 k/3" is drawn on every page of group k as glyph outlines inside the
    group's box, not as text."""
    texts = page_texts(bundle.data)
    b = bundle.documents[1]
    for g in b.straddle_seals:
        for p in range(g["pages"][0], g["pages"][1] + 1):
            assert "骑缝章" not in texts[p - 1]
            assert _label_outlines(bundle.data, p, g["box"]) > 10, p
    c = bundle.documents[2]
    assert "骑缝章" not in texts[c.bundle_pages[0] - 1]
    assert "骑缝章" not in texts[0] and "骑缝章" not in texts[1]
    box = layout.straddle_box(layout.A4_W, layout.A4_H, 0)
    assert _label_outlines(bundle.data, c.bundle_pages[0], box) == 0
    # the labels drawn, group by group
    import docgen.render.pdf as pdfmod

    drawn: list[str] = []
    real = pdfmod.draw_outlined

    def record(canv: Any, fonts: FontSet, text: str, *args: Any, **kw: Any) -> float:
        drawn.append(text)
        return real(canv, fonts, text, *args, **kw)

    monkeypatch.setattr(pdfmod, "draw_outlined", record)
    assemble(inp, fonts)
    labels = [t for t in drawn if t.startswith("骑缝章")]
    want = [
        f"骑缝章 {k}/3"
        for k, g in enumerate(b.straddle_seals, 1)
        for _ in range(g["pages"][0], g["pages"][1] + 1)
    ]
    assert [t for t in labels if t.endswith("/3")] == want


def test_seal_slots(bundle: BundleResult, rendered: PdfResult) -> None:
    (slot,) = bundle.summary_seal_slots
    assert slot["page"] == bundle.summary_pages[0] and slot["seal"] == "bureau"
    for d, doc in zip(bundle.documents, rendered.docs[1:], strict=True):
        assert len(d.seal_slots) == len(doc.seal_slots)
        for got, src in zip(d.seal_slots, doc.seal_slots, strict=True):
            assert got["page"] == d.bundle_pages[0] + src.page
            assert got["box"] == [round(v, 1) for v in src.box]
            assert got["seal"] == src.seal


def test_auditor_passes(bundle: BundleResult) -> None:
    found = audit(manifest(bundle), bundle.data)
    assert found.problems == []
    a = bundle.documents[0]
    text = found.seal_text[(a.bundle_pages[1] - len(a.attachments) - 1, "applicant")]
    assert "年" in text and "月" in text  # 骑年盖月: the seal covers the date's year and month


def test_auditor_finds_problems(bundle: BundleResult) -> None:
    m = manifest(bundle)
    doc = m["documents"][1]
    # a straddle box moved onto the text, an applicant name that is not there, a wrong count
    doc["straddle_seals"][0]["box"] = [100.0, 400.0, 300.0, 600.0]
    m["documents"][2]["applicant"] = "不存在的公司"
    m["bundle"]["pages"] += 1
    problems = check_bundle(m, bundle.data)
    assert any("骑缝章位" in p and "未贴页面右边缘" in p for p in problems)
    assert any("骑缝章位" in p and "内有文字" in p for p in problems)
    assert any("不存在的公司" in p for p in problems)
    assert any("清单记录总页数" in p for p in problems)


def test_attachments_clear_of_band(bundle: BundleResult) -> None:
    """Attachment pages: A4 portrait, everything but the mark and footer left of the band."""
    band_x0 = layout.PORTRAIT.band_x0
    a = bundle.documents[0]
    first, last = a.attachments[0]["pages"][0], a.attachments[-1]["pages"][1]
    with pdfplumber.open(io.BytesIO(bundle.data)) as pdf:
        for n in range(first, last + 1):
            page = pdf.pages[n - 1]
            assert (float(page.width), float(page.height)) == pytest.approx(
                (layout.A4_W, layout.A4_H), abs=0.01
            )
            for o in page.chars + page.rects + page.lines + page.curves + page.images:
                if o["object_type"] == "curve" and o.get("stroking_color") == layout.SEAL_MARK_GREY:
                    continue  # the straddle mark
                if (
                    o["object_type"] in ("curve", "rect")
                    and o.get("fill")
                    and not o.get("stroke")
                    and o.get("non_stroking_color") == (layout.SEAL_MARK_GREY,) * 3
                    and o["x1"] - o["x0"] <= layout.SEAL_MARK_LABEL_SIZE
                ):
                    continue  # its label "骑缝章 1/1", drawn as glyph outlines
                assert o["x1"] <= band_x0, (n, o["object_type"], o.get("text"), o["x1"])


def test_bookmarks(bundle: BundleResult) -> None:
    reader = PdfReader(io.BytesIO(bundle.data))
    outline = reader.outline
    top = [o for o in outline if not isinstance(o, list)]
    titles = [o.title for o in top]
    assert titles == [
        "目录",
        "申报汇总表",
        f"申报书：{APPS[0][1]}（示范企业）",
        f"申报书：{APPS[1][1]}（示范平台（共享制造类））",
        f"申报书：{APPS[2][1]}（示范项目）",
    ]
    pages = [reader.get_destination_page_number(o) + 1 for o in top]
    assert pages[1:] == [bundle.summary_pages[0]] + [d.bundle_pages[0] for d in bundle.documents]
    # nested: the form's headings and one per attachment
    children = outline[outline.index(top[2]) + 1]
    assert isinstance(children, list)
    child_titles = [o.title for o in children if not isinstance(o, list)]
    assert "第1部分" in "".join(child_titles)
    a = bundle.documents[0]
    for n, att in enumerate(a.attachments, 1):
        item = next(
            o for o in children if not isinstance(o, list) and o.title.startswith(f"附件{n}：")
        )
        assert reader.get_destination_page_number(item) + 1 == att["pages"][0]


def test_duplex(duplex: BundleResult, bundle: BundleResult) -> None:
    starts = [duplex.contents_pages[0], duplex.summary_pages[0]] + [
        d.bundle_pages[0] for d in duplex.documents
    ]
    assert all(p % 2 == 1 for p in starts), starts
    assert duplex.pages == bundle.pages + len(duplex.blank_pages)
    assert duplex.blank_pages  # this input needs some
    texts = page_texts(duplex.data)
    for p in duplex.blank_pages:
        assert texts[p - 1] == f"{CITY}第{p}/{duplex.pages}页"
    # blank versos are in no straddle group
    for d in duplex.documents:
        for g in d.straddle_seals:
            assert d.bundle_pages[0] <= g["pages"][0] <= g["pages"][1] <= d.bundle_pages[1]
            assert not any(g["pages"][0] <= p <= g["pages"][1] for p in duplex.blank_pages)
    assert check_bundle(manifest(duplex), duplex.data) == []


def test_marks_off(inp: BundleInput, fonts: FontSet, bundle: BundleResult) -> None:
    plain = assemble(inp, fonts, seal_marks=False)
    assert plain.pages == bundle.pages
    assert [d.straddle_seals for d in plain.documents] == [
        d.straddle_seals for d in bundle.documents
    ]
    assert not any("骑缝章" in t for t in page_texts(plain.data))
    assert check_bundle(manifest(plain), plain.data) == []


def test_max_seal_pages(inp: BundleInput, fonts: FontSet) -> None:
    small = assemble(inp, fonts, max_seal_pages=10)
    assert len(small.documents[1].straddle_seals) == 5
    assert check_bundle(manifest(small, 10), small.data) == []
    with pytest.raises(ValueError):
        assemble(inp, fonts, max_seal_pages=1)


def test_deterministic(inp: BundleInput, fonts: FontSet, bundle: BundleResult) -> None:
    assert assemble(inp, fonts).data == bundle.data


def _font_files(data: bytes) -> int:
    return len(re.findall(rb"/FontFile2", data)) if b"/ObjStm" not in data else _count_fonts(data)


def _count_fonts(data: bytes) -> int:
    """Distinct font objects used by the pages and by the Form XObjects they draw (the
    running-number stamp is one)."""
    reader = PdfReader(io.BytesIO(data))
    seen: set[int] = set()

    def visit(resources: Any, depth: int = 0) -> None:
        if resources is None or depth > 4:
            return
        resources = resources.get_object()
        fonts = resources.get("/Font")
        if fonts is not None:
            for ref in fonts.get_object().values():
                seen.add(ref.idnum if hasattr(ref, "idnum") else id(ref))
        xobjects = resources.get("/XObject")
        if xobjects is not None:
            for ref in xobjects.get_object().values():
                xobj = ref.get_object()
                if xobj.get("/Subtype") == "/Form":
                    visit(xobj.get("/Resources"), depth + 1)

    for page in reader.pages:
        visit(page.get("/Resources"))
    return len(seen)


def test_fonts_shared(bundle: BundleResult, rendered: PdfResult) -> None:
    """The forms' subsets are embedded once, not once per form or per page: the packet holds
    the render's fonts plus the overlay's few (cover, contents, running numbers: song, hei, the
    face of 〇, and since issue 12 the serif Latin face of the digits)."""
    assert _count_fonts(bundle.data) <= _count_fonts(rendered.data) + 6 + 1  # +1: Helvetica
    assert b"/Helvetica" not in _overlay_fonts(bundle.data)


def _overlay_fonts(data: bytes) -> bytes:
    """Base font names on the cover page (drawn by the overlay alone)."""
    reader = PdfReader(io.BytesIO(data))
    fonts = reader.pages[0]["/Resources"].get_object().get("/Font", {}).get_object()
    return b" ".join(str(f.get_object()["/BaseFont"]).encode() for f in fonts.values())


def test_compressed(bundle: BundleResult) -> None:
    reader = PdfReader(io.BytesIO(bundle.data))
    for page in reader.pages:
        contents = page.get_contents()
        assert contents is not None
        raw = page["/Contents"].get_object()
        streams = raw if isinstance(raw, list) else [raw]
        for s in streams:
            stream = s.get_object()
            # page content is compressed; only the few-byte q / stamp wrappers are left plain
            assert stream.get("/Filter") is not None or len(stream.get_data()) < 100


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="needs qpdf")
def test_qpdf_check(bundle: BundleResult, duplex: BundleResult, tmp_path: Path) -> None:
    for name, result in (("simplex", bundle), ("duplex", duplex)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(result.data)
        done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_damaged_attachment_names_its_place(
    inp: BundleInput, fonts: FontSet, sources: dict[str, Path], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(sources["exif6"].read_bytes()[:3000])
    app = inp.applications[0]
    bad = BundleInput(
        **{
            **inp.__dict__,
            "applications": (
                ApplicationInput(
                    app.application_id,
                    app.applicant,
                    app.category_label,
                    app.doc_index,
                    ((app.attachments[0]), ("坏图", broken, "jpeg")),
                ),
                *inp.applications[1:],
            ),
        }
    )
    with pytest.raises(InputError) as info:
        assemble(bad, fonts)
    (finding,) = info.value.findings
    assert finding.path == "applications[0].attachments[1].file"
    assert "broken.jpg" in finding.message


@pytest.mark.parametrize(
    ("width", "height"), [(layout.A4_W, layout.A4_H), (layout.A4_H, layout.A4_W)]
)
def test_straddle_boxes_stay_on_the_sheet(width: float, height: float) -> None:
    """Every group's box lies inside the sheet, portrait or landscape, however many groups a
    long document (a 60-page summary) needs; consecutive groups never overlap."""
    boxes = [layout.straddle_box(width, height, k) for k in range(12)]
    for _x0, y0, x1, y1 in boxes:
        assert 0 < y0 < y1 < height
        assert x1 == round(width, 1)
    for a, b in itertools.pairwise(boxes):
        assert not layout.intersects(a, b)


@pytest.mark.parametrize("length", range(8, 30))
def test_contents_never_split_a_forms_category(length: int) -> None:
    """A contents entry that wraps breaks before "（示范平台（其他类））", never inside it."""
    from docgen.bundle import _Ink, _trailing_group

    ink = _Ink(resolve_fonts())
    category = "（示范平台（其他类））"
    text = f"申报书：{'玉林动力配套供应链服务'[: length % 10 + 1] * (length // 10 + 1)}有限公司{category}"
    keep = _trailing_group(text)
    assert text[keep:] == category
    width = ink.width("申报书：玉林动力配套供应链服务有限公司", "song", 14.0)
    lines = ink.wrap(text, "song", 14.0, width, width, keep=keep)
    assert "".join(lines) == text
    assert any(line.endswith(category) for line in lines)
    assert _trailing_group("附件1：营业执照（副本）复印件") == -1
