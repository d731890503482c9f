"""Extraction of the catalogue keys (claims.catalogues) and the checks of the catalogues, with
Babel: `python3 tasks.py messages` adds the keys the code uses to both catalogues (empty, for a
translator), and tests/unit/test_catalogues.py fails while either catalogue misses one.

Keys are found where the code asks for words: `t("key")` and `translate("key")` (the pages and
templates), `w("key")` (the balance page's shorthand), `text(page, "key")` (the simulation's),
`c.m("key", ...)` (the mails', claims/notifications/templates.py), `message("key", ...)`
(claims.catalogues' own function), and `N_("key")`, the marker of a key used through a
variable."""

from __future__ import annotations

import re
import string
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from claims.catalogues import LANGUAGES, Language, catalogue_path

PACKAGE = Path(__file__).resolve().parent
# Which argument holds the key, by the name of the function called.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "t": None,
    "translate": None,
    "w": None,
    "N_": None,
    "text": (2,),
    "m": None,
    "message": None,
}
# Where words are asked for by key: the pages and their templates, the SMS texts, the
# e-mails, and the API's problem titles and validation messages.
METHODS = [
    ("http/problems.py", "python"),
    ("pages/**.py", "python"),
    ("notifications/sms_templates.py", "python"),
    ("notifications/templates.py", "python"),
    ("templates/**.html", "jinja2.ext:babel_extract"),
]
_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


@dataclass(frozen=True)
class Problems:
    """What is wrong with the catalogues, each a sorted list of keys (or key: detail)."""

    missing: dict[Language, list[str]]
    unused: dict[Language, list[str]]
    placeholders: list[str]

    @property
    def any(self) -> bool:
        return bool(any(self.missing.values()) or any(self.unused.values()) or self.placeholders)


def used_keys(package: Path = PACKAGE) -> dict[str, list[str]]:
    """Every key the code and the templates ask for, with where (file:line)."""
    found: dict[str, list[str]] = {}
    for filename, lineno, key, _comments, _context in extract_from_dir(
        str(package), METHODS, keywords=KEYWORDS, comment_tags=()
    ):
        if isinstance(key, tuple):
            key = key[0]
        # `t(...)` of other things (a table's own lookups) pass strings that are no keys.
        if isinstance(key, str) and _KEY.match(key):
            found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def _read(language: Language) -> Catalog:
    with catalogue_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def problems(used: set[str]) -> Problems:
    """Keys of `used` missing (or empty, or fuzzy) in a catalogue, keys a catalogue holds
    that nothing uses, and keys whose two translations have different placeholders."""
    read = {language: _read(language) for language in LANGUAGES}
    present = {
        language: {str(m.id): str(m.string) for m in found if m.id}
        for language, found in read.items()
    }
    translated = {
        language: {str(m.id) for m in found if m.id and m.string and not m.fuzzy}
        for language, found in read.items()
    }
    missing = {language: sorted(used - translated[language]) for language in LANGUAGES}
    unused = {language: sorted(set(present[language]) - used) for language in LANGUAGES}
    placeholders = sorted(
        f"{key}: {sorted(_fields(present['id'][key]))} / {sorted(_fields(present['en'][key]))}"
        for key in used & translated["id"] & translated["en"]
        if _fields(present["id"][key]) != _fields(present["en"][key])
    )
    return Problems(missing, unused, placeholders)


def update_catalogues(used: set[str]) -> dict[Language, list[str]]:
    """Adds each key of `used` a catalogue lacks to it, untranslated (for a translator to
    fill in), and answers what was added to each. Nothing is removed: the test names keys
    nothing uses, and a person deletes them."""
    added: dict[Language, list[str]] = {}
    for language in LANGUAGES:
        found = _read(language)
        new = sorted(key for key in used if key not in found)
        for key in new:
            found.add(key, "")
        if new:
            with catalogue_path(language).open("wb") as handle:
                write_po(handle, found, width=100, sort_output=False)
        added[language] = new
    return added


def main() -> int:
    used = used_keys()
    for language, keys in update_catalogues(set(used)).items():
        for key in keys:
            print(f"{language}: added {key} (used at {', '.join(used[key])})")
    found = problems(set(used))
    for language in LANGUAGES:
        for key in found.missing[language]:
            print(f"{language}: to translate: {key}")
        for key in found.unused[language]:
            print(f"{language}: used nowhere: {key}")
    for line in found.placeholders:
        print(f"placeholders differ: {line}")
    return 1 if found.any else 0


if __name__ == "__main__":
    sys.exit(main())
