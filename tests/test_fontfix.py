"""Attachment fonts: non-embedded standard faces become embedded Liberation/DejaVu subsets that
look and extract the same; a page with any other non-embedded font becomes an image; the same
bytes every time."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.lib.pagesizes import A4, letter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from docgen import layout
from docgen.attach import attachment_pages, pages_to_pdf
from docgen.fontfix import FontFixReport, classify, embed_missing_fonts

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("pdffonts", "pdftotext", "pdftoppm")),
    reason="needs poppler-utils",
)

LIBERATION = Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
needs_liberation = pytest.mark.skipif(
    not LIBERATION.is_file(), reason="needs fonts-liberation2 (scripts/install-system-deps.sh)"
)

LINES = (
    ("Helvetica", "Business licence No. 91450200MA5K0001X"),
    ("Helvetica-Bold", "BUSINESS LICENCE (copy)"),
    ("Helvetica-Oblique", "Registered capital: 5,000,000.00"),
    ("Times-Roman", "Straße café naïve – “quoted” €12 ±3 ×2 ©"),
    ("Times-BoldItalic", "Audit opinion: unqualified"),
    ("Courier", "Account 6222 0000 1111 2222"),
    ("Courier-Bold", "[OK] {ref: 42}"),
)


# ---------------------------------------------------------------------------------------------
# Sources.


def standard_pdf(path: Path, pages: int = 1) -> Path:
    """Text in the standard faces reportlab does not embed (WinAnsi)."""
    c = Canvas(str(path), pagesize=letter, invariant=1)
    for n in range(pages):
        y = 720.0
        for font, text in LINES:
            c.setFont(font, 16)
            c.drawString(60, y, f"{text} {n + 1}")
            y -= 40
        c.rect(50, 300, 400, 60)
        c.showPage()
    c.save()
    return path


def symbol_pdf(path: Path) -> Path:
    c = Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont("Helvetica", 16)
    c.drawString(60, 760, "Greek and dingbats:")
    c.setFont("Symbol", 20)
    c.drawString(60, 720, "αβγδ ΣΩ ≤≥ ∞")
    c.setFont("ZapfDingbats", 20)
    c.drawString(60, 680, "✓✔✗")
    c.showPage()
    c.save()
    return path


def ttf_pdf(path: Path, colour: bool = False) -> Path:
    """DejaVu Sans text, embedded by reportlab; the font file is then removed."""
    pdfmetrics.registerFont(TTFont("FixDejaVu", str(DEJAVU)))
    c = Canvas(str(path), pagesize=A4, invariant=1, initialFontName="FixDejaVu")
    c.setFont("FixDejaVu", 28)
    c.drawString(60, 740, "Unembedded TrueType text")
    if colour:
        c.setFillColorRGB(0.9, 0.1, 0.1)
        c.rect(60, 600, 200, 80, fill=1, stroke=0)
    c.showPage()
    c.save()
    reader = PdfReader(str(path))
    writer = PdfWriter(clone_from=reader)
    for page in writer.pages:
        for ref in page["/Resources"]["/Font"].values():
            desc = ref.get_object()["/FontDescriptor"].get_object()
            del desc["/FontFile2"]
    writer.write(str(path))
    return path


def raw_pdf(path: Path, fonts: dict[str, DictionaryObject], content: bytes) -> Path:
    """One A4 page drawing ``content`` with ``fonts`` (hand-made font dictionaries)."""
    writer = PdfWriter()
    page = writer.add_blank_page(595.28, 841.89)
    font_res = DictionaryObject()
    for name, font in fonts.items():
        font_res[NameObject(name)] = writer._add_object(font)
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): font_res})
    stream = DecodedStreamObject()
    stream.set_data(content)
    page[NameObject("/Contents")] = writer._add_object(stream)
    writer.write(str(path))
    return path


def _name_dict(**entries: object) -> DictionaryObject:
    out = DictionaryObject()
    for k, v in entries.items():
        out[NameObject("/" + k)] = v  # type: ignore[assignment]
    return out


def simsun_pdf(path: Path) -> Path:
    """A Type0 SimSun (CIDFontType2, Identity-H) that is not embedded, as Chinese offices make."""
    desc = _name_dict(
        Type=NameObject("/FontDescriptor"),
        FontName=NameObject("/SimSun"),
        Flags=NumberObject(6),
        FontBBox=ArrayObject([NumberObject(v) for v in (-8, -145, 1000, 859)]),
        ItalicAngle=NumberObject(0),
        Ascent=NumberObject(859),
        Descent=NumberObject(-141),
        CapHeight=NumberObject(683),
        StemV=NumberObject(80),
    )
    cid = _name_dict(
        Type=NameObject("/Font"),
        Subtype=NameObject("/CIDFontType2"),
        BaseFont=NameObject("/SimSun"),
        CIDSystemInfo=_name_dict(
            Registry=TextStringObject("Adobe"),
            Ordering=TextStringObject("Identity"),
            Supplement=NumberObject(0),
        ),
        FontDescriptor=desc,
        DW=NumberObject(1000),
    )
    font = _name_dict(
        Type=NameObject("/Font"),
        Subtype=NameObject("/Type0"),
        BaseFont=NameObject("/SimSun"),
        Encoding=NameObject("/Identity-H"),
        DescendantFonts=ArrayObject([cid]),
    )
    return raw_pdf(path, {"/F1": font}, b"BT /F1 24 Tf 72 760 Td <0021002200230024> Tj ET")


# ---------------------------------------------------------------------------------------------
# Tools.


def fixed(path: Path) -> tuple[bytes, list[FontFixReport]]:
    """The PDF with every page fixed in place (not placed on A4)."""
    writer = PdfWriter(clone_from=PdfReader(str(path)))
    reports = [embed_missing_fonts(page, writer) for page in writer.pages]
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue(), reports


def pdffonts(data: bytes, tmp: Path) -> list[tuple[str, str, str]]:
    """(name, type, emb) of every font poppler sees."""
    src = tmp / "fonts.pdf"
    src.write_bytes(data)
    out = subprocess.run(
        ["pdffonts", str(src)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    rows = []
    for line in out:
        m = re.match(r"(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        assert m, line
        rows.append((m.group(1), m.group(2), m.group(4)))
    return rows


def pdftext(data: bytes, tmp: Path) -> str:
    src = tmp / "text.pdf"
    src.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(src), "-"], check=True, capture_output=True, text=True
    ).stdout
    return re.sub(r"\s+", " ", out).strip()


def render(data: bytes, tmp: Path, dpi: int = 72, page: int = 1) -> Image.Image:
    src = tmp / "render.pdf"
    src.write_bytes(data)
    prefix = tmp / "render"
    pages = ["-f", str(page), "-l", str(page)]
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", *pages, str(src), str(prefix)],
        check=True,
    )
    return Image.open(prefix.with_suffix(".png")).convert("L")


def mean_diff(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size
    return float(ImageStat.Stat(ImageChops.difference(a, b)).mean[0])


# ---------------------------------------------------------------------------------------------


def test_classify_names() -> None:
    assert classify("Helvetica") == ("sans", 0)
    assert classify("Helvetica-BoldOblique") == ("sans", 3)
    assert classify("Arial,Bold") == ("sans", 1)
    assert classify("Arial-ItalicMT") == ("sans", 2)
    assert classify("ArialMT") == ("sans", 0)
    assert classify("ABCDEF+Arial-BoldItalicMT") == ("sans", 3)
    assert classify("Times-Roman") == ("serif", 0)
    assert classify("TimesNewRomanPS-BoldMT") == ("serif", 1)
    assert classify("Times New Roman,Italic") == ("serif", 2)
    assert classify("CourierNewPSMT") == ("mono", 0)
    assert classify("Courier-BoldOblique") == ("mono", 3)
    assert classify("Symbol") == ("symbol", 0)
    assert classify("ZapfDingbats") == ("dingbats", 0)
    for other in ("ArialNarrow", "Arial-Black", "ArialUnicodeMS", "SimSun", "Helvetica-Light"):
        assert classify(other) is None, other


@needs_liberation
def test_standard_fonts_embedded_same_text_and_look(tmp_path: Path) -> None:
    src = standard_pdf(tmp_path / "std.pdf")
    before = src.read_bytes()
    assert {emb for _n, _t, emb in pdffonts(before, tmp_path)} == {"no"}
    after, (report,) = fixed(src)

    fonts = pdffonts(after, tmp_path)
    assert len(fonts) == len(LINES)
    assert all(emb == "yes" for _n, _t, emb in fonts), fonts
    assert all(t == "TrueType" for _n, t, _e in fonts)
    assert sorted(n.split("+")[1] for n, _t, _e in fonts) == sorted(
        [
            "LiberationSans",
            "LiberationSans-Bold",
            "LiberationSans-Italic",
            "LiberationSerif",
            "LiberationSerif-BoldItalic",
            "LiberationMono",
            "LiberationMono-Bold",
        ]
    )
    assert not report.rasterized
    assert ("Helvetica", "LiberationSans") in report.substituted
    assert ("Times-Roman", "LiberationSerif") in report.substituted
    assert len(report.substituted) == len(LINES)

    assert pdftext(after, tmp_path) == pdftext(before, tmp_path)
    for _font, text in LINES:
        assert text in pdftext(after, tmp_path)
    assert mean_diff(render(before, tmp_path), render(after, tmp_path)) < 2.0

    # Widths are the standard-14 metrics: the text ends where it ended.
    font = PdfReader(io.BytesIO(after)).pages[0]["/Resources"]["/Font"]["/F1"].get_object()
    assert font["/FirstChar"] == 32 and font["/LastChar"] == 255
    assert font["/Widths"][ord("W") - 32] == 944  # Helvetica's W
    assert font["/Encoding"] == "/WinAnsiEncoding"
    assert "/FontFile2" in font["/FontDescriptor"]


@needs_liberation
def test_one_font_program_per_face(tmp_path: Path) -> None:
    """Pages and documents share the font program: the same object in one writer, the same
    bytes across writers."""
    a, reports = fixed(standard_pdf(tmp_path / "a.pdf", pages=3))
    assert all(len(r.substituted) == len(LINES) for r in reports)
    reader = PdfReader(io.BytesIO(a))
    programs = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            desc = ref.get_object()["/FontDescriptor"]
            programs.add(desc.raw_get("/FontFile2").idnum)
    assert len(programs) == len(LINES)
    b, _ = fixed(symbol_pdf(tmp_path / "b.pdf"))
    helv = [
        ref.get_object()["/FontDescriptor"]["/FontFile2"].get_data()
        for data in (a, b)
        for ref in PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"].values()
        if ref.get_object()["/BaseFont"].endswith("+LiberationSans")
    ]
    assert len(helv) == 2 and helv[0] == helv[1]


@needs_liberation
def test_symbol_and_dingbats(tmp_path: Path) -> None:
    src = symbol_pdf(tmp_path / "sym.pdf")
    after, (report,) = fixed(src)
    assert not report.rasterized
    assert ("Symbol", "DejaVuSans") in report.substituted
    assert ("ZapfDingbats", "DejaVuSans") in report.substituted
    assert all(emb == "yes" for _n, _t, emb in pdffonts(after, tmp_path))
    text = pdftext(after, tmp_path)
    assert text == pdftext(src.read_bytes(), tmp_path)
    assert "αβγδ Σ" in text and "≤≥ ∞ ✓✔✗" in text  # Ω comes out as the Ohm sign, as before


def test_symbol_glyph_missing_rasterizes(tmp_path: Path) -> None:
    """Symbol's brace pieces (private use) are in no free face: the page becomes an image."""
    symbol = _name_dict(
        Type=NameObject("/Font"), Subtype=NameObject("/Type1"), BaseFont=NameObject("/Symbol")
    )
    src = raw_pdf(tmp_path / "brace.pdf", {"/F1": symbol}, b"BT /F1 40 Tf 72 700 Td <EC> Tj ET")
    after, (report,) = fixed(src)
    assert report.rasterized and report.unembeddable == ("Symbol",)
    assert pdffonts(after, tmp_path) == []


