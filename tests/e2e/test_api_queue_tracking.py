"""Public tracking, the officer queue (keyset pages, filters, branch scope, index use) and
/metrics."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from sqlalchemy import Select, text
from sqlalchemy.dialects import postgresql, sqlite

from claims.casework import schemas
from claims.registry.officers import add_officer
from claims.repositories.queue import queue_page
from tests.e2e.api_helpers import RESIGNED, bearer, claim_body, create_claim, submit_claim
from tests.e2e.conftest import Api
from tests.support import NOW, add_staff, sample

LABELS = [
    "resignation: left 3 months ago",
    "resignation: balance 49.999.999 (no NPWP needed)",
    "resignation: balance 80.000.000 (tax example)",
    "resignation: left 3 years ago (flat tax: one payment)",
]


def test_tracking_steps_in_both_languages_and_nothing_personal(api: Api) -> None:
    claim = create_claim(api)
    submit_claim(api, claim)
    row = sample(RESIGNED)
    answer = api.client.get(f"/api/v1/tracking/{claim.kpj}")
    assert answer.status_code == 200
    [entry] = answer.json()["claims"]
    assert schemas.TrackingView.model_validate(answer.json()).model_dump(mode="json") == (
        answer.json()
    )
    assert entry["step"] == 2 and entry["step_label"] == "Verifikasi dokumen"
    assert entry["state"] == "in_progress" and entry["next_step"].startswith("Petugas")
    assert set(entry) == {
        "reference",
        "reason",
        "step",
        "step_label",
        "state",
        "updated_on",
        "next_step",
        "interview",  # the booked time, once there is one (test_interview_api)
    }
    assert entry["interview"] is None
    english = api.client.get(
        f"/api/v1/tracking/{claim.kpj}", headers={"Accept-Language": "en-GB,en;q=0.9,id;q=0.5"}
    ).json()["claims"][0]
    assert english["step_label"] == "Document verification"
    assert english["next_step"] == "An officer is checking your documents."
    body = answer.text
    officer = add_staff(api.db, claim.branch)
    personal = [
        row["full_name"],
        row["nik"],
        row["birth_date"],
        row["email"],
        row["phone"],
        "1234567890",
        "ktp",
        claim.id,
        officer.tokens["verifier"],
        "verifier",
    ]
    detail = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth).json()
    personal += [str(detail["estimate"]["gross"]), str(detail["estimate"]["net"])]
    for value in personal:
        assert value not in body, value


def test_tracking_of_an_unknown_kpj_is_an_empty_list(api: Api) -> None:
    answer = api.client.get("/api/v1/tracking/26999999999")
    assert answer.status_code == 200
    assert answer.json() == {"kpj": "26999999999", "claims": []}


def test_applicant_sees_masked_identifiers(api: Api) -> None:
    claim = create_claim(api)
    row = sample(RESIGNED)
    submit_claim(api, claim)
    view = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth)
    data = view.json()
    assert row["nik"] not in view.text and "1234567890" not in view.text
    masked = data["participant"]["nik_masked"]
    assert "*" in masked and masked[:4] == row["nik"][:4] and masked[-2:] == row["nik"][-2:]
    assert data["bank_account"]["account_number_masked"].endswith("7890")
    for name in (
        "id",
        "reference",
        "status",
        "reason",
        "branch_code",
        "participant",
        "bank_account",
        "npwp_given",
        "checklist",
        "estimate",
        "interview",
        "allowed_actions",
        "sla_due_at",
        "history",
    ):
        assert name in data, name


def make_queue(api: Api) -> tuple[str, list[str]]:
    ids = []
    branch = ""
    for label in LABELS:
        claim = create_claim(api, label)
        branch = branch or claim.branch
        submit_claim(api, claim)
        ids.append(claim.id)
    return branch, ids


def test_queue_pages_in_sla_order_with_filters_and_branch_scope(api: Api) -> None:
    branch, ids = make_queue(api)
    staff = add_staff(api.db, branch)
    token = bearer(staff.tokens["verifier"])
    seen: list[dict[str, object]] = []
    cursor = None
    while True:
        params = {"status": "under_review", "limit": 1} | ({"cursor": cursor} if cursor else {})
        page = api.client.get("/api/v1/officer/claims", params=params, headers=token).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    mine = [item for item in seen if item["branch_code"] == branch]
    assert {item["id"] for item in seen} == {
        i for i in ids if api.client.get(f"/api/v1/officer/claims/{i}", headers=token).is_success
    }
    assert all(item["branch_code"] == branch for item in seen)
    dues = [str(item["sla_due_at"]) for item in mine]
    assert dues == sorted(dues)
    assert set(seen[0]) == {
        "id",
        "reference",
        "status",
        "reason",
        "branch_code",
        "sla_due_at",
        "flags",
        "updated_at",
    }
    # The page is built as JSON without the models: exactly what the models would give.
    for item in seen:
        assert schemas.QueueItem.model_validate(item).model_dump(mode="json") == item
    none = api.client.get("/api/v1/officer/claims", params={"status": "paid"}, headers=token).json()
    assert none["items"] == []
    by_reason = api.client.get(
        "/api/v1/officer/claims", params={"reason": "death"}, headers=token
    ).json()
    assert by_reason["items"] == []
    bad = api.client.get("/api/v1/officer/claims", params={"cursor": "@@"}, headers=token)
    assert bad.status_code == 422
    # a supervisor sees every branch's claims, or one branch when asked
    with api.db.unit_of_work() as session:
        _, supervisor = add_officer(session, "Pengawas", None, ["supervisor"], NOW)
    everything = api.client.get(
        "/api/v1/officer/claims", params={"limit": 200}, headers=bearer(supervisor)
    ).json()
    assert {item["id"] for item in everything["items"]} == set(ids)
    one = api.client.get(
        "/api/v1/officer/claims", params={"branch": branch}, headers=bearer(supervisor)
    ).json()
    assert {item["branch_code"] for item in one["items"]} == {branch}


# The fourth walks ix_claims_queue_branch_due (migration 0003); the finished statuses walk
# ix_claims_finished_* in id order (migration 0004).
QUEUE_FILTERS = [
    (["JKT-SLB"], "under_review"),
    (None, "under_review"),
    (None, None),
    (["JKT-SLB"], None),
    (["JKT-SLB"], "paid"),
    (None, "rejected"),
]


@pytest.mark.parametrize(("branches", "status"), QUEUE_FILTERS)
def test_queue_query_walks_an_index_without_sorting(
    api: Api, branches: list[str] | None, status: str | None
) -> None:
    """The plan of the page query: an index search in SLA order (id order for a finished
    status), no full scan, no sort."""
    expected_index = "ix_claims_finished" if status in ("paid", "rejected") else "ix_claims_queue"
    captured: list[str] = []
    dialect = sqlite.dialect() if api.db.is_sqlite else postgresql.dialect()

    class Recorder:
        """The database as the queue reads it, noting each statement run."""

        def quick_rows(
            self, statement: Select[Any], parameters: Mapping[str, Any]
        ) -> Sequence[Sequence[Any]]:
            bound = statement.params(parameters)
            captured.append(
                str(bound.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            )
            return api.db.quick_rows(statement, parameters)

    queue_page(
        Recorder(),  # type: ignore[arg-type]
        branches=branches,
        status=status,
        reason=None,
        limit=50,
        cursor=None,
    )
    [query] = captured
    with api.db.read_only() as session:
        if api.db.is_sqlite:
            plan = " | ".join(
                str(row[-1]) for row in session.execute(text("EXPLAIN QUERY PLAN " + query))
            )
            assert f"USING INDEX {expected_index}" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            # The test table is tiny, so the planner would happily sort a bitmap scan's
            # few rows; with both off it must show whether an index gives the SLA order
            # (a Sort node still appears when none does).
            session.execute(text("SET LOCAL enable_seqscan = off"))
            session.execute(text("SET LOCAL enable_bitmapscan = off"))
            rows = session.execute(text("EXPLAIN (FORMAT JSON) " + query)).scalar_one()
            plan = json.dumps(rows)
            assert expected_index in plan, plan
            assert '"Sort"' not in plan and "Seq Scan" not in plan, plan


def test_metrics_after_some_traffic(api: Api) -> None:
    claim = create_claim(api)
    submit_claim(api, claim)
    api.client.get("/api/v1/tracking/26999999999")
    api.client.post("/api/v1/claims", json=claim_body(RESIGNED, nik="1"))
    api.client.put(
        f"/api/v1/claims/{claim.id}/documents/ktp",
        files=[("files", ("x.pdf", b"not a pdf", "application/pdf"))],
        headers=claim.auth,
    )
    answer = api.client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    metrics = answer.text
    assert 'jht_http_requests_total{method="POST",route="/api/v1/claims",status="201"}' in metrics
    assert 'route="/api/v1/tracking/{kpj}",status="200"' in metrics
    assert 'route="/api/v1/claims",status="422"' in metrics
    assert 'jht_claims{status="under_review"} 1.0' in metrics
    assert 'jht_transitions_total{from="documents_pending",to="under_review",trigger="submit"}' in (
        metrics
    )
    for name in (
        "jht_time_in_status_seconds_bucket",
        "jht_claims_sla_at_risk",
        "jht_claims_sla_breached",
        "jht_upload_bytes_bucket",
        "jht_http_request_duration_seconds_bucket",
    ):
        assert name in metrics, name
