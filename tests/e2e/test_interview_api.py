"""The interview over HTTP: the earliest slot is held at acceptance and the applicant may
choose another (that first change is free; then at most 2 rebookings, 1 after a miss), may
ask for the interview at the branch instead of by video (the officers see it), the
interviewer records passed, failed or no_show once the slot has started, and a second miss
cancels the claim. Public tracking shows the booked time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from claims.casework import schemas
from claims.models import ClaimEvent
from claims.sample_data import participant_rows
from tests.e2e.conftest import Api
from tests.support import SAMPLE_DAY, Staff, add_staff, attach_documents_directly, sample

LABEL = "resignation: left 3 months ago"  # Denpasar, Asia/Makassar (UTC+8)
RIVAL_KPJ = "26000000032"  # Denpasar too: "everyday: resigned or ended contract"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Booked:
    claim_id: str
    token: str
    staff: Staff
    interview: dict[str, Any]

    @property
    def applicant(self) -> dict[str, str]:
        return bearer(self.token)

    @property
    def interviewer(self) -> dict[str, str]:
        return bearer(self.staff.tokens["interviewer"])


def row_of(kpj: str) -> dict[str, str]:
    return next(r for r in participant_rows(SAMPLE_DAY) if r["kpj"] == kpj)


def to_interview(api: Api, row: dict[str, str] | None = None, staff: Staff | None = None) -> Booked:
    row = row or sample(LABEL)
    staff = staff or add_staff(api.db, row["_branch"])
    body = {
        "kpj": row["kpj"],
        "nik": row["nik"],
        "full_name": row["full_name"],
        "birth_date": row["birth_date"],
        "reason": "resignation",
        "email": row["email"],
        "phone": row["phone"],
        "branch_code": row["_branch"],
    }
    created = api.client.post("/api/v1/claims", json=body)
    assert created.status_code == 201, created.text
    claim_id, token = created.json()["id"], created.json()["access_token"]
    account = {
        "bank_code": "014",
        "account_number": "1234567890",
        "account_holder": row["full_name"],
    }
    for path, payload in (("bank-account", account), ("npwp", {"npwp": "01.234.567.8-901.000"})):
        answer = api.client.put(
            f"/api/v1/claims/{claim_id}/{path}", json=payload, headers=bearer(token)
        )
        assert answer.status_code == 200, answer.text
    types = attach_documents_directly(api.db, claim_id)  # uploads are not this file's subject
    submitted = api.client.post(f"/api/v1/claims/{claim_id}/submit", headers=bearer(token))
    assert submitted.status_code == 200, submitted.text
    reviewed = api.client.post(
        f"/api/v1/officer/claims/{claim_id}/document-review",
        json={"decisions": [{"doc_type": t, "decision": "accepted"} for t in types]},
        headers=bearer(staff.tokens["verifier"]),
    )
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["status"] == "interview_scheduled"
    return Booked(claim_id, token, staff, reviewed.json()["interview"])


def slots(api: Api, booked: Booked) -> list[dict[str, str]]:
    answer = api.client.get(
        f"/api/v1/claims/{booked.claim_id}/interview/slots", headers=booked.applicant
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def rebook(api: Api, booked: Booked, starts_at: str) -> Any:
    return api.client.post(
        f"/api/v1/claims/{booked.claim_id}/interview",
        json={"starts_at": starts_at},
        headers=booked.applicant,
    )


def outcome(api: Api, booked: Booked, value: str, **extra: str) -> Any:
    return api.client.post(
        f"/api/v1/officer/claims/{booked.claim_id}/interview/outcome",
        json={"outcome": value, **extra},
        headers=booked.interviewer,
    )


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_slots_are_the_free_ones_of_the_next_ten_working_days(api: Api) -> None:
    booked = to_interview(api)
    listed = slots(api, booked)
    # One interviewer: the claim's own slot is full, every other slot of 10 days is listed.
    assert len(listed) == 10 * 16 - 1
    starts = [at(s["starts_at"]) for s in listed]
    assert starts == sorted(starts)
    assert at(booked.interview["starts_at"]) not in starts
    assert starts[0] == at(booked.interview["starts_at"]) + timedelta(minutes=30)
    local = [s.astimezone(at("2026-11-16T00:00:00+08:00").tzinfo) for s in starts]
    assert all(8 <= t.hour < 16 and t.minute in (0, 30) and t.weekday() < 5 for t in local)
    assert all(at(s["ends_at"]) - at(s["starts_at"]) == timedelta(minutes=30) for s in listed)


def applicant_claim(api: Api, booked: Booked) -> dict[str, Any]:
    answer = api.client.get(f"/api/v1/claims/{booked.claim_id}", headers=booked.applicant)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def event_data(api: Api, booked: Booked, trigger: str) -> list[dict[str, Any]]:
    """The `data` of the claim's audit events of `trigger`, in order (the API shows no data)."""
    with api.db.read_only() as session:
        events = session.scalars(
            select(ClaimEvent)
            .where(ClaimEvent.claim_id == booked.claim_id, ClaimEvent.trigger == trigger)
            .order_by(ClaimEvent.seq)
        )
        return [dict(e.data) for e in events]


