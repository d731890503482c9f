"""Decides a file's type from its content only (never its name or the client's Content-Type)."""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import BinaryIO

from documents.errors import DocumentRejected

# Readers accept "%PDF-" anywhere in the first 1024 bytes, so we do too, unless the file starts
# with another format's signature. A PDF+ZIP polyglot (a PDF with a ZIP appended) is treated as
# a PDF: pypdf parses it and only the pages we copy are written to a NEW file, so the ZIP never
# reaches storage (tests check the stored bytes hold no ZIP signature).
PDF_HEADER_WINDOW = 1024
_PDF_MARKER = b"%PDF-"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Formats that can carry a PDF inside them within the first 1024 bytes (a stored ZIP entry,
# an executable's resources): a file starting with one of these is that format, not a PDF.
_FOREIGN_MAGICS = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"MZ",
    b"\x7fELF",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\xd0\xcf\x11\xe0",
)


class FileKind(enum.Enum):
    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"


def sniff_bytes(head: bytes) -> FileKind:
    """The kind of a file given its first bytes (at least PDF_HEADER_WINDOW of them if it has)."""
    if not head:
        raise DocumentRejected("empty_file")
    if head.startswith(_JPEG_MAGIC):
        return FileKind.JPEG
    if head.startswith(_PNG_MAGIC):
        return FileKind.PNG
    if head.startswith(_PDF_MARKER):
        return FileKind.PDF
    if _PDF_MARKER in head[:PDF_HEADER_WINDOW] and not head.startswith(_FOREIGN_MAGICS):
        # Junk before the header: readers open it, so it is a PDF, but pypdf in strict mode
        # will call it damaged (422), which is the honest answer for such a file.
        return FileKind.PDF
    raise DocumentRejected("unsupported_type")


def sniff_file(source: Path | BinaryIO) -> FileKind:
    """The kind of the file at `source`, a path or an open file (read from its start)."""
    if isinstance(source, Path):
        with source.open("rb") as handle:
            return sniff_file(handle)
    return sniff_bytes(os.pread(source.fileno(), PDF_HEADER_WINDOW, 0))
