"""What a fresh ``docgen`` process imports before it does any work (issue 16): the command line
must not pay for the Word, Excel and PDF libraries, nor the fonts' parsers, at startup."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("docx", "openpyxl", "pypdf", "rich", "jinja2", "fontTools", "reportlab", "PIL")


def _imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return {name.split(".")[0] for name in json.loads(out.stdout.splitlines()[-1])}


def test_importing_the_command_line_imports_no_heavy_library() -> None:
    loaded = _imported_after("import docgen.cli")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_docgen_version_imports_no_heavy_library() -> None:
    loaded = _imported_after(
        "import contextlib, io\nfrom docgen.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--version'])"
    )
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def _probe(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return out.stdout.strip().splitlines()[-1]


def test_the_build_imports_reportlab_platypus_without_compiling_its_url_pattern() -> None:
    # Whichever of docgen's modules loads reportlab.platypus first: the pattern reportlab
    # compiles for its Paragraph's links (20 ms) waits until it is used, and then matches as
    # reportlab's own does.
    for first in ("docgen.build", "docgen.bundle", "docgen.render.linebreak", "docgen.render.pdf"):
        code = (
            f"import {first}\nimport docgen.build, docgen.render.pdf\n"
            "from reportlab.platypus import paragraph as p\n"
            "print(type(p.uri_pat).__name__, bool(p.uri_pat.match('https://例子.cn/a')),"
            " p.uri_pat.match('not a link') is None)"
        )
        assert _probe(code) == "_DeferredPattern True True", first


def test_the_command_line_collects_garbage_seldom() -> None:
    from docgen.procs import QUIET_GC

    code = (
        "import contextlib, gc, io\nfrom docgen.cli import main\n"
        "with contextlib.redirect_stderr(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['validate', '/nonexistent/city.json'])\n"
        "print(gc.get_threshold())"
    )
    assert _probe(code) == str(QUIET_GC)
