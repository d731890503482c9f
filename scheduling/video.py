"""Video interview links: an unguessable room id per interview, placed into the configured
URL template (for example `https://meet.example.id/jht/{room}`).
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from scheduling.errors import InvalidVideoUrlTemplate

ROOM_PLACEHOLDER = "{room}"
# 24 random bytes = 192 bits: the link is the only thing keeping strangers out of the room.
ROOM_ID_BYTES = 24
_ROOM_ID = re.compile(r"[A-Za-z0-9_-]{22,}")


def new_room_id() -> str:
    """A fresh URL-safe room id with 192 bits of randomness."""
    return secrets.token_urlsafe(ROOM_ID_BYTES)


def validate_video_url_template(template: str) -> None:
    """Refuse a template that is not an http(s) URL with exactly one `{room}`.

    Call it when settings load, so a bad template stops the start-up, not a booking.
    """
    bad = InvalidVideoUrlTemplate(
        "templat tautan video harus URL http(s) dengan tepat satu {room}",
        "the video link template must be an http(s) URL with exactly one {room}",
    )
    if template.count(ROOM_PLACEHOLDER) != 1:
        raise bad
    # Any other brace would be a second placeholder or a typo; we never call str.format on
    # configuration, so `{0.__class__}`-style tricks cannot run either.
    if "{" in template.replace(ROOM_PLACEHOLDER, "") or "}" in template.replace(
        ROOM_PLACEHOLDER, ""
    ):
        raise bad
    parts = urlsplit(template.replace(ROOM_PLACEHOLDER, "room"))
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise bad


def video_url(template: str, room_id: str) -> str:
    """The interview link for a room."""
    validate_video_url_template(template)
    if not _ROOM_ID.fullmatch(room_id):
        raise ValueError("room id must be a URL-safe token of at least 22 characters")
    return template.replace(ROOM_PLACEHOLDER, room_id)
