"""Interview bookings in the database: a booking holds a seat (branch, slot start, seat)
under a unique index, so two claims can never take the same seat. The calendar rules come
from `scheduling/`; this module reads branches, closures and interviewers and writes rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Connection,
    CursorResult,
    Date,
    Dialect,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    event,
    func,
    insert,
    null,
    select,
    text,
    true,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction, make_transient_to_detached
from sqlalchemy.types import NullType

from claims.db import driver_execute
from claims.errors import NotFound, refusal
from claims.models import Branch, BranchClosure, Claim, Interview, Officer
from claims.notifications_outbox import enqueue_notification
from claims.repositories._rows import flush_claim, get_row, hold_rows, update_row
from claims.repositories.claims import apply_transition
from scheduling.calendar import SLOT_LENGTH, BranchCalendar
from scheduling.slots import (
    BOOKING_HORIZON_WORKING_DAYS,
    Slot,
    find_upcoming_slot,
    free_seat,
    free_slots,
    slots_after,
    upcoming_slots,
)
from scheduling.video import new_room_id, video_url
from workflow.machine import TransitionFacts
from workflow.states import Actor, ActorRole, ClaimStatus, Trigger

DEFAULT_VIDEO_URL_TEMPLATE = "https://vicon.jht-claims.example/wawancara/{room}"
# Each failed attempt means another booking took the seat first and committed, so a booker
# only loses as often as there are bookers ahead of it; this bound only stops a runaway loop.
BOOKING_ATTEMPTS = 200
SYSTEM = Actor(ActorRole.system)
# The predicate of the partial index uq_interviews_seat, spelled exactly as the index spells
# it: SQLite uses a partial index only when the query repeats its WHERE term verbatim, and
# SQLAlchemy would write `holds_seat = 1` (a full table scan per booking).
SEAT_HELD = text("interviews.holds_seat")
BRANCH_SEATS_KEY = "booking_branch_seats"
T = TypeVar("T")


# Statements built once (a statement object keeps its cache key), run on the session's
# connection without the ORM: the booking path reads only a few columns.
_CLOSURES = select(BranchClosure.day).where(BranchClosure.branch_code == bindparam("branch"))
# A branch's interviewers and its closures, one row each: an interviewer's row has no
# day, a closure's row no officer.
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
# Everything `branch_seats` needs in one statement: the branch's zone and hours on every
# row, with its interviewers (in officer id order: seat n is the n-th) and closures; one
# row of NULLs after the hours for a branch with neither.
_BRANCH_SEATS = (
    select(
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


def branch_calendar(session: Session, branch_code: str) -> BranchCalendar:
    branch = get_row(session, Branch, branch_code)
    if branch is None:
        raise NotFound("branch")
    closures = session.connection().execute(_CLOSURES, {"branch": branch_code}).scalars()
    return BranchCalendar.from_config(branch.timezone, branch.opens, branch.closes, closures)


@dataclass(frozen=True)
class Seat:
    """Seat n of every slot belongs to the branch's n-th interviewer."""

    id: int  # the interviewer (an officer id)


@lru_cache(maxsize=1024)
def _calendar(timezone: str, opens: str, closes: str, closures: frozenset[date]) -> BranchCalendar:
    # A pure function of the branch's settings, every one of them in the key: an edited
    # zone, hours or closure makes another key, so no entry is ever stale. The same object
    # for the same settings also keeps the slot caches keyed on it cheap to look up.
    return BranchCalendar.from_config(timezone, opens, closes, closures)


