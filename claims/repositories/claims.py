"""The claims repository: every read and write of a claim row, the person's history and the
verification attempts. The one way a claim's status changes is `apply_transition`: fire the
workflow machine, then, in the caller's transaction, write the status, bump the version
(optimistic lock), move the SLA clock and append the audit event. A concurrent change of the
same claim fails with 409. Creation, the hottest write, goes straight to the driver."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Table,
    and_,
    bindparam,
    func,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute, Session, aliased
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from claims.clock import as_utc
from claims.db import driver_execute, driver_first, in_fixed, insert_of
from claims.errors import ConcurrentChange, PreconditionFailed
from claims.models import Branch, Claim, ClaimEvent, Participant, Payout, VerificationAttempt
from claims.repositories._rows import (
    CHAIN_HEADS_KEY,
    event_race,
    flush_claim,
    get_row,
    hold_rows,
    row_defaults,
)
from claims.repositories.events import chain_head, insert_event
from scheduling.sla import SlaClock, clock_for_status, due_at
from workflow.audit_chain import ChainHead, chained_event
from workflow.machine import TransitionFacts, fire
from workflow.payout_lifecycle import OPEN_PAYOUT_STATUSES, PayoutStatus
from workflow.rules import RuleSet, rules_by_version
from workflow.states import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Actor,
    ClaimReason,
    ClaimStatus,
    Trigger,
)

# Called after every recorded transition with (trigger, from, to, seconds spent in `from`):
# the metrics register here, so the casework does not depend on the web layer.
TransitionListener = Callable[[str, str, str, float], None]
TRANSITION_LISTENERS: list[TransitionListener] = []
T = TypeVar("T")
PERSON_FACTS_KEY = "person_facts"


@dataclass(frozen=True)
class TransitionResult:
    from_status: ClaimStatus
    to_status: ClaimStatus
    event: dict[str, Any]  # the event row written


def forget_facts_of_others(session: Session, claim: Claim) -> None:
    """Drops the person facts (`person_history`) that count `claim` itself: those read
    without it stay true whatever happens to it."""
    facts = session.info.get(PERSON_FACTS_KEY)
    if facts:
        for key in [key for key in facts if key[-1] != claim.id]:
            del facts[key]


def _remember_chain_head(session: Session, claim: Claim, head: ChainHead) -> None:
    """The chain's head as of the claim's current version (see `_known_chain_head`)."""
    session.info.setdefault(CHAIN_HEADS_KEY, {})[claim.id] = (claim.version, head)


def _known_chain_head(session: Session, claim: Claim) -> ChainHead | None:
    """The head read with the claim (or written since) while the claim is still at that
    version. Every event is appended by a transition that moves the version, so a head known
    at the version the claim's UPDATE then checks is the head the next event extends: had
    anyone appended since, that UPDATE would find another version and refuse (409)."""
    found = session.info.get(CHAIN_HEADS_KEY, {}).get(claim.id)
    if found is not None and found[0] == claim.version:
        return found[1]  # type: ignore[no-any-return]
    return None


def claim_rules(claim: Claim) -> RuleSet:
    """The rule set the claim was opened under."""
    return rules_by_version(claim.rules_version)


def check_version(claim: Claim, expected_version: int | None) -> None:
    """`If-Match` on officer actions: the version the caller saw must still be current."""
    if expected_version is not None and expected_version != claim.version:
        raise PreconditionFailed(claim.version)


def _sla_fields(claim: Claim, status: ClaimStatus, rules: RuleSet, now: datetime) -> dict[str, Any]:
    """The SLA clock's columns once the claim enters `status` at `now`."""
    clock = SlaClock(used_seconds=claim.sla_used_seconds, running_since=claim.sla_running_since)
    clock = clock_for_status(clock, status, now)
    # A finished claim has no due date; a paused one shows when it would fall due if resumed now.
    final = status in FINAL_STATUSES
    return {
        "sla_used_seconds": clock.used_seconds,
        "sla_running_since": clock.running_since,
        "sla_due_at": None if final else due_at(clock, now, rules.sla_working_days),
    }