def choice_of(interview: dict[str, Any]) -> tuple[bool, int, int]:
    return (
        interview["first_change_free"],
        interview["max_rebookings"],
        interview["rebookings_left"],
    )


def test_the_first_change_is_free_then_two_rebookings_then_reschedule_limit(api: Api) -> None:
    booked = to_interview(api)
    assert choice_of(booked.interview) == (True, 2, 2)
    listed = slots(api, booked)
    first = rebook(api, booked, listed[5]["starts_at"])
    assert first.status_code == 200, first.text
    assert at(first.json()["interview"]["starts_at"]) == at(listed[5]["starts_at"])
    assert first.json()["interview"]["video_url"] != booked.interview["video_url"]
    # The applicant's own choice of the held slot is not a rebooking.
    assert choice_of(first.json()["interview"]) == (False, 2, 2)
    freed = booked.interview["starts_at"]  # the old seat is free again
    assert freed in {s["starts_at"] for s in slots(api, booked)}
    second = rebook(api, booked, freed)
    assert second.status_code == 200, second.text
    assert choice_of(second.json()["interview"]) == (False, 2, 1)
    third = rebook(api, booked, listed[7]["starts_at"])
    assert third.status_code == 200, third.text
    assert choice_of(third.json()["interview"]) == (False, 2, 0)
    refused = rebook(api, booked, listed[9]["starts_at"])
    assert refused.status_code == 422 and refused.json()["code"] == "reschedule_limit"
    assert refused.headers["content-type"].startswith("application/problem+json")
    claim = applicant_claim(api, booked)
    assert claim["version"] == third.json()["version"]
    assert claim["interview"]["starts_at"] == third.json()["interview"]["starts_at"]
    assert [e["counted"] for e in event_data(api, booked, "reschedule")] == [False, True, True]


def test_a_slot_not_listed_is_not_available(api: Api) -> None:
    booked = to_interview(api)
    listed = slots(api, booked)
    for wanted in (
        (at(listed[0]["starts_at"]) + timedelta(minutes=10)).isoformat(),  # not a slot start
        "2026-11-21T01:00:00+00:00",  # Saturday
        booked.interview["starts_at"],  # its own slot: no change
        (at(listed[-1]["starts_at"]) + timedelta(days=7)).isoformat(),  # beyond 10 days
        "2026-11-16T07:00:00+00:00",  # today
    ):
        answer = rebook(api, booked, wanted)
        assert answer.status_code == 422, (wanted, answer.text)
        assert answer.json()["code"] == "slot_not_available"
    claim = api.client.get(f"/api/v1/claims/{booked.claim_id}", headers=booked.applicant).json()
    assert claim["status"] == "interview_scheduled"
    assert claim["interview"]["starts_at"] == booked.interview["starts_at"]


def test_a_slot_taken_by_another_claim_is_not_available(api: Api) -> None:
    booked = to_interview(api)
    rival = to_interview(api, row_of(RIVAL_KPJ), booked.staff)  # same branch, one interviewer
    assert at(rival.interview["starts_at"]) == at(booked.interview["starts_at"]) + timedelta(
        minutes=30
    )
    assert rival.interview["starts_at"] not in {s["starts_at"] for s in slots(api, booked)}
    answer = rebook(api, booked, rival.interview["starts_at"])
    assert answer.status_code == 422 and answer.json()["code"] == "slot_not_available"


