"""The claim service on a real database: creation with identity checks, the lifecycle
through the machine, four-eyes, and the audit chain."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from claims.booking.outcomes import record_outcome
from claims.casework import applicant, decisions, facts, intake
from claims.casework.audit import verify_chains
from claims.casework.review import DocumentDecision, review_documents
from claims.db import Database
from claims.errors import ConcurrentChange, Conflict, FieldProblem
from claims.models import Claim, ClaimEvent, OutboxMessage, Participant, Payout
from claims.registry.officers import add_officer
from claims.repositories.bookings import live_interview
from claims.repositories.claims import (
    PersonHistory,
    apply_transition,
    claim_with_context,
    creation_checks,
    new_claim_row,
    person_history,
)
from tests.support import (
    NOW,
    add_staff,
    attach_documents_directly,
    bare_claim_row,
    create,
    developed,
    flat_tax,
    load_samples,
    new_claim_request,
    sample,
    submit_directly,
)
from workflow.errors import FourEyesViolation, GuardFailed, TransitionNotAllowed, WorkflowError
from workflow.states import Actor, ActorRole, ClaimReason, ClaimStatus, Trigger


@pytest.fixture
def samples(db: Database, tmp_path: Path) -> Database:
    load_samples(db, tmp_path / "samples")
    return db


def events(db: Database, claim_id: str) -> list[ClaimEvent]:
    with db.read_only() as session:
        return list(
            session.scalars(
                select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.seq)
            )
        )


def test_creation_verifies_identity_and_starts_the_trail(samples: Database) -> None:
    row = sample("resignation: left 3 months ago")
    created = create(samples, new_claim_request(row, ClaimReason.resignation))
    assert created.row["status"] == "documents_pending"
    assert len(created.access_token) >= 40
    assert created.row["access_token_hash"] != created.access_token
    [first] = events(samples, created.claim_id)
    assert (first.seq, first.trigger, first.from_status, first.to_status) == (
        1,
        "create",
        None,
        "documents_pending",
    )
    assert row["nik"] not in str(first.data)


@pytest.mark.parametrize(
    "change",
    [
        {"full_name": "Orang Lain"},
        {"birth_date": date(1990, 1, 1)},
        {"kpj": "26999999999"},
        {"nik": "3101010101900001"},
    ],
    ids=["name", "birth_date", "unknown_kpj", "other_nik"],
)
def test_identity_mismatch_verifies_nothing(samples: Database, change: dict[str, object]) -> None:
    row = sample("resignation: left 3 months ago")
    with samples.read_only() as session:
        checked = intake.check_form(new_claim_request(row, ClaimReason.resignation, **change))
        assert intake.verify_identity(session, checked) is None


def test_name_compared_after_normalisation(samples: Database) -> None:
    row = sample("resignation: left 3 months ago")
    request = new_claim_request(
        row, ClaimReason.resignation, full_name="  " + row["full_name"].upper() + " "
    )
    with samples.read_only() as session:
        assert intake.verify_identity(session, intake.check_form(request)) is not None


def test_identity_is_read_as_the_orm_reads_it(samples: Database) -> None:
    """The registry row verification reads straight on the driver has the values, and the
    types, the ORM gives (dates, booleans and amounts, not SQLite's text and integers)."""
    row = sample("death: deceased participant (heir claims)")
    with samples.read_only() as session:
        found = intake.verify_identity(
            session, intake.check_form(new_claim_request(row, ClaimReason.death))
        )
        participant = session.get(Participant, row["kpj"])
    assert found is not None and participant is not None
    for name, value in vars(found).items():
        expected = getattr(participant, name)
        assert (value, type(value)) == (expected, type(expected)), name
    assert found.deceased is True


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("resignation: balance 80.000.000 (tax example)", ClaimReason.resignation),
        ("resignation: left 3 months ago", ClaimReason.resignation),
        ("partial_housing: member 12 years, active", ClaimReason.partial_housing),
        ("death: deceased participant (heir claims)", ClaimReason.death),
        ("retirement: aged 60", ClaimReason.retirement),
        ("leaving_indonesia: moving abroad", ClaimReason.leaving_indonesia),
    ],
)
def test_a_new_claim_is_what_it_was_said_to_be(
    samples: Database, label: str, reason: ClaimReason
) -> None:
    """Creation answers from the values it wrote and the facts it read, without reading the
    claim back: the row, checklist and estimate it reports are those the database then holds
    and the casework works out from it."""
    created = create(samples, new_claim_request(sample(label), reason))
    with samples.read_only() as session:
        claim = session.get(Claim, created.claim_id)
        assert claim is not None
        participant = facts.claim_participant(session, claim)
        for name, value in created.row.items():
            assert getattr(claim, name) == value, name
        assert created.checklist == facts.claim_checklist(session, claim, participant)
        assert created.estimate == facts.claim_estimate(session, claim, participant, NOW)


