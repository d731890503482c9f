"""Own account, really (issue 16, item 10), over HTTP: the holder typed at entry is the
claimant's name, but the bank's account-name inquiry names someone else for an account ending
in 8888. The payout fails with `bank_account_not_own` before any money moves; the applicant
gives their own account and is paid once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from claims.models import SimulatedBankTransfer
from claims.payouts.dispatcher import dispatch_payouts
from tests.e2e.api_helpers import bearer, to_awaiting_approval
from tests.e2e.conftest import Api
from tests.support import sample

NOT_OWN = "1234568888"  # the simulated bank reports this account under another name


def transfers(api: Api) -> list[tuple[str, int]]:
    with api.db.read_only() as session:
        rows = session.scalars(select(SimulatedBankTransfer).order_by(SimulatedBankTransfer.id))
        return [(row.reference, row.requests) for row in rows]


def test_an_account_in_another_name_is_refused_by_the_bank_and_replaced(api: Api) -> None:
    # The typed holder is the claimant; the bank names someone else.
    claim, staff = to_awaiting_approval(api, account_number=NOT_OWN)
    during = api.runtime.clock.now()
    approved = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/approve",
        json={"note": "ok"},
        headers=bearer(staff.tokens["approver"]),
    )
    assert approved.status_code == 200, approved.text

    assert dispatch_payouts(api.runtime, during + timedelta(minutes=1)) == 1
    view = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth).json()
    assert view["status"] == "payout_failed"
    assert view["history"][-1]["reason_code"] == "bank_account_not_own"
    assert transfers(api) == []  # no money went to the other person's account

    own = api.client.put(
        f"/api/v1/claims/{claim.id}/bank-account",
        json={
            "bank_code": "008",
            "account_number": "9876543210",
            "account_holder": sample(claim.label)["full_name"],
        },
        headers=claim.auth,
    )
    assert own.status_code == 200, own.text
    assert own.json()["status"] == "approved"
    assert dispatch_payouts(api.runtime, during + timedelta(minutes=2)) == 1
    paid = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth).json()
    assert paid["status"] == "paid"
    [(reference, requests)] = transfers(api)  # paid once, to the applicant's own account
    assert reference.endswith("-P2") and requests == 1
    assert dispatch_payouts(api.runtime, during + timedelta(hours=1)) == 0
