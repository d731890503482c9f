"""Signing in as a participant or an heir over HTTP (channels.md, quality.md's sign-in row):
the code goes to the registry's contacts only, is kept hashed, is good for 10 minutes, once,
and 5 tries; the identity check is claim creation's, with its limits; a session opens every
claim of the person's KPJs, from any device, until it is ended or lapses."""

from __future__ import annotations

import concurrent.futures
from datetime import timedelta

from sqlalchemy import func, select

from claims.jobs.housekeeping import purge_sign_ins
from claims.models import OutboxMessage, ParticipantChallenge, VerificationAttempt
from claims.participants.access import signed_in
from tests.e2e.api_helpers import (
    HEIR,
    RESIGNED,
    assert_problem,
    bearer,
    claim_body,
    create_claim,
)
from tests.e2e.conftest import Api
from tests.e2e.participant_helpers import sent_code, sign_in, start_sign_in
from tests.support import sample

DECEASED = "death: deceased participant (heir claims)"


def _confirm(api: Api, challenge_id: str, code: str):  # type: ignore[no-untyped-def]
    return api.client.post(f"/api/v1/participant/sign-in/{challenge_id}", json={"code": code})


def test_the_code_goes_to_the_registrys_contacts_and_is_kept_only_hashed(api: Api) -> None:
    row = sample(RESIGNED)
    challenge = start_sign_in(api, RESIGNED)
    assert challenge["sent_to"] == ["s***@contoh.id", "+62812*****" + row["phone"][-3:]]
    code = sent_code(api.db, challenge["challenge_id"])
    assert len(code) == 6 and code.isdigit()
    with api.db.read_only() as session:
        stored = session.get(ParticipantChallenge, challenge["challenge_id"])
        assert stored is not None and code not in stored.code_hash
        messages = list(
            session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.dedupe_key.like(f"%{challenge['challenge_id']}%")
                )
            )
        )
    destinations = sorted(str(m.payload["to"]) for m in messages)
    assert destinations == sorted([row["email"], row["phone"]])


def test_a_session_opens_every_claim_of_the_person_from_another_device(api: Api) -> None:
    claim = create_claim(api, RESIGNED)
    token = sign_in(api, RESIGNED)
    # Another device: no claim token, only the session.
    answer = api.client.get(f"/api/v1/claims/{claim.id}", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    assert answer.json()["reference"]
    # Another person's claim: 404, as if it did not exist.
    other = create_claim(api, "resignation: balance 80.000.000 (tax example)")
    assert_problem(
        api.client.get(f"/api/v1/claims/{other.id}", headers=bearer(token)), 404, "not_found"
    )
    # The session also acts on the claim: cancelling needs no lost page.
    cancelled = api.client.post(f"/api/v1/claims/{claim.id}/cancel", headers=bearer(token))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_wrong_details_name_no_field_and_count_in_claim_creations_limits(api: Api) -> None:
    row = sample(RESIGNED)
    wrong = {"kpj": row["kpj"], "nik": row["nik"], "birth_date": "1997-11-22"}
    for _ in range(3):
        assert_problem(
            api.client.post("/api/v1/participant/sign-in", json=wrong), 422, "identity_not_verified"
        )
    # Two claim attempts with wrong details: the KPJ's window of 5 is now full...
    for _ in range(2):
        bad = claim_body(RESIGNED, birth_date="1997-11-22")
        assert_problem(api.client.post("/api/v1/claims", json=bad), 422, "identity_not_verified")
    # ... so even the right details wait, on both channels.
    right = {"kpj": row["kpj"], "nik": row["nik"], "birth_date": row["birth_date"]}
    answer = api.client.post("/api/v1/participant/sign-in", json=right)
    assert_problem(answer, 429, "too_many_attempts")
    assert int(answer.headers["retry-after"]) > 0
    with api.db.read_only() as session:
        attempts = session.scalar(select(func.count()).where(VerificationAttempt.kpj == row["kpj"]))
    assert attempts == 5
    # A malformed NIK names its field and is no attempt.
    assert_problem(
        api.client.post("/api/v1/participant/sign-in", json={**right, "nik": "12"}),
        422,
        "validation_failed",
    )


def test_a_code_is_good_once_for_ten_minutes_and_five_tries(api: Api) -> None:
    challenge = start_sign_in(api, RESIGNED)
    code = sent_code(api.db, challenge["challenge_id"])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        assert_problem(_confirm(api, challenge["challenge_id"], wrong), 422, "code_invalid")
    assert _confirm(api, challenge["challenge_id"], code).status_code == 200
    # Once.
    assert_problem(_confirm(api, challenge["challenge_id"], code), 422, "code_invalid")

    five_wrong = start_sign_in(api, RESIGNED)
    code = sent_code(api.db, five_wrong["challenge_id"])
    for _ in range(5):
        assert_problem(_confirm(api, five_wrong["challenge_id"], wrong), 422, "code_invalid")
    assert_problem(_confirm(api, five_wrong["challenge_id"], code), 422, "code_invalid")

    late = start_sign_in(api, RESIGNED)
    code = sent_code(api.db, late["challenge_id"])
    api.set_now(api.runtime.clock.now() + timedelta(minutes=10))
    assert_problem(_confirm(api, late["challenge_id"], code), 422, "code_invalid")
    assert_problem(_confirm(api, "no-such-challenge", code), 422, "code_invalid")


def test_concurrent_answers_with_the_right_code_open_one_session(api: Api) -> None:
    challenge = start_sign_in(api, RESIGNED)
    code = sent_code(api.db, challenge["challenge_id"])
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _confirm(api, challenge["challenge_id"], code), range(8)))
    assert sorted(a.status_code for a in answers) == [200] + [422] * 7


