"""The applicant's claim page, `/claims/{id}`: a task list (GOV.UK pattern) with "n of m
done", one row per task and its status: each document of the checklist, the bank account,
the NPWP when the claim needs one, then "check and submit". Once the claim is sent, its top
says where the claim is, the interview time when there is one, and the applicant's next
action in one sentence. Each task has its own page (claims.pages.claim_tasks); checking,
submitting, the confirmation and cancelling are in claims.pages.claim_submit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from claims.casework import views
from claims.casework.schemas import ApplicantClaimView
from claims.catalogues import N_
from claims.http.csrf import participant_cookie_token
from claims.models import Claim
from claims.pages import claim_submit, claim_tasks, i18n
from claims.pages.claim_common import (
    STATUS_WORDS,
    claim_url,
    show_claim_page,
    task_list,
)
from claims.pages.page import Page, open_page
from claims.participants.access import signed_in
from claims.repositories.registry import branch_of
from workflow.states import ClaimStatus

router = APIRouter(include_in_schema=False)
router.include_router(claim_tasks.router)
router.include_router(claim_submit.router)

# What the applicant does next, in one sentence, by the claim's status.
NEXT_ACTIONS: dict[ClaimStatus, str] = {
    ClaimStatus.documents_pending: N_("next_documents_pending"),
    ClaimStatus.under_review: N_("next_under_review"),
    ClaimStatus.revision_requested: N_("next_revision_requested"),
    ClaimStatus.interview_scheduled: N_("next_interview_scheduled"),
    ClaimStatus.interview_missed: N_("next_interview_missed"),
    ClaimStatus.awaiting_approval: N_("next_awaiting_approval"),
    ClaimStatus.approved: N_("next_approved"),
    ClaimStatus.payout_failed: N_("next_payout_failed"),
    ClaimStatus.paid: N_("next_paid"),
    ClaimStatus.rejected: N_("next_rejected"),
    ClaimStatus.cancelled: N_("next_cancelled"),
    ClaimStatus.expired: N_("next_expired"),
}
# The statuses in which the applicant still completes the claim: the top is the task list.
COMPLETING = ("documents_pending",)


def interview_words(page: Page, view: ApplicantClaimView) -> str | None:
    if view.interview is None:
        return None
    return i18n.local_span(
        view.interview.starts_at, view.interview.ends_at, view.interview.timezone, page.language
    )


def interview_link(view: ApplicantClaimView) -> str | None:
    """The interview page (its own module), when there is an interview to see or to choose."""
    if (
        view.status == "interview_scheduled"
        or "reschedule" in view.allowed_actions
        or view.interview is not None
    ):
        return claim_url(view.id, "wawancara")
    return None


def history_rows(view: ApplicantClaimView, page: Page) -> list[dict[str, Any]]:
    return [
        {
            "at": i18n.wib_time(item.at),
            "status": i18n.status_label(item.status, page.language),
            "reason": views.reason_words(item.reason_code, page.language),
            "note": item.note,
        }
        for item in view.history
    ]


def claim_page_context(
    page: Page, session: Session, claim: Claim, view: ApplicantClaimView
) -> dict[str, Any]:
    tasks = task_list(view, page)
    branch = branch_of(session, claim.branch_code)
    return {
        "title": page.t("claim_title", reference=view.reference),
        "completing": view.status in COMPLETING,
        "tasks": tasks,
        "progress": page.t("tasks_progress", n=tasks.done, m=len(tasks.counted)),
        "status_words": {key: page.t(words) for key, words in STATUS_WORDS.items()},
        "editable": "upload_documents" in view.allowed_actions,
        "reason_label": i18n.reason_label(view.reason, page.language),
        "branch": branch,
        "interview_when": interview_words(page, view),
        "interview_link": interview_link(view),
        "next_action": page.t(NEXT_ACTIONS[ClaimStatus(view.status)]),
        "history": history_rows(view, page),
        "can_cancel": "cancel" in view.allowed_actions,
        "summary": [],
    }


@router.get("/claims/{claim_id}", response_class=HTMLResponse)
def claim_page(claim_id: str, request: Request) -> Response:
    page = open_page(request)
    # Working on a claim keeps the participant's session alive (its idle clock moves).
    signed_in(page.runtime, participant_cookie_token(request))
    return show_claim_page(
        page,
        claim_id,
        "claim.html",
        lambda session, claim, view: claim_page_context(page, session, claim, view),
    )
