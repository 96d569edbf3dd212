"""What :func:`render_pdf` reports besides the bytes: each document's pages, seal slots and outline;
and the diameters of the seal slots."""

from __future__ import annotations

from dataclasses import dataclass

from docgen import layout
from docgen.document import CoverField, SealKind


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


def seal_diameter_mm(kind: SealKind) -> float:
    return {
        "applicant": layout.ENTERPRISE_SEAL_MM,
        "government": layout.GOVERNMENT_SEAL_MM,
        "bureau": layout.BUREAU_SEAL_MM,
    }[kind]


def cover_seal_mm(field: CoverField) -> float:
    """The diameter of a cover line's seal slot: the category's (``seal_diameter_mm``), else
    its kind's; a government's never smaller than ``GOVERNMENT_SEAL_MM`` (as the commitment's)."""
    assert field.seal is not None
    if field.seal_diameter_mm is None:
        return seal_diameter_mm(field.seal)
    if field.seal == "government":
        return max(field.seal_diameter_mm, layout.GOVERNMENT_SEAL_MM)
    return field.seal_diameter_mm
