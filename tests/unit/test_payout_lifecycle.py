"""The payout's transition table: every (status, trigger) against an expectation written out
here, independently of workflow.payout_lifecycle's steps; finance's manual settlement by two
officers and what holds a replacement payout, as tables."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.lifecycles import assert_step
from workflow.payout_lifecycle import (
    PAYOUT_LIFECYCLE,
    PROPOSAL_LIFETIME,
    BankAnswer,
    PayoutStatus,
    PayoutTrigger,
    SettlementAction,
    SettlementCall,
    SettlementRefusal,
    SettlementStep,
    StandingProposal,
    bank_holder_is_claimant,
    payout_unresolved,
    settlement_step,
)

S, T = PayoutStatus, PayoutTrigger

# (status, trigger) -> the status it leads to; every pair not listed is refused.
EXPECTED = {
    (S.pending, T.send): S.sent,
    (S.sent, T.send_again): S.sent,
    (S.unknown, T.send_again): S.sent,
    (S.pending, T.no_answer): S.unknown,
    (S.sent, T.no_answer): S.unknown,
    (S.unknown, T.no_answer): S.unknown,
    (S.pending, T.confirm): S.paid,
    (S.sent, T.confirm): S.paid,
    (S.unknown, T.confirm): S.paid,
    (S.pending, T.fail): S.failed,
    (S.sent, T.fail): S.failed,
    (S.unknown, T.fail): S.failed,
}


@pytest.mark.parametrize(
    ("status", "trigger"), list(itertools.product(PayoutStatus, PayoutTrigger))
)
def test_every_status_and_trigger(status: PayoutStatus, trigger: PayoutTrigger) -> None:
    assert_step(PAYOUT_LIFECYCLE, EXPECTED, status, trigger)


def test_a_payout_starts_pending_and_a_settled_one_never_moves() -> None:
    assert PAYOUT_LIFECYCLE.initial is S.pending
    assert PAYOUT_LIFECYCLE.triggers_from(S.paid) == []
    assert PAYOUT_LIFECYCLE.triggers_from(S.failed) == []


def test_a_payout_is_sent_only_from_pending() -> None:
    """Never sent twice blindly: once handed to the bank, only an inquiry that found nothing
    (send_again) sends it again."""
    assert [s for s in PayoutStatus if PAYOUT_LIFECYCLE.allows(s, T.send)] == [S.pending]


# --- manual settlement by two finance officers --------------------------------------------

A = BankAnswer
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
FIRST, SECOND = 1, 2
CONFIRM_1 = SettlementCall(SettlementAction.confirm, "BCA-1", FIRST)
FAIL_1 = SettlementCall(SettlementAction.fail, "bank_no_record", FIRST)


def standing(call: SettlementCall, age: timedelta = timedelta(minutes=5)) -> StandingProposal:
    return StandingProposal(call, NOW - age)


def by(officer: int, call: SettlementCall, detail: str | None = None) -> SettlementCall:
    return replace(call, officer_id=officer, detail=detail or call.detail)


SETTLEMENT_CASES = [
    # (payout status, bank's word, standing proposal, call) -> step or refusal
    (S.pending, None, None, CONFIRM_1, SettlementRefusal.payout_not_sent),
    (S.pending, A.not_found, None, FAIL_1, SettlementRefusal.payout_not_sent),
    (S.paid, None, None, CONFIRM_1, SettlementRefusal.payout_not_sent),
    (S.failed, A.refused, None, FAIL_1, SettlementRefusal.payout_not_sent),
    (S.sent, None, None, CONFIRM_1, SettlementStep.propose),
    (S.unknown, None, None, CONFIRM_1, SettlementStep.propose),
    (S.unknown, A.not_found, None, CONFIRM_1, SettlementStep.propose),
    # fail only once the bank said it refused the transfer or has none
    (S.sent, None, None, FAIL_1, SettlementRefusal.bank_inquiry_needed),
    (S.unknown, None, None, FAIL_1, SettlementRefusal.bank_inquiry_needed),
    (S.unknown, A.done, None, FAIL_1, SettlementRefusal.bank_inquiry_needed),
    (S.unknown, A.not_found, None, FAIL_1, SettlementStep.propose),
    (S.sent, A.refused, None, FAIL_1, SettlementStep.propose),
    (S.unknown, None, standing(FAIL_1), by(SECOND, FAIL_1), SettlementRefusal.bank_inquiry_needed),
    # the second officer
    (S.sent, None, standing(CONFIRM_1), CONFIRM_1, SettlementRefusal.second_officer_needed),
    (
        S.sent,
        None,
        standing(CONFIRM_1),
        by(FIRST, CONFIRM_1, detail="BCA-2"),
        SettlementRefusal.second_officer_needed,
    ),
    (S.sent, None, standing(CONFIRM_1), by(SECOND, CONFIRM_1), SettlementStep.settle),
    (S.unknown, None, standing(CONFIRM_1), by(SECOND, CONFIRM_1), SettlementStep.settle),
    (
        S.sent,
        None,
        standing(CONFIRM_1),
        by(SECOND, CONFIRM_1, detail="BCA-2"),
        SettlementRefusal.settlement_differs,
    ),
    (
        S.sent,
        A.not_found,
        standing(CONFIRM_1),
        by(SECOND, replace(FAIL_1, detail="BCA-1")),
        SettlementRefusal.settlement_differs,
    ),
    (S.unknown, A.not_found, standing(FAIL_1), by(SECOND, FAIL_1), SettlementStep.settle),
    (
        S.unknown,
        A.not_found,
        standing(FAIL_1),
        by(SECOND, FAIL_1, detail="other"),
        SettlementRefusal.settlement_differs,
    ),
    # a proposal nobody seconded lapses: the next call proposes anew
    (
        S.sent,
        None,
        standing(CONFIRM_1, PROPOSAL_LIFETIME - timedelta(seconds=1)),
        by(SECOND, CONFIRM_1),
        SettlementStep.settle,
    ),
    (
        S.sent,
        None,
        standing(CONFIRM_1, PROPOSAL_LIFETIME),
        by(SECOND, CONFIRM_1, detail="BCA-2"),
        SettlementStep.propose,
    ),
    (S.sent, None, standing(CONFIRM_1, PROPOSAL_LIFETIME), CONFIRM_1, SettlementStep.propose),
]


@pytest.mark.parametrize(("status", "answer", "proposal", "call", "expected"), SETTLEMENT_CASES)
def test_manual_settlement(
    status: PayoutStatus,
    answer: BankAnswer | None,
    proposal: StandingProposal | None,
    call: SettlementCall,
    expected: SettlementStep | SettlementRefusal,
) -> None:
    assert settlement_step(status, answer, proposal, call, NOW) is expected


UNRESOLVED_CASES = [
    # an earlier payout of the claim, before its replacement is sent
    (S.pending, None, True),
    (S.sent, None, True),
    (S.unknown, A.not_found, True),
    (S.paid, A.done, False),
    (S.paid, None, False),
    (S.failed, A.refused, False),  # the bank refused it: it will never be carried out
    (S.failed, A.done, True),  # the alert: the bank did it although it is marked failed
    (S.failed, A.not_found, None),  # ask the bank again first
    # failed by the account-name inquiry before it was ever handed to the bank
    (S.failed, A.other_holder, False),
    (S.failed, A.no_account, False),
    (S.failed, None, None),
]


@pytest.mark.parametrize(("status", "answer", "expected"), UNRESOLVED_CASES)
def test_an_earlier_payout_holds_a_replacement(
    status: PayoutStatus, answer: BankAnswer | None, expected: bool | None
) -> None:
    assert payout_unresolved(status, answer) is expected


def test_every_status_and_answer_is_covered() -> None:
    covered = {(status, answer) for status, answer, _ in UNRESOLVED_CASES}
    for status in (S.pending, S.sent, S.unknown):
        assert payout_unresolved(status, A.done) is True
    assert {s for s, _ in covered} == set(PayoutStatus)


HOLDER_CASES = [
    # (the bank's holder, the claimant's registry name, the same person?)
    ("SITI NURAINI", "Siti Nuraini", True),  # case
    ("SITI  NUR'AINI", "Siti Nuraini", True),  # spaces, punctuation
    ("ABDUL-RAHMAN WAHID", "Abdul Rahman Wahid", True),
    ("SITI NURAINI", "Siti Nuraini, S.E.", True),  # a degree after the name
    ("AHMAD FAUZI", "H. Ahmad Fauzi, S.Kom., M.M.", True),  # a title before, degrees after
    ("HJ SITI AMINAH", "Siti Aminah", True),  # the bank keeps a title the registry has not
    ("JOSE", "José", True),  # accents
    ("PT REKENING PENAMPUNG", "Siti Nuraini", False),  # someone else's account
    ("SITI NURAINI", "Siti Nuraini Putri", False),  # part of the name is not the name
    ("SITI", "Siti Nuraini", False),
    ("", "Siti Nuraini", False),  # no name at all is never a match
    ("DR", "Dr.", False),  # nothing left but a title
    ("SE BUDI", "Budi", False),  # a degree is stripped after the name only
]


@pytest.mark.parametrize(("bank_holder", "claimant", "expected"), HOLDER_CASES)
def test_the_banks_holder_is_compared_with_the_claimant(
    bank_holder: str, claimant: str, expected: bool
) -> None:
    assert bank_holder_is_claimant(bank_holder, claimant) is expected