def branch_seats(session: Session, branch_code: str) -> tuple[BranchCalendar, list[Seat]]:
    """The branch's calendar and interviewers, read once per transaction: a transaction that
    books many interviews (a batch, the benchmark) reads them once, and a new transaction
    always reads them afresh, so a closure or a new interviewer counts from the next one."""
    cache: dict[str, tuple[BranchCalendar, list[Seat]]] = session.info.setdefault(
        BRANCH_SEATS_KEY, {}
    )
    found = cache.get(branch_code)
    if found is None:
        connection = session.connection()
        rows = driver_execute(connection, _BRANCH_SEATS, {"branch": branch_code}).fetchall()
        if not rows:
            raise NotFound("branch")
        timezone, opens, closes = rows[0][:3]
        # Columns by position: the driver's rows have no names.
        seats = [Seat(row[3]) for row in rows if _interviews(row[4])]
        closures = frozenset(_as_date(row[5]) for row in rows if row[5] is not None)
        found = (_calendar(timezone, opens, closes, closures), seats)
        cache[branch_code] = found
    return found


def _as_date(value: date | str) -> date:
    """A DATE column as the driver gives it: SQLite's ISO text, or a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _interviews(roles: str | None) -> bool:
    # The SQL's LIKE also matches a role that merely contains the word.
    return roles is not None and "interviewer" in roles.split()


@event.listens_for(Session, "after_transaction_end")
def _forget_branch_seats(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction, not a savepoint
        session.info.pop(BRANCH_SEATS_KEY, None)


def interviewers_of(session: Session, branch_code: str) -> list[Officer]:
    """The branch's active interviewers in a stable order: seat n belongs to the n-th."""
    candidates = session.scalars(
        select(Officer)
        .where(
            Officer.branch_code == branch_code,
            Officer.active.is_(True),
            Officer.roles.contains("interviewer"),
        )
        .order_by(Officer.id)
    )
    return [officer for officer in candidates if "interviewer" in officer.role_set]


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
_HELD_IN_WINDOW = (
    Interview.branch_code == bindparam("branch"),
    SEAT_HELD,
    Interview.starts_at > bindparam("after", type_=Interview.starts_at.type),
    Interview.starts_at <= bindparam("until", type_=Interview.starts_at.type),
)
_FULL_SLOTS = (
    select(Interview.starts_at, func.count())
    .where(*_HELD_IN_WINDOW)
    .group_by(Interview.starts_at)
    .having(func.count() >= bindparam("capacity"))
)
# The full slots again, each by its start as the database holds it (SQLite's text; from
# PostgreSQL as epoch seconds, `_FULL_EPOCHS`), to be matched against the window's starts in
# the same form (`_stored_window`): late in a busy window a booking passes hundreds of full
# slots, and parsing each start back into a datetime would cost more than the query.
_FULL_STARTS = (
    select(type_coerce(Interview.starts_at, NullType()).label("starts_at"))
    .where(*_HELD_IN_WINDOW)
    .group_by(Interview.starts_at)
    .having(func.count() >= bindparam("capacity"))
)
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
_LIVE_INTERVIEW = (
    select(Interview)
    .where(Interview.claim_id == bindparam("claim_id"), Interview.holds_seat.is_(True))
    .order_by(Interview.id.desc())
    .limit(1)
)


def taken_seats(
    session: Session, branch_code: str, after: datetime, until: datetime | None = None
) -> dict[datetime, set[int]]:
    """The seats held in slots starting after `after` (and at or before `until`), by slot
    start. Bounding the window keeps a booking's read to the slots it can choose from."""
    parameters = {"branch": branch_code, "after": after, "until": until}
    rows = session.connection().execute(_TAKEN[until is not None], parameters)
    taken: dict[datetime, set[int]] = defaultdict(set)
    for starts_at, seat in rows:
        taken[starts_at].add(seat)
    return taken


def full_slots(
    session: Session, branch_code: str, capacity: int, after: datetime, until: datetime
) -> dict[datetime, int]:
    """The slots starting in (after, until] that hold `capacity` bookings or more."""
    parameters = {"branch": branch_code, "after": after, "until": until, "capacity": capacity}
    rows = session.connection().execute(_FULL_SLOTS, parameters)
    return {starts_at: int(n) for starts_at, n in rows}


