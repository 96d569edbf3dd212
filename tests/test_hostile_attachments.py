"""Attachments as an attack surface: active content never reaches the packet, annotations are
flattened and clipped to the placed page, bombs and absurd pages are findings at validate (never a
traceback, never a pass followed by a failure at build), FIFOs are never opened, hard links are
allowed. Every fixture is made here, in code, and is small on disk."""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)
from reportlab.pdfgen.canvas import Canvas

from docgen import layout
from docgen.attach import AttachmentError, attachment_pages
from docgen.attachments import MAX_IMAGE_PIXELS, check_attachment
from docgen.build import BuildOptions, build_city
from docgen.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
DOCGEN = ROOT / ".venv" / "bin" / "docgen"
A4 = (595.28, 841.89)
PAYLOAD = b"MZ-docgen-test-payload-7f3a"

# ---------------------------------------------------------------------------------------------
# Fixture makers.


def _base_pdf(pages: int = 1, size: tuple[float, float] = A4, text: bool = True) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=size, invariant=1)
    for n in range(pages):
        if text:
            c.setFont("Helvetica", 14)
            c.drawString(72, size[1] - 90, f"Attachment page {n + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _stream(writer: PdfWriter, data: bytes, **keys: Any) -> Any:
    s = DecodedStreamObject()
    s.set_data(data)
    for k, v in keys.items():
        s[NameObject("/" + k)] = v
    return writer._add_object(s)


def _form(writer: PdfWriter, content: bytes, bbox: tuple[float, ...]) -> Any:
    return _stream(
        writer,
        content,
        Type=NameObject("/XObject"),
        Subtype=NameObject("/Form"),
        BBox=ArrayObject(FloatObject(v) for v in bbox),
    )


def _js(code: str) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(code),
        }
    )


def _annot(writer: PdfWriter, page: Any, **keys: Any) -> Any:
    d = DictionaryObject({NameObject("/Type"): NameObject("/Annot")})
    for k, v in keys.items():
        d[NameObject("/" + k)] = v
    ref = writer._add_object(d)
    if "/Annots" not in page:
        page[NameObject("/Annots")] = ArrayObject()
    page["/Annots"].append(ref)
    return ref


def _rect(*v: float) -> ArrayObject:
    return ArrayObject(FloatObject(x) for x in v)


