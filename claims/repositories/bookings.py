"""The bookings repository: interviews, and what booking reads of a branch (its calendar,
closures and interviewers). A booking holds a seat (branch, slot start, seat) under the
partial unique index uq_interviews_seat, so two claims can never take the same seat.

The booking path is tuned by hand (quality.md: 10,000 bookings in at most 10 s): its
statements are compiled once and run on the driver (`driver_execute`), a branch is read once
per transaction, and the full slots of the booking window come back in one row in the
database's own form. All of that stays in here; callers get models and dataclasses."""

from __future__ import annotations

import typing
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    CursorResult,
    Date,
    Dialect,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    cast,
    func,
    null,
    select,
    text,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute, Session, SessionTransaction
from sqlalchemy.types import NullType

from claims.db import driver_execute, insert_of
from claims.errors import NotFound
from claims.models import Branch, BranchClosure, Claim, Interview, Officer
from claims.repositories._rows import update_row
from scheduling.calendar import SLOT_LENGTH, BranchCalendar
from scheduling.policy import ReminderKind
from scheduling.slots import BOOKING_HORIZON_WORKING_DAYS, Slot, slots_after
from workflow.interview_lifecycle import (
    INTERVIEW_LIFECYCLE,
    SEAT_FREED,
    InterviewStatus,
    InterviewTrigger,
)
from workflow.states import ClaimStatus

# Each failed attempt means another booking took the seat first and committed, so a booker
# only loses as often as there are bookers ahead of it; this bound only stops a runaway loop.
BOOKING_ATTEMPTS = 200
T = TypeVar("T")


# --- a branch as booking sees it ----------------------------------------------------------


@dataclass(frozen=True)
class BookingBranch:
    """A branch's calendar and its active interviewers in officer id order: seat n of every
    slot belongs to the n-th."""

    code: str
    name: str
    calendar: BranchCalendar
    interviewer_ids: tuple[int, ...]

    @property
    def capacity(self) -> int:
        return len(self.interviewer_ids)

    def interviewer_at(self, seat: int) -> int | None:
        """The seat's interviewer; None for a seat above the capacity (an interviewer left)."""
        return self.interviewer_ids[seat] if seat < len(self.interviewer_ids) else None


# A branch's interviewers and its closures, one row each: an interviewer's row has no day, a
# closure's row no officer.
_INTERVIEWERS_AND_CLOSURES = union_all(
    select(
        Officer.id.label("interviewer_id"),
        Officer.roles.label("roles"),
        cast(null(), Date).label("closed_on"),
    ).where(
        Officer.branch_code == bindparam("branch"),
        Officer.active.is_(True),
        Officer.roles.contains("interviewer"),
    ),
    select(cast(null(), Integer), cast(null(), String), BranchClosure.day).where(
        BranchClosure.branch_code == bindparam("branch")
    ),
).subquery()
# Everything `booking_branch` needs in one statement: the branch's name, zone and hours on
# every row, with its interviewers (in officer id order) and closures; one row of NULLs after
# the hours for a branch with neither.
_BOOKING_BRANCH = (
    select(
        Branch.name,
        Branch.timezone,
        Branch.opens,
        Branch.closes,
        _INTERVIEWERS_AND_CLOSURES.c.interviewer_id,
        _INTERVIEWERS_AND_CLOSURES.c.roles,
        _INTERVIEWERS_AND_CLOSURES.c.closed_on,
    )
    .outerjoin(_INTERVIEWERS_AND_CLOSURES, true())
    .where(Branch.code == bindparam("branch"))
    .order_by(_INTERVIEWERS_AND_CLOSURES.c.interviewer_id)
)
_BRANCHES_KEY = "booking_branches"


def booking_branch(session: Session, branch_code: str) -> BookingBranch:
    """The branch's calendar and interviewers, read once per transaction: a transaction that
    books many interviews reads them once, and a new transaction always reads them afresh,
    so a closure or a new interviewer counts from the next one. Raises NotFound."""
    branches = _branches_of_transaction(session)
    found = branches.get(branch_code)
    if found is None:
        rows = driver_execute(session.connection(), _BOOKING_BRANCH, {"branch": branch_code})
        found = branches[branch_code] = _booking_branch(branch_code, rows.fetchall())
    return found


