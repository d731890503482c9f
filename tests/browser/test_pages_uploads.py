"""Uploads for poor connections in a real Chromium (issue 18): a 12 MP photo with an EXIF
orientation is reduced on the phone to at most 1.5 MB and stored the right way up; an 11 MB
PDF is refused before any request; a send that fails (aborted, or stalled past the timeout) is
tried again, then its bar turns red with a message and a button that sends it again; and the
page asks before leaving while picked files are not sent."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from claims.catalogues import message
from claims.models import Document, DocumentFile
from claims.pages.page import TEMPLATES, Page
from claims.uploads.service import document_services
from documents.limits import UploadLimits
from tests.browser.conftest import PHONE, ROOT, Site, shoot
from tests.browser.pages import apply, check_accessibility
from tests.corpus import big_pdf
from tests.support import sample

pytestmark = pytest.mark.browser

PHOTO_TARGET = 1_500_000
UPLOAD_API = re.compile(r"/api/v1/claims/[0-9a-f-]{36}/documents/ktp$")


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(viewport=PHONE)
    yield context
    context.close()


def claim_page(site: Site, phone: Any) -> tuple[Any, str]:
    """A new claim's e-KTP page (its task), where the upload form and the stored files are."""
    page = phone.new_page()
    claim_id = apply(page, site, sample("resignation: left 3 months ago"), "resignation")
    page.goto(site.url(f"/claims/{claim_id}/dokumen/ktp"))
    return page, claim_id


def stored_ktp(site: Site, claim_id: str) -> tuple[Document | None, list[DocumentFile]]:
    with site.db.read_only() as session:
        document = session.scalar(
            select(Document).where(Document.claim_id == claim_id, Document.doc_type == "ktp")
        )
        files = list(session.scalars(select(DocumentFile).where(DocumentFile.claim_id == claim_id)))
        return document, files


