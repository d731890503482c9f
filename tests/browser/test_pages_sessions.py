"""Item 7 of the security issue: the CSRF token is bound to the claim session, and the API
takes the pages' cookie only with that token and no foreign Origin; item 3 over https: the
cookies carry `Secure` and the `__Host-` prefix, and every answer HSTS."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from claims.models import Claim
from tests.browser.test_pages_http import apply_form, csrf_token
from tests.e2e.api_helpers import assert_problem
from tests.e2e.conftest import Api
from tests.support import sample


def claim_status(api: Api, claim_id: str) -> str:
    with api.db.read_only() as session:
        return str(session.scalar(select(Claim.status).where(Claim.id == claim_id)))


def open_claim_in_browser(client: TestClient, label: str) -> tuple[str, str]:
    """Applies on the page as a browser does: the claim's id and its page's CSRF token."""
    row = sample(label)
    created = client.post(
        "/apply", data=apply_form(row, csrf_token(client)), follow_redirects=False
    )
    assert created.status_code == 303, created.text
    claim_id = created.headers["location"].split("?")[0].rsplit("/", 1)[1]
    return claim_id, csrf_token(client, f"/claims/{claim_id}/batalkan")


def test_the_api_takes_the_page_cookie_only_with_the_sessions_csrf_token(api: Api) -> None:
    claim_id, token = open_claim_in_browser(api.client, "resignation: left 3 months ago")
    cancel = f"/api/v1/claims/{claim_id}/cancel"
    # What another site's page can make a browser send: the cookie, no token.
    assert_problem(api.client.post(cancel), 403, "csrf_failed")
    assert_problem(api.client.post(cancel, headers={"X-CSRF-Token": "forged"}), 403, "csrf_failed")
    foreign = api.client.post(
        cancel, headers={"X-CSRF-Token": token, "Origin": "https://evil.example"}
    )
    assert_problem(foreign, 403, "csrf_failed")
    assert claim_status(api, claim_id) == "documents_pending"
    # Reading needs no token; the page's own script sends it with a change.
    assert api.client.get(f"/api/v1/claims/{claim_id}").status_code == 200
    done = api.client.post(cancel, headers={"X-CSRF-Token": token, "Origin": "http://testserver"})
    assert done.status_code == 200, done.text
    assert claim_status(api, claim_id) == "cancelled"


def test_a_csrf_token_opens_only_its_own_claim_session(api: Api) -> None:
    victim = TestClient(api.client.app)
    claim_id, victims_token = open_claim_in_browser(victim, "resignation: left 3 months ago")
    # An attacker loads a form in their own browser: a CSRF cookie value and its token...
    attacker = TestClient(api.client.app)
    attackers_token = csrf_token(attacker)
    planted = attacker.cookies["jht_csrf"]
    # ...and plants that cookie in the victim's browser (a sibling subdomain or a plain-http
    # answer can set cookies), then makes it post the victim's cancel form with the token.
    victim.cookies.set("jht_csrf", planted)
    refused = victim.post(f"/claims/{claim_id}/cancel", data={"csrf_token": attackers_token})
    assert refused.status_code == 403
    assert claim_status(api, claim_id) == "documents_pending"
    # Another claim session's token is no better.
    _, other_token = open_claim_in_browser(api.client, "termination: PHK 3 months ago")
    assert (
        victim.post(f"/claims/{claim_id}/cancel", data={"csrf_token": other_token}).status_code
        == 403
    )
    accepted = victim.post(
        f"/claims/{claim_id}/cancel",
        data={"csrf_token": victims_token, "confirm": "ya"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    assert claim_status(api, claim_id) == "cancelled"


def test_over_https_cookies_are_secure_host_only_and_hsts_is_sent(api: Api) -> None:
    browser = TestClient(api.client.app, base_url="https://testserver")
    form = browser.get("/apply")
    assert form.headers["strict-transport-security"] == "max-age=31536000"
    csrf_cookie = form.headers["set-cookie"]
    assert csrf_cookie.startswith("__Host-jht_csrf=")
    assert "Secure" in csrf_cookie and "Path=/" in csrf_cookie and "Domain" not in csrf_cookie
    claim_id, token = open_claim_in_browser(browser, "resignation: left 3 months ago")
    assert "__Host-jht_claim" in browser.cookies
    assert browser.get(f"/claims/{claim_id}").status_code == 200
    # The https origin is ours: the form works (the CSRF origin check compares https with https).
    done = browser.post(
        f"/claims/{claim_id}/cancel",
        data={"csrf_token": token, "confirm": "ya"},
        headers={"Origin": "https://testserver"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    over_http = TestClient(api.client.app).get("/apply")
    assert "strict-transport-security" not in over_http.headers
    assert over_http.headers["set-cookie"].startswith("jht_csrf=")
    assert "Secure" not in over_http.headers["set-cookie"]


def test_an_unknown_host_is_refused_but_probes_by_address_are_answered(api: Api) -> None:
    refused = api.client.get("/apply", headers={"Host": "evil.example"})
    assert_problem(refused, 400, "unknown_host")
    redirect = api.client.get("/docs/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert redirect.status_code == 400 and "location" not in redirect.headers
    probe = api.client.get("/healthz", headers={"Host": "10.0.0.5:8000"})
    assert probe.status_code == 200
    assert api.client.get("/apply", headers={"Host": "127.0.0.1:8000"}).status_code == 200
