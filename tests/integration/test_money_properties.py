"""The participant's money, hunted (issue 15 item 9; quality.md "money across claims").

A property-based test runs random sequences, on the service layer, of what happens to one
person with several KPJs: partial, full and death claims opened and approved, the bank
confirming, refusing or not answering, new bank accounts, newer registry statements, the
registry reporting the death, and days passing. After every step it checks, by its own
arithmetic rather than workflow.account's:
- after an approval, what its KPJ has paid since its statement (or is paying) is never more
  than the statement plus a year's development at the highest declared rate;
- one partial claim per person, open or paid;
- the Rp 50 juta band is used once in the window (every sequence stays within 2026): the tax
  of all the person's payments is at least 5% of what they add up to above Rp 50 juta.

And on PostgreSQL as on SQLite: 20 approvals at once of the claims on two KPJs of one person
give the band once, because the person is locked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import select, update

from claims.casework import decisions, facts
from claims.casework.intake import HeirInput
from claims.db import Database
from claims.models import Claim, Participant, Payout
from claims.payouts.service import SYSTEM, confirm_payout, fail_payout, replace_failed_payout
from claims.registry.importer import import_branches
from claims.repositories.payouts import apply_payout_trigger
from claims.sample_data import write_samples
from tests.support import Staff, add_staff, create, new_claim_request
from workflow.errors import WorkflowError
from workflow.payout_lifecycle import OPEN_PAYOUT_STATUSES, PayoutStatus, PayoutTrigger
from workflow.rules import DECLARED_DEVELOPMENT_RATES
from workflow.states import ClaimReason, ClaimStatus

JUTA = 1_000_000
START = datetime(2026, 2, 2, 3, tzinfo=UTC)  # 10:00 in Jakarta
BRANCH = "JKT-SLB"
TAKING = (*OPEN_PAYOUT_STATUSES, PayoutStatus.paid)
MAX_RATE_BP = max(rate.rate_bp for rate in DECLARED_DEVELOPMENT_RATES)
REASONS = (
    ClaimReason.resignation,
    ClaimReason.partial_housing,
    ClaimReason.partial_other,
    ClaimReason.death,
)
_people = iter(range(1, 1_000_000))


def note(what: str) -> None:
    """Counts what happened in the hypothesis statistics (the steps also serve the plain
    concurrency test, where there are none to count)."""
    if currently_in_test_context():
        event(what)


@dataclass(frozen=True)
class Person:
    nik: str
    full_name: str
    birth_date: date
    kpjs: tuple[str, ...]

    def request_row(self, kpj: str) -> dict[str, str]:
        return {
            "kpj": kpj,
            "nik": self.nik,
            "full_name": self.full_name,
            "birth_date": self.birth_date.isoformat(),
            "email": "uji@contoh.id",
            "phone": "+6281200000000",
            "_branch": BRANCH,
        }


def add_person(db: Database, statements: list[int], on: datetime) -> Person:
    """A man of 44, member 12 years, who left work 3 months before `on`, with one KPJ per
    statement balance, each stated on `on`'s day."""
    index = next(_people)
    birth = date(1982, 1 + index % 12, 1 + index % 28)
    nik = f"3171{index % 100:02d}{birth:%d%m%y}{1 + index % 9999:04d}"
    person = Person(
        nik,
        f"Peserta Uji {index}",
        birth,
        tuple(f"27{index:06d}{k:03d}" for k in range(len(statements))),
    )
    with db.unit_of_work() as session:
        for kpj, balance in zip(person.kpjs, statements, strict=True):
            session.add(
                Participant(
                    kpj=kpj,
                    nik=nik,
                    full_name=person.full_name,
                    birth_date=birth,
                    gender="M",
                    membership_start=date(2014, 1, 1),
                    membership_status="inactive",
                    employer_name="PT Uji",
                    employment_end_date=(on - timedelta(days=90)).date(),
                    balance=balance,
                    email="uji@contoh.id",
                    phone="+6281200000000",
                    deceased=False,
                    balance_date=jakarta_day(on),
                    updated_at=on,
                )
            )
    return person


