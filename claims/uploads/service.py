"""Uploads wired to the database. Untrusted bytes are received to spool files with the
limits enforced while streaming, checked and merged in isolated worker processes, stored
durably (fsync + rename) and only then recorded in the database."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import anyio
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from claims.casework.facts import claim_checklist, claim_participant
from claims.casework.service import require_editable
from claims.errors import NotFound, refusal
from claims.models import Claim, Document, DocumentFile
from claims.repositories._rows import flush_claim
from claims.runtime import Runtime
from documents.intake import ReceivedFile
from documents.isolation import IsolatedWorkerPool
from documents.limits import UploadLimits
from documents.merge import BuiltDocument
from documents.sniff import sniff_file
from documents.storage import LocalContentAddressedStorage, StoredObject

# Multipart framing around 10 files of 10 MB: boundaries and part headers.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
# Names of the files an upload keeps in the spool folder while it runs (documents.intake's
# received parts, the merge output of work_file()).
SPOOL_PREFIXES = ("upload-", "work-")


@dataclass
class DocumentServices:
    """One per process: the store, the worker pool (started by warm() when the server starts,
    else on first use) and the limits."""

    storage: LocalContentAddressedStorage
    spool_dir: Path
    limits: UploadLimits = field(default_factory=UploadLimits)
    pool_workers: int = 2
    _pool: IsolatedWorkerPool | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def pool(self) -> IsolatedWorkerPool:
        with self._lock:
            if self._pool is None:
                self._pool = IsolatedWorkerPool(workers=self.pool_workers)
            return self._pool

    @property
    def max_body_bytes(self) -> int:
        return self.limits.max_files * self.limits.max_file_bytes + MULTIPART_OVERHEAD_BYTES

    def work_file(self, suffix: str = ".pdf") -> Path:
        return self.spool_dir / f"work-{uuid.uuid4().hex}{suffix}"

    def warm(self) -> None:
        """Starts the worker pool and waits until its workers are ready: run at server start
        (in a background thread), so that the first upload does not wait for them."""
        self.pool.wait_ready()

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


_SERVICES_LOCK = threading.Lock()


def document_services(runtime: Runtime) -> DocumentServices:
    with _SERVICES_LOCK:
        services: DocumentServices | None = getattr(runtime, "documents", None)
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


def record_upload(
    session: Session,
    claim: Claim,
    doc_type: str,
    files: list[ReceivedFile],
    built: BuiltDocument,
    stored: StoredObject,
    now: datetime,
) -> Document:
    """Replaces any earlier upload of this type; the old stored file is left for the
    garbage collection, which removes whatever no row references."""
    check_upload_allowed(session, claim, doc_type)
    document = session.scalar(
        select(Document).where(Document.claim_id == claim.id, Document.doc_type == doc_type)
    )
    if document is None:
        document = Document(claim_id=claim.id, doc_type=doc_type)
        session.add(document)
    else:
        session.execute(delete(DocumentFile).where(DocumentFile.document_id == document.id))
    document.status = "uploaded"
    document.storage_key = stored.key
    document.sha256 = built.sha256
    document.size_bytes = built.size_bytes
    document.pages = built.pages
    document.reason_code = None
    document.note = None
    document.reviewed_by = None
    document.reviewed_at = None
    document.uploaded_at = now
    session.flush()
    for position, received in enumerate(files):
        session.add(
            DocumentFile(
                document_id=document.id,
                claim_id=claim.id,
                position=position,
                sha256=received.sha256,
                size_bytes=received.size,
                content_type=_content_type(received.path),
            )
        )
    claim.last_activity_at = now
    claim.updated_at = now
    flush_claim(session)
    return document


def _content_type(path: Path) -> str:
    try:
        return (
            "application/pdf"
            if sniff_file(path).value == "pdf"
            else f"image/{sniff_file(path).value}"
        )
    except Exception:
        return "application/octet-stream"


def find_document(session: Session, claim_id: str, doc_type: str) -> Document:
    document = session.scalar(
        select(Document).where(Document.claim_id == claim_id, Document.doc_type == doc_type)
    )
    if document is None:
        raise NotFound("document")
    return document


def delete_document(session: Session, claim: Claim, doc_type: str, now: datetime) -> None:
    require_editable(claim, "documents")
    document = find_document(session, claim.id, doc_type)
    session.delete(document)
    claim.last_activity_at = now
    claim.updated_at = now
    flush_claim(session)


def referenced_keys(session: Session) -> set[str]:
    return set(session.scalars(select(Document.storage_key)))


def bundle_parts(
    session: Session, services: DocumentServices, claim: Claim
) -> list[tuple[str, Path]]:
    from workflow.rules import DocumentType

    parts = []
    for document in session.scalars(
        select(Document).where(Document.claim_id == claim.id).order_by(Document.id)
    ):
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
    status: str
    pages: int
    size_bytes: int
    sha256: str
    received_bytes: int


async def receive_and_store(
    runtime: Runtime,
    token: str | None,
    claim_id: str,
    doc_type: str,
    content_type: str,
    content_length: str | None,
    body: AsyncIterator[bytes],
) -> StoredUpload:
    """The whole upload, for the API and the page alike: refuse before reading when the
    claim or the type is wrong, receive with the limits enforced while streaming, check and
    merge in an isolated worker, store durably, then record it in one unit of work."""
    from claims.repositories.credentials import find_applicant_claim
    from documents.errors import DocumentRejected
    from documents.intake import discard_received, receive_files

    services = document_services(runtime)

    def authorise() -> None:
        with runtime.db.read_only() as session:
            check_upload_allowed(session, find_applicant_claim(session, token, claim_id), doc_type)

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

        def record() -> StoredUpload:
            with runtime.db.unit_of_work() as session:
                claim = find_applicant_claim(session, token, claim_id)
                document = record_upload(
                    session, claim, doc_type, files, built, stored, runtime.clock.now()
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
