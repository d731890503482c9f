"""`POST /api/v1/simulation`: the JHT projection to the retirement age, public; the answer is
`workflow.simulation.Projection` as it is (`balance_by_rate` keyed by the rate in basis points,
as JSON keys: strings). Held to the
default per-client rate limit like every route (claims.http.ratelimit's middleware counts
each request before it gets here: 429 problem+json with Retry-After)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from claims.http.problems import PROBLEM
from claims.simulation.service import project, today_in_jakarta
from workflow.simulation import Projection, SimulationRefused, SimulationRequest

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


@simulation_router.post(
    "/simulation",
    response_model=Projection,
    responses={400: PROBLEM, 422: PROBLEM, 429: PROBLEM},
)
def simulation(body: SimulationBody, request: Request) -> Projection:
    """A yearly projection of the JHT account to the 56th birthday, one balance per
    development rate, with every assumption stated. An estimate, not a promise. Signed in
    (bearer session token or the pages' cookie) and without a `start_balance`, it starts
    from the participant's real available balance today."""
    # A plain `def` (the thread pool): a signed-in caller's balance is read from the database.
    try:
        wanted = SimulationRequest(
            today=today_in_jakarta(request),
            rates_bp=tuple(body.rates_bp) if body.rates_bp is not None else None,
            **body.model_dump(exclude={"rates_bp"}),
        )
        projection = project(request, wanted)
    except SimulationRefused as refused:
        # Fields named as the API names a body's fields (`body.monthly_wage`).
        raise SimulationRefused(
            [{**item, "field": f"body.{item['field']}"} for item in refused.data["errors"]]
        ) from None
    return projection
