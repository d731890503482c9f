"""CSRF protection for the page forms: a signed double-submit token. The browser holds a
random value in the HttpOnly `jht_csrf` cookie; every form carries HMAC(secret key, value).
A cross-site page can neither read the cookie nor compute the signature, so it cannot forge
the form field. A present `Origin` header must also be our own."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

CSRF_COOKIE = "jht_csrf"
CSRF_FIELD = "csrf_token"


class CsrfFailed(Exception):
    """The form's token is missing or wrong, or the request came from another origin."""


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def _signature(secret: bytes, value: str) -> str:
    return hmac.new(secret, b"csrf:" + value.encode(), hashlib.sha256).hexdigest()


class CsrfTokens:
    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def cookie_value(self, request: Request) -> tuple[str, bool]:
        """The browser's CSRF value and whether it is new (to be set on the response)."""
        value = request.cookies.get(CSRF_COOKIE, "")
        if 20 <= len(value) <= 100:
            return value, False
        return secrets.token_urlsafe(32), True

    def form_token(self, value: str) -> str:
        return _signature(self.secret, value)

    def verify(self, request: Request, submitted: str | None) -> None:
        """Raises CsrfFailed unless `submitted` signs this browser's cookie value."""
        origin = request.headers.get("origin")
        if origin and origin != "null":
            own = f"{request.url.scheme}://{request.url.netloc}"
            if origin.rstrip("/") != own:
                raise CsrfFailed("foreign origin")
        value = request.cookies.get(CSRF_COOKIE, "")
        if not value or not submitted:
            raise CsrfFailed("missing token")
        if not hmac.compare_digest(_signature(self.secret, value), submitted):
            raise CsrfFailed("token mismatch")


def set_csrf_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        CSRF_COOKIE,
        value,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )
