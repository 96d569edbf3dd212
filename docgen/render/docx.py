"""Render a ``docgen.document.Document`` to a Word (.docx) file with python-docx.

The Word file is the same form as the PDF: the same blocks in the same order, laid out with the
PDF's numbers (``docgen.layout``: margins, leadings, indents, seal zones, table padding), every
page break of the model an explicit break, and Word's keep-with-next, keep-together and
cannot-split settings where the PDF keeps things together, so that each part starts on the same
page in Word as in the PDF.

It names the faces a Chinese Windows or WPS machine has, whatever machine builds it (``FACES``):
宋体, 黑体, 楷体 and 仿宋 for the four roles, Times New Roman for Latin letters and digits,
SimSun-ExtB for characters beyond the BMP, Segoe UI Symbol for the ☑/☐ of the tick boxes. Faces
are set on styles, not on every run; ``word/fontTable.xml`` declares exactly the faces the file
names, with their Windows names, GB2312 charset, family and panose. The bytes are deterministic
(dates from the city's submission date, fixed zip timestamps, sorted entries).
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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Pt, Twips
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree  # type: ignore[import-untyped]

from docgen import layout
from docgen.document import (
    HEADING_ROLES,
    Align,
    AttachmentNote,
    Block,
    CoverFields,
    DatedSignature,
    Document,
    Heading,
    Letterhead,
    ListItem,
    OpinionBox,
    PageBreak,
    Paragraph,
    Role,
    Runs,
    SignatureBlock,
    Spacer,
    Table,
    TickBoxes,
    Title,
    plain,
)
from docgen.textsafe import xml_text
from docgen.ziputil import DOCX_ZIP_TIME, pack

__all__ = ["FACES", "FONT_TABLE", "LATIN_FACE", "WINDOWS_FACES", "render_docx"]

# ---------------------------------------------------------------------- the faces Word is told

# The role faces as a Chinese Windows (Vista and later) and WPS name them. 仿宋 (simfang.ttf), not
# 仿宋_GB2312: Windows has shipped 仿宋 since Vista and no longer ships 仿宋_GB2312; the two are
# the same design with the same metrics (仿宋_GB2312 covers GB2312 only), so a machine that has
# only 仿宋_GB2312 lays the lines out alike once the user picks it. Likewise 楷体, not 楷体_GB2312.
WINDOWS_FACES: dict[Role, str] = {"song": "宋体", "hei": "黑体", "kai": "楷体", "fangsong": "仿宋"}
LATIN_FACE = "Times New Roman"  # ASCII letters and digits, and symbols outside GBK
EXTB_FACE = "SimSun-ExtB"  # characters beyond the BMP (CJK Extension B and later)
EXTA_FACE = "宋体"  # BMP Han characters outside GBK (Extension A): SimSun has them, the others not
TICK_FACE = "Segoe UI Symbol"  # on every Windows since 7: has ☐ (U+2610) and ☑ (U+2611)


@dataclass(frozen=True)
class FontDecl:
    """One ``w:font`` of ``word/fontTable.xml`` as Word writes it for that face."""

    alt_name: str | None
    panose: str
    charset: str
    family: str
    pitch: str


FONT_TABLE: dict[str, FontDecl] = {
    "宋体": FontDecl("SimSun", "02010600030101010101", "86", "auto", "variable"),
    "黑体": FontDecl("SimHei", "02010609060101010101", "86", "modern", "fixed"),
    "楷体": FontDecl("KaiTi", "02010609060101010101", "86", "modern", "fixed"),
    "仿宋": FontDecl("FangSong", "02010609060101010101", "86", "modern", "fixed"),
    EXTB_FACE: FontDecl(None, "02010609060101010101", "86", "modern", "fixed"),
    LATIN_FACE: FontDecl(None, "02020603050405020304", "00", "roman", "variable"),
    TICK_FACE: FontDecl(None, "020B0502040204020203", "00", "swiss", "variable"),
}
FACES = frozenset(FONT_TABLE)  # every face a docgen Office file may name

# Fallback metadata when a document does not say when it was submitted or by whom.
FIXED_DATE = dt.datetime(2000, 1, 1, 0, 0, 0, tzinfo=dt.UTC)
ZIP_DATE = DOCX_ZIP_TIME
GENERATOR = "docgen"
TITLE_LIMIT = 255  # characters Word keeps of a document title

HEADER_SHADING = "E6E6E6"  # the PDF's header grey (0.9)
SEAL_MARK_COLOR = "CCCCCC"  # the PDF's seal mark grey (0.8), dashed: a slot mark, not content
CHECKED_CHAR = 0x2611  # ☑, as the PDF draws a ticked box
UNCHECKED_CHAR = 0x2610  # ☐

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


# XML 1.0 forbids C0 controls other than tab/newline/CR, lone surrogates and U+FFFE/U+FFFF.
_EMU_PER_PT = 12700
_SHAPE_NS = (
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
_BODY_SIZE = 16.0  # 3号: the size of every style; other sizes are set on the runs

# Clark names of the elements and attributes written per run, paragraph and table cell: the
# repeated XML is built with lxml directly (``etree.SubElement``), not through python-docx's
# element classes, whose per-call lookups and schema-order searches dominated a render.
_WNS = "{" + _W + "}"
_W_P, _W_R, _W_T, _W_TAB, _W_BR = (_WNS + t for t in ("p", "r", "t", "tab", "br"))
_W_PPR, _W_RPR, _W_PSTYLE, _W_SZ, _W_IND = (_WNS + t for t in ("pPr", "rPr", "pStyle", "sz", "ind"))
_W_PAGE_BREAK_BEFORE = _WNS + "pageBreakBefore"
_W_TR, _W_TRPR, _W_TC, _W_TCPR, _W_TCW = (_WNS + t for t in ("tr", "trPr", "tc", "tcPr", "tcW"))
_W_CANT_SPLIT, _W_TBL_HEADER = _WNS + "cantSplit", _WNS + "tblHeader"
_W_GRID_SPAN, _W_SHD, _W_VALIGN = _WNS + "gridSpan", _WNS + "shd", _WNS + "vAlign"
_W_VAL, _W_TYPE, _W_W = _WNS + "val", _WNS + "type", _WNS + "w"
_W_COLOR, _W_FILL = _WNS + "color", _WNS + "fill"
_W_FIRST_LINE_CHARS = _WNS + "firstLineChars"
_W_SDT_ID = f"{_WNS}sdtPr/{_WNS}id"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_TAB_OR_NEWLINE = re.compile(r"([\t\n])")

# Style ids: one paragraph style and one character style per role.
_PARA_STYLE: dict[Role, str] = {
    "fangsong": "Normal",
    "song": "SongTi",
    "hei": "HeiTi",
    "kai": "KaiTi",
}
_CHAR_STYLE: dict[Role, str] = {
    "fangsong": "FangSongChar",
    "song": "SongTiChar",
    "hei": "HeiTiChar",
    "kai": "KaiTiChar",
}
_STYLE_NAME: dict[str, str] = {
    "SongTi": "宋体正文",
    "HeiTi": "黑体正文",
    "KaiTi": "楷体正文",
    "FangSongChar": "仿宋字",
    "SongTiChar": "宋体字",
    "HeiTiChar": "黑体字",
    "KaiTiChar": "楷体字",
    "TickChar": "勾选框",
    "ExtBChar": "扩展B区汉字",
    "ExtAChar": "扩展A区汉字",
    "LatinChar": "西文符号",
}
# Characters outside GBK: a character style naming a Windows face that has them (``face_for``).
_FACE_STYLE: dict[str, str] = {
    EXTB_FACE: "ExtBChar",
    EXTA_FACE: "ExtAChar",
    LATIN_FACE: "LatinChar",
}


def render_docx(
    doc: Document,
    families: Mapping[Role, str] | None = None,
    fallbacks: Mapping[Role, Mapping[str, str]] | None = None,
) -> bytes:
    """Render ``doc`` to the bytes of a .docx file.

    ``families`` and ``fallbacks`` (the faces the PDF is drawn with on this machine) are accepted
    for the callers' convenience and not used: a Word file names the Windows faces of
    ``WINDOWS_FACES`` for the four roles, whatever fonts the building machine has, and a
    character outside GBK gets a run in a Windows face that has it (``face_for``).
    """
    del families, fallbacks
    return _DocxRenderer(doc).render()


@lru_cache(maxsize=4096)
def face_for(ch: str) -> str | None:
    """The face a character outside the role faces' repertoire (GBK) is named in, or ``None``
    for a character the role's own face has."""
    if ch in "\t\n":
        return None
    try:
        ch.encode("gbk")
        return None
    except UnicodeEncodeError:
        pass
    if ord(ch) > 0xFFFF:
        return EXTB_FACE
    if unicodedata.name(ch, "").startswith("CJK"):
        return EXTA_FACE
    return LATIN_FACE


