"""The one `create_app()`: the HTTP API, pages and, unless switched off, the scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from claims.casework.endpoints import applicant_router, officer_router, public_router
from claims.http import install_http_conventions
from claims.http.compression import GzipTextMiddleware
from claims.http.metrics import ServiceMetrics
from claims.http.sandbox import sandbox_router
from claims.jobs import SchedulerRunner
from claims.pages import apply, balance, claim, home, interview, signin, simulation, track
from claims.pages.document_files import router as document_files_router
from claims.pages.headers import PageSecurityHeadersMiddleware
from claims.pages.static_files import install_static_files
from claims.participants.balance_endpoints import balance_router
from claims.participants.endpoints import participant_router
from claims.payouts.endpoints import payouts_router
from claims.ratelimits import RateLimiter, RateLimits
from claims.repositories.claims import TRANSITION_LISTENERS
from claims.repositories.monitoring import ping
from claims.runtime import Runtime, open_runtime
from claims.settings import Settings, get_settings
from claims.simulation.endpoints import simulation_router
from claims.sms.endpoints import sms_router
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
    # Every process may schedule; the database lease lets exactly one of them run the jobs.
    scheduler_runner = SchedulerRunner(runtime) if settings.scheduler else None

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[None]:
        metrics: ServiceMetrics = served.state.metrics

        def observe_transition(
            trigger: str, from_status: str, to_status: str, seconds: float
        ) -> None:
            metrics.record_transition(trigger, from_status, to_status)
            metrics.observe_time_in_status(from_status, seconds)

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
    app.state.scheduler = scheduler_runner

    # Public tracking first: routing walks the routers in order, and it is the busiest path.
    app.include_router(public_router)
    # Next, the SMS aggregator's webhook: every message of 2757 comes through it.
    app.include_router(sms_router)
    # A signed-in participant's balance: the next busiest lookup.
    app.include_router(balance_router)
    app.include_router(applicant_router)
    app.include_router(officer_router)
    app.include_router(payouts_router)
    app.include_router(applicant_documents)
    app.include_router(officer_documents)
    app.include_router(sandbox_router)
    app.include_router(participant_router)
    app.include_router(simulation_router)
    for page in (home, apply, claim, interview, track, signin, simulation, balance):
        app.include_router(page.router)
    app.include_router(document_files_router)
    install_static_files(app)

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

    # The state, problem handlers, middlewares and /metrics (last in the routing walk), as the
    # HTTP convention tests wire them too.
    limiter = RateLimiter(settings.rate_limit_storage, rate_limits or RateLimits())
    install_http_conventions(app, runtime, rate_limiter=limiter)
    # Outside the conventions' middlewares: the sandbox clock is read before idempotency
    # stamps a key with it, and every page answer gets the security headers.
    if settings.sandbox:
        app.add_middleware(SandboxClockMiddleware, runtime=runtime)
    app.add_middleware(PageSecurityHeadersMiddleware)
    # Outermost: whatever answers, the text of it is compressed last.
    app.add_middleware(GzipTextMiddleware)
    return app
