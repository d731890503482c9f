"""Every refusal of api.md over HTTP, each an RFC 9457 problem with a machine-readable code
and never a stack trace; plus the request and response shapes per audience."""

from __future__ import annotations

from datetime import timedelta

from claims.ratelimits import RateLimits
from tests.e2e.api_helpers import (
    RESIGNED,
    assert_problem,
    bearer,
    claim_body,
    create_claim,
    submit_claim,
    to_awaiting_approval,
)
from tests.e2e.conftest import Api
from tests.support import NOW, add_staff, sample


def test_openapi_at_docs_with_examples(api: Api) -> None:
    assert api.client.get("/docs").status_code == 200
    schema = api.client.get("/openapi.json").json()
    create = schema["components"]["schemas"]["CreateClaimBody"]
    assert create["additionalProperties"] is False
    assert create["properties"]["nik"]["examples"]
    for path in ("/api/v1/claims", "/api/v1/officer/claims", "/api/v1/tracking/{kpj}"):
        assert path in schema["paths"]


def test_malformed_json_is_400(api: Api) -> None:
    answer = api.client.post(
        "/api/v1/claims", content=b'{"kpj": ', headers={"Content-Type": "application/json"}
    )
    assert_problem(answer, 400, "malformed_request")


def test_no_token_and_unknown_token_are_401(api: Api) -> None:
    claim = create_claim(api)
    assert_problem(api.client.get(f"/api/v1/claims/{claim.id}"), 401, "unauthenticated")
    answer = api.client.get(f"/api/v1/claims/{claim.id}", headers=bearer("not-a-token"))
    assert_problem(answer, 401, "unauthenticated")
    assert answer.headers["www-authenticate"] == "Bearer"


def test_not_yours_is_the_same_404_as_missing(api: Api) -> None:
    mine = create_claim(api, RESIGNED)
    other = create_claim(api, "termination: PHK 3 months ago", "termination")
    foreign = api.client.get(f"/api/v1/claims/{other.id}", headers=mine.auth)
    missing = api.client.get(
        "/api/v1/claims/00000000-0000-4000-8000-000000000000", headers=mine.auth
    )
    assert_problem(foreign, 404, "not_found")
    assert foreign.json() == missing.json()
    # an officer of another branch
    elsewhere = "JPR-KTR" if mine.branch != "JPR-KTR" else "AMB-KTR"
    staff = add_staff(api.db, elsewhere)
    seen = api.client.get(
        f"/api/v1/officer/claims/{mine.id}", headers=bearer(staff.tokens["verifier"])
    )
    absent = api.client.get(
        "/api/v1/officer/claims/00000000-0000-4000-8000-000000000000",
        headers=bearer(staff.tokens["verifier"]),
    )
    assert_problem(seen, 404, "not_found")
    assert seen.json() == absent.json()


def test_unknown_fields_are_422_and_change_nothing(api: Api) -> None:
    body = claim_body(RESIGNED) | {"status": "approved"}
    assert_problem(api.client.post("/api/v1/claims", json=body), 422, "validation_failed")
    assert api.client.get(f"/api/v1/tracking/{body['kpj']}").json()["claims"] == []
    claim = create_claim(api)
    before = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth)
    row = sample(RESIGNED)
    for extra in ({"net": 1}, {"flags": []}, {"status": "paid"}):
        answer = api.client.put(
            f"/api/v1/claims/{claim.id}/bank-account",
            json={
                "bank_code": "014",
                "account_number": "1234567890",
                "account_holder": row["full_name"],
                **extra,
            },
            headers=claim.auth,
        )
        problem = assert_problem(answer, 422, "validation_failed")
        assert problem["errors"][0]["field"] == f"body.{next(iter(extra))}"
    after = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth)
    assert after.json() == before.json() and after.headers["etag"] == before.headers["etag"]


def test_field_errors_name_the_field(api: Api) -> None:
    row = sample(RESIGNED)
    nik = row["nik"]
    cases = {
        "short": nik[:15],
        "impossible date": nik[:6] + "32" + nik[8:],
        "province": "99" + nik[2:],
        "serial 0000": nik[:12] + "0000",
    }
    for label, bad in cases.items():
        answer = api.client.post("/api/v1/claims", json=claim_body(RESIGNED, nik=bad))
        problem = assert_problem(answer, 422, "validation_failed")
        assert [e["field"] for e in problem["errors"]] == ["nik"], (label, problem)