def jakarta_day(moment: datetime) -> date:
    return facts.wib_date(moment)


@pytest.fixture
def money_db(db: Database, tmp_path: Path) -> Iterator[tuple[Database, Staff]]:
    write_samples(tmp_path / "samples", START.date())
    import_branches(db, tmp_path / "samples" / "branches.csv", START)
    yield db, add_staff(db, BRANCH, START)


# --- the steps ------------------------------------------------------------------------------


def open_claim(db: Database, person: Person, kpj: str, reason: ClaimReason, now: datetime) -> None:
    """Creates the claim (the real intake) and, as a test's shortcut past documents and the
    interview, puts it straight into `awaiting_approval` with its bank account and NPWP."""
    heir = (
        HeirInput("3171015503900001", "Ahli Waris Contoh", date(1990, 3, 15), "spouse")
        if reason is ClaimReason.death
        else None
    )
    request = new_claim_request(person.request_row(kpj), reason, heir=heir)
    try:
        created = create(db, request, now)
    except WorkflowError as refused:
        note(f"creation refused: {refused.code}")
        return
    note(f"opened: {reason.value}")
    holder = heir.full_name if heir else person.full_name
    with db.unit_of_work() as session:
        session.execute(
            update(Claim)
            .where(Claim.id == created.claim_id)
            .values(
                status=ClaimStatus.awaiting_approval,
                bank_code="014",
                account_number=f"1{kpj[-9:]}",
                account_holder=holder,
                npwp="012345678901000",
            )
        )


def open_claim_of(db: Database, kpj: str) -> str | None:
    with db.read_only() as session:
        return session.scalar(
            select(Claim.id)
            .where(Claim.kpj == kpj, Claim.status.not_in(("paid", "cancelled", "rejected")))
            .order_by(Claim.created_at.desc())
        )


def approve(db: Database, staff: Staff, kpj: str, now: datetime) -> bool:
    """Whether the approver approved the KPJ's open claim."""
    claim_id = open_claim_of(db, kpj)
    if claim_id is None:
        return False
    try:
        with db.unit_of_work() as session:
            decisions.approve(
                session, facts.get_claim(session, claim_id), staff.approver, None, now
            )
    except WorkflowError as refused:
        note(f"approval refused: {refused.code}")
        return False
    note("approved")
    return True


def bank(db: Database, kpj: str, answer: str, now: datetime) -> None:
    """The bank's answer on the KPJ's open payout: done, refused, or no answer (unknown)."""
    with db.unit_of_work() as session:
        payout = session.scalar(
            select(Payout)
            .join(Claim, Claim.id == Payout.claim_id)
            .where(Claim.kpj == kpj, Payout.live.is_(True), Payout.status.in_(OPEN_PAYOUT_STATUSES))
        )
        if payout is None:
            return
        if answer == "done":
            confirm_payout(session, payout, SYSTEM, f"BANK-{payout.reference}", now)
        elif answer == "refused":
            fail_payout(session, payout, SYSTEM, "account_closed", None, now)
        else:
            apply_payout_trigger(session, payout, PayoutTrigger.no_answer, now)


def new_account(db: Database, kpj: str, now: datetime) -> None:
    with db.unit_of_work() as session:
        claim = session.scalar(
            select(Claim).where(Claim.kpj == kpj, Claim.status == ClaimStatus.payout_failed)
        )
        if claim is None:
            return
        fields = {
            "bank_code": "002",
            "account_number": f"9{kpj[-9:]}",
            "account_holder": claim.account_holder or "",
        }
        replace_failed_payout(session, facts.get_claim(session, claim.id), fields, now)