def test_outcome_never_before_the_slot_starts(api: Api) -> None:
    booked = to_interview(api)
    starts = at(booked.interview["starts_at"])
    api.set_now(starts - timedelta(minutes=1))
    for value in ("passed", "no_show"):
        early = outcome(api, booked, value)
        assert early.status_code == 422 and early.json()["code"] == "slot_not_started"
    early = outcome(api, booked, "failed", reason_code="identity_not_confirmed_in_interview")
    assert early.status_code == 422 and early.json()["code"] == "slot_not_started"
    api.set_now(starts + timedelta(minutes=1))
    passed = outcome(api, booked, "passed")
    assert passed.status_code == 200, passed.text
    assert passed.json()["status"] == "awaiting_approval"


def test_failed_needs_a_reason_code_and_rejects(api: Api) -> None:
    booked = to_interview(api)
    api.set_now(at(booked.interview["starts_at"]) + timedelta(minutes=10))
    bare = outcome(api, booked, "failed")
    assert bare.status_code == 422 and bare.json()["code"] == "reason_code_required"
    failed = outcome(api, booked, "failed", reason_code="identity_not_confirmed_in_interview")
    assert failed.status_code == 200, failed.text
    assert failed.json()["status"] == "rejected"


def test_one_rebooking_after_a_miss_and_a_second_miss_cancels(api: Api) -> None:
    booked = to_interview(api)
    api.set_now(at(booked.interview["starts_at"]) + timedelta(minutes=10))
    missed = outcome(api, booked, "no_show")
    assert missed.status_code == 200, missed.text
    assert missed.json()["status"] == "interview_missed"
    assert choice_of(missed.json()["interview"]) == (False, 2, 1)  # a miss is not a hold
    listed = slots(api, booked)
    again = rebook(api, booked, listed[3]["starts_at"])
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "interview_scheduled"
    assert choice_of(again.json()["interview"]) == (False, 2, 0)
    refused = rebook(api, booked, listed[4]["starts_at"])  # no change after the one rebooking
    assert refused.status_code == 422 and refused.json()["code"] == "reschedule_limit"
    api.set_now(at(listed[3]["starts_at"]) + timedelta(minutes=5))
    second = outcome(api, booked, "no_show")
    assert second.status_code == 200, second.text
    assert second.json()["status"] == "cancelled"


def test_no_rebooking_after_a_miss_once_both_were_used(api: Api) -> None:
    booked = to_interview(api)
    listed = slots(api, booked)
    for index in (2, 4, 6):  # the free choice, then both rebookings
        assert rebook(api, booked, listed[index]["starts_at"]).status_code == 200
    api.set_now(at(listed[6]["starts_at"]) + timedelta(minutes=1))
    assert outcome(api, booked, "no_show").json()["status"] == "interview_missed"
    refused = rebook(api, booked, slots(api, booked)[0]["starts_at"])
    assert refused.status_code == 422 and refused.json()["code"] == "reschedule_limit"


def ask_branch(api: Api, booked: Booked, body: dict[str, Any]) -> Any:
    return api.client.post(
        f"/api/v1/claims/{booked.claim_id}/interview/at-branch",
        json=body,
        headers=booked.applicant,
    )


