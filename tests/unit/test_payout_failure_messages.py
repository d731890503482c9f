"""The applicant's message when a payout fails because the bank names someone else as the
account's holder: it says so in both languages, and not that the bank refused a transfer
(none was sent)."""

from __future__ import annotations

import pytest

from claims.notifications.templates import render

PUBLIC_URL = "https://jht.example"
PARAMS = {"reference": "JHT-2026-000001-P1", "reason": "bank_account_not_own", "note": ""}
EXPECTED = {
    "id": ("bukan atas nama Anda", "Tidak ada dana yang dikirim", "atas nama Anda sendiri"),
    "en": ("not in your name", "No money was sent", "in your own name"),
}
REFUSED = {"id": "Bank menolak transfer", "en": "The bank refused the transfer"}


@pytest.mark.parametrize("language", ["id", "en"])
def test_an_account_in_another_name_is_explained(language: str) -> None:
    message = render(
        "payout_failed", language, "JHT-2026-000001", PARAMS, "claim-1", public_url=PUBLIC_URL
    )
    for text in EXPECTED[language]:
        assert text in message.body, text
    assert REFUSED[language] not in message.body
    assert "bank_account_not_own" not in message.body  # words, not the code


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_refused_transfer_still_says_the_bank_refused_it(language: str) -> None:
    params = dict(PARAMS, reason="account_closed")
    message = render(
        "payout_failed", language, "JHT-2026-000001", params, "claim-1", public_url=PUBLIC_URL
    )
    assert REFUSED[language] in message.body
