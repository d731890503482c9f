"""Rate limits on memory and on Redis: the count, the refusal's code and Retry-After, the
verification failures that block even a correct attempt, and counts shared through Redis."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
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

REDIS_URL = "redis://127.0.0.1:6379"
SMALL = RateLimits(
    tracking_per_client="3/minute",
    tracking_per_kpj="4/hour",
    verification_failures_per_kpj="2 per 15 minutes",
    verification_failures_per_client="3 per 15 minutes",
    default_per_client="5/minute",
)


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_limiters() -> Iterator[Callable[[], RateLimiter]]:
    """Builds limiters on Redis under a namespace of this test only, removed afterwards."""
    if not redis_available():
        pytest.skip("no Redis at 127.0.0.1:6379")
    namespace = f"jht-test-{secrets.token_hex(6)}"
    yield lambda: RateLimiter(REDIS_URL, SMALL, namespace=namespace)
    client = redis.Redis.from_url(REDIS_URL)
    for name in client.scan_iter(match=f"*{namespace}*"):
        client.delete(name)


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


def test_failures_per_kpj_block_even_a_correct_attempt(
    make_limiter: Callable[[], RateLimiter],
) -> None:
    limiter = make_limiter()
    assert limiter.is_blocked("26000000001", "10.0.0.1") is None
    limiter.record_failure("26000000001", "10.0.0.1")
    assert limiter.is_blocked("26000000001", "10.0.0.1") is None
    limiter.record_failure("26000000001", "10.0.0.2")
    for client in ("10.0.0.1", "10.0.0.9"):
        wait = limiter.is_blocked("26000000001", client)
        assert wait is not None and 0 < wait <= 15 * 60
    refused = refusal_of(lambda: limiter.ensure_not_blocked("26000000001", "10.0.0.9"))
    assert refused.code == "too_many_attempts"
    assert limiter.is_blocked("26000000002", "10.0.0.9") is None


def test_failures_per_client_block_every_kpj(make_limiter: Callable[[], RateLimiter]) -> None:
    limiter = make_limiter()
    for kpj in ("26000000001", "26000000002", "26000000003"):
        limiter.record_failure(kpj, "10.0.0.1")
    assert limiter.is_blocked("26000000004", "10.0.0.1") is not None
    assert limiter.is_blocked("26000000004", "10.0.0.2") is None


def test_two_limiters_on_redis_share_counts(redis_limiters: Callable[[], RateLimiter]) -> None:
    first, second = redis_limiters(), redis_limiters()
    assert not first.is_in_process
    first.check(TRACKING_PER_CLIENT, "10.0.0.1")
    second.check(TRACKING_PER_CLIENT, "10.0.0.1")
    first.check(TRACKING_PER_CLIENT, "10.0.0.1")
    refusal_of(lambda: second.check(TRACKING_PER_CLIENT, "10.0.0.1"))
    first.record_failure("26000000001", "x")
    second.record_failure("26000000001", "y")
    assert first.is_blocked("26000000001", "z") is not None


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
    assert limits.verification_failures_per_kpj == "5 per 15 minutes"
    assert limits.verification_failures_per_client == "20 per 15 minutes"
    limiter = RateLimiter()
    for _ in range(600):
        limiter.check(DEFAULT_PER_CLIENT, "one")
    refusal_of(lambda: limiter.check(DEFAULT_PER_CLIENT, "one"))
