"""/track over HTTP: the booked interview's time where the branch is (a time is not
personal), "Menunggu tindakan Anda" while the claim waits for the applicant, and a cancelled
claim said once, with the way to start again."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.e2e.conftest import Api
from tests.e2e.test_interview_api import bearer, to_interview
from tests.e2e.test_interview_page import csrf_of
from tests.support import create, new_claim_request, sample
from workflow.states import ClaimReason

LABEL = "resignation: left 3 months ago"  # Denpasar, WITA


def track(api: Api, kpj: str, language: str = "id") -> str:
    token = csrf_of(api.client.get(f"/track?lang={language}").text)
    answer = api.client.post(f"/track?lang={language}", data={"csrf_token": token, "kpj": kpj})
    assert answer.status_code == 200, answer.text
    return answer.text


def test_track_shows_the_booked_interview_time_in_the_branch_zone(api: Api) -> None:
    booked = to_interview(api)
    row = sample(LABEL)
    html = track(api, row["kpj"])
    starts = datetime.fromisoformat(booked.interview["starts_at"]).astimezone(
        ZoneInfo("Asia/Makassar")
    )
    match = re.search(
        r'class="tracked-interview"><strong>Jadwal wawancara:</strong> ([^<]+)<', html
    )
    assert match is not None
    assert match.group(1) == f"Selasa, {starts:%d-%m-%Y %H:%M}–{starts.hour:02d}:30 WITA"
    assert "Sedang diproses" in html  # the officers' turn: the interview is booked
    for personal in (row["full_name"], row["nik"], row["email"], booked.interview["video_url"]):
        assert personal not in html
    english = track(api, row["kpj"], "en")
    assert "Interview:</strong> Tuesday, " in english


def test_track_says_waiting_for_you_while_the_applicant_must_act(api: Api) -> None:
    row = sample("termination: PHK 3 months ago")
    create(api.db, new_claim_request(row, ClaimReason.termination))  # documents to upload
    html = track(api, row["kpj"])
    assert "Menunggu tindakan Anda" in html and "Sedang diproses" not in html
    assert "tracked-interview" not in html
    assert "Waiting for you" in track(api, row["kpj"], "en")


def test_a_cancelled_claim_is_said_once_with_the_way_to_start_again(api: Api) -> None:
    row = sample(LABEL)
    created = create(api.db, new_claim_request(row, ClaimReason.resignation))
    cancelled = api.client.post(
        f"/api/v1/claims/{created.row['id']}/cancel", headers=bearer(created.access_token)
    )
    assert cancelled.status_code == 200, cancelled.text
    html = track(api, row["kpj"])
    assert "Dibatalkan — Dibatalkan" not in html
    assert re.search(r'<p class="state"><strong>Dibatalkan</strong></p>', html)
    assert "Untuk mengajukan lagi, buat klaim baru di /apply." in html
    assert '<a class="button" href="/apply">Ajukan klaim baru</a>' in html
    document = api.client.get(f"/api/v1/tracking/{row['kpj']}").json()["claims"][0]
    assert document["state"] == "cancelled" and document["interview"] is None
    assert "/apply" in document["next_step"]
