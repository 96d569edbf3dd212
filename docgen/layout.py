"""Page geometry in one place: page sizes, GB/T 9704 margins, the straddle-seal band and slot boxes.

The renderers, the bundle stamper and the manifest all take their numbers from here, so the box
written in the manifest is the box that was kept clear. Units are PDF points (1/72 in) unless a
name says ``_mm``; boxes are ``(x0, y0, x1, y1)`` with the origin at the bottom left.

Page numbers: one system per page. A page of the summary table or of a form's body (after its
cover) shows only its own document's number "— k —" (GB/T 9704 7.5: 4号 song, odd pages right,
even pages left, one character in from the text edge); the submission letter numbers its own
pages the same way (none on its first page). The packet's cover and contents show no number.
Every other page of the bundle (a form's cover, an attachment, a blank verso) shows only the
packet's running number "柳州市 第 n / N 页", which is the number the contents, the page labels,
the bookmarks and the manifest refer to.

Landscape pages (the summary table) are bound with their top at the portrait packet's binding
edge, so their straddle band lies on the page's bottom edge, the bound sheet's outer edge.
"""

from __future__ import annotations

from dataclasses import dataclass

MM = 72.0 / 25.4

A4_W = 210.0 * MM
A4_H = 297.0 * MM

# GB/T 9704-2012: top 37 mm, left (binding) 28 mm, text area 156 x 225 mm.
MARGIN_TOP = 37.0 * MM
MARGIN_LEFT = 28.0 * MM
MARGIN_RIGHT = 26.0 * MM
MARGIN_BOTTOM = 35.0 * MM
# Landscape pages (the summary table) are bound with their top at the binding edge of the
# portrait packet: the top margin clears the staples, and the bottom edge (the sheet's outer
# edge once bound) holds the straddle band (half a seal, 21 mm) and, above it, the page number.
LS_MARGIN_TOP = 20.0 * MM
LS_MARGIN_LEFT = 20.0 * MM
LS_MARGIN_RIGHT = 20.0 * MM
LS_MARGIN_BOTTOM = 28.0 * MM
# the page number's baseline above the straddle band on the bottom edge ("—" has no descent)
LS_PAGE_NUMBER_CLEAR = 2.0 * MM
# The summary's XLSX prints landscape as the user's program lays it out (not turned for
# binding): it keeps GB/T 9704's right margin for the bureau's seal at the right edge.
XLSX_MARGIN_TOP = 20.0 * MM
XLSX_MARGIN_LEFT = 25.0 * MM
XLSX_MARGIN_RIGHT = 26.0 * MM
XLSX_MARGIN_BOTTOM = 22.0 * MM

BINDING_CLEAR = 10.0 * MM  # nothing important within 10 mm of the left edge

ENTERPRISE_SEAL_MM = 42.0
GOVERNMENT_SEAL_MM = 45.0
BUREAU_SEAL_MM = 42.0
STRADDLE_SEAL_MM = 42.0

PAGE_NUMBER_SIZE = 14.0  # 4号
PAGE_NUMBER_GAP = 7.0 * MM  # below the text area

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PageGeometry:
    width: float
    height: float
    margin_top: float
    margin_left: float
    margin_right: float
    margin_bottom: float

    @property
    def frame(self) -> Box:
        """The text area: everything a renderer draws except page numbers lies inside it."""
        return (
            self.margin_left,
            self.margin_bottom,
            self.width - self.margin_right,
            self.height - self.margin_top,
        )

    @property
    def frame_width(self) -> float:
        return self.width - self.margin_left - self.margin_right

    @property
    def frame_height(self) -> float:
        return self.height - self.margin_top - self.margin_bottom

    @property
    def page_number_baseline(self) -> float:
        base = self.margin_bottom - PAGE_NUMBER_GAP - PAGE_NUMBER_SIZE * 0.8
        if self.width > self.height:  # the straddle band lies on a landscape page's bottom edge
            base = max(base, straddle_band_width() + LS_PAGE_NUMBER_CLEAR)
        return base

    @property
    def band_x0(self) -> float:
        """Left edge of the straddle band: nothing of content may be drawn right of it."""
        return self.width - straddle_band_width()


