"""What a signed-in participant's account reads (channels.md, "The balance"): the registry's
row of the KPJ signed in with and the facts its eligibility reads, the person's KPJs, every
claim of them, and the payouts of the KPJ's account. A hot path: three statements, each
compiled once and keyed by the KPJ alone, read together in one snapshot
(`Database.quick_snapshot`: on SQLite on the event loop, without the ORM)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import BindParameter, Select, bindparam, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.visitors import replacement_traverse

from claims.clock import as_utc
from claims.db import Database
from claims.models import Claim, Participant, ParticipantSession
from claims.repositories.accounts import kpj_payouts_read, payouts_of_rows
from claims.repositories.claims import (
    _REGISTRANT,
    Registrant,
    _other_kpj_active,
    _person_history_columns,
)
from claims.repositories.participant_access import (
    SESSION_COLUMNS,
    SignedIn,
    live_session_of_row,
)
from workflow.account import AccountPayout
from workflow.states import ClaimStatus

# The registry's row (a Registrant's, and the employer) with whether the person made a
# partial claim and whether another of their KPJs is active, by the one definitions of both
# (claims.repositories.claims).
_PARTICIPANT_WITH_FACTS = select(
    *_REGISTRANT.selected_columns,
    Participant.employer_name,
    # Of the person's history only whether a partial claim was made: what eligibility reads.
    _person_history_columns(Participant.nik, None)[0],
    _other_kpj_active(Participant.nik, Participant.kpj),
).where(Participant.kpj == bindparam("kpj"))


# The person's KPJs (the NIK of the KPJ `:kpj`, by ix_participants_nik) with each one's
# claims (by ix_claims_kpj_created), newest first; a KPJ without claims once, with none.
_SIGNED = aliased(Participant, name="signed")
_PERSON = aliased(Participant, name="person")
_PERSON_CLAIMS = (
    select(
        _PERSON.kpj,
        _PERSON.membership_status,
        Claim.id,
        Claim.reference,
        Claim.reason,
        Claim.status,
        Claim.created_at,
    )
    .outerjoin(Claim, Claim.kpj == _PERSON.kpj)
    .where(
        _PERSON.nik == select(_SIGNED.nik).where(_SIGNED.kpj == bindparam("kpj")).scalar_subquery()
    )
    .order_by(Claim.created_at.desc(), Claim.id)
)


class PersonKpj(NamedTuple):
    kpj: str
    membership_status: str


class PersonClaim(NamedTuple):
    id: str
    reference: str
    kpj: str
    reason: str
    status: ClaimStatus
    created_at: datetime


@dataclass(frozen=True)
class ParticipantRecords:
    """The registry's row of the KPJ (`registrant`, with its employer), whether the person
    made a partial claim and has another KPJ active (what eligibility reads), the person's
    KPJs, their claims newest first, and the payouts of the KPJ's account (`kpj_account`'s).
    Immutable and hashable: equal records make an equal account document on a given day
    (claims.participants.balance keeps the documents of the records it read last)."""

    registrant: Registrant
    employer_name: str
    had_partial_claim: bool
    other_kpj_active: bool
    kpjs: tuple[PersonKpj, ...]
    claims: tuple[PersonClaim, ...]
    payouts: tuple[AccountPayout, ...]


def participant_records(db: Database, kpj: str) -> ParticipantRecords | None:
    """Everything of `ParticipantRecords` for `kpj` in one snapshot, or None when the
    registry has no such KPJ (any more). On SQLite fast enough for the event loop."""
    key = {"kpj": kpj}
    rows, person, payouts = db.quick_snapshot(
        [(_PARTICIPANT_WITH_FACTS, key), (_PERSON_CLAIMS, key), kpj_payouts_read(kpj)]
    )
    return _records_of(rows, person, payouts)


def signed_in_records(
    db: Database, token_hash: str, now: datetime
) -> tuple[SignedIn | None, ParticipantRecords | None]:
    """The live session of `token_hash` (None: none) and the `ParticipantRecords` of the
    KPJ it signed in with (None: not in the registry), in one snapshot: the reads of
    `participant_records` keyed by the session's KPJ, the session read with the registry's
    row. On SQLite fast enough for the event loop; the session's idle clock is the caller's
    (claims.participants.access)."""
    rows, person, payouts = db.quick_snapshot(
        [
            (statement, {**parameters, "token_hash": token_hash})
            for statement, parameters in _OF_SESSION
        ]
    )
    signed = live_session_of_row(rows[0] if rows else None, now)
    if signed is None:
        return None, None
    # Without the registry's row (outer joined) its columns are all NULL.
    registry = [row[_SESSION_WIDTH:] for row in rows if row[_SESSION_WIDTH] is not None]
    return signed, _records_of(registry, person, payouts)


def _records_of(
    rows: list[tuple[Any, ...]], person: list[tuple[Any, ...]], payouts: list[tuple[Any, ...]]
) -> ParticipantRecords | None:
    if not rows:
        return None
    *registry, employer_name, partial, other_active = rows[0]
    return ParticipantRecords(
        registrant=Registrant(*registry),
        employer_name=employer_name,
        had_partial_claim=bool(partial),
        other_kpj_active=bool(other_active),
        kpjs=tuple(sorted({PersonKpj(of_kpj, status) for of_kpj, status, *_ in person})),
        claims=tuple(
            PersonClaim(id_, reference, of_kpj, reason, ClaimStatus(status), as_utc(created_at))
            for of_kpj, _, id_, reference, reason, status, created_at in person
            if id_ is not None
        ),
        payouts=tuple(payouts_of_rows(payouts)),
    )


def _keyed_by_session(
    read: tuple[Select[Any], dict[str, Any]],
) -> tuple[Select[Any], dict[str, Any]]:
    """`read` (a statement keyed by the KPJ `:kpj` and its parameters) keyed instead by the
    KPJ of the session `:token_hash` (by its primary key): the account read with the session."""
    statement, parameters = read

    def session_kpj(element: Any, **_: Any) -> Any:
        if isinstance(element, BindParameter) and element.key == "kpj":
            return _SESSION_KPJ
        return None

    keyed = cast(Select[Any], replacement_traverse(statement, {}, session_kpj))
    return keyed, {name: value for name, value in parameters.items() if name != "kpj"}


_SESSION_KPJ = (
    select(ParticipantSession.kpj)
    .where(ParticipantSession.token_hash == bindparam("token_hash"))
    .scalar_subquery()
)
_SESSION_WIDTH = len(SESSION_COLUMNS)
# participant_records' three reads keyed by the session: the session's row with the
# registry's (its columns NULL when the registry no longer has the KPJ), the person's claims,
# the account's payouts.
_OF_SESSION: tuple[tuple[Select[Any], dict[str, Any]], ...] = (
    (
        select(*SESSION_COLUMNS, *_PARTICIPANT_WITH_FACTS.selected_columns)
        .select_from(ParticipantSession)
        .outerjoin(Participant, Participant.kpj == ParticipantSession.kpj)
        .where(ParticipantSession.token_hash == bindparam("token_hash")),
        {},
    ),
    _keyed_by_session((_PERSON_CLAIMS, {"kpj": ""})),
    _keyed_by_session(kpj_payouts_read("")),
)