def twelve_megapixel_photo(folder: Path) -> Path:
    """4000 x 3000 pixels stored landscape with EXIF orientation 6 (turn 90 degrees): the
    photo of a document held upright, as a phone's camera writes it. Coarse noise, scaled up,
    so that it is a few MB like a real photo, not a flat colour that compresses to nothing."""
    noise = Image.frombytes("RGB", (400, 300), bytes(range(256)) * 1406 + bytes(64))
    photo = noise.resize((4000, 3000), Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = folder / "ktp-foto.jpg"
    photo.save(path, "JPEG", quality=95, exif=exif.tobytes())
    return path


def script_words(script: str, language: str) -> dict[str, str]:
    block = re.search(language + r": \{(.*?)\n    \}", script, re.DOTALL)
    assert block is not None
    return dict(re.findall(r'(\w+): "((?:[^"\\]|\\.)*)"', block.group(1)))


def test_the_script_knows_the_servers_limits_and_the_pages_words() -> None:
    script = (ROOT / "claims" / "static" / "upload.js").read_text()
    limits = UploadLimits()
    assert f"maxFileBytes: {limits.max_file_bytes // 1_000_000} * MB" in script
    assert f"maxFiles: {limits.max_files}," in script
    # Its own copy of the words, for a page without the #upload-words block, is the pages'.
    template = (ROOT / "claims" / "templates" / "_upload_words.html").read_text()
    handed = {key.replace("-", "_") for key in re.findall(r"data-([a-z-]+)=", template)}
    for language in ("id", "en"):
        own = script_words(script, language)
        assert set(own) == handed
        assert own == {key: message(f"upload_{key}", language) for key in own}


def test_a_12_megapixel_photo_is_reduced_on_the_phone_and_kept_upright(
    site: Site, phone: Any, tmp_path: Path
) -> None:
    photo = twelve_megapixel_photo(tmp_path)
    assert photo.stat().st_size > PHOTO_TARGET
    page, claim_id = claim_page(site, phone)
    sent: list[int] = []
    page.on(
        "request",
        lambda request: (
            sent.append(len(request.post_data_buffer or b""))
            if request.method == "PUT" and UPLOAD_API.search(request.url)
            else None
        ),
    )
    item = page.locator("#doc-ktp")
    # Picked, then sent at once: no second tap.
    item.locator("input[type=file]").set_input_files(str(photo))
    item.locator(".upload-result").filter(has_text="1 halaman").wait_for(timeout=60_000)
    assert len(sent) == 1 and sent[0] <= PHOTO_TARGET + 2_000  # the multipart framing

    document, files = stored_ktp(site, claim_id)
    assert document is not None and len(files) == 1
    assert files[0].size_bytes <= PHOTO_TARGET and files[0].filename == "ktp-foto.jpg"
    stored = document_services(site.runtime).storage.path(document.storage_key)
    box = PdfReader(io.BytesIO(stored.read_bytes())).pages[0].mediabox
    assert float(box.width) < float(box.height)  # portrait: the EXIF turn was kept


def test_an_11_mb_pdf_is_refused_before_any_request(site: Site, phone: Any, tmp_path: Path) -> None:
    big = tmp_path / "scan-besar.pdf"
    big.write_bytes(big_pdf(11_000_000))
    page, claim_id = claim_page(site, phone)
    requests: list[str] = []
    item = page.locator("#doc-ktp")
    # Every request but the page's static files (its icon comes whenever Chromium likes).
    page.on(
        "request",
        lambda request: (
            requests.append(f"{request.method} {request.url}")
            if "/static/" not in request.url
            else None
        ),
    )
    item.locator("input[type=file]").set_input_files(str(big))
    error = item.locator(".field-error")
    error.wait_for()
    assert re.fullmatch(
        r"scan-besar\.pdf: 11,\d MB, lebih dari batas 10,0 MB per berkas\. "
        r"Pilih berkas yang lebih kecil\.",
        error.inner_text(),
    )
    assert item.locator("input[type=file]").get_attribute("aria-invalid") == "true"
    # Emptied: the send button has nothing to send (the browser says so), still no request.
    assert item.locator("input[type=file]").evaluate("input => input.files.length") == 0
    item.locator(".upload-form button[type=submit]").click()
    assert requests == []
    assert stored_ktp(site, claim_id) == (None, [])
    check_accessibility(page)

    # With the page's words block (here in English), the script speaks the page's words.
    english = Page(
        request=None,  # type: ignore[arg-type]  (only the words are used)
        runtime=site.runtime,
        language="en",
        csrf_token="",
        new_csrf_value=None,
    )
    block = TEMPLATES.get_template("_upload_words.html").render(t=english.t)
    page.locator("main").evaluate(
        "(main, html) => main.insertAdjacentHTML('afterbegin', html)", block
    )
    item.locator("input[type=file]").set_input_files(str(big))
    page.wait_for_function(
        "() => document.querySelector('#doc-ktp .field-error').textContent.includes('over the limit')"
    )
    assert re.match(r"scan-besar\.pdf: 11,\d MB, over the limit of 10,0 MB", error.inner_text())
    assert requests == []


def test_a_failed_send_is_retried_then_turns_red_and_sends_again(
    site: Site, phone: Any, tmp_path: Path
) -> None:
    scan = ROOT / "samples" / "scans" / "ktp.jpg"
    page, claim_id = claim_page(site, phone)
    form = page.locator("#doc-ktp form.upload-form")
    # A short stall limit and pause, so that the test does not wait a minute.
    form.evaluate(
        "f => { f.dataset.stallMs = '500'; f.dataset.retries = '1'; "
        "f.dataset.retryDelayMs = '50'; }"
    )
    attempts: list[str] = []

    def cut(route: Any) -> None:
        attempts.append(route.request.method)
        if len(attempts) == 2:
            route.abort("connectionreset")  # the second try: the connection drops
        # the first try: no answer at all, until the stall limit cuts it

    page.route(UPLOAD_API, cut)
    form.locator("input[type=file]").set_input_files(str(scan))
    retry = form.locator(".upload-retry")
    retry.wait_for()
    assert attempts == ["PUT", "PUT"]
    row = form.locator(".progress-list li")
    assert "upload-failed" in (row.get_attribute("class") or "")
    assert "gagal" in row.inner_text()
    bar = row.locator("progress")
    assert bar.evaluate("e => getComputedStyle(e).accentColor") == "rgb(179, 38, 30)"  # --error
    assert bar.evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(179, 38, 30)"
    assert "Pengiriman gagal" in form.locator(".field-error").inner_text()
    assert stored_ktp(site, claim_id) == (None, [])
    check_accessibility(page)
    shoot(page, "claim-upload-failed")

    page.unroute(UPLOAD_API)
    # Back to the real stall limit: a loaded test machine may take more than 500 ms to merge.
    form.evaluate("f => { f.dataset.stallMs = '60000'; }")
    retry.click()
    form.locator(".upload-result").filter(has_text="1 halaman").wait_for(timeout=60_000)
    assert "upload-failed" not in (row.get_attribute("class") or "")
    assert form.locator(".upload-retry").count() == 0
    assert form.locator(".field-error").is_hidden()
    document, files = stored_ktp(site, claim_id)
    assert document is not None and [f.filename for f in files] == ["ktp.jpg"]


def test_leaving_with_files_not_sent_asks_first(site: Site, phone: Any) -> None:
    scan = ROOT / "samples" / "scans" / "ktp.jpg"
    page, _ = claim_page(site, phone)
    page.route(UPLOAD_API, lambda route: None)  # the send never ends
    page.locator("h1").click()  # a user gesture: Chromium asks only on a page used
    page.locator("#doc-ktp input[type=file]").set_input_files(str(scan))
    page.locator("#doc-ktp .upload-result").filter(has_text="Mengirim").wait_for()
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.close(run_before_unload=True)
    page.wait_for_event("close")
    assert asked == ["beforeunload"]


def test_the_stored_files_list_is_filled_after_a_send_and_removes_a_file(
    site: Site, phone: Any
) -> None:
    """The list of `_document_files.html` on the document's page, empty and hidden at first,
    is filled by upload.js after a send, and its "Hapus" form removes one file and comes
    back to the document."""
    page, claim_id = claim_page(site, phone)
    item = page.locator("#doc-ktp")
    assert page.locator("#stored-ktp").is_hidden()

    scans = ROOT / "samples" / "scans"
    item.locator("input[type=file]").set_input_files(
        [str(scans / "ktp.jpg"), str(scans / "surat_berhenti_bekerja.pdf")]
    )
    rows = page.locator("#stored-ktp .stored-file")
    rows.nth(1).wait_for(timeout=60_000)
    assert rows.locator(".stored-file-name").all_inner_texts() == [
        "ktp.jpg",
        "surat_berhenti_bekerja.pdf",
    ]
    assert "36 KB" in rows.nth(0).inner_text() and "1 halaman" in rows.nth(0).inner_text()
    view = rows.nth(0).get_by_role("link", name="Lihat ktp.jpg")
    assert view.get_attribute("href", timeout=1000) is not None
    check_accessibility(page)
    shoot(page, "claim-stored-files")

    with page.expect_navigation():
        rows.nth(0).get_by_role("button", name="Hapus ktp.jpg").click()
    assert page.url.endswith(f"/claims/{claim_id}/dokumen/ktp?done=file_removed")
    assert page.locator("#stored-ktp .stored-file-name").all_inner_texts() == [
        "surat_berhenti_bekerja.pdf"
    ]
    document, files = stored_ktp(site, claim_id)
    assert document is not None and [f.filename for f in files] == ["surat_berhenti_bekerja.pdf"]
