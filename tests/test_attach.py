"""Attachments as A4 portrait pages: scaled into the content box, never cropped or stretched,
turned only when that keeps much more of the scale, EXIF orientation honoured, JPEGs kept."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image, ImageDraw, ImageOps
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A3, A4, landscape, letter
from reportlab.pdfgen.canvas import Canvas

from docgen import layout
from docgen.attach import attachment_pages, pages_to_pdf, place
from docgen.layout import MM

BOX = layout.attachment_box()
TOL = 0.6  # points

# ---------------------------------------------------------------------------------------------
# Sources, as scanners and offices make them. Each has a dark block at its displayed top-left.


def make_pdf(path: Path, size: tuple[float, float], rotate: int = 0, pages: int = 1) -> Path:
    """Content reaching every edge: a frame on the edges, a dark block at the top left."""
    c = Canvas(str(path), pagesize=size, invariant=1)
    w, h = size
    for n in range(pages):
        c.setLineWidth(4)
        c.rect(2, 2, w - 4, h - 4)
        c.setFillGray(0.1)
        c.rect(0, h - 100, 100, 100, fill=1, stroke=0)
        c.setFillGray(0)
        c.setFont("Helvetica", 24)
        c.drawString(120, h - 60, f"TOP page {n + 1}")
        c.showPage()
    c.save()
    if rotate:
        reader = PdfReader(str(path))
        writer = PdfWriter()
        for page in reader.pages:
            page.rotation = rotate
            writer.add_page(page)
        writer.write(str(path))
    return path


def quadrants(w: int, h: int) -> Image.Image:
    """Black top-left, red top-right, green bottom-left, blue bottom-right."""
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w // 2, h // 2], fill=(0, 0, 0))
    d.rectangle([w // 2, 0, w - 1, h // 2], fill=(230, 0, 0))
    d.rectangle([0, h // 2, w // 2, h - 1], fill=(0, 200, 0))
    d.rectangle([w // 2, h // 2, w - 1, h - 1], fill=(0, 0, 230))
    return img


def with_orientation(displayed: Image.Image, orientation: int) -> Image.Image:
    """The stored image that a viewer shows as ``displayed`` under EXIF ``orientation``."""
    inverse = {
        1: None,
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    return displayed.transpose(inverse) if inverse is not None else displayed.copy()


def save_jpeg(img: Image.Image, path: Path, orientation: int = 1, dpi: int = 150) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation
    img.save(path, quality=90, dpi=(dpi, dpi), exif=exif.tobytes())
    return path


def make_sources(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {
        "letter": make_pdf(folder / "letter.pdf", letter, pages=2),
        "a3_landscape": make_pdf(folder / "a3-landscape.pdf", landscape(A3)),
        "rotate90": make_pdf(folder / "rotate90.pdf", A4, rotate=90),
        "small_landscape": make_pdf(folder / "a5-landscape.pdf", (595.3, 419.5)),
    }
    out["exif6"] = save_jpeg(with_orientation(quadrants(1200, 1600), 6), folder / "exif6.jpg", 6)
    quadrants(1000, 1400).save(folder / "scan300.png", dpi=(300, 300))
    out["png300"] = folder / "scan300.png"
    cmyk = quadrants(900, 1200).convert("CMYK")
    cmyk.save(folder / "cmyk.jpg", quality=90, dpi=(200, 200))
    out["cmyk"] = folder / "cmyk.jpg"
    quadrants(800, 600).convert("P").save(folder / "palette.png")
    out["palette"] = folder / "palette.png"
    alpha = quadrants(600, 800).convert("RGBA")
    alpha.putalpha(200)
    alpha.save(folder / "alpha.png")
    out["alpha"] = folder / "alpha.png"
    quadrants(640, 480).save(folder / "nodpi.jpg", quality=85)
    out["nodpi"] = folder / "nodpi.jpg"
    return out


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_sources(tmp_path_factory.mktemp("sources"))


def _kind(name: str) -> str:
    return {".pdf": "pdf", ".jpg": "jpeg", ".png": "png"}[Path(name).suffix]


# ---------------------------------------------------------------------------------------------


def test_place_rules() -> None:
    bw, bh = BOX[2] - BOX[0], BOX[3] - BOX[1]
    # never scaled up beyond 100%
    p = place(100, 100)
    assert p.scale == 1.0 and p.rotated == 0
    # portrait is never turned
    assert place(1000, 3000).rotated == 0
    # a landscape page is turned only below 80% of the turned scale
    turned = min(bw / 297 / MM, bh / 420 / MM)
    upright = min(bw / 420 / MM, bh / 297 / MM)
    assert upright < 0.8 * turned
    assert place(420 * MM, 297 * MM).rotated == 90
    # slightly landscape: upright keeps more than 80%
    assert place(bw * 1.1, bw).rotated == 0


@pytest.mark.parametrize(
    ("name", "pages", "rotated", "scale"),
    [
        ("letter", 2, 0, (BOX[2] - BOX[0]) / 612.0),
        ("a3_landscape", 1, 90, (BOX[2] - BOX[0]) / 841.89),
        ("rotate90", 1, 90, (BOX[2] - BOX[0]) / 595.28),
        ("small_landscape", 1, 0, (BOX[2] - BOX[0]) / 595.3),
        ("png300", 1, 0, 1.0),
        ("palette", 1, 0, 1.0),
    ],
)
def test_pages_scale_and_turn(
    sources: dict[str, Path], name: str, pages: int, rotated: int, scale: float
) -> None:
    placed = attachment_pages(sources[name], _kind(sources[name].name))  # type: ignore[arg-type]
    assert len(placed) == pages
    for i, pp in enumerate(placed):
        assert pp.source_index == i
        assert pp.rotated == rotated
        assert pp.scale == pytest.approx(min(scale, 1.0), rel=1e-3)
        w = float(pp.page.mediabox.width)
        h = float(pp.page.mediabox.height)
        assert (w, h) == pytest.approx((layout.A4_W, layout.A4_H), abs=0.01)
        x0, y0, x1, y1 = pp.box
        assert x0 >= BOX[0] - TOL and y0 >= BOX[1] - TOL
        assert x1 <= BOX[2] + TOL and y1 <= BOX[3] + TOL


def test_png_natural_size_from_dpi(sources: dict[str, Path]) -> None:
    (pp,) = attachment_pages(sources["png300"], "png")
    x0, y0, x1, y1 = pp.box
    assert (x1 - x0) / MM == pytest.approx(1000 / 300 * 25.4, abs=0.1)
    assert (y1 - y0) / MM == pytest.approx(1400 / 300 * 25.4, abs=0.1)
    # no resolution recorded: 150 dpi, shrunk to fit if need be
    (pp,) = attachment_pages(sources["nodpi"], "jpeg")
    assert (pp.box[2] - pp.box[0]) / MM == pytest.approx(640 / 150 * 25.4, abs=0.1)


def test_everything_inside_content_box(sources: dict[str, Path]) -> None:
    """Nothing of any source reaches the binding margin, caption line, footer or band."""
    pages = []
    for path in sources.values():
        pages += attachment_pages(path, _kind(path.name))  # type: ignore[arg-type]
    data = pages_to_pdf(pages)
    band_x0 = layout.PORTRAIT.band_x0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            assert (float(page.width), float(page.height)) == pytest.approx(
                (layout.A4_W, layout.A4_H), abs=0.01
            )
            objs = page.chars + page.rects + page.lines + page.curves + page.images
            assert objs
            for o in objs:
                assert o["x1"] <= band_x0 - 3 * MM + TOL, (page.page_number, o["object_type"])
                assert o["x0"] >= BOX[0] - TOL
                assert o["y0"] >= BOX[1] - TOL - 2.0  # the 4 pt frame's half-width
                assert o["y1"] <= BOX[3] + TOL + 2.0


def test_unclipped_and_uniform(sources: dict[str, Path]) -> None:
    """The frame drawn on the Letter page's edges is whole, scaled alike in x and y."""
    pp = attachment_pages(sources["letter"], "pdf")[0]
    with pdfplumber.open(io.BytesIO(pages_to_pdf([pp]))) as pdf:
        frame = max(pdf.pages[0].rects, key=lambda r: r["width"] * r["height"])
    s = pp.scale
    assert frame["width"] == pytest.approx((612 - 4) * s, abs=0.5)
    assert frame["height"] == pytest.approx((792 - 4) * s, abs=0.5)


