"""Attachments (随附材料) as A4 portrait pages: every source page scaled, never cropped, into the
attachment content box, clear of the binding edge, the caption line, the running number and the
straddle-seal band.

Sources are what scanners and offices produce: PDFs of any page size and /Rotate, JPEG and PNG of
any resolution with EXIF orientation, CMYK, palette and alpha images. A landscape source stays
upright when that keeps at least 80% of the scale it would get turned; otherwise it is turned 90°
counter-clockwise (its top toward the binding edge) and that is recorded.

Sources are also files from outside, possibly hostile (see the notes before ``_pdf_pages``):
annotations are flattened into the page and everything is clipped to the placed box; actions,
scripts and embedded files are removed from everything a placed page references; absurd pages
and images over ``MAX_IMAGE_PIXELS`` are refused, naming the page; large images are decoded
reduced. ``attachment_data_pages`` is also what validation runs (docgen.attachments).
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import LimitReachedError
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    FloatObject,
    NameObject,
    NullObject,
    RectangleObject,
    StreamObject,
)

from docgen.attachments import (
    MAX_IMAGE_PIXELS,
    MAX_PAGE_PT,
    MIN_PAGE_PT,
    AttachmentKind,
    damaged_message,
    declared_size,
    open_pdf,
    quiet_pypdf,
    read_regular,
    sniff,
    too_big_message,
)
from docgen.fontfix import FontFixReport, embed_missing_fonts
from docgen.layout import A4_H, A4_W, PORTRAIT, Box, attachment_box

if TYPE_CHECKING:
    from PIL import Image
    from reportlab.lib.utils import ImageReader

UPRIGHT_KEEP = 0.80  # a landscape page stays upright if that keeps 80% of the turned scale
DEFAULT_DPI = 150.0
_MIN_DPI = 30.0  # below this a recorded resolution is an aspect ratio, not a density
_MAX_DPI = 4800.0
# Images are embedded with at most about twice the pixels a print at PRINT_DPI of their placed
# size needs: one with REDUCE_FROM times that or more is decoded reduced and re-encoded.
PRINT_DPI = 300.0
REDUCE_FROM = 2.0
JPEG_QUALITY = 90

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
#
# An attachment is a file from outside: it may carry scripts, embedded files and annotations
# drawn anywhere on (or off) its page. What reaches the packet is only what the page shows:
#
# - Annotations are flattened: the normal appearance (/AP /N, the /AS state of a widget) of every
#   visible annotation of a visual kind (markup, stamps, ink, free text, filled-in form fields)
#   is drawn into the page's content as a Form XObject, with the matrix that maps its /BBox onto
#   its /Rect (PDF 32000-1, 12.5.5), like any other content of the page. Annotations flagged
#   Hidden or NoView are not drawn; Link, Popup, FileAttachment, Sound, Movie, Screen, 3D,
#   RichMedia, Redact, PrinterMark, TrapNet and kinds docgen does not know are dropped. /Annots
#   is then removed, so nothing on an attachment page is interactive.
# - Everything the page draws, its annotations included, is clipped twice: to the page's visible
#   area (crop box within media box) before it is placed, and to the placed box on the A4 page
#   after. The page's content has its q/Q balanced first, so a stray Q cannot pop the clip.
#   Nothing of an attachment reaches the binding margin, the caption, the page number or the
#   straddle band.
# - The document catalog (/OpenAction, /Names with /JavaScript and /EmbeddedFiles, /AcroForm) is
#   never copied; the page's own /AA is not copied; and every object the placed page references
#   (resources, fonts, XObjects, patterns, appearance streams) is walked and cleaned of actions,
#   additional actions, file specifications and embedded files, and of links back into the
#   source's page tree.

_ANNOT_DRAWN = frozenset(
    {
        "/Text",
        "/FreeText",
        "/Line",
        "/Square",
        "/Circle",
        "/Polygon",
        "/PolyLine",
        "/Highlight",
        "/Underline",
        "/Squiggly",
        "/StrikeOut",
        "/Stamp",
        "/Caret",
        "/Ink",
        "/Widget",
        "/Watermark",
    }
)
_ANNOT_HIDDEN = 2 | 32  # /F bits: Hidden, NoView

# Keys that run something or carry a payload, wherever they appear.
_ACTIVE_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",
        "/A",
        "/OpenAction",
        "/Next",
        "/EF",
        "/RF",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/RichMediaContent",
        "/RichMediaSettings",
        "/3DD",
        "/Annots",
        "/AcroForm",
        "/Names",
        "/URI",
        "/Win",
        "/Mac",
        "/Unix",
    }
)
# A stream's data kept in another file (/F) is never fetched.
_EXTERNAL_STREAM_KEYS = ("/F", "/FFilter", "/FDecodeParms", "/FS")
# Dictionaries dropped wherever they are referenced, by /Type or (actions) /S.
_ACTIVE_TYPES = frozenset(
    {"/Action", "/Filespec", "/EmbeddedFile", "/Annot", "/Catalog", "/Page", "/Pages", "/Sig"}
)
_ACTION_KINDS = frozenset(
    {
        "/GoTo",
        "/GoToR",
        "/GoToE",
        "/GoToDp",
        "/Launch",
        "/Thread",
        "/URI",
        "/Sound",
        "/Movie",
        "/Hide",
        "/Named",
        "/SubmitForm",
        "/ResetForm",
        "/ImportData",
        "/JavaScript",
        "/SetOCGState",
        "/Rendition",
        "/Trans",
        "/GoTo3DView",
        "/RichMediaExecute",
    }
)


def _finite(values: Sequence[object], n: int) -> list[float] | None:
    """``n`` finite numbers, or None."""
    try:
        out = [float(v) for v in values]  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if len(out) != n or not all(math.isfinite(v) for v in out):
        return None
    return out


def _rotation(page: PageObject, where: str) -> int:
    raw = page.get("/Rotate", 0)
    raw = raw.get_object() if raw is not None else 0
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or not value.is_integer() or int(value) % 90:
        shown = raw if isinstance(raw, (int, float)) else str(raw)[:40]
        raise AttachmentError(
            f"{where}的旋转角度（/Rotate {shown}）不是 90 的倍数，无法确定页面方向；"
            "请在 PDF 软件中把页面转正后重新导出"
        )
    return int(value) % 360


def _visible_area(page: PageObject, where: str) -> tuple[float, float, float, float]:
    """What a viewer shows: the crop box within the media box; refused if absurd."""
    media = _finite(list(page.get("/MediaBox", ArrayObject()).get_object()), 4)
    if media is None:
        raise AttachmentError(f"{where}没有有效的页面尺寸（/MediaBox）；请重新导出")
    crop_raw = page.get("/CropBox")
    crop = _finite(list(crop_raw.get_object()), 4) if crop_raw is not None else None
    crop = crop or media
    mx0, mx1 = sorted(media[0::2])
    my0, my1 = sorted(media[1::2])
    cx0, cx1 = sorted(crop[0::2])
    cy0, cy1 = sorted(crop[1::2])
    x0, y0, x1, y1 = max(cx0, mx0), max(cy0, my0), min(cx1, mx1), min(cy1, my1)
    w, h = x1 - x0, y1 - y0
    if w < MIN_PAGE_PT or h < MIN_PAGE_PT:
        raise AttachmentError(
            f"{where}页面过小（{max(w, 0.0):.1f} × {max(h, 0.0):.1f} pt，"
            f"每边至少 {MIN_PAGE_PT:.1f} pt 即 5 毫米），无法排入；请重新扫描或导出"
        )
    if w > MAX_PAGE_PT or h > MAX_PAGE_PT:
        raise AttachmentError(
            f"{where}页面过大（{w:.4g} × {h:.4g} pt，PDF 允许每边最多 {MAX_PAGE_PT:.0f} pt"
            " 即 5.08 米），无法排入；请按实际纸张尺寸重新导出"
        )
    return x0, y0, x1, y1


def _balanced(operations: list[tuple[Any, bytes]]) -> list[tuple[Any, bytes]]:
    """The operations with every Q matched by an earlier q: a stray Q is dropped (it would pop a
    clip or matrix around the content), an open q is closed at the end."""
    out: list[tuple[Any, bytes]] = []
    depth = 0
    for operands, op in operations:
        if op == b"q":
            depth += 1
        elif op == b"Q":
            if depth == 0:
                continue
            depth -= 1
        out.append((operands, op))
    out.extend(([], b"Q") for _ in range(depth))
    return out


def _appearance(annot: DictionaryObject) -> StreamObject | None:
    ap = annot.get("/AP")
    ap = ap.get_object() if ap is not None else None
    if not isinstance(ap, DictionaryObject):
        return None
    normal = ap.get("/N")
    normal = normal.get_object() if normal is not None else None
    if isinstance(normal, StreamObject):
        return normal
    if isinstance(normal, DictionaryObject):
        state = annot.get("/AS")
        chosen = normal.get(state) if isinstance(state, NameObject) else None
        chosen = chosen.get_object() if chosen is not None else None
        return chosen if isinstance(chosen, StreamObject) else None
    return None


def _annotation_draws(
    page: PageObject, writer: PdfWriter, xobjects: DictionaryObject
) -> list[tuple[Any, bytes]]:
    """Content operations drawing the page's visible annotations (see the notes above); their
    appearance streams are added to ``xobjects``."""
    annots = page.get("/Annots")
    annots = annots.get_object() if annots is not None else None
    if not isinstance(annots, ArrayObject):
        return []
    ops: list[tuple[Any, bytes]] = []
    for k, ref in enumerate(annots):
        annot = ref.get_object()
        if not isinstance(annot, DictionaryObject) or annot.get("/Subtype") not in _ANNOT_DRAWN:
            continue
        try:
            flags = int(annot.get("/F", 0))
        except (TypeError, ValueError):
            flags = 0
        if flags & _ANNOT_HIDDEN:
            continue
        form = _appearance(annot)
        rect = _finite(list(annot.get("/Rect", ArrayObject()).get_object()), 4)
        if form is None or rect is None:
            continue
        bbox = _finite(list(form.get("/BBox", ArrayObject()).get_object()), 4)
        matrix = _finite(list(form.get("/Matrix", ArrayObject(_IDENTITY)).get_object()), 6)
        if bbox is None or matrix is None:
            continue
        a, b, c, d, e, f = matrix
        corners = [(a * x + c * y + e, b * x + d * y + f) for x in bbox[0::2] for y in bbox[1::2]]
        bx0, bx1 = min(p[0] for p in corners), max(p[0] for p in corners)
        by0, by1 = min(p[1] for p in corners), max(p[1] for p in corners)
        rx0, rx1 = sorted(rect[0::2])
        ry0, ry1 = sorted(rect[1::2])
        if bx1 - bx0 <= 0 or by1 - by0 <= 0 or rx1 - rx0 <= 0 or ry1 - ry0 <= 0:
            continue
        sx, sy = (rx1 - rx0) / (bx1 - bx0), (ry1 - ry0) / (by1 - by0)
        fit = (sx, 0.0, 0.0, sy, rx0 - sx * bx0, ry0 - sy * by0)
        if not all(math.isfinite(v) for v in fit):
            continue
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        name = NameObject(f"/DgAnnot{k}")
        n = 0
        while name in xobjects:
            n += 1
            name = NameObject(f"/DgAnnot{k}_{n}")
        ref_form = form.indirect_reference or writer._add_object(form)
        xobjects[name] = ref_form
        ops += [
            ([], b"q"),
            ([FloatObject(v) for v in fit], b"cm"),
            ([name], b"Do"),
            ([], b"Q"),
        ]
    return ops


def _own_content(page: PageObject, writer: PdfWriter) -> None:
    """Give the (source) page content of its own: balanced q/Q, then its visible annotations
    flattened into it; /Annots and the page's /AA removed."""
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else None
    own = DictionaryObject(resources if isinstance(resources, DictionaryObject) else {})
    xobjects = own.get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else None
    own_x = DictionaryObject(xobjects if isinstance(xobjects, DictionaryObject) else {})
    draws = _annotation_draws(page, writer, own_x)
    if draws:
        own[NameObject("/XObject")] = own_x
    page[NameObject("/Resources")] = own
    contents = page.get_contents()
    ops = _balanced(list(contents.operations)) if contents is not None else []
    stream = ContentStream(None, writer)
    stream.operations = ops + draws
    # A new object: a content stream shared with another page is left as it is.
    page[NameObject("/Contents")] = writer._add_object(stream)
    for key in ("/Annots", "/AA"):
        if key in page:
            del page[key]


