"""Booking interviews: the earliest free seat is held when the documents are accepted, then
the applicant may choose another from the free slots; that first choice is free, every later
change is a rebooking counted against the rule set's limit. Also the applicant's request to
be interviewed at the branch instead of by video. The calendar rules come from `scheduling/`;
the rows from the bookings repository (which also gives a cancelled claim's seat back:
`cancel_held_bookings`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from claims.errors import FieldProblem, refusal
from claims.models import Claim, Interview
from claims.notifications_outbox import enqueue_notification
from claims.repositories.bookings import (
    Booking,
    BookingBranch,
    apply_interview_trigger,
    attempt_seat,
    booking_branch,
    earliest_open_slot,
    held_seats,
    insert_booking,
    live_interview,
    seats_held_at,
    was_rebooked,
)
from claims.repositories.claims import apply_transition, claim_rules, record_claim_event
from scheduling.calendar import SLOT_LENGTH
from scheduling.policy import rebooking_allowed
from scheduling.slots import Slot, find_upcoming_slot, free_seat, free_slots, upcoming_slots
from scheduling.video import new_room_id, video_url
from workflow.interview_lifecycle import InterviewTrigger
from workflow.machine import TransitionFacts
from workflow.states import Actor, ActorRole, ClaimStatus, Trigger

DEFAULT_VIDEO_URL_TEMPLATE = "https://vicon.jht-claims.example/wawancara/{room}"
APPLICANT = Actor(ActorRole.applicant)
# The statuses in which the applicant chooses the interview's time or asks for the branch.
INTERVIEW_STATUSES = (ClaimStatus.interview_scheduled, ClaimStatus.interview_missed)
BRANCH_INTERVIEW_REQUESTED = "request_branch_interview"  # the audit event's trigger
BRANCH_REASON_MAX = 300  # the column's length


@dataclass(frozen=True)
class InterviewChoice:
    """What the applicant may still do with the interview's time. The slot held at the
    documents' acceptance was not chosen by them, so their first change is free
    (`first_change_free`); every later one is a rebooking, at most `max_rebookings`, and
    after a miss exactly one more (workflow.md `reschedule`)."""

    first_change_free: bool
    max_rebookings: int
    rebookings_used: int
    rebookings_left: int

    @property
    def can_change(self) -> bool:
        return self.first_change_free or self.rebookings_left > 0


def book_earliest_slot(
    session: Session, claim: Claim, now: datetime, template: str = DEFAULT_VIDEO_URL_TEMPLATE
) -> Booking | None:
    """Books the earliest free slot from the next working day; None when the branch has no
    interviewer or no free slot within the booking horizon."""
    branch = booking_branch(session, claim.branch_code)
    if branch.capacity == 0:
        return None

    def attempt() -> Booking | None:
        # Two small reads instead of every held seat of the horizon: the earliest slot that
        # is not full, then its seats. On PostgreSQL each read sees what has committed by
        # then, so the slot may have filled in between: then look again (each time means
        # another booking succeeded); a seat taken between our read and our insert is
        # refused by the unique index, and `attempt_seat` tries again.
        while True:
            slot = earliest_open_slot(session, branch, now)
            if slot is None:
                return None
            seat = free_seat(branch.capacity, seats_held_at(session, branch.code, slot.starts_at))
            if seat is not None:
                room = video_url(template, new_room_id())
                return insert_booking(session, claim.id, branch, slot, seat, room, now)

    return attempt_seat(session, attempt)


def listed_free_slots(session: Session, claim: Claim, now: datetime) -> list[Slot]:
    """Free slots in the next 10 working days, for the applicant to choose from."""
    branch = booking_branch(session, claim.branch_code)
    listed = upcoming_slots(branch.calendar, now)
    if not listed or branch.capacity == 0:
        return []
    taken = held_seats(
        session, branch.code, listed[0].starts_at - SLOT_LENGTH, listed[-1].starts_at
    )
    counts = {start: len(seats) for start, seats in taken.items()}
    return free_slots(branch.calendar, now, branch.capacity, counts)


def first_change_is_free(session: Session, claim: Claim) -> bool:
    """The interview is still the one held automatically: scheduled, never missed, and no
    booking of the claim was replaced by a choice of the applicant."""
    return (
        claim.status is ClaimStatus.interview_scheduled
        and claim.misses == 0
        and not was_rebooked(session, claim.id)
    )


def interview_choice(session: Session, claim: Claim) -> InterviewChoice | None:
    """The applicant's choice of time while an interview is booked or missed, else None."""
    if claim.status not in INTERVIEW_STATUSES:
        return None
    limit = claim_rules(claim).max_reschedules
    used = claim.reschedules_used
    allowed = rebooking_allowed(
        used,
        claim.misses,
        rebooked_since_miss=claim.status is ClaimStatus.interview_scheduled and claim.misses > 0,
        max_reschedules=limit,
    )
    # After a miss exactly one rebooking remains, whatever the total left.
    left = (1 if claim.misses else limit - used) if allowed else 0
    return InterviewChoice(first_change_is_free(session, claim), limit, used, left)


