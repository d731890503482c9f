"""What a claim pays: the benefit (share of the balance), the final income tax withheld on it
(PP 68/2009, PMK 16/2010) and the estimate the applicant sees. Integer rupiah and basis points."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflow.checklist import npwp_required
from workflow.dates import add_years
from workflow.eligibility import ParticipantFacts
from workflow.rules import RuleSet
from workflow.states import ClaimReason

_BP = 10_000


@dataclass(frozen=True)
class Estimate:
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


def is_progressive(rules: RuleSet, employment_end_date: date | None, pay_date: date) -> bool:
    """Paid more than 2 years after employment ended: exactly 2 years is still the flat rate."""
    if employment_end_date is None:
        return False
    return pay_date > add_years(employment_end_date, rules.progressive_after_years)


def income_tax(
    rules: RuleSet,
    gross: int,
    earlier_gross_paid: int,
    has_npwp: bool,
    employment_end_date: date | None,
    pay_date: date,
) -> int:
    """Final income tax withheld from a JHT payment of `gross`.

    Flat: the first Rp 50 juta over all JHT payments to the participant (`earlier_gross_paid`
    counts the earlier ones) at 0%, the rest at 5%. Progressive (paid more than 2 years after
    employment ended): the brackets on this payment alone, with no 0% band. Without NPWP every
    rate is 20% higher. Rounded down once, at the end, so no band loses a fraction of a rupiah.
    """
    if gross < 0 or earlier_gross_paid < 0:
        raise ValueError("amounts cannot be negative")
    if is_progressive(rules, employment_end_date, pay_date):
        weighted = _progressive_weighted(rules, gross)
    else:
        tax_free_left = max(0, rules.tax_free_cumulative - earlier_gross_paid)
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
    earlier_gross_paid: int,
    has_npwp: bool,
    on: date,
    employment_end_date: date | None = None,
) -> Estimate:
    """Gross, tax and net of a claim paid on `on` (the estimate day or the approval day).

    `employment_end_date` overrides the registry's, as in check_eligibility."""
    end_date = employment_end_date or participant.employment_end_date
    gross = benefit(rules, reason, participant.balance)
    tax = income_tax(rules, gross, earlier_gross_paid, has_npwp, end_date, on)
    return Estimate(
        balance=participant.balance,
        gross=gross,
        tax=tax,
        net=gross - tax,
        npwp_required=npwp_required(rules, participant.balance, participant.had_partial_claim),
        progressive=is_progressive(rules, end_date, on),
    )