def _text_width_em(text: str) -> float:
    """Approximate advance of ``text`` in ems (CJK and ambiguous characters full width)."""
    return sum(0.5 if unicodedata.east_asian_width(c) in "NaH" else 1.0 for c in text)


def _pt_twips(value: float) -> int:
    return round(value * 20)


def _set_child(
    parent: BaseOxmlElement, tag: str, successors: Sequence[str] = ()
) -> BaseOxmlElement:
    """Return ``parent``'s child ``tag``, creating it before the first of ``successors``."""
    child = parent.find(qn(tag))
    if child is None:
        child = etree.SubElement(parent, qn(tag))
        for succ in successors:
            anchor = parent.find(qn(succ))
            if anchor is not None:
                anchor.addprevious(child)
                break
    return cast(BaseOxmlElement, child)


def _in_gbk(text: str) -> bool:
    """Whether every character of ``text`` is one the role faces have (``face_for`` None)."""
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def _set_pstyle(p: BaseOxmlElement, style_id: str) -> None:
    """``p``'s paragraph style: ``w:pStyle`` first in its ``w:pPr`` (made first in ``p``)."""
    ppr = p[0] if len(p) and p[0].tag == _W_PPR else None
    if ppr is None:
        ppr = etree.SubElement(p, _W_PPR)
        p.insert(0, ppr)
    else:
        old = ppr.find(_W_PSTYLE)
        if old is not None:
            ppr.remove(old)
    pstyle = etree.SubElement(ppr, _W_PSTYLE)
    pstyle.set(_W_VAL, style_id)
    ppr.insert(0, pstyle)


@lru_cache(maxsize=1024)
def _ppr(key: tuple[Any, ...], style: str | None, page_break: bool) -> BaseOxmlElement:
    """The ``w:pPr`` of ``_DocxRenderer._format``'s ``key``, with the paragraph style and the
    page break it keeps, built once per process by python-docx (copies are inserted)."""
    scratch = DocxParagraph(OxmlElement("w:p"), None)  # type: ignore[arg-type]
    _apply_format(scratch, *key)
    ppr = scratch._p.get_or_add_pPr()
    if style:
        ppr.style = style
    if page_break:
        scratch.paragraph_format.page_break_before = True
    return cast(BaseOxmlElement, ppr)


def _rfonts(east_asia: str, latin: str = LATIN_FACE, *, hint: bool = True) -> str:
    hint_attr = ' w:hint="eastAsia"' if hint else ""
    return (
        f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" '
        f'w:cs="{latin}"{hint_attr}/>'
    )


def _styles_xml() -> str:
    """The whole styles part: explicit faces (no theme fonts), Chinese language, 3号 type."""
    sz = round(_BODY_SIZE * 2)
    body = WINDOWS_FACES["fangsong"]
    parts = [
        f"<w:styles {nsdecls('w')}>",
        "<w:docDefaults><w:rPrDefault><w:rPr>",
        _rfonts(body),
        f'<w:sz w:val="{sz}"/><w:szCs w:val="{sz}"/>',
        '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>',
        "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>",
        '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>',
        "</w:pPr></w:pPrDefault></w:docDefaults>",
        # Normal: the body face (仿宋); widow/orphan control as the PDF (two lines); no extra
        # space between Chinese and Latin text or digits (the PDF adds none).
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
        '<w:qFormat/><w:pPr><w:widowControl/><w:autoSpaceDE w:val="0"/>'
        '<w:autoSpaceDN w:val="0"/><w:jc w:val="both"/></w:pPr><w:rPr>',
        _rfonts(body),
        f'<w:sz w:val="{sz}"/><w:szCs w:val="{sz}"/></w:rPr></w:style>',
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/>'
        "<w:unhideWhenUsed/></w:style>",
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal">'
        '<w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/>'
        '<w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
        '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr></w:style>",
        '<w:style w:type="numbering" w:default="1" w:styleId="NoList">'
        '<w:name w:val="No List"/><w:uiPriority w:val="99"/><w:semiHidden/>'
        "<w:unhideWhenUsed/></w:style>",
    ]
    for level in (1, 2, 3):
        face = WINDOWS_FACES[HEADING_ROLES[level]]
        bold = "<w:b/><w:bCs/>" if level == 3 else ""
        parts.append(
            f'<w:style w:type="paragraph" w:styleId="Heading{level}">'
            f'<w:name w:val="heading {level}"/><w:basedOn w:val="Normal"/>'
            f'<w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>'
            f'<w:pPr><w:keepNext/><w:keepLines/><w:outlineLvl w:val="{level - 1}"/></w:pPr>'
            f"<w:rPr>{_rfonts(face)}{bold}</w:rPr></w:style>"
        )
    return "".join(parts)


def _role_style_xml(style_id: str, role: Role) -> str:
    face = WINDOWS_FACES[role]
    name = _STYLE_NAME[style_id]
    if style_id in _CHAR_STYLE.values():
        return (
            f'<w:style {nsdecls("w")} w:type="character" w:customStyle="1" '
            f'w:styleId="{style_id}"><w:name w:val="{name}"/>'
            f'<w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="1"/><w:qFormat/>'
            f"<w:rPr>{_rfonts(face)}</w:rPr></w:style>"
        )
    return (
        f'<w:style {nsdecls("w")} w:type="paragraph" w:customStyle="1" '
        f'w:styleId="{style_id}"><w:name w:val="{name}"/><w:basedOn w:val="Normal"/>'
        f"<w:qFormat/><w:rPr>{_rfonts(face)}</w:rPr></w:style>"
    )


def _face_style_xml(style_id: str, face: str, *, east_asian: bool) -> str:
    """A character style for one face: a Han face in the East Asian slot; any other face in
    every slot, so that Word picks it however it classifies the character."""
    fonts = _rfonts(face) if east_asian else _rfonts(face, face, hint=False)
    return (
        f'<w:style {nsdecls("w")} w:type="character" w:customStyle="1" w:styleId="{style_id}">'
        f'<w:name w:val="{_STYLE_NAME[style_id]}"/><w:basedOn w:val="DefaultParagraphFont"/>'
        f'<w:uiPriority w:val="1"/><w:rPr>{fonts}</w:rPr></w:style>'
    )


def _table_grid_xml() -> str:
    return (
        f'<w:style {nsdecls("w")} w:type="table" w:styleId="TableGrid">'
        '<w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/>'
        '<w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
        '<w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        '<w:left w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        '<w:bottom w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        '<w:right w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        '<w:insideV w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        "</w:tblBorders></w:tblPr></w:style>"
    )