def live_interview(session: Session, claim_id: str) -> Interview | None:
    return session.scalar(_LIVE_INTERVIEW, {"claim_id": claim_id})


def latest_interview(session: Session, claim_id: str) -> Interview | None:
    return session.scalar(
        select(Interview)
        .where(Interview.claim_id == claim_id)
        .order_by(Interview.id.desc())
        .limit(1)
    )


def is_seat_conflict(error: IntegrityError) -> bool:
    """The unique index on held seats refused a booking (PostgreSQL names the index, SQLite
    the columns); any other integrity error is a bug and must not be retried away."""
    text = str(error.orig)
    return "uq_interviews_seat" in text or "interviews.seat" in text


def _with_seat_retry(session: Session, attempt: Callable[[], T | None]) -> T | None:
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


def _attempt_seat(session: Session, attempt: Callable[[], T | None]) -> T | None:
    """`_with_seat_retry` where a race is possible. A SQLite writer holds the database lock
    from BEGIN IMMEDIATE to commit (and a deferred one that read before another writer
    committed cannot write at all), so no other booking can take a seat between our read
    and our insert: the savepoint (two more statements) would never be rolled back."""
    if session.get_bind().dialect.name == "sqlite":
        return attempt()
    return _with_seat_retry(session, attempt)


def _booking_values(
    claim: Claim,
    slot: Slot,
    seat: int,
    interviewers: Sequence[Seat | Officer],
    now: datetime,
    template: str,
) -> dict[str, Any]:
    """Every column of a new booking but its id."""
    return {
        "claim_id": claim.id,
        "branch_code": claim.branch_code,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "seat": seat,
        "holds_seat": True,
        "interviewer_id": interviewers[seat].id if seat < len(interviewers) else None,
        "video_url": video_url(template, new_room_id()),
        "status": "booked",
        "outcome_reason_code": None,
        "note": None,
        "booked_at": now,
        "reminded_24h_at": None,
        "reminded_1h_at": None,
    }


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
_INTERVIEWS = Interview.__table__
# The columns of `_booking_values`, each bound with its column's type, so that the statement
# compiles once for the driver (`driver_execute`).
_INSERT_INTERVIEW = insert(Interview).values(
    {name: bindparam(name, type_=_INTERVIEWS.c[name].type) for name in _BOOKING_COLUMNS}
)


def _insert_booking(session: Session, values: dict[str, Any]) -> Interview:
    """INSERTs the booking (`_booking_values`) at once (a seat taken meanwhile raises
    IntegrityError here, inside the caller's savepoint), then attaches it to the session as
    a loaded row."""
    result = driver_execute(session.connection(), _INSERT_INTERVIEW, values)
    if isinstance(result, CursorResult):
        assert result.inserted_primary_key is not None
        new_id = result.inserted_primary_key[0]
    else:
        new_id = result.lastrowid
    interview = Interview()
    # Filled the way a query loads a row, without the change events of setting attributes:
    # the row is written, there is nothing to track (make_transient_to_detached would reset
    # the history anyway).
    interview.__dict__.update(values, id=new_id)
    make_transient_to_detached(interview)
    session.add(interview)
    hold_rows(session, interview)
    return interview


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


