"""The payout dispatcher: carries out the `payout` outbox rows through the bank, exactly once.

Each payout goes through separate transactions, so a crash at any point is safe:

1. claim: take the outbox row (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer
   at a time) with a lease.
2. own account (a payout never sent only): the bank's account-name inquiry, then in one
   transaction the verdict. The holder the bank names must be the claimant
   (workflow.payout_lifecycle.bank_holder_is_claimant); otherwise the payout fails
   (`bank_account_not_own`, or `account_not_found` when the bank has no such account) before
   anything is sent, and the applicant gives another account, as after a refusal. No answer
   is retried later and nothing is sent meanwhile. Once it matched, "about to send" is
   recorded (status `sent`, attempts + 1), committed BEFORE the transfer; a payout once sent
   is never asked about its holder again.
3. the bank (its own system, its own commits): a payout still `pending` is transferred; one
   already `sent` or `unknown` may have reached the bank before a crash, so it is first
   INQUIRED about with the same reference. Only when the bank says it has no such transfer
   is it sent again, under the SAME reference (the bank's idempotency key). A timeout is
   "unknown" and is settled by an inquiry at once, or at the next run.
4. record: done -> payout and claim `paid` (confirm_payout, actor system); refused ->
   `payout_failed` (fail_payout) with the reason, and the applicant is told; unknown -> the
   row is retried later.

If the process dies between the bank's answer and step 4, the payout is still `sent`; the next
run (after the lease) inquires and records what the bank did. A new payout reference is only
ever made by the applicant's new bank account after a refusal (replace_failed_payout).

The bank's last final word on a reference (done, refused, or an inquiry's "no such transfer")
is recorded on the payout and cleared whenever it is sent again: finance may mark a payout
failed only after `refused` or `not_found`. A replacement payout is sent only when every
earlier payout of its claim is resolved (workflow.payout_lifecycle.payout_unresolved): one
marked failed without the bank's refusal is first inquired about again. A bank answer "done"
for a payout marked failed raises the alert (raise_payout_alert: an event on the claim, the
`jht_payouts_done_after_failure` gauge) and holds every replacement of the claim.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from claims.casework.facts import claim_participant, claimant_name, get_claim
from claims.jobs.lease import worker_name
from claims.models import OutboxMessage, Payout
from claims.payouts.gateway import (
    BankGateway,
    HolderAnswer,
    HolderOutcome,
    Outcome,
    TransferResult,
)
from claims.payouts.service import PAYOUT, SYSTEM, confirm_payout, fail_payout
from claims.repositories.outbox import (
    complete_outbox_row,
    due_outbox_rows,
    lease_outbox_row,
    outbox_row,
    record_outbox_error,
    retry_outbox_row,
)
from claims.repositories.payouts import (
    apply_payout_trigger,
    payout_by_reference,
    raise_payout_alert,
    record_bank_answer,
    retired_payouts,
)
from workflow.payout_lifecycle import (
    OPEN_PAYOUT_STATUSES,
    BankAnswer,
    PayoutStatus,
    PayoutTrigger,
    bank_holder_is_claimant,
    payout_unresolved,
)
from workflow.reason_codes import ReasonCode

if TYPE_CHECKING:
    from claims.runtime import Runtime

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # how long a claimed row is left to its worker
RETRY_AFTER = timedelta(seconds=30)  # an unknown outcome is asked about again after this
# Called after the bank answered and before that answer is committed (tests use it to kill
# the process exactly there). Production passes nothing.
AfterBankHook = Callable[[str, TransferResult], None]
HELD = "held: an earlier payout of the claim is unresolved"
NO_HOLDER_ANSWER = "held: no answer to the account-name inquiry"
ACCOUNT_NOT_FOUND = "account_not_found"  # the bank has no such account (a bank reason code)
# What a sent payout is about to be written with: the bank's earlier word no longer holds.
_SENDING = {"bank_answer": None, "bank_answer_at": None}


@dataclass(frozen=True)
class ClaimedPayout:
    outbox_id: int
    reference: str
    bank_code: str
    account_number: str
    holder: str
    amount: int
    send_first: bool  # True: never sent before; False: may have been sent, inquire first
    # Never sent: whom the bank must name as the account's holder before the first transfer.
    claimant: str | None = None
    # A replacement: earlier payouts of the claim to inquire about before it is sent (it is
    # marked "about to send" only once the bank says none of them was carried out).
    inquire_first: tuple[str, ...] = ()


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
            if claimed.inquire_first:
                answers = {ref: _inquire(bank, ref) for ref in claimed.inquire_first}
                if not _earlier_payouts_clear(runtime, claimed, answers, now):
                    continue
            if claimed.send_first:
                holder = _ask_holder(bank, claimed)
                if not _own_account(runtime, claimed, holder, now):
                    continue
            result, answer = _ask_bank(runtime, bank, claimed, now, me)
            if after_bank is not None:
                after_bank(claimed.reference, result)
            _record(runtime, claimed, result, answer, now)
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
        send_first = payout.status == PayoutStatus.pending
        inquire_first: tuple[str, ...] = ()
        claimant = None
        if send_first:
            earlier = retired_payouts(session, payout.claim_id)
            if any(_unresolved(p) for p in earlier):
                _hold(message, now)
                return message.id
            inquire_first = tuple(p.reference for p in earlier if _unresolved(p) is None)
            claim = get_claim(session, payout.claim_id)
            claimant = claimant_name(claim, claim_participant(session, claim))
        lease_outbox_row(message, me, now + LEASE)
        return ClaimedPayout(
            outbox_id=message.id,
            reference=payout.reference,
            bank_code=payout.bank_code,
            account_number=payout.account_number,
            holder=payout.account_holder,
            amount=payout.net,
            send_first=send_first,
            claimant=claimant,
            inquire_first=inquire_first,
        )


def _unresolved(payout: Payout) -> bool | None:
    return payout_unresolved(payout.status, payout.bank_answer)


def _hold(message: OutboxMessage, now: datetime, why: str = HELD) -> None:
    """The payout waits, unsent: asked about again after RETRY_AFTER."""
    record_outbox_error(message, why)
    retry_outbox_row(message, now + RETRY_AFTER)


def _mark_send(session: Session, payout: Payout, now: datetime) -> None:
    apply_payout_trigger(
        session, payout, PayoutTrigger.send, now, {"attempts": payout.attempts + 1, **_SENDING}
    )


def _open_pending(session: Session, claimed: ClaimedPayout, now: datetime) -> Payout | None:
    """The claimed payout, held, while it is still live and never sent; None when it was
    settled or replaced meanwhile (its outbox row done), or sent by another worker after
    this one's lease ran out (that worker has the row now)."""
    message = outbox_row(session, claimed.outbox_id)
    payout = payout_by_reference(session, claimed.reference, lock=True)
    assert message is not None and payout is not None
    if not payout.live or payout.status not in OPEN_PAYOUT_STATUSES:
        complete_outbox_row(message, now)
        return None
    return payout if payout.status is PayoutStatus.pending else None