@lru_cache(maxsize=1)
def _template() -> bytes:
    """python-docx's default template as every docgen Word file starts from it, made once per
    process: the parts no docgen file has dropped (the thumbnail; Word 2010's copy of the
    styles, with theme fonts; the bullet numbering, naming Symbol and Courier New; the
    bibliography sample) and the styles part holding docgen's styles instead of the template's
    166. Opening this small package is a fraction of opening the default one and emptying it."""
    word = docx.Document()
    package = word.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:  # the template's picture of an empty page
            package.rels.pop(rid)
    document_rels = word.part.rels
    for rid, rel in list(document_rels.items()):
        if rel.reltype.endswith(("/stylesWithEffects", "/numbering", "/customXml")):
            document_rels.pop(rid)
    root = word.styles.element
    del root[:]
    for child in parse_xml(_styles_xml() + "</w:styles>"):
        root.append(child)
    root.append(parse_xml(_table_grid_xml()))
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


class _PartSink:
    """Stands in for python-docx's zip writer: keeps each part's bytes by member name."""

    def __init__(self) -> None:
        self.parts: dict[str, bytes] = {}

    def write(self, pack_uri: object, blob: bytes) -> None:
        self.parts[pack_uri.membername] = blob  # type: ignore[attr-defined]

    def close(self) -> None:
        pass


def _package_parts(word: DocxDocument) -> dict[str, bytes]:
    """The parts ``word.save`` would zip, by member name, without zipping them (``_repack``
    writes the one zip). Through python-docx's own writer steps; a python-docx without them
    gets saved and unzipped."""
    package = word.part.package
    parts = list(package.iter_parts())
    sink = _PartSink()
    try:
        write_types = PackageWriter._write_content_types_stream
        write_rels = PackageWriter._write_pkg_rels
        write_parts = PackageWriter._write_parts
    except AttributeError:
        out = io.BytesIO()
        word.save(out)
        with zipfile.ZipFile(io.BytesIO(out.getvalue())) as src:
            return {name: src.read(name) for name in src.namelist()}
    for part in parts:
        part.before_marshal()
    write_types(sink, parts)  # type: ignore[no-untyped-call]
    write_rels(sink, package.rels)  # type: ignore[no-untyped-call]
    write_parts(sink, parts)  # type: ignore[arg-type]
    return sink.parts


def _part_trees(word: DocxDocument) -> dict[str, BaseOxmlElement]:
    """The XML parts' element trees by member name (``named_faces`` reads these instead of
    parsing the bytes they serialise to)."""
    trees: dict[str, BaseOxmlElement] = {}
    for part in word.part.package.iter_parts():
        element = getattr(part, "_element", None)
        if element is not None:
            trees[part.partname.membername] = element
    return trees


# ---------------------------------------------------------------------- the renderer


@dataclass
class _Sig:
    """A signature area laid out as the PDF lays it out (``_SignatureArea``)."""

    size: float
    leading: float
    text_h: float
    height: float
    pad: float  # blank space above and below the lines