def test_an_interview_at_the_branch_is_asked_once_and_shown_to_officers(api: Api) -> None:
    booked = to_interview(api)
    before = applicant_claim(api, booked)
    assert before["branch_interview_request"] is None
    for body in ({"reason": "   "}, {"reason": "x" * 301}):
        bad = ask_branch(api, booked, body)
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in bad.json()["errors"]] == ["reason"]
    assert applicant_claim(api, booked)["version"] == before["version"]  # nothing changed

    asked = ask_branch(api, booked, {"reason": "  Tidak ada kuota   data untuk video. "})
    assert asked.status_code == 200, asked.text
    request = asked.json()["branch_interview_request"]
    assert request["reason"] == "Tidak ada kuota data untuk video."
    assert at(request["requested_at"]) <= api.runtime.clock.now()
    assert asked.json()["status"] == "interview_scheduled"
    assert asked.json()["interview"]["starts_at"] == booked.interview["starts_at"]  # stands
    # A request is no step of the claim: the applicant's history does not grow.
    assert asked.json()["history"] == before["history"]

    again = ask_branch(api, booked, {"reason": "sekali lagi"})
    assert again.status_code == 409 and again.json()["code"] == "branch_interview_already_requested"

    officer = api.client.get(
        f"/api/v1/officer/claims/{booked.claim_id}", headers=booked.interviewer
    )
    assert officer.status_code == 200
    assert officer.json()["branch_interview_request"]["reason"] == request["reason"]
    [event] = [e for e in officer.json()["events"] if e["trigger"] == "request_branch_interview"]
    assert event["actor"] == "applicant"
    assert event["from_status"] == event["to_status"] == "interview_scheduled"
    # The applicant's words stay on the claim, out of the audit chain.
    assert event_data(api, booked, "request_branch_interview") == [{"at_branch": True}]
    # The request outlives a change of time.
    moved = rebook(api, booked, slots(api, booked)[3]["starts_at"])
    assert moved.json()["branch_interview_request"] == request


def test_no_branch_interview_before_the_documents_are_accepted(api: Api) -> None:
    row = sample(LABEL)
    body = {
        "kpj": row["kpj"],
        "nik": row["nik"],
        "full_name": row["full_name"],
        "birth_date": row["birth_date"],
        "reason": "resignation",
        "email": row["email"],
        "phone": row["phone"],
        "branch_code": row["_branch"],
    }
    created = api.client.post("/api/v1/claims", json=body).json()
    answer = api.client.post(
        f"/api/v1/claims/{created['id']}/interview/at-branch",
        json={"reason": "tidak ada kuota"},
        headers=bearer(created["access_token"]),
    )
    assert answer.status_code == 409 and answer.json()["code"] == "no_interview"


def test_the_interview_routes_declare_their_refusals_as_problem_json(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/claims/{claim_id}/interview",
        "/api/v1/claims/{claim_id}/interview/at-branch",
    ):
        responses = paths[path]["post"]["responses"]
        for status in ("401", "404", "409", "422"):
            assert "application/problem+json" in responses[status]["content"], (path, status)
    interview = api.client.get("/openapi.json").json()["components"]["schemas"]["InterviewView"]
    assert {"first_change_free", "max_rebookings", "rebookings_left"} <= set(
        interview["properties"]
    )
    officer = api.client.get("/openapi.json").json()["components"]["schemas"]["OfficerClaimView"]
    assert "branch_interview_request" in officer["properties"]


def test_tracking_shows_the_booked_time_in_the_branch_zone(api: Api) -> None:
    booked = to_interview(api)
    row = sample(LABEL)
    document = api.client.get(f"/api/v1/tracking/{row['kpj']}").json()
    assert schemas.TrackingView.model_validate(document).model_dump(mode="json") == document
    tracked = document["claims"][0]
    assert tracked["state"] == "in_progress" and tracked["step"] == 3
    interview = tracked["interview"]
    assert interview["timezone"] == "Asia/Makassar"
    assert interview["starts_at"].endswith("+08:00")  # WITA, where the branch is
    assert at(interview["starts_at"]) == at(booked.interview["starts_at"])
    assert at(interview["ends_at"]) == at(booked.interview["ends_at"])
    moved = rebook(api, booked, slots(api, booked)[4]["starts_at"]).json()
    tracked = api.client.get(f"/api/v1/tracking/{row['kpj']}").json()["claims"][0]
    assert at(tracked["interview"]["starts_at"]) == at(moved["interview"]["starts_at"])
    api.set_now(at(moved["interview"]["starts_at"]) + timedelta(minutes=5))
    assert outcome(api, booked, "passed").status_code == 200
    tracked = api.client.get(f"/api/v1/tracking/{row['kpj']}").json()["claims"][0]
    assert tracked["step"] == 4 and tracked["interview"] is None
