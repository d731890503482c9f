"""Sending the claim and cancelling it: "check your answers" (`/claims/{id}/periksa`, every
answer with a link to change it, and a declaration to tick), the confirmation after sending
(`/terkirim`: the reference in large type and what happens next) and the cancel question
(`/batalkan`: it cannot be undone, "Ya, batalkan" or go back). Every post answers 303."""

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
from claims.clock import wib_date
from claims.errors import FieldProblem
from claims.http.csrf import CSRF_FIELD
from claims.models import Claim
from claims.pages import i18n
from claims.pages.claim_common import (
    Refusal,
    claim_post,
    claim_url,
    missing_label,
    refused_to,
    show_claim_page,
    task_list,
    task_status_words,
)
from claims.pages.page import Page, form_text, open_page
from claims.repositories.claims import claim_rules
from claims.uploads.listing import StoredFileItem, stored_files_of_claim
from workflow.identifiers import BANK_NAMES

router = APIRouter(include_in_schema=False)

# The declaration's checkbox: its value when ticked.
DECLARED = "yes"
# The cancel form's confirmation: only the question page's form carries it.
CONFIRMED = "ya"
# A missing item of a refused submission -> the task it belongs to.
MISSING_TASKS = {"bank_account": "bank", "npwp_number": "npwp"}


def missing_task_key(item: str) -> str:
    return MISSING_TASKS.get(item, f"doc-{item}")


# --- check answers -------------------------------------------------------------------------


def check_context(
    page: Page, view: ApplicantClaimView, stored: dict[str, list[StoredFileItem]]
) -> dict[str, Any]:
    """The check-answers page: every answer with its "Ubah" link, the documents by the names
    of their stored files (`stored`, by document type), the declaration."""
    tasks = task_list(view, page)
    errors = page.posted.errors if page.posted else {}
    missing = [str(m) for m in page.posted.extra.get("missing", [])] if page.posted else []
    summary = [
        (
            f"check-{missing_task_key(item)}",
            missing_label(item, view, page.language),
            page.t("check_not_given") if item in MISSING_TASKS else page.t("check_not_uploaded"),
        )
        for item in missing
    ]
    if "declaration" in errors:
        summary.append(("declaration", page.t("declaration_legend"), errors["declaration"]))
    account = view.bank_account
    return {
        "title": page.t("check_title"),
        "tasks": tasks,
        "reason_label": i18n.reason_label(view.reason, page.language),
        "bank_name": BANK_NAMES.get(account.bank_code, "") if account else "",
        "npwp_task": next((t for t in tasks.details if t.key == "npwp"), None),
        "document_rows": [
            {
                "task": task,
                "item": item,
                "status": task_status_words(page, task.status),
                # Files kept before names were (issue 18) show as their page counts.
                "file_names": [
                    file.name for file in stored.get(item.doc_type, []) if file.name is not None
                ],
            }
            for task, item in zip(tasks.documents, view.checklist, strict=True)
        ],
        "unfinished": tasks.unfinished,
        "summary": summary,
        "missing_words": page.t("check_missing_form") if missing else None,
    }


@router.get("/claims/{claim_id}/periksa", response_class=HTMLResponse)
def check_page(claim_id: str, request: Request) -> Response:
    page = open_page(request)

    def build(session: Session, claim: Claim, view: ApplicantClaimView) -> Any:
        if "submit" not in view.allowed_actions:
            # Sent already (or no longer open): the claim page says where it is.
            return page.redirect(claim_url(claim_id))
        return check_context(page, view, stored_files_of_claim(session, claim.id))

    return show_claim_page(page, claim_id, "claim_check.html", build)


def declared(form: FormData) -> None:
    """The declaration must be ticked: refused next to it otherwise (nothing changes)."""
    if form_text(form, "declaration") != DECLARED:
        raise FieldProblem(
            [
                {
                    "field": "declaration",
                    "message_id": i18n.translate("declaration_required", "id"),
                    "message_en": i18n.translate("declaration_required", "en"),
                }
            ]
        )


@router.post("/claims/{claim_id}/submit", response_class=HTMLResponse)
async def submit_form(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        declared(form)
        return applicant.submit(session, claim, now, declared_at=now)

    def refused(page: Page, form: FormData, refusal: Refusal) -> Response:
        back = claim_url(claim_id, "periksa")
        return refused_to(page, back, refusal, {}, missing=refusal.missing)

    return await claim_post(
        request,
        claim_id,
        change,
        success=claim_url(claim_id, "terkirim"),
        refused_answer=refused,
    )


# --- confirmation --------------------------------------------------------------------------


@router.get("/claims/{claim_id}/terkirim", response_class=HTMLResponse)
def sent_page(claim_id: str, request: Request) -> Response:
    page = open_page(request)

    def build(session: Session, claim: Claim, view: ApplicantClaimView) -> Any:
        if claim.submitted_at is None:
            return page.redirect(claim_url(claim_id))
        days = claim_rules(claim).sla_working_days
        due = i18n.page_date(wib_date(view.sla_due_at)) if view.sla_due_at else "-"
        return {
            "title": page.t("sent_title"),
            "review": page.t("sent_next_review", n=days, date=due),
            "payment": page.t("sent_next_payment", n=days),
        }

    return show_claim_page(page, claim_id, "claim_sent.html", build)


# --- cancel --------------------------------------------------------------------------------


@router.get("/claims/{claim_id}/batalkan", response_class=HTMLResponse)
def cancel_page(claim_id: str, request: Request) -> Response:
    page = open_page(request)

    def build(session: Session, claim: Claim, view: ApplicantClaimView) -> Any:
        if "cancel" not in view.allowed_actions:
            return page.redirect(claim_url(claim_id))
        return {"title": page.t("cancel_question")}

    return show_claim_page(page, claim_id, "claim_cancel.html", build)


@router.post("/claims/{claim_id}/cancel", response_class=HTMLResponse)
async def cancel_form(claim_id: str, request: Request) -> Response:
    """Cancels only from the question's form (it carries the confirmation); any other post
    here is led to the question first, nothing done."""
    page = open_page(request)
    form = await request.form()
    if (forbidden := page.csrf_refusal(form_text(form, CSRF_FIELD))) is not None:
        return forbidden
    if form_text(form, "confirm") != CONFIRMED:
        return page.redirect(claim_url(claim_id, "batalkan"))

    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        return applicant.cancel(session, claim, applicant.APPLICANT, now)

    def refused(page: Page, form: FormData, refusal: Refusal) -> Response:
        return refused_to(page, claim_url(claim_id), refusal, {})

    return await claim_post(
        request,
        claim_id,
        change,
        success=f"{claim_url(claim_id)}?done=cancelled",
        refused_answer=refused,
    )
