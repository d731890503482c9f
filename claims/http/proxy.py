"""Serving behind a reverse proxy (quality.md, "behind a reverse proxy"): `X-Forwarded-For` and
`X-Forwarded-Proto` are believed only from the proxies of JHT_FORWARDED_ALLOW_IPS (uvicorn's
middleware), so the limits count the real client and an https request is known to be one; a
request naming a Host that is not ours is refused before any route sees it (redirects and
absolute URLs are built from Host); and every https answer tells the browser to stay on https."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from claims.http.problems import pick, preferred_language, problem_response
from claims.settings import Settings

UNKNOWN_HOST = "unknown_host"
# Answered whatever the Host: a load balancer or an orchestrator probes by the machine's own
# address, and these answers hold no link or redirect.
PROBES = ("/healthz", "/metrics")
# A year, the usual value for a site that is only ever served over https. Not includeSubDomains
# nor preload: those bind the operator's other hosts, which are not ours to decide.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def host_name(host_header: str) -> str:
    """The name of a Host header without its port: `jht.example:8443` -> `jht.example`,
    `[::1]:8000` -> `::1`."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    name, _, _ = value.partition(":")
    return name


class HostAndTransportMiddleware:
    """Refuses an unknown Host with a problem (400 `unknown_host`), and adds
    Strict-Transport-Security to every answer of an https request."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed_hosts = frozenset(name.lower() for name in allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = host_name(headers.get("host", ""))
        if host not in self.allowed_hosts and scope["path"] not in PROBES:
            language = preferred_language(Request(scope))
            response = problem_response(
                status=400,
                code=UNKNOWN_HOST,
                detail=pick(
                    language,
                    "Alamat server pada permintaan ini bukan alamat layanan ini.",
                    "This request names a host that is not this service.",
                ),
                language=language,
            )
            await response(scope, receive, send)
            return
        if scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault(
                    "Strict-Transport-Security", STRICT_TRANSPORT_SECURITY
                )
            await send(message)

        await self.app(scope, receive, send_with_hsts)


def add_proxy_and_host_checks(app: FastAPI, settings: Settings) -> None:
    """Outside every other middleware: the trusted proxies' headers first (so the Host check,
    the limits and the cookies see the real client and scheme), then the Host check and HSTS."""
    app.add_middleware(HostAndTransportMiddleware, allowed_hosts=settings.allowed_hosts)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
