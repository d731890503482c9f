"""Answering an inbound SMS of 2757 (channels.md): the text parsed into a command
(workflow.sms_commands), the command carried out, and its reply queued for the sender by
`enqueue_sms` in the same transaction that records the message. The webhook and
`jht sms simulate` both come here.

Each `message_id` is answered once; the message's primary key is the guarantee. SALDO,
STATUS and the replies needing no lookup are answered in one unit of work that first looks
for the message, then counts the lookup limits, reads, records the message and queues its
reply: a replay is recognised before it counts in a limit (exactly so on SQLite, where
writers take turns; on PostgreSQL two deliveries at the same moment may both count, and
the second's insert fails and rolls its work back). `DAFTAR SALDO` checks for a replay with
a committed read first, then makes its identity attempt (which owns its units of work): two
deliveries of one registration at the same moment may both take a place in the attempt
windows, and if both fail verification both failures are recorded, but one reply is queued.
A `message_id` seen before with a different body is answered as a replay too (the
aggregator owns its ids: the first body was the message; a 409 would only make it retry);
the request hash is kept to tell such a case apart afterwards.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TypeVar

import anyio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from claims.casework.intake import registered_as
from claims.casework.opening import identity_attempt
from claims.casework.tracking import tracking_document
from claims.clock import wib_date
from claims.db import Database, UnitsOfWork
from claims.errors import TooManyRequests
from claims.ratelimits import (
    SMS_PER_KPJ,
    SMS_PER_PHONE,
    TOO_MANY_ATTEMPTS,
    RateLimiter,
    RateLimits,
)
from claims.repositories.accounts import account_payouts
from claims.repositories.sms import (
    InboundRecord,
    inbound_seen,
    inbound_was_answered,
    record_inbound,
    register_phone,
    registered_statement,
)
from claims.repositories.tracking import tracked_claims
from claims.runtime import Runtime
from claims.sms_outbox import enqueue_sms
from workflow.account import account_on
from workflow.errors import WorkflowError
from workflow.identifiers import InvalidIdentifier, Phone
from workflow.identity import TypedIdentity
from workflow.sms_commands import (
    REGISTRATION_FAILED_REPLY,
    TOO_MANY_ATTEMPTS_REPLY,
    TOO_MANY_REQUESTS_REPLY,
    Balance,
    Register,
    SmsCommand,
    Status,
    balance_reply,
    command_name,
    no_claim_reply,
    not_registered_reply,
    parse_sms,
    registered_reply,
    reply_for_format,
    status_reply,
)

T = TypeVar("T")
SENDER_LENGTH = 20  # the stored column
SHORT_CODE = "2757"


@dataclass(frozen=True)
class InboundSms:
    """One message as the aggregator delivers it."""

    message_id: str
    sender: str
    to: str
    text: str
    received_at: datetime


def sender_phone(sender: str) -> str:
    """The sender in one form whichever way the aggregator writes it (+62, 62 or 0 before
    the 8): registrations are looked up by it. A number that is no Indonesian mobile (a
    foreign one) is kept as given, without spaces and bounded."""
    try:
        return Phone.parse(sender).value
    except InvalidIdentifier:
        return "".join(sender.split())[:SENDER_LENGTH]


async def receive_sms(
    db: Database,
    limiter: RateLimiter,
    message: InboundSms,
    request_hash: str,
    now: datetime,
) -> str | None:
    """Answers `message`: the reply queued for its sender, or None when the message had
    been answered before (nothing done)."""
    command = parse_sms(message.text)
    record = InboundRecord(
        message_id=message.message_id,
        sender=sender_phone(message.sender),
        request_hash=request_hash,
        command=command_name(command).value,
        reply="",
        received_at=message.received_at,
        processed_at=now,
    )
    if isinstance(command, Register):
        if await _read(db, lambda: inbound_seen(db, message.message_id)):
            return None  # a replay takes no place in the attempt windows
        return await _register(db, limiter, command, record, now)

    def answer(units: UnitsOfWork) -> str | None:
        with units.unit_of_work() as session:
            # Seen and answered in one transaction: on SQLite, where writers take turns, a
            # replay is recognised here before it counts in any limit.
            if inbound_was_answered(session, record.message_id):
                return None
            text = _reply(session, db, limiter, command, record.sender, now)
            _keep_and_reply(session, replace(record, reply=text), now)
            return text

    try:
        return await db.write(answer)
    except IntegrityError:
        return None  # a concurrent delivery of the message was first


def _reply(
    session: Session,
    db: Database,
    limiter: RateLimiter,
    command: SmsCommand,
    phone: str,
    now: datetime,
) -> str:
    """The reply to any command but DAFTAR SALDO. The lookups' limits are counted here, in
    the transaction (the in-process counts cost nothing; a shared Redis costs a round trip
    in the writer's thread, never on the event loop)."""
    fixed = reply_for_format(command)
    if fixed is not None:
        return fixed
    assert isinstance(command, Balance | Status)
    kpj = command.kpj.value
    try:
        limiter.check(SMS_PER_PHONE, phone)
        limiter.check(SMS_PER_KPJ, kpj)
    except TooManyRequests:
        return TOO_MANY_REQUESTS_REPLY
    if isinstance(command, Balance):
        return _balance(session, kpj, phone, now)
    return _status(db, kpj)


def _status(db: Database, kpj: str) -> str:
    """STATUS: the newest claim's step as public tracking says it; public like /track (the
    spec asks for no registration: the reply carries nothing personal)."""
    claims = tracking_document(tracked_claims(db, kpj), kpj, "id")["claims"]
    if not claims:
        return no_claim_reply(kpj)
    newest = claims[0]
    return status_reply(
        kpj,
        newest["step_label"],
        newest["step"],
        date.fromisoformat(newest["updated_on"]),
        newest["next_step"],
    )


def _balance(session: Session, kpj: str, phone: str, now: datetime) -> str:
    """SALDO: the available balance today, only to a phone registered for the KPJ."""
    registered = registered_statement(session, phone, kpj)
    if registered is None:
        return not_registered_reply(kpj)
    today = wib_date(now)
    # The account as `kpj_account` makes it (the registry's statement and this engine's
    # payouts), without an ORM load of the participant on this hot path; and as claim
    # creation does, the payouts are read only when there are any.
    payouts = account_payouts(session, kpj) if registered.any_payout else []
    account = account_on(registered.statement, payouts, today)
    return balance_reply(kpj, account.available, today)


async def _register(
    db: Database, limiter: RateLimiter, command: Register, record: InboundRecord, now: datetime
) -> str | None:
    """DAFTAR SALDO: claim creation's identity attempt (its limits, per phone through the
    client key), then the phone registered for the KPJ. A refusal is a reply that does not
    say which field was wrong."""
    kpj = command.kpj.value
    typed = TypedIdentity(command.nik, birth_date=command.birth_date, full_name=command.full_name)
    reply = registered_reply(kpj)

    def verify_then(session: Session) -> str | None:
        # The message first: a concurrent delivery of it stops here, before verifying.
        _keep_and_reply(session, replace(record, reply=reply), now)
        if registered_as(session, kpj, typed) is None:
            return None  # rolled back, message and reply with it: recorded below instead
        register_phone(session, record.sender, kpj, command.email, record.message_id, now)
        return reply

    try:
        return await identity_attempt(db, limiter, kpj, f"sms:{record.sender}", now, verify_then)
    except IntegrityError:
        return None
    except WorkflowError as refused:
        refusal = (
            TOO_MANY_ATTEMPTS_REPLY
            if refused.code == TOO_MANY_ATTEMPTS
            else REGISTRATION_FAILED_REPLY
        )

    def refuse(units: UnitsOfWork) -> str:
        with units.unit_of_work() as session:
            _keep_and_reply(session, replace(record, reply=refusal), now)
            return refusal

    try:
        return await db.write(refuse)
    except IntegrityError:
        return None


def _keep_and_reply(session: Session, record: InboundRecord, now: datetime) -> None:
    """Records the message (IntegrityError when it was recorded before) and queues its reply
    for the sender, keyed by the message: a reply is queued once."""
    record_inbound(session, record)
    enqueue_sms(
        session, to=record.sender, text=record.reply, now=now, key=f"reply:{record.message_id}"
    )


async def _read(db: Database, read: Callable[[], T]) -> T:
    """A short read: on the event loop for SQLite's local file (shorter than a thread hop),
    in a worker thread for a database across the network."""
    if db.is_sqlite:
        return read()
    return await anyio.to_thread.run_sync(read)


async def simulate_sms(runtime: Runtime, sender: str, text: str) -> str:
    """`jht sms simulate`: `text` from `sender` answered as a new message would be (its own
    message id), with the service's limits; the reply."""
    now = runtime.clock.now()
    message = InboundSms(f"simulated-{uuid.uuid4().hex}", sender, SHORT_CODE, text, now)
    limiter = RateLimiter(runtime.settings.rate_limit_storage, RateLimits())
    request_hash = hashlib.sha256(f"{sender}\n{text}".encode()).hexdigest()
    reply = await receive_sms(runtime.db, limiter, message, request_hash, now)
    assert reply is not None, "a new message id is never a replay"
    return reply