class _DocxRenderer:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.geo = layout.geometry(doc.landscape)
        self.word: DocxDocument = docx.Document(io.BytesIO(_template()))
        self.pending_break = False
        self.last_paragraph: DocxParagraph | None = None
        self.shape_id = 0
        self.sdt_id = 0
        self.styles_used: set[str] = set()
        self._rpr_cache: dict[tuple[Any, ...], BaseOxmlElement | None] = {}
        # A document on a character grid (the letter: 28 characters of 3号 a line) tightens its
        # 3号 text by whole twentieths of a point so that exactly that many fit, as the PDF.
        self.grid_spacing = 0
        if doc.grid_chars:
            pitch = self.geo.frame_width / doc.grid_chars
            self.grid_spacing = math.floor((pitch - layout.LETTER_BODY_SIZE) * 20)

    # ------------------------------------------------------------------ setup

    def render(self) -> bytes:
        self._setup_package()
        self._setup_page(self.word.sections[0])
        cover_break = self._cover_break_index()
        for index, block in enumerate(self.doc.blocks):
            if index == cover_break:
                self._end_cover_section()
            else:
                self._block(block)
        self._finish(cover_break is not None)
        self._add_used_styles()
        return _repack(_package_parts(self.word), _part_trees(self.word))

    def _setup_package(self) -> None:
        """The document's own metadata and settings (the template: ``_template``)."""
        day = self.doc.created
        when = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if day else FIXED_DATE
        author = xml_text(self.doc.author or GENERATOR)
        props = self.word.core_properties
        props.title = xml_text(self.doc.title)[:TITLE_LIMIT]
        props.author = author[:TITLE_LIMIT]
        props.last_modified_by = GENERATOR
        props.comments = ""
        props.subject = ""
        props.keywords = ""
        props.category = ""
        props.revision = 1
        props.created = when
        props.modified = when
        props.language = "zh-CN"
        settings = self.word.settings.element
        for tag in ("w:rsids", "w:savePreviewPicture"):
            el = settings.find(qn(tag))
            if el is not None:
                settings.remove(el)
        math_pr = settings.find(qn("m:mathPr"))
        if math_pr is not None:  # names Cambria Math; there is no mathematics here
            settings.remove(math_pr)
        for setting in settings.iter(qn("w:compatSetting")):
            if setting.get(qn("w:name")) == "compatibilityMode":
                setting.set(qn("w:val"), "15")  # Word 2013 and later: no 兼容模式
        lang = settings.find(qn("w:themeFontLang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")

    def _add_used_styles(self) -> None:
        root = self.word.styles.element
        by_id = {**{v: k for k, v in _PARA_STYLE.items()}, **{v: k for k, v in _CHAR_STYLE.items()}}
        for style_id in sorted(self.styles_used):
            if style_id == "TickChar":
                root.append(parse_xml(_face_style_xml(style_id, TICK_FACE, east_asian=False)))
            elif style_id in _FACE_STYLE.values():
                face = next(f for f, sid in _FACE_STYLE.items() if sid == style_id)
                east = face != LATIN_FACE
                root.append(parse_xml(_face_style_xml(style_id, face, east_asian=east)))
            elif style_id in by_id and style_id != "Normal":
                root.append(parse_xml(_role_style_xml(style_id, by_id[style_id])))

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
            last = self._minimal_paragraph()._p
        ppr = last.get_or_add_pPr()
        ppr.append(copy.deepcopy(body.sectPr))  # no footer references yet: blank footers
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
        if section.different_first_page_header_footer:
            self._style(section.first_page_footer.paragraphs[0], "song")

    def _page_number(self, para: DocxParagraph, *, odd: bool) -> None:
        """ "— N —" in 4号 song; odd pages right, even pages left, one character in (GB/T 9704)."""
        size = layout.PAGE_NUMBER_SIZE
        self._style(para, "song")
        fmt = para.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
        if odd:
            fmt.right_indent = Pt(size)
        else:
            fmt.left_indent = Pt(size)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        self._text(para, "— ", "song", size, para_role="song")
        self._run(para._p, "", size).append(_fld_char("begin"))
        instr = self._run(para._p, "", size)
        instr_el = OxmlElement("w:instrText")
        instr_el.set(qn("xml:space"), "preserve")
        instr_el.text = " PAGE "
        instr.append(instr_el)
        self._run(para._p, "", size).append(_fld_char("separate"))
        self._text(para, "1", "song", size, para_role="song")
        self._run(para._p, "", size).append(_fld_char("end"))
        self._text(para, " —", "song", size, para_role="song")

    # ------------------------------------------------------------------ primitives

    def _style(
        self, para: DocxParagraph | BaseOxmlElement, role: Role, style_id: str | None = None
    ) -> None:
        """Give ``para`` the paragraph style of ``role`` (Normal for 仿宋) or ``style_id``."""
        style_id = style_id or _PARA_STYLE[role]
        if style_id != "Normal":
            _set_pstyle(para._p if isinstance(para, DocxParagraph) else para, style_id)
            self.styles_used.add(style_id)

    def _rpr(
        self,
        size: float,
        *,
        char_style: str | None = None,
        face: str | None = None,
        bold: bool = False,
        underline: bool = False,
        spacing: int = 0,
    ) -> BaseOxmlElement | None:
        if not spacing and self.grid_spacing and size == layout.LETTER_BODY_SIZE:
            spacing = self.grid_spacing
        key = (size, char_style, face, bold, underline, spacing)
        if key in self._rpr_cache:
            return self._rpr_cache[key]
        rpr = OxmlElement("w:rPr")
        if face:
            # A character outside GBK: the character style of the face that has it instead.
            char_style = _FACE_STYLE[face]
        if char_style:
            el = OxmlElement("w:rStyle")
            el.set(qn("w:val"), char_style)
            rpr.append(el)
            self.styles_used.add(char_style)
        if bold:
            rpr.append(OxmlElement("w:b"))
            rpr.append(OxmlElement("w:bCs"))
        if spacing:
            el = OxmlElement("w:spacing")
            el.set(qn("w:val"), str(spacing))
            rpr.append(el)
        if size != _BODY_SIZE:
            for tag in ("w:sz", "w:szCs"):
                el = OxmlElement(tag)
                el.set(qn("w:val"), str(round(size * 2)))
                rpr.append(el)
        if underline:
            el = OxmlElement("w:u")
            el.set(qn("w:val"), "single")
            rpr.append(el)
        result = rpr if len(rpr) else None
        self._rpr_cache[key] = result
        return result

    def _run(self, parent: BaseOxmlElement, text: str, size: float, **kw: Any) -> BaseOxmlElement:
        r: BaseOxmlElement = etree.SubElement(parent, _W_R)
        rpr = self._rpr(size, **kw)
        if rpr is not None:
            r.append(rpr.__copy__())  # lxml's copy is a deep one
        if text:
            _add_text(r, xml_text(text))
        return r

    def _text(
        self,
        para: DocxParagraph | BaseOxmlElement,
        text: str,
        role: Role,
        size: float,
        *,
        para_role: Role,
        bold: bool = False,
        underline: bool = False,
    ) -> None:
        """``text`` in ``role``'s face: the paragraph style's face, or the role's character
        style; characters no role face has (outside GBK) get runs in a Windows face that has
        them."""
        parent = para._p if isinstance(para, DocxParagraph) else para
        char_style = None if role == para_role else _CHAR_STYLE[role]
        text = xml_text(text)
        kw = {"char_style": char_style, "bold": bold, "underline": underline}
        if _in_gbk(text):  # every character in the role's face (the common case): one run
            if text:
                self._run(parent, text, size, face=None, **kw)
            return
        start, current = 0, None
        for i, ch in enumerate(text):
            face = face_for(ch)
            if face != current:
                if i > start:
                    self._run(parent, text[start:i], size, face=current, **kw)
                current, start = face, i
        if text:
            self._run(parent, text[start:], size, face=current, **kw)

    def _runs(
        self,
        para: DocxParagraph,
        text: Runs,
        role: Role,
        size: float,
        *,
        para_role: Role | None = None,
        bold: bool = False,
        underline: bool = False,
    ) -> None:
        base = para_role or role
        for r in text:
            self._text(
                para,
                r.text,
                r.role or role,
                size,
                para_role=base,
                bold=bold or r.bold,
                underline=underline,
            )

    def _paragraph(self, container: _Cell | None = None, role: Role = "fangsong") -> DocxParagraph:
        """A new body paragraph (or one in ``container``) taking any pending page break."""
        if container is None:
            para = self.word.add_paragraph()
            if self.pending_break:
                para.paragraph_format.page_break_before = True
                self.pending_break = False
            self.last_paragraph = para
        else:
            para = container.add_paragraph()
        self._style(para, role)
        return para

    def _blank(
        self, height: float, container: _Cell | None = None, *, keep_with_next: bool = False
    ) -> None:
        """An empty paragraph exactly ``height`` points high (a spacer)."""
        if height < 0.5:
            return
        para = self._paragraph(container)
        self._format(para, size=1, leading=min(height, 1584.0), keep_with_next=keep_with_next)
        _mark_size(para, 1)

    def _minimal_paragraph(self) -> DocxParagraph:
        """An empty 1 pt paragraph: a carrier for a section break or a break before a table."""
        para = self.word.add_paragraph()
        self._format(para, size=1, leading=1)
        _mark_size(para, 1)
        if self.pending_break:
            para.paragraph_format.page_break_before = True
            self.pending_break = False
        return para

    def _format(
        self,
        para: DocxParagraph | BaseOxmlElement,
        *,
        align: Align = "left",
        size: float = 16.0,
        leading: float | None = None,
        before: float = 0.0,
        after: float = 0.0,
        first: float = 0.0,
        left: float = 0.0,
        right: float = 0.0,
        keep_with_next: bool = False,
        keep_lines: bool = False,
    ) -> None:
        line = round(leading if leading is not None else size * layout.LEADING_RATIO, 2)
        key = (align, size, line, before, after, first, left, right, keep_with_next, keep_lines)
        p = para._p if isinstance(para, DocxParagraph) else para
        # The new pPr keeps the paragraph's style and page break and nothing else of the old.
        style, page_break = None, False
        old = p[0] if len(p) and p[0].tag == _W_PPR else None
        if old is not None:
            pstyle = old.find(_W_PSTYLE)
            style = pstyle.get(_W_VAL) if pstyle is not None else None
            page_break = old.find(_W_PAGE_BREAK_BEFORE) is not None
            p.remove(old)
        p.insert(0, _ppr(key, style, page_break).__copy__())

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
                self._blank(block.height_mm * layout.MM)
                self.last_paragraph = None
            case Letterhead():
                self._letterhead(block)
            case AttachmentNote():
                self._attachment_note(block)
            case DatedSignature():
                self._dated_signature(block)
            case _:
                raise TypeError(f"unknown block {type(block).__name__}")

    def _title(self, block: Title) -> None:
        para = self._paragraph(role=block.role)
        self._format(
            para,
            align="center",
            size=block.size,
            leading=block.size * layout.TITLE_LEADING_RATIO,
            before=block.space_before,
            after=block.space_after,
            keep_with_next=True,
        )
        self._runs(para, block.text, block.role, block.size)

    # ------------------------------------------------------------------ the letter's blocks

    def _grid_pitch(self, size: float) -> float:
        """The advance of one character: the document grid's when the document has one (the
        letter: 28 characters of 3号 across the text area), else the type size."""
        chars = self.doc.grid_chars
        return self.geo.frame_width / chars if chars else size

    def _letterhead(self, block: Letterhead) -> None:
        """The letter's head (GB/T 9704 §10.1) as the PDF draws it: the issuing body's name in
        red 30 mm from the top edge and the red double rule under it, in the first page's
        header; the red double rule near the foot in the first page's footer (which carries
        no page number); the document number right-aligned under the rule, in the body.
        ``printed`` False keeps the space and leaves the name and rules out."""
        section = self.word.sections[0]
        section.different_first_page_header_footer = True
        section.header_distance = Twips(_pt_twips(layout.LETTERHEAD_TOP))
        header = section.first_page_header
        header.is_linked_to_previous = False
        size = layout.LETTERHEAD_SIZE
        name = plain(block.name)
        while size > 12.0 and _text_width_em(name) * size > self.geo.frame_width:
            size -= 1.0  # a long name: smaller, on one line, as the PDF
        rule_indent = -(layout.LETTER_RULE_LENGTH - self.geo.frame_width) / 2.0
        head = header.paragraphs[0]
        self._style(head, "song")
        self._format(head, align="center", size=size, leading=size * 1.2)
        rule = header.add_paragraph()
        self._format(
            rule, size=1, leading=layout.LETTER_RULE_GAP, left=rule_indent, right=rule_indent
        )
        _mark_size(rule, 1)
        foot = section.first_page_footer
        foot.is_linked_to_previous = False
        foot_rule = foot.paragraphs[0]
        self._format(foot_rule, size=1, leading=1, left=rule_indent, right=rule_indent)
        _mark_size(foot_rule, 1)
        if block.printed:
            for r in block.name:
                run = self._run(head._p, r.text, size, bold=True)
                _color(run, _LETTER_RED)
            _border(rule, "bottom", "thickThinSmallGap")
            _border(foot_rule, "top", "thinThickSmallGap")
        else:
            self._run(head._p, "\u3000", size)  # the name's line, kept empty
        body = layout.LETTER_BODY_SIZE
        para = self._paragraph()
        self._format(
            para,
            align="right",
            size=body,
            before=layout.LETTER_NUMBER_GAP,
            after=layout.LETTER_TITLE_GAP_LINES * body * layout.LEADING_RATIO,
            keep_with_next=True,
        )
        self._runs(para, block.number, "fangsong", body)

    def _attachment_note(self, block: AttachmentNote) -> None:
        """附件说明: "附件：1. name" two characters in; later items' numbers under the first
        one's; each item's wrapped lines aligned with the first character of its name."""
        size = block.size
        char = self._grid_pitch(size)
        indent = 2 * char
        label_w = _text_width_em(block.label) * char
        leading = size * layout.LEADING_RATIO
        for i, (marker, item) in enumerate(zip(block.markers, block.items, strict=True)):
            marker_w = _text_width_em(marker) * char
            para = self._paragraph(role=block.role)
            hang = label_w + marker_w if i == 0 else marker_w
            self._format(
                para,
                align="justify",
                size=size,
                before=leading if i == 0 else 0.0,
                left=indent + label_w + marker_w,
                first=-hang,
                keep_with_next=True,  # the note stays whole, with the signature after it
                keep_lines=True,
            )
            head = (block.label if i == 0 else "") + marker
            self._text(para, head, block.role, size, para_role=block.role)
            self._runs(para, item, block.role, size)

    def _dated_signature(self, block: DatedSignature) -> None:
        """署名 and 成文日期: the date ending ``date_right_chars`` characters from the right
        edge, the name centred over it, the seal slot over both (骑年盖月), then the 附注.
        The block keeps with the last lines of the text before it, as in the PDF."""
        if self.last_paragraph is not None:
            fmt = self.last_paragraph.paragraph_format
            fmt.keep_with_next = True
            fmt.keep_together = True
        size = layout.LETTER_BODY_SIZE
        char = self._grid_pitch(size)
        leading = size * layout.LEADING_RATIO
        right = block.date_right_chars * char
        date_w = _text_width_em(plain(block.date)) * char
        name_w = _text_width_em(plain(block.name)) * char
        self._blank(block.space_lines * leading, keep_with_next=True)
        name = self._paragraph()
        name_right = max(0.0, right + (date_w - name_w) / 2.0)
        self._format(
            name, align="right", size=size, right=name_right, keep_with_next=True, keep_lines=True
        )
        self._runs(name, block.name, "fangsong", size)
        date = self._paragraph()
        self._format(
            date,
            align="right",
            size=size,
            right=right,
            keep_with_next=block.note is not None,
            keep_lines=True,
        )
        self._runs(date, block.date, "fangsong", size)
        if block.note:
            note = self._paragraph()
            self._format(note, align="justify", size=size, first=2 * char)
            self._runs(note, block.note, "fangsong", size)
        d = block.seal_diameter_mm * layout.MM
        r = d / 2.0
        width = self.geo.frame_width
        cx = min(max(width - right - date_w / 2.0, r), width + r / 2.0)
        cy = 0.65 * leading  # a little above the line between name and date, as the PDF
        self._seal_mark(name, d, x=cx - r, y=cy - r, relative_h="margin", in_cell=False)
        self.last_paragraph = None

    def _heading(self, block: Heading) -> None:
        level = min(max(block.level, 1), 3)
        role = block.role
        para = self._paragraph()
        self._style(para, role, f"Heading{level}")
        size = _BODY_SIZE
        self._format(para, size=size, first=2 * size, keep_with_next=True, keep_lines=True)
        if not block.bookmark:
            # Keep the look, stay out of the navigation pane.
            _set_child(
                para._p.get_or_add_pPr(), "w:outlineLvl", ("w:divId", "w:cnfStyle", "w:rPr")
            ).set(qn("w:val"), "9")
        if block.number:
            self._text(para, block.number, role, size, para_role=role)
        self._runs(para, block.text, role, size)

    def _body_paragraph(self, block: Paragraph) -> None:
        para = self._paragraph(role=block.role)
        self._format(
            para,
            align=block.align,
            size=block.size,
            before=block.space_before,
            after=block.space_after,
            first=block.indent * block.size,
            keep_with_next=block.keep_with_next,
        )
        if block.indent:
            ind = para._p.get_or_add_pPr().get_or_add_ind()
            ind.set(qn("w:firstLineChars"), str(block.indent * 100))
        self._runs(para, block.text, block.role, block.size)

    def _list_item(self, block: ListItem) -> None:
        size = block.size
        marker_w = (_text_width_em(block.marker) + layout.LIST_MARKER_GAP_EM) * size
        first = 2 * size
        para = self._paragraph(role=block.role)
        self._format(para, align="justify", size=size, left=first + marker_w, first=-marker_w)
        para.paragraph_format.tab_stops.add_tab_stop(Pt(first + marker_w))
        self._text(para, block.marker + "\t", block.role, size, para_role=block.role)
        self._runs(para, block.text, block.role, size)

    def _tick_boxes(self, block: TickBoxes) -> None:
        """One line of choices as the PDF sets it: the label, then ☐item; a run of nested items
        in brackets after its item. A continuing row prints no label and starts where the
        first row's boxes start; wrapped lines hang there too."""
        size = block.size
        label = xml_text(block.label)
        label_w = _text_width_em(label) * size
        first = 2 * size
        hang = first + label_w if label_w < 0.4 * self.geo.frame_width else first
        para = self._paragraph()
        start = hang if block.continues else first
        self._format(para, size=size, left=hang, first=start - hang, keep_with_next=True)
        if not block.continues:
            self._text(para, label, "fangsong", size, para_role="fangsong")
        items = block.items
        for i, item in enumerate(items):
            nested = item.level > 0
            prev_nested = i > 0 and items[i - 1].level > 0
            next_nested = i + 1 < len(items) and items[i + 1].level > 0
            if i > 0 and not (nested and not prev_nested):
                gap = layout.TICK_SUBGAP_EM if nested else layout.TICK_GAP_EM
                self._gap(para, gap, size)
            if nested and not prev_nested:
                self._text(para, "（", "fangsong", size, para_role="fangsong")
            para._p.append(self._checkbox(item.checked, size))
            self._text(para, item.text, "fangsong", size, para_role="fangsong")
            if nested and not next_nested:
                self._text(para, "）", "fangsong", size, para_role="fangsong")

    def _gap(self, para: DocxParagraph, em: float, size: float) -> None:
        """Blank space ``em`` wide: U+3000 for a whole em, else a Latin space widened."""
        if em >= 1.0:
            self._text(para, "\u3000" * round(em), "fangsong", size, para_role="fangsong")
            return
        # A Times New Roman space is 0.25 em; widen it by the rest.
        spacing = _pt_twips(max(em - 0.25, 0.0) * size)
        self._run(para._p, " ", size, face=LATIN_FACE, spacing=spacing)

    def _checkbox(self, checked: bool, size: float) -> BaseOxmlElement:
        """A Word checkbox content control: ☑ when checked, ☐ when not (clickable in Word
        and WPS; plain text elsewhere), in Segoe UI Symbol, which has both."""
        self.sdt_id += 1
        self.styles_used.add("TickChar")
        sdt: BaseOxmlElement = _checkbox_xml(checked, size).__copy__()
        sdt.find(_W_SDT_ID).set(_W_VAL, str(self.sdt_id))
        return sdt

    # ------------------------------------------------------------------ tables

    def _before_table(self) -> None:
        body = self.word.element.body
        if self.pending_break or (len(body) >= 2 and body[-2].tag == qn("w:tbl")):
            # A break before a table needs a paragraph to carry it; two tables in a row need a
            # paragraph between them or Word joins them.
            self._minimal_paragraph()
        self.last_paragraph = None

    def _new_table(
        self,
        rows: int,
        widths_twips: Sequence[int],
        *,
        grid: bool,
        pad_x: float = layout.TABLE_PAD_X,
        pad_y: float = layout.TABLE_PAD_Y,
    ) -> DocxTable:
        table: DocxTable = self.word.add_table(rows=rows, cols=len(widths_twips))
        table.autofit = False
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        tbl_pr = table._tbl.tblPr
        tbl_w = _set_child(tbl_pr, "w:tblW", ("w:jc", "w:tblCellSpacing", "w:tblInd"))
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(sum(widths_twips)))
        outer = _pt_eighths(layout.TABLE_BOX_WIDTH)
        inner = _pt_eighths(layout.TABLE_GRID_WIDTH)
        edges = {"top": outer, "left": outer, "bottom": outer, "right": outer}
        if grid:
            edges |= {"insideH": inner, "insideV": inner}
        _set_borders(tbl_pr, edges)
        mar = _set_child(tbl_pr, "w:tblCellMar", ("w:tblLook", "w:tblCaption"))
        for edge, value in (("top", pad_y), ("left", pad_x), ("bottom", pad_y), ("right", pad_x)):
            el = OxmlElement(f"w:{edge}")
            el.set(qn("w:w"), str(_pt_twips(value)))
            el.set(qn("w:type"), "dxa")
            mar.append(el)
        for col, width in zip(table.columns, widths_twips, strict=True):
            col.width = Twips(width)
        return table

    def _table(self, block: Table) -> None:
        if not block.widths:
            return
        size = block.size
        if block.caption:
            csize = size + layout.CAPTION_SIZE_STEP
            cap = self._paragraph(role="hei")
            self._format(
                cap,
                align="center",
                size=csize,
                leading=csize * layout.TITLE_LEADING_RATIO,
                before=0.0 if self.pending_break else layout.TABLE_SPACE,
                keep_with_next=True,
            )
            self._runs(cap, block.caption, "hei", csize)
        elif self.pending_break:
            self._before_table()
        else:
            self._blank(layout.TABLE_SPACE, keep_with_next=True)
        self._before_table()
        widths = _split_widths(self.geo.frame_width, block.widths)
        ncols = len(widths)
        table = self._new_table(0, widths, grid=True)
        tbl = table._tbl
        tbl.tblPr.style = None
        leading = size * layout.TABLE_LEADING_RATIO
        para_role: Role = block.role
        style_id = _PARA_STYLE[para_role]
        # The rows are written with lxml directly, as python-docx writes them (a row of
        # w:cantSplit and w:tblHeader; cells of tcW, gridSpan, shd, vAlign and one paragraph):
        # python-docx's cell objects cost more than the text in them.
        for r, row_cells in enumerate(block.rows):
            span_total = sum(max(c.colspan, 1) for c in row_cells)
            if span_total > ncols:
                raise ValueError(f"table row {r} spans {span_total} columns, the table has {ncols}")
            tr = etree.SubElement(tbl, _W_TR)
            tr_pr = etree.SubElement(tr, _W_TRPR)
            etree.SubElement(tr_pr, _W_CANT_SPLIT)
            if r < block.header_rows:
                etree.SubElement(tr_pr, _W_TBL_HEADER)
            col = 0
            for cell_data in row_cells:
                span = max(cell_data.colspan, 1)
                header = cell_data.header or r < block.header_rows
                p = _table_cell(tr, sum(widths[col : col + span]), span, header)
                self._format(p, align=cell_data.align, size=size, leading=leading)
                self._style(p, para_role, style_id)
                self._runs(p, cell_data.text, block.role, size, bold=cell_data.header)
                col += span
            for rest in range(col, ncols):  # a short row: pad with empty cells
                p = _table_cell(tr, widths[rest], 1, None)
                self._format(p, size=size, leading=leading)
        self._blank(layout.TABLE_SPACE)
        self.last_paragraph = None

    # ------------------------------------------------------------------ cover

    def _cover_fields(self, block: CoverFields) -> None:
        """Label, then the value on an underline to the right edge, as the PDF's cover: the
        value wraps under itself; a sealed field gets a seal-high zone with the seal's slot
        over its value."""
        s = block.size
        leading = s * layout.COVER_LEADING_RATIO
        margin = layout.COVER_INDENT_EM * s
        fields = block.fields
        label_w = max((_text_width_em(f.label) for f in fields), default=0.0) * s
        x_value = margin + label_w
        x_right = self.geo.frame_width - margin
        value_w = max(x_right - x_value, 4 * s)
        lines = [
            max(1, math.ceil(_text_width_em(plain(f.value)) * s / value_w - 1e-9)) for f in fields
        ]
        heights = [n * leading for n in lines]
        row_h = list(heights)
        for i, f in enumerate(fields):
            if not f.seal:
                continue
            zone = f.seal_mm * layout.MM + 0.5 * leading
            if f.seal_with_next and i + 1 < len(fields):
                spare = max(0.0, zone - heights[i] - heights[i + 1]) / 2.0
                row_h[i] = heights[i] + spare
                row_h[i + 1] = heights[i + 1] + spare
            else:
                row_h[i] = max(heights[i], zone)
        for k, f in enumerate(fields):
            text_h, h = heights[k], row_h[k]
            paired_above = k > 0 and fields[k - 1].seal is not None and fields[k - 1].seal_with_next
            paired = f.seal is not None and f.seal_with_next and k + 1 < len(fields)
            above = h - text_h if paired else 0.0 if paired_above else (h - text_h) / 2.0
            self._blank(above, keep_with_next=True)
            para = self._paragraph()
            self._format(
                para,
                size=s,
                leading=leading,
                left=x_value,
                first=-label_w,
                right=margin,
                keep_with_next=True,
                keep_lines=True,
            )
            tabs = para.paragraph_format.tab_stops
            # One twip past the value's edge: a label as wide as the label column still tabs
            # to it (a tab that ends exactly on a stop goes on to the next one).
            tabs.add_tab_stop(Twips(_pt_twips(x_value) + 1))
            tabs.add_tab_stop(Pt(x_right), WD_TAB_ALIGNMENT.RIGHT)
            self._text(para, xml_text(f.label) + "\t", "fangsong", s, para_role="fangsong")
            self._runs(para, f.value, "fangsong", s, underline=True)
            self._text(para, "\t", "fangsong", s, para_role="fangsong", underline=True)
            if f.seal:
                d = f.seal_mm * layout.MM
                r = d / 2.0
                first_w = min(_text_width_em(plain(f.value)) * s, value_w)
                lo, hi = x_value + r, x_right - r
                cx = x_value + first_w / 2.0
                cx = (x_value + x_right) / 2.0 if lo > hi else min(max(cx, lo), hi)
                cy = text_h if paired else text_h / 2.0
                self._seal_mark(para, d, x=cx - r, y=cy - r, relative_h="margin", in_cell=False)
            below = h - text_h - above
            self._blank(below, keep_with_next=k + 1 < len(fields))
        self.last_paragraph = None

    # ------------------------------------------------------------------ signatures

    def _sig_layout(self, block: SignatureBlock, size: float) -> _Sig:
        leading = size * layout.LEADING_RATIO
        diameter = block.seal_diameter_mm
        if block.seal == "government":
            diameter = max(diameter, layout.GOVERNMENT_SEAL_MM)
        text_h = len(block.lines) * leading
        height = max(text_h, diameter * layout.MM)
        return _Sig(size, leading, text_h, height, (height - text_h) / 2.0)

    def _signature_lines(
        self,
        container: _Cell | None,
        block: SignatureBlock,
        sig: _Sig,
        *,
        width: float,
        **seal: Any,
    ) -> None:
        """Right-aligned lines ending two characters before ``width``, centred in a seal-high
        area, with the seal slot's circle over the unit's name and the date (as the PDF)."""
        size, leading = sig.size, sig.leading
        right = layout.SIGNATURE_RIGHT_INDENT_EM * size
        self._blank(sig.pad, container, keep_with_next=True)
        first: DocxParagraph | None = None
        for i, line in enumerate(block.lines):
            para = self._paragraph(container)
            last = i == len(block.lines) - 1
            self._format(
                para,
                align="right",
                size=size,
                leading=leading,
                right=right,
                keep_with_next=not last or sig.pad >= 0.5,
                keep_lines=True,
            )
            self._runs(para, line, "fangsong", size)
            first = first or para
        self._blank(sig.pad, container)
        if first is None:
            return
        d = block.seal_diameter_mm * layout.MM
        if block.seal == "government":
            d = max(d, layout.GOVERNMENT_SEAL_MM * layout.MM)
        r = d / 2.0
        x_right = width - right
        widths = [_text_width_em(plain(line)) * size for line in block.lines]
        widest = max(widths[0], widths[-1])
        cx = min(max(x_right - widest / 2.0, r), width - r)
        cy = len(block.lines) * leading / 2.0
        self._seal_mark(first, d, x=cx - r, y=cy - r, **seal)

    def _signature(self, block: SignatureBlock) -> None:
        if self.last_paragraph is not None:
            # Never leave the signature alone on a page: it travels with the text above.
            fmt = self.last_paragraph.paragraph_format
            fmt.keep_with_next = True
        sig = self._sig_layout(block, _BODY_SIZE)
        self._signature_lines(
            None,
            block,
            sig,
            width=self.geo.frame_width,
            relative_h="margin",
            in_cell=False,
        )
        self.last_paragraph = None

    def _opinion(self, block: OpinionBox) -> None:
        """A bordered box as the PDF's: the title, a writing area, the signature and its seal,
        all in one row that never splits."""
        self._before_table()
        size = layout.OPINION_SIZE
        pad = layout.OPINION_PAD
        leading = size * layout.LEADING_RATIO
        width = _pt_twips(self.geo.frame_width)
        table = self._new_table(1, [width], grid=False, pad_x=pad, pad_y=pad)
        row = table.rows[0]
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        cell = row.cells[0]
        cell.width = Twips(width)
        inner = self.geo.frame_width - 2 * pad
        sig = self._sig_layout(block.signature, size)
        title_lines = max(1, math.ceil(_text_width_em(block.title) * size / inner - 1e-9))
        title_h = title_lines * leading
        room = self.geo.frame_height - (2 * pad + title_h + sig.height)
        space = max(0.0, min(block.height_mm * layout.MM, room))
        title = cell.paragraphs[0]
        self._format(title, size=size, leading=leading, keep_with_next=True)
        self._style(title, "hei")
        self._text(title, block.title, "hei", size, para_role="hei")
        self._blank(space, cell, keep_with_next=True)
        self._signature_lines(
            cell, block.signature, sig, width=inner, relative_h="column", in_cell=True
        )
        self._blank(1.0, None)  # after the table, so that tables never join
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
        """A light grey dashed circle behind the text: where the official seal goes. ``x`` is
        from the margin (or the cell), ``y`` from the top of ``para``."""
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
            f'<a:ln w="6350"><a:solidFill><a:srgbClr val="{SEAL_MARK_COLOR}"/></a:solidFill>'
            '<a:prstDash val="dash"/></a:ln>'
            "</wps:spPr><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic>"
            "</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>"
            f'<v:oval style="position:absolute;margin-left:{x:.1f}pt;margin-top:{y:.1f}pt;'
            f"width:{diameter:.1f}pt;height:{diameter:.1f}pt;z-index:-{sid};"
            f'mso-position-horizontal-relative:{vml_rel};mso-position-vertical-relative:text" '
            f'filled="f" strokecolor="#{SEAL_MARK_COLOR}" strokeweight=".5pt">'
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

