"""Render a ``docgen.document.Document`` to a Word (.docx) file with python-docx.

The page geometry comes from ``docgen.layout``; every run carries its East Asian face
(``w:eastAsia``), and characters the role's primary face lacks get runs of their own in the face
the PDF draws them with; the bytes are deterministic (fixed dates, fixed zip timestamps, sorted
entries).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Pt, Twips
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run as DocxRun

from docgen import layout
from docgen.document import (
    Align,
    Block,
    CoverFields,
    Document,
    Heading,
    ListItem,
    OpinionBox,
    PageBreak,
    Paragraph,
    Role,
    Runs,
    SealKind,
    SignatureBlock,
    Spacer,
    Table,
    TickBoxes,
    TickItem,
    Title,
    plain,
)

__all__ = ["render_docx"]

# Fixed metadata: identical input gives identical bytes.
FIXED_DATE = dt.datetime(2000, 1, 1, 0, 0, 0, tzinfo=dt.UTC)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
AUTHOR = "docgen"

LEADING = 1.8  # line pitch / type size: 16 pt type on a 28.8 pt pitch gives GB/T 9704's 22 lines
TABLE_LEADING = 1.45
HEADING_INDENT_CHARS = 2  # GB/T 9704: structure numbers 一、（一） start two characters in
SIGNATURE_RIGHT_CHARS = 2  # signature lines end two characters before the right margin
HEADER_SHADING = "EDEDED"  # light grey behind header / label cells
SEAL_MARK_COLOR = "BFBFBF"  # light grey, dashed: a slot mark, not content
CHECKBOX_FONT = "Segoe UI Symbol"  # on every Windows since 7; has ☐ (2610) and ☒ (2612)
CHECKED_CHAR = 0x2612
UNCHECKED_CHAR = 0x2610

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}
_HEADING_ROLE: dict[int, Role] = {1: "hei", 2: "kai", 3: "fangsong"}
_SEAL_MM: dict[SealKind, float] = {
    "applicant": layout.ENTERPRISE_SEAL_MM,
    "government": layout.GOVERNMENT_SEAL_MM,
    "bureau": layout.BUREAU_SEAL_MM,
}
# XML 1.0 forbids C0 controls other than tab/newline/CR, lone surrogates and U+FFFE/U+FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_EMU_PER_PT = 12700
CELL_MARGIN = 108 / 20  # Word's default left/right cell margin (0.19 cm), in points
_SHAPE_NS = (
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def render_docx(
    doc: Document,
    families: Mapping[Role, str],
    fallbacks: Mapping[Role, Mapping[str, str]] | None = None,
) -> bytes:
    """Render ``doc`` to the bytes of a .docx file.

    ``families`` maps each role ("song", "hei", "kai", "fangsong") to an installed font family
    name; a missing role falls back to "song". ``fallbacks`` maps a role to the characters its
    primary face lacks and the family of the face that has each
    (``FontSet.fallback_families``): those characters get runs of their own in that family,
    as the PDF draws them, instead of whatever face Word or LibreOffice would substitute.
    """
    return _DocxRenderer(doc, families, fallbacks).render()


def clean_text(text: str) -> str:
    """Text as python-docx should receive it: newlines normalised, XML-forbidden chars dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _FORBIDDEN.sub("", text)


def _text_width_em(text: str) -> float:
    """Approximate advance of ``text`` in ems (CJK and ambiguous characters full width)."""
    return sum(0.5 if unicodedata.east_asian_width(c) in "NaH" else 1.0 for c in text)


def _pt_twips(value: float) -> int:
    return round(value * 20)


def _set_fonts(rpr: BaseOxmlElement, family: str) -> None:
    """Put ``family`` in every slot of ``w:rFonts`` (incl. ``w:eastAsia``), drop theme fonts."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in _THEME_FONT_ATTRS:
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), family)
    rfonts.set(qn("w:hint"), "eastAsia")


def _set_child(
    parent: BaseOxmlElement, tag: str, successors: Sequence[str] = ()
) -> BaseOxmlElement:
    """Return ``parent``'s child ``tag``, creating it before the first of ``successors``."""
    child = parent.find(qn(tag))
    if child is None:
        child = OxmlElement(tag)
        for succ in successors:
            anchor = parent.find(qn(succ))
            if anchor is not None:
                anchor.addprevious(child)
                break
        else:
            parent.append(child)
    return child


