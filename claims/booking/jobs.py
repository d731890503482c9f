"""The timed work of interviews and drafts (workflow.md; domain.md, Service levels):

- `interview_reminders`: mail the applicant 24 hours and 1 hour before the interview;
- `interview_no_shows`: record a no-show when the grace period after the slot has passed
  with no outcome (a second miss cancels the claim at once, in `record_outcome`);
- `missed_interview_cancellations`: cancel a claim whose miss was not rebooked within the
  configured working days of the branch;
- `draft_expiry`: warn a quiet draft once, then expire it.

Each job reads what is due from the database and handles every item in its own transaction,
re-reading the item there (locked on PostgreSQL) and checking again that it is due, so two
runs at once or one after the other never do an item twice. Outbox messages carry
deterministic keys as a second line of defence. The numbers come from the claim's RuleSet.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from claims.booking.book import interview_notice
from claims.booking.outcomes import SYSTEM, record_outcome
from claims.casework.applicant import cancel
from claims.casework.facts import wib_date
from claims.jobs.items import each_in_own_transaction
from claims.jobs.registry import register_job
from claims.models import Claim, Interview
from claims.notifications_outbox import enqueue_notification
from claims.repositories.bookings import (
    booked_interviews_ended_by,
    booking_branch,
    branch_calendar,
    get_interview,
    interviews_to_remind,
    locked_interview,
    mark_reminded,
    reread_interview,
)
from claims.repositories.claims import (
    apply_transition,
    claim_rules,
    claim_with_context,
    claims_with_status,
    last_missed_at,
    locked_claim,
    quiet_claims,
    update_claim_details,
)
from scheduling.policy import (
    REMINDER_DAY_BEFORE,
    ReminderKind,
    draft_expiry_due,
    draft_warning_due,
    miss_cancellation_due,
    reminders_to_schedule,
)
from scheduling.slots import Slot
from workflow.interview_lifecycle import InterviewStatus
from workflow.machine import TransitionFacts
from workflow.rules import RULE_SETS
from workflow.states import EDITABLE_STATUSES, ClaimStatus, Trigger

if TYPE_CHECKING:
    from claims.runtime import Runtime

REMINDER_TEMPLATES = {
    ReminderKind.day_before: "reminder_24h",
    ReminderKind.hour_before: "reminder_1h",
}
MISS_NOT_REBOOKED = "interview_not_rebooked"
# Pre-filters in SQL must not miss an item under any rule set; each item is then judged by
# its own claim's rules.
_MIN_GRACE = timedelta(minutes=min(r.no_show_grace_minutes for r in RULE_SETS))
_MIN_WARNING_AGE = timedelta(
    days=min(r.draft_expiry_days - r.draft_expiry_warning_days for r in RULE_SETS)
)


# --- reminders ------------------------------------------------------------------------------


def due_reminder(interview: Interview, now: datetime) -> ReminderKind | None:
    """The reminder to send now, if any. A reminder is due from its time until the next one's
    (the 24-hour one is not sent once the 1-hour one is due: it would say the wrong thing),
    and only if the booking was made before its time (reminders_to_schedule)."""
    slot = Slot(interview.starts_at, interview.ends_at)
    if now >= slot.starts_at:
        return None
    planned = dict(reminders_to_schedule(slot, interview.booked_at))
    hour = planned.get(ReminderKind.hour_before)
    if hour is not None and now >= hour:
        return ReminderKind.hour_before if interview.reminded_1h_at is None else None
    day = planned.get(ReminderKind.day_before)
    if day is not None and now >= day and interview.reminded_24h_at is None:
        return ReminderKind.day_before
    return None


def send_reminder(session: Session, interview_id: int, now: datetime) -> bool:
    interview = locked_interview(session, interview_id)
    if interview is None or not interview.holds_seat or interview.status != InterviewStatus.booked:
        return False
    kind = due_reminder(interview, now)
    if kind is None:
        return False
    claim = claim_with_context(session, interview.claim_id)
    if claim is None or claim.status != ClaimStatus.interview_scheduled:
        return False
    branch = booking_branch(session, interview.branch_code)
    template = REMINDER_TEMPLATES[kind]
    enqueue_notification(
        session,
        claim,
        template,
        now,
        interview_notice(interview, branch),
        key=f"interview-{interview.id}",
    )
    mark_reminded(session, interview, kind, now)
    return True


@register_job("interview_reminders", 60)
def interview_reminders(runtime: Runtime, now: datetime) -> int:
    """Reminders 24 h and 1 h before each booked interview, through the outbox."""
    with runtime.db.read_only() as session:
        upcoming = interviews_to_remind(session, now, now + REMINDER_DAY_BEFORE)
        ids = [i.id for i in upcoming if due_reminder(i, now) is not None]
    return each_in_own_transaction(
        runtime.db, "interview_reminders", ids, lambda s, i: send_reminder(s, i, now)
    )


# --- automatic no-show ----------------------------------------------------------------------


def record_no_show(session: Session, interview_id: int, now: datetime) -> bool:
    interview = get_interview(session, interview_id)
    if interview is None or not interview.holds_seat or interview.status != InterviewStatus.booked:
        return False
    claim = locked_claim(session, interview.claim_id)
    if claim is None or claim.status != ClaimStatus.interview_scheduled:
        return False
    reread_interview(session, interview)  # read again under the claim's lock
    if not interview.holds_seat or interview.status != InterviewStatus.booked:
        return False
    grace = timedelta(minutes=claim_rules(claim).no_show_grace_minutes)
    if now < interview.ends_at + grace:
        return False
    record_outcome(session, claim, SYSTEM, "no_show", None, None, now)
    return True


@register_job("interview_no_shows", 60)
def interview_no_shows(runtime: Runtime, now: datetime) -> int:
    """A no-show for each interview whose slot ended more than the grace period ago with no
    outcome; the machine's `no_show_grace_over` guard checks the time again."""
    with runtime.db.read_only() as session:
        ids = booked_interviews_ended_by(session, now - _MIN_GRACE)
    return each_in_own_transaction(
        runtime.db, "interview_no_shows", ids, lambda s, i: record_no_show(s, i, now)
    )