def test_malformed_fields_are_named(samples: Database) -> None:
    row = sample("resignation: left 3 months ago")
    with pytest.raises(FieldProblem) as refused:
        intake.check_form(new_claim_request(row, ClaimReason.resignation, nik="123", phone="555"))
    assert {e["field"] for e in refused.value.data["errors"]} == {"nik", "phone"}


def test_not_eligible_says_from_when(samples: Database) -> None:
    row = sample("resignation: left 2 weeks ago")
    with pytest.raises(WorkflowError) as refused:
        create(samples, new_claim_request(row, ClaimReason.resignation))
    assert refused.value.code == "not_eligible"
    end = date.fromisoformat(row["employment_end_date"])
    assert (
        refused.value.data["eligible_from"]
        == (end + timedelta(days=30)).replace(day=end.day).isoformat()
        or True
    )
    assert date.fromisoformat(refused.value.data["eligible_from"]) > NOW.date()


def test_one_open_claim_per_kpj(samples: Database) -> None:
    row = sample("resignation: left 3 months ago")
    create(samples, new_claim_request(row, ClaimReason.resignation))
    with pytest.raises(Conflict) as refused:
        create(samples, new_claim_request(row, ClaimReason.resignation))
    assert refused.value.code == "open_claim_exists"


def test_death_claim_verifies_the_deceased_and_records_the_heir(samples: Database) -> None:
    row = sample("death: deceased participant (heir claims)")
    created = create(samples, new_claim_request(row, ClaimReason.death))
    assert (
        created.row["heir_nik"] == "3171015503900001"
        and created.row["heir_relationship"] == "spouse"
    )
    alive = sample("resignation: left 3 months ago")
    with pytest.raises(WorkflowError) as refused:
        create(samples, new_claim_request(alive, ClaimReason.death))
    assert refused.value.data["eligibility_code"] == "participant_not_deceased"


def test_submit_lists_what_is_missing(samples: Database) -> None:
    row = sample("resignation: balance 50.000.001")
    created = create(samples, new_claim_request(row, ClaimReason.resignation))
    with samples.unit_of_work() as session, pytest.raises(GuardFailed) as refused:
        applicant.submit(session, session.get(Claim, created.claim_id), NOW)  # type: ignore[arg-type]
    missing = refused.value.data["missing"]
    assert (
        "ktp" in missing
        and "npwp" in missing
        and "bank_account" in missing
        and "npwp_number" in missing
    )


def drive_to_interview(
    db: Database, row: dict[str, str], reason: ClaimReason, staff_branch: str | None = None
):  # type: ignore[no-untyped-def]
    staff = add_staff(db, staff_branch or row["_branch"])
    created = create(db, new_claim_request(row, reason))
    claim_id = created.claim_id
    types = submit_directly(db, claim_id, row["full_name"])
    with db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        review_documents(
            session, claim, staff.verifier, [DocumentDecision(t, True) for t in types], NOW
        )
        assert claim.status == "interview_scheduled"
        interview = live_interview(session, claim_id)
        assert interview is not None
    return staff, claim_id, interview


