"""Claim creation under concurrency, over HTTP: requests that arrive together (on SQLite
grouped into one commit) are each answered as if they had come alone, and the database holds
exactly what the answers say."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from claims.models import Claim, ClaimEvent, OutboxMessage, VerificationAttempt
from claims.ratelimits import RateLimiter, RateLimits
from tests.concurrency import all_at_once
from tests.e2e.api_helpers import RESIGNED, bearer, claim_body
from tests.e2e.conftest import Api
from tests.support import SAMPLE_DAY, participant_rows

FIELDS = ("kpj", "nik", "full_name", "birth_date", "email", "phone")


def everyday_resigned() -> list[dict[str, Any]]:
    """Bodies of twelve sample participants who resigned weeks ago: all of them eligible."""
    rows = [
        row
        for row in participant_rows(SAMPLE_DAY)
        if row["_label"] == "everyday: resigned or ended contract"
    ][:12]
    return [
        claim_body(RESIGNED, **{field: row[field] for field in FIELDS}, branch_code=row["_branch"])
        for row in rows
    ]


def post_together(api: Api, bodies: list[dict[str, Any]]) -> list[tuple[str, int, dict[str, Any]]]:
    """Every body posted at the same moment from its own thread: (kpj, status, answer)."""

    def post(body: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
        answer = api.client.post("/api/v1/claims", json=body)
        return body["kpj"], answer.status_code, answer.json()

    return all_at_once(post, bodies)


def count(api: Api, model: Any, *where: Any) -> int:
    with api.db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_simultaneous_creations_are_each_answered_as_if_alone(api: Api) -> None:
    bodies = everyday_resigned()
    assert len(bodies) == 12
    # 21 identity attempts from the one test client: more than a client may make in 15 minutes.
    api.client.app.state.rate_limiter = RateLimiter(  # type: ignore[attr-defined]
        "memory://",
        RateLimits(default_per_client="100000/minute", identity_attempts_per_client="50/hour"),
    )
    twice = bodies[:8]  # each KPJ asked for twice at once
    wrong_name = [{**body, "full_name": "Orang Lain"} for body in bodies[8:11]]
    not_yet = claim_body("resignation: left 2 weeks ago")
    bad_branch = {**bodies[11], "branch_code": "XXX-000"}
    answers = post_together(api, [*twice, *twice, *wrong_name, not_yet, bad_branch])

    by_kpj: dict[str, list[int]] = {}
    for kpj, status, _ in answers:
        by_kpj.setdefault(kpj, []).append(status)
    for body in twice:
        assert sorted(by_kpj[body["kpj"]]) == [201, 409], body["kpj"]
    codes = Counter(answer.get("code") for _, status, answer in answers if status != 201)
    assert codes == Counter(
        {
            "open_claim_exists": 8,
            "identity_not_verified": 3,
            "not_eligible": 1,
            "validation_failed": 1,
        }
    ), codes

    created = {
        answer["id"]: answer["access_token"] for _, status, answer in answers if status == 201
    }
    assert len(created) == 8
    # What the answers promised is in the database, and nothing else.
    assert count(api, Claim) == 8
    assert count(api, Claim, Claim.id.in_(created)) == 8
    assert count(api, ClaimEvent, ClaimEvent.claim_id.in_(created), ClaimEvent.seq == 1) == 8
    assert count(api, ClaimEvent) == 8
    # Each creation is announced once by mail and once by SMS.
    assert count(api, OutboxMessage, OutboxMessage.kind == "notification") == 8
    assert count(api, OutboxMessage, OutboxMessage.kind == "sms") == 8
    assert count(api, OutboxMessage) == 16
    # Every verification was recorded: 16 + 1 passed (the open-claim refusals and the one not
    # yet eligible count as passed), 3 failed; the unknown branch passed verification too.
    assert count(api, VerificationAttempt, VerificationAttempt.succeeded.is_(True)) == 18
    assert count(api, VerificationAttempt, VerificationAttempt.succeeded.is_(False)) == 3
    for claim_id, token in created.items():  # each answer's token opens its own claim
        seen = api.client.get(f"/api/v1/claims/{claim_id}", headers=bearer(token))
        assert seen.status_code == 200, seen.text
        assert seen.json()["status"] == "documents_pending"
