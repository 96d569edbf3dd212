"""`docgen build` end to end, checked as an outside auditor would: from manifest.json and the PDFs."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject

import docgen.build as build_module
from docgen.build import BuildOptions, build_city
from docgen.cli import main

from .conftest import EXAMPLE_DIR, SAMPLES, folder_bytes, sample_files
from .pdfcheck import audit

DOCGEN = Path(sys.executable).parent / "docgen"
CONTRACT_KEYS = {
    "docgen",
    "input_sha256",
    "city",
    "bundle",
    "summary",
    "documents",
    "files",
    "warnings",
}
DOC_KEYS = {
    "application_id",
    "applicant",
    "category",
    "pdf",
    "docx",
    "pages",
    "bundle_pages",
    "straddle_seals",
    "seal_slots",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every sample city built once (in process)."""
    root = tmp_path_factory.mktemp("built")
    out: dict[str, Path] = {}
    for path in sample_files():
        code = path.parent.name
        build_city(path, root / code)
        out[code] = root / code
    return out


def _manifest(out: Path) -> dict[str, Any]:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", [p.parent.name for p in sample_files()])
def test_sample_packet_passes_the_audit(built: dict[str, Path], code: str) -> None:
    out = built[code]
    m = _manifest(out)
    assert set(m) >= CONTRACT_KEYS
    assert m["city"]["division_code"] == code
    for doc in m["documents"]:
        assert set(doc) >= DOC_KEYS
    # every file listed with its checksum, and every file present is listed
    listed = {f["path"]: f for f in m["files"]}
    on_disk = {p.name for p in out.iterdir()} - {"manifest.json"}
    assert set(listed) == on_disk
    for name, entry in listed.items():
        data = (out / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["bytes"]
    assert m["bundle"]["sha256"] == hashlib.sha256((out / "bundle.pdf").read_bytes()).hexdigest()
    result = audit(m, out / "bundle.pdf")
    assert result.problems == []


@pytest.mark.parametrize("code", ["450200", "450900"])
def test_pdfs_are_sound_and_fonts_embedded(built: dict[str, Path], code: str) -> None:
    out = built[code]
    for pdf in sorted(out.glob("*.pdf")):
        subprocess.run(["qpdf", "--check", str(pdf)], check=True, capture_output=True)
        fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True)
        rows = fonts.stdout.splitlines()[2:]
        assert rows, f"{pdf.name}: no fonts"
        for row in rows:
            emb = row.split()[-5]
            assert emb == "yes", f"{pdf.name}: font not embedded: {row}"
        assert "Helvetica" not in fonts.stdout


def _fonts_selected(page: Any) -> set[str]:
    """The font names the page's content selects with Tf (parsed by pypdf, not by docgen)."""
    operations = ContentStream(page.get_contents(), page.pdf).operations
    return {str(operands[0]) for operands, op in operations if op == b"Tf"}


def _font_program_bytes(font: Any) -> int:
    """About what the file stores for the font's program (its data, compressed again)."""
    descriptor = font["/FontDescriptor"]
    key = next(k for k in ("/FontFile2", "/FontFile", "/FontFile3") if k in descriptor)
    return len(zlib.compress(descriptor[key].get_data()))


@pytest.mark.parametrize("code", ["450200", "450900"])
def test_standalone_pdfs_carry_only_their_own_fonts(built: dict[str, Path], code: str) -> None:
    out = built[code]
    m = _manifest(out)
    slices = [m["summary"]["pdf"], *(d["pdf"] for d in m["documents"])]
    every_program: dict[str, int] = {}  # the pass's font subsets, over all slices
    for name in slices:
        reader = PdfReader(out / name)
        referenced: set[int] = set()
        program_bytes = 0
        for n, page in enumerate(reader.pages, 1):
            fonts = page["/Resources"]["/Font"]
            assert set(fonts) == _fonts_selected(page), f"{name} p.{n}"
            for key in fonts:
                ref = fonts.raw_get(key)
                if ref.idnum not in referenced:
                    referenced.add(ref.idnum)
                    program = _font_program_bytes(fonts[key])
                    program_bytes += program
                    every_program[str(fonts[key]["/BaseFont"])] = program
        # no font object is written that no page refers to
        in_file = set()
        for num in range(1, int(reader.trailer["/Size"])):
            obj = reader.get_object(num)
            if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/Font":
                in_file.add(num)
        assert in_file == referenced, name
        size = (out / name).stat().st_size
        assert size < program_bytes + len(reader.pages) * 40_000, name
    # the summary uses only a few of the pass's subsets: it is smaller than all of them
    summary_size = (out / m["summary"]["pdf"]).stat().st_size
    assert summary_size < sum(every_program.values())


