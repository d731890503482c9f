"""The SQL of SMS 2757's inbound side: each aggregator message once (`sms_inbound`, keyed by
its `message_id`), and the phones registered by `DAFTAR SALDO` for a KPJ's balance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from claims.db import Database, driver_execute, driver_first, insert_of
from claims.models import Claim, Participant, Payout, SmsInbound, SmsRegistration
from workflow.account import Statement

_INBOUND = cast(Table, SmsInbound.__table__)
_REGISTRATIONS = cast(Table, SmsRegistration.__table__)
_SEEN = select(SmsInbound.message_id).where(SmsInbound.message_id == bindparam("message_id"))


@dataclass(frozen=True)
class InboundRecord:
    """One inbound message as it is kept: who sent it, a hash of the request body, the
    command it asked for and the reply queued for it."""

    message_id: str
    sender: str
    request_hash: str
    command: str
    reply: str
    received_at: datetime
    processed_at: datetime


def inbound_seen(db: Database, message_id: str) -> bool:
    """Whether `message_id` has been answered already (a committed read: a message being
    answered right now is caught by `record_inbound`'s primary key instead)."""
    return bool(db.quick_rows(_SEEN, {"message_id": message_id}))


def inbound_was_answered(session: Session, message_id: str) -> bool:
    """`inbound_seen` inside a unit of work (on SQLite exact: writers take turns)."""
    return driver_first(session.connection(), _SEEN, {"message_id": message_id}) is not None


def record_inbound(session: Session, record: InboundRecord) -> None:
    """Keeps the message; a `message_id` kept before raises IntegrityError here, at once,
    which is how two deliveries of one message at the same moment get one reply."""
    row = {
        "message_id": record.message_id,
        "sender": record.sender,
        "request_hash": record.request_hash,
        "command": record.command,
        "reply": record.reply,
        "received_at": record.received_at,
        "processed_at": record.processed_at,
    }
    driver_execute(session.connection(), insert_of(_INBOUND, row), row)


def register_phone(
    session: Session, phone: str, kpj: str, email: str | None, message_id: str, now: datetime
) -> None:
    """Registers `phone` for `kpj`, or renews its registration (the email and the message
    of the latest `DAFTAR SALDO`): one upsert, so two registrations at once both succeed."""
    values = {
        "phone": phone,
        "kpj": kpj,
        "email": email,
        "message_id": message_id,
        "registered_at": now,
    }
    renewed = {"email": email, "message_id": message_id, "registered_at": now}
    if session.get_bind().dialect.name == "sqlite":
        sqlite_upsert = sqlite_insert(_REGISTRATIONS).values(values)
        session.execute(
            sqlite_upsert.on_conflict_do_update(index_elements=["phone", "kpj"], set_=renewed)
        )
    else:
        postgresql_upsert = postgresql_insert(_REGISTRATIONS).values(values)
        session.execute(
            postgresql_upsert.on_conflict_do_update(index_elements=["phone", "kpj"], set_=renewed)
        )


_ANY_PAYOUT = (
    select(Payout.id)
    .join(Claim, Claim.id == Payout.claim_id)
    .where(Claim.kpj == Participant.kpj)
    .exists()
)
_REGISTERED_STATEMENT = (
    select(Participant.balance, Participant.balance_date, _ANY_PAYOUT)
    .join(SmsRegistration, SmsRegistration.kpj == Participant.kpj)
    .where(SmsRegistration.phone == bindparam("phone"), SmsRegistration.kpj == bindparam("kpj"))
)


class RegisteredStatement(NamedTuple):
    """The registry's statement of a KPJ, and whether this engine ever made a payout from it
    (when not, the account has no payouts to read)."""

    statement: Statement
    any_payout: bool


def registered_statement(session: Session, phone: str, kpj: str) -> RegisteredStatement | None:
    """The registry's statement of `kpj` when `phone` is registered for it, else None. One
    indexed read straight on the driver: every SALDO makes it."""
    row = driver_first(session.connection(), _REGISTERED_STATEMENT, {"phone": phone, "kpj": kpj})
    if row is None:
        return None
    return RegisteredStatement(Statement(int(row[0]), row[1]), bool(row[2]))