# --- cancellation of a miss not rebooked ----------------------------------------------------


def miss_cancellation_due_at(session: Session, claim: Claim) -> datetime | None:
    missed = last_missed_at(session, claim.id)
    if missed is None:
        return None
    days = claim_rules(claim).missed_interview_cancel_working_days
    return miss_cancellation_due(branch_calendar(session, claim.branch_code), missed, days)


def _due(at: datetime | None, now: datetime) -> bool:
    return at is not None and now >= at


def cancel_unrebooked_miss(session: Session, claim_id: str, now: datetime) -> bool:
    claim = locked_claim(session, claim_id)
    if claim is None or claim.status != ClaimStatus.interview_missed:
        return False
    due = miss_cancellation_due_at(session, claim)
    if due is None or now < due:
        return False
    cancel(session, claim, SYSTEM, now, reason_code=MISS_NOT_REBOOKED)
    enqueue_notification(
        session,
        claim,
        "cancelled",
        now,
        {"reason": MISS_NOT_REBOOKED},
        key=f"miss-{claim.misses}",
    )
    return True


@register_job("missed_interview_cancellations", 300)
def missed_interview_cancellations(runtime: Runtime, now: datetime) -> int:
    """Cancels each claim whose missed interview was not rebooked within the configured
    working days of its branch (the second miss cancels at once, when it is recorded)."""
    with runtime.db.read_only() as session:
        missed = claims_with_status(session, ClaimStatus.interview_missed)
        ids = [c.id for c in missed if _due(miss_cancellation_due_at(session, c), now)]
    return each_in_own_transaction(
        runtime.db,
        "missed_interview_cancellations",
        ids,
        lambda s, i: cancel_unrebooked_miss(s, i, now),
    )


# --- draft expiry ---------------------------------------------------------------------------


def warning_is_current(claim: Claim) -> bool:
    """A warning counts only for the quiet spell it was sent in: any later activity
    (last_activity_at moves wherever the applicant acts) makes the next spell warn again."""
    return claim.expiry_warned_at is not None and claim.expiry_warned_at >= claim.last_activity_at


def draft_action(claim: Claim, now: datetime) -> str | None:
    """ "expire", "warn" or None for a draft at `now`, by the claim's own rules."""
    rules = claim_rules(claim)
    last = claim.last_activity_at
    if now >= draft_expiry_due(last, rules.draft_expiry_days):
        return "expire"
    warn_at = draft_warning_due(last, rules.draft_expiry_days, rules.draft_expiry_warning_days)
    if now >= warn_at and not warning_is_current(claim):
        return "warn"
    return None


def handle_draft(session: Session, claim_id: str, now: datetime) -> bool:
    claim = locked_claim(session, claim_id)
    if claim is None or claim.status not in EDITABLE_STATUSES:
        return False
    action = draft_action(claim, now)
    if action is None:
        return False
    rules = claim_rules(claim)
    last = claim.last_activity_at
    if action == "expire":
        apply_transition(
            session,
            claim,
            Trigger.expire,
            SYSTEM,
            now,
            TransitionFacts(last_activity_at=last),
            data={"last_activity_at": last.isoformat()},
        )
        enqueue_notification(
            session, claim, "expired", now, {"last_activity_at": last.isoformat()}, key="expired"
        )
        return True
    expires_at = draft_expiry_due(last, rules.draft_expiry_days)
    enqueue_notification(
        session,
        claim,
        "expiry_warning",
        now,
        {
            # What the expiry_warning template shows: the day in Jakarta and the days left.
            "expires_on": wib_date(expires_at).isoformat(),
            "days_left": max(0, (expires_at - now).days),
            "expires_at": expires_at.isoformat(),
        },
        key=f"activity-{last.isoformat()}",
    )
    update_claim_details(session, claim, {"expiry_warned_at": now})
    return True


@register_job("draft_expiry", 300)
def draft_expiry(runtime: Runtime, now: datetime) -> int:
    """Warns a draft quiet for (expiry - warning) days, once per quiet spell, and expires one
    quiet for the expiry days (30 and 7 by default)."""
    with runtime.db.read_only() as session:
        quiet = quiet_claims(session, EDITABLE_STATUSES, now - _MIN_WARNING_AGE)
        ids = [c.id for c in quiet if draft_action(c, now) is not None]
    return each_in_own_transaction(
        runtime.db, "draft_expiry", ids, lambda s, i: handle_draft(s, i, now)
    )
