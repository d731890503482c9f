"""Rate limits (api.md, quality.md) on the `limits` library, moving window: public tracking per
client and per KPJ, failed identity verifications per KPJ and per client, and a generous
default for every other route. Storage is `JHT_RATE_LIMIT_STORAGE` (`memory://` for one
process, `redis://...` when several processes serve and must share the counts). The HTTP
side (dependencies, the default-limit middleware) is `claims.http.ratelimit`.

The windows run on the storage's own time (time.time() or Redis), not the sandbox clock:
moving the sandbox clock forward does not lift a limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import anyio
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from limits.util import WindowStats

from claims.errors import TooManyRequests

RATE_LIMITED = "rate_limited"
TOO_MANY_ATTEMPTS = "too_many_attempts"

R = TypeVar("R")

TRACKING_PER_CLIENT = "tracking_per_client"
TRACKING_PER_KPJ = "tracking_per_kpj"
DEFAULT_PER_CLIENT = "default_per_client"


@dataclass(frozen=True)
class RateLimits:
    """Each limit in the `limits` notation ("10/minute", "5 per 15 minutes")."""

    tracking_per_client: str = "10/minute"
    tracking_per_kpj: str = "30/hour"
    verification_failures_per_kpj: str = "5 per 15 minutes"
    verification_failures_per_client: str = "20 per 15 minutes"
    default_per_client: str = "600/minute"


class InProcessMovingWindow:
    """The moving-window strategy for `memory://`: per key, a deque of hit times trimmed as it
    is read (O(1) amortised per hit). `limits`' own MemoryStorage inserts each hit at the front
    of a list (O(hits in the window)) and rescans every key from a new timer thread every
    10 ms, which costs the event loop more than the request it limits. Same answers: a hit is
    allowed while fewer than `amount` hits fall within the last `expiry` seconds."""

    SWEEP_EVERY_SECONDS = 10.0

    def __init__(self) -> None:
        self._hits: dict[str, tuple[float, deque[float]]] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def _window(
        self, item: RateLimitItem, identifiers: tuple[str, ...], now: float
    ) -> deque[float]:
        key = item.key_for(*identifiers)
        expiry = float(item.get_expiry())
        entry = self._hits.get(key)
        if entry is None:
            entry = self._hits[key] = (expiry, deque())
        hits = entry[1]
        oldest_allowed = now - expiry
        while hits and hits[0] <= oldest_allowed:
            hits.popleft()
        return hits

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        now = time.time()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            hits = self._window(item, identifiers, now)
            if len(hits) >= item.amount:
                return False
            hits.append(now)
            return True

    def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        now = time.time()
        with self._lock:
            return len(self._window(item, identifiers, now)) < item.amount

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        now = time.time()
        with self._lock:
            hits = self._window(item, identifiers, now)
            remaining = max(0, item.amount - len(hits))
            if not hits:
                return WindowStats(now, remaining)
            # The time the oldest hit leaves the window, freeing a place.
            return WindowStats(hits[0] + float(item.get_expiry()), remaining)

    def _sweep(self, now: float) -> None:
        """Forget keys without a hit in their window (bounded memory for many clients)."""
        self._next_sweep = now + self.SWEEP_EVERY_SECONDS
        idle = [
            key
            for key, (expiry, hits) in self._hits.items()
            if not hits or hits[-1] <= now - expiry
        ]
        for key in idle:
            del self._hits[key]


class RateLimiter:
    """Counts hits per (limit name, key) in the configured storage."""

    def __init__(
        self,
        storage_uri: str = "memory://",
        limits: RateLimits = RateLimits(),
        *,
        namespace: str = "jht",
    ) -> None:
        self.storage = storage_from_string(storage_uri)
        self.strategy: MovingWindowRateLimiter | InProcessMovingWindow = (
            InProcessMovingWindow()
            if isinstance(self.storage, MemoryStorage)
            else MovingWindowRateLimiter(self.storage)
        )
        self.namespace = namespace
        self.limits = limits
        self._items: dict[str, tuple[RateLimitItem, str]] = {
            TRACKING_PER_CLIENT: (parse(limits.tracking_per_client), RATE_LIMITED),
            TRACKING_PER_KPJ: (parse(limits.tracking_per_kpj), RATE_LIMITED),
            DEFAULT_PER_CLIENT: (parse(limits.default_per_client), RATE_LIMITED),
        }
        self._failures_per_kpj = parse(limits.verification_failures_per_kpj)
        self._failures_per_client = parse(limits.verification_failures_per_client)

    @property
    def is_in_process(self) -> bool:
        """True for memory storage, which is fast enough to call on the event loop."""
        return isinstance(self.storage, MemoryStorage)

    def check(self, name: str, key: str) -> None:
        """Counts one hit of limit `name` for `key`; TooManyRequests once it is used up."""
        item, code = self._items[name]
        if not self.strategy.hit(item, self.namespace, name, key):
            raise TooManyRequests(self._retry_after(item, name, key), code=code)

    def check_tracking(self, client: str, kpj: str) -> None:
        """The public tracking lookup: per client first, so one client cannot use up a KPJ."""
        self.check(TRACKING_PER_CLIENT, client)
        self.check(TRACKING_PER_KPJ, kpj)

    def is_blocked(self, kpj: str, client: str) -> int | None:
        """Seconds to wait before verifying this KPJ from this client, or None to go ahead.
        Checked before every attempt: after 5 failures even a correct one waits (api.md)."""
        waits = [
            self._retry_after(item, name, key)
            for item, name, key in self._failure_limits(kpj, client)
            if not self.strategy.test(item, self.namespace, name, key)
        ]
        return max(waits) if waits else None

    def ensure_not_blocked(self, kpj: str, client: str) -> None:
        """`is_blocked` as a refusal: 429 `too_many_attempts`."""
        retry_after = self.is_blocked(kpj, client)
        if retry_after is not None:
            raise TooManyRequests(retry_after, code=TOO_MANY_ATTEMPTS)

    def record_failure(self, kpj: str, client: str) -> None:
        """One failed verification (well-formed values that do not match the registry)."""
        for item, name, key in self._failure_limits(kpj, client):
            self.strategy.hit(item, self.namespace, name, key)

    def _failure_limits(self, kpj: str, client: str) -> Iterable[tuple[RateLimitItem, str, str]]:
        return (
            (self._failures_per_kpj, "verification_failures_per_kpj", kpj),
            (self._failures_per_client, "verification_failures_per_client", client),
        )

    def _retry_after(self, item: RateLimitItem, name: str, key: str) -> int:
        stats = self.strategy.get_window_stats(item, self.namespace, name, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


async def limiter_call(limiter: RateLimiter, call: Callable[..., R], *args: str) -> R:
    """`call` (one of `limiter`'s methods) without blocking the event loop on a network
    storage: in-process counts answer at once, Redis answers in a worker thread."""
    if limiter.is_in_process:
        return call(*args)
    return await anyio.to_thread.run_sync(call, *args)


async def check_async(limiter: RateLimiter, name: str, key: str) -> None:
    """`check` without blocking the event loop on a network storage."""
    await limiter_call(limiter, limiter.check, name, key)
