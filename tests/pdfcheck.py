"""An auditor for a built packet: it reads only a manifest (shaped as CONTRACT §4 shows) and the
bundle PDF, the way a clerk or an outside checker would, and lists every problem it finds.

    problems = check_bundle(manifest, "out/450200/bundle.pdf")

Checks:
- page counts and page ranges agree with the PDF and with each other;
- on every page of every straddle group, no character, line, rectangle, curve or image of content
  intersects the group's box (the slot's own mark is allowed: light-grey strokes, and the label
  "骑缝章 1/3" drawn as small light-grey glyph outlines inside the box); the box lies on the
  page's outer edge (a portrait page's right edge; a landscape page, bound with its top at the
  binding edge, its bottom edge);
- official seal boxes hold no rectangle, image, curve or line of content (a rule underlining a
  line of text is allowed: it is the field the seal presses on); the characters inside are
  recorded (``audit(...).seal_text``);
- every application's applicant name appears on its pages;
- optionally, the page numbers (one system per page): the summary's pages and a form's pages
  after its cover carry only their document's own number "— k —" (GB/T 9704); the packet's
  cover and contents carry none; every other page (a form's cover, an attachment, a blank
  verso) carries only the running packet number "第 N / M 页"; the letter is left alone.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Box = tuple[float, float, float, float]

LIGHT = 0.75  # a stroke at least this light (grey level) is a slot mark, not content
_LABEL = re.compile(r"骑缝章(\d+/\d+)?")
_SEAL_LABEL = "公章"
_EPS = 0.05  # points: touching a box edge is not intersecting it
_MARK_GLYPH = 12.0  # points: a slot label's glyph outline is no larger than this either way
_OWN_NUMBER = re.compile(r"—(\d+)—")
_RUNNING = re.compile(r"第\d+/\d+页")


@dataclass
class Audit:
    problems: list[str] = field(default_factory=list)
    # (1-based page, seal kind) -> the characters inside that official seal box, in order
    seal_text: dict[tuple[int, str], str] = field(default_factory=dict)
    pages_checked: int = 0


def check_bundle(
    manifest: Mapping[str, Any],
    pdf: str | Path | bytes,
    *,
    running_numbers: bool = True,
    max_pages: int | None = None,
) -> list[str]:
    """The problems found (empty: the packet passes)."""
    return audit(manifest, pdf, running_numbers=running_numbers, max_pages=max_pages).problems


# ---------------------------------------------------------------------------------------------


def _grey_level(color: Any) -> float | None:
    """Lightness 0 (black) .. 1 (white) of a pdfplumber colour, None if unknown (a pattern)."""
    if color is None:
        return 0.0  # the default colour is black
    if isinstance(color, int | float):
        return float(color)
    if isinstance(color, Sequence) and not isinstance(color, str):
        try:
            vals = [float(v) for v in color]
        except (TypeError, ValueError):
            return None
        if len(vals) == 1:
            return vals[0]
        if len(vals) == 3:
            return min(vals)
        if len(vals) == 4:  # CMYK
            c, m, y, k = vals
            return min(1 - min(1.0, c + k), 1 - min(1.0, m + k), 1 - min(1.0, y + k))
    return None


def _light(color: Any) -> bool:
    level = _grey_level(color)
    return level is not None and level >= LIGHT


def _bbox(obj: Mapping[str, Any]) -> Box:
    return (float(obj["x0"]), float(obj["y0"]), float(obj["x1"]), float(obj["y1"]))


def _hits(a: Box, b: Box) -> bool:
    """Boxes overlap by more than a hair; a zero-width line inside ``b`` counts."""
    return (
        a[0] < b[2] - _EPS
        and b[0] + _EPS < a[2] + (_EPS if a[0] == a[2] else 0.0)
        and a[1] < b[3] - _EPS
        and b[1] + _EPS < a[3] + (_EPS if a[1] == a[3] else 0.0)
    ) or (
        # degenerate (zero-area) objects: strictly inside on the flat axis
        (a[0] == a[2] and b[0] + _EPS < a[0] < b[2] - _EPS and a[1] < b[3] and b[1] < a[3])
        or (a[1] == a[3] and b[1] + _EPS < a[1] < b[3] - _EPS and a[0] < b[2] and b[0] < a[2])
    )


def _visible_fill(obj: Mapping[str, Any]) -> bool:
    if not obj.get("fill"):
        return False
    level = _grey_level(obj.get("non_stroking_color"))
    return level is None or level < 0.99  # white on white paper shows nothing


def _is_mark_graphic(obj: Mapping[str, Any], box: Box | None = None) -> bool:
    """A slot mark: a light-grey stroke (dashed circle or arc) and no visible fill; or, inside
    the slot's own ``box``, a piece of its label ("公章", "骑缝章 1/3"), which is drawn as small
    light-grey glyph outlines (filled, unstroked), not as text."""
    if _visible_fill(obj):
        x0, y0, x1, y1 = _bbox(obj)
        return (
            box is not None
            and _light(obj.get("non_stroking_color"))
            and not (obj.get("stroke") and not _light(obj.get("stroking_color")))
            and x1 - x0 <= _MARK_GLYPH
            and y1 - y0 <= _MARK_GLYPH
            and box[0] - _EPS <= x0
            and x1 <= box[2] + _EPS
            and box[1] - _EPS <= y0
            and y1 <= box[3] + _EPS
        )
    return not obj.get("stroke") or _light(obj.get("stroking_color"))


def _segment_hits(p: tuple[float, float], q: tuple[float, float], box: Box) -> bool:
    """Does the segment p-q pass through the inside of ``box`` (Liang-Barsky clipping)?"""
    x0, y0, x1, y1 = box[0] + _EPS, box[1] + _EPS, box[2] - _EPS, box[3] - _EPS
    dx, dy = q[0] - p[0], q[1] - p[1]
    t0, t1 = 0.0, 1.0
    for d, lo, hi, v in ((dx, x0, x1, p[0]), (dy, y0, y1, p[1])):
        if d == 0:
            if not (lo < v < hi):
                return False
            continue
        a, b = (lo - v) / d, (hi - v) / d
        if a > b:
            a, b = b, a
        t0, t1 = max(t0, a), min(t1, b)
        if t0 > t1:
            return False
    return True


def _graphic_hits(kind: str, obj: Mapping[str, Any], box: Box, height: float) -> bool:
    """Whether what a line, rectangle or curve paints reaches into ``box``: a stroked-only
    rectangle by its four edges, a line by its segments, anything filled by its area."""
    bbox = _bbox(obj)
    if not _hits(bbox, box) and not (bbox[0] == bbox[2] or bbox[1] == bbox[3]):
        return False
    if _visible_fill(obj) or kind == "曲线":
        return _hits(bbox, box)
    if kind == "矩形":
        x0, y0, x1, y1 = bbox
        corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        return any(_segment_hits(a, b, box) for a, b in itertools.pairwise(corners))
    pts = [(float(x), height - float(top)) for x, top in obj.get("pts", ())]
    if len(pts) < 2:
        return _hits(bbox, box)
    return any(_segment_hits(a, b, box) for a, b in itertools.pairwise(pts))


def _lines_of(chars: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    """Characters grouped into text lines (same baseline within 2 pt), left to right."""
    rows: list[list[Mapping[str, Any]]] = []
    for ch in sorted(chars, key=lambda c: (-round(float(c["y0"]), 0), float(c["x0"]))):
        y = float(ch["y0"])
        for row in rows:
            if abs(float(row[0]["y0"]) - y) <= 2.0:
                row.append(ch)
                break
        else:
            rows.append([ch])
    for row in rows:
        row.sort(key=lambda c: float(c["x0"]))
    return rows


def _text(chars: Iterable[Mapping[str, Any]]) -> str:
    return "".join(str(c.get("text", "")) for c in chars)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---------------------------------------------------------------------------------------------


@dataclass
class _Group:
    owner: str
    first: int
    last: int
    box: Box


@dataclass
class _Slot:
    owner: str
    page: int
    box: Box
    seal: str


def audit(
    manifest: Mapping[str, Any],
    pdf: str | Path | bytes,
    *,
    running_numbers: bool = True,
    max_pages: int | None = None,
) -> Audit:
    import pdfplumber

    result = Audit()
    problems = result.problems
    source: Any = io.BytesIO(pdf) if isinstance(pdf, bytes) else str(pdf)

    if max_pages is None:
        max_pages = int(manifest.get("options", {}).get("max_seal_pages", 20))

    with pdfplumber.open(source) as doc:
        total = len(doc.pages)
        declared = manifest.get("bundle", {}).get("pages")
        if declared != total:
            problems.append(f"清单记录总页数 {declared}，PDF 实有 {total} 页")

        def check_range(what: str, rng: Any) -> tuple[int, int] | None:
            if (
                not isinstance(rng, Sequence)
                or len(rng) != 2
                or not all(isinstance(v, int) for v in rng)
            ):
                problems.append(f"{what}：页码范围 {rng!r} 格式不对")
                return None
            a, b = int(rng[0]), int(rng[1])
            if not (1 <= a <= b <= total):
                problems.append(f"{what}：页码范围 [{a}, {b}] 超出 PDF 的 1–{total} 页")
                return None
            return a, b

        # Ranges of the summary and of each document, in order, without overlap.
        spans: list[tuple[str, int, int]] = []
        summary = manifest.get("summary", {})
        groups: list[_Group] = []
        slots: list[_Slot] = []
        names: list[tuple[str, str, int, int]] = []

        def collect(owner: str, entry: Mapping[str, Any], span: tuple[int, int]) -> None:
            a, b = span
            seen: list[tuple[int, int, Box]] = []
            for g in entry.get("straddle_seals", ()):
                rng = check_range(f"{owner} 骑缝章", g.get("pages"))
                if rng is None:
                    continue
                box = tuple(float(v) for v in g.get("box", ()))
                if len(box) != 4:
                    problems.append(f"{owner} 骑缝章：box {g.get('box')!r} 格式不对")
                    continue
                if rng[0] < a or rng[1] > b:
                    problems.append(
                        f"{owner} 骑缝章第 {rng[0]}–{rng[1]} 页超出本文件的第 {a}–{b} 页"
                    )
                # duplex: a group is made of rectos only (a fanned duplex stack shows rectos)
                size = len(g["page_list"]) if g.get("recto_only") else rng[1] - rng[0] + 1
                if g.get("recto_only") and any(p % 2 == 0 for p in g["page_list"]):
                    problems.append(f"{owner} 骑缝章（仅正面）含有偶数页")
                if size > max_pages:
                    problems.append(
                        f"{owner} 骑缝章第 {rng[0]}–{rng[1]} 页超过每组 {max_pages} 页的上限"
                    )
                for pa, pb, _box in seen:
                    if rng[0] <= pb and pa <= rng[1]:
                        problems.append(
                            f"{owner} 骑缝章分组第 {pa}–{pb} 页与第 {rng[0]}–{rng[1]} 页重叠"
                        )
                if seen and seen[-1][2] == box and seen[-1][1] + 1 == rng[0]:
                    problems.append(
                        f"{owner} 相邻骑缝章分组（第 {rng[0]} 页起）位置相同，盖章会重叠"
                    )
                seen.append((rng[0], rng[1], box))  # type: ignore[arg-type]
                groups.append(_Group(owner, rng[0], rng[1], box))  # type: ignore[arg-type]
            covered = {p for pa, pb, _ in seen for p in range(pa, pb + 1)}
            if b > a and entry is not summary and entry is not letter:
                rectos = any(g.get("recto_only") for g in entry.get("straddle_seals", ()))
                missing = [
                    p for p in range(a, b + 1) if p not in covered and not (rectos and p % 2 == 0)
                ]
                if missing:
                    problems.append(f"{owner}：第 {_ranges(missing)} 页不在任何骑缝章分组中")
            for s in entry.get("seal_slots", ()):
                page = s.get("page")
                box = tuple(float(v) for v in s.get("box", ()))
                if not isinstance(page, int) or not (a <= page <= b) or len(box) != 4:
                    problems.append(f"{owner} 公章位 {s!r} 的页码或位置不对（本文件第 {a}–{b} 页）")
                    continue
                slots.append(_Slot(owner, page, box, str(s.get("seal", ""))))  # type: ignore[arg-type]

        # The submission letter (报送函) lies on top: first, no straddle group, no running number.
        letter = manifest.get("letter") or {}
        letter_pages: set[int] = set()
        if letter:
            rng = check_range("报送函", letter.get("bundle_pages"))
            if rng:
                spans.append(("报送函", *rng))
                collect("报送函", letter, rng)
                letter_pages = set(range(rng[0], rng[1] + 1))
        rng = check_range("申报汇总表", summary.get("bundle_pages"))
        if rng:
            spans.append(("申报汇总表", *rng))
            collect("申报汇总表", summary, rng)
        for d in manifest.get("documents", ()):
            owner = f"{d.get('application_id')}（{d.get('applicant')}）"
            rng = check_range(owner, d.get("bundle_pages"))
            if rng is None:
                continue
            if "pages" in d and d["pages"] != rng[1] - rng[0] + 1:
                problems.append(f"{owner}：页数 {d['pages']} 与页码范围 {rng[0]}–{rng[1]} 不符")
            spans.append((owner, *rng))
            collect(owner, d, rng)
            for att in d.get("attachments", ()):
                ar = check_range(f"{owner} 附件“{att.get('title')}”", att.get("pages"))
                if ar and (ar[0] < rng[0] or ar[1] > rng[1]):
                    problems.append(f"{owner} 附件“{att.get('title')}”的页码超出本文件范围")
            if d.get("applicant"):
                names.append((owner, str(d["applicant"]), *rng))
        for (n1, a1, b1), (n2, a2, b2) in itertools.pairwise(spans):
            if a2 <= b1:
                problems.append(
                    f"{n1}（第 {a1}–{b1} 页）与 {n2}（第 {a2}–{b2} 页）页码重叠或顺序颠倒"
                )

        # Page by page.
        by_page_groups: dict[int, list[_Group]] = {}
        for g in groups:
            for p in range(g.first, g.last + 1):
                by_page_groups.setdefault(p, []).append(g)
        by_page_slots: dict[int, list[_Slot]] = {}
        for s in slots:
            by_page_slots.setdefault(s.page, []).append(s)
        numbering = _numbering(manifest, total)
        text_pages: dict[int, list[str]] = {}
        for _owner, _name, a, b in names:
            for p in range(a, b + 1):
                text_pages.setdefault(p, [])

        for number in range(1, total + 1):
            need_objects = number in by_page_groups or number in by_page_slots
            if not (need_objects or running_numbers or number in text_pages):
                continue
            page = doc.pages[number - 1]
            result.pages_checked += 1
            chars = page.chars
            if number in text_pages:
                text_pages[number] = [_squash(_text(chars)), _squash(page.extract_text() or "")]
            if running_numbers and number not in letter_pages:
                _check_number(problems, number, total, numbering.get(number), _text(chars))
            if need_objects:
                width, height = float(page.width), float(page.height)
                graphics = (
                    [("线条", o) for o in page.lines]
                    + [("矩形", o) for o in page.rects]
                    + [("曲线", o) for o in page.curves]
                )
                images = list(page.images)
                for g in by_page_groups.get(number, ()):
                    if width > height and g.box[1] > 0.5:
                        problems.append(
                            f"{g.owner} 第 {number} 页（横向）：骑缝章位 {list(g.box)} 未贴页面下边缘"
                        )
                    elif width <= height and g.box[2] < width - 0.5:
                        problems.append(
                            f"{g.owner} 第 {number} 页：骑缝章位 {list(g.box)} 未贴页面右边缘（页宽 {width:.1f}）"
                        )
                    _check_straddle(problems, g, number, chars, graphics, images, height)
                for s in by_page_slots.get(number, ()):
                    result.seal_text[(number, s.seal)] = _check_seal(
                        problems, s, chars, graphics, images, height
                    )
            page.close()

        for owner, name, a, b in names:
            target = _squash(name)
            if not any(target in t for p in range(a, b + 1) for t in text_pages.get(p, ())):
                problems.append(f"{owner}：第 {a}–{b} 页中找不到申报单位名称“{name}”")
    return result


def _numbering(manifest: Mapping[str, Any], total: int) -> dict[int, int | None]:
    """The page number each page must show: k for a document's own "— k —", 0 for the running
    packet number, None for none (the packet's cover and contents). The letter is not listed."""
    out: dict[int, int | None] = dict.fromkeys(range(1, total + 1), 0)
    summary = manifest.get("summary", {}).get("bundle_pages")
    letter = (manifest.get("letter") or {}).get("bundle_pages")
    if summary:
        start = letter[1] + 1 if letter else 1
        for p in range(start, summary[0]):
            out[p] = None
        for p in range(summary[0], summary[1] + 1):
            out[p] = p - summary[0] + 1
    for d in manifest.get("documents", ()):
        rng, form = d.get("bundle_pages"), d.get("form_pages")
        if isinstance(rng, Sequence) and len(rng) == 2 and isinstance(form, int):
            for p in range(rng[0] + 1, min(rng[0] + form, total + 1)):
                out[p] = p - rng[0]
    if letter:
        for p in range(letter[0], letter[1] + 1):
            out.pop(p, None)
    return out


def _check_number(
    problems: list[str], number: int, total: int, want: int | None, text: str
) -> None:
    flat = _squash(text)
    own = [int(k) for k in _OWN_NUMBER.findall(flat)]
    running = _RUNNING.findall(flat)
    if want == 0:
        if f"第{number}/{total}页" not in flat:
            problems.append(f"第 {number} 页：没有页脚总页码“第 {number} / {total} 页”")
        if own:
            problems.append(f"第 {number} 页：总页码之外又有文件页码“— {own[0]} —”")
    elif want is None:
        # the packet's cover and contents; a blank verso among them (duplex) shows only the
        # running number
        blank = bool(running) and not re.sub(r"\S*?第\d+/\d+页", "", flat)
        if own or (running and not blank):
            problems.append(f"第 {number} 页（封面或目录）：不应有页码")
    else:
        if own != [want]:
            problems.append(f"第 {number} 页：文件页码应为“— {want} —”，实为 {own}")
        if running:
            problems.append(f"第 {number} 页：文件页码之外又有总页码“{running[0]}”")


def _check_straddle(
    problems: list[str],
    g: _Group,
    number: int,
    chars: Sequence[Mapping[str, Any]],
    graphics: Sequence[tuple[str, Mapping[str, Any]]],
    images: Sequence[Mapping[str, Any]],
    height: float,
) -> None:
    where = f"{g.owner} 第 {number} 页骑缝章位 {list(g.box)}"
    inside = [c for c in chars if _hits(_bbox(c), g.box)]
    for line in _lines_of(inside):
        text = _squash(_text(line))
        if text and not _LABEL.fullmatch(text):
            problems.append(f"{where} 内有文字“{text}”")
    for kind, obj in graphics:
        if not _is_mark_graphic(obj, g.box) and _graphic_hits(kind, obj, g.box, height):
            problems.append(f"{where} 内有{kind} {[round(v, 1) for v in _bbox(obj)]}")
    _check_images(problems, where, images, g.box)


def _check_seal(
    problems: list[str],
    s: _Slot,
    chars: Sequence[Mapping[str, Any]],
    graphics: Sequence[tuple[str, Mapping[str, Any]]],
    images: Sequence[Mapping[str, Any]],
    height: float,
) -> str:
    where = f"{s.owner} 第 {s.page} 页公章位（{s.seal}）{list(s.box)}"
    inside = [c for c in chars if _hits(_bbox(c), s.box)]
    for kind, obj in graphics:
        box = _bbox(obj)
        if _is_mark_graphic(obj, s.box) or not _graphic_hits(kind, obj, s.box, height):
            continue
        if _underlines(box, chars):
            continue
        problems.append(f"{where} 内有{kind} {[round(v, 1) for v in box]}")
    _check_images(problems, where, images, s.box)
    return "\n".join(_text(line) for line in _lines_of(inside))


def _check_images(
    problems: list[str], where: str, images: Sequence[Mapping[str, Any]], box: Box
) -> None:
    """No image of content may touch a seal box (straddle or official)."""
    for img in images:
        if _hits(_bbox(img), box):
            problems.append(f"{where} 内有图像 {[round(v, 1) for v in _bbox(img)]}")


def _underlines(box: Box, chars: Sequence[Mapping[str, Any]]) -> bool:
    """A flat horizontal rule just under text: the underline of a field (申报单位 ...) whose
    text the seal presses on. The text itself may lie outside the box (a wrapped name)."""
    if box[3] - box[1] > 1.5:
        return False
    y = (box[1] + box[3]) / 2.0
    return any(
        float(c["x0"]) < box[2] and box[0] < float(c["x1"]) and -1.0 <= float(c["y0"]) - y <= 8.0
        for c in chars
    )


def _ranges(pages: Sequence[int]) -> str:
    out: list[str] = []
    start = prev = pages[0]
    for p in [*pages[1:], None]:
        if p is not None and p == prev + 1:
            prev = p
            continue
        out.append(f"{start}" if start == prev else f"{start}–{prev}")
        if p is not None:
            start = prev = p
    return "、".join(out)


def load_manifest(path: str | Path) -> dict[str, Any]:
    import json

    return json.loads(Path(path).read_text(encoding="utf-8"))


if __name__ == "__main__":  # python -m tests.pdfcheck out/450200
    import sys

    folder = Path(sys.argv[1])
    found = audit(load_manifest(folder / "manifest.json"), folder / "bundle.pdf")
    for (page, seal), text in sorted(found.seal_text.items()):
        print(f"公章位 第 {page} 页（{seal}）：{text!r}")
    for problem in found.problems:
        print(problem)
    print(f"{len(found.problems)} 个问题，检查了 {found.pages_checked} 页")
    sys.exit(1 if found.problems else 0)
