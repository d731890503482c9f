"""The stored files of each document on the claim page (issue 18, uploads for poor
connections): the rows that `templates/_document_files.html` shows for one document, read
for the whole claim in one query by `document_files_for_page`, and the form that removes one
file without JavaScript (CSRF, one removal, then post/redirect/get back to the document)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from claims.errors import NotFound, Unauthenticated
from claims.http.csrf import CSRF_FIELD, page_credentials
from claims.models import Claim
from claims.pages.claim_common import (
    Refusal,
    closed_after_post,
    document_url,
    refused_to,
    upload_input_id,
)
from claims.pages.page import Page, error_message, form_text, open_page
from claims.repositories.credentials import find_applicant_claim
from claims.uploads.listing import StoredFileItem, stored_files_of_claim
from claims.uploads.service import remove_stored_file
from documents.errors import DocumentRejected
from workflow.errors import WorkflowError

router = APIRouter(include_in_schema=False)

KB = 1_000
MB = 1_000_000


@dataclass(frozen=True)
class FileRow:
    """One stored file as the page shows it."""

    id: int
    name: str
    size: str
    pages: str | None
    view_url: str | None
    remove_url: str | None


def size_words(page: Page, size_bytes: int) -> str:
    """`850 KB`, `1,4 MB` (a decimal comma in Bahasa Indonesia)."""
    if size_bytes < MB:
        return page.t("bytes_kb", n=max(1, round(size_bytes / KB)))
    megabytes = f"{size_bytes / MB:.1f}"
    if page.language == "id":
        megabytes = megabytes.replace(".", ",")
    return page.t("bytes_mb", n=megabytes)


def file_rows(
    page: Page, claim_id: str, doc_type: str, items: list[StoredFileItem], editable: bool
) -> list[FileRow]:
    base = f"/claims/{claim_id}/documents/{doc_type}/files"
    return [
        FileRow(
            id=item.id,
            name=item.name or page.t("stored_file_unnamed", n=item.position + 1),
            size=size_words(page, item.size_bytes),
            pages=page.t("stored_file_pages", n=item.pages) if item.pages else None,
            # The API's route: the page's cookie opens it like the claim page.
            view_url=f"/api/v1{base}/{item.id}" if item.viewable else None,
            remove_url=f"{base}/{item.id}/hapus" if editable and item.removable else None,
        )
        for item in items
    ]


def document_files_for_page(
    page: Page, session: Session, claim: Claim, editable: bool
) -> dict[str, list[FileRow]]:
    """The stored files of every document of `claim`, by document type, for the claim page
    (one query). `editable`: whether the claim still takes documents (the remove forms)."""
    return {
        doc_type: file_rows(page, claim.id, doc_type, items, editable)
        for doc_type, items in stored_files_of_claim(session, claim.id).items()
    }


@router.post("/claims/{claim_id}/documents/{doc_type}/files/{file_id}/hapus")
async def remove_file_form(
    claim_id: str, doc_type: str, file_id: int, request: Request
) -> Response:
    """Removes one stored file, then back to its document on the claim page (303); a
    refusal shows next to the document's upload field (422), nothing changed."""
    page = open_page(request)
    form = await request.form()
    if (forbidden := page.csrf_refusal(form_text(form, CSRF_FIELD))) is not None:
        return forbidden
    runtime = page.runtime
    token = page_credentials(request)

    def applicant_claim(session: Session) -> Claim:
        return find_applicant_claim(session, token, claim_id, runtime.clock.now())

    try:
        await remove_stored_file(runtime, applicant_claim, doc_type, file_id)
    except Unauthenticated as closed:
        return closed_after_post(page, claim_id, closed)
    except NotFound as missing:
        if missing.data.get("resource") == "claim":
            return closed_after_post(page, claim_id, missing)
        return await refused(page, claim_id, doc_type, missing)
    except (DocumentRejected, WorkflowError) as refusal:
        return await refused(page, claim_id, doc_type, refusal)
    return page.redirect(f"{document_url(claim_id, doc_type)}?done=file_removed")


async def refused(
    page: Page, claim_id: str, doc_type: str, refusal: DocumentRejected | WorkflowError
) -> Response:
    """Back to the document's page (post/redirect/get), the refusal next to its field."""
    message = {upload_input_id(doc_type): error_message(page, refusal)}
    return refused_to(page, document_url(claim_id, doc_type), Refusal(message, None, []), {})
