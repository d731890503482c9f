"""`jht demo`: a claim of every reason driven through the whole workflow over the real HTTP
API (in-process), on the sandbox clock, with a live table of each claim's status. Includes a
send-back and re-upload, a missed interview and its rebooking, a refused payout and the new
account that fixes it, a bank timeout resolved by a status inquiry, and a rejection. Ends with
the audit verification and the amounts paid and withheld."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from rich.console import Console
from rich.live import Live
from rich.table import Table

from claims.app import create_app
from claims.casework.audit import verify_chains
from claims.ratelimits import RateLimits
from claims.registry.importer import import_branches, import_participants
from claims.registry.officers import add_officer
from claims.repositories.outbox import queued_payload
from claims.runtime import Runtime, open_runtime
from claims.sample_data import participant_rows, write_samples
from claims.settings import Settings
from workflow.payout_lifecycle import PayoutStatus

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

HEIR = {
    "nik": "3171015503900001",
    "full_name": "Ahli Waris Contoh",
    "birth_date": "1990-03-15",
    "relationship": "spouse",
}


@dataclass
class Story:
    """One demo claim: who, why, and what goes wrong on the way."""

    reason: str
    label: str
    twist: str = ""
    # The bank account paid; empty: one of the participant's own (`own_account`), so that no
    # two people share an account and the officers see no duplicate_bank_account flag.
    account: str = ""
    row: dict[str, str] = field(default_factory=dict)
    claim_id: str = ""
    token: str = ""
    reference: str = "-"
    status: str = "-"
    note: str = ""
    required: list[str] = field(default_factory=list)
    interview_start: datetime | None = None

    @property
    def holder(self) -> str:
        return HEIR["full_name"] if self.reason == "death" else self.row["full_name"]


STORIES = [
    Story("resignation", "resignation: balance 80.000.000 (tax example)"),
    Story("termination", "termination: PHK 3 months ago", twist="revision"),
    Story("contract_end", "contract_end: contract ended yesterday", twist="missed_interview"),
    Story("retirement", "retirement: turns 56 today", twist="payout_refused", account="1234560000"),
    Story(
        "leaving_indonesia",
        "leaving_indonesia: moving abroad",
        twist="bank_timeout",
        account="1234569999",
    ),
    Story("disability", "disability: aged 47", twist="rejected"),
    Story("death", "death: deceased participant (heir claims)"),
    Story("partial_housing", "partial_housing: member 12 years"),
    Story("partial_other", "partial_other: member 15 years"),
    # After its partial claim is paid, the same person claims the rest (`rest_after_partial`).
    Story("partial_housing", "partial then full", twist="then_full"),
]


def own_account(row: dict[str, str]) -> str:
    """A sandbox account number of the participant's own, from their KPJ."""
    return f"77{row['kpj'][-8:]}"


