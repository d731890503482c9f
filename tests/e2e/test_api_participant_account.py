"""The signed-in participant's account over HTTP (issue 17, item 2; channels.md, "The
balance"): nothing without a live session, nothing of the participant for an heir's session,
and for a participant the money of `kpj_account` (THE account) with its history, every claim
of the person with its tracking step, their other KPJs masked and what they can claim today."""

from __future__ import annotations

from datetime import datetime, timedelta

from claims.casework.facts import kpj_account, wib_date
from claims.models import Participant
from claims.participants.balance_schemas import ParticipantAccountView
from tests.e2e.api_helpers import HEIR, assert_problem, bearer
from tests.e2e.api_helpers import create_claim as create_over_http
from tests.e2e.conftest import Api
from tests.e2e.participant_helpers import heir_sign_in, sign_in
from tests.e2e.test_api_account import EIGHTY, paid_claim
from tests.support import sample
from workflow.identifiers import mask_kpj

ACCOUNT = "/api/v1/participant/account"
TWO_KPJS = "two KPJs: left this employer 3 months ago"
DECEASED = "death: deceased participant (heir claims)"


def claimable_of(account: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {item["reason"]: item for item in account["claimable"]}


def test_no_live_session_is_401(api: Api) -> None:
    assert_problem(api.client.get(ACCOUNT), 401)
    assert_problem(api.client.get(ACCOUNT, headers=bearer("not-a-session")), 401)
    # A session past its 12 hours is no session.
    token = sign_in(api, EIGHTY)
    api.set_now(api.runtime.clock.now() + timedelta(hours=13))
    assert_problem(api.client.get(ACCOUNT, headers=bearer(token)), 401)


def test_using_the_session_moves_its_idle_clock(api: Api) -> None:
    start = api.runtime.clock.now()
    used = sign_in(api, EIGHTY)
    idle = sign_in(api, TWO_KPJS)
    api.set_now(start + timedelta(minutes=20))
    assert api.client.get(ACCOUNT, headers=bearer(used)).status_code == 200
    # 40 minutes after sign-in: 20 idle for the one used, 40 for the other (30 at most).
    api.set_now(start + timedelta(minutes=40))
    assert api.client.get(ACCOUNT, headers=bearer(used)).status_code == 200
    assert_problem(api.client.get(ACCOUNT, headers=bearer(idle)), 401)


def test_an_heirs_session_sees_its_death_claim_only(api: Api) -> None:
    claim = create_over_http(api, DECEASED, "death")
    reference = api.client.get(f"/api/v1/claims/{claim.id}", headers=claim.auth).json()["reference"]
    token = heir_sign_in(api, reference, HEIR["nik"], HEIR["birth_date"])
    problem = assert_problem(api.client.get(ACCOUNT, headers=bearer(token)), 403, "heir_session")
    assert "Rp" not in problem["detail"]


def test_a_paid_claim_shows_in_the_money_history_and_claims(api: Api) -> None:
    approved, _ = paid_claim(api, EIGHTY, "resignation")
    gross = approved["payout"]["gross"]
    row = sample(EIGHTY)
    # Since then she works for a new employer: a second KPJ of her NIK, active.
    new_kpj = "26000009991"
    with api.db.unit_of_work() as session:
        session.add(
            Participant(
                kpj=new_kpj,
                nik=row["nik"],
                full_name=row["full_name"],
                birth_date=datetime.fromisoformat(row["birth_date"]).date(),
                gender="F",
                membership_start=wib_date(api.runtime.clock.now()),
                membership_status="active",
                employer_name="PT Baru Sejahtera",
                employment_end_date=None,
                balance=0,
                email=row["email"],
                phone=row["phone"],
                deceased=False,
                balance_date=wib_date(api.runtime.clock.now()),
                updated_at=api.runtime.clock.now(),
            )
        )
    api.set_now(api.runtime.clock.now() + timedelta(days=3))
    token = sign_in(api, EIGHTY)

    answer = api.client.get(ACCOUNT, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    account = answer.json()
    ParticipantAccountView.model_validate(account)  # the document is what OpenAPI says
    today = wib_date(api.runtime.clock.now())
    with api.db.read_only() as session:
        participant = session.get(Participant, row["kpj"])
        assert participant is not None
        expected = kpj_account(session, participant, today)
    balance = account["balance"]
    assert balance == {
        "statement_balance": expected.statement_balance,
        "statement_date": expected.statement_date.isoformat(),
        "development": expected.development,
        "paid_out": expected.paid_out,
        "held": expected.held,
        "available": expected.available,
        "as_of": today.isoformat(),
        "rate_bp": expected.rate.rate_bp,
    }
    assert balance["paid_out"] == gross and balance["available"] == 0 and balance["held"] == 0
    assert account["kpj"] == row["kpj"] and account["full_name"] == row["full_name"]
    assert account["membership_status"] == "inactive"
    assert account["history"][0] == {
        "date": expected.statement_date.isoformat(),
        "kind": "statement",
        "amount": 80_000_000,
        "reference": None,
    }
    payouts = [line for line in account["history"] if line["kind"] == "payout"]
    assert len(payouts) == 1 and payouts[0]["amount"] == -gross
    assert payouts[0]["reference"] == approved["payout"]["reference"]
    assert [line["kind"] for line in account["history"]].count("development") >= 1

    assert [(c["id"], c["status"], c["step"]) for c in account["claims"]] == [
        (approved["id"], "paid", 5)
    ]
    assert account["claims"][0]["reference"] == approved["reference"]
    # Every KPJ in the list is masked, as other_kpjs are (a claim may be on another KPJ).
    assert account["claims"][0]["kpj_masked"] == mask_kpj(row["kpj"])
    assert row["kpj"] not in str(account["claims"])
    assert account["other_kpjs"] == [{"kpj_masked": "2600****991", "status": "active"}]
    assert new_kpj not in answer.text and row["nik"] not in answer.text

    claimable = claimable_of(account)
    assert "death" not in claimable
    # Working again (the new KPJ is active): no stop-work claim; retirement from 56.
    assert claimable["resignation"]["code"] == "other_kpj_active"
    assert claimable["retirement"]["eligible"] is False
    birth = datetime.fromisoformat(row["birth_date"]).date()
    assert (
        claimable["retirement"]["eligible_from"] == birth.replace(year=birth.year + 56).isoformat()
    )


def test_other_kpjs_masked_and_what_can_be_claimed_from_when(api: Api) -> None:
    row = sample(TWO_KPJS)
    token = sign_in(api, TWO_KPJS)
    answer = api.client.get(ACCOUNT, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    account = answer.json()
    assert account["claims"] == []
    assert account["other_kpjs"] == [{"kpj_masked": "2600****066", "status": "active"}]
    claimable = claimable_of(account)
    # Member for 9 years: a partial claim from her tenth year; she still works elsewhere.
    start = datetime.fromisoformat(row["membership_start"]).date()
    for partial in ("partial_housing", "partial_other"):
        assert claimable[partial] == {
            "reason": partial,
            "eligible": False,
            "eligible_from": start.replace(year=start.year + 10).isoformat(),
            "code": "partial_requirements_not_met",
            "estimate_gross": None,
        }
    assert claimable["resignation"]["code"] == "other_kpj_active"
    available = account["balance"]["available"]
    assert available >= 46_000_000
    assert claimable["disability"]["eligible"] is True
    assert claimable["disability"]["estimate_gross"] == available
    # Her open claim then shows, and no second one is offered on the same KPJ.
    create_over_http(api, TWO_KPJS, "disability")
    again = api.client.get(ACCOUNT, headers=bearer(token)).json()
    assert [c["step"] for c in again["claims"]] == [1]
    assert claimable_of(again)["disability"]["code"] == "open_claim_exists"


def test_a_kept_account_body_is_never_given_after_the_account_changed(api: Api) -> None:
    """The API keeps the bodies of the records it read (balance.account_json): the same
    records on the same day give the same body; a new claim, a payout or the next day give
    the new one at once, for a session signed in before the change too."""
    token = sign_in(api, EIGHTY)
    first = api.client.get(ACCOUNT, headers=bearer(token))
    again = api.client.get(ACCOUNT, headers=bearer(token))
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert first.json()["claims"] == [] and first.json()["balance"]["paid_out"] == 0

    claim = create_over_http(api, EIGHTY, "resignation")
    opened = api.client.get(ACCOUNT, headers=bearer(token)).json()
    assert [c["id"] for c in opened["claims"]] == [claim.id]
    assert claimable_of(opened)["resignation"]["code"] == "open_claim_exists"

    api.set_now(api.runtime.clock.now() + timedelta(days=1))
    token = sign_in(api, EIGHTY)
    next_day = api.client.get(ACCOUNT, headers=bearer(token)).json()
    assert next_day["balance"]["as_of"] != opened["balance"]["as_of"]


def test_a_payout_shows_at_once_for_a_session_that_read_the_account_before(api: Api) -> None:
    token = sign_in(api, EIGHTY)
    before = api.client.get(ACCOUNT, headers=bearer(token)).json()
    assert before["balance"]["paid_out"] == 0
    approved, _ = paid_claim(api, EIGHTY, "resignation")
    token = sign_in(api, EIGHTY)
    after = api.client.get(ACCOUNT, headers=bearer(token)).json()
    assert after["balance"]["paid_out"] == approved["payout"]["gross"] > 0
    assert after["balance"]["available"] == 0 < before["balance"]["available"]
