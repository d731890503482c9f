"""Signing in over HTTP as a participant or an heir, reading the one-time code where a tester
in the sandbox finds it: the message queued to the registry's (or the claim's) contacts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from claims.db import Database
from claims.models import OutboxMessage
from tests.e2e.conftest import Api
from tests.support import sample


def sent_code(db: Database, challenge_id: str) -> str:
    """The code of a challenge, from its queued e-mail."""
    with db.read_only() as session:
        payload = session.scalar(
            select(OutboxMessage.payload).where(
                OutboxMessage.dedupe_key == f"signin:{challenge_id}:mail"
            )
        )
    assert payload is not None, "no sign-in message was queued"
    return str(payload["params"]["code"])


def start_sign_in(api: Api, label: str, **changes: Any) -> dict[str, Any]:
    row = sample(label)
    body = {"kpj": row["kpj"], "nik": row["nik"], "birth_date": row["birth_date"], **changes}
    answer = api.client.post("/api/v1/participant/sign-in", json=body)
    assert answer.status_code == 202, answer.text
    return dict(answer.json())


def sign_in(api: Api, label: str) -> str:
    """A participant's session token, signed in the way a client does it."""
    challenge = start_sign_in(api, label)
    answer = api.client.post(
        f"/api/v1/participant/sign-in/{challenge['challenge_id']}",
        json={"code": sent_code(api.db, challenge["challenge_id"])},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def heir_sign_in(api: Api, reference: str, nik: str, birth_date: str) -> str:
    """An heir's session token for the death claim `reference`, signed in as a client does."""
    body = {"reference": reference, "nik": nik, "birth_date": birth_date}
    answer = api.client.post("/api/v1/participant/heir-sign-in", json=body)
    assert answer.status_code == 202, answer.text
    challenge_id = answer.json()["challenge_id"]
    opened = api.client.post(
        f"/api/v1/participant/sign-in/{challenge_id}",
        json={"code": sent_code(api.db, challenge_id)},
    )
    assert opened.status_code == 200, opened.text
    return str(opened.json()["access_token"])