_CLAIMS = cast(Table, Claim.__table__)
_CLAIM_UPDATES: dict[tuple[str, ...], Any] = {}


def _claim_update(keys: tuple[str, ...]) -> Any:
    """UPDATE claims SET <keys>, version = :new_version WHERE id = :id AND version = :version,
    built once per set of columns."""
    statement = _CLAIM_UPDATES.get(keys)
    if statement is None:
        statement = (
            update(_CLAIMS)
            .where(
                _CLAIMS.c.id == bindparam("claim_id_"),
                _CLAIMS.c.version == bindparam("version_"),
            )
            .values(
                version=bindparam("new_version_", type_=_CLAIMS.c.version.type),
                **{key: bindparam(key, type_=_CLAIMS.c[key].type) for key in keys},
            )
        )
        _CLAIM_UPDATES[keys] = statement
    return statement


def update_claim_details(session: Session, claim: Claim, values: dict[str, Any]) -> None:
    """Writes the applicant's details (`values`: bank account, NPWP, activity times; never
    the status, which only `apply_transition` writes) with a new version; a concurrent
    change of the claim is refused (409)."""
    assert "status" not in values, "a status changes only by apply_transition"
    _write_claim(session, claim, values)


def flush_changes(session: Session) -> None:
    """Writes what the unit of work has pending; a claim version moved underneath us, or an
    event sequence number taken by another writer, is a concurrent change (409)."""
    flush_claim(session)


def _write_claim(session: Session, claim: Claim, values: dict[str, Any]) -> None:
    """Sets `values` on the claim and writes them with a new version in one UPDATE whose
    version check refuses a concurrent change (409). A claim with no other unwritten change
    (the usual case) is written by one statement built once, and the object takes the values
    as written; otherwise through the ORM's flush, which writes those changes too."""
    head = _known_chain_head(session, claim)  # unchanged by this write: no event is added
    state = inspect(claim)
    if state.modified or not state.persistent:
        for name, value in values.items():
            setattr(claim, name, value)
        flag_modified(claim, "status")  # written, and its version moved, even if unchanged
        flush_claim(session)
        if head is not None:
            _remember_chain_head(session, claim, head)
        return
    keys = tuple(sorted(values))
    version = claim.version
    parameters = dict(values, claim_id_=claim.id, version_=version, new_version_=version + 1)
    result = session.connection().execute(_claim_update(keys), parameters)
    if result.rowcount != 1:
        raise ConcurrentChange()
    for name, value in values.items():
        set_committed_value(claim, name, value)
    set_committed_value(claim, "version", version + 1)
    if head is not None:
        _remember_chain_head(session, claim, head)