class Demo:
    def __init__(self, runtime: Runtime, console: Console, samples_day: date) -> None:
        self.runtime = runtime
        self.samples_day = samples_day
        self.console = console
        app = create_app(
            settings=runtime.settings,
            runtime=runtime,
            rate_limits=RateLimits(default_per_client="100000/minute"),
        )
        # Imported here, not at the top: importing it warns (starlette's httpx deprecation, a
        # UserWarning), and run_demo filters that warning only once it runs.
        from fastapi.testclient import TestClient

        # Requests as a browser at the service's own address would send them (its Host).
        self.client: TestClient = TestClient(app, base_url=runtime.settings.public_url)
        self.stories = [Story(s.reason, s.label, s.twist, s.account) for s in STORIES]
        self.partial_gross = 0
        self.tokens: dict[tuple[str, str], str] = {}
        self.scans = Path(runtime.settings.data_dir) / "samples" / "scans"
        self.live: Live | None = None

    # --- plumbing ---------------------------------------------------------------------------

    def call(
        self, method: str, path: str, token: str | None = None, expect: int = 200, **kwargs: Any
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self.client.request(method, path, headers=headers, **kwargs)
        if answer.status_code != expect:
            raise RuntimeError(
                f"{method} {path} answered {answer.status_code}: {answer.text[:300]}"
            )
        return (
            answer.json()
            if answer.content and "json" in answer.headers.get("content-type", "")
            else None
        )

    def officer(self, branch: str, role: str) -> str:
        if (branch, role) not in self.tokens:
            with self.runtime.db.unit_of_work() as session:
                _, token = add_officer(
                    session, f"Demo {role} {branch}", branch, [role], self.runtime.clock.now()
                )
            self.tokens[(branch, role)] = token
        return self.tokens[(branch, role)]

    def now(self) -> datetime:
        return datetime.fromisoformat(self.call("GET", "/api/v1/sandbox/clock")["now"])

    def move_clock(self, to: datetime) -> None:
        if to > self.now():
            self.call("POST", "/api/v1/sandbox/clock", json={"set": to.isoformat()})
        self.refresh()

    def refresh(self) -> None:
        for story in self.stories:
            if story.claim_id:
                story.status = self.call("GET", f"/api/v1/claims/{story.claim_id}", story.token)[
                    "status"
                ]
        if self.live is not None:
            self.live.update(self.table())

    def say(self, story: Story, note: str) -> None:
        story.note = note
        self.refresh()

    def table(self) -> Table:
        table = Table(
            title=f"jht demo — sandbox clock {self.now():%Y-%m-%d %H:%M} UTC", expand=False
        )
        for column in ("reason", "reference", "status", "what just happened"):
            table.add_column(column)
        colours = {
            "paid": "green",
            "rejected": "red",
            "payout_failed": "yellow",
            "revision_requested": "yellow",
            "interview_missed": "yellow",
        }
        for story in self.stories:
            colour = colours.get(story.status, "white")
            table.add_row(
                story.reason, story.reference, f"[{colour}]{story.status}[/{colour}]", story.note
            )
        return table

    # --- the applicant ----------------------------------------------------------------------

    def create(self, story: Story) -> None:
        row = story.row
        body: dict[str, Any] = {
            key: row[key] for key in ("kpj", "nik", "full_name", "birth_date", "email", "phone")
        }
        body.update({"reason": story.reason, "branch_code": row["_branch"]})
        if story.reason == "death":
            body["heir"] = HEIR
        created = self.call("POST", "/api/v1/claims", expect=201, json=body)
        story.claim_id, story.token, story.reference = (
            created["id"],
            created["access_token"],
            created["reference"],
        )
        story.required = [item["doc_type"] for item in created["checklist"] if item["required"]]
        self.call(
            "PUT",
            f"/api/v1/claims/{story.claim_id}/bank-account",
            story.token,
            json={
                "bank_code": "014",
                "account_number": story.account or own_account(story.row),
                "account_holder": story.holder,
            },
        )
        if created["estimate"]["npwp_required"]:
            self.call(
                "PUT",
                f"/api/v1/claims/{story.claim_id}/npwp",
                story.token,
                json={"npwp": "01.234.567.8-901.000"},
            )
        for doc_type in story.required:
            self.upload(story, doc_type)
        self.call("POST", f"/api/v1/claims/{story.claim_id}/submit", story.token)
        self.say(story, f"identity verified, {len(story.required)} documents uploaded, submitted")

    def upload(self, story: Story, doc_type: str) -> None:
        files = [("files", ("scan.jpg", (self.scans / "ktp.jpg").read_bytes(), "image/jpeg"))]
        self.call(
            "PUT", f"/api/v1/claims/{story.claim_id}/documents/{doc_type}", story.token, files=files
        )

    # --- officers -----------------------------------------------------------------------------

    def review(self, story: Story, reject: str | None = None) -> None:
        branch = story.row["_branch"]
        decisions = [
            {
                "doc_type": t,
                "decision": "rejected",
                "reason_code": "document_unreadable",
                "note": "Foto buram",
            }
            if t == reject
            else {"doc_type": t, "decision": "accepted"}
            for t in story.required
        ]
        claim = self.call(
            "POST",
            f"/api/v1/officer/claims/{story.claim_id}/document-review",
            self.officer(branch, "verifier"),
            json={"decisions": decisions},
        )
        if claim["interview"]:
            story.interview_start = datetime.fromisoformat(claim["interview"]["starts_at"])
            self.say(
                story, f"documents accepted; interview {story.interview_start:%d-%m %H:%M} UTC"
            )
        else:
            self.say(story, f"sent back: {reject} unreadable")

    def outcome(self, story: Story, outcome: str, reason_code: str | None = None) -> None:
        body: dict[str, Any] = {"outcome": outcome}
        if reason_code:
            body["reason_code"] = reason_code
        self.call(
            "POST",
            f"/api/v1/officer/claims/{story.claim_id}/interview/outcome",
            self.officer(story.row["_branch"], "interviewer"),
            json=body,
        )

    def approve(self, story: Story) -> dict[str, Any]:
        approved = self.call(
            "POST",
            f"/api/v1/officer/claims/{story.claim_id}/approve",
            self.officer(story.row["_branch"], "approver"),
            json={"note": "lengkap"},
        )
        payout: dict[str, Any] = approved["payout"]
        if story.twist == "then_full":
            self.partial_gross = payout["gross"]
        self.say(
            story,
            f"approved: gross {payout['gross']:,} tax {payout['tax']:,} net {payout['net']:,}".replace(
                ",", "."
            ),
        )
        return payout

    # --- the story ------------------------------------------------------------------------------

    def run(self) -> None:
        rows = {row["_label"]: row for row in participant_rows(self.samples_day)}
        for story in self.stories:
            story.row = next(row for label, row in rows.items() if story.label in label)
        with Live(
            self.table(), console=self.console, refresh_per_second=8, transient=False
        ) as live:
            self.live = live
            for story in self.stories:
                self.officer(
                    story.row["_branch"], "interviewer"
                )  # a branch books only with interviewers
                self.create(story)
            by_reason = {s.reason: s for s in self.stories}
            for story in self.stories:
                self.review(story, reject="ktp" if story.twist == "revision" else None)
            revised = by_reason["termination"]
            self.upload(revised, "ktp")
            self.call("POST", f"/api/v1/claims/{revised.claim_id}/submit", revised.token)
            self.say(revised, "clearer KTP uploaded, submitted again")
            self.review(revised)
            self.interviews()
            for story in self.stories:
                if story.status == "awaiting_approval":
                    self.approve(story)
            self.move_clock(self.now() + timedelta(minutes=1))  # the payout dispatcher runs
            refused = by_reason["retirement"]
            self.say(refused, "bank refused: account closed (…0000)")
            self.call(
                "PUT",
                f"/api/v1/claims/{refused.claim_id}/bank-account",
                refused.token,
                json={
                    "bank_code": "002",
                    "account_number": "9876543210",
                    "account_holder": refused.holder,
                },
            )
            self.say(refused, "new account given; payout sent again under a new reference")
            for _ in range(3):  # a timeout is settled by a status inquiry on the next run
                self.move_clock(self.now() + timedelta(minutes=1))
            for story in self.stories:
                if story.status == "paid":
                    self.say(
                        story,
                        story.note
                        if story.twist == "rejected"
                        else "paid"
                        + {
                            "bank_timeout": " (first transfer timed out; inquiry found it done)",
                            "payout_refused": " to the new account",
                            "missed_interview": " after a rebooked interview",
                            "revision": " after a send-back",
                            "then_full": f" (30% partial: {self.partial_gross:,})".replace(
                                ",", "."
                            ),
                        }.get(story.twist, ""),
                    )
            self.rest_after_partial()
            self.live = None

    def rest_after_partial(self) -> None:
        """The person whose 30% partial claim was just paid claims the rest: the account pays
        what is left (the statement, developed, less the partial), not the whole statement."""
        partial = next(s for s in self.stories if s.twist == "then_full")
        full = Story("resignation", partial.label, twist="after_partial", account=partial.account)
        full.row = partial.row
        self.stories.append(full)
        self.create(full)
        self.review(full)
        assert full.interview_start is not None
        self.move_clock(full.interview_start + timedelta(minutes=5))
        self.outcome(full, "passed")
        payout = self.approve(full)
        self.move_clock(self.now() + timedelta(minutes=1))
        statement = int(full.row["balance"])
        self.say(
            full,
            f"paid what is left: gross {payout['gross']:,} = statement {statement:,} "
            f"+ development - partial {self.partial_gross:,}".replace(",", "."),
        )

    def interviews(self) -> None:
        """Walks the sandbox clock through the interviews in time order."""
        missed = next(s for s in self.stories if s.twist == "missed_interview")
        pending = sorted(
            (s for s in self.stories if s.interview_start),
            key=lambda s: s.interview_start or self.now(),
        )
        for story in pending:
            assert story.interview_start is not None
            self.move_clock(story.interview_start + timedelta(minutes=5))
            if story is missed:
                self.outcome(story, "no_show")
                self.say(story, "did not attend; the interviewer recorded a no-show")
            elif story.twist == "rejected":
                self.outcome(story, "failed", "identity_not_confirmed_in_interview")
                self.say(story, "rejected: identity not confirmed in the interview")
            else:
                self.outcome(story, "passed")
                self.say(story, "interview passed")
        slots = self.call("GET", f"/api/v1/claims/{missed.claim_id}/interview/slots", missed.token)
        claim = self.call(
            "POST",
            f"/api/v1/claims/{missed.claim_id}/interview",
            missed.token,
            json={"starts_at": slots[0]["starts_at"]},
        )
        start = datetime.fromisoformat(claim["interview"]["starts_at"])
        self.say(missed, f"rebooked for {start:%d-%m %H:%M} UTC")
        self.move_clock(start + timedelta(minutes=5))
        self.outcome(missed, "passed")
        self.say(missed, "interview passed at the second booking")

    def summary(self) -> tuple[int, int, int, int]:
        self.console.print()
        with self.runtime.db.read_only() as session:
            checked, broken = verify_chains(session)
        # As a branch officer sees them: the demo's folder holds no other claims.
        paid = [
            payout
            for story in self.stories
            if story.claim_id
            for payout in self.call(
                "GET",
                f"/api/v1/officer/claims/{story.claim_id}",
                self.officer(story.row["_branch"], "approver"),
            )["payouts"]
            if payout["status"] == PayoutStatus.paid
        ]
        gross = sum(payout["gross"] for payout in paid)
        tax = sum(payout["tax"] for payout in paid)
        self.console.print(
            f"audit: {checked} events verified, {len(broken)} broken chain(s)",
            style="red" if broken else "green",
        )

        for story in self.stories:
            if story.twist == "after_partial":
                # Whole on one line, whatever the terminal's width: the figures go together.
                self.console.print(f"after the partial claim: {story.note}", soft_wrap=True)
        self.console.print(
            f"paid {len(paid)} claims: gross {rupiah(gross)}, tax withheld {rupiah(tax)}, "
            f"net transferred {rupiah(gross - tax)}"
        )
        return checked, len(broken), len(paid), tax


class ChannelsDemo:
    """Cek saldo on every channel, for one participant of the demo whose account a claim has
    already drawn on: SMS 2757 over the signed webhook (register the phone, then SALDO), the
    web (sign in with the code, the balance), and the simulation from the real balance. The
    SMS and the web must show the same money."""

    SECRET = "demo-sms-secret"

    def __init__(self, demo: Demo) -> None:
        self.demo = demo

    def sms(self, sender: str, text: str) -> str:
        """`text` from `sender` through the webhook as the aggregator sends it; the reply."""
        message_id = f"demo-{uuid.uuid4().hex}"
        body = json.dumps(
            {
                "message_id": message_id,
                "from": sender,
                "to": "2757",
                "text": text,
                "received_at": self.demo.runtime.clock.now().isoformat(),
            }
        ).encode()
        signature = hmac.new(self.SECRET.encode(), body, hashlib.sha256).hexdigest()
        self.demo.client.post(
            "/api/v1/sms/inbound",
            content=body,
            headers={"Content-Type": "application/json", "X-Signature": signature},
        ).raise_for_status()
        return str(self.queued(f"sms:reply:{message_id}")["text"])

    def queued(self, dedupe_key: str) -> dict[str, Any]:
        with self.demo.runtime.db.read_only() as session:
            payload = queued_payload(session, dedupe_key)
        if payload is None:
            raise RuntimeError(f"nothing was queued as {dedupe_key}")
        return payload

    def run(self, story: Story) -> bool:
        demo, console, row = self.demo, self.demo.console, story.row
        console.print()
        console.print(f"[bold]Cek saldo[/bold] for {row['full_name']} (after: {story.note})")
        day, month, year = row["birth_date"].split("-")[::-1]
        registered = self.sms(
            row["phone"], f"DAFTAR SALDO#{row['nik']}#{day}-{month}-{year}#{row['kpj']}"
        )
        console.print(f"  SMS 2757 > DAFTAR SALDO#<NIK>#<tgl lahir>#<KPJ>\n  < {registered}")
        by_sms = self.sms(row["phone"], f"SALDO {row['kpj']}")
        console.print(f"  SMS 2757 > SALDO {row['kpj']}\n  < {by_sms}")

        challenge = demo.call(
            "POST",
            "/api/v1/participant/sign-in",
            expect=202,
            json={"kpj": row["kpj"], "nik": row["nik"], "birth_date": row["birth_date"]},
        )
        code = self.queued(f"signin:{challenge['challenge_id']}:mail")["params"]["code"]
        session = demo.call(
            "POST", f"/api/v1/participant/sign-in/{challenge['challenge_id']}", json={"code": code}
        )["access_token"]
        account = demo.call("GET", "/api/v1/participant/account", session)
        balance = account["balance"]
        console.print(
            f"  web: signed in with the code sent to {', '.join(challenge['sent_to'])}; "
            f"available {rupiah(balance['available'])} on {balance['as_of']} = statement "
            f"{rupiah(balance['statement_balance'])} + development "
            f"{rupiah(balance['development'])} - paid out {rupiah(balance['paid_out'])}",
            soft_wrap=True,
        )
        same = rupiah(balance["available"]) in by_sms
        console.print(
            "  the SMS and the web show the same money" if same else "  SMS and web DIFFER",
            style="green" if same else "red",
        )

        projection = demo.call(
            "POST",
            "/api/v1/simulation",
            session,
            json={"monthly_wage": 8_000_000, "birth_date": row["birth_date"]},
        )
        at_56 = projection["at_56"]
        rates = ", ".join(
            f"{int(rate) / 100:.2f}%: {rupiah(amount)}"
            for rate, amount in at_56["balance_by_rate"].items()
        )
        console.print(
            f"  simulation from that balance, wage Rp 8.000.000 a month: at 56 ({at_56['date']}) "
            f"{rates}",
            soft_wrap=True,
        )
        return same


def rupiah(amount: int) -> str:
    return f"Rp {amount:,}".replace(",", ".")


def run_demo(data_dir: Path | None, console: Console) -> int:
    started = time.perf_counter()
    # The demo talks to the app in-process; its client's deprecation notice is noise here, and
    # the bank timeout it stages is reported in the table rather than as a log line.
    warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
    logging.getLogger("claims").setLevel(logging.ERROR)
    folder = data_dir or Path(tempfile.mkdtemp(prefix="jht-demo-"))
    settings = Settings(
        data_dir=folder,
        sandbox=True,
        scheduler=False,
        database_url=None,
        sms_secret=SecretStr(ChannelsDemo.SECRET),
    )
    runtime = open_runtime(settings)
    today = runtime.clock.now().date()
    write_samples(folder / "samples", today)
    now = runtime.clock.now()
    import_branches(runtime.db, folder / "samples" / "branches.csv", now)
    import_participants(runtime.db, folder / "samples" / "participants.csv", now)
    console.print(f"demo data folder: {folder} (sandbox clock; samples for {today:%d-%m-%Y})")
    demo = Demo(runtime, console, today)
    try:
        demo.run()
        _, broken, _, _ = demo.summary()
        partial = next(s for s in demo.stories if s.reason == "partial_other")
        same_money = ChannelsDemo(demo).run(partial)
    finally:
        demo.client.close()
        runtime.close()
    console.print(f"demo took {time.perf_counter() - started:.1f} s")
    return 1 if broken or not same_money else 0
