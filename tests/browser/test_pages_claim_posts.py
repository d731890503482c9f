"""The claim pages over plain HTTP (issue 18): the task list and its count, every form post
answered by a 303 (post/redirect/get), a refusal shown once at the top of its form after the
redirect, the declaration required to send, mail and SMS queued on sending, and cancelling
only after the question."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from claims.models import Claim, ClaimEvent, OutboxMessage
from tests.browser.conftest import SCANS
from tests.browser.test_pages_http import apply_form, csrf_token
from tests.e2e.conftest import Api
from tests.support import attach_documents_directly, sample

RESIGNATION = "resignation: left 3 months ago"  # a balance without NPWP needed


def open_claim(client: TestClient, label: str = RESIGNATION) -> tuple[str, dict[str, str]]:
    row = sample(label)
    created = client.post(
        "/apply", data=apply_form(row, csrf_token(client)), follow_redirects=False
    )
    assert created.status_code == 303, created.text
    return created.headers["location"].split("?")[0].rsplit("/", 1)[1], row


def post(client: TestClient, path: str, data: dict[str, str], token_from: str) -> Response:
    token = csrf_token(client, token_from)
    answer = client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)
    assert answer.status_code == 303, (path, answer.status_code, answer.text[:300])
    return answer


def status_of(api: Api, claim_id: str) -> str:
    with api.db.read_only() as session:
        return str(session.scalar(select(Claim.status).where(Claim.id == claim_id)))


def summary_links(html: str) -> list[str]:
    block = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert block is not None, "no error summary"
    return re.findall(r'href="#([^"]+)"', block.group(0))


def save_bank(api: Api, claim_id: str, holder: str) -> None:
    base = f"/claims/{claim_id}"
    post(
        api.client,
        f"{base}/bank-account",
        {"bank_code": "014", "account_number": "1234567890", "account_holder": holder},
        f"{base}/rekening",
    )


def test_the_task_list_shows_each_task_and_counts_those_done(api: Api) -> None:
    claim_id, row = open_claim(api.client)
    page = api.client.get(f"/claims/{claim_id}").text
    total = int(re.search(r"0 dari (\d+) selesai", page).group(1))  # type: ignore[union-attr]
    assert 'id="task-bank"' in page and 'id="task-check"' in page
    assert 'id="task-doc-ktp"' in page and "Belum dimulai" in page
    # "Periksa dan kirim" cannot start before the rest is done: a row without a link.
    assert re.search(r'id="task-check">\s*<span class="task-name">Periksa dan kirim', page)
    save_bank(api, claim_id, row["full_name"])
    page = api.client.get(f"/claims/{claim_id}?done=bank").text
    assert f"1 dari {total} selesai" in page and "Rekening bank tersimpan." in page
    assert re.search(r'id="task-bank-status">Selesai', page)


def test_every_post_answers_303_and_a_refusal_is_shown_once_at_the_top(api: Api) -> None:
    claim_id, row = open_claim(api.client)
    base = f"/claims/{claim_id}"

    bank = post(
        api.client,
        f"{base}/bank-account",
        {"bank_code": "014", "account_number": "123", "account_holder": row["full_name"]},
        f"{base}/rekening",
    )
    assert bank.headers["location"] == f"{base}/rekening#error-summary"
    shown = api.client.get(f"{base}/rekening")
    assert shown.status_code == 422
    assert "<title>Galat:" in shown.text
    assert summary_links(shown.text) == ["account_number"]
    assert 'value="123"' in shown.text and 'aria-invalid="true"' in shown.text
    # Read once: a reload shows the clean form.
    again = api.client.get(f"{base}/rekening")
    assert again.status_code == 200 and "error-summary" not in again.text

    npwp = post(api.client, f"{base}/npwp", {"npwp": "12"}, f"{base}/npwp")
    assert npwp.headers["location"] == f"{base}/npwp#error-summary"
    shown = api.client.get(f"{base}/npwp")
    assert shown.status_code == 422 and summary_links(shown.text) == ["npwp"]

    # The upload without JavaScript: the token rides in the action's query; the answer's
    # address never holds it.
    form = api.client.get(f"{base}/dokumen/ktp").text
    token = re.search(r'data-csrf="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    refused = api.client.post(
        f"{base}/documents/ktp?csrf_token={token}",
        files=[("files", ("ktp.pdf", b"not a pdf at all", "application/pdf"))],
        follow_redirects=False,
    )
    assert refused.status_code == 303
    assert refused.headers["location"] == f"{base}/dokumen/ktp#error-summary"
    shown = api.client.get(f"{base}/dokumen/ktp")
    assert shown.status_code == 422 and summary_links(shown.text) == ["files-ktp"]
    assert "Berkas ke-1: Jenis berkas tidak didukung" in shown.text
    stored = api.client.post(
        f"{base}/documents/ktp?csrf_token={token}",
        files=[("files", ("ktp.jpg", (SCANS / "ktp.jpg").read_bytes(), "image/jpeg"))],
        follow_redirects=False,
    )
    assert stored.status_code == 303
    assert stored.headers["location"] == f"{base}/dokumen/ktp?done=saved"
    assert "csrf_token" not in stored.headers["location"]
    assert "e-KTP tersimpan." in api.client.get(stored.headers["location"]).text

    save_bank(api, claim_id, row["full_name"])
    cancel = post(api.client, f"{base}/cancel", {}, f"{base}/batalkan")
    assert cancel.headers["location"] == f"{base}/batalkan"
    assert status_of(api, claim_id) == "documents_pending"


def test_a_refused_submission_names_what_is_missing_in_plain_words(api: Api) -> None:
    claim_id, _ = open_claim(api.client)
    base = f"/claims/{claim_id}"
    # The check page offers no send button while tasks are open, and lists them...
    check = api.client.get(f"{base}/periksa").text
    assert 'id="check-unfinished"' in check and 'id="send-claim"' not in check
    # ...and a post all the same (an old tab) comes back with the missing items by name.
    # (the token of the session, from a page that has a form)
    answer = post(api.client, f"{base}/submit", {"declaration": "yes"}, f"{base}/rekening")
    assert answer.headers["location"] == f"{base}/periksa#error-summary"
    shown = api.client.get(f"{base}/periksa")
    assert shown.status_code == 422 and "<title>Galat:" in shown.text
    assert "check-bank" in summary_links(shown.text)
    block = re.search(r'<div class="error-summary".*?</div>', shown.text, re.S)
    words = re.findall(r">([^<]+)</a>", block.group(0))  # type: ignore[union-attr]
    assert "Rekening bank: Belum diisi" in words and "e-KTP: Belum diunggah" in words
    assert not any("_" in text for text in words), words  # labels, never codes
    assert status_of(api, claim_id) == "documents_pending"


def test_sending_needs_the_declaration_then_mails_texts_and_records_it(api: Api) -> None:
    claim_id, row = open_claim(api.client)
    base = f"/claims/{claim_id}"
    attach_documents_directly(api.db, claim_id)
    save_bank(api, claim_id, row["full_name"])
    check = api.client.get(f"{base}/periksa").text
    assert 'id="send-claim"' in check and "Ubah" in check and "*" in check  # masked account
    assert row["nik"] not in check

    unticked = post(api.client, f"{base}/submit", {}, f"{base}/periksa")
    assert unticked.headers["location"] == f"{base}/periksa#error-summary"
    shown = api.client.get(f"{base}/periksa")
    assert shown.status_code == 422 and summary_links(shown.text) == ["declaration"]
    assert 'id="declaration-error"' in shown.text
    assert status_of(api, claim_id) == "documents_pending"

    sent = post(api.client, f"{base}/submit", {"declaration": "yes"}, f"{base}/periksa")
    assert sent.headers["location"] == f"{base}/terkirim"
    assert status_of(api, claim_id) == "under_review"
    confirmation = api.client.get(f"{base}/terkirim").text
    with api.db.read_only() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        assert claim.reference in confirmation
        event = session.scalars(
            select(ClaimEvent).where(
                ClaimEvent.claim_id == claim_id, ClaimEvent.trigger == "submit"
            )
        ).one()
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.claim_id == claim_id)
        ).all()
    assert "Apa yang terjadi selanjutnya" in confirmation and "5 hari kerja" in confirmation
    assert event.data["declaration"]["ticked"] is True and event.data["declaration"]["at"]
    submitted = {m.kind for m in messages if m.payload.get("template") == "claim_submitted"}
    assert submitted == {"notification", "sms"}
    # The check page is done with: it leads to the claim, which says what happens now.
    assert api.client.get(f"{base}/periksa", follow_redirects=False).status_code == 303
    page = api.client.get(base).text
    assert 'id="next-action"' in page and "petugas sedang memeriksa" in page


def test_cancel_asks_once_more_and_only_then_cancels(api: Api) -> None:
    claim_id, _ = open_claim(api.client)
    base = f"/claims/{claim_id}"
    assert f'href="{base}/batalkan"' in api.client.get(base).text
    question = api.client.get(f"{base}/batalkan")
    assert question.status_code == 200
    assert "Batalkan klaim?" in question.text and "tidak dapat dibatalkan" in question.text
    assert f'href="{base}"' in question.text  # "Kembali"
    unconfirmed = post(api.client, f"{base}/cancel", {}, f"{base}/batalkan")
    assert unconfirmed.headers["location"] == f"{base}/batalkan"
    assert status_of(api, claim_id) == "documents_pending"
    done = post(api.client, f"{base}/cancel", {"confirm": "ya"}, f"{base}/batalkan")
    assert done.headers["location"] == f"{base}?done=cancelled"
    assert status_of(api, claim_id) == "cancelled"
    page = api.client.get(done.headers["location"]).text
    assert "Klaim dibatalkan." in page and 'href="/apply"' in page
    # Cancelled: the question is not asked again.
    assert api.client.get(f"{base}/batalkan", follow_redirects=False).status_code == 303
