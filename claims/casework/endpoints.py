"""HTTP endpoints of the claim: the applicant's, the officers' and public tracking. Each
request is one unit of work; the services decide, these functions translate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from claims.booking.book import listed_free_slots, rebook, request_branch_interview
from claims.booking.outcomes import record_outcome
from claims.casework import applicant, decisions, facts, intake, schemas, views
from claims.casework.opening import open_claim
from claims.casework.review import DocumentDecision, review_documents
from claims.casework.tracking import tracking_document
from claims.errors import Forbidden, PreconditionFailed
from claims.http import problems, ratelimit
from claims.http.auth import (
    ApplicantToken,
    BearerToken,
    CurrentOfficer,
    RuntimeDep,
    current_officer,
    ensure_officer_can_see,
    require_role,
)
from claims.http.conditional import etag_for, if_match_allows
from claims.http.problems import preferred_language
from claims.http.ratelimit import client_address
from claims.models import Claim
from claims.ratelimits import RateLimiter, limiter_call
from claims.repositories.credentials import OfficerIdentity, find_applicant_claim
from claims.repositories.queue import QueuePage, queue_page
from claims.repositories.tracking import tracked_claims
from workflow.identifiers import Kpj
from workflow.states import Actor, ActorRole, ClaimReason, ClaimStatus

PROBLEM = problems.PROBLEM  # also used by the other routers
# The refusals each kind of route can give (api.md), declared as problem+json.
APPLICANT_PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: PROBLEM for status in (401, 403, 404, 409, 422, 429)
}
OFFICER_PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: PROBLEM for status in (401, 403, 404, 409, 412, 422, 429)
}

applicant_router = APIRouter(prefix="/api/v1/claims", tags=["applicant"])
officer_router = APIRouter(prefix="/api/v1/officer", tags=["officer"])
public_router = APIRouter(prefix="/api/v1", tags=["public"])

Limiter = ratelimit.Limiter


class PydanticJSONResponse(JSONResponse):
    """A JSON response whose body pydantic's own encoder has already written as bytes (no
    dict of plain values in between, no second encoder)."""

    def render(self, content: Any) -> bytes:
        assert isinstance(content, bytes)
        return content


def claim_json(view: BaseModel, version: int, status_code: int = 200) -> JSONResponse:
    """A claim representation with its strong ETag (the version in quotes)."""
    return PydanticJSONResponse(
        view.__pydantic_serializer__.to_json(view),
        status_code=status_code,
        headers={"ETag": etag_for(version)},
    )


def expected_version(request: Request, claim: Claim) -> int | None:
    """`If-Match` on an officer action: a stale one is 412 before anything changes."""
    header = request.headers.get("if-match")
    if header is None:
        return None
    if not if_match_allows(header, claim.version):
        raise PreconditionFailed(claim.version)
    return claim.version


# --- applicant ------------------------------------------------------------------------------


@applicant_router.post(
    "",
    status_code=201,
    response_model=schemas.CreatedClaimView,
    responses={409: PROBLEM, 422: PROBLEM, 429: PROBLEM},
)
async def create_claim(
    body: schemas.CreateClaimBody, request: Request, runtime: RuntimeDep, limiter: Limiter
) -> JSONResponse:
    """Verify identity against the registry and open a claim; the access token is shown once."""
    language = preferred_language(request)
    heir = body.heir
    new = intake.NewClaim(
        kpj=body.kpj,
        nik=body.nik,
        full_name=body.full_name,
        birth_date=body.birth_date,
        reason=body.reason,
        email=body.email,
        phone=body.phone,
        branch_code=body.branch_code,
        employment_end_date=body.employment_end_date,
        heir=intake.HeirInput(heir.nik, heir.full_name, heir.birth_date, heir.relationship)
        if heir
        else None,
        language=language,
    )
    now = runtime.clock.now()
    created = await open_claim(runtime.db, new, client_address(request), limiter, now)
    return claim_json(views.created_view(created, language), created.row["version"], 201)


@applicant_router.get(
    "/{claim_id}", response_model=schemas.ApplicantClaimView, responses=APPLICANT_PROBLEMS
)
def get_claim(
    claim_id: str, token: ApplicantToken, request: Request, runtime: RuntimeDep
) -> JSONResponse:
    """The applicant's claim: checklist, estimate, interview, allowed actions, history."""
    with runtime.db.read_only() as session:
        now = runtime.clock.now()
        claim = find_applicant_claim(session, token, claim_id, now)
        view = views.applicant_view(session, claim, now, preferred_language(request))
    return claim_json(view, claim.version)


