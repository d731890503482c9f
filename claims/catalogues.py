"""The words of the pages, the SMS and the e-mails in both languages, from gettext catalogues:
`claims/locales/<language>/LC_MESSAGES/messages.po`, Bahasa Indonesia (`id`) first, English
(`en`). A message id is a short key (`apply_title`, `status.paid`, `sms.paid`): both
catalogues translate it, so neither language is the other's source text, and a translator
edits a `.po` file with any gettext tool.

`python3 tasks.py messages` extracts the keys the code and the templates use (Babel) and adds
the new ones to both catalogues, empty; `tests/unit/test_catalogues.py` (run in CI) fails while
a key is missing or empty in either language, a translation's placeholders differ from the
other's, or a catalogue holds a key nothing uses. A key used through a variable is marked
where it is written with `N_("key")`, so that the extraction sees it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from babel.messages.pofile import read_po

Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = ("id", "en")
LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"


class MissingMessage(KeyError):
    """A key neither catalogue has: a bug the catalogue test catches before it ships."""


def catalogue_path(language: Language) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(language: Language) -> dict[str, str]:
    """The translated messages of `language`'s catalogue, by key (read once per process)."""
    with catalogue_path(language).open("rb") as handle:
        read = read_po(handle, locale=language)
    return {
        str(entry.id): str(entry.string)
        for entry in read
        if entry.id and entry.string and not entry.fuzzy
    }


def message(key: str, language: Language, **values: object) -> str:
    """The message `key` in `language`, its `{placeholders}` filled from `values`."""
    try:
        text = catalogue(language)[key]
    except KeyError:
        raise MissingMessage(key) from None
    return text.format(**values) if values else text


def N_(key: str) -> str:
    """`key` itself: marks a key that is used through a variable, for the extraction."""
    return key
