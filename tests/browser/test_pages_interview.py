"""The interview page in a real Chromium on a 390 px wide phone: choosing another time with
JavaScript and without it (plain form posts, post/redirect/get), a bad choice refused next to
its field, the request for an interview at the branch, and axe-core with no violation on
every state of the page (with the labels-and-contrast check the other page tests use)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import Site, shoot
from tests.browser.pages import check_accessibility
from tests.e2e.conftest import Api
from tests.e2e.test_interview_api import Booked, to_interview

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
WITA = ZoneInfo("Asia/Makassar")


def check_page(page: Any) -> None:
    check_accessibility(page)
    assert_no_axe_violations(page)


def claim_at_interview(site: Site) -> Booked:
    """A claim whose documents were accepted, over the served app's HTTP API."""
    with httpx.Client(base_url=site.base_url, timeout=30) as client:
        return to_interview(Api(client=client, runtime=site.runtime, db=site.db))  # type: ignore[arg-type]


def phone_context(browser: Any, site: Site, booked: Booked, *, javascript: bool) -> Any:
    context = browser.new_context(viewport=PHONE_390, java_script_enabled=javascript)
    # The browser the claim was made in: its HttpOnly cookie.
    context.add_cookies([{"name": "jht_claim", "value": booked.token, "url": site.base_url}])
    return context


def shown_time(starts_at: str) -> str:
    return f"{datetime.fromisoformat(starts_at).astimezone(WITA):%d-%m-%Y %H:%M}–"


def test_choosing_a_slot_with_javascript_on_a_phone(site: Site, browser: Any) -> None:
    booked = claim_at_interview(site)
    context = phone_context(browser, site, booked, javascript=True)
    page = context.new_page()
    page.goto(site.url(f"/claims/{booked.claim_id}/wawancara"))
    assert shown_time(booked.interview["starts_at"]) in page.locator("#interview-time").inner_text()
    assert "tidak dihitung" in page.locator("#rebooking-rule").inner_text()
    days = page.locator("#choose fieldset")
    assert days.count() == 10
    assert days.first.locator("legend").inner_text().startswith("Selasa, 17-11-2026")
    check_page(page)
    shoot(page, "interview-held")

    # One day open at a time: the second is opened by its summary, as a thumb would.
    assert page.locator("#choose details[open]").count() == 1
    page.locator("#choose details summary").nth(1).click()
    second_day = days.nth(1)
    choice = second_day.locator("input[type=radio]").nth(2)
    wanted = choice.get_attribute("value")
    label = second_day.locator("label").nth(2).inner_text()
    second_day.get_by_label(label, exact=True).check()
    page.locator("#choose button[type=submit]").click()
    page.wait_for_url(re.compile(r"/wawancara\?done=chosen$"))
    assert page.locator("#notice").inner_text() == "Jadwal wawancara disimpan."
    assert shown_time(wanted) in page.locator("#interview-time").inner_text()
    assert page.locator("#rebooking-rule").inner_text().endswith("Sisa perubahan: 2.")
    assert page.locator(f"input[value='{wanted}']").count() == 0  # the booked one left out
    check_page(page)
    shoot(page, "interview-chosen")
    context.close()


def test_choosing_a_slot_and_asking_for_the_branch_without_javascript(
    site: Site, browser: Any
) -> None:
    booked = claim_at_interview(site)
    context = phone_context(browser, site, booked, javascript=False)
    page = context.new_page()
    page.goto(site.url(f"/claims/{booked.claim_id}/wawancara"))
    with page.expect_navigation():
        page.locator("#choose button[type=submit]").click()  # nothing chosen
    assert "Pilih salah satu waktu" in page.locator("#starts_at-error").inner_text()
    assert page.url.endswith("/wawancara#error-summary")  # post/redirect/get
    assert page.title().startswith("Galat:")
    assert (
        page.locator("#interview-time")
        .inner_text()
        .startswith(page.locator("#interview-time").inner_text())
    )
    check_accessibility(page)
    shoot(page, "interview-error")

    first_day = page.locator("#choose fieldset").first
    wanted = first_day.locator("input[type=radio]").nth(4).get_attribute("value")
    first_day.locator("input[type=radio]").nth(4).check()
    with page.expect_navigation():
        page.locator("#choose button[type=submit]").click()
    assert page.url.endswith("/wawancara?done=chosen")
    assert shown_time(wanted) in page.locator("#interview-time").inner_text()

    page.get_by_label("Saya ingin wawancara di kantor cabang", exact=True).check()
    page.get_by_label("Alasan singkat", exact=True).fill("Tidak ada kuota data untuk video")
    with page.expect_navigation():
        page.locator("#branch button[type=submit]").click()
    assert page.url.endswith("/wawancara?done=requested")
    assert "Anda meminta wawancara" in page.locator("#branch-request-status").inner_text()
    check_accessibility(page)
    shoot(page, "interview-branch-requested")
    context.close()

    # The same states checked by axe-core, whose run needs the page's JavaScript (its
    # promises and timers do not run in a context with scripts off).
    checked = phone_context(browser, site, booked, javascript=True)
    page = checked.new_page()
    page.goto(site.url(f"/claims/{booked.claim_id}/wawancara?done=requested"))
    check_page(page)
    page.locator("#choose button[type=submit]").click()  # nothing chosen: the error state
    page.locator("#starts_at-error").wait_for()
    check_page(page)
    checked.close()
