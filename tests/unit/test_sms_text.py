"""One SMS is 160 GSM-7 septets: the extension characters take two, and a character outside
the alphabet cannot be sent as GSM-7 at all."""

from __future__ import annotations

import pytest

from workflow.sms_text import SMS_LIMIT, NotGsm7, fits_one_sms, gsm7_length


def test_the_basic_alphabet_counts_one_each() -> None:
    assert gsm7_length("Saldo JHT Rp 1.000.000 per 16-11-2026 @ 2600****005 (ok)!") == 57
    assert gsm7_length("") == 0


def test_extension_characters_count_twice() -> None:
    assert gsm7_length("[]{}~^|\\€") == 18
    assert fits_one_sms("x" * (SMS_LIMIT - 2) + "€") and not fits_one_sms("x" * SMS_LIMIT + "€")


@pytest.mark.parametrize("text", ["Saldo — Rp 1", "emoji 🙂", "“quoted”", "tab\there"])
def test_characters_outside_gsm7_are_refused(text: str) -> None:
    with pytest.raises(NotGsm7):
        gsm7_length(text)
    assert not fits_one_sms(text)
