"""Issue 17's "done when", as a new user tries it: in Chromium on a phone-sized screen, sign
in, see the balance, open the simulation (which starts from that balance), then open a claim
made in another browser; and over the SMS webhook, register the phone and get the balance
back: the same money as the web shows."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from claims.models import OutboxMessage
from tests.browser.conftest import PHONE, SMS_SECRET, Site, shoot
from tests.browser.pages import apply, check_accessibility
from tests.e2e.participant_helpers import sent_code
from tests.support import sample

pytestmark = pytest.mark.browser

PARTICIPANT = "resignation: balance 80.000.000 (tax example)"


def sms_reply(site: Site, sender: str, text: str) -> str:
    """`text` through the signed webhook, as the aggregator delivers it; the reply queued."""
    message_id = f"browser-{uuid.uuid4().hex}"
    body = json.dumps(
        {
            "message_id": message_id,
            "from": sender,
            "to": "2757",
            "text": text,
            "received_at": site.runtime.clock.now().isoformat(),
        }
    ).encode()
    signature = hmac.new(SMS_SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = httpx.post(
        site.url("/api/v1/sms/inbound"),
        content=body,
        headers={"Content-Type": "application/json", "X-Signature": signature},
    )
    assert answer.status_code == 200 and answer.json() == {"accepted": True}, answer.text
    with site.db.read_only() as session:
        payload = session.scalar(
            select(OutboxMessage.payload).where(
                OutboxMessage.dedupe_key == f"sms:reply:{message_id}"
            )
        )
    assert payload is not None
    return str(payload["text"])


def test_cek_saldo_on_the_web_and_by_sms_show_the_same_money(site: Site, browser: Any) -> None:
    row = sample(PARTICIPANT)
    # A claim made on one phone...
    first = browser.new_context(viewport=PHONE)
    claim_id = apply(first.new_page(), site, row, "resignation")
    first.close()

    # ... and the participant on another, with no cookie of the first.
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(site.url("/saldo"))
    assert "/masuk" in page.url
    page.fill("#kpj", row["kpj"])
    page.fill("#nik", row["nik"])
    year, month, day = row["birth_date"].split("-")
    page.fill("#birth_date", f"{day}-{month}-{year}")
    page.click("form[action='/masuk'] button[type=submit]")
    page.wait_for_selector("#code")
    page.fill("#code", sent_code(site.db, page.input_value("input[name=challenge_id]")))
    page.click("form[action='/masuk/kode'] button[type=submit]")
    page.wait_for_url("**/saldo")
    on_web = page.locator("#balance-available").inner_text().strip()
    assert re.fullmatch(r"Rp \d{1,3}(\.\d{3})+", on_web), on_web
    check_accessibility(page)
    shoot(page, "channels-balance")

    # The simulation, from that balance.
    page.click("a[href='/simulasi']")
    page.wait_for_url("**/simulasi")
    page.fill("#monthly_wage", "6000000")
    page.fill("#birth_date", f"{day}-{month}-{year}")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_selector("svg[role=img]")
    assert on_web in page.content(), "the projection should start from the real balance"
    check_accessibility(page)
    shoot(page, "channels-simulation")

    # The claim made on the other phone opens here, from the balance page's list.
    page.goto(site.url("/saldo"))
    page.click(f"a[href='/claims/{claim_id}']")
    page.wait_for_url(f"**/claims/{claim_id}")
    assert row["full_name"] in page.content()
    context.close()

    # By SMS from the registry's phone: register, then SALDO, the same figure.
    registered = sms_reply(
        site, row["phone"], f"daftar saldo#{row['nik']}#{day}-{month}-{year}#{row['kpj']}"
    )
    assert "berhasil" in registered.lower(), registered
    by_sms = sms_reply(site, row["phone"], f"SALDO {row['kpj']}")
    assert on_web in by_sms, (on_web, by_sms)
    assert row["kpj"] not in by_sms and row["nik"] not in by_sms