PORTRAIT = PageGeometry(A4_W, A4_H, MARGIN_TOP, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_BOTTOM)
LANDSCAPE = PageGeometry(
    A4_H, A4_W, LS_MARGIN_TOP, LS_MARGIN_LEFT, LS_MARGIN_RIGHT, LS_MARGIN_BOTTOM
)


def geometry(landscape: bool) -> PageGeometry:
    return LANDSCAPE if landscape else PORTRAIT


def straddle_band_width(diameter_mm: float = STRADDLE_SEAL_MM) -> float:
    """Half the seal's diameter: the slice of the seal each fanned page shows."""
    return diameter_mm / 2.0 * MM


def straddle_box(
    page_width: float,
    page_height: float,
    group_index: int = 0,
    diameter_mm: float = STRADDLE_SEAL_MM,
) -> Box:
    """The clear box at the right edge for straddle group ``group_index`` (0-based).

    Group 0 sits at the middle of the page; further groups step down, then up, by one seal
    diameter plus a gap so that consecutive stamps never overlap.
    """
    d = diameter_mm * MM
    step = d + 6.0 * MM
    centre = (page_height - d) / 2.0
    margin = 10.0 * MM
    # Only the heights that stay on the sheet (a landscape page has room for three): cycling
    # through them still gives consecutive groups different heights.
    offsets = [
        k for k in (0, -1, 1, -2, 2) if margin <= centre + k * step <= page_height - d - margin
    ] or [0]
    off = offsets[group_index % len(offsets)] * step
    y0 = round(centre + off, 1)
    x0 = round(page_width - straddle_band_width(diameter_mm), 1)
    return (x0, y0, round(page_width, 1), round(y0 + d, 1))


def landscape_straddle_box(
    page_width: float,
    page_height: float,
    group_index: int = 0,
    diameter_mm: float = STRADDLE_SEAL_MM,
) -> Box:
    """The straddle box of a landscape page bound with its top at the binding edge: the
    sheet's outer edge is the page's bottom edge, and the box lies there at the place the
    portrait pages' box has along that edge (portrait y becomes landscape x)."""
    _px0, py0, _px1, py1 = straddle_box(page_height, page_width, group_index, diameter_mm)
    return (py0, 0.0, py1, round(straddle_band_width(diameter_mm), 1))


def seal_box(cx: float, cy: float, diameter_mm: float) -> Box:
    """Square box around an official seal circle centred at (cx, cy)."""
    r = diameter_mm * MM / 2.0
    return (round(cx - r, 1), round(cy - r, 1), round(cx + r, 1), round(cy + r, 1))


