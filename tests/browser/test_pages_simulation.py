"""The simulation page, `/simulasi`: over plain HTTP (the form, a linkable result with the
chart, table and assumptions, errors next to their fields and in the title, English) and in a
real Chromium on a phone, without JavaScript (labels, contrast, nothing wider than the
screen, the chart readable by a screen reader)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import PHONE, Site, shoot
from tests.browser.pages import check_accessibility
from tests.e2e.conftest import Api

QUERY = {
    "monthly_wage": "5.000.000",
    "birth_date": "10-03-1980",
    "start_balance": "10.000.000",
    "rate1": "6",
}
IPHONE = {"width": 390, "height": 844}


def test_the_form_has_every_field_and_no_csrf_token(api: Api) -> None:
    answer = api.client.get("/simulasi")
    assert answer.status_code == 200
    html = answer.text
    assert '<form method="get" action="/simulasi"' in html and "csrf_token" not in html
    for name in ("monthly_wage", "birth_date", "start_balance", "wage_growth", "rate1", "rate3"):
        assert f'id="{name}"' in html and f'for="{name}"' in html, name
    assert "4,63%, 5,63%, 6,63%" in html  # the default rates, named
    assert "bukan janji" in html and "<svg" not in html


def test_a_result_is_a_link_with_chart_table_and_assumptions(api: Api) -> None:
    answer = api.client.get("/simulasi", params=QUERY)
    assert answer.status_code == 200, answer.text
    html = answer.text
    # The unit test's case from 16-11-2026 (see tests/e2e/test_api_simulation.py).
    assert re.search(
        r"<th scope=\"row\">2027</th>\s*<td>47</td>\s*<td>Rp 3\.420\.000</td>"
        r"\s*<td>Rp 14\.469\.150</td>",
        html,
    ), html
    assert 'role="img"' in html and 'aria-labelledby="chart-title chart-desc"' in html
    assert '<title id="chart-title">' in html and '<desc id="chart-desc">' in html
    assert 'viewBox="0 0 360 240"' in html and 'width="100%"' in html
    assert html.count("<polyline") == 1
    assert re.search(r">Rp \d+(,\d)? jt<", html)  # short money on the y axis
    assert "10-03-2036" in html  # the 56th birthday
    for words in ("5,7%", "3,7%", "dibulatkan ke bawah", "Saldo awal Rp 10.000.000"):
        assert words in html, words
    assert "bukan janji" in html
    assert "<script" not in html and "style=" not in html


def test_the_default_rates_draw_three_lines_and_iso_dates_are_read(api: Api) -> None:
    answer = api.client.get(
        "/simulasi",
        params={"monthly_wage": "4000000", "birth_date": "1990-07-01", "wage_growth": "3,5"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.text.count("<polyline") == 3
    assert "naik 3,5% setiap 1 Januari" in answer.text


def test_errors_sit_next_to_their_fields_and_in_the_title(api: Api) -> None:
    answer = api.client.get(
        "/simulasi",
        params={"monthly_wage": "lima juta", "birth_date": "31-02-1990", "rate1": "30"},
    )
    assert answer.status_code == 422
    html = answer.text
    assert re.search(r"<title>Galat: Simulasi JHT", html)
    assert 'id="monthly_wage-error"' in html and 'id="birth_date-error"' in html
    assert 'aria-invalid="true"' in html and 'value="lima juta"' in html
    # The workflow's checks come next, also beside their fields.
    too_old = api.client.get(
        "/simulasi", params={"monthly_wage": "5000000", "birth_date": "01-01-1960", "rate1": "30"}
    )
    assert too_old.status_code == 422
    assert re.search(
        r'id="birth_date-error">Simulasi untuk peserta berusia 15 sampai 55', too_old.text
    )
    assert re.search(r'id="rate1-error">Tingkat hasil pengembangan 0% sampai 25%', too_old.text)
    assert "<svg" not in too_old.text


def test_in_english(api: Api) -> None:
    answer = api.client.get("/simulasi", params={**QUERY, "lang": "en"})
    assert answer.status_code == 200
    assert "not a promise" in answer.text and "Estimated balance at 56" in answer.text
    assert "Rp 14.469.150" in answer.text


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, IPHONE], ids=["375", "390"])
def test_on_a_phone_without_javascript(site: Site, browser: Any, viewport: dict[str, int]) -> None:
    context = browser.new_context(viewport=viewport, java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url("/simulasi"))
    check_accessibility(page)
    page.get_by_label("Upah sebulan (Rp)", exact=True).fill("6.500.000")
    page.get_by_label("Tanggal lahir (DD-MM-YYYY)", exact=True).fill("17-08-1985")
    page.get_by_label("Kenaikan upah per tahun (%)", exact=True).fill("3")
    with page.expect_navigation():
        page.locator("form[action='/simulasi'] button[type=submit]").click()
    assert "monthly_wage=6.500.000" in page.url  # a link to this very result
    chart = page.locator("svg[role=img]")
    box = chart.bounding_box()
    assert box is not None and box["width"] <= viewport["width"]
    labelled = chart.get_attribute("aria-labelledby") or ""
    assert page.locator(f"#{labelled.split()[0]}").text_content()
    assert page.locator("svg polyline").count() == 3
    assert page.locator("table.sim-table tbody tr").count() >= 10
    assert "bukan janji" in page.locator("#estimate").inner_text()
    check_accessibility(page)
    shoot(page, "simulation")

    page.goto(site.url("/simulasi?monthly_wage=0&birth_date=17-08-1985"))
    assert page.title().startswith("Galat: ")
    wage = page.locator("#monthly_wage")
    assert wage.get_attribute("aria-invalid") == "true"
    assert "monthly_wage-error" in (wage.get_attribute("aria-describedby") or "")
    check_accessibility(page)
    context.close()


def test_digits_that_are_not_ascii_are_a_field_error_not_a_crash(api: Api) -> None:
    answer = api.client.get("/simulasi", params={"monthly_wage": "²", "birth_date": "10-03-1980"})
    assert answer.status_code == 422, answer.status_code
    assert 'aria-invalid="true"' in answer.text