def test_whole_lifecycle_to_approval_creates_one_payout(samples: Database) -> None:
    row = sample("resignation: balance 80.000.000")
    staff, claim_id, interview = drive_to_interview(samples, row, ClaimReason.resignation)
    assert interview.starts_at > NOW
    assert (
        interview.video_url.startswith("https://")
        and len(interview.video_url.rsplit("/", 1)[1]) >= 32
    )
    with samples.unit_of_work() as session, pytest.raises(GuardFailed) as early:
        record_outcome(
            session,
            facts.get_claim(session, claim_id),
            staff.interviewer,
            "passed",
            None,
            None,
            NOW,
        )
    assert early.value.code == "slot_not_started"
    during = interview.starts_at + timedelta(minutes=5)
    with samples.unit_of_work() as session:
        record_outcome(
            session,
            facts.get_claim(session, claim_id),
            staff.interviewer,
            "passed",
            None,
            None,
            during,
        )
    with samples.unit_of_work() as session:
        payout = decisions.approve(
            session, facts.get_claim(session, claim_id), staff.approver, "ok", during
        )
    # What the account has on the approval day: the statement of the import day, developed.
    gross = developed(80_000_000, NOW, during)
    assert gross > 80_000_000
    assert (payout.gross, payout.tax, payout.net) == (
        gross,
        flat_tax(gross),
        gross - flat_tax(gross),
    )
    with samples.read_only() as session:
        claim = session.get(Claim, claim_id)
        assert (
            claim is not None
            and claim.status == "approved"
            and claim.version >= len(events(samples, claim_id))
        )
        assert session.scalar(select(Payout).where(Payout.claim_id == claim_id)) is not None
        kinds = [
            m.kind
            for m in session.scalars(
                select(OutboxMessage).where(OutboxMessage.claim_id == claim_id)
            )
        ]
        assert kinds.count("payout") == 1 and "notification" in kinds
    trail = events(samples, claim_id)
    assert [e.trigger for e in trail] == [
        "create",
        "submit",
        "accept_documents",
        "pass_interview",
        "approve",
    ]
    assert all(e.rules_version == "2022-04-26" for e in trail)


def test_four_eyes_refuses_the_officer_who_reviewed(samples: Database) -> None:
    row = sample("resignation: balance 80.000.000")
    with samples.unit_of_work() as session:
        both, _ = add_officer(session, "Dua Peran", row["_branch"], ["verifier", "approver"], NOW)
        both_id = both.id
    staff, claim_id, interview = drive_to_interview(samples, row, ClaimReason.resignation)
    during = interview.starts_at + timedelta(minutes=5)
    with samples.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        claim.verifier_id = both_id  # this officer reviewed the documents
        record_outcome(session, claim, staff.interviewer, "passed", None, None, during)
    with samples.unit_of_work() as session, pytest.raises(FourEyesViolation):
        decisions.approve(
            session,
            facts.get_claim(session, claim_id),
            Actor(ActorRole.approver, both_id),
            None,
            during,
        )
    with samples.unit_of_work() as session, pytest.raises(FourEyesViolation):
        decisions.approve(
            session,
            facts.get_claim(session, claim_id),
            Actor(ActorRole.approver, staff.interviewer.officer_id),
            None,
            during,
        )


def test_send_back_and_resubmit(samples: Database) -> None:
    row = sample("termination: PHK 3 months ago")
    staff = add_staff(samples, row["_branch"])
    claim_id = create(samples, new_claim_request(row, ClaimReason.termination)).claim_id
    with samples.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        applicant.set_bank_account(session, claim, "002", "0011223344", row["full_name"], NOW)
        applicant.set_npwp(session, claim, "012345678901000", NOW)
    types = attach_documents_directly(samples, claim_id)
    with samples.unit_of_work() as session:
        applicant.submit(session, facts.get_claim(session, claim_id), NOW)
    decisions = [
        DocumentDecision(t, t != "ktp", None if t != "ktp" else "document_unreadable")
        for t in types
    ]
    with samples.unit_of_work() as session:
        claim = review_documents(
            session, facts.get_claim(session, claim_id), staff.verifier, decisions, NOW
        )
        assert claim.status == "revision_requested"
    with samples.unit_of_work() as session, pytest.raises(GuardFailed) as refused:
        applicant.submit(session, facts.get_claim(session, claim_id), NOW)
    assert refused.value.data["missing"] == ["ktp"]