def test_slicing_keeps_the_text_and_leaves_the_render_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, int, Any, bytes]] = []
    slice_pdf = build_module._slice_pdf

    def recording(rendered: Any, index: int, reader: Any) -> bytes:
        data = slice_pdf(rendered, index, reader)
        calls.append((rendered, index, reader, data))
        return data

    monkeypatch.setattr(build_module, "_slice_pdf", recording)
    # in this process (with a worker, the worker slices: its calls are not seen here)
    build_city(EXAMPLE_DIR / "city.json", tmp_path / "out", parallel=False)
    rendered, _, reader, _ = calls[0]
    all_fonts = set(reader.pages[0]["/Resources"]["/Font"])
    assert len(all_fonts) > 3
    for _, index, _, data in reversed(calls):
        # the same reader again, in the other order: the same bytes (slices are independent)
        assert slice_pdf(rendered, index, reader) == data
        doc = rendered.docs[index]
        pages = PdfReader(io.BytesIO(data)).pages
        assert len(pages) == doc.pages
        for n, page in enumerate(pages):
            assert page.extract_text() == reader.pages[doc.first_page + n].extract_text()
    # the one-pass render's own pages still list every font
    assert all(set(page["/Resources"]["/Font"]) == all_fonts for page in reader.pages)


def test_page_counts_agree_with_the_pdfs(built: dict[str, Path]) -> None:
    for out in built.values():
        m = _manifest(out)
        assert len(PdfReader(out / "bundle.pdf").pages) == m["bundle"]["pages"]
        for doc in m["documents"]:
            form = PdfReader(out / doc["pdf"])
            assert len(form.pages) == doc["form_pages"]
            a, b = doc["bundle_pages"]
            assert b - a + 1 == doc["pages"] >= doc["form_pages"]


def test_long_application_gets_three_straddle_groups(built: dict[str, Path]) -> None:
    m = _manifest(built["450900"])
    doc = next(d for d in m["documents"] if d["application_id"] == "YL-E1")
    assert doc["pages"] > 40
    groups = doc["straddle_seals"]
    assert len(groups) == 3
    sizes = [g["pages"][1] - g["pages"][0] + 1 for g in groups]
    assert max(sizes) <= 20 and sum(sizes) == doc["pages"]
    assert all(g2["pages"][0] == g1["pages"][1] + 1 for g1, g2 in itertools.pairwise(groups))
    assert len({tuple(g["box"]) for g in groups}) == 3  # each group at its own height
    a, b = doc["bundle_pages"]
    assert groups[0]["pages"][0] == a and groups[-1]["pages"][1] == b


def test_summary_xlsx_cells_are_text(built: dict[str, Path]) -> None:
    m = _manifest(built["450200"])
    ws = load_workbook(built["450200"] / m["summary"]["xlsx"]).active
    codes = [
        c.value
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and len(c.value) == 18
    ]
    assert "91450200TCULH87WL8" in codes
    assert all(
        c.data_type == "s" for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    )


def test_same_input_same_bytes(tmp_path: Path) -> None:
    src = SAMPLES / "450300" / "city.json"
    build_city(src, tmp_path / "a")
    build_city(src, tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_invalid_input_writes_nothing(tmp_path: Path, example_copy: Path) -> None:
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    data["applications"][0]["applicant"]["uscc"] = "91450200TCULH87WL9"
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = example_copy.read_bytes()
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(example_copy), "-o", str(out)])
    assert result.exit_code == 1
    assert "applications[0].applicant.uscc" in result.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["city"]
    assert example_copy.read_bytes() == before


