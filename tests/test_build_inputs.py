"""A build reads each input once: what validation checked is what is hashed into the build key
and what is bound into the packet."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

import docgen.attachments as attachments_module
from docgen.build import BuildOptions, build_city, input_key
from docgen.model import load_city
from docgen.render.fonts import files_fingerprint

from .conftest import SAMPLES


def test_each_attachment_is_read_once_and_the_key_matches_a_fresh_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "city"
    shutil.copytree(SAMPLES / "450200", src)
    reads: Counter[str] = Counter()
    real = attachments_module.read_regular

    def counting(path: Path, label: str) -> bytes:
        reads[Path(path).name + ":" + label] += 1
        return real(path, label)

    monkeypatch.setattr(attachments_module, "read_regular", counting)
    result = build_city(src / "city.json", tmp_path / "out", BuildOptions(), parallel=False)
    city = load_city(src / "city.json")
    files = [att.file for app in city.applications for att in app.attachments]
    assert len(files) == len(set(files)) > 0
    assert sum(reads.values()) == len(files), reads
    assert all(n == 1 for n in reads.values()), reads
    # the key the build recorded is the key of the files as they are (batch's skip decision)
    key = input_key(city, src / "city.json", BuildOptions(), files_fingerprint(()))
    assert result.manifest.build_key == key
    stored = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert stored["build_key"] == key
