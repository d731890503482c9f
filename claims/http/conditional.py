"""Optimistic concurrency over HTTP: a claim's strong ETag is its version in quotes, and
officer actions may send `If-Match` (RFC 9110, 13.1.1: strong comparison, `*` matches any)."""

from __future__ import annotations

from fastapi import Request

from claims.errors import PreconditionFailed


def etag_for(version: int) -> str:
    return f'"{version}"'


def if_match_allows(header: str, current_version: int) -> bool:
    """Whether an If-Match value lets a change to `current_version` go ahead. A weak tag
    (`W/"7"`) never matches: If-Match uses the strong comparison."""
    current = etag_for(current_version)
    for candidate in (part.strip() for part in header.split(",")):
        if candidate == "*" or candidate == current:
            return True
    return False


def check_if_match(request: Request, current_version: int) -> None:
    """412 (`stale_version`, with `current_etag`) when If-Match is sent and does not match.
    Without If-Match the change goes ahead; the version column still catches a race."""
    header = request.headers.get("if-match")
    if header is not None and not if_match_allows(header, current_version):
        raise PreconditionFailed(current_version)