def intersects(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# --- Typography of the PDF renderer -----------------------------------------------------------
# Body lines: 3号 (16 pt) on a 28.8 pt pitch gives GB/T 9704's 22 lines in the 225 mm text area.
LEADING_RATIO = 1.8
TITLE_LEADING_RATIO = 1.5
TABLE_LEADING_RATIO = 1.5
COVER_LEADING_RATIO = 2.2
TABLE_PAD_X = 4.0  # cell padding, points
TABLE_PAD_Y = 3.0
TABLE_GRID_WIDTH = 0.5
TABLE_BOX_WIDTH = 1.0
TABLE_HEADER_GREY = 0.9  # fill of header / label cells
TABLE_SPACE = 8.0  # above and below a table, points
CAPTION_SIZE_STEP = 2.0  # a table caption is this much larger than the table's text
COVER_INDENT_EM = 2.0  # cover fields sit this far in from both sides of the text area
COVER_UNDERLINE_WIDTH = 0.6
SIGNATURE_RIGHT_INDENT_EM = 2.0  # signature lines end this far left of the text area's edge
# An official seal's centre sits this many lines above the boundary between the unit's line and
# the date's line: the seal covers the name and the date's 年 and 月 (骑年盖月).
SEAL_RAISE_LINES = 0.1
OPINION_SIZE = 14.0  # 4号 inside an opinion box
OPINION_PAD = 8.0
LIST_MARKER_GAP_EM = 0.5
TICK_GAP_EM = 1.0  # between tick items
TICK_SUBGAP_EM = 0.5  # between nested tick items
JUSTIFY_MAX_SPACING_EM = 0.5  # wider gaps than this leave the line ragged instead
FAKE_BOLD_STROKE = 0.03  # stroke width (of the font size) that emboldens faces with no bold
SEAL_MARK_GREY = 0.8
SEAL_MARK_LINE_WIDTH = 0.5
SEAL_MARK_DASH = (3.0, 2.0)
SEAL_MARK_LABEL_SIZE = 6.0


# ---------------------------------------------------------------------------------------------
# The bundle: running packet numbers, attachment captions and the attachment content box.

RUNNING_NUMBER_SIZE = 9.0
RUNNING_NUMBER_BASELINE = 10.0 * MM  # the packet's "第 N / M 页" at the foot of every page
CAPTION_SIZE = 12.0  # "附件N：标题" on an attachment's first page
CAPTION_BASELINE_FROM_TOP = 14.0 * MM
ATTACHMENT_MARGIN_LEFT = 15.0 * MM  # binding side: staples sit within 10 mm
ATTACHMENT_MARGIN_TOP = 19.0 * MM  # room for the caption line
ATTACHMENT_MARGIN_BOTTOM = 17.0 * MM  # room for the running number
ATTACHMENT_BAND_GAP = 3.0 * MM  # between attachment content and the straddle band


def attachment_box(page: PageGeometry = PORTRAIT) -> Box:
    """Where a scaled attachment page may be drawn: clear of the binding edge, the caption line,
    the running number and (with a gap) the straddle band, on every page of the attachment."""
    return (
        ATTACHMENT_MARGIN_LEFT,
        ATTACHMENT_MARGIN_BOTTOM,
        page.band_x0 - ATTACHMENT_BAND_GAP,
        page.height - ATTACHMENT_MARGIN_TOP,
    )


def straddle_mark_circle(box: Box) -> tuple[float, float, float]:
    """Centre (x, y) and radius of the seal whose slice a straddle box holds: the seal is centred
    on the page's right edge, so each page shows its left half."""
    _x0, y0, x1, y1 = box
    r = (y1 - y0) / 2.0
    return (x1, (y0 + y1) / 2.0, r)


# ---------------------------------------------------------------------------------------------
# The letter (报送函) in GB/T 9704-2012's letter format (§10.1 信函格式) on the page above.

LETTER_GRID_CHARS = 28  # 28 characters of 3号 per line, 22 lines per page (LEADING_RATIO)
LETTER_BODY_SIZE = 16.0  # 3号
LETTER_TITLE_SIZE = 22.0  # 2号
LETTERHEAD_SIZE = 30.0  # the issuing body's name: the standard leaves its size to the body
LETTERHEAD_TOP = 30.0 * MM  # 发文机关标志: its upper edge 30 mm below the top of the page
LETTER_RULE_GAP = 4.0 * MM  # the first red double rule, 4 mm under the name
LETTER_RULE_LENGTH = 170.0 * MM  # both red double rules, centred on the text area
LETTER_FOOT_RULE = 20.0 * MM  # the second red double rule, 20 mm above the foot of the page
LETTER_RULE_THICK = 2.0  # 文武线: the thick line of the double rule, points
LETTER_RULE_THIN = 0.75  # the thin line
LETTER_RULE_SPACE = 1.5  # between the two lines
LETTER_NUMBER_GAP = 7.0 / 8.0 * 16.0  # 发文字号: 7/8 of a 3号 character's height under the rule
LETTER_TITLE_GAP_LINES = 2  # the title: two empty lines under the document number
LETTER_RED = (1.0, 0.0, 0.0)  # the letterhead and rules: pure red (DeviceRGB 1 0 0)
LETTER_PAGE_NUMBER_INSET_EM = 1.0  # "— 2 —": one character in from the text area's edge