def make_active_pdf(path: Path) -> Path:
    """OpenAction JS, document JS, an embedded file, page /AA, a Launch link, a FileAttachment
    annotation with an embedded file, a Widget with JS actions (and a blue appearance), a Screen
    annotation with a rendition action, and junk active keys in the page's resources."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_base_pdf())))
    page = writer.pages[0]
    root = writer.root_object
    root[NameObject("/OpenAction")] = writer._add_object(_js("app.alert('open')"))
    root[NameObject("/Names")] = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {
                    NameObject("/Names"): ArrayObject(
                        [TextStringObject("doc"), writer._add_object(_js("app.alert('names')"))]
                    )
                }
            )
        }
    )
    writer.add_attachment("payload.exe", PAYLOAD)
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _js("app.alert('page')")})
    _annot(
        writer,
        page,
        Subtype=NameObject("/Link"),
        Rect=_rect(50, 50, 150, 100),
        A=DictionaryObject(
            {
                NameObject("/S"): NameObject("/Launch"),
                NameObject("/F"): TextStringObject("calc.exe"),
                NameObject("/Win"): DictionaryObject(
                    {NameObject("/F"): TextStringObject("cmd.exe")}
                ),
            }
        ),
    )
    ef = _stream(writer, PAYLOAD, Type=NameObject("/EmbeddedFile"))
    filespec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject("payload.exe"),
            NameObject("/EF"): DictionaryObject({NameObject("/F"): ef}),
        }
    )
    _annot(
        writer,
        page,
        Subtype=NameObject("/FileAttachment"),
        Rect=_rect(200, 700, 220, 720),
        FS=writer._add_object(filespec),
        AP=DictionaryObject(
            {NameObject("/N"): _form(writer, b"0 g 0 0 20 20 re f", (0, 0, 20, 20))}
        ),
    )
    widget = _annot(
        writer,
        page,
        Subtype=NameObject("/Widget"),
        FT=NameObject("/Btn"),
        T=TextStringObject("w1"),
        F=NumberObject(4),
        Rect=_rect(300, 300, 400, 340),
        A=_js("app.alert('click')"),
        AA=DictionaryObject({NameObject("/K"): _js("k"), NameObject("/Fo"): _js("f")}),
        AP=DictionaryObject(
            {NameObject("/N"): _form(writer, b"0 0 1 rg 0 0 100 40 re f", (0, 0, 100, 40))}
        ),
    )
    root[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([widget])})
    _annot(
        writer,
        page,
        Subtype=NameObject("/Screen"),
        Rect=_rect(100, 400, 200, 500),
        A=DictionaryObject(
            {NameObject("/S"): NameObject("/Rendition"), NameObject("/JS"): TextStringObject("x")}
        ),
    )
    # A form in the resources (drawn) smuggling actions, a file spec and a link to the catalog.
    smuggler = _form(writer, b"0.5 g 0 0 10 10 re f", (0, 0, 10, 10))
    obj = smuggler.get_object()
    obj[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _js("form")})
    obj[NameObject("/JS")] = TextStringObject("app.alert('form')")
    obj[NameObject("/Extra")] = writer._add_object(filespec)
    obj[NameObject("/Cat")] = root.indirect_reference
    res = page["/Resources"].get_object()
    res.setdefault(NameObject("/XObject"), DictionaryObject())
    res["/XObject"][NameObject("/Fx9")] = smuggler
    content = page.get_contents()
    assert content is not None
    page.replace_contents(
        _content(writer, content.get_data() + b"\nq 1 0 0 1 72 600 cm /Fx9 Do Q\n")
    )
    writer.write(path)
    return path


def _content(writer: PdfWriter, data: bytes) -> Any:
    from pypdf.generic import ContentStream

    cs = ContentStream(None, writer)
    cs.set_data(data)
    return cs


def make_annotations_pdf(path: Path, *, blank: bool = False) -> Path:
    """Two pages with a crop box inside the media box. Page 1: a black /Square outside the crop
    box (over where the band would be) and a black /Square inside it. Page 2: a black /Stamp
    with Rect [-2000 -2000 3000 3000], and content that pops the clip with stray Qs and fills a
    huge rectangle. ``blank``: the same pages without any of it (the baseline)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_base_pdf(2, text=False))))
    for page in writer.pages:
        page.cropbox = _rect(60, 60, 535, 780)  # type: ignore[assignment]
    if not blank:
        p1, p2 = writer.pages
        black = _form(writer, b"0 g 0 0 100 100 re f", (0, 0, 100, 100))
        ap = DictionaryObject({NameObject("/N"): black})
        _annot(
            writer,
            p1,
            Subtype=NameObject("/Square"),
            Rect=_rect(540, 100, 595, 800),
            AP=ap,
            F=NumberObject(4),
        )
        _annot(
            writer,
            p1,
            Subtype=NameObject("/Square"),
            Rect=_rect(100, 600, 200, 700),
            AP=ap,
            F=NumberObject(4),
        )
        _annot(
            writer,
            p2,
            Subtype=NameObject("/Stamp"),
            Rect=_rect(-2000, -2000, 3000, 3000),
            AP=ap,
            F=NumberObject(4),
        )
        # a hidden one is not drawn
        _annot(
            writer,
            p1,
            Subtype=NameObject("/Square"),
            Rect=_rect(300, 200, 400, 300),
            AP=ap,
            F=NumberObject(2),
        )
        p2.replace_contents(_content(writer, b"Q Q Q 0 g -5000 -5000 10000 10000 re f"))
    writer.write(path)
    return path


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width x height with a tiny (incomplete) IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def png_streamed(path: Path, width: int, height: int) -> Path:
    """A real RGBA PNG of width x height (all white but a black bar), compressed as it is written
    so neither the test nor the disk holds it decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    comp = zlib.compressobj(9)
    white = b"\x00" + b"\xff" * (4 * width)
    black = b"\x00" + b"\x00\x00\x00\xff" * width
    parts = []
    for y in range(height):
        parts.append(comp.compress(black if height // 3 <= y < height // 2 else white))
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )
    return path


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF0 header is patched to declare width x height."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(buf, "JPEG", quality=50)
    data = bytearray(buf.getvalue())
    i = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, i + 5, height, width)
    return bytes(data)


def pdf_with_box(box: tuple[float, float, float, float], pages: int = 1) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_base_pdf(pages, text=False))))
    writer.pages[-1].mediabox = _rect(*box)  # type: ignore[assignment]
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_bad_mediabox() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_base_pdf())))
    writer.pages[0][NameObject("/MediaBox")] = ArrayObject(
        [NumberObject(0), NumberObject(0), NameObject("/Wide"), NumberObject(100)]
    )
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_rotate(angle: int, pages: int = 2) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_base_pdf(pages))))
    writer.pages[-1][NameObject("/Rotate")] = NumberObject(angle)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_without_xref() -> bytes:
    """The objects of a PDF, but no xref table, no trailer and no startxref."""
    data = _base_pdf()
    return data[: data.rindex(b"xref")] + b"%%EOF\n"


def pdf_stream_bomb() -> bytes:
    """A page whose content stream inflates to 80 MB (of spaces) from about 80 KB."""
    comp = zlib.compressobj(9)
    chunk = b" " * 1_000_000
    packed = b"".join(comp.compress(chunk) for _ in range(80)) + comp.flush()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_base_pdf(2))))
    page = writer.pages[1]
    enc = EncodedStreamObject()
    enc._data = packed
    enc[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(enc)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Helpers.


def _city_with(example_copy: Path, files: list[tuple[str, str]], app: int = 0) -> Path:
    """The example city with application ``app``'s attachments replaced by ``files``."""
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    data["applications"][app]["attachments"] = [{"title": t, "file": f} for t, f in files]
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return example_copy


