"""The sandbox clock: forward-only moves kept in the database, due jobs run before the answer,
and nothing at all unless JHT_SANDBOX=true."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import select

from claims.clock import Clock
from claims.db import Database
from claims.errors import ServiceError
from claims.http.sandbox import sandbox_router
from claims.jobs.registry import JobRegistry
from claims.models import SandboxClock
from claims.runtime import Runtime
from tests.integration.jobs_support import make_runtime

CLOCK = "/api/v1/sandbox/clock"


def app_for(runtime: Runtime, registry: JobRegistry | None = None) -> FastAPI:
    app = FastAPI()
    app.state.runtime = runtime
    app.state.job_registry = registry or JobRegistry()
    app.include_router(sandbox_router)

    # Stand-in for the service's problem+json handler, which lives in the app.
    @app.exception_handler(ServiceError)
    def _refused(_request: Request, error: ServiceError) -> JSONResponse:
        return JSONResponse({"code": error.code}, status_code=error.status_hint)

    return app


def now_of(answer: Any) -> datetime:
    moment = datetime.fromisoformat(answer.json()["now"])
    assert moment.tzinfo is not None
    return moment


@pytest.fixture
def runtime(db: Database, data_dir: Path) -> Runtime:
    return make_runtime(db, data_dir)


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("POST", {"advance_seconds": 60})])
def test_not_there_unless_sandbox(db: Database, data_dir: Path, method: str, body: Any) -> None:
    client = TestClient(app_for(make_runtime(db, data_dir, sandbox=False)))
    assert client.request(method, CLOCK, json=body).status_code == 404


def test_advance_is_kept_in_the_database_and_seen_by_other_processes(runtime: Runtime) -> None:
    client = TestClient(app_for(runtime))
    before = now_of(client.get(CLOCK))
    moved = client.post(CLOCK, json={"advance_seconds": 7200})
    assert moved.status_code == 200
    assert now_of(moved) >= before + timedelta(seconds=7200)
    with runtime.db.read_only() as session:
        assert session.scalar(select(SandboxClock.offset_seconds)) == pytest.approx(7200)
    # Another process (or this one restarted) has its own clock, and reads the offset.
    other = Runtime(settings=runtime.settings, db=runtime.db, clock=Clock())
    assert other.clock.now() < before + timedelta(seconds=7200)
    other.refresh_clock()
    assert other.clock.now() >= before + timedelta(seconds=7200)
    assert now_of(TestClient(app_for(other)).get(CLOCK)) >= before + timedelta(seconds=7200)


def test_set_moves_to_the_moment_given(runtime: Runtime) -> None:
    client = TestClient(app_for(runtime))
    target = datetime.now(UTC) + timedelta(days=30)
    answer = client.post(CLOCK, json={"set": target.astimezone().isoformat()})
    assert answer.status_code == 200
    assert now_of(answer) >= target
    assert now_of(client.get(CLOCK)) >= target


def test_moves_accumulate(runtime: Runtime) -> None:
    client = TestClient(app_for(runtime))
    before = now_of(client.get(CLOCK))
    for _ in range(3):
        assert client.post(CLOCK, json={"advance_seconds": 3600}).status_code == 200
    assert now_of(client.get(CLOCK)) >= before + timedelta(hours=3)


@pytest.mark.parametrize(
    "body",
    [
        {"advance_seconds": -1},
        {"set": "2001-01-01T00:00:00+07:00"},
    ],
)
def test_the_clock_cannot_go_back(runtime: Runtime, body: dict[str, Any]) -> None:
    client = TestClient(app_for(runtime))
    assert client.post(CLOCK, json={"advance_seconds": 60}).status_code == 200
    answer = client.post(CLOCK, json=body)
    assert answer.status_code == 422
    assert answer.json()["code"] == "clock_cannot_go_back"


def test_setting_a_moment_already_passed_in_simulated_time_is_going_back(runtime: Runtime) -> None:
    client = TestClient(app_for(runtime))
    assert client.post(CLOCK, json={"advance_seconds": 86400}).status_code == 200
    tomorrow_morning_real = datetime.now(UTC) + timedelta(hours=12)  # behind the simulated now
    answer = client.post(CLOCK, json={"set": tomorrow_morning_real.isoformat()})
    assert answer.status_code == 422
    assert answer.json()["code"] == "clock_cannot_go_back"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"advance_seconds": 60, "set": "2099-01-01T00:00:00+00:00"},
        {"advance_seconds": 60, "reason": "demo"},
        {"set": "2099-01-01T00:00:00"},  # no offset: ambiguous
        {"set": "next tuesday"},
        {"advance_seconds": "soon"},
        {"advance_seconds": 10**12},
    ],
)
def test_malformed_moves_are_422_and_move_nothing(runtime: Runtime, body: dict[str, Any]) -> None:
    client = TestClient(app_for(runtime))
    answer = client.post(CLOCK, json=body)
    assert answer.status_code == 422
    assert runtime.clock.offset == timedelta(0)
    with runtime.db.read_only() as session:
        assert session.scalar(select(SandboxClock.offset_seconds)) is None


def test_due_jobs_run_at_the_new_time_before_the_answer(runtime: Runtime) -> None:
    seen: list[datetime] = []
    registry = JobRegistry()

    def expire_drafts(_runtime: Runtime, now: datetime) -> int:
        seen.append(now)
        return 0

    registry.add("expire_drafts", 3600, expire_drafts)
    client = TestClient(app_for(runtime, registry))
    target = datetime.now(UTC) + timedelta(days=8)
    answer = client.post(CLOCK, json={"set": target.isoformat()})
    assert answer.status_code == 200
    assert len(seen) == 1 and seen[0] >= target
    assert now_of(answer) >= seen[0]
