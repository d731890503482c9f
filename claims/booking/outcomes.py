"""The interview's outcome, recorded by the interviewer or by the scheduler (an automatic
no-show): the claim's transition, the interview's own, and the applicant's notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from claims.errors import refusal
from claims.models import Claim
from claims.notifications_outbox import enqueue_notification
from claims.repositories.bookings import apply_interview_trigger, live_interview
from claims.repositories.claims import apply_transition
from workflow.interview_lifecycle import InterviewTrigger
from workflow.machine import TransitionFacts
from workflow.states import Actor, ActorRole, ClaimStatus, Trigger

SYSTEM = Actor(ActorRole.system)


@dataclass(frozen=True)
class OutcomeTriggers:
    """What an outcome fires: on the claim's machine, and on the interview's table."""

    claim: Trigger
    interview: InterviewTrigger


OUTCOME_TRIGGERS = {
    "passed": OutcomeTriggers(Trigger.pass_interview, InterviewTrigger.pass_interview),
    "failed": OutcomeTriggers(Trigger.fail_interview, InterviewTrigger.fail_interview),
    "no_show": OutcomeTriggers(Trigger.record_no_show, InterviewTrigger.record_no_show),
}


def record_outcome(
    session: Session,
    claim: Claim,
    actor: Actor,
    outcome: str,
    reason_code: str | None,
    note: str | None,
    now: datetime,
    expected_version: int | None = None,
) -> Claim:
    """The interviewer's (or the scheduler's) outcome of the booked interview."""
    interview = live_interview(session, claim.id)
    if interview is None and claim.status is ClaimStatus.interview_scheduled:
        raise refusal(
            "no_interview",
            409,
            "This claim has no booked interview.",
            "Klaim ini belum memiliki jadwal wawancara.",
        )
    triggers = OUTCOME_TRIGGERS[outcome]
    facts = TransitionFacts(
        slot_starts_at=interview.starts_at if interview else None,
        slot_ends_at=interview.ends_at if interview else None,
        reason_code=reason_code,
        note=note,
    )
    # The claim's own fields go with the transition's UPDATE (one write of the claim row).
    changes: dict[str, object] = {}
    if actor.officer_id is not None:
        changes["interviewer_id"] = actor.officer_id
    if outcome == "failed":
        changes["reason_code"] = reason_code
    if outcome == "no_show":
        changes["misses"] = claim.misses + 1
    apply_transition(
        session,
        claim,
        triggers.claim,
        actor,
        now,
        facts,
        reason_code=reason_code,
        note=note,
        expected_version=expected_version,
        changes=changes,
    )
    assert interview is not None  # the machine refuses an outcome without a booking
    apply_interview_trigger(
        session, interview, triggers.interview, reason_code=reason_code, note=note
    )
    if outcome == "failed":
        enqueue_notification(
            session, claim, "rejected", now, {"reason_code": reason_code or "", "note": note or ""}
        )
    if outcome == "no_show":
        if claim.misses >= 2:
            # A second miss cancels the claim at once (workflow.md, cancel).
            apply_transition(
                session, claim, Trigger.cancel, SYSTEM, now, reason_code="interview_missed_twice"
            )
            enqueue_notification(
                session, claim, "cancelled", now, {"reason": "interview_missed_twice"}
            )
        else:
            enqueue_notification(session, claim, "interview_missed", now)
    return claim
