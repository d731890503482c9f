"""The applicant's journey through the claim's task list in a real Chromium on a phone-sized
screen (390x844), with JavaScript and without it: the task list, the bank account, the NPWP,
the documents, check answers, the declaration, the confirmation; a refusal on each form shown
at the top (focused, title "Galat:"), and cancelling after the question. axe-core runs on
every state of every page, and finds nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import Site, shoot
from tests.browser.pages import (
    NPWP,
    apply,
    back_to_tasks,
    check_accessibility,
    fill_bank,
    open_document,
    open_task,
    required_documents,
    upload_with_javascript,
    upload_without_javascript,
)
from tests.support import sample

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 390, "height": 844}


def clean(page: Any, name: str) -> None:
    """This state of the page: axe-core and our own checks find nothing; a screenshot."""
    assert_no_axe_violations(page)
    check_accessibility(page)
    shoot(page, name)


def progress(page: Any) -> tuple[int, int]:
    text = page.locator("#task-progress").inner_text()
    match = re.search(r"(\d+) (?:dari|of) (\d+)", text)
    assert match is not None, text
    return int(match.group(1)), int(match.group(2))


def status_of_task(page: Any, key: str) -> str:
    return str(page.locator(f"#task-{key}-status").inner_text())


def assert_refused_at_the_top(page: Any, field: str) -> None:
    """The error summary is there, has the focus, links to `field`; the title says so."""
    assert page.title().startswith(("Galat:", "Error:")), page.title()
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert summary.locator(f"a[href='#{field}']").count() == 1
    assert "?csrf_token" not in page.url and "csrf_token=" not in page.url


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_whole_journey_on_a_phone(site: Site, browser: Any, javascript: bool) -> None:
    row = sample("resignation: balance 80.000.000 (tax example)")  # NPWP needed
    context = browser.new_context(viewport=SMALL_PHONE, java_script_enabled=javascript)
    page = context.new_page()
    suffix = "js" if javascript else "nojs"
    apply(page, site, row, "resignation")

    # The task list: nothing done, "check and submit" cannot start yet.
    done, total = progress(page)
    documents = required_documents(page)
    assert done == 0 and total == len(documents) + 3  # + bank, NPWP, check and submit
    assert status_of_task(page, "bank") == "Belum dimulai"
    assert status_of_task(page, "npwp") == "Belum dimulai"
    assert status_of_task(page, "check") == "Belum dapat dimulai"
    assert page.locator("#task-check a").count() == 0
    clean(page, f"tasks-new-{suffix}")

    # Bank account: a refusal first, at the top and next to the field.
    open_task(page, "bank")
    clean(page, f"task-bank-{suffix}")
    fill_bank(page, row["full_name"], number="123")
    assert_refused_at_the_top(page, "account_number")
    assert page.locator("#account_number").get_attribute("aria-invalid") == "true"
    assert page.locator("#account_number").input_value() == "123"
    clean(page, f"task-bank-error-{suffix}")
    fill_bank(page, row["full_name"])
    assert re.search(r"/claims/[0-9a-f-]{36}\?done=bank", page.url)
    assert "Rekening bank tersimpan." in page.locator(".notice.success").inner_text()
    assert status_of_task(page, "bank") == "Selesai"
    assert progress(page) == (1, total)

    # NPWP.
    open_task(page, "npwp")
    page.locator("#npwp").fill(NPWP)
    with page.expect_navigation():
        page.locator("form[action$='/npwp'] button[type=submit]").click()
    assert status_of_task(page, "npwp") == "Selesai"

    # The documents, each on its own page.
    upload = upload_with_javascript if javascript else upload_without_javascript
    for index, doc_type in enumerate(documents):
        upload(page, doc_type)
        item = page.locator(f"#doc-{doc_type}")
        assert "3 halaman" in item.locator(".doc-status").inner_text()
        assert "csrf_token" not in page.url
        if index == 0:
            clean(page, f"task-document-{suffix}")
        back_to_tasks(page)
        assert status_of_task(page, f"doc-{doc_type}") == "Selesai"
    assert progress(page) == (total - 1, total)
    assert status_of_task(page, "check") == "Belum dimulai"
    clean(page, f"tasks-ready-{suffix}")

    # Check answers: everything with a way to change it; the declaration must be ticked.
    open_task(page, "check")
    answers = page.locator("main").inner_text()
    assert row["full_name"] in answers and row["kpj"] in answers and row["nik"] not in answers
    assert re.search(r"\*+7890", answers) and "Sudah diisi" in answers
    # One "Ubah" per answer that can change: each document, the bank account, the NPWP.
    rows = page.locator("[id^=check-doc-]").count()
    assert rows >= len(documents) and page.locator(".check-action a").count() == rows + 2
    clean(page, f"check-{suffix}")
    with page.expect_navigation():
        page.locator("#send-claim").click()
    assert_refused_at_the_top(page, "declaration")
    assert "Centang pernyataan" in page.locator("#declaration-error").inner_text()
    clean(page, f"check-declaration-error-{suffix}")
    page.locator("#declaration").check()
    with page.expect_navigation():
        page.locator("#send-claim").click()

    # The confirmation: the reference in large type, what happens next.
    assert page.url.endswith("/terkirim")
    reference = page.locator("#sent-reference").inner_text()
    assert re.fullmatch(r"[A-Z0-9-]+", reference)
    assert "Apa yang terjadi selanjutnya" in page.locator("main").inner_text()
    assert "5 hari kerja" in page.locator("main").inner_text()
    clean(page, f"sent-{suffix}")

    # The claim page now starts with where the claim is and what to do next.
    with page.expect_navigation():
        page.locator("main a.button").click()
    assert page.locator("#claim-status").inner_text() == "Dokumen sedang diperiksa"
    assert "petugas sedang memeriksa" in page.locator("#next-action").inner_text()
    assert status_of_task(page, "check") == "Terkirim"
    clean(page, f"claim-under-review-{suffix}")
    context.close()


def test_a_refused_upload_without_javascript_is_at_the_top_in_english(
    site: Site, browser: Any, tmp_path: Any
) -> None:
    row = sample("contract_end: contract ended yesterday")
    context = browser.new_context(viewport=SMALL_PHONE, java_script_enabled=False)
    page = context.new_page()
    apply(page, site, row, "contract_end", english=True)
    fake = tmp_path / "ktp.pdf"
    fake.write_text("this is not a PDF at all")
    item = open_document(page, "ktp")
    item.locator("input[type=file]").set_input_files(str(fake))
    with page.expect_navigation():
        item.locator(".upload-form button[type=submit]").click()
    assert_refused_at_the_top(page, "files-ktp")
    assert "Not uploaded yet" in page.locator("#doc-ktp .doc-status").inner_text()
    assert page.locator("#files-ktp").get_attribute("aria-invalid") == "true"
    clean(page, "task-document-error-en-nojs")
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_cancelling_asks_once_more(site: Site, browser: Any, javascript: bool) -> None:
    row = sample("resignation: left 3 months ago")
    context = browser.new_context(viewport=SMALL_PHONE, java_script_enabled=javascript)
    page = context.new_page()
    apply(page, site, row, "resignation")
    with page.expect_navigation():
        page.locator("#cancel-link").click()
    assert page.locator("h1").inner_text() == "Batalkan klaim?"
    assert "tidak dapat dibatalkan" in page.locator("#cancel-warning").inner_text()
    clean(page, f"cancel-question-{'js' if javascript else 'nojs'}")
    # "Kembali": nothing happened.
    with page.expect_navigation():
        page.locator("#cancel-back").click()
    assert page.locator("#task-progress").count() == 1
    with page.expect_navigation():
        page.locator("#cancel-link").click()
    with page.expect_navigation():
        page.locator("#cancel-yes").click()
    assert page.url.endswith("?done=cancelled")
    assert page.locator("#claim-status").inner_text() == "Dibatalkan"
    assert page.locator("#cancel-link").count() == 0
    clean(page, f"claim-cancelled-{'js' if javascript else 'nojs'}")
    context.close()