def apply_transition(
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
    previous = _known_chain_head(session, claim) or chain_head(session, claim.id)
    rules = claim_rules(claim)
    old = claim.status
    new = fire(old, trigger, actor, facts or TransitionFacts(), now, rules)
    # Other fields the same step sets (who approved, when submitted): applied only once the
    # machine has accepted, and written by the same UPDATE.
    values: dict[str, Any] = {"status": new, "updated_at": now, **(changes or {})}
    values.update(_sla_fields(claim, new, rules, now))
    forget_facts_of_others(session, claim)  # the person's open/paid claims now differ
    # Every transition writes the claim row, so its version moves even when no field
    # changed; the UPDATE goes first: its version check (WHERE version = the one we read)
    # serialises writers of this claim, so the event appended next extends the chain head
    # read above. The unique (claim, seq) index stays as the last line of defence.
    _write_claim(session, claim, values)
    flush_claim(session)  # whatever else the step left unwritten, as before
    event = chained_event(
        claim.id,
        claim.rules_version,
        previous,
        trigger=trigger.value,
        from_status=old.value,
        to_status=new.value,
        actor_role=actor.role.value,
        actor_id=actor.officer_id,
        at=now,
        reason_code=reason_code,
        note=note,
        data=data,
    )
    _append_event(session, claim, event)
    seconds_in_old = (now - previous.at).total_seconds() if previous else 0.0
    for listener in TRANSITION_LISTENERS:
        listener(trigger.value, old.value, new.value, seconds_in_old)
    return TransitionResult(old, new, event)


def _append_event(session: Session, claim: Claim, event: dict[str, Any]) -> None:
    """Appends the claim's next audit event; another writer's event at the same place in the
    chain (a race the version check let through) is a ConcurrentChange."""
    try:
        insert_event(session, event)
    except IntegrityError as error:
        if event_race(error):
            raise ConcurrentChange() from None
        raise
    _remember_chain_head(session, claim, ChainHead(event["seq"], event["hash"], event["at"]))


def record_claim_event(
    session: Session,
    claim: Claim,
    trigger: str,
    actor: Actor,
    now: datetime,
    values: dict[str, Any],
    *,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An applicant's act that changes no status (`values`: the claim fields it sets) with its
    audit event: the claim row is written with a new version first, as `apply_transition`
    does, so the event appended next extends the head read with that version."""
    assert "status" not in values, "a status changes only by apply_transition"
    previous = _known_chain_head(session, claim) or chain_head(session, claim.id)
    _write_claim(session, claim, {**values, "updated_at": now})
    event = chained_event(
        claim.id,
        claim.rules_version,
        previous,
        trigger=trigger,
        from_status=claim.status.value,
        to_status=claim.status.value,
        actor_role=actor.role.value,
        actor_id=actor.officer_id,
        at=now,
        data=data,
    )
    _append_event(session, claim, event)
    return event


# --- the person's history -------------------------------------------------------------------

PARTIAL_REASONS = (ClaimReason.partial_housing.value, ClaimReason.partial_other.value)
OPEN_STATUS_VALUES = tuple(status.value for status in OPEN_STATUSES)
OPEN_OR_PAID = (*OPEN_STATUS_VALUES, ClaimStatus.paid.value)
# A payout counts towards the person's paid total from its creation until it fails.
COUNTED_PAYOUT_STATUSES = (*OPEN_PAYOUT_STATUSES, PayoutStatus.paid)
# A refused payout still counts while its claim waits for a new bank account: the
# replacement pays the figures fixed at approval, so a later payment's tax must count them.


class PersonHistory(NamedTuple):
    """What a person's other claims mean for a new one: a partial claim open or paid (the
    checklist and eligibility change), and the JHT benefit paid or being paid to them (the
    Rp 50 juta tax band counts over all of it)."""

    had_partial_claim: bool
    gross_paid: int
    # When the first of those payouts was made (its figures fixed): the tax's 2 calendar years
    # count from it.
    first_paid_at: datetime | None = None


def _person_history_columns(
    nik: ColumnElement[Any] | QueryableAttribute[Any],
    excluding: ColumnElement[Any] | QueryableAttribute[Any] | None,
) -> tuple[ScalarSelect[Any], ScalarSelect[Any], ScalarSelect[Any]]:
    """The history rule, the one definition of it: (count of the person's partial claims open
    or paid, sum of the gross of their live payouts pending, sent, unknown or paid (or refused
    while the claim waits for a new account, whose replacement pays the same), and when
    the first of those was made) over every KPJ of the NIK `nik`, leaving out the claim
    `excluding`. Its own aliases, so that it
    correlates with a statement that reads a claim and participant itself."""
    claim, participant = aliased(Claim), aliased(Participant)
    partial = (
        select(func.count())
        .select_from(claim)
        .join(participant, participant.kpj == claim.kpj)
        .where(
            participant.nik == nik,
            in_fixed(claim.reason, PARTIAL_REASONS),
            in_fixed(claim.status, OPEN_OR_PAID),
        )
    )
    paid_claim, paid_participant = aliased(Claim), aliased(Participant)
    payout = aliased(Payout, name="paid")
    paid = (
        select(func.coalesce(func.sum(payout.gross), 0))
        .select_from(payout)
        .join(paid_claim, paid_claim.id == payout.claim_id)
        .join(paid_participant, paid_participant.kpj == paid_claim.kpj)
        .where(
            paid_participant.nik == nik,
            # The predicate of the partial index uq_payouts_live_per_claim spelled as the index
            # spells it: SQLite uses a partial index only when the query repeats its WHERE term
            # verbatim (SQLAlchemy would write `live = 1`, and each sum would scan every payout).
            text("paid.live"),
            or_(
                in_fixed(payout.status, COUNTED_PAYOUT_STATUSES),
                and_(
                    payout.status == PayoutStatus.failed,
                    paid_claim.status == ClaimStatus.payout_failed,
                ),
            ),
        )
    )
    if excluding is not None:
        partial = partial.where(claim.id != excluding)
        paid = paid.where(paid_claim.id != excluding)
    first_paid = paid.with_only_columns(func.min(payout.created_at))
    return partial.scalar_subquery(), paid.scalar_subquery(), first_paid.scalar_subquery()


# Built once (with and without an excluded claim): a statement object keeps its cache key.
_HISTORY = {
    excluding: select(
        *_person_history_columns(bindparam("nik"), bindparam("excluding") if excluding else None)
    )
    for excluding in (False, True)
}


def _memo(session: Session, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """Facts about a person asked several times within one unit of work are read once;
    `forget_facts_of_others` drops them when a claim or payout of that person changes."""
    cache: dict[tuple[object, ...], Any] = session.info.setdefault(PERSON_FACTS_KEY, {})
    if key not in cache:
        cache[key] = compute()
    return cast(T, cache[key])


def _remember_history(
    session: Session, nik: str, excluding_claim: str | None, history: PersonHistory
) -> None:
    session.info.setdefault(PERSON_FACTS_KEY, {})[("history", nik, excluding_claim)] = history


def forget_person_facts(session: Session) -> None:
    """Drops every person fact read in this unit of work (a claim was just added, or the
    person was just locked and what was read before may be stale)."""
    session.info.pop(PERSON_FACTS_KEY, None)


def person_history(session: Session, nik: str, excluding_claim: str | None = None) -> PersonHistory:
    """The person's history without `excluding_claim`: one statement, read once per unit of
    work."""
    return _memo(
        session,
        ("history", nik, excluding_claim),
        lambda: _read_person_history(session, nik, excluding_claim),
    )


def _read_person_history(session: Session, nik: str, excluding_claim: str | None) -> PersonHistory:
    parameters = {"nik": nik}
    if excluding_claim:
        parameters["excluding"] = excluding_claim
    session.flush()  # what a query would autoflush; then the statement without the ORM
    row = session.connection().execute(_HISTORY[bool(excluding_claim)], parameters).one()
    return _history(*row)


def _history(partial: Any, paid: Any, first_paid_at: Any) -> PersonHistory:
    """The person's history from the columns of `_person_history_columns`."""
    return PersonHistory(
        bool(partial), int(paid or 0), None if first_paid_at is None else as_utc(first_paid_at)
    )


# --- reading a claim ------------------------------------------------------------------------

# A claim with what its steps need, read by one statement (so they agree): its participant,
# its chain's head, and the person's history without this claim.
_LAST_EVENT = aliased(ClaimEvent)
_CLAIM_CONTEXT = (
    select(
        Claim,
        Participant,
        ClaimEvent.seq,
        ClaimEvent.hash,
        ClaimEvent.at,
        *_person_history_columns(Participant.nik, Claim.id),
    )
    .join(Participant, Participant.kpj == Claim.kpj)
    .outerjoin(
        ClaimEvent,
        and_(
            ClaimEvent.claim_id == Claim.id,
            ClaimEvent.seq
            == select(func.max(_LAST_EVENT.seq))
            .where(_LAST_EVENT.claim_id == bindparam("claim_id"))
            .scalar_subquery(),
        ),
    )
    .where(Claim.id == bindparam("claim_id"))
    .execution_options(autoflush=False)
)


def claim_with_context(session: Session, claim_id: str) -> Claim | None:
    """The claim, or None; when not yet in the session, read by one statement together with
    its participant, its chain's head and the person's history without it, which the claim's
    next steps (checklist, estimate, transition) then take from the session."""
    found = session.identity_map.get((Claim, (claim_id,), None))
    if found is not None:
        return found
    row = session.execute(_CLAIM_CONTEXT, {"claim_id": claim_id}).first()
    if row is None:
        return None
    claim, participant, seq, hash_, at, partial, paid, first_paid_at = row
    hold_rows(session, claim, participant)
    if seq is not None:
        _remember_chain_head(session, claim, ChainHead(seq, hash_, as_utc(at)))
    _remember_history(session, participant.nik, claim.id, _history(partial, paid, first_paid_at))
    return cast(Claim, claim)


def participant_of_claim(session: Session, claim: Claim) -> Participant:
    """The registry's participant whose KPJ the claim is on."""
    participant = get_row(session, Participant, claim.kpj)
    assert participant is not None  # a foreign key guarantees it
    return participant


# --- creating a claim -----------------------------------------------------------------------


@dataclass(frozen=True)
class Registrant:
    """The registry's row for a KPJ, as far as verifying an identity and opening a claim
    need it."""

    kpj: str
    nik: str
    full_name: str
    birth_date: date
    membership_start: date
    membership_status: str
    employment_end_date: date | None
    balance: int
    deceased: bool
    balance_date: date


_REGISTRANT = select(
    Participant.kpj,
    Participant.nik,
    Participant.full_name,
    Participant.birth_date,
    Participant.membership_start,
    Participant.membership_status,
    Participant.employment_end_date,
    Participant.balance,
    Participant.deceased,
    Participant.balance_date,
).where(Participant.kpj == bindparam("kpj"))


def registrant(session: Session, kpj: str) -> Registrant | None:
    """The registry's row for `kpj`. One indexed read straight on the driver: every claim
    creation makes it."""
    row = driver_first(session.connection(), _REGISTRANT, {"kpj": kpj})
    return None if row is None else Registrant(*row)


class CreationChecks(NamedTuple):
    """What creating a claim checks before it writes."""

    branch_known: bool
    open_claims: int
    history: PersonHistory
    other_kpj_active: bool


def _other_kpj_active(
    nik: ColumnElement[Any] | QueryableAttribute[Any],
    kpj: ColumnElement[Any] | QueryableAttribute[Any],
) -> ScalarSelect[Any]:
    """The one definition of "another KPJ of the person is active": a participant row with
    the NIK `nik`, another KPJ than `kpj`, and membership `active` (by ix_participants_nik)."""
    other = aliased(Participant, name="other_kpj")
    return (
        select(func.count())
        .select_from(other)
        .where(other.nik == nik, other.kpj != kpj, other.membership_status == "active")
        .scalar_subquery()
    )


# What creating a claim checks, in one round trip: the branch exists, the KPJ has no open
# claim, the person's history, and whether another KPJ of the person is active.
_CREATION_CHECKS = select(
    select(func.count())
    .select_from(Branch)
    .where(Branch.code == bindparam("branch"))
    .scalar_subquery(),
    select(func.count())
    .select_from(Claim)
    .where(Claim.kpj == bindparam("kpj"), in_fixed(Claim.status, OPEN_STATUS_VALUES))
    .scalar_subquery(),
    *_person_history_columns(bindparam("nik"), None),
    _other_kpj_active(bindparam("nik"), bindparam("kpj")),
)


def creation_checks(session: Session, branch_code: str, kpj: str, nik: str) -> CreationChecks:
    """The branch, the KPJ's open claims, the person's history and their other active KPJs,
    by one statement on the driver."""
    checks = driver_first(
        session.connection(), _CREATION_CHECKS, {"branch": branch_code, "kpj": kpj, "nik": nik}
    )
    assert checks is not None  # one row of six values
    branch_known, open_claims, partial, paid, first_paid_at, other_active = checks
    return CreationChecks(
        bool(branch_known),
        int(open_claims),
        _history(partial, paid, first_paid_at),
        bool(other_active),
    )


_OTHER_KPJ_ACTIVE = select(_other_kpj_active(bindparam("nik"), bindparam("kpj")))


def other_kpj_active(session: Session, nik: str, kpj: str) -> bool:
    """Whether another KPJ of the person `nik` than `kpj` is `active` in the registry (the
    stop-work reasons re-checked after creation); read once per unit of work."""

    def read() -> bool:
        row = driver_first(session.connection(), _OTHER_KPJ_ACTIVE, {"nik": nik, "kpj": kpj})
        assert row is not None  # one row of one count
        return bool(row[0])

    return _memo(session, ("other_kpj_active", nik, kpj), read)


class OpenClaimExists(Exception):
    """The KPJ already has an open claim: the partial unique index decided a race between two
    creations."""


def new_claim_row() -> dict[str, Any]:
    """Every column of a new claim with its default (the primary key too): the caller fills
    it in and hands it to `insert_new_claim`."""
    return row_defaults(Claim)


def insert_new_claim(session: Session, row: dict[str, Any], first_event: dict[str, Any]) -> None:
    """Writes a new claim and the first event of its chain, each by one INSERT on the driver,
    without ORM objects (every claim creation runs this). OpenClaimExists when the KPJ has
    an open claim by now."""
    forget_person_facts(session)  # the person's history now counts this claim
    try:
        driver_execute(session.connection(), insert_of(_CLAIMS, row), row)
    except IntegrityError:
        raise OpenClaimExists() from None
    insert_event(session, first_event)


_INSERT_ATTEMPT = insert_of(
    cast(Table, VerificationAttempt.__table__), ("kpj", "client", "succeeded", "at")
)


def record_verification_attempt(
    session: Session, kpj: str, client: str, succeeded: bool, now: datetime
) -> None:
    """One identity verification, passed or failed (the limits and the audit count them)."""
    attempt = {"kpj": kpj[:11], "client": client[:64], "succeeded": succeeded, "at": now}
    driver_execute(session.connection(), _INSERT_ATTEMPT, attempt)


# --- reads for the scheduled jobs ---


def locked_claim(session: Session, claim_id: str) -> Claim | None:
    """The claim, locked FOR UPDATE on PostgreSQL so that two schedulers never handle it at
    once (SQLite writers are serialised by BEGIN IMMEDIATE already)."""
    return session.scalar(select(Claim).where(Claim.id == claim_id).with_for_update())


def last_missed_at(session: Session, claim_id: str) -> datetime | None:
    """When the claim last went to interview_missed (its audit event)."""
    return session.scalar(
        select(func.max(ClaimEvent.at)).where(
            ClaimEvent.claim_id == claim_id,
            ClaimEvent.to_status == ClaimStatus.interview_missed.value,
        )
    )


def claims_with_status(session: Session, status: ClaimStatus) -> list[Claim]:
    """Every claim in `status`, by id."""
    return list(session.scalars(select(Claim).where(Claim.status == status).order_by(Claim.id)))


def quiet_claims(
    session: Session, statuses: tuple[ClaimStatus, ...], inactive_since: datetime
) -> list[Claim]:
    """The claims in one of `statuses` with no activity after `inactive_since`, quietest
    first."""
    return list(
        session.scalars(
            select(Claim)
            .where(Claim.status.in_(statuses), Claim.last_activity_at <= inactive_since)
            .order_by(Claim.last_activity_at, Claim.id)
        )
    )


def claims_of_deceased_participants(
    session: Session, statuses: tuple[ClaimStatus, ...]
) -> list[str]:
    """The ids of the claims in one of `statuses`, death claims aside, whose participant the
    registry reports deceased, oldest first. Walks the claims in those statuses (by the
    status indexes) and looks each participant up by KPJ: open claims are few next to the
    registry's participants."""
    return list(
        session.scalars(
            select(Claim.id)
            .join(Participant, Participant.kpj == Claim.kpj)
            .where(
                Claim.status.in_(statuses),
                Claim.reason != ClaimReason.death.value,
                Participant.deceased.is_(True),
            )
            .order_by(Claim.created_at, Claim.id)
        )
    )