_LETTER_RED = "FF0000"  # the letterhead and its rules: pure red, as the PDF's DeviceRGB 1 0 0


def _color(run: BaseOxmlElement, rgb: str) -> None:
    rpr = run.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        run.insert(0, rpr)
    el = OxmlElement("w:color")
    el.set(qn("w:val"), rgb)
    # w:color comes after the run's style, fonts, bold and spacing, before its size
    later = (qn("w:spacing"), qn("w:sz"), qn("w:szCs"), qn("w:u"))
    anchor = next((c for c in rpr if c.tag in later), None)
    if anchor is not None:
        anchor.addprevious(el)
    else:
        rpr.append(el)


def _border(para: DocxParagraph, edge: str, style: str) -> None:
    """A red double rule (文武线) on ``edge`` of ``para``: thick over thin under the letterhead,
    thin over thick at the foot."""
    ppr = para._p.get_or_add_pPr()
    bdr = _set_child(ppr, "w:pBdr", _PPR_AFTER_PBDR)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), style)
    line.set(qn("w:sz"), str(_pt_eighths(layout.LETTER_RULE_THICK + layout.LETTER_RULE_THIN)))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), _LETTER_RED)
    bdr.append(line)


# pPr children after w:pBdr, in the schema's order
_PPR_AFTER_PBDR = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def _add_text(r: BaseOxmlElement, text: str) -> None:
    """Text into run ``r``: tabs and newlines as ``w:tab`` and ``w:br``."""
    pieces = _TAB_OR_NEWLINE.split(text) if "\t" in text or "\n" in text else (text,)
    for piece in pieces:
        if piece == "\t":
            etree.SubElement(r, _W_TAB)
        elif piece == "\n":
            etree.SubElement(r, _W_BR)
        elif piece:
            t = etree.SubElement(r, _W_T)
            t.text = piece
            if piece[0] == " " or piece[-1] == " " or "  " in piece:
                t.set(_XML_SPACE, "preserve")


