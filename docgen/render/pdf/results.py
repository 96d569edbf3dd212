"""What :func:`render_pdf` reports besides the bytes: each document's pages, seal slots and outline;
and the diameters of the seal slots."""

from __future__ import annotations

from dataclasses import dataclass

from docgen.document import SealKind


@dataclass(frozen=True)
class SealSlot:
    page: int  # 0-based within the document
    box: tuple[float, float, float, float]  # PDF points, origin bottom-left
    seal: SealKind
    diameter_mm: float


@dataclass(frozen=True)
class OutlineEntry:
    level: int
    title: str
    page: int  # 0-based within the document
    top: float | None = None  # the heading's top on its page (PDF points from the bottom)


@dataclass(frozen=True)
class RenderedDoc:
    pages: int
    first_page: int  # 0-based index in the output file
    seal_slots: tuple[SealSlot, ...]
    outline: tuple[OutlineEntry, ...]
    title: str = ""  # the document's PDF /Title
    author: str | None = None  # its /Author: the applicant or the bureau


@dataclass(frozen=True)
class PdfResult:
    data: bytes
    pages: int
    docs: tuple[RenderedDoc, ...]
