"""The API's HTTP conventions in one place: problem+json errors, credentials, idempotency keys,
rate limits, metrics and conditional requests. `install_http_conventions()` wires them all."""

from __future__ import annotations

from fastapi import FastAPI

from claims.http.idempotency import IdempotencyMiddleware
from claims.http.metrics import MetricsMiddleware, ServiceMetrics, metrics_endpoint
from claims.http.problems import install_problem_handlers
from claims.http.ratelimit import DefaultRateLimitMiddleware
from claims.ratelimits import RateLimiter, RateLimits
from claims.runtime import Runtime


def install_http_conventions(
    app: FastAPI,
    runtime: Runtime,
    *,
    rate_limits: RateLimits | None = None,
    rate_limiter: RateLimiter | None = None,
    metrics_path: str = "/metrics",
) -> None:
    """Sets `app.state.rate_limiter` and `app.state.metrics`, the problem handlers, the
    middlewares and the metrics route. Needs `app.state.runtime` set (the middlewares read it
    per request)."""
    app.state.runtime = runtime
    app.state.rate_limiter = rate_limiter or RateLimiter(
        runtime.settings.rate_limit_storage, rate_limits or RateLimits()
    )
    metrics = ServiceMetrics(runtime)
    app.state.metrics = metrics
    install_problem_handlers(app)
    # add_middleware puts each one outside the ones before it: metrics outermost (it sees
    # every answer), then the default rate limit, then idempotency next to the routes.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(DefaultRateLimitMiddleware, exempt=("/healthz", metrics_path))
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_api_route(metrics_path, metrics_endpoint, include_in_schema=False, methods=["GET"])


__all__ = ["install_http_conventions"]
