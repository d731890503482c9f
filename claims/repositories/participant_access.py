"""The SQL of participants' own access (channels.md): one-time sign-in challenges, the
sessions they open, and which claims a session opens. A session of a participant opens every
claim of every KPJ of the person (the registry's NIK); an heir's opens the one death claim it
was made for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from claims.clock import as_utc
from claims.db import Database, driver_execute
from claims.models import (
    Claim,
    OutboxMessage,
    Participant,
    ParticipantChallenge,
    ParticipantSession,
)

PARTICIPANT = "participant"
HEIR = "heir"

# channels.md: a session lapses after 30 minutes idle and 12 hours in all.
SESSION_IDLE = timedelta(minutes=30)
SESSION_LIFETIME = timedelta(hours=12)
# A session is touched at most this often: every request would otherwise be a write.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SignedIn:
    """Who a live session belongs to: the KPJ signed in with, the person's NIK (the heir's for
    an heir), and the one claim of an heir's session."""

    token_hash: str
    purpose: str
    kpj: str
    nik: str
    claim_id: str | None
    expires_at: datetime
    last_seen_at: datetime

    def touch_due(self, now: datetime) -> bool:
        """Whether using the session at `now` should move its idle clock (at most once a
        `TOUCH_EVERY`: every request would otherwise be a write)."""
        return now - self.last_seen_at >= TOUCH_EVERY

    @property
    def is_heir(self) -> bool:
        return self.purpose == HEIR


def add_challenge(session: Session, challenge: ParticipantChallenge) -> None:
    session.add(challenge)
    session.flush()


def challenge_for_update(session: Session, challenge_id: str) -> ParticipantChallenge | None:
    """The challenge, locked until the transaction ends (PostgreSQL), so two concurrent
    answers cannot both use it or both spend the same try."""
    statement = select(ParticipantChallenge).where(ParticipantChallenge.id == challenge_id)
    if session.get_bind().dialect.name != "sqlite":
        statement = statement.with_for_update()
    return session.scalar(statement)


def add_session(session: Session, row: ParticipantSession) -> None:
    session.add(row)
    session.flush()


def live_session(session: Session, token_hash: str, now: datetime) -> SignedIn | None:
    """The session of this token when it has not ended, expired, or been idle too long.
    Reading only: `touch_session` moves the idle clock, in a writing transaction."""
    row = session.get(ParticipantSession, token_hash)
    if row is None:
        return None
    return _live(
        SignedIn(
            row.token_hash,
            row.purpose,
            row.kpj,
            row.nik,
            row.claim_id,
            row.expires_at,
            row.last_seen_at,
        ),
        row.ended_at,
        now,
    )


# What a session row says of who it belongs to and whether it is live, in this order
# (`live_session_of_row`).
SESSION_COLUMNS = (
    ParticipantSession.token_hash,
    ParticipantSession.purpose,
    ParticipantSession.kpj,
    ParticipantSession.nik,
    ParticipantSession.claim_id,
    ParticipantSession.expires_at,
    ParticipantSession.last_seen_at,
    ParticipantSession.ended_at,
)
_SESSION = select(*SESSION_COLUMNS).where(ParticipantSession.token_hash == bindparam("token_hash"))


def quick_live_session(db: Database, token_hash: str, now: datetime) -> SignedIn | None:
    """`live_session` by one compiled statement without the ORM (`Database.quick_snapshot`):
    on SQLite fast enough for the event loop, for the hot routes of a signed-in participant."""
    (rows,) = db.quick_snapshot([(_SESSION, {"token_hash": token_hash})])
    return live_session_of_row(rows[0] if rows else None, now)


def live_session_of_row(row: Sequence[Any] | None, now: datetime) -> SignedIn | None:
    """The live session of a row that starts with the `SESSION_COLUMNS` (None: no session
    row), or None."""
    if row is None:
        return None
    token, purpose, kpj, nik, claim_id, expires_at, last_seen_at, ended_at = row[:_WIDTH]
    found = SignedIn(token, purpose, kpj, nik, claim_id, as_utc(expires_at), as_utc(last_seen_at))
    return _live(found, ended_at, now)


_WIDTH = len(SESSION_COLUMNS)


