"""A small Typst rendering of docgen's Document IR, for the Typst comparison only.

Like ``bench/html_ir.py`` for WeasyPrint, it follows the PDF renderer's typography: A4 with the
GB/T 9704 margins (landscape pages with the smaller ones), 3号 (16 pt) body text on the 1.8 line
pitch (28.8 pt), justified Chinese text with a two-character first-line indent, headings in
hei/kai, bordered tables whose header rows repeat, tick boxes, cover lines on underlines,
signature blocks with room for the seal, opinion boxes, page numbers "— N —" at the foot
(counted per document; cover pages have none). Fonts are the faces docgen itself resolves for
each role, given to Typst as font folders (system fonts ignored), each role's chain in docgen's
order as Typst's font fallback list.

It is not a second renderer of docgen: no keep-tail rules, no seal slot bookkeeping, no outline,
no fake bold, no drawn ticks. That makes the comparison lenient to Typst.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from docgen import layout
from docgen.document import (
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
)
from docgen.render.fonts import ROLES, FontSet

MM = 25.4 / 72.0  # millimetres per point


def font_paths(fonts: FontSet) -> list[str]:
    """The folders holding every face of every role's chain (what the Compiler loads)."""
    return sorted({str(face.path.parent) for role in ROLES for face in fonts.faces(role)})


def _families(fonts: FontSet) -> dict[Role, str]:
    out: dict[Role, str] = {}
    for role in ROLES:
        names: list[str] = []
        for face in fonts.faces(role):
            if face.family and face.family not in names:
                names.append(face.family)
        out[role] = "(" + ", ".join(_str(n) for n in names) + ",)"
    return out


