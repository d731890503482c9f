"""/apply and the sign-in pages in a real Chromium on a 390x844 phone, with JavaScript on and
off (issue 18, items 2 and 7): the heir's section only for death with JavaScript and marked
for it without; focus on the error summary after a refused post; the summary's links land on
their fields (the reason's on its first radio); axe-core finds no violation on the apply form
fresh, with errors and with death chosen, nor on the sign-in forms with errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import axe
from tests.browser.conftest import Site, shoot
from tests.browser.pages import check_accessibility, fill_apply
from tests.support import sample

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
RESIGNED = "resignation: left 3 months ago"
SUBMIT = "form[action='/apply'] button[type=submit]"


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def phone_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE_390, java_script_enabled=request.param)
    page = context.new_page()
    page.javascript = request.param
    yield page
    context.close()


def focused_id(page: Any) -> str:
    return str(page.evaluate("() => document.activeElement && document.activeElement.id"))


def test_the_heir_section_shows_for_death_only_with_javascript(site: Site, phone_page: Any) -> None:
    page = phone_page
    page.goto(site.url("/apply"))
    heir = page.locator("#heir-section")
    end_date = page.locator("#employment_end_date")
    if page.javascript:
        assert not heir.is_visible() and not end_date.is_visible()
        page.locator("input[name=reason][value=resignation]").check()
        assert end_date.is_visible() and not heir.is_visible()
        page.locator("input[name=reason][value=death]").check()
        assert heir.is_visible() and not end_date.is_visible()
        page.get_by_label("NIK ahli waris", exact=True).wait_for()
    else:
        # Without JavaScript every part stays, each saying whom it is for.
        assert heir.is_visible() and end_date.is_visible()
        assert "Hanya untuk klaim karena peserta meninggal dunia." in heir.inner_text()
    axe.assert_no_axe_violations(page)
    check_accessibility(page)
    shoot(page, f"apply-death-{'js' if page.javascript else 'nojs'}")


def test_a_refused_apply_focuses_the_summary_whose_links_land_on_the_fields(
    site: Site, phone_page: Any
) -> None:
    page = phone_page
    page.goto(site.url("/apply"))
    axe.assert_no_axe_violations(page)
    page.get_by_label("Nomor KPJ", exact=True).fill("123")
    page.get_by_label("Tanggal lahir", exact=True).fill("07-12-91")
    page.locator(SUBMIT).click()
    page.wait_for_selector("#error-summary")
    assert page.url.endswith("/apply#error-summary")
    assert page.title().startswith("Galat: ")
    assert focused_id(page) == "error-summary"
    links = page.locator("#error-summary a").evaluate_all("els => els.map(e => e.hash)")
    assert links[:5] == ["#kpj", "#nik", "#full_name", "#birth_date", "#reason"]
    axe.assert_no_axe_violations(page)
    check_accessibility(page)
    shoot(page, f"apply-errors-{'js' if page.javascript else 'nojs'}")
    # The reason's link lands on its first radio button: in sight and focused.
    first_radio = page.locator("input[name=reason]").first
    assert first_radio.get_attribute("id") == "reason"
    page.locator("#error-summary a[href='#reason']").click()
    assert page.evaluate("() => location.hash") == "#reason"
    assert focused_id(page) == "reason"
    in_sight = "e => { const r = e.getBoundingClientRect(); return r.top > -1 && r.bottom < innerHeight + 1; }"
    assert first_radio.evaluate(in_sight)


def test_a_wrong_identity_on_the_phone_says_the_tries_left(site: Site, phone_page: Any) -> None:
    page = phone_page
    row = sample(RESIGNED) | {"birth_date": "1990-01-01"}
    page.goto(site.url("/apply"))
    assert "5 kali" in page.locator("#attempts-warning").inner_text()
    fill_apply(page, row, "resignation")
    page.locator(SUBMIT).click()
    page.wait_for_selector("#error-summary")
    assert focused_id(page) == "error-summary"
    text = page.locator("#error-summary").inner_text()
    assert "Sisa 4 kali percobaan sebelum dikunci 15 menit." in text
    # The reason chosen is kept; with JavaScript its part shows again.
    assert page.locator("input[name=reason][value=resignation]").is_checked()
    assert page.locator("#employment_end_date").is_visible()
    axe.assert_no_axe_violations(page)


def test_a_death_claim_with_errors_stays_clean(site: Site, phone_page: Any) -> None:
    page = phone_page
    row = sample("death: deceased participant (heir claims)")
    page.goto(site.url("/apply"))
    fill_apply(page, row, "death")
    page.locator(SUBMIT).click()
    page.wait_for_selector("#error-summary")
    assert focused_id(page) == "error-summary"
    assert page.locator("#heir-section").is_visible()
    assert page.locator("#heir_nik").get_attribute("aria-invalid") == "true"
    axe.assert_no_axe_violations(page)
    check_accessibility(page)


@pytest.mark.parametrize("path", ["/masuk", "/masuk/ahli-waris"])
def test_a_refused_sign_in_focuses_the_summary(site: Site, phone_page: Any, path: str) -> None:
    page = phone_page
    page.goto(site.url(path))
    axe.assert_no_axe_violations(page)
    page.locator("#nik").fill("12")
    page.locator("#birth_date").fill("31-02-1990")
    page.locator(f"form[action='{path}'] button[type=submit]").click()
    page.wait_for_selector("#error-summary")
    assert page.url.endswith(f"{path}#error-summary")
    assert page.title().startswith("Galat: ")
    assert focused_id(page) == "error-summary"
    links = page.locator("#error-summary a").evaluate_all("els => els.map(e => e.hash)")
    first = "#reference" if path.endswith("ahli-waris") else "#kpj"
    assert links == [first, "#birth_date"]
    axe.assert_no_axe_violations(page)
    check_accessibility(page)


def test_a_wrong_code_focuses_the_summary(site: Site, phone_page: Any) -> None:
    page = phone_page
    row = sample(RESIGNED)
    year, month, day = row["birth_date"].split("-")
    page.goto(site.url("/masuk"))
    page.locator("#kpj").fill(row["kpj"])
    page.locator("#nik").fill(row["nik"])
    page.locator("#birth_date").fill(f"{int(day)}/{int(month)}/{year}")
    page.locator("form[action='/masuk'] button[type=submit]").click()
    page.wait_for_selector("#code")
    assert page.url.endswith("/masuk/kode")
    axe.assert_no_axe_violations(page)
    page.locator("#code").fill("000000")
    page.locator("form[action='/masuk/kode'] button[type=submit]").click()
    page.wait_for_selector("#error-summary")
    assert focused_id(page) == "error-summary"
    assert page.title().startswith("Galat: ")
    axe.assert_no_axe_violations(page)
    check_accessibility(page)
