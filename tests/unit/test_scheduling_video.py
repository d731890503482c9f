"""Video links: unguessable room ids and a template that must carry one `{room}`."""

from __future__ import annotations

import base64
import re

import pytest

from scheduling.errors import InvalidVideoUrlTemplate
from scheduling.video import new_room_id, validate_video_url_template, video_url

ROOM = "AbCdEfGhIjKlMnOpQrStUv_-"


def test_room_ids_are_url_safe_random_and_at_least_128_bits() -> None:
    ids = {new_room_id() for _ in range(200)}
    assert len(ids) == 200
    for room in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", room)
        raw = base64.urlsafe_b64decode(room + "=" * (-len(room) % 4))
        assert len(raw) * 8 >= 128


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("https://meet.example.id/jht/{room}", f"https://meet.example.id/jht/{ROOM}"),
        (
            "https://meet.example.id/join?room={room}&lang=id",
            f"https://meet.example.id/join?room={ROOM}&lang=id",
        ),
        ("http://localhost:8080/{room}", f"http://localhost:8080/{ROOM}"),
    ],
)
def test_video_url(template: str, expected: str) -> None:
    assert video_url(template, ROOM) == expected


def test_video_url_with_a_fresh_room() -> None:
    room = new_room_id()
    assert video_url("https://meet.example.id/jht/{room}", room).endswith("/jht/" + room)


@pytest.mark.parametrize(
    "template",
    [
        "https://meet.example.id/jht/",  # no placeholder
        "https://meet.example.id/{room}/{room}",  # two
        "https://meet.example.id/{room}/{0.__class__}",  # format tricks
        "https://meet.example.id/{ROOM}",
        "https://meet.example.id/{room",
        "ftp://meet.example.id/{room}",
        "javascript:alert(1)//{room}",
        "/jht/{room}",  # no host
        "{room}",
        "",
    ],
)
def test_bad_templates_are_refused(template: str) -> None:
    with pytest.raises(InvalidVideoUrlTemplate) as caught:
        validate_video_url_template(template)
    assert caught.value.code == "invalid_video_url_template"
    with pytest.raises(InvalidVideoUrlTemplate):
        video_url(template, ROOM)


@pytest.mark.parametrize("room", ["", "short", "x" * 21, "a/b" + "c" * 30, "a b" + "c" * 30])
def test_bad_room_ids_are_refused(room: str) -> None:
    with pytest.raises(ValueError, match="room id"):
        video_url("https://meet.example.id/jht/{room}", room)
