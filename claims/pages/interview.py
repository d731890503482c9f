"""The applicant's interview page, `/claims/{id}/wawancara`: the booked time, the free slots
of the next working days grouped by day to choose another (the booked one left out; the
first change of the slot held for them is free, later ones count against the limit the page
states), and a request to be interviewed at the branch instead of by video. Every form post
is one unit of work answered by a redirect back to the page (post/redirect/get), a refusal
too: the page then shows the message next to its field and in the error summary (422,
claims.pages.posted), and nothing has changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from claims.booking.book import (
    interview_choice,
    listed_free_slots,
    rebook,
    request_branch_interview,
)
from claims.catalogues import N_
from claims.errors import FieldProblem, NotFound, Unauthenticated
from claims.http.csrf import page_credentials, participant_cookie_token
from claims.models import Claim
from claims.pages import i18n
from claims.pages.claim_common import Change, Refusal, claim_post, refused_to, typed_values
from claims.pages.page import Errors, Page, form_text, open_page
from claims.participants.access import signed_in
from claims.repositories.bookings import live_interview
from claims.repositories.credentials import find_applicant_claim
from claims.repositories.registry import branch_of
from workflow.errors import WorkflowError
from workflow.states import ClaimStatus

router = APIRouter(include_in_schema=False)

NOTICES = {"chosen": N_("iv_done_chosen"), "requested": N_("iv_done_requested")}
# The error summary's names for the fields.
FIELD_LABELS = {
    "starts_at": N_("iv_slot_field"),
    "at_branch": N_("iv_branch_check"),
    "reason": N_("iv_branch_reason"),
}


@dataclass
class Problems:
    """What went wrong with the last form post: messages by field, and what was typed."""

    errors: Errors = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def page_url(claim_id: str) -> str:
    return f"/claims/{claim_id}/wawancara"


def day_label(moment: datetime, zone: ZoneInfo, language: i18n.Language) -> str:
    """`Selasa, 17-11-2026`: a slot's day where the branch is."""
    local = moment.astimezone(zone)
    return f"{i18n.DAY_NAMES[language][local.weekday()]}, {local:%d-%m-%Y}"


def slot_days(
    page: Page, session: Session, claim: Claim, booked_start: datetime | None, timezone: str
) -> list[dict[str, Any]]:
    """The free slots grouped by the branch's local day, the booked one left out (with more
    than one interviewer its slot may still have a free seat: choosing it is no change)."""
    now = page.runtime.clock.now()
    zone = ZoneInfo(timezone)
    abbreviation = i18n.zone_abbreviation(timezone)
    free = [s for s in listed_free_slots(session, claim, now) if s.starts_at != booked_start]
    days = []
    number = 0
    # The zone once per day, in the legend: each radio's label stays one short line on a phone.
    for day, slots in groupby(free, key=lambda s: day_label(s.starts_at, zone, page.language)):
        choices = []
        for slot in slots:
            start, end = slot.local(zone)
            choices.append(
                {
                    # The first radio carries the field's id: the error summary links to it.
                    "id": "starts_at" if number == 0 else f"slot-{number}",
                    "value": slot.starts_at.isoformat(),
                    "label": f"{start:%H:%M}–{end:%H:%M}",
                }
            )
            number += 1
        days.append({"label": f"{day} ({abbreviation})", "choices": choices})
    return days


def interview_context(
    page: Page, session: Session, claim: Claim, problems: Problems
) -> dict[str, Any]:
    language = page.language
    branch = branch_of(session, claim.branch_code)
    timezone = branch.timezone if branch else "Asia/Jakarta"
    # Only a scheduled claim holds a time: a missed interview gave its seat back.
    interview = (
        live_interview(session, claim.id)
        if claim.status == ClaimStatus.interview_scheduled
        else None
    )
    booked_start = interview.starts_at if interview is not None else None
    choice = interview_choice(session, claim)
    days = []
    if choice is not None and choice.can_change:
        days = slot_days(page, session, claim, booked_start, timezone)
    if choice is None:
        rule = None
    elif choice.first_change_free:
        rule = page.t("iv_first_free", limit=choice.max_rebookings)
    elif not choice.can_change:
        rule = page.t("iv_no_change")
    elif claim.misses:
        rule = page.t("iv_after_miss")
    else:
        rule = page.t("iv_left", limit=choice.max_rebookings, left=choice.rebookings_left)
    requested_at = claim.branch_interview_requested_at
    notice_key = NOTICES.get(page.request.query_params.get("done", ""))
    summary = [
        (name, page.t(FIELD_LABELS.get(name, name)), message)
        for name, message in problems.errors.items()
    ]
    return {
        "title": page.t("iv_title", reference=claim.reference),
        "claim_id": claim.id,
        "reference": claim.reference,
        "has_interview": choice is not None,
        "missed": claim.status == ClaimStatus.interview_missed,
        "booked_when": i18n.local_span(interview.starts_at, interview.ends_at, timezone, language)
        if interview is not None
        else None,
        "video_url": interview.video_url if interview is not None else None,
        "rule": rule,
        "can_change": choice is not None and choice.can_change,
        "zone": i18n.zone_abbreviation(timezone),
        "days": days,
        "branch_name": branch.name if branch else claim.branch_code,
        "branch_requested": i18n.local_time(requested_at, timezone, language)
        if requested_at
        else None,
        "branch_reason": claim.branch_interview_reason,
        "errors": problems.errors,
        "values": problems.values,
        "summary": summary,
        "notice": page.t(notice_key) if notice_key else None,
    }


