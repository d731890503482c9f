"""Who may claim for which reason, and from when: the eligibility table of the rule book,
answered with a code and, where a date will fix it, the first eligible day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Literal

from workflow.dates import add_months, add_years, format_date_id
from workflow.rules import RuleSet
from workflow.states import ClaimReason


@dataclass(frozen=True)
class ParticipantFacts:
    """What the registry says about the participant, plus their claim history."""

    birth_date: date
    membership_start: date
    membership_status: Literal["active", "inactive"]
    employment_end_date: date | None
    balance: int
    deceased: bool = False
    had_partial_claim: bool = False
    # Another KPJ of the same NIK is `active`: the person still works somewhere.
    other_kpj_active: bool = False


Words = tuple[str, str]  # (Bahasa Indonesia, English)


@dataclass(frozen=True)
class Eligibility:
    """The answer: its code and first eligible day at once, its words (`message_id`,
    `message_en`) written only when read: the balance judges every reason on each request
    and shows codes and dates alone."""

    eligible: bool
    code: str | None = None
    eligible_from: date | None = None
    words: Callable[[], Words] = field(default=lambda: ("", ""), repr=False, compare=False)

    @cached_property
    def _written(self) -> Words:
        return self.words()

    @property
    def message_id(self) -> str:
        return self._written[0]

    @property
    def message_en(self) -> str:
        return self._written[1]


# Codes of a refusal. The first three are also officer reason codes (reason_codes.py).
MEMBERSHIP_STILL_ACTIVE = "membership_still_active"
WAITING_PERIOD_NOT_OVER = "waiting_period_not_over"
PARTIAL_REQUIREMENTS_NOT_MET = "partial_requirements_not_met"
PARTIAL_ALREADY_TAKEN = "partial_already_taken"
BELOW_RETIREMENT_AGE = "below_retirement_age"
RETIREMENT_AGE_REACHED = "retirement_age_reached"
EMPLOYMENT_END_UNKNOWN = "employment_end_unknown"
CONTRACT_NOT_ENDED = "contract_not_ended"
PARTICIPANT_NOT_DECEASED = "participant_not_deceased"
PARTICIPANT_DECEASED = "participant_deceased"
OTHER_KPJ_ACTIVE = "other_kpj_active"

# The reasons that say the participant stopped work: the KPJ must be `inactive` and no other
# KPJ of the same NIK `active` (domain.md, "Claim reasons").
STOP_WORK_REASONS = frozenset(
    {
        ClaimReason.resignation,
        ClaimReason.termination,
        ClaimReason.contract_end,
        ClaimReason.leaving_indonesia,
    }
)
# The reasons judged by the employment end date: the only ones an applicant may state it for.
END_DATE_REASONS = frozenset(
    {ClaimReason.resignation, ClaimReason.termination, ClaimReason.contract_end}
)
# Codes of a stated end date the claim cannot take (422 on the field `employment_end_date`).
END_DATE_DIFFERS = "differs_from_registry"
END_DATE_NOT_TAKEN = "not_for_this_reason"

_ELIGIBLE = Eligibility(
    eligible=True, words=lambda: ("Anda dapat mengajukan klaim.", "You can claim.")
)


OPEN_CLAIM_EXISTS = "open_claim_exists"
NOTHING_TO_CLAIM = "nothing_to_claim"


def creation_refusal(eligibility: Eligibility, open_claim: bool, available: int) -> str | None:
    """Why a claim could not be opened today, in the order creation judges it: the reason's
    eligibility, then an open claim on the KPJ, then an account with nothing left; None when
    it could. Claim creation raises on it; the balance page says it in advance."""
    if not eligibility.eligible:
        return eligibility.code
    if open_claim:
        return OPEN_CLAIM_EXISTS
    if available == 0:
        return NOTHING_TO_CLAIM
    return None


def check_eligibility(
    rules: RuleSet,
    reason: ClaimReason,
    participant: ParticipantFacts,
    claim_date: date,
    employment_end_date: date | None = None,
) -> Eligibility:
    """Whether `participant` may claim for `reason` on `claim_date` under `rules`.

    The registry's employment end date decides; `employment_end_date` (the date the claim
    carries, stated by the applicant when the registry had none) counts only while the
    registry still has none."""
    end_date = participant.employment_end_date or employment_end_date
    if reason is ClaimReason.death:
        if not participant.deceased:
            return _NOT_DECEASED
        return _ELIGIBLE
    if participant.deceased:
        # The heirs claim, for the reason `death`; nobody else can claim for a deceased person.
        return _DECEASED
    if reason in STOP_WORK_REASONS:
        if participant.membership_status != "inactive":
            return _MEMBERSHIP_ACTIVE
        if participant.other_kpj_active:
            return _OTHER_KPJ_ACTIVE
    match reason:
        case ClaimReason.retirement:
            return _retirement(rules, participant, claim_date)
        case ClaimReason.resignation | ClaimReason.termination:
            return _after_waiting_period(rules, reason, end_date, claim_date)
        case ClaimReason.contract_end:
            return _contract_end(end_date, claim_date)
        case ClaimReason.leaving_indonesia:
            return _ELIGIBLE
        case ClaimReason.disability:
            return _disability(rules, participant, claim_date)
        case ClaimReason.partial_housing | ClaimReason.partial_other:
            return _partial(rules, reason, participant, claim_date)
    raise AssertionError(f"unhandled claim reason {reason}")  # pragma: no cover


def retirement_date(rules: RuleSet, birth_date: date) -> date:
    """The birthday on which the participant reaches retirement age."""
    return add_years(birth_date, rules.retirement_age_years)


def _retirement(rules: RuleSet, participant: ParticipantFacts, claim_date: date) -> Eligibility:
    eligible_from = retirement_date(rules, participant.birth_date)
    if claim_date >= eligible_from:
        return _ELIGIBLE
    return _refuse_until(
        BELOW_RETIREMENT_AGE,
        ClaimReason.retirement,
        eligible_from,
        f"Usia pensiun {rules.retirement_age_years} tahun belum tercapai. ",
        f"The retirement age of {rules.retirement_age_years} has not been reached. ",
    )


def _after_waiting_period(
    rules: RuleSet,
    reason: ClaimReason,
    end_date: date | None,
    claim_date: date,
) -> Eligibility:
    if end_date is None:
        return _END_DATE_UNKNOWN
    eligible_from = add_months(end_date, rules.waiting_period_months)
    if claim_date >= eligible_from:
        return _ELIGIBLE
    return _refuse_until(
        WAITING_PERIOD_NOT_OVER,
        reason,
        eligible_from,
        f"Masa tunggu {rules.waiting_period_months} bulan sejak berhenti bekerja belum selesai. ",
        f"The waiting period of {rules.waiting_period_months} month(s) since your employment "
        "ended is not over. ",
    )


def _contract_end(end_date: date | None, claim_date: date) -> Eligibility:
    if end_date is None:
        return _END_DATE_UNKNOWN
    if end_date <= claim_date:
        return _ELIGIBLE
    return _refuse_until(
        CONTRACT_NOT_ENDED,
        ClaimReason.contract_end,
        end_date,
        "Kontrak kerja Anda belum berakhir. ",
        "Your employment contract has not ended yet. ",
    )


def _disability(rules: RuleSet, participant: ParticipantFacts, claim_date: date) -> Eligibility:
    if claim_date < retirement_date(rules, participant.birth_date):
        return _ELIGIBLE
    return _refuse(
        RETIREMENT_AGE_REACHED,
        f"Peserta sudah berusia {rules.retirement_age_years} tahun atau lebih; ajukan klaim "
        "karena usia pensiun.",
        f"The participant is {rules.retirement_age_years} or older; please claim for retirement.",
    )


def _partial(
    rules: RuleSet, reason: ClaimReason, participant: ParticipantFacts, claim_date: date
) -> Eligibility:
    if participant.had_partial_claim:
        return _PARTIAL_TAKEN
    years = rules.partial_min_membership_years
    eligible_from = add_years(participant.membership_start, years)
    if claim_date >= eligible_from:
        return _ELIGIBLE
    return _refuse_until(
        PARTIAL_REQUIREMENTS_NOT_MET,
        reason,
        eligible_from,
        f"Klaim sebagian memerlukan kepesertaan minimal {years} tahun. ",
        f"A partial claim needs at least {years} years of membership. ",
    )


@dataclass(frozen=True)
class ClaimEndDate:
    """The employment end date a new claim is judged by, or why the stated one is refused."""

    value: date | None
    # Stated by the applicant because the registry has none: the verifier checks it against
    # the employer's letter (the flag `declared_end_date`).
    declared: bool = False
    problem: str | None = None
    message_id: str = ""
    message_en: str = ""


def claim_end_date(
    reason: ClaimReason, registry_date: date | None, stated: date | None
) -> ClaimEndDate:
    """The registry's end date decides. A stated date equal to it changes nothing; a different
    one is refused; a date stated where the registry has none is taken, as declared, for the
    reasons judged by it (resignation, termination, contract_end) and refused for the others."""
    if stated is None or stated == registry_date:
        return ClaimEndDate(registry_date)
    if registry_date is not None:
        return ClaimEndDate(
            registry_date,
            problem=END_DATE_DIFFERS,
            message_id=f"Tanggal berhenti bekerja berbeda dengan yang dilaporkan pemberi kerja "
            f"({format_date_id(registry_date)}). Kosongkan isian ini atau isi tanggal tersebut.",
            message_en=f"The employment end date differs from the one your employer reported "
            f"({registry_date.isoformat()}). Leave the field empty or enter that date.",
        )
    if reason not in END_DATE_REASONS:
        return ClaimEndDate(
            None,
            problem=END_DATE_NOT_TAKEN,
            message_id="Tanggal berhenti bekerja hanya diisi untuk klaim karena mengundurkan "
            "diri, PHK atau habis kontrak.",
            message_en="An employment end date is stated only for a claim for resignation, "
            "termination or contract end.",
        )
    return ClaimEndDate(stated, declared=True)


def _refuse(code: str, message_id: str, message_en: str) -> Eligibility:
    return Eligibility(eligible=False, code=code, words=lambda: (message_id, message_en))


def _refuse_until(
    code: str, reason: ClaimReason, eligible_from: date, why_id: str, why_en: str
) -> Eligibility:
    def words() -> Words:
        return (
            f"{why_id}Anda dapat mengajukan klaim karena {reason.label_id} mulai "
            f"{format_date_id(eligible_from)}.",
            f"{why_en}You can claim for {reason.label_en} from {eligible_from.isoformat()}.",
        )

    return Eligibility(eligible=False, code=code, eligible_from=eligible_from, words=words)


# The refusals that depend on nothing but their code, made once.
_NOT_DECEASED = _refuse(
    PARTICIPANT_NOT_DECEASED,
    "Klaim meninggal dunia hanya dapat diajukan bila peserta tercatat meninggal dunia.",
    "A death claim needs the participant to be recorded as deceased.",
)
_DECEASED = _refuse(
    PARTICIPANT_DECEASED,
    "Peserta tercatat meninggal dunia; ahli waris dapat mengajukan klaim meninggal dunia.",
    "The participant is recorded as deceased; the heirs can make a death claim.",
)
_PARTIAL_TAKEN = _refuse(
    PARTIAL_ALREADY_TAKEN,
    "Klaim sebagian hanya dapat diambil satu kali dan sudah pernah Anda ambil. Sisa saldo "
    "dibayarkan pada klaim penuh.",
    "A partial claim can be taken only once, and you have taken it. The rest of the "
    "balance is paid by a full claim.",
)
_MEMBERSHIP_ACTIVE = _refuse(
    MEMBERSHIP_STILL_ACTIVE,
    "Kepesertaan Anda masih aktif. Klaim dapat diajukan setelah pemberi kerja "
    "menonaktifkan kepesertaan.",
    "Your membership is still active. You can claim once your employer has ended it.",
)
_OTHER_KPJ_ACTIVE = _refuse(
    OTHER_KPJ_ACTIVE,
    "Anda masih tercatat bekerja: kepesertaan lain atas NIK Anda (KPJ dari pemberi kerja "
    "lain) masih aktif. Klaim karena berhenti bekerja dapat diajukan setelah semua "
    "kepesertaan Anda nonaktif.",
    "You are still recorded as working: another membership under your NIK (a KPJ with "
    "another employer) is active. A claim for stopping work can be made once all your "
    "memberships have ended.",
)
_END_DATE_UNKNOWN = _refuse(
    EMPLOYMENT_END_UNKNOWN,
    "Tanggal berhenti bekerja belum tercatat. Isi tanggal berhenti bekerja Anda (akan "
    "diperiksa dengan surat dari pemberi kerja) atau mintalah pemberi kerja melaporkannya.",
    "Your employment end date is not recorded. State your employment end date (it is "
    "checked against your employer's letter) or ask your employer to report it.",
)
