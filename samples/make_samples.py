#!/usr/bin/env python3
"""Generate the Guangxi sample city files for docgen.

Writes ``samples/<division_code>/city.json`` plus ``attachments/<application id>/...`` for the
13 prefecture-level cities of Guangxi other than 柳州 (450200, the contract example, which is
left untouched).  Everything is deterministic: running the script twice gives identical bytes
(no timestamps; the only randomness is ``random.Random`` seeded with fixed strings).

    .venv/bin/python samples/make_samples.py

All companies, people, phone numbers, codes and figures are fictional.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader
from reportlab.lib.pagesizes import A3, A4, landscape, letter
from reportlab.pdfgen import canvas

from docgen.uscc import CHARSET, is_valid, make

HERE = Path(__file__).resolve().parent
EDITION = "gx-2021-3"
SCHEMA = "docgen.city/1"
EXAMPLE_CODE = "450200"  # 柳州: the contract example, never written by this script

D = Decimal
CENT = D("0.01")


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------


def q2(x) -> Decimal:
    return D(str(x)).quantize(CENT, rounding=ROUND_HALF_UP)


def money(x: Decimal) -> float:
    """A Decimal with at most 2 places as a JSON number (float repr round-trips it exactly)."""
    v = float(q2(x))
    assert D(repr(v)) == q2(x), (x, v)
    return v


def fmt(x: Decimal) -> str:
    """1234.5 -> '1,234.50'"""
    return f"{q2(x):,.2f}"


def pct(part: Decimal, whole: Decimal) -> str:
    return f"{(D(part) * 100 / D(whole)).quantize(CENT, rounding=ROUND_HALF_UP)}"


def paras(*blocks: str) -> str:
    return "\n\n".join(b.strip("\n") for b in blocks)


def bullets(*items: str) -> str:
    return "\n".join(f"- {i}" for i in items)


def table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


USED_USCC: set[str] = set()


def uscc_for(division: str, name: str) -> str:
    """'91' + division code + 9 characters derived from the applicant's name + check character."""
    salt = 0
    while True:
        h = hashlib.sha256(f"{name}#{salt}".encode()).digest()
        body = "".join(CHARSET[b % len(CHARSET)] for b in h[:9])
        code = make("91" + division + body)
        if code not in USED_USCC:
            USED_USCC.add(code)
            return code
        salt += 1


# ---------------------------------------------------------------------------------------------
# attachments: small, deterministic "scan-like" PDFs and images (Latin text only)
# ---------------------------------------------------------------------------------------------


def _canvas(path: Path, size) -> canvas.Canvas:
    c = canvas.Canvas(str(path), pagesize=size, invariant=1, pageCompression=1)
    c.setAuthor("docgen samples")
    c.setTitle(path.stem)
    return c


def _scan_frame(c: canvas.Canvas, w: float, h: float, rng: random.Random) -> None:
    """Off-white paper, a double border and a slight grey smudge, like a photocopy."""
    c.setFillColorRGB(0.985, 0.98, 0.965)
    c.rect(0, 0, w, h, stroke=0, fill=1)
    c.setFillColorRGB(0.93, 0.93, 0.92)
    c.rect(0, 0, 14 + rng.random() * 6, h, stroke=0, fill=1)  # copier edge shadow
    c.setStrokeColorRGB(0.25, 0.25, 0.25)
    c.setLineWidth(2.2)
    c.rect(36, 36, w - 72, h - 72)
    c.setLineWidth(0.6)
    c.rect(44, 44, w - 88, h - 88)


def _grey_lines(c, x, y, width, n, rng, gap=16, minfrac=0.45):
    """Grey bars standing in for printed Chinese lines (Helvetica has no CJK glyphs)."""
    c.setFillColorRGB(0.62, 0.62, 0.62)
    for i in range(n):
        frac = minfrac + (1 - minfrac) * rng.random()
        c.rect(x, y - i * gap, width * frac, 5.5, stroke=0, fill=1)


def _seal(c, cx, cy, r=46):
    c.saveState()
    c.setStrokeColorRGB(0.82, 0.12, 0.12)
    c.setFillColorRGB(0.82, 0.12, 0.12)
    c.setLineWidth(2.4)
    c.circle(cx, cy, r)
    c.setLineWidth(0.8)
    c.circle(cx, cy, r - 6)
    # five-pointed star
    pts = []
    for k in range(10):
        rad = (r * 0.36) if k % 2 == 0 else (r * 0.15)
        a = math.pi / 2 + k * math.pi / 5
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    p = c.beginPath()
    p.moveTo(*pts[0])
    for pt in pts[1:]:
        p.lineTo(*pt)
    p.close()
    c.drawPath(p, stroke=0, fill=1)
    c.restoreState()


def pdf_license(path: Path, code: str, ref: str, size=A4) -> None:
    rng = random.Random("license:" + code)
    w, h = size
    c = _canvas(path, size)
    _scan_frame(c, w, h, rng)
    c.setFillColorRGB(0.1, 0.1, 0.1)
    c.setFont("Helvetica-Bold", 22)
    c.drawCentredString(w / 2, h - 110, "BUSINESS LICENSE (copy)")
    c.setFont("Helvetica", 10)
    c.drawCentredString(w / 2, h - 130, "Duplicate - for application use only")
    c.setFont("Helvetica", 11)
    c.drawString(80, h - 175, f"Unified Social Credit Code: {code}")
    c.drawString(80, h - 192, f"Ref: {ref}")
    # QR-code-like box
    c.setStrokeColorRGB(0.2, 0.2, 0.2)
    c.rect(w - 160, h - 215, 80, 80)
    c.setFillColorRGB(0.15, 0.15, 0.15)
    for i in range(8):
        for j in range(8):
            if rng.random() < 0.45:
                c.rect(w - 156 + i * 9, h - 211 + j * 9, 8, 8, stroke=0, fill=1)
    # field table
    top = h - 250
    c.setLineWidth(0.7)
    c.setStrokeColorRGB(0.3, 0.3, 0.3)
    for i in range(9):
        y = top - i * 44
        c.rect(70, y - 44, 120, 44)
        c.rect(190, y - 44, w - 260, 44)
        _grey_lines(c, 82, y - 24, 90, 1, rng)
        _grey_lines(c, 202, y - 18, w - 290, 2 if i in (4, 5) else 1, rng, gap=14)
    _seal(c, w - 150, 150)
    c.setFillColorRGB(0.3, 0.3, 0.3)
    c.setFont("Helvetica", 9)
    c.drawString(70, 70, "Registration authority - date of issue on the original")
    c.showPage()
    c.save()


def pdf_audit(path: Path, ref: str, fin_rows: list[dict], pages: int) -> None:
    """A multi-page audit report excerpt: cover, statements with the application's figures, opinion."""
    rng = random.Random("audit:" + ref)
    w, h = A4
    c = _canvas(path, A4)
    latest = fin_rows[-1]
    for p in range(1, pages + 1):
        _scan_frame(c, w, h, rng)
        c.setFillColorRGB(0.1, 0.1, 0.1)
        c.setFont("Helvetica", 9)
        c.drawRightString(w - 60, 56, f"Page {p} of {pages}")
        c.drawString(60, 56, f"Ref: {ref}")
        if p == 1:
            c.setFont("Helvetica-Bold", 24)
            c.drawCentredString(w / 2, h - 230, f"AUDIT REPORT {latest['year']}")
            c.setFont("Helvetica", 13)
            c.drawCentredString(w / 2, h - 256, "(excerpt)")
            _grey_lines(c, 150, h - 330, w - 300, 4, rng, gap=20, minfrac=0.8)
            c.setFont("Helvetica", 11)
            c.drawCentredString(
                w / 2, h - 460, f"Report No. GXA-{latest['year']}-{rng.randint(1000, 9999)}"
            )
        elif p == 2 or (p < pages and p % 2 == 0):
            c.setFont("Helvetica-Bold", 15)
            c.drawString(70, h - 100, "Income statement (in 10,000 CNY)")
            labels = [
                "Operating revenue",
                "  of which: service revenue",
                "Total profit",
                "R&D expense",
                "Taxes paid",
                "Employees (persons)",
            ]
            keys = [
                "operating_revenue",
                "service_revenue",
                "total_profit",
                "rd_expense",
                "tax_paid",
                "employees",
            ]
            col = (w - 140 - 170) / len(fin_rows)
            y = h - 130
            c.setFont("Helvetica-Bold", 10)
            c.rect(70, y - 24, w - 140, 24)
            c.drawString(78, y - 16, "Item")
            for i, r in enumerate(fin_rows):
                c.drawRightString(240 + (i + 1) * col - 8, y - 16, str(r["year"]))
            c.setFont("Helvetica", 10)
            for k, (lab, key) in enumerate(zip(labels, keys, strict=True)):
                yy = y - 24 - (k + 1) * 24
                c.rect(70, yy, w - 140, 24)
                c.drawString(78, yy + 8, lab)
                for i, r in enumerate(fin_rows):
                    v = r[key]
                    s = f"{v:,}" if key == "employees" else f"{D(repr(v)):,.2f}"
                    c.drawRightString(240 + (i + 1) * col - 8, yy + 8, s)
            _grey_lines(c, 70, y - 230, w - 140, 12, rng, gap=18)
        elif p < pages:
            c.setFont("Helvetica-Bold", 15)
            c.drawString(70, h - 100, "Balance sheet (summary, in 10,000 CNY)")
            y = h - 130
            c.setFont("Helvetica", 10)
            base = D(repr(latest["operating_revenue"]))
            for k in range(16):
                yy = y - (k + 1) * 22
                c.rect(70, yy, w - 140, 22)
                c.line(330, yy, 330, yy + 22)
                c.line(w - 200, yy, w - 200, yy + 22)
                _grey_lines(c, 78, yy + 8, 200, 1, rng)
                amount = base * D(rng.randint(20, 900)) / D(1000)
                c.drawRightString(w - 208, yy + 7, f"{amount:,.2f}")
                c.drawRightString(w - 78, yy + 7, f"{amount * D(rng.randint(80, 99)) / 100:,.2f}")
            _grey_lines(c, 70, y - 400, w - 140, 8, rng, gap=18)
        else:
            c.setFont("Helvetica-Bold", 15)
            c.drawString(70, h - 100, "Auditor's opinion")
            _grey_lines(c, 70, h - 140, w - 140, 22, rng, gap=18, minfrac=0.7)
            c.setFont("Helvetica", 10)
            c.drawString(70, 210, "Certified Public Accountants (signature)")
            c.line(70, 190, 260, 190)
            _seal(c, w - 170, 200, r=52)
        c.showPage()
    c.save()


def pdf_cert_letter(path: Path, ref: str, number: str) -> None:
    """An accreditation certificate on US Letter paper."""
    rng = random.Random("cert:" + ref)
    w, h = letter
    c = _canvas(path, letter)
    _scan_frame(c, w, h, rng)
    c.setStrokeColorRGB(0.55, 0.45, 0.2)
    c.setLineWidth(5)
    c.rect(60, 60, w - 120, h - 120)
    c.setFillColorRGB(0.1, 0.1, 0.1)
    c.setFont("Helvetica-Bold", 24)
    c.drawCentredString(w / 2, h - 150, "CERTIFICATE OF ACCREDITATION")
    c.setFont("Helvetica", 12)
    c.drawCentredString(w / 2, h - 176, "Inspection and Testing Body")
    c.drawCentredString(w / 2, h - 210, f"No. {number}")
    _grey_lines(c, 110, h - 270, w - 220, 9, rng, gap=22, minfrac=0.75)
    c.setFont("Helvetica", 10)
    c.drawString(110, 190, f"Ref: {ref}")
    c.drawString(110, 172, "Valid until: see original")
    _seal(c, w - 170, 180)
    c.showPage()
    c.save()


def pdf_a3_diagram(path: Path, ref: str, title: str, boxes: list[str]) -> None:
    """A landscape A3 block diagram (platform architecture / plant layout)."""
    rng = random.Random("a3:" + ref)
    w, h = landscape(A3)
    c = _canvas(path, landscape(A3))
    _scan_frame(c, w, h, rng)
    c.setFillColorRGB(0.1, 0.1, 0.1)
    c.setFont("Helvetica-Bold", 26)
    c.drawCentredString(w / 2, h - 100, title)
    layers = [boxes[i : i + 4] for i in range(0, len(boxes), 4)]
    lh = (h - 260) / len(layers)
    for li, layer in enumerate(layers):
        y = h - 160 - (li + 1) * lh + 20
        bw = (w - 200 - (len(layer) - 1) * 30) / len(layer)
        for bi, label in enumerate(layer):
            x = 100 + bi * (bw + 30)
            c.setFillColorRGB(0.86 + 0.03 * li, 0.9, 0.97 - 0.04 * li)
            c.setStrokeColorRGB(0.2, 0.3, 0.5)
            c.setLineWidth(1.4)
            c.roundRect(x, y, bw, lh - 50, 10, stroke=1, fill=1)
            c.setFillColorRGB(0.1, 0.15, 0.3)
            c.setFont("Helvetica-Bold", 14)
            c.drawCentredString(x + bw / 2, y + lh - 80, label)
            _grey_lines(c, x + 16, y + lh - 110, bw - 32, 3, rng, gap=14)
            if li + 1 < len(layers):
                c.setStrokeColorRGB(0.3, 0.3, 0.3)
                c.line(x + bw / 2, y, x + bw / 2, y - 50)
                c.line(x + bw / 2 - 5, y - 42, x + bw / 2, y - 50)
                c.line(x + bw / 2 + 5, y - 42, x + bw / 2, y - 50)
    c.setFont("Helvetica", 10)
    c.setFillColorRGB(0.3, 0.3, 0.3)
    c.drawString(70, 60, f"Ref: {ref}   Drawing 1/1   Scale: n.t.s.")
    c.showPage()
    c.save()


def pdf_rotated_certificate(path: Path, ref: str, number: str) -> None:
    """A landscape patent certificate scanned onto a portrait A4 page stored with /Rotate 90.

    The content is drawn turned 90 degrees counter-clockwise in the portrait MediaBox, so it
    reads upright once a viewer applies the page's /Rotate 90 (clockwise)."""
    rng = random.Random("patent:" + ref)
    W, H = A4
    # reportlab writes the MediaBox swapped when the page is rotated by 90: asking for a
    # landscape page gives the portrait MediaBox [0 0 595 842] we want (displayed landscape).
    c = _canvas(path, landscape(A4))
    c.setPageRotation(90)
    c.saveState()
    c.transform(0, 1, -1, 0, W, 0)  # (u, v) on the displayed landscape page -> (W - v, u)
    w, h = H, W  # displayed width and height
    _scan_frame(c, w, h, rng)
    c.setStrokeColorRGB(0.2, 0.35, 0.55)
    c.setLineWidth(4)
    c.rect(58, 58, w - 116, h - 116)
    c.setFillColorRGB(0.1, 0.1, 0.1)
    c.setFont("Helvetica-Bold", 26)
    c.drawCentredString(w / 2, h - 120, "CERTIFICATE OF INVENTION PATENT")
    c.setFont("Helvetica", 12)
    c.drawCentredString(w / 2, h - 146, f"Patent No. {number}")
    _grey_lines(c, 120, h - 200, w - 240, 10, rng, gap=22, minfrac=0.7)
    c.setFont("Helvetica", 10)
    c.drawString(100, 80, f"Ref: {ref}   (page scanned sideways)")
    _seal(c, w - 180, 140, r=50)
    c.restoreState()
    c.showPage()
    c.save()
    # check what we promise: a real /Rotate 90 page
    page = PdfReader(str(path)).pages[0]
    assert page.rotation == 90 and [round(float(v)) for v in page.mediabox] == [0, 0, 595, 842]


# --- raster images ---------------------------------------------------------------------------


def _font(size: int):
    return ImageFont.load_default(size=size)


def _img_base(size, rng, bg=(250, 249, 244)):
    im = Image.new("RGB", size, bg)
    d = ImageDraw.Draw(im)
    return im, d


def img_network_map(ref: str, title: str, n_points: int = 40) -> Image.Image:
    """A schematic map: an outline, service points and lines to a hub, a legend."""
    rng = random.Random("map:" + ref)
    im, d = _img_base((800, 1100), rng, (240, 246, 250))
    d.text((40, 30), title, fill=(20, 40, 80), font=_font(34))
    outline = [
        (120, 260),
        (300, 180),
        (520, 210),
        (700, 330),
        (720, 560),
        (640, 820),
        (460, 930),
        (250, 900),
        (110, 720),
        (80, 480),
    ]
    d.polygon(outline, fill=(222, 236, 214), outline=(90, 120, 90))
    hub = (400, 560)
    for _ in range(n_points):
        x, y = rng.randint(140, 660), rng.randint(250, 860)
        d.line([hub, (x, y)], fill=(150, 170, 200), width=1)
        d.ellipse([x - 7, y - 7, x + 7, y + 7], fill=(220, 80, 60), outline=(120, 30, 20))
    d.ellipse([hub[0] - 16, hub[1] - 16, hub[0] + 16, hub[1] + 16], fill=(30, 80, 170))
    d.rectangle([40, 960, 760, 1060], outline=(60, 60, 60), width=2)
    d.ellipse([60, 985, 76, 1001], fill=(220, 80, 60))
    d.text((90, 980), "service point", fill=(40, 40, 40), font=_font(22))
    d.ellipse([400, 985, 420, 1005], fill=(30, 80, 170))
    d.text((432, 980), "regional hub", fill=(40, 40, 40), font=_font(22))
    d.text((60, 1022), f"Ref: {ref}", fill=(90, 90, 90), font=_font(18))
    return im


def img_dashboard(ref: str, title: str) -> Image.Image:
    """A platform operations 'screenshot': KPI tiles, a bar chart and a line chart."""
    rng = random.Random("dash:" + ref)
    im, d = _img_base((800, 1100), rng, (245, 247, 250))
    d.rectangle([0, 0, 800, 70], fill=(28, 60, 120))
    d.text((24, 18), title, fill=(255, 255, 255), font=_font(28))
    for i in range(4):
        x = 24 + i * 192
        d.rounded_rectangle(
            [x, 96, x + 176, 206], 10, fill=(255, 255, 255), outline=(200, 205, 215)
        )
        d.text(
            (x + 14, 110),
            ["Users", "Orders", "Factories", "On-time %"][i],
            fill=(90, 90, 90),
            font=_font(18),
        )
        d.text((x + 14, 146), str(rng.randint(100, 9999)), fill=(20, 40, 80), font=_font(34))
    d.rounded_rectangle([24, 232, 776, 612], 10, fill=(255, 255, 255), outline=(200, 205, 215))
    d.text((44, 246), "Monthly orders", fill=(60, 60, 60), font=_font(20))
    for m in range(12):
        bh = rng.randint(60, 300)
        x = 60 + m * 58
        d.rectangle([x, 590 - bh, x + 36, 590], fill=(70, 130, 200))
    d.rounded_rectangle([24, 636, 776, 1016], 10, fill=(255, 255, 255), outline=(200, 205, 215))
    d.text((44, 650), "Capacity utilisation", fill=(60, 60, 60), font=_font(20))
    pts = [(60 + k * 58, 960 - rng.randint(80, 260)) for k in range(12)]
    d.line(pts, fill=(220, 110, 40), width=4)
    for x, y in pts:
        d.ellipse([x - 5, y - 5, x + 5, y + 5], fill=(220, 110, 40))
    d.text((24, 1040), f"Ref: {ref}", fill=(120, 120, 120), font=_font(18))
    return im


