"""The JHT simulation (channels.md, "The JHT simulation"): what the account may hold at the
retirement age, from a monthly wage, a birth date, an optional starting balance, a yearly wage
growth and one to three yearly development rates. Integer rupiah, rounded down.

The convention, in whole months (the same one `CONVENTION` words for people):

- The contribution is the employer's share plus the worker's share of the monthly wage (rule
  data: `RuleSet.jht_employer_contribution_bp`, `.jht_worker_contribution_bp`), each share
  rounded down to the rupiah, as a payroll computes them. It is paid at the end of every
  calendar month after today's month, up to the last month that ends before the 56th birthday.
- The wage rises by `wage_growth_bp` every 1 January after today's year (rounded down).
- Development accrues, as in `workflow.account`, on what the account holds at the year's rate
  and is credited once a year, on 31 December; from then on it earns development itself. Within
  a year it is pro rata by whole months: the balance held at the start (today: from the end of
  today's month) earns it for every month left, and a contribution paid at the end of month m
  for the 12 - m months left (December's starts earning in January). One rounding down a year:
  `floor(sum(amount x months x rate_bp) / (12 x 10 000))`, so no sum of fractions pays a
  rupiah more than the rate gives.
- The last year ends at the 56th birthday: it counts the whole months before the birthday's
  month, and its development is credited on the birthday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from workflow.dates import add_years, format_date_id
from workflow.eligibility import retirement_date
from workflow.errors import WorkflowError
from workflow.rules import RuleSet, development_rate, rules_in_force

_BP = 10_000
_MONTHS = 12

MIN_AGE = 15
# A wage above Rp 1 miliar a month, or a balance above Rp 1 triliun, is a typing mistake here.
MAX_MONTHLY_WAGE = 1_000_000_000
MAX_START_BALANCE = 1_000_000_000_000
MAX_RATE_BP = 2_500
MAX_WAGE_GROWTH_BP = 2_000
MAX_RATES = 3
# The default rates: the last declared one, and this much below and above it.
DEFAULT_RATE_SPREAD_BP = 100

StartBalanceSource = Literal["none", "given", "account"]


@dataclass(frozen=True)
class Wording:
    """One sentence in Bahasa Indonesia and in English, as the API answers and pages pick."""

    id: str
    en: str


CONVENTION = Wording(
    "Iuran dibayar di akhir setiap bulan mulai bulan depan. Hasil pengembangan dihitung per "
    "bulan penuh atas saldo dan iuran yang sudah masuk, lalu dikreditkan sekali setahun pada "
    "31 Desember (tahun terakhir: pada ulang tahun ke-56) dan sejak itu ikut berkembang. "
    "Setiap bagian iuran, kenaikan upah dan hasil pengembangan tahunan dibulatkan ke bawah ke "
    "rupiah.",
    "Contributions are paid at the end of every month from next month on. Development is "
    "counted by whole months on the balance and the contributions already paid in, and "
    "credited once a year on 31 December (the last year: on the 56th birthday), after which it "
    "earns development too. Each share of a contribution, each wage rise and each year's "
    "development is rounded down to the rupiah.",
)
ESTIMATE_NOTICE = Wording(
    "Ini perkiraan, bukan janji. Hasil pengembangan yang sebenarnya ditetapkan BPJS "
    "Ketenagakerjaan setiap tahun, dan upah serta kepesertaan Anda bisa berubah.",
    "This is an estimate, not a promise. BPJS Ketenagakerjaan sets the real development rate "
    "every year, and your wage and membership may change.",
)


class SimulationRefused(WorkflowError):
    """Inputs the simulation cannot project: 422 with `errors: [{field, code, message_id,
    message_en}]`, every field with its first problem."""

    default_code = "validation_failed"
    default_status_hint = 422

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(
            "Some fields are not valid.", "Beberapa isian tidak valid.", data={"errors": errors}
        )


@dataclass(frozen=True)
class SimulationRequest:
    """What to project. Exactly one of `birth_date` and `age`. `start_balance_on` is the date
    of a starting balance taken from the participant's own account (None: typed in)."""

    monthly_wage: int
    today: date
    birth_date: date | None = None
    age: int | None = None
    start_balance: int | None = None
    start_balance_on: date | None = None
    wage_growth_bp: int = 0
    rates_bp: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ProjectedYear:
    """One calendar year: the age at its last counted day, the monthly wage and the
    contributions paid in it, and the balance at its end (the 56th birthday in the last)."""

    year: int
    age: int
    monthly_wage: int
    contributions: int
    balance_by_rate: dict[int, int]


