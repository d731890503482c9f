"""Prometheus metrics on a registry of our own: requests by route template and status, their
latency, the service's workflow counters, and claim gauges read from the database at scrape
time (so several processes report the same numbers). Exposed by `metrics_endpoint`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from claims.repositories.monitoring import claim_gauges
from claims.repositories.payouts import payout_alerts
from claims.runtime import Runtime
from workflow.states import ClaimStatus

logger = logging.getLogger("claims.http")

NAMESPACE = "jht"
UNMATCHED_ROUTE = "<unmatched>"  # one label for every unknown path, so scanners can't blow it up
SLA_AT_RISK_WINDOW = timedelta(hours=24)
HOUR = 3600.0
DAY = 24 * HOUR
MEGABYTE = 1024 * 1024


class ClaimsCollector(Collector):
    """Claims by status and SLA at-risk/breached counts, read when Prometheus scrapes."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            f"{NAMESPACE}_metrics_database_up", "1 when the claim gauges could be read."
        )
        try:
            gauges = claim_gauges(self.runtime.db, self.runtime.clock.now(), SLA_AT_RISK_WINDOW)
            alerts = payout_alerts(self.runtime.db)
        except Exception:
            # A scrape must still answer when the database does not; the gauge says so.
            logger.warning("metrics: cannot read claim counts", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        claims = GaugeMetricFamily(
            f"{NAMESPACE}_claims", "Claims by current status.", labels=["status"]
        )
        for status in ClaimStatus:
            claims.add_metric([status.value], gauges.by_status.get(status.value, 0))
        yield claims
        yield GaugeMetricFamily(
            f"{NAMESPACE}_claims_sla_at_risk",
            "Claims with the SLA clock running and due within 24 hours.",
            value=gauges.sla_at_risk,
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_claims_sla_breached",
            "Claims with the SLA clock running and past their due time.",
            value=gauges.sla_breached,
        )
        yield GaugeMetricFamily(
            f"{NAMESPACE}_payouts_done_after_failure",
            "Payouts marked failed that the bank reports done: each an alert (a payout_alert "
            "event on its claim); no replacement of the claim is sent meanwhile.",
            value=alerts,
        )


class ServiceMetrics:
    """Every metric of one app; the service calls the `record_*`/`observe_*` methods."""

    def __init__(self, runtime: Runtime | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests_total = Counter(
            "http_requests",
            "HTTP requests by route template and status.",
            ["method", "route", "status"],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.request_duration_seconds = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency by route template.",
            ["method", "route"],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.transitions_total = Counter(
            "transitions",
            "Workflow transitions fired.",
            ["trigger", "from", "to"],
            namespace=NAMESPACE,
            registry=self.registry,
        )
        self.time_in_status_seconds = Histogram(
            "time_in_status_seconds",
            "How long a claim stayed in a status before leaving it.",
            ["status"],
            namespace=NAMESPACE,
            registry=self.registry,
            buckets=(
                60,
                600,
                HOUR,
                4 * HOUR,
                DAY,
                2 * DAY,
                3 * DAY,
                5 * DAY,
                7 * DAY,
                14 * DAY,
                30 * DAY,
                90 * DAY,
            ),
        )
        self.upload_bytes = Histogram(
            "upload_bytes",
            "Size of each uploaded document request body.",
            namespace=NAMESPACE,
            registry=self.registry,
            buckets=tuple(size * MEGABYTE for size in (0.1, 0.5, 1, 2, 5, 10, 20, 50, 100)),
        )
        if runtime is not None:
            self.registry.register(ClaimsCollector(runtime))

    def record_transition(self, trigger: str, from_status: str | None, to_status: str) -> None:
        self.transitions_total.labels(trigger, from_status or "", to_status).inc()

    def observe_time_in_status(self, status: str, seconds: float) -> None:
        self.time_in_status_seconds.labels(status).observe(max(0.0, seconds))

    def observe_upload(self, size_bytes: int) -> None:
        self.upload_bytes.observe(size_bytes)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/api/v1/claims/{claim_id}`), never the raw path."""
    route = scope.get("route")
    if isinstance(route, BaseRoute):
        path = getattr(route, "path_format", None) or getattr(route, "path", None)
        if isinstance(path, str):
            return path
    return UNMATCHED_ROUTE


class MetricsMiddleware:
    """Counts every HTTP request by method, route template and status, and times it.

    Add it last (outermost), so it also sees answers given by the other middlewares."""

    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics
        # The labelled children by (method, route, status): `labels()` builds and checks its
        # key on every call. Bounded: routes are templates, statuses and methods are few.
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._timers: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets if the application raises before answering
        started = time.perf_counter()

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            method = str(scope["method"])
            counter = self._counters.get((method, route, status))
            if counter is None:
                counter = self.metrics.requests_total.labels(method, route, str(status))
                self._counters[(method, route, status)] = counter
            counter.inc()
            timer = self._timers.get((method, route))
            if timer is None:
                timer = self._timers[(method, route)] = (
                    self.metrics.request_duration_seconds.labels(method, route)
                )
            timer.observe(elapsed)


def metrics_endpoint(request: Request) -> Response:
    """Prometheus text format of `app.state.metrics`."""
    metrics: ServiceMetrics = request.app.state.metrics
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
