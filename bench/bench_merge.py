"""Merge benchmark (quality.md): an 8-file, 125-page upload (5 PDFs, 3 JPEG photos) turned into
one PDF by our build_document_pdf (validation, inflate budget, sanitising, merge, output scan)
against the ceiling: pikepdf (libqpdf) merging the same files, the JPEGs converted by img2pdf
inside its timed run too, so both sides do the same image work. Target: ratio <= 2.0.

Two input profiles, both printed:
- scanned (the headline `merge_ratio`): the PDFs are scans, one JPEG image per page, which is
  what applicants upload (phone scanner apps, office scanners);
- text (`merge_ratio_text`): born-digital pages with a text line each, where per-object Python
  overhead dominates; pure pypdf alone is already about 2.3x pikepdf here.

Run: .venv/bin/python bench/bench_merge.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import img2pdf
import pikepdf
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from documents.isolation import IsolatedWorkerPool
from documents.limits import UploadLimits
from documents.merge import build_document_pdf
from documents.sniff import FileKind, sniff_file
from tests import corpus

PDF_PAGES = (30, 30, 30, 20, 12)
PHOTOS = 3
TARGET = 2.0


def _photo(seed: int) -> bytes:
    """A 2400x1800 photo-like JPEG (about 3 MB of noise-free gradients plus detail)."""
    image = Image.effect_noise((2400, 1800), 40 + seed).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def _scan_page(seed: int) -> bytes:
    """An A4 page scanned at 150 dpi, greyscale JPEG."""
    image = Image.effect_mandelbrot((1240, 1754), (-2.0, -1.5 + seed / 10, 1.0, 1.5), 60)
    buffer = io.BytesIO()
    image.convert("L").save(buffer, "JPEG", quality=75)
    return buffer.getvalue()


def _scanned_pdf(pages: int) -> bytes:
    scans = [_scan_page(seed) for seed in range(4)]
    pdf: bytes = img2pdf.convert([scans[page % len(scans)] for page in range(pages)])
    return pdf


def make_inputs(folder: Path, profile: str = "scanned") -> list[Path]:
    paths = []
    for index, pages in enumerate(PDF_PAGES):
        path = folder / f"doc{index}.pdf"
        if profile == "scanned":
            path.write_bytes(_scanned_pdf(pages))
        else:
            path.write_bytes(corpus.pdf_pages(pages, label=f"dokumen {index} halaman"))
        paths.append(path)
    for index in range(PHOTOS):
        path = folder / f"photo{index}.jpg"
        path.write_bytes(_photo(index))
        paths.insert(2 * index + 1, path)
    return paths


def pikepdf_merge(inputs: list[Path], output: Path) -> int:
    merged = pikepdf.new()
    sources = []
    for path in inputs:
        if sniff_file(path) is FileKind.PDF:
            source = pikepdf.open(path)
        else:
            source = pikepdf.open(io.BytesIO(img2pdf.convert(path.read_bytes())))
        sources.append(source)
        merged.pages.extend(source.pages)
    merged.save(output)
    pages = len(merged.pages)
    for source in sources:
        source.close()
    return pages


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times) if repeat < 3 else statistics.median(sorted(times)[: max(3, repeat // 2)])


def run_profile(profile: str, repeat: int) -> float:
    # Scanned pages are large: the per-file size limit is not what this measures.
    limits = UploadLimits(max_pages=10_000, max_file_bytes=1 << 30, max_inflated_bytes=1 << 30)
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        inputs = make_inputs(folder, profile)
        ours_out, ceiling_out = folder / "ours.pdf", folder / "pikepdf.pdf"
        built = build_document_pdf(inputs, ours_out, limits)
        ceiling_pages = pikepdf_merge(inputs, ceiling_out)
        assert built.pages == ceiling_pages == sum(PDF_PAGES) + PHOTOS
        ours = best_of(repeat, lambda: build_document_pdf(inputs, ours_out, limits))
        ceiling = best_of(repeat, lambda: pikepdf_merge(inputs, ceiling_out))
        with IsolatedWorkerPool(workers=1) as pool:
            pool.build_document(inputs, ours_out, limits)  # warm the worker
            isolated = best_of(repeat, lambda: pool.build_document(inputs, ours_out, limits))
        size = sum(path.stat().st_size for path in inputs)
        print(f"[{profile}] inputs: {len(inputs)} files, {built.pages} pages, {size / 1e6:.1f} MB")
        print(f"[{profile}] pikepdf merge (ceiling): {ceiling * 1000:.1f} ms")
        print(f"[{profile}] build_document_pdf:      {ours * 1000:.1f} ms")
        print(f"[{profile}]   in an isolated worker: {isolated * 1000:.1f} ms (adds the pipe hop)")
        return ours / ceiling


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    arguments = parser.parse_args()
    # pypdf warns about img2pdf's xref numbering on every read; it is harmless here.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    scanned = run_profile("scanned", arguments.repeat)
    text = run_profile("text", arguments.repeat)
    for name, ratio in (("merge_ratio", scanned), ("merge_ratio_text", text)):
        verdict = "ok" if ratio <= TARGET else "OVER TARGET"
        print(f"{name} {ratio:.2f} (target <= {TARGET}) {verdict}")


if __name__ == "__main__":
    main()
