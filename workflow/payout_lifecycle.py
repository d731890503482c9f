"""The payout's lifecycle (workflow.md): handed to the bank, settled once.

pending -> sent (handed to the bank) -> paid | failed; `unknown` when the bank's answer did
not arrive (a status inquiry with the same reference settles it). A failed payout is kept
for the record and replaced by a new one.

Also the rules around it, as plain functions: finance's manual settlement by two officers
(`settlement_step`: only a payout already sent, `fail` only after the bank said it refused or
has no such transfer, the first call proposes and another officer's identical call settles),
and when an earlier payout of a claim holds its replacement (`payout_unresolved`). A
settlement proposal is not a status of the payout: the dispatcher may still settle it from
the bank's answer meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from workflow.identifiers import normalize_holder_name
from workflow.lifecycle import Lifecycle, Step


class PayoutStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    unknown = "unknown"
    paid = "paid"
    failed = "failed"


class PayoutTrigger(StrEnum):
    send = "send"  # "about to send", committed before the bank hears of it
    send_again = "send_again"  # the bank's inquiry found nothing: sent again, same reference
    no_answer = "no_answer"  # the bank's answer did not arrive: ask again later
    confirm = "confirm"  # the bank carried it out (the dispatcher, or finance)
    fail = "fail"  # the bank refused it for good (the dispatcher, or finance)


# Not yet settled: the bank may still be asked, and the payout confirmed or failed.
OPEN_PAYOUT_STATUSES = (PayoutStatus.pending, PayoutStatus.sent, PayoutStatus.unknown)

PAYOUT_LIFECYCLE: Lifecycle[PayoutStatus, PayoutTrigger] = Lifecycle(
    "payout",
    PayoutStatus.pending,
    [
        Step(PayoutTrigger.send, (PayoutStatus.pending,), PayoutStatus.sent),
        Step(
            PayoutTrigger.send_again, (PayoutStatus.sent, PayoutStatus.unknown), PayoutStatus.sent
        ),
        Step(PayoutTrigger.no_answer, OPEN_PAYOUT_STATUSES, PayoutStatus.unknown),
        Step(PayoutTrigger.confirm, OPEN_PAYOUT_STATUSES, PayoutStatus.paid),
        Step(PayoutTrigger.fail, OPEN_PAYOUT_STATUSES, PayoutStatus.failed),
    ],
)


class BankTransferStatus(StrEnum):
    """The sandbox bank's own record of a transfer it was asked to make."""

    done = "done"
    refused = "refused"


# --- what the bank said ----------------------------------------------------------------------


class BankAnswer(StrEnum):
    """The bank's last final word on a payout reference, recorded on the payout (the answer
    of a transfer or a status inquiry); cleared whenever the payout is (re)sent."""

    done = "done"  # it carried out the transfer
    refused = "refused"  # it refused the transfer for good
    not_found = "not_found"  # its inquiry: it has no transfer under this reference
    # Its account-name inquiry, before the payout was ever handed to it (the payout failed
    # then, so it was never sent): the account is another person's, or there is none.
    other_holder = "other_holder"
    no_account = "no_account"


# The answers after which the bank will not carry out the transfer: only then may finance
# mark it failed (fail_payout: "never while the bank may still carry it out").
FAILABLE_ANSWERS = (BankAnswer.refused, BankAnswer.not_found)
# Finance settles only a payout already handed to the bank.
SENT_PAYOUT_STATUSES = (PayoutStatus.sent, PayoutStatus.unknown)


# After these the bank will never carry the payout out: it refused, or it was never sent.
_NEVER_CARRIED_OUT = (BankAnswer.refused, BankAnswer.other_holder, BankAnswer.no_account)


def payout_unresolved(status: PayoutStatus, answer: BankAnswer | None) -> bool | None:
    """Whether an earlier payout of a claim still stands in the way of sending its
    replacement: True when it is open, or marked failed while the bank said it carried it
    out (the alert); False when it is paid, the bank refused it, or it failed the bank's
    account-name inquiry before it was sent; None when it was marked
    failed without the bank's refusal, so the bank must be asked once more before a
    replacement is sent."""
    if status in OPEN_PAYOUT_STATUSES:
        return True
    if status is PayoutStatus.paid or answer in _NEVER_CARRIED_OUT:
        return False
    if answer is BankAnswer.done:
        return True
    return None


# --- manual settlement by two finance officers -------------------------------------------


class SettlementAction(StrEnum):
    confirm = "confirm"  # with the bank's reference of the transfer
    fail = "fail"  # with a reason code


