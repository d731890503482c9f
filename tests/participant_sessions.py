"""A session row written straight into the database as the sign-in writes it (the token's
hash, the KPJ and the registry's NIK, 12 hours), for the page tests that drive a served app
(no TestClient to sign in with). The sign-in itself, codes and limits included, is tested over
HTTP in tests/e2e/test_api_participant_sign_in.py and in the browser in
tests/browser/test_pages_sign_in.py and test_pages_channels.py; the API's balance tests sign
in the real way (tests/e2e/participant_helpers.py)."""

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
