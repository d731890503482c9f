"""The balance page `/saldo` (issue 17, item 2): to the sign-in without a live session; with
one, the available balance in large type with its date, how it is made up, the history, the
claims with links, other KPJs masked, what can be claimed today and the way in, in Bahasa
Indonesia first and English with ?lang=en; on a phone-sized Chromium, labels and contrast."""

from __future__ import annotations

from typing import Any

import pytest

from claims.casework.facts import wib_date
from claims.http.csrf import PARTICIPANT_COOKIE
from claims.pages.i18n import page_date, rupiah
from tests.browser.conftest import PHONE, Site, shoot
from tests.browser.pages import check_accessibility
from tests.e2e.api_helpers import HEIR, bearer
from tests.e2e.api_helpers import create_claim as create_over_http
from tests.e2e.conftest import Api
from tests.e2e.participant_helpers import heir_sign_in, sign_in
from tests.participant_sessions import open_session
from tests.support import sample

TWO_KPJS = "two KPJs: left this employer 3 months ago"


def test_without_a_session_the_page_leads_to_the_sign_in(api: Api) -> None:
    answer = api.client.get("/saldo", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/masuk?next=/saldo"
    api.client.cookies.set(PARTICIPANT_COOKIE, "not-a-session")
    assert api.client.get("/saldo", follow_redirects=False).headers["location"] == (
        "/masuk?next=/saldo"
    )


def test_the_page_shows_the_accounts_figures(api: Api) -> None:
    row = sample(TWO_KPJS)
    claim = create_over_http(api, TWO_KPJS, "disability")
    token = sign_in(api, TWO_KPJS)
    account = api.client.get("/api/v1/participant/account", headers=bearer(token)).json()
    api.client.cookies.set(PARTICIPANT_COOKIE, token)

    page = api.client.get("/saldo")
    assert page.status_code == 200, page.text
    text = page.text
    today = page_date(wib_date(api.runtime.clock.now()))
    assert f"Saldo JHT per {today}" in text
    assert rupiah(account["balance"]["available"]) in text
    assert rupiah(account["balance"]["statement_balance"]) in text
    assert f'href="/claims/{claim.id}"' in text and "Langkah 1 dari 5" in text
    assert "2600****066" in text and "26000000066" not in text
    assert "Klaim sebagian untuk perumahan" in text or "perumahan" in text.lower()
    assert 'href="/simulasi"' in text and "Simulasi saldo hingga usia 56" in text
    assert 'action="/keluar"' in text and 'name="csrf_token"' in text
    assert row["nik"] not in text

    english = api.client.get("/saldo?lang=en").text
    assert f"JHT balance on {today}" in english and "Sign out" in english


def test_an_heirs_session_goes_to_its_death_claim(api: Api) -> None:
    claim = create_over_http(api, "death: deceased participant (heir claims)", "death")
    reference = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth).json()["reference"]
    token = heir_sign_in(api, reference, HEIR["nik"], HEIR["birth_date"])
    api.client.cookies.set(PARTICIPANT_COOKIE, token)
    answer = api.client.get("/saldo", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/claims/{claim.id}"


@pytest.mark.browser
def test_the_balance_on_a_phone_reads_and_passes_the_checks(site: Site, browser: Any) -> None:
    row = sample(TWO_KPJS)
    token = open_session(site.db, row["kpj"], site.runtime.clock.now())
    context = browser.new_context(viewport={**PHONE, "width": 390})
    context.add_cookies([{"name": PARTICIPANT_COOKIE, "value": token, "url": site.base_url}])
    page = context.new_page()
    page.goto(site.url("/saldo"))
    figure = page.locator("#balance-available")
    assert figure.inner_text().startswith("Rp ")
    # Large type: the figure is the biggest text on the page.
    size = float(figure.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    heading = float(page.locator("h1").evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert size > heading
    # Fits the phone: nothing but the ledger's own box scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check_accessibility(page)
    shoot(page, "balance")
    page.goto(site.url("/saldo?lang=en"))
    check_accessibility(page)
    assert "What you can claim today" in page.content()
    context.close()