def test_identity_not_verified_gives_no_hint(api: Api) -> None:
    row = sample(RESIGNED)
    birth = row["birth_date"]
    shifted = str(int(birth[:4]) - 1) + birth[4:]
    cases = [
        claim_body(RESIGNED, kpj="26999999990"),  # unknown KPJ
        claim_body(RESIGNED, full_name="Orang Lain"),
        claim_body(RESIGNED, birth_date=shifted),  # disagrees with the NIK and the registry
    ]
    details = set()
    for body in cases:
        problem = assert_problem(
            api.client.post("/api/v1/claims", json=body), 422, "identity_not_verified"
        )
        assert "errors" not in problem
        details.add(problem["detail"])
    assert len(details) == 1


def test_not_eligible_with_eligible_from(api: Api) -> None:
    label = "resignation: left 2 weeks ago (not yet)"
    answer = api.client.post("/api/v1/claims", json=claim_body(label))
    problem = assert_problem(answer, 422, "not_eligible")
    assert problem["eligible_from"] > NOW.date().isoformat()


LEFT_2_WEEKS_AGO = "resignation: left 2 weeks ago (not yet)"


def test_an_end_date_the_registry_contradicts_is_422_on_its_field(api: Api) -> None:
    """Issue 15: a person who left 2 weeks ago types an end date 4 months back. Before: the
    claim opened, eligible at once. Now: 422 on `employment_end_date`, in both languages."""
    four_months_back = (NOW.date() - timedelta(days=122)).isoformat()
    body = claim_body(LEFT_2_WEEKS_AGO, employment_end_date=four_months_back)
    messages = {}
    for language in ("id", "en"):
        answer = api.client.post("/api/v1/claims", json=body, headers={"Accept-Language": language})
        problem = assert_problem(answer, 422, "validation_failed")
        [error] = problem["errors"]
        assert (error["field"], error["code"]) == ("employment_end_date", "differs_from_registry")
        messages[language] = error["message"]
    assert "pemberi kerja" in messages["id"] and "employer" in messages["en"]
    assert api.client.get(f"/api/v1/tracking/{body['kpj']}").json()["claims"] == []
    # the registry's own date is accepted, and the registry's waiting period applies
    registry_date = sample(LEFT_2_WEEKS_AGO)["employment_end_date"]
    same = claim_body(LEFT_2_WEEKS_AGO, employment_end_date=registry_date)
    problem = assert_problem(api.client.post("/api/v1/claims", json=same), 422, "not_eligible")
    assert problem["eligibility_code"] == "waiting_period_not_over"


def test_an_active_member_choosing_leaving_indonesia_is_not_eligible(api: Api) -> None:
    """Issue 15: an employed (active) member withdrew everything by choosing
    `leaving_indonesia`. Now: 422 not_eligible, membership still active."""
    body = claim_body("active member (no full claim possible)", "leaving_indonesia")
    problem = assert_problem(api.client.post("/api/v1/claims", json=body), 422, "not_eligible")
    assert problem["eligibility_code"] == "membership_still_active"
    assert "eligible_from" not in problem
    assert api.client.get(f"/api/v1/tracking/{body['kpj']}").json()["claims"] == []
    # an inactive member leaving for good still can
    moving = claim_body("leaving_indonesia: moving abroad", "leaving_indonesia")
    assert api.client.post("/api/v1/claims", json=moving).status_code == 201


def test_the_apply_page_shows_the_refused_end_date_on_its_field(api: Api) -> None:
    import re

    from tests.browser.test_pages_http import apply_form, csrf_token

    row = sample(LEFT_2_WEEKS_AGO)
    typed = NOW.date() - timedelta(days=122)
    for language, words in (("id", "pemberi kerja"), ("en", "employer")):
        form = apply_form(row, csrf_token(api.client, f"/apply?lang={language}")) | {
            "employment_end_date": typed.strftime("%d-%m-%Y")
        }
        page = api.client.post("/apply", data=form)
        assert page.status_code == 422
        shown = dict(
            re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]*)</p>', page.text)
        )
        assert set(shown) == {"employment_end_date"}, shown
        assert words in shown["employment_end_date"]
    assert api.client.get(f"/api/v1/tracking/{row['kpj']}").json()["claims"] == []


