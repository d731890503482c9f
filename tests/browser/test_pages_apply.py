"""The apply page over HTTP (issue 18, item 7): dates in the forms people write, the reasons
as radio buttons with their hints, the heir's section marked for death claims, the KPJ card,
and the warning before the identity check locks a KPJ, with the tries left read from the
limiter and said the same way whether the KPJ is registered or not."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from claims.app import create_app
from claims.pages.i18n import translate
from claims.ratelimits import RateLimits
from tests.browser.test_pages_http import apply_form, claim_count, csrf_token
from tests.e2e.api_helpers import HEIR
from tests.e2e.conftest import Api
from tests.support import SAMPLE_DAY, sample
from workflow.rules import rules_in_force
from workflow.states import ClaimReason

RESIGNED = "resignation: left 3 months ago"
DECEASED = "death: deceased participant (heir claims)"
# A well-formed KPJ (11 digits) registered to nobody.
UNKNOWN_KPJ = "99999999990"


def summary_links(html: str) -> list[str]:
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert summary is not None, html[:2000]
    return re.findall(r'<a href="#([a-z_]+)">', summary.group(1))


def form_error(html: str) -> str:
    summary = re.search(r'<div class="error-summary"[^>]*>.*?</h2>\s*<p>([^<]*)</p>', html, re.S)
    assert summary is not None, html[:2000]
    return summary.group(1)


def field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>', html))


def post_apply(api: Api, form: dict[str, str]) -> str:
    """Posts the form as a browser does: a 303 back to /apply, whose GET shows the outcome."""
    answer = api.client.post("/apply", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:500]
    return answer.headers["location"]


@pytest.mark.parametrize("written", ["{d:02}-{m:02}-{y}", "{d}/{m}/{y}", "{y}-{m:02}-{d:02}"])
def test_the_birth_date_is_taken_in_each_written_form(api: Api, written: str) -> None:
    row = sample(RESIGNED)
    year, month, day = (int(part) for part in row["birth_date"].split("-"))
    form = apply_form(row, csrf_token(api.client))
    form["birth_date"] = written.format(d=day, m=month, y=year)
    location = post_apply(api, form)
    assert re.fullmatch(r"/claims/[0-9a-f-]{36}\?done=created", location), location
    assert claim_count(api) == 1


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("07-12-91", "date_two_digit_year"),
        ("31-02-1990", "date_no_such_day"),
        ("12/25/1990", "date_no_such_day"),
        ("7 Desember 1991", "date_unknown_form"),
    ],
)
def test_a_date_we_will_not_guess_at_is_refused_with_what_to_write(
    api: Api, written: str, key: str
) -> None:
    row = sample(RESIGNED)
    form = apply_form(row, csrf_token(api.client)) | {"birth_date": written}
    post_apply(api, form)
    shown = api.client.get("/apply")
    assert shown.status_code == 422
    assert field_errors(shown.text) == {"birth_date": translate(key, "id")}
    assert summary_links(shown.text) == ["birth_date"]
    assert claim_count(api) == 0


def test_the_date_hint_shows_the_accepted_forms_with_an_example(api: Api) -> None:
    html = api.client.get("/apply").text
    hint = re.search(r'<p class="hint" id="birth_date-hint">([^<]*)</p>', html)
    assert hint is not None and "17-08-1985" in hint.group(1) and "1985-08-17" in hint.group(1)
    assert 'aria-describedby="birth_date-hint"' in html


def test_the_reasons_are_radio_buttons_with_a_hint_each_from_the_rules(api: Api) -> None:
    html = api.client.get("/apply").text
    rules = rules_in_force(SAMPLE_DAY)
    radios = re.findall(
        r'<input type="radio" id="([a-z_-]+)" name="reason" value="([a-z_]+)"', html
    )
    assert [value for _, value in radios] == [r.value for r in ClaimReason]
    # The first option carries the group's id: the error summary's link lands on it.
    assert radios[0][0] == "reason" and all(i == f"reason-{v}" for i, v in radios[1:])
    legend = re.search(r'<fieldset class="radios"[^>]*>\s*<legend>([^<]*)</legend>', html)
    assert legend is not None and legend.group(1) == translate("reason", "id")
    hints = dict(re.findall(r'<p class="hint" id="reason-([a-z_]+)-hint">([^<]*)</p>', html))
    assert hints["resignation"] == (
        "Anda berhenti bekerja atas kemauan sendiri; klaim dapat diajukan "
        f"{rules.waiting_period_months} bulan setelah berhenti."
    )
    assert str(rules.retirement_age_years) in hints["retirement"]
    assert str(rules.partial_min_membership_years) in hints["partial_housing"]
    assert '<select id="reason"' not in html
    english = api.client.get("/apply?lang=en").text
    assert ">Resignation</label>" in english
    assert "you can claim 1 month(s) after leaving." in english
    assert ">Berhenti bekerja (mengundurkan diri)</label>" in html


def test_a_missing_reason_links_to_the_first_radio_in_form_order(api: Api) -> None:
    row = sample(RESIGNED)
    form = apply_form(row, csrf_token(api.client)) | {"reason": "", "phone": "", "kpj": ""}
    post_apply(api, form)
    shown = api.client.get("/apply")
    assert summary_links(shown.text) == ["kpj", "reason", "phone"]
    assert field_errors(shown.text)["reason"] == "Pilih alasan klaim."
    assert '<fieldset class="radios" aria-describedby="reason-error">' in shown.text
    # Plain names in the summary: no "(11 angka)".
    assert ">Nomor KPJ: Wajib diisi.</a>" in shown.text


def test_the_heir_section_says_it_is_only_for_death_and_is_read_only_then(api: Api) -> None:
    html = api.client.get("/apply").text
    section = re.search(
        r'<fieldset id="heir-section" data-shown-for="death">(.*?)</fieldset>', html, re.S
    )
    assert section is not None
    assert "Hanya untuk klaim karena peserta meninggal dunia." in section.group(1)
    assert re.search(r'<script src="/static/apply\.[0-9a-f]{8}\.js" defer></script>', html)

    # Heir fields typed for another reason are neither checked nor refused.
    row = sample(RESIGNED)
    form = apply_form(row, csrf_token(api.client)) | {
        "heir_birth_date": "not a date",
        "employment_end_date": "",
    }
    assert "done=created" in post_apply(api, form)


def test_a_death_claim_asks_for_the_heir_and_takes_its_dates_in_any_form(api: Api) -> None:
    row = sample(DECEASED)
    token = csrf_token(api.client)
    form = apply_form(row, token) | {"reason": "death"}
    post_apply(api, form)
    shown = api.client.get("/apply")
    assert summary_links(shown.text) == [
        "heir_nik",
        "heir_full_name",
        "heir_birth_date",
        "heir_relationship",
    ]
    year, month, day = HEIR["birth_date"].split("-")
    form |= {
        "heir_nik": HEIR["nik"],
        "heir_full_name": HEIR["full_name"],
        "heir_birth_date": f"{int(day)}/{int(month)}/{year}",
        "heir_relationship": HEIR["relationship"],
    }
    assert "done=created" in post_apply(api, form)


def test_where_to_find_the_kpj(api: Api) -> None:
    html = api.client.get("/apply").text
    assert 'aria-describedby="kpj-hint"' in html
    details = re.search(r'<details class="kpj-card">(.*?)</details>', html, re.S)
    assert details is not None
    assert "<summary>Di mana nomor KPJ saya?</summary>" in details.group(1)
    image = re.search(
        r'<img src="/static/kartu-peserta\.[0-9a-f]{8}\.svg"[^>]*alt="([^"]+)"', details.group(1)
    )
    assert image is not None and "KPJ" in image.group(1)
    picture = api.client.get("/static/kartu-peserta.svg")
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/svg")
    assert len(picture.content) < 4000
    # Nothing from elsewhere: no links, scripts or images in the picture.
    assert not re.search(rb"href|<script|<image|url\(", picture.content)


def test_the_page_warns_from_the_start_with_the_limiters_numbers(api: Api) -> None:
    html = api.client.get("/apply").text
    warning = re.search(r'<p class="notice warning" id="attempts-warning">([^<]*)</p>', html)
    assert warning is not None
    # RateLimits' default: 5 per 15 minutes.
    assert "salah 5 kali, KPJ dikunci selama 15 menit" in warning.group(1)
    english = api.client.get("/apply?lang=en").text
    assert "wrong 5 times, the KPJ is locked for 15 minutes" in english


def wrong_identity(api: Api, kpj: str) -> str:
    """Posts details that match nobody (a wrong birth date) for `kpj`; the message shown."""
    row = sample(RESIGNED)
    form = apply_form(row, csrf_token(api.client)) | {"kpj": kpj, "birth_date": "01-01-1990"}
    post_apply(api, form)
    shown = api.client.get("/apply")
    assert shown.status_code in (422, 429)
    return form_error(shown.text).replace(kpj, "<kpj>")


def test_a_wrong_identity_says_the_tries_left_the_same_for_an_unknown_kpj(api: Api) -> None:
    known = sample(RESIGNED)["kpj"]
    first = wrong_identity(api, known)
    assert first.endswith("Sisa 4 kali percobaan sebelum dikunci 15 menit.")
    assert "tidak cocok" in first
    assert wrong_identity(api, UNKNOWN_KPJ) == first
    assert wrong_identity(api, known).endswith("Sisa 3 kali percobaan sebelum dikunci 15 menit.")
    assert wrong_identity(api, known).endswith("Sisa 2 kali percobaan sebelum dikunci 15 menit.")
    assert wrong_identity(api, known).endswith("Sisa 1 kali percobaan sebelum dikunci 15 menit.")
    last = wrong_identity(api, known)
    assert "Tidak ada percobaan tersisa: KPJ ini dikunci. Coba lagi dalam" in last
    locked = wrong_identity(api, known)
    assert locked.startswith("Terlalu banyak percobaan dengan data yang salah")
    assert claim_count(api) == 0


def test_the_numbers_come_from_the_configured_limits(api: Api) -> None:
    limits = RateLimits(
        default_per_client="100000/minute", identity_attempts_per_kpj="3 per 1 hour"
    )
    app = create_app(settings=api.runtime.settings, runtime=api.runtime, rate_limits=limits)
    with TestClient(app) as client:
        html = client.get("/apply").text
        assert "salah 3 kali, KPJ dikunci selama 1 jam" in html
        other = Api(client, api.runtime, api.db)
        assert wrong_identity(other, UNKNOWN_KPJ).endswith(
            "Sisa 2 kali percobaan sebelum dikunci 1 jam."
        )