def _applicant_change(
    claim_id: str,
    token: tuple[str, ...],
    request: Request,
    runtime: RuntimeDep,
    change: Callable[..., object],
) -> JSONResponse:
    now = runtime.clock.now()
    with runtime.db.unit_of_work() as session:
        claim = find_applicant_claim(session, token, claim_id, now)
        change(session, claim, now)
        view = views.applicant_view(session, claim, now, preferred_language(request))
        version = claim.version
    return claim_json(view, version)


@applicant_router.put(
    "/{claim_id}/bank-account",
    response_model=schemas.ApplicantClaimView,
    responses=APPLICANT_PROBLEMS,
)
def put_bank_account(
    claim_id: str,
    body: schemas.BankAccountBody,
    token: ApplicantToken,
    request: Request,
    runtime: RuntimeDep,
) -> JSONResponse:
    """Set the payout account; it must be in the claimant's own name. After a refused
    transfer, a new account sends the payout again under a new reference."""
    return _applicant_change(
        claim_id,
        token,
        request,
        runtime,
        lambda s, c, now: applicant.set_bank_account(
            s, c, body.bank_code, body.account_number, body.account_holder, now
        ),
    )


@applicant_router.put(
    "/{claim_id}/npwp",
    response_model=schemas.ApplicantClaimView,
    responses=APPLICANT_PROBLEMS,
)
def put_npwp(
    claim_id: str,
    body: schemas.NpwpBody,
    token: ApplicantToken,
    request: Request,
    runtime: RuntimeDep,
) -> JSONResponse:
    """Give the NPWP (tax number), with or without dots."""
    return _applicant_change(
        claim_id,
        token,
        request,
        runtime,
        lambda s, c, now: applicant.set_npwp(s, c, body.npwp, now),
    )


@applicant_router.post(
    "/{claim_id}/submit",
    response_model=schemas.ApplicantClaimView,
    responses=APPLICANT_PROBLEMS,
)
def submit(
    claim_id: str, token: ApplicantToken, request: Request, runtime: RuntimeDep
) -> JSONResponse:
    """Submit for review; 422 `incomplete` lists what is missing."""
    return _applicant_change(claim_id, token, request, runtime, applicant.submit)


@applicant_router.post(
    "/{claim_id}/cancel", response_model=schemas.ApplicantClaimView, responses=APPLICANT_PROBLEMS
)
def cancel(
    claim_id: str, token: ApplicantToken, request: Request, runtime: RuntimeDep
) -> JSONResponse:
    """Withdraw the claim."""
    return _applicant_change(
        claim_id,
        token,
        request,
        runtime,
        lambda s, c, now: applicant.cancel(s, c, applicant.APPLICANT, now),
    )


@applicant_router.get(
    "/{claim_id}/interview/slots",
    response_model=list[schemas.SlotView],
    responses=APPLICANT_PROBLEMS,
)
def interview_slots(
    claim_id: str, token: ApplicantToken, runtime: RuntimeDep
) -> list[schemas.SlotView]:
    """Free interview slots in the next 10 working days of the claim's branch."""
    with runtime.db.read_only() as session:
        now = runtime.clock.now()
        claim = find_applicant_claim(session, token, claim_id, now)
        slots = listed_free_slots(session, claim, now)
    return [schemas.SlotView(starts_at=s.starts_at, ends_at=s.ends_at) for s in slots]


@applicant_router.post(
    "/{claim_id}/interview",
    response_model=schemas.ApplicantClaimView,
    responses=APPLICANT_PROBLEMS,
)
def rebook_interview(
    claim_id: str,
    body: schemas.RebookBody,
    token: ApplicantToken,
    request: Request,
    runtime: RuntimeDep,
) -> JSONResponse:
    """Choose another of the listed slots. The first change of the slot held at acceptance is
    the applicant's choice and not counted; later ones are rebookings (at most 2; 1 after a
    miss). The claim's `interview` says which applies and how many are left."""
    return _applicant_change(
        claim_id, token, request, runtime, lambda s, c, now: rebook(s, c, body.starts_at, now)
    )