def _clip(page: PageObject, box: Box) -> None:
    """Clip all of ``page``'s content to ``box``. The content is not parsed again: the merged
    source is balanced (``_own_content``) and isolated in q/Q by the merge."""
    x0, y0, x1, y1 = box
    contents = page.get_contents()
    if contents is None:
        return
    head = f"q {_num(x0)} {_num(y0)} {_num(x1 - x0)} {_num(y1 - y0)} re W n\n".encode()
    clipped = ContentStream(None, page.indirect_reference.pdf if page.indirect_reference else None)
    clipped.set_data(head + contents.get_data() + b"\nQ\n")
    page.replace_contents(clipped)


def _num(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".")


def _is_active(obj: DictionaryObject) -> bool:
    return obj.get("/Type") in _ACTIVE_TYPES or obj.get("/S") in _ACTION_KINDS


def _scrub(page: PageObject, where: str) -> None:
    """Remove from everything ``page`` references what runs or carries a payload (see above);
    refuse images over MAX_IMAGE_PIXELS."""
    for key in ("/Annots", "/AA"):
        if key in page:
            del page[key]
    roots = [page.get("/Resources"), page.get("/Contents")]
    stack = [r.get_object() for r in roots if r is not None]
    seen: set[int] = set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, ArrayObject):
            for i in reversed(range(len(obj))):
                item = obj[i].get_object() if obj[i] is not None else None
                if isinstance(item, DictionaryObject) and _is_active(item):
                    obj[i] = NullObject()
                elif isinstance(item, (DictionaryObject, ArrayObject)):
                    stack.append(item)
            continue
        if not isinstance(obj, DictionaryObject):
            continue
        if isinstance(obj, StreamObject):
            for key in _EXTERNAL_STREAM_KEYS:
                if key in obj:
                    del obj[key]
            if obj.get("/Subtype") == "/Image":
                _check_image_size(obj, where)
        for key in list(obj.keys()):
            if key in _ACTIVE_KEYS:
                del obj[key]
                continue
            item = obj[key]
            value = item.get_object() if item is not None else None
            if isinstance(value, DictionaryObject):
                if _is_active(value) or key in ("/Parent", "/P"):
                    del obj[key]
                    continue
                stack.append(value)
            elif isinstance(value, ArrayObject):
                stack.append(value)


