"""The officer's view of a claim: what it shares with other people's claims is flagged."""

from __future__ import annotations

from typing import Any

from claims.registry.officers import add_officer
from tests.e2e.api_helpers import RESIGNED, TERMINATED, ClaimOverHttp, bearer, create_claim
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