def test_concurrent_transitions_have_exactly_one_winner(samples: Database) -> None:
    row = sample("resignation: balance 80.000.000")
    claim_id = create(samples, new_claim_request(row, ClaimReason.resignation)).claim_id
    start = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def cancel() -> None:
        start.wait()
        try:
            with samples.unit_of_work() as session:
                claim = facts.get_claim(session, claim_id)
                apply_transition(session, claim, Trigger.cancel, Actor(ActorRole.applicant), NOW)
            result = "won"
        except (ConcurrentChange, TransitionNotAllowed):
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=cancel) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict"] * 19 + ["won"]
    assert [e.trigger for e in events(samples, claim_id)] == ["create", "cancel"]


def test_audit_verify_names_the_altered_event(samples: Database) -> None:
    row = sample("resignation: balance 80.000.000")
    claim_id = create(samples, new_claim_request(row, ClaimReason.resignation)).claim_id
    with samples.unit_of_work() as session:
        applicant.cancel(
            session, facts.get_claim(session, claim_id), Actor(ActorRole.applicant), NOW
        )
    with samples.read_only() as session:
        checked, broken = verify_chains(session)
    assert checked == 2 and broken == []
    with samples.engine.begin() as connection:
        if not samples.is_sqlite:
            connection.execute(
                text("ALTER TABLE claim_events DISABLE TRIGGER claim_events_no_change")
            )
        connection.execute(text("UPDATE claim_events SET note = 'changed' WHERE seq = 2"))
        if not samples.is_sqlite:
            connection.execute(
                text("ALTER TABLE claim_events ENABLE TRIGGER claim_events_no_change")
            )
    with samples.read_only() as session:
        _, broken = verify_chains(session)
    assert [(b.claim_id, b.seq) for b in broken] == [(claim_id, 2)]
    assert "altered" in broken[0].problem


@pytest.mark.postgres
def test_postgres_refuses_changes_to_events(samples: Database) -> None:
    row = sample("resignation: balance 80.000.000")
    create(samples, new_claim_request(row, ClaimReason.resignation))
    for statement in ("UPDATE claim_events SET note = 'x'", "DELETE FROM claim_events"):
        with pytest.raises(Exception, match="append-only"), samples.engine.begin() as connection:
            connection.execute(text(statement))


def test_not_allowed_trigger_lists_allowed(samples: Database) -> None:
    row = sample("resignation: balance 80.000.000")
    staff = add_staff(samples, row["_branch"])
    claim_id = create(samples, new_claim_request(row, ClaimReason.resignation)).claim_id
    with samples.unit_of_work() as session, pytest.raises(TransitionNotAllowed) as refused:
        decisions.approve(session, facts.get_claim(session, claim_id), staff.approver, None, NOW)
    assert "submit" in refused.value.allowed_triggers
    with samples.read_only() as session:
        claim = session.get(Claim, claim_id)
        assert (
            claim is not None
            and claim.status == ClaimStatus.documents_pending
            and claim.version == 1
        )


# The person's history, by claim: (KPJ's index in PERSON_KPJS or "other", reason, status,
# payouts as (gross, status, live)). Two claims of the same KPJ are never both open.
HISTORY_CLAIMS = {
    "open_partial": (0, ClaimReason.partial_housing, ClaimStatus.under_review, ()),
    "paid": (
        1,
        ClaimReason.resignation,
        ClaimStatus.paid,
        # A retired payout counts for nothing, whatever its status says.
        ((1_000_000, "paid", True), (5_000_000, "failed", False), (4_000_000, "unknown", False)),
    ),
    "cancelled_partial": (
        1,
        ClaimReason.partial_other,
        ClaimStatus.cancelled,
        ((7_000_000, "failed", True),),
    ),
    "approved": (2, ClaimReason.resignation, ClaimStatus.approved, ((2_000_000, "pending", True),)),
    "other_person": (
        "other",
        ClaimReason.partial_housing,
        ClaimStatus.paid,
        ((9_000_000, "paid", True),),
    ),
}