def _earlier_payouts_clear(
    runtime: Runtime, claimed: ClaimedPayout, answers: dict[str, TransferResult], now: datetime
) -> bool:
    """Records what the bank said of a replacement's earlier payouts (a "done" raises the
    alert); True when none of them was carried out or may still be, otherwise the
    replacement is held (False)."""
    with runtime.db.unit_of_work() as session:
        if _open_pending(session, claimed, now) is None:
            return False
        clear = True
        for reference, answer in answers.items():
            earlier = payout_by_reference(session, reference, lock=True)
            assert earlier is not None
            if answer.outcome is Outcome.done:
                if earlier.alerted_at is None:
                    claim = get_claim(session, earlier.claim_id)
                    raise_payout_alert(session, claim, earlier, answer.bank_reference, now)
                clear = False
            elif answer.outcome is Outcome.refused:
                record_bank_answer(session, earlier, BankAnswer.refused, now)
            elif answer.outcome is Outcome.not_found:
                record_bank_answer(session, earlier, BankAnswer.not_found, now)
            else:
                clear = False  # no answer: ask again later
            clear = clear and _unresolved(earlier) is not True
        if not clear:
            message = outbox_row(session, claimed.outbox_id)
            assert message is not None
            _hold(message, now)
        return clear


def _own_account(
    runtime: Runtime, claimed: ClaimedPayout, holder: HolderAnswer, now: datetime
) -> bool:
    """The bank's account-name answer before the payout's first transfer. When it names the
    claimant, the payout is marked "about to send" (True). Another holder or no such
    account fails the payout for the applicant to give another account; no answer holds it
    (False): nothing is ever sent without the bank's word."""
    with runtime.db.unit_of_work() as session:
        payout = _open_pending(session, claimed, now)
        if payout is None:
            return False
        message = outbox_row(session, claimed.outbox_id)
        assert message is not None and claimed.claimant is not None
        if holder.outcome is HolderOutcome.unknown:
            _hold(message, now, NO_HOLDER_ANSWER)
            return False
        if holder.outcome is HolderOutcome.no_account:
            reason, word = ACCOUNT_NOT_FOUND, BankAnswer.no_account
        elif not bank_holder_is_claimant(holder.holder or "", claimed.claimant):
            reason, word = ReasonCode.bank_account_not_own.value, BankAnswer.other_holder
        else:
            # "About to send", committed before the bank hears of the transfer.
            _mark_send(session, payout, now)
            return True
        # The other holder's name stays out of the record and the applicant's message.
        fail_payout(session, payout, SYSTEM, reason, None, now, answer=word)
        complete_outbox_row(message, now)
        log.info("payout %s: not sent, %s", claimed.reference, reason)
        return False


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


