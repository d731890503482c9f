"""An officer whose data combines supervisor with an acting role (written before `officers
add` refused it, or by hand) gets 422 on every officer route, declared in the OpenAPI
document, and changes nothing; a pure supervisor still reads every branch and acts nowhere."""

from __future__ import annotations

from claims.registry.officers import add_officer
from claims.repositories.registry import insert_officer
from claims.security import hash_token, new_token
from tests.e2e.api_helpers import assert_problem, bearer, create_claim, submit_claim
from tests.e2e.conftest import Api
from tests.e2e.test_api_authorisation import ROUTES, app_routes, call, fill
from tests.support import NOW

OFFICER_ROUTES = sorted(key for key, audience in ROUTES.items() if audience.startswith("officer:"))


def mixed_officer(api: Api, branch: str | None) -> str:
    """A token of an officer stored with supervisor and approver (add_officer refuses it)."""
    token = new_token()
    with api.db.unit_of_work() as session:
        insert_officer(
            session,
            name="Mixed",
            branch_code=branch,
            roles=["approver", "supervisor"],
            token_hash=hash_token(token),
            now=NOW,
        )
    return token


def test_every_officer_route_declares_422(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    served = app_routes(api.client.app)
    for method, template in OFFICER_ROUTES:
        if (method, template) in served:
            declared = paths[template][method.lower()]["responses"].get("422", {})
            assert "application/problem+json" in declared.get("content", {}), (method, template)


def test_a_supervisor_with_an_acting_role_is_422_on_every_officer_route(api: Api) -> None:
    claim = create_claim(api)
    submit_claim(api, claim)
    before = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth)
    served = app_routes(api.client.app)
    for branch in (None, claim.branch):
        token = mixed_officer(api, branch)
        checked = 0
        for method, template in OFFICER_ROUTES:
            if (method, template) not in served:
                continue
            answer = call(api, method, fill(template, claim.id), bearer(token))
            problem = assert_problem(answer, 422, "supervisor_with_acting_role")
            assert "supervisor" in problem["detail"]
            checked += 1
        assert checked >= 9
    after = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth)
    assert after.headers["etag"] == before.headers["etag"]


def test_a_supervisor_reads_every_branch_and_acts_nowhere(api: Api) -> None:
    claim = create_claim(api)
    submit_claim(api, claim)
    with api.db.unit_of_work() as session:
        _, token = add_officer(session, "Supervisor", None, ["supervisor"], NOW, by="ops")
    seen = api.client.get(f"/api/v1/officer/claims/{claim.id}", headers=bearer(token))
    assert seen.status_code == 200, seen.text
    approve = api.client.post(
        f"/api/v1/officer/claims/{claim.id}/approve", json={}, headers=bearer(token)
    )
    assert_problem(approve, 403, "role_not_allowed")