def new_statement(db: Database, kpj: str, balance: int, now: datetime) -> None:
    """A newer statement of the registry for the KPJ, dated today (replacing the older one
    and the payouts before it, as the import does)."""
    with db.unit_of_work() as session:
        session.execute(
            update(Participant)
            .where(Participant.kpj == kpj)
            .values(balance=balance, balance_date=jakarta_day(now), updated_at=now)
        )


def die(db: Database, person: Person, now: datetime) -> None:
    with db.unit_of_work() as session:
        session.execute(
            update(Participant)
            .where(Participant.nik == person.nik)
            .values(deceased=True, updated_at=now)
        )


# --- the checks -----------------------------------------------------------------------------


def check_money(db: Database, person: Person, now: datetime, approved: str | None) -> None:
    """The three checks; the account's for the KPJ of an approval (`approved`): a newer
    statement may say less than a payout approved before it and still being paid, which the
    engine cannot take back, but no approval may ever go beyond what the account has."""
    with db.read_only() as session:
        participants = {
            p.kpj: p
            for p in session.scalars(select(Participant).where(Participant.nik == person.nik))
        }
        rows = session.execute(
            select(
                Claim.kpj,
                Claim.reason,
                Claim.status,
                Payout.gross,
                Payout.tax,
                Payout.status,
                Payout.paid_at,
                Payout.live,
            )
            .join(Payout, Payout.claim_id == Claim.id, isouter=True)
            .where(Claim.kpj.in_(person.kpjs))
        ).all()
    today = jakarta_day(now)
    for kpj, participant in participants.items():
        if kpj != approved:
            continue
        since = participant.balance_date
        taken = sum(
            gross
            for claim_kpj, _, _, gross, _, status, paid_at, _ in rows
            if claim_kpj == kpj
            and status in TAKING
            and (paid_at is None or jakarta_day(paid_at) > since)
        )
        # A year's development on the whole statement at the highest rate: an upper bound.
        most = participant.balance + participant.balance * MAX_RATE_BP * max(
            1, (today - since).days
        ) // (10_000 * 365)
        assert taken <= most, (kpj, taken, most)
    partial_claims = {
        (kpj, reason, status)
        for kpj, reason, status, *_ in rows
        if ClaimReason(reason).is_partial and status not in ("cancelled", "rejected")
    }
    assert len(partial_claims) <= 1, partial_claims
    payments = [
        (gross, tax)
        for _, _, _, gross, tax, status, _, live in rows
        if gross is not None and status in TAKING
    ]
    total_gross = sum(gross for gross, _ in payments)
    total_tax = sum(tax for _, tax in payments)
    # Each payment's tax is rounded down once: up to a rupiah less per payment.
    assert total_tax + len(payments) >= max(0, total_gross - 50 * JUTA) * 5 // 100, payments


# --- the property ---------------------------------------------------------------------------

kpj_index = st.integers(0, 2)
opening = st.tuples(st.just("open"), kpj_index, st.sampled_from(REASONS))
# A claim opened and approved at once: most sequences then have money moving.
claiming = st.tuples(st.just("claim"), kpj_index, st.sampled_from(REASONS))
approving = st.tuples(st.just("approve"), kpj_index)
banking = st.tuples(st.just("bank"), kpj_index, st.sampled_from(("done", "refused", "timeout")))
# Claims, approvals and the bank's answers are the heart of it: drawn more often.
steps = st.lists(
    st.one_of(
        claiming,
        claiming,
        claiming,
        opening,
        approving,
        approving,
        banking,
        banking,
        st.tuples(st.just("new_account"), kpj_index),
        st.tuples(st.just("statement"), kpj_index, st.integers(0, 300).map(lambda j: j * JUTA)),
        st.tuples(st.just("die")),
        st.tuples(st.just("days"), st.integers(1, 20)),
    ),
    min_size=4,
    max_size=16,
)


