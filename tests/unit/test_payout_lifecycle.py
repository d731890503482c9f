"""The payout's transition table: every (status, trigger) against an expectation written out
here, independently of workflow.payout_lifecycle's steps."""

from __future__ import annotations

import itertools

import pytest

from workflow.lifecycle import LifecycleRefused
from workflow.payout_lifecycle import PAYOUT_LIFECYCLE, PayoutStatus, PayoutTrigger

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
    expected = EXPECTED.get((status, trigger))
    if expected is None:
        assert not PAYOUT_LIFECYCLE.allows(status, trigger)
        with pytest.raises(LifecycleRefused) as refused:
            PAYOUT_LIFECYCLE.fire(status, trigger)
        assert (refused.value.status, refused.value.trigger) == (status, trigger)
    else:
        assert PAYOUT_LIFECYCLE.allows(status, trigger)
        assert PAYOUT_LIFECYCLE.fire(status, trigger) is expected


def test_a_payout_starts_pending_and_a_settled_one_never_moves() -> None:
    assert PAYOUT_LIFECYCLE.initial is S.pending
    assert PAYOUT_LIFECYCLE.triggers_from(S.paid) == []
    assert PAYOUT_LIFECYCLE.triggers_from(S.failed) == []


def test_a_payout_is_sent_only_from_pending() -> None:
    """Never sent twice blindly: once handed to the bank, only an inquiry that found nothing
    (send_again) sends it again."""
    assert [s for s in PayoutStatus if PAYOUT_LIFECYCLE.allows(s, T.send)] == [S.pending]
