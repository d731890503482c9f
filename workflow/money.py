"""What a claim pays: the benefit (share of the balance), the final income tax withheld on it
(PP 68/2009, PMK 16/2010) and the estimate the applicant sees. Integer rupiah and basis points."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from workflow.checklist import npwp_required
from workflow.eligibility import ParticipantFacts
from workflow.rules import RuleSet
from workflow.states import ClaimReason

_BP = 10_000


@dataclass(frozen=True)
class Estimate:
    """A claim's figures paid on `on`: `balance` is what the account has available that day.
    Worked out on the approval day they are the payout's; on any other day, an estimate."""

    on: date
    balance: int
    gross: int
    tax: int
    net: int
    npwp_required: bool
    progressive: bool


def benefit(rules: RuleSet, reason: ClaimReason, balance: int) -> int:
    """Gross benefit: 100% of the balance, or 30% / 10% for a partial claim, rounded down."""
    if balance < 0:
        raise ValueError("a JHT balance cannot be negative")
    return balance * rules.benefit_bp[reason] // _BP


@dataclass(frozen=True)
class JhtPayment:
    """A JHT benefit paid to the person: its payment day (the day its figures were fixed)
    and its gross."""

    paid_on: date
    gross: int


@dataclass(frozen=True)
class EarlierPayments:
    """What the person's earlier JHT payments (NIK, all KPJs) mean for the tax of a new one:
    the day of the first and the gross of all of them. Every earlier payment falls between
    the first and the new one, so while the new one is within the 2 calendar years of the
    first, all of them count together with it."""

    first_paid_on: date | None = None
    gross: int = 0

    @classmethod
    def of(cls, payments: Iterable[JhtPayment]) -> EarlierPayments:
        """The summary of these payments (a payment of nothing is no payment)."""
        paid = [payment for payment in payments if payment.gross != 0]
        if any(payment.gross < 0 for payment in paid):
            raise ValueError("amounts cannot be negative")
        if not paid:
            return cls()
        return cls(min(payment.paid_on for payment in paid), sum(payment.gross for payment in paid))


NO_EARLIER_PAYMENTS = EarlierPayments()


def is_progressive(rules: RuleSet, earlier: EarlierPayments, pay_date: date) -> bool:
    """Paid in the third calendar year after the person's first JHT payment, or later. A
    payment with none before it is a lump sum paid at once: flat, whenever it is paid (PP
    68/2009, PMK 16/2010); how long ago work stopped does not matter."""
    if earlier.first_paid_on is None:
        return False
    return pay_date.year >= earlier.first_paid_on.year + rules.staged_calendar_years


def income_tax(
    rules: RuleSet, gross: int, pay_date: date, earlier: EarlierPayments, has_npwp: bool
) -> int:
    """Final income tax withheld from a JHT payment of `gross` paid on `pay_date`, by `rules`
    (the rule set in force on `pay_date`).

    Flat: staged payments to the person count as one lump sum within the calendar year of
    the first and the next, so the first Rp 50 juta over them all (`earlier` and this one)
    is at 0% and the rest at 5%. Progressive (from the third calendar year on): the brackets
    of `rules` on this payment alone, with no 0% band. Without NPWP every rate is 20%
    higher. Rounded down once, at the end, so no band loses a fraction of a rupiah.
    """
    if gross < 0 or earlier.gross < 0:
        raise ValueError("amounts cannot be negative")
    if earlier.first_paid_on is not None and earlier.first_paid_on > pay_date:
        raise ValueError("an earlier payment cannot be paid after this one")
    if is_progressive(rules, earlier, pay_date):
        weighted = _progressive_weighted(rules, gross)
    else:
        tax_free_left = max(0, rules.tax_free_cumulative - earlier.gross)
        weighted = max(0, gross - tax_free_left) * rules.flat_rate_bp
    surcharge_bp = 0 if has_npwp else rules.no_npwp_surcharge_bp
    # weighted is rupiah x basis points; the surcharge multiplies the rate by (1 + surcharge).
    return weighted * (_BP + surcharge_bp) // (_BP * _BP)


def _progressive_weighted(rules: RuleSet, gross: int) -> int:
    weighted = 0
    lower = 0
    for bracket in rules.progressive_brackets:
        upper = gross if bracket.up_to is None else min(gross, bracket.up_to)
        if upper > lower:
            weighted += (upper - lower) * bracket.rate_bp
        if bracket.up_to is None or gross <= bracket.up_to:
            break
        lower = bracket.up_to
    return weighted


def estimate(
    rules: RuleSet,
    reason: ClaimReason,
    participant: ParticipantFacts,
    earlier: EarlierPayments,
    has_npwp: bool,
    on: date,
    *,
    tax_rules: RuleSet,
) -> Estimate:
    """Gross, tax and net of a claim paid on `on` (the estimate day or the approval day),
    after the person's `earlier` JHT payments: the benefit and the NPWP requirement by the
    claim's `rules`, the tax by `tax_rules`, the rule set in force on `on`."""
    gross = benefit(rules, reason, participant.balance)
    tax = income_tax(tax_rules, gross, on, earlier, has_npwp)
    return Estimate(
        on=on,
        balance=participant.balance,
        gross=gross,
        tax=tax,
        net=gross - tax,
        npwp_required=npwp_required(rules, participant.balance, participant.had_partial_claim),
        progressive=is_progressive(tax_rules, earlier, on),
    )
