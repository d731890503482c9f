"""The stored files of each document over HTTP (issue 18, uploads for poor connections):
listed by name, size and pages; each viewed as its own sanitised PDF; one removed with the
others merged again (or the document missing again with none left), by the applicant only,
only while the claim takes documents, with the claim's version and an audit event; nothing
changes on a refused request. And the page's removal form (CSRF, post/redirect/get)."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from claims.casework.audit import verify_chains
from claims.models import Claim, ClaimEvent, DocumentFile
from claims.pages.document_files import document_files_for_page
from claims.pages.page import TEMPLATES, Page
from tests.corpus import jpeg, pdf_pages
from tests.e2e.conftest import Api
from tests.e2e.upload_support import (
    ClaimHandle,
    claim_state,
    create_claim,
    document_rows,
    file_rows,
    put_files,
)

TERMINATION = "termination: PHK 3 months ago"


def files_url(claim: ClaimHandle, doc_type: str = "ktp") -> str:
    return f"/api/v1/claims/{claim.id}/documents/{doc_type}/files"


def listed(api: Api, claim: ClaimHandle, doc_type: str = "ktp") -> dict:  # type: ignore[type-arg]
    answer = api.client.get(files_url(claim, doc_type), headers=claim.auth)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def pages_of(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def upload_three(api: Api, claim: ClaimHandle) -> list[dict]:  # type: ignore[type-arg]
    stored = put_files(
        api.client,
        claim,
        "ktp",
        [("depan.pdf", pdf_pages(2, "front")), ("foto KTP.jpg", jpeg()), ("c.pdf", pdf_pages(1))],
    )
    assert stored.status_code == 200 and stored.json()["pages"] == 4, stored.text
    return list(listed(api, claim)["files"])


def removal_events(api: Api, claim: ClaimHandle) -> list[ClaimEvent]:
    with api.db.read_only() as session:
        return list(
            session.scalars(
                select(ClaimEvent)
                .where(
                    ClaimEvent.claim_id == claim.id, ClaimEvent.trigger == "document_file_removed"
                )
                .order_by(ClaimEvent.seq)
            )
        )


def test_files_listed_viewed_and_removed_one_by_one(api: Api) -> None:
    claim = create_claim(api.client)
    files = upload_three(api, claim)
    assert [(f["name"], f["pages"], f["position"]) for f in files] == [
        ("depan.pdf", 2, 0),
        ("foto KTP.jpg", 1, 1),
        ("c.pdf", 1, 2),
    ]
    assert all(f["viewable"] and f["removable"] for f in files)
    assert files[1]["content_type"] == "image/jpeg" and files[1]["size_bytes"] == len(jpeg())

    # View: the photo as its own one-page PDF, an attachment named after it, never sniffed.
    view = api.client.get(f"{files_url(claim)}/{files[1]['id']}", headers=claim.auth)
    assert view.status_code == 200 and view.headers["content-type"] == "application/pdf"
    assert view.headers["content-disposition"].startswith("attachment;")
    assert "filename*=utf-8''foto%20KTP.pdf" in view.headers["content-disposition"]
    assert view.headers["x-content-type-options"] == "nosniff"
    assert pages_of(view.content) == 1

    # Remove the first: the other two are merged again (2 pages), in their order.
    etag_before, _, _ = claim_state(api.client, claim)
    removed = api.client.delete(f"{files_url(claim)}/{files[0]['id']}", headers=claim.auth)
    assert removed.status_code == 204, removed.text
    after = listed(api, claim)
    assert [(f["name"], f["position"]) for f in after["files"]] == [
        ("foto KTP.jpg", 0),
        ("c.pdf", 1),
    ]
    assert after["pages"] == 2 and after["status"] == "uploaded"
    merged = api.client.get(f"/api/v1/claims/{claim.id}/documents/ktp", headers=claim.auth)
    assert pages_of(merged.content) == 2
    etag_after, status, checklist = claim_state(api.client, claim)
    assert etag_after != etag_before and status == "documents_pending"
    events = removal_events(api, claim)
    assert len(events) == 1 and events[0].data["files_left"] == 2
    assert events[0].data["doc_type"] == "ktp"
    # In the audit trail, not in the applicant's history: no step changed.
    seen = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth).json()
    assert [item["status"] for item in seen["history"]] == ["documents_pending"]

    # Remove the other two: the document is missing again.
    for file in after["files"]:
        gone = api.client.delete(f"{files_url(claim)}/{file['id']}", headers=claim.auth)
        assert gone.status_code == 204, gone.text
    assert api.client.get(files_url(claim), headers=claim.auth).status_code == 404
    _, _, checklist = claim_state(api.client, claim)
    assert next(item for item in checklist if item["doc_type"] == "ktp")["status"] == "missing"
    assert document_rows(api.db, claim.id) == [] and file_rows(api.db, claim.id) == 0
    assert [e.data["files_left"] for e in removal_events(api, claim)] == [2, 1, 0]
    with api.db.read_only() as session:
        assert verify_chains(session)[1] == []  # each removal extends the audit chain


def test_refused_requests_change_nothing(api: Api) -> None:
    claim = create_claim(api.client)
    other = create_claim(api.client, TERMINATION, "termination")
    files = upload_three(api, claim)
    put_files(api.client, claim, "kartu_peserta", [("kartu.pdf", pdf_pages(1))])
    first = files[0]["id"]
    state = claim_state(api.client, claim)
    rows = document_rows(api.db, claim.id)

    def unchanged() -> None:
        assert claim_state(api.client, claim) == state
        assert document_rows(api.db, claim.id) == rows
        assert len(listed(api, claim)["files"]) == 3
        assert removal_events(api, claim) == []

    # Another applicant's token: 404 for the list, the file and its removal, like a missing id.
    for method in ("GET", "DELETE"):
        refused = api.client.request(method, f"{files_url(claim)}/{first}", headers=other.auth)
        assert refused.status_code == 404 and refused.headers["content-type"].startswith(
            "application/problem+json"
        )
    assert api.client.get(files_url(claim), headers=other.auth).status_code == 404
    # No credentials at all: 401.
    assert api.client.delete(f"{files_url(claim)}/{first}").status_code == 401
    # A file of another document, or no such file.
    wrong_type = f"/api/v1/claims/{claim.id}/documents/kartu_peserta/files/{first}"
    assert api.client.delete(wrong_type, headers=claim.auth).status_code == 404
    assert api.client.delete(f"{files_url(claim)}/999999", headers=claim.auth).status_code == 404
    unchanged()

    # Once the claim no longer takes documents: 409, nothing removed.
    cancelled = api.client.post(f"/api/v1/claims/{claim.id}/cancel", headers=claim.auth)
    assert cancelled.status_code == 200, cancelled.text
    state = claim_state(api.client, claim)
    refused = api.client.delete(f"{files_url(claim)}/{first}", headers=claim.auth)
    assert refused.status_code == 409 and refused.json()["code"] == "claim_not_editable"
    unchanged()


def test_the_page_form_removes_a_file_with_csrf_and_redirects(api: Api) -> None:
    claim = create_claim(api.client)
    files = upload_three(api, claim)
    api.client.cookies.set("jht_claim", claim.token)
    document_page = f"/claims/{claim.id}/dokumen/ktp"
    page = api.client.get(document_page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    # The document's page lists its stored files by name.
    assert "depan.pdf" in page.text and "foto KTP.jpg" in page.text
    url = f"/claims/{claim.id}/documents/ktp/files/{files[2]['id']}/hapus"

    forged = api.client.post(url, data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert len(listed(api, claim)["files"]) == 3

    done = api.client.post(url, data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{document_page}?done=file_removed"
    assert "Berkas dihapus." in api.client.get(done.headers["location"]).text
    assert [f["name"] for f in listed(api, claim)["files"]] == ["depan.pdf", "foto KTP.jpg"]

    # The same form again: the file is gone; the refusal is shown on the document's page
    # after the redirect (post/redirect/get), next to its field.
    again = api.client.post(url, data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith(document_page)
    shown = api.client.get(document_page)
    assert shown.status_code == 422 and "tidak ditemukan" in shown.text


def test_the_partial_lists_each_file_with_working_view_and_remove(api: Api) -> None:
    """`_document_files.html` filled by `document_files_for_page` (what the claim page
    includes per document): each file by name, size and pages, its "Lihat" link and its
    "Hapus" form work as they are rendered."""
    claim = create_claim(api.client)
    upload_three(api, claim)
    page = Page(
        request=None,  # type: ignore[arg-type]  (only the words and the token are used)
        runtime=api.runtime,
        language="id",
        csrf_token="token-of-the-page",
        new_csrf_value=None,
    )
    with api.db.read_only() as session:
        rows = document_files_for_page(page, session, session.get(Claim, claim.id), True)
    assert [(row.name, row.pages) for row in rows["ktp"]] == [
        ("depan.pdf", "2 halaman"),
        ("foto KTP.jpg", "1 halaman"),
        ("c.pdf", "1 halaman"),
    ]
    html = TEMPLATES.get_template("_document_files.html").render(
        t=page.t,
        doc_type="ktp",
        files=rows["ktp"],
        csrf_field="csrf_token",
        csrf_token=page.csrf_token,
    )
    assert 'id="stored-ktp"' in html and "hidden" not in html.split(">", 1)[0]
    assert html.count(">Lihat</a>") == 3 and html.count(">Hapus</button>") == 3
    assert 'aria-label="Hapus foto KTP.jpg"' in html
    assert 'name="csrf_token" value="token-of-the-page"' in html
    views = re.findall(r'<a href="([^"]+)"', html)
    forms = re.findall(r'<form method="post" action="([^"]+)"', html)
    assert all(action.endswith("/hapus") for action in forms)
    api.client.cookies.set("jht_claim", claim.token)
    assert api.client.get(views[1]).headers["content-type"] == "application/pdf"

    empty = TEMPLATES.get_template("_document_files.html").render(
        t=page.t, doc_type="npwp", files=[], csrf_field="csrf_token", csrf_token="x"
    )
    assert 'id="stored-npwp" hidden' in empty  # there for upload.js to fill, not shown


def test_files_from_before_names_were_kept(api: Api) -> None:
    """Files stored before migration 0013 shared their document and have no PDF of their own:
    listed without a name, not viewable; the others cannot be merged without them (409,
    nothing changes), but such a file itself can go when the others have their own PDF."""
    claim = create_claim(api.client)
    put_files(api.client, claim, "ktp", [("a.pdf", pdf_pages(1)), ("b.pdf", pdf_pages(2))])
    with api.db.unit_of_work() as session:
        old = session.scalars(
            select(DocumentFile).where(DocumentFile.claim_id == claim.id).order_by(DocumentFile.id)
        ).first()
        assert old is not None
        old.filename, old.storage_key, old.pages = None, None, None
    files = listed(api, claim)["files"]
    assert [(f["name"], f["viewable"], f["removable"]) for f in files] == [
        (None, False, True),
        ("b.pdf", True, False),
    ]
    assert (
        api.client.get(f"{files_url(claim)}/{files[0]['id']}", headers=claim.auth).status_code
        == 404
    )
    state = claim_state(api.client, claim)
    refused = api.client.delete(f"{files_url(claim)}/{files[1]['id']}", headers=claim.auth)
    assert refused.status_code == 409 and refused.json()["code"] == "file_not_removable"
    assert claim_state(api.client, claim) == state and len(listed(api, claim)["files"]) == 2

    removed = api.client.delete(f"{files_url(claim)}/{files[0]['id']}", headers=claim.auth)
    assert removed.status_code == 204, removed.text
    after = listed(api, claim)
    assert [f["name"] for f in after["files"]] == ["b.pdf"] and after["pages"] == 2
