"""The applicant's pages in a real Chromium: a whole claim with JavaScript (progress bars) and
without it (plain form posts), a document sent back and uploaded again, the interview and its
rebooking, tracking, field errors, and labels and contrast on a phone and a desktop screen."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import DESKTOP, PHONE, Site, shoot
from tests.browser.pages import (
    NPWP,
    apply,
    check_accessibility,
    officer,
    required_documents,
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
    assert (
        "Klaim dibuat" in page.locator(".notice.success").inner_text() or "dibuat" in page.content()
    )
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
    # The uploads went through the API by XHR: the page never navigated.
    assert page.url.endswith("?done=created")
    shoot(page, "claim-uploaded-js")

    page.reload()
    for doc_type in documents:
        assert "3 halaman" in page.locator(f"#doc-{doc_type} .doc-status").inner_text()
    page.locator("#bank_code").select_option("014")
    page.get_by_label("Nomor rekening", exact=True).fill("1234567890")
    page.get_by_label("Nama pemilik rekening", exact=True).fill(row["full_name"])
    page.locator("#bank button[type=submit]").click()
    page.wait_for_url(re.compile(r"done=saved&in=bank"))
    bank = page.locator("#bank").inner_text()
    assert re.search(r"BCA \*+7890", bank) and "Tersimpan." in bank

    page.locator("#submit button[type=submit]").click()
    page.wait_for_url(re.compile(r"done=submitted"))
    assert page.locator("#claim-status").inner_text() == "Dokumen sedang diperiksa"
    assert page.locator("form.upload-form").count() == 0
    shoot(page, "claim-submitted")
    assert violations == []
    assert claim_id in page.url


def test_full_claim_without_javascript_in_english(site: Site, browser: Any) -> None:
    row = sample("resignation: balance 80.000.000 (tax example)")
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    apply(page, site, row, "resignation", english=True)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#estimate-gross").inner_text() == "Rp 80.000.000"

    # Submitting too early lists what is missing, in plain words.
    page.locator("#submit button[type=submit]").click()
    missing = page.locator("#submit-error").inner_text()
    assert "Still missing:" in missing
    assert "Bank account" in missing and "NPWP number" in missing and "e-KTP" in missing

    page.get_by_label("NPWP number").fill(NPWP)
    with page.expect_navigation():
        page.locator("#tax-number button[type=submit]").click()
    assert page.locator("#estimate-tax").inner_text() == "Rp 1.500.000"
    assert page.locator("#estimate-net").inner_text() == "Rp 78.500.000"

    page.locator("#bank_code").select_option("002")
    page.get_by_label("Account number", exact=True).fill("123")
    page.get_by_label("Account holder", exact=True).fill("Someone Else")
    page.locator("#bank button[type=submit]").click()
    account = page.locator("#account_number")
    assert account.get_attribute("aria-invalid") == "true"
    assert "10 to 16 digits" in page.locator("#account_number-error").inner_text()
    assert "account_number-error" in (account.get_attribute("aria-describedby") or "")
    shoot(page, "claim-bank-error")

    account.fill("0987654321")
    page.get_by_label("Account holder", exact=True).fill("Someone Else")
    page.locator("#bank button[type=submit]").click()
    assert "own name" in page.locator("#account_holder-error").inner_text()
    page.get_by_label("Account holder", exact=True).fill(row["full_name"])
    with page.expect_navigation():
        page.locator("#bank button[type=submit]").click()

    for doc_type in required_documents(page):
        upload_without_javascript(page, doc_type)
        assert "done=saved" in page.url
        assert "3 pages" in page.locator(f"#doc-{doc_type} .doc-status").inner_text()
    assert page.locator("progress").count() == 0

    with page.expect_navigation():
        page.locator("#submit button[type=submit]").click()
    assert page.locator("#claim-status").inner_text() == "Documents under review"
    history = page.locator("#history").inner_text()
    assert "Completing documents" in history and "Documents under review" in history
    shoot(page, "claim-submitted-nojs")
    context.close()


def test_upload_refused_without_javascript_is_shown_next_to_the_field(
    site: Site, browser: Any, tmp_path: Any
) -> None:
    row = sample("contract_end: contract ended yesterday")
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    apply(page, site, row, "contract_end")
    fake = tmp_path / "ktp.pdf"
    fake.write_text("this is not a PDF at all")
    page.locator("#files-ktp").set_input_files(str(fake))
    page.locator("#doc-ktp button[type=submit]").click()
    field = page.locator("#files-ktp")
    assert field.get_attribute("aria-invalid") == "true"
    assert "Jenis berkas tidak didukung" in page.locator("#files-ktp-error").inner_text()
    assert "Belum diunggah" in page.locator("#doc-ktp .doc-status").inner_text()
    context.close()


def test_document_sent_back_reuploaded_then_interview_rebooked(site: Site, phone: Any) -> None:
    row = sample("resignation: left 3 months ago")  # branch DPS-RNN, Asia/Makassar (WITA)
    staff = add_staff(site.db, row["_branch"])
    page = phone.new_page()
    claim_id = apply(page, site, row, "resignation")
    documents = required_documents(page)
    for doc_type in documents:
        upload_with_javascript(page, doc_type)
    page.reload()
    page.locator("#bank_code").select_option("014")
    page.get_by_label("Nomor rekening", exact=True).fill("1234567890")
    page.get_by_label("Nama pemilik rekening", exact=True).fill(row["full_name"])
    page.locator("#bank button[type=submit]").click()
    page.wait_for_url(re.compile("done=saved"))
    page.locator("#submit button[type=submit]").click()
    page.wait_for_url(re.compile("done=submitted"))

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
    ktp = page.locator("#doc-ktp")
    assert "Dikembalikan" in ktp.locator(".doc-status").inner_text()
    reason = ktp.locator(".sent-back").inner_text()
    assert "Dokumen tidak dapat dibaca" in reason and "Foto buram" in reason
    assert "Diterima" in page.locator("#doc-kartu_peserta .doc-status").inner_text()
    shoot(page, "claim-sent-back")

    upload_with_javascript(page, "ktp")
    assert ktp.locator(".sent-back").count() == 0
    page.locator("#submit button[type=submit]").click()
    page.wait_for_url(re.compile("done=submitted"))
    assert page.locator("#claim-status").inner_text() == "Dokumen sedang diperiksa"

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
    when = page.locator("#interview-time").inner_text()
    assert f"{starts:%d-%m-%Y %H:%M}–" in when and when.endswith(" WITA")
    check_accessibility(page)
    options = page.locator("#starts_at option")
    assert options.count() > 2
    choice = options.nth(2)
    chosen_text = choice.inner_text()
    page.locator("#starts_at").select_option(choice.get_attribute("value"))
    shoot(page, "claim-interview")
    page.locator("#interview button[type=submit]").click()
    page.wait_for_url(re.compile("done=rebooked"))
    assert page.locator("#interview-time").inner_text() == chosen_text
    assert "Wawancara terjadwal" in page.locator("#history").inner_text()


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
