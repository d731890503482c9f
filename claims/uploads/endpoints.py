"""Document endpoints: the applicant's upload, download and removal per document type, and
the officers' downloads and review bundle. Downloads are attachments with nosniff."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from claims.casework.facts import get_claim
from claims.errors import NotFound, refusal
from claims.http import problems
from claims.http.auth import (
    ApplicantToken,
    CurrentOfficer,
    RuntimeDep,
    ensure_officer_can_see,
)
from claims.http.uploads import receive_request_upload
from claims.models import Claim
from claims.repositories.credentials import find_applicant_claim
from claims.repositories.documents import files_of_document
from claims.uploads.listing import stored_file_items
from claims.uploads.service import (
    bundle_parts,
    delete_document,
    document_services,
    find_document,
    find_document_file,
    remove_folder,
    remove_stored_file,
    temporary_folder,
)
from documents.intake import display_name

applicant_documents = APIRouter(prefix="/api/v1/claims", tags=["applicant"])
officer_documents = APIRouter(prefix="/api/v1/officer", tags=["officer"])
PROBLEM = {"model": None, "description": "RFC 9457 problem+json"}
DOWNLOAD_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}


class UploadedDocument(BaseModel):
    doc_type: str
    status: str
    pages: int
    size_bytes: int
    sha256: str


def _attachment(
    path: Path, filename: str, background: BackgroundTask | None = None
) -> FileResponse:
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=filename,
        content_disposition_type="attachment",
        headers=DOWNLOAD_HEADERS,
        background=background,
    )


@applicant_documents.put(
    "/{claim_id}/documents/{doc_type}",
    response_model=UploadedDocument,
    responses={status: PROBLEM for status in (401, 403, 404, 409, 413, 415, 422)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["files"],
                        "properties": {
                            "files": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                                "maxItems": 10,
                            }
                        },
                    }
                }
            },
        }
    },
)
async def upload_document(
    claim_id: str, doc_type: str, request: Request, token: ApplicantToken, runtime: RuntimeDep
) -> UploadedDocument:
    """Upload 1-10 files (PDF, JPEG, PNG; field `files`) merged in order into one PDF; replaces
    any earlier upload of this type. The claim is unchanged when the upload is refused."""
    stored = await receive_request_upload(request, runtime, token, claim_id, doc_type)
    return UploadedDocument(
        doc_type=stored.doc_type,
        status=stored.status,
        pages=stored.pages,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
    )


@applicant_documents.get(
    "/{claim_id}/documents/{doc_type}",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}}, 401: PROBLEM, 404: PROBLEM},
)
def download_own_document(
    claim_id: str, doc_type: str, token: ApplicantToken, runtime: RuntimeDep
) -> FileResponse:
    """The merged PDF of one document type, as an attachment."""
    with runtime.db.read_only() as session:
        claim = find_applicant_claim(session, token, claim_id, runtime.clock.now())
        document = find_document(session, claim.id, doc_type)
    services = document_services(runtime)
    return _attachment(
        services.storage.path(document.storage_key), f"{claim.reference}-{doc_type}.pdf"
    )


@applicant_documents.delete(
    "/{claim_id}/documents/{doc_type}",
    status_code=204,
    responses={401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM},
)
def remove_document(
    claim_id: str, doc_type: str, token: ApplicantToken, runtime: RuntimeDep
) -> Response:
    """Remove an uploaded document while the claim waits for documents."""
    with runtime.db.unit_of_work() as session:
        now = runtime.clock.now()
        claim = find_applicant_claim(session, token, claim_id, now)
        delete_document(session, claim, doc_type, now)
    return Response(status_code=204)


class StoredFile(BaseModel):
    """One original file of a document: its name (None when uploaded before names were
    kept), size as received, own page count, and whether it can be viewed and removed."""

    id: int
    position: int
    name: str | None
    size_bytes: int
    pages: int | None
    content_type: str
    viewable: bool
    removable: bool


class DocumentFiles(BaseModel):
    doc_type: str
    status: str
    pages: int
    files: list[StoredFile]


@applicant_documents.get(
    "/{claim_id}/documents/{doc_type}/files",
    response_model=DocumentFiles,
    responses={401: PROBLEM, 403: PROBLEM, 404: PROBLEM},
)
def list_document_files(
    claim_id: str, doc_type: str, token: ApplicantToken, runtime: RuntimeDep
) -> DocumentFiles:
    """The files stored for one document, in the order they were merged."""
    with runtime.db.read_only() as session:
        claim = find_applicant_claim(session, token, claim_id, runtime.clock.now())
        document = find_document(session, claim.id, doc_type)
        items = stored_file_items(files_of_document(session, document))
        return DocumentFiles(
            doc_type=document.doc_type,
            status=document.status,
            pages=document.pages,
            files=[StoredFile(**asdict(item)) for item in items],
        )


@applicant_documents.get(
    "/{claim_id}/documents/{doc_type}/files/{file_id}",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/pdf": {}}},
        401: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
    },
)
def view_document_file(
    claim_id: str, doc_type: str, file_id: int, token: ApplicantToken, runtime: RuntimeDep
) -> FileResponse:
    """One stored file as its own PDF (sanitised like the merged document, never the bytes
    as sent), as an attachment named after the original file."""
    with runtime.db.read_only() as session:
        claim = find_applicant_claim(session, token, claim_id, runtime.clock.now())
        _, _, file = find_document_file(session, claim.id, doc_type, file_id)
        if file.storage_key is None:
            raise NotFound("file")
    stem = display_name(file.filename or f"{claim.reference}-{doc_type}-{file.position + 1}")
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return _attachment(document_services(runtime).storage.path(file.storage_key), f"{stem}.pdf")


@applicant_documents.delete(
    "/{claim_id}/documents/{doc_type}/files/{file_id}",
    status_code=204,
    responses={status: PROBLEM for status in (401, 403, 404, 409, 422)},
)
async def remove_document_file(
    claim_id: str, doc_type: str, file_id: int, token: ApplicantToken, runtime: RuntimeDep
) -> Response:
    """Remove one file of a document while the claim waits for documents: the others are
    merged again into the document (uploaded anew), or, when it was the last, the document
    is missing again. 409 when the claim no longer takes documents or the document changed
    meanwhile; nothing changes on a refusal."""

    def applicant_claim(session: Session) -> Claim:
        return find_applicant_claim(session, token, claim_id, runtime.clock.now())

    await remove_stored_file(runtime, applicant_claim, doc_type, file_id)
    return Response(status_code=204)


# 422: an officer whose roles combine supervisor with an acting role (claims.http.auth).
OFFICER_DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}},
    401: PROBLEM,
    404: PROBLEM,
    422: problems.PROBLEM,
}


def _officer_claim(runtime: RuntimeDep, officer: CurrentOfficer, claim_id: str) -> Claim:
    with runtime.db.read_only() as session:
        claim = get_claim(session, claim_id)
        ensure_officer_can_see(officer, claim.branch_code)
        return claim


@officer_documents.get(
    "/claims/{claim_id}/documents/{doc_type}",
    response_class=FileResponse,
    responses=OFFICER_DOWNLOAD_RESPONSES,
)
def officer_document(
    claim_id: str, doc_type: str, officer: CurrentOfficer, runtime: RuntimeDep
) -> FileResponse:
    """One document's merged PDF."""
    claim = _officer_claim(runtime, officer, claim_id)
    with runtime.db.read_only() as session:
        document = find_document(session, claim.id, doc_type)
    return _attachment(
        document_services(runtime).storage.path(document.storage_key),
        f"{claim.reference}-{doc_type}.pdf",
    )


@officer_documents.get(
    "/claims/{claim_id}/bundle",
    response_class=FileResponse,
    responses=OFFICER_DOWNLOAD_RESPONSES,
)
async def officer_bundle(
    claim_id: str, officer: CurrentOfficer, runtime: RuntimeDep
) -> FileResponse:
    """All documents of the claim in one PDF, a bookmark per document type."""
    services = document_services(runtime)

    def parts() -> tuple[Claim, list[tuple[str, Path]]]:
        claim = _officer_claim(runtime, officer, claim_id)
        with runtime.db.read_only() as session:
            return claim, bundle_parts(session, services, claim)

    claim, pieces = await anyio.to_thread.run_sync(parts)
    if not pieces:
        raise refusal(
            "no_documents",
            404,
            "This claim has no documents yet.",
            "Klaim ini belum memiliki dokumen.",
        )
    folder = temporary_folder()
    output = folder / "bundle.pdf"
    try:
        await services.pool.build_bundle_async(pieces, output)
    except BaseException:
        remove_folder(folder)
        raise
    return _attachment(
        output, f"{claim.reference}-bundle.pdf", BackgroundTask(remove_folder, folder)
    )