def _validate(city: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(DOCGEN), "validate", str(city)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=city.parent,
    )


_FORBIDDEN_KEYS = {
    "/JavaScript",
    "/JS",
    "/Launch",
    "/EmbeddedFile",
    "/EmbeddedFiles",
    "/AA",
    "/OpenAction",
    "/EF",
    "/AcroForm",
}
_FORBIDDEN_VALUES = {
    "/JavaScript",
    "/Launch",
    "/EmbeddedFile",
    "/Filespec",
    "/SubmitForm",
    "/ImportData",
    "/Rendition",
    "/FileAttachment",
    "/Screen",
    "/Widget",
}


def _scan(obj: Any, seen: set[int], where: str, found: list[str]) -> None:
    obj = obj.get_object() if obj is not None else None
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, DictionaryObject):
        for k in obj:
            if k in _FORBIDDEN_KEYS:
                found.append(f"{where}: key {k}")
            v = obj.raw_get(k)
            if isinstance(v, NameObject) and v in _FORBIDDEN_VALUES:
                found.append(f"{where}: {k} {v}")
            if k not in ("/Parent",):
                _scan(v, seen, f"{where}{k}", found)
        if isinstance(obj, StreamObject):
            try:
                if PAYLOAD in obj.get_data():
                    found.append(f"{where}: payload bytes")
            except Exception:
                pass
    elif isinstance(obj, ArrayObject):
        for i, v in enumerate(obj):
            _scan(v, seen, f"{where}[{i}]", found)


def active_content(pdf: bytes) -> list[str]:
    """Every active key, action, embedded file or payload in every object of ``pdf``."""
    reader = PdfReader(io.BytesIO(pdf))
    found: list[str] = []
    seen: set[int] = set()
    _scan(reader.trailer, seen, "trailer", found)
    for num in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(num)
        except Exception:
            continue
        _scan(obj, seen, f"obj {num}", found)
    if PAYLOAD in pdf:
        found.append("payload bytes in the file")
    return found


