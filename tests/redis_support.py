"""Redis at 127.0.0.1:6379 for the tests of the shared rate limits: a namespace of one test
only, its keys removed afterwards; the test is skipped when no Redis answers."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

REDIS_URL = "redis://127.0.0.1:6379"


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@contextmanager
def redis_namespace() -> Iterator[str]:
    """A limiter namespace no other test (or agent sharing this Redis) uses."""
    if not redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    namespace = f"jht-test-{secrets.token_hex(6)}"
    try:
        yield namespace
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for name in client.scan_iter(match=f"*{namespace}*"):
            client.delete(name)
