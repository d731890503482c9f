"""Documents over HTTP after they are stored (issue 4): downloads and the officer bundle as
attachments with nosniff, removal, another claim's token, the officer's review with reason
codes (send-back and re-upload), and the reused-document fraud flag."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.corpus import embedded_font_pages_pdf, image_only_findings, jbig2_pdf, jpeg, pdf_pages
from tests.e2e.conftest import Api
from tests.e2e.upload_support import (
    RESIGNATION,
    ClaimHandle,
    bearer,
    claim_state,
    create_claim,
    document_rows,
    put_files,
    sha256,
)
from tests.support import add_staff, sample

TERMINATION = "termination: PHK 3 months ago"


def required_types(api: Api, claim: ClaimHandle) -> list[str]:
    _, _, checklist = claim_state(api.client, claim)
    return [item["doc_type"] for item in checklist if item["required"]]


def ready_to_submit(api: Api, claim: ClaimHandle, label: str = RESIGNATION) -> list[str]:
    holder = sample(label)["full_name"]
    answer = api.client.put(
        f"/api/v1/claims/{claim.id}/bank-account",
        json={"bank_code": "014", "account_number": "1234567890", "account_holder": holder},
        headers=claim.auth,
    )
    assert answer.status_code == 200, answer.text
    types = required_types(api, claim)
    for index, doc_type in enumerate(types):
        stored = put_files(
            api.client, claim, doc_type, [(f"{doc_type}.pdf", pdf_pages(index + 1, doc_type))]
        )
        assert stored.status_code == 200, stored.text
    return types


def assert_attachment(answer, filename_part: str) -> bytes:  # type: ignore[no-untyped-def]
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment;") and filename_part in disposition
    assert answer.headers["x-content-type-options"] == "nosniff"
    return bytes(answer.content)


def test_downloads_bundle_delete_and_other_claims(api: Api) -> None:
    claim = create_claim(api.client)
    staff = add_staff(api.db, claim.branch)
    officer = bearer(staff.tokens["verifier"])
    types = ready_to_submit(api, claim)
    rows = {doc_type: (key, digest) for doc_type, key, digest in document_rows(api.db, claim.id)}

    for index, doc_type in enumerate(types):
        own = assert_attachment(
            api.client.get(f"/api/v1/claims/{claim.id}/documents/{doc_type}", headers=claim.auth),
            f"-{doc_type}.pdf",
        )
        seen = assert_attachment(
            api.client.get(
                f"/api/v1/officer/claims/{claim.id}/documents/{doc_type}", headers=officer
            ),
            f"-{doc_type}.pdf",
        )
        assert own == seen and sha256(own) == rows[doc_type][1]
        assert len(PdfReader(io.BytesIO(own)).pages) == index + 1

    bundle = assert_attachment(
        api.client.get(f"/api/v1/officer/claims/{claim.id}/bundle", headers=officer), "-bundle.pdf"
    )
    reader = PdfReader(io.BytesIO(bundle))
    assert len(reader.pages) == sum(range(1, len(types) + 1))
    titles = [item.title for item in reader.outline]  # type: ignore[union-attr]
    assert len(titles) == len(types)
    assert [t.split(":", 1)[0] for t in titles] == sorted(types, key=types.index)
    starts = [reader.get_destination_page_number(item) for item in reader.outline]  # type: ignore[arg-type]
    assert starts == [sum(range(1, i + 1)) for i in range(len(types))]

    other = create_claim(api.client, TERMINATION, "termination")
    for method in ("GET", "DELETE"):
        answer = api.client.request(
            method, f"/api/v1/claims/{claim.id}/documents/ktp", headers=other.auth
        )
        assert answer.status_code == 404, answer.text
    foreign = put_files(
        api.client, ClaimHandle(claim.id, other.token, "", ""), "ktp", [("a.pdf", pdf_pages(1))]
    )
    assert foreign.status_code == 404
    assert api.client.get(f"/api/v1/claims/{claim.id}/documents/ktp").status_code == 401

    etag, _, _ = claim_state(api.client, claim)
    removed = api.client.delete(f"/api/v1/claims/{claim.id}/documents/ktp", headers=claim.auth)
    assert removed.status_code == 204 and removed.content == b""
    etag_after, _, checklist = claim_state(api.client, claim)
    assert etag_after != etag
    assert {i["doc_type"]: i["status"] for i in checklist}["ktp"] == "missing"
    gone = api.client.get(f"/api/v1/claims/{claim.id}/documents/ktp", headers=claim.auth)
    assert gone.status_code == 404
    assert gone.headers["content-type"].startswith("application/problem+json")
    again = api.client.delete(f"/api/v1/claims/{claim.id}/documents/ktp", headers=claim.auth)
    assert again.status_code == 404


def test_review_sends_back_rejected_items_then_resubmit_and_accept(api: Api) -> None:
    claim = create_claim(api.client)
    staff = add_staff(api.db, claim.branch)
    verifier = bearer(staff.tokens["verifier"])
    types = ready_to_submit(api, claim)
    submitted = api.client.post(f"/api/v1/claims/{claim.id}/submit", headers=claim.auth)
    assert submitted.status_code == 200 and submitted.json()["status"] == "under_review"

    decisions = [{"doc_type": t, "decision": "accepted"} for t in types]
    decisions[1] = {
        "doc_type": types[1],
        "decision": "rejected",
        "reason_code": "document_unreadable",
    }
    decisions[2] = {
        "doc_type": types[2],
        "decision": "rejected",
        "reason_code": "other",
        "note": "Foto terpotong",
    }
    reviewed = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/document-review",
        json={"decisions": decisions},
        headers=verifier,
    )
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["status"] == "revision_requested"

    _, status, checklist = claim_state(api.client, claim)
    assert status == "revision_requested"
    items = {i["doc_type"]: i for i in checklist}
    assert items[types[1]]["status"] == "rejected"
    assert items[types[1]]["reason_code"] == "document_unreadable"
    assert items[types[1]]["reason"] and "_" not in items[types[1]]["reason"]
    assert items[types[2]]["reason_code"] == "other" and items[types[2]]["note"] == "Foto terpotong"
    assert items[types[0]]["status"] == "accepted" and items[types[0]]["reason_code"] is None
    early = api.client.post(f"/api/v1/claims/{claim.id}/submit", headers=claim.auth)
    assert early.status_code == 422, early.text
    assert set(early.json()["missing"]) == {types[1], types[2]}

    for doc_type in (types[1], types[2]):
        again = put_files(api.client, claim, doc_type, [("baru.jpg", jpeg())])
        assert again.status_code == 200 and again.json()["status"] == "uploaded"
    resubmitted = api.client.post(f"/api/v1/claims/{claim.id}/submit", headers=claim.auth)
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["status"] == "under_review"

    final = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/document-review",
        json={"decisions": [{"doc_type": t, "decision": "accepted"} for t in (types[1], types[2])]},
        headers=verifier,
    )
    assert final.status_code == 200, final.text
    assert final.json()["status"] == "interview_scheduled"
    _, status, checklist = claim_state(api.client, claim)
    assert status == "interview_scheduled"
    assert {i["status"] for i in checklist if i["required"]} == {"accepted"}


def officer_view(api: Api, claim: ClaimHandle, token: str) -> dict[str, object]:
    answer = api.client.get(f"/api/v1/officer/claims/{claim.id}", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_same_file_in_claims_of_different_participants_is_flagged(api: Api) -> None:
    shared_scan = jpeg(500, 400)
    first = create_claim(api.client)
    second = create_claim(api.client, TERMINATION, "termination")
    staff = add_staff(api.db, second.branch)
    token = staff.tokens["verifier"]
    assert put_files(api.client, first, "ktp", [("mine.jpg", shared_scan)]).status_code == 200
    own = put_files(api.client, second, "ktp", [("own.pdf", pdf_pages(1, "own"))])
    assert own.status_code == 200
    assert "reused_document" not in officer_view(api, second, token)["flags"]  # type: ignore[operator]

    reused = put_files(
        api.client, second, "kartu_keluarga", [("kk.pdf", pdf_pages(1)), ("x.jpg", shared_scan)]
    )
    assert reused.status_code == 200
    view = officer_view(api, second, token)
    assert "reused_document" in view["flags"]  # type: ignore[operator]
    documents = {d["doc_type"]: d for d in view["documents"]}  # type: ignore[attr-defined]
    assert documents["kartu_keluarga"]["reused_in_other_claims"] == 1
    assert documents["ktp"]["reused_in_other_claims"] == 0


def test_same_persons_two_claims_do_not_flag(api: Api) -> None:
    scan = jpeg(500, 400)
    first = create_claim(api.client)
    staff = add_staff(api.db, first.branch)
    assert put_files(api.client, first, "ktp", [("ktp.jpg", scan)]).status_code == 200
    cancelled = api.client.post(f"/api/v1/claims/{first.id}/cancel", headers=first.auth)
    assert cancelled.status_code == 200, cancelled.text
    second = create_claim(api.client)
    assert second.id != first.id
    assert put_files(api.client, second, "ktp", [("ktp.jpg", scan)]).status_code == 200
    view = officer_view(api, second, staff.tokens["verifier"])
    assert "reused_document" not in view["flags"]  # type: ignore[operator]
    assert [d["reused_in_other_claims"] for d in view["documents"]] == [0]  # type: ignore[attr-defined]


def test_the_officer_bundle_of_rasterised_documents_holds_only_images(api: Api) -> None:
    # What officers open in their viewers: no applicant font program, no JBIG2 or JPEG 2000.
    claim = create_claim(api.client)
    officer = bearer(add_staff(api.db, claim.branch).tokens["verifier"])
    for doc_type, data in (("ktp", embedded_font_pages_pdf()), ("kartu_keluarga", jbig2_pdf())):
        stored = put_files(api.client, claim, doc_type, [(f"{doc_type}.pdf", data)])
        assert stored.status_code == 200, stored.text

    bundle = assert_attachment(
        api.client.get(f"/api/v1/officer/claims/{claim.id}/bundle", headers=officer), "-bundle.pdf"
    )
    assert len(PdfReader(io.BytesIO(bundle)).pages) == 4
    assert image_only_findings(bundle) == []
