"""The task pages of the claim: one document (`/claims/{id}/dokumen/{doc_type}`, its upload
form), the bank account (`/rekening`) and the NPWP (`/npwp`). Each form post answers 303:
back to the task list (or the document's page) with a notice, or back to its form with the
messages at the top and next to the field (claims.pages.claim_common)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from claims.casework import applicant
from claims.casework.schemas import ApplicantClaimView
from claims.errors import NotFound, Unauthenticated
from claims.http.csrf import CSRF_FIELD, page_credentials
from claims.http.uploads import receive_request_upload
from claims.models import Claim
from claims.pages import i18n
from claims.pages.claim_common import (
    Refusal,
    claim_post,
    claim_url,
    closed_after_post,
    document_status,
    document_url,
    refused_to,
    show_claim_page,
    summary_rows,
    task_status_words,
    typed_values,
    upload_input_id,
)
from claims.pages.document_files import document_files_for_page
from claims.pages.page import Page, error_message, form_text, open_page
from documents.errors import DocumentRejected
from workflow.errors import WorkflowError
from workflow.identifiers import BANK_NAMES

router = APIRouter(include_in_schema=False)


# --- one document --------------------------------------------------------------------------


def document_context(
    page: Page, session: Session, claim: Claim, view: ApplicantClaimView, doc_type: str
) -> dict[str, Any]:
    item = next((entry for entry in view.checklist if entry.doc_type == doc_type), None)
    if item is None:
        raise NotFound("document")
    errors = page.posted.errors if page.posted else {}
    input_id = upload_input_id(doc_type)
    language = page.language
    editable = "upload_documents" in view.allowed_actions
    return {
        "title": item.label,
        "item": item,
        "input_id": input_id,
        "error": errors.get(input_id),
        "task_status": task_status_words(page, document_status(item)),
        "status_label": i18n.pick(i18n.DOCUMENT_STATUS_LABELS[item.status], language),
        "editable": editable,
        "summary": summary_rows(errors, {input_id: page.t("files_for", label=item.label)}),
        "notice": document_notice(page, item.label),
        "upload_done_template": page.t("upload_done", n="{n}"),
        "uploaded_label": i18n.pick(i18n.DOCUMENT_STATUS_LABELS["uploaded"], language),
        # The stored files by document type (the partial _document_files.html): by name,
        # with view and, while the claim takes documents, remove.
        "document_files": document_files_for_page(page, session, claim, editable),
    }


def document_notice(page: Page, label: str) -> str | None:
    """The one-time notice after a post to the document's page (`?done=`)."""
    done = page.request.query_params.get("done")
    if done == "saved":
        return page.t("doc_saved", label=label)
    if done == "file_removed":
        return page.t("stored_file_removed")
    return None


@router.get("/claims/{claim_id}/dokumen/{doc_type}", response_class=HTMLResponse)
def document_page(claim_id: str, doc_type: str, request: Request) -> Response:
    page = open_page(request)

    def build(session: Session, claim: Claim, view: ApplicantClaimView) -> dict[str, Any]:
        return document_context(page, session, claim, view, doc_type)

    return show_claim_page(page, claim_id, "claim_task_document.html", build)


@router.post("/claims/{claim_id}/documents/{doc_type}", response_class=HTMLResponse)
async def upload_form(claim_id: str, doc_type: str, request: Request) -> Response:
    """The upload without JavaScript: a plain multipart post through the API's pipeline.
    The multipart body is streamed to disk field by field, so the CSRF token rides in the
    query string of the form's action (same-origin only: Referrer-Policy keeps it here).
    Either way the answer is a 303 to the document's page, whose address holds no token."""
    page = open_page(request)
    if (forbidden := page.csrf_refusal(request.query_params.get(CSRF_FIELD))) is not None:
        return forbidden
    token = page_credentials(request)
    back = document_url(claim_id, doc_type)
    try:
        await receive_request_upload(request, page.runtime, token, claim_id, doc_type)
    except (Unauthenticated, NotFound) as closed:
        return closed_after_post(page, claim_id, closed)
    except (DocumentRejected, WorkflowError) as refused:
        message = error_message(page, refused)
        index = getattr(refused, "file_index", None)
        if isinstance(index, int):
            prefix = page.t("upload_file_prefix", n=index + 1)
            message = prefix + message
        refusal = Refusal({upload_input_id(doc_type): message}, None, [])
        return refused_to(page, back, refusal, {})
    return page.redirect(f"{back}?done=saved")


# --- bank account --------------------------------------------------------------------------

BANK_FIELDS = ("bank_code", "account_number", "account_holder")


def bank_context(page: Page, view: ApplicantClaimView) -> dict[str, Any]:
    errors = page.posted.errors if page.posted else {}
    labels = {name: page.t(name) for name in BANK_FIELDS}
    account = view.bank_account
    values = dict(page.posted.values) if page.posted else {}
    if not values and account is not None:
        # The saved account's bank and holder are filled in; its number stays masked.
        values = {"bank_code": account.bank_code, "account_holder": account.account_holder}
    return {
        "title": page.t("bank_account"),
        "banks": sorted(BANK_NAMES.items(), key=lambda pair: pair[1]),
        "bank_name": BANK_NAMES.get(account.bank_code, "") if account else "",
        "editable": "upload_documents" in view.allowed_actions
        or "update_bank_account" in view.allowed_actions,
        "summary": summary_rows(errors, labels),
        "values": values,
    }


@router.get("/claims/{claim_id}/rekening", response_class=HTMLResponse)
def bank_page(claim_id: str, request: Request) -> Response:
    page = open_page(request)

    def build(session: Session, claim: Claim, view: ApplicantClaimView) -> dict[str, Any]:
        return bank_context(page, view)

    return show_claim_page(page, claim_id, "claim_task_bank.html", build)


def refused_back(task: str) -> Any:
    """A refusal's answer: back to the task's page with the messages and values typed."""

    def answer(page: Page, form: FormData, refusal: Refusal) -> Response:
        claim_id = page.request.path_params["claim_id"]
        return refused_to(page, claim_url(claim_id, task), refusal, typed_values(form))

    return answer


@router.post("/claims/{claim_id}/bank-account", response_class=HTMLResponse)
async def bank_account_form(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        return applicant.set_bank_account(
            session,
            claim,
            form_text(form, "bank_code"),
            form_text(form, "account_number"),
            form_text(form, "account_holder"),
            now,
        )

    return await claim_post(
        request,
        claim_id,
        change,
        success=f"{claim_url(claim_id)}?done=bank#task-bank",
        refused_answer=refused_back("rekening"),
    )


# --- NPWP ----------------------------------------------------------------------------------


@router.get("/claims/{claim_id}/npwp", response_class=HTMLResponse)
def npwp_page(claim_id: str, request: Request) -> Response:
    page = open_page(request)

    def build(session: Session, claim: Claim, view: ApplicantClaimView) -> dict[str, Any]:
        errors = page.posted.errors if page.posted else {}
        return {
            "title": page.t("npwp"),
            "editable": "upload_documents" in view.allowed_actions,
            "summary": summary_rows(errors, {"npwp": page.t("npwp_label")}),
        }

    return show_claim_page(page, claim_id, "claim_task_npwp.html", build)


@router.post("/claims/{claim_id}/npwp", response_class=HTMLResponse)
async def npwp_form(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        return applicant.set_npwp(session, claim, form_text(form, "npwp"), now)

    return await claim_post(
        request,
        claim_id,
        change,
        success=f"{claim_url(claim_id)}?done=npwp#task-npwp",
        refused_answer=refused_back("npwp"),
        whole="npwp",
    )
