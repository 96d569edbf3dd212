"""The manifest (``manifest.json``): what docgen wrote into an output folder, as typed values.

``PacketManifest`` is a city's packet (CONTRACT §4 plus docgen's additions: the ``generator``
marker, ``build_key``, ``edition``, ``form_pages``, how each attachment was placed, the seal boxes
of the summary table, the submission ``letter``, the ``options``); ``FolderManifest`` is the
manifest of any other folder docgen writes (the province summary): marker, version, build key and
files. The build makes one, ``docgen.output`` writes it (``OutputFolder.write_manifest``) and
reads it back (``read_manifest``) for ``report.py`` and ``batch.py``: nobody reads a manifest by
string keys. The JSON is made from the fields in their order; a field that is ``None`` is left
out (an optional key is absent, never ``null``).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MANIFEST = "manifest.json"
# The marker every manifest docgen writes carries: ``"generator": "docgen"``.
MARKER_KEY, MARKER = "generator", "docgen"
# A manifest larger than this is not docgen's (a city's is a few tens of KB).
MAX_MANIFEST_BYTES = 16 * 1024 * 1024

Pages = tuple[int, int]  # first and last page, 1-based bundle page numbers
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points, origin bottom left


class _Entry(BaseModel):
    # Read back strictly (``read_manifest``): a value of another type is not docgen's.
    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    def as_json(self) -> dict[str, Any]:
        """The JSON object of this value, as ``manifest.json`` holds it."""
        return self.model_dump(mode="json", exclude_none=True)


class FileEntry(_Entry):
    """One file of the folder with the digest and size docgen wrote it with."""

    path: str
    sha256: str
    size: int = Field(alias="bytes")


class StraddleGroup(_Entry):
    """Pages stamped with one straddle seal (骑缝章), the same free box on each of them."""

    pages: Pages
    box: Box
    # duplex: the group is made of rectos only, listed
    recto_only: bool | None = None
    page_list: list[int] | None = None


class SealSlot(_Entry):
    """A box kept free for an official seal (公章)."""

    page: int
    box: Box
    seal: str  # applicant · government · bureau
    diameter_mm: float


class AttachmentPlacement(_Entry):
    """Where an attachment landed and what was done to place it."""

    title: str
    pages: Pages
    scale: float
    rotated: list[int]
    rasterized_pages: list[int] | None = None  # only when some page had to be rasterized
    substituted_fonts: list[str] | None = None  # only when a font had to be embedded


class DocumentEntry(_Entry):
    """One application's declaration form and its attachments."""

    application_id: str
    applicant: str
    category: str
    pdf: str
    docx: str
    pages: int  # in the bundle: form and attachments
    form_pages: int
    bundle_pages: Pages
    straddle_seals: list[StraddleGroup]
    seal_slots: list[SealSlot]
    attachments: list[AttachmentPlacement]


class CityEntry(_Entry):
    name: str
    division_code: str


class BundleEntry(_Entry):
    file: str
    pages: int
    sha256: str


class QuotaEntry(_Entry):
    """One line of the quota check (名额核对): applications of a category against its quota."""

    label: str  # 示范企业, 示范平台（共享制造类） ...
    count: int
    quota: int | None = None  # left out: the edition sets no quota for it


class SummaryEntry(_Entry):
    """The city's summary table (申报汇总表)."""

    xlsx: str
    pdf: str
    bundle_pages: Pages
    straddle_seals: list[StraddleGroup]
    seal_slots: list[SealSlot]
    # the quota check, which the sealed table does not carry (also in the workbook's own sheet)
    quota: list[QuotaEntry] | None = None


class LetterEntry(_Entry):
    """The submission letter (报送函): first in the bundle, no straddle group."""

    pdf: str
    docx: str
    pages: int
    bundle_pages: Pages
    seal_slots: list[SealSlot]
    letterhead: bool


class OptionsEntry(_Entry):
    max_seal_pages: int
    seal_marks: bool
    duplex: bool
    straddle_groups_share_pages: bool = False


class WarningEntry(_Entry):
    path: str
    message: str


class FolderManifest(_Entry):
    """The manifest of any folder docgen writes: what makes it docgen's own (the marker and the
    files as written) and, for batch, the key of the inputs it was made from."""

    generator: str = MARKER
    docgen: str
    build_key: str | None = None
    files: list[FileEntry]


class PacketManifest(_Entry):
    """The manifest of a city's packet."""

    generator: str = MARKER
    docgen: str
    input_sha256: str
    build_key: str
    edition: str
    city: CityEntry
    bundle: BundleEntry
    summary: SummaryEntry
    letter: LetterEntry | None = None
    documents: list[DocumentEntry]
    options: OptionsEntry
    files: list[FileEntry]
    warnings: list[WarningEntry]

    def seal_slots(self) -> list[SealSlot]:
        """Every official seal of the packet: summary, letter, then each document's."""
        slots = [*self.summary.seal_slots, *(self.letter.seal_slots if self.letter else ())]
        for doc in self.documents:
            slots += doc.seal_slots
        return slots

    def straddle_groups(self) -> list[StraddleGroup]:
        """Every straddle-seal group of the packet: the summary's, then each document's."""
        groups = list(self.summary.straddle_seals)
        for doc in self.documents:
            groups += doc.straddle_seals
        return groups


AnyManifest = TypeVar("AnyManifest", FolderManifest, PacketManifest)


def manifest_bytes(manifest: FolderManifest | PacketManifest) -> bytes:
    """The bytes of ``manifest.json``: UTF-8 JSON, indented by two, ending in a newline."""
    return (json.dumps(manifest.as_json(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def parse_manifest(data: bytes, kind: type[AnyManifest]) -> AnyManifest | None:
    """``data`` as a manifest of docgen's of the given kind, or None (not JSON, not docgen's,
    a key missing or of another type). Manifests of docgen 0.1.0 before the marker (no
    ``generator`` key) are docgen's too."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(raw, dict) or raw.get(MARKER_KEY, MARKER) != MARKER:
        return None
    try:
        # strictly: a string where a number belongs ("bytes": "5") is not docgen's
        return kind.model_validate_json(data, strict=True)
    except ValidationError:
        return None


def read_manifest(folder: Path, kind: type[AnyManifest]) -> AnyManifest | None:
    """The manifest in ``folder`` as ``kind``, or None when there is none of docgen's (missing,
    not a regular file, too large, unreadable, or not of that kind). Links are not followed."""
    path = folder / MANIFEST
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_MANIFEST_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return parse_manifest(data, kind)
