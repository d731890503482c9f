"""Post/redirect/get for the pages' forms: a refused form post answers 303 back to its page,
and what the page must show (the messages, the values typed, the form's status) rides along
in a short-lived cookie that the next GET of that page reads once. A reload then never sends
the form again, and the address never holds a form's answer.

The values typed may be personal (a NIK, an account number), so the cookie is sealed:
AES-GCM under a key derived from the service's secret key (any worker of the service can
open it, nobody else can read or forge it), bound to the page's path, and good for ten
minutes. It is HttpOnly and SameSite=Lax like every cookie of ours (claims.http.csrf)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

POSTED_COOKIE = "jht_form"
POSTED_SECONDS = 600
# Browsers keep a cookie of at most 4 KB: a longer answer drops the values typed (the
# messages alone still fit) rather than the whole answer.
COOKIE_LIMIT = 3800
_ASSOCIATED = b"jht-claims posted form"
_NONCE = 12


@dataclass
class PostedForm:
    """What a refused form post leaves for its page: the messages by field name (`errors`),
    the values typed, a message for the whole form, the status the page answers with (422,
    or 429 with its headers), and what else the page needs (JSON values) in `extra`."""

    path: str
    status: int = 422
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    form_error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    # When it was sealed (a Unix time, set by `seal`).
    at: float = 0.0


def _key(secret_key: bytes) -> bytes:
    # Derived, never the secret itself: the same secret signs CSRF tokens (claims.http.csrf).
    return hmac.new(secret_key, b"jht-claims page form seal v1", hashlib.sha256).digest()


def seal(secret_key: bytes, posted: PostedForm, now: datetime) -> str:
    """`posted` as a cookie value only this service can open."""
    posted.at = now.timestamp()
    value = _sealed(secret_key, posted)
    if len(value) > COOKIE_LIMIT and posted.values:
        posted.values = {}
        value = _sealed(secret_key, posted)
    return value


def _sealed(secret_key: bytes, posted: PostedForm) -> str:
    nonce = os.urandom(_NONCE)
    plain = json.dumps(asdict(posted), ensure_ascii=False, separators=(",", ":")).encode()
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, plain, _ASSOCIATED)
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(secret_key: bytes, value: str, path: str, now: datetime) -> PostedForm | None:
    """The `PostedForm` of a cookie value sealed by `seal` for the page at `path` in the last
    ten minutes; None for anything else (another page's, expired, tampered, garbage)."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        plain = AESGCM(_key(secret_key)).decrypt(raw[:_NONCE], raw[_NONCE:], _ASSOCIATED)
        posted = PostedForm(**json.loads(plain))
    except (binascii.Error, ValueError, InvalidTag, TypeError):
        return None
    if posted.path != path or not 0 <= now.timestamp() - posted.at <= POSTED_SECONDS:
        return None
    return posted
