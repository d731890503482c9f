"""Builds the one stored PDF per document type from the uploaded files (validated, converted,
sanitised, merged in order) and the officers' review bundle with a bookmark per document."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

from documents.convert import image_to_pdf, jpeg_placement
from documents.errors import DocumentRejected
from documents.limits import UploadLimits
from documents.pdf_open import (
    InflateBudget,
    open_untrusted_pdf,
    pdf_failures_rejected,
    reachable_objects,
)
from documents.pdf_write import PdfOutput
from documents.rasterise import rasterised_pages
from documents.sanitize import (
    ensure_no_active_content,
    foreign_programs,
    inline_image_codecs,
    strip_active_content,
)
from documents.sniff import FileKind, sniff_file


@dataclass(frozen=True, slots=True)
class BuiltDocument:
    pages: int
    size_bytes: int
    sha256: str


def build_document_pdf(
    inputs: Sequence[Path], output: Path, limits: UploadLimits | None = None
) -> BuiltDocument:
    """Validates, converts, sanitises and merges `inputs` in order into ONE PDF at `output`.

    Raises DocumentRejected (with file_index set) for any file we refuse; `output` is then
    absent. Untrusted input: call through IsolatedWorkerPool in the server."""
    try:
        with contextlib.ExitStack() as files:
            sources = [files.enter_context(path.open("rb")) for path in inputs]
            # No fsync: a work file; DocumentStorage.put() makes the stored copy durable.
            handle = files.enter_context(output.open("w+b"))
            return write_document_pdf(sources, handle, limits)
    except BaseException:
        with contextlib.suppress(OSError):
            output.unlink()
        raise


def write_document_pdf(
    sources: Sequence[BinaryIO], output: BinaryIO, limits: UploadLimits | None = None
) -> BuiltDocument:
    """build_document_pdf() on open files: what a confined worker, which can open no file by
    its name, is handed. `output` is empty and at its start."""
    limits = limits or UploadLimits()
    if not sources:
        raise DocumentRejected("no_files")
    if len(sources) > limits.max_files:
        raise DocumentRejected("too_many_files", limit=str(limits.max_files))
    with _collector_paused():
        pdf = PdfOutput(output)
        version = "1.7"
        for index, source in enumerate(sources):
            try:
                version = max(version, _append_file(pdf, source, limits))
            except DocumentRejected as rejected:
                raise rejected.with_file_index(index) from rejected
            except MemoryError as error:
                raise DocumentRejected(
                    "processing_failed", file_index=index, detail="out of memory"
                ) from error
        sha256 = pdf.finish(version)
        size = output.tell()
    return BuiltDocument(pages=pdf.pages, size_bytes=size, sha256=sha256)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while we build: parsed PDFs are tens of thousands of
    objects that all live until the end, so each automatic pass (about 10% of the time) would
    find nothing to free. Memory stays bounded by the file limits (and the worker's RLIMIT_AS);
    the worker collects after each job. Only re-enables what it disabled."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _append_file(pdf: PdfOutput, source: BinaryIO, limits: UploadLimits) -> str:
    """Appends one uploaded file's pages to `pdf`; returns the PDF version it needs."""
    pages_left = limits.max_pages - pdf.pages
    size = os.fstat(source.fileno()).st_size
    if size == 0:
        raise DocumentRejected("empty_file")
    if size > limits.max_file_bytes:
        raise DocumentRejected("file_too_large", limit=_megabytes(limits.max_file_bytes))
    kind = sniff_file(source)
    if kind is not FileKind.PDF:
        if pages_left < 1:
            raise limits.too_many_pages()
        placement = jpeg_placement(source, limits) if kind is FileKind.JPEG else None
        if placement is not None:
            # The common scan: its bytes go from the file into the PDF as img2pdf would
            # embed them, without img2pdf's in-memory copies and a re-parse of its output.
            pdf.add_jpeg_page(source, placement)
            return "1.7"
        _add_own_pdf(pdf, image_to_pdf(source, limits))
        return "1.7"
    # Closed as soon as its pages are written (or found to need rasterising): its objects and
    # the file's bytes are freed then, not at the end of the build (the collector is paused
    # until then).
    with pdf_failures_rejected(limits), open_untrusted_pdf(source, limits, pages_left) as reader:
        pages = list(reader.pages)
        if not pages:  # e.g. a damaged /Type at the root: the tree check saw kids, pypdf none
            raise DocumentRejected("pdf_damaged", detail="no pages")
        if len(pages) > pages_left:
            raise limits.too_many_pages()
        budget = InflateBudget(limits.max_inflated_bytes)
        # Font programs, JBIG2 and JPEG 2000 images: what makes the file one to rasterise.
        foreign: list[str] = []

        def clean_and_count(item: DictionaryObject | ArrayObject) -> None:
            if isinstance(item, DictionaryObject):
                foreign.extend(foreign_programs(item))
            strip_active_content(item)
            if isinstance(item, StreamObject):
                budget.count_stream(item)
                if not foreign:  # once rasterised, what else is inline no longer matters
                    foreign.extend(inline_image_codecs(item))

        # Every object is cleaned and its stream counted before a byte of this file is written
        # or rendered: a bomb or a damaged file is refused as such, with or without a font.
        objects = reachable_objects(pages, clean_and_count)
        if not foreign:
            pdf.add_pages(pages, objects)
            header_version = reader.pdf_header.removeprefix("%PDF-")
            return header_version if _VERSION.fullmatch(header_version) else "1.7"
        page_count = len(pages)
        del pages, objects
    source.seek(0)
    for page_pdf in rasterised_pages(source.read(), page_count, limits):
        _add_own_pdf(pdf, page_pdf)
    return "1.7"


