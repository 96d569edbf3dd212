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
