"""Rate limits on memory and on Redis: the count, the refusal's code and Retry-After, identity
attempts reserved before they are checked (and kept, so even a correct attempt waits once the
window is full), tracking per normalised KPJ, and counts shared through Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from http_support import make_runtime

from claims.db import Database
from claims.errors import TooManyRequests
from claims.http import install_http_conventions
from claims.ratelimits import (
    DEFAULT_PER_CLIENT,
    TRACKING_PER_CLIENT,
    RateLimiter,
    RateLimits,
)
from tests.concurrency import all_at_once
from tests.redis_support import REDIS_URL, redis_namespace

SMALL = RateLimits(
    tracking_per_client="3/minute",
    tracking_per_kpj="4/hour",
    identity_attempts_per_kpj="2 per 15 minutes",
    identity_attempts_per_client="3 per 15 minutes",
    default_per_client="5/minute",
)


@pytest.fixture
def redis_limiters() -> Iterator[Callable[[], RateLimiter]]:
    """Builds limiters on Redis under a namespace of this test only, removed afterwards."""
    with redis_namespace() as namespace:
        yield lambda: RateLimiter(REDIS_URL, SMALL, namespace=namespace)


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> Callable[[], RateLimiter]:
    if request.param == "memory":
        shared = RateLimiter("memory://", SMALL)
        return lambda: shared
    limiters: Callable[[], RateLimiter] = request.getfixturevalue("redis_limiters")
    return limiters


def refusal_of(action: Callable[[], object]) -> TooManyRequests:
    with pytest.raises(TooManyRequests) as caught:
        action()
    return caught.value


def test_check_counts_per_key_and_refuses_with_retry_after(
    make_limiter: Callable[[], RateLimiter],
) -> None:
    limiter = make_limiter()
    for _ in range(3):
        limiter.check(TRACKING_PER_CLIENT, "10.0.0.1")
    refused = refusal_of(lambda: limiter.check(TRACKING_PER_CLIENT, "10.0.0.1"))
    assert refused.code == "rate_limited" and refused.status_hint == 429
    assert 0 < refused.data["retry_after"] <= 60
    limiter.check(TRACKING_PER_CLIENT, "10.0.0.2")  # another client has its own count


def test_tracking_limits_per_client_and_per_kpj(make_limiter: Callable[[], RateLimiter]) -> None:
    limiter = make_limiter()
    for client in ("a", "a", "b", "b"):
        limiter.check_tracking(client, "26000000001")
    refused = refusal_of(lambda: limiter.check_tracking("c", "26000000001"))
    assert 60 < refused.data["retry_after"] <= 3600  # the hourly per-KPJ window
    limiter.check_tracking("c", "26000000002")


def test_tracking_counts_every_spelling_of_a_kpj_as_that_kpj(
    make_limiter: Callable[[], RateLimiter],
) -> None:
    limiter = make_limiter()
    for client, spelling in (("a", "2600000000-5"), ("b", "26.000000005"), ("c", " 2600 0000 005")):
        limiter.check_tracking(client, spelling)
    limiter.check_tracking("d", "26000000005")
    refused = refusal_of(lambda: limiter.check_tracking("e", "26-0000-0000-5"))
    assert 60 < refused.data["retry_after"] <= 3600  # the per-KPJ window, not the client's
    limiter.check_tracking("e", "26000000006")


def test_identity_attempts_are_reserved_and_kept_per_kpj(
    make_limiter: Callable[[], RateLimiter],
) -> None:
    limiter = make_limiter()
    limiter.reserve_identity_attempt("26000000001", "10.0.0.1")
    limiter.reserve_identity_attempt("26000000001", "10.0.0.2")
    # Full: even the owner with the right details waits (api.md), from any client.
    for client in ("10.0.0.1", "10.0.0.9"):
        refused = refusal_of(lambda: limiter.reserve_identity_attempt("26000000001", client))
        assert refused.code == "too_many_attempts" and refused.status_hint == 429
        assert 0 < refused.data["retry_after"] <= 15 * 60
    limiter.reserve_identity_attempt("26000000002", "10.0.0.9")


def test_identity_attempts_per_client_cover_every_kpj(
    make_limiter: Callable[[], RateLimiter],
) -> None:
    limiter = make_limiter()
    for kpj in ("26000000001", "26000000002", "26000000003"):
        limiter.reserve_identity_attempt(kpj, "10.0.0.1")
    refused = refusal_of(lambda: limiter.reserve_identity_attempt("26000000004", "10.0.0.1"))
    assert refused.code == "too_many_attempts"
    limiter.reserve_identity_attempt("26000000004", "10.0.0.2")


def test_a_client_over_its_limit_uses_up_no_kpj(make_limiter: Callable[[], RateLimiter]) -> None:
    """The client's window is checked first: one address cannot lock KPJs past its own limit."""
    limiter = make_limiter()
    for kpj in ("26000000001", "26000000002", "26000000003"):
        limiter.reserve_identity_attempt(kpj, "10.0.0.1")
    for _ in range(5):
        refusal_of(lambda: limiter.reserve_identity_attempt("26000000009", "10.0.0.1"))
    limiter.reserve_identity_attempt("26000000009", "10.0.0.2")
    limiter.reserve_identity_attempt("26000000009", "10.0.0.3")


def test_concurrent_reservations_on_one_kpj_let_exactly_its_limit_through(
    make_limiter: Callable[[], RateLimiter],
) -> None:
    limiter = make_limiter()

    def attempt(client: str) -> bool:
        try:
            limiter.reserve_identity_attempt("26000000001", client)
        except TooManyRequests:
            return False
        return True

    granted = all_at_once(attempt, [f"10.0.1.{number}" for number in range(40)])
    assert granted.count(True) == 2


def test_two_limiters_on_redis_share_counts(redis_limiters: Callable[[], RateLimiter]) -> None:
    first, second = redis_limiters(), redis_limiters()
    assert not first.is_in_process
    first.check(TRACKING_PER_CLIENT, "10.0.0.1")
    second.check(TRACKING_PER_CLIENT, "10.0.0.1")
    first.check(TRACKING_PER_CLIENT, "10.0.0.1")
    refusal_of(lambda: second.check(TRACKING_PER_CLIENT, "10.0.0.1"))
    first.reserve_identity_attempt("26000000001", "x")
    second.reserve_identity_attempt("26000000001", "y")
    refusal_of(lambda: first.reserve_identity_attempt("26000000001", "z"))


def test_default_limit_middleware_answers_429_with_retry_after(
    db: Database, data_dir: Path, make_limiter: Callable[[], RateLimiter]
) -> None:
    app = FastAPI()
    install_http_conventions(app, make_runtime(db, data_dir), rate_limiter=make_limiter())

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    client = TestClient(app)
    assert [client.get("/ping").status_code for _ in range(5)] == [200] * 5
    refused = client.get("/ping", headers={"Accept-Language": "en"})
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.json()["detail"].startswith("Too many requests")
    assert client.get("/healthz").status_code == 200  # exempt


def test_default_limits_match_the_spec() -> None:
    limits = RateLimits()
    assert limits.tracking_per_client == "10/minute"
    assert limits.tracking_per_kpj == "30/hour"
    assert limits.identity_attempts_per_kpj == "5 per 15 minutes"
    assert limits.identity_attempts_per_client == "20 per 15 minutes"
    limiter = RateLimiter()
    for _ in range(600):
        limiter.check(DEFAULT_PER_CLIENT, "one")
    refusal_of(lambda: limiter.check(DEFAULT_PER_CLIENT, "one"))
