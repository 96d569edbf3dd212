"""A font in --font-dir that docgen cannot use is named with its reason, by validate and build,
and the build goes on with the other fonts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import SAMPLES


def test_corrupt_font_is_reported_not_skipped_silently(tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    real = Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf")
    (fonts / "half-copied.ttf").write_bytes(real.read_bytes()[:5000])
    env = {**os.environ, "PYTHONUTF8": "1"}
    city = str(SAMPLES / "451400" / "city.json")
    for args in (
        ["validate", city, "--font-dir", str(fonts)],
        ["build", city, "--font-dir", str(fonts), "-o", str(tmp_path / "out")],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "docgen", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
        assert "字体警告" in result.stderr and "half-copied.ttf" in result.stderr
        assert "损坏" in result.stderr
