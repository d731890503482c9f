"""The applicant's pages in a real Chromium: a whole claim with JavaScript (progress bars) and
without it (plain form posts), a document sent back and uploaded again, the interview shown at
the top of the claim, tracking, field errors, and labels and contrast on a phone and a desktop
screen. (The task list's journey with axe-core: test_pages_claim_journey.py.)"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import DESKTOP, PHONE, Site, shoot
from tests.browser.pages import (
    NPWP,
    apply,
    back_to_tasks,
    check_accessibility,
    fill_bank,
    officer,
    open_document,
    open_task,
    required_documents,
    send_claim,
    upload_with_javascript,
    upload_without_javascript,
)
from tests.support import add_staff, create, new_claim_request, sample
from workflow.states import ClaimReason

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(viewport=PHONE)
    yield context
    context.close()


def csp_violations(page: Any) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


def test_full_claim_with_javascript_shows_progress_per_file(site: Site, phone: Any) -> None:
    row = sample("resignation: left 3 months ago")
    page = phone.new_page()
    violations = csp_violations(page)
    claim_id = apply(page, site, row, "resignation")

    cookie = next(c for c in phone.cookies() if c["name"] == "jht_claim")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("jht_claim") == -1
    assert "dibuat" in page.locator(".notice.success").inner_text()
    shoot(page, "claim-new")

    documents = required_documents(page)
    assert "ktp" in documents and "kartu_peserta" in documents
    for doc_type in documents:
        upload_with_javascript(page, doc_type)
        item = page.locator(f"#doc-{doc_type}")
        bars = item.locator("progress")
        assert bars.count() == 2
        assert bars.evaluate_all("els => els.map(e => e.value)") == [100, 100]
        assert "Dokumen tersimpan: 3 halaman." in item.locator(".upload-result").inner_text()
        assert "Terunggah" in item.locator("[data-role=status]").inner_text()
        # The upload went through the API by XHR: the document's page never navigated.
        assert page.url.endswith(f"/dokumen/{doc_type}")
        if doc_type == documents[0]:
            shoot(page, "claim-uploaded-js")
        back_to_tasks(page)
        assert page.locator(f"#task-doc-{doc_type}-status").inner_text() == "Selesai"

    open_task(page, "bank")
    fill_bank(page, row["full_name"])
    assert re.search(r"done=bank", page.url)
    assert page.locator("#task-bank-status").inner_text() == "Selesai"
    open_task(page, "bank")
    assert re.search(r"BCA \*+7890", page.locator("#saved-account").inner_text())
    back_to_tasks(page)

    send_claim(page)
    assert page.url.endswith("/terkirim")
    with page.expect_navigation():
        page.locator("main a.button").click()
    assert page.locator("#claim-status").inner_text() == "Dokumen sedang diperiksa"
    open_task(page, f"doc-{documents[0]}")
    assert page.locator("form.upload-form").count() == 0
    shoot(page, "claim-submitted")
    assert violations == []
    assert claim_id in page.url


def test_full_claim_without_javascript_in_english(site: Site, browser: Any) -> None:
    row = sample("resignation: balance 80.000.000 (tax example)")
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    claim_id = apply(page, site, row, "resignation", english=True)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#estimate-gross").inner_text() == "Rp 80.000.000"

    # Checking too early lists what is still to do, in plain words, each a link to its task.
    page.goto(site.url(f"/claims/{claim_id}/periksa"))
    missing = page.locator("#check-unfinished").inner_text()
    assert "First complete:" in missing
    assert "Bank account" in missing and "NPWP" in missing and "e-KTP" in missing
    assert page.locator("#send-claim").count() == 0
    back_to_tasks(page)

    open_task(page, "npwp")
    page.get_by_label("NPWP number (15 or 16 digits)").fill(NPWP)
    with page.expect_navigation():
        page.locator("form[action$='/npwp'] button[type=submit]").click()
    assert page.locator("#estimate-tax").inner_text() == "Rp 1.500.000"
    assert page.locator("#estimate-net").inner_text() == "Rp 78.500.000"

    open_task(page, "bank")
    fill_bank(page, "Someone Else", number="123", bank="002")
    account = page.locator("#account_number")
    assert account.get_attribute("aria-invalid") == "true"
    assert "10 to 16 digits" in page.locator("#account_number-error").inner_text()
    assert "account_number-error" in (account.get_attribute("aria-describedby") or "")
    assert page.title().startswith("Error:")
    shoot(page, "claim-bank-error")

    fill_bank(page, "Someone Else", number="0987654321", bank="002")
    assert "own name" in page.locator("#account_holder-error").inner_text()
    fill_bank(page, row["full_name"], number="0987654321", bank="002")
    assert "done=bank" in page.url

    for doc_type in required_documents(page):
        upload_without_javascript(page, doc_type)
        assert page.url.endswith(f"/dokumen/{doc_type}?done=saved")
        assert "3 pages" in page.locator(f"#doc-{doc_type} .doc-status").inner_text()
        back_to_tasks(page)
    assert page.locator("progress").count() == 0

    send_claim(page)
    assert page.url.endswith("/terkirim")
    page.goto(site.url(f"/claims/{claim_id}"))
    assert page.locator("#claim-status").inner_text() == "Documents under review"
    history = page.locator("#history").inner_text()
    assert "Completing documents" in history and "Documents under review" in history
    shoot(page, "claim-submitted-nojs")
    context.close()


def test_document_sent_back_reuploaded_then_the_interview_shown(site: Site, phone: Any) -> None:
    row = sample("resignation: left 3 months ago")  # branch DPS-RNN, Asia/Makassar (WITA)
    staff = add_staff(site.db, row["_branch"])
    page = phone.new_page()
    claim_id = apply(page, site, row, "resignation")
    documents = required_documents(page)
    for doc_type in documents:
        upload_with_javascript(page, doc_type)
        back_to_tasks(page)
    open_task(page, "bank")
    fill_bank(page, row["full_name"])
    send_claim(page)

    decisions = [
        {"doc_type": d, "decision": "accepted"}
        if d != "ktp"
        else {
            "doc_type": d,
            "decision": "rejected",
            "reason_code": "document_unreadable",
            "note": "Foto buram",
        }
        for d in documents
    ]
    verifier = staff.tokens["verifier"]
    sent_back = officer(
        site,
        verifier,
        "POST",
        f"/api/v1/officer/claims/{claim_id}/document-review",
        {"decisions": decisions},
    )
    assert sent_back["status"] == "revision_requested"

    page.goto(site.url(f"/claims/{claim_id}"))
    assert page.locator("#claim-status").inner_text() == "Perlu perbaikan"
    assert "Perlu diperbaiki" in page.locator("#next-action").inner_text()
    assert page.locator("#task-doc-ktp-status").inner_text() == "Perlu diperbaiki"
    assert page.locator("#task-doc-kartu_peserta-status").inner_text() == "Diterima"
    assert page.locator("#task-check-status").inner_text() == "Belum dapat dimulai"
    assert_no_axe_violations(page)
    shoot(page, "claim-sent-back")
    ktp = open_document(page, "ktp")
    assert "Dikembalikan" in ktp.locator(".doc-status").inner_text()
    reason = ktp.locator(".sent-back").inner_text()
    assert "Dokumen tidak dapat dibaca" in reason and "Foto buram" in reason

    upload_with_javascript(page, "ktp")
    assert ktp.locator(".sent-back").count() == 0
    back_to_tasks(page)
    assert page.locator("#task-doc-ktp-status").inner_text() == "Selesai"
    assert page.locator("#task-check-status").inner_text() == "Belum dimulai"
    send_claim(page)
    assert page.url.endswith("/terkirim")

    accepted = officer(
        site,
        verifier,
        "POST",
        f"/api/v1/officer/claims/{claim_id}/document-review",
        {"decisions": [{"doc_type": "ktp", "decision": "accepted"}]},
    )
    assert accepted["status"] == "interview_scheduled", accepted
    starts = datetime.fromisoformat(accepted["interview"]["starts_at"]).astimezone(
        ZoneInfo("Asia/Makassar")
    )
    page.goto(site.url(f"/claims/{claim_id}"))
    # At the top: the interview's time, the way to its page, and what to do.
    when = page.locator("#interview-time").inner_text()
    assert f"{starts:%d-%m-%Y %H:%M}–" in when and when.endswith(" WITA")
    assert page.locator("#interview-link").get_attribute("href") == f"/claims/{claim_id}/wawancara"
    assert "wawancara video" in page.locator("#next-action").inner_text()
    check_accessibility(page)
    assert_no_axe_violations(page)
    shoot(page, "claim-interview")


def test_tracking_shows_five_steps_and_nothing_personal(site: Site, browser: Any) -> None:
    row = sample("termination: PHK 3 months ago")
    create(site.db, new_claim_request(row, ClaimReason.termination))
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(site.url("/track"))
        page.get_by_label("Nomor KPJ (11 angka)", exact=True).fill(row["kpj"])
        page.locator("form[action='/track'] button[type=submit]").click()
        article = page.locator("article.tracked")
        article.wait_for()
        steps = article.locator("ol.steps li")
        assert steps.all_inner_texts()[0].startswith("1")
        labels = article.locator(".step-label").all_inner_texts()
        assert labels == [
            "Pengajuan klaim",
            "Verifikasi dokumen",
            "Wawancara",
            "Persetujuan",
            "Pembayaran",
        ]
        current = article.locator("[aria-current=step] .step-label")
        assert current.inner_text() == "Pengajuan klaim"
        assert "Menunggu tindakan Anda" in article.inner_text()
        assert "Lengkapi dokumen" in article.inner_text()
        text = page.content()
        assert row["full_name"] not in text and row["nik"] not in text and row["email"] not in text
        check_accessibility(page)
        shoot(page, f"track-result-{name}")
        context.close()


def test_apply_errors_are_tied_to_their_fields_and_eligibility_is_plain(
    site: Site, phone: Any
) -> None:
    page = phone.new_page()
    page.goto(site.url("/apply"))
    page.get_by_label("Nomor KPJ", exact=True).fill("123")
    page.get_by_label("NIK (16 angka)", exact=True).fill("3171019999990000")
    page.get_by_label("Tanggal lahir", exact=True).fill("31-02-1990")
    page.locator("form[action='/apply'] button[type=submit]").click()
    for field, words in (
        ("kpj", "11 angka"),
        ("nik", "NIK"),
        ("birth_date", "Tanggal ini tidak ada"),
        ("email", "Wajib diisi"),
    ):
        control = page.locator(f"#{field}")
        assert control.get_attribute("aria-invalid") == "true", field
        assert f"{field}-error" in (control.get_attribute("aria-describedby") or "")
        assert words in page.locator(f"#{field}-error").inner_text()
    assert page.locator("#kpj").input_value() == "123"
    check_accessibility(page)
    shoot(page, "apply-errors")

    row = sample("resignation: left 2 weeks ago (not yet)")
    page.goto(site.url("/apply"))
    from tests.browser.pages import fill_apply

    fill_apply(page, row, "resignation")
    page.locator("form[action='/apply'] button[type=submit]").click()
    notice = page.locator("#eligibility").inner_text()
    assert re.search(r"Anda dapat mengajukan klaim mulai \d{2}-\d{2}-\d{4}\.", notice), notice
    shoot(page, "apply-not-eligible")

    page.goto(site.url("/apply?lang=en"))
    fill_apply(page, row, "resignation", english=True)
    page.locator("form[action='/apply'] button[type=submit]").click()
    notice = page.locator("#eligibility").inner_text()
    assert re.search(r"You can claim from \d{2}-\d{2}-\d{4}\.", notice), notice
    # The language is remembered.
    page.goto(site.url("/track"))
    assert page.locator("h1").inner_text() == "Track a claim"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_has_labels_contrast_and_fits_the_screen(
    site: Site, browser: Any, viewport: dict[str, int]
) -> None:
    row = sample("resignation: left 3 months ago")
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    violations = csp_violations(page)
    for path, name in (("/", "home"), ("/apply", "apply"), ("/track", "track")):
        page.goto(site.url(path))
        check_accessibility(page)
        shoot(page, name)
    page.goto(site.url("/?lang=en"))
    check_accessibility(page)
    shoot(page, "home-en")
    apply(page, site, row, "resignation")
    check_accessibility(page)
    shoot(page, "claim")
    # Keyboard: the first Tab reaches the skip link, which leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert violations == []
    context.close()
