"""What a signed-in participant's account page reads (channels.md, "The balance"): the
registry's row of the KPJ signed in with and the facts its eligibility reads, the person's
KPJs, and every claim of them. Three statements, each compiled once; the account itself is
`claims.casework.facts.kpj_account`, whose payouts are one more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from claims.clock import as_utc
from claims.models import Claim, Participant
from claims.repositories.claims import (
    PersonHistory,
    _history,
    _other_kpj_active,
    _person_history_columns,
)
from workflow.states import ClaimStatus

# The participant with the person's history and whether another of their KPJs is active, by
# the one definitions of both (claims.repositories.claims), in one round trip.
_PARTICIPANT_WITH_FACTS = (
    select(
        Participant,
        *_person_history_columns(Participant.nik, None),
        _other_kpj_active(Participant.nik, Participant.kpj),
    )
    .where(Participant.kpj == bindparam("kpj"))
    .execution_options(autoflush=False)
)
_PERSON_KPJS = (
    select(Participant.kpj, Participant.membership_status)
    .where(Participant.nik == bindparam("nik"))
    .order_by(Participant.kpj)
)
# By ix_participants_nik, then each KPJ's claims by ix_claims_kpj_created.
_PERSON_CLAIMS = (
    select(Claim.id, Claim.reference, Claim.kpj, Claim.reason, Claim.status, Claim.created_at)
    .where(Claim.kpj.in_(select(Participant.kpj).where(Participant.nik == bindparam("nik"))))
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
    """The registry's row of the KPJ, the person's history and other active KPJ (what
    eligibility reads), the person's KPJs and their claims, newest first."""

    participant: Participant
    history: PersonHistory
    other_kpj_active: bool
    kpjs: list[PersonKpj]
    claims: list[PersonClaim]


def participant_records(session: Session, kpj: str) -> ParticipantRecords | None:
    """Everything of `ParticipantRecords` for `kpj`, or None when the registry has no such
    KPJ (any more)."""
    row = session.execute(_PARTICIPANT_WITH_FACTS, {"kpj": kpj}).first()
    if row is None:
        return None
    participant, partial, paid, first_paid_at, other_active = row
    connection = session.connection()
    nik: dict[str, Any] = {"nik": participant.nik}
    kpjs = [PersonKpj(*found) for found in connection.execute(_PERSON_KPJS, nik)]
    claims = [
        PersonClaim(id_, reference, of_kpj, reason, ClaimStatus(status), as_utc(created_at))
        for id_, reference, of_kpj, reason, status, created_at in connection.execute(
            _PERSON_CLAIMS, nik
        )
    ]
    return ParticipantRecords(
        participant, _history(partial, paid, first_paid_at), bool(other_active), kpjs, claims
    )