def _add_own_pdf(pdf: PdfOutput, data: bytes) -> None:
    """Appends the pages of a PDF we made ourselves (img2pdf's output: an image per page).
    It is ours, not the client's: no inflate budget; it still goes through the same walk
    (cleaning nothing) and the proof scan as every other page."""
    pages = list(PdfReader(io.BytesIO(data)).pages)
    pdf.add_pages(pages, reachable_objects(pages, strip_active_content))


_VERSION = re.compile(r"[12]\.[0-9]")


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:g} MB"


def build_review_bundle(parts: Sequence[tuple[str, Path]], output: Path) -> BuiltDocument:
    """Concatenates already-sanitised document PDFs (our own stored files) with one top-level
    bookmark per (title, path), in the given order."""
    try:
        with contextlib.ExitStack() as files:
            sources = [files.enter_context(path.open("rb")) for _, path in parts]
            handle = files.enter_context(output.open("w+b"))
            return write_review_bundle(sources, handle, [title for title, _ in parts])
    except BaseException:
        with contextlib.suppress(OSError):
            output.unlink()
        raise


def write_review_bundle(
    sources: Sequence[BinaryIO], output: BinaryIO, titles: Sequence[str]
) -> BuiltDocument:
    """build_review_bundle() on open files (`output` empty, readable and writable)."""
    if not sources or len(titles) != len(sources):
        raise DocumentRejected("no_files")
    writer = PdfWriter()
    pages = 0
    limits = UploadLimits(max_file_bytes=1 << 40, max_inflated_bytes=1 << 40)
    with pdf_failures_rejected(limits):
        for title, source in zip(titles, sources, strict=True):
            reader = PdfReader(io.BytesIO(source.read()), strict=True)
            writer.append(reader, outline_item=title, import_outline=False)
            pages += len(reader.pages)
        # No fsync: a work file; DocumentStorage.put() makes the stored copy durable.
        writer.write(output)
        output.flush()
        # Proof, not trust: re-read what we are about to hand over for storage and refuse it
        # if anything active survived the sanitiser.
        output.seek(0)
        ensure_no_active_content(output)
    digest = hashlib.sha256()
    output.seek(0)
    while chunk := output.read(1 << 20):
        digest.update(chunk)
    return BuiltDocument(pages=pages, size_bytes=output.tell(), sha256=digest.hexdigest())
