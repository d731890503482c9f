"""A signed-in participant for the balance tests, until the sign-in lands: a session row
written straight into the database as the sign-in would write it (the token's hash, the KPJ
and the registry's NIK, 12 hours). The lead swaps it for the real sign-in when merging."""

from __future__ import annotations

import secrets
from datetime import datetime

from claims.db import Database
from claims.models import Participant, ParticipantSession
from claims.repositories.participant_access import HEIR, PARTICIPANT, SESSION_LIFETIME
from claims.security import hash_token


def open_session(
    db: Database,
    kpj: str,
    now: datetime,
    *,
    heir_nik: str | None = None,
    claim_id: str | None = None,
) -> str:
    """The bearer token of a new live session for `kpj` at `now`: the participant's own, or
    with `heir_nik` an heir's session for the death claim `claim_id`."""
    token = secrets.token_urlsafe(32)
    with db.unit_of_work() as session:
        participant = session.get(Participant, kpj)
        assert participant is not None, kpj
        session.add(
            ParticipantSession(
                token_hash=hash_token(token),
                purpose=HEIR if heir_nik else PARTICIPANT,
                kpj=kpj,
                nik=heir_nik or participant.nik,
                claim_id=claim_id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
    return token