def _str(text: str) -> str:
    """A Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _content(text: str) -> str:
    """Plain text as a Typst content expression (no markup is interpreted)."""
    parts = text.replace("\t", " ").replace("\r", "").split("\n")
    return " + linebreak() + ".join(f"[#{_str(p)}]" if p else "[]" for p in parts) or "[]"


def _runs(text: Runs, role: Role, fam: dict[Role, str], bold: bool = False) -> str:
    """Code-mode content for ``text``: each run a string, in its own face where it has one."""
    out = []
    for r in text:
        if not r.text:
            continue
        c = _content(r.text)
        args = []
        if r.role and r.role != role:
            args.append(f"font: {fam[r.role]}")
        if r.bold or bold:
            args.append('weight: "bold"')
        out.append(f"text({', '.join(args)}, {c})" if args else c)
    return "(" + " + ".join(out) + ")" if out else "[]"


def _par(
    body: str,
    *,
    role: Role,
    fam: dict[Role, str],
    size: float = 16.0,
    indent: float = 2.0,
    align: str = "justify",
    before: float = 0.0,
    after: float = 0.0,
) -> str:
    justify = "true" if align == "justify" else "false"
    al = {"justify": "left", "left": "left", "center": "center", "right": "right"}[align]
    out = []
    if before:
        out.append(f"#v({before}pt)")
    out.append(
        f"#block(above: 0pt, below: 0pt, align({al}, text(font: {fam[role]}, size: {size}pt, "
        f"par(justify: {justify}, first-line-indent: (amount: {indent}em, all: true), "
        f"leading: {(layout.LEADING_RATIO - 1.0) * size:.2f}pt, {body}))))"
    )
    out.append(f"#v({(layout.LEADING_RATIO - 1.0) * size + after:.2f}pt)")
    return "\n".join(out)


def _signature(sig: SignatureBlock, fam: dict[Role, str]) -> str:
    lines = " + linebreak() + ".join(_runs(line, "fangsong", fam) for line in sig.lines) or "[]"
    pad = layout.SIGNATURE_RIGHT_INDENT_EM
    return (
        f"#block(breakable: false, width: 100%, height: {sig.seal_diameter_mm}mm, "
        f"align(right + bottom, pad(right: {pad}em, text(font: {fam['fangsong']}, "
        f"par(leading: 12.8pt, {lines})))))\n#v(12.8pt)"
    )


def _table(block: Table, fam: dict[Role, str]) -> str:
    total = sum(block.widths) or 1.0
    cols = ", ".join(f"{w / total:.4f}fr" for w in block.widths)
    grey = layout.TABLE_HEADER_GREY
    cells: list[str] = []
    head: list[str] = []
    for r, row in enumerate(block.rows):
        target = head if r < block.header_rows else cells
        for c in row:
            args = []
            if c.colspan > 1:
                args.append(f"colspan: {c.colspan}")
            if c.header:
                args.append(f"fill: luma({round(grey * 100)}%)")
            al = {"justify": "left"}.get(c.align, c.align)
            args.append(f"align: {al} + horizon")
            target.append(
                f"table.cell({', '.join(args)}, {_runs(c.text, block.role, fam, c.header)})"
            )
    header = f"table.header({', '.join(head)}), " if head else ""
    cap = ""
    if block.caption:
        size = block.size + layout.CAPTION_SIZE_STEP
        cap = f"#align(center, text(font: {fam['hei']}, size: {size}pt, {_runs(block.caption, 'hei', fam)}))\n"
    lead = (layout.TABLE_LEADING_RATIO - 1.0) * block.size
    return (
        f"{cap}#v({layout.TABLE_SPACE}pt)\n"
        f"#[#set text(font: {fam[block.role]}, size: {block.size}pt)\n"
        f"#set par(leading: {lead:.2f}pt, justify: false, first-line-indent: 0pt)\n"
        f"#table(columns: ({cols},), stroke: {layout.TABLE_GRID_WIDTH}pt, "
        f"inset: (x: {layout.TABLE_PAD_X}pt, y: {layout.TABLE_PAD_Y}pt), "
        f"{header}{', '.join(cells)})]\n#v({layout.TABLE_SPACE}pt)"
    )


def _block(block: Block, fam: dict[Role, str]) -> str:
    match block:
        case Title():
            lead = (layout.TITLE_LEADING_RATIO - 1.0) * block.size
            return (
                f"#v({block.space_before}pt)\n#align(center, text(font: {fam[block.role]}, "
                f"size: {block.size}pt, par(leading: {lead:.2f}pt, "
                f"{_runs(block.text, block.role, fam)})))\n#v({block.space_after + lead:.2f}pt)"
            )
        case Heading():
            body = f"([#{_str(block.number)}] + {_runs(block.text, block.role, fam, block.bold)})"
            return _par(body, role=block.role, fam=fam, align="left")
        case Paragraph():
            return _par(
                _runs(block.text, block.role, fam),
                role=block.role,
                fam=fam,
                size=block.size,
                indent=block.indent,
                align=block.align,
                before=block.space_before,
                after=block.space_after,
            )
        case ListItem():
            body = f"([#{_str(block.marker)}] + h(0.5em) + {_runs(block.text, block.role, fam)})"
            return _par(body, role=block.role, fam=fam, size=block.size, indent=0)
        case TickBoxes():
            box = "box(width: 0.8em, height: 0.8em, stroke: 0.7pt, baseline: 0.1em)"
            items = " + h(1em) + ".join(f"{box} + [#{_str(i.text)}]" for i in block.items)
            body = f"([#{_str(block.label)}] + {items or '[]'})"
            return _par(body, role="fangsong", fam=fam, size=block.size, indent=0, align="left")
        case Table():
            return _table(block, fam)
        case CoverFields():
            rows = ", ".join(
                f"[#{_str(f.label)}], grid.cell(stroke: (bottom: "
                f"{layout.COVER_UNDERLINE_WIDTH}pt), {_runs(f.value, 'fangsong', fam)})"
                for f in block.fields
            )
            gap = (layout.COVER_LEADING_RATIO - 1.0) * block.size
            return (
                f"#pad(x: {layout.COVER_INDENT_EM}em, text(font: {fam['fangsong']}, "
                f"size: {block.size}pt, grid(columns: (auto, 1fr), row-gutter: {gap:.2f}pt, "
                f"{rows})))"
            )
        case SignatureBlock():
            return _signature(block, fam)
        case OpinionBox():
            return (
                f"#block(breakable: false, width: 100%, stroke: {layout.TABLE_BOX_WIDTH}pt, "
                f"inset: {layout.OPINION_PAD}pt, text(size: {layout.OPINION_SIZE}pt, "
                f"[#text(font: {fam['hei']}, {_str(block.title)})\n#v({block.height_mm}mm)\n"
                f"{_signature(block.signature, fam)}]))"
            )
        case Spacer():
            return f"#v({block.height_mm}mm)"
        case PageBreak():
            return "#pagebreak(weak: true)"
        case Letterhead():
            return _par(_runs(block.name, "song", fam), role="song", fam=fam, align="center")
        case AttachmentNote():
            items = " + linebreak() + ".join(
                f"([#{_str(m)}] + {_runs(t, block.role, fam)})"
                for m, t in zip(block.markers, block.items, strict=True)
            )
            body = f"([#{_str(block.label)}] + {items or '[]'})"
            return _par(body, role=block.role, fam=fam, size=block.size)
        case DatedSignature():
            body = f"({_runs(block.name, 'fangsong', fam)} + linebreak() + {_runs(block.date, 'fangsong', fam)})"
            return _par(body, role="fangsong", fam=fam, align="right", indent=0)
    raise TypeError(f"unknown block {block!r}")


def _page(landscape: bool, numbered: bool, fam: dict[Role, str]) -> str:
    g = layout.LANDSCAPE if landscape else layout.PORTRAIT
    footer = (
        f"context align(right, text(font: {fam['song']}, size: {layout.PAGE_NUMBER_SIZE}pt, "
        '"— " + str(counter(page).get().first()) + " —"))'
        if numbered
        else "none"
    )
    return (
        f'#set page(paper: "a4", flipped: {"true" if landscape else "false"}, '
        f"margin: (top: {g.margin_top * MM:.2f}mm, bottom: {g.margin_bottom * MM:.2f}mm, "
        f"left: {g.margin_left * MM:.2f}mm, right: {g.margin_right * MM:.2f}mm), "
        f"footer-descent: {layout.PAGE_NUMBER_GAP * MM:.1f}mm, footer: {footer})"
    )


def _document(doc: Document, fam: dict[Role, str]) -> str:
    """One document: the cover pages (before the first ``cover_pages`` page breaks) without a
    number, then the rest numbered from 1."""
    out = [_page(doc.landscape, doc.cover_pages == 0, fam)]
    breaks = 0
    for block in doc.blocks:
        if isinstance(block, PageBreak):
            breaks += 1
            if breaks == doc.cover_pages:
                out.append(_page(doc.landscape, True, fam))  # starts a new page
                out.append("#counter(page).update(1)")
                continue
        out.append(_block(block, fam))
    return "\n".join(out)


def documents_typst(docs: Sequence[Document] | Iterable[Document], fonts: FontSet) -> str:
    """One Typst source holding ``docs``, each starting on a new page."""
    fam = _families(fonts)
    head = (
        f'#set text(font: {fam["fangsong"]}, size: 16pt, lang: "zh", region: "cn", '
        f"top-edge: 1em, bottom-edge: 0em)\n"
        f"#set par(justify: true, leading: {(layout.LEADING_RATIO - 1.0) * 16:.2f}pt, "
        f"spacing: 0pt)\n#set block(spacing: 0pt)\n"
    )
    body = "\n#pagebreak(weak: true)\n".join(_document(d, fam) for d in docs)
    return head + body + "\n"


def typst_version() -> str:
    try:
        from importlib.metadata import version

        return version("typst")
    except Exception:
        return "not installed"


def check_paths(fonts: FontSet) -> list[Path]:
    return [Path(p) for p in font_paths(fonts)]