def _mark_size(para: DocxParagraph | BaseOxmlElement, half_points: int) -> None:
    """The paragraph mark's size: an empty spacer paragraph is as small as its line spacing."""
    p = para._p if isinstance(para, DocxParagraph) else para
    ppr = p[0] if len(p) and p[0].tag == _W_PPR else p.get_or_add_pPr()
    rpr = _set_child(ppr, "w:rPr", ("w:sectPr", "w:pPrChange"))
    etree.SubElement(rpr, _W_SZ).set(_W_VAL, str(half_points))


def _apply_format(
    para: DocxParagraph,
    align: Align,
    size: float,
    line: float,
    before: float,
    after: float,
    first: float,
    left: float,
    right: float,
    keep_with_next: bool,
    keep_lines: bool,
) -> None:
    fmt = para.paragraph_format
    fmt.alignment = _ALIGN[align]
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line)
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if first:
        fmt.first_line_indent = Twips(_pt_twips(first))
    if left:
        fmt.left_indent = Twips(_pt_twips(left))
    if right:
        fmt.right_indent = Twips(_pt_twips(right))
    if keep_with_next:
        fmt.keep_with_next = True
    if keep_lines:
        fmt.keep_together = True


def _fld_char(kind: str) -> BaseOxmlElement:
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), kind)
    return el