@applicant_router.post(
    "/{claim_id}/interview/at-branch",
    response_model=schemas.ApplicantClaimView,
    responses=APPLICANT_PROBLEMS,
)
def ask_for_branch_interview(
    claim_id: str,
    body: schemas.BranchInterviewBody,
    token: ApplicantToken,
    request: Request,
    runtime: RuntimeDep,
) -> JSONResponse:
    """Ask to be interviewed at the branch instead of by video (no data for a video call),
    with a short reason; once per claim (409 `branch_interview_already_requested`). The
    officers see it as `branch_interview_request`; the video booking stands meanwhile."""
    return _applicant_change(
        claim_id,
        token,
        request,
        runtime,
        lambda s, c, now: request_branch_interview(s, c, body.reason, now),
    )


# --- officers -------------------------------------------------------------------------------


def _officer_claim(session: Session, officer: OfficerIdentity, claim_id: str) -> Claim:
    claim = facts.get_claim(session, claim_id)
    ensure_officer_can_see(officer, claim.branch_code)
    return claim


def acting_as(officer: OfficerIdentity, role: ActorRole) -> Actor:
    require_role(officer, role.value)
    return Actor(role, officer.id)


@officer_router.get(
    "/claims",
    response_model=schemas.QueuePage,
    response_class=JSONResponse,
    responses={401: PROBLEM, 403: PROBLEM, 422: PROBLEM},
)
async def queue(
    token: BearerToken,
    runtime: RuntimeDep,
    status: ClaimStatus | None = None,
    branch: Annotated[str | None, Query(max_length=20)] = None,
    reason: ClaimReason | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> JSONResponse:
    """The work queue, most urgent SLA first; officers see their branch, supervisors all."""

    def read() -> QueuePage:
        officer = current_officer(token, runtime)
        if "supervisor" in officer.role_set:
            branches = [branch] if branch else None
        else:
            if branch and branch != officer.branch_code:
                raise Forbidden(
                    "You can only see your own branch's claims.",
                    "Anda hanya dapat melihat klaim cabang Anda.",
                    code="other_branch",
                )
            branches = [officer.branch_code or ""]
        return queue_page(
            runtime.db,
            branches=branches,
            status=status.value if status else None,
            reason=reason.value if reason else None,
            limit=limit,
            cursor=cursor,
        )

    # The officer lookup and the page: two indexed reads, at most 201 rows. On SQLite they
    # are shorter than a thread-pool hop and its GIL hand-over, so they run right here; other
    # databases answer over the network, in one hop (not a `def` dependency plus a `def`
    # endpoint: two). The page is built as its JSON document: no second validation.
    if runtime.db.is_sqlite:
        return JSONResponse(read())
    return JSONResponse(await anyio.to_thread.run_sync(read))


@officer_router.get(
    "/claims/{claim_id}", response_model=schemas.OfficerClaimView, responses=OFFICER_PROBLEMS
)
def officer_claim(claim_id: str, officer: CurrentOfficer, runtime: RuntimeDep) -> JSONResponse:
    """Everything needed to decide: registry data, documents, estimate, flags, payouts, events."""
    with runtime.db.read_only() as session:
        claim = _officer_claim(session, officer, claim_id)
        view = views.officer_view(session, claim, runtime.clock.now())
    return claim_json(view, claim.version)


@officer_router.get(
    "/claims/{claim_id}/events",
    response_model=list[schemas.EventView],
    responses=OFFICER_PROBLEMS,
)
def officer_events(
    claim_id: str, officer: CurrentOfficer, runtime: RuntimeDep
) -> list[schemas.EventView]:
    """The audit trail of the claim, each event with its chained hash."""
    with runtime.db.read_only() as session:
        _officer_claim(session, officer, claim_id)
        return views.event_views(session, claim_id)


def _officer_change(
    claim_id: str,
    officer: OfficerIdentity,
    request: Request,
    runtime: RuntimeDep,
    change: Callable[..., object],
) -> JSONResponse:
    now = runtime.clock.now()
    with runtime.db.unit_of_work() as session:
        claim = _officer_claim(session, officer, claim_id)
        change(session, claim, now, expected_version(request, claim))
        view = views.officer_view(session, claim, now)
        version = claim.version
    return claim_json(view, version)


@officer_router.post(
    "/claims/{claim_id}/document-review",
    response_model=schemas.OfficerClaimView,
    responses=OFFICER_PROBLEMS,
)
def document_review(
    claim_id: str,
    body: schemas.DocumentReviewBody,
    officer: CurrentOfficer,
    request: Request,
    runtime: RuntimeDep,
) -> JSONResponse:
    """Accept or send back each uploaded document; all accepted books the earliest interview."""
    actor = acting_as(officer, ActorRole.verifier)
    decisions = [
        DocumentDecision(d.doc_type, d.decision == "accepted", d.reason_code, d.note)
        for d in body.decisions
    ]
    return _officer_change(
        claim_id,
        officer,
        request,
        runtime,
        lambda s, c, now, version: review_documents(
            s, c, actor, decisions, now, expected_version=version
        ),
    )


@officer_router.post(
    "/claims/{claim_id}/interview/outcome",
    response_model=schemas.OfficerClaimView,
    responses=OFFICER_PROBLEMS,
)
def interview_outcome(
    claim_id: str,
    body: schemas.InterviewOutcomeBody,
    officer: CurrentOfficer,
    request: Request,
    runtime: RuntimeDep,
) -> JSONResponse:
    """Record passed, failed (with a reason code) or no_show, once the slot has started."""
    actor = acting_as(officer, ActorRole.interviewer)
    return _officer_change(
        claim_id,
        officer,
        request,
        runtime,
        lambda s, c, now, version: record_outcome(
            s, c, actor, body.outcome, body.reason_code, body.note, now, version
        ),
    )


@officer_router.post(
    "/claims/{claim_id}/approve",
    response_model=schemas.OfficerClaimView,
    responses=OFFICER_PROBLEMS,
)
def approve(
    claim_id: str,
    body: schemas.ApproveBody,
    officer: CurrentOfficer,
    request: Request,
    runtime: RuntimeDep,
) -> JSONResponse:
    """Approve (never by an officer who reviewed or interviewed the claim); creates exactly one
    payout, shown in the claim's `payout`."""
    actor = acting_as(officer, ActorRole.approver)
    return _officer_change(
        claim_id,
        officer,
        request,
        runtime,
        lambda s, c, now, version: decisions.approve(s, c, actor, body.note, now, version),
    )


@officer_router.post(
    "/claims/{claim_id}/reject",
    response_model=schemas.OfficerClaimView,
    responses=OFFICER_PROBLEMS,
)
def reject(
    claim_id: str,
    body: schemas.RejectBody,
    officer: CurrentOfficer,
    request: Request,
    runtime: RuntimeDep,
) -> JSONResponse:
    """Reject with a reason code: the verifier during review, the approver at approval."""

    def change(session: Session, claim: Claim, now: datetime, version: int | None) -> None:
        at_approval = claim.status is ClaimStatus.awaiting_approval
        role = ActorRole.approver if at_approval else ActorRole.verifier
        decisions.reject(
            session, claim, acting_as(officer, role), body.reason_code, body.note, now, version
        )

    return _officer_change(claim_id, officer, request, runtime, change)


# --- public ---------------------------------------------------------------------------------


@public_router.get(
    "/tracking/{kpj}",
    response_model=schemas.TrackingView,
    response_class=JSONResponse,
    responses={422: PROBLEM, 429: PROBLEM},
)
async def tracking(kpj: str, request: Request) -> JSONResponse:
    """The five steps of each claim of a KPJ. No personal data; an unknown KPJ is an empty list."""
    # The hottest public route: no dependencies, no ORM, no response-model validation; one
    # compiled query whose rows become the JSON document (tracking_document).
    limiter: RateLimiter = request.app.state.rate_limiter
    client = client_address(request)
    await limiter_call(limiter, limiter.check_tracking, client, kpj)
    number = Kpj.parse(kpj).value
    db = request.app.state.runtime.db
    if db.is_sqlite:
        # An indexed read of at most 20 rows from a local file: shorter than a thread hop.
        tracked = tracked_claims(db, number)
    else:
        tracked = await anyio.to_thread.run_sync(tracked_claims, db, number)
    return JSONResponse(tracking_document(tracked, number, preferred_language(request)))
