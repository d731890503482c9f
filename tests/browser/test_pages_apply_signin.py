"""The sign-in pages' post/redirect/get (issue 18, item 2): every post to /masuk,
/masuk/ahli-waris and /masuk/kode answers 303; a refused one shows its error summary on the
form's GET (once, fields in form order by their plain names, the title starting "Galat:");
the code page opens by GET from a sealed cookie, so a reload sends nothing again."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.browser.test_pages_apply import UNKNOWN_KPJ
from tests.browser.test_pages_http import csrf_token
from tests.e2e.conftest import Api
from tests.e2e.participant_helpers import sent_code
from tests.support import sample

RESIGNED = "resignation: left 3 months ago"


def summary(html: str) -> list[tuple[str, str]]:
    """(field, link text) of each link of the error summary."""
    found = re.search(r'<div class="error-summary"[^>]*autofocus[^>]*>(.*?)</div>', html, re.S)
    assert found is not None, html[:2000]
    return re.findall(r'<a href="#([a-z_]+)">([^<]*)</a>', found.group(1))


def form_error(html: str) -> str:
    found = re.search(r'<div class="error-summary"[^>]*>.*?</h2>\s*<p>([^<]*)</p>', html, re.S)
    assert found is not None, html[:2000]
    return found.group(1)


def post(client: TestClient, path: str, data: dict[str, str]) -> str:
    answer = client.post(path, data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:500]
    return answer.headers["location"]


def test_a_refused_sign_in_lists_the_fields_in_form_order_once(api: Api) -> None:
    token = csrf_token(api.client, "/masuk")
    location = post(api.client, "/masuk", {"csrf_token": token, "birth_date": "7-12-91"})
    assert location == "/masuk#error-summary"
    shown = api.client.get("/masuk")
    assert shown.status_code == 422 and "<title>Galat: " in shown.text
    assert summary(shown.text) == [
        ("kpj", "Nomor KPJ: Wajib diisi."),
        ("nik", "NIK: Wajib diisi."),
        (
            "birth_date",
            "Tanggal lahir: Tulis tahun dengan 4 angka, misalnya 17-08-1985, bukan 17-08-85.",
        ),
    ]
    assert 'value="7-12-91"' in shown.text
    again = api.client.get("/masuk")
    assert again.status_code == 200 and "error-summary" not in again.text


def test_a_refused_heir_sign_in_names_its_own_fields(api: Api) -> None:
    token = csrf_token(api.client, "/masuk/ahli-waris")
    location = post(api.client, "/masuk/ahli-waris", {"csrf_token": token, "nik": "12"})
    assert location == "/masuk/ahli-waris#error-summary"
    shown = api.client.get("/masuk/ahli-waris")
    assert shown.status_code == 422 and "<title>Galat: " in shown.text
    assert [name for name, _ in summary(shown.text)] == ["reference", "birth_date"]
    assert summary(shown.text)[0][1] == "Nomor referensi klaim: Wajib diisi."
    # The heir types no KPJ: no warning about locking one.
    assert 'id="attempts-warning"' not in shown.text
    english = api.client.get("/masuk/ahli-waris?lang=en")
    assert "error-summary" not in english.text


def test_a_wrong_sign_in_says_the_tries_left_the_same_for_an_unknown_kpj(api: Api) -> None:
    row = sample(RESIGNED)
    token = csrf_token(api.client, "/masuk")
    assert "KPJ dikunci selama 15 menit" in api.client.get("/masuk").text

    def wrong(kpj: str) -> str:
        form = {"csrf_token": token, "kpj": kpj, "nik": row["nik"], "birth_date": "01-01-1990"}
        post(api.client, "/masuk", form)
        return form_error(api.client.get("/masuk").text)

    first = wrong(row["kpj"])
    assert "tidak cocok" in first and first.endswith(
        "Sisa 4 kali percobaan sebelum dikunci 15 menit."
    )
    assert wrong(UNKNOWN_KPJ) == first


def test_the_code_page_opens_by_get_and_a_wrong_code_redirects_to_it(api: Api) -> None:
    row = sample(RESIGNED)
    client = api.client
    assert post(client, "/masuk/kode", {"csrf_token": csrf_token(client, "/masuk")}) == (
        "/masuk/kode#error-summary"
    )
    # No code on its way: the code page sends back to the form.
    alone = client.get("/masuk/kode", follow_redirects=False)
    assert alone.status_code == 303 and alone.headers["location"] == "/masuk"

    token = csrf_token(client, "/masuk")
    year, month, day = row["birth_date"].split("-")
    form = {
        "csrf_token": token,
        "kpj": row["kpj"],
        "nik": row["nik"],
        "birth_date": f"{year}-{month}-{day}",
    }
    assert post(client, "/masuk", form) == "/masuk/kode"
    page = client.get("/masuk/kode")
    assert page.status_code == 200 and "s***@contoh.id" in page.text
    assert page.headers["cache-control"] == "private, no-store"
    challenge = re.search(r'name="challenge_id" value="([^"]+)"', page.text)
    assert challenge is not None
    # A reload shows the same page and sends no second code.
    assert client.get("/masuk/kode").text.count(challenge.group(1)) == 1

    code_form = {"csrf_token": token, "challenge_id": challenge.group(1)}
    assert post(client, "/masuk/kode", code_form | {"code": ""}) == "/masuk/kode#error-summary"
    shown = client.get("/masuk/kode")
    assert shown.status_code == 422 and "<title>Galat: " in shown.text
    assert summary(shown.text) == [("code", "Kode 6 angka: Wajib diisi.")]
    assert 'aria-describedby="code-error"' in shown.text

    post(client, "/masuk/kode", code_form | {"code": "000000"})
    wrong = client.get("/masuk/kode")
    assert wrong.status_code == 422 and summary(wrong.text)[0][1].startswith(
        "Kode 6 angka: Kode salah"
    )

    code = sent_code(api.db, challenge.group(1))
    assert post(client, "/masuk/kode", code_form | {"code": code}) == "/saldo"
    # The code is used: the code page is gone.
    assert client.get("/masuk/kode", follow_redirects=False).headers["location"] == "/masuk"