@needs_liberation
def test_windows_truetype_arial_with_widths(tmp_path: Path) -> None:
    """Word's "do not embed" Arial: TrueType, WinAnsi, its own /Widths (kept)."""
    widths = ArrayObject([NumberObject(278)] * 95)
    arial = _name_dict(
        Type=NameObject("/Font"),
        Subtype=NameObject("/TrueType"),
        BaseFont=NameObject("/Arial,Bold"),
        Encoding=NameObject("/WinAnsiEncoding"),
        FirstChar=NumberObject(32),
        LastChar=NumberObject(126),
        Widths=widths,
    )
    src = raw_pdf(tmp_path / "arial.pdf", {"/F1": arial}, b"BT /F1 24 Tf 72 700 Td (Arial) Tj ET")
    after, (report,) = fixed(src)
    assert report.substituted == (("Arial,Bold", "LiberationSans-Bold"),)
    font = PdfReader(io.BytesIO(after)).pages[0]["/Resources"]["/Font"]["/F1"].get_object()
    assert font["/LastChar"] == 126 and list(font["/Widths"]) == [278] * 95
    assert all(emb == "yes" for _n, _t, emb in pdffonts(after, tmp_path))
    assert pdftext(after, tmp_path) == "Arial"


@needs_liberation
def test_differences_kept(tmp_path: Path) -> None:
    enc = _name_dict(
        Type=NameObject("/Encoding"),
        BaseEncoding=NameObject("/WinAnsiEncoding"),
        Differences=ArrayObject([NumberObject(65), NameObject("/Omega"), NameObject("/ccedilla")]),
    )
    helv = _name_dict(
        Type=NameObject("/Font"),
        Subtype=NameObject("/Type1"),
        BaseFont=NameObject("/Helvetica"),
        Encoding=enc,
    )
    src = raw_pdf(tmp_path / "diff.pdf", {"/F1": helv}, b"BT /F1 24 Tf 72 700 Td (ABC) Tj ET")
    after, (report,) = fixed(src)
    assert not report.rasterized
    assert all(emb == "yes" for _n, _t, emb in pdffonts(after, tmp_path))
    assert pdftext(after, tmp_path) == pdftext(src.read_bytes(), tmp_path)
    assert pdftext(after, tmp_path)[1:] == "çC"  # Omega: poppler says U+2126 either way
    before_img, after_img = render(src.read_bytes(), tmp_path), render(after, tmp_path)
    assert mean_diff(before_img, after_img) < 1.0


