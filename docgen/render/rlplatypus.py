"""reportlab.platypus imported without compiling the URL pattern of its Paragraph class.

Importing any module of ``reportlab.platypus`` imports all of them, and its ``paragraph`` module
compiles at import a case-insensitive URL pattern over U+00A1..U+FFFF (``uri_pat``, used only to
tell links in a Paragraph's markup): 20 ms, a twentieth of a build's start, for a class docgen
never uses (it lays its text out itself). Importing this module imports reportlab.platypus with
that one pattern compiled on first use instead; every other pattern, and the pattern itself
once used, are what reportlab makes.

Import this module before any ``reportlab.platypus`` module (``docgen.render.pdf`` and
``docgen.render.linebreak`` do so first); if reportlab.platypus is already loaded, it does
nothing.
"""

from __future__ import annotations

import re
import sys
from typing import Any

__all__: list[str] = []

# The start of reportlab's ``paragraph.uri_pat``; no other pattern it compiles starts so.
_URI_PATTERN_START = "(^(?:[a-z0-9\\.\\-\\+]*)://)"


class _DeferredPattern:
    """A compiled pattern's stand-in: compiled on the first attribute used (``match``)."""

    def __init__(self, pattern: str, flags: int):
        self._source = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = re.compile(*self._source)
        return getattr(self._compiled, name)


def _import_platypus() -> None:
    if "reportlab.platypus.paragraph" in sys.modules:
        return
    compile_ = re.compile

    def compile_deferring_uri(pattern: Any, flags: Any = 0) -> Any:
        if isinstance(pattern, str) and pattern.startswith(_URI_PATTERN_START):
            return _DeferredPattern(pattern, flags)
        return compile_(pattern, flags)

    re.compile = compile_deferring_uri  # for this import only
    try:
        import reportlab.platypus  # noqa: F401
    finally:
        re.compile = compile_


_import_platypus()
