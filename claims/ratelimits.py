"""Rate limits (api.md, quality.md) on the `limits` library, moving window: public tracking per
client and per KPJ, identity attempts per client and per KPJ, and a generous default for every
other route. Storage is `JHT_RATE_LIMIT_STORAGE` (`memory://` for one process, `redis://...`
when several processes serve and must share the counts). The HTTP side (dependencies, the
default-limit middleware) is `claims.http.ratelimit`.

The windows run on the storage's own time (time.time() or Redis), not the sandbox clock:
moving the sandbox clock forward does not lift a limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from limits.util import WindowStats

from claims.errors import TooManyRequests
from workflow.identifiers import InvalidIdentifier, Kpj

RATE_LIMITED = "rate_limited"
TOO_MANY_ATTEMPTS = "too_many_attempts"

R = TypeVar("R")

TRACKING_PER_CLIENT = "tracking_per_client"
TRACKING_PER_KPJ = "tracking_per_kpj"
DEFAULT_PER_CLIENT = "default_per_client"
SMS_PER_PHONE = "sms_per_phone"
SMS_PER_KPJ = "sms_per_kpj"


@dataclass(frozen=True)
class RateLimits:
    """Each limit in the `limits` notation ("10/minute", "5 per 15 minutes")."""

    tracking_per_client: str = "10/minute"
    tracking_per_kpj: str = "30/hour"
    identity_attempts_per_kpj: str = "5 per 15 minutes"
    identity_attempts_per_client: str = "20 per 15 minutes"
    default_per_client: str = "600/minute"
    # SMS 2757 lookups (SALDO, STATUS) per sending phone and per KPJ asked about.
    sms_per_phone: str = "10/hour"
    sms_per_kpj: str = "10/hour"
    # Wrong one-time sign-in codes per KPJ, across its challenges: each challenge allows 5,
    # and without this someone who holds the card and e-KTP data could open challenge after
    # challenge (5 per 15 minutes) and keep guessing.
    sign_in_code_failures_per_kpj: str = "10/day"


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
            SMS_PER_PHONE: (parse(limits.sms_per_phone), RATE_LIMITED),
            SMS_PER_KPJ: (parse(limits.sms_per_kpj), RATE_LIMITED),
        }
        self._attempts_per_kpj = parse(limits.identity_attempts_per_kpj)
        self._attempts_per_client = parse(limits.identity_attempts_per_client)
        self._code_failures = parse(limits.sign_in_code_failures_per_kpj)

    @property
    def is_in_process(self) -> bool:
        """True for memory storage, which is fast enough to call on the event loop."""
        return isinstance(self.storage, MemoryStorage)

    def check(self, name: str, key: str) -> None:
        """Counts one hit of limit `name` for `key`; TooManyRequests once it is used up."""
        item, code = self._items[name]
        if not self.strategy.hit(item, self.namespace, name, key):
            raise TooManyRequests(self._retry_after(item, name, key), code=code)

    def check_tracking(self, client: str, kpj_as_typed: str) -> None:
        """The public tracking lookup: per client first, so one client cannot use up a KPJ;
        then per KPJ, whichever way it was spelled (`2600000000-5` is `26000000005`)."""
        self.check(TRACKING_PER_CLIENT, client)
        self.check(TRACKING_PER_KPJ, _kpj_key(kpj_as_typed))

    def reserve_identity_attempt(self, kpj: str, client: str) -> None:
        """Takes a place for one identity attempt in the client's window, then in the KPJ's,
        before the details are checked; 429 `too_many_attempts` when either is full. Each
        `hit` is atomic (a lock in memory, a Lua script on Redis), so a burst of concurrent
        attempts gets exactly as many places as the window holds, whatever their outcome. A
        place is never given back, after a failure or a success (`limits` cannot take a hit
        back on Redis, and a success that cleared earlier failures would let one known
        identity reopen the client's window for guesses), so once the KPJ's window is full
        even a correct attempt waits (api.md). The client's window comes first so that an
        address past its own limit cannot go on filling other people's KPJ windows."""
        for item, name, key in (
            (self._attempts_per_client, "identity_attempts_per_client", client),
            (self._attempts_per_kpj, "identity_attempts_per_kpj", kpj),
        ):
            if not self.strategy.hit(item, self.namespace, name, key):
                raise TooManyRequests(self._retry_after(item, name, key), code=TOO_MANY_ATTEMPTS)

    def identity_attempts_per_kpj(self) -> tuple[int, int]:
        """The KPJ's identity attempt window: (attempts allowed, its length in seconds)."""
        item = self._attempts_per_kpj
        return item.amount, int(item.get_expiry())

    def identity_attempts_left(self, kpj: str) -> tuple[int, int]:
        """(attempts `kpj` has left in its window now, seconds until the oldest leaves it).
        Any KPJ has its window, registered or not, so this says nothing of which exist."""
        name = "identity_attempts_per_kpj"
        stats = self.strategy.get_window_stats(self._attempts_per_kpj, self.namespace, name, kpj)
        return stats.remaining, max(1, math.ceil(stats.reset_time - time.time()))

    def record_code_failure(self, kpj: str) -> None:
        """One wrong sign-in code on `kpj` (the window only counts; it refuses nothing)."""
        self.strategy.hit(self._code_failures, self.namespace, "sign_in_code_failures", kpj)

    def check_code_failures(self, kpj: str) -> None:
        """429 `too_many_attempts` while `kpj`'s window of wrong sign-in codes is full: no new
        code is sent until it empties."""
        name = "sign_in_code_failures"
        stats = self.strategy.get_window_stats(self._code_failures, self.namespace, name, kpj)
        if stats.remaining <= 0:
            raise TooManyRequests(
                self._retry_after(self._code_failures, name, kpj), code=TOO_MANY_ATTEMPTS
            )

    def _retry_after(self, item: RateLimitItem, name: str, key: str) -> int:
        stats = self.strategy.get_window_stats(item, self.namespace, name, key)
        return max(1, math.ceil(stats.reset_time - time.time()))


def _kpj_key(kpj_as_typed: str) -> str:
    """The KPJ a limit counts: the normalised 11 digits, or the text itself (bounded) when it
    is no KPJ at all, which the caller refuses anyway."""
    try:
        return Kpj.parse(kpj_as_typed).value
    except InvalidIdentifier:
        return kpj_as_typed[:32]


async def limiter_call(limiter: RateLimiter, call: Callable[..., R], *args: str) -> R:
    """`call` (one of `limiter`'s methods) without blocking the event loop on a network
    storage: in-process counts answer at once, Redis answers in a worker thread."""
    if limiter.is_in_process:
        return call(*args)
    return await anyio.to_thread.run_sync(call, *args)


async def check_async(limiter: RateLimiter, name: str, key: str) -> None:
    """`check` without blocking the event loop on a network storage."""
    await limiter_call(limiter, limiter.check, name, key)
