"""`POST /api/v1/simulation`: the JHT projection to the retirement age, public. Held to the
default per-client rate limit like every route (claims.http.ratelimit's middleware counts
each request before it gets here: 429 problem+json with Retry-After)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from claims.http.problems import PROBLEM
from claims.simulation.service import project
from workflow.simulation import Projection, SimulationRefused

simulation_router = APIRouter(prefix="/api/v1", tags=["public"])


class SimulationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    monthly_wage: int = Field(description="Rupiah a month, above 0.", examples=[5_000_000])
    birth_date: date | None = Field(
        default=None, description="Give this or `age`, not both.", examples=["1990-03-15"]
    )
    age: int | None = Field(
        default=None,
        description="Whole years (15 to 55); the birthday is then taken to be today.",
        examples=[35],
    )
    start_balance: int | None = Field(
        default=None,
        description=(
            "Rupiah in the account today. Without it a signed-in participant starts from "
            "their available balance, anyone else from 0."
        ),
        examples=[12_000_000],
    )
    wage_growth_bp: int = Field(
        default=0, description="Yearly wage rise in basis points (0 to 2000).", examples=[300]
    )
    rates_bp: list[int] | None = Field(
        default=None,
        description=(
            "1 to 3 yearly development rates in basis points (0 to 2500); default: the last "
            "declared rate and 1% below and above it."
        ),
        examples=[[500, 600, 700]],
    )


class Words(BaseModel):
    id: str
    en: str


class YearView(BaseModel):
    year: int
    age: int = Field(description="On the year's last counted day (56 in the last year).")
    monthly_wage: int
    contributions: int = Field(description="Paid in this year.")
    balance_by_rate: dict[str, int] = Field(
        description="Balance at the year's end (the 56th birthday in the last), by rate in bp."
    )


class At56View(BaseModel):
    date: date
    age: int
    total_contributions: int
    balance_by_rate: dict[str, int]


class AssumptionsView(BaseModel):
    rule_set: str
    contribution_bp: int
    employer_bp: int
    worker_bp: int
    monthly_wage: int
    wage_growth_bp: int
    rates_bp: list[int]
    rates_source: str
    rates_default_basis: str | None
    development_credited: str
    convention: Words
    retirement_age: int
    start_date: date
    start_age: int
    birth_date: date
    birth_date_source: str
    start_balance: int
    start_balance_source: str = Field(description="`none`, `given` or `account`.")
    start_balance_on: date | None
    statements: list[Words] = Field(description="Every assumption in words.")


class SimulationView(BaseModel):
    years: list[YearView]
    at_56: At56View
    assumptions: AssumptionsView


def _by_rate(balances: dict[int, int]) -> dict[str, int]:
    return {str(rate): balance for rate, balance in balances.items()}


def simulation_view(projection: Projection) -> SimulationView:
    """The API's shape of a projection."""
    assumed = projection.assumptions
    return SimulationView(
        years=[
            YearView(
                year=row.year,
                age=row.age,
                monthly_wage=row.monthly_wage,
                contributions=row.contributions,
                balance_by_rate=_by_rate(dict(row.balance_by_rate)),
            )
            for row in projection.years
        ],
        at_56=At56View(
            date=projection.at_56.on,
            age=projection.at_56.age,
            total_contributions=projection.at_56.total_contributions,
            balance_by_rate=_by_rate(dict(projection.at_56.balance_by_rate)),
        ),
        assumptions=AssumptionsView(
            rule_set=assumed.rule_set,
            contribution_bp=assumed.contribution_bp,
            employer_bp=assumed.employer_bp,
            worker_bp=assumed.worker_bp,
            monthly_wage=assumed.monthly_wage,
            wage_growth_bp=assumed.wage_growth_bp,
            rates_bp=list(assumed.rates_bp),
            rates_source=assumed.rates_source,
            rates_default_basis=assumed.rates_default_basis,
            development_credited=assumed.development_credited,
            convention=Words(id=assumed.convention[0], en=assumed.convention[1]),
            retirement_age=assumed.retirement_age,
            start_date=assumed.start_date,
            start_age=projection.start_age,
            birth_date=assumed.birth_date,
            birth_date_source=assumed.birth_date_source,
            start_balance=assumed.start_balance,
            start_balance_source=assumed.start_balance_source,
            start_balance_on=assumed.start_balance_on,
            statements=[Words(id=words[0], en=words[1]) for words in assumed.statements],
        ),
    )


@simulation_router.post(
    "/simulation",
    response_model=SimulationView,
    responses={400: PROBLEM, 422: PROBLEM, 429: PROBLEM},
)
async def simulation(body: SimulationBody, request: Request) -> SimulationView:
    """A yearly projection of the JHT account to the 56th birthday, one balance per
    development rate, with every assumption stated. An estimate, not a promise."""
    # Pure arithmetic over at most ~41 years x 3 rates: cheaper on the event loop than a
    # thread hop.
    try:
        projection = project(
            request,
            monthly_wage=body.monthly_wage,
            birth_date=body.birth_date,
            age=body.age,
            start_balance=body.start_balance,
            wage_growth_bp=body.wage_growth_bp,
            rates_bp=tuple(body.rates_bp) if body.rates_bp is not None else None,
        )
    except SimulationRefused as refused:
        # Fields named as the API names a body's fields (`body.monthly_wage`).
        raise SimulationRefused(
            [{**item, "field": f"body.{item['field']}"} for item in refused.data["errors"]]
        ) from None
    return simulation_view(projection)
