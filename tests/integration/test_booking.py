"""Interview booking against the database: working days and hours in the branch's own zone
(WIB, WITA, WIT), holidays and closures, one applicant per interviewer per slot, video links,
rebooking, and the savepoint retry that recovers from a seat taken underneath us."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from bench.batch_booking import book_earliest_slots
from claims.booking.book import accept_and_book, book_earliest_slot, listed_free_slots, rebook
from claims.casework import facts
from claims.casework.review import DocumentDecision, review_documents
from claims.db import Database, driver_execute
from claims.models import Branch, BranchClosure, Claim, Interview, Officer, Participant
from claims.registry.officers import add_officer
from claims.repositories.bookings import (
    Booking,
    booking_branch,
    branch_calendar,
    cancel_held_bookings,
    insert_booking,
    is_seat_conflict,
    live_interview,
    retry_seat_conflicts,
)
from scheduling.calendar import indonesian_holidays
from scheduling.slots import Slot
from tests.support import (
    NOW,
    Staff,
    add_staff,
    bare_claim_row,
    create,
    load_samples,
    new_claim_request,
    sample,
    submit_directly,
)
from workflow.errors import GuardFailed
from workflow.interview_lifecycle import InterviewStatus
from workflow.states import Actor, ActorRole, ClaimReason, ClaimStatus

TEMPLATE = "https://meet.example.id/jht/{room}"
VIDEO = "https://meet.example.id/jht/x"
ROOM = re.compile(r"^https://meet\.example\.id/jht/([A-Za-z0-9_-]{32})$")


@pytest.fixture
def samples(db: Database, tmp_path: Path) -> Database:
    load_samples(db, tmp_path / "samples")
    return db


def bulk_claims(
    db: Database, branch: str, count: int, now: datetime = NOW, status: str = "under_review"
) -> list[str]:
    """Claims made straight through the models (no identity check, no events): a fast path
    for tests that are only about seats."""
    ids: list[str] = []
    with db.unit_of_work() as session:
        for _ in range(count):
            token = uuid.uuid4().hex
            kpj = str(90_000_000_000 + int(token[:8], 16) % 9_999_999_999)
            session.add(
                Participant(
                    kpj=kpj,
                    nik="3171010101900001",
                    full_name="Peserta Uji",
                    birth_date=date(1990, 1, 1),
                    gender="F",
                    membership_start=date(2015, 1, 1),
                    membership_status="inactive",
                    employer_name="PT Uji",
                    employment_end_date=date(2026, 1, 1),
                    balance=10_000_000,
                    email="uji@contoh.id",
                    phone="+6281200000000",
                    deceased=False,
                    balance_date=date(2026, 1, 1),
                    updated_at=now,
                )
            )
            session.flush()  # the participant first: the models declare no relationships
            claim = Claim(**bare_claim_row(kpj, branch, status, now))
            session.add(claim)
            ids.append(claim.id)
    return ids


def interviewers(db: Database, branch: str, count: int) -> list[int]:
    with db.unit_of_work() as session:
        return [
            add_officer(session, f"pewawancara {branch} {n}", branch, ["interviewer"], NOW)[0].id
            for n in range(count)
        ]


def book(db: Database, claim_id: str, now: datetime = NOW) -> Booking | None:
    with db.unit_of_work() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        return book_earliest_slot(session, claim, now, TEMPLATE)


def to_interview(
    db: Database, label: str, now: datetime = NOW, staff: Staff | None = None
) -> tuple[Staff, str, Interview]:
    """A real claim of a sample participant, driven to interview_scheduled by the services."""
    row = sample(label)
    staff = staff or add_staff(db, row["_branch"], now)
    claim_id = create(db, new_claim_request(row, ClaimReason.resignation), now).claim_id
    types = submit_directly(db, claim_id, row["full_name"], now)
    with db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        decisions = [DocumentDecision(t, True) for t in types]
        review_documents(session, claim, staff.verifier, decisions, now)
        assert claim.status == ClaimStatus.interview_scheduled.value
        interview = live_interview(session, claim_id)
        assert interview is not None
    return staff, claim_id, interview


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_wit_branch_books_the_next_working_day_at_its_own_opening(samples: Database) -> None:
    # NOW is Monday 16 Nov 2026, 12:00 in Jayapura (UTC+9): the first slot is Tuesday 08:00 WIT.
    [officer] = interviewers(samples, "JPR-KTR", 1)
    [claim_id] = bulk_claims(samples, "JPR-KTR", 1)
    interview = book(samples, claim_id)
    assert interview is not None
    assert interview.starts_at == utc(2026, 11, 16, 23, 0)
    assert interview.ends_at == utc(2026, 11, 16, 23, 30)
    assert interview.interviewer_id == officer and interview.seat == 0
    assert ROOM.match(interview.video_url)


def test_a_booking_comes_back_as_it_was_written(samples: Database) -> None:
    [officer] = interviewers(samples, "JKT-SLB", 1)
    [claim_id] = bulk_claims(samples, "JKT-SLB", 1)
    booked = book(samples, claim_id)
    assert booked is not None
    with samples.read_only() as session:
        row = session.get(Interview, booked.id)
    assert row is not None
    assert (row.claim_id, row.branch_code, row.seat, row.interviewer_id) == (
        claim_id,
        "JKT-SLB",
        booked.seat,
        officer,
    )
    assert (row.starts_at, row.ends_at, row.video_url, row.booked_at) == (
        booked.starts_at,
        booked.ends_at,
        booked.video_url,
        booked.booked_at,
    )
    assert (row.status, row.holds_seat) == (InterviewStatus.booked, True)
    assert (row.outcome_reason_code, row.note, row.reminded_24h_at, row.reminded_1h_at) == (
        (None,) * 4
    )


def test_a_branch_is_read_once_per_transaction_and_afresh_in_the_next(
    samples: Database,
) -> None:
    interviewers(samples, "JKT-SLB", 1)
    closed = date(2026, 11, 17)
    with samples.unit_of_work() as session:
        first = booking_branch(session, "JKT-SLB")
        with session.begin_nested():  # a savepoint is still the same transaction
            assert booking_branch(session, "JKT-SLB") is first
        session.add(BranchClosure(branch_code="JKT-SLB", day=closed, reason="banjir"))
        session.flush()
        assert booking_branch(session, "JKT-SLB") is first  # read once per transaction
        session.commit()
        again = booking_branch(session, "JKT-SLB")  # the session's next transaction
    assert closed not in first.calendar.closures
    assert closed in again.calendar.closures and again.interviewer_ids == first.interviewer_ids


def test_wit_branch_with_its_own_hours(samples: Database) -> None:
    # Ambon opens 07:30 WIT = 22:30 UTC the day before.
    interviewers(samples, "AMB-KTR", 1)
    [claim_id] = bulk_claims(samples, "AMB-KTR", 1)
    interview = book(samples, claim_id)
    assert interview is not None and interview.starts_at == utc(2026, 11, 16, 22, 30)


def test_wita_branch_skips_a_closure(samples: Database) -> None:
    with samples.unit_of_work() as session:
        session.add(BranchClosure(branch_code="DPS-RNN", day=date(2026, 11, 17), reason="banjir"))
    interviewers(samples, "DPS-RNN", 1)
    [claim_id] = bulk_claims(samples, "DPS-RNN", 1)
    interview = book(samples, claim_id)
    # Tuesday is closed: Wednesday 08:00 WITA (UTC+8) is 00:00 UTC.
    assert interview is not None and interview.starts_at == utc(2026, 11, 18, 0, 0)
    # The closure is only Denpasar's: Makassar (same zone) books Tuesday.
    interviewers(samples, "MKS-PTB", 1)
    [other] = bulk_claims(samples, "MKS-PTB", 1)
    elsewhere = book(samples, other)
    assert elsewhere is not None and elsewhere.starts_at == utc(2026, 11, 17, 0, 0)


def test_weekend_and_national_holiday_are_skipped(samples: Database) -> None:
    assert date(2026, 12, 25) in indonesian_holidays(2026)  # Christmas, a Friday
    interviewers(samples, "JKT-SLB", 1)
    thursday = utc(2026, 12, 24, 3, 0)
    [claim_id] = bulk_claims(samples, "JKT-SLB", 1, thursday)
    with samples.read_only() as session:
        calendar = branch_calendar(session, "JKT-SLB")
    first_day = calendar.next_working_day(date(2026, 12, 24))
    assert first_day.weekday() == 0 and first_day > date(2026, 12, 27)
    interview = book(samples, claim_id, thursday)
    assert interview is not None
    assert interview.starts_at == calendar.at_local(first_day, calendar.opens)


def test_a_slot_holds_one_applicant_per_active_interviewer(samples: Database) -> None:
    officers = interviewers(samples, "BDG-SBR", 2)
    with samples.unit_of_work() as session:  # an inactive interviewer adds no seat
        add_officer(session, "cuti", "BDG-SBR", ["interviewer"], NOW)[0].active = False
    claims = bulk_claims(samples, "BDG-SBR", 3)
    booked = [book(samples, c) for c in claims]
    assert all(b is not None for b in booked)
    first, second, third = (b for b in booked if b is not None)
    assert first.starts_at == second.starts_at == utc(2026, 11, 17, 1, 0)  # Tue 08:00 WIB
    assert {first.interviewer_id, second.interviewer_id} == set(officers)
    assert third.starts_at == utc(2026, 11, 17, 1, 30) and third.seat == 0
    assert len({b.video_url for b in (first, second, third)}) == 3


def test_a_full_day_moves_to_the_next_working_day(samples: Database) -> None:
    interviewers(samples, "SBY-DMS", 1)
    claims = bulk_claims(samples, "SBY-DMS", 17)
    booked = [book(samples, c) for c in claims]
    last = booked[-1]
    assert last is not None and last.starts_at == utc(2026, 11, 18, 1, 0)  # Wednesday 08:00
    starts = [b.starts_at for b in booked[:-1] if b is not None]
    assert len(set(starts)) == 16 and max(starts) == utc(2026, 11, 17, 8, 30)


def test_a_closure_added_between_bookings_counts_from_the_next_one(samples: Database) -> None:
    # The calendar and its slot windows are cached by value: a closure makes a new calendar.
    interviewers(samples, "JKT-SLB", 1)
    first, second = bulk_claims(samples, "JKT-SLB", 2)
    booked = book(samples, first)
    assert booked is not None and booked.starts_at == utc(2026, 11, 17, 1, 0)  # Tue 08:00 WIB
    with samples.unit_of_work() as session:
        session.add(BranchClosure(branch_code="JKT-SLB", day=date(2026, 11, 17), reason="banjir"))
    after_closure = book(samples, second)
    # Tuesday's booking still holds its seat but is no longer a slot one can book.
    assert after_closure is not None and after_closure.starts_at == utc(2026, 11, 18, 1, 0)


def test_new_hours_between_bookings_count_from_the_next_one(samples: Database) -> None:
    interviewers(samples, "JKT-SLB", 1)
    first, second = bulk_claims(samples, "JKT-SLB", 2)
    assert book(samples, first) is not None  # Tuesday 08:00 WIB
    with samples.unit_of_work() as session:
        branch = session.get(Branch, "JKT-SLB")
        assert branch is not None
        branch.opens = "09:00"
    later = book(samples, second)
    # Not 08:30, the next slot under the old hours: Tuesday 09:00 WIB.
    assert later is not None and later.starts_at == utc(2026, 11, 17, 2, 0)


def test_a_freed_seat_is_booked_again_before_later_slots(samples: Database) -> None:
    interviewers(samples, "BDG-SBR", 3)
    claims = bulk_claims(samples, "BDG-SBR", 6)
    booked = [book(samples, c) for c in claims[:4]]
    assert [(b.starts_at, b.seat) for b in booked if b is not None] == [
        (utc(2026, 11, 17, 1, 0), 0),
        (utc(2026, 11, 17, 1, 0), 1),
        (utc(2026, 11, 17, 1, 0), 2),
        (utc(2026, 11, 17, 1, 30), 0),
    ]
    with samples.unit_of_work() as session:  # seat 1 of the first slot, below the highest
        cancel_held_bookings(session, claims[1])
    with samples.read_only() as session:
        cancelled = session.scalars(select(Interview).where(Interview.claim_id == claims[1]))
        assert [(i.status, i.holds_seat) for i in cancelled] == [(InterviewStatus.cancelled, False)]
    refill, next_one = (book(samples, c) for c in claims[4:])
    assert refill is not None and (refill.starts_at, refill.seat) == (utc(2026, 11, 17, 1, 0), 1)
    assert next_one is not None
    assert (next_one.starts_at, next_one.seat) == (utc(2026, 11, 17, 1, 30), 1)


def test_seats_above_a_reduced_capacity_still_fill_the_slot(samples: Database) -> None:
    officers = interviewers(samples, "SBY-DMS", 3)
    claims = bulk_claims(samples, "SBY-DMS", 5)
    for claim_id in claims[:3]:
        assert book(samples, claim_id) is not None  # seats 0, 1 and 2 of Tuesday 08:00
    with samples.unit_of_work() as session:  # one interviewer leaves: two seats a slot
        officer = session.get(Officer, officers[2])
        assert officer is not None
        officer.active = False
        cancel_held_bookings(session, claims[0])  # seats 1 and 2 still held: full
    moved, beside = (book(samples, c) for c in claims[3:])
    assert moved is not None and (moved.starts_at, moved.seat) == (utc(2026, 11, 17, 1, 30), 0)
    assert beside is not None and (beside.starts_at, beside.seat) == (utc(2026, 11, 17, 1, 30), 1)


def test_no_interviewer_means_no_slot_and_accept_is_refused(samples: Database) -> None:
    [claim_id] = bulk_claims(samples, "MDN-KTR", 1)
    assert book(samples, claim_id) is None
    with samples.unit_of_work() as session:
        verifier = add_officer(session, "verifikator", "MDN-KTR", ["verifier"], NOW)[0]
    with pytest.raises(GuardFailed) as refused, samples.unit_of_work() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        accept_and_book(session, claim, Actor(ActorRole.verifier, verifier.id), NOW)
    assert refused.value.code == "slot_not_available"


def test_listed_slots_are_ten_working_days_without_full_ones(samples: Database) -> None:
    interviewers(samples, "JKT-SLB", 1)
    [taken, claim_id] = bulk_claims(samples, "JKT-SLB", 2)
    booked = book(samples, taken)
    assert booked is not None
    with samples.read_only() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        slots = listed_free_slots(session, claim, NOW)
        calendar = branch_calendar(session, "JKT-SLB")
    days = {calendar.local_date(s.starts_at) for s in slots}
    assert len(days) == 10 and min(days) == date(2026, 11, 17)
    assert all(calendar.is_working_day(d) for d in days)
    assert len(slots) == 10 * 16 - 1
    assert booked.starts_at not in {s.starts_at for s in slots}


def test_rebook_moves_the_seat_and_refuses_a_full_or_unlisted_slot(samples: Database) -> None:
    staff, claim_id, first = to_interview(samples, "resignation: left 3 months ago")
    branch = sample("resignation: left 3 months ago")["_branch"]
    [other] = bulk_claims(samples, branch, 1)
    taken = book(samples, other)  # the only interviewer: its slot is now full
    assert taken is not None
    for wanted, code in (
        (taken.starts_at, "slot_not_available"),
        (first.starts_at, "slot_not_available"),
        (first.starts_at + timedelta(minutes=10), "slot_not_available"),
    ):
        with pytest.raises(GuardFailed) as refused, samples.unit_of_work() as session:
            rebook(session, facts.get_claim(session, claim_id), wanted, NOW, TEMPLATE)
        assert refused.value.code == code
    target = first.starts_at + timedelta(days=1)
    with samples.unit_of_work() as session:
        moved = rebook(session, facts.get_claim(session, claim_id), target, NOW, TEMPLATE)
    assert moved.starts_at == target and moved.video_url != first.video_url
    with samples.read_only() as session:
        rows = list(session.scalars(select(Interview).where(Interview.claim_id == claim_id)))
        claim = facts.get_claim(session, claim_id)
    assert sorted((r.status, r.holds_seat) for r in rows) == [("booked", True), ("replaced", False)]
    # The first change of the slot held at acceptance is the applicant's choice: not counted.
    assert claim.reschedules_used == 0 and staff.interviewer.officer_id is not None


def test_seat_retry_recovers_from_a_failed_insert_in_a_savepoint(samples: Database) -> None:
    interviewers(samples, "JKT-SLB", 2)
    first, second = bulk_claims(samples, "JKT-SLB", 2)
    winner = book(samples, first)
    assert winner is not None and winner.seat == 0
    slot = Slot(winner.starts_at, winner.ends_at)
    tries: list[int] = []
    with samples.unit_of_work() as session:
        branch = booking_branch(session, "JKT-SLB")

        def attempt() -> Booking:
            # The first try acts on a stale read (seat 0 looked free), as a racing booker does.
            tries.append(len(tries))
            seat = 0 if len(tries) == 1 else 1
            return insert_booking(session, second, branch, slot, seat, VIDEO, NOW)

        interview = retry_seat_conflicts(session, attempt)
        assert interview is not None and interview.seat == 1
        # The transaction is still usable after the refused INSERT (PostgreSQL aborts a
        # transaction on error unless the savepoint is rolled back).
        assert session.scalar(select(func.count()).select_from(Interview)) == 2
    assert tries == [0, 1]
    with samples.read_only() as session:
        held = session.execute(
            select(Interview.claim_id, Interview.seat).where(Interview.holds_seat.is_(True))
        ).all()
    assert sorted(held) == sorted([(first, 0), (second, 1)])


def test_seat_retry_does_not_hide_other_integrity_errors(samples: Database) -> None:
    interviewers(samples, "JKT-SLB", 1)
    with pytest.raises(IntegrityError), samples.unit_of_work() as session:
        branch = booking_branch(session, "JKT-SLB")
        slot = Slot(utc(2026, 11, 17, 1, 0), utc(2026, 11, 17, 1, 30))
        retry_seat_conflicts(
            session, lambda: insert_booking(session, "no-such-claim", branch, slot, 0, VIDEO, NOW)
        )


def test_batch_booking_fills_the_earliest_seats_of_each_branch(samples: Database) -> None:
    interviewers(samples, "JKT-SLB", 2)
    interviewers(samples, "JPR-KTR", 1)
    [early] = bulk_claims(samples, "JKT-SLB", 1)
    assert book(samples, early) is not None  # seat 0 of the first slot is already held
    claim_ids = bulk_claims(samples, "JKT-SLB", 5) + bulk_claims(samples, "JPR-KTR", 3)
    with samples.unit_of_work() as session:
        claims = [session.get(Claim, c) for c in reversed(claim_ids)]
        made = book_earliest_slots(session, [c for c in claims if c is not None], NOW, TEMPLATE)
    assert all(m is not None for m in made)
    with samples.read_only() as session:
        rows = session.execute(
            select(Interview.branch_code, Interview.starts_at, Interview.seat)
            .where(Interview.holds_seat.is_(True))
            .order_by(Interview.branch_code, Interview.starts_at, Interview.seat)
        ).all()
    jakarta = [(r.starts_at, r.seat) for r in rows if r.branch_code == "JKT-SLB"]
    tuesday = utc(2026, 11, 17, 1, 0)  # 08:00 WIB
    assert jakarta == [(tuesday + timedelta(minutes=30 * (n // 2)), n % 2) for n in range(6)]
    jayapura = [r.starts_at for r in rows if r.branch_code == "JPR-KTR"]
    assert jayapura == [utc(2026, 11, 16, 23, 0) + timedelta(minutes=30 * n) for n in range(3)]


_SEATS_AT = select(Interview.seat).where(
    Interview.branch_code == bindparam("branch"),
    Interview.starts_at == bindparam("starts_at", type_=Interview.starts_at.type),
)


def test_driver_execute_gives_the_rows_and_errors_of_sqlalchemy(samples: Database) -> None:
    """The booking's statements run straight on SQLite's cursor (`driver_execute`): the same
    parameters (a datetime bound as SQLite's stored text), rows and integrity errors."""
    [claim_id] = bulk_claims(samples, "JKT-SLB", 1)
    starts = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
    booking = {
        "claim_id": claim_id,
        "branch_code": "JKT-SLB",
        "starts_at": starts,
        "ends_at": starts + timedelta(minutes=30),
        "seat": 0,
        "holds_seat": True,
        "video_url": "https://meet.example.id/jht/x",
        "status": InterviewStatus.booked,
        "booked_at": starts,
    }
    columns = Interview.__table__.c
    insert_booking = insert(Interview).values(
        {name: bindparam(name, type_=columns[name].type) for name in booking}
    )
    parameters = {"branch": "JKT-SLB", "starts_at": starts}
    with samples.unit_of_work() as session:
        connection = session.connection()
        driver_execute(connection, insert_booking, booking)
        through_driver = [row[0] for row in driver_execute(connection, _SEATS_AT, parameters)]
        through_sqlalchemy = connection.execute(_SEATS_AT, parameters).scalars().all()
        assert through_driver == list(through_sqlalchemy) == [0]
        with session.begin_nested(), pytest.raises(IntegrityError) as refused:
            driver_execute(connection, insert_booking, booking)  # the same seat again
        assert is_seat_conflict(refused.value)