def test_a_session_lapses_when_idle_or_old_and_ends_at_sign_out(api: Api) -> None:
    claim = create_claim(api, RESIGNED)
    token = sign_in(api, RESIGNED)
    url = f"/api/v1/claims/{claim.id}"
    # Used every 25 minutes it lives on, ...
    for _ in range(3):
        api.set_now(api.runtime.clock.now() + timedelta(minutes=25))
        assert api.client.get(url, headers=bearer(token)).status_code == 200
        # The participant's own routes and pages move the idle clock.
        assert signed_in(api.runtime, token) is not None
    # ... 30 minutes idle end it.
    api.set_now(api.runtime.clock.now() + timedelta(minutes=30))
    assert_problem(api.client.get(url, headers=bearer(token)), 401)

    token = sign_in(api, RESIGNED)
    assert (
        api.client.delete("/api/v1/participant/session", headers=bearer(token)).status_code == 204
    )
    assert_problem(api.client.get(url, headers=bearer(token)), 401)


def test_a_deceased_participants_identity_does_not_sign_in(api: Api) -> None:
    row = sample(DECEASED)
    body = {"kpj": row["kpj"], "nik": row["nik"], "birth_date": row["birth_date"]}
    assert_problem(
        api.client.post("/api/v1/participant/sign-in", json=body), 422, "identity_not_verified"
    )


def test_an_heir_gets_back_into_the_death_claim_only(api: Api) -> None:
    created = api.client.post("/api/v1/claims", json=claim_body(DECEASED, "death"))
    assert created.status_code == 201, created.text
    claim = created.json()
    heir = {"reference": claim["reference"], "nik": HEIR["nik"], "birth_date": HEIR["birth_date"]}
    wrong = api.client.post(
        "/api/v1/participant/heir-sign-in", json={**heir, "birth_date": "1990-03-16"}
    )
    assert_problem(wrong, 422, "identity_not_verified")
    answer = api.client.post("/api/v1/participant/heir-sign-in", json=heir)
    assert answer.status_code == 202, answer.text
    row = sample(DECEASED)
    # The code goes to the claim's contacts (here the ones given on the claim).
    assert answer.json()["sent_to"][0] == row["email"][0] + "***@contoh.id"
    challenge_id = answer.json()["challenge_id"]
    opened = _confirm(api, challenge_id, sent_code(api.db, challenge_id))
    assert opened.status_code == 200, opened.text
    assert opened.json()["purpose"] == "heir" and opened.json()["claim_id"] == claim["id"]
    token = opened.json()["access_token"]
    assert api.client.get(f"/api/v1/claims/{claim['id']}", headers=bearer(token)).status_code == 200
    other = create_claim(api, RESIGNED)
    assert_problem(
        api.client.get(f"/api/v1/claims/{other.id}", headers=bearer(token)), 404, "not_found"
    )


def test_unknown_fields_are_refused(api: Api) -> None:
    row = sample(RESIGNED)
    body = {"kpj": row["kpj"], "nik": row["nik"], "birth_date": row["birth_date"]}
    assert_problem(
        api.client.post("/api/v1/participant/sign-in", json={**body, "email": "me@evil.example"}),
        422,
    )


def test_housekeeping_blanks_codes_and_forgets_spent_sign_ins(api: Api) -> None:
    challenge = start_sign_in(api, RESIGNED)
    code = sent_code(api.db, challenge["challenge_id"])
    token = sign_in(api, RESIGNED)
    now = api.runtime.clock.now()
    # Within its 10 minutes an unsent code is left alone ...
    purge_sign_ins(api.runtime, now)
    assert sent_code(api.db, challenge["challenge_id"]) == code
    # ... after them no message holds a code any more, and none is sent late.
    purge_sign_ins(api.runtime, now + timedelta(minutes=11))
    with api.db.read_only() as session:
        messages = list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("%signin:%")))
        )
    assert len(messages) == 4
    assert all(code not in str(m.payload) for m in messages)
    assert all(m.done_at is not None for m in messages)
    # Spent challenges and sessions go after a day.
    api.set_now(now + timedelta(days=2))
    assert purge_sign_ins(api.runtime, api.runtime.clock.now()) >= 3
    with api.db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(ParticipantChallenge)) == 0
    assert signed_in(api.runtime, token) is None


def test_wrong_codes_across_challenges_stop_new_codes_for_the_kpj(api: Api) -> None:
    """Each challenge allows 5 wrong codes; across challenges a KPJ allows 10 a day, then no
    new code is sent (429), even for the right details."""
    for _ in range(2):
        challenge = start_sign_in(api, RESIGNED)
        code = sent_code(api.db, challenge["challenge_id"])
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            assert_problem(_confirm(api, challenge["challenge_id"], wrong), 422, "code_invalid")
    row = sample(RESIGNED)
    body = {"kpj": row["kpj"], "nik": row["nik"], "birth_date": row["birth_date"]}
    answer = api.client.post("/api/v1/participant/sign-in", json=body)
    assert_problem(answer, 429, "too_many_attempts")
    # Another person's sign-in is not held up.
    start_sign_in(api, "resignation: balance 80.000.000 (tax example)")


def test_an_unknown_reference_is_answered_like_a_wrong_heir(api: Api) -> None:
    body = {"reference": "JHT-2611-ZZZZZZ", "nik": HEIR["nik"], "birth_date": HEIR["birth_date"]}
    assert_problem(
        api.client.post("/api/v1/participant/heir-sign-in", json=body), 422, "identity_not_verified"
    )