@dataclass(frozen=True)
class AtRetirement:
    """The account on the 56th birthday (`date`), by rate, and what was paid in until then."""

    date: date
    age: int
    total_contributions: int
    balance_by_rate: dict[int, int]


@dataclass(frozen=True)
class Assumptions:
    """Every number the projection rests on, and the same in words (`statements`)."""

    rule_set: str
    contribution_bp: int
    employer_bp: int
    worker_bp: int
    monthly_wage: int
    wage_growth_bp: int
    rates_bp: tuple[int, ...]
    rates_source: Literal["given", "default"]
    rates_default_basis: str | None
    development_credited: Literal["yearly"]
    convention: Wording
    retirement_age: int
    start_date: date
    start_age: int
    birth_date: date
    birth_date_source: Literal["given", "from_age"]
    start_balance: int
    start_balance_source: StartBalanceSource
    start_balance_on: date | None
    statements: tuple[Wording, ...]


@dataclass(frozen=True)
class Projection:
    """The API's answer as it is: `{years, at_56, assumptions}`."""

    years: tuple[ProjectedYear, ...]
    at_56: AtRetirement
    assumptions: Assumptions


def default_rates(today: date) -> tuple[int, ...]:
    """The last declared development rate and one step below and above it, none below 0."""
    last = development_rate(today.year).rate_bp
    candidates = (last - DEFAULT_RATE_SPREAD_BP, last, last + DEFAULT_RATE_SPREAD_BP)
    return tuple(sorted({max(0, rate) for rate in candidates}))


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on `day`."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def simulate(request: SimulationRequest, rules: RuleSet | None = None) -> Projection:
    """The yearly projection from `request.today` to the 56th birthday, for each rate.
    SimulationRefused when an input is out of range."""
    rules = rules or rules_in_force(request.today)
    birth_date, rates = _checked(request, rules)
    today = request.today
    end = retirement_date(rules, birth_date)
    per_share = (rules.jht_employer_contribution_bp, rules.jht_worker_contribution_bp)
    start_balance = request.start_balance or 0
    balances = {rate: start_balance for rate in rates}
    wage = request.monthly_wage
    years: list[ProjectedYear] = []
    total_contributions = 0
    for year in range(today.year, end.year + 1):
        if year > today.year:
            wage = wage * (_BP + request.wage_growth_bp) // _BP
        monthly = sum(wage * share // _BP for share in per_share)
        # Month ends as positions 0..12 (0: 1 January); the year counts from `first` to `last`.
        first = today.month if year == today.year else 0
        last = max(first, end.month - 1 if year == end.year else _MONTHS)
        paid_at = range(first + 1, last + 1)
        contributions = monthly * len(paid_at)
        contribution_months = sum(last - position for position in paid_at)
        for rate, balance in balances.items():
            weighted = (balance * (last - first) + monthly * contribution_months) * rate
            balances[rate] = balance + contributions + weighted // (_MONTHS * _BP)
        total_contributions += contributions
        counted_to = end if year == end.year else date(year, 12, 31)
        years.append(
            ProjectedYear(
                year=year,
                age=age_on(birth_date, counted_to),
                monthly_wage=wage,
                contributions=contributions,
                balance_by_rate=dict(balances),
            )
        )
    return Projection(
        years=tuple(years),
        at_56=AtRetirement(
            date=end,
            age=rules.retirement_age_years,
            total_contributions=total_contributions,
            balance_by_rate=dict(balances),
        ),
        assumptions=_assumptions(request, rules, birth_date, rates, end),
    )


def percent(rate_bp: int, language: Literal["id", "en"] = "id") -> str:
    """Basis points as people write a percentage: `5,63%` (Indonesian) or `5.63%`."""
    whole, part = divmod(rate_bp, 100)
    text = f"{whole}.{part:02d}".rstrip("0").rstrip(".")
    return (text.replace(".", ",") if language == "id" else text) + "%"


def _rupiah(amount: int) -> str:
    return f"Rp {amount:,}".replace(",", ".")


def _problem(field: str, code: str, message_id: str, message_en: str) -> dict[str, str]:
    return {"field": field, "code": code, "message_id": message_id, "message_en": message_en}


def _checked(request: SimulationRequest, rules: RuleSet) -> tuple[date, tuple[int, ...]]:
    """The birth date and the rates to project with, or SimulationRefused with every field's
    first problem."""
    problems: list[dict[str, str]] = []
    oldest = rules.retirement_age_years - 1
    if not 0 < request.monthly_wage <= MAX_MONTHLY_WAGE:
        problems.append(
            _problem(
                "monthly_wage",
                "wage_out_of_range",
                f"Upah sebulan harus lebih dari 0 dan paling banyak {_rupiah(MAX_MONTHLY_WAGE)}.",
                f"The monthly wage must be above 0 and at most {_rupiah(MAX_MONTHLY_WAGE)}.",
            )
        )
    birth_date = request.birth_date
    if (birth_date is None) == (request.age is None):
        problems.append(
            _problem(
                "birth_date",
                "birth_date_or_age",
                "Isi tanggal lahir atau usia, salah satu saja.",
                "Give either the birth date or the age, not both.",
            )
        )
    else:
        if birth_date is None and request.age is not None:
            # An age alone: the birthday is taken to be today (said in the assumptions).
            birth_date = add_years(request.today, -max(0, min(request.age, 200)))
        field = "birth_date" if request.birth_date is not None else "age"
        assert birth_date is not None
        age = request.age if request.age is not None else age_on(birth_date, request.today)
        if not MIN_AGE <= age <= oldest:
            problems.append(
                _problem(
                    field,
                    "age_out_of_range",
                    f"Simulasi untuk peserta berusia {MIN_AGE} sampai {oldest} tahun.",
                    f"The simulation is for participants aged {MIN_AGE} to {oldest}.",
                )
            )
    if request.start_balance is not None and not 0 <= request.start_balance <= MAX_START_BALANCE:
        problems.append(
            _problem(
                "start_balance",
                "start_balance_out_of_range",
                f"Saldo awal paling sedikit 0 dan paling banyak {_rupiah(MAX_START_BALANCE)}.",
                f"The starting balance must be 0 to {_rupiah(MAX_START_BALANCE)}.",
            )
        )
    if not 0 <= request.wage_growth_bp <= MAX_WAGE_GROWTH_BP:
        problems.append(
            _problem(
                "wage_growth_bp",
                "growth_out_of_range",
                f"Kenaikan upah 0% sampai {percent(MAX_WAGE_GROWTH_BP)} setahun.",
                f"The wage growth must be 0% to {percent(MAX_WAGE_GROWTH_BP, 'en')} a year.",
            )
        )
    rates = request.rates_bp if request.rates_bp is not None else default_rates(request.today)
    if not 1 <= len(rates) <= MAX_RATES:
        problems.append(
            _problem(
                "rates_bp",
                "rates_count",
                f"Isi 1 sampai {MAX_RATES} tingkat hasil pengembangan.",
                f"Give 1 to {MAX_RATES} development rates.",
            )
        )
    elif any(not 0 <= rate <= MAX_RATE_BP for rate in rates):
        problems.append(
            _problem(
                "rates_bp",
                "rate_out_of_range",
                f"Tingkat hasil pengembangan 0% sampai {percent(MAX_RATE_BP)} setahun.",
                f"A development rate must be 0% to {percent(MAX_RATE_BP, 'en')} a year.",
            )
        )
    elif len(set(rates)) != len(rates):
        problems.append(
            _problem(
                "rates_bp",
                "rates_repeated",
                "Setiap tingkat hasil pengembangan cukup diisi sekali.",
                "Give each development rate once.",
            )
        )
    if problems or birth_date is None:
        raise SimulationRefused(problems)
    return birth_date, tuple(rates)


def _assumptions(
    request: SimulationRequest,
    rules: RuleSet,
    birth_date: date,
    rates: tuple[int, ...],
    end: date,
) -> Assumptions:
    employer, worker = rules.jht_employer_contribution_bp, rules.jht_worker_contribution_bp
    start_balance = request.start_balance or 0
    source: StartBalanceSource = (
        "none"
        if request.start_balance is None
        else "account"
        if request.start_balance_on is not None
        else "given"
    )
    declared = development_rate(request.today.year)
    basis = None if request.rates_bp is not None else declared.source
    return Assumptions(
        rule_set=rules.version,
        contribution_bp=employer + worker,
        employer_bp=employer,
        worker_bp=worker,
        monthly_wage=request.monthly_wage,
        wage_growth_bp=request.wage_growth_bp,
        rates_bp=rates,
        rates_source="given" if request.rates_bp is not None else "default",
        rates_default_basis=basis,
        development_credited="yearly",
        convention=CONVENTION,
        retirement_age=rules.retirement_age_years,
        start_date=request.today,
        start_age=age_on(birth_date, request.today),
        birth_date=birth_date,
        birth_date_source="given" if request.birth_date is not None else "from_age",
        start_balance=start_balance,
        start_balance_source=source,
        start_balance_on=request.start_balance_on,
        statements=_statements(request, rules, birth_date, rates, end, source, declared.rate_bp),
    )


def _statements(
    request: SimulationRequest,
    rules: RuleSet,
    birth_date: date,
    rates: tuple[int, ...],
    end: date,
    source: StartBalanceSource,
    declared_bp: int,
) -> tuple[Wording, ...]:
    """Every assumption in words, (Bahasa Indonesia, English)."""
    employer, worker = rules.jht_employer_contribution_bp, rules.jht_worker_contribution_bp
    total = employer + worker
    wage = _rupiah(request.monthly_wage)
    growth = request.wage_growth_bp
    retirement = rules.retirement_age_years
    statements: list[Wording] = [
        Wording(
            f"Iuran JHT {percent(total)} dari upah sebulan: {percent(employer)} dibayar pemberi "
            f"kerja dan {percent(worker)} oleh pekerja.",
            f"JHT contributions are {percent(total, 'en')} of the monthly wage: "
            f"{percent(employer, 'en')} paid by the employer and {percent(worker, 'en')} by "
            "the worker.",
        ),
        Wording(
            f"Upah {wage} sebulan"
            + (
                f", naik {percent(growth)} setiap 1 Januari."
                if growth
                else ", tetap sampai pensiun."
            ),
            f"A wage of {wage} a month"
            + (
                f", rising {percent(growth, 'en')} every 1 January."
                if growth
                else ", unchanged until retirement."
            ),
        ),
        Wording(
            "Hasil pengembangan setahun: "
            + ", ".join(percent(rate) for rate in rates)
            + (
                f" (sekitar tingkat terakhir yang diumumkan, {percent(declared_bp)})."
                if request.rates_bp is None
                else "."
            ),
            "Development a year: "
            + ", ".join(percent(rate, "en") for rate in rates)
            + (
                f" (around the last declared rate, {percent(declared_bp, 'en')})."
                if request.rates_bp is None
                else "."
            ),
        ),
        CONVENTION,
    ]
    balance = _rupiah(request.start_balance or 0)
    if source == "account" and request.start_balance_on is not None:
        on = format_date_id(request.start_balance_on)
        statements.append(
            Wording(
                f"Saldo awal {balance}: saldo JHT Anda yang tersedia per {on}.",
                f"A starting balance of {balance}: your available JHT balance on {on}.",
            )
        )
    elif source == "given":
        statements.append(
            Wording(
                f"Saldo awal {balance}, seperti yang Anda isi.",
                f"A starting balance of {balance}, as you entered it.",
            )
        )
    else:
        statements.append(Wording("Tanpa saldo awal (Rp 0).", "No starting balance (Rp 0)."))
    if request.birth_date is None:
        born = format_date_id(birth_date)
        statements.append(
            Wording(
                f"Dari usia saja: tanggal lahir dianggap {born} (hari ini, {request.age} tahun "
                "lalu).",
                f"From the age alone: the birth date is taken as {born} (today, "
                f"{request.age} years ago).",
            )
        )
    statements.append(
        Wording(
            f"Proyeksi dari {format_date_id(request.today)} sampai ulang tahun ke-{retirement} "
            f"pada {format_date_id(end)}, usia pensiun.",
            f"Projected from {format_date_id(request.today)} to the {retirement}th birthday on "
            f"{format_date_id(end)}, the retirement age.",
        )
    )
    statements.append(ESTIMATE_NOTICE)
    return tuple(statements)