@settings(
    max_examples=1_000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    statements=st.lists(
        st.integers(0, 300).map(lambda j: j * JUTA + 123_457), min_size=1, max_size=3
    ),
    plan=steps,
)
def test_random_sequences_never_pay_more_than_the_account(
    money_db: tuple[Database, Staff], statements: list[int], plan: list[tuple[object, ...]]
) -> None:
    db, staff = money_db
    now = START
    person = add_person(db, statements, now)
    for step in plan:
        kind, *arguments = step
        approved = False
        kpj = (
            person.kpjs[int(arguments[0]) % len(person.kpjs)] if kind not in ("die", "days") else ""
        )
        if kind in ("open", "claim"):
            open_claim(db, person, kpj, ClaimReason(arguments[1]), now)
            if kind == "claim":
                approved = approve(db, staff, kpj, now)
        elif kind == "approve":
            approved = approve(db, staff, kpj, now)
        elif kind == "bank":
            bank(db, kpj, str(arguments[1]), now)
        elif kind == "new_account":
            new_account(db, kpj, now)
        elif kind == "statement":
            new_statement(db, kpj, int(arguments[1]), now)
        elif kind == "die":
            die(db, person, now)
        else:
            now += timedelta(days=int(arguments[0]))
        assert now.year == 2026
        check_money(db, person, now, kpj if approved else None)


# --- twenty approvals at once ---------------------------------------------------------------


def test_concurrent_approvals_of_one_person_use_the_band_once(
    money_db: tuple[Database, Staff],
) -> None:
    db, staff = money_db
    person = add_person(db, [80 * JUTA, 90 * JUTA], START)
    for kpj in person.kpjs:
        open_claim(db, person, kpj, ClaimReason.resignation, START)
    claim_ids = [open_claim_of(db, kpj) for kpj in person.kpjs]
    assert all(claim_ids)
    start = threading.Barrier(20)
    outcomes: list[str] = []

    def approve_one(claim_id: str) -> None:
        start.wait()
        try:
            with db.unit_of_work() as session:
                decisions.approve(
                    session, facts.get_claim(session, claim_id), staff.approver, None, START
                )
            outcomes.append("approved")
        except WorkflowError as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=approve_one, args=(claim_ids[i % 2],)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("approved") == 2, outcomes
    with db.read_only() as session:
        payouts = list(
            session.scalars(
                select(Payout)
                .join(Claim, Claim.id == Payout.claim_id)
                .where(Claim.kpj.in_(person.kpjs))
                .order_by(Payout.id)
            )
        )
    first, second = payouts
    # The first approved takes the band; the second, counted with it, has none left.
    assert first.tax == (first.gross - 50 * JUTA) * 5 // 100
    assert second.tax == second.gross * 5 // 100


def test_a_refused_payout_waiting_for_a_new_account_keeps_its_band(
    money_db: tuple[Database, Staff],
) -> None:
    """What the property found: the first claim takes the band, its transfer is refused; a
    claim on the person's other KPJ, approved meanwhile, must still count the first one,
    whose replacement pays the figures fixed at approval."""
    db, staff = money_db
    person = add_person(db, [123_457, 50_123_457], START)
    first, other = person.kpjs
    open_claim(db, person, first, ClaimReason.resignation, START)
    assert approve(db, staff, first, START)
    bank(db, first, "refused", START)
    open_claim(db, person, other, ClaimReason.resignation, START)
    assert approve(db, staff, other, START)
    new_account(db, first, START)
    check_money(db, person, START, other)
    with db.read_only() as session:
        taxes = {
            kpj: tax
            for kpj, tax in session.execute(
                select(Claim.kpj, Payout.tax)
                .join(Payout, Payout.claim_id == Claim.id)
                .where(Claim.kpj.in_(person.kpjs), Payout.live.is_(True))
            )
        }
    assert taxes == {first: 0, other: (50_123_457 + 123_457 - 50 * JUTA) * 5 // 100}