def _render_page(pdf: Path, page: int, dpi: int, out: Path) -> Image.Image:
    return Image.open(_render_png(pdf, page, dpi, out)).convert("L")


def _build(city: Path, out: Path) -> dict[str, Any]:
    build_city(city, out, BuildOptions(), parallel=False)
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# 1. Nothing active passes into the packet.


def test_active_content_is_stripped(example_copy: Path, tmp_path: Path) -> None:
    base = example_copy.parent
    make_active_pdf(base / "attachments" / "active.pdf")
    assert active_content(
        (base / "attachments" / "active.pdf").read_bytes()
    )  # the fixture is hostile
    assert check_attachment(base, "attachments/active.pdf") is None  # cleaned, not refused
    placed = attachment_pages(base / "attachments" / "active.pdf", "pdf")
    assert all("/Annots" not in pp.page and "/AA" not in pp.page for pp in placed)

    city = _city_with(example_copy, [("带脚本的附件", "attachments/active.pdf")])
    manifest = _build(city, tmp_path / "out")
    bundle = (tmp_path / "out" / manifest["bundle"]["file"]).read_bytes()
    assert active_content(bundle) == []
    reader = PdfReader(io.BytesIO(bundle))
    first, last = manifest["documents"][0]["attachments"][0]["pages"]
    for n in range(first, last + 1):
        assert "/Annots" not in reader.pages[n - 1]
    if shutil.which("pdftoppm") is None:
        return
    # the widget's appearance (a filled-in field) is kept, flattened: blue on the page
    out = tmp_path / "render"
    img = Image.open(
        _render_png(tmp_path / "out" / manifest["bundle"]["file"], first, 40, out)
    ).convert("RGB")
    blue = [p for p in img.get_flattened_data() if p[2] > 150 and p[0] < 80 and p[1] < 80]
    assert len(blue) > 20


def _render_png(pdf: Path, page: int, dpi: int, out: Path) -> Path:
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-png",
            "-singlefile",
            str(pdf),
            str(out),
        ],
        check=True,
        timeout=60,
    )
    return out.with_suffix(".png")


# ---------------------------------------------------------------------------------------------
# 2. Annotations flattened and clipped to the placed page.