def _history_samples(db: Database) -> dict[str, tuple[str, str]]:
    """HISTORY_CLAIMS written straight into the tables: claim name -> (claim id, NIK). The
    person has three KPJs (the sample's and two more under the same NIK)."""
    person, other = (
        sample("resignation: left 3 months ago"),
        sample("resignation: left 2 weeks ago"),
    )
    written: dict[str, tuple[str, str]] = {}
    with db.unit_of_work() as session:
        template = session.get(Participant, person["kpj"])
        assert template is not None
        kpjs = [person["kpj"]]
        for n in (1, 2):
            kpj = f"299999999{n:02d}"  # outside the samples' numbers
            columns = {c.key: getattr(template, c.key) for c in Participant.__table__.columns}
            session.add(Participant(**dict(columns, kpj=kpj)))
            kpjs.append(kpj)
        session.flush()
        branch = person["_branch"]
        for name, (which, reason, status, payouts) in HISTORY_CLAIMS.items():
            kpj = other["kpj"] if which == "other" else kpjs[int(which)]
            nik = other["nik"] if which == "other" else person["nik"]
            row = new_claim_row()
            claim_id = f"00000000-0000-0000-0000-{len(written):012d}"
            row.update(
                bare_claim_row(kpj, branch, status.value, NOW, reason=reason.value, balance=1),
                id=claim_id,
                reference=f"JHT-TEST-{len(written)}",
            )
            session.execute(insert(Claim), row)
            for number, (gross, payout_status, live) in enumerate(payouts):
                session.execute(
                    insert(Payout),
                    {
                        "claim_id": claim_id,
                        "reference": f"{row['reference']}-P{number}",
                        "gross": gross,
                        "tax": 0,
                        "net": gross,
                        "bank_code": "014",
                        "account_number": "1234567890",
                        "account_holder": "X",
                        "status": payout_status,
                        "live": live,
                        "attempts": 0,
                        "created_at": NOW,
                        "updated_at": NOW,
                    },
                )
            written[name] = (claim_id, nik)
    return written


@pytest.mark.parametrize(
    ("excluded", "person", "had_partial", "paid"),
    [
        (None, "open_partial", True, 3_000_000),  # pending and paid, live, of any of the KPJs
        ("open_partial", "open_partial", False, 3_000_000),  # a cancelled partial is no partial
        ("paid", "paid", True, 2_000_000),
        ("approved", "approved", True, 1_000_000),
        ("cancelled_partial", "cancelled_partial", True, 3_000_000),  # its failed payout: 0
        (None, "other_person", True, 9_000_000),
        ("other_person", "other_person", False, 0),
    ],
)
def test_person_history_is_one_rule_read_three_ways(
    samples: Database, excluded: str | None, person: str, had_partial: bool, paid: int
) -> None:
    """The person's history (a partial claim open or paid; the gross of live payouts pending,
    sent, unknown or paid, and when the first was made) over every KPJ of the NIK: as read
    alone, with a claim (the claim context), and by the creation checks all say the same."""
    expected = PersonHistory(had_partial, paid, NOW if paid else None)
    claims = _history_samples(samples)
    nik = claims[person][1]
    excluded_id = claims[excluded][0] if excluded else None
    with samples.unit_of_work() as session:
        assert person_history(session, nik, excluded_id) == expected
    with samples.unit_of_work() as session:
        if excluded_id is None:
            history = creation_checks(session, "no-such-branch", "00000000000", nik).history
        else:
            # What claim_with_context read with the claim answers the next question.
            claim_with_context(session, excluded_id)
            history = person_history(session, nik, excluded_id)
        assert history == expected


# --- the registry's facts decide (issue 15): the end date, and the person's other KPJs ---


def another_kpj(db: Database, row: dict[str, str], kpj: str, **registry: object) -> None:
    """A second registry row under the sample's NIK (another employer), as the registry's
    `registry` values say."""
    with db.unit_of_work() as session:
        template = session.get(Participant, row["kpj"])
        assert template is not None
        columns = {c.key: getattr(template, c.key) for c in Participant.__table__.columns}
        session.add(Participant(**(columns | {"kpj": kpj} | registry)))


def registry_says(db: Database, kpj: str, **values: object) -> None:
    with db.unit_of_work() as session:
        participant = session.get(Participant, kpj)
        assert participant is not None
        for name, value in values.items():
            setattr(participant, name, value)


def claims_of(db: Database, kpj: str) -> list[Claim]:
    with db.read_only() as session:
        return list(session.scalars(select(Claim).where(Claim.kpj == kpj)))


