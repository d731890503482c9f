"""The applicant's claim page, `/claims/{id}`, and its forms: bank account, NPWP, the
documents (without JavaScript), the interview, submission and cancellation. Each form post
is one unit of work calling the API's services; a refusal shows next to its field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from claims.booking.book import listed_free_slots, rebook
from claims.casework import applicant, views
from claims.casework.schemas import ApplicantClaimView
from claims.catalogues import N_
from claims.errors import FieldProblem, NotFound, Unauthenticated
from claims.http.csrf import CSRF_FIELD, page_credentials, participant_cookie_token
from claims.http.uploads import receive_request_upload
from claims.models import Claim
from claims.pages import i18n
from claims.pages.i18n import Language
from claims.pages.page import (
    Errors,
    Page,
    error_message,
    field_errors,
    form_text,
    open_page,
)
from claims.participants.access import signed_in
from claims.repositories.credentials import find_applicant_claim
from claims.repositories.registry import branch_of
from documents.errors import DocumentRejected
from workflow.errors import WorkflowError
from workflow.identifiers import BANK_NAMES, InvalidIdentifier

router = APIRouter(include_in_schema=False)

NOTICES = {
    "created": N_("done_created"),
    "saved": N_("saved"),
    "submitted": N_("done_submitted"),
    "rebooked": N_("done_rebooked"),
    "cancelled": N_("done_cancelled"),
    "file_removed": N_("stored_file_removed"),
}


@dataclass
class ClaimProblems:
    """What went wrong with the last form post, by section and field."""

    errors: Errors = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def closed_claim_page(page: Page, error: WorkflowError) -> Response:
    status = 401 if isinstance(error, Unauthenticated) else 404
    return page.render(
        "message.html",
        {"title": page.t("error_title"), "message": page.t("claim_not_open"), "track_link": True},
        status=status,
    )


def missing_label(item: str, view: ApplicantClaimView, language: Language) -> str:
    if item in i18n.MISSING_DATA_LABELS:
        return i18n.pick(i18n.MISSING_DATA_LABELS[item], language)
    for entry in view.checklist:
        if entry.doc_type == item:
            return entry.label
    return views.document_label(item, language)


def claim_context(
    page: Page, session: Session, claim: Claim, problems: ClaimProblems
) -> dict[str, Any]:
    language = page.language
    now = page.runtime.clock.now()
    view = views.applicant_view(session, claim, now, language)
    branch = branch_of(session, claim.branch_code)
    timezone = branch.timezone if branch else "Asia/Jakarta"
    can_rebook = "reschedule" in view.allowed_actions
    slots = []
    if can_rebook:
        for slot in listed_free_slots(session, claim, now):
            slots.append(
                (
                    slot.starts_at.isoformat(),
                    i18n.local_span(slot.starts_at, slot.ends_at, timezone, language),
                )
            )
    interview = None
    if view.interview is not None:
        interview = {
            "when": i18n.local_span(
                view.interview.starts_at,
                view.interview.ends_at,
                view.interview.timezone,
                language,
            ),
            "video_url": view.interview.video_url,
        }
    notice_key = NOTICES.get(page.request.query_params.get("done", ""))
    editable = "upload_documents" in view.allowed_actions
    return {
        "title": page.t("claim_title", reference=view.reference),
        "claim": view,
        "status_label": i18n.status_label(view.status, language),
        "reason_label": i18n.reason_label(view.reason, language),
        "branch": branch,
        "editable": editable,
        "documents": [
            {
                "item": item,
                "status_label": i18n.pick(i18n.DOCUMENT_STATUS_LABELS[item.status], language),
                "error": problems.errors.get(f"doc:{item.doc_type}"),
            }
            for item in view.checklist
        ],
        "banks": sorted(BANK_NAMES.items(), key=lambda pair: pair[1]),
        "bank_name": BANK_NAMES.get(view.bank_account.bank_code, "") if view.bank_account else "",
        "interview": interview,
        "can_rebook": can_rebook,
        "slots": slots,
        "can_submit": "submit" in view.allowed_actions,
        "can_cancel": "cancel" in view.allowed_actions,
        "missing": [missing_label(item, view, language) for item in problems.missing],
        "history": [
            {
                "at": i18n.wib_time(item.at),
                "status": i18n.status_label(item.status, language),
                "reason": views.reason_words(item.reason_code, language),
                "note": item.note,
            }
            for item in view.history
        ],
        "errors": problems.errors,
        "values": problems.values,
        "notice": page.t(notice_key) if notice_key else None,
        # Where the notice belongs: next to the form that was sent, where the page scrolls to.
        "notice_in": page.request.query_params.get("in", ""),
        "upload_done_template": page.t("upload_done", n="{n}"),
        "status_labels": {
            key: i18n.pick(words, language) for key, words in i18n.DOCUMENT_STATUS_LABELS.items()
        },
    }


def show_claim(
    page: Page, claim_id: str, problems: ClaimProblems | None = None, status: int = 200
) -> Response:
    runtime = page.runtime
    try:
        with runtime.db.read_only() as session:
            claim = find_applicant_claim(
                session, page_credentials(page.request), claim_id, runtime.clock.now()
            )
            context = claim_context(page, session, claim, problems or ClaimProblems())
    except Unauthenticated:
        # No cookie (cleared, or another device): the way back in is signing in, which
        # opens every claim of the person's KPJs and comes back here.
        return page.redirect("/masuk?" + urlencode({"next": f"/claims/{claim_id}"}))
    except NotFound as closed:
        return closed_claim_page(page, closed)
    response = page.render("claim.html", context, status=status)
    # The page shows the claimant's name and masked numbers: keep it out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(claim_id: str, request: Request) -> Response:
    page = open_page(request)
    # Working on a claim keeps the participant's session alive (its idle clock moves).
    signed_in(page.runtime, participant_cookie_token(request))
    return show_claim(page, claim_id)


Change = Callable[[Session, Claim, datetime, FormData], object]


async def claim_form(
    request: Request,
    claim_id: str,
    section: str,
    change: Change,
    done: str = "saved",
) -> Response:
    """One form post on the claim page: CSRF, then the change in one unit of work; a refusal
    re-renders the page with the messages next to the fields (422), success redirects (303)."""
    page = open_page(request)
    form = await request.form()
    if (forbidden := page.csrf_refusal(form_text(form, CSRF_FIELD))) is not None:
        return forbidden

    def run() -> Response:
        runtime = page.runtime
        values = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
        problems = ClaimProblems(values=values)
        try:
            with runtime.db.unit_of_work() as session:
                now = runtime.clock.now()
                claim = find_applicant_claim(session, page_credentials(request), claim_id, now)
                change(session, claim, now, form)
        except (Unauthenticated, NotFound) as closed:
            return closed_claim_page(page, closed)
        except InvalidIdentifier as invalid:
            problems.errors[invalid.field] = error_message(page, invalid)
            return show_claim(page, claim_id, problems, 422)
        except WorkflowError as refused:
            if isinstance(refused, FieldProblem) and refused.data.get("errors"):
                problems.errors.update(field_errors(page, refused))
                if refused.code != "validation_failed":
                    # A refusal with its own words (bank_account_not_own) says it best.
                    first = next(iter(problems.errors))
                    problems.errors[first] = error_message(page, refused)
            else:
                problems.errors[section] = error_message(page, refused)
            problems.missing = [str(m) for m in refused.data.get("missing", [])]
            return show_claim(page, claim_id, problems, 422)
        # Submit and cancel remove their own section: their notice goes to the top.
        where = "" if section in ("submit", "cancel") else f"&in={section}#{section}"
        return page.redirect(f"/claims/{claim_id}?done={done}{where}")

    return await anyio.to_thread.run_sync(run)


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

    return await claim_form(request, claim_id, "bank", change)


@router.post("/claims/{claim_id}/npwp", response_class=HTMLResponse)
async def npwp_form(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        return applicant.set_npwp(session, claim, form_text(form, "npwp"), now)

    return await claim_form(request, claim_id, "tax-number", change)


@router.post("/claims/{claim_id}/submit", response_class=HTMLResponse)
async def submit_form(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        return applicant.submit(session, claim, now)

    return await claim_form(request, claim_id, "submit", change, done="submitted")


@router.post("/claims/{claim_id}/interview", response_class=HTMLResponse)
async def rebook_form(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        try:
            starts_at = datetime.fromisoformat(form_text(form, "starts_at"))
        except ValueError:
            raise FieldProblem(
                [
                    {
                        "field": "starts_at",
                        "message_id": "Pilih salah satu jadwal dari daftar.",
                        "message_en": "Choose one of the listed times.",
                    }
                ]
            ) from None
        return rebook(session, claim, starts_at, now)

    return await claim_form(request, claim_id, "interview", change, done="rebooked")


@router.post("/claims/{claim_id}/cancel", response_class=HTMLResponse)
async def cancel_form(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        return applicant.cancel(session, claim, applicant.APPLICANT, now)

    return await claim_form(request, claim_id, "cancel", change, done="cancelled")


@router.post("/claims/{claim_id}/documents/{doc_type}", response_class=HTMLResponse)
async def upload_form(claim_id: str, doc_type: str, request: Request) -> Response:
    """The upload without JavaScript: a plain multipart post through the API's pipeline.
    The multipart body is streamed to disk field by field, so the CSRF token rides in the
    query string of the form's action (same-origin only: Referrer-Policy keeps it here)."""
    page = open_page(request)
    if (forbidden := page.csrf_refusal(request.query_params.get(CSRF_FIELD))) is not None:
        return forbidden
    runtime = page.runtime
    token = page_credentials(request)
    problems = ClaimProblems()
    try:
        await receive_request_upload(request, runtime, token, claim_id, doc_type)
    except (Unauthenticated, NotFound) as closed:
        return closed_claim_page(page, closed)
    except (DocumentRejected, WorkflowError) as refused:
        message = error_message(page, refused)
        index = getattr(refused, "file_index", None)
        if isinstance(index, int):
            prefix = page.pick("Berkas ke-{n}: ", "File {n}: ").format(n=index + 1)
            message = prefix + message
        problems.errors[f"doc:{doc_type}"] = message
        return await anyio.to_thread.run_sync(show_claim, page, claim_id, problems, 422)
    return page.redirect(f"/claims/{claim_id}?done=saved&in=doc-{doc_type}#doc-{doc_type}")