@pytest.fixture(scope="module")
def annotated_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The example built twice: with the annotated PDF as application 1's only attachment, and
    with the same pages blank (the baseline: same captions, numbers and seal marks)."""
    from tests.conftest import EXAMPLE_DIR

    out: dict[str, Any] = {}
    for name, blank in (("hostile", False), ("baseline", True)):
        root = tmp_path_factory.mktemp(name)
        shutil.copytree(EXAMPLE_DIR, root / "city")
        city = root / "city" / "city.json"
        make_annotations_pdf(root / "city" / "attachments" / "annots.pdf", blank=blank)
        _city_with(city, [("批注附件", "attachments/annots.pdf")])
        manifest = _build(city, root / "out")
        out[name] = (root / "out" / manifest["bundle"]["file"], manifest)
    return out


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm")
def test_annotations_clipped_to_the_placed_page(
    annotated_builds: dict[str, Any], tmp_path: Path
) -> None:
    dpi = 40
    k = dpi / 72.0
    hostile, manifest = annotated_builds["hostile"]
    baseline, base_manifest = annotated_builds["baseline"]
    doc = manifest["documents"][0]
    assert doc["attachments"] == base_manifest["documents"][0]["attachments"]
    first, last = doc["attachments"][0]["pages"]
    assert last - first == 1
    band = doc["straddle_seals"][0]["box"]
    placed = attachment_pages(hostile.parent.parent / "city" / "attachments" / "annots.pdf", "pdf")
    assert all(pp.box == placed[0].box for pp in placed)
    x0, y0, x1, y1 = placed[0].box
    bx = layout.attachment_box()
    assert bx[0] - 0.01 <= x0 and x1 <= bx[2] + 0.01 and bx[1] - 0.01 <= y0 and y1 <= bx[3] + 0.01
    h = layout.A4_H
    for n in (first, last):
        got = _render_page(hostile, n, dpi, tmp_path / f"h{n}")
        want = _render_page(baseline, n, dpi, tmp_path / f"b{n}")
        assert got.size == want.size
        # outside the placed box (one pixel of anti-aliasing): nothing darker than the baseline
        diff = ImageChops.subtract(want, got)  # > 0 where the hostile page is darker
        mask = Image.new("L", got.size, 255)
        inner = (int(x0 * k) - 1, int((h - y1) * k) - 1, int(x1 * k) + 2, int((h - y0) * k) + 2)
        mask.paste(0, inner)
        outside = ImageChops.multiply(diff, mask)
        assert outside.getbbox() is None or max(outside.get_flattened_data()) < 40, (
            n,
            outside.getbbox(),
        )
        # the straddle band, the binding margin and the foot in particular
        for region in (
            (band[0], band[1], band[2], band[3]),
            (0, 0, layout.ATTACHMENT_MARGIN_LEFT - 1, h),
            (0, 0, layout.A4_W, layout.ATTACHMENT_MARGIN_BOTTOM - 1),
        ):
            r = (
                int(region[0] * k),
                int((h - region[3]) * k),
                int(region[2] * k),
                int((h - region[1]) * k),
            )
            assert ImageChops.subtract(want.crop(r), got.crop(r)).getbbox() is None, (n, region)
        inside = got.crop((inner[0] + 3, inner[1] + 3, inner[2] - 3, inner[3] - 3))
        dark = sum(1 for p in inside.get_flattened_data() if p < 80) / (
            inside.width * inside.height
        )
        if n == first:
            # the Square inside the crop box is drawn (flattened), the hidden one is not
            assert 0.01 < dark < 0.2, dark
        else:
            # the Stamp and the stray-Q fill cover the whole placed page, and only it
            assert dark > 0.95, dark


def test_flattened_annotations_are_not_interactive(tmp_path: Path) -> None:
    path = make_annotations_pdf(tmp_path / "a.pdf")
    for pp in attachment_pages(path, "pdf"):
        assert "/Annots" not in pp.page
        data = pp.page.get_contents().get_data()
        assert data.startswith(b"q") and data.rstrip().endswith(b"Q")  # the placement clip


# ---------------------------------------------------------------------------------------------
# 3. Bombs and absurd pages: findings at validate, naming attachment and page.


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        (
            "bomb.png",
            lambda: png_header_only(20000, 20000),
            ("图片过大（20000×20000 像素", "bomb.png"),
        ),
        (
            "bomb.jpg",
            lambda: jpeg_declaring(60000, 50000),
            ("图片过大（60000×50000 像素", "bomb.jpg"),
        ),
        ("tiny.pdf", lambda: pdf_with_box((0, 0, 0.5, 0.5)), ("tiny.pdf”第 1 页", "页面过小")),
        (
            "huge.pdf",
            lambda: pdf_with_box((0, 0, 1e20, 1e20), pages=2),
            ("huge.pdf”第 2 页", "页面过大"),
        ),
        ("nobox.pdf", pdf_bad_mediabox, ("nobox.pdf”第 1 页", "/MediaBox")),
        ("rot45.pdf", lambda: pdf_rotate(45), ("rot45.pdf”第 2 页", "/Rotate 45", "90 的倍数")),
        ("streambomb.pdf", pdf_stream_bomb, ("streambomb.pdf”第 2 页", "解压后过大")),
    ],
)
def test_hostile_file_is_a_finding(
    example_copy: Path, tmp_path: Path, name: str, make: Any, expected: tuple[str, ...]
) -> None:
    base = example_copy.parent
    (base / "attachments" / name).write_bytes(make())
    problem = check_attachment(base, f"attachments/{name}")
    assert problem is not None
    for part in expected:
        assert part in problem, problem
    assert "损坏" not in problem or "解压" in problem  # too big is not "damaged"
    # the build refuses it too, with the same kind of message and no traceback
    with pytest.raises(AttachmentError) as refused:
        attachment_pages(base / "attachments" / name)
    assert expected[0].split("”")[-1] in str(refused.value)
    city = _city_with(example_copy, [("恶意附件", f"attachments/{name}")])
    result = _validate(city)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert expected[0] in result.stdout, result.stdout


def test_rotate_multiple_of_90_is_fine(tmp_path: Path) -> None:
    for angle in (90, 180, 270, -90, 450):
        path = tmp_path / f"r{angle}.pdf"
        path.write_bytes(pdf_rotate(angle))
        assert check_attachment(tmp_path, path.name) is None, angle


def test_pdf_without_xref_validates_as_it_builds(tmp_path: Path) -> None:
    """pypdf rebuilds a missing xref from the objects (as viewers do): whatever validate says,
    build agrees — a finding naming the file, or pages."""
    path = tmp_path / "noxref.pdf"
    path.write_bytes(pdf_without_xref())
    problem = check_attachment(tmp_path, path.name)
    if problem is None:
        assert len(attachment_pages(path, "pdf")) == 1
    else:
        assert "noxref.pdf" in problem
        with pytest.raises(AttachmentError):
            attachment_pages(path, "pdf")


def test_symlink_loop_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").symlink_to("b.pdf")
    (tmp_path / "b.pdf").symlink_to("a.pdf")
    problem = check_attachment(tmp_path, "a.pdf")
    assert problem is not None and "循环的符号链接" in problem and "a.pdf" in problem


def test_image_limit_is_documented_and_100_megapixels() -> None:
    assert MAX_IMAGE_PIXELS == 100_000_000
    import docgen.attachments

    assert "MAX_IMAGE_PIXELS" in (docgen.attachments.__doc__ or "")


def test_pdf_image_over_the_limit_is_a_finding(tmp_path: Path) -> None:
    """An image XObject declaring 20000 x 20000 inside a PDF page."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_base_pdf())))
    page = writer.pages[0]
    img = _stream(
        writer,
        zlib.compress(b"\x00" * 100),
        Type=NameObject("/XObject"),
        Subtype=NameObject("/Image"),
        Width=NumberObject(20000),
        Height=NumberObject(20000),
        ColorSpace=NameObject("/DeviceGray"),
        BitsPerComponent=NumberObject(8),
        Filter=NameObject("/FlateDecode"),
    )
    res = page["/Resources"].get_object()
    res[NameObject("/XObject")] = DictionaryObject({NameObject("/Im9"): img})
    path = tmp_path / "bigimage.pdf"
    writer.write(path)
    problem = check_attachment(tmp_path, path.name)
    assert problem and "bigimage.pdf”第 1 页" in problem and "20000×20000" in problem


