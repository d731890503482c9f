"""Stored flags on a real database: computed at creation and recomputed, for every claim
concerned, when a bank account is set or changed (also after a refused payout) and when an
upload is stored, replaced or removed; written without a new version or event; read by the
officer queue."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select, update

from claims.casework import applicant, facts
from claims.casework.intake import HeirInput
from claims.clock import Clock
from claims.db import Database
from claims.migrate import alembic_config
from claims.models import Claim, ClaimEvent, Document
from claims.payouts.dispatcher import dispatch_payouts
from claims.repositories.queue import queue_page
from claims.runtime import Runtime
from claims.settings import Settings
from claims.uploads.service import delete_document, store_upload
from documents.intake import ReceivedFile
from documents.merge import BuiltDocument
from documents.storage import StoredObject
from tests.e2e.payout_process import approve_one, reasons_for
from tests.support import (
    NOW,
    add_staff,
    bare_claim_row,
    create,
    load_samples,
    new_claim_request,
    sample,
)
from workflow.states import ClaimReason, ClaimStatus

RESIGNED = "resignation: left 3 months ago"
TERMINATED = "termination: PHK 3 months ago"
DECEASED = "death: deceased participant (heir claims)"
DECEASED_SMALL = "death: deceased participant, small balance"
UNDATED = "resignation: no end date in the registry"


@pytest.fixture
def samples(db: Database, tmp_path: Path) -> Database:
    load_samples(db, tmp_path / "samples")
    return db


def open_claim(db: Database, label: str, reason: ClaimReason = ClaimReason.resignation) -> str:
    return create(db, new_claim_request(sample(label), reason)).claim_id


def stored(db: Database, claim_id: str) -> tuple[list[str], int, int]:
    """The claim's stored flags, its version and how many events it has."""
    with db.read_only() as session:
        claim = session.get(Claim, claim_id)
        assert claim is not None
        count = session.scalar(
            select(func.count()).select_from(ClaimEvent).where(ClaimEvent.claim_id == claim_id)
        )
        return list(claim.flags), claim.version, int(count or 0)


def flags_of(db: Database, claim_id: str) -> list[str]:
    return stored(db, claim_id)[0]


def set_account(db: Database, claim_id: str, number: str, holder: str | None = None) -> None:
    with db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        name = holder or facts.claimant_name(claim, facts.claim_participant(session, claim))
        applicant.set_bank_account(session, claim, "014", number, name, NOW)


def test_one_account_in_two_peoples_claims_flags_both_until_one_changes(
    samples: Database,
) -> None:
    first, second = open_claim(samples, RESIGNED), open_claim(samples, TERMINATED)
    set_account(samples, first, "1234567890")
    set_account(samples, second, "9876543210")
    assert flags_of(samples, first) == [] and flags_of(samples, second) == []
    before = stored(samples, first)

    set_account(samples, second, "1234567890")
    assert flags_of(samples, second) == ["duplicate_bank_account"]
    # The other claim is flagged by the change of this one: no new version, no event.
    assert stored(samples, first) == (["duplicate_bank_account"], before[1], before[2])

    set_account(samples, first, "5555555555")  # the old account's sharer is cleared too
    assert flags_of(samples, first) == [] and flags_of(samples, second) == []


def test_two_claims_taking_up_one_account_at_once_see_each_other(samples: Database) -> None:
    """The second change waits for the first to commit (PostgreSQL: a lock on the account;
    SQLite: the one writer), then reads it: both are flagged, not neither."""
    first, second = open_claim(samples, RESIGNED), open_claim(samples, TERMINATED)
    failures: list[BaseException] = []

    def second_change() -> None:
        try:
            set_account(samples, second, "1234567890")
        except BaseException as error:
            failures.append(error)

    later = threading.Thread(target=second_change)
    with samples.unit_of_work() as session:
        claim = facts.get_claim(session, first)
        name = facts.claimant_name(claim, facts.claim_participant(session, claim))
        applicant.set_bank_account(session, claim, "014", "1234567890", name, NOW)
        later.start()
        time.sleep(0.5)  # the second change reads now, unless it waits for this commit
    later.join()
    assert not failures, failures
    assert flags_of(samples, first) == ["duplicate_bank_account"]
    assert flags_of(samples, second) == ["duplicate_bank_account"]


