"""The pages' security over plain HTTP (no browser needed): CSRF on every form, the claim
cookie, security headers, no personal data and the rate limit on tracking."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from claims.models import Claim
from tests.e2e.api_helpers import HEIR, claim_body
from tests.e2e.conftest import Api
from tests.support import create, new_claim_request, sample
from workflow.states import ClaimReason


def csrf_token(client: TestClient, path: str = "/apply") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def apply_form(row: dict[str, str], token: str) -> dict[str, str]:
    year, month, day = row["birth_date"].split("-")
    return {
        "csrf_token": token,
        "kpj": row["kpj"],
        "nik": row["nik"],
        "full_name": row["full_name"],
        "birth_date": f"{day}-{month}-{year}",
        "email": row["email"],
        "phone": row["phone"],
        "branch_code": row["_branch"],
        "reason": "resignation",
    }


def claim_count(api: Api) -> int:
    with api.db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(Claim)) or 0)


def test_pages_carry_the_security_headers(api: Api) -> None:
    for path in ("/", "/apply", "/track", "/static/site.css"):
        answer = api.client.get(path)
        assert answer.status_code == 200, path
        policy = answer.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "form-action 'self'" in policy and "'unsafe-inline'" not in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in api.client.get("/apply").text
    assert "content-security-policy" not in api.client.get("/healthz").headers


def test_a_form_without_a_valid_csrf_token_does_nothing(api: Api) -> None:
    row = sample("resignation: left 3 months ago")
    token = csrf_token(api.client)
    refused = api.client.post("/apply", data=apply_form(row, "forged"), follow_redirects=False)
    assert refused.status_code == 403 and "kedaluwarsa" in refused.text
    other_origin = api.client.post(
        "/apply",
        data=apply_form(row, token),
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert other_origin.status_code == 403
    fresh = TestClient(api.client.app)  # no CSRF cookie: the signed token alone is not enough
    assert fresh.post("/apply", data=apply_form(row, token)).status_code == 403
    assert claim_count(api) == 0

    created = api.client.post("/apply", data=apply_form(row, token), follow_redirects=False)
    assert created.status_code == 303
    cookie = created.headers["set-cookie"]
    assert "jht_claim=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert claim_count(api) == 1
    claim_url = created.headers["location"].split("?")[0]
    refused_upload = api.client.post(
        f"{claim_url}/documents/ktp?csrf_token=forged",
        files=[("files", ("a.jpg", b"x", "image/jpeg"))],
    )
    assert refused_upload.status_code == 403
    refused_bank = api.client.post(
        f"{claim_url}/bank-account",
        data={
            "bank_code": "014",
            "account_number": "1234567890",
            "account_holder": row["full_name"],
        },
    )
    assert refused_bank.status_code == 403


def test_the_claim_page_opens_only_with_its_own_cookie(api: Api) -> None:
    row = sample("resignation: left 3 months ago")
    other = create(
        api.db, new_claim_request(sample("termination: PHK 3 months ago"), ClaimReason.termination)
    )
    token = csrf_token(api.client)
    created = api.client.post("/apply", data=apply_form(row, token), follow_redirects=False)
    mine = created.headers["location"].split("?")[0]
    page = api.client.get(mine)
    assert page.status_code == 200 and row["full_name"] in page.text
    assert page.headers["cache-control"] == "private, no-store"
    assert row["nik"] not in page.text  # masked
    # The same browser asking for another claim's page: 404, nothing of that claim.
    foreign = api.client.get(f"/claims/{other.claim_id}")
    assert foreign.status_code == 404 and other.row["reference"] not in foreign.text
    # Without the cookie (cleared, or another phone): the way back in is signing in.
    anonymous = TestClient(api.client.app).get(mine, follow_redirects=False)
    assert anonymous.status_code == 303 and row["full_name"] not in anonymous.text
    assert anonymous.headers["location"] == f"/masuk?next={mine.replace('/', '%2F')}"


def test_tracking_shows_no_personal_data_and_is_rate_limited(api: Api) -> None:
    row = sample("termination: PHK 3 months ago")
    create(api.db, new_claim_request(row, ClaimReason.termination))
    token = csrf_token(api.client, "/track")
    answers = [
        api.client.post("/track", data={"csrf_token": token, "kpj": row["kpj"]}) for _ in range(11)
    ]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    first = answers[0].text
    assert "Pengajuan klaim" in first and 'aria-current="step"' in first
    for personal in (row["full_name"], row["nik"], row["email"], row["birth_date"]):
        assert personal not in first
    assert answers[10].status_code == 429 and "retry-after" in answers[10].headers
    assert "Terlalu banyak permintaan" in answers[10].text


def test_apply_page_refuses_the_fields_the_api_refuses_in_the_pages_language(api: Api) -> None:
    """One set of field checks for both (`check_claim_fields`): a death claim with a malformed
    phone, an heir's NIK that disagrees with the heir's birth date and an heir's name of no
    letters is refused by the API and by the page on the same fields, the page's messages in
    its language, each next to its input; nothing is created."""
    label = "death: deceased participant (heir claims)"
    row = sample(label)
    heir = {**HEIR, "birth_date": "1991-03-15", "full_name": "..."}  # the NIK says 15-03-1990
    answer = api.client.post(
        "/api/v1/claims", json=claim_body(label, "death", phone="12345", heir=heir)
    )
    assert answer.status_code == 422
    by_field = {e["field"]: e["message"] for e in answer.json()["errors"]}
    assert set(by_field) == {"phone", "heir.birth_date", "heir.full_name"}
    assert by_field["heir.birth_date"] == "The birth date does not match the NIK."

    form = apply_form(row, csrf_token(api.client)) | {
        "reason": "death",
        "phone": "12345",
        "heir_nik": HEIR["nik"],
        "heir_full_name": "...",
        "heir_birth_date": "15-03-1991",
        "heir_relationship": "spouse",
    }
    page = api.client.post("/apply", data=form)
    assert page.status_code == 422
    shown = dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>', page.text))
    assert shown == {
        "phone": "Nomor HP harus nomor seluler Indonesia, misalnya 0812 3456 7890.",
        "heir_birth_date": "Tanggal lahir tidak sesuai dengan NIK.",
        "heir_full_name": "Isi nama lengkap ahli waris.",
    }
    assert claim_count(api) == 0


def test_a_refused_apply_post_redirects_and_its_messages_show_once(api: Api) -> None:
    """Post/redirect/get (issue 18, item 2): a refused post answers 303 to the form, which
    shows the messages at the top (a focused error summary linking to each field, the title
    starting "Galat:") and keeps what was typed; a reload shows the form afresh and sends
    nothing again."""
    row = sample("resignation: left 3 months ago")
    form = apply_form(row, csrf_token(api.client)) | {"phone": "12345", "birth_date": ""}
    answer = api.client.post("/apply", data=form, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/apply")
    # The values typed (a NIK among them) never show in the address or the cookie's text.
    assert row["nik"] not in answer.headers["location"]
    assert row["nik"] not in answer.headers["set-cookie"]

    shown = api.client.get("/apply")
    assert shown.status_code == 422
    assert re.search(r"<title>Galat: ", shown.text)
    summary = re.search(
        r'<div class="error-summary"[^>]*autofocus[^>]*>(.*?)</div>', shown.text, re.S
    )
    assert summary is not None
    links = re.findall(r'<a href="#([a-z_]+)">', summary.group(1))
    assert links == ["birth_date", "phone"]
    assert f'value="{row["nik"]}"' in shown.text

    again = api.client.get("/apply")
    assert again.status_code == 200 and "error-summary" not in again.text
    assert f'value="{row["nik"]}"' not in again.text
    assert claim_count(api) == 0
