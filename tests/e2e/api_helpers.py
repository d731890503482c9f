"""Shared steps of the API tests: a claim created over HTTP and moved along the workflow by
the same endpoints a client would call (documents attached directly: uploads have their own
tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.e2e.conftest import Api
from tests.support import Staff, add_staff, attach_documents_directly, sample

HEIR = {
    "nik": "3171015503900001",
    "full_name": "Ahli Waris Contoh",
    "birth_date": "1990-03-15",
    "relationship": "spouse",
}
RESIGNED = "resignation: left 3 months ago"
TERMINATED = "termination: PHK 3 months ago"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claim_body(label: str, reason: str = "resignation", **changes: Any) -> dict[str, Any]:
    row = sample(label)
    body: dict[str, Any] = {
        "kpj": row["kpj"],
        "nik": row["nik"],
        "full_name": row["full_name"],
        "birth_date": row["birth_date"],
        "reason": reason,
        "email": row["email"],
        "phone": row["phone"],
        "branch_code": row["_branch"],
    }
    if reason == "death":
        body["heir"] = dict(HEIR)
    body.update(changes)
    return body


def assert_problem(answer: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem with the standard members and no trace of a stack."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.headers
    problem = dict(answer.json())
    assert problem.keys() >= PROBLEM_KEYS, problem
    assert problem["status"] == status
    if code is not None:
        assert problem["code"] == code, problem
    assert "Traceback" not in answer.text and 'File "' not in answer.text
    return problem


@dataclass
class ClaimOverHttp:
    id: str
    token: str
    label: str
    branch: str
    kpj: str
    etag: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.token)


def create_claim(api: Api, label: str = RESIGNED, reason: str = "resignation") -> ClaimOverHttp:
    answer = api.client.post("/api/v1/claims", json=claim_body(label, reason))
    assert answer.status_code == 201, answer.text
    created = answer.json()
    row = sample(label)
    return ClaimOverHttp(
        created["id"],
        created["access_token"],
        label,
        row["_branch"],
        row["kpj"],
        answer.headers["etag"],
    )


def submit_claim(
    api: Api, claim: ClaimOverHttp, account_number: str = "1234567890"
) -> dict[str, Any]:
    """Bank account (in the claimant's name), NPWP when needed, required documents, submit:
    `under_review`."""
    row = sample(claim.label)
    answer = api.client.put(
        f"/api/v1/claims/{claim.id}/bank-account",
        json={
            "bank_code": "014",
            "account_number": account_number,
            "account_holder": row["full_name"],
        },
        headers=claim.auth,
    )
    assert answer.status_code == 200, answer.text
    if answer.json()["estimate"]["npwp_required"]:
        npwp = api.client.put(
            f"/api/v1/claims/{claim.id}/npwp", json={"npwp": "012345678901000"}, headers=claim.auth
        )
        assert npwp.status_code == 200, npwp.text
    attach_documents_directly(api.db, claim.id)
    submitted = api.client.post(f"/api/v1/claims/{claim.id}/submit", headers=claim.auth)
    assert submitted.status_code == 200, submitted.text
    return dict(submitted.json())


def review_all(api: Api, claim: ClaimOverHttp, staff: Staff) -> dict[str, Any]:
    """The verifier accepts every document: `interview_scheduled`."""
    officer = api.client.get(
        f"/api/v1/officer/claims/{claim.id}", headers=bearer(staff.tokens["verifier"])
    )
    assert officer.status_code == 200, officer.text
    decisions = [
        {"doc_type": d["doc_type"], "decision": "accepted"} for d in officer.json()["documents"]
    ]
    reviewed = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/document-review",
        json={"decisions": decisions},
        headers=bearer(staff.tokens["verifier"]),
    )
    assert reviewed.status_code == 200, reviewed.text
    return dict(reviewed.json())


def to_awaiting_approval(
    api: Api,
    label: str = RESIGNED,
    staff: Staff | None = None,
    account_number: str = "1234567890",
) -> tuple[ClaimOverHttp, Staff]:
    """A claim through review and a passed interview, waiting for the approver."""
    claim = create_claim(api, label)
    staff = staff or add_staff(api.db, claim.branch)
    submit_claim(api, claim, account_number=account_number)
    reviewed = review_all(api, claim, staff)
    api.set_now(datetime.fromisoformat(reviewed["interview"]["starts_at"]) + timedelta(minutes=5))
    passed = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/interview/outcome",
        json={"outcome": "passed"},
        headers=bearer(staff.tokens["interviewer"]),
    )
    assert passed.status_code == 200, passed.text
    assert passed.json()["status"] == "awaiting_approval"
    claim.etag = passed.headers["etag"]
    return claim, staff