def _registry_row(api: Api, kpj: str, **values: object) -> None:
    """Changes (or, for a new KPJ under a sample's NIK, adds) a registry row."""
    from claims.models import Participant

    with api.db.unit_of_work() as session:
        row = session.get(Participant, kpj)
        if row is None:
            template = session.get(Participant, str(values.pop("like")))
            assert template is not None
            columns = {c.key: getattr(template, c.key) for c in Participant.__table__.columns}
            session.add(Participant(**(columns | {"kpj": kpj} | values)))
            return
        for name, value in values.items():
            setattr(row, name, value)


def test_stop_work_is_not_eligible_while_another_kpj_of_the_nik_is_active(api: Api) -> None:
    row = sample(RESIGNED)
    _registry_row(api, "29999999901", like=row["kpj"], membership_status="active")
    for reason in ("resignation", "leaving_indonesia"):
        answer = api.client.post("/api/v1/claims", json=claim_body(RESIGNED, reason))
        problem = assert_problem(answer, 422, "not_eligible")
        assert problem["eligibility_code"] == "other_kpj_active"
    _registry_row(api, "29999999901", membership_status="inactive")
    create_claim(api)


def test_an_end_date_is_declared_when_the_registry_has_none(api: Api) -> None:
    from sqlalchemy import select

    from claims.models import ClaimEvent

    row = sample(RESIGNED)
    _registry_row(api, row["kpj"], employment_end_date=None)
    unknown = assert_problem(
        api.client.post("/api/v1/claims", json=claim_body(RESIGNED)), 422, "not_eligible"
    )
    assert unknown["eligibility_code"] == "employment_end_unknown"
    stated = (NOW.date() - timedelta(days=92)).isoformat()
    answer = api.client.post(
        "/api/v1/claims", json=claim_body(RESIGNED, employment_end_date=stated)
    )
    assert answer.status_code == 201, answer.text
    with api.db.read_only() as session:
        first = session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == answer.json()["id"])
        ).one()
    assert first.data["declared_end_date"] is True


def test_open_claim_exists_is_409(api: Api) -> None:
    create_claim(api)
    answer = api.client.post("/api/v1/claims", json=claim_body(RESIGNED))
    assert_problem(answer, 409, "open_claim_exists")


def test_incomplete_lists_what_is_missing(api: Api) -> None:
    claim = create_claim(api)
    problem = assert_problem(
        api.client.post(f"/api/v1/claims/{claim.id}/submit", headers=claim.auth), 422, "incomplete"
    )
    assert "bank_account" in problem["missing"] and "ktp" in problem["missing"]


def test_transition_not_allowed_lists_allowed_triggers(api: Api) -> None:
    claim = create_claim(api)
    staff = add_staff(api.db, claim.branch)
    answer = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/approve",
        json={},
        headers=bearer(staff.tokens["approver"]),
    )
    problem = assert_problem(answer, 409, "transition_not_allowed")
    assert "submit" in problem["allowed_triggers"]


def test_slot_not_started_and_stale_if_match(api: Api) -> None:
    claim = create_claim(api)
    staff = add_staff(api.db, claim.branch)
    submit_claim(api, claim)
    officer = api.client.get(
        f"/api/v1/officer/claims/{claim.id}", headers=bearer(staff.tokens["verifier"])
    )
    etag = officer.headers["etag"]
    decisions = [
        {"doc_type": d["doc_type"], "decision": "accepted"} for d in officer.json()["documents"]
    ]
    stale = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/document-review",
        json={"decisions": decisions},
        headers=bearer(staff.tokens["verifier"]) | {"If-Match": '"1"'},
    )
    problem = assert_problem(stale, 412, "stale_version")
    assert problem["current_etag"] == etag
    reviewed = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/document-review",
        json={"decisions": decisions},
        headers=bearer(staff.tokens["verifier"]) | {"If-Match": etag},
    )
    assert reviewed.status_code == 200, reviewed.text
    early = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/interview/outcome",
        json={"outcome": "passed"},
        headers=bearer(staff.tokens["interviewer"]),
    )
    assert_problem(early, 422, "slot_not_started")