class _DocxRenderer:
    def __init__(
        self,
        doc: Document,
        families: Mapping[Role, str],
        fallbacks: Mapping[Role, Mapping[str, str]] | None = None,
    ) -> None:
        self.doc = doc
        self.families = families
        self.fallbacks = fallbacks or {}
        # Per role: primary family, and the characters needing another face (None: none do).
        self._role_faces: dict[Role, tuple[str, frozenset[str] | None, Mapping[str, str]]] = {}
        self.geo = layout.geometry(doc.landscape)
        self.word: DocxDocument = docx.Document()
        self.pending_break = False
        self.last_paragraph: DocxParagraph | None = None
        self.shape_id = 0
        self.sdt_id = 0
        self._rpr_cache: dict[tuple[str, float, bool, str | None], BaseOxmlElement] = {}
        self._ppr_cache: dict[
            tuple[Align, float, float, float, float, int, bool], BaseOxmlElement
        ] = {}

    # ------------------------------------------------------------------ setup

    def family(self, role: Role) -> str:
        name = self.families.get(role) or self.families.get("song")
        if not name:
            raise ValueError(f"no font family given for role {role!r} (nor for 'song')")
        return name

    def faces(self, role: Role) -> tuple[str, frozenset[str] | None, Mapping[str, str]]:
        """The role's primary family, the characters drawn with another face (``None`` if
        there are none) and the family for each of them."""
        faces = self._role_faces.get(role)
        if faces is None:
            primary = self.family(role)
            # A role without a family of its own is printed in song's: so are its fallbacks.
            fallback = self.fallbacks.get(role if self.families.get(role) else "song") or {}
            fallback = {ch: fam for ch, fam in fallback.items() if fam and fam != primary}
            chars = frozenset(fallback) if fallback else None
            faces = self._role_faces[role] = (primary, chars, fallback)
        return faces

    def render(self) -> bytes:
        self._setup_package()
        self._setup_styles()
        self._setup_page(self.word.sections[0])
        cover_break = self._cover_break_index()
        for index, block in enumerate(self.doc.blocks):
            if index == cover_break:
                self._end_cover_section()
            else:
                self._block(block)
        self._finish(cover_break is not None)
        out = io.BytesIO()
        self.word.save(out)
        return _repack(out.getvalue())

    def _setup_package(self) -> None:
        package = self.word.part.package
        for rid, rel in list(package.rels.items()):
            if rel.reltype == RT.THUMBNAIL:  # the template's picture of an empty page
                package.rels.pop(rid)
        document_rels = self.word.part.rels
        for rid, rel in list(document_rels.items()):
            # Word 2010's copy of the styles, still with theme fonts: Word rebuilds it if needed.
            if rel.reltype.endswith("/stylesWithEffects"):
                document_rels.pop(rid)
        props = self.word.core_properties
        props.title = clean_text(self.doc.title)
        props.author = AUTHOR
        props.last_modified_by = AUTHOR
        props.comments = ""
        props.subject = ""
        props.keywords = ""
        props.category = ""
        props.revision = 1
        props.created = FIXED_DATE
        props.modified = FIXED_DATE
        props.language = "zh-CN"
        settings = self.word.settings.element
        rsids = settings.find(qn("w:rsids"))
        if rsids is not None:
            settings.remove(rsids)
        lang = settings.find(qn("w:themeFontLang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")

    def _setup_styles(self) -> None:
        styles_el = self.word.styles.element
        body_family = self.family("fangsong")
        # docDefaults: explicit faces (no theme), Chinese language, no spacing after paragraphs.
        for rfonts in styles_el.iter(qn("w:rFonts")):
            for attr in _THEME_FONT_ATTRS:
                rfonts.attrib.pop(qn(attr), None)
        rpr_default = styles_el.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr_default is not None:
            _set_fonts(rpr_default, body_family)
            lang = rpr_default.find(qn("w:lang"))
            if lang is not None:
                lang.set(qn("w:eastAsia"), "zh-CN")
        spacing = styles_el.find(
            f"{qn('w:docDefaults')}/{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}"
        )
        if spacing is not None:
            spacing.set(qn("w:after"), "0")
            spacing.set(qn("w:line"), "240")
            spacing.set(qn("w:lineRule"), "auto")

        normal = self.word.styles["Normal"]
        _set_fonts(normal.element.get_or_add_rPr(), body_family)
        normal.font.size = Pt(16)

        for level in (1, 2, 3):
            style = self.word.styles[f"Heading {level}"]
            rpr = style.element.get_or_add_rPr()
            _set_fonts(rpr, self.family(_HEADING_ROLE[level]))
            for tag in ("w:color", "w:i", "w:iCs"):
                for el in rpr.findall(qn(tag)):
                    rpr.remove(el)
            style.font.bold = level == 3
            style.font.italic = False
            style.font.size = Pt(16)
            style.font.color.rgb = docx.shared.RGBColor(0, 0, 0)
            fmt = style.paragraph_format
            fmt.space_before = Pt(0)
            fmt.space_after = Pt(0)
            fmt.keep_with_next = True
            # The linked character style ("Heading 1 Char") must not bring its theme face back.
            linked = style.element.find(qn("w:link"))
            if linked is not None:
                char_style = self.word.styles.element.get_by_id(linked.get(qn("w:val")))
                if char_style is not None:
                    crpr = char_style.get_or_add_rPr()
                    _set_fonts(crpr, self.family(_HEADING_ROLE[level]))
                    for el in crpr.findall(qn("w:color")):
                        crpr.remove(el)

    def _setup_page(self, section: Section) -> None:
        geo = self.geo
        section.orientation = WD_ORIENT.LANDSCAPE if self.doc.landscape else WD_ORIENT.PORTRAIT
        section.page_width = Twips(_pt_twips(geo.width))
        section.page_height = Twips(_pt_twips(geo.height))
        section.top_margin = Twips(_pt_twips(geo.margin_top))
        section.bottom_margin = Twips(_pt_twips(geo.margin_bottom))
        section.left_margin = Twips(_pt_twips(geo.margin_left))
        section.right_margin = Twips(_pt_twips(geo.margin_right))
        section.gutter = Twips(0)
        section.header_distance = Twips(_pt_twips(min(15 * layout.MM, geo.margin_top / 2)))
        # Footer bottom so that the page number's baseline lands on layout's baseline.
        footer_bottom = geo.page_number_baseline - 0.1 * layout.PAGE_NUMBER_SIZE
        section.footer_distance = Twips(_pt_twips(max(footer_bottom, 5 * layout.MM)))

    def _cover_break_index(self) -> int | None:
        """Index of the PageBreak that ends the cover (the ``cover_pages``-th), if any."""
        if self.doc.cover_pages <= 0:
            return None
        seen = 0
        for index, block in enumerate(self.doc.blocks):
            if isinstance(block, PageBreak):
                seen += 1
                if seen == self.doc.cover_pages:
                    return index
        return None

    def _end_cover_section(self) -> None:
        """Close the cover section (no page numbers) with a next-page section break."""
        body = self.word.element.body
        last = body[-2] if len(body) >= 2 else None  # body[-1] is the final w:sectPr
        if last is None or last.tag != qn("w:p"):
            para = self._minimal_paragraph()
            last = para._p
        ppr = last.get_or_add_pPr()
        cover_sect = copy.deepcopy(body.sectPr)  # no footer references yet: blank footers
        ppr.append(cover_sect)
        self.pending_break = False
        self.last_paragraph = None

    def _finish(self, has_cover_section: bool) -> None:
        body = self.word.element.body
        if len(body) >= 2 and body[-2].tag == qn("w:tbl"):
            self._minimal_paragraph()  # Word wants a paragraph between a table and sectPr
        self.word.settings.odd_and_even_pages_header_footer = True
        section = self.word.sections[-1]
        sect_pr = section._sectPr
        if has_cover_section:
            _set_child(sect_pr, "w:pgNumType", ("w:cols",)).set(qn("w:start"), "1")
        elif self.doc.cover_pages > 0:
            # The cover is not delimited by a PageBreak: hide the first page's number and
            # count it as page 0 so the next page is 1.
            _set_child(sect_pr, "w:pgNumType", ("w:cols",)).set(qn("w:start"), "0")
            section.different_first_page_header_footer = True
            section.first_page_footer.is_linked_to_previous = False
        else:
            _set_child(sect_pr, "w:pgNumType", ("w:cols",)).set(qn("w:start"), "1")
        section.footer.is_linked_to_previous = False
        section.even_page_footer.is_linked_to_previous = False
        self._page_number(section.footer.paragraphs[0], odd=True)
        self._page_number(section.even_page_footer.paragraphs[0], odd=False)

    def _page_number(self, para: DocxParagraph, *, odd: bool) -> None:
        """ "— N —" in 4号 song; odd pages right, even pages left, one character in (GB/T 9704)."""
        size = layout.PAGE_NUMBER_SIZE
        para.style = self.word.styles["Normal"]
        fmt = para.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
        if odd:
            fmt.right_indent = Pt(size)
        else:
            fmt.left_indent = Pt(size)
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        family = self.family("song")
        self._text(para, "— ", "song", size)
        self._run(para, "", family, size)._r.append(_fld_char("begin"))
        instr = self._run(para, "", family, size)
        instr_el = OxmlElement("w:instrText")
        instr_el.set(qn("xml:space"), "preserve")
        instr_el.text = " PAGE "
        instr._r.append(instr_el)
        self._run(para, "", family, size)._r.append(_fld_char("separate"))
        self._text(para, "1", "song", size)
        self._run(para, "", family, size)._r.append(_fld_char("end"))
        self._text(para, " —", "song", size)

    # ------------------------------------------------------------------ primitives

    def _run(
        self,
        para: DocxParagraph,
        text: str,
        family: str,
        size: float,
        *,
        bold: bool = False,
        color: str | None = None,
    ) -> DocxRun:
        key = (family, size, bold, color)
        rpr = self._rpr_cache.get(key)
        if rpr is None:
            scratch = DocxRun(OxmlElement("w:r"), None)  # type: ignore[arg-type]
            _set_fonts(scratch._r.get_or_add_rPr(), family)
            scratch.font.size = Pt(size)
            if bold:
                scratch.font.bold = True
            if color:
                scratch.font.color.rgb = docx.shared.RGBColor.from_string(color)
            rpr = self._rpr_cache[key] = scratch._r.rPr
        r = para._p.add_r()
        r.append(copy.deepcopy(rpr))
        r.text = clean_text(text)  # keeps rPr; maps \t and \n to w:tab and w:br
        return DocxRun(r, para)

    def _text(
        self, para: DocxParagraph, text: str, role: Role, size: float, *, bold: bool = False
    ) -> None:
        """``text`` in ``role``'s face: one run, or one per stretch that another face of the
        role's chain draws (as the PDF does)."""
        primary, chars, fallback = self.faces(role)
        if chars is None or chars.isdisjoint(text):  # the common case: one run
            self._run(para, text, primary, size, bold=bold)
            return
        text = clean_text(text)
        current, start = primary, 0
        for i, ch in enumerate(text):
            family = fallback.get(ch, primary)
            if family != current:
                if i > start:
                    self._run(para, text[start:i], current, size, bold=bold)
                current, start = family, i
        self._run(para, text[start:], current, size, bold=bold)

    def _runs(
        self, para: DocxParagraph, text: Runs, role: Role, size: float, *, bold: bool = False
    ):
        for r in text:
            self._text(para, r.text, r.role or role, size, bold=bold or r.bold)

    def _paragraph(self, container=None, *, style: str | None = None) -> DocxParagraph:
        """A new body paragraph (or one in ``container``) taking any pending page break."""
        if container is None:
            para = self.word.add_paragraph(style=style)
            if self.pending_break:
                para.paragraph_format.page_break_before = True
                self.pending_break = False
            self.last_paragraph = para
        else:
            para = container.add_paragraph(style=style)
        return para

    def _minimal_paragraph(self) -> DocxParagraph:
        """An empty 1 pt paragraph: a carrier for a section break or a break before a table."""
        para = self.word.add_paragraph()
        fmt = para.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(1)
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        mark = para._p.get_or_add_pPr()
        rpr = _set_child(mark, "w:rPr", ("w:sectPr", "w:pPrChange"))
        sz = OxmlElement("w:sz")
        sz.set(qn("w:val"), "2")
        rpr.append(sz)
        if self.pending_break:
            fmt.page_break_before = True
            self.pending_break = False
        return para

    def _format(
        self,
        para: DocxParagraph,
        *,
        align: Align = "left",
        size: float = 16.0,
        leading: float | None = None,
        before: float = 0.0,
        after: float = 0.0,
        indent_chars: int = 0,
        keep_with_next: bool = False,
    ) -> None:
        line = round(leading if leading is not None else size * LEADING, 1)
        key = (align, size, line, before, after, indent_chars, keep_with_next)
        if para._p.pPr is None:
            ppr = self._ppr_cache.get(key)
            if ppr is None:
                scratch = DocxParagraph(OxmlElement("w:p"), None)  # type: ignore[arg-type]
                _apply_format(scratch, *key)
                ppr = self._ppr_cache[key] = scratch._p.pPr
            para._p.insert(0, copy.deepcopy(ppr))
        else:
            _apply_format(para, *key)

    # ------------------------------------------------------------------ blocks

    def _block(self, block: Block) -> None:
        match block:
            case Title():
                self._title(block)
            case Heading():
                self._heading(block)
            case Paragraph():
                self._body_paragraph(block)
            case ListItem():
                self._list_item(block)
            case TickBoxes():
                self._tick_boxes(block)
            case Table():
                self._table(block)
            case CoverFields():
                self._cover_fields(block)
            case SignatureBlock():
                self._signature(block)
            case OpinionBox():
                self._opinion(block)
            case PageBreak():
                self.pending_break = True
            case Spacer():
                self._spacer(block)
            case _:
                raise TypeError(f"unknown block {type(block).__name__}")

    def _title(self, block: Title) -> None:
        para = self._paragraph()
        self._format(
            para,
            align="center",
            size=block.size,
            leading=block.size * 1.5,
            before=block.space_before,
            after=block.space_after,
            keep_with_next=True,
        )
        self._runs(para, block.text, block.role, block.size, bold=True)

    def _heading(self, block: Heading) -> None:
        level = min(max(block.level, 1), 3)
        role = _HEADING_ROLE[level]
        para = self._paragraph(style=f"Heading {level}")
        self._format(para, align="justify", indent_chars=HEADING_INDENT_CHARS, keep_with_next=True)
        if not block.bookmark:
            # Keep the look, stay out of the navigation pane.
            _set_child(
                para._p.get_or_add_pPr(), "w:outlineLvl", ("w:divId", "w:cnfStyle", "w:rPr")
            ).set(qn("w:val"), "9")
        bold = level == 3
        if block.number:
            self._text(para, block.number, role, 16, bold=bold)
        self._runs(para, block.text, role, 16, bold=bold)

    def _body_paragraph(self, block: Paragraph) -> None:
        para = self._paragraph()
        self._format(
            para,
            align=block.align,
            size=block.size,
            before=block.space_before,
            after=block.space_after,
            indent_chars=block.indent,
            keep_with_next=block.keep_with_next,
        )
        self._runs(para, block.text, block.role, block.size)

    def _list_item(self, block: ListItem) -> None:
        size = block.size
        hang = max(1.5, _text_width_em(block.marker) + 0.5) * size
        left = 2 * size + hang
        para = self._paragraph()
        self._format(para, align="justify", size=size)
        fmt = para.paragraph_format
        fmt.left_indent = Pt(left)
        fmt.first_line_indent = Pt(-hang)
        fmt.tab_stops.add_tab_stop(Pt(left))
        self._text(para, block.marker + "\t", block.role, size)
        self._runs(para, block.text, block.role, size)

    def _tick_boxes(self, block: TickBoxes) -> None:
        size = block.size
        label = clean_text(block.label)
        if label and not label.endswith(("：", ":")):
            label += "："
        nested = any(item.level > 0 for item in block.items)
        para = self._paragraph()
        self._format(para, size=size, indent_chars=2, keep_with_next=nested)
        self._text(para, label, "fangsong", size)
        if not nested:
            for i, item in enumerate(block.items):
                self._tick(para, item, size, gap=i > 0)
            return
        # Categories each on their own line, their subtypes flowing on an indented line below.
        groups: list[tuple[TickItem | None, list[TickItem]]] = []
        for item in block.items:
            if item.level == 0 or not groups:
                groups.append((item if item.level == 0 else None, []))
                if item.level == 0:
                    continue
            groups[-1][1].append(item)
        for head, subs in groups:
            if head is not None:
                line = self._paragraph()
                self._format(line, size=size, indent_chars=4, keep_with_next=bool(subs))
                self._tick(line, head, size, gap=False)
            if subs:
                line = self._paragraph()
                self._format(line, size=size)
                line.paragraph_format.left_indent = Pt(6 * size)
                for i, sub in enumerate(subs):
                    self._tick(line, sub, size, gap=i > 0)

    def _tick(self, para: DocxParagraph, item: TickItem, size: float, *, gap: bool) -> None:
        if gap:
            self._text(para, "\u3000", "fangsong", size)
        para._p.append(self._checkbox(item.checked, size))
        self._text(para, item.text, "fangsong", size)

    def _checkbox(self, checked: bool, size: float) -> BaseOxmlElement:
        """A Word checkbox content control (clickable in Word; plain ☒/☐ text elsewhere)."""
        self.sdt_id += 1
        font = CHECKBOX_FONT
        rpr = (
            f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" '
            f'w:cs="{font}" w:hint="eastAsia"/><w:sz w:val="{round(size * 2)}"/></w:rPr>'
        )
        glyph = chr(CHECKED_CHAR if checked else UNCHECKED_CHAR)
        xml = (
            f'<w:sdt {nsdecls("w", "w14")}><w:sdtPr>{rpr}<w:id w:val="{self.sdt_id}"/>'
            f'<w14:checkbox><w14:checked w14:val="{1 if checked else 0}"/>'
            f'<w14:checkedState w14:val="{CHECKED_CHAR:04X}" w14:font="{font}"/>'
            f'<w14:uncheckedState w14:val="{UNCHECKED_CHAR:04X}" w14:font="{font}"/>'
            f"</w14:checkbox></w:sdtPr><w:sdtContent><w:r>{rpr}<w:t>{glyph}</w:t></w:r>"
            "</w:sdtContent></w:sdt>"
        )
        return parse_xml(xml)

    def _before_table(self) -> None:
        body = self.word.element.body
        if self.pending_break or (len(body) >= 2 and body[-2].tag == qn("w:tbl")):
            # A break before a table needs a paragraph to carry it; two tables in a row need a
            # paragraph between them or Word joins them.
            self._minimal_paragraph()
        self.last_paragraph = None

    def _new_table(self, rows: int, widths_twips: Sequence[int], *, borders: bool) -> DocxTable:
        table = self.word.add_table(rows=rows, cols=len(widths_twips))
        if borders:
            table.style = self.word.styles["Table Grid"]
        table.autofit = False
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        tbl_pr = table._tbl.tblPr
        tbl_w = _set_child(tbl_pr, "w:tblW", ("w:jc", "w:tblCellSpacing", "w:tblInd"))
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(sum(widths_twips)))
        if borders:
            _set_borders(
                tbl_pr, "tblBorders", ("top", "left", "bottom", "right", "insideH", "insideV")
            )
        for col, width in zip(table.columns, widths_twips, strict=True):
            col.width = Twips(width)
        return table

    def _table(self, block: Table) -> None:
        if not block.widths:
            return
        if block.caption:
            cap = self._paragraph()
            self._format(cap, align="center", size=block.size + 2, after=4, keep_with_next=True)
            self._runs(cap, block.caption, "hei", block.size + 2)
        self._before_table()
        widths = _split_widths(self.geo.frame_width, block.widths)
        ncols = len(widths)
        table = self._new_table(len(block.rows), widths, borders=True)
        leading = block.size * TABLE_LEADING
        # Work on the XML rows directly: python-docx's cell lookups rebuild the whole grid on
        # every call, which makes long tables quadratic.
        for r, (row_cells, tr) in enumerate(zip(block.rows, table._tbl.tr_lst, strict=True)):
            span_total = sum(max(c.colspan, 1) for c in row_cells)
            if span_total > ncols:
                raise ValueError(f"table row {r} spans {span_total} columns, the table has {ncols}")
            tr_pr = tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))
            if r < block.header_rows:
                tr_pr.append(OxmlElement("w:tblHeader"))
            tcs = list(tr.tc_lst)
            col = 0
            for cell_data in row_cells:
                span = max(cell_data.colspan, 1)
                tc = tcs[col]
                if span > 1:
                    tc.grid_span = span
                    for swallowed in tcs[col + 1 : col + span]:
                        tr.remove(swallowed)
                cell = _Cell(tc, table)
                cell.width = Twips(sum(widths[col : col + span]))
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                header = cell_data.header or r < block.header_rows
                if header:
                    _shade(cell, HEADER_SHADING)
                para = cell.paragraphs[0]
                self._format(para, align=cell_data.align, size=block.size, leading=leading)
                self._runs(para, cell_data.text, block.role, block.size, bold=header)
                col += span
            for rest in range(col, ncols):  # a short row: pad with empty cells
                cell = _Cell(tcs[rest], table)
                cell.width = Twips(widths[rest])
                self._format(cell.paragraphs[0], size=block.size, leading=leading)

    def _cover_fields(self, block: CoverFields) -> None:
        """A borderless two-column table: distributed labels, values over a bottom rule."""
        size = block.size
        labels = [self._cover_label(f.label) for f in block.fields]
        label_w = max((_text_width_em(lb) for lb in labels), default=4.0) * size
        label_w += 2 * CELL_MARGIN + 4
        value_w = max(self.geo.frame_width * 0.9 - label_w, 8 * size)
        widths = [_pt_twips(label_w), _pt_twips(value_w)]
        leading = size * LEADING
        row_min = leading + 0.6 * size * LEADING
        if any(f.seal is not None for f in block.fields):
            # The seal slots hang from a 1 pt paragraph just above the table: a shape anchored
            # inside a cell makes LibreOffice grow the row around it.
            carrier = self._minimal_paragraph()
            left = (self.geo.frame_width - label_w - value_w) / 2
            top = 1.0
            for field_data in block.fields:
                value_em = _text_width_em(plain(field_data.value))
                lines = max(1, math.ceil(value_em * size / (value_w - 2 * CELL_MARGIN)))
                row_h = max(row_min, lines * leading)
                if field_data.seal is not None:
                    d_pt = _SEAL_MM[field_data.seal] * layout.MM
                    self._seal_mark(
                        carrier,
                        d_pt,
                        x=left + label_w + value_w / 2 - d_pt / 2,
                        y=top + row_h - leading / 2 - d_pt / 2,
                        relative_h="margin",
                        in_cell=False,
                    )
                top += row_h
        else:
            self._before_table()
        table = self._new_table(len(block.fields), widths, borders=False)
        edges = ("top", "left", "bottom", "right", "insideH", "insideV")
        _set_borders(table._tbl.tblPr, "tblBorders", edges, "nil")
        for field_data, label, row in zip(block.fields, labels, table.rows, strict=True):
            tr_pr = row._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))
            # Rows at least 1.6 lines high, text at the bottom: air between the ruled lines.
            height = OxmlElement("w:trHeight")
            height.set(qn("w:val"), str(_pt_twips(row_min)))
            height.set(qn("w:hRule"), "atLeast")
            tr_pr.append(height)
            label_cell, value_cell = row.cells
            label_cell.width = Twips(widths[0])
            value_cell.width = Twips(widths[1])
            label_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
            value_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
            lp = label_cell.paragraphs[0]
            self._format(lp, size=size, leading=leading)
            lp.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.DISTRIBUTE
            self._text(lp, label, "fangsong", size)
            vp = value_cell.paragraphs[0]
            self._format(vp, align="center", size=size, leading=leading)
            self._runs(vp, field_data.value, "fangsong", size)
            _cell_borders(value_cell, bottom=True)

    @staticmethod
    def _cover_label(label: str) -> str:
        label = clean_text(label)
        return label if label.endswith(("：", ":")) else label + "："

    def _signature_lines(
        self,
        container: _Cell | None,
        block: SignatureBlock,
        *,
        x_right: float,
        relative_h: str,
        in_cell: bool,
    ) -> None:
        """A blank line, then right-aligned signature lines with a dashed seal circle over them.

        The circle is centred on the last line (the date) and vertically on the block of lines,
        so it presses on the unit's name and the date. ``x_right`` is where the lines end,
        measured from the horizontal anchor (``relative_h``: the margin or the table cell).
        """
        size = 16.0
        leading = size * LEADING
        right = SIGNATURE_RIGHT_CHARS * size
        blank = self._paragraph(container)
        self._format(blank, size=size, keep_with_next=True)
        first: DocxParagraph | None = None
        for i, line in enumerate(block.lines):
            para = self._paragraph(container)
            self._format(para, align="right", size=size, keep_with_next=i < len(block.lines) - 1)
            para.paragraph_format.right_indent = Pt(right)
            self._runs(para, line, "fangsong", size)
            if first is None:
                first = para
        if first is None:
            return
        d_pt = block.seal_diameter_mm * layout.MM
        last_w = _text_width_em(plain(block.lines[-1])) * size
        centre_x = x_right - right - last_w / 2
        centre_x = min(centre_x, x_right - d_pt / 2)  # keep the slot inside the text area
        centre_y = len(block.lines) * leading / 2  # below the first line's top
        self._seal_mark(
            first,
            d_pt,
            x=centre_x - d_pt / 2,
            y=centre_y - d_pt / 2,
            relative_h=relative_h,
            in_cell=in_cell,
        )

    def _signature(self, block: SignatureBlock) -> None:
        if self.last_paragraph is not None:
            # Never leave the signature alone on a page: it travels with the text above.
            self.last_paragraph.paragraph_format.keep_with_next = True
        self._signature_lines(
            None, block, x_right=self.geo.frame_width, relative_h="margin", in_cell=False
        )

    def _opinion(self, block: OpinionBox) -> None:
        self._before_table()
        width = _pt_twips(self.geo.frame_width)
        table = self._new_table(1, [width], borders=True)
        row = table.rows[0]
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        cell = row.cells[0]
        cell.width = Twips(width)
        title = cell.paragraphs[0]
        self._format(title, size=16, before=6, keep_with_next=True)
        self._text(title, block.title, "hei", 16)
        space = cell.add_paragraph()
        self._format(space, size=16, leading=max(block.height_mm * layout.MM, 1.0))
        sig = block.signature
        self._signature_lines(
            cell,
            sig,
            x_right=self.geo.frame_width - 2 * CELL_MARGIN,
            relative_h="column",
            in_cell=True,
        )
        # Room below the lines so the seal slot stays inside the box.
        below = sig.seal_diameter_mm * layout.MM / 2 - len(sig.lines) * 16 * LEADING / 2
        tail = cell.add_paragraph()
        self._format(tail, size=16, leading=max(below + 6, 8))

    def _spacer(self, block: Spacer) -> None:
        height = block.height_mm * layout.MM
        if height <= 0:
            return
        para = self._paragraph()
        self._format(para, size=1, leading=min(height, 1584.0))
        self.last_paragraph = None

    # ------------------------------------------------------------------ seal slot mark

    def _seal_mark(
        self,
        para: DocxParagraph,
        diameter: float,
        *,
        x: float,
        y: float,
        relative_h: str,
        in_cell: bool,
    ) -> None:
        """A light grey dashed circle behind the text: where the official seal goes."""
        self.shape_id += 1
        sid = self.shape_id
        d = round(diameter * _EMU_PER_PT)
        xo = round(x * _EMU_PER_PT)
        yo = round(y * _EMU_PER_PT)
        vml_rel = {"margin": "margin", "column": "text", "page": "page"}[relative_h]
        xml = (
            f"<w:r {nsdecls('w', 'wp', 'a')} {_SHAPE_NS}>"
            '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
            f'<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" '
            f'relativeHeight="{251658240 + sid}" behindDoc="1" locked="0" '
            f'layoutInCell="{1 if in_cell else 0}" allowOverlap="1">'
            '<wp:simplePos x="0" y="0"/>'
            f'<wp:positionH relativeFrom="{relative_h}"><wp:posOffset>{xo}</wp:posOffset>'
            "</wp:positionH>"
            f'<wp:positionV relativeFrom="paragraph"><wp:posOffset>{yo}</wp:posOffset>'
            "</wp:positionV>"
            f'<wp:extent cx="{d}" cy="{d}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
            f'<wp:wrapNone/><wp:docPr id="{sid}" name="盖章位置{sid}" descr="盖章位置"/>'
            "<wp:cNvGraphicFramePr/>"
            "<a:graphic><a:graphicData "
            'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
            "<wps:wsp><wps:cNvSpPr/><wps:spPr>"
            f'<a:xfrm><a:off x="0" y="0"/><a:ext cx="{d}" cy="{d}"/></a:xfrm>'
            '<a:prstGeom prst="ellipse"><a:avLst/></a:prstGeom><a:noFill/>'
            f'<a:ln w="9525"><a:solidFill><a:srgbClr val="{SEAL_MARK_COLOR}"/></a:solidFill>'
            '<a:prstDash val="dash"/></a:ln>'
            "</wps:spPr><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic>"
            "</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>"
            f'<v:oval style="position:absolute;margin-left:{x:.1f}pt;margin-top:{y:.1f}pt;'
            f"width:{diameter:.1f}pt;height:{diameter:.1f}pt;z-index:-{sid};"
            f'mso-position-horizontal-relative:{vml_rel};mso-position-vertical-relative:text" '
            f'filled="f" strokecolor="#{SEAL_MARK_COLOR}" strokeweight=".75pt">'
            '<v:stroke dashstyle="dash"/></v:oval>'
            "</w:pict></mc:Fallback></mc:AlternateContent></w:r>"
        )
        run = parse_xml(xml)
        ppr = para._p.pPr
        if ppr is not None:
            ppr.addnext(run)
        else:
            para._p.insert(0, run)


