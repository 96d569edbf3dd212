"""A config file names fonts and packet settings once; the command line still wins."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from docgen.cli import main
from docgen.config import load_config
from docgen.render.fonts import resolve_fonts

from .conftest import EXAMPLE_DIR

KAI = Path("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf")


def test_config_file_gives_fonts_and_packet_settings(tmp_path: Path, example_copy: Path) -> None:
    fonts = tmp_path / "conf" / "myfonts"
    fonts.mkdir(parents=True)
    shutil.copy(KAI, fonts / "simkai.ttf")  # named as the official Windows 楷体 file
    config = tmp_path / "conf" / "docgen.toml"
    config.write_text(
        '[fonts]\ndirs = ["myfonts"]\n\n[packet]\nmax_seal_pages = 5\n', encoding="utf-8"
    )
    loaded = load_config(config)
    assert loaded.font_dirs == (fonts.resolve(),)
    assert any(
        face.path.parent == fonts.resolve() for face in resolve_fonts(loaded.font_dirs).faces("kai")
    )

    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(example_copy), "-o", str(out), "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["max_seal_pages"] == 5
    for doc in manifest["documents"]:
        for group in doc["straddle_seals"]:
            assert group["pages"][1] - group["pages"][0] + 1 <= 5
    # the command line wins over the config file
    result = CliRunner().invoke(
        main,
        [
            "build",
            str(example_copy),
            "-o",
            str(out),
            "--config",
            str(config),
            "--max-seal-pages",
            "30",
        ],
    )
    assert result.exit_code == 0
    assert (
        json.loads((out / "manifest.json").read_text(encoding="utf-8"))["options"]["max_seal_pages"]
        == 30
    )


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "docgen.toml"
    for text, expected in [
        ('[fonts]\ndirs = ["nowhere"]\n', "不存在"),
        ("[packet]\nmax_seal_pages = 1\n", "2 到 200"),
        ("[paket]\n", "[paket]"),
        ("[fonts\n", "格式错误"),
    ]:
        config.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(
            main,
            [
                "build",
                str(EXAMPLE_DIR / "city.json"),
                "-o",
                str(tmp_path / "out"),
                "--config",
                str(config),
            ],
        )
        assert result.exit_code == 1
        assert expected in result.output
        assert "Traceback" not in result.output
        assert not (tmp_path / "out").exists()