def interview_notice(interview: Booking | Interview, branch: BookingBranch) -> dict[str, str]:
    """What the booking and reminder messages show of the interview."""
    return {
        "starts_at": interview.starts_at.isoformat(),
        "ends_at": interview.ends_at.isoformat(),
        "timezone": branch.calendar.timezone,
        "branch_code": branch.code,
        "branch_name": branch.name,
        "video_url": interview.video_url,
    }


def accept_and_book(
    session: Session,
    claim: Claim,
    verifier: Actor,
    now: datetime,
    template: str = DEFAULT_VIDEO_URL_TEMPLATE,
    expected_version: int | None = None,
) -> Booking:
    """`accept_documents`: books the earliest free slot in the same transaction."""
    interview = book_earliest_slot(session, claim, now, template)
    facts = TransitionFacts(all_required_accepted=True, slot_available=interview is not None)
    apply_transition(
        session,
        claim,
        Trigger.accept_documents,
        verifier,
        now,
        facts,
        data={"interview_starts_at": interview.starts_at.isoformat()} if interview else None,
        expected_version=expected_version,
        changes={"verifier_id": verifier.officer_id},
    )
    assert interview is not None  # the slot_available guard refused otherwise
    branch = booking_branch(session, claim.branch_code)
    enqueue_notification(
        session, claim, "interview_booked", now, interview_notice(interview, branch)
    )
    return interview


def rebook(
    session: Session,
    claim: Claim,
    starts_at: datetime,
    now: datetime,
    template: str = DEFAULT_VIDEO_URL_TEMPLATE,
) -> Booking:
    """The applicant moves the interview to one of the listed free slots. The first change
    of the slot held for them is their choice, not a rebooking: it is not counted."""
    branch = booking_branch(session, claim.branch_code)
    slot = find_upcoming_slot(branch.calendar, now, starts_at)
    previous = live_interview(session, claim.id)
    counted = not first_change_is_free(session, claim)  # read before the old one is replaced

    def attempt() -> Booking | None:
        if slot is None:
            return None
        if previous is not None and previous.starts_at == slot.starts_at:
            return None  # the same slot is no change
        seats = seats_held_at(session, branch.code, slot.starts_at)
        seat = free_seat(branch.capacity, seats) if len(seats) < branch.capacity else None
        if seat is None:
            return None
        room = video_url(template, new_room_id())
        return insert_booking(session, claim.id, branch, slot, seat, room, now)

    if previous is not None:
        # Free the old seat first, so the insert below can never collide with it.
        apply_interview_trigger(session, previous, InterviewTrigger.rebook)
    interview = attempt_seat(session, attempt)
    facts = TransitionFacts(
        slot_available=interview is not None,
        reschedules_used=claim.reschedules_used,
        misses=claim.misses,
    )
    apply_transition(
        session,
        claim,
        Trigger.reschedule,
        APPLICANT,
        now,
        facts,
        data={"interview_starts_at": starts_at.isoformat(), "counted": counted},
        changes={
            "reschedules_used": claim.reschedules_used + (1 if counted else 0),
            "last_activity_at": now,
        },
    )
    assert interview is not None
    enqueue_notification(
        session, claim, "interview_rebooked", now, interview_notice(interview, branch)
    )
    return interview


def request_branch_interview(session: Session, claim: Claim, reason: str, now: datetime) -> None:
    """The applicant asks to be interviewed at the branch instead of by video, with a short
    reason; stored on the claim with an audit event, for the officers to arrange. The video
    booking stays until they do. Asked once per claim."""
    if claim.status not in INTERVIEW_STATUSES:
        raise refusal(
            "no_interview",
            409,
            "This claim has no interview to arrange.",
            "Klaim ini belum memiliki jadwal wawancara.",
        )
    if claim.branch_interview_requested_at is not None:
        raise refusal(
            "branch_interview_already_requested",
            409,
            "An interview at the branch was already requested.",
            "Wawancara di kantor cabang sudah diminta.",
        )
    words = " ".join(reason.split())
    if not words or len(words) > BRANCH_REASON_MAX:
        raise FieldProblem(
            [
                {
                    "field": "reason",
                    "message_id": f"Tulis alasan singkat (paling banyak {BRANCH_REASON_MAX} "
                    "karakter).",
                    "message_en": f"Give a short reason (at most {BRANCH_REASON_MAX} characters).",
                }
            ]
        )
    # The reason stays on the claim; the event records only that it was asked (no free
    # text of the applicant in the audit chain).
    record_claim_event(
        session,
        claim,
        BRANCH_INTERVIEW_REQUESTED,
        APPLICANT,
        now,
        {"branch_interview_requested_at": now, "branch_interview_reason": words},
        data={"at_branch": True},
    )
