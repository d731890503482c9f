"""The rate limits' HTTP side: the limiter and the client address as FastAPI dependencies,
and the generous default limit on every request as a middleware. The limiter itself is
`claims.ratelimits`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from claims.errors import TooManyRequests
from claims.http.problems import preferred_language, render_workflow_error
from claims.ratelimits import DEFAULT_PER_CLIENT, RateLimiter, check_async


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (run uvicorn with --proxy-headers behind a
    trusted proxy, so that this is the real client)."""
    return request.client.host if request.client else "unknown"


def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


async def _limiter_dependency(request: Request) -> RateLimiter:
    # `async def`: a plain `def` dependency would cost a thread-pool hop per request.
    return get_rate_limiter(request)


async def _client_address_dependency(request: Request) -> str:
    return client_address(request)


Limiter = Annotated[RateLimiter, Depends(_limiter_dependency)]
ClientAddress = Annotated[str, Depends(_client_address_dependency)]


def _limiter_from_scope(scope: Scope) -> RateLimiter:
    limiter: RateLimiter = scope["app"].state.rate_limiter
    return limiter


class DefaultRateLimitMiddleware:
    """The generous per-client limit on every HTTP request, except `exempt` path prefixes
    (health checks, metrics, and routes that apply their own stricter limits)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        exempt: tuple[str, ...] = ("/healthz", "/metrics"),
        limiter_of: Callable[[Scope], RateLimiter] = _limiter_from_scope,
    ) -> None:
        self.app = app
        self.exempt = exempt
        self.limiter_of = limiter_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")  # what client_address() reads, without a Request
        try:
            await check_async(
                self.limiter_of(scope), DEFAULT_PER_CLIENT, client[0] if client else "unknown"
            )
        except TooManyRequests as refused:
            # Middlewares run outside FastAPI's exception handlers: answer here.
            language = preferred_language(Request(scope))
            await render_workflow_error(refused, language)(scope, receive, send)
            return
        await self.app(scope, receive, send)