def test_one_persons_claims_on_one_account_are_not_flagged(samples: Database) -> None:
    first = open_claim(samples, RESIGNED)
    set_account(samples, first, "1234567890")
    with samples.unit_of_work() as session:
        applicant.cancel(session, facts.get_claim(session, first), applicant.APPLICANT, NOW)
    second = open_claim(samples, RESIGNED)  # the same KPJ again
    set_account(samples, second, "1234567890")
    assert flags_of(samples, first) == [] and flags_of(samples, second) == []


def test_a_new_account_after_a_refused_payout_is_compared_too(
    samples: Database, data_dir: Path
) -> None:
    row = sample("resignation: balance 80.000.000")
    staff = add_staff(samples, row["_branch"])
    refused = approve_one(samples, row, reasons_for(row["_label"])[0], staff, "1234560000")
    assert refused is not None
    runtime = Runtime(
        settings=Settings(database_url=samples.url, data_dir=data_dir, scheduler=False),
        db=samples,
        clock=Clock(),
    )
    assert dispatch_payouts(runtime, NOW + timedelta(days=40)) == 1  # account closed
    other = open_claim(samples, TERMINATED)
    set_account(samples, other, "9876543210")
    with samples.unit_of_work() as session:
        claim = facts.get_claim(session, refused)
        assert claim.status is ClaimStatus.payout_failed and claim.account_holder
        applicant.set_bank_account(session, claim, "014", "9876543210", claim.account_holder, NOW)
    assert flags_of(samples, refused) == ["duplicate_bank_account"]
    assert flags_of(samples, other) == ["duplicate_bank_account"]


def upload(db: Database, claim_id: str, doc_type: str, *digests: str) -> None:
    files = [ReceivedFile(Path(f"/nonexistent/{d}"), f"{d}.jpg", 100, d) for d in digests]
    built = BuiltDocument(pages=len(files), size_bytes=1000, sha256=digests[0])
    with db.unit_of_work() as session:
        claim = facts.get_claim(session, claim_id)
        store_upload(
            session, claim, doc_type, files, built, StoredObject(digests[0], digests[0], 1), NOW
        )


def test_one_file_in_two_peoples_claims_flags_both_until_it_is_replaced_or_removed(
    samples: Database,
) -> None:
    shared, own, other = "a" * 64, "b" * 64, "c" * 64
    first, second = open_claim(samples, RESIGNED), open_claim(samples, TERMINATED)
    upload(samples, first, "ktp", shared)
    upload(samples, second, "ktp", own)
    assert flags_of(samples, first) == [] and flags_of(samples, second) == []

    upload(samples, second, "kartu_keluarga", own, shared)  # the other's scan, second page
    assert flags_of(samples, first) == ["reused_document"]
    assert flags_of(samples, second) == ["reused_document"]

    upload(samples, second, "kartu_keluarga", other)  # replaced: the shared file is gone
    assert flags_of(samples, first) == [] and flags_of(samples, second) == []

    upload(samples, first, "kartu_keluarga", other)
    assert flags_of(samples, first) == ["reused_document"]
    with samples.unit_of_work() as session:
        delete_document(session, facts.get_claim(session, second), "kartu_keluarga", NOW)
    assert flags_of(samples, first) == [] and flags_of(samples, second) == []
    with samples.read_only() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 3


