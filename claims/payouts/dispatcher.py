"""The payout dispatcher: carries out the `payout` outbox rows through the bank, exactly once.

Each payout goes through three separate transactions, so a crash at any point is safe:

1. claim: take the outbox row (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer
   at a time) with a lease, and, for a payout never sent, record "about to send" (status
   `sent`, attempts + 1). Committed BEFORE the bank is called.
2. the bank (its own system, its own commits): a payout still `pending` is transferred; one
   already `sent` or `unknown` may have reached the bank before a crash, so it is first
   INQUIRED about with the same reference. Only when the bank says it has no such transfer
   is it sent again, under the SAME reference (the bank's idempotency key). A timeout is
   "unknown" and is settled by an inquiry at once, or at the next run.
3. record: done -> payout and claim `paid` (confirm_payout, actor system); refused ->
   `payout_failed` (fail_payout) with the reason, and the applicant is told; unknown -> the
   row is retried later.

If the process dies between the bank's answer and step 3, the payout is still `sent`; the next
run (after the lease) inquires and records what the bank did. A new payout reference is only
ever made by the applicant's new bank account after a refusal (replace_failed_payout).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from claims.jobs.lease import worker_name
from claims.payouts.gateway import BankGateway, Outcome, TransferResult
from claims.payouts.service import PAYOUT, SYSTEM, confirm_payout, fail_payout
from claims.repositories.outbox import (
    complete_outbox_row,
    due_outbox_rows,
    lease_outbox_row,
    outbox_row,
    record_outbox_error,
    retry_outbox_row,
)
from claims.repositories.payouts import apply_payout_trigger, payout_by_reference
from workflow.payout_lifecycle import OPEN_PAYOUT_STATUSES, PayoutStatus, PayoutTrigger

if TYPE_CHECKING:
    from claims.runtime import Runtime

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # how long a claimed row is left to its worker
RETRY_AFTER = timedelta(seconds=30)  # an unknown outcome is asked about again after this
# Called after the bank answered and before that answer is committed (tests use it to kill
# the process exactly there). Production passes nothing.
AfterBankHook = Callable[[str, TransferResult], None]


@dataclass(frozen=True)
class ClaimedPayout:
    outbox_id: int
    reference: str
    bank_code: str
    account_number: str
    holder: str
    amount: int
    send_first: bool  # True: never sent before; False: may have been sent, inquire first


def dispatch_payouts(
    runtime: Runtime,
    now: datetime,
    *,
    gateway: BankGateway | None = None,
    limit: int = 200,
    after_bank: AfterBankHook | None = None,
    worker: str | None = None,
) -> int:
    """Carries out due payout rows, one at a time, through `gateway` (by default the
    runtime's bank); answers how many rows it settled or retried. Safe to run in several
    processes at once."""
    bank = gateway or runtime.bank
    me = worker or worker_name()
    handled = 0
    tried: set[int] = set()
    while handled < limit:
        claimed = _claim_next(runtime, now, me, tried)
        if claimed is None:
            break
        handled += 1
        if isinstance(claimed, int):
            tried.add(claimed)  # already settled: nothing to send
            continue
        tried.add(claimed.outbox_id)
        try:
            result = _ask_bank(runtime, bank, claimed, now, me)
            if after_bank is not None:
                after_bank(claimed.reference, result)
            _record(runtime, claimed, result, now)
        except Exception as error:
            log.exception("payout %s: dispatch failed", claimed.reference)
            _release(runtime, claimed.outbox_id, now, f"{type(error).__name__}: {error}")
    return handled


def _claim_next(
    runtime: Runtime, now: datetime, me: str, tried: set[int]
) -> ClaimedPayout | int | None:
    with runtime.db.unit_of_work() as session:
        due = due_outbox_rows(session, PAYOUT, now, 1, skipping=tried)
        if not due:
            return None
        [message] = due
        payout = payout_by_reference(session, str(message.payload.get("reference", "")))
        if payout is None or not payout.live or payout.status not in OPEN_PAYOUT_STATUSES:
            # Settled already (by an earlier run or by finance), or replaced: nothing to send.
            complete_outbox_row(message, now)
            return message.id
        lease_outbox_row(message, me, now + LEASE)
        send_first = payout.status == PayoutStatus.pending
        if send_first:
            # "About to send", committed before the bank hears of it.
            apply_payout_trigger(
                session, payout, PayoutTrigger.send, now, {"attempts": payout.attempts + 1}
            )
        return ClaimedPayout(
            outbox_id=message.id,
            reference=payout.reference,
            bank_code=payout.bank_code,
            account_number=payout.account_number,
            holder=payout.account_holder,
            amount=payout.net,
            send_first=send_first,
        )


def _transfer(bank: BankGateway, claimed: ClaimedPayout) -> TransferResult:
    try:
        result = bank.transfer(
            claimed.reference,
            claimed.bank_code,
            claimed.account_number,
            claimed.holder,
            claimed.amount,
        )
    except Exception as error:  # a timeout or a lost connection: the outcome is unknown
        log.warning("payout %s: no answer from the bank (%s)", claimed.reference, error)
        return TransferResult.unknown(f"{type(error).__name__}: {error}")
    if result.outcome is Outcome.unknown:
        return result
    if result.outcome is Outcome.not_found:  # not a valid answer to a transfer
        return TransferResult.unknown("bank answered not_found to a transfer")
    return result


def _inquire(bank: BankGateway, reference: str) -> TransferResult:
    try:
        return bank.inquire(reference)
    except Exception as error:
        log.warning("payout %s: inquiry failed (%s)", reference, error)
        return TransferResult.unknown(f"{type(error).__name__}: {error}")


def _ask_bank(
    runtime: Runtime, bank: BankGateway, claimed: ClaimedPayout, now: datetime, me: str
) -> TransferResult:
    if not claimed.send_first:
        # It may have reached the bank before a crash or a timeout: ask before anything else.
        known = _inquire(bank, claimed.reference)
        if known.outcome is not Outcome.not_found:
            return known
        # The bank never got it: send again, under the same reference.
        _mark_resend(runtime, claimed.reference, now)
    result = _transfer(bank, claimed)
    if result.outcome is Outcome.unknown:
        # Settle a timeout at once when the bank can already tell.
        known = _inquire(bank, claimed.reference)
        if known.final:
            return known
    return result


def _mark_resend(runtime: Runtime, reference: str, now: datetime) -> None:
    with runtime.db.unit_of_work() as session:
        payout = payout_by_reference(session, reference, lock=True)
        assert payout is not None
        apply_payout_trigger(
            session, payout, PayoutTrigger.send_again, now, {"attempts": payout.attempts + 1}
        )


def _record(
    runtime: Runtime, claimed: ClaimedPayout, result: TransferResult, now: datetime
) -> None:
    with runtime.db.unit_of_work() as session:
        message = outbox_row(session, claimed.outbox_id)
        payout = payout_by_reference(session, claimed.reference, lock=True)
        assert message is not None and payout is not None
        if payout.status not in OPEN_PAYOUT_STATUSES:
            # Someone settled it meanwhile (finance, another worker).
            complete_outbox_row(message, now)
            return
        if result.outcome is Outcome.done:
            assert result.bank_reference
            confirm_payout(session, payout, SYSTEM, result.bank_reference, now)
            complete_outbox_row(message, now)
        elif result.outcome is Outcome.refused:
            fail_payout(session, payout, SYSTEM, result.reason or "refused", None, now)
            complete_outbox_row(message, now)
        else:
            apply_payout_trigger(session, payout, PayoutTrigger.no_answer, now)
            record_outbox_error(message, result.reason or "no answer from the bank")
            retry_outbox_row(message, now + RETRY_AFTER)
    if result.outcome is Outcome.done:
        log.info("payout %s: %s", claimed.reference, PayoutStatus.paid)


def _release(runtime: Runtime, outbox_id: int, now: datetime, error: str) -> None:
    """After an unexpected error: retry later (the payout keeps its status, so a payout that
    may have been sent is inquired about first)."""
    try:
        with runtime.db.unit_of_work() as session:
            message = outbox_row(session, outbox_id)
            if message is not None and message.done_at is None:
                record_outbox_error(message, error)
                retry_outbox_row(message, now + RETRY_AFTER)
    except Exception:
        log.exception("outbox row %s: could not release", outbox_id)
