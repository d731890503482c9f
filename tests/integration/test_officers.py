"""Officers' lifecycle (issue 16, item 4): a supervisor is never created with an acting role;
deactivation and token rotation take effect at once (the officer lookup keeps no cache: a
running app refuses the old token on the very next request), and each is audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from claims.app import create_app
from claims.clock import Clock
from claims.db import Database
from claims.models import Officer, OfficerEvent
from claims.ratelimits import RateLimits
from claims.registry.officers import (
    OfficerError,
    add_officer,
    deactivate_officer,
    rotate_officer_token,
)
from claims.repositories.credentials import active_officer_by_token
from claims.runtime import Runtime
from claims.settings import Settings
from tests.support import NOW, load_samples

BRANCH = "JKT-SLB"


def officer_count(db: Database) -> int:
    with db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(Officer)) or 0)


def audit_of(db: Database, officer_id: int) -> list[tuple[str, str]]:
    with db.read_only() as session:
        rows = session.execute(
            select(OfficerEvent.action, OfficerEvent.by)
            .where(OfficerEvent.officer_id == officer_id)
            .order_by(OfficerEvent.id)
        )
        return [(action, by) for action, by in rows]


@pytest.fixture
def branches(db: Database, tmp_path: Path) -> Database:
    load_samples(db, tmp_path / "samples")
    return db


def new_officer(db: Database, *roles: str) -> tuple[int, str]:
    with db.unit_of_work() as session:
        officer, token = add_officer(session, "Ani", BRANCH, list(roles), NOW, by="ops")
        return officer.id, token


@pytest.mark.parametrize("acting", ["verifier", "interviewer", "approver", "finance"])
def test_a_supervisor_with_an_acting_role_is_refused_and_nothing_is_created(
    branches: Database, acting: str
) -> None:
    before = officer_count(branches)
    with pytest.raises(OfficerError, match="supervisor"), branches.unit_of_work() as session:
        add_officer(session, "Ani", BRANCH, ["supervisor", acting], NOW, by="ops")
    assert officer_count(branches) == before


def test_adding_is_audited(branches: Database) -> None:
    officer_id, _ = new_officer(branches, "verifier")
    assert audit_of(branches, officer_id) == [("added", "ops")]


def test_a_deactivated_officers_token_is_dead_at_once(branches: Database) -> None:
    officer_id, token = new_officer(branches, "approver")
    assert active_officer_by_token(branches, token) is not None
    with branches.unit_of_work() as session:
        deactivate_officer(session, officer_id, NOW, by="ops")
    assert active_officer_by_token(branches, token) is None
    assert audit_of(branches, officer_id) == [("added", "ops"), ("deactivated", "ops")]
    with pytest.raises(OfficerError, match="already deactivated"), branches.unit_of_work() as s:
        deactivate_officer(s, officer_id, NOW, by="ops")
    with pytest.raises(OfficerError, match="deactivated"), branches.unit_of_work() as s:
        rotate_officer_token(s, officer_id, NOW, by="ops")
    assert len(audit_of(branches, officer_id)) == 2  # refusals change nothing


def test_a_rotated_token_replaces_the_old_one_at_once(branches: Database) -> None:
    officer_id, old = new_officer(branches, "finance")
    with branches.unit_of_work() as session:
        new = rotate_officer_token(session, officer_id, NOW, by="ops")
    assert new != old and len(new) >= 40
    assert active_officer_by_token(branches, old) is None
    found = active_officer_by_token(branches, new)
    assert found is not None and found.id == officer_id
    assert audit_of(branches, officer_id) == [("added", "ops"), ("token_rotated", "ops")]
    with branches.unit_of_work() as session:
        row = session.get(Officer, officer_id)
        assert row is not None and old not in row.token_hash and new not in row.token_hash


def test_no_such_officer(branches: Database) -> None:
    for change in (deactivate_officer, rotate_officer_token):
        missing = pytest.raises(OfficerError, match="no officer with id 999999")
        with missing, branches.unit_of_work() as session:
            change(session, 999999, NOW, by="ops")


@pytest.fixture
def client(branches: Database, data_dir: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=data_dir, database_url=branches.url, scheduler=False)
    runtime = Runtime(settings=settings, db=branches, clock=Clock())
    app = create_app(
        settings=settings,
        runtime=runtime,
        rate_limits=RateLimits(default_per_client="100000/minute"),
    )
    with TestClient(app) as test_client:
        yield test_client
    runtime.close()


def test_a_running_service_refuses_the_old_token_on_the_next_request(
    branches: Database, client: TestClient
) -> None:
    officer_id, old = new_officer(branches, "verifier")
    queue = "/api/v1/officer/claims"
    assert client.get(queue, headers={"Authorization": f"Bearer {old}"}).status_code == 200
    with branches.unit_of_work() as session:
        new = rotate_officer_token(session, officer_id, NOW, by="ops")
    assert client.get(queue, headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get(queue, headers={"Authorization": f"Bearer {new}"}).status_code == 200
    with branches.unit_of_work() as session:
        deactivate_officer(session, officer_id, NOW, by="ops")
    assert client.get(queue, headers={"Authorization": f"Bearer {new}"}).status_code == 401