def _branches_of_transaction(session: Session) -> dict[str, BookingBranch]:
    """The branches read in the session's current (outermost) transaction. The cache is
    tagged with that transaction, so a later transaction finds it stale without any
    listener on the session's events (the tag keeps the old one alive: no id is reused)."""
    transaction: SessionTransaction | None = session.get_transaction()
    if transaction is None:
        session.connection()  # begins the transaction the reads belong to
        transaction = session.get_transaction()
    tagged: tuple[SessionTransaction | None, dict[str, BookingBranch]] | None = session.info.get(
        _BRANCHES_KEY
    )
    if tagged is None or tagged[0] is not transaction:
        tagged = session.info[_BRANCHES_KEY] = (transaction, {})
    return tagged[1]


def _booking_branch(branch_code: str, rows: Sequence[Any]) -> BookingBranch:
    if not rows:
        raise NotFound("branch")
    name, timezone, opens, closes = rows[0][:4]
    # Columns by position: the driver's rows have no names.
    interviewers = tuple(row[4] for row in rows if _interviews(row[5]))
    closures = frozenset(_as_date(row[6]) for row in rows if row[6] is not None)
    return BookingBranch(
        branch_code, name, _calendar(timezone, opens, closes, closures), interviewers
    )


@lru_cache(maxsize=1024)
def _calendar(timezone: str, opens: str, closes: str, closures: frozenset[date]) -> BranchCalendar:
    # A pure function of the branch's settings, every one of them in the key: an edited
    # zone, hours or closure makes another key, so no entry is ever stale. The same object
    # for the same settings also keeps the slot caches keyed on it cheap to look up.
    return BranchCalendar.from_config(timezone, opens, closes, closures)


def _as_date(value: date | str) -> date:
    """A DATE column as the driver gives it: SQLite's ISO text, or a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _interviews(roles: str | None) -> bool:
    # The SQL's LIKE also matches a role that merely contains the word.
    return roles is not None and "interviewer" in roles.split()


def branch_calendar(session: Session, branch_code: str) -> BranchCalendar:
    """The branch's working days and hours, closures included. Raises NotFound."""
    return booking_branch(session, branch_code).calendar


# --- held seats ---------------------------------------------------------------------------

# The predicate of the partial index uq_interviews_seat, spelled exactly as the index spells
# it: SQLite uses a partial index only when the query repeats its WHERE term verbatim, and
# SQLAlchemy would write `holds_seat = 1` (a full table scan per booking).
SEAT_HELD = text("interviews.holds_seat")


def _taken(bounded: bool) -> Select[tuple[datetime, int]]:
    statement = select(Interview.starts_at, Interview.seat).where(
        Interview.branch_code == bindparam("branch"),
        SEAT_HELD,
        Interview.starts_at > bindparam("after", type_=Interview.starts_at.type),
    )
    if bounded:
        statement = statement.where(
            Interview.starts_at <= bindparam("until", type_=Interview.starts_at.type)
        )
    return statement


_TAKEN = {bounded: _taken(bounded) for bounded in (False, True)}


def _full_starts_as(
    start: ColumnElement[Any] | QueryableAttribute[Any],
) -> Select[tuple[Any]]:
    """The starts of the branch's full slots in (after, until], each read as `start` gives
    it. Full is judged by the number of bookings: after an interviewer leaves, seats above
    the new capacity still count."""
    return (
        select(start.label("starts_at"))
        .where(
            Interview.branch_code == bindparam("branch"),
            SEAT_HELD,
            Interview.starts_at > bindparam("after", type_=Interview.starts_at.type),
            Interview.starts_at <= bindparam("until", type_=Interview.starts_at.type),
        )
        .group_by(Interview.starts_at)
        .having(func.count() >= bindparam("capacity"))
    )


