"""The one `create_app()`: the HTTP API, pages and, unless switched off, the scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from claims.casework.endpoints import applicant_router, officer_router, public_router
from claims.http.idempotency import IdempotencyMiddleware
from claims.http.metrics import MetricsMiddleware, ServiceMetrics, metrics_endpoint
from claims.http.problems import install_problem_handlers
from claims.http.ratelimit import DefaultRateLimitMiddleware
from claims.http.sandbox import sandbox_router
from claims.jobs import SchedulerRunner
from claims.pages import apply, claim, home, track
from claims.pages.headers import PageSecurityHeadersMiddleware
from claims.pages.page import STATIC_DIR
from claims.payouts.endpoints import payouts_router
from claims.ratelimits import RateLimiter, RateLimits
from claims.repositories.claims import TRANSITION_LISTENERS
from claims.repositories.monitoring import ping
from claims.runtime import Runtime, open_runtime
from claims.settings import Settings, get_settings
from claims.uploads.endpoints import applicant_documents, officer_documents
from claims.uploads.service import warm_document_workers

API_DESCRIPTION = (
    "Online JHT claims: identity verification, documents, interview, approval and payout. "
    "Errors are RFC 9457 problem+json with a machine-readable `code`. Every POST and PUT accepts "
    "an `Idempotency-Key`; claim responses carry an `ETag` that officer actions may send back "
    "as `If-Match`."
)


class SandboxClockMiddleware:
    """In sandbox mode another process may have moved the clock: read it at each request."""

    def __init__(self, app: ASGIApp, *, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await anyio.to_thread.run_sync(self.runtime.refresh_clock)
        await self.app(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    runtime: Runtime | None = None,
    rate_limits: RateLimits | None = None,
) -> FastAPI:
    settings = settings or (runtime.settings if runtime else get_settings())
    owns_runtime = runtime is None
    runtime = runtime or open_runtime(settings)
    metrics = ServiceMetrics(runtime)
    # Every process may schedule; the database lease lets exactly one of them run the jobs.
    scheduler_runner = SchedulerRunner(runtime) if settings.scheduler else None

    def observe_transition(trigger: str, from_status: str, to_status: str, seconds: float) -> None:
        metrics.record_transition(trigger, from_status, to_status)
        metrics.observe_time_in_status(from_status, seconds)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        TRANSITION_LISTENERS.append(observe_transition)
        if owns_runtime:
            # A served process: its document workers start now, not on the first upload.
            warm_document_workers(runtime)
        if scheduler_runner is not None:
            scheduler_runner.start()
        try:
            yield
        finally:
            if scheduler_runner is not None:
                await anyio.to_thread.run_sync(scheduler_runner.stop)
            TRANSITION_LISTENERS.remove(observe_transition)
            if owns_runtime:
                runtime.close()

    app = FastAPI(
        title="jht-claims", version="0.1.0", description=API_DESCRIPTION, lifespan=lifespan
    )
    app.state.runtime = runtime
    app.state.metrics = metrics
    app.state.scheduler = scheduler_runner
    app.state.rate_limiter = RateLimiter(settings.rate_limit_storage, rate_limits or RateLimits())
    install_problem_handlers(app)

    # Public tracking first: routing walks the routers in order, and it is the busiest path.
    app.include_router(public_router)
    app.include_router(applicant_router)
    app.include_router(officer_router)
    app.include_router(payouts_router)
    app.include_router(applicant_documents)
    app.include_router(officer_documents)
    app.include_router(sandbox_router)
    for page in (home, apply, claim, track):
        app.include_router(page.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["public"])
    def healthz() -> dict[str, str]:
        """Liveness and readiness: the database answers, and whether this process schedules."""
        try:
            ping(runtime.db)
            database = "ok"
        except Exception:
            database = "unavailable"
        scheduler = scheduler_runner.status if scheduler_runner is not None else "off"
        status = "ok" if database == "ok" else "degraded"
        return {"status": status, "database": database, "scheduler": scheduler}

    app.add_api_route(
        "/metrics", metrics_endpoint, methods=["GET"], tags=["public"], include_in_schema=False
    )

    # Outermost last: metrics see every answer, idempotency replays before any work is done.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        DefaultRateLimitMiddleware, exempt=("/healthz", "/metrics", "/api/v1/tracking")
    )
    if settings.sandbox:
        app.add_middleware(SandboxClockMiddleware, runtime=runtime)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(PageSecurityHeadersMiddleware)
    return app