def img_workshop(ref: str) -> Image.Image:
    """A flat 'photo' of a workshop: floor, gantry crane, a hull section, workers."""
    rng = random.Random("photo:" + ref)
    im, d = _img_base((800, 1100), rng, (200, 210, 222))
    d.rectangle([0, 700, 800, 1100], fill=(120, 118, 110))
    for k in range(0, 800, 80):
        d.line([(k, 700), (k - 200, 1100)], fill=(100, 98, 92), width=2)
    d.rectangle([60, 120, 90, 700], fill=(230, 180, 40))
    d.rectangle([710, 120, 740, 700], fill=(230, 180, 40))
    d.rectangle([40, 100, 760, 150], fill=(230, 180, 40))
    d.line([(400, 150), (400, 420)], fill=(40, 40, 40), width=4)
    d.polygon(
        [(150, 560), (650, 560), (600, 720), (200, 720)], fill=(70, 90, 120), outline=(30, 30, 30)
    )
    d.rectangle([170, 480, 630, 560], fill=(180, 70, 60))
    for _ in range(5):
        x = rng.randint(100, 700)
        d.ellipse([x - 12, 760, x + 12, 784], fill=(240, 200, 60))
        d.rectangle([x - 14, 784, x + 14, 850], fill=(30, 80, 160))
    d.text((30, 1050), f"Ref: {ref}  (site photo)", fill=(250, 250, 250), font=_font(22))
    return im


def img_scan_report(ref: str, title: str) -> Image.Image:
    """A greyscale scanned test report: header, table grid, grey text lines, a seal."""
    rng = random.Random("scan:" + ref)
    im = Image.new("L", (800, 1100), 236)
    d = ImageDraw.Draw(im)
    d.rectangle([30, 30, 770, 1070], outline=60, width=3)
    d.text((60, 60), title, fill=20, font=_font(32))
    y = 150
    for _ in range(14):
        d.rectangle([60, y, 740, y + 44], outline=90, width=1)
        d.line([(260, y), (260, y + 44)], fill=90)
        d.rectangle([76, y + 18, 76 + rng.randint(80, 160), y + 26], fill=150)
        d.rectangle([276, y + 18, 276 + rng.randint(150, 440), y + 26], fill=150)
        y += 44
    for k in range(8):
        d.rectangle([60, 800 + k * 22, 60 + rng.randint(360, 680), 808 + k * 22], fill=160)
    d.ellipse([560, 900, 700, 1040], outline=70, width=5)
    d.text((60, 1030), f"Ref: {ref}", fill=90, font=_font(18))
    return im


def img_certificate(ref: str, title: str) -> Image.Image:
    rng = random.Random("pngcert:" + ref)
    im, d = _img_base((800, 1100), rng, (252, 250, 240))
    d.rectangle([24, 24, 776, 1076], outline=(150, 120, 40), width=10)
    d.rectangle([44, 44, 756, 1056], outline=(150, 120, 40), width=2)
    d.text((400, 150), title, fill=(30, 30, 30), font=_font(36), anchor="mm")
    d.text(
        (400, 200),
        f"No. {ref}-{rng.randint(10000, 99999)}",
        fill=(60, 60, 60),
        font=_font(22),
        anchor="mm",
    )
    for k in range(14):
        x1 = 110 + rng.randint(380, 580)
        d.rectangle([110, 280 + k * 36, x1, 292 + k * 36], fill=(165, 165, 160))
    d.ellipse([520, 820, 700, 1000], outline=(200, 30, 30), width=6)
    d.regular_polygon((610, 910, 34), 5, fill=(200, 30, 30))
    return im


def save_jpeg(im: Image.Image, path: Path, exif_orientation: int | None = None) -> None:
    kw = dict(quality=72, optimize=False, progressive=False, subsampling=2)
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kw["exif"] = exif.tobytes()
    im.save(path, "JPEG", **kw)


def save_png(im: Image.Image, path: Path, dpi: int | None = None) -> None:
    im = im.convert("P", palette=Image.Palette.ADAPTIVE, colors=64) if im.mode == "RGB" else im
    kw = dict(optimize=False, compress_level=9)
    if dpi:
        kw["dpi"] = (dpi, dpi)
    im.save(path, "PNG", **kw)


