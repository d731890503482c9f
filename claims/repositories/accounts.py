"""The accounts repository: what the JHT account of a KPJ is made of (workflow.account) — the
registry's statement and this engine's payouts from it — and the lock that serialises work
on one person's money (all KPJs of a NIK)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from claims.clock import as_utc, wib_date
from claims.db import in_fixed
from claims.models import Claim, Participant, Payout
from workflow.account import AccountPayout, Statement
from workflow.payout_lifecycle import OPEN_PAYOUT_STATUSES, PayoutStatus
from workflow.states import ClaimStatus

# A payout takes money from the account from its creation (approval) until it fails: while
# pending, sent or unknown it is held, once paid it is paid out. Retired payouts count too:
# a payout marked failed that the bank nonetheless carried out is `paid` again.
_TAKING_STATUSES = (*OPEN_PAYOUT_STATUSES, PayoutStatus.paid)

_KPJ_PAYOUTS = (
    select(Payout.reference, Payout.gross, Payout.status, Payout.paid_at)
    .join(Claim, Claim.id == Payout.claim_id)
    .where(
        Claim.kpj == bindparam("kpj"),
        Claim.id != bindparam("excluding"),
        or_(
            in_fixed(Payout.status, _TAKING_STATUSES),
            # Refused, its claim waiting for a new account: the replacement will pay it.
            and_(
                Payout.live.is_(True),
                Payout.status == PayoutStatus.failed,
                Claim.status == ClaimStatus.payout_failed,
            ),
        ),
    )
    .order_by(Payout.id)
)


def statement_of(participant: Participant) -> Statement:
    """The registry's latest statement of the participant's KPJ."""
    return Statement(participant.balance, participant.balance_date)


def account_payouts(
    session: Session, kpj: str, excluding_claim: str | None = None
) -> list[AccountPayout]:
    """The payouts this engine made, or is making, from the KPJ's account, oldest first,
    but those of `excluding_claim` (whose own figures are being worked out); a paid payout
    with the Jakarta day the bank confirmed it."""
    return payouts_of_rows(session.execute(*kpj_payouts_read(kpj, excluding_claim)))


def kpj_payouts_read(
    kpj: str, excluding_claim: str | None = None
) -> tuple[Select[Any], dict[str, Any]]:
    """The statement and parameters of `account_payouts`, for a read that runs it with
    others (`Database.quick_snapshot`); its rows become payouts by `payouts_of_rows`."""
    return _KPJ_PAYOUTS, {"kpj": kpj, "excluding": excluding_claim or ""}


def payouts_of_rows(rows: Iterable[Sequence[Any]]) -> list[AccountPayout]:
    """The account's payouts of the rows of `kpj_payouts_read`."""
    # A refused payout awaiting its replacement comes back with status `failed` and no
    # `paid_at`: held, as one still being paid.
    return [
        AccountPayout(
            reference,
            int(gross),
            wib_date(as_utc(paid_at))
            if status == PayoutStatus.paid and paid_at is not None
            else None,
        )
        for reference, gross, status, paid_at in rows
    ]


_LOCK_PERSON = (
    select(Participant.kpj)
    .where(Participant.nik == bindparam("nik"))
    .order_by(Participant.kpj)
    .with_for_update()
)


def lock_person(session: Session, nik: str) -> bool:
    """Serialises work on one person's money until the transaction ends: on PostgreSQL a row
    lock on every KPJ of the NIK (in KPJ order, so two lockers never deadlock); on SQLite the
    unit of work already holds the one writer's lock (BEGIN IMMEDIATE), so nothing runs
    beside it. Answers whether the lock was taken only now, so that what the unit of work
    read before it may be stale (PostgreSQL) or not (SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    session.execute(_LOCK_PERSON, {"nik": nik}).all()
    return True


def refresh_participant(session: Session, participant: Participant) -> None:
    """Reads the participant's row again (an import may have changed it since it was read
    in this unit of work: deceased, a newer statement)."""
    session.refresh(participant)
