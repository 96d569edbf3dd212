"""The Word narrative written from sections (template: headings only; export: the city's text).

Section headings are 标题 1 (Heading 1) paragraphs without their number (the form numbers them);
the narrative Markdown becomes Word paragraphs, 标题 2 for ``###`` sub-headings, 项目符号 (List
Bullet) for ``-`` items, bold runs and tables: exactly what ``narrative.read_narrative`` reads back.
A numbered item keeps its number as typed ("1. ...").
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ..compose.markdown import BULLET, markdown_blocks
from ..document import Heading, ListItem, Paragraph, Runs, Table
from ..ziputil import DOCX_ZIP_TIME, pack, parts_of

_FIXED_TIME = datetime(2021, 1, 1, tzinfo=UTC)


def narrative_docx(title: str, guidance: str, sections: Sequence[tuple[str, str]]) -> bytes:
    """A .docx with ``title``, the ``guidance`` paragraph and one 标题 1 per (heading, text)."""
    import docx

    document = docx.Document()
    core = document.core_properties
    core.created = core.modified = _FIXED_TIME
    core.author = core.last_modified_by = "docgen"
    core.title = title
    document.add_paragraph(title, style="Title")
    if guidance:
        document.add_paragraph(guidance)
    for heading, text in sections:
        document.add_heading(heading, level=1)
        if not text:
            document.add_paragraph("")
            continue
        for block in markdown_blocks(text, ""):
            _block(document, block)
    out = io.BytesIO()
    document.save(out)
    return pack(parts_of(out.getvalue()), date_time=DOCX_ZIP_TIME, first=("[Content_Types].xml",))


def _block(document: Any, block: Any) -> None:
    if isinstance(block, Heading):
        p = document.add_paragraph(style="Heading 2")
        _runs(p, block.text)
    elif isinstance(block, Paragraph):
        _runs(document.add_paragraph(), block.text)
    elif isinstance(block, ListItem):
        if block.marker == BULLET:
            _runs(document.add_paragraph(style="List Bullet"), block.text)
        else:
            p = document.add_paragraph()
            p.add_run(f"{block.marker} ")
            _runs(p, block.text)
    elif isinstance(block, Table):
        width = max(len(r) for r in block.rows)
        table = document.add_table(rows=len(block.rows), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(block.rows):
            for c, cell in enumerate(row):
                paragraph = table.cell(r, c).paragraphs[0]
                _runs(paragraph, cell.text)


def _runs(paragraph: Any, runs: Runs) -> None:
    for run in runs:
        paragraph.add_run(run.text).bold = True if run.bold else None