# The full slots of the window, each by its start as the database holds it (SQLite's text;
# from PostgreSQL as epoch seconds, `_FULL_EPOCHS`), to be matched against the window's
# starts in the same form (`_stored_window`): late in a busy window a booking passes hundreds
# of full slots, and parsing each start back into a datetime would cost more than the query.
_FULL_STARTS = _full_starts_as(type_coerce(Interview.starts_at, NullType()))
# The same starts as datetimes (`full_slot_starts`, for a batch that books many claims).
_FULL_SLOT_STARTS = _full_starts_as(Interview.starts_at)
# The same starts from SQLite in one row, joined by commas (a stored datetime has none):
# one string to split instead of a result row per full slot.
_FULL_STARTS_JOINED = select(func.group_concat(_FULL_STARTS.subquery().c.starts_at))
# PostgreSQL's in one row too: an array of epoch seconds (integers are cheap to parse, a
# row per timestamp is not).
_FULL_EPOCHS = select(
    func.array_agg(cast(func.extract("epoch", _FULL_STARTS.subquery().c.starts_at), BigInteger))
)
_SLOT_SEATS = select(Interview.seat).where(
    Interview.branch_code == bindparam("branch"),
    SEAT_HELD,
    Interview.starts_at == bindparam("starts_at", type_=Interview.starts_at.type),
)


def held_seats(
    session: Session, branch_code: str, after: datetime, until: datetime | None = None
) -> dict[datetime, set[int]]:
    """The seats held in slots starting after `after` (and at or before `until`), by slot
    start. Bounding the window keeps a read to the slots one can choose from."""
    parameters = {"branch": branch_code, "after": after, "until": until}
    rows = session.connection().execute(_TAKEN[until is not None], parameters)
    taken: dict[datetime, set[int]] = defaultdict(set)
    for starts_at, seat in rows:
        taken[starts_at].add(seat)
    return taken


def seats_held_at(session: Session, branch_code: str, starts_at: datetime) -> set[int]:
    """The seats held in the branch's slot starting at `starts_at`."""
    parameters = {"branch": branch_code, "starts_at": starts_at}
    return {row[0] for row in driver_execute(session.connection(), _SLOT_SEATS, parameters)}


def earliest_open_slot(session: Session, branch: BookingBranch, now: datetime) -> Slot | None:
    """The earliest slot of the booking horizon (from the branch's next working day after
    `now`) that holds fewer bookings than the branch has interviewers; None when every one
    is full. On PostgreSQL it reflects what has committed by the time of the read."""
    connection = session.connection()
    calendar = branch.calendar
    window, stored_starts = _stored_window(calendar, calendar.local_date(now), connection.dialect)
    if not window:
        return None
    parameters = {
        "branch": branch.code,
        "after": window[0].starts_at - SLOT_LENGTH,
        "until": window[-1].starts_at,
        "capacity": branch.capacity,
    }
    full = _full_starts(connection, parameters)
    free = next((n for n, start in enumerate(stored_starts) if start not in full), None)
    return None if free is None else window[free]


def full_slot_starts(
    session: Session, branch_code: str, capacity: int, after: datetime, until: datetime
) -> set[datetime]:
    """The starts of the branch's slots in (after, until] that hold `capacity` bookings or
    more (booking one claim at a time goes by `earliest_open_slot` instead)."""
    parameters = {"branch": branch_code, "after": after, "until": until, "capacity": capacity}
    return set(session.connection().execute(_FULL_SLOT_STARTS, parameters).scalars())


def _full_starts(connection: Connection, parameters: dict[str, Any]) -> set[Any]:
    """The full slots of the window, each start as `_stored_window` gives it."""
    if connection.dialect.name == "sqlite":
        row = driver_execute(connection, _FULL_STARTS_JOINED, parameters).fetchone()
        joined = row[0] if row else None  # an aggregate: always one row
        return set(joined.split(",")) if joined else set()
    return set(connection.execute(_FULL_EPOCHS, parameters).scalar() or ())


@lru_cache(maxsize=1024)  # as many as `slots_after` keeps: a window per branch calendar
def _stored_window(
    calendar: BranchCalendar, today: date, dialect: Dialect
) -> tuple[tuple[Slot, ...], tuple[Any, ...]]:
    """The booking horizon's slots after the local day `today`, with each start as the
    database stores it. Depends on nothing but its arguments (the calendar by value: zone,
    hours and closures), so caching it is safe across transactions."""
    window = slots_after(calendar, today, BOOKING_HORIZON_WORKING_DAYS)
    if dialect.name != "sqlite":  # as `_full_starts` reads them: epoch seconds
        return window, tuple(int(s.starts_at.timestamp()) for s in window)
    column_type = Interview.__table__.c.starts_at.type
    store = column_type.dialect_impl(dialect).bind_processor(dialect)
    return window, tuple(store(s.starts_at) if store else s.starts_at for s in window)