def test_a_declared_end_date_is_flagged_at_creation(samples: Database) -> None:
    stated = NOW.date() - timedelta(days=60)
    created = create(
        samples,
        new_claim_request(sample(UNDATED), ClaimReason.resignation, employment_end_date=stated),
    )
    assert created.row["flags"] == ["declared_end_date"]
    assert flags_of(samples, created.claim_id) == ["declared_end_date"]
    # The registry's own date: nothing to check.
    assert flags_of(samples, open_claim(samples, RESIGNED)) == []
    # Still there after a recomputation (the creation event keeps the fact).
    set_account(samples, created.claim_id, "1234567890")
    assert flags_of(samples, created.claim_id) == ["declared_end_date"]


@pytest.mark.parametrize(
    ("label", "relationship", "flags"),
    [(DECEASED, "spouse", []), (DECEASED_SMALL, "child", ["later_heir"])],
)
def test_a_claim_by_a_later_heir_is_flagged(
    samples: Database, label: str, relationship: str, flags: list[str]
) -> None:
    heir = HeirInput("3171015503900001", "Ahli Waris Contoh", date(1990, 3, 15), relationship)
    request = new_claim_request(sample(label), ClaimReason.death, heir=heir)
    claim_id = create(samples, request).claim_id
    assert flags_of(samples, claim_id) == flags
    # The heir is paid, in the heir's name: no name_mismatch.
    set_account(samples, claim_id, "1234567890", "Ahli Waris Contoh")
    assert flags_of(samples, claim_id) == flags


def test_the_queue_reads_the_stored_flags(samples: Database) -> None:
    branch = sample(RESIGNED)["_branch"]
    flagged = bare_claim_row(sample(RESIGNED)["kpj"], branch, "under_review")
    plain = bare_claim_row(sample(TERMINATED)["kpj"], branch, "under_review")
    flagged |= {"sla_due_at": NOW + timedelta(days=1), "flags": ["duplicate_bank_account"]}
    plain |= {"sla_due_at": NOW + timedelta(days=2)}
    with samples.unit_of_work() as session:
        session.add_all([Claim(**flagged), Claim(**plain)])
    for _ in range(2):  # the parsed flags are remembered: the second page gives the same
        page = queue_page(
            samples, branches=[branch], status=None, reason=None, limit=10, cursor=None
        )
        assert [(item["id"], item["flags"]) for item in page["items"]] == [
            (flagged["id"], ["duplicate_bank_account"]),
            (plain["id"], []),
        ]


def test_migration_0007_computes_the_flags_of_claims_made_before_they_were_stored(
    samples: Database,
) -> None:
    first, second = open_claim(samples, RESIGNED), open_claim(samples, TERMINATED)
    set_account(samples, first, "1234567890")
    set_account(samples, second, "1234567890")
    heir = HeirInput("3171015503900001", "Ahli Waris Contoh", date(1990, 3, 15), "child")
    death = create(samples, new_claim_request(sample(DECEASED), ClaimReason.death, heir=heir))
    plain = open_claim(samples, "resignation: balance 80.000.000")
    stated = NOW.date() - timedelta(days=60)
    undated = new_claim_request(
        sample(UNDATED), ClaimReason.resignation, employment_end_date=stated
    )
    declared = create(samples, undated).claim_id
    with samples.engine.begin() as connection:  # as 0006 left every claim
        connection.execute(update(Claim).values(flags=[]))
    assert flags_of(samples, first) == [] and flags_of(samples, death.claim_id) == []

    for step, revision in ((command.downgrade, "0006"), (command.upgrade, "head")):
        with samples.engine.begin() as connection:
            config = alembic_config(samples.url)
            config.attributes["connection"] = connection
            step(config, revision)
    assert flags_of(samples, first) == ["duplicate_bank_account"]
    assert flags_of(samples, second) == ["duplicate_bank_account"]
    assert flags_of(samples, death.claim_id) == ["later_heir"]
    assert flags_of(samples, declared) == ["declared_end_date"]
    assert flags_of(samples, plain) == []