def _check_image_size(image: StreamObject, where: str) -> None:
    size = _finite([image.get("/Width", 0), image.get("/Height", 0)], 2)
    if size is None:
        return
    w, h = size
    if w * h > MAX_IMAGE_PIXELS:
        raise AttachmentError(
            f"{where}含有过大的图片（{w:.0f}×{h:.0f} 像素），超过上限 "
            f"{MAX_IMAGE_PIXELS // 1_000_000} 百万像素（MAX_IMAGE_PIXELS）；请降低扫描分辨率后重新导出"
        )


def _place_pdf_page(
    src: PageObject, source: PdfWriter, out: PdfWriter, where: str
) -> tuple[Placement, FontFixReport]:
    rotation = _rotation(src, where)
    _visible_area(src, where)  # refuse absurd sizes before any work
    _own_content(src, source)
    if rotation:
        src.transfer_rotation_to_content()
    x0, y0, x1, y1 = _visible_area(src, where)
    src.cropbox = RectangleObject((x0, y0, x1, y1))  # merging clips to it
    p = place(x1 - x0, y1 - y0, max_scale=1.0)
    m = _compose((1.0, 0.0, 0.0, 1.0, -x0, -y0), p.matrix)
    page = out.add_blank_page(A4_W, A4_H)
    page.merge_transformed_page(src, Transformation(m))
    _clip(page, p.box)
    _scrub(page, where)
    page.compress_content_streams()
    return p, embed_missing_fonts(page, out, p.box)  # all fonts embedded, or an image