@dataclass(frozen=True)
class SettlementCall:
    """One finance officer's call: the action and its detail (the bank reference of a
    confirmation, the reason code of a failure). Two calls are identical when action and
    detail are equal."""

    action: SettlementAction
    detail: str
    officer_id: int

    def same_as(self, other: SettlementCall) -> bool:
        return (self.action, self.detail) == (other.action, other.detail)


@dataclass(frozen=True)
class StandingProposal:
    call: SettlementCall
    proposed_at: datetime


class SettlementStep(StrEnum):
    propose = "propose"  # recorded, waiting for a second finance officer (202)
    settle = "settle"  # the second officer's identical call: the payout is settled (200)


class SettlementRefusal(StrEnum):
    payout_not_sent = "payout_not_sent"  # still pending: the bank has not had it
    bank_inquiry_needed = "bank_inquiry_needed"  # fail while the bank may still carry it out
    second_officer_needed = "second_officer_needed"  # the proposer again
    settlement_differs = "settlement_differs"  # another officer, another action or detail


# A proposal nobody seconded lapses after this; the next call then proposes anew (so a
# mistaken proposal does not block the payout for good).
PROPOSAL_LIFETIME = timedelta(hours=24)


def settlement_step(
    status: PayoutStatus,
    answer: BankAnswer | None,
    standing: StandingProposal | None,
    call: SettlementCall,
    now: datetime,
) -> SettlementStep | SettlementRefusal:
    """Finance's manual settlement of an open payout (workflow.md confirm_payout and
    fail_payout, domain.md "Fraud controls"): only a payout already sent to the bank; `fail`
    only once the bank said it refused the transfer or has none under its reference; the
    first officer's call proposes, a second officer's identical call settles. A differing
    call while a proposal stands is refused (it lapses after PROPOSAL_LIFETIME)."""
    if status not in SENT_PAYOUT_STATUSES:
        return SettlementRefusal.payout_not_sent
    if call.action is SettlementAction.fail and answer not in FAILABLE_ANSWERS:
        return SettlementRefusal.bank_inquiry_needed
    if standing is None or now - standing.proposed_at >= PROPOSAL_LIFETIME:
        return SettlementStep.propose
    if standing.call.officer_id == call.officer_id:
        return SettlementRefusal.second_officer_needed
    if not standing.call.same_as(call):
        return SettlementRefusal.settlement_differs
    return SettlementStep.settle


# The claim event that records the alert (the claim's status is unchanged).
PAYOUT_ALERT = "payout_alert"


# --- the bank's account-name inquiry ------------------------------------------------------

# Titles written before a name and degrees written after it. The registry keeps what the
# participant wrote ("H. Ahmad Fauzi, S.Kom."), banks usually keep the bare name ("AHMAD
# FAUZI") or the other way round. Stripped only at their own end of the name, so a name part
# that happens to spell one ("Se" in "Se Budi") stays.
_TITLES_BEFORE = frozenset(
    [
        "dr",
        "drs",
        "dra",
        "ir",
        "prof",
        "h",
        "hj",
        "kh",
        "tn",
        "ny",
        "nn",
        "sdr",
        "sdri",
        "bpk",
        "bapak",
        "ibu",
    ]
)
_DEGREES_AFTER = frozenset(
    [
        "se",
        "sh",
        "st",
        "sag",
        "sip",
        "spd",
        "ssos",
        "ssi",
        "skom",
        "sked",
        "skm",
        "sst",
        "sps",
        "mm",
        "mba",
        "msc",
        "msi",
        "mt",
        "mh",
        "mpd",
        "mkes",
        "phd",
        "amd",
        "apt",
    ]
)


def _bare_name(name: str) -> list[str]:
    """The name's words after normalize_holder_name, without titles before and degrees after."""
    words = normalize_holder_name(name).split()
    start, end = 0, len(words)
    while start < end and words[start] in _TITLES_BEFORE:
        start += 1
    while end > start and words[end - 1] in _DEGREES_AFTER:
        end -= 1
    return words[start:end]


def bank_holder_is_claimant(bank_holder: str, claimant_name: str) -> bool:
    """Whether the holder the bank reports for the payout's account is the claimant (the
    participant, or the heir of a death claim): the same name once case, spacing,
    punctuation, accents and titles are set aside. Nothing left but titles is no name."""
    bare = _bare_name(bank_holder)
    return bool(bare) and bare == _bare_name(claimant_name)