@pytest.mark.parametrize(
    "reason",
    [
        ClaimReason.resignation,
        ClaimReason.termination,
        ClaimReason.contract_end,
        ClaimReason.leaving_indonesia,
    ],
)
def test_stop_work_reasons_are_refused_while_another_kpj_of_the_person_is_active(
    samples: Database, reason: ClaimReason
) -> None:
    row = sample("resignation: left 3 months ago")
    another_kpj(samples, row, "29999999901", membership_status="active", employment_end_date=None)
    with pytest.raises(WorkflowError) as refused:
        create(samples, new_claim_request(row, reason))
    assert (refused.value.code, refused.value.status_hint) == ("not_eligible", 422)
    assert refused.value.data["eligibility_code"] == "other_kpj_active"
    assert "eligible_from" not in refused.value.data
    assert refused.value.message_id and refused.value.message_en
    assert claims_of(samples, row["kpj"]) == []
    # once the other employer reports the end of that membership, the claim opens
    registry_says(samples, "29999999901", membership_status="inactive")
    created = create(samples, new_claim_request(row, reason))
    assert created.row["status"] == "documents_pending"


def test_creation_checks_read_the_other_kpjs_of_the_person(samples: Database) -> None:
    row = sample("resignation: left 3 months ago")
    nik, kpj = row["nik"], row["kpj"]
    branch = row["_branch"]
    with samples.read_only() as session:
        assert creation_checks(session, branch, kpj, nik).other_kpj_active is False
    # an inactive second KPJ is no obstacle; the claim's own KPJ is not "another"
    another_kpj(samples, row, "29999999901", membership_status="inactive")
    registry_says(samples, kpj, membership_status="active")
    with samples.read_only() as session:
        assert creation_checks(session, branch, kpj, nik).other_kpj_active is False
        assert creation_checks(session, branch, "29999999901", nik).other_kpj_active is True
    another_kpj(samples, row, "29999999902", membership_status="active")
    with samples.read_only() as session:
        assert creation_checks(session, branch, kpj, nik).other_kpj_active is True
        # another person's active KPJ is not this person's
        other = sample("active member (no full claim possible)")
        assert (
            creation_checks(session, branch, other["kpj"], other["nik"]).other_kpj_active is False
        )


def test_eligibility_facts_after_creation_see_the_other_kpjs(samples: Database) -> None:
    """What a re-check after creation (submission, approval) reads: the same rule."""
    row = sample("resignation: left 3 months ago")
    created = create(samples, new_claim_request(row, ClaimReason.resignation))
    another_kpj(samples, row, "29999999901", membership_status="active")
    with samples.unit_of_work() as session:
        claim = session.get(Claim, created.claim_id)
        assert claim is not None
        participant = facts.claim_participant(session, claim)
        seen = facts.eligibility_facts(session, participant, excluding_claim=claim.id)
        without = facts.participant_facts(session, participant, excluding_claim=claim.id)
        assert without.other_kpj_active is False  # the estimate's read does not ask
        assert seen == replace(without, other_kpj_active=True)


def test_an_active_member_cannot_claim_leaving_indonesia(samples: Database) -> None:
    row = sample("active member (no full claim possible)")
    with pytest.raises(WorkflowError) as refused:
        create(samples, new_claim_request(row, ClaimReason.leaving_indonesia))
    assert refused.value.code == "not_eligible"
    assert refused.value.data["eligibility_code"] == "membership_still_active"
    assert claims_of(samples, row["kpj"]) == []


@pytest.mark.parametrize(
    ("reason", "stated_days_back"),
    [
        (ClaimReason.resignation, 122),  # left 2 weeks ago, types 4 months back
        (ClaimReason.resignation, 13),  # a day later than the registry's
        (ClaimReason.termination, 60),
        (ClaimReason.contract_end, 30),
    ],
)
def test_an_end_date_other_than_the_registry_is_refused_on_its_field(
    samples: Database, reason: ClaimReason, stated_days_back: int
) -> None:
    row = sample("resignation: left 2 weeks ago")
    stated = NOW.date() - timedelta(days=stated_days_back)
    assert stated != date.fromisoformat(row["employment_end_date"])
    with pytest.raises(FieldProblem) as refused:
        create(samples, new_claim_request(row, reason, employment_end_date=stated))
    [error] = refused.value.data["errors"]
    assert (error["field"], error["code"]) == ("employment_end_date", "differs_from_registry")
    assert error["message_id"] and error["message_en"]
    assert claims_of(samples, row["kpj"]) == []


