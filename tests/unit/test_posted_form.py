"""The sealed cookie of post/redirect/get (claims.pages.posted): only this service opens it,
only for the page it was made for, only for ten minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from claims.pages.posted import COOKIE_LIMIT, PostedForm, seal, unseal

KEY = b"0" * 64
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def posted(**values: str) -> PostedForm:
    return PostedForm("/apply", 422, {"nik": "NIK salah."}, dict(values), "Periksa isian.")


def test_sealed_for_one_page_for_ten_minutes() -> None:
    sealed = seal(KEY, posted(nik="3174011508900001"), NOW)
    assert "3174011508900001" not in sealed
    opened = unseal(KEY, sealed, "/apply", NOW + timedelta(minutes=9))
    assert opened is not None and opened.values == {"nik": "3174011508900001"}
    assert opened.errors == {"nik": "NIK salah."} and opened.status == 422
    assert unseal(KEY, sealed, "/masuk", NOW) is None
    assert unseal(KEY, sealed, "/apply", NOW + timedelta(minutes=11)) is None
    assert unseal(b"1" * 64, sealed, "/apply", NOW) is None


def test_tampered_or_garbage_is_nothing() -> None:
    sealed = seal(KEY, posted(), NOW)
    flipped = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    for value in (flipped, "", "not-base64!", "QUJD", sealed[:-4]):
        assert unseal(KEY, value, "/apply", NOW) is None


def test_too_long_keeps_the_messages_and_drops_the_values() -> None:
    sealed = seal(KEY, posted(note="x" * 5000), NOW)
    assert len(sealed) <= COOKIE_LIMIT
    opened = unseal(KEY, sealed, "/apply", NOW)
    assert opened is not None and opened.values == {} and opened.errors == {"nik": "NIK salah."}
