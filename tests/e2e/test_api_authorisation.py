"""Authorisation on every route with every wrong credential: none, an unknown token, another
claim's token, an applicant token on officer routes, an officer of another branch, the wrong
role. The table must name every route of the app: a new route fails this test until it is
added here."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.api_helpers import ClaimOverHttp, assert_problem, bearer, create_claim
from tests.e2e.conftest import Api
from tests.e2e.participant_helpers import sign_in
from tests.support import NOW, add_staff

# (method, path template) -> audience: "applicant", "officer:<roles>", "public", "docs"
ROUTES: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/claims"): "public",
    ("GET", "/api/v1/claims/{claim_id}"): "applicant",
    ("PUT", "/api/v1/claims/{claim_id}/bank-account"): "applicant",
    ("PUT", "/api/v1/claims/{claim_id}/npwp"): "applicant",
    ("POST", "/api/v1/claims/{claim_id}/submit"): "applicant",
    ("POST", "/api/v1/claims/{claim_id}/cancel"): "applicant",
    ("GET", "/api/v1/claims/{claim_id}/interview/slots"): "applicant",
    ("POST", "/api/v1/claims/{claim_id}/interview"): "applicant",
    ("POST", "/api/v1/claims/{claim_id}/interview/at-branch"): "applicant",
    ("PUT", "/api/v1/claims/{claim_id}/documents/{doc_type}"): "applicant",
    ("GET", "/api/v1/claims/{claim_id}/documents/{doc_type}"): "applicant",
    ("DELETE", "/api/v1/claims/{claim_id}/documents/{doc_type}"): "applicant",
    ("GET", "/api/v1/claims/{claim_id}/documents/{doc_type}/files"): "applicant",
    ("GET", "/api/v1/claims/{claim_id}/documents/{doc_type}/files/{file_id}"): "applicant",
    ("DELETE", "/api/v1/claims/{claim_id}/documents/{doc_type}/files/{file_id}"): "applicant",
    ("GET", "/api/v1/officer/claims"): "officer:any",
    ("GET", "/api/v1/officer/claims/{claim_id}"): "officer:any",
    ("GET", "/api/v1/officer/claims/{claim_id}/events"): "officer:any",
    ("GET", "/api/v1/officer/claims/{claim_id}/documents/{doc_type}"): "officer:any",
    ("GET", "/api/v1/officer/claims/{claim_id}/bundle"): "officer:any",
    ("POST", "/api/v1/officer/claims/{claim_id}/document-review"): "officer:verifier",
    ("POST", "/api/v1/officer/claims/{claim_id}/interview/outcome"): "officer:interviewer",
    ("POST", "/api/v1/officer/claims/{claim_id}/approve"): "officer:approver",
    ("POST", "/api/v1/officer/claims/{claim_id}/reject"): "officer:verifier",
    ("POST", "/api/v1/officer/payouts/{reference}/confirm"): "officer:finance",
    ("POST", "/api/v1/officer/payouts/{reference}/fail"): "officer:finance",
    ("GET", "/api/v1/tracking/{kpj}"): "public",
    ("POST", "/api/v1/participant/sign-in"): "public",
    ("POST", "/api/v1/participant/heir-sign-in"): "public",
    ("POST", "/api/v1/participant/sign-in/{challenge_id}"): "public",
    ("DELETE", "/api/v1/participant/session"): "participant",
    ("POST", "/api/v1/simulation"): "public",
    # The SMS aggregator's: signed with JHT_SMS_SECRET (tests/e2e/test_api_sms_inbound.py).
    ("POST", "/api/v1/sms/inbound"): "sms-aggregator",
    # a participant session (tests/e2e/test_api_participant_account.py)
    ("GET", "/api/v1/participant/account"): "participant",
    ("GET", "/api/v1/sandbox/clock"): "public",
    ("POST", "/api/v1/sandbox/clock"): "public",
    ("GET", "/healthz"): "public",
    ("GET", "/metrics"): "public",
    ("GET", "/favicon.ico"): "public",
    # server-rendered pages (their forms carry CSRF tokens; the pages' own tests cover them)
    ("GET", "/"): "page",
    ("GET", "/apply"): "page",
    ("POST", "/apply"): "page",
    ("GET", "/track"): "page",
    ("POST", "/track"): "page",
    ("GET", "/simulasi"): "page",
    ("GET", "/masuk"): "page",
    ("POST", "/masuk"): "page",
    ("GET", "/masuk/ahli-waris"): "page",
    ("POST", "/masuk/ahli-waris"): "page",
    ("GET", "/masuk/kode"): "page",
    ("POST", "/masuk/kode"): "page",
    ("POST", "/keluar"): "page",
    ("GET", "/saldo"): "page:participant",
    ("GET", "/claims/{claim_id}"): "page:applicant",
    ("GET", "/claims/{claim_id}/batalkan"): "page:applicant",
    ("GET", "/claims/{claim_id}/dokumen/{doc_type}"): "page:applicant",
    ("GET", "/claims/{claim_id}/npwp"): "page:applicant",
    ("GET", "/claims/{claim_id}/periksa"): "page:applicant",
    ("GET", "/claims/{claim_id}/rekening"): "page:applicant",
    ("GET", "/claims/{claim_id}/terkirim"): "page:applicant",
    ("POST", "/claims/{claim_id}/bank-account"): "page:applicant",
    ("POST", "/claims/{claim_id}/cancel"): "page:applicant",
    ("POST", "/claims/{claim_id}/documents/{doc_type}"): "page:applicant",
    ("POST", "/claims/{claim_id}/documents/{doc_type}/files/{file_id}/hapus"): "page:applicant",
    ("GET", "/claims/{claim_id}/wawancara"): "page:applicant",
    ("POST", "/claims/{claim_id}/wawancara"): "page:applicant",
    ("POST", "/claims/{claim_id}/wawancara/kantor-cabang"): "page:applicant",
    ("POST", "/claims/{claim_id}/npwp"): "page:applicant",
    ("POST", "/claims/{claim_id}/submit"): "page:applicant",
    ("GET", "/openapi.json"): "docs",
    ("GET", "/docs"): "docs",
    ("GET", "/docs/oauth2-redirect"): "docs",
    ("GET", "/redoc"): "docs",
}
BODIES: dict[str, Any] = {
    "bank-account": {"bank_code": "014", "account_number": "1234567890", "account_holder": "X"},
    "npwp": {"npwp": "012345678901000"},
    "interview": {"starts_at": "2026-11-20T02:00:00+00:00"},
    "at-branch": {"reason": "Tidak ada kuota data"},
    "document-review": {"decisions": [{"doc_type": "ktp", "decision": "accepted"}]},
    "outcome": {"outcome": "passed"},
    "approve": {},
    "reject": {"reason_code": "R01"},
    "confirm": {"bank_reference": "B1"},
    "fail": {"reason_code": "account_closed"},
}


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path template) of every route, through FastAPI's included routers."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        contexts = (
            list(route.effective_route_contexts())
            if hasattr(route, "effective_route_contexts")
            else [route]
        )
        for context in contexts:
            path = getattr(context, "path_format", None) or context.path
            for method in getattr(context, "methods", None) or ():
                if method != "HEAD":
                    found.add((method, path))
    return found


def test_every_route_is_in_the_table(api: Api) -> None:
    routes = app_routes(api.client.app)
    missing = routes - ROUTES.keys()
    assert not missing, f"add these routes to ROUTES with their audience: {sorted(missing)}"
    # the table names routes api.md promises; the ones not served yet are reported here
    assert ("GET", "/api/v1/claims/{claim_id}") in routes


def call(api: Api, method: str, path: str, headers: dict[str, str]) -> Any:
    body = BODIES.get(path.rsplit("/", 1)[-1])
    if path.endswith("/documents/ktp") and method == "PUT":
        return api.client.put(
            path, files=[("files", ("a.pdf", b"%PDF-1.4", "application/pdf"))], headers=headers
        )
    return api.client.request(method, path, json=body, headers=headers)


def fill(template: str, claim_id: str) -> str:
    return (
        template.replace("{claim_id}", claim_id)
        .replace("{doc_type}", "ktp")
        .replace("{reference}", "PAY-UNKNOWN-1")
        .replace("{kpj}", "26000000001")
        .replace("{file_id}", "1")
    )


@pytest.fixture
def actors(api: Api) -> dict[str, Any]:
    mine = create_claim(api)
    theirs = create_claim(api, "termination: PHK 3 months ago", "termination")
    here = add_staff(api.db, mine.branch)
    elsewhere = "JPR-KTR" if mine.branch != "JPR-KTR" else "AMB-KTR"
    there = add_staff(api.db, elsewhere)
    return {"mine": mine, "theirs": theirs, "here": here, "there": there}


def test_applicant_routes_refuse_every_wrong_credential(api: Api, actors: dict[str, Any]) -> None:
    mine: ClaimOverHttp = actors["mine"]
    theirs: ClaimOverHttp = actors["theirs"]
    served = app_routes(api.client.app)
    checked = 0
    for (method, template), audience in ROUTES.items():
        if audience != "applicant" or (method, template) not in served:
            continue
        path = fill(template, mine.id)
        assert_problem(call(api, method, path, {}), 401, "unauthenticated")
        assert_problem(call(api, method, path, bearer("nonsense")), 401)
        # another claim's real token: 404 like a missing id
        assert_problem(call(api, method, path, theirs.auth), 404, "not_found")
        # an officer's token is not a claim token
        assert_problem(call(api, method, path, bearer(actors["here"].tokens["verifier"])), 401)
        checked += 1
    assert checked >= 10
    # nothing changed on the claim
    answer = api.client.get(f"/api/v1/claims/{mine.id}", headers=mine.auth)
    assert answer.json()["status"] == "documents_pending" and answer.headers["etag"] == '"1"'


def test_participant_routes_refuse_every_wrong_credential(api: Api, actors: dict[str, Any]) -> None:
    """A participant route opens only with a live participant session: no token, an unknown
    one, a claim's token or an officer's is 401, and a session cookie without the page's CSRF
    token cannot change anything."""
    served = app_routes(api.client.app)
    checked = 0
    for (method, template), audience in ROUTES.items():
        if audience != "participant" or (method, template) not in served:
            continue
        for headers in (
            {},
            bearer("nonsense"),
            actors["mine"].auth,
            bearer(actors["here"].tokens["verifier"]),
        ):
            assert_problem(call(api, method, template, headers), 401, "unauthenticated")
        checked += 1
    assert checked >= 1
    session = sign_in(api, actors["mine"].label)
    api.client.cookies.set("jht_session", session)
    try:
        assert_problem(api.client.delete("/api/v1/participant/session"), 403, "csrf_failed")
    finally:
        api.client.cookies.clear()
    assert (
        api.client.delete("/api/v1/participant/session", headers=bearer(session)).status_code == 204
    )


def test_officer_routes_refuse_every_wrong_credential(api: Api, actors: dict[str, Any]) -> None:
    mine: ClaimOverHttp = actors["mine"]
    here, there = actors["here"], actors["there"]
    served = app_routes(api.client.app)
    checked = 0
    for (method, template), audience in ROUTES.items():
        if not audience.startswith("officer:") or (method, template) not in served:
            continue
        path = fill(template, mine.id)
        assert_problem(call(api, method, path, {}), 401, "unauthenticated")
        assert_problem(call(api, method, path, bearer("nonsense")), 401)
        assert_problem(call(api, method, path, mine.auth), 401)  # applicant token
        role = audience.split(":")[1]
        if "{claim_id}" in template:
            # an officer of another branch, holding the right role: 404 like a missing id
            token = there.tokens[role if role != "any" else "verifier"]
            assert_problem(call(api, method, path, bearer(token)), 404, "not_found")
        if role != "any":
            wrong = "finance" if role != "finance" else "verifier"
            assert_problem(call(api, method, path, bearer(here.tokens[wrong])), 403)
        checked += 1
    assert checked >= 9


def test_queue_of_another_branch_is_403_for_a_branch_officer(
    api: Api, actors: dict[str, Any]
) -> None:
    there = actors["there"]
    answer = api.client.get(
        "/api/v1/officer/claims",
        params={"branch": actors["mine"].branch},
        headers=bearer(there.tokens["verifier"]),
    )
    assert_problem(answer, 403, "other_branch")


def test_sandbox_routes_are_404_without_sandbox(api: Api) -> None:
    assert_problem(api.client.get("/api/v1/sandbox/clock"), 404)
    assert_problem(api.client.post("/api/v1/sandbox/clock", json={"advance_seconds": 60}), 404)
    assert api.runtime.clock.now() < NOW.replace(year=NOW.year + 1)


def test_claim_page_shows_nothing_without_the_claims_cookie(
    api: Api, actors: dict[str, Any]
) -> None:
    from tests.support import sample

    mine: ClaimOverHttp = actors["mine"]
    theirs: ClaimOverHttp = actors["theirs"]
    name = sample(mine.label)["full_name"]
    served = app_routes(api.client.app)
    if ("GET", "/claims/{claim_id}") not in served:
        pytest.skip("pages not served")
    api.client.cookies.clear()
    anonymous = api.client.get(f"/claims/{mine.id}", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401, 403, 404) and name not in anonymous.text
    api.client.cookies.set("jht_claim", theirs.token)
    foreign = api.client.get(f"/claims/{mine.id}", follow_redirects=False)
    assert foreign.status_code in (302, 303, 401, 403, 404) and name not in foreign.text
    api.client.cookies.clear()
    for method, template in served:
        if ROUTES.get((method, template)) == "page:applicant" and method == "GET":
            # Every page of the claim (its tasks, check answers, confirmation): nothing of it.
            for cookie in (None, theirs.token):
                if cookie:
                    api.client.cookies.set("jht_claim", cookie)
                answer = api.client.get(fill(template, mine.id), follow_redirects=False)
                assert answer.status_code >= 300 and name not in answer.text, template
                api.client.cookies.clear()
    for method, template in served:
        if ROUTES.get((method, template)) == "page:applicant" and method == "POST":
            answer = api.client.post(fill(template, mine.id), follow_redirects=False)
            assert answer.status_code >= 300, (method, template)
    still = api.client.get(f"/api/v1/claims/{mine.id}", headers=mine.auth)
    assert still.headers["etag"] == '"1"'