def book_earliest_slot(
    session: Session, claim: Claim, now: datetime, template: str = DEFAULT_VIDEO_URL_TEMPLATE
) -> Interview | None:
    """Books the earliest free slot from the next working day; None when the branch has no
    interviewer or no free slot within the booking horizon."""
    calendar, interviewers = branch_seats(session, claim.branch_code)
    capacity = len(interviewers)
    connection = session.connection()
    window, stored_starts = _stored_window(calendar, calendar.local_date(now), connection.dialect)
    if not window or capacity == 0:
        return None
    branch_code = claim.branch_code
    full_in_window = {
        "branch": branch_code,
        "after": window[0].starts_at - SLOT_LENGTH,
        "until": window[-1].starts_at,
        "capacity": capacity,
    }

    def attempt() -> Interview | None:
        # Two small reads instead of every held seat of the horizon: the full slots (full is
        # judged by the number of bookings: after an interviewer leaves, seats above the new
        # capacity still count), then the seats of the earliest slot that is not full. On
        # PostgreSQL each read sees what has committed by then, so the slot may have filled
        # in between: then look again (each time means another booking succeeded); a seat
        # taken between our read and our insert is refused by the unique index, and
        # `_attempt_seat` tries again.
        while True:
            full = _full_starts(connection, full_in_window)
            free = next((n for n, start in enumerate(stored_starts) if start not in full), None)
            if free is None:
                return None
            slot = window[free]
            parameters = {"branch": branch_code, "starts_at": slot.starts_at}
            taken = [row[0] for row in driver_execute(connection, _SLOT_SEATS, parameters)]
            seat = free_seat(capacity, set(taken))
            if seat is not None:
                values = _booking_values(claim, slot, seat, interviewers, now, template)
                return _insert_booking(session, values)

    return _attempt_seat(session, attempt)


def book_earliest_slots(
    session: Session,
    claims: Sequence[Claim],
    now: datetime,
    template: str = DEFAULT_VIDEO_URL_TEMPLATE,
) -> list[Interview | None]:
    """`book_earliest_slot` for many claims at once, in the order given (a batch import, the
    benchmark): each branch's calendar, interviewers and held seats are read once, the seats
    handed out in memory earliest first, and the rows inserted together in one savepoint;
    when another transaction took one of those seats first, the branch's batch is rolled
    back to the savepoint and handed out again from a fresh read."""
    by_branch: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_branch[claim.branch_code].append(claim)
    booked: dict[str, Interview | None] = {}
    for branch_code, group in by_branch.items():
        calendar, interviewers = branch_seats(session, branch_code)
        capacity = len(interviewers)
        window = upcoming_slots(calendar, now, BOOKING_HORIZON_WORKING_DAYS)
        if not window or capacity == 0:
            booked.update((claim.id, None) for claim in group)
            continue

        def attempt(
            group: list[Claim] = group,
            window: list[Slot] = window,
            interviewers: Sequence[Seat | Officer] = interviewers,
        ) -> list[tuple[Claim, Interview | None]]:
            return _book_branch_batch(session, group, window, interviewers, now, template)

        made = _attempt_seat(session, attempt)
        if made is None:
            booked.update((claim.id, None) for claim in group)
        else:
            booked.update((claim.id, interview) for claim, interview in made)
    return [booked[claim.id] for claim in claims]


def _book_branch_batch(
    session: Session,
    group: list[Claim],
    window: list[Slot],
    interviewers: Sequence[Seat | Officer],
    now: datetime,
    template: str,
) -> list[tuple[Claim, Interview | None]]:
    capacity = len(interviewers)
    branch_code = group[0].branch_code
    first, last = window[0].starts_at - SLOT_LENGTH, window[-1].starts_at
    # Skip the full slots at the front (one row per slot), then read the seats from the
    # first slot with room on: earliest-first booking keeps that tail short.
    full = full_slots(session, branch_code, capacity, first, last)
    position = 0  # seats are only taken during the batch, so the earliest only moves on
    while position < len(window) and window[position].starts_at in full:
        position += 1
    taken: dict[datetime, set[int]] = {}
    if position < len(window):
        taken = taken_seats(session, branch_code, window[position].starts_at - SLOT_LENGTH, last)
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
        values = _booking_values(claim, slot, seat, interviewers, now, template)
        made.append((claim, Interview(**values)))
    session.add_all([interview for _, interview in made if interview is not None])
    session.flush()
    return made


def release_booking(session: Session, claim: Claim, new_status: str) -> None:
    """Frees the seat of the claim's live booking, if it has one."""
    session.execute(
        update(Interview)
        .where(Interview.claim_id == claim.id, Interview.holds_seat.is_(True))
        .values(holds_seat=False, status=new_status)
    )


