"""The officer's view of a claim and the queue: what a claim shares with other people's
claims is flagged, on both; a death claim shows the heir order and flags a later heir."""

from __future__ import annotations

from typing import Any

import pytest

from claims.registry.officers import add_officer
from tests.e2e.api_helpers import (
    HEIR,
    RESIGNED,
    TERMINATED,
    ClaimOverHttp,
    bearer,
    claim_body,
    create_claim,
    submit_claim,
)
from tests.e2e.conftest import Api
from tests.support import NOW, sample


def put_account(api: Api, claim: ClaimOverHttp, number: str) -> None:
    answer = api.client.put(
        f"/api/v1/claims/{claim.id}/bank-account",
        json={
            "bank_code": "014",
            "account_number": number,
            "account_holder": sample(claim.label)["full_name"],
        },
        headers=claim.auth,
    )
    assert answer.status_code == 200, answer.text


def flags(api: Api, claim: ClaimOverHttp, token: str) -> Any:
    answer = api.client.get(f"/api/v1/officer/claims/{claim.id}", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()["flags"]


def test_a_bank_account_in_another_persons_claim_is_flagged_on_both(api: Api) -> None:
    with api.db.unit_of_work() as session:
        _, supervisor = add_officer(session, "Pengawas", None, ["supervisor"], NOW)
    first, second = create_claim(api, RESIGNED), create_claim(api, TERMINATED, "termination")
    assert flags(api, first, supervisor) == []
    put_account(api, first, "1234567890")
    put_account(api, second, "9876543210")
    assert flags(api, first, supervisor) == [] and flags(api, second, supervisor) == []
    put_account(api, second, "1234567890")  # the same number, each in their own name
    assert flags(api, first, supervisor) == ["duplicate_bank_account"]
    assert flags(api, second, supervisor) == ["duplicate_bank_account"]


def queue_flags(api: Api, token: str) -> dict[str, list[str]]:
    answer = api.client.get("/api/v1/officer/claims", params={"limit": 200}, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return {item["id"]: item["flags"] for item in answer.json()["items"]}


def test_the_queue_shows_the_flags_with_its_page(api: Api) -> None:
    with api.db.unit_of_work() as session:
        _, supervisor = add_officer(session, "Pengawas", None, ["supervisor"], NOW)
    first, second = create_claim(api, RESIGNED), create_claim(api, TERMINATED, "termination")
    submit_claim(api, first)  # account 1234567890
    assert queue_flags(api, supervisor) == {first.id: []}
    submit_claim(api, second)  # the same account, another person
    both = ["duplicate_bank_account"]
    assert queue_flags(api, supervisor) == {first.id: both, second.id: both}
    assert flags(api, first, supervisor) == both


@pytest.mark.parametrize(
    ("relationship", "rank", "expected_flags"),
    [("spouse", 1, []), ("child", 2, ["later_heir"]), ("other", 4, ["later_heir"])],
)
def test_a_death_claim_shows_the_heir_order_and_flags_a_later_heir(
    api: Api, relationship: str, rank: int, expected_flags: list[str]
) -> None:
    with api.db.unit_of_work() as session:
        _, supervisor = add_officer(session, "Pengawas", None, ["supervisor"], NOW)
    label = "death: deceased participant (heir claims)"
    body = claim_body(label, "death", heir=dict(HEIR, relationship=relationship))
    created = api.client.post("/api/v1/claims", json=body)
    assert created.status_code == 201, created.text
    view = api.client.get(
        f"/api/v1/officer/claims/{created.json()['id']}", headers=bearer(supervisor)
    ).json()
    assert view["flags"] == expected_flags
    heir = view["heir"]
    assert (heir["relationship"], heir["rank"]) == (relationship, rank)
    assert heir["relationship_label_id"] and heir["relationship_label_en"]
    order = heir["order"]
    assert [step["rank"] for step in order] == list(range(1, 8))
    assert order[0] == {
        "rank": 1,
        "relationship": "spouse",
        "label_id": "Janda atau duda",
        "label_en": "Widow or widower",
    }
    assert [step["relationship"] for step in order if step["rank"] == rank] == [relationship]