def _pt_eighths(width_pt: float) -> int:
    return max(2, round(width_pt * 8))


def _split_widths(total_pt: float, relative: Sequence[float]) -> list[int]:
    """Relative widths scaled to ``total_pt``, in whole twips summing exactly to the total."""
    total = _pt_twips(total_pt)
    weights = [max(float(w), 0.0) for w in relative]
    if not sum(weights):
        weights = [1.0] * len(weights)
    s = sum(weights)
    out = [int(total * w / s) for w in weights]
    out[-1] += total - sum(out)
    return out


def _set_borders(tbl_pr: BaseOxmlElement, edges: Mapping[str, int]) -> None:
    borders = tbl_pr.find(qn("w:tblBorders"))
    if borders is not None:
        tbl_pr.remove(borders)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        if edge in edges:
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), str(edges[edge]))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    # tblBorders goes after tblW/jc/tblCellSpacing/tblInd and before shd/tblLayout/tblCellMar.
    for succ in ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"):
        anchor = tbl_pr.find(qn(succ))
        if anchor is not None:
            anchor.addprevious(borders)
            return
    tbl_pr.append(borders)


def _table_cell(tr: BaseOxmlElement, width: int, span: int, header: bool | None) -> BaseOxmlElement:
    """A ``w:tc`` at the end of ``tr``: ``width`` twips wide, over ``span`` grid columns,
    shaded as a header or not, its text centred vertically (``header`` None: a padding cell,
    neither); returns its one, empty paragraph."""
    tc = etree.SubElement(tr, _W_TC)
    tc_pr = etree.SubElement(tc, _W_TCPR)
    tc_w = etree.SubElement(tc_pr, _W_TCW)
    tc_w.set(_W_TYPE, "dxa")
    tc_w.set(_W_W, str(width))
    if span > 1:
        etree.SubElement(tc_pr, _W_GRID_SPAN).set(_W_VAL, str(span))
    if header:
        shd = etree.SubElement(tc_pr, _W_SHD)
        shd.set(_W_VAL, "clear")
        shd.set(_W_COLOR, "auto")
        shd.set(_W_FILL, HEADER_SHADING)
    if header is not None:
        etree.SubElement(tc_pr, _W_VALIGN).set(_W_VAL, "center")
    para: BaseOxmlElement = etree.SubElement(tc, _W_P)  # python-docx's class for w:p
    return para