def write_attachment(kind: str, path: Path, ref: str, app: dict, opts: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    uscc = app["applicant"].get("uscc", "")
    if kind == "license":
        pdf_license(path, uscc, ref)
    elif kind == "audit":
        pdf_audit(path, ref, app["financials"], opts.get("pages", 3))
    elif kind == "cert_letter":
        pdf_cert_letter(path, ref, opts["number"])
    elif kind == "a3":
        pdf_a3_diagram(path, ref, opts["title"], opts["boxes"])
    elif kind == "rotated":
        pdf_rotated_certificate(path, ref, opts["number"])
    elif kind == "map_jpg":
        save_jpeg(img_network_map(ref, opts["title"], opts.get("points", 40)), path)
    elif kind == "dash_jpg":
        save_jpeg(img_dashboard(ref, opts["title"]), path)
    elif kind == "dash_png":
        save_png(img_dashboard(ref, opts["title"]), path)
    elif kind == "photo_jpg":
        save_jpeg(img_workshop(ref), path)
    elif kind == "photo_exif6":
        # Stored sideways (turned 90 degrees counter-clockwise) with EXIF Orientation 6, which
        # tells a viewer to turn it 90 degrees clockwise: displayed upright as 800 x 1100.
        upright = img_workshop(ref)
        save_jpeg(upright.transpose(Image.Transpose.ROTATE_90), path, exif_orientation=6)
    elif kind == "scan_gray_jpg":
        save_jpeg(img_scan_report(ref, opts["title"]), path)
    elif kind == "cert_png_300dpi":
        save_png(img_certificate(ref, opts["title"]), path, dpi=300)
    else:  # pragma: no cover
        raise ValueError(kind)


# ---------------------------------------------------------------------------------------------
# the long narrative (玉林, YL-E1): well over 15 A4 pages at 16 pt, built from varied templates
# ---------------------------------------------------------------------------------------------

YL_REGIONS = [
    # name, hub, provinces, typical users
    ("广西", "南宁", "广西全区14个设区市", "糖料蔗运输车辆、城市公交和中小型工程机械"),
    ("粤港澳", "佛山", "广东、香港、澳门", "港口牵引车、城市物流车和城市公交"),
    ("海南", "海口", "海南全省", "渔船、旅游客车和岛内物流车辆"),
    ("西南", "成都", "四川、重庆", "山区工程机械、重型卡车和内河船舶"),
    ("云贵", "昆明", "云南、贵州", "矿山设备、高原运输车辆和水电站备用电源"),
    ("华中", "武汉", "湖北、湖南、江西", "长江内河船舶、中型卡车和农业机械"),
    ("华东", "常州", "江苏、浙江、上海、安徽", "数据中心备用电源、港口机械和高端客车"),
    ("华北", "石家庄", "北京、天津、河北、山西", "干线物流重卡和煤炭运输车辆"),
    ("东北", "沈阳", "辽宁、吉林、黑龙江", "高寒地区客车、农机和工程机械"),
    ("西北", "西安", "陕西、甘肃、宁夏、青海", "矿山自卸车、长途客运和油气田设备"),
    ("新疆", "乌鲁木齐", "新疆全区", "油田动力设备、棉花机械和长途重卡"),
    ("黄淮", "济南", "山东、河南", "农业机械、城市物流车和港口牵引车"),
    ("福建", "厦门", "福建全省", "渔船、港口机械和城市公交"),
    (
        "东盟",
        "越南胡志明市",
        "越南、泰国、马来西亚、印度尼西亚等东盟国家",
        "出口整车配套发动机和发电机组",
    ),
]

YL_REGION_EXTRAS = [
    "中心针对区域内的气候和工况特点编制了专项保养规程，2020年平均到场时间缩短至{hours}小时。",
    "2020年中心完成服务工单{orders}单，一次修复率达到{fix}%。",
    "中心与当地主要主机厂的服务站建立联合服务机制，实现“车到哪里，服务跟到哪里”。",
    "中心配置移动服务车{cars}辆，对偏远地区用户实行预约上门服务，节假日不停服。",
    "中心备件库存品种{skus}种，常用件当日满足率达到{fill}%。",
    "中心每年组织用户技术交流会和驾驶员培训{train}场次，用户满意度保持在95分以上。",
    "在用户集中的园区和场站，中心设立了{stations}个驻点服务站，工程师与用户同班次作业。",
]

YL_CASES = [
    dict(
        cust="区内某城市公交集团",
        app="天然气公交车",
        unit="辆",
        units=1260,
        engine="YLN6天然气发动机",
        env="城市频繁启停",
        pain="车辆日均运营里程长，夏季高温时段故障多发，停驶直接影响线路发车间隔",
    ),
    dict(
        cust="华南某港口集团",
        app="集装箱牵引车",
        unit="辆",
        units=486,
        engine="YL8重型柴油机",
        env="港区低速重载",
        pain="港区作业24小时不间断，车辆一旦停机，整条作业线都要等待",
    ),
    dict(
        cust="西南某水泥集团",
        app="矿用自卸车",
        unit="辆",
        units=215,
        engine="YL8重型柴油机",
        env="山地矿区高粉尘",
        pain="矿区粉尘大、坡道长，发动机磨损快，大修周期比平原地区缩短近三分之一",
    ),
    dict(
        cust="西江某航运公司",
        app="内河货运船舶",
        unit="艘",
        units=138,
        engine="YLM船用主机",
        env="内河长时间满负荷",
        pain="船舶常年在航，停航维修的时间和地点都难以安排，配件常常要等船靠港才能送达",
    ),
    dict(
        cust="华东某数据中心运营商",
        app="备用发电机组",
        unit="台",
        units=96,
        engine="YLG发电用动力",
        env="长期备用、瞬时满载",
        pain="机组平时处于备用状态，一旦市电中断必须在15秒内带载，对可靠性要求极高",
    ),
    dict(
        cust="区内某糖业集团",
        app="甘蔗运输车",
        unit="辆",
        units=640,
        engine="YL4轻型柴油机",
        env="榨季集中、道路条件差",
        pain="榨季时间集中，车辆在田间土路上连续运转，故障一旦集中爆发就会影响进厂甘蔗的新鲜度",
    ),
    dict(
        cust="东北某客运集团",
        app="长途客车",
        unit="辆",
        units=322,
        engine="YL6中型柴油机",
        env="冬季零下30摄氏度",
        pain="冬季气温低，冷启动困难，早班车准点率一度只有九成左右",
    ),
    dict(
        cust="海南某渔业合作社",
        app="远洋渔船",
        unit="艘",
        units=74,
        engine="YLM船用主机",
        env="高盐雾、远离港口",
        pain="渔船出海时间长，海上发生故障很难得到支援，渔民自身的维修能力也比较有限",
    ),
    dict(
        cust="西北某煤业公司",
        app="煤炭运输重卡",
        unit="辆",
        units=410,
        engine="YL8重型柴油机",
        env="高原大温差",
        pain="运输线路海拔高、昼夜温差大，燃油消耗偏高，车辆年均非计划停驶超过20天",
    ),
    dict(
        cust="区内某环卫集团",
        app="天然气环卫车",
        unit="辆",
        units=380,
        engine="YLN6天然气发动机",
        env="城市低速作业",
        pain="环卫车辆集中在夜间和凌晨作业，维修服务必须避开作业时段，白天又要保证车辆随时可用",
    ),
    dict(
        cust="华中某工程机械租赁公司",
        app="挖掘机和装载机",
        unit="台",
        units=520,
        engine="YL6柴油机",
        env="多工地流动作业",
        pain="设备分散在几十个工地上，租赁公司难以及时掌握设备状态，超时使用和带病作业时有发生",
    ),
    dict(
        cust="西南某水电开发公司",
        app="应急发电机组",
        unit="台",
        units=64,
        engine="YLG发电用动力",
        env="高湿度山区",
        pain="电站地处偏远山区，机组长期备用，汛期一旦需要启用必须确保万无一失",
    ),
    dict(
        cust="粤西某冷链物流公司",
        app="冷藏车",
        unit="辆",
        units=290,
        engine="YL4轻型柴油机",
        env="高温长途冷链",
        pain="冷藏车对发动机可靠性要求高，途中一旦抛锚，整车生鲜货物都可能报废",
    ),
    dict(
        cust="东盟某工程承包商",
        app="工程机械和发电机组",
        unit="台",
        units=188,
        engine="YL6柴油机和YLG发电用动力",
        env="热带雨林高温高湿",
        pain="项目地处海外偏远地区，原厂服务和配件供应链条长，设备停机等待时间动辄一两周",
    ),
]

YL_CASE_INTRO = [
    "{cust}共有{app}{units}{unit}，全部配装公司{engine}。",
    "{cust}是公司的长期合作用户，目前在用配装{engine}的{app}{units}{unit}。",
    "自{since}年起，{cust}批量采购配装{engine}的{app}，保有量已达到{units}{unit}。",
]
YL_CASE_PAIN = [
    "用户面临的主要问题是：{pain}。",
    "合作之前，{pain}，这是困扰用户的主要难题。",
    "据用户测算，{pain}，每年由此造成的间接损失在数百万元以上。",
]
YL_CASE_MEASURES = [
    "加装“玉岭智联”终端，对全部{units}{unit}设备实行7×24小时远程监控和故障预警",
    "在用户场站设立驻点服务站，派驻服务工程师{n}名，常备易损件{k}种",
    "按运行里程（小时）计费，提供“全包式”维保服务，用户不再单独支付配件和工时费用",
    "依据油耗大数据对驾驶员（操作手）开展节油培训，累计培训{n2}人次",
    "对进入大修期的发动机实行“以旧换再”，再制造发动机价格约为新机的{p}%",
    "联合融资租赁公司提供“动力贷”，更新设备的首付比例降至{p2}%",
    "针对{env}工况优化标定参数和冷却系统，开发专用机型",
    "建立用户专属备件前置仓，关键备件保障率达到{p3}%",
    "每季度出具设备健康报告，提前安排预防性保养",
    "为用户培训内部维修技师{n3}名，并颁发公司技能等级证书",
    "开通服务热线专席和微信工单通道，承诺30分钟内响应",
    "提供排放升级改造方案，协助用户完成排放标准升级",
]
YL_CASE_PROCESS = [
    "项目启动后，公司先用{w}周时间对全部设备进行了一次“体检”，逐台建立健康档案，并与用户共同确定了关键考核指标。",
    "方案分两个阶段实施：第一阶段完成终端加装和数据接入，第二阶段根据运行数据优化保养周期和备件储备。",
    "为确保服务落地，公司与用户成立了联合工作组，每月召开一次运行分析会，问题清单逐项销号。",
    "实施过程中，公司根据前{w}周的运行数据对保养周期进行了动态调整，把“定期保养”改为“按需保养”。",
]
YL_SERIES_SERVICE = [
    (
        "轻型柴油机",
        "个体用户和小微车队",
        "用得起、修得快",
        "“轻享保”",
        "首保免费、三年或20万公里延保、全国网点通用工时价",
    ),
    (
        "中重型柴油机",
        "物流车队和工程公司",
        "出勤率和油耗",
        "“畅行保”",
        "远程监控、预测性维护、油耗对标分析和救援4小时到场承诺",
    ),
    (
        "天然气发动机",
        "公交和环卫等公共服务单位",
        "安全和运营连续性",
        "“安行保”",
        "燃气系统专项检测、驻点服务和整车厂联合质保",
    ),
    (
        "船用动力",
        "航运公司和个体船东",
        "航行中不停机",
        "“安航保”",
        "沿江沿海码头服务站、靠港即修和备件随船包",
    ),
    (
        "发电用动力",
        "数据中心、医院和通信运营商",
        "关键时刻可靠启动",
        "“常备保”",
        "月度带载试验、7×24小时值守和30分钟应急响应",
    ),
    (
        "混合动力与电驱系统",
        "新能源客车和物流车用户",
        "电池和电驱系统的健康状况",
        "“绿动保”",
        "电池健康评估、电驱系统远程诊断和电池梯次利用回收",
    ),
]
YL_CASE_RESULT = [
    "方案实施一年来，设备平均故障间隔时间提高{a}%，单台（辆）年维修费用下降{b}%，累计为用户节约运营成本{c}万元。",
    "项目运行{m}个月后，设备可用率由{u1}%提高到{u2}%，非计划停机时间减少{b}%，用户当年节约燃料和维修费用合计{c}万元。",
    "据用户统计，合作后百公里（每小时）燃料消耗下降{f}%，设备可用率达到{u2}%，年节约费用{c}万元。",
]
YL_CASE_QUOTE = [
    "用户评价说：“以前是坏了再修，现在是没坏先防，心里踏实多了。”",
    "该用户已将合作范围扩大到新购设备，并推荐同行业{k2}家企业与公司签订服务协议。",
    "这一做法被用户所在行业协会作为典型经验推广。",
    "用户在续签合同时主动将服务期限由1年延长到3年。",
    "",
]

CN_DIGITS = "一二三四五六七八九"


def cn_num(n: int) -> str:
    """1..99 in Chinese numerals: 1 -> 一, 10 -> 十, 14 -> 十四, 21 -> 二十一."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens - 1] + "十")
    return head + (CN_DIGITS[ones - 1] if ones else "")


def yl_long_sections(x: dict) -> list[tuple[str, str]]:
    """Sections of YL-E1. ``x`` holds the formatted financial figures of the application."""
    rng = random.Random("YL-E1 narrative")

    s1 = paras(
        "公司前身为始建于1958年的玉林专区农业机械修配厂，2001年完成股份制改造，2010年在深圳证券交易所"
        "上市，是自治区重点培育的内燃机及动力总成制造企业，也是国家高新技术企业、国家级企业技术中心所在"
        f"单位。公司总部位于玉林市玉州区，在玉林、南宁、柳州和江苏常州设有4个生产基地，占地面积186万平方米，"
        f"现有员工{x['emp2020']}人，其中研发和技术人员1,126人，持证服务工程师1,380人。",
        "公司主要从事车用、工程机械用、船用和发电用内燃机及其零部件的研发、制造、销售和服务，具备年产"
        "柴油机、天然气发动机30万台的能力，产品覆盖轻、中、重型全系列，功率范围从50千瓦到1,800千瓦。"
        "2020年公司各系列产品销售情况如下：",
        table(
            ["产品系列", "功率范围（kW）", "主要配套领域", "2020年销量（台）"],
            [
                ["轻型柴油机YL2/YL4系列", "60–150", "轻型卡车、皮卡、小型工程机械", "86,420"],
                ["中重型柴油机YL6/YL8系列", "180–430", "重型卡车、客车、大中型工程机械", "52,310"],
                ["天然气发动机YLN系列", "120–330", "城市公交、环卫车、港口牵引车", "9,870"],
                ["船用动力YLM系列", "90–1,200", "内河及沿海船舶、渔船", "3,460"],
                ["发电用动力YLG系列", "50–1,800", "数据中心、医院、通信基站备用电源", "7,150"],
                ["混合动力与电驱系统YLH系列", "80–250", "新能源客车、物流车", "1,280"],
            ],
        ),
        "公司坚持自主创新，建有国家级企业技术中心、博士后科研工作站和自治区内燃机工程技术研究中心，"
        "近三年研发投入年均占营业收入的4%以上，累计拥有有效专利1,046件，其中发明专利168件，主持或参与制定"
        "国家和行业标准27项。公司通过了IATF 16949质量管理体系、ISO 14001环境管理体系和ISO 45001职业健康安全"
        "管理体系认证，产品先后获得自治区主席质量奖、中国机械工业科学技术奖等荣誉。",
        "公司发展服务型制造的主要历程如下：",
        bullets(
            "2012年，成为国家再制造试点单位，建成第一条发动机再制造生产线；",
            "2014年，在全国建立区域备件中心库，实现常用备件48小时送达；",
            "2015年，在发展规划中提出由“卖产品”向“卖产品+卖服务”转变；",
            "2016年，“玉岭智联”平台一期上线，开始为新出厂发动机标配智能终端；",
            "2017年，与银行和融资租赁公司合作推出“动力贷”；",
            "2018年，组建玉岭动力服务有限公司，服务业务实行独立核算；",
            "2019年，平台接入发动机突破30万台，推出预测性维护服务；",
            "2020年，推出6类标准化服务包，在越南设立首个海外区域服务中心。",
        ),
        "公司积极履行社会责任，连续多年开展“送服务下乡”活动，为边远地区农机和渔船用户提供免费检修；"
        "在抗击新冠肺炎疫情期间，公司为医院和方舱医院的备用发电机组提供24小时值守服务，为运送防疫物资的"
        "车辆开通免费救援绿色通道。",
        "在市场方面，公司与国内40多家主流整车和主机企业建立了长期配套关系，产品出口到东南亚、中东、非洲和"
        "南美洲的60多个国家和地区。截至2020年底，公司发动机社会保有量超过260万台，庞大的在用产品规模既是"
        "公司发展服务业务的基础，也对服务的及时性、专业性和覆盖面提出了更高要求。",
        f"近三年，公司营业收入由2018年的{x['op2018']}万元增长到2020年的{x['op2020']}万元；服务收入由"
        f"{x['sr2018']}万元增长到{x['sr2020']}万元，占营业收入的比重由{x['share2018']}%提高到"
        f"{x['share2020']}%，服务已成为公司新的增长点。主要经营数据如下：",
        x["fin_table"],
    )

    # (三) service network: a table plus one templated paragraph per region
    region_rows, region_paras = [], []
    # the regions' service points add up to the 2,860 stations reported in 主要成效
    weights = [420, 310, 90, 260, 210, 280, 330, 250, 150, 170, 80, 230, 110, 60]
    points = [2860 * w // sum(weights) for w in weights]
    points[0] += 2860 - sum(points)
    totals = [0, 0, 0]
    for (name, hub, provinces, users), n in zip(YL_REGIONS, points, strict=True):
        eng = n * rng.randint(2, 4) + rng.randint(0, 9)
        area = rng.randint(12, 60) * 100
        hours = f"{D(rng.randint(25, 80)) / 10:.1f}"
        orders = n * rng.randint(90, 150) + rng.randint(0, 99)
        totals = [totals[0] + n, totals[1] + eng, totals[2] + orders]
        region_rows.append([name, hub, f"{n:,}", f"{eng:,}", f"{area:,}", hours, f"{orders:,}"])
        vals = dict(
            hours=hours,
            orders=f"{orders:,}",
            fix=f"{D(rng.randint(925, 985)) / 10:.1f}",
            cars=rng.randint(6, 30),
            skus=f"{rng.randint(18, 60) * 100:,}",
            fill=f"{D(rng.randint(900, 980)) / 10:.1f}",
            train=rng.randint(12, 60),
            stations=rng.randint(3, 15),
        )
        extras = rng.sample(YL_REGION_EXTRAS, 3)
        lead = rng.choice(
            [
                f"**{name}区域**：区域服务中心设在{hub}，覆盖{provinces}，下设服务网点{n:,}个、服务工程师{eng:,}名，"
                f"备件中心库面积{area:,}平方米。该区域用户以{users}为主。",
                f"**{name}区域**：覆盖{provinces}，以{hub}为中心布局服务网点{n:,}个，配备服务工程师{eng:,}名。"
                f"区域内的主要用户是{users}。",
                f"**{name}区域**：区域中心位于{hub}，服务范围为{provinces}。针对{users}较为集中的特点，"
                f"公司在区域内设立服务网点{n:,}个，配备服务工程师{eng:,}名。",
            ]
        )
        region_paras.append(lead + "".join(e.format(**vals) for e in extras))
    region_rows.append(
        ["合计", "—", f"{totals[0]:,}", f"{totals[1]:,}", "—", "—", f"{totals[2]:,}"]
    )
    region_table = table(
        [
            "区域",
            "区域中心",
            "服务网点（个）",
            "服务工程师（名）",
            "备件库面积（㎡）",
            "平均到场时间（小时）",
            "2020年服务工单（单）",
        ],
        region_rows,
    )

    # (八) service packages per product series
    series_paras = []
    for series, users, concern, package, items in YL_SERIES_SERVICE:
        n = rng.randint(30, 900) * 10
        renew = f"{D(rng.randint(780, 940)) / 10:.1f}"
        series_paras.append(
            rng.choice(
                [
                    f"**{series}**：用户以{users}为主，最关心的是{concern}。公司为此推出{package}服务包，包含"
                    f"{items}等内容。2020年该服务包签约设备{n:,}台，续约率{renew}%。",
                    f"**{series}**：针对{users}重视{concern}的特点，公司设计了{package}服务包，提供{items}。"
                    f"截至2020年底，签约设备{n:,}台，到期续约率达到{renew}%。",
                ]
            )
        )

    # (九) typical cases
    case_blocks = []
    for i, cs in enumerate(YL_CASES):
        units = cs["units"]
        v = dict(
            cs,
            units=f"{units:,}",
            since=rng.choice([2013, 2014, 2015, 2016, 2017]),
            n=rng.randint(2, 12),
            k=rng.randint(60, 300),
            n2=f"{rng.randint(3, 40) * 50:,}",
            p=rng.randint(55, 70),
            p2=rng.randint(10, 25),
            p3=f"{D(rng.randint(950, 995)) / 10:.1f}",
            n3=rng.randint(8, 60),
            k2=rng.randint(3, 12),
        )
        measures = rng.sample(YL_CASE_MEASURES, 4)
        # case 4 shows a thousands-separated amount with a trailing zero in the text
        c_amount = D("1234.50") if i == 3 else q2(D(units) * D(rng.randint(4000, 30000)) / D(10000))
        r = dict(
            a=rng.randint(18, 65),
            b=rng.randint(12, 40),
            c=fmt(c_amount),
            m=rng.randint(8, 18),
            u1=f"{D(rng.randint(820, 900)) / 10:.1f}",
            u2=f"{D(rng.randint(950, 992)) / 10:.1f}",
            f=f"{D(rng.randint(35, 95)) / 10:.1f}",
        )
        body = paras(
            f"**案例{cn_num(i + 1)}：{cs['cust']}{cs['app']}全生命周期服务**",
            rng.choice(YL_CASE_INTRO).format(**v)
            + rng.choice(YL_CASE_PAIN).format(**v)
            + "公司为其量身制定了服务方案：",
            bullets(*[m.format(**v) + ("；" if j < 3 else "。") for j, m in enumerate(measures)]),
            rng.choice(YL_CASE_PROCESS).format(w=rng.randint(2, 6)),
            (
                rng.choice(YL_CASE_RESULT).format(**r) + rng.choice(YL_CASE_QUOTE).format(**v)
            ).strip(),
        )
        case_blocks.append(body)

    s2 = paras(
        "### （一）把服务型制造作为公司转型的核心战略",
        "2015年，公司在“十三五”发展规划中明确提出由“卖产品”向“卖产品+卖服务”转变，把服务收入占比作为"
        "衡量转型成效的核心指标。2018年，公司将原售后服务部、配件公司和再制造中心整合，组建全资子公司"
        "“玉岭动力服务有限公司”，统一负责服务网络建设、配件供应、再制造和数字化服务业务，实行独立核算、"
        "自负盈亏。公司董事会设立服务转型专项委员会，每季度听取服务业务汇报，研究解决跨部门协同问题。",
        "为保障战略落地，公司建立了三项机制：",
        bullets(
            "**考核机制**：服务收入、服务毛利和客户满意度纳入各事业部和经营层年度考核，权重不低于20%；",
            "**投入机制**：每年从营业收入中提取不低于1%的资金用于服务能力建设，重点投向数字化平台和服务网点；",
            "**协同机制**：研发、制造、销售和服务四个环节共享同一套产品数据，服务中发现的问题在48小时内反馈到设计和制造环节。",
        ),
        "### （二）建设发动机全生命周期数字化平台",
        "公司自2016年起自主开发“玉岭智联”发动机全生命周期管理平台，平台由车载智能终端、数据中台和面向"
        "用户、服务站、主机厂的三类应用组成。车载终端每30秒采集一次转速、扭矩、油耗、水温、机油压力、"
        "排放和位置等120余项数据，通过4G网络实时上传；数据中台累计存储发动机运行数据超过3.6PB，建立了"
        "覆盖设计、制造、销售、使用、维修、再制造各阶段的“一机一档”。",
        "平台目前提供以下主要功能：",
        bullets(
            "远程监控：用户可在手机端查看设备位置、工况和油耗，车队管理者可按线路、班组进行对比分析；",
            "故障预警：基于历史故障数据训练的23类故障预测模型，可提前3至15天发出预警，准确率达到87.6%；",
            "主动服务：平台根据运行小时和工况自动生成保养提醒和服务工单，派单到距离最近的服务站；",
            "配件电商：用户可在线查询适配配件、比价下单，配件由最近的中心库或前置仓配送；",
            "质量追溯：每台发动机的关键零部件批次、装配参数和出厂试验数据可全程追溯；",
            "能效分析：对比同类设备的油耗水平，给出驾驶行为改进和车辆配置优化建议。",
        ),
        "截至2020年底，平台接入发动机41.6万台，注册用户28.3万个，接入服务站2,860家。平台通过国家信息安全"
        "等级保护三级测评，用户数据实行分级授权管理，未经用户同意不向第三方提供。",
        "平台数据还反哺研发和制造。公司建立了“使用数据—质量问题—设计改进”的闭环机制，2018年以来依据"
        "平台数据完成设计改进312项，主要机型的早期故障率下降了46%；根据用户实际工况数据优化标定参数，"
        "使主力机型的燃油消耗平均降低3.5%。平台积累的工况数据库已成为开发新机型的重要依据，新机型开发"
        "所需的道路试验里程减少了约30%。",
        "### （三）构建覆盖国内外的服务网络",
        "公司按照“区域中心—服务网点—驻点服务站—移动服务车”四级架构建设服务网络，在国内外设立14个区域"
        "服务中心，形成了“城市4小时、县域8小时、偏远地区24小时”到场的服务能力。服务网点以授权服务站为主，"
        "服务工程师包括公司自有的1,380名持证服务工程师和授权服务站的技术人员。各区域服务能力情况如下：",
        region_table,
        *region_paras,
        "### （四）发展再制造和绿色循环服务",
        "公司于2012年成为国家第二批再制造试点单位，建成年再制造发动机1.2万台、核心零部件8万件的生产能力。"
        "再制造发动机采用激光熔覆、纳米电刷镀等表面修复技术，性能和质量不低于新品，享受与新机相同的质保"
        "政策，价格约为新机的55%至70%，能源消耗和原材料消耗分别比制造新机减少约60%和70%。",
        "公司推行“以旧换再”服务模式，用户将达到大修期的旧机交回服务站，补差价即可换购再制造发动机，"
        "旧机回收、检测、拆解、清洗、再制造和质检全过程在平台上可查询。2020年，公司销售再制造发动机"
        "8,640台，回收利用废旧零部件约1.1万吨，减少二氧化碳排放约3.9万吨。",
        "### （五）开展生产性金融服务",
        "针对物流运输、工程施工等中小用户融资难的问题，公司与5家银行和2家融资租赁公司合作，推出“动力贷”、"
        "“以租代售”和“再制造分期”等金融服务产品，依托平台掌握的设备运行数据为用户提供信用评估，"
        "降低了金融机构的风险识别成本。2020年，通过公司平台促成的设备融资额达到18.7亿元，服务中小用户"
        "4,300余户，不良率控制在0.9%以内。",
        "为控制风险，公司在用户授权的前提下，与合作金融机构共享融资设备的位置、开工时长和运行状态"
        "数据，金融机构据此开展贷后管理；对出现逾期的设备，公司协助开展设备评估和二手设备处置，"
        "处置回收率比行业平均水平高出约15个百分点。",
        "### （六）开展面向细分市场的定制化开发",
        "公司建立“用户需求—联合定义—快速开发—跟踪验证”的定制化开发流程，针对港口、矿山、高原、"
        "高寒、内河、海洋渔业等特殊工况开发专用机型62个。定制化项目由研发、服务和销售人员组成联合团队，"
        "直接进驻用户现场采集工况数据，开发周期由过去的18个月缩短到9个月左右。2020年定制化产品销量占公司"
        "总销量的23.5%，毛利率比通用产品高出约4个百分点。",
        "### （七）培养复合型服务人才队伍",
        "公司设立“玉岭服务学院”，与区内6所职业院校开展订单式培养，建立了服务工程师初级、中级、高级、"
        "技师、高级技师五级技能等级体系。学院每年培训公司和服务站技术人员5,000人次以上，并面向用户开展"
        "驾驶员节油、设备日常维护等公益培训。目前公司持证服务工程师1,380人，其中高级技师以上86人，"
        "自治区级技能大师工作室2个。",
        "公司还将服务人员的职业发展与技能等级挂钩，高级技师可以享受与高级工程师相当的待遇；每年举办"
        "服务技能大赛，获奖选手优先推荐参加自治区和全国职业技能竞赛。近三年，服务人员流失率由12.4%"
        "下降到6.8%，一线服务队伍保持稳定。",
        "### （八）建立分产品系列的服务标准",
        "不同产品系列的用户需求差别很大。公司按产品系列和用户类型制定了6类标准化服务包，服务内容、"
        "响应时限和收费标准对用户公开，服务站按统一标准执行：",
        *series_paras,
        "服务包的签约、履约和续约情况全部在平台上管理，服务站的履约质量与其返利和授权等级挂钩。",
        "### （九）加强服务质量管理",
        "公司把服务当作产品来管理，参照制造质量管理的方法建立了服务质量管理体系。服务站实行星级评定，"
        "每年复评一次，评定结果与授权范围、配件价格政策挂钩；服务工单全部在平台上流转，从接单、派工、"
        "到场、维修到回访，每个环节都有时限要求，超时自动升级到区域服务中心督办。",
        "公司还建立了服务“神秘顾客”暗访制度和重大服务问题“双归零”机制：对用户投诉和重复维修的问题，"
        "既要查明技术原因并改进设计或工艺，也要查明管理原因并完善服务流程。2020年，用户投诉处理及时率"
        "达到99.2%，重复维修率由2018年的4.6%下降到2.1%。",
        "### （十）典型案例",
        f"以下选取近三年公司为不同行业用户提供全生命周期服务的{len(YL_CASES)}个案例：",
        *case_blocks,
    )

    s3 = paras(
        "经过几年的实践，公司服务型制造转型取得了明显成效，服务业务已从单纯的售后维修，发展为涵盖数字化"
        "服务、再制造、金融服务和定制化开发的综合服务体系。主要指标变化情况如下：",
        table(
            ["指标", "2018年", "2019年", "2020年"],
            [
                ["服务收入（万元）", x["sr2018"], x["sr2019"], x["sr2020"]],
                ["服务收入占营业收入比重（%）", x["share2018"], x["share2019"], x["share2020"]],
                ["平台接入发动机（万台）", "24.8", "32.5", "41.6"],
                ["服务网点（个）", "2,210", "2,540", "2,860"],
                ["平均到场时间（小时）", "6.8", "5.9", "4.6"],
                ["一次修复率（%）", "91.3", "93.8", "95.7"],
                ["再制造发动机销量（台）", "5,120", "6,930", "8,640"],
                ["平台促成设备融资额（亿元）", "9.6", "13.2", "18.7"],
                ["客户满意度（分）", "90.4", "92.6", "95.1"],
                ["发动机平均无故障工作时间（小时）", "1,850", "2,120", "2,460"],
            ],
        ),
        "### （一）经济效益",
        f"2020年公司服务收入达到{x['sr2020']}万元，比2018年增长{x['sr_growth']}%，高于同期营业收入"
        f"{x['op_growth']}%的增幅；服务业务毛利率达到31.8%，比产品制造业务高出约12个百分点，成为公司利润"
        "的重要来源。在发动机市场竞争加剧、原材料价格上涨的情况下，服务业务有效平抑了产品价格波动对公司"
        "经营的影响，增强了公司发展的稳定性。",
        "### （二）用户效益",
        "通过预测性维护和主动服务，用户设备的非计划停机时间平均减少35%以上，单台设备年维修费用平均下降"
        "约18%，百公里油耗平均下降4.2%。按全国平台接入设备测算，2020年为用户节约燃料和维修费用超过"
        "16亿元。用户对公司的评价由“发动机质量好”逐步转变为“发动机好用、服务放心”，老用户重复购买率由"
        "2018年的61%提高到2020年的72%。",
        "### （三）产业带动效益",
        "公司将平台能力向本地配套企业开放，带动玉林及周边地区126家配套企业接入质量追溯和需求预测系统，"
        "配套企业平均库存下降20%以上。公司服务网络中的2,860家服务站有近六成为中小企业，直接带动就业"
        "约2.3万人。公司牵头组建的内燃机产业服务联盟吸纳了上下游企业和科研机构58家，推动玉林内燃机产业"
        "由单一制造向“制造+服务”集群转变。",
        "### （四）社会效益",
        "再制造业务每年节约钢材约1万吨，减少二氧化碳排放约3.9万吨；平台的节油分析服务帮助用户年均节约"
        "柴油约7.8万吨。公司参与起草了《内燃机再制造 通用技术要求》等5项标准，多次在全国服务型制造经验"
        "交流会上作典型发言，为区内制造企业服务化转型提供了可借鉴的经验。",
        "### （五）用户评价",
        "公司每年委托第三方机构开展用户满意度调查，2020年共回收有效问卷12,460份，各项服务评价如下：",
        table(
            ["评价项目", "2018年（分）", "2020年（分）", "变化"],
            [
                ["服务响应速度", "86.2", "94.8", "+8.6"],
                ["维修质量", "89.5", "95.3", "+5.8"],
                ["备件供应", "84.7", "93.6", "+8.9"],
                ["服务收费透明度", "82.1", "92.4", "+10.3"],
                ["数字化服务体验", "—", "91.7", "新增"],
                ["服务人员专业水平", "90.3", "96.2", "+5.9"],
            ],
        ),
        "调查显示，用户对服务的评价明显提高，其中“服务收费透明度”提升最多，这主要得益于标准化服务包"
        "和平台在线报价的推行。用户提出的意见主要集中在偏远地区到场时间偏长和新能源产品服务网点偏少，"
        "公司已将其列入下一步重点改进事项。",
        "### （六）存在的不足",
        "对照国内外先进企业，公司服务型制造转型仍存在一些不足：一是服务收入中传统维修和配件销售的比重"
        "仍然偏高，数据服务、金融服务等高附加值服务的比重有待提高；二是海外服务网络起步较晚，覆盖面和"
        "响应速度与国内相比还有较大差距；三是既懂产品技术又懂数据分析和商业模式的复合型人才仍然不足。"
        "这些问题将在“十四五”期间重点加以解决。",
        "### （七）获得的主要荣誉",
        bullets(
            "2018年，入选工业和信息化部工业互联网试点示范项目；",
            "2019年，获评自治区服务型制造示范企业；",
            "2019年，“玉岭智联”平台入选自治区工业互联网平台；",
            "2020年，获评国家级绿色工厂、自治区两化融合管理体系贯标示范企业。",
        ),
    )

    plan_years = [
        ("2021年", "完成“玉岭智联”2.0平台架构设计，新增县级服务网点150个，启动再制造产业园建设"),
        ("2022年", "平台接入发动机突破60万台，主要机型上线寿命预测功能，东盟区域服务中心增加到4个"),
        ("2023年", "再制造产业园一期投产，再制造范围扩展到变速箱，服务收入占比达到40%左右"),
        ("2024年", "建成覆盖全国县域的服务网络，混合动力和燃料电池系统服务能力全面形成"),
        (
            "2025年",
            "服务收入占比达到45%以上，平台向区内中小制造企业全面开放，形成可复制推广的服务型制造模式",
        ),
    ]
    s4 = paras(
        "“十四五”期间，公司将继续坚持“产品+服务”双轮驱动，力争到2025年服务收入占营业收入的比重达到"
        "45%以上，平台接入发动机超过100万台，再制造发动机年销量突破2万台，把公司建设成为国内领先的动力"
        "系统全生命周期服务提供商。重点做好以下工作：",
        bullets(
            "**平台升级**：建设“玉岭智联”2.0，引入数字孪生技术，实现主要机型的寿命预测和剩余价值评估；",
            "**网络下沉**：新增县级服务网点600个，实现全国县域服务全覆盖，海外服务中心增加到8个；",
            "**再制造扩能**：在玉林建设年产3万台的再制造产业园，将再制造范围扩展到变速箱、电驱系统；",
            "**新能源服务**：围绕混合动力和燃料电池系统，建立电池健康管理和梯次利用服务能力；",
            "**生态开放**：面向区内中小制造企业开放平台的设备管理和配件供应链能力，培育一批服务型制造企业。",
        ),
        "分年度实施安排如下：",
        bullets(
            *[
                f"**{y}**：{t}；" if k < len(plan_years) - 1 else f"**{y}**：{t}。"
                for k, (y, t) in enumerate(plan_years)
            ]
        ),
        "为保障上述目标实现，公司将进一步加大服务能力建设投入，“十四五”期间计划累计投入18亿元；完善"
        "服务业务的激励约束机制，探索服务子公司引入战略投资者；加强与高校、科研院所合作，培养数据分析、"
        "再制造和金融服务等复合型人才。我们也希望得到自治区和玉林市在再制造产品推广、数据中心建设和服务"
        "人才培养等方面的进一步支持。",
    )
    return [
        ("企业基本情况", s1),
        ("发展服务型制造的主要做法", s2),
        ("主要成效", s3),
        ("下一步工作计划", s4),
    ]


# ---------------------------------------------------------------------------------------------
# declarative specs
# ---------------------------------------------------------------------------------------------


def A(
    name, address, postcode, legal, established, capital, ownership, industry, contact, stock=None
):
    """An applicant. ``contact`` = (name, title, phone, mobile, email)."""
    return dict(
        name=name,
        address=address,
        postcode=postcode,
        legal=legal,
        established=established,
        capital=capital,
        ownership=ownership,
        industry=industry,
        contact=contact,
        stock=stock,
    )


def F(op, share, emp, margin=6.0, rd=3.5, tax=3.0, first_year=None):
    """Financial rows: operating revenue per year, service share (%) per year, employees."""
    n = len(op)
    first = first_year or (2021 - n)
    return dict(
        years=list(range(first, first + n)),
        op=op,
        share=share,
        emp=emp,
        margin=margin,
        rd=rd,
        tax=tax,
    )


LIC = ("营业执照（副本）复印件", "license.pdf", "license", {})


def AUDIT(pages):
    return ("2020年度财务审计报告（节选）", "audit-2020.pdf", "audit", {"pages": pages})


def E(id, mode, applicant, fin, sections, att=()):
    return dict(
        id=id,
        category="enterprise",
        mode=mode,
        a=applicant,
        fin=fin,
        sections=sections,
        att=list(att),
    )


def P(id, subtype, mode, title, applicant, launched, users, orders, fin, sections, att=()):
    return dict(
        id=id,
        category="platform",
        subtype=subtype,
        mode=mode,
        title=title,
        a=applicant,
        launched=launched,
        users=users,
        orders=orders,
        fin=fin,
        sections=sections,
        att=list(att),
    )


def J(id, title, applicant, fin, sections, att=()):
    return dict(
        id=id,
        category="project",
        mode="共享制造",
        title=title,
        a=applicant,
        fin=fin,
        sections=sections,
        att=list(att),
    )


def C(id, subtype, sections, att=(), ind=None):
    """A city application; ``ind``: its indicators (rules.toml [categories.city.subtypes.X.form])."""
    return dict(id=id, category="city", subtype=subtype, sections=sections, att=list(att), ind=ind)


def CITY(
    code, name, abbr, submitted, contact, apps, extra=False, gov_address=None, gov_postcode=None
):
    return dict(
        code=code,
        name=name,
        abbr=abbr,
        submitted=submitted,
        contact=contact,
        apps=apps,
        extra=extra,
        gov_address=gov_address,
        gov_postcode=gov_postcode,
    )


H_ENT = ("企业基本情况", "发展服务型制造的主要做法", "主要成效", "下一步工作计划")
H_SHARED = ("平台基本情况", "共享制造模式与做法", "主要成效", "下一步工作计划")
H_PLAT = ("平台基本情况", "平台服务模式与做法", "主要成效", "下一步工作计划")
H_PROJ = ("项目概况", "主要做法", "主要成效", "下一步工作计划")
H_CITY = ("城市服务型制造发展基本情况", "主要举措", "主要成效", "下一步工作计划")
# The 工业设计特色类 city's narrative: the headings its form asks for (rules.toml).
H_DESIGN = (
    "城市工业设计发展基本情况",
    "工业设计主要举措",
    "工业设计赋能制造业高质量发展成效",
    "下一步工作计划",
)


def S(headings, *texts):
    assert len(headings) == len(texts) == 4
    return list(zip(headings, texts, strict=True))


# ---------------------------------------------------------------------------------------------
# the cities
# ---------------------------------------------------------------------------------------------

CITIES = []

# ===== 南宁 450100: the extra-quota city (3 platforms of the 其他类), 8 applications ==========
CITIES.append(
    CITY(
        "450100",
        "南宁市",
        "NN",
        "2021-05-10",
        (
            "黄秋燕",
            "生产性服务业科科长",
            "0771-5591236",
            "13807718826",
            "nn_huangqy",
            "0771-5591237",
            "scxfwk@nngxj.example.cn",
        ),
        extra=True,
        gov_address="广西壮族自治区南宁市青秀区东葛路98号",
        gov_postcode="530028",
        apps=[
            E(
                "NN-E1",
                "定制化服务",
                A(
                    "南宁邕芯智能电子有限公司",
                    "广西壮族自治区南宁市西乡塘区科园大道68号",
                    "530007",
                    "陆海波",
                    "2009-06-18",
                    30000,
                    "民营",
                    "计算机、通信和其他电子设备制造业",
                    (
                        "覃堃",
                        "市场总监",
                        "0771-3216688",
                        "13977116688",
                        "qinkun@yongxin.example.cn",
                    ),
                ),
                F(
                    (98200, 112400, 128600),
                    ("26.80", "30.55", "34.10"),
                    (1420, 1560, 1710),
                    margin=5.2,
                    rd=6.1,
                    tax=2.6,
                ),
                S(
                    H_ENT,
                    paras(
                        "公司成立于2009年，是专业从事智能终端主板、工业控制模组和物联网通信模块研发制造的国家高新"
                        "技术企业，现有员工{emp2020}人，拥有SMT贴片生产线28条，年产各类电子组件1,800万套。公司产品"
                        "配套国内外120多家品牌客户，广泛应用于智能家电、电力仪表、车载终端和工业自动化等领域。",
                        "2020年，公司实现营业收入{op2020}万元，其中研发设计、测试验证、供应链托管等服务收入"
                        "{sr2020}万元，占营业收入的比重为{share2020}%。",
                    ),
                    paras(
                        "### （一）从代工制造转向联合设计制造（JDM）",
                        "公司组建了320人的研发设计团队，设立硬件设计、嵌入式软件、结构设计和可靠性测试4个中心，"
                        "客户只需提出功能和成本要求，公司即可提供从方案设计、样机制作、认证测试到批量交付的"
                        "**一站式定制服务**。2020年完成定制化设计项目146个，其中为客户独立完成设计的项目占61%。",
                        "### （二）建设柔性化生产体系",
                        bullets(
                            "推行“小批量、多品种”的柔性排产，最小起订量由5,000套降至300套；",
                            "建设数字化车间，贴片、插件、测试全过程数据自动采集，产品质量可追溯到每一块电路板；",
                            "设立快速打样线，样机交付时间由7天缩短到72小时。",
                        ),
                        "### （三）提供供应链托管服务",
                        "依托年采购额超过6亿元的元器件集中采购优势，为中小客户提供元器件选型替代、集中备料和库存托管"
                        "服务，帮助客户应对芯片供应紧张的局面。",
                    ),
                    paras(
                        "{fin_table}",
                        "定制化项目平均交付周期由45天缩短到28天，客户新品上市时间平均提前两个月；2020年新增JDM客户"
                        "23家，服务收入占比达到{share2020}%，比2018年提高{share_delta}个百分点。",
                    ),
                    paras(
                        bullets(
                            "建设面向东盟市场的电子产品联合设计中心，2022年前新增设计工程师100名；",
                            "上线客户协同设计平台，实现需求、设计、试产数据在线共享；",
                            "将供应链托管服务扩展到南宁高新区的中小电子企业。",
                        )
                    ),
                ),
                att=[LIC, AUDIT(4)],
            ),
            E(
                "NN-E2",
                "供应链管理",
                A(
                    "南宁邕江铝业科技股份有限公司",
                    "广西壮族自治区南宁市江南区明阳工业区明阳大道16号",
                    "530031",
                    "梁国栋",
                    "2003-03-12",
                    52000,
                    "国有控股",
                    "有色金属冶炼和压延加工业",
                    (
                        "甘晓琳",
                        "供应链管理部经理",
                        "0771-4856612",
                        "13607714425",
                        "ganxl@yjal.example.cn",
                    ),
                    stock="002000",
                ),
                F(
                    (206000, 221500, 243800),
                    ("29.40", "31.90", "33.25"),
                    (2150, 2210, 2260),
                    margin=3.8,
                    rd=3.2,
                    tax=2.4,
                ),
                S(
                    H_ENT,
                    "公司是以铝板带箔和工业铝型材为主业的铝加工企业，年加工能力42万吨，产品主要供应电子电器、"
                    "汽车轻量化、包装和建筑幕墙等行业。",
                    paras(
                        "公司依托南宁—百色铝产业带，搭建“铝材集采+加工配送+库存托管”的供应链服务体系：",
                        bullets(
                            "与上游电解铝企业签订长协，为下游200余家中小加工企业提供铝锭集中采购服务，平均采购成本降低约1.5%；",
                            "在南宁、柳州、玉林设立3个加工配送中心，按客户图纸开展剪切、分条、开平等加工，实现准时化配送；",
                            "为重点客户提供VMI库存托管，客户原材料库存周转天数由21天降至9天；",
                            "联合金融机构开展仓单质押融资，2020年累计融资6.8亿元。",
                        ),
                    ),
                    "2020年供应链服务收入{sr2020}万元，占营业收入的{share2020}%。",
                    "建设铝产业供应链数字化平台，推动与百色、来宾铝产业园区的信息互通。",
                ),
                att=[LIC],
            ),
            P(
                "NN-P1",
                "shared",
                "共享制造",
                "南宁电子信息产业共享制造平台",
                A(
                    "南宁智汇云造科技有限公司",
                    "广西壮族自治区南宁市良庆区五象大道401号",
                    "530200",
                    "蒙振华",
                    "2016-03-22",
                    5000,
                    "民营",
                    "软件和信息技术服务业",
                    (
                        "韦嘉怡",
                        "平台运营总监",
                        "0771-5713320",
                        "18977163320",
                        "weijy@zhyz.example.cn",
                    ),
                ),
                "2018-06-15",
                2350,
                12680,
                F(
                    (2860, 4720, 7350),
                    ("88.50", "90.20", "91.60"),
                    (46, 72, 95),
                    margin=7,
                    rd=12,
                    tax=3,
                ),
                S(
                    H_SHARED,
                    paras(
                        "平台于{launched}正式上线运营，由南宁智汇云造科技有限公司建设运营，聚合南宁及周边地区电子"
                        "信息产业的SMT贴片、注塑、钣金、组装和测试等制造资源。截至2020年底，平台注册用户{users}个，"
                        "入驻工厂186家，在线共享设备3,420台（套）。"
                    ),
                    paras(
                        "平台围绕“平台接单、按工序分解、多工厂协同”的共享制造模式，形成了完整的服务链条：",
                        bullets(
                            "**在线发布**：入驻工厂按设备、工艺和空闲时段发布产能，平台统一审核资质；",
                            "**订单匹配**：客户订单按工序自动拆分，依据工厂的产能、良率、距离和信用评分推荐组合方案；",
                            "**生产管理**：关键工序接入工厂MES数据，客户可在线查看进度和质检结果；",
                            "**支付保障**：采用第三方资金托管，验收合格后按节点结算；",
                            "**信用评价**：交付、质量和服务三项评分对所有用户公开。",
                        ),
                        "平台同时为中小企业提供共享工程师、共享检测和共享仓储等增值服务。",
                    ),
                    paras(
                        table(
                            ["指标", "2018年", "2019年", "2020年"],
                            [
                                ["入驻工厂（家）", "58", "121", "186"],
                                ["撮合订单（笔）", "2,160", "7,340", "12,680"],
                                ["撮合交易额（万元）", "9,860.00", "28,470.00", "51,236.50"],
                                ["入驻工厂设备平均利用率（%）", "52.3", "61.8", "68.4"],
                            ],
                        ),
                        "2020年平台撮合订单{orders}笔，入驻工厂设备平均利用率比入驻前提高约16个百分点，中小客户"
                        "的打样和小批量生产成本平均下降22%。",
                    ),
                    "一是将服务范围扩展到北部湾经济区主要电子产业园区；二是建设共享检测实验室；三是探索面向"
                    "东盟国家的跨境共享制造服务。",
                ),
                att=[
                    LIC,
                    (
                        "平台架构图",
                        "architecture-a3.pdf",
                        "a3",
                        {
                            "title": "SHARED MANUFACTURING PLATFORM - ARCHITECTURE",
                            "boxes": [
                                "Brand owners",
                                "SME buyers",
                                "Design houses",
                                "Traders",
                                "Order intake",
                                "Process split",
                                "Capacity match",
                                "Pay & credit",
                                "SMT lines",
                                "Injection",
                                "Assembly",
                                "Testing",
                            ],
                        },
                    ),
                ],
            ),
            P(
                "NN-P2",
                "other",
                "检验检测认证服务",
                "中国—东盟电子信息产品检验检测公共服务平台",
                A(
                    "南宁桂检电子产品检测技术有限公司",
                    "广西壮族自治区南宁市西乡塘区高新四路9号",
                    "530007",
                    "苏明亮",
                    "2012-08-20",
                    3000,
                    "国有控股",
                    "专业技术服务业",
                    (
                        "李玉婷",
                        "业务发展部部长",
                        "0771-3389021",
                        "13878813902",
                        "liyt@gjdz.example.cn",
                    ),
                ),
                "2015-11-10",
                1680,
                23500,
                F(
                    (4120, 4760, 5390),
                    ("96.20", "96.80", "97.10"),
                    (138, 152, 171),
                    margin=12,
                    rd=8,
                    tax=5,
                ),
                S(
                    H_PLAT,
                    "平台于{launched}投入运营，具备电磁兼容、电气安全、环境可靠性、无线射频和能效5大类"
                    "1,260个参数的检测能力，取得检验检测机构资质认定和实验室认可资质。",
                    paras(
                        "平台采用“线上委托+线下检测+在线出证”的服务方式，企业可在线提交委托、寄送样品、查询进度、"
                        "下载电子报告。针对出口东盟的产品，平台提供目标市场标准解读、预测试和整改辅导服务。",
                        "### 服务特色",
                        bullets(
                            "为中小企业提供“研发阶段预检测”，问题发现前移，降低正式检测的失败率；",
                            "与东盟国家的认证机构开展结果互认合作，减少重复检测；",
                            "开放共享检测设备，企业工程师可预约上机。",
                        ),
                    ),
                    "2020年平台完成检测委托{orders}批次，服务企业{users}家，帮助企业检测周期平均缩短30%，"
                    "检测费用平均下降18%。",
                    "建设新能源汽车电子和5G终端检测能力，争取成为国家级质检中心。",
                ),
                att=[
                    LIC,
                    (
                        "检验检测资质证书",
                        "accreditation-letter.pdf",
                        "cert_letter",
                        {"number": "GX-L-2019-0815"},
                    ),
                ],
            ),
            P(
                "NN-P3",
                "other",
                "供应链管理",
                "南宁铝产业链供应链协同服务平台",
                A(
                    "南宁铝链通供应链管理有限公司",
                    "广西壮族自治区南宁市江南区壮锦大道22号",
                    "530031",
                    "陈昇",
                    "2016-10-09",
                    10000,
                    "混合所有制",
                    "商务服务业",
                    ("农丽萍", "运营经理", "0771-4510877", "15977140877", "nonglp@llt.example.cn"),
                ),
                "2019-03-20",
                860,
                5230,
                F(
                    (12600, 18900, 26400),
                    ("35.00", "38.60", "41.20"),
                    (52, 68, 84),
                    margin=4,
                    rd=3,
                    tax=2,
                ),
                S(
                    H_PLAT,
                    "平台于{launched}上线，连接上游氧化铝、电解铝企业和下游铝加工、铝制品企业，提供采购、"
                    "物流、仓储、加工和金融一体化服务。",
                    paras(
                        "### （一）集中采购",
                        "汇集中小加工企业的分散需求，按周集中向上游企业下单，2020年集采铝锭26.8万吨。",
                        "### （二）物流与仓储协同",
                        "整合公路、铁路和西江水运资源，在南宁、贵港设立2个区域交割仓，实现“一票到底”。",
                        "### （三）数据服务",
                        "发布南宁铝锭现货价格指数，为企业采购和定价提供参考。",
                    ),
                    "2020年平台服务企业{users}家，完成订单{orders}笔，入网企业物流成本平均下降8.6%。",
                    "接入百色、来宾铝产业园区企业，打造覆盖全区的铝产业供应链服务网络。",
                ),
                att=[
                    (
                        "平台运营数据截图",
                        "dashboard.png",
                        "dash_png",
                        {"title": "Aluminium supply chain platform - operations"},
                    )
                ],
            ),
            P(
                "NN-P4",
                "other",
                "生产性金融服务",
                "南宁制造业供应链金融综合服务平台",
                A(
                    "南宁邕融数字科技有限公司",
                    "广西壮族自治区南宁市青秀区金湖路59号",
                    "530022",
                    "黄志远",
                    "2015-05-26",
                    20000,
                    "国有控股",
                    "软件和信息技术服务业",
                    (
                        "邓雅文",
                        "风控部经理",
                        "0771-5520316",
                        "13737102316",
                        "dengyw@yrkj.example.cn",
                    ),
                ),
                "2017-11-08",
                3120,
                9860,
                F(
                    (1980, 2650, 3380),
                    ("92.00", "93.50", "94.20"),
                    (38, 45, 57),
                    margin=15,
                    rd=10,
                    tax=6,
                ),
                S(
                    H_PLAT,
                    "平台于{launched}上线，面向制造业中小企业提供应收账款融资、订单融资和设备融资租赁撮合服务。",
                    "依托核心企业确权和税务、电力等数据开展信用评估，实现线上申请、线上审批、线上放款。",
                    "累计促成融资86.4亿元，服务中小制造企业{users}家，平均融资成本下降1.2个百分点。",
                    "扩大核心企业覆盖面，推出设备按揭和知识产权质押融资产品。",
                ),
            ),
            J(
                "NN-J1",
                "南宁高新区电子信息产业集群共享工厂项目",
                A(
                    "南宁高新区共享智造运营有限公司",
                    "广西壮族自治区南宁市西乡塘区创新路23号",
                    "530007",
                    "罗永强",
                    "2018-04-16",
                    15000,
                    "国有控股",
                    "计算机、通信和其他电子设备制造业",
                    ("潘晓东", "项目经理", "0771-3205566", "18078815566", "panxd@gxzz.example.cn"),
                ),
                F((3860, 6420), ("42.50", "48.30"), (120, 168), margin=5, rd=4, tax=3),
                S(
                    H_PROJ,
                    "项目位于南宁高新区，建筑面积4.2万平方米，建设共享SMT贴片、共享注塑、共享老化测试和共享"
                    "仓储四个中心，服务园区内中小电子企业。",
                    paras(
                        bullets(
                            "设备由运营公司统一投资、统一维护，企业按工时或按件付费；",
                            "设立共享工程师团队，为入驻企业提供工艺调试和质量管理服务；",
                            "建设共享仓储和集中配送，统一办理进出口报关。",
                        )
                    ),
                    "2020年服务园区企业87家，共享设备平均利用率达到73.5%，入驻企业固定资产投入平均减少约35%。",
                    "建设第二期共享厂房，新增共享检测实验室。",
                ),
                att=[("共享工厂现场照片", "site-photo.jpg", "photo_jpg", {})],
            ),
            C(
                "NN-C1",
                "other",
                S(
                    H_CITY,
                    paras(
                        "南宁市是自治区首府，已形成电子信息、铝精深加工、先进装备制造、生物医药等主导产业。"
                        "全市现有自治区级服务型制造示范企业（平台）21家，规模以上工业企业服务收入占营业收入的"
                        "比重逐年提高。"
                    ),
                    paras(
                        bullets(
                            "出台《南宁市推动服务型制造发展实施方案》，对获评国家级示范的企业给予一次性奖励；",
                            "设立制造业服务化转型专项资金，2020年安排资金1.2亿元；",
                            "建设中国—东盟检验检测认证高技术服务集聚区。",
                        )
                    ),
                    "2020年全市规模以上工业企业服务收入同比增长14.6%，服务型制造示范企业平均服务收入占比达到38.2%。",
                    "培育一批国家级服务型制造示范企业、平台和项目，建设面向东盟的生产性服务业中心。",
                ),
                ind={
                    "national_demo_enterprises": 2,
                    "national_demo_platforms": 1,
                    "national_demo_projects": 1,
                    "regional_demo_units": 21,
                    "service_revenue_share": 9.8,
                    "producer_services_value_added": 1268.4,
                    "public_service_platforms": 14,
                    "gdp_contribution": 7.5,
                },
            ),
        ],
    )
)

# ===== 桂林 450300: 医疗器械 / 橡胶; city application of the 工业设计特色类 ==================
CITIES.append(
    CITY(
        "450300",
        "桂林市",
        "GL",
        "2021-05-07",
        (
            "蒋文华",
            "产业发展科科长",
            "0773-2825561",
            "13978351126",
            "gl_jiangwh",
            "0773-2825562",
            "cyfzk@glgxj.example.cn",
        ),
        gov_address="广西壮族自治区桂林市临桂区世纪东路1号",
        gov_postcode="541100",
        apps=[
            E(
                "GL-E1",
                "总集成总承包",
                A(
                    "桂林漓康医疗电子有限公司",
                    "广西壮族自治区桂林市七星区毅峰路9号",
                    "541004",
                    "李喆",
                    "2001-09-05",
                    12000,
                    "民营",
                    "专用设备制造业",
                    (
                        "秦晓峰",
                        "基层医疗事业部总监",
                        "0773-5863310",
                        "13807733310",
                        "qinxf@likang.example.cn",
                    ),
                ),
                F(
                    (36800, 41200, 47600),
                    ("31.50", "33.80", "38.20"),
                    (820, 865, 930),
                    margin=11,
                    rd=8.5,
                    tax=4.2,
                ),
                S(
                    H_ENT,
                    paras(
                        "公司成立于2001年，主要从事血液分析仪、尿液分析仪、生化分析仪及配套试剂的研发、生产和销售，"
                        "是国家高新技术企业和自治区企业技术中心。公司现有员工{emp2020}人，产品进入全国2万余家医疗"
                        "机构，并出口到80多个国家和地区。",
                        "近年来，公司从单一销售仪器和试剂，转向为县级医院、乡镇卫生院和社区卫生服务中心提供**检验科"
                        "整体解决方案**，服务收入占比由2018年的{share2018}%提高到2020年的{share2020}%。",
                    ),
                    paras(
                        "### （一）提供检验科“交钥匙”建设服务",
                        "公司组建规划设计、设备配置、信息化、人员培训和质量控制5支专业团队，为基层医疗机构提供从"
                        "检验科布局设计、仪器配置、信息系统对接、人员培训到室间质评辅导的全流程总集成服务，客户"
                        "只需提供场地即可开展检验业务。",
                        "### （二）建设远程质控与运维平台",
                        bullets(
                            "接入设备1.86万台，实时监控仪器状态和室内质控数据，仪器年故障率<0.5%；",
                            "检验结果异常时平台自动提醒，由公司检验医师远程复核；",
                            "试剂余量低于安全库存时自动生成补货订单。",
                        ),
                        "### （三）开展区域检验中心共建",
                        "与县级医院合作共建区域检验中心，统一标准、统一质控、结果互认，乡镇卫生院的标本通过冷链"
                        "物流当日送检、当日出报告。",
                        "| 服务内容 | 2018年（家） | 2019年（家） | 2020年（家） |\n|---|---|---|---|\n"
                        "| 检验科整体建设 | 46 | 71 | 108 |\n| 区域检验中心共建 | 3 | 7 | 12 |\n"
                        "| 远程质控服务 | 1,120 | 1,860 | 2,740 |",
                    ),
                    paras(
                        "{fin_table}",
                        "2020年，公司总集成总承包业务收入{sr2020}万元，服务的基层医疗机构检验项目平均增加"
                        "26项，检验结果室间质评合格率由88.6%提高到97.3%。",
                    ),
                    "到2023年，为500家基层医疗机构提供检验科整体解决方案，建设20个县域检验中心，将远程质控平台"
                    "开放给区内其他医疗器械企业。",
                ),
                att=[
                    LIC,
                    AUDIT(3),
                    (
                        "知识产权证书（发明专利）",
                        "patent-certificate.pdf",
                        "rotated",
                        {"number": "ZL 2019 1 0123456.7"},
                    ),
                ],
            ),
            E(
                "GL-E2",
                "定制化服务",
                A(
                    "桂林漓橡特种轮胎有限公司",
                    "广西壮族自治区桂林市临桂区秧塘工业园秧十八路6号",
                    "541100",
                    "秦卫东",
                    "1998-12-01",
                    26000,
                    "国有控股",
                    "橡胶和塑料制品业",
                    (
                        "唐艳",
                        "技术服务部部长",
                        "0773-5596123",
                        "13768336123",
                        "tangy@lxtire.example.cn",
                    ),
                ),
                F(
                    (88600, 92300, 101500),
                    ("30.20", "31.60", "32.80"),
                    (1650, 1620, 1690),
                    margin=4.5,
                    rd=3.6,
                    tax=3.1,
                ),
                S(
                    H_ENT,
                    "公司主要生产工程机械轮胎、农业轮胎和特种橡胶制品。",
                    "根据矿山、港口、林区等不同工况，为客户定制花纹、胶料配方和结构，并提供轮胎翻新和里程保障服务。",
                    "2020年定制化服务收入占营业收入的{share2020}%，客户单胎使用寿命平均延长22%。",
                    "建设轮胎胎压胎温在线监测服务平台。",
                ),
                att=[LIC],
            ),
            P(
                "GL-P1",
                "other",
                "检验检测认证服务",
                "桂林医疗器械检验检测与注册服务平台",
                A(
                    "桂林漓江医械检测技术服务有限公司",
                    "广西壮族自治区桂林市七星区黄金路2号",
                    "541004",
                    "赵婧",
                    "2013-04-08",
                    2000,
                    "民营",
                    "专业技术服务业",
                    ("廖志明", "总经理", "0773-5812296", "18977322296", "liaozm@ljyx.example.cn"),
                ),
                "2015-07-01",
                940,
                6820,
                F(
                    (1860, 2240, 2710),
                    ("97.50", "98.00", "98.30"),
                    (64, 72, 85),
                    margin=14,
                    rd=9,
                    tax=5,
                ),
                S(
                    H_PLAT,
                    paras(
                        "平台于{launched}正式投入运营，面向桂林及周边地区的医疗器械、体外诊断和康复辅具企业，提供"
                        "产品检验检测、注册申报辅导、质量体系咨询和临床评价支持服务。平台建有电气安全、电磁兼容、"
                        "生物相容性和体外诊断试剂性能评价4个实验室。"
                    ),
                    paras(
                        "平台以“检测+注册+体系”一体化服务为特色：",
                        bullets(
                            "企业在研发阶段即可委托平台开展摸底检测，提前发现设计缺陷；",
                            "平台注册专员全程辅导技术文件编写和注册申报；",
                            "为企业提供质量管理体系内审和模拟核查服务。",
                        ),
                    ),
                    "2020年平台完成检测委托{orders}批次，服务企业{users}家，辅导企业取得医疗器械注册证43个，"
                    "企业产品注册周期平均缩短4个月。",
                    "申请扩大资质认定范围，建设有源植入器械检测能力。",
                ),
                att=[
                    LIC,
                    (
                        "检验检测资质证书",
                        "accreditation-300dpi.png",
                        "cert_png_300dpi",
                        {"title": "INSPECTION BODY CERTIFICATE"},
                    ),
                ],
            ),
            C(
                "GL-C1",
                "design",
                S(
                    H_DESIGN,
                    paras(
                        "桂林市以电子信息、先进装备制造、生物医药和橡胶制品为主导产业，拥有国家级工业设计中心1家、"
                        "自治区级工业设计中心9家、工业设计企业60余家，工业设计从业人员约2,300人。",
                        "全市依托桂林电子科技大学、桂林理工大学等高校，形成了以产品设计、工艺美术设计和数字创意"
                        "设计为特色的工业设计体系。",
                    ),
                    paras(
                        "### （一）完善政策体系",
                        "出台《桂林市促进工业设计发展若干措施》，对新认定的国家级、自治区级工业设计中心分别给予奖励。",
                        "### （二）搭建公共服务平台",
                        "建设桂林工业设计创新中心，提供设计研发、快速成型、知识产权和成果交易等服务。",
                        "### （三）培养设计人才",
                        bullets(
                            "举办“漓江杯”工业设计大赛，已连续举办5届；",
                            "支持高校设立工业设计专业方向，每年培养毕业生600余人；",
                            "实施设计人才引进计划，对高层次设计人才给予安家补助。",
                        ),
                    ),
                    "工业设计带动产品附加值明显提升，近三年企业通过设计改进开发新产品1,100多项，新增产值约34.6亿元。",
                    "力争到2025年新增国家级工业设计中心2家，建成区域性工业设计研究院。",
                ),
                att=[
                    (
                        "工业设计中心分布图",
                        "design-centres.jpg",
                        "map_jpg",
                        {"title": "Industrial design centres - Guilin", "points": 18},
                    )
                ],
                ind={
                    "national_design_centres": 1,
                    "regional_design_centres": 9,
                    "design_institutes": 0,
                    "design_breakthroughs": 42,
                    "design_awards": 27,
                    "design_professionals": 2300,
                    "design_revenue": 5.86,
                },
            ),
        ],
    )
)

# ===== 梧州 450400: 再生资源 / 人工宝石 ========================================================
CITIES.append(
    CITY(
        "450400",
        "梧州市",
        "WZ",
        "2021-04-28",
        (
            "李德荣",
            "工业园区和产业发展科科长",
            "0774-2826633",
            "13517746633",
            "wz_lidr",
            "0774-2826634",
            "yqk@wzgxj.example.cn",
        ),
        apps=[
            E(
                "WZ-E1",
                "节能环保服务",
                A(
                    "梧州桂江再生金属科技有限公司",
                    "广西壮族自治区梧州市龙圩区再生资源加工园区再生大道8号",
                    "543100",
                    "何振兴",
                    "2007-07-07",
                    36000,
                    "民营",
                    "废弃资源综合利用业",
                    (
                        "冯丽君",
                        "环保服务事业部经理",
                        "0774-5821209",
                        "13877401209",
                        "fenglj@gjzs.example.cn",
                    ),
                ),
                F(
                    (156000, 171800, 190400),
                    ("30.50", "32.10", "35.60"),
                    (980, 1030, 1105),
                    margin=3.2,
                    rd=2.4,
                    tax=2.1,
                ),
                S(
                    H_ENT,
                    paras(
                        "公司是梧州进口再生资源加工园区的骨干企业，主要从事废旧有色金属和不锈钢的回收、分拣、"
                        "熔炼和再生利用，年处理能力65万吨。公司现有员工{emp2020}人，建有自治区级再生金属工程"
                        "技术研究中心。"
                    ),
                    paras(
                        "公司从单纯的再生金属生产，拓展到为制造企业和园区提供**废料回收+环保治理+资源化利用**的"
                        "节能环保综合服务：",
                        bullets(
                            "为区内外120多家制造企业提供生产性废料的分类回收、闭环再生和再生料定向供应服务；",
                            "为园区中小企业提供烟气治理、废水处理设施的第三方运营服务；",
                            "开展冶炼渣和除尘灰的资源化利用，提取有价金属。",
                        ),
                        "| 项目 | 2018年 | 2019年 | 2020年 |\n|---|---|---|---|\n"
                        "| 回收处理废旧金属（万吨） | 48.6 | 54.2 | 61.3 |\n"
                        "| 第三方环保运营服务企业（家） | 12 | 19 | 27 |\n"
                        "| 资源化利用冶炼渣（万吨） | 3.2 | 4.1 | 5.6 |",
                    ),
                    paras(
                        "{fin_table}",
                        "2020年公司节能环保服务收入{sr2020}万元，占营业收入的{share2020}%；"
                        "服务企业的单位产品能耗平均下降9.5%，园区主要污染物排放总量下降12%。",
                    ),
                    "建设再生资源交易与追溯平台，推动园区整体创建国家级绿色园区。",
                ),
                att=[LIC, AUDIT(5)],
            ),
            P(
                "WZ-P1",
                "shared",
                "共享制造",
                "梧州人工宝石共享加工服务平台",
                A(
                    "梧州宝石云科技有限公司",
                    "广西壮族自治区梧州市万秀区西江二路21号",
                    "543000",
                    "陈昊",
                    "2015-08-18",
                    1000,
                    "民营",
                    "软件和信息技术服务业",
                    (
                        "黎美玲",
                        "平台运营部经理",
                        "0774-3836108",
                        "13978406108",
                        "limeil@bsy.example.cn",
                    ),
                ),
                "2017-05-20",
                1460,
                31200,
                F(
                    (980, 1520, 2180),
                    ("85.00", "88.40", "90.30"),
                    (22, 31, 40),
                    margin=9,
                    rd=11,
                    tax=3,
                ),
                S(
                    H_SHARED,
                    "梧州是全球最大的人工宝石加工集散地。平台于{launched}上线，汇聚宝石切割、磨抛、镶嵌、"
                    "检测等加工户和中小企业的设备与产能。",
                    paras(
                        "平台将客户订单按“切割—磨抛—镶嵌—质检”工序拆分，派单给匹配的加工户协同完成，"
                        "统一质检、统一包装、统一结算。",
                        bullets(
                            "加工户在线发布空闲设备和工艺能力；",
                            "平台按交期、单价和信用评分智能派单；",
                            "共享检测室为加工户提供免费的尺寸和色度检测。",
                        ),
                    ),
                    "2020年平台完成订单{orders}笔，注册用户{users}个，加工户设备利用率平均提高20个百分点，"
                    "订单平均交付周期缩短5天。",
                    "建设宝石设计素材库，推动“设计+共享加工”模式。",
                ),
                att=[
                    LIC,
                    (
                        "平台运营数据截图",
                        "dashboard.jpg",
                        "dash_jpg",
                        {"title": "Gem processing platform - orders"},
                    ),
                ],
            ),
            J(
                "WZ-J1",
                "梧州再生资源产业集群共享检测与仓储项目",
                A(
                    "梧州龙圩再生资源园区服务有限公司",
                    "广西壮族自治区梧州市龙圩区再生资源加工园区园区路1号",
                    "543100",
                    "吴国华",
                    "2016-11-11",
                    6000,
                    "国有控股",
                    "废弃资源综合利用业",
                    (
                        "梁思远",
                        "项目部经理",
                        "0774-5825510",
                        "13768415510",
                        "liangsy@lxzs.example.cn",
                    ),
                ),
                F((2450, 3980), ("38.00", "44.60"), (46, 63), margin=6, rd=2, tax=3),
                S(
                    H_PROJ,
                    "项目建设共享检测中心和共享保税仓库，服务园区再生资源企业。",
                    "检测中心对进园原料统一取样检测，仓库统一监管、按需出库。",
                    "服务园区企业58家，企业检测费用下降30%。",
                    "新增共享熔炼环保设施。",
                ),
            ),
        ],
    )
)

# ===== 北海 450500: 电子 / 石化 ================================================================
CITIES.append(
    CITY(
        "450500",
        "北海市",
        "BH",
        "2021-05-13",
        (
            "陈海燕",
            "电子信息产业科科长",
            "0779-2051126",
            "13977912126",
            "bh_chenhy",
            "0779-2051127",
            "dzxxk@bhgxj.example.cn",
        ),
        apps=[
            E(
                "BH-E1",
                "供应链管理",
                A(
                    "北海银湾智能终端科技有限公司",
                    "广西壮族自治区北海市银海区工业园区金科路8号",
                    "536000",
                    "庞志勇",
                    "2011-05-06",
                    18000,
                    "港澳台商投资",
                    "计算机、通信和其他电子设备制造业",
                    (
                        "林楚怡",
                        "客户服务中心经理",
                        "0779-3208815",
                        "18977908815",
                        "lincy@yinwan.example.cn",
                    ),
                ),
                F(
                    (264000, 301500, 338200),
                    ("30.10", "31.40", "32.05"),
                    (5200, 5630, 6010),
                    margin=2.8,
                    rd=3.0,
                    tax=1.5,
                ),
                S(
                    H_ENT,
                    paras(
                        "公司主要为国内外品牌客户提供平板电脑、笔记本电脑和智能穿戴设备的研发制造服务，年产各类"
                        "智能终端1,200万台，是北海电子信息产业的龙头企业之一。"
                    ),
                    paras(
                        "### （一）建设供应链协同平台",
                        "与上游350余家供应商实现订单、库存、质量数据在线协同，关键物料齐套率达到98.6%。",
                        "### （二）为品牌客户提供供应链整体服务",
                        "承担客户的物料采购、库存管理、售后备件和逆向物流，客户可将精力集中在研发和市场。",
                        "### （三）带动本地配套",
                        "引进结构件、包材、线材配套企业23家落户北海工业园区，本地配套率由31%提高到47%。",
                    ),
                    paras(
                        "{fin_table}",
                        "2020年供应链服务收入{sr2020}万元，占营业收入的{share2020}%，存货周转天数由42天缩短到29天。",
                    ),
                    "建设智能终端产业供应链服务中心，向园区中小企业开放采购和物流服务能力。",
                ),
                att=[LIC],
            ),
            E(
                "BH-E2",
                "总集成总承包",
                A(
                    "北海港城石化工程装备有限公司",
                    "广西壮族自治区北海市铁山港区兴港镇石化大道9号",
                    "536017",
                    "揭永明",
                    "2012-02-28",
                    24000,
                    "国有控股",
                    "专用设备制造业",
                    (
                        "钟海峰",
                        "工程总包部经理",
                        "0779-8612235",
                        "13807792235",
                        "zhonghf@gczb.example.cn",
                    ),
                ),
                F(
                    (58200, 64100, 71900),
                    ("36.50", "39.20", "42.70"),
                    (760, 790, 845),
                    margin=6,
                    rd=4,
                    tax=3,
                ),
                S(
                    H_ENT,
                    "公司从事石化装置压力容器、换热器和模块化撬装设备的设计制造。",
                    "依托设计、制造和安装能力，为石化企业提供装置模块化设计、工厂预制、现场安装和开车保运的"
                    "总承包服务。",
                    "2020年总集成总承包业务收入占营业收入的{share2020}%，客户项目现场施工周期平均缩短35%。",
                    "拓展东盟国家石化项目总承包业务。",
                ),
                att=[LIC],
            ),
            P(
                "BH-P1",
                "other",
                "其他",
                "北部湾电子信息产业链协同创新服务平台",
                A(
                    "北海数链信息科技有限公司",
                    "广西壮族自治区北海市海城区北部湾中路36号",
                    "536000",
                    "邓晓雯",
                    "2016-06-01",
                    2000,
                    "民营",
                    "软件和信息技术服务业",
                    ("宁志坚", "副总经理", "0779-3059926", "13457929926", "ningzj@bhsl.example.cn"),
                ),
                "2018-01-10",
                520,
                4360,
                F(
                    (1260, 1790, 2460),
                    ("90.10", "91.40", "92.80"),
                    (35, 44, 58),
                    margin=10,
                    rd=14,
                    tax=4,
                ),
                S(
                    H_PLAT,
                    "平台于{launched}上线，面向北部湾地区电子信息企业提供产业链对接、技术需求发布、人才共享和"
                    "政策服务。",
                    "平台建立了覆盖520家企业的产业链图谱，按产品和工艺自动推荐上下游合作伙伴；开设“技术悬赏”"
                    "栏目，企业发布技术难题，由高校和科研院所揭榜攻关。",
                    "2020年促成产业链合作项目{orders}项，技术悬赏成交金额1,234.50万元。",
                    "接入钦州、防城港电子信息企业，形成北部湾产业链协同网络。",
                ),
            ),
        ],
    )
)

# ===== 防城港 450600: 钢铁 / 有色 (two enterprises only) =======================================
CITIES.append(
    CITY(
        "450600",
        "防城港市",
        "FC",
        "2021-05-06",
        (
            "黄彩凤",
            "原材料工业科科长",
            "0770-2826210",
            "13878026210",
            "fcg_huangcf",
            "0770-2826211",
            "ycl@fcggxj.example.cn",
        ),
        apps=[
            E(
                "FC-E1",
                "定制化服务",
                A(
                    "防城港北部湾精品钢材有限公司",
                    "广西壮族自治区防城港市港口区企沙工业区钢城大道1号",
                    "538001",
                    "韦志坚",
                    "2012-11-20",
                    500000,
                    "国有控股",
                    "黑色金属冶炼和压延加工业",
                    (
                        "蒙晓峰",
                        "营销服务中心副主任",
                        "0770-6180326",
                        "13907700326",
                        "mengxf@bbwgc.example.cn",
                    ),
                ),
                F(
                    (2468000, 2735000, 3012000),
                    ("30.40", "30.90", "31.25"),
                    (6800, 7050, 7320),
                    margin=4.2,
                    rd=1.6,
                    tax=2.8,
                ),
                S(
                    H_ENT,
                    paras(
                        "公司是位于防城港钢铁基地的现代化沿海钢铁企业，具备年产钢920万吨的能力，产品包括热轧板卷、"
                        "冷轧板卷、中厚板和高强钢筋，主要供应汽车、工程机械、船舶和建筑行业。公司现有员工{emp2020}人。"
                    ),
                    paras(
                        "### （一）按用户需求定制钢材",
                        "建立用户技术服务团队（EVI），提前介入汽车和工程机械用户的新产品设计，联合开发高强度、"
                        "轻量化专用钢种18个。",
                        "### （二）建设钢材加工配送体系",
                        bullets(
                            "在防城港、南宁、柳州、玉林建设4个钢材加工配送中心，提供剪切、激光拼焊、落料等加工服务；",
                            "按用户生产节拍实行“小批量、多批次”准时配送；",
                            "依托自有码头，为东盟用户提供“钢材+海运”一体化服务。",
                        ),
                        "### （三）提供用钢全过程技术服务",
                        "派驻技术人员到用户现场，协助解决冲压开裂、焊接变形等用钢问题。",
                    ),
                    paras(
                        "{fin_table}",
                        "2020年加工配送和技术服务收入{sr2020}万元，占营业收入的{share2020}%；"
                        "定制化钢材的吨钢毛利比普通产品高出约180元。",
                    ),
                    "扩建汽车板加工配送中心，建设钢材全流程质量追溯平台。",
                ),
                att=[LIC, AUDIT(3)],
            ),
            E(
                "FC-E2",
                "节能环保服务",
                A(
                    "防城港桂海有色金属有限公司",
                    "广西壮族自治区防城港市港口区企沙镇有色金属产业园2号",
                    "538001",
                    "刘铭",
                    "2014-03-18",
                    300000,
                    "国有控股",
                    "有色金属冶炼和压延加工业",
                    (
                        "宋佳",
                        "安全环保部部长",
                        "0770-6291133",
                        "15177001133",
                        "songj@ghys.example.cn",
                    ),
                ),
                F(
                    (1820000, 2064000, 2318000),
                    ("30.20", "30.80", "31.40"),
                    (2900, 3010, 3080),
                    margin=2.1,
                    rd=1.2,
                    tax=1.9,
                ),
                S(
                    H_ENT,
                    "公司主要从事铜冶炼和铜材加工，年产阴极铜40万吨。",
                    "利用冶炼余热发电、硫酸联产和渣选矿技术，向园区企业供应蒸汽、电力和工业气体，并提供危险"
                    "废物协同处置服务。",
                    "2020年节能环保服务收入占营业收入的{share2020}%。",
                    "建设园区综合能源服务中心。",
                ),
            ),
        ],
    )
)

# ===== 钦州 450700: 石化 / 港口物流 ===========================================================
CITIES.append(
    CITY(
        "450700",
        "钦州市",
        "QZ",
        "2021-04-26",
        (
            "劳志刚",
            "石化产业科科长",
            "0777-2861508",
            "13807771508",
            "qz_laozg",
            "0777-2861509",
            "shk@qzgxj.example.cn",
        ),
        gov_address="广西壮族自治区钦州市钦南区永福西大街8号",
        gov_postcode="535000",
        apps=[
            E(
                "QZ-E1",
                "检验检测认证服务",
                A(
                    "钦州北港石化装备制造有限公司",
                    "广西壮族自治区钦州市钦南区钦州港经济技术开发区石化大道19号",
                    "535008",
                    "谢振宇",
                    "2010-09-09",
                    16000,
                    "中外合资",
                    "专用设备制造业",
                    (
                        "叶丽华",
                        "检验检测中心主任",
                        "0777-3886102",
                        "13977736102",
                        "yelh@bgsh.example.cn",
                    ),
                ),
                F(
                    (28600, 31800, 35400),
                    ("33.50", "36.00", "39.60"),
                    (540, 575, 610),
                    margin=7,
                    rd=4.5,
                    tax=3.5,
                ),
                S(
                    H_ENT,
                    "公司主要制造石化装置用压力容器、塔器和管道组件，建有具备资质的无损检测和理化检验中心。",
                    paras(
                        "公司将自身检测能力向钦州港石化园区开放，为园区企业提供：",
                        bullets(
                            "压力容器和压力管道的定期检验、无损检测和腐蚀监测；",
                            "装置大修期间的检测、评估和修复一体化服务；",
                            "特种设备安全评估和寿命预测。",
                        ),
                    ),
                    "2020年检验检测服务收入{sr2020}万元，占营业收入的{share2020}%，服务园区企业64家。",
                    "建设石化装备在线监测中心。",
                ),
                att=[LIC],
            ),
            P(
                "QZ-P1",
                "other",
                "供应链管理",
                "钦州港海铁联运供应链综合服务平台",
                A(
                    "钦州港通供应链管理有限公司",
                    "广西壮族自治区钦州市钦南区钦州港勒沟作业区港通路6号",
                    "535008",
                    "钟伟",
                    "2014-12-16",
                    10000,
                    "国有控股",
                    "多式联运和运输代理业",
                    ("卢小敏", "市场部经理", "0777-3512288", "18877712288", "luxm@qzgt.example.cn"),
                ),
                "2016-04-18",
                2860,
                48600,
                F(
                    (38600, 45200, 52800),
                    ("60.50", "63.20", "66.80"),
                    (210, 236, 265),
                    margin=5,
                    rd=2,
                    tax=2.5,
                ),
                S(
                    H_PLAT,
                    paras(
                        "平台于{launched}上线，依托西部陆海新通道和钦州港，为西南地区制造企业提供海铁联运订舱、"
                        "报关报检、仓储分拨、供应链金融和全程追踪服务。"
                    ),
                    paras(
                        "### （一）“一单制”全程服务",
                        "制造企业在平台一次委托，即可完成铁路、港口、船公司的全部环节，实现“一次委托、一口报价、"
                        "一单到底”。",
                        "### （二）数据共享",
                        "平台与港口、铁路和海关系统对接，货物状态每15分钟更新一次。",
                        "### （三）供应链金融",
                        "以在途货物和仓单为依据，为中小制造企业提供融资服务。",
                    ),
                    paras(
                        "| 指标 | 2018年 | 2019年 | 2020年 |\n|---|---|---|---|\n"
                        "| 服务制造企业（家） | 1,460 | 2,130 | 2,860 |\n"
                        "| 海铁联运箱量（万标箱） | 9.4 | 13.8 | 18.6 |\n"
                        "| 平均通关时间（小时） | 36.5 | 21.2 | 12.8 |",
                        "入网企业综合物流成本平均下降12%。",
                    ),
                    "拓展东盟国家海外仓服务，建设冷链和危化品专业供应链服务能力。",
                ),
                att=[
                    LIC,
                    (
                        "平台运营数据截图",
                        "dashboard.jpg",
                        "dash_jpg",
                        {"title": "Sea-rail logistics platform"},
                    ),
                ],
            ),
            J(
                "QZ-J1",
                "钦州石化产业园共享检测与公用工程服务项目",
                A(
                    "钦州石化园区公共服务有限公司",
                    "广西壮族自治区钦州市钦南区钦州港石化产业园园区大道2号",
                    "535008",
                    "黄建华",
                    "2017-03-06",
                    20000,
                    "国有控股",
                    "化学原料和化学制品制造业",
                    ("何佳琪", "项目负责人", "0777-3516630", "13707776630", "hejq@qzsh.example.cn"),
                ),
                F((5200, 7860), ("46.00", "52.40"), (88, 112), margin=6, rd=3, tax=3),
                S(
                    H_PROJ,
                    "项目为石化园区中小企业建设共享分析检测中心、共享危化品仓储和共享污水处理设施。",
                    "园区企业无需自建实验室和储罐，按需预约使用、按量付费。",
                    "服务园区企业41家，企业平均节省固定资产投资约2,600万元。",
                    "建设共享中试基地。",
                ),
            ),
            C(
                "QZ-C1",
                "other",
                S(
                    H_CITY,
                    "钦州市依托钦州港和西部陆海新通道，形成了石化、装备制造、电子信息和港口物流等产业。",
                    "推动“港口+制造+服务”融合发展，支持制造企业发展供应链管理和检验检测服务。",
                    "2020年全市规模以上工业企业服务收入同比增长11.8%。",
                    "打造西部陆海新通道生产性服务业集聚区。",
                ),
                ind={
                    "national_demo_enterprises": 0,
                    "national_demo_platforms": 0,
                    "national_demo_projects": 0,
                    "service_revenue_share": 6.35,
                    "producer_services_value_added": 386.2,
                    "public_service_platforms": 5,
                },
            ),
        ],
    )
)

# ===== 贵港 450800: 电动车 / 造船 =============================================================
CITIES.append(
    CITY(
        "450800",
        "贵港市",
        "GG",
        "2021-05-11",
        (
            "覃建勋",
            "装备制造业科科长",
            "0775-4566518",
            "13977516518",
            "gg_qinjx",
            "0775-4566519",
            "zbk@gggxj.example.cn",
        ),
        apps=[
            E(
                "GG-E1",
                "其他",
                A(
                    "贵港荷城电动车科技有限公司",
                    "广西壮族自治区贵港市港南区新能源电动车产业园江南大道66号",
                    "537100",
                    "甘德明",
                    "2013-07-20",
                    15000,
                    "民营",
                    "铁路、船舶、航空航天和其他运输设备制造业",
                    (
                        "邱雪梅",
                        "换电运营事业部经理",
                        "0775-4210088",
                        "13737500088",
                        "qiuxm@hcev.example.cn",
                    ),
                ),
                F(
                    (68200, 79500, 92600),
                    ("22.40", "28.50", "33.60"),
                    (1320, 1480, 1610),
                    margin=5.5,
                    rd=3.8,
                    tax=2.2,
                ),
                S(
                    H_ENT,
                    "公司是贵港新能源电动车产业园的骨干企业，主要生产电动自行车、电动摩托车和电动三轮车，"
                    "年产能120万辆，现有员工{emp2020}人。",
                    paras(
                        "公司针对外卖、快递等即时配送骑手的需求，创新推出“**车电分离、按月租用、扫码换电**”服务模式：",
                        bullets(
                            "骑手按月支付租金即可使用整车，车辆维修、保险由公司负责；",
                            "在南宁、柳州、贵港等12个城市布设智能换电柜3,800组，换电时间不超过1分钟；",
                            "电池全部接入管理平台，实时监测温度和健康状态，退役电池进入梯次利用。",
                        ),
                    ),
                    paras(
                        "{fin_table}",
                        "2020年换电和租赁服务收入{sr2020}万元，占营业收入的比重由2018年的{share2018}%"
                        "提高到{share2020}%；服务骑手9.6万人，电池火灾事故为零。",
                    ),
                    "三年内将换电网络扩展到全区14个设区市，开放换电平台接入其他品牌车辆。",
                ),
                att=[LIC],
            ),
            E(
                "GG-E2",
                "全生命周期管理",
                A(
                    "桂平西江船舶制造有限公司",
                    "广西壮族自治区贵港市桂平市长安工业园区滨江路12号",
                    "537200",
                    "罗振邦",
                    "2006-05-15",
                    12000,
                    "民营",
                    "铁路、船舶、航空航天和其他运输设备制造业",
                    (
                        "杨小龙",
                        "船舶服务部部长",
                        "0775-3326697",
                        "13877536697",
                        "yangxl@xjcb.example.cn",
                    ),
                ),
                F(
                    (46500, 50200, 57800),
                    ("30.20", "33.90", "36.70"),
                    (690, 720, 760),
                    margin=5,
                    rd=3,
                    tax=2.6,
                ),
                S(
                    H_ENT,
                    paras(
                        "公司主要建造西江航运干线3,000吨级以上内河散货船、集装箱船和LNG动力船，年造船能力60艘。"
                    ),
                    paras(
                        "公司为船东提供从船型设计、建造、交付到营运维护、改装升级和拆解回收的全生命周期服务：",
                        bullets(
                            "为每艘船建立电子档案，通过船载终端远程监测主机、舵机和船体状况；",
                            "在桂平、梧州、广州设立3个船舶维修服务站，提供靠港即修服务；",
                            "为老旧船舶提供LNG动力和岸电系统改造；",
                            "联合金融机构为个体船东提供造船分期付款服务。",
                        ),
                    ),
                    paras(
                        "{fin_table}",
                        "2020年全生命周期服务收入占营业收入的{share2020}%，服务船舶460余艘。",
                    ),
                    "建设内河船舶智能运维平台，开展电动船舶研制和换电服务。",
                ),
                att=[LIC, ("生产现场照片", "workshop-photo.jpg", "photo_exif6", {})],
            ),
            P(
                "GG-P1",
                "shared",
                "共享制造",
                "贵港电动车零部件共享制造平台",
                A(
                    "贵港智骑云科技有限公司",
                    "广西壮族自治区贵港市港北区金港大道288号",
                    "537100",
                    "张海林",
                    "2017-01-09",
                    3000,
                    "民营",
                    "软件和信息技术服务业",
                    ("莫嘉欣", "运营总监", "0775-4596120", "18775506120", "mojx@zqy.example.cn"),
                ),
                "2018-09-01",
                680,
                9450,
                F(
                    (860, 1460, 2380),
                    ("86.00", "88.70", "90.50"),
                    (25, 38, 51),
                    margin=8,
                    rd=12,
                    tax=3,
                ),
                S(
                    H_SHARED,
                    "平台于{launched}上线，汇聚贵港电动车产业园车架焊接、喷涂、注塑和电机装配等中小配套企业的产能。",
                    "整车企业在平台下单后，平台按工序拆分订单，匹配多家配套厂协同生产，统一质检、统一配送到总装线。",
                    "2020年平台完成订单{orders}笔，配套企业设备利用率提高18个百分点，整车企业零部件采购周期缩短40%。",
                    "接入更多县域配套企业，建设共享模具库。",
                ),
                att=[LIC],
            ),
            J(
                "GG-J1",
                "贵港新能源电动车产业园共享喷涂中心项目",
                A(
                    "贵港新能源汽车产业园投资运营有限公司",
                    "广西壮族自治区贵港市港南区江南工业园新能源大道8号",
                    "537100",
                    "周志华",
                    "2018-02-02",
                    30000,
                    "国有控股",
                    "铁路、船舶、航空航天和其他运输设备制造业",
                    ("韦雪", "项目经理", "0775-4230056", "15907750056", "weix@ggxny.example.cn"),
                ),
                F((2860, 5130), ("45.00", "51.60"), (74, 96), margin=6, rd=2, tax=3),
                S(
                    H_PROJ,
                    "项目建设4条自动化共享喷涂线和集中VOCs治理设施。",
                    "园区企业不再自建喷涂车间，按件付费使用共享喷涂线。",
                    "服务园区企业35家，VOCs排放量下降62%。",
                    "建设共享电镀和共享检测中心。",
                ),
            ),
        ],
    )
)

# ===== 玉林 450900: 内燃机 / 机械; the long narrative; extra quota with 2 other platforms =====
CITIES.append(
    CITY(
        "450900",
        "玉林市",
        "YL",
        "2021-05-12",
        (
            "庞丽华",
            "生产服务业科科长",
            "0775-2685126",
            "13978556126",
            "yl_panglh",
            "0775-2685127",
            "scfwk@ylgxj.example.cn",
        ),
        extra=True,
        gov_address="广西壮族自治区玉林市玉州区人民东路496号",
        gov_postcode="537000",
        apps=[
            E(
                "YL-E1",
                "全生命周期管理",
                A(
                    "广西玉岭动力机械股份有限公司",
                    "广西壮族自治区玉林市玉州区天桥西路88号",
                    "537005",
                    "李振东",
                    "2001-06-28",
                    98600,
                    "国有控股",
                    "通用设备制造业",
                    (
                        "杨珺",
                        "战略规划部部长",
                        "0775-3286501",
                        "13907756501",
                        "yangj@yuling.example.cn",
                    ),
                    stock="000000",
                ),
                F(
                    (392000, 431500, 486000),
                    ("31.20", "33.45", "36.80"),
                    (5820, 5960, 6140),
                    margin=6.8,
                    rd=4.3,
                    tax=4.1,
                ),
                yl_long_sections,
                att=[
                    LIC,
                    AUDIT(5),
                    (
                        "全国服务网络分布图",
                        "service-network.jpg",
                        "map_jpg",
                        {"title": "Service network - 14 regional centres", "points": 64},
                    ),
                ],
            ),
            E(
                "YL-E2",
                "生产性金融服务",
                A(
                    "玉林福绵农机装备有限公司",
                    "广西壮族自治区玉林市福绵区福绵机电工业园园区大道3号",
                    "537023",
                    "梁永福",
                    "2008-10-15",
                    8000,
                    "民营",
                    "专用设备制造业",
                    (
                        "钟丽",
                        "金融服务部经理",
                        "0775-2212370",
                        "18977502370",
                        "zhongl@fmnj.example.cn",
                    ),
                ),
                F(
                    (32800, 36900, 42300),
                    ("30.80", "32.40", "34.90"),
                    (610, 640, 675),
                    margin=6,
                    rd=3.5,
                    tax=2.8,
                ),
                S(
                    H_ENT,
                    "公司主要生产甘蔗收获机、水稻插秧机和小型拖拉机。",
                    "联合银行和融资租赁公司为农户、农机合作社提供分期付款、融资租赁和农机保险服务，并依托"
                    "农机作业数据开展信用评估。",
                    "2020年金融服务相关收入占营业收入的{share2020}%，带动农机销售增长27%。",
                    "推出“作业收入还款”的新型农机金融产品。",
                ),
                att=[LIC],
            ),
            P(
                "YL-P1",
                "other",
                "供应链管理",
                "玉林内燃机产业链配套协同服务平台",
                A(
                    "玉林动力配套供应链服务有限公司",
                    "广西壮族自治区玉林市玉州区玉东大道296号",
                    "537000",
                    "苏志刚",
                    "2015-04-20",
                    5000,
                    "混合所有制",
                    "商务服务业",
                    (
                        "梁晓红",
                        "平台运营部经理",
                        "0775-3262210",
                        "13617752210",
                        "liangxh@ylpt.example.cn",
                    ),
                ),
                "2017-08-08",
                1260,
                38400,
                F(
                    (8600, 11200, 14800),
                    ("52.00", "55.60", "58.90"),
                    (96, 118, 142),
                    margin=5,
                    rd=4,
                    tax=2.5,
                ),
                S(
                    H_PLAT,
                    paras(
                        "平台于{launched}上线，服务玉林内燃机产业链上的主机企业和1,200余家配套企业，提供需求预测、"
                        "订单协同、集中采购、物流配送和质量追溯服务。"
                    ),
                    paras(
                        bullets(
                            "主机企业的生产计划提前30天向配套企业发布，配套企业据此排产备料；",
                            "钢材、铸造生铁等大宗原材料集中采购，降低中小配套企业采购成本；",
                            "建设循环取货（Milk Run）物流体系，统一配送到主机厂线边。",
                        )
                    ),
                    "2020年平台处理订单{orders}笔，配套企业平均库存下降21%，准时交付率提高到97.2%。",
                    "将服务范围扩展到工程机械和农机产业链。",
                ),
                att=[LIC],
            ),
            P(
                "YL-P2",
                "other",
                "定制化服务",
                "玉林机械产品工业设计与定制研发服务平台",
                A(
                    "玉林智创工业设计有限公司",
                    "广西壮族自治区玉林市玉州区教育中路58号",
                    "537000",
                    "朱晓峰",
                    "2014-09-01",
                    1000,
                    "民营",
                    "专业技术服务业",
                    ("蔡文静", "设计总监", "0775-2836615", "15078556615", "caiwj@ylzc.example.cn"),
                ),
                "2016-03-15",
                730,
                2140,
                F(
                    (1620, 2050, 2590),
                    ("94.00", "95.10", "95.60"),
                    (42, 51, 63),
                    margin=11,
                    rd=15,
                    tax=4,
                ),
                S(
                    H_PLAT,
                    "平台于{launched}上线，为中小机械企业提供产品外观设计、结构设计、样机试制和小批量定制服务。",
                    "企业在线提交需求，平台匹配设计师和试制工厂，设计成果在平台登记确权。",
                    "累计完成设计项目{orders}项，服务企业{users}家。",
                    "建设数字化设计资源库。",
                ),
            ),
            C(
                "YL-C1",
                "design",
                S(
                    H_DESIGN,
                    paras(
                        "玉林市是全国重要的内燃机生产基地，拥有国家级工业设计中心1家、自治区级工业设计中心6家，"
                        "形成了以动力机械、农机装备、服装皮革和日用陶瓷为重点的工业设计特色。"
                    ),
                    paras(
                        bullets(
                            "设立市级工业设计专项资金，每年安排2,000万元；",
                            "建设玉林工业设计城，引进设计机构46家；",
                            "推动内燃机龙头企业设计资源向配套企业开放。",
                        )
                    ),
                    "2020年全市工业设计服务合同额达到3.2亿元，同比增长34.10%。",
                    "争创国家工业设计研究院分院，培育工业设计人才1,000名。",
                ),
                ind={
                    "national_design_centres": 1,
                    "regional_design_centres": 6,
                    "design_institutes": 1,
                    "design_breakthroughs": 18,
                    "design_professionals": 1450,
                    "design_revenue": 3.2,
                },
            ),
        ],
    )
)

# ===== 百色 451000: 铝 ========================================================================
CITIES.append(
    CITY(
        "451000",
        "百色市",
        "BS",
        "2021-04-23",
        (
            "农美兰",
            "有色金属产业科科长",
            "0776-2826359",
            "13907766359",
            "bs_nongml",
            "0776-2826360",
            "ysjs@bsgxj.example.cn",
        ),
        apps=[
            E(
                "BS-E1",
                "供应链管理",
                A(
                    "鑫泓铝业（广西）有限公司",
                    "广西壮族自治区百色市平果市平果工业区铝产业大道18号",
                    "531400",
                    "黄铭",
                    "2011-12-08",
                    60000,
                    "外商投资",
                    "有色金属冶炼和压延加工业",
                    (
                        "岑丽娟",
                        "供应链服务中心主任",
                        "0776-5832118",
                        "13877605118",
                        "cenlj@xinhong.example.cn",
                    ),
                ),
                F(
                    (186000, 203500, 228700),
                    ("30.60", "32.20", "34.40"),
                    (1860, 1920, 2010),
                    margin=4.5,
                    rd=2.8,
                    tax=2.6,
                ),
                S(
                    H_ENT,
                    paras(
                        "鑫泓铝业（广西）有限公司是百色生态型铝产业示范基地的铝精深加工企业，年产铝合金圆棒、"
                        "铝板带和工业型材35万吨，现有员工{emp2020}人。"
                    ),
                    paras(
                        "### （一）打造“铝水直供”供应链",
                        "与园区电解铝企业合作，液态铝水经保温罐车直供熔铸车间，减少铝锭重熔环节，吨铝节约"
                        "能耗约100千克标准煤。",
                        "### （二）为下游企业提供供应链服务",
                        bullets(
                            "为区内外300多家铝型材企业提供铝棒定制、集中配送和寄售服务；",
                            "在广东佛山、云南昆明设立前置仓，交货周期缩短到48小时；",
                            "开展“铝价点价”服务，帮助下游企业规避价格波动风险。",
                        ),
                    ),
                    paras("{fin_table}", "2020年供应链服务收入占营业收入的{share2020}%。"),
                    "建设铝产业供应链服务平台，带动百色铝产业由“原字号”向精深加工和服务延伸。",
                ),
                att=[LIC, AUDIT(4)],
            ),
            E(
                "BS-E2",
                "节能环保服务",
                A(
                    "百色右江铝材科技有限公司",
                    "广西壮族自治区百色市田阳区百色新山铝产业示范园新山大道6号",
                    "533600",
                    "韦昌明",
                    "2015-06-30",
                    20000,
                    "民营",
                    "有色金属冶炼和压延加工业",
                    (
                        "黄春燕",
                        "节能服务部经理",
                        "0776-3215566",
                        "13768765566",
                        "huangcy@yjlc.example.cn",
                    ),
                ),
                F(
                    (52600, 58100, 63900),
                    ("31.00", "32.50", "33.80"),
                    (720, 760, 790),
                    margin=5,
                    rd=3,
                    tax=2.5,
                ),
                S(
                    H_ENT,
                    "公司从事铝型材生产和铝加工余热利用。",
                    "以合同能源管理方式为园区铝加工企业实施熔炼炉余热回收和电机节能改造。",
                    "节能服务收入占营业收入的{share2020}%。",
                    "开展赤泥综合利用技术服务。",
                ),
            ),
            P(
                "BS-P1",
                "shared",
                "共享制造",
                "百色铝精深加工共享制造平台",
                A(
                    "百色铝云共享科技有限公司",
                    "广西壮族自治区百色市右江区城东大道66号",
                    "533000",
                    "罗春华",
                    "2017-09-12",
                    2000,
                    "国有控股",
                    "软件和信息技术服务业",
                    ("陆婷婷", "运营经理", "0776-2899312", "18276609312", "lutt@blyun.example.cn"),
                ),
                "2019-01-15",
                410,
                3620,
                F(
                    (420, 980, 1650),
                    ("80.00", "86.50", "89.20"),
                    (18, 27, 36),
                    margin=8,
                    rd=12,
                    tax=3,
                ),
                S(
                    H_SHARED,
                    "平台于{launched}上线，整合百色铝产业园区的挤压、表面处理、深加工设备资源。",
                    "平台接单后按工序拆分给园区企业协同生产，实现“一个订单、多家生产、统一交付”。",
                    "2020年撮合订单{orders}笔，园区挤压机平均利用率提高15个百分点。",
                    "接入平果、田东、德保等县域园区企业。",
                ),
                att=[LIC],
            ),
            J(
                "BS-J1",
                "田东铝产业园共享熔铸与模具中心项目",
                A(
                    "田东锦铝产业园运营有限公司",
                    "广西壮族自治区百色市田东县锦江工业园区铝业路1号",
                    "531500",
                    "梁华",
                    "2018-05-21",
                    12000,
                    "国有控股",
                    "有色金属冶炼和压延加工业",
                    ("滕志勇", "项目经理", "0776-5236618", "13607766618", "tengzy@tdjl.example.cn"),
                ),
                F((3200, 5750), ("40.00", "46.20"), (65, 88), margin=5, rd=2, tax=3),
                S(
                    H_PROJ,
                    "项目建设共享熔铸车间和共享模具中心，服务园区中小铝加工企业。",
                    "企业按需预约熔铸产能，模具中心提供模具设计、制造和修复服务。",
                    "服务企业29家，模具采购周期缩短50%。",
                    "建设共享检测中心。",
                ),
            ),
        ],
    )
)

# ===== 贺州 451100: 碳酸钙 / 新材料 (two applications) =========================================
CITIES.append(
    CITY(
        "451100",
        "贺州市",
        "HZ",
        "2021-05-14",
        (
            "钟秀英",
            "新材料产业科科长",
            "0774-5136628",
            "13877466628",
            "hz_zhongxy",
            "0774-5136629",
            "xclk@hzgxj.example.cn",
        ),
        apps=[
            E(
                "HZ-E1",
                "定制化服务",
                A(
                    "贺州桂东钙业新材料有限公司",
                    "广西壮族自治区贺州市平桂区旺高工业区钙业大道9号",
                    "542800",
                    "毛建新",
                    "2009-03-03",
                    16000,
                    "民营",
                    "非金属矿物制品业",
                    (
                        "骆丽",
                        "应用技术服务部经理",
                        "0774-8896123",
                        "13597446123",
                        "luol@gdgy.example.cn",
                    ),
                ),
                F(
                    (48600, 53200, 60100),
                    ("31.20", "32.90", "35.30"),
                    (560, 590, 620),
                    margin=7,
                    rd=4,
                    tax=3,
                ),
                S(
                    H_ENT,
                    paras(
                        "公司依托贺州优质大理石资源，生产重质碳酸钙、活性碳酸钙和碳酸钙功能母粒，年产能80万吨。"
                    ),
                    paras(
                        "公司针对塑料、涂料、造纸和橡胶等不同行业客户，开展**按配方定制**的服务：",
                        table(
                            ["应用行业", "定制指标", "2020年定制牌号（个）"],
                            [
                                ["塑料管材", "粒径分布、白度、表面改性", "46"],
                                ["涂料", "吸油值、遮盖力", "28"],
                                ["造纸", "磨耗值、留着率", "17"],
                                ["橡胶制品", "补强性能、分散性", "21"],
                            ],
                        ),
                        "公司应用技术中心为客户免费开展配方试验，并派工程师到客户现场调试。",
                    ),
                    paras(
                        "{fin_table}",
                        "2020年定制化产品和技术服务收入{sr2020}万元，占营业收入的{share2020}%，"
                        "定制产品平均售价比通用产品高出约34.10%。",
                    ),
                    "建设碳酸钙应用研究院，拓展新能源电池和可降解塑料用钙材料定制服务。",
                ),
                att=[LIC],
            ),
            P(
                "HZ-P1",
                "other",
                "检验检测认证服务",
                "贺州碳酸钙产业检验检测与应用技术服务平台",
                A(
                    "贺州钙材检测科技有限公司",
                    "广西壮族自治区贺州市平桂区西湾街道平桂大道128号",
                    "542800",
                    "吴晓军",
                    "2015-10-10",
                    1500,
                    "国有控股",
                    "专业技术服务业",
                    (
                        "邹海燕",
                        "检测中心主任",
                        "0774-8862235",
                        "13707742235",
                        "zouhy@hzgc.example.cn",
                    ),
                ),
                "2016-07-01",
                620,
                8460,
                F(
                    (760, 980, 1240),
                    ("96.00", "96.50", "97.20"),
                    (28, 33, 39),
                    margin=12,
                    rd=8,
                    tax=5,
                ),
                S(
                    H_PLAT,
                    "平台于{launched}投入运营，为碳酸钙企业提供原料、产品的检验检测和应用评价服务。",
                    "企业在线委托、快递送样，平台72小时内出具检测报告，并提供质量改进建议。",
                    "2020年完成检测{orders}批次，服务企业{users}家，区内碳酸钙产品一次检验合格率提高到96.4%。",
                    "申请国家碳酸钙产品质量检验检测中心。",
                ),
                att=[LIC],
            ),
        ],
    )
)

# ===== 河池 451200: 有色金属 / 茧丝 ===========================================================
CITIES.append(
    CITY(
        "451200",
        "河池市",
        "HC",
        "2021-04-30",
        (
            "蓝海清",
            "有色金属和茧丝绸产业科科长",
            "0778-2286631",
            "13907786631",
            "hc_lanhq",
            "0778-2286632",
            "ysjsk@hcgxj.example.cn",
        ),
        apps=[
            E(
                "HC-E1",
                "节能环保服务",
                A(
                    "河池丹池有色金属冶炼有限公司",
                    "广西壮族自治区河池市南丹县大厂镇冶炼路3号",
                    "547200",
                    "韦忠",
                    "2004-08-18",
                    45000,
                    "国有控股",
                    "有色金属冶炼和压延加工业",
                    (
                        "覃丽芳",
                        "环保技术服务中心主任",
                        "0778-7216602",
                        "13877816602",
                        "qinlf@dcys.example.cn",
                    ),
                ),
                F(
                    (168000, 182600, 196400),
                    ("30.30", "31.10", "32.20"),
                    (1580, 1610, 1650),
                    margin=3.5,
                    rd=2.2,
                    tax=2.4,
                ),
                S(
                    H_ENT,
                    paras(
                        "公司主要从事锡、锌、铟等有色金属的冶炼和深加工，年产锡锭2万吨、锌锭10万吨，现有员工{emp2020}人。"
                    ),
                    paras(
                        "公司针对南丹有色金属产业的历史遗留环境问题，将自身治理经验转化为对外服务能力：",
                        bullets(
                            "为周边冶炼企业提供含砷、含重金属废渣的协同处置服务；",
                            "承接矿区土壤和尾矿库生态修复工程；",
                            "为中小冶炼企业提供烟气脱硫和废水深度处理设施的托管运营服务。",
                        ),
                    ),
                    paras("{fin_table}", "2020年节能环保服务收入占营业收入的{share2020}%。"),
                    "建设有色金属固体废物综合利用中心。",
                ),
                att=[LIC],
            ),
            E(
                "HC-E2",
                "定制化服务",
                A(
                    "宜州桑缘茧丝绸有限公司",
                    "广西壮族自治区河池市宜州区工业集中区丝绸路18号",
                    "546300",
                    "蒙秀兰",
                    "2010-04-26",
                    6000,
                    "民营",
                    "纺织业",
                    ("卢海鸥", "市场部经理", "0778-3185506", "13737815506", "luho@syss.example.cn"),
                ),
                F(
                    (21800, 23600, 25900),
                    ("30.40", "32.70", "35.10"),
                    (820, 850, 880),
                    margin=5,
                    rd=2.6,
                    tax=2,
                ),
                S(
                    H_ENT,
                    "公司主要生产白厂丝、真丝面料和蚕丝被，年缫丝能力1,200吨。",
                    paras(
                        "公司建设小批量柔性织造和数码印花生产线，为服装、家纺品牌提供**面料定制**服务：",
                        bullets(
                            "客户可在线选择纱支、组织和花型，最小起订量50米；",
                            "提供花型设计和打样服务，打样周期3天；",
                            "为客户提供蚕丝原料溯源证明。",
                        ),
                    ),
                    "2020年定制化业务收入占营业收入的{share2020}%。",
                    "建设茧丝绸产品设计中心和线上定制平台。",
                ),
                att=[
                    LIC,
                    (
                        "产品质量检验报告（扫描件）",
                        "test-report-scan.jpg",
                        "scan_gray_jpg",
                        {"title": "TEST REPORT (scan)"},
                    ),
                ],
            ),
            J(
                "HC-J1",
                "宜州茧丝绸产业集群共享缫丝与织造工厂项目",
                A(
                    "宜州茧丝绸产业园运营有限公司",
                    "广西壮族自治区河池市宜州区工业集中区桑蚕大道6号",
                    "546300",
                    "谭卫国",
                    "2017-12-12",
                    8000,
                    "国有控股",
                    "纺织业",
                    (
                        "欧阳敏",
                        "项目经理",
                        "0778-3226625",
                        "15977836625",
                        "ouyangm@yzss.example.cn",
                    ),
                ),
                F(
                    (1260, 2380, 3460),
                    ("38.00", "41.50", "45.20"),
                    (54, 76, 98),
                    margin=4,
                    rd=2,
                    tax=2,
                ),
                S(
                    H_PROJ,
                    "项目建设共享自动缫丝车间和共享织造车间。",
                    "小型缫丝企业按产量付费使用共享设备，园区统一收购蚕茧、统一销售生丝。",
                    "服务企业和合作社42家。",
                    "建设共享印染中心。",
                ),
            ),
        ],
    )
)

# ===== 来宾 451300: 制糖 / 电力; the warning sample (service share 24.37%) =====================
CITIES.append(
    CITY(
        "451300",
        "来宾市",
        "LB",
        "2021-05-08",
        (
            "韦春梅",
            "轻工业科科长",
            "0772-4266312",
            "13978726312",
            "lb_weicm",
            "0772-4266313",
            "qgyk@lbgxj.example.cn",
        ),
        gov_address="广西壮族自治区来宾市兴宾区桂中大道东198号",
        gov_postcode="546100",
        apps=[
            E(
                "LB-E1",
                "供应链管理",
                A(
                    "来宾桂中糖业集团有限公司",
                    "广西壮族自治区来宾市兴宾区凤凰工业园区甘蔗路8号",
                    "546100",
                    "潘国强",
                    "2002-10-18",
                    50000,
                    "国有控股",
                    "农副食品加工业",
                    (
                        "何丽萍",
                        "农务服务中心主任",
                        "0772-4218835",
                        "13607728835",
                        "heliping@gzty.example.cn",
                    ),
                ),
                F(
                    (78600, 81200, 86400),
                    ("18.60", "21.85", "24.37"),
                    (2380, 2350, 2310),
                    margin=4,
                    rd=1.2,
                    tax=3,
                ),
                S(
                    H_ENT,
                    paras(
                        "公司拥有4家糖厂，日榨甘蔗能力3.6万吨，年产白砂糖约45万吨，现有员工{emp2020}人。"
                        "公司蔗区覆盖兴宾区、象州县、武宣县等地的8.6万户蔗农。"
                    ),
                    paras(
                        "### （一）建设“糖厂+合作社+蔗农”的甘蔗供应链",
                        "公司与蔗农签订订单合同，统一提供良种、化肥、农机作业和技术指导，按质论价收购甘蔗。",
                        "### （二）提供全程机械化服务",
                        bullets(
                            "组建农机服务队，拥有甘蔗收获机186台，提供机耕、机种、机收一条龙服务；",
                            "建设甘蔗物流调度系统，砍、运、榨无缝衔接，甘蔗进厂时间由48小时缩短到18小时；",
                            "开展糖蜜、蔗渣等副产品的综合利用服务。",
                        ),
                    ),
                    paras(
                        "{fin_table}",
                        "2020年服务收入{sr2020}万元，占营业收入的比重为{share2020}%，虽尚未达到30%，"
                        "但比2018年提高了{share_delta}个百分点。蔗区亩产由4.8吨提高到5.6吨。",
                    ),
                    "力争到2023年服务收入占比超过30%，建设覆盖全部蔗区的数字化农务服务平台。",
                ),
                att=[LIC, AUDIT(3)],
            ),
            E(
                "LB-E2",
                "全生命周期管理",
                A(
                    "来宾桂中电气设备有限公司",
                    "广西壮族自治区来宾市兴宾区河西工业园区电力路16号",
                    "546100",
                    "莫振宇",
                    "2011-08-08",
                    10000,
                    "民营",
                    "电气机械和器材制造业",
                    (
                        "覃雅婷",
                        "运维服务部经理",
                        "0772-4236656",
                        "18077226656",
                        "qinyt@gzdq.example.cn",
                    ),
                ),
                F(
                    (26800, 29400, 33600),
                    ("30.50", "33.20", "36.10"),
                    (430, 455, 480),
                    margin=7,
                    rd=4,
                    tax=3,
                ),
                S(
                    H_ENT,
                    "公司生产箱式变电站、高低压开关柜和光伏并网设备。",
                    "为工业园区和新能源电站提供电力设备远程监测、预防性试验和运维托管服务。",
                    "运维服务收入占营业收入的{share2020}%，托管设备故障停电时间下降45%。",
                    "建设区域电力设备运维服务中心。",
                ),
                att=[LIC],
            ),
            C(
                "LB-C1",
                "other",
                S(
                    H_CITY,
                    "来宾市以制糖、电力、铝加工和新材料为主导产业，推动制糖企业向农业社会化服务延伸。",
                    "支持糖企发展甘蔗全程机械化服务，建设园区综合能源服务体系。",
                    "全市糖企服务收入占比由2018年的15.2%提高到2020年的21.6%。",
                    "培育服务型制造示范企业5家以上。",
                ),
                ind={
                    "national_demo_enterprises": 0,
                    "national_demo_platforms": 0,
                    "national_demo_projects": 0,
                    "regional_demo_units": 4,
                    "service_revenue_share": 21.6,
                    "producer_services_value_added": 215.7,
                    "public_service_platforms": 3,
                },
            ),
        ],
    )
)

# ===== 崇左 451400: 蔗糖 / 边贸 (two applications) =============================================
CITIES.append(
    CITY(
        "451400",
        "崇左市",
        "CZ",
        "2021-04-20",
        (
            "农志明",
            "产业发展科科长",
            "0771-7836612",
            "13907716612",
            "cz_nongzm",
            "0771-7836613",
            "cyfzk@czgxj.example.cn",
        ),
        apps=[
            E(
                "CZ-E1",
                "其他",
                A(
                    "崇左左江蔗糖科技有限公司",
                    "广西壮族自治区崇左市江州区城南工业园区糖业路6号",
                    "532200",
                    "黄玉成",
                    "2005-11-11",
                    40000,
                    "民营",
                    "农副食品加工业",
                    (
                        "李秋菊",
                        "农业服务事业部经理",
                        "0771-7925513",
                        "13788715513",
                        "liqj@zjzt.example.cn",
                    ),
                ),
                F(
                    (112000, 118600, 126800),
                    ("30.10", "31.20", "32.60"),
                    (1950, 1920, 1900),
                    margin=4.2,
                    rd=1.5,
                    tax=3.2,
                ),
                S(
                    H_ENT,
                    "公司是崇左蔗糖产业的骨干企业，拥有3家糖厂，日榨甘蔗2.8万吨。",
                    paras(
                        "公司创新“糖企+农业社会化服务”模式，成立农业服务公司，为蔗农提供土地托管、全程机械化作业、"
                        "病虫害统防统治和甘蔗保险服务，托管蔗地面积达到42万亩。",
                        "公司还利用蔗渣、滤泥生产生物有机肥，返还蔗区使用，形成循环产业链。",
                    ),
                    "2020年农业社会化服务收入{sr2020}万元，占营业收入的{share2020}%，托管蔗地亩均增收约380元。",
                    "扩大土地托管面积，建设甘蔗产业大数据平台。",
                ),
                att=[LIC],
            ),
            P(
                "CZ-P1",
                "other",
                "供应链管理",
                "中国—东盟（凭祥）跨境制造业供应链服务平台",
                A(
                    "凭祥友谊关供应链管理有限公司",
                    "广西壮族自治区崇左市凭祥市友谊镇边贸大道88号",
                    "532600",
                    "陆志军",
                    "2014-06-06",
                    10000,
                    "国有控股",
                    "多式联运和运输代理业",
                    (
                        "梁红梅",
                        "跨境业务部经理",
                        "0771-8536627",
                        "13877186627",
                        "lianghm@yyg.example.cn",
                    ),
                ),
                "2016-12-12",
                1980,
                26400,
                F(
                    (22600, 27400, 31900),
                    ("55.00", "58.20", "61.70"),
                    (140, 165, 188),
                    margin=5,
                    rd=2,
                    tax=2.5,
                ),
                S(
                    H_PLAT,
                    "平台于{launched}上线，依托凭祥口岸，为面向越南等东盟国家布局产能的制造企业提供跨境物流、"
                    "通关、仓储、结算和零部件分拨服务。",
                    paras(
                        bullets(
                            "开通“跨境公路直通车”，整合中越两地运力；",
                            "建设边境仓，支持零部件“保税+分拨”；",
                            "提供人民币跨境结算和汇率避险咨询服务。",
                        )
                    ),
                    "2020年服务企业{users}家，完成跨境订单{orders}单，企业跨境物流时间平均缩短1.5天。",
                    "建设中越跨境产业链供应链数字化服务中心。",
                ),
                att=[LIC],
            ),
        ],
    )
)


# ---------------------------------------------------------------------------------------------
# building the JSON
# ---------------------------------------------------------------------------------------------


def build_financials(app_id: str, f: dict) -> tuple[list[dict], dict]:
    rng = random.Random("fin:" + app_id)
    rows, ctx = [], {}
    for i, year in enumerate(f["years"]):
        op = q2(f["op"][i])
        share = D(f["share"][i])
        sr = q2(op * share / 100)
        assert sr < op
        profit = q2(op * D(str(f["margin"])) / 100 * D(rng.randint(85, 115)) / 100)
        rd = q2(op * D(str(f["rd"])) / 100 * D(rng.randint(90, 110)) / 100)
        tax = q2(op * D(str(f["tax"])) / 100 * D(rng.randint(90, 110)) / 100)
        emp = f["emp"][i]
        rows.append(
            {
                "year": year,
                "operating_revenue": money(op),
                "service_revenue": money(sr),
                "total_profit": money(profit),
                "rd_expense": money(rd),
                "tax_paid": money(tax),
                "employees": emp,
            }
        )
        ctx.update(
            {
                f"op{year}": fmt(op),
                f"sr{year}": fmt(sr),
                f"share{year}": pct(sr, op),
                f"profit{year}": fmt(profit),
                f"rd{year}": fmt(rd),
                f"tax{year}": fmt(tax),
                f"emp{year}": str(emp),
            }
        )
        # the share printed in the text must be the share the figures give
        assert pct(sr, op) == f"{share:.2f}", (app_id, year, pct(sr, op), share)
    first, last = f["years"][0], f["years"][-1]
    op0, op1 = q2(f["op"][0]), q2(f["op"][-1])
    sr0, sr1 = D(repr(rows[0]["service_revenue"])), D(repr(rows[-1]["service_revenue"]))
    ctx["share_delta"] = f"{D(ctx[f'share{last}']) - D(ctx[f'share{first}']):.2f}"
    ctx["sr_growth"] = pct(sr1 - sr0, sr0)
    ctx["op_growth"] = pct(op1 - op0, op0)
    header = ["指标"] + [f"{y}年" for y in f["years"]]
    ctx["fin_table"] = table(
        header,
        [
            ["营业收入（万元）"] + [ctx[f"op{y}"] for y in f["years"]],
            ["服务收入（万元）"] + [ctx[f"sr{y}"] for y in f["years"]],
            ["服务收入占比（%）"] + [ctx[f"share{y}"] for y in f["years"]],
            ["利润总额（万元）"] + [ctx[f"profit{y}"] for y in f["years"]],
            ["研发投入（万元）"] + [ctx[f"rd{y}"] for y in f["years"]],
            ["从业人员（人）"] + [ctx[f"emp{y}"] for y in f["years"]],
        ],
    )
    return rows, ctx


def build_contact(c) -> dict:
    name, title, phone, mobile, email = c
    return {"name": name, "title": title, "phone": phone, "mobile": mobile, "email": email}


def build_applicant(a: dict, division: str) -> dict:
    out = {
        "name": a["name"],
        "uscc": uscc_for(division, a["name"]),
        "address": a["address"],
        "postcode": a["postcode"],
        "legal_representative": a["legal"],
        "established_on": a["established"],
        "registered_capital": money(a["capital"]),
        "ownership": a["ownership"],
        "industry": a["industry"],
        "listed": a["stock"] is not None,
    }
    if a["stock"] is not None:
        out["stock_code"] = a["stock"]
    out["contact"] = build_contact(a["contact"])
    return out


def build_app(city: dict, spec: dict) -> tuple[dict, list]:
    """Return the application's JSON object and the attachment jobs (kind, path, opts)."""
    app: dict = {"id": spec["id"], "category": spec["category"]}
    ctx: dict = {}
    if spec["category"] in ("platform", "city"):
        app["subtype"] = spec["subtype"]
    if spec["category"] != "city":
        app["mode"] = spec["mode"]
    if spec["category"] in ("platform", "project"):
        app["title"] = spec["title"]
    if spec["category"] == "city":
        gov = f"{city['name']}人民政府"
        c = city["contact"]
        app["applicant"] = {
            "name": gov,
            "address": city["gov_address"],
            "postcode": city["gov_postcode"],
            "contact": build_contact((c[0], c[1], c[2], c[3], c[6])),
        }
    else:
        app["applicant"] = build_applicant(spec["a"], city["code"])
    if spec["category"] == "platform":
        launched = spec["launched"]
        app["platform"] = {
            "launched_on": launched,
            "registered_users": spec["users"],
            "annual_orders": spec["orders"],
        }
        y, m, _ = launched.split("-")
        ctx.update(
            launched=f"{y}年{int(m)}月", users=f"{spec['users']:,}", orders=f"{spec['orders']:,}"
        )
    if spec["category"] != "city":
        rows, fctx = build_financials(spec["id"], spec["fin"])
        app["financials"] = rows
        ctx.update(fctx)
        app["declarations"] = {
            "independent_legal_person": True,
            "no_major_accident": True,
            "no_violation": True,
        }
    sections = spec["sections"]
    if callable(sections):
        sections = sections(ctx)
    else:
        sections = [(h, t.format_map(ctx)) for h, t in sections]
    app["sections"] = [{"heading": h, "text": t} for h, t in sections]
    jobs, atts = [], []
    for title, fname, kind, opts in spec["att"]:
        rel = f"attachments/{spec['id']}/{fname}"
        atts.append({"title": title, "file": rel})
        jobs.append((kind, rel, opts))
    app["attachments"] = atts
    if spec.get("ind"):
        app["indicators"] = spec["ind"]
    return app, jobs


def build_city(city: dict) -> tuple[dict, list]:
    c = city["contact"]
    doc = {
        "schema": SCHEMA,
        "edition": EDITION,
        "submitted_on": city["submitted"],
        "city": {
            "name": city["name"],
            "division_code": city["code"],
            "bureau": f"{city['name']}工业和信息化局",
            "government": f"{city['name']}人民政府",
            "extra_platform_quota": city["extra"],
            "contact": {
                "name": c[0],
                "title": c[1],
                "phone": c[2],
                "mobile": c[3],
                "wechat": c[4],
                "fax": c[5],
                "email": c[6],
            },
        },
        "applications": [],
    }
    jobs = []
    for spec in city["apps"]:
        assert spec["id"].startswith(city["abbr"] + "-"), spec["id"]
        app, app_jobs = build_app(city, spec)
        doc["applications"].append(app)
        jobs += [(app, *j) for j in app_jobs]
    return doc, jobs


def write_city(city: dict) -> Path:
    code = city["code"]
    assert code != EXAMPLE_CODE
    folder = HERE / code
    if folder.exists():
        shutil.rmtree(folder)
    doc, jobs = build_city(city)
    for app, kind, rel, opts in jobs:
        write_attachment(kind, folder / rel, app["id"], app, opts)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    (folder / "city.json").write_text(text, encoding="utf-8")
    return folder / "city.json"


# ---------------------------------------------------------------------------------------------
# self-check of all 14 city files (including 柳州's) against CONTRACT §1-§2 and the sample plan
# ---------------------------------------------------------------------------------------------

MODES = {
    "定制化服务",
    "供应链管理",
    "共享制造",
    "检验检测认证服务",
    "全生命周期管理",
    "总集成总承包",
    "节能环保服务",
    "生产性金融服务",
    "其他",
}


def _decimals_ok(v) -> bool:
    return isinstance(v, (int, float)) and D(repr(v)) == D(repr(v)).quantize(CENT)


def check_all() -> list[str]:
    """Return a list of problems (empty when every file is as intended)."""
    import datetime as dt

    problems: list[str] = []
    ids, usccs, warnings = {}, {}, []
    coverage = set()
    extra_cities = []
    example = json.loads((HERE / EXAMPLE_CODE / "city.json").read_text(encoding="utf-8"))
    top_keys = list(example)
    city_keys = list(example["city"])
    contact_keys = list(example["city"]["contact"])
    for path in sorted(HERE.glob("*/city.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        where = path.parent.name
        code = doc["city"]["division_code"]
        if where != code:
            problems.append(f"{path}: folder {where} != division code {code}")
        if (
            list(doc) != top_keys
            or list(doc["city"]) != city_keys
            or list(doc["city"]["contact"]) != contact_keys
        ):
            problems.append(f"{path}: top-level / city keys differ from the example")
        if doc["schema"] != SCHEMA or doc["edition"] != EDITION:
            problems.append(f"{path}: schema/edition")
        sub = dt.date.fromisoformat(doc["submitted_on"])
        if code != EXAMPLE_CODE and not dt.date(2021, 4, 20) <= sub <= dt.date(2021, 5, 14):
            problems.append(f"{path}: submitted_on {sub}")
        if (
            doc["city"]["bureau"] != doc["city"]["name"] + "工业和信息化局"
            or doc["city"]["government"] != doc["city"]["name"] + "人民政府"
        ):
            problems.append(f"{path}: bureau/government")
        apps = doc["applications"]
        if not 2 <= len(apps) <= 8:
            problems.append(f"{path}: {len(apps)} applications")
        count = {"enterprise": 0, "shared": 0, "other": 0, "project": 0, "city": 0}
        for i, app in enumerate(apps):
            at = f"{path.parent.name}/applications[{i}] {app['id']}"
            cat = app["category"]
            if app["id"] in ids:
                problems.append(f"{at}: id also in {ids[app['id']]}")
            ids[app["id"]] = where
            if cat == "platform":
                count[app["subtype"]] += 1
                coverage.add(("platform", app["subtype"]))
            else:
                count[cat] += 1
                coverage.add((cat, app.get("subtype")))
            mode = app.get("mode")
            if cat != "city" and mode not in MODES:
                problems.append(f"{at}: mode {mode}")
            if (
                (cat == "enterprise" and mode == "共享制造")
                or (cat == "project" and mode != "共享制造")
                or (cat == "platform" and (app["subtype"] == "shared") != (mode == "共享制造"))
            ):
                problems.append(f"{at}: mode {mode} not allowed for {cat}/{app.get('subtype')}")
            a = app["applicant"]
            if cat == "city":
                if "uscc" in a:
                    problems.append(f"{at}: city applicant with uscc")
            else:
                u = a["uscc"]
                if not is_valid(u) or u[2:8] != code or not u.startswith("91"):
                    problems.append(f"{at}: uscc {u}")
                if u in usccs:
                    problems.append(f"{at}: uscc {u} also in {usccs[u]}")
                usccs[u] = app["id"]
                if ("stock_code" in a) != a["listed"]:
                    problems.append(f"{at}: stock_code vs listed")
                if not all(app["declarations"].values()) or len(app["declarations"]) != 3:
                    problems.append(f"{at}: declarations")
                rows = app["financials"]
                for r in rows:
                    for k in (
                        "operating_revenue",
                        "service_revenue",
                        "total_profit",
                        "rd_expense",
                        "tax_paid",
                    ):
                        if not _decimals_ok(r[k]):
                            problems.append(f"{at}: {r['year']} {k} = {r[k]!r}")
                    if not r["service_revenue"] < r["operating_revenue"]:
                        problems.append(f"{at}: {r['year']} service >= operating")
                if cat == "enterprise":
                    last = rows[-1]
                    share = (
                        D(repr(last["service_revenue"])) * 100 / D(repr(last["operating_revenue"]))
                    )
                    if share < 30:
                        warnings.append(f"{at}: service share {share.quantize(CENT)}%")
            if cat == "platform":
                launched = dt.date.fromisoformat(app["platform"]["launched_on"])
                if launched > sub.replace(year=sub.year - 2):
                    problems.append(f"{at}: launched_on {launched} less than 2 years before {sub}")
            if len(app["sections"]) != 4:
                problems.append(f"{at}: {len(app['sections'])} sections")
            if code != EXAMPLE_CODE and not 0 <= len(app["attachments"]) <= 3:
                problems.append(f"{at}: {len(app['attachments'])} attachments")
            for att in app["attachments"]:
                f = (path.parent / att["file"]).resolve()
                if not f.is_file() or path.parent.resolve() not in f.parents:
                    problems.append(f"{at}: attachment {att['file']} missing or outside")
                    continue
                head = f.read_bytes()[:8]
                if not (
                    head.startswith(b"%PDF")
                    or head.startswith(b"\xff\xd8\xff")
                    or head.startswith(b"\x89PNG")
                ):
                    problems.append(f"{at}: attachment {att['file']} is not PDF/JPEG/PNG")
                if code != EXAMPLE_CODE and not att["file"].startswith(f"attachments/{app['id']}/"):
                    problems.append(f"{at}: attachment {att['file']} not under attachments/<id>/")
        extra = doc["city"]["extra_platform_quota"]
        limits = {"enterprise": 2, "shared": 1, "other": 3 if extra else 1, "project": 1, "city": 1}
        for k, n in count.items():
            if n > limits[k]:
                problems.append(f"{path}: {n} × {k} > {limits[k]}")
        if extra and code != EXAMPLE_CODE and 2 <= count["other"] <= 3:
            extra_cities.append(code)
    wanted = {
        ("enterprise", None),
        ("platform", "shared"),
        ("platform", "other"),
        ("project", None),
        ("city", "design"),
        ("city", "other"),
    }
    if wanted - coverage:
        problems.append(f"categories not covered: {wanted - coverage}")
    if not extra_cities:
        problems.append("no city besides 柳州 uses the extra platform quota")
    if len(warnings) != 1:
        problems.append(f"expected exactly one low-service-share enterprise, got {warnings}")
    return problems


def main() -> int:
    example = json.loads((HERE / EXAMPLE_CODE / "city.json").read_text(encoding="utf-8"))
    for app in example["applications"]:
        if "uscc" in app["applicant"]:
            USED_USCC.add(app["applicant"]["uscc"])
    for city in CITIES:
        path = write_city(city)
        print(f"wrote {path.relative_to(HERE.parent)}  ({len(city['apps'])} applications)")
    problems = check_all()
    for p in problems:
        print("PROBLEM:", p)
    if not problems:
        print("check: all 14 city files OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