def _pdf_pages(data: bytes, label: str, reader: PdfReader | None) -> list[PlacedPage]:
    if reader is None:
        opened = open_pdf(data, label)
        if isinstance(opened, str):
            raise AttachmentError(opened)
        reader = opened
    try:
        # pypdf 7 transforms content only of pages that belong to a writer.
        source = PdfWriter(clone_from=reader)
        sources = list(source.pages)
    except LimitReachedError:
        raise AttachmentError(_limit_message(f"附件“{label}”")) from None
    except Exception as exc:
        raise AttachmentError(f"附件“{label}”是已损坏或不完整的 PDF，无法读取；请重新导出") from exc
    if not sources:
        raise AttachmentError(f"附件“{label}”是没有页面的 PDF")
    out = PdfWriter()
    placements: list[Placement] = []
    fixes: list[FontFixReport] = []
    for index, src in enumerate(sources):
        where = f"附件“{label}”第 {index + 1} 页"
        try:
            p, fix = _place_pdf_page(src, source, out, where)
        except AttachmentError:
            raise
        except LimitReachedError:
            raise AttachmentError(_limit_message(where)) from None
        except RecursionError:
            raise AttachmentError(
                f"{where}的结构嵌套过深（可能是损坏或恶意构造的文件），无法读取；请重新导出"
            ) from None
        except Exception as exc:
            raise AttachmentError(
                f"{where}无法排入总册（{type(exc).__name__}: {str(exc)[:200]}）；"
                "请重新扫描或导出后再试"
            ) from exc
        placements.append(p)
        fixes.append(fix)
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


