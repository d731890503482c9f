"""Metrics: requests by route template (never a raw id), the service's counters, and claim
gauges read from the database on the application clock at scrape time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from http_support import NOW, add_branch, add_claim, make_app, make_runtime
from prometheus_client.parser import text_string_to_metric_families

from claims.db import Database
from claims.http.metrics import ServiceMetrics
from claims.runtime import Runtime


@pytest.fixture
def runtime(db: Database, data_dir: Path) -> Runtime:
    add_branch(db, "JKT01")
    runtime = make_runtime(db, data_dir)
    # Pin "now" to NOW, so the SLA gauges below do not depend on the wall clock.
    runtime.clock.set_offset(NOW - runtime.clock.now())
    return runtime


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_requests_are_counted_by_route_template(runtime: Runtime) -> None:
    app = make_app(runtime)

    @app.get("/api/v1/claims/{claim_id}")
    def show(claim_id: str) -> dict[str, str]:
        return {"id": claim_id}

    client = TestClient(app)
    client.get("/api/v1/claims/abc-123-secret-id")
    client.get("/api/v1/claims/def-456")
    client.get("/no/such/xyz-789")
    text = client.get("/metrics").text
    assert "abc-123-secret-id" not in text and "xyz-789" not in text
    found = samples(text)
    key = (
        "jht_http_requests_total",
        (("method", "GET"), ("route", "/api/v1/claims/{claim_id}"), ("status", "200")),
    )
    assert found[key] == 2
    unmatched = (
        "jht_http_requests_total",
        (("method", "GET"), ("route", "<unmatched>"), ("status", "404")),
    )
    assert found[unmatched] == 1
    count = (
        "jht_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/api/v1/claims/{claim_id}")),
    )
    assert found[count] == 2


def test_service_counters_and_histograms(runtime: Runtime) -> None:
    metrics = ServiceMetrics()
    metrics.record_transition("submit", "documents_pending", "under_review")
    metrics.record_transition("submit", "documents_pending", "under_review")
    metrics.observe_time_in_status("under_review", 7200)
    metrics.observe_upload(3 * 1024 * 1024)
    found = samples(metrics.render().decode())
    transition = (
        "jht_transitions_total",
        (("from", "documents_pending"), ("to", "under_review"), ("trigger", "submit")),
    )
    assert found[transition] == 2
    assert found[("jht_time_in_status_seconds_sum", (("status", "under_review"),))] == 7200
    assert found[("jht_upload_bytes_count", ())] == 1
    buckets = {
        float(dict(labels)["le"]): value
        for (name, labels), value in found.items()
        if name == "jht_upload_bytes_bucket"
    }
    assert buckets[2 * 1024 * 1024] == 0
    assert buckets[5 * 1024 * 1024] == 1


def test_claim_gauges_come_from_the_database_at_scrape_time(runtime: Runtime, db: Database) -> None:
    client = TestClient(make_app(runtime))
    add_claim(
        db, "JKT01", "26000000001", status="under_review", sla_due_at=NOW - timedelta(hours=1)
    )
    add_claim(db, "JKT01", "26000000002", status="approved", sla_due_at=NOW + timedelta(hours=2))
    add_claim(db, "JKT01", "26000000003", status="under_review", sla_due_at=NOW + timedelta(days=3))
    # Not running: the SLA clock is stopped, however late the due time.
    add_claim(
        db, "JKT01", "26000000004", status="revision_requested", sla_due_at=NOW - timedelta(days=1)
    )
    add_claim(db, "JKT01", "26000000005", status="documents_pending")
    found = samples(client.get("/metrics").text)
    assert found[("jht_claims", (("status", "under_review"),))] == 2
    assert found[("jht_claims", (("status", "approved"),))] == 1
    assert found[("jht_claims", (("status", "paid"),))] == 0
    assert found[("jht_claims_sla_breached", ())] == 1
    assert found[("jht_claims_sla_at_risk", ())] == 1
    assert found[("jht_metrics_database_up", ())] == 1

    # A day later on the application clock, the at-risk claim has breached too.
    runtime.clock.set_offset(runtime.clock.offset + timedelta(days=1))
    later = samples(client.get("/metrics").text)
    assert later[("jht_claims_sla_breached", ())] == 2
    assert later[("jht_claims_sla_at_risk", ())] == 0
