"""The whole happy path of every claim reason over HTTP, with real uploads: create, bank
account and NPWP, documents, submit, review, interview, approval, tracking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from claims.db import Database
from claims.models import Claim
from tests.e2e.conftest import Api
from tests.support import add_staff, sample

SCANS = Path(__file__).resolve().parents[2] / "samples" / "scans"
CASES = [
    ("resignation", "resignation: left 3 months ago"),
    ("termination", "termination: PHK 3 months ago"),
    ("contract_end", "contract_end: contract ended yesterday"),
    ("retirement", "retirement: turns 56 today"),
    ("leaving_indonesia", "leaving_indonesia: moving abroad"),
    ("disability", "disability: aged 47"),
    ("death", "death: deceased participant (heir claims)"),
    ("partial_housing", "partial_housing: member 12 years"),
    ("partial_other", "partial_other: member 15 years"),
]
HEIR = {
    "nik": "3171015503900001",
    "full_name": "Ahli Waris Contoh",
    "birth_date": "1990-03-15",
    "relationship": "spouse",
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def upload(client: Any, claim_id: str, token: str, doc_type: str) -> dict[str, object]:
    files = [
        ("files", ("depan.jpg", (SCANS / "ktp.jpg").read_bytes(), "image/jpeg")),
        (
            "files",
            ("surat.pdf", (SCANS / "surat_berhenti_bekerja.pdf").read_bytes(), "application/pdf"),
        ),
    ]
    answer = client.put(
        f"/api/v1/claims/{claim_id}/documents/{doc_type}", files=files, headers=bearer(token)
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


@pytest.mark.parametrize(("reason", "label"), CASES, ids=[c[0] for c in CASES])
def test_happy_path(api: Api, reason: str, label: str) -> None:
    claim_id = happy_path(api.client, api.db, api.set_now, reason, label)
    with api.db.read_only() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None and claim.status == "approved"


def happy_path(
    client: Any, db: Database, set_now: Callable[[datetime], None], reason: str, label: str
) -> str:
    """One claim of `reason` from creation to approval over HTTP; returns its id. `client` is a
    TestClient, or an httpx client of live server processes."""
    row = sample(label)
    staff = add_staff(db, row["_branch"])
    body = {
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
        body["heir"] = HEIR
    created = client.post("/api/v1/claims", json=body)
    assert created.status_code == 201, created.text
    claim = created.json()
    claim_id, token = claim["id"], claim["access_token"]
    assert created.headers["etag"] == '"1"'
    required = [item["doc_type"] for item in claim["checklist"] if item["required"]]

    holder = HEIR["full_name"] if reason == "death" else row["full_name"]
    answer = client.put(
        f"/api/v1/claims/{claim_id}/bank-account",
        json={"bank_code": "014", "account_number": "1234567890", "account_holder": holder},
        headers=bearer(token),
    )
    assert answer.status_code == 200, answer.text
    if claim["estimate"]["npwp_required"]:
        npwp = client.put(
            f"/api/v1/claims/{claim_id}/npwp",
            json={"npwp": "01.234.567.8-901.000"},
            headers=bearer(token),
        )
        assert npwp.status_code == 200, npwp.text
    for doc_type in required:
        stored = upload(client, claim_id, token, doc_type)
        assert stored["pages"] == 3 and stored["status"] == "uploaded"

    submitted = client.post(f"/api/v1/claims/{claim_id}/submit", headers=bearer(token))
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "under_review"

    decisions = [{"doc_type": t, "decision": "accepted"} for t in required]
    reviewed = client.post(
        f"/api/v1/officer/claims/{claim_id}/document-review",
        json={"decisions": decisions},
        headers=bearer(staff.tokens["verifier"]),
    )
    assert reviewed.status_code == 200, reviewed.text
    interview = reviewed.json()["interview"]
    assert reviewed.json()["status"] == "interview_scheduled" and interview["video_url"].startswith(
        "https://"
    )

    set_now(datetime.fromisoformat(interview["starts_at"]) + timedelta(minutes=5))
    passed = client.post(
        f"/api/v1/officer/claims/{claim_id}/interview/outcome",
        json={"outcome": "passed"},
        headers=bearer(staff.tokens["interviewer"]),
    )
    assert passed.status_code == 200, passed.text
    approved = client.post(
        f"/api/v1/officer/claims/{claim_id}/approve",
        json={"note": "lengkap"},
        headers=bearer(staff.tokens["approver"]),
    )
    assert approved.status_code == 200, approved.text
    answer = approved.json()  # the claim, as every officer action answers
    assert answer["id"] == claim_id and answer["status"] == "approved"
    assert approved.headers["etag"] == f'"{answer["version"]}"'
    payout = answer["payout"]
    assert payout["gross"] == answer["estimate"]["gross"]
    assert payout["net"] == payout["gross"] - payout["tax"]
    assert payout["status"] == "pending" and answer["payouts"] == [payout]

    tracked = client.get(f"/api/v1/tracking/{row['kpj']}")
    assert tracked.status_code == 200
    [entry] = tracked.json()["claims"]
    assert (entry["step"], entry["step_label"], entry["state"]) == (5, "Pembayaran", "in_progress")
    assert row["full_name"] not in tracked.text and row["nik"] not in tracked.text
    return str(claim_id)
