"""The catalogues (issue 18, item 8): every key the pages, their templates and the SMS ask for
is translated in Bahasa Indonesia and English with the same placeholders, and no catalogue
holds a key nothing asks for. `python3 tasks.py messages` adds new keys to both."""

from __future__ import annotations

import pytest

from claims.catalogue_tools import problems, used_keys
from claims.catalogues import LANGUAGES, MissingMessage, catalogue, message
from claims.http.problems import HTTP_EXCEPTION_CODES, TITLE_KEYS, VALIDATION_KEYS
from claims.notifications.sms_templates import SMS_TEMPLATES
from claims.pages import i18n
from workflow.states import ClaimStatus


@pytest.fixture(scope="module")
def used() -> dict[str, list[str]]:
    return used_keys()


def test_every_key_used_is_translated_in_both_languages(used: dict[str, list[str]]) -> None:
    found = problems(set(used))
    where = {
        language: {key: used[key] for key in found.missing[language]} for language in LANGUAGES
    }
    assert found.missing == {"id": [], "en": []}, where
    assert found.placeholders == []


def test_no_catalogue_holds_a_key_nothing_uses(used: dict[str, list[str]]) -> None:
    assert problems(set(used)).unused == {"id": [], "en": []}


def test_the_extraction_sees_keys_of_code_templates_and_markers(used: dict[str, list[str]]) -> None:
    # A key of each way of asking: t() in a template, page.t() in code, N_() in a table.
    assert any(".html:" in place for place in used["apply_title"])
    assert any(".py:" in place for place in used["form_has_errors"])
    assert "status.paid" in used and "sms.paid" in used and "balance.title" in used
    assert "simulation.chart_desc" in used
    # Every claim status and every SMS notification has its key written out.
    assert {i18n.STATUS_KEYS[status] for status in ClaimStatus} <= set(used)
    assert set(SMS_TEMPLATES.values()) <= set(used)


def test_a_missing_key_is_an_error_not_the_key_printed() -> None:
    with pytest.raises(MissingMessage):
        message("no_such_key", "id")
    assert message("site_name", "id") == "Klaim JHT Online"
    assert message("site_name", "en") == "JHT Claims Online"
    assert catalogue("id").keys() == catalogue("en").keys()


def test_the_problems_words_are_keys_the_extraction_sees(used: dict[str, list[str]]) -> None:
    # problem+json titles, validation messages and details come from the catalogues too.
    keys = {*TITLE_KEYS.values(), *VALIDATION_KEYS.values()}
    keys |= {key for _code, key in HTTP_EXCEPTION_CODES.values()}
    assert keys <= set(used)
    assert message("problem.title.422", "id") == "Isi tidak dapat diproses"
    assert message("problem.title.422", "en") == "Unprocessable content"
    assert message(VALIDATION_KEYS["int_parsing"], "en") == "Must be an integer."