def test_character_without_font_stops_the_build(tmp_path: Path, example_copy: Path) -> None:
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    data["applications"][1]["sections"][0]["text"] += "很好😀"
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(example_copy), "-o", str(out)])
    assert result.exit_code == 1
    assert "U+1F600" in result.output
    assert "applications[1].sections[0].text" in result.output
    assert not out.exists()


def test_hostile_names_print_literally_and_files_are_safe(
    tmp_path: Path, example_copy: Path
) -> None:
    data = json.loads(example_copy.read_text(encoding="utf-8"))
    apps = data["applications"]
    apps[0]["applicant"]["name"] = '<b>&amp;"x"/CON:*?|' + "龙" * 60 + "..."
    apps[1]["applicant"]["name"] = "=1+1"
    apps[2]["applicant"]["name"] = "＝SUM(A1)"
    example_copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(example_copy), "-o", str(out)])
    assert result.exit_code == 0, result.output
    for p in out.iterdir():
        assert not set(p.name) & set('<>:"/\\|?*')
        assert len(p.name.encode()) < 200
        assert not p.stem.endswith(".")
    text = "".join(page.extract_text() for page in PdfReader(out / "bundle.pdf").pages)
    squashed = "".join(text.split())
    assert '<b>&amp;"x"/CON:*?|' in squashed
    assert "=1+1" in squashed and "＝SUM(A1)" in squashed
    m = _manifest(out)
    ws = load_workbook(out / m["summary"]["xlsx"]).active
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert cells["=1+1"].data_type == "s"
    assert cells["＝SUM(A1)"].data_type == "s"


def test_duplex_starts_every_document_on_an_odd_page(tmp_path: Path) -> None:
    result = build_city(
        SAMPLES / "450100" / "city.json", tmp_path / "out", BuildOptions(duplex=True)
    )
    m = result.manifest.as_json()
    assert m["summary"]["bundle_pages"][0] % 2 == 1
    for doc in m["documents"]:
        assert doc["bundle_pages"][0] % 2 == 1, doc["application_id"]
        for group in doc["straddle_seals"]:
            assert group["recto_only"] and all(p % 2 == 1 for p in group["page_list"])
    assert audit(m, tmp_path / "out" / "bundle.pdf").problems == []
    # the slot marks are on rectos only: a fanned duplex stack shows only the rectos
    # (the label "骑缝章 k/n" is drawn as light-grey glyph outlines in the band, not as text)
    import pdfplumber

    from docgen import layout

    grey = (layout.SEAL_MARK_GREY,) * 3
    with pdfplumber.open(tmp_path / "out" / "bundle.pdf") as pdf:
        marked = [
            n
            for n, page in enumerate(pdf.pages, 1)
            if page.width < page.height
            and any(
                o.get("fill")
                and o.get("non_stroking_color") == grey
                and o["x0"] > layout.PORTRAIT.band_x0
                for o in page.curves + page.rects
            )
        ]
    assert marked and all(n % 2 == 1 for n in marked)


def test_no_seal_marks_keeps_the_space(tmp_path: Path) -> None:
    result = build_city(EXAMPLE_DIR / "city.json", tmp_path / "out", BuildOptions(seal_marks=False))
    m = result.manifest.as_json()
    assert audit(m, tmp_path / "out" / "bundle.pdf").problems == []
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "out" / "bundle.pdf").pages)
    assert "骑缝章 1/" not in text  # the slot label; the form's own text names 骑缝章 too


