"""Four-eyes over the whole history, over HTTP (issue 15, item 6): an officer who ever reviewed
or interviewed a claim cannot approve it, even when another officer did the last review. And
the answer of approve is the claim, with its payout among the fields (item 8)."""

from __future__ import annotations

from datetime import datetime, timedelta

from claims.registry.officers import add_officer
from tests.corpus import jpeg
from tests.e2e.api_helpers import assert_problem, bearer, create_claim, submit_claim
from tests.e2e.conftest import Api
from tests.e2e.upload_support import ClaimHandle, put_files
from tests.support import NOW, add_staff


def test_a_verifier_who_sent_documents_back_cannot_approve(api: Api) -> None:
    claim = create_claim(api)
    staff = add_staff(api.db, claim.branch)
    with api.db.unit_of_work() as session:
        first, first_token = add_officer(
            session, "Verifikator Penyetuju", claim.branch, ["verifier", "approver"], NOW
        )
        first_id = first.id
    submit_claim(api, claim)

    # The first verifier sends the KTP back ...
    seen = api.client.get(f"/api/v1/officer/claims/{claim.id}", headers=bearer(first_token))
    assert seen.status_code == 200, seen.text
    assert seen.json()["payout"] is None  # no payout before approval
    decisions = [
        {"doc_type": d["doc_type"], "decision": "accepted"}
        if d["doc_type"] != "ktp"
        else {"doc_type": "ktp", "decision": "rejected", "reason_code": "document_unreadable"}
        for d in seen.json()["documents"]
    ]
    sent_back = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/document-review",
        json={"decisions": decisions},
        headers=bearer(first_token),
    )
    assert sent_back.status_code == 200, sent_back.text
    assert sent_back.json()["status"] == "revision_requested"

    # ... the applicant uploads a new one, and another verifier accepts it.
    handle = ClaimHandle(claim.id, claim.token, claim.branch, claim.kpj)
    again = put_files(api.client, handle, "ktp", [("ktp-baru.jpg", jpeg())])
    assert again.status_code == 200, again.text
    resubmitted = api.client.post(f"/api/v1/claims/{claim.id}/submit", headers=claim.auth)
    assert resubmitted.status_code == 200, resubmitted.text
    accepted = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/document-review",
        json={"decisions": [{"doc_type": "ktp", "decision": "accepted"}]},
        headers=bearer(staff.tokens["verifier"]),
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "interview_scheduled"
    # The claim row keeps only the last verifier: the first one is in the history alone.
    assert accepted.json()["verifier_id"] == staff.verifier.officer_id != first_id

    starts_at = datetime.fromisoformat(accepted.json()["interview"]["starts_at"])
    api.set_now(starts_at + timedelta(minutes=5))
    passed = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/interview/outcome",
        json={"outcome": "passed"},
        headers=bearer(staff.tokens["interviewer"]),
    )
    assert passed.status_code == 200, passed.text
    assert passed.json()["status"] == "awaiting_approval" and passed.json()["payout"] is None

    refused = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/approve", json={}, headers=bearer(first_token)
    )
    assert_problem(refused, 403, "four_eyes")

    approved = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/approve",
        json={},
        headers=bearer(staff.tokens["approver"]),
    )
    assert approved.status_code == 200, approved.text
    answer = approved.json()
    assert answer["status"] == "approved" and answer["approver_id"] == staff.approver.officer_id
    assert approved.headers["etag"] == f'"{answer["version"]}"'
    payout = answer["payout"]
    assert {"reference", "gross", "tax", "net", "status"} <= payout.keys()
    assert payout["status"] == "pending" and payout["net"] == payout["gross"] - payout["tax"]
    assert answer["payouts"] == [payout]


def test_approve_declares_the_claim_as_its_answer(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    approve = schema["paths"]["/api/v1/officer/claims/{claim_id}/approve"]["post"]
    answer = approve["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/OfficerClaimView"}
    view = schema["components"]["schemas"]["OfficerClaimView"]
    assert "payout" in view["properties"] and "ApprovedView" not in schema["components"]["schemas"]