def closed(page: Page, claim_id: str, error: WorkflowError) -> Response:
    """No cookie: sign in and come back here; not this browser's claim: say so."""
    if isinstance(error, Unauthenticated):
        return page.redirect("/masuk?" + urlencode({"next": page_url(claim_id)}))
    return page.render(
        "message.html",
        {"title": page.t("error_title"), "message": page.t("claim_not_open"), "track_link": True},
        status=404,
    )


def show(page: Page, claim_id: str) -> Response:
    """The page; after a refused post, with its messages and what was typed."""
    runtime = page.runtime
    posted = page.posted
    problems = Problems(posted.errors, posted.values) if posted is not None else Problems()
    try:
        with runtime.db.read_only() as session:
            claim = find_applicant_claim(
                session, page_credentials(page.request), claim_id, runtime.clock.now()
            )
            context = interview_context(page, session, claim, problems)
    except (Unauthenticated, NotFound) as refused:
        return closed(page, claim_id, refused)
    response = page.render("interview.html", context)
    response.headers["Cache-Control"] = "private, no-store"  # the applicant's own claim
    return response


@router.get("/claims/{claim_id}/wawancara", response_class=HTMLResponse)
def interview_page(claim_id: str, request: Request) -> Response:
    page = open_page(request)
    signed_in(page.runtime, participant_cookie_token(request))  # keeps the session alive
    return show(page, claim_id)


async def interview_form(
    request: Request, claim_id: str, field_name: str, change: Change, done: str
) -> Response:
    """One form post of the page (claim_common.claim_post: CSRF, the change in one unit of
    work), answered by a redirect to the page; a refusal (nothing written) is shown there
    next to `field_name`, or the field it names."""

    def back(page: Page, form: FormData, refusal: Refusal) -> Response:
        return refused_to(page, page_url(claim_id), refusal, typed_values(form))

    return await claim_post(
        request,
        claim_id,
        change,
        success=f"{page_url(claim_id)}?done={done}",
        refused_answer=back,
        whole=field_name,
    )


def pick_one() -> FieldProblem:
    return FieldProblem(
        [
            {
                "field": "starts_at",
                "message_id": i18n.translate("iv_pick_one", "id"),
                "message_en": i18n.translate("iv_pick_one", "en"),
            }
        ]
    )


def chosen_start(form: FormData) -> datetime:
    """The chosen slot's start; none chosen (or not a time with its zone) says to pick one."""
    try:
        starts_at = datetime.fromisoformat(form_text(form, "starts_at"))
    except ValueError:
        raise pick_one() from None
    if starts_at.tzinfo is None:
        raise pick_one()
    return starts_at


@router.post("/claims/{claim_id}/wawancara", response_class=HTMLResponse)
async def choose_slot(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        return rebook(session, claim, chosen_start(form), now)

    return await interview_form(request, claim_id, "starts_at", change, "chosen")


@router.post("/claims/{claim_id}/wawancara/kantor-cabang", response_class=HTMLResponse)
async def ask_for_branch(claim_id: str, request: Request) -> Response:
    def change(session: Session, claim: Claim, now: datetime, form: FormData) -> object:
        if form_text(form, "at_branch") != "yes":
            raise FieldProblem(
                [
                    {
                        "field": "at_branch",
                        "message_id": i18n.translate("iv_branch_check_missing", "id"),
                        "message_en": i18n.translate("iv_branch_check_missing", "en"),
                    }
                ]
            )
        request_branch_interview(session, claim, form_text(form, "reason"), now)
        return None

    return await interview_form(request, claim_id, "reason", change, "requested")