def test_sigkill_during_build_leaves_previous_out_intact(tmp_path: Path) -> None:
    src = tmp_path / "city"
    shutil.copytree(SAMPLES / "450900", src)
    out = tmp_path / "out"
    # the previous OUT is docgen's own (another folder would be refused before any work)
    first = subprocess.run(
        [str(DOCGEN), "build", str(src / "city.json"), "-o", str(out)], capture_output=True
    )
    assert first.returncode == 0
    previous = {p.name: p.read_bytes() for p in out.iterdir()}
    (src / "city.json").write_text(
        (src / "city.json").read_text(encoding="utf-8").replace("2021-05-1", "2021-05-0"),
        encoding="utf-8",
    )  # a changed input: the new packet differs from the previous one
    for _attempt in range(3):
        proc = subprocess.Popen(
            [str(DOCGEN), "build", str(src / "city.json"), "-o", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        # wait until the build is writing its temporary folder, then kill it outright
        while time.monotonic() < deadline and proc.poll() is None:
            if any(p.name.startswith(".out.docgen-tmp-") for p in tmp_path.iterdir()):
                break
            time.sleep(0.005)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            break
    assert {p.name: p.read_bytes() for p in out.iterdir()} == previous
    # the next build recovers: it cleans the dead build's folder and replaces OUT
    result = subprocess.run(
        [str(DOCGEN), "build", str(src / "city.json"), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} != previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city", "out"]


def test_docx_opens_in_libreoffice_with_similar_page_count(
    built: dict[str, Path], tmp_path: Path
) -> None:
    out = built["450200"]
    doc = _manifest(out)["documents"][0]
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out / doc["docx"]),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = tmp_path / (Path(doc["docx"]).stem + ".pdf")
    pages = len(PdfReader(converted).pages)
    assert abs(pages - doc["form_pages"]) <= max(1, round(0.2 * doc["form_pages"]))
    text = "".join(p.extract_text() for p in PdfReader(converted).pages)
    assert doc["applicant"] in "".join(text.split())


def test_word_files_name_windows_faces_not_the_build_machines(built: dict[str, Path]) -> None:
    """The PDF draws 〇 of the dates with a Debian fallback face; the Word file, opened on a
    Windows PC, names the Windows face that has it (宋体), never a face of the build machine."""
    import zipfile

    from docgen.render.fonts import resolve_fonts

    fonts = resolve_fonts()
    debian = {fonts.family_of(fonts.font_for("〇", role) or "") for role in ("song", "fangsong")}
    debian |= {fonts.family(role) for role in ("song", "hei", "kai", "fangsong")}
    debian.discard("")
    out = built["450200"]
    for d in _manifest(out)["documents"]:
        with zipfile.ZipFile(out / d["docx"]) as docx:
            xml = "".join(
                docx.read(n).decode("utf-8") for n in docx.namelist() if n.endswith(".xml")
            )
        assert "〇" in xml
        for family in debian:
            assert family not in xml, (d["docx"], family)


@pytest.mark.parametrize("code", ["450900", "450200"])
def test_the_worker_and_this_process_write_the_same_files(code: str, tmp_path: Path) -> None:
    # With a second core the Word files, the workbook and the summary's and forms' PDFs
    # (sliced from the pass while the bundle is bound) come from a worker; without, from the
    # build's own process: the same bytes either way.
    city = SAMPLES / code / "city.json"
    build_city(city, tmp_path / "worker", parallel=True)
    build_city(city, tmp_path / "here", parallel=False)

    worker, here = folder_bytes(tmp_path / "worker"), folder_bytes(tmp_path / "here")
    assert sorted(worker) == sorted(here)
    assert [name for name in worker if worker[name] != here[name]] == []


_PARENT = os.getpid()


def _dies_in_the_worker(*args: Any) -> bytes:
    """The workbook's renderer, killing the worker process that runs it (SIGKILL)."""
    if os.getpid() != _PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return _RENDER_XLSX(*args)


_RENDER_XLSX = build_module._render_xlsx


def test_a_word_worker_that_dies_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker (Word files, workbook, PDF slices) killed (out of memory, a stray kill -9):
    # the build does its work itself and writes the same files.
    city = SAMPLES / "450900" / "city.json"
    build_city(city, tmp_path / "here", parallel=False)
    monkeypatch.setattr(build_module, "_render_xlsx", _dies_in_the_worker)
    build_city(city, tmp_path / "killed", parallel=True)

    killed, here = folder_bytes(tmp_path / "killed"), folder_bytes(tmp_path / "here")
    assert sorted(killed) == sorted(here)
    assert [name for name in killed if killed[name] != here[name]] == []