_MEMORY_PROBE = """
import sys
from pathlib import Path
from docgen.attach import attachment_pages, pages_to_pdf
(pp,) = attachment_pages(Path(sys.argv[1]))
from pypdf import PdfReader
import io
page = PdfReader(io.BytesIO(pages_to_pdf([pp]))).pages[0]
(im,) = [x.get_object() for x in page["/Resources"]["/XObject"].values()]
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0].split()[1]
print(int(im["/Width"]), int(im["/Height"]), peak)
"""


@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_large_image_decoded_downscaled_in_bounded_memory(tmp_path: Path, kind: str) -> None:
    """A 100-megapixel image (the limit) is placed using < 500 MB and embedded at about the
    resolution print needs (300 dpi at its placed size, at most twice that), not at 10000 px."""
    if kind == "png":
        path = png_streamed(tmp_path / "big.png", 10000, 10000)
    else:
        path = tmp_path / "big.jpg"
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from PIL import Image, ImageDraw; im = Image.new('L', (10000, 10000), 255); "
                "ImageDraw.Draw(im).rectangle([0, 3000, 9999, 5000], fill=0); "
                f"im.save({str(path)!r}, quality=30, dpi=(150, 150))",
            ],
            check=True,
            timeout=120,
        )
    assert path.stat().st_size < 5_000_000
    assert check_attachment(tmp_path, path.name) is None
    run = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    w, h, rss_kb = map(int, run.stdout.split())
    assert rss_kb < 500 * 1024, rss_kb
    box = layout.attachment_box()
    need = (box[2] - box[0]) / 72.0 * 300.0  # pixels across at 300 dpi
    assert need * 0.9 <= w <= need * 2.0, (w, need)
    assert h == pytest.approx(w, rel=0.01)


