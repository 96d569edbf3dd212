"""A small HTML/CSS rendering of docgen's Document IR, for the WeasyPrint comparison only.

It follows the PDF renderer's typography: A4 with the GB/T 9704 margins (landscape pages with the
smaller ones), 3号 (16 pt) body text on a 1.8 line pitch, justified Chinese text with a two-character
first-line indent, headings in hei/kai, bordered tables whose header rows repeat, tick boxes, cover
lines on underlines, signature blocks with a dashed seal circle, opinion boxes, page numbers
"— N —" in the footer (counted through the file; cover pages have none). Fonts are the faces
docgen itself resolves for each role (the Debian ones under /usr/share/fonts/truetype), loaded by
@font-face.

It is not a second renderer of docgen: no keep-tail rules, no seal slot bookkeeping, no outline.
That makes the comparison lenient to WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from docgen import layout
from docgen.document import (
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
    SignatureBlock,
    Spacer,
    Table,
    TickBoxes,
    Title,
)
from docgen.render.fonts import ROLES, FontSet

MM = 25.4 / 72.0  # millimetres per point


def font_face_css(fonts: FontSet) -> tuple[str, dict[Role, str]]:
    """@font-face rules for every face of every role's chain, and the CSS font-family list
    of each role (the chain, in docgen's order)."""
    names: dict[str, str] = {}
    rules: list[str] = []
    families: dict[Role, str] = {}
    for role in ROLES:
        chain: list[str] = []
        for face in fonts.faces(role):
            if face.index != 0:  # @font-face cannot pick a face inside a collection
                continue
            key = str(face.path)
            if key not in names:
                names[key] = f"dg{len(names)}"
                rules.append(
                    f'@font-face {{ font-family: "{names[key]}"; src: url("file://{face.path}"); }}'
                )
            chain.append(f'"{names[key]}"')
        families[role] = ", ".join(chain)
    return "\n".join(rules), families


def _css(fonts: FontSet) -> str:
    faces, fam = font_face_css(fonts)
    p, ls = layout.PORTRAIT, layout.LANDSCAPE
    lead = layout.LEADING_RATIO
    return f"""
{faces}
@page {{
  size: A4 portrait;
  margin: {p.margin_top * MM:.2f}mm {p.margin_right * MM:.2f}mm {p.margin_bottom * MM:.2f}mm
          {p.margin_left * MM:.2f}mm;
  @bottom-right {{ content: "— " counter(page) " —"; font-family: {fam["song"]};
                   font-size: {layout.PAGE_NUMBER_SIZE}pt; vertical-align: top;
                   padding-top: {layout.PAGE_NUMBER_GAP * MM:.1f}mm; }}
}}
@page land {{
  size: A4 landscape;
  margin: {ls.margin_top * MM:.2f}mm {ls.margin_right * MM:.2f}mm {ls.margin_bottom * MM:.2f}mm
          {ls.margin_left * MM:.2f}mm;
}}
@page cover {{ @bottom-right {{ content: none; }} }}
html {{ font-family: {fam["fangsong"]}; font-size: 16pt; line-height: {lead}; color: black; }}
body {{ margin: 0; }}
section.doc {{ page-break-before: always; }}
section.doc:first-child {{ page-break-before: auto; }}
section.land {{ page: land; }}
div.cover {{ page: cover; }}
p {{ margin: 0; text-align: justify; text-indent: 2em; orphans: 2; widows: 2;
     line-break: strict; }}
.song {{ font-family: {fam["song"]}; }}
.hei {{ font-family: {fam["hei"]}; }}
.kai {{ font-family: {fam["kai"]}; }}
.fangsong {{ font-family: {fam["fangsong"]}; }}
b {{ font-weight: bold; }}
h1.title {{ font-family: {fam["hei"]}; text-align: center; font-weight: normal;
            line-height: {layout.TITLE_LEADING_RATIO}; margin: 0; page-break-after: avoid; }}
h2, h3, h4 {{ font-size: 16pt; font-weight: normal; margin: 0; text-indent: 2em;
              page-break-after: avoid; }}
h2 {{ font-family: {fam["hei"]}; }}
h3 {{ font-family: {fam["kai"]}; }}
h4 {{ font-family: {fam["fangsong"]}; font-weight: bold; }}
p.li {{ text-indent: 0; padding-left: 2em; }}
span.box {{ display: inline-block; width: 0.8em; height: 0.8em; border: 0.7pt solid black;
            margin: 0 0.1em; vertical-align: -0.1em; text-align: center; line-height: 0.8em;
            text-indent: 0; }}
p.ticks {{ text-align: left; }}
table.grid {{ border-collapse: collapse; width: 100%; table-layout: fixed;
              margin: {layout.TABLE_SPACE}pt 0; border: {layout.TABLE_BOX_WIDTH}pt solid black;
              line-height: {layout.TABLE_LEADING_RATIO}; }}
table.grid td, table.grid th {{ border: {layout.TABLE_GRID_WIDTH}pt solid black;
              padding: {layout.TABLE_PAD_Y}pt {layout.TABLE_PAD_X}pt; vertical-align: middle;
              font-weight: normal; text-align: left; text-indent: 0; }}
table.grid th.h, table.grid td.h {{ background: #e6e6e6; font-weight: bold; }}
table.grid tr {{ page-break-inside: avoid; }}
caption {{ font-family: {fam["hei"]}; text-align: center; }}
table.cover {{ margin: 0 {layout.COVER_INDENT_EM}em; border-collapse: collapse;
               line-height: {layout.COVER_LEADING_RATIO}; }}
table.cover td {{ vertical-align: top; padding: 0; }}
table.cover td.v {{ border-bottom: {layout.COVER_UNDERLINE_WIDTH}pt solid black; width: 100%; }}
div.sig {{ text-align: right; padding-right: {layout.SIGNATURE_RIGHT_INDENT_EM}em;
           position: relative; min-height: 42mm; page-break-inside: avoid; }}
div.sig p {{ text-align: right; text-indent: 0; }}
div.seal {{ position: absolute; right: 3em; top: 0; border: 0.5pt dashed #ccc;
            border-radius: 50%; font-size: 6pt; text-align: center; color: #ccc; }}
div.opinion {{ border: {layout.TABLE_BOX_WIDTH}pt solid black; padding: {layout.OPINION_PAD}pt;
               font-size: {layout.OPINION_SIZE}pt; page-break-inside: avoid; }}
div.opinion p.t {{ font-family: {fam["hei"]}; text-indent: 0; }}
"""


def _runs(text: Runs, role: Role, bold: bool = False) -> str:
    out = []
    for r in text:
        t = escape(r.text).replace("\n", "<br>")
        if r.role and r.role != role:
            t = f'<span class="{r.role}">{t}</span>'
        if r.bold or bold:
            t = f"<b>{t}</b>"
        out.append(t)
    return "".join(out)


def _style(size: float, before: float = 0.0, after: float = 0.0) -> str:
    parts = []
    if size != 16.0:
        parts.append(f"font-size:{size}pt")
    if before:
        parts.append(f"margin-top:{before}pt")
    if after:
        parts.append(f"margin-bottom:{after}pt")
    return f' style="{";".join(parts)}"' if parts else ""


def _signature(sig: SignatureBlock) -> str:
    d = sig.seal_diameter_mm
    lines = "".join(f"<p>{_runs(line, 'fangsong')}</p>" for line in sig.lines)
    seal = f'<div class="seal" style="width:{d}mm;height:{d}mm;line-height:{d * 1.8}mm">公章</div>'
    return f'<div class="sig">{seal}{lines}</div>'


def _block(block: Block) -> str:
    match block:
        case Title():
            return (
                f'<h1 class="title"{_style(block.size, block.space_before, block.space_after)}>'
                f"{_runs(block.text, block.role)}</h1>"
            )
        case Heading():
            tag = {1: "h2", 2: "h3"}.get(block.level, "h4")
            return f"<{tag}>{escape(block.number)}{_runs(block.text, 'hei')}</{tag}>"
        case Paragraph():
            cls = "" if block.role == "fangsong" else f' class="{block.role}"'
            style = _style(block.size, block.space_before, block.space_after)
            if block.indent != 2 or block.align != "justify":
                extra = f"text-indent:{block.indent}em;text-align:{block.align}"
                style = (style[:-1] + ";" + extra + '"') if style else f' style="{extra}"'
            return f"<p{cls}{style}>{_runs(block.text, block.role)}</p>"
        case ListItem():
            return (
                f'<p class="li"{_style(block.size)}>{escape(block.marker)}\u2002'
                f"{_runs(block.text, block.role)}</p>"
            )
        case TickBoxes():
            items = "\u3000".join(
                f'<span class="box">{"✓" if i.checked else ""}</span>{escape(i.text)}'
                for i in block.items
            )
            return f'<p class="ticks"{_style(block.size)}>{escape(block.label)}{items}</p>'
        case Table():
            total = sum(block.widths) or 1.0
            cols = "".join(f'<col style="width:{w / total * 100:.2f}%">' for w in block.widths)
            cap = f"<caption>{_runs(block.caption, 'hei')}</caption>" if block.caption else ""
            head, body = [], []
            for r, row in enumerate(block.rows):
                cells = "".join(
                    f"<td{' colspan=' + str(c.colspan) if c.colspan > 1 else ''}"
                    f'{" class=h" if c.header else ""} style="text-align:{c.align}">'
                    f"{_runs(c.text, block.role)}</td>"
                    for c in row
                )
                (head if r < block.header_rows else body).append(f"<tr>{cells}</tr>")
            thead = f"<thead>{''.join(head)}</thead>" if head else ""
            return (
                f'<table class="grid {block.role}" style="font-size:{block.size}pt">{cap}'
                f"<colgroup>{cols}</colgroup>{thead}<tbody>{''.join(body)}</tbody></table>"
            )
        case CoverFields():
            rows = "".join(
                f'<tr><td style="white-space:nowrap">{escape(f.label)}</td>'
                f'<td class="v">{_runs(f.value, "fangsong")}</td></tr>'
                for f in block.fields
            )
            return f'<table class="cover"{_style(block.size)}>{rows}</table>'
        case SignatureBlock():
            return _signature(block)
        case OpinionBox():
            return (
                f'<div class="opinion"><p class="t">{escape(block.title)}</p>'
                f'<div style="height:{block.height_mm}mm"></div>{_signature(block.signature)}</div>'
            )
        case Spacer():
            return f'<div style="height:{block.height_mm}mm"></div>'
        case PageBreak():
            return ""
    raise TypeError(f"unknown block {block!r}")


def _document(doc: Document) -> str:
    """One document: the cover pages (before the first page break) unnumbered, then the rest."""
    parts: list[list[str]] = [[]]
    for block in doc.blocks:
        if isinstance(block, PageBreak):
            parts.append([])
        else:
            parts[-1].append(_block(block))
    html: list[str] = []
    for k, blocks in enumerate(parts):
        cover = k < doc.cover_pages
        brk = "" if k == 0 else ' style="page-break-before:always"'
        cls = "cover" if cover else "body"
        html.append(f'<div class="{cls}"{brk}>{"".join(blocks)}</div>')
    cls = "doc land" if doc.landscape else "doc"
    return f'<section class="{cls}">{"".join(html)}</section>'


def documents_html(docs: Sequence[Document] | Iterable[Document], fonts: FontSet) -> str:
    """One HTML file holding ``docs``, each starting on a new page."""
    body = "".join(_document(d) for d in docs)
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>docgen forms</title><style>{_css(fonts)}</style></head>"
        f"<body>{body}</body></html>"
    )
