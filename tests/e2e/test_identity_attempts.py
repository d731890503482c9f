"""Identity attempts under concurrency (quality.md: 50 concurrent wrong identity attempts on
one KPJ: exactly 5 evaluated, the rest 429). Over real HTTP to the app served by uvicorn, on
the test database (SQLite, or PostgreSQL with JHT_TEST_DATABASE_URL) and with the limits in
memory and on Redis; through the API and through the /apply page, which share the path.

"Evaluated" is observable twice: every evaluation is a row in `verification_attempts`, and
only an evaluated attempt can be answered `identity_not_verified`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from claims.app import create_app
from claims.clock import Clock
from claims.db import Database
from claims.models import VerificationAttempt
from claims.ratelimits import RateLimiter, RateLimits
from claims.runtime import Runtime
from claims.settings import Settings
from tests.browser.conftest import serve
from tests.browser.test_pages_http import apply_form
from tests.concurrency import all_at_once
from tests.e2e.api_helpers import RESIGNED, claim_body
from tests.redis_support import REDIS_URL, redis_namespace
from tests.support import NOW, load_samples, sample

BURST = 50
# The spec's limits for identity attempts; only the generous default limit is lifted, so
# that it is the attempt limits that answer.
LIMITS = RateLimits(default_per_client="100000/minute")
NOT_VERIFIED_PAGE_TEXT = "tidak cocok dengan data kami"


@dataclass
class Served:
    base_url: str
    db: Database


@pytest.fixture(params=["memory", "redis"])
def served(
    request: pytest.FixtureRequest, db: Database, data_dir: Path, tmp_path: Path
) -> Iterator[Served]:
    load_samples(db, tmp_path / "samples")
    settings = Settings(data_dir=data_dir, database_url=db.url, scheduler=False)
    runtime = Runtime(settings=settings, db=db, clock=Clock())
    runtime.clock.set_offset(NOW - datetime.now(UTC))
    app = create_app(settings=settings, runtime=runtime, rate_limits=LIMITS)
    with redis_namespace() if request.param == "redis" else nullcontext() as namespace:
        if namespace is not None:
            app.state.rate_limiter = RateLimiter(REDIS_URL, LIMITS, namespace=namespace)
        server, thread, base_url = serve(app)
        try:
            yield Served(base_url, db)
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            runtime.close()


def evaluated(db: Database, kpj: str) -> int:
    with db.read_only() as session:
        query = select(func.count()).where(VerificationAttempt.kpj == kpj)
        return int(session.scalar(query) or 0)


def each_in_its_own_connection(
    served: Served, send: Callable[[httpx.Client], httpx.Response]
) -> list[httpx.Response]:
    """`send` from BURST threads released together, each over a connection of its own."""

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=served.base_url, timeout=120) as client:
            return send(client)

    return all_at_once(one, list(range(BURST)))


def assert_refused_with_retry_after(answers: list[httpx.Response]) -> None:
    for answer in answers:
        assert answer.status_code == 429, answer.text
        assert int(answer.headers["retry-after"]) > 0


def test_fifty_concurrent_wrong_attempts_on_one_kpj_evaluate_exactly_five(
    served: Served,
) -> None:
    wrong = claim_body(RESIGNED, full_name="Bukan Dia")
    answers = each_in_its_own_connection(
        served, lambda client: client.post("/api/v1/claims", json=wrong)
    )
    codes = Counter(answer.json()["code"] for answer in answers)
    assert codes == Counter({"identity_not_verified": 5, "too_many_attempts": BURST - 5}), codes
    assert_refused_with_retry_after([a for a in answers if a.status_code != 422])
    assert evaluated(served.db, wrong["kpj"]) == 5
    # The KPJ stays locked, even for its owner with the right details.
    with httpx.Client(base_url=served.base_url) as client:
        right = client.post("/api/v1/claims", json=claim_body(RESIGNED))
    assert right.status_code == 429 and right.json()["code"] == "too_many_attempts"
    assert evaluated(served.db, wrong["kpj"]) == 5


def test_fifty_concurrent_wrong_attempts_through_the_apply_page_evaluate_exactly_five(
    served: Served,
) -> None:
    row = sample(RESIGNED)
    with httpx.Client(base_url=served.base_url) as client:
        page = client.get("/apply")
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found is not None
        cookies = dict(client.cookies)
    form = apply_form(row, found.group(1)) | {"full_name": "Bukan Dia"}

    def post(client: httpx.Client) -> httpx.Response:
        client.cookies.update(cookies)
        # Post/redirect/get: the refusal shows on the form the post is sent back to.
        return client.post("/apply", data=form, follow_redirects=True)

    answers = each_in_its_own_connection(served, post)
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == Counter({422: 5, 429: BURST - 5}), statuses
    assert all(NOT_VERIFIED_PAGE_TEXT in a.text for a in answers if a.status_code == 422)
    assert_refused_with_retry_after([a for a in answers if a.status_code == 429])
    assert evaluated(served.db, row["kpj"]) == 5