# ---------------------------------------------------------------------- XML helpers


def _apply_format(
    para: DocxParagraph,
    align: Align,
    size: float,
    line: float,
    before: float,
    after: float,
    indent_chars: int,
    keep_with_next: bool,
) -> None:
    fmt = para.paragraph_format
    fmt.alignment = _ALIGN[align]
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line)
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if indent_chars:
        fmt.first_line_indent = Pt(indent_chars * size)
        ind = para._p.get_or_add_pPr().get_or_add_ind()
        ind.set(qn("w:firstLineChars"), str(indent_chars * 100))
    if keep_with_next:
        fmt.keep_with_next = True


def _fld_char(kind: str) -> BaseOxmlElement:
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), kind)
    return el


def _split_widths(total_pt: float, relative: Sequence[float]) -> list[int]:
    """Relative widths scaled to ``total_pt``, in whole twips summing exactly to the total."""
    total = _pt_twips(total_pt)
    weights = [max(float(w), 0.0) for w in relative]
    s = sum(weights) or float(len(weights))
    if not sum(weights):
        weights = [1.0] * len(weights)
    out = [int(total * w / s) for w in weights]
    out[-1] += total - sum(out)
    return out


def _set_borders(
    tbl_pr: BaseOxmlElement, tag: str, edges: Sequence[str], val: str = "single"
) -> None:
    borders = tbl_pr.find(qn(f"w:{tag}"))
    if borders is not None:
        tbl_pr.remove(borders)
    borders = OxmlElement(f"w:{tag}")
    for edge in edges:
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), val)
        if val != "nil":
            el.set(qn("w:sz"), "6")
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    # tblBorders goes after tblW/jc/tblCellSpacing/tblInd and before shd/tblLayout/tblCellMar.
    successors = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")
    for succ in successors:
        anchor = tbl_pr.find(qn(succ))
        if anchor is not None:
            anchor.addprevious(borders)
            return
    tbl_pr.append(borders)