@pytest.mark.parametrize("colour", [False, True])
def test_unembedded_truetype_rasterized(tmp_path: Path, colour: bool) -> None:
    src = ttf_pdf(tmp_path / "ttf.pdf", colour=colour)
    before = src.read_bytes()
    assert [emb for _n, _t, emb in pdffonts(before, tmp_path)] == ["no"]
    after, (report,) = fixed(src)
    assert report.rasterized and report.substituted == ()
    assert report.unembeddable == ("AAAAAA+DejaVuSans",)
    assert pdffonts(after, tmp_path) == []
    page = PdfReader(io.BytesIO(after)).pages[0]
    assert [float(v) for v in page.mediabox] == pytest.approx([0, 0, *A4])
    (image,) = page["/Resources"]["/XObject"].values()
    image = image.get_object()
    assert image["/Filter"] == "/DCTDecode"
    assert image["/ColorSpace"] == ("/DeviceRGB" if colour else "/DeviceGray")
    assert (image["/Width"], image["/Height"]) == (round(A4[0] * 200 / 72), round(A4[1] * 200 / 72))
    assert mean_diff(render(before, tmp_path), render(after, tmp_path)) < 3.0


def test_cid_simsun_rasterized(tmp_path: Path) -> None:
    src = simsun_pdf(tmp_path / "simsun.pdf")
    assert [t for _n, t, _e in pdffonts(src.read_bytes(), tmp_path)] == ["CID TrueType"]
    after, (report,) = fixed(src)
    assert report.rasterized and report.unembeddable == ("SimSun",)
    assert pdffonts(after, tmp_path) == []