@lru_cache(maxsize=64)
def _checkbox_xml(checked: bool, size: float) -> BaseOxmlElement:
    """A checkbox content control (``_DocxRenderer._checkbox``) with id 0, parsed once per
    process; the renderer inserts copies with their own ids."""
    sz = "" if size == _BODY_SIZE else f'<w:sz w:val="{round(size * 2)}"/>'
    rpr = f'<w:rPr><w:rStyle w:val="TickChar"/>{sz}</w:rPr>'
    glyph = chr(CHECKED_CHAR if checked else UNCHECKED_CHAR)
    xml = (
        f'<w:sdt {nsdecls("w", "w14")}><w:sdtPr>{rpr}<w:id w:val="0"/>'
        f'<w14:checkbox><w14:checked w14:val="{1 if checked else 0}"/>'
        f'<w14:checkedState w14:val="{CHECKED_CHAR:04X}" w14:font="{TICK_FACE}"/>'
        f'<w14:uncheckedState w14:val="{UNCHECKED_CHAR:04X}" w14:font="{TICK_FACE}"/>'
        f"</w14:checkbox></w:sdtPr><w:sdtContent><w:r>{rpr}<w:t>{glyph}</w:t></w:r>"
        "</w:sdtContent></w:sdt>"
    )
    return parse_xml(xml)


# ---------------------------------------------------------------------- package


_FACE_ATTRS = tuple(qn(a) for a in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"))
_THEME_FONTS = '<a:latin typeface="{latin}"/><a:ea typeface="{ea}"/><a:cs typeface="{latin}"/>'


def named_faces(
    parts: Mapping[str, bytes], trees: Mapping[str, BaseOxmlElement] | None = None
) -> set[str]:
    """Every face named in the WordprocessingML parts (styles, body, footers, settings, content
    controls) and the theme of a .docx, ``word/fontTable.xml`` excepted. ``trees``: the
    element trees some parts were serialised from, read instead of parsing those parts."""
    faces: set[str] = set()
    for name, data in parts.items():
        if not name.endswith(".xml") or name == "word/fontTable.xml":
            continue
        if not name.startswith("word/"):
            continue
        tree = trees.get(name) if trees is not None else None
        root = tree if tree is not None else parse_xml(data)
        for el in root.iter(qn("w:rFonts")):
            faces.update(v for a in _FACE_ATTRS if (v := el.get(a)))
        for tag in ("checkedState", "uncheckedState"):
            for el in root.iter(f"{{{_W14}}}{tag}"):
                if face := el.get(f"{{{_W14}}}font"):
                    faces.add(face)
        for el in root.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}latin"):
            faces.add(el.get("typeface") or "")
        for tag in ("ea", "cs", "font"):
            for el in root.iter(f"{{http://schemas.openxmlformats.org/drawingml/2006/main}}{tag}"):
                if el.get("typeface"):
                    faces.add(el.get("typeface"))
    faces.discard("")
    return faces


def _font_table(faces: set[str]) -> bytes:
    """``word/fontTable.xml`` declaring exactly ``faces``, as Word declares them."""
    out = [
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n",
        f'<w:fonts xmlns:w="{_W}">',
    ]
    for face in sorted(faces):
        decl = FONT_TABLE.get(face)
        if decl is None:
            raise ValueError(f"face {face!r} is not one docgen declares for Windows")
        alt = f'<w:altName w:val="{decl.alt_name}"/>' if decl.alt_name else ""
        out.append(
            f'<w:font w:name="{face}">{alt}<w:panose1 w:val="{decl.panose}"/>'
            f'<w:charset w:val="{decl.charset}"/><w:family w:val="{decl.family}"/>'
            f'<w:pitch w:val="{decl.pitch}"/></w:font>'
        )
    out.append("</w:fonts>")
    return "".join(out).encode("utf-8")


def _theme(data: bytes) -> bytes:
    """The theme with Windows faces only: Times New Roman and 宋体 for headings and body."""
    text = data.decode("utf-8")
    fonts = _THEME_FONTS.format(latin=LATIN_FACE, ea=WINDOWS_FACES["song"])
    for kind in ("majorFont", "minorFont"):
        text = re.sub(
            f"<a:{kind}>.*?</a:{kind}>", f"<a:{kind}>{fonts}</a:{kind}>", text, flags=re.S
        )
    return text.encode("utf-8")


def _repack(parts: dict[str, bytes], trees: Mapping[str, BaseOxmlElement] | None = None) -> bytes:
    """Zip the parts with fixed timestamps and attributes, [Content_Types].xml first, then
    sorted; the theme and the font table rewritten to name the Windows faces the file uses.
    ``trees``: the element trees of the XML parts (``named_faces``), not of a rewritten one."""
    parts = dict(parts)
    for name in list(parts):
        if name.startswith("word/theme/") and name.endswith(".xml"):
            parts[name] = _theme(parts[name])
            if trees is not None and name in trees:
                trees = {k: v for k, v in trees.items() if k != name}
    if "word/fontTable.xml" in parts:
        parts["word/fontTable.xml"] = _font_table(named_faces(parts, trees))
    app = parts.get("docProps/app.xml")
    if app is not None:
        app = app.replace(
            b"<Application>Microsoft Macintosh Word</Application>",
            b"<Application>docgen</Application>",
        )
        parts["docProps/app.xml"] = app.replace(
            b"<AppVersion>14.0000</AppVersion>", b"<AppVersion>15.0000</AppVersion>"
        )
    return pack(
        parts,
        date_time=ZIP_DATE,
        first=("[Content_Types].xml",),
        create_system=3,
        external_attr=0o100644 << 16,
        level=6,
    )