def _live(found: SignedIn, ended_at: datetime | None, now: datetime) -> SignedIn | None:
    """`found` unless it has ended, expired, or been idle too long at `now`."""
    if ended_at is not None:
        return None
    if now >= found.expires_at or now - found.last_seen_at >= SESSION_IDLE:
        return None
    return found


_TOUCH = (
    update(ParticipantSession)
    .where(
        ParticipantSession.token_hash == bindparam("touched"),
        ParticipantSession.ended_at.is_(None),
    )
    .values(last_seen_at=bindparam("seen_at", type_=ParticipantSession.last_seen_at.type))
)


def touch_session(session: Session, token_hash: str, now: datetime) -> None:
    """The session was used at `now`: its idle time starts again. Straight on the driver,
    compiled once: every signed-in participant's requests make it once a minute."""
    driver_execute(session.connection(), _TOUCH, {"touched": token_hash, "seen_at": now})


def end_session(session: Session, token_hash: str, now: datetime) -> None:
    session.execute(
        update(ParticipantSession)
        .where(ParticipantSession.token_hash == token_hash, ParticipantSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def person_kpjs(session: Session, nik: str) -> list[str]:
    """Every KPJ the registry holds for the person with this NIK."""
    return list(
        session.scalars(
            select(Participant.kpj).where(Participant.nik == nik).order_by(Participant.kpj)
        )
    )


def claim_opened_by(session: Session, signed_in: SignedIn, claim_id: str) -> Claim | None:
    """The claim `claim_id` when this session may open it, else None."""
    if signed_in.is_heir:
        if signed_in.claim_id != claim_id:
            return None
        return session.get(Claim, claim_id)
    return session.scalar(
        select(Claim).where(
            Claim.id == claim_id,
            Claim.kpj.in_(select(Participant.kpj).where(Participant.nik == signed_in.nik)),
        )
    )


def participant_contacts(session: Session, kpj: str) -> tuple[str, str] | None:
    """The registry's email and phone of `kpj`: where a sign-in code goes."""
    row = session.execute(
        select(Participant.email, Participant.phone).where(Participant.kpj == kpj)
    ).first()
    return None if row is None else (row[0], row[1])


def claim_by_reference(session: Session, reference: str) -> Claim | None:
    return session.scalar(select(Claim).where(Claim.reference == reference))


def participant_row(session: Session, kpj: str) -> Participant | None:
    """The registry's row of `kpj`."""
    return session.get(Participant, kpj)


# Sign-in messages are queued with these dedupe keys (claims.participants.signin).
SIGN_IN_MAIL_KEY = "signin:{challenge_id}:mail"
SIGN_IN_SMS_KEY = "signin:{challenge_id}"
# A spent challenge or session is kept a day for the record, then deleted.
KEEP_SPENT = timedelta(days=1)
SCRUBBED = "(dihapus)"


def purge_sign_in(session: Session, now: datetime, code_lifetime: timedelta) -> int:
    """Housekeeping of signing in: a sent message's code is blanked (the code lives on only
    as its hash), a code still unsent when it expired is not sent any more, and challenges and
    sessions spent more than a day ago are deleted. Answers how many rows changed."""
    changed = 0
    messages = session.scalars(
        select(OutboxMessage).where(
            or_(
                OutboxMessage.dedupe_key.like("signin:%"),
                OutboxMessage.dedupe_key.like("sms:signin:%"),
            ),
            or_(OutboxMessage.done_at.is_not(None), OutboxMessage.created_at < now - code_lifetime),
        )
    )
    for message in messages:
        payload = dict(message.payload)
        params = dict(payload.get("params") or {})
        if params.get("code") == SCRUBBED or payload.get("text") == SCRUBBED:
            continue
        if "params" in payload:
            payload["params"] = {**params, "code": SCRUBBED}
        else:
            payload["text"] = SCRUBBED
        message.payload = payload
        if message.done_at is None:
            message.done_at = now
            message.last_error = "the sign-in code expired before it could be sent"
        changed += 1
    cutoff = now - KEEP_SPENT
    for statement in (
        delete(ParticipantChallenge).where(ParticipantChallenge.expires_at < cutoff),
        delete(ParticipantSession).where(
            or_(
                ParticipantSession.expires_at < cutoff,
                ParticipantSession.ended_at < cutoff,
                ParticipantSession.last_seen_at < cutoff,
            )
        ),
    ):
        changed += int(getattr(session.execute(statement), "rowcount", 0) or 0)
    return changed
