"""Every case of the hostile corpus through the real upload endpoint (issue 4): the documented
status and problem+json, the claim unchanged (ETag, checklist, no row, no stored file, nothing
left in the spool), the server healthy afterwards; sanitised files stored without active
content; hostile file names never used as paths."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.corpus import (
    GOOD_CASES,
    HOSTILE_CASES,
    RASTERISED_CASES,
    SANITISED_CASES,
    chromium_pdf,
    image_only_findings,
    jpeg,
    pdf_pages,
    pdf_zip_polyglot,
)
from tests.e2e.conftest import Api
from tests.e2e.upload_support import (
    HEX_NAME,
    ClaimHandle,
    active_content,
    all_files,
    claim_state,
    create_claim,
    document_rows,
    file_rows,
    put_files,
    sha256,
)


def snapshot(api: Api, claim: ClaimHandle) -> tuple[object, ...]:
    data_dir = api.runtime.settings.data_dir
    return (
        claim_state(api.client, claim),
        document_rows(api.db, claim.id),
        file_rows(api.db, claim.id),
        all_files(data_dir / "documents"),
    )


def assert_healthy(api: Api, claim: ClaimHandle) -> None:
    health = api.client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    normal = put_files(api.client, claim, "kartu_keluarga", [("kk.pdf", pdf_pages(2))])
    assert normal.status_code == 200, normal.text
    assert normal.json()["pages"] == 2
    assert all_files(api.runtime.settings.data_dir / "spool") == set()


@pytest.mark.parametrize("case", list(HOSTILE_CASES), ids=list(HOSTILE_CASES))
def test_hostile_file_is_refused_and_changes_nothing(api: Api, case: str) -> None:
    factory, status, code = HOSTILE_CASES[case]
    claim = create_claim(api.client)
    # An earlier good upload of the same type must survive a refused replacement.
    first = put_files(api.client, claim, "ktp", [("ktp.jpg", jpeg())])
    assert first.status_code == 200, first.text
    before = snapshot(api, claim)

    answer = put_files(api.client, claim, "ktp", [("ktp.pdf", factory())])

    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["status"] == status and problem["code"] == code
    assert problem["detail"] and problem["type"].endswith(code)
    assert problem.get("file_index") == 0
    assert snapshot(api, claim) == before
    assert all_files(api.runtime.settings.data_dir / "spool") == set()
    assert_healthy(api, claim)


def test_user_password_asks_for_the_file_without_a_password(api: Api) -> None:
    claim = create_claim(api.client)
    factory = HOSTILE_CASES["user_password"].factory
    for language, words in (("en", "without a password"), ("id", "tanpa kata sandi")):
        answer = put_files_lang(api, claim, factory(), language)
        assert answer.status_code == 422
        assert words in answer.json()["detail"], answer.text


def put_files_lang(api: Api, claim: ClaimHandle, data: bytes, language: str):  # type: ignore[no-untyped-def]
    from tests.corpus import multipart_body

    content_type, body = multipart_body([("x.pdf", data)])
    return api.client.put(
        f"/api/v1/claims/{claim.id}/documents/ktp",
        content=body,
        headers={**claim.auth, "Content-Type": content_type, "Accept-Language": language},
    )


@pytest.mark.parametrize("case", list(SANITISED_CASES), ids=list(SANITISED_CASES))
def test_sanitised_file_is_stored_without_active_content(api: Api, case: str) -> None:
    original = SANITISED_CASES[case]()
    assert case == "pdf_zip_polyglot" or case == "owner_password_only" or active_content(original)
    claim = create_claim(api.client)

    answer = put_files(api.client, claim, "ktp", [("ktp.pdf", original)])

    assert answer.status_code == 200, answer.text
    stored = api.client.get(f"/api/v1/claims/{claim.id}/documents/ktp", headers=claim.auth)
    assert stored.status_code == 200
    pdf = stored.content
    assert sha256(pdf) == answer.json()["sha256"]
    assert active_content(pdf) == []
    reader = PdfReader(io.BytesIO(pdf))
    assert not reader.is_encrypted
    assert len(reader.pages) == answer.json()["pages"]
    for marker in (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"evil.exe", b"PK\x03\x04", b"MZ"):
        assert marker not in pdf, marker


RASTERISED = [*RASTERISED_CASES, "chromium_letter"]


@pytest.mark.parametrize("case", RASTERISED, ids=RASTERISED)
def test_font_or_jbig2_or_jpx_pdf_is_stored_as_page_images(api: Api, case: str) -> None:
    if case == "chromium_letter":
        original, pages = chromium_pdf(), 3
        if original is None:
            pytest.skip("chromium is not installed")
    else:
        factory, pages = RASTERISED_CASES[case]
        original = factory()
    claim = create_claim(api.client)

    answer = put_files(api.client, claim, "ktp", [("ktp.pdf", original)])

    assert answer.status_code == 200, answer.text
    assert answer.json()["pages"] == pages
    stored = api.client.get(f"/api/v1/claims/{claim.id}/documents/ktp", headers=claim.auth)
    pdf = stored.content
    assert sha256(pdf) == answer.json()["sha256"]
    assert len(PdfReader(io.BytesIO(pdf)).pages) == pages
    assert image_only_findings(pdf) == [] and active_content(pdf) == []
    assert all_files(api.runtime.settings.data_dir / "spool") == set()


def test_polyglot_zip_tail_is_dropped(api: Api) -> None:
    original = pdf_zip_polyglot()
    assert b"PK\x03\x04" in original
    claim = create_claim(api.client)
    answer = put_files(api.client, claim, "ktp", [("ktp.pdf", original)])
    assert answer.status_code == 200, answer.text
    pdf = api.client.get(f"/api/v1/claims/{claim.id}/documents/ktp", headers=claim.auth).content
    assert b"PK\x03\x04" not in pdf and b"payload.exe" not in pdf


def test_good_files_merge_into_one_document_in_order(api: Api) -> None:
    claim = create_claim(api.client)
    names = [n for n in GOOD_CASES if n != "pdf_30_pages"]
    files = [(f"{n}.bin", GOOD_CASES[n][0]()) for n in names]
    answer = put_files(api.client, claim, "ktp", files)
    assert answer.status_code == 200, answer.text
    assert answer.json()["pages"] == sum(GOOD_CASES[n][1] for n in names)
    assert file_rows(api.db, claim.id) == len(names) == 10


def test_eleven_files_are_too_many(api: Api) -> None:
    claim = create_claim(api.client)
    before = snapshot(api, claim)
    answer = put_files(api.client, claim, "ktp", [(f"{i}.jpg", jpeg(40, 30)) for i in range(11)])
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "too_many_files"
    assert snapshot(api, claim) == before
    assert_healthy(api, claim)


def test_body_that_is_not_multipart_is_refused(api: Api) -> None:
    claim = create_claim(api.client)
    before = snapshot(api, claim)
    answer = api.client.put(
        f"/api/v1/claims/{claim.id}/documents/ktp",
        content=pdf_pages(1),
        headers={**claim.auth, "Content-Type": "application/pdf"},
    )
    assert answer.status_code == 415 and answer.json()["code"] == "multipart_required"
    assert snapshot(api, claim) == before


def test_multipart_without_files_or_cut_short_is_refused(api: Api) -> None:
    claim = create_claim(api.client)
    before = snapshot(api, claim)
    from tests.corpus import multipart_body

    content_type, body = multipart_body([], extra_fields={"note": "x"})
    none = api.client.put(
        f"/api/v1/claims/{claim.id}/documents/ktp",
        content=body,
        headers={**claim.auth, "Content-Type": content_type},
    )
    assert none.status_code == 422 and none.json()["code"] == "no_files"
    content_type, body = multipart_body([("a.pdf", pdf_pages(1))])
    cut = api.client.put(
        f"/api/v1/claims/{claim.id}/documents/ktp",
        content=body[: len(body) // 2],
        headers={**claim.auth, "Content-Type": content_type},
    )
    assert cut.status_code == 422 and cut.json()["code"] == "malformed_upload"
    assert snapshot(api, claim) == before
    assert all_files(api.runtime.settings.data_dir / "spool") == set()


HOSTILE_NAMES = [
    "../../x.pdf",
    "..\\..\\x.pdf",
    "/etc/passwd",
    "a\x01\x07\x1b[31m\x7fb.pdf",
    "n" * 300 + ".pdf",
    "..",
    "",
]


def test_hostile_file_names_are_never_paths(api: Api, tmp_path: Path) -> None:
    data_dir = api.runtime.settings.data_dir
    outside_before = all_files(tmp_path)
    claim = create_claim(api.client)
    files = [(name, pdf_pages(1, label=f"n{i}")) for i, name in enumerate(HOSTILE_NAMES)]

    answer = put_files(api.client, claim, "ktp", files)

    assert answer.status_code == 200, answer.text
    assert answer.json()["pages"] == len(HOSTILE_NAMES)
    added = all_files(tmp_path) - outside_before
    stored = all_files(data_dir / "documents")
    assert {f"var/documents/{name}" for name in stored} == added
    for name in stored:
        assert HEX_NAME.fullmatch(Path(name).name), name
    assert not (data_dir.parent / "x.pdf").exists() and not (tmp_path / "x.pdf").exists()
    assert not any("x.pdf" in name or "passwd" in name for name in all_files(tmp_path))
    assert all_files(data_dir / "spool") == set()