def _limit_message(where: str) -> str:
    return (
        f"{where}的数据流解压后过大（超过 pypdf 的安全上限），可能是损坏或恶意构造的文件"
        "（“压缩炸弹”）；请重新导出"
    )


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


def _dpi(info: Mapping[str | tuple[int, int], object]) -> tuple[float, float]:
    dpi = info.get("dpi")
    if isinstance(dpi, Sequence) and len(dpi) == 2:
        try:
            dx, dy = float(dpi[0]), float(dpi[1])
        except (TypeError, ValueError):
            return DEFAULT_DPI, DEFAULT_DPI
        if _MIN_DPI <= dx <= _MAX_DPI and _MIN_DPI <= dy <= _MAX_DPI:
            return dx, dy
    return DEFAULT_DPI, DEFAULT_DPI


def _flatten(img: Image.Image) -> Image.Image:
    """A PIL image in a mode reportlab embeds faithfully: L or RGB, alpha laid on white paper."""
    from PIL import Image

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


# PIL's transposition for each EXIF orientation (as ImageOps.exif_transpose does it).
_TRANSPOSE = {2: 0, 3: 3, 4: 1, 5: 5, 6: 4, 7: 6, 8: 2}  # Image.Transpose values
# Modes Image.reduce cannot average (or would average palette indexes), and what to use instead.
_REDUCE_AS = {"1": "L", "P": "RGB", "PA": "RGBA", "I;16": "I", "I;16B": "I", "I;16L": "I"}
_STRIP_ROWS = 32  # output rows reduced at a time (bounds the converted copies)