def _ask_holder(bank: BankGateway, claimed: ClaimedPayout) -> HolderAnswer:
    """The bank's account-name answer; a timeout or an error is no answer (never a match)."""
    try:
        return bank.account_holder(claimed.reference, claimed.bank_code, claimed.account_number)
    except Exception as error:
        log.warning("payout %s: account-name inquiry failed (%s)", claimed.reference, error)
        return HolderAnswer.unknown(f"{type(error).__name__}: {error}")


def _ask_bank(
    runtime: Runtime, bank: BankGateway, claimed: ClaimedPayout, now: datetime, me: str
) -> tuple[TransferResult, BankAnswer | None]:
    """The bank's answer, and, when it is unknown, whether its last inquiry said it has no
    such transfer (`not_found`: then finance may fail the payout)."""
    if not claimed.send_first:
        # It may have reached the bank before a crash or a timeout: ask before anything else.
        known = _inquire(bank, claimed.reference)
        if known.outcome is not Outcome.not_found:
            return known, None
        # The bank never got it: send again, under the same reference.
        _mark_resend(runtime, claimed.reference, now)
    result = _transfer(bank, claimed)
    if result.outcome is Outcome.unknown:
        # Settle a timeout at once when the bank can already tell.
        known = _inquire(bank, claimed.reference)
        if known.final:
            return known, None
        if known.outcome is Outcome.not_found:
            return result, BankAnswer.not_found
    return result, None


def _mark_resend(runtime: Runtime, reference: str, now: datetime) -> None:
    with runtime.db.unit_of_work() as session:
        payout = payout_by_reference(session, reference, lock=True)
        assert payout is not None
        apply_payout_trigger(
            session,
            payout,
            PayoutTrigger.send_again,
            now,
            {"attempts": payout.attempts + 1, **_SENDING},
        )


def _record(
    runtime: Runtime,
    claimed: ClaimedPayout,
    result: TransferResult,
    answer: BankAnswer | None,
    now: datetime,
) -> None:
    with runtime.db.unit_of_work() as session:
        message = outbox_row(session, claimed.outbox_id)
        payout = payout_by_reference(session, claimed.reference, lock=True)
        assert message is not None and payout is not None
        if payout.status not in OPEN_PAYOUT_STATUSES:
            # Someone settled it meanwhile (finance, another worker).
            if (
                result.outcome is Outcome.done
                and payout.status is PayoutStatus.failed
                and payout.alerted_at is None
            ):
                # ... as failed, while the bank carried it out: the alert.
                claim = get_claim(session, payout.claim_id)
                raise_payout_alert(session, claim, payout, result.bank_reference, now)
            complete_outbox_row(message, now)
            return
        if result.outcome is Outcome.done:
            assert result.bank_reference
            confirm_payout(
                session, payout, SYSTEM, result.bank_reference, now, answer=BankAnswer.done
            )
            complete_outbox_row(message, now)
        elif result.outcome is Outcome.refused:
            fail_payout(
                session,
                payout,
                SYSTEM,
                result.reason or "refused",
                None,
                now,
                answer=BankAnswer.refused,
            )
            complete_outbox_row(message, now)
        else:
            apply_payout_trigger(
                session,
                payout,
                PayoutTrigger.no_answer,
                now,
                {"bank_answer": answer, "bank_answer_at": now if answer else None},
            )
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