@needs_liberation
def test_attachment_pages_record_and_comply(tmp_path: Path) -> None:
    """At the call site: every placed page has embedded fonts only, and says what was done."""
    std = attachment_pages(standard_pdf(tmp_path / "std.pdf", pages=2), "pdf")
    assert [pp.rasterized for pp in std] == [False, False]
    assert all("Helvetica→LiberationSans" in pp.fonts_embedded for pp in std)
    (ttf,) = attachment_pages(ttf_pdf(tmp_path / "ttf.pdf"), "pdf")
    assert ttf.rasterized and ttf.fonts_embedded == ()
    data = pages_to_pdf([*std, ttf])
    fonts = pdffonts(data, tmp_path)
    assert fonts and all(emb == "yes" for _n, _t, emb in fonts)
    # the placed text is still text, and the rasterized page still shows its text
    assert "BUSINESS LICENCE (copy) 2" in pdftext(data, tmp_path)
    img = render(data, tmp_path, page=3)
    assert ImageStat.Stat(img).extrema[0][0] < 60  # dark text pixels
    # the image covers only where the source was placed: binding edge and seal band stay clear
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        (image,) = pdf.pages[2].images
    x0, y0, x1, y1 = ttf.box
    assert (image["x0"], image["x1"]) == pytest.approx((x0, x1), abs=0.01)
    assert (layout.A4_H - image["bottom"], layout.A4_H - image["top"]) == pytest.approx(
        (y0, y1), abs=0.01
    )
    box = layout.attachment_box()
    assert box[0] - 0.6 <= x0 and x1 <= box[2] + 0.6


