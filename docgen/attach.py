"""Attachments (随附材料) as A4 portrait pages: every source page scaled, never cropped, into the
attachment content box, clear of the binding edge, the caption line, the running number and the
straddle-seal band.

Sources are what scanners and offices produce: PDFs of any page size and /Rotate, JPEG and PNG of
any resolution with EXIF orientation, CMYK, palette and alpha images. A landscape source stays
upright when that keeps at least 80% of the scale it would get turned; otherwise it is turned 90°
counter-clockwise (its top toward the binding edge) and that is recorded.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import ArrayObject, NameObject, RectangleObject

from docgen.attachments import AttachmentKind, sniff
from docgen.fontfix import FontFixReport, embed_missing_fonts
from docgen.layout import A4_H, A4_W, PORTRAIT, Box, attachment_box

UPRIGHT_KEEP = 0.80  # a landscape page stays upright if that keeps 80% of the turned scale
DEFAULT_DPI = 150.0
_MIN_DPI = 30.0  # below this a recorded resolution is an aspect ratio, not a density
_MAX_DPI = 4800.0

# An affine matrix (a, b, c, d, e, f): x' = a x + c y + e, y' = b x + d y + f.
Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True)
class PlacedPage:
    """One A4 portrait page made from one source page.

    ``page`` is a pypdf page (not yet in any writer; add it with ``PdfWriter.add_page``).
    ``scale`` is the placed size over the natural size (points for PDFs, the image's resolution
    for images); ``rotated`` is 90 when the source was turned counter-clockwise, else 0.
    """

    page: PageObject
    scale: float
    rotated: int
    source_index: int
    box: Box  # where the source was drawn on the A4 page (x0, y0, x1, y1)
    # Non-embedded fonts replaced by embedded stand-ins ("Helvetica→LiberationSans"), and
    # whether the page had to be rasterized instead (docgen.fontfix).
    fonts_embedded: tuple[str, ...] = ()
    rasterized: bool = False


@dataclass(frozen=True)
class Placement:
    """Where a (w x h) source goes: its matrix onto the page, its scale and turn."""

    matrix: Matrix
    scale: float
    rotated: int
    box: Box


class AttachmentError(ValueError):
    """An attachment that cannot be turned into pages (message in Chinese)."""


def _compose(first: Matrix, then: Matrix) -> Matrix:
    """The matrix applying ``first`` and then ``then``."""
    a1, b1, c1, d1, e1, f1 = first
    a2, b2, c2, d2, e2, f2 = then
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


def place(
    width: float,
    height: float,
    *,
    box: Box | None = None,
    max_scale: float | None = 1.0,
) -> Placement:
    """Fit a source of ``width`` x ``height`` (its natural size in points, origin at 0,0) into the
    content box: uniform scale, never above ``max_scale``; landscape sources turned 90° CCW only
    when upright would keep less than 80% of the turned scale. Centred across, top-aligned."""
    if width <= 0 or height <= 0:
        raise AttachmentError("附件页面尺寸为零")
    bx0, by0, bx1, by1 = box or attachment_box(PORTRAIT)
    bw, bh = bx1 - bx0, by1 - by0
    cap = max_scale if max_scale is not None else float("inf")
    upright = min(bw / width, bh / height, cap)
    turned = min(bw / height, bh / width, cap)
    rotate = width > height and upright < UPRIGHT_KEEP * turned
    scale = turned if rotate else upright
    if rotate:
        # (x, y) -> (-y, x): 90° counter-clockwise; the source's top goes to the left (binding).
        pw, ph = height * scale, width * scale
        m: Matrix = (0.0, scale, -scale, 0.0, height * scale, 0.0)
    else:
        pw, ph = width * scale, height * scale
        m = (scale, 0.0, 0.0, scale, 0.0, 0.0)
    x = bx0 + (bw - pw) / 2.0
    y = by1 - ph
    m = _compose(m, (1.0, 0.0, 0.0, 1.0, x, y))
    return Placement(m, scale, 90 if rotate else 0, (x, y, x + pw, y + ph))


# ---------------------------------------------------------------------------------------------
# PDF sources.


def _pdf_pages(path: Path) -> list[PlacedPage]:
    data = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise AttachmentError(f"附件“{path.name}”是加密的 PDF")
        # pypdf 7 transforms content only of pages that belong to a writer.
        source = PdfWriter(clone_from=reader)
        out = PdfWriter()
        placements: list[Placement] = []
        fixes: list[FontFixReport] = []
        for index, src in enumerate(source.pages):
            if src.rotation % 360:
                src.transfer_rotation_to_content()
            # What a viewer shows: the crop box within the media box.
            crop, media = src.cropbox, src.mediabox
            x0 = max(float(crop.left), float(media.left))
            y0 = max(float(crop.bottom), float(media.bottom))
            x1 = min(float(crop.right), float(media.right))
            y1 = min(float(crop.top), float(media.top))
            if x1 - x0 < 1.0 or y1 - y0 < 1.0:
                raise AttachmentError(f"附件“{path.name}”第 {index + 1} 页的页面尺寸为零")
            src.cropbox = RectangleObject((x0, y0, x1, y1))  # merging clips to it
            _drop_links(src)
            p = place(x1 - x0, y1 - y0, max_scale=1.0)
            m = _compose((1.0, 0.0, 0.0, 1.0, -x0, -y0), p.matrix)
            page = out.add_blank_page(A4_W, A4_H)
            page.merge_transformed_page(src, Transformation(m))
            page.compress_content_streams()
            fixes.append(embed_missing_fonts(page, out, p.box))  # all fonts embedded, or an image
            placements.append(p)
        if not placements:
            raise AttachmentError(f"附件“{path.name}”是没有页面的 PDF")
        buf = io.BytesIO()
        out.write(buf)
    pages = PdfReader(io.BytesIO(buf.getvalue())).pages
    return [
        PlacedPage(
            pages[i],
            round(p.scale, 6),
            p.rotated,
            i,
            p.box,
            fonts_embedded=fix.substituted_names,
            rasterized=fix.rasterized,
        )
        for i, (p, fix) in enumerate(zip(placements, fixes, strict=True))
    ]


def _drop_links(page: PageObject) -> None:
    """Link annotations point into the source document: they would dangle in the packet."""
    annots = page.get("/Annots")
    if annots is None:
        return
    kept = ArrayObject(a for a in annots.get_object() if a.get_object().get("/Subtype") != "/Link")
    if kept:
        page[NameObject("/Annots")] = kept
    else:
        del page["/Annots"]


# ---------------------------------------------------------------------------------------------
# Image sources.


# EXIF orientation -> matrix taking the stored image (drawn in [0,w] x [0,h], y up) to the
# displayed one; the same as PIL's ImageOps.exif_transpose.
def _exif_matrix(orientation: int, w: float, h: float) -> tuple[Matrix, float, float]:
    match orientation:
        case 2:
            return (-1.0, 0.0, 0.0, 1.0, w, 0.0), w, h
        case 3:
            return (-1.0, 0.0, 0.0, -1.0, w, h), w, h
        case 4:
            return (1.0, 0.0, 0.0, -1.0, 0.0, h), w, h
        case 5:
            return (0.0, -1.0, -1.0, 0.0, h, w), h, w
        case 6:
            return (0.0, -1.0, 1.0, 0.0, 0.0, w), h, w
        case 7:
            return (0.0, 1.0, 1.0, 0.0, 0.0, 0.0), h, w
        case 8:
            return (0.0, 1.0, -1.0, 0.0, h, 0.0), h, w
        case _:
            return _IDENTITY, w, h


def _dpi(info: dict[str, object]) -> tuple[float, float]:
    dpi = info.get("dpi")
    if isinstance(dpi, Sequence) and len(dpi) == 2:
        try:
            dx, dy = float(dpi[0]), float(dpi[1])  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return DEFAULT_DPI, DEFAULT_DPI
        if _MIN_DPI <= dx <= _MAX_DPI and _MIN_DPI <= dy <= _MAX_DPI:
            return dx, dy
    return DEFAULT_DPI, DEFAULT_DPI


def _flatten(img: object) -> object:
    """A PIL image in a mode reportlab embeds faithfully: L or RGB, alpha laid on white paper."""
    from PIL import Image

    assert isinstance(img, Image.Image)
    mode = img.mode
    if mode in ("L", "RGB"):
        return img
    if mode == "P":
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode.startswith("I"):
        return img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if mode in ("1", "F"):
        return img.convert("L")
    if mode in ("LA", "La", "RGBA", "RGBa", "PA"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(white, rgba)
        return flat.convert("L" if mode in ("LA", "La") else "RGB")
    return img.convert("RGB")


def _image_pages(path: Path, kind: AttachmentKind) -> list[PlacedPage]:
    from PIL import Image
    from reportlab import rl_config
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        orientation = 1
        try:
            orientation = int(img.getexif().get(0x0112, 1) or 1)
        except (ValueError, TypeError, SyntaxError):
            orientation = 1
        dpi_x, dpi_y = _dpi(dict(img.info))
        raw_w, raw_h = img.size
        # Keep a JPEG's own bytes (no re-encoding) unless its colours would come out wrong:
        # a CMYK JPEG without Adobe's marker is stored un-inverted, which PDF readers invert.
        passthrough = (
            kind == "jpeg"
            and img.mode in ("L", "RGB", "CMYK")
            and not (img.mode == "CMYK" and "adobe" not in img.info)
            and _jpeg_sof_ok(data)
        )
        if passthrough:
            source: object = ImageReader(io.BytesIO(data))
            if orientation not in range(1, 9):
                orientation = 1
        else:
            from PIL import ImageOps

            upright = ImageOps.exif_transpose(img) or img
            orientation = 1
            raw_w, raw_h = upright.size
            if upright.size != img.size:
                dpi_x, dpi_y = dpi_y, dpi_x
            source = ImageReader(_flatten(upright))

    # Natural size of one stored pixel, in points.
    px_w, px_h = 72.0 / dpi_x, 72.0 / dpi_y
    exif, disp_w, disp_h = _exif_matrix(orientation, raw_w * px_w, raw_h * px_h)
    p = place(disp_w, disp_h, max_scale=1.0)
    m = _compose(exif, p.matrix)

    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(A4_W, A4_H), invariant=1, pageCompression=1)
    canvas.setCreator("docgen")
    # reportlab opens each page with an (unused) Helvetica: an image page needs no font at all.
    canvas._preamble = re.sub(r"\s*BT /F\d+ [\d.]+ Tf [\d.]+ TL ET", "", canvas._preamble)
    saved = rl_config.useA85
    rl_config.useA85 = 0  # JPEG bytes as they are, not ASCII85-inflated by a quarter
    try:
        canvas.saveState()
        canvas.transform(*m)
        canvas.drawImage(source, 0, 0, raw_w * px_w, raw_h * px_h)
        canvas.restoreState()
        canvas.showPage()
        canvas.save()
    finally:
        rl_config.useA85 = saved
    page = PdfReader(io.BytesIO(buf.getvalue())).pages[0]
    resources = page["/Resources"].get_object()
    if "BT" not in page.get_contents().get_data().decode("latin-1") and "/Font" in resources:
        del resources["/Font"]
    return [PlacedPage(page, round(p.scale, 6), p.rotated, 0, p.box)]


def _jpeg_sof_ok(data: bytes) -> bool:
    """reportlab embeds a JPEG as it is only for 8-bit baseline or progressive frames."""
    from reportlab.pdfbase.pdfutils import readJPEGInfo

    try:
        info = readJPEGInfo(io.BytesIO(data))
    except Exception:
        return False
    return info[2] in (1, 3, 4)


# ---------------------------------------------------------------------------------------------


def attachment_pages(path: Path, kind: AttachmentKind | None = None) -> list[PlacedPage]:
    """The A4 portrait pages of one attachment, in order. ``kind`` is sniffed when not given."""
    if kind is None:
        with path.open("rb") as fh:
            kind = sniff(fh.read(2048))
        if kind is None:
            raise AttachmentError(f"附件“{path.name}”不是 PDF、JPEG 或 PNG 文件")
    try:
        if kind == "pdf":
            return _pdf_pages(path)
        return _image_pages(path, kind)
    except AttachmentError:
        raise
    except Exception as exc:  # a damaged scan: say which file, in Chinese, not a traceback
        raise AttachmentError(
            f"附件“{path.name}”无法排入总册（{type(exc).__name__}: {exc}）；请重新扫描或导出后再试"
        ) from exc


def pages_to_pdf(pages: Sequence[PlacedPage]) -> bytes:
    """The placed pages as one PDF (for inspection and tests)."""
    writer = PdfWriter()
    for placed in pages:
        writer.add_page(placed.page)
    for page in writer.pages:
        page.compress_content_streams()
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