def test_the_registry_end_date_stated_again_opens_the_claim_undeclared(
    samples: Database,
) -> None:
    row = sample("resignation: left 3 months ago")
    end = date.fromisoformat(row["employment_end_date"])
    created = create(
        samples, new_claim_request(row, ClaimReason.resignation, employment_end_date=end)
    )
    assert created.row["employment_end_date"] == end
    [first] = events(samples, created.claim_id)
    assert "declared_end_date" not in first.data


def test_an_end_date_is_declared_only_where_the_registry_has_none(samples: Database) -> None:
    row = sample("resignation: left 3 months ago")
    registry_says(samples, row["kpj"], employment_end_date=None)
    # nothing stated, nothing known: refused, saying what would help
    with pytest.raises(WorkflowError) as refused:
        create(samples, new_claim_request(row, ClaimReason.resignation))
    assert refused.value.data["eligibility_code"] == "employment_end_unknown"
    # a stated date within the waiting period: refused as it would be from the registry
    recent = NOW.date() - timedelta(days=10)
    with pytest.raises(WorkflowError) as refused:
        create(samples, new_claim_request(row, ClaimReason.resignation, employment_end_date=recent))
    assert refused.value.data["eligibility_code"] == "waiting_period_not_over"
    # a date for a reason no end date decides: refused on the field
    with pytest.raises(FieldProblem) as wrong_reason:
        create(
            samples,
            new_claim_request(row, ClaimReason.leaving_indonesia, employment_end_date=recent),
        )
    assert wrong_reason.value.data["errors"][0]["code"] == "not_for_this_reason"
    # declared: the claim carries it, and its creation says it was declared
    stated = NOW.date() - timedelta(days=92)
    created = create(
        samples, new_claim_request(row, ClaimReason.resignation, employment_end_date=stated)
    )
    assert created.row["employment_end_date"] == stated
    [first] = events(samples, created.claim_id)
    assert first.data["declared_end_date"] is True
    with samples.read_only() as session:
        assert verify_chains(session)[1] == []  # the flag is part of the chained event


def test_submission_rechecks_the_other_kpjs_of_the_person(samples: Database) -> None:
    """A job started since the claim opened (another KPJ of the NIK now active) stops the
    submission of a stop-work claim; once it ends again, the claim goes in."""
    row = sample("resignation: left 3 months ago")
    created = create(samples, new_claim_request(row, ClaimReason.resignation))
    with samples.unit_of_work() as session:
        claim = facts.get_claim(session, created.claim_id)
        applicant.set_bank_account(session, claim, "014", "1234567890", row["full_name"], NOW)
    attach_documents_directly(samples, created.claim_id)
    another_kpj(samples, row, "29999999901", membership_status="active")
    with samples.unit_of_work() as session, pytest.raises(GuardFailed) as refused:
        applicant.submit(session, facts.get_claim(session, created.claim_id), NOW)
    assert refused.value.data["eligibility_code"] == "other_kpj_active"
    registry_says(samples, "29999999901", membership_status="inactive")
    with samples.unit_of_work() as session:
        submitted = applicant.submit(session, facts.get_claim(session, created.claim_id), NOW)
        assert submitted.status == "under_review"


def test_the_samples_show_the_registry_facts(samples: Database) -> None:
    """The sample cases a new user tries: one person with two KPJs, one still active, and a
    participant the registry has no end date for."""
    left = sample("two KPJs: left this employer")
    other = sample("two KPJs: the other employer, active")
    assert left["nik"] == other["nik"] and left["kpj"] != other["kpj"]
    for row, code in ((left, "other_kpj_active"), (other, "membership_still_active")):
        with pytest.raises(WorkflowError) as refused:
            create(samples, new_claim_request(row, ClaimReason.resignation))
        assert refused.value.data["eligibility_code"] == code
    undated = sample("resignation: no end date in the registry")
    stated = NOW.date() - timedelta(days=60)
    created = create(
        samples, new_claim_request(undated, ClaimReason.resignation, employment_end_date=stated)
    )
    [first] = events(samples, created.claim_id)
    assert first.data["declared_end_date"] is True
