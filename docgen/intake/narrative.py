"""A Word narrative (申报书正文.docx) read into sections of the narrative Markdown subset.

The document is split into sections at its level-1 headings (Word's 标题 1 / Heading 1 style or
outline level 1), or, in a document without them, at paragraphs numbered as the form numbers its
sections ("一、…"). Within a section: paragraphs, lower headings (``###``), bulleted and numbered
lists (``-``, ``1.``), bold runs (``**…**``) and simple tables (pipe tables, first row as the
header) carry over; characters are kept exactly. Tracked changes are taken as accepted
(insertions kept, deletions dropped). What the subset cannot hold (images, text boxes, footnotes,
comments) is reported as a warning with its place, e.g. "第 3 节第 2 张图片未导入".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .safety import Refusal, open_zip, sniff_docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]\s*")
_IMAGE_TAGS = {f"{_W}drawing", f"{_W}pict", f"{_W}object"}
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


@dataclass
class Section:
    number: int  # 1-based, in the document's order
    heading: str  # as written, the "一、" numbering removed
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (kind, markdown)

    @property
    def text(self) -> str:
        out = ""
        for i, (kind, md) in enumerate(self.blocks):
            if i:
                out += "\n" if kind == "li" and self.blocks[i - 1][0] == "li" else "\n\n"
            out += md
        return out


@dataclass
class Narrative:
    sections: list[Section]
    warnings: list[str]
    preamble: str  # text before the first heading (the template's guidance, normally)


def heading_key(text: str) -> str:
    """How headings are matched: numbering, blanks and punctuation around them ignored."""
    return re.sub(r"[\s\u3000]", "", _NUMBERED.sub("", text)).strip("：:")


def read_narrative(path: Path) -> Narrative:
    """Read ``path``; Refusal if it is not a readable .docx (encrypted, .doc, too large)."""
    sniff_docx(path)
    open_zip(path, "Word 文件").close()
    try:
        import docx

        document = docx.Document(str(path))
    except Exception as exc:
        raise Refusal(
            f"Word 文件已损坏，无法读取（{type(exc).__name__}）；请重新保存后再发送"
        ) from None
    return _Reader(document).read()


class _Reader:
    def __init__(self, document: Any):
        self.doc = document
        self.styles = _styles(document)
        self.numbering = _numbering(document)
        self.sections: list[Section] = []
        self.warnings: list[str] = []
        self.preamble: list[str] = []
        self.counts: dict[tuple[int, str], int] = {}
        self.list_counter: dict[str, int] = {}
        self.flags: set[tuple[int, str]] = set()
        self._bold_styles = _bold_styles(document)

    # ------------------------------------------------------------------ structure

    def read(self) -> Narrative:
        body = self.doc.element.body
        elements = list(_blocks(body))
        by_style = any(e.tag == f"{_W}p" and self._heading_level(e) == 1 for e in elements)
        for element in elements:
            if element.tag == f"{_W}tbl":
                self._table(element)
                continue
            level = self._heading_level(element)
            text_only = _plain_text(element)
            is_section = level == 1 if by_style else bool(_NUMBERED.match(text_only))
            if is_section and text_only.strip():
                heading = _NUMBERED.sub("", text_only.strip()).strip()
                self.sections.append(Section(len(self.sections) + 1, heading))
                self.list_counter.clear()
                self._scan_specials(element)
                continue
            self._paragraph(element, level)
        return Narrative(self.sections, self.warnings, "\n".join(self.preamble).strip())

    @property
    def _where(self) -> int:
        return len(self.sections)

    def _emit(self, kind: str, md: str) -> None:
        if not self.sections:
            if md.strip():
                self.preamble.append(md)
            return
        if kind != "li":
            self.list_counter.clear()
        self.sections[-1].blocks.append((kind, md))

    def _count(self, what: str) -> int:
        key = (self._where, what)
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]

    def _place(self) -> str:
        return f"第 {self._where} 节" if self.sections else "正文开头（第一个章节标题之前）"

    def _warn_once(self, what: str, message: str) -> None:
        key = (self._where, what)
        if key not in self.flags:
            self.flags.add(key)
            self.warnings.append(message)

    # ------------------------------------------------------------------ paragraphs

    def _heading_level(self, p: Any) -> int | None:
        if p.tag != f"{_W}p":
            return None
        ppr = p.find(f"{_W}pPr")
        style_id = None
        if ppr is not None:
            style = ppr.find(f"{_W}pStyle")
            if style is not None:
                style_id = style.get(f"{_W}val")
            outline = ppr.find(f"{_W}outlineLvl")
            if outline is not None and (outline.get(f"{_W}val") or "").isdigit():
                lvl = int(outline.get(f"{_W}val")) + 1
                return lvl if lvl <= 9 else None
        if style_id is None:
            return None
        return self.styles.get(style_id, (None, None))[0]

    def _paragraph(self, p: Any, level: int | None) -> None:
        segs = self._inline(p)
        text = _markdown_inline(segs)
        if not text.strip():
            return
        if level is not None and level >= 2:
            plain = "".join(t for t, _ in segs).strip()
            self._emit("h", "#" * min(6, level + 1) + " " + plain)
            return
        kind = self._list_kind(p)
        if kind == "bullet":
            self._emit("li", "- " + text.strip())
        elif kind is not None:
            n = self.list_counter.get(kind, 0) + 1
            self.list_counter = {kind: n}
            self._emit("li", f"{n}. " + text.strip())
        else:
            self._emit("p", text)

    def _list_kind(self, p: Any) -> str | None:
        """ "bullet", a numbering key for a numbered list, or None."""
        ppr = p.find(f"{_W}pPr")
        num_id = ilvl = None
        style_id = None
        if ppr is not None:
            numpr = ppr.find(f"{_W}numPr")
            if numpr is not None:
                n = numpr.find(f"{_W}numId")
                lv = numpr.find(f"{_W}ilvl")
                num_id = n.get(f"{_W}val") if n is not None else None
                ilvl = lv.get(f"{_W}val") if lv is not None else "0"
            style = ppr.find(f"{_W}pStyle")
            if style is not None:
                style_id = style.get(f"{_W}val")
        if num_id is None and style_id is not None:
            _level, style_num = self.styles.get(style_id, (None, None))
            if style_num:
                num_id, ilvl = style_num
            else:
                name = self.doc.styles.element.get_by_id(style_id)
                label = name.name_val if name is not None else ""
                if label and "bullet" in label.lower():
                    return "bullet"
                if label and "number" in label.lower():
                    return f"style:{style_id}"
        if num_id is None or num_id == "0":
            return None
        fmt = self.numbering.get((num_id, ilvl or "0"), "decimal")
        return "bullet" if fmt in ("bullet", "none") else f"num:{num_id}"

    def _inline(self, p: Any) -> list[tuple[str, bool]]:
        segs: list[tuple[str, bool]] = []
        self._walk_inline(p, segs, False)
        return segs

    def _walk_inline(self, node: Any, segs: list[tuple[str, bool]], in_ins: bool) -> None:
        for child in node:
            tag = child.tag
            if tag == f"{_W}r":
                self._run(child, segs)
            elif tag in (f"{_W}del", f"{_W}moveFrom"):
                self._warn_changes()
            elif tag in (f"{_W}ins", f"{_W}moveTo"):
                self._warn_changes()
                self._walk_inline(child, segs, True)
            elif tag in (f"{_W}commentRangeStart",):
                self._warn_comment()
            elif tag in (
                f"{_W}hyperlink",
                f"{_W}smartTag",
                f"{_W}fldSimple",
                f"{_W}sdt",
                f"{_W}sdtContent",
                f"{_W}customXml",
                f"{_W}bdo",
                f"{_W}dir",
            ):
                self._walk_inline(child, segs, in_ins)

    def _run(self, r: Any, segs: list[tuple[str, bool]]) -> None:
        bold = _is_bold(r, self.styles_bold)
        for child in r:
            tag = child.tag
            if tag == f"{_W}t":
                segs.append((child.text or "", bold))
            elif tag == f"{_W}tab":
                segs.append(("\t", bold))
            elif tag in (f"{_W}br", f"{_W}cr"):
                if child.get(f"{_W}type") in (None, "textWrapping"):
                    segs.append(("\n", bold))
            elif tag == f"{_W}noBreakHyphen":
                segs.append(("\u2011", bold))
            elif tag == f"{_W}sym":
                char = child.get(f"{_W}char") or ""
                if re.fullmatch(r"[0-9A-Fa-f]{4}", char) and int(char, 16) < 0xF000:
                    segs.append((chr(int(char, 16)), bold))
            elif tag in _IMAGE_TAGS:
                self._picture(child)
            elif tag in (f"{_W}footnoteReference", f"{_W}endnoteReference"):
                n = self._count("footnote")
                self.warnings.append(
                    f"{self._place()}第 {n} 个脚注未导入（脚注不会打印）：请把脚注内容写入正文"
                )
            elif tag == f"{_W}commentReference":
                self._warn_comment()
            elif tag == f"{_W}delText":
                self._warn_changes()

    @property
    def styles_bold(self) -> dict[str, bool]:
        return self._bold_styles

    def _picture(self, element: Any) -> None:
        if element.find(f".//{_W}txbxContent") is not None:
            n = self._count("textbox")
            self.warnings.append(f"{self._place()}第 {n} 个文本框未导入：请把其中的文字移到正文中")
            return
        n = self._count("image")
        self.warnings.append(f"{self._place()}第 {n} 张图片未导入：请作为随附材料提交")

    def _warn_changes(self) -> None:
        self._warn_once(
            "changes",
            f"{self._place()}有修订痕迹，已按“接受所有修订”后的文字导入；请确认",
        )

    def _warn_comment(self) -> None:
        n = self._count("comment")
        self.warnings.append(f"{self._place()}第 {n} 条批注未导入（批注不会打印）")

    def _scan_specials(self, p: Any) -> None:
        segs: list[tuple[str, bool]] = []
        self._walk_inline(p, segs, False)

    # ------------------------------------------------------------------ tables

    def _table(self, tbl: Any) -> None:
        n = self._count("table")
        rows: list[list[str]] = []
        merged = nested = False
        for tr in tbl.iter(f"{_W}tr"):
            if tr.getparent() is not tbl:
                continue
            cells: list[str] = []
            for tc in tr.findall(f"{_W}tc"):
                tcpr = tc.find(f"{_W}tcPr")
                span = 1
                if tcpr is not None:
                    gs = tcpr.find(f"{_W}gridSpan")
                    if gs is not None and (gs.get(f"{_W}val") or "").isdigit():
                        span = int(gs.get(f"{_W}val"))
                    if tcpr.find(f"{_W}vMerge") is not None:
                        merged = True
                parts: list[str] = []
                for child in tc:
                    if child.tag == f"{_W}p":
                        segs = self._inline(child)
                        text = _markdown_inline(segs).strip()
                        if text:
                            parts.append(text)
                    elif child.tag == f"{_W}tbl":
                        nested = True
                        for p in child.iter(f"{_W}p"):
                            text = _markdown_inline(self._inline(p)).strip()
                            if text:
                                parts.append(text)
                text = _join_cell(parts).replace("\n", " ")
                if "|" in text:
                    text = text.replace("|", "｜")
                    self._warn_once(
                        f"pipe{n}",
                        f"{self._place()}第 {n} 张表格中的“|”已改为全角“｜”（表格的分隔符）",
                    )
                cells.append(text)
                if span > 1:
                    merged = True
                    cells.extend([""] * (span - 1))
            rows.append(cells)
        rows = [r for r in rows if any(c for c in r)] or rows
        if not rows:
            return
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        if merged:
            self.warnings.append(
                f"{self._place()}第 {n} 张表格有合并单元格，已拆开（合并格的文字在第一格）"
            )
        if nested:
            self.warnings.append(
                f"{self._place()}第 {n} 张表格内有嵌套表格，已并入所在单元格的文字"
            )
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        self._emit("table", "\n".join(lines))


def _blocks(body: Any) -> Any:
    """Paragraphs and tables of the body in order, content controls opened."""
    for child in body:
        if child.tag in (f"{_W}p", f"{_W}tbl"):
            yield child
        elif child.tag in (f"{_W}sdt", f"{_W}customXml"):
            content = child.find(f"{_W}sdtContent")
            yield from _blocks(content if content is not None else child)
        elif child.tag == f"{_W}sdtContent":
            yield from _blocks(child)


def _plain_text(p: Any) -> str:
    """The paragraph's text as accepted (for heading detection)."""
    out: list[str] = []
    for t in p.iter(f"{_W}t"):
        if any(a.tag in (f"{_W}del", f"{_W}moveFrom") for a in t.iterancestors()):
            continue
        out.append(t.text or "")
    return "".join(out)


