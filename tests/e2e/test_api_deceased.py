"""The issue's example over HTTP: the registry reports the participant deceased while their
claim awaits approval. Before, the approval still paid the deceased's account and the heir's
death claim was refused with `open_claim_exists`; now the import withdraws the claim, tracking
shows it cancelled, the approver can no longer approve it and the heir's claim opens."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from claims.models import OutboxMessage
from claims.registry.importer import import_participants
from tests.e2e.api_helpers import RESIGNED, assert_problem, bearer, claim_body, to_awaiting_approval
from tests.e2e.conftest import Api
from tests.support import registry_reporting_deaths


def test_a_death_reported_while_awaiting_approval_closes_the_claim_for_the_heirs(
    api: Api, tmp_path: Path
) -> None:
    claim, staff = to_awaiting_approval(api, RESIGNED)
    registry = registry_reporting_deaths(tmp_path / "registry.csv", {claim.kpj})

    report = import_participants(api.db, registry, api.runtime.clock.now())

    assert report.ok and report.withdrawn == 1
    [tracked] = api.client.get(
        f"/api/v1/tracking/{claim.kpj}", headers={"Accept-Language": "en"}
    ).json()["claims"]
    assert (tracked["state"], tracked["step"], tracked["step_label"]) == (
        "cancelled",
        None,
        "Cancelled",
    )
    view = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth).json()
    assert view["status"] == "cancelled"
    refused = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/approve",
        json={},
        headers=bearer(staff.tokens["approver"]),
    )
    assert_problem(refused, 409, "transition_not_allowed")
    with api.db.read_only() as session:
        templates = session.scalars(
            select(OutboxMessage.payload).where(
                OutboxMessage.claim_id == claim.id, OutboxMessage.kind == "notification"
            )
        )
        assert [p["template"] for p in templates].count("withdrawn_deceased") == 1

    heirs = api.client.post("/api/v1/claims", json=claim_body(RESIGNED, "death"))
    assert heirs.status_code == 201, heirs.text
    assert heirs.json()["reason"] == "death"