# --- new bookings -------------------------------------------------------------------------


@dataclass(frozen=True)
class Booking:
    """A booking just written: status booked, holding its seat."""

    id: int
    claim_id: str
    branch_code: str
    starts_at: datetime
    ends_at: datetime
    seat: int
    interviewer_id: int | None
    video_url: str
    booked_at: datetime


_BOOKING_COLUMNS = (
    "claim_id",
    "branch_code",
    "starts_at",
    "ends_at",
    "seat",
    "holds_seat",
    "interviewer_id",
    "video_url",
    "status",
    "outcome_reason_code",
    "note",
    "booked_at",
    "reminded_24h_at",
    "reminded_1h_at",
)
# Every column but the id, each bound with its column's type, so that the statement compiles
# once for the driver (`driver_execute`).
_INSERT_INTERVIEW = insert_of(typing.cast(Table, Interview.__table__), _BOOKING_COLUMNS)


def insert_booking(
    session: Session,
    claim_id: str,
    branch: BookingBranch,
    slot: Slot,
    seat: int,
    video_url: str,
    now: datetime,
) -> Booking:
    """INSERTs a booking of `seat` in `slot` at once: a seat taken meanwhile raises
    IntegrityError here (`is_seat_conflict`), inside the caller's savepoint."""
    interviewer_id = branch.interviewer_at(seat)
    values = {
        "claim_id": claim_id,
        "branch_code": branch.code,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "seat": seat,
        "holds_seat": True,
        "interviewer_id": interviewer_id,
        "video_url": video_url,
        "status": INTERVIEW_LIFECYCLE.initial,
        "outcome_reason_code": None,
        "note": None,
        "booked_at": now,
        "reminded_24h_at": None,
        "reminded_1h_at": None,
    }
    result = driver_execute(session.connection(), _INSERT_INTERVIEW, values)
    if isinstance(result, CursorResult):
        assert result.inserted_primary_key is not None
        new_id = result.inserted_primary_key[0]
    else:
        new_id = result.lastrowid
    return Booking(
        new_id,
        claim_id,
        branch.code,
        slot.starts_at,
        slot.ends_at,
        seat,
        interviewer_id,
        video_url,
        now,
    )


def is_seat_conflict(error: IntegrityError) -> bool:
    """The unique index on held seats refused a booking (PostgreSQL names the index, SQLite
    the columns); any other integrity error is a bug and must not be retried away."""
    message = str(error.orig)
    return "uq_interviews_seat" in message or "interviews.seat" in message


def retry_seat_conflicts(session: Session, attempt: Callable[[], T | None]) -> T | None:
    """Runs `attempt` in a savepoint; when another transaction took the same seat first (the
    unique index refuses ours), the savepoint is rolled back (the transaction stays usable on
    PostgreSQL too) and we look again. Each retry reads the winner's committed row (READ
    COMMITTED on PostgreSQL; on SQLite writers are serialised and never collide)."""
    for _ in range(BOOKING_ATTEMPTS):
        try:
            with session.begin_nested():
                return attempt()
        except IntegrityError as error:
            if not is_seat_conflict(error):
                raise
            continue
    return None


def attempt_seat(session: Session, attempt: Callable[[], T | None]) -> T | None:
    """`retry_seat_conflicts` where a race is possible. A SQLite writer holds the database
    lock from BEGIN IMMEDIATE to commit (and a deferred one that read before another writer
    committed cannot write at all), so no other booking can take a seat between our read
    and our insert: the savepoint (two more statements) would never be rolled back."""
    if session.get_bind().dialect.name == "sqlite":
        return attempt()
    return retry_seat_conflicts(session, attempt)


# --- interviews ---------------------------------------------------------------------------

_LIVE_INTERVIEW = (
    select(Interview)
    .where(Interview.claim_id == bindparam("claim_id"), Interview.holds_seat.is_(True))
    .order_by(Interview.id.desc())
    .limit(1)
)
_SEAT_HOLDERS_OF_CLAIM = select(Interview).where(
    Interview.claim_id == bindparam("claim_id"), Interview.holds_seat.is_(True)
)