def _render(pdf: bytes, tmp: Path, dpi: int = 40) -> Image.Image:
    src = tmp / "page.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(src), str(tmp / "page")],
        check=True,
    )
    return Image.open(tmp / "page.png").convert("RGB")


def _crop(img: Image.Image, box: tuple[float, float, float, float], dpi: int) -> Image.Image:
    k = dpi / 72.0
    x0, y0, x1, y1 = box
    h = layout.A4_H
    return img.crop(
        (int(x0 * k) + 2, int((h - y1) * k) + 2, int(x1 * k) - 2, int((h - y0) * k) - 2)
    )


def _quadrant_colours(img: Image.Image) -> list[tuple[int, int, int]]:
    w, h = img.size
    out = []
    for cx, cy in ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)):
        out.append(img.getpixel((int(w * cx), int(h * cy))))
    return out


def _same_colour(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return all(abs(x - y) <= 70 for x, y in zip(a, b, strict=True))


pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm")


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_upright(tmp_path: Path, orientation: int) -> None:
    """Every EXIF orientation comes out as PIL's exif_transpose shows it, JPEG bytes kept."""
    displayed = quadrants(300, 400)
    path = save_jpeg(with_orientation(displayed, orientation), tmp_path / "o.jpg", orientation)
    expected = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    (pp,) = attachment_pages(path, "jpeg")
    data = pages_to_pdf([pp])
    assert path.read_bytes() in data  # embedded as it is (DCTDecode), not re-encoded
    img = _crop(_render(data, tmp_path), pp.box, 40)
    got, want = _quadrant_colours(img), _quadrant_colours(expected)
    assert all(_same_colour(g, w) for g, w in zip(got, want, strict=True)), (got, want)
    assert want[0] == (0, 0, 0) or _same_colour(want[0], (0, 0, 0))


def test_exif6_scan_upright(sources: dict[str, Path], tmp_path: Path) -> None:
    (pp,) = attachment_pages(sources["exif6"], "jpeg")
    assert pp.rotated == 0
    img = _crop(_render(pages_to_pdf([pp]), tmp_path), pp.box, 40)
    tl, tr, bl, br = _quadrant_colours(img)
    assert _same_colour(tl, (0, 0, 0)) and _same_colour(tr, (230, 0, 0))
    assert _same_colour(bl, (0, 200, 0)) and _same_colour(br, (0, 0, 230))


def _dark_corner(img: Image.Image, box: tuple[float, float, float, float], dpi: int) -> str:
    """Which corner of the placed box holds the source's dark block."""
    c = _crop(img, box, dpi).convert("L")
    w, h = c.size
    corners = {
        "top-left": (w * 0.04, h * 0.04),
        "top-right": (w * 0.96, h * 0.04),
        "bottom-left": (w * 0.04, h * 0.96),
        "bottom-right": (w * 0.96, h * 0.96),
    }
    dark = [k for k, (x, y) in corners.items() if c.getpixel((int(x), int(y))) < 80]
    assert len(dark) == 1, dark
    return dark[0]


def test_pdf_orientation(sources: dict[str, Path], tmp_path: Path) -> None:
    """Upright pages keep their top; a turned page has its top toward the binding edge."""
    dpi = 50
    (a3,) = attachment_pages(sources["a3_landscape"], "pdf")
    assert _dark_corner(_render(pages_to_pdf([a3]), tmp_path, dpi), a3.box, dpi) == "bottom-left"
    # /Rotate 90 shows the portrait page turned clockwise: we turn it back counter-clockwise
    (r90,) = attachment_pages(sources["rotate90"], "pdf")
    assert _dark_corner(_render(pages_to_pdf([r90]), tmp_path, dpi), r90.box, dpi) == "top-left"
    letter_page = attachment_pages(sources["letter"], "pdf")[0]
    img = _render(pages_to_pdf([letter_page]), tmp_path, dpi)
    assert _dark_corner(img, letter_page.box, dpi) == "top-left"


def test_cmyk_jpeg_colours(sources: dict[str, Path], tmp_path: Path) -> None:
    (pp,) = attachment_pages(sources["cmyk"], "jpeg")
    data = pages_to_pdf([pp])
    assert sources["cmyk"].read_bytes() in data
    tl, tr, bl, br = _quadrant_colours(_crop(_render(data, tmp_path), pp.box, 40))
    # CMYK is converted by the viewer: check the hues, not exact values (inverted CMYK would
    # turn black white and red cyan)
    assert max(tl) < 110  # dark
    assert tr[0] > 150 and tr[0] > 2 * max(tr[1], tr[2])  # red
    assert bl[1] > 100 and bl[1] > 1.5 * max(bl[0], bl[2])  # green
    assert br[2] > 100 and br[2] > 1.5 * max(br[0], br[1])  # blue


def test_alpha_on_white(sources: dict[str, Path], tmp_path: Path) -> None:
    (pp,) = attachment_pages(sources["alpha"], "png")
    tl, *_ = _quadrant_colours(_crop(_render(pages_to_pdf([pp]), tmp_path), pp.box, 40))
    assert 30 < tl[0] < 120  # black at 200/255 opacity over white paper


def test_deterministic(sources: dict[str, Path]) -> None:
    for path in sources.values():
        a = pages_to_pdf(attachment_pages(path, _kind(path.name)))  # type: ignore[arg-type]
        b = pages_to_pdf(attachment_pages(path, _kind(path.name)))  # type: ignore[arg-type]
        assert a == b, path.name


def test_image_pages_carry_no_font(sources: dict[str, Path]) -> None:
    """reportlab's unused initial Helvetica is not left on image pages."""
    for name in ("exif6", "png300", "palette"):
        data = pages_to_pdf(attachment_pages(sources[name], _kind(sources[name].name)))  # type: ignore[arg-type]
        assert b"/Font" not in data and b"Helvetica" not in data


@pytest.mark.parametrize("orientation", [1, 6, 8])
def test_large_jpeg_reduced_and_upright(tmp_path: Path, orientation: int) -> None:
    """A JPEG with more than twice the pixels a 300 dpi print needs is decoded reduced (and
    re-encoded), still upright under its EXIF orientation."""
    displayed = quadrants(3000, 4200)
    path = save_jpeg(
        with_orientation(displayed, orientation), tmp_path / "big.jpg", orientation, 600
    )
    (pp,) = attachment_pages(path, "jpeg")
    data = pages_to_pdf([pp])
    assert path.read_bytes() not in data
    (image,) = [x.get_object() for x in pp.page["/Resources"]["/XObject"].values()]
    need = (pp.box[2] - pp.box[0]) / 72.0 * 300.0
    assert need * 0.9 <= int(image["/Width"]) <= need * 2.0
    img = _crop(_render(data, tmp_path), pp.box, 40)
    got = _quadrant_colours(img)
    want = [(0, 0, 0), (230, 0, 0), (0, 200, 0), (0, 0, 230)]
    assert all(_same_colour(g, w) for g, w in zip(got, want, strict=True)), got