def listed_free_slots(session: Session, claim: Claim, now: datetime) -> list[Slot]:
    """Free slots in the next 10 working days, for the applicant to choose from."""
    calendar, interviewers = branch_seats(session, claim.branch_code)
    capacity = len(interviewers)
    listed = upcoming_slots(calendar, now)
    if not listed or capacity == 0:
        return []
    taken = taken_seats(
        session, claim.branch_code, listed[0].starts_at - SLOT_LENGTH, listed[-1].starts_at
    )
    counts = {start: len(seats) for start, seats in taken.items()}
    return free_slots(calendar, now, capacity, counts)


def interview_notice(interview: Interview, branch: Branch) -> dict[str, str]:
    return {
        "starts_at": interview.starts_at.isoformat(),
        "ends_at": interview.ends_at.isoformat(),
        "timezone": branch.timezone,
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
) -> Interview:
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
    branch = get_row(session, Branch, claim.branch_code)
    assert branch is not None
    enqueue_notification(
        session, claim, "interview_booked", now, interview_notice(interview, branch)
    )
    flush_claim(session)
    return interview


def rebook(
    session: Session,
    claim: Claim,
    starts_at: datetime,
    now: datetime,
    template: str = DEFAULT_VIDEO_URL_TEMPLATE,
) -> Interview:
    """The applicant moves the interview to one of the listed free slots."""
    calendar, interviewers = branch_seats(session, claim.branch_code)
    slot = find_upcoming_slot(calendar, now, starts_at)
    previous = live_interview(session, claim.id)

    def attempt() -> Interview | None:
        if slot is None:
            return None
        seats = taken_seats(
            session, claim.branch_code, slot.starts_at - SLOT_LENGTH, slot.starts_at
        ).get(slot.starts_at, set())
        if previous is not None and previous.starts_at == slot.starts_at:
            return None  # the same slot is no change
        seat = free_seat(len(interviewers), seats) if len(seats) < len(interviewers) else None
        if seat is None:
            return None
        return _insert_booking(
            session, _booking_values(claim, slot, seat, interviewers, now, template)
        )

    if previous is not None:
        # Free the old seat first, so the insert below can never collide with it.
        previous.holds_seat = False
        previous.status = "replaced"
        session.flush()
    interview = _attempt_seat(session, attempt)
    facts = TransitionFacts(
        slot_available=interview is not None,
        reschedules_used=claim.reschedules_used,
        misses=claim.misses,
    )
    apply_transition(
        session,
        claim,
        Trigger.reschedule,
        Actor(ActorRole.applicant),
        now,
        facts,
        data={"interview_starts_at": starts_at.isoformat()},
        changes={"reschedules_used": claim.reschedules_used + 1, "last_activity_at": now},
    )
    assert interview is not None
    branch = get_row(session, Branch, claim.branch_code)
    assert branch is not None
    enqueue_notification(
        session, claim, "interview_rebooked", now, interview_notice(interview, branch)
    )
    flush_claim(session)
    return interview


OUTCOME_TRIGGERS = {
    "passed": Trigger.pass_interview,
    "failed": Trigger.fail_interview,
    "no_show": Trigger.record_no_show,
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
    if interview is None and ClaimStatus(claim.status) is ClaimStatus.interview_scheduled:
        raise refusal(
            "no_interview",
            409,
            "This claim has no booked interview.",
            "Klaim ini belum memiliki jadwal wawancara.",
        )
    trigger = OUTCOME_TRIGGERS[outcome]
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
        trigger,
        actor,
        now,
        facts,
        reason_code=reason_code,
        note=note,
        expected_version=expected_version,
        changes=changes,
    )
    assert interview is not None
    update_row(
        session,
        interview,
        {
            "status": outcome,
            "outcome_reason_code": reason_code,
            "note": note,
            "holds_seat": outcome != "no_show" and interview.holds_seat,
        },
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
    flush_claim(session)
    return claim