def live_interview(session: Session, claim_id: str) -> Interview | None:
    """The claim's booking that holds a seat (the latest, should there be more)."""
    return session.scalar(_LIVE_INTERVIEW, {"claim_id": claim_id})


_REPLACED_OF_CLAIM = (
    select(Interview.id)
    .where(
        Interview.claim_id == bindparam("claim_id"),
        Interview.status == InterviewStatus.replaced,
    )
    .limit(1)
)


def was_rebooked(session: Session, claim_id: str) -> bool:
    """True once any booking of the claim was replaced by the applicant's choice."""
    return session.scalar(_REPLACED_OF_CLAIM, {"claim_id": claim_id}) is not None


def latest_interview(session: Session, claim_id: str) -> Interview | None:
    """The claim's latest booking, whatever became of it."""
    return session.scalar(
        select(Interview)
        .where(Interview.claim_id == claim_id)
        .order_by(Interview.id.desc())
        .limit(1)
    )


def get_interview(session: Session, interview_id: int) -> Interview | None:
    """The interview with this id, or None."""
    return session.get(Interview, interview_id)


def locked_interview(session: Session, interview_id: int) -> Interview | None:
    """The interview, locked FOR UPDATE on PostgreSQL (SQLite writers are serialised)."""
    return session.scalar(select(Interview).where(Interview.id == interview_id).with_for_update())


def reread_interview(session: Session, interview: Interview) -> None:
    """Loads the interview's columns again (after taking a lock that may have waited)."""
    session.refresh(interview)


def apply_interview_trigger(
    session: Session,
    interview: Interview,
    trigger: InterviewTrigger,
    *,
    reason_code: str | None = None,
    note: str | None = None,
) -> InterviewStatus:
    """The one way an interview's status changes: fires `trigger` on the interview's table
    (raises LifecycleRefused, nothing written, when it does not apply) and writes the new
    status with the outcome's reason and note, giving the seat back if the new status does."""
    new = INTERVIEW_LIFECYCLE.fire(interview.status, trigger)
    update_row(
        session,
        interview,
        {
            "status": new,
            "outcome_reason_code": reason_code,
            "note": note,
            "holds_seat": interview.holds_seat and new not in SEAT_FREED,
        },
    )
    return new


def cancel_held_bookings(session: Session, claim_id: str) -> None:
    """Cancels the claim's bookings that hold a seat (at most its live one), freeing it."""
    for interview in session.scalars(_SEAT_HOLDERS_OF_CLAIM, {"claim_id": claim_id}).all():
        apply_interview_trigger(session, interview, InterviewTrigger.cancel)


def mark_reminded(
    session: Session, interview: Interview, kind: ReminderKind, now: datetime
) -> None:
    """Records that the reminder `kind` of the interview was queued at `now`."""
    column = "reminded_24h_at" if kind is ReminderKind.day_before else "reminded_1h_at"
    update_row(session, interview, {column: now})


# --- reads for the scheduled jobs ---------------------------------------------------------


def interviews_to_remind(session: Session, now: datetime, until: datetime) -> list[Interview]:
    """Booked interviews starting in (now, until] with a reminder not yet sent, in time order."""
    return list(
        session.scalars(
            select(Interview)
            .where(
                Interview.holds_seat.is_(True),
                Interview.status == InterviewStatus.booked,
                Interview.starts_at > now,
                Interview.starts_at <= until,
                (Interview.reminded_24h_at.is_(None) | Interview.reminded_1h_at.is_(None)),
            )
            .order_by(Interview.starts_at, Interview.id)
        )
    )


def booked_interviews_ended_by(session: Session, ended_by: datetime) -> list[int]:
    """The ids of booked interviews of claims still interview_scheduled whose slot ended at or
    before `ended_by`, earliest first: the candidates for an automatic no-show."""
    return list(
        session.scalars(
            select(Interview.id)
            .join(Claim, Claim.id == Interview.claim_id)
            .where(
                Interview.holds_seat.is_(True),
                Interview.status == InterviewStatus.booked,
                Interview.ends_at <= ended_by,
                Claim.status == ClaimStatus.interview_scheduled,
            )
            .order_by(Interview.ends_at, Interview.id)
        )
    )
