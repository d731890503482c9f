"""The documents repository: a claim's uploaded documents (one merged PDF per type) and the
original files behind each (by hash, name, own sanitised PDF and page count). A document's
status changes only by `apply_document_triggers`: the lifecycle table
(workflow.document_lifecycle) decides the move, then the row is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CompoundSelect, bindparam, delete, select, union
from sqlalchemy.orm import Session

from claims.models import Claim, Document, DocumentFile
from claims.repositories._rows import CHAIN_HEADS_KEY, flush_claim, update_rows
from claims.repositories.claims import update_claim_details
from claims.repositories.events import chain_head, insert_event
from documents.merge import BuiltDocument
from workflow.audit_chain import chained_event
from workflow.document_lifecycle import DOCUMENT_LIFECYCLE, DocumentStatus, DocumentTrigger
from workflow.states import ActorRole

_DOCUMENTS_OF = (
    select(Document).where(Document.claim_id == bindparam("claim_id")).order_by(Document.id)
)
_DOCUMENT_STATUSES = select(Document.doc_type, Document.status).where(
    Document.claim_id == bindparam("claim_id")
)
_DOCUMENT_OF_TYPE = select(Document).where(
    Document.claim_id == bindparam("claim_id"), Document.doc_type == bindparam("doc_type")
)


@dataclass(frozen=True)
class DocumentVerdict:
    """The verifier's word on a document, as its row keeps it; `NO_VERDICT` for a document
    not reviewed (yet, or since its last upload)."""

    reason_code: str | None = None
    note: str | None = None
    reviewed_by: int | None = None
    reviewed_at: datetime | None = None


NO_VERDICT = DocumentVerdict()


@dataclass(frozen=True)
class OriginalFile:
    """One file of an upload as it was received, kept by hash for the reused-file flag,
    with its display name and its own sanitised PDF (`storage_key`, `pages`)."""

    sha256: str
    size_bytes: int
    content_type: str
    filename: str | None = None
    storage_key: str | None = None
    pages: int | None = None


# The audit event of the applicant removing one file of a document (the claim's status is
# unchanged; the document's own move goes through the lifecycle table).
DOCUMENT_FILE_REMOVED = "document_file_removed"

_FILES_OF_CLAIM = (
    select(DocumentFile, Document.doc_type)
    .join(Document, Document.id == DocumentFile.document_id)
    .where(DocumentFile.claim_id == bindparam("claim_id"))
    .order_by(Document.doc_type, DocumentFile.position)
)
_FILES_OF_DOCUMENT = (
    select(DocumentFile)
    .where(DocumentFile.document_id == bindparam("document_id"))
    .order_by(DocumentFile.position)
)


def documents_of_claim(session: Session, claim_id: str) -> list[Document]:
    """The claim's documents in the order they were first uploaded."""
    return list(session.scalars(_DOCUMENTS_OF, {"claim_id": claim_id}))


def document_statuses_of_claim(session: Session, claim_id: str) -> dict[str, DocumentStatus]:
    """Each document type of the claim with its status, pending changes written first."""
    session.flush()  # what a query would autoflush
    rows = session.connection().execute(_DOCUMENT_STATUSES, {"claim_id": claim_id})
    return {doc_type: status for doc_type, status in rows}


def document_of_type(session: Session, claim_id: str, doc_type: str) -> Document | None:
    """The claim's document of `doc_type`, if one was uploaded."""
    return session.scalar(_DOCUMENT_OF_TYPE, {"claim_id": claim_id, "doc_type": doc_type})


def files_of_claim(session: Session, claim_id: str) -> dict[str, list[DocumentFile]]:
    """The original files of each of the claim's documents, by document type, in upload
    order: one query for the whole claim page."""
    found: dict[str, list[DocumentFile]] = {}
    for file, doc_type in session.execute(_FILES_OF_CLAIM, {"claim_id": claim_id}):
        found.setdefault(doc_type, []).append(file)
    return found


def files_of_document(session: Session, document: Document) -> list[DocumentFile]:
    """The original files behind `document`, in upload order."""
    return list(session.scalars(_FILES_OF_DOCUMENT, {"document_id": document.id}))


def referenced_storage_keys(session: Session) -> set[str]:
    """The storage key of every document and of every file's own PDF: the stored files
    still in use."""
    in_use: CompoundSelect[tuple[str]] = union(
        select(Document.storage_key),
        select(DocumentFile.storage_key).where(DocumentFile.storage_key.is_not(None)),
    )
    return {str(key) for (key,) in session.execute(in_use)}


def apply_document_triggers(
    session: Session, moves: Sequence[tuple[Document, DocumentTrigger, DocumentVerdict]]
) -> None:
    """The one way a document's status changes: each trigger is fired by the lifecycle
    table (LifecycleRefused, and nothing written, when one is not allowed), then the new
    statuses are written with their verdicts, by one executemany UPDATE when the documents
    have no other unwritten change (else by the flush)."""
    values = [
        {
            "status": DOCUMENT_LIFECYCLE.fire(document.status, trigger),
            "reason_code": verdict.reason_code,
            "note": verdict.note,
            "reviewed_by": verdict.reviewed_by,
            "reviewed_at": verdict.reviewed_at,
        }
        for document, trigger, verdict in moves
    ]
    update_rows(session, [document for document, _, _ in moves], values)


def record_upload(
    session: Session,
    claim: Claim,
    doc_type: str,
    storage_key: str,
    built: BuiltDocument,
    files: Sequence[OriginalFile],
    now: datetime,
) -> Document:
    """The claim's document of `doc_type` as uploaded `now`, stored under `storage_key`: a
    new row, or the earlier upload replaced (its original files and its verdict dropped).
    The old stored file is left for the garbage collection, which removes whatever no row
    references."""
    document = document_of_type(session, claim.id, doc_type)
    content = {
        "storage_key": storage_key,
        "sha256": built.sha256,
        "size_bytes": built.size_bytes,
        "pages": built.pages,
        "uploaded_at": now,
    }
    if document is None:
        document = Document(
            claim_id=claim.id, doc_type=doc_type, status=DOCUMENT_LIFECYCLE.initial, **content
        )
        session.add(document)
        session.flush()  # for its id
    else:
        session.execute(delete(DocumentFile).where(DocumentFile.document_id == document.id))
        for name, value in content.items():
            setattr(document, name, value)
        apply_document_triggers(session, [(document, DocumentTrigger.reupload, NO_VERDICT)])
    for position, original in enumerate(files):
        session.add(
            DocumentFile(
                document_id=document.id,
                claim_id=claim.id,
                position=position,
                sha256=original.sha256,
                size_bytes=original.size_bytes,
                content_type=original.content_type,
                filename=original.filename,
                storage_key=original.storage_key,
                pages=original.pages,
            )
        )
    _documents_changed(session, claim, now)
    return document


def remove_document(session: Session, claim: Claim, document: Document, now: datetime) -> None:
    """Deletes the claim's `document` with its original files (ON DELETE CASCADE)."""
    session.delete(document)
    _documents_changed(session, claim, now)


def remove_document_file(
    session: Session,
    claim: Claim,
    document: Document,
    removed: DocumentFile,
    merged: tuple[str, BuiltDocument] | None,
    now: datetime,
) -> None:
    """The applicant removes the file `removed` of `document`: with the others merged
    again (`merged`: their new PDF's storage key and build) the document keeps them in
    their order and counts as uploaded anew (the lifecycle's reupload, its verdict
    dropped); with none left (`merged` None) the document goes and is missing again.
    Either way the claim gets a new version and an audit event."""
    detail = {
        "doc_type": document.doc_type,
        "sha256": removed.sha256,
        "position": removed.position,
        "files_left": 0,
    }
    if merged is None:
        session.delete(document)
    else:
        storage_key, built = merged
        session.delete(removed)
        remaining = [f for f in files_of_document(session, document) if f.id != removed.id]
        for position, file in enumerate(remaining):
            file.position = position
        detail["files_left"] = len(remaining)
        document.storage_key = storage_key
        document.sha256 = built.sha256
        document.size_bytes = built.size_bytes
        document.pages = built.pages
        document.uploaded_at = now
        apply_document_triggers(session, [(document, DocumentTrigger.reupload, NO_VERDICT)])
    _documents_changed(session, claim, now)
    _record_file_removed(session, claim, now, detail)


def _record_file_removed(
    session: Session, claim: Claim, now: datetime, detail: dict[str, object]
) -> None:
    """The audit event, appended after the claim's UPDATE (whose version check serialises
    the writers of this claim, so the head read here is the chain's head)."""
    event = chained_event(
        claim.id,
        claim.rules_version,
        chain_head(session, claim.id),
        trigger=DOCUMENT_FILE_REMOVED,
        from_status=claim.status.value,
        to_status=claim.status.value,
        actor_role=ActorRole.applicant.value,
        actor_id=None,
        at=now,
        data=detail,
    )
    insert_event(session, event)
    # The head remembered with the claim's version is now behind: a transition later in
    # this unit of work must read the chain's head again.
    session.info.get(CHAIN_HEADS_KEY, {}).pop(claim.id, None)


def _documents_changed(session: Session, claim: Claim, now: datetime) -> None:
    """The claim's activity moves with its documents, and with it its version: an upload
    racing another change of the claim is refused (409)."""
    update_claim_details(session, claim, {"last_activity_at": now, "updated_at": now})
    flush_claim(session)  # the document rows themselves