def test_wrong_role_and_four_eyes_are_403(api: Api) -> None:
    claim, staff = to_awaiting_approval(api)
    wrong = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/approve",
        json={},
        headers=bearer(staff.tokens["verifier"]),
    )
    assert_problem(wrong, 403, "role_not_allowed")

    from claims.registry.officers import add_officer

    other = create_claim(api, "termination: PHK 3 months ago", "termination")
    staff2 = add_staff(api.db, other.branch)  # the interviewers of that branch
    with api.db.unit_of_work() as session:
        _, both = add_officer(
            session, "Verifikator Penyetuju", other.branch, ["verifier", "approver"], NOW
        )
    submit_claim(api, other)
    officer = api.client.get(f"/api/v1/officer/claims/{other.id}", headers=bearer(both))
    decisions = [
        {"doc_type": d["doc_type"], "decision": "accepted"} for d in officer.json()["documents"]
    ]
    reviewed = api.client.post(
        f"/api/v1/officer/claims/{other.id}/document-review",
        json={"decisions": decisions},
        headers=bearer(both),
    )
    assert reviewed.status_code == 200, reviewed.text
    from datetime import datetime

    api.set_now(datetime.fromisoformat(reviewed.json()["interview"]["starts_at"]) + timedelta(1))
    passed = api.client.post(
        f"/api/v1/officer/claims/{other.id}/interview/outcome",
        json={"outcome": "passed"},
        headers=bearer(staff2.tokens["interviewer"]),
    )
    assert passed.status_code == 200, passed.text
    refused = api.client.post(
        f"/api/v1/officer/claims/{other.id}/approve", json={}, headers=bearer(both)
    )
    assert_problem(refused, 403, "four_eyes")


def test_upload_refusals_leave_the_claim_unchanged(api: Api) -> None:
    claim = create_claim(api)
    before = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth).json()
    not_pdf = api.client.put(
        f"/api/v1/claims/{claim.id}/documents/ktp",
        files=[("files", ("x.pdf", b"MZ\x90\x00 not a document at all", "application/pdf"))],
        headers=claim.auth,
    )
    assert_problem(not_pdf, 415)
    raw = api.client.put(
        f"/api/v1/claims/{claim.id}/documents/ktp",
        content=b"%PDF-1.4",
        headers=claim.auth | {"Content-Type": "application/pdf"},
    )
    assert_problem(raw, 415, "multipart_required")
    truncated = api.client.put(
        f"/api/v1/claims/{claim.id}/documents/ktp",
        files=[("files", ("x.pdf", b"%PDF-1.4\n1 0 obj\n<<", "application/pdf"))],
        headers=claim.auth,
    )
    assert_problem(truncated, 422)
    after = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth).json()
    assert after == before


def test_failed_verifications_lock_the_kpj_then_even_a_correct_one_waits(api: Api) -> None:
    wrong = claim_body(RESIGNED, full_name="Bukan Dia")
    for _ in range(5):
        assert_problem(api.client.post("/api/v1/claims", json=wrong), 422, "identity_not_verified")
    locked = api.client.post("/api/v1/claims", json=claim_body(RESIGNED))
    problem = assert_problem(locked, 429, "too_many_attempts")
    assert int(locked.headers["retry-after"]) > 0 and problem["retry_after"] > 0
    # malformed requests do not count: another KPJ is still open to this client
    for _ in range(3):
        assert_problem(api.client.post("/api/v1/claims", json=claim_body(RESIGNED, nik="123")), 422)
    other = api.client.post(
        "/api/v1/claims", json=claim_body("termination: PHK 3 months ago", "termination")
    )
    assert other.status_code == 201, other.text


def test_twenty_failures_from_one_client_lock_the_client(api: Api) -> None:
    limiter = api.client.app.state.rate_limiter  # type: ignore[attr-defined]
    assert limiter.limits == RateLimits(default_per_client="100000/minute")
    for number in range(20):
        body = claim_body(RESIGNED, kpj=f"2699999{number:04d}")
        assert_problem(api.client.post("/api/v1/claims", json=body), 422, "identity_not_verified")
    answer = api.client.post(
        "/api/v1/claims", json=claim_body("termination: PHK 3 months ago", "termination")
    )
    assert_problem(answer, 429, "too_many_attempts")
    assert int(answer.headers["retry-after"]) > 0


def test_tracking_is_limited_to_ten_a_minute_per_client(api: Api) -> None:
    for number in range(10):
        assert api.client.get(f"/api/v1/tracking/2600000{number:04d}").status_code == 200
    answer = api.client.get("/api/v1/tracking/26000000001")
    assert_problem(answer, 429, "rate_limited")
    assert int(answer.headers["retry-after"]) > 0


def test_unexpected_paths_and_methods_are_problems(api: Api) -> None:
    assert_problem(api.client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_problem(api.client.delete("/api/v1/claims"), 405, "method_not_allowed")