_DETERMINISM = """
import sys
from pathlib import Path
from tests.test_fontfix import fixed
sys.stdout.buffer.write(fixed(Path(sys.argv[1]))[0])
"""


@needs_liberation
@pytest.mark.parametrize("kind", ["standard", "truetype"])
def test_deterministic(tmp_path: Path, kind: str) -> None:
    """The same bytes twice in one process, and in a fresh process (no timestamps, no cache
    effects)."""
    src = standard_pdf(tmp_path / "std.pdf") if kind == "standard" else ttf_pdf(tmp_path / "t.pdf")
    first, _ = fixed(src)
    second, _ = fixed(src)
    assert first == second
    root = Path(__file__).resolve().parent.parent
    fresh = subprocess.run(
        [sys.executable, "-c", _DETERMINISM, str(src)],
        check=True,
        capture_output=True,
        cwd=root,
    ).stdout
    assert fresh == first
    placed_a = pages_to_pdf(attachment_pages(src, "pdf"))
    placed_b = pages_to_pdf(attachment_pages(src, "pdf"))
    assert placed_a == placed_b


@needs_liberation
def test_bundle_records_and_embeds_everything(tmp_path: Path) -> None:
    """The packet: only embedded fonts, and each attachment says what was done to it."""
    from docgen.bundle import ApplicationInput, BundleInput, assemble
    from docgen.render.fonts import resolve_fonts
    from docgen.render.pdf import render_pdf
    from tests.test_bundle import form, summary

    fonts = resolve_fonts()
    rendered = render_pdf([summary(), form("柳州甲科技有限公司", 1)], fonts)
    Image.new("RGB", (300, 200), "white").save(tmp_path / "photo.png", dpi=(150, 150))
    atts = (
        ("营业执照", standard_pdf(tmp_path / "std.pdf", pages=2), "pdf"),
        ("审计报告", ttf_pdf(tmp_path / "ttf.pdf"), "pdf"),
        ("照片", tmp_path / "photo.png", "png"),
    )
    inp = BundleInput(
        city_name="柳州市",
        division_code="450200",
        bureau="柳州市工业和信息化局",
        date_text="二〇二一年五月十日",
        rendered=rendered,
        summary_index=0,
        applications=(ApplicationInput("A-1", "柳州甲科技有限公司", "示范企业", 1, atts),),  # type: ignore[arg-type]
    )
    result = assemble(inp, fonts)
    std, ttf, photo = result.documents[0].attachments
    assert "rasterized_pages" not in std
    assert "Helvetica→LiberationSans" in std["substituted_fonts"]
    assert ttf["rasterized_pages"] == [ttf["pages"][0]] and "substituted_fonts" not in ttf
    assert "rasterized_pages" not in photo and "substituted_fonts" not in photo
    found = pdffonts(result.data, tmp_path)
    assert found and all(emb == "yes" for _n, _t, emb in found), found
    liberation = [n for n, _t, _e in found if n.endswith("+LiberationSans")]
    assert len(set(liberation)) == 1  # one subset, shared by both pages


def test_the_cached_encoding_tables_and_cmaps_are_what_the_libraries_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # issue 16: the encodings' glyph names, their AGL texts and a face's code points are read
    # from the font cache; with an empty and with a filled cache they are the libraries' own
    from fontTools.agl import toUnicode
    from fontTools.ttLib import TTFont as FtFont
    from reportlab.pdfbase._fontdata import encodings  # type: ignore[import-not-found]

    from docgen import fontfix

    monkeypatch.setenv("DOCGEN_CACHE_DIR", str(tmp_path / "cache"))
    for filled in (False, True):
        fontfix._encoding_tables.cache_clear()
        fontfix._face_codepoints.cache_clear()
        tables, agl = fontfix._encoding_tables()
        assert tables == {k: tuple(v) for k, v in encodings.items()}
        assert agl == {n: toUnicode(n) for t in encodings.values() for n in t if n}
        face = fontfix._find_face("sans", 0)
        assert face is not None
        with FtFont(str(face.path), lazy=True) as font:
            assert fontfix._face_codepoints(face) == frozenset(font.getBestCmap())
        assert len(list((tmp_path / "cache" / "fonts").glob("*.bin"))) >= 2, filled
    # a damaged entry is not believed
    for entry in (tmp_path / "cache" / "fonts").glob("encodings-*.bin"):
        entry.write_bytes(b"\0" * 40)
    fontfix._encoding_tables.cache_clear()
    assert fontfix._encoding_tables()[0]["WinAnsiEncoding"] == tuple(encodings["WinAnsiEncoding"])
