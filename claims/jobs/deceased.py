"""The registry's report of a death withdraws the participant's own open claims (workflow.md,
`withdraw_deceased`; domain.md, Claim reasons): nothing is paid into the account of someone
who has died, and the heirs' death claim is not kept out by a claim that can no longer go on.

`withdraw_claims_of_deceased` runs at the end of every participant import, so the import's run
withdraws the claims of the deaths it reported, and every minute as the job
`deceased_withdrawals`, which catches anything else (a registry row changed another way, an
import stopped before its end, a claim a concurrent change kept from the first attempt).

Each claim is withdrawn in its own transaction, re-read and locked there and checked again, so
two runs at once or one after the other withdraw it once; the applicant's message carries a
fixed key as well. A death claim is the heirs' and stays; an approved claim's payout is with
the bank, and the approval's own re-check of death is what stops an approval; a
`payout_failed` claim's failed payout stays as it is, only the claim closes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from claims.db import Database
from claims.jobs.items import each_in_own_transaction
from claims.jobs.registry import register_job
from claims.notifications_outbox import enqueue_notification
from claims.repositories.bookings import cancel_held_bookings
from claims.repositories.claims import (
    apply_transition,
    claims_of_deceased_participants,
    locked_claim,
    participant_of_claim,
)
from workflow.eligibility import PARTICIPANT_DECEASED
from workflow.machine import TransitionFacts
from workflow.rules import rules_in_force
from workflow.states import (
    WITHDRAWN_AT_DEATH_STATUSES,
    Actor,
    ActorRole,
    ClaimReason,
    ClaimStatus,
    Trigger,
)

if TYPE_CHECKING:
    from claims.runtime import Runtime

JOB_NAME = "deceased_withdrawals"
NOTIFICATION = "withdrawn_deceased"
SYSTEM = Actor(ActorRole.system)


def death_claim_documents(now: datetime) -> list[str]:
    """What the heirs' death claim asks for under the rules in force `now` (the message lists
    it; an NPWP card may come on top, by the balance)."""
    rules = rules_in_force(now.date())
    required = rules.common_documents + rules.documents_by_reason[ClaimReason.death].required
    return [document.value for document in required]


def withdraw_claim_of_deceased(session: Session, claim_id: str, now: datetime) -> bool:
    """Withdraws the claim if it is still open in a status the table allows, not a death
    claim, and its participant is still reported deceased; frees its interview seat and
    tells the applicant. False when there was nothing to do."""
    claim = locked_claim(session, claim_id)
    if (
        claim is None
        or claim.status not in WITHDRAWN_AT_DEATH_STATUSES
        or claim.reason == ClaimReason.death
    ):
        return False
    participant = participant_of_claim(session, claim)
    if not participant.deceased:
        return False
    withdrawn = apply_transition(
        session,
        claim,
        Trigger.withdraw_deceased,
        SYSTEM,
        now,
        TransitionFacts(participant_deceased=True, claim_reason=ClaimReason(claim.reason)),
        reason_code=PARTICIPANT_DECEASED,
        changes={"reason_code": PARTICIPANT_DECEASED},
    )
    if withdrawn.from_status is ClaimStatus.interview_scheduled:
        # The booked interview gives its seat back; a held interview of another status has
        # taken place (passed) and keeps its record.
        cancel_held_bookings(session, claim.id)
    enqueue_notification(
        session,
        claim,
        NOTIFICATION,
        now,
        {"documents": death_claim_documents(now)},
        key=NOTIFICATION,
    )
    return True


def withdraw_claims_of_deceased(db: Database, now: datetime) -> int:
    """Withdraws every open claim whose participant the registry reports deceased; answers
    how many it withdrew."""
    with db.read_only() as session:
        ids = claims_of_deceased_participants(session, WITHDRAWN_AT_DEATH_STATUSES)
    return each_in_own_transaction(
        db,
        JOB_NAME,
        ids,
        lambda session, claim_id: withdraw_claim_of_deceased(session, claim_id, now),
    )


@register_job(JOB_NAME, 60)
def deceased_withdrawals(runtime: Runtime, now: datetime) -> int:
    """Every minute: the claims of participants reported deceased since the last run (or
    left by an import), withdrawn."""
    return withdraw_claims_of_deceased(runtime.db, now)
