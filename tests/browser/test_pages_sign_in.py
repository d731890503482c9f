"""Signing in on the pages: a claim made in one browser opens in another after signing in
with the one-time code (the cookie was never copied), wrong codes are said next to the field,
signing out closes it again; in a real Chromium on a phone-sized screen too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.browser.conftest import PHONE, Site, shoot
from tests.browser.pages import apply, check_accessibility
from tests.browser.test_pages_http import apply_form, csrf_token
from tests.e2e.conftest import Api
from tests.e2e.participant_helpers import sent_code
from tests.support import sample

RESIGNED = "resignation: left 3 months ago"


def page_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}-{month}-{year}"


def _challenge_id(html: str) -> str:
    match = re.search(r'name="challenge_id" value="([^"]+)"', html)
    assert match is not None, html[:500]
    return match.group(1)


def test_a_claim_made_in_one_browser_opens_in_another_after_signing_in(api: Api) -> None:
    row = sample(RESIGNED)
    first = api.client
    made = first.post("/apply", data=apply_form(row, csrf_token(first)), follow_redirects=False)
    claim_path = made.headers["location"].split("?")[0]

    other = TestClient(api.client.app, base_url=str(api.client.base_url))
    asked = other.get(claim_path, follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"].startswith("/masuk?next=")
    form = other.get(asked.headers["location"])
    assert form.status_code == 200 and "Masuk sebagai peserta" in form.text
    token = csrf_token(other, asked.headers["location"])
    # Every post answers 303 (post/redirect/get); the form's GET shows why it was refused.
    wrong = other.post(
        "/masuk",
        data={
            "csrf_token": token,
            "kpj": row["kpj"],
            "nik": row["nik"],
            "birth_date": "01-01-1990",
            "next": claim_path,
        },
        follow_redirects=False,
    )
    assert wrong.status_code == 303 and wrong.headers["location"] == "/masuk#error-summary"
    shown = other.get("/masuk")
    assert shown.status_code == 422 and "tidak cocok" in shown.text
    assert "<title>Galat: " in shown.text
    sent = other.post(
        "/masuk",
        data={
            "csrf_token": token,
            "kpj": row["kpj"],
            "nik": row["nik"],
            "birth_date": page_date(row["birth_date"]),
            "next": claim_path,
        },
    )
    assert sent.status_code == 200 and str(sent.url).endswith("/masuk/kode"), sent.text
    assert "s***@contoh.id" in sent.text and row["email"] not in sent.text
    challenge_id = _challenge_id(sent.text)
    code = sent_code(api.db, challenge_id)
    bad = other.post(
        "/masuk/kode",
        data={
            "csrf_token": token,
            "challenge_id": challenge_id,
            "code": "12345",
            "next": claim_path,
        },
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert bad.url.path == "/masuk/kode" and _challenge_id(bad.text) == challenge_id
    opened = other.post(
        "/masuk/kode",
        data={"csrf_token": token, "challenge_id": challenge_id, "code": code, "next": claim_path},
        follow_redirects=False,
    )
    assert opened.status_code == 303 and opened.headers["location"] == claim_path
    session_cookie = opened.headers["set-cookie"]
    assert "jht_session=" in session_cookie and "HttpOnly" in session_cookie
    assert "samesite=lax" in session_cookie.lower()
    claim_page = other.get(claim_path)
    assert claim_page.status_code == 200 and row["full_name"] in claim_page.text

    # Signing out: the session is over, the claim page asks to sign in again.
    page_token = csrf_token(other, f"{claim_path}/rekening")
    out = other.post("/keluar", data={"csrf_token": page_token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/masuk?done=signed_out"
    assert other.get(claim_path, follow_redirects=False).status_code == 303


def test_the_next_path_never_leaves_the_site(api: Api) -> None:
    from claims.pages.signin import safe_next

    assert safe_next("/claims/abc") == "/claims/abc"
    for foreign in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        assert safe_next(foreign) == "/saldo"


@pytest.mark.browser
def test_signing_in_on_a_phone(site: Site, browser: Any) -> None:
    row = sample(RESIGNED)
    first = browser.new_context(viewport=PHONE)
    claim_id = apply(first.new_page(), site, row, "resignation")
    first.close()

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{site.base_url}/claims/{claim_id}")
    assert "/masuk" in page.url
    check_accessibility(page)
    page.fill("#kpj", row["kpj"])
    page.fill("#nik", row["nik"])
    page.fill("#birth_date", page_date(row["birth_date"]))
    page.click("button[type=submit]")
    page.wait_for_selector("#code")
    check_accessibility(page)
    shoot(page, "sign-in-code")
    challenge_id = page.input_value("input[name=challenge_id]")
    page.fill("#code", sent_code(site.db, challenge_id))
    page.click("button[type=submit]")
    page.wait_for_url(f"**/claims/{claim_id}")
    assert row["full_name"] in page.content()
    cookie = next(c for c in context.cookies() if c["name"] == "jht_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    context.close()
