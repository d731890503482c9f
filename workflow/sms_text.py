"""How long a text is as one SMS: the GSM 03.38 7-bit alphabet (GSM-7), in which one message
carries 160 characters. Characters of the extension table (`{ } [ ] ~ \\ | ^ €` and the form
feed) take two septets; a character outside both tables cannot be sent as GSM-7 at all (the
phone would switch the whole message to UCS-2, 70 characters), so it is refused, not counted.
"""

from __future__ import annotations

SMS_LIMIT = 160

_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENSION = "^{}\\[~]|€\f"
_SEPTETS = {**dict.fromkeys(_BASIC, 1), **dict.fromkeys(_EXTENSION, 2)}


class NotGsm7(ValueError):
    """The text has a character that GSM-7 cannot carry."""


def gsm7_length(text: str) -> int:
    """The septets `text` takes in GSM-7 (extension characters count twice); NotGsm7 for a
    character outside the alphabet."""
    total = 0
    for character in text:
        septets = _SEPTETS.get(character)
        if septets is None:
            raise NotGsm7(f"not a GSM-7 character: {character!r}")
        total += septets
    return total


def fits_one_sms(text: str) -> bool:
    """True when `text` is GSM-7 and at most SMS_LIMIT septets: one message, never split."""
    try:
        return gsm7_length(text) <= SMS_LIMIT
    except NotGsm7:
        return False
