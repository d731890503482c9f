"""The interview page `/claims/{id}/wawancara` over HTTP, as a browser without JavaScript
uses it: the held time, the free slots grouped by day (the booked one left out), the free
first choice and the limit stated, every post answered by a redirect, a bad slot refused next
to its field with nothing changed, and the request for an interview at the branch, which the
officers see. Then /track: the booked time, and the wording of a claim that waits for the
applicant or was cancelled."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

from tests.e2e.conftest import Api
from tests.e2e.test_interview_api import (
    LABEL,
    Booked,
    applicant_claim,
    outcome,
    slots,
    to_interview,
)
from tests.integration.test_booking import interviewers
from tests.support import sample

WITA = ZoneInfo("Asia/Makassar")


def open_as_applicant(api: Api, booked: Booked) -> str:
    """The page in the browser the claim was made in (its cookie), its text."""
    api.client.cookies.set("jht_claim", booked.token)
    answer = api.client.get(f"/claims/{booked.claim_id}/wawancara")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "private, no-store"
    return answer.text


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def post(api: Api, booked: Booked, path: str, data: dict[str, str]) -> Any:
    token = csrf_of(api.client.get(f"/claims/{booked.claim_id}/wawancara").text)
    return api.client.post(
        f"/claims/{booked.claim_id}/wawancara{path}",
        data={"csrf_token": token, **data},
        follow_redirects=False,
    )


def refused(api: Api, booked: Booked, path: str, data: dict[str, str]) -> Any:
    """A refused post: redirected back to the page (post/redirect/get), which shows it (422)."""
    answer = post(api, booked, path, data)
    assert answer.status_code == 303, answer.text
    page = f"/claims/{booked.claim_id}/wawancara"
    assert answer.headers["location"] == f"{page}#error-summary"
    shown = api.client.get(page)
    assert shown.status_code == 422
    return shown


def radio_values(html: str) -> list[str]:
    return [
        unescape(v)
        for v in re.findall(r'type="radio" id="[^"]+" name="starts_at" value="([^"]+)"', html)
    ]


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match is not None, element_id
    return unescape(match.group(1)).strip()


def test_the_page_shows_the_held_time_and_the_free_slots_by_day(api: Api) -> None:
    booked = to_interview(api)
    html = open_as_applicant(api, booked)
    assert len(html.encode()) < 50_000  # quality.md: a page at most 50 KB
    starts = datetime.fromisoformat(booked.interview["starts_at"]).astimezone(WITA)
    when = text_of(html, "interview-time")
    assert f"{starts:%d-%m-%Y %H:%M}–" in when and when.endswith(" WITA")
    # The first change is free, then the limit of 2 is stated.
    rule = text_of(html, "rebooking-rule")
    assert "tidak dihitung" in rule and "paling banyak 2 kali" in rule
    values = radio_values(html)
    listed = [s["starts_at"] for s in slots(api, booked)]
    assert booked.interview["starts_at"] not in values
    assert [datetime.fromisoformat(v) for v in values] == [
        datetime.fromisoformat(v) for v in listed
    ]
    # One fieldset per working day, its legend naming the day where the branch is.
    legends = re.findall(r"<legend[^>]*>([^<]+)</legend>", html)
    assert len(legends) == 10 and legends[0].startswith("Selasa, 17-11-2026")
    assert html.count("<fieldset>") == 10
    assert 'id="starts_at"' in html  # the first radio: where the error summary links
    english = api.client.get(f"/claims/{booked.claim_id}/wawancara?lang=en").text
    assert "does not count as a rebooking" in english and "Tuesday, 17-11-2026" in english


def test_choosing_a_slot_redirects_and_later_changes_are_counted(api: Api) -> None:
    booked = to_interview(api)
    open_as_applicant(api, booked)
    listed = slots(api, booked)
    chosen = post(api, booked, "", {"starts_at": listed[3]["starts_at"]})
    assert chosen.status_code == 303
    assert chosen.headers["location"] == f"/claims/{booked.claim_id}/wawancara?done=chosen"
    html = api.client.get(chosen.headers["location"]).text
    assert text_of(html, "notice") == "Jadwal wawancara disimpan."
    moved = datetime.fromisoformat(listed[3]["starts_at"]).astimezone(WITA)
    assert f"{moved:%d-%m-%Y %H:%M}" in text_of(html, "interview-time")
    assert text_of(html, "rebooking-rule").endswith("Sisa perubahan: 2.")
    assert listed[3]["starts_at"] not in radio_values(html)
    for index, left in ((5, 1), (7, 0)):
        assert post(api, booked, "", {"starts_at": listed[index]["starts_at"]}).status_code == 303
        html = api.client.get(f"/claims/{booked.claim_id}/wawancara").text
        if left:
            assert text_of(html, "rebooking-rule").endswith(f"Sisa perubahan: {left}.")
    assert text_of(html, "rebooking-rule") == "Jadwal wawancara tidak dapat diubah lagi."
    assert (
        radio_values(html) == []
        and 'action="/claims/' + booked.claim_id + '/wawancara"' not in html
    )


def test_a_bad_slot_is_refused_next_to_the_field_and_changes_nothing(api: Api) -> None:
    booked = to_interview(api)
    open_as_applicant(api, booked)
    before = applicant_claim(api, booked)
    for value, words in (
        ("", "Pilih salah satu waktu dari daftar."),
        ("besok pagi", "Pilih salah satu waktu dari daftar."),
        ("2026-11-21T01:00:00+00:00", "Tidak ada jadwal wawancara yang tersedia"),  # Saturday
        (booked.interview["starts_at"], "Tidak ada jadwal wawancara yang tersedia"),  # its own
    ):
        html = refused(api, booked, "", {"starts_at": value}).text
        assert text_of(html, "starts_at-error").startswith(words)
        assert re.search(
            r'id="starts_at"[^>]*aria-describedby="starts_at-hint starts_at-error"', html
        )
        assert '<a href="#starts_at">' in html  # the error summary links to the field
        assert "<title>Galat: " in html and "Ada masalah" in html
    after = applicant_claim(api, booked)
    assert after["version"] == before["version"]
    assert after["interview"] == before["interview"]


def test_a_branch_interview_is_requested_on_the_page_and_seen_by_officers(api: Api) -> None:
    booked = to_interview(api)
    html = open_as_applicant(api, booked)
    assert "Saya ingin wawancara di kantor cabang" in html
    unticked = refused(api, booked, "/kantor-cabang", {"reason": "tidak ada kuota"})
    assert text_of(unticked.text, "at_branch-error").startswith("Centang kotak ini")
    assert "tidak ada kuota" in unticked.text  # what was typed is kept
    no_reason = refused(api, booked, "/kantor-cabang", {"at_branch": "yes", "reason": " "})
    assert text_of(no_reason.text, "reason-error").startswith("Tulis alasan singkat")
    assert applicant_claim(api, booked)["branch_interview_request"] is None

    asked = post(
        api, booked, "/kantor-cabang", {"at_branch": "yes", "reason": "Tidak ada kuota data"}
    )
    assert asked.status_code == 303
    assert asked.headers["location"].endswith("/wawancara?done=requested")
    html = api.client.get(asked.headers["location"]).text
    assert "Permintaan wawancara di kantor cabang terkirim." in html
    assert text_of(html, "branch-request-status").startswith("Anda meminta wawancara")
    assert text_of(html, "branch-request-reason") == "Tidak ada kuota data"
    assert 'name="at_branch"' not in html  # asked once
    officer = api.client.get(
        f"/api/v1/officer/claims/{booked.claim_id}", headers=booked.interviewer
    ).json()
    assert officer["branch_interview_request"]["reason"] == "Tidak ada kuota data"


def test_the_page_needs_the_claims_own_browser(api: Api) -> None:
    booked = to_interview(api)
    answer = api.client.get(f"/claims/{booked.claim_id}/wawancara", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/masuk?next=")
    open_as_applicant(api, booked)
    forged = api.client.post(
        f"/claims/{booked.claim_id}/wawancara",
        data={"csrf_token": "forged", "starts_at": slots(api, booked)[0]["starts_at"]},
        follow_redirects=False,
    )
    assert forged.status_code == 403


def test_with_two_interviewers_the_booked_slot_is_still_left_out(api: Api) -> None:
    booked = to_interview(api)
    interviewers(api.db, sample(LABEL)["_branch"], 1)  # a second seat in every slot
    listed = [s["starts_at"] for s in slots(api, booked)]
    assert booked.interview["starts_at"] in listed  # free to others, but no change for this claim
    values = radio_values(open_as_applicant(api, booked))
    assert booked.interview["starts_at"] not in values and len(values) == len(listed) - 1


def test_after_a_miss_the_page_offers_one_more_choice_then_none(api: Api) -> None:
    booked = to_interview(api)
    api.set_now(datetime.fromisoformat(booked.interview["starts_at"]) + timedelta(minutes=10))
    assert outcome(api, booked, "no_show").json()["status"] == "interview_missed"
    html = open_as_applicant(api, booked)
    assert "Anda tidak hadir pada wawancara" in html and 'id="interview-time"' not in html
    assert text_of(html, "rebooking-rule") == (
        "Setelah tidak hadir, jadwal dapat dipilih sekali lagi saja."
    )
    values = radio_values(html)
    assert values
    assert post(api, booked, "", {"starts_at": values[2]}).status_code == 303
    html = api.client.get(f"/claims/{booked.claim_id}/wawancara").text
    assert text_of(html, "rebooking-rule") == "Jadwal wawancara tidak dapat diubah lagi."
    assert radio_values(html) == []