# ---------------------------------------------------------------------------------------------
# 4. Hard links: allowed (the file is in the folder under that name).


def test_hard_link_to_a_file_outside_is_allowed(example_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "scan.pdf"
    outside.parent.mkdir()
    outside.write_bytes(_base_pdf())
    before = (outside.read_bytes(), outside.stat().st_mtime_ns)
    link = example_copy.parent / "attachments" / "linked.pdf"
    try:
        os.link(outside, link)
    except OSError as exc:
        pytest.skip(f"no hard links here: {exc}")
    assert check_attachment(example_copy.parent, "attachments/linked.pdf") is None
    city = _city_with(example_copy, [("硬链接附件", "attachments/linked.pdf")])
    manifest = _build(city, tmp_path / "out")
    assert manifest["documents"][0]["attachments"][0]["title"] == "硬链接附件"
    assert (outside.read_bytes(), outside.stat().st_mtime_ns) == before
    # a symlink to the same file is still refused: it names a place outside the folder
    (example_copy.parent / "attachments" / "sym.pdf").symlink_to(outside)
    problem = check_attachment(example_copy.parent, "attachments/sym.pdf")
    assert problem and "之外" in problem


# ---------------------------------------------------------------------------------------------
# 5. FIFOs, sockets and devices are never opened.


def test_fifo_attachment_refused_at_once(example_copy: Path) -> None:
    fifo = example_copy.parent / "attachments" / "x.pdf"
    os.mkfifo(fifo)
    city = _city_with(example_copy, [("管道", "attachments/x.pdf")])
    result = _validate(city)  # hangs forever if the FIFO is opened for reading
    assert result.returncode == 1
    assert "命名管道" in result.stdout and "x.pdf" in result.stdout, result.stdout
    assert "Traceback" not in result.stderr


def test_device_attachment_refused(tmp_path: Path) -> None:
    (tmp_path / "dev.pdf").symlink_to("/dev/zero")
    # outside the folder: refused as such before anything is opened
    assert "之外" in (check_attachment(tmp_path, "dev.pdf") or "")
    problem = check_attachment(tmp_path, "/dev/zero", allow_absolute=True)
    assert problem and "设备文件" in problem


def test_fifo_never_opened_by_attach(tmp_path: Path) -> None:
    fifo = tmp_path / "y.pdf"
    os.mkfifo(fifo)
    with pytest.raises(AttachmentError, match="命名管道"):
        attachment_pages(fifo)


# ---------------------------------------------------------------------------------------------


def test_hostile_fixtures_are_small(tmp_path: Path) -> None:
    assert len(make_active_pdf(tmp_path / "a.pdf").read_bytes()) < 20_000
    assert len(make_annotations_pdf(tmp_path / "b.pdf").read_bytes()) < 20_000
    assert len(png_header_only(20000, 20000)) < 200
    assert len(jpeg_declaring(60000, 50000)) < 2_000
    assert len(pdf_stream_bomb()) < 200_000


def test_build_refuses_what_validate_refuses(example_copy: Path) -> None:
    """The build's own check: an attachment swapped after validation is still an InputError."""
    base = example_copy.parent
    (base / "attachments" / "rot.pdf").write_bytes(pdf_rotate(45))
    city = _city_with(example_copy, [("旋转", "attachments/rot.pdf")])
    with pytest.raises(InputError):
        build_city(city, base.parent / "out", BuildOptions(), parallel=False)


def test_cleaning_is_deterministic(tmp_path: Path) -> None:
    from docgen.attach import pages_to_pdf

    for path in (make_active_pdf(tmp_path / "a.pdf"), make_annotations_pdf(tmp_path / "b.pdf")):
        assert pages_to_pdf(attachment_pages(path)) == pages_to_pdf(attachment_pages(path))