def _is_bold(r: Any, bold_styles: dict[str, bool]) -> bool:
    rpr = r.find(f"{_W}rPr")
    if rpr is not None:
        b = rpr.find(f"{_W}b")
        if b is not None:
            return (b.get(f"{_W}val") or "true").lower() not in ("0", "false", "off")
        style = rpr.find(f"{_W}rStyle")
        if style is not None:
            return bold_styles.get(style.get(f"{_W}val") or "", False)
    return False


def _styles(document: Any) -> dict[str, tuple[int | None, tuple[str, str] | None]]:
    """style id -> (heading level, (numId, ilvl) of its numbering)."""
    out: dict[str, tuple[int | None, tuple[str, str] | None]] = {}
    for style in document.styles.element.findall(f"{_W}style"):
        sid = style.get(f"{_W}styleId") or ""
        name_el = style.find(f"{_W}name")
        name = name_el.get(f"{_W}val") if name_el is not None else ""
        level: int | None = None
        m = _HEADING_STYLE.match(name or "")
        if m:
            level = int(m.group(1))
        ppr = style.find(f"{_W}pPr")
        num: tuple[str, str] | None = None
        if ppr is not None:
            outline = ppr.find(f"{_W}outlineLvl")
            if level is None and outline is not None and (outline.get(f"{_W}val") or "").isdigit():
                lvl = int(outline.get(f"{_W}val")) + 1
                level = lvl if lvl <= 9 else None
            numpr = ppr.find(f"{_W}numPr")
            if numpr is not None:
                n = numpr.find(f"{_W}numId")
                lv = numpr.find(f"{_W}ilvl")
                if n is not None:
                    num = (n.get(f"{_W}val") or "0", lv.get(f"{_W}val") if lv is not None else "0")
        out[sid] = (level, num)
    return out