def _reduced(img: Image.Image, factor: int) -> Image.Image:
    """``img`` shrunk ``factor`` times (box average), strip by strip: no full-size copy is made
    (Image.reduce itself converts an image with alpha to premultiplied alpha first, and a
    palette or bilevel image must be converted before it can be averaged)."""
    from PIL import Image

    if factor < 2:
        return img
    mode = _REDUCE_AS.get(img.mode, img.mode)
    if img.mode == "P" and "transparency" in img.info:
        mode = "RGBA"
    w, h = img.size
    out = Image.new(mode, ((w + factor - 1) // factor, (h + factor - 1) // factor))
    step = _STRIP_ROWS * factor
    for top in range(0, h, step):
        strip = img.crop((0, top, w, min(h, top + step)))
        if strip.mode != mode:
            strip = strip.convert(mode)
        out.paste(strip.reduce(factor), (0, top // factor))
    return out


def _image_pages(data: bytes, kind: AttachmentKind, label: str) -> list[PlacedPage]:
    """One page from an image. Its size is checked from the header before anything is decoded;
    an image with at least twice the pixels a 300 dpi print of its placed size needs is decoded
    reduced (JPEG: by the decoder's own 1/2, 1/4, 1/8 scaling) and re-encoded, so memory stays
    bounded by the image's decoded size (at most MAX_IMAGE_PIXELS x 4 bytes, for a PNG)."""
    from PIL import Image

    try:
        width, height = declared_size(data, kind)
    except Exception:  # whatever a damaged header makes PIL raise (struct.error included)
        raise AttachmentError(damaged_message(label, kind)) from None
    if width < 1 or height < 1:
        raise AttachmentError(f"附件“{label}”图片尺寸为零")
    if width * height > MAX_IMAGE_PIXELS:
        raise AttachmentError(too_big_message(label, width, height))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                return [_image_page(img, data, kind)]
    except AttachmentError:
        raise
    except Exception as exc:  # a damaged or truncated image, whatever PIL raises
        raise AttachmentError(damaged_message(label, kind)) from exc


@dataclass(frozen=True)
class _ImageFit:
    """How an opened image is placed: its EXIF orientation (1-8), its stored size in pixels
    and in points, its displayed size in points (after the orientation), the orientation's
    matrix, the placement on the page, and the whole factor its pixels are reduced by."""

    orientation: int
    raw_w: int
    raw_h: int
    stored_w: float
    stored_h: float
    disp_w: float
    disp_h: float
    exif: Matrix
    placement: Placement
    factor: int


@dataclass(frozen=True)
class _ImageDraw:
    """What the page draws: the image for reportlab, the matrix onto the page, and the size
    it is drawn at before that matrix."""

    source: ImageReader
    matrix: Matrix
    width: float
    height: float


def _image_page(img: Image.Image, data: bytes, kind: AttachmentKind) -> PlacedPage:
    fit = _fit_image(img)
    draw = _image_source(img, data, kind, fit)
    page = _draw_image(draw)
    p = fit.placement
    return PlacedPage(page, round(p.scale, 6), p.rotated, 0, p.box)


def _fit_image(img: Image.Image) -> _ImageFit:
    """The orientation, sizes and placement of ``img``, and by how much its pixels exceed
    what a print at PRINT_DPI of the placed size needs."""
    try:
        orientation = int(img.getexif().get(0x0112, 1) or 1)
    except (ValueError, TypeError, SyntaxError):
        orientation = 1
    if orientation not in range(1, 9):
        orientation = 1
    dpi_x, dpi_y = _dpi(dict(img.info))
    raw_w, raw_h = img.size
    # Natural size of the stored image, in points, and of the image as displayed.
    stored_w, stored_h = raw_w * 72.0 / dpi_x, raw_h * 72.0 / dpi_y
    exif, disp_w, disp_h = _exif_matrix(orientation, stored_w, stored_h)
    p = place(disp_w, disp_h, max_scale=1.0)
    # How many times the pixels a print at PRINT_DPI of the placed size needs, on the scarcer axis.
    excess = min(
        raw_w / (stored_w * p.scale / 72.0 * PRINT_DPI),
        raw_h / (stored_h * p.scale / 72.0 * PRINT_DPI),
    )
    factor = int(excess) if excess >= REDUCE_FROM else 1
    return _ImageFit(orientation, raw_w, raw_h, stored_w, stored_h, disp_w, disp_h, exif, p, factor)


def _image_source(
    img: Image.Image, data: bytes, kind: AttachmentKind, fit: _ImageFit
) -> _ImageDraw:
    """The image as drawn: a JPEG's own bytes (no re-encoding) unless its colours would come
    out wrong (a CMYK JPEG without Adobe's marker is stored un-inverted, which PDF readers
    invert) or it is far larger than print needs; else decoded (reduced), turned upright and
    flattened, a reduced JPEG re-encoded as JPEG."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    passthrough = (
        fit.factor == 1
        and kind == "jpeg"
        and img.mode in ("L", "RGB", "CMYK")
        and not (img.mode == "CMYK" and "adobe" not in img.info)
        and _jpeg_sof_ok(data)
    )
    if passthrough:
        source = ImageReader(io.BytesIO(data))
        return _ImageDraw(
            source, _compose(fit.exif, fit.placement.matrix), fit.stored_w, fit.stored_h
        )
    factor = fit.factor
    if factor > 1 and kind == "jpeg":
        img.draft(
            img.mode if img.mode in ("L", "RGB", "CMYK") else None,
            (-(-fit.raw_w // factor), -(-fit.raw_h // factor)),
        )
    img.load()
    # After the JPEG decoder's own scaling, the rest by box averaging.
    pixels = _reduced(img, img.width // -(-fit.raw_w // factor))
    if pixels is not img:
        img.close()  # the full-size pixels are no longer needed
    method = _TRANSPOSE.get(fit.orientation)
    if method is not None:
        pixels = pixels.transpose(Image.Transpose(method))
    flat = _flatten(pixels)
    if factor > 1 and kind == "jpeg":
        jpeg = io.BytesIO()
        flat.save(jpeg, "JPEG", quality=JPEG_QUALITY)
        jpeg.seek(0)
        source = ImageReader(jpeg)
    else:
        source = ImageReader(flat)
    return _ImageDraw(source, fit.placement.matrix, fit.disp_w, fit.disp_h)


def _draw_image(draw: _ImageDraw) -> PageObject:
    """An A4 page that draws only the image: no font, JPEG bytes not ASCII85-encoded."""
    from reportlab import rl_config
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(A4_W, A4_H), invariant=1, pageCompression=1)
    canvas.setCreator("docgen")
    # reportlab opens each page with an (unused) Helvetica: an image page needs no font at all.
    # (_preamble is reportlab's own attribute, missing from types-reportlab.)
    preamble = canvas._preamble  # type: ignore[attr-defined]
    canvas._preamble = re.sub(  # type: ignore[attr-defined]
        r"\s*BT /F\d+ [\d.]+ Tf [\d.]+ TL ET", "", preamble
    )
    saved = rl_config.useA85
    rl_config.useA85 = 0  # JPEG bytes as they are, not ASCII85-inflated by a quarter
    try:
        canvas.saveState()
        canvas.transform(*draw.matrix)
        canvas.drawImage(draw.source, 0, 0, draw.width, draw.height)
        canvas.restoreState()
        canvas.showPage()
        canvas.save()
    finally:
        rl_config.useA85 = saved
    page = PdfReader(io.BytesIO(buf.getvalue())).pages[0]
    resources = page["/Resources"].get_object()
    contents = page.get_contents()
    text = contents.get_data().decode("latin-1") if contents is not None else ""
    if isinstance(resources, DictionaryObject) and "BT" not in text and "/Font" in resources:
        del resources["/Font"]
    return page


def _jpeg_sof_ok(data: bytes) -> bool:
    """reportlab embeds a JPEG as it is only for 8-bit baseline or progressive frames."""
    from reportlab.pdfbase.pdfutils import readJPEGInfo

    try:
        info = readJPEGInfo(io.BytesIO(data))
    except Exception:
        return False
    return info is not None and info[2] in (1, 3, 4)


# ---------------------------------------------------------------------------------------------


def attachment_data_pages(
    data: bytes, kind: AttachmentKind, label: str, *, reader: PdfReader | None = None
) -> list[PlacedPage]:
    """The A4 portrait pages of an attachment's bytes; ``label`` names it in messages, and
    ``reader`` is the PDF already opened by ``open_pdf`` (else it is opened here). Raises
    AttachmentError (Chinese, naming the attachment and, for PDFs, the page), never anything
    else. Validation calls this too, so what validates is what builds."""
    try:
        with quiet_pypdf():
            if kind == "pdf":
                return _pdf_pages(data, label, reader)
            return _image_pages(data, kind, label)
    except AttachmentError:
        raise
    except Exception as exc:  # a damaged scan: say which file, in Chinese, not a traceback
        raise AttachmentError(
            f"附件“{label}”无法排入总册（{type(exc).__name__}: {str(exc)[:200]}）；"
            "请重新扫描或导出后再试"
        ) from exc


def attachment_pages(path: Path, kind: AttachmentKind | None = None) -> list[PlacedPage]:
    """The A4 portrait pages of one attachment, in order. ``kind`` is sniffed when not given.
    Only a regular file is read (a FIFO or device is refused unopened)."""
    try:
        data = read_regular(path, path.name)
    except ValueError as exc:
        raise AttachmentError(str(exc)) from None
    except OSError as exc:
        raise AttachmentError(f"无法读取附件“{path.name}”（{exc.strerror}）") from None
    if kind is None:
        kind = sniff(data[:2048])
        if kind is None:
            raise AttachmentError(f"附件“{path.name}”不是 PDF、JPEG 或 PNG 文件")
    return attachment_data_pages(data, kind, path.name)


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
