"""The browser's cookies and CSRF protection.

Cookies: over https every cookie is `Secure` and carries the `__Host-` prefix (the browser then
takes it only from our own host, on path /, never for a parent domain); over plain http
(a try on 127.0.0.1) the same cookie without the prefix, as browsers refuse it there.

CSRF tokens:
- with a claim session (the claim cookie), the token is HMAC(secret key, hash of the claim
  token): bound to that session, worthless in another browser or for another claim, and
  readable by no other site;
- before there is a session (the apply and tracking forms), a random value in the HttpOnly
  `jht_csrf` cookie and the token HMAC(secret key, value): a signed double-submit.

Forms carry the token in the `csrf_token` field; the API, when a browser calls it with the claim
cookie instead of a bearer token, in the `X-CSRF-Token` header. A present `Origin` header must
be ours: this request's own origin or JHT_PUBLIC_URL's."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

from claims.security import hash_token
from claims.settings import Settings

APPLICANT_COOKIE = "jht_claim"
# A signed-in participant's (or heir's) session token (channels.md).
PARTICIPANT_COOKIE = "jht_session"
CSRF_COOKIE = "jht_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECURE_PREFIX = "__Host-"
# Methods that change nothing: no CSRF check.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfFailed(Exception):
    """The form's token is missing or wrong, or the request came from another origin."""


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def cookie_name(request: Request, name: str) -> str:
    """`name` as this request's scheme stores it: `__Host-name` over https."""
    return SECURE_PREFIX + name if is_https(request) else name


def read_cookie(request: Request, name: str) -> str | None:
    return request.cookies.get(cookie_name(request, name)) or None


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int | None = None
) -> None:
    """HttpOnly, SameSite=Lax, path /; Secure with the `__Host-` prefix over https."""
    response.set_cookie(
        cookie_name(request, name),
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def claim_cookie_token(request: Request) -> str | None:
    """The claim token the pages keep in the browser's cookie."""
    return read_cookie(request, APPLICANT_COOKIE)


def participant_cookie_token(request: Request) -> str | None:
    """The participant session token the pages keep in the browser's cookie."""
    return read_cookie(request, PARTICIPANT_COOKIE)


def page_credentials(request: Request) -> tuple[str, ...]:
    """The tokens a page request carries in its cookies: the claim's own, then the signed-in
    participant's session (either may open a claim page)."""
    return tuple(
        token for token in (claim_cookie_token(request), participant_cookie_token(request)) if token
    )


def _signature(secret: bytes, purpose: bytes, value: str) -> str:
    return hmac.new(secret, b"csrf:" + purpose + b":" + value.encode(), hashlib.sha256).hexdigest()


class CsrfTokens:
    def __init__(self, secret: bytes, public_origin: str) -> None:
        self.secret = secret
        self.public_origin = public_origin

    def browser_value(self, request: Request) -> tuple[str, bool]:
        """Before a session: the browser's CSRF value and whether it is new (to be set)."""
        value = read_cookie(request, CSRF_COOKIE) or ""
        if 20 <= len(value) <= 100:
            return value, False
        return secrets.token_urlsafe(32), True

    def for_claim(self, claim_token: str) -> str:
        return _signature(self.secret, b"claim", hash_token(claim_token))

    def for_browser(self, value: str) -> str:
        return _signature(self.secret, b"browser", value)

    def for_page(self, request: Request) -> tuple[str, str | None]:
        """The token a page's forms carry, and a new browser CSRF value to set (None when the
        browser has one, or when the claim session binds the token)."""
        claim_token = claim_cookie_token(request)
        if claim_token:
            return self.for_claim(claim_token), None
        value, new = self.browser_value(request)
        return self.for_browser(value), value if new else None

    def expected(self, request: Request) -> str | None:
        """The token this request must carry: bound to its claim session when it has one,
        else to its browser's CSRF cookie; None when it has neither."""
        claim_token = claim_cookie_token(request)
        if claim_token:
            return self.for_claim(claim_token)
        value = read_cookie(request, CSRF_COOKIE)
        return self.for_browser(value) if value else None

    def verify(self, request: Request, submitted: str | None) -> None:
        """Raises CsrfFailed unless `submitted` is this session's token and any Origin ours."""
        origin = request.headers.get("origin")
        if origin and origin != "null":
            own = f"{request.url.scheme}://{request.url.netloc}"
            if origin.rstrip("/") not in (own, self.public_origin):
                raise CsrfFailed("foreign origin")
        expected = self.expected(request)
        if not expected or not submitted:
            raise CsrfFailed("missing token")
        if not hmac.compare_digest(expected, submitted):
            raise CsrfFailed("token mismatch")


def csrf_tokens(settings: Settings) -> CsrfTokens:
    return CsrfTokens(settings.secret_key(), settings.public_origin)
