"""The stored files of a claim's documents as the applicant sees them: each original file
by name, size and page count, whether it can be viewed (it has its own sanitised PDF) and
removed (the others can be merged again without it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from claims.models import DocumentFile
from claims.repositories.documents import files_of_claim


@dataclass(frozen=True)
class StoredFileItem:
    id: int
    position: int
    # The name the applicant's device gave it (made harmless by documents.intake); None for
    # files uploaded before names were kept.
    name: str | None
    size_bytes: int
    pages: int | None
    content_type: str
    viewable: bool
    removable: bool


def stored_file_items(files: list[DocumentFile]) -> list[StoredFileItem]:
    """`files` of one document, in order, as the applicant sees them."""
    return [
        StoredFileItem(
            id=file.id,
            position=file.position,
            name=file.filename,
            size_bytes=file.size_bytes,
            pages=file.pages,
            content_type=file.content_type,
            viewable=file.storage_key is not None,
            # Removing a file merges the others from their own PDFs.
            removable=all(other.storage_key is not None for other in files if other is not file),
        )
        for file in files
    ]


def stored_files_of_claim(session: Session, claim_id: str) -> dict[str, list[StoredFileItem]]:
    """The stored files of every document of the claim, by document type, in one query."""
    return {
        doc_type: stored_file_items(files)
        for doc_type, files in files_of_claim(session, claim_id).items()
    }
