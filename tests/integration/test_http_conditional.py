"""ETag and If-Match: the version in quotes; a stale or weak If-Match is 412."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import Request, Response
from fastapi.testclient import TestClient
from http_support import make_app, make_runtime

from claims.db import Database
from claims.http.conditional import check_if_match, etag_for

CURRENT_VERSION = 7


@pytest.fixture
def client(db: Database, data_dir: Path) -> TestClient:
    app = make_app(make_runtime(db, data_dir))

    @app.post("/claims/x/approve")
    def approve(request: Request, response: Response) -> dict[str, int]:
        check_if_match(request, CURRENT_VERSION)
        response.headers["ETag"] = etag_for(CURRENT_VERSION + 1)
        return {"version": CURRENT_VERSION + 1}

    return TestClient(app)


def test_etag_is_the_version_in_quotes() -> None:
    assert etag_for(7) == '"7"'


@pytest.mark.parametrize(
    ("if_match", "status"),
    [
        (None, 200),
        ('"7"', 200),
        ("*", 200),
        ('"5", "7"', 200),
        ('"6"', 412),
        ('W/"7"', 412),  # If-Match uses the strong comparison
        ("7", 412),  # not an entity tag
        ('"17"', 412),
        ("", 412),
    ],
)
def test_if_match(client: TestClient, if_match: str | None, status: int) -> None:
    headers = {} if if_match is None else {"If-Match": if_match}
    response = client.post("/claims/x/approve", headers=headers)
    assert response.status_code == status
    if status == 412:
        body = response.json()
        assert body["code"] == "stale_version"
        assert body["current_etag"] == '"7"'
    else:
        assert response.headers["etag"] == '"8"'
