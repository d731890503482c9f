"""UTC times as the fast read paths get them: `Database.quick_rows` hands back SQLite's
stored text (`2026-11-16 03:00:00.000000`), PostgreSQL a datetime. The read models turn
either into a datetime or its JSON text here, so no caller ever sees SQLite's text."""

from __future__ import annotations

from datetime import UTC, datetime


def stored_utc(moment: datetime | str) -> datetime:
    """The aware UTC datetime of a stored time."""
    if isinstance(moment, str):
        return datetime.fromisoformat(moment).replace(tzinfo=UTC)
    return moment


def stored_utc_json(moment: datetime | str | None) -> str | None:
    """The JSON form pydantic gives an aware UTC datetime (`...Z`), without the model; from
    SQLite's text without parsing it (a page of the queue holds up to 400 times)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        text = moment.replace(" ", "T", 1)
        return (text[:-7] if text.endswith(".000000") else text) + "Z"
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
