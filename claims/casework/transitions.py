"""The one way a claim's status changes: fire the workflow machine, then, in the caller's
transaction, write the status, bump the version (optimistic lock), move the SLA clock and
append the audit event. A concurrent change of the same claim fails with 409."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from claims.casework.audit import append_event, last_event
from claims.errors import ConcurrentChange, PreconditionFailed
from claims.models import Claim, ClaimEvent
from scheduling.sla import SlaClock, clock_for_status, due_at
from workflow.machine import TransitionFacts, fire
from workflow.rules import RuleSet, rules_by_version
from workflow.states import FINAL_STATUSES, Actor, ClaimStatus, Trigger

# Called after every recorded transition with (trigger, from, to, seconds spent in `from`):
# the metrics register here, so the casework does not depend on the web layer.
TransitionListener = Callable[[str, str, str, float], None]
TRANSITION_LISTENERS: list[TransitionListener] = []


@dataclass(frozen=True)
class TransitionResult:
    from_status: ClaimStatus
    to_status: ClaimStatus
    event: ClaimEvent


def claim_rules(claim: Claim) -> RuleSet:
    return rules_by_version(claim.rules_version)


def check_version(claim: Claim, expected_version: int | None) -> None:
    """`If-Match` on officer actions: the version the caller saw must still be current."""
    if expected_version is not None and expected_version != claim.version:
        raise PreconditionFailed(claim.version)


def _move_sla_clock(claim: Claim, status: ClaimStatus, rules: RuleSet, now: datetime) -> None:
    clock = SlaClock(used_seconds=claim.sla_used_seconds, running_since=claim.sla_running_since)
    clock = clock_for_status(clock, status, now)
    claim.sla_used_seconds = clock.used_seconds
    claim.sla_running_since = clock.running_since
    # A finished claim has no due date; a paused one shows when it would fall due if resumed now.
    final = status in FINAL_STATUSES
    claim.sla_due_at = None if final else due_at(clock, now, rules.sla_working_days)


def transition(
    session: Session,
    claim: Claim,
    trigger: Trigger,
    actor: Actor,
    now: datetime,
    facts: TransitionFacts | None = None,
    *,
    reason_code: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    changes: dict[str, Any] | None = None,
) -> TransitionResult:
    """Fires `trigger` and records it; raises a WorkflowError (nothing written) when refused.
    `changes` are further claim fields to set with the new status."""
    check_version(claim, expected_version)
    # Read the chain's head before touching the claim, so no autoflush runs in between.
    previous = last_event(session, claim.id)
    rules = claim_rules(claim)
    old = ClaimStatus(claim.status)
    new = fire(old, trigger, actor, facts or TransitionFacts(), now, rules)
    claim.status = new.value
    claim.updated_at = now
    # Other fields the same step sets (who approved, when submitted): applied only once the
    # machine has accepted, and written by the same UPDATE.
    for name, value in (changes or {}).items():
        setattr(claim, name, value)
    session.info.pop("person_facts", None)  # open/paid claims of the person may have changed
    _move_sla_clock(claim, new, rules, now)
    event = append_event(
        session,
        claim,
        trigger=trigger.value,
        from_status=old.value,
        to_status=new.value,
        actor_role=actor.role.value,
        actor_id=actor.officer_id,
        at=now,
        reason_code=reason_code,
        note=note,
        data=data,
        previous=previous,
    )
    flush_claim(session)
    seconds_in_old = (now - previous.at).total_seconds() if previous else 0.0
    for listener in TRANSITION_LISTENERS:
        listener(trigger.value, old.value, new.value, seconds_in_old)
    return TransitionResult(old, new, event)


def flush_claim(session: Session) -> None:
    """Writes pending changes; a version that moved underneath us is a concurrent change."""
    try:
        session.flush()
    except StaleDataError:
        raise ConcurrentChange() from None
    except IntegrityError as error:
        # Two writers appending the same event sequence number: the loser's change is refused.
        if "claim_events" in str(error.orig) or "uq_claim_events_seq" in str(error.orig):
            raise ConcurrentChange() from None
        raise
