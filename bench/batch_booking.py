"""Booking many claims in one transaction (`bench_booking.py --batch N`): the product books
one claim at a time (`claims.booking.book.book_earliest_slot`); this is how a batch import
would, kept here for the benchmark's batch figure and the tests of its concurrency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from claims.booking.book import DEFAULT_VIDEO_URL_TEMPLATE
from claims.models import Claim, Interview
from claims.repositories.bookings import (
    BookingBranch,
    attempt_seat,
    booking_branch,
    full_slot_starts,
    held_seats,
)
from scheduling.calendar import SLOT_LENGTH
from scheduling.slots import BOOKING_HORIZON_WORKING_DAYS, Slot, free_seat, upcoming_slots
from scheduling.video import new_room_id, video_url
from workflow.interview_lifecycle import INTERVIEW_LIFECYCLE


def book_earliest_slots(
    session: Session,
    claims: Sequence[Claim],
    now: datetime,
    template: str = DEFAULT_VIDEO_URL_TEMPLATE,
) -> list[Interview | None]:
    """`book_earliest_slot` for many claims at once, in the order given: each branch's
    calendar, interviewers and held seats are read once, the seats handed out in memory
    earliest first, and the rows inserted together in one savepoint; when another
    transaction took one of those seats first, the branch's batch is rolled back to the
    savepoint and handed out again from a fresh read."""
    by_branch: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_branch[claim.branch_code].append(claim)
    booked: dict[str, Interview | None] = {}
    for branch_code, group in by_branch.items():
        branch = booking_branch(session, branch_code)
        window = upcoming_slots(branch.calendar, now, BOOKING_HORIZON_WORKING_DAYS)
        if not window or branch.capacity == 0:
            booked.update((claim.id, None) for claim in group)
            continue

        def attempt(
            group: list[Claim] = group, window: list[Slot] = window, branch: BookingBranch = branch
        ) -> list[tuple[Claim, Interview | None]]:
            return _book_branch_batch(session, group, window, branch, now, template)

        made = attempt_seat(session, attempt)
        if made is None:
            booked.update((claim.id, None) for claim in group)
        else:
            booked.update((claim.id, interview) for claim, interview in made)
    return [booked[claim.id] for claim in claims]


def _book_branch_batch(
    session: Session,
    group: list[Claim],
    window: list[Slot],
    branch: BookingBranch,
    now: datetime,
    template: str,
) -> list[tuple[Claim, Interview | None]]:
    capacity = branch.capacity
    first, last = window[0].starts_at - SLOT_LENGTH, window[-1].starts_at
    # Skip the full slots at the front (one row per slot), then read the seats from the
    # first slot with room on: earliest-first booking keeps that tail short.
    full = full_slot_starts(session, branch.code, capacity, first, last)
    position = 0  # seats are only taken during the batch, so the earliest only moves on
    while position < len(window) and window[position].starts_at in full:
        position += 1
    taken: dict[datetime, set[int]] = {}
    if position < len(window):
        taken = held_seats(session, branch.code, window[position].starts_at - SLOT_LENGTH, last)
    made: list[tuple[Claim, Interview | None]] = []
    for claim in group:
        while position < len(window) and len(taken.get(window[position].starts_at, ())) >= capacity:
            position += 1
        if position == len(window):
            made.append((claim, None))
            continue
        slot = window[position]
        seats = taken.setdefault(slot.starts_at, set())
        seat = free_seat(capacity, seats)
        assert seat is not None  # the slot holds fewer bookings than interviewers
        seats.add(seat)
        interview = Interview(
            claim_id=claim.id,
            branch_code=branch.code,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            seat=seat,
            holds_seat=True,
            interviewer_id=branch.interviewer_at(seat),
            video_url=video_url(template, new_room_id()),
            status=INTERVIEW_LIFECYCLE.initial,
            booked_at=now,
        )
        made.append((claim, interview))
    session.add_all([interview for _, interview in made if interview is not None])
    session.flush()
    return made
