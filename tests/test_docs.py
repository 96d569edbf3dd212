"""The repository explains itself: the reference parts of docs/ are generated from the models
and current, and README and docs link only to files inside the repository."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> object:
    spec = importlib.util.spec_from_file_location(
        "gen_city_file", ROOT / "docs" / "gen_city_file.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["city-file.md", "manifest.md"])
def test_generated_docs_are_current(name: str) -> None:
    gen = _generator()
    kind = gen.DOCS[name]  # type: ignore[attr-defined]
    assert gen.current(name) == gen.generate(kind), "run: python docs/gen_city_file.py"  # type: ignore[attr-defined]


def test_city_file_doc_lists_every_key_of_the_schema() -> None:
    from docgen.model import json_schema

    text = (ROOT / "docs" / "city-file.md").read_text(encoding="utf-8")
    schema = json_schema()
    for sub in [schema, *schema["$defs"].values()]:
        for key in sub.get("properties", {}):
            assert f"| `{key}` |" in text, key


_LINK = re.compile(r"\]\(([^)#\s]+)")


@pytest.mark.parametrize(
    "doc", ["README.md", *(f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md")))]
)
def test_links_stay_inside_the_repository(doc: str) -> None:
    path = ROOT / doc
    text = path.read_text(encoding="utf-8")
    assert "../shared" not in text
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+://", target):
            continue
        resolved = (path.parent / target).resolve()
        assert resolved.is_relative_to(ROOT), f"{doc} links outside the repository: {target}"
        assert resolved.exists(), f"{doc} links to a missing file: {target}"
