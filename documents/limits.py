"""Upload limits for claim documents (spec: domain.md "Upload rules"); the caller may override."""

from __future__ import annotations

from dataclasses import dataclass

from documents.errors import DocumentRejected

MB = 1_000_000


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """Limits applied while receiving and building one merged document."""

    max_file_bytes: int = 10 * MB
    max_files: int = 10
    max_pages: int = 30
    max_pixels: int = 40_000_000
    # Total decoded size of all PDF streams; a small file can hide gigabytes.
    max_inflated_bytes: int = 100 * MB
    # Non-file form fields are ignored, but a client must not stream them forever.
    max_other_field_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        for name in (
            "max_file_bytes",
            "max_files",
            "max_pages",
            "max_pixels",
            "max_inflated_bytes",
            "max_other_field_bytes",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")

    def too_many_pages(self) -> DocumentRejected:
        return DocumentRejected("too_many_pages", limit=str(self.max_pages))
