"""Shared fixtures: the repository's samples and a scratch copy of the contract example."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
EXAMPLE_DIR = SAMPLES / "450200"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The suite (and the commands it runs) caches font information in a folder of its own,
    never in the user's cache folder."""
    os.environ["DOCGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("docgen-cache"))


def sample_files() -> list[Path]:
    return sorted(SAMPLES.glob("*/city.json"))


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A writable copy of the contract example with its attachments; returns the city file."""
    dest = tmp_path / "city"
    shutil.copytree(EXAMPLE_DIR, dest)
    return dest / "city.json"


def folder_bytes(root: Path) -> dict[str, bytes]:
    """Every file below ``root``, by its path relative to it, with its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }
