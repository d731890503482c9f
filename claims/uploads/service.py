"""Uploads wired to the database. Untrusted bytes are received to spool files with the
limits enforced while streaming, checked and merged in isolated worker processes, stored
durably (fsync + rename) and only then recorded in the database."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import anyio
from sqlalchemy.orm import Session

from claims.casework.facts import claim_checklist, claim_participant, require_editable
from claims.casework.flags import file_hashes, refresh_flags_after_files_change
from claims.errors import NotFound, refusal
from claims.models import Claim, Document, DocumentFile
from claims.repositories.documents import (
    OriginalFile,
    document_of_type,
    documents_of_claim,
    files_of_document,
    record_upload,
    remove_document,
    remove_document_file,
)
from claims.runtime import Runtime
from claims.uploads.resources import DocumentServices
from documents.errors import DocumentRejected
from documents.intake import ReceivedFile, discard_received, receive_files
from documents.merge import BuiltDocument
from documents.sniff import sniff_file
from documents.storage import LocalContentAddressedStorage, StoredObject
from workflow.document_lifecycle import DocumentStatus
from workflow.rules import DocumentType

# Names of the files an upload keeps in the spool folder while it runs (documents.intake's
# received parts, the merge output of work_file()).
SPOOL_PREFIXES = ("upload-", "work-")


_SERVICES_LOCK = threading.Lock()


def document_services(runtime: Runtime) -> DocumentServices:
    with _SERVICES_LOCK:
        services = runtime.documents
        if services is None:
            root = runtime.settings.documents_dir
            spool = runtime.settings.data_dir / "spool"
            spool.mkdir(parents=True, exist_ok=True)
            services = DocumentServices(LocalContentAddressedStorage(root), spool)
            runtime.documents = services
        return services


def warm_document_workers(runtime: Runtime) -> threading.Thread:
    """Starts the document workers in a background thread (server start-up is not held up;
    an upload arriving before they are ready waits for them, outside its time limit)."""
    thread = threading.Thread(
        target=document_services(runtime).warm, name="jht-document-workers", daemon=True
    )
    thread.start()
    return thread


def allowed_document_types(session: Session, claim: Claim) -> set[str]:
    checklist = claim_checklist(session, claim, claim_participant(session, claim))
    return {d.value for d in (*checklist.required, *checklist.optional)}


def check_upload_allowed(session: Session, claim: Claim, doc_type: str) -> None:
    """Refuses before a byte of the body is read: wrong status or a type not on the list."""
    require_editable(claim, "documents")
    if doc_type not in allowed_document_types(session, claim):
        raise refusal(
            "document_type_not_in_checklist",
            422,
            f"'{doc_type}' is not a document this claim asks for.",
            f"'{doc_type}' bukan dokumen yang diminta untuk klaim ini.",
            doc_type=doc_type,
        )


def store_upload(
    session: Session,
    claim: Claim,
    doc_type: str,
    files: list[ReceivedFile],
    built: BuiltDocument,
    stored: StoredObject,
    now: datetime,
    own_pdfs: list[tuple[str, int]] | None = None,
) -> Document:
    """Records the stored upload of `doc_type`, replacing any earlier one, if the claim
    still takes it. `own_pdfs`: each file's own stored PDF (storage key, pages), in order;
    by default the merged one, which is the only file's own."""
    check_upload_allowed(session, claim, doc_type)
    own = own_pdfs if own_pdfs is not None else [(stored.key, built.pages)] * len(files)
    originals = [
        OriginalFile(
            received.sha256,
            received.size,
            _content_type(received.path),
            filename=received.original_name,
            storage_key=storage_key,
            pages=pages,
        )
        for received, (storage_key, pages) in zip(files, own, strict=True)
    ]
    previous = file_hashes(session, claim)
    document = record_upload(session, claim, doc_type, stored.key, built, originals, now)
    refresh_flags_after_files_change(session, claim, previous)
    return document


def _content_type(path: Path) -> str:
    try:
        kind = sniff_file(path).value
    except Exception:
        return "application/octet-stream"
    return "application/pdf" if kind == "pdf" else f"image/{kind}"


def find_document(session: Session, claim_id: str, doc_type: str) -> Document:
    document = document_of_type(session, claim_id, doc_type)
    if document is None:
        raise NotFound("document")
    return document


def find_document_file(
    session: Session, claim_id: str, doc_type: str, file_id: int
) -> tuple[Document, list[DocumentFile], DocumentFile]:
    """The claim's document of `doc_type`, its files and the one with `file_id` (404 for
    a file of another document or claim, as for one that does not exist)."""
    document = find_document(session, claim_id, doc_type)
    files = files_of_document(session, document)
    for file in files:
        if file.id == file_id:
            return document, files, file
    raise NotFound("file")


def delete_document(session: Session, claim: Claim, doc_type: str, now: datetime) -> None:
    require_editable(claim, "documents")
    previous = file_hashes(session, claim)
    remove_document(session, claim, find_document(session, claim.id, doc_type), now)
    refresh_flags_after_files_change(session, claim, previous)


def bundle_parts(
    session: Session, services: DocumentServices, claim: Claim
) -> list[tuple[str, Path]]:
    parts = []
    for document in documents_of_claim(session, claim.id):
        try:
            title = DocumentType(document.doc_type).label_id
        except ValueError:
            title = document.doc_type
        parts.append((f"{document.doc_type}: {title}", services.storage.path(document.storage_key)))
    return parts


def discard_stale_spool(spool_dir: Path, older_than: datetime) -> int:
    """Deletes spool files (received parts, merge outputs) last written before `older_than`:
    what an upload cut short by a crash left behind. Answers how many went."""
    removed = 0
    if not spool_dir.is_dir():
        return 0
    for path in spool_dir.iterdir():
        if not path.is_file() or not path.name.startswith(SPOOL_PREFIXES):
            continue
        with contextlib.suppress(FileNotFoundError):
            if datetime.fromtimestamp(path.stat().st_mtime, tz=UTC) < older_than:
                path.unlink()
                removed += 1
    return removed


def temporary_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="jht-bundle-"))


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class StoredUpload:
    doc_type: str
    status: DocumentStatus
    pages: int
    size_bytes: int
    sha256: str
    received_bytes: int


async def receive_and_store(
    runtime: Runtime,
    find_claim: Callable[[Session], Claim],
    doc_type: str,
    content_type: str,
    content_length: str | None,
    body: AsyncIterator[bytes],
) -> StoredUpload:
    """The whole upload, for the API and the page alike: refuse before reading when the
    claim or the type is wrong, receive with the limits enforced while streaming, check and
    merge in an isolated worker, store durably, then record it in one unit of work.
    `find_claim` loads the uploader's claim in the session given (its credentials checked):
    once to refuse early, once more in the unit of work that records."""
    services = document_services(runtime)

    def authorise() -> None:
        with runtime.db.read_only() as session:
            check_upload_allowed(session, find_claim(session), doc_type)

    await anyio.to_thread.run_sync(authorise)
    if (
        content_length
        and content_length.isdigit()
        and int(content_length) > services.max_body_bytes
    ):
        raise DocumentRejected("upload_too_large", limit=f"{services.max_body_bytes} bytes")
    if not content_type.startswith("multipart/form-data"):
        raise refusal(
            "multipart_required",
            415,
            "Send the files as multipart/form-data in the field 'files'.",
            "Kirim berkas sebagai multipart/form-data pada isian 'files'.",
        )
    files = await receive_files(content_type, body, "files", services.limits, services.spool_dir)
    work = services.work_file()
    try:
        built = await services.pool.build_document_async(
            [f.path for f in files], work, services.limits
        )
        # By rename, with the SHA-256 the worker computed while writing the file.
        stored = await anyio.to_thread.run_sync(services.storage.adopt, work, built.sha256)
        own_pdfs = await _own_pdfs(services, files, stored, built)

        def record() -> StoredUpload:
            with runtime.db.unit_of_work() as session:
                document = store_upload(
                    session,
                    find_claim(session),
                    doc_type,
                    files,
                    built,
                    stored,
                    runtime.clock.now(),
                    own_pdfs,
                )
                return StoredUpload(
                    doc_type=doc_type,
                    status=document.status,
                    pages=document.pages,
                    size_bytes=document.size_bytes,
                    sha256=document.sha256,
                    received_bytes=sum(f.size for f in files),
                )

        return await anyio.to_thread.run_sync(record)
    finally:
        discard_received(files)
        work.unlink(missing_ok=True)


async def _build_and_store(
    services: DocumentServices, inputs: list[Path]
) -> tuple[StoredObject, BuiltDocument]:
    """`inputs` checked and merged in an isolated worker, then stored by rename."""
    work = services.work_file()
    try:
        built = await services.pool.build_document_async(inputs, work, services.limits)
        stored = await anyio.to_thread.run_sync(services.storage.adopt, work, built.sha256)
        return stored, built
    finally:
        work.unlink(missing_ok=True)


async def _own_pdfs(
    services: DocumentServices,
    files: list[ReceivedFile],
    merged: StoredObject,
    built: BuiltDocument,
) -> list[tuple[str, int]]:
    """Each file's own sanitised PDF (storage key, pages), for the applicant to view it and
    for the merge again without it when they remove another. One file: the merged PDF is
    its own; several: each built alone (they were all accepted by the merge already)."""
    if len(files) == 1:
        return [(merged.key, built.pages)]
    own = []
    for received in files:
        stored, alone = await _build_and_store(services, [received.path])
        own.append((stored.key, alone.pages))
    return own


async def remove_stored_file(
    runtime: Runtime,
    find_claim: Callable[[Session], Claim],
    doc_type: str,
    file_id: int,
) -> None:
    """The applicant removes one file of a document while the claim waits for documents:
    the others are merged again in an isolated worker from their own PDFs (the document
    counts as uploaded anew) or, with none left, the document goes (missing again). The
    merge runs outside any transaction; the unit of work that records it checks that the
    document still holds the same files (409 when an upload or removal came between)."""
    services = document_services(runtime)

    def plan() -> tuple[list[int], list[Path]]:
        with runtime.db.read_only() as session:
            claim = find_claim(session)
            require_editable(claim, "documents")
            _, files, removed = find_document_file(session, claim.id, doc_type, file_id)
            remaining = [file for file in files if file.id != removed.id]
            keys = [file.storage_key for file in remaining]
            if any(key is None for key in keys):
                raise refusal(
                    "file_not_removable",
                    409,
                    "This file was uploaded together with others before files were kept "
                    "one by one: upload the document again instead.",
                    "Berkas ini diunggah bersama berkas lain sebelum berkas disimpan satu per "
                    "satu: unggah ulang dokumennya.",
                    doc_type=doc_type,
                )
            return [file.id for file in files], [services.storage.path(str(k)) for k in keys]

    file_ids, rest = await anyio.to_thread.run_sync(plan)
    merged = None
    if rest:
        stored, built = await _build_and_store(services, rest)
        merged = (stored.key, built)

    def record() -> None:
        with runtime.db.unit_of_work() as session:
            now = runtime.clock.now()
            claim = find_claim(session)
            require_editable(claim, "documents")
            document, files, removed = find_document_file(session, claim.id, doc_type, file_id)
            if [file.id for file in files] != file_ids:
                raise refusal(
                    "document_changed",
                    409,
                    "The document changed while the file was being removed: try again.",
                    "Dokumen berubah saat berkas sedang dihapus: coba lagi.",
                    doc_type=doc_type,
                )
            previous = file_hashes(session, claim)
            remove_document_file(session, claim, document, removed, merged, now)
            refresh_flags_after_files_change(session, claim, previous)

    await anyio.to_thread.run_sync(record)