def _bold_styles(document: Any) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for style in document.styles.element.findall(f"{_W}style"):
        rpr = style.find(f"{_W}rPr")
        b = rpr.find(f"{_W}b") if rpr is not None else None
        if b is not None:
            out[style.get(f"{_W}styleId") or ""] = (b.get(f"{_W}val") or "true").lower() not in (
                "0",
                "false",
                "off",
            )
    return out


def _numbering(document: Any) -> dict[tuple[str, str], str]:
    """(numId, ilvl) -> number format (bullet, decimal, chineseCounting, ...)."""
    try:
        part = document.part.numbering_part
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    root = part.element
    abstract: dict[str, dict[str, str]] = {}
    for an in root.findall(f"{_W}abstractNum"):
        levels: dict[str, str] = {}
        for lvl in an.findall(f"{_W}lvl"):
            fmt = lvl.find(f"{_W}numFmt")
            levels[lvl.get(f"{_W}ilvl") or "0"] = (
                fmt.get(f"{_W}val") if fmt is not None else "decimal"
            ) or "decimal"
        abstract[an.get(f"{_W}abstractNumId") or ""] = levels
    out: dict[tuple[str, str], str] = {}
    for num in root.findall(f"{_W}num"):
        ref = num.find(f"{_W}abstractNumId")
        levels = abstract.get(ref.get(f"{_W}val") if ref is not None else "", {})
        for ilvl, fmt in levels.items():
            out[(num.get(f"{_W}numId") or "", ilvl)] = fmt
    return out


def _markdown_inline(segs: list[tuple[str, bool]]) -> str:
    """Segments as Markdown: bold runs in ``**``, the markers inside the blanks around them."""
    merged: list[tuple[str, bool]] = []
    for text, bold in segs:
        if not text:
            continue
        if merged and merged[-1][1] == bold:
            merged[-1] = (merged[-1][0] + text, bold)
        else:
            merged.append((text, bold))
    out = ""
    for text, bold in merged:
        if not bold or not text.strip():
            out += text
            continue
        core = text.strip()
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        out += f"{lead}**{core}**{trail}"
    return out


def _join_cell(parts: list[str]) -> str:
    out = ""
    for part in parts:
        if out and not (_WIDE.match(out[-1]) or _WIDE.match(part[0])):
            out += " "
        out += part
    return out