def _tc_pr_child(cell: _Cell, tag: str, successors: Sequence[str]) -> BaseOxmlElement:
    return _set_child(cell._tc.get_or_add_tcPr(), tag, successors)


def _shade(cell: _Cell, fill: str) -> None:
    shd = _tc_pr_child(
        cell,
        "w:shd",
        ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark"),
    )
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)


def _cell_borders(cell: _Cell, *, bottom: bool) -> None:
    borders = _tc_pr_child(
        cell,
        "w:tcBorders",
        (
            "w:shd",
            "w:noWrap",
            "w:tcMar",
            "w:textDirection",
            "w:tcFitText",
            "w:vAlign",
            "w:hideMark",
        ),
    )
    if bottom:
        el = OxmlElement("w:bottom")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "6")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)


def _repack(data: bytes) -> bytes:
    """Re-zip with fixed timestamps and attributes, [Content_Types].xml first, then sorted."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(src.namelist())
    if "[Content_Types].xml" in names:
        names.remove("[Content_Types].xml")
        names.insert(0, "[Content_Types].xml")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            payload = src.read(name)
            if name == "docProps/app.xml":
                payload = payload.replace(
                    b"<Application>Microsoft Macintosh Word</Application>",
                    b"<Application>docgen</Application>",
                )
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            dst.writestr(info, payload, compresslevel=6)
    return out.getvalue()
