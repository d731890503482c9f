"""The API's HTTP conventions in one place: problem+json errors, credentials, idempotency keys,
rate limits, metrics, conditional requests, and the proxy and Host checks. `install_http_conventions()` wires them all."""

from __future__ import annotations

from fastapi import FastAPI

from claims.http.idempotency import IdempotencyMiddleware
from claims.http.metrics import MetricsMiddleware, ServiceMetrics, metrics_endpoint
from claims.http.problems import install_problem_handlers
from claims.http.proxy import add_proxy_and_host_checks
from claims.http.ratelimit import DefaultRateLimitMiddleware
from claims.ratelimits import RateLimiter, RateLimits
from claims.runtime import Runtime

# Not held to the default per-client limit: health checks, metrics, public tracking, which
# applies its own stricter limits (per client and per KPJ), and the SMS webhook: every
# message of 2757 comes from the one aggregator, each signed, and is limited per phone and
# per KPJ instead.
DEFAULT_LIMIT_EXEMPT = ("/healthz", "/metrics", "/api/v1/tracking", "/api/v1/sms/inbound")


def install_http_conventions(
    app: FastAPI, runtime: Runtime, *, rate_limiter: RateLimiter | None = None
) -> None:
    """Sets `app.state.runtime`, `.rate_limiter` and `.metrics`, the problem handlers, the
    middlewares and the `/metrics` route. `create_app()` and the tests'
    small apps both wire the conventions here, so they run the same stack. Middlewares added
    after this one sit outside it."""
    app.state.runtime = runtime
    app.state.rate_limiter = rate_limiter or RateLimiter(
        runtime.settings.rate_limit_storage, RateLimits()
    )
    metrics = ServiceMetrics(runtime)
    app.state.metrics = metrics
    install_problem_handlers(app)
    # add_middleware puts each one outside the ones before it: metrics outermost (it sees
    # every answer), then the default rate limit, then idempotency next to the routes (it
    # replays before any work is done).
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(DefaultRateLimitMiddleware, exempt=DEFAULT_LIMIT_EXEMPT)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    add_proxy_and_host_checks(app, runtime.settings)
    app.add_api_route("/metrics", metrics_endpoint, include_in_schema=False, methods=["GET"])


__all__ = ["install_http_conventions"]
