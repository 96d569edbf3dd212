"""Render documents to one PDF with reportlab: Chinese line breaking, drawn tick boxes, seal slots.

All documents of a packet go through one reportlab build, so font subsets are shared. Text is
laid out by docgen's own flowables (no reportlab paragraph markup, so user text is never parsed
as markup), characters are drawn by the first face of their role's chain that has them, and
nothing is ever drawn right of the straddle band's left edge.

The package, each module one job (each imports only the ones listed before it):

- ``results``: what a render reports (seal slots, outline, pages) and the seal diameters;
- ``subsets``: a face's subset programs (reportlab's bytes, made without copying the face's
  glyph table, kept per process by face and characters);
- ``flate``: the canvas whose streams are compressed on worker threads;
- ``inline``: inline text, its widths and break opportunities;
- ``pen``: the text pen, and all else that touches reportlab's internals;
- ``state``: the render state of one build (documents, bookmarks, seal slots, page numbers);
- ``flowables``: paragraphs, headings, signature blocks, the opinion box, the cover lines;
- ``grid``: tables;
- ``letter``: the letter's letterhead, 附件说明 and dated signature, on the document grid;
- ``keep``: what travels together across a page break;
- ``compose``: a document's blocks to flowables;
- this module: the build (:func:`render_pdf`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

# isort: off
import docgen.render.rlplatypus  # noqa: F401  (before reportlab.platypus: see there)

# isort: on
from reportlab import rl_config
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
)

from docgen import layout
from docgen.document import Document
from docgen.errors import InputError
from docgen.layout import PageGeometry
from docgen.procs import quiet_gc
from docgen.render.fonts import FontSet
from docgen.render.pdf.compose import _Composer
from docgen.render.pdf.flate import FlateCanvas, threaded_flate
from docgen.render.pdf.flowables import NO_BODY_TEXT, TextFlow, _DocStart
from docgen.render.pdf.inline import Inline, InlineBuilder
from docgen.render.pdf.pen import _TextPen as _TextPen  # bundle.py's texts use the same pen
from docgen.render.pdf.pen import draw_outlined
from docgen.render.pdf.results import (
    OutlineEntry,
    PdfResult,
    RenderedDoc,
    SealSlot,
)
from docgen.render.pdf.state import SEAL_LABEL, _State

__all__ = [
    "NO_BODY_TEXT",
    "SEAL_LABEL",
    "FlateCanvas",
    "Inline",
    "InlineBuilder",
    "OutlineEntry",
    "PdfResult",
    "RenderedDoc",
    "SealSlot",
    "TextFlow",
    "draw_outlined",
    "render_pdf",
    "threaded_flate",
]


def render_pdf(
    docs: Sequence[Document],
    fonts: FontSet,
    *,
    seal_marks: bool = True,
    title: str | None = None,
) -> PdfResult:
    """Render ``docs`` into one PDF, each starting on a new page with its own page numbers.

    Raises :class:`InputError` listing every character no font can print.

    The garbage collector runs with ``procs.QUIET_GC``'s thresholds meanwhile, as in a whole
    ``build_city``: a render makes hundreds of thousands of small objects and no garbage
    cycles, and with the default thresholds the collector went through the whole heap over and
    over (8 % of rendering the sample forms).
    """
    if not docs:
        raise ValueError("render_pdf needs at least one document")
    with quiet_gc():
        findings = [f for d in docs for f in fonts.missing(d)]
        if findings:
            raise InputError(findings)

        state = _State(fonts, docs, seal_marks)
        templates = _page_templates(docs[0], state.page_end)
        story = _story(state, docs)
        buf = io.BytesIO()
        template = _doc_template(buf, docs[0], fonts, templates, title)
        _build(template, story)
        data = buf.getvalue()
        total = int(template.page)
        return PdfResult(data, total, _rendered(state, total))


def _page_templates(first: Document, on_end: Callable[[Any, Any], None]) -> list[PageTemplate]:
    """The portrait and the landscape page template, the first document's first."""
    orient = "landscape" if first.landscape else "portrait"
    templates = {
        "portrait": _page_template("portrait", layout.PORTRAIT, on_end),
        "landscape": _page_template("landscape", layout.LANDSCAPE, on_end),
    }
    return [templates[orient]] + [t for k, t in templates.items() if k != orient]


def _page_template(
    name: str, geo: PageGeometry, on_end: Callable[[Any, Any], None]
) -> PageTemplate:
    x0, y0, _, _ = geo.frame
    frame = Frame(
        x0,
        y0,
        geo.frame_width,
        geo.frame_height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id=f"{name}-frame",
        showBoundary=0,
    )
    return PageTemplate(id=name, frames=[frame], onPageEnd=on_end, pagesize=(geo.width, geo.height))


def _story(state: _State, docs: Sequence[Document]) -> list[Flowable]:
    """The flowables of all documents, each starting on a new page in its orientation."""
    story: list[Flowable] = []
    for i, doc in enumerate(docs):
        orient = "landscape" if doc.landscape else "portrait"
        if i > 0:
            story.append(NextPageTemplate(orient))
            story.append(PageBreak())
        story.append(_DocStart(state, i))
        story.extend(_Composer(state, doc).flowables())
    return story


def _doc_template(
    buf: io.BytesIO,
    first: Document,
    fonts: FontSet,
    templates: list[PageTemplate],
    title: str | None,
) -> BaseDocTemplate:
    """The document template writing into ``buf``: its page templates, the PDF's metadata
    (title and author from the first document), invariant output."""
    first_geo = layout.geometry(first.landscape)
    return BaseDocTemplate(
        buf,
        pagesize=(first_geo.width, first_geo.height),
        pageTemplates=templates,
        title=title or first.title,
        author=first.author or "docgen",
        creator="docgen",
        producer="docgen",
        subject="",
        invariant=1,
        pageCompression=1,
        lang="zh-CN",
        displayDocTitle=1,
        initialFontName=fonts.font_name("song"),
        initialFontSize=layout.PAGE_NUMBER_SIZE,
        leftMargin=first_geo.margin_left,
        rightMargin=first_geo.margin_right,
        topMargin=first_geo.margin_top,
        bottomMargin=first_geo.margin_bottom,
    )


def _build(template: BaseDocTemplate, story: list[Flowable]) -> None:
    # Flate alone: ASCII85 on top only inflates the streams by a quarter and costs a pure-Python
    # encode here and a decode in every later pypdf parse (bundle, slicing).
    saved_a85 = rl_config.useA85
    rl_config.useA85 = 0
    try:
        with threaded_flate() as flate:
            template.build(story, canvasmaker=flate.canvas_maker())
    finally:
        rl_config.useA85 = saved_a85


def _rendered(state: _State, total: int) -> tuple[RenderedDoc, ...]:
    """What each document became: its pages, first page, seal slots and outline."""
    rendered: list[RenderedDoc] = []
    for i, ds in enumerate(state.docs):
        nxt = state.docs[i + 1].first_page if i + 1 < len(state.docs) else total
        rendered.append(
            RenderedDoc(
                pages=nxt - ds.first_page,
                first_page=ds.first_page,
                seal_slots=tuple(ds.slots),
                outline=tuple(ds.outline),
                title=ds.doc.title,
                author=ds.doc.author,
            )
        )
    return tuple(rendered)
