"""The JHT simulation page, `/simulasi`: a form, and the projection to 56 as an SVG line chart
drawn on the server (one line per development rate) with the numbers in a table and every
assumption in words.

The form is sent with GET and its answer is the same page with the inputs in the query
string: the calculation reads and stores nothing, so a result is a link that can be shared,
bookmarked or reloaded, and there is nothing for a forged cross-site request to do (hence no
CSRF token, unlike every form that changes something). The default per-client rate limit
holds it like every route."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import QueryParams
from starlette.responses import Response

from claims.pages import i18n
from claims.pages.chart import Series, XTick, line_chart, short_rupiah, tick_indexes
from claims.pages.page import Errors, Page, open_page
from claims.simulation.service import project, today_in_jakarta
from workflow.simulation import (
    ESTIMATE_NOTICE,
    MAX_RATES,
    Projection,
    SimulationRefused,
    SimulationRequest,
    default_rates,
    percent,
)

router = APIRouter(include_in_schema=False)

RATE_FIELDS = tuple(f"rate{number}" for number in range(1, MAX_RATES + 1))
FORM_FIELDS = ("monthly_wage", "birth_date", "start_balance", "wage_growth", *RATE_FIELDS)
# The workflow's field names -> this form's inputs.
WORKFLOW_FIELDS = {
    "monthly_wage": "monthly_wage",
    "birth_date": "birth_date",
    "age": "birth_date",
    "start_balance": "start_balance",
    "wage_growth_bp": "wage_growth",
    "rates_bp": "rate1",
}
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_PERCENT = re.compile(r"^\s*(\d{1,3})(?:[.,](\d{1,2}))?\s*%?\s*$")


def text(page: Page, key: str, **values: object) -> str:
    return page.t(key, **values)


def parse_rupiah(value: str) -> int | None:
    """`5.000.000`, `5,000,000`, `Rp 5 000 000` or `5000000`: whole rupiah; None otherwise."""
    digits = re.sub(r"(?i)^\s*rp\.?|[\s.,]", "", value)
    # ASCII digits only: str.isdigit() also takes '²', which int() refuses.
    return int(digits) if re.fullmatch(r"[0-9]{1,16}", digits) else None


def parse_percent(value: str) -> int | None:
    """`5`, `5,5`, `5.63` or `5,63%`: basis points; None otherwise."""
    match = _PERCENT.match(value)
    if not match:
        return None
    whole, part = match.group(1), (match.group(2) or "0").ljust(2, "0")
    return int(whole) * 100 + int(part)


def parse_birth_date(value: str) -> date | None:
    """DD-MM-YYYY as on the other pages, and also YYYY-MM-DD."""
    match = _ISO_DATE.match(value)
    if match is None:
        return i18n.parse_page_date(value)
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def read_query(
    page: Page, query: QueryParams, today: date
) -> tuple[dict[str, str], Errors, SimulationRequest]:
    """The form's values as typed, the problems the form itself finds, and what to simulate
    (meaningful only without problems)."""
    values = {name: str(query.get(name, "")).strip()[:40] for name in FORM_FIELDS}
    errors: Errors = {}
    wage = parse_rupiah(values["monthly_wage"])
    if wage is None:
        errors["monthly_wage"] = (
            page.t("required")
            if not values["monthly_wage"]
            else text(page, "simulation.bad_number")
        )
    birth_date = parse_birth_date(values["birth_date"])
    if birth_date is None:
        errors["birth_date"] = (
            page.t("required") if not values["birth_date"] else page.t("bad_date")
        )
    start_balance = parse_rupiah(values["start_balance"]) if values["start_balance"] else None
    if values["start_balance"] and start_balance is None:
        errors["start_balance"] = text(page, "simulation.bad_number")
    growth = parse_percent(values["wage_growth"]) if values["wage_growth"] else 0
    if growth is None:
        errors["wage_growth"] = text(page, "simulation.bad_percent")
    rates: list[int] = []
    for name in RATE_FIELDS:
        if not values[name]:
            continue
        rate = parse_percent(values[name])
        if rate is None:
            errors[name] = text(page, "simulation.bad_percent")
        else:
            rates.append(rate)
    wanted = SimulationRequest(
        monthly_wage=wage or 0,
        today=today,
        birth_date=birth_date,
        start_balance=start_balance,
        wage_growth_bp=growth or 0,
        rates_bp=tuple(rates) if rates else None,
    )
    return values, errors, wanted


def refusal_errors(page: Page, refused: SimulationRefused) -> Errors:
    errors: Errors = {}
    for item in refused.data["errors"]:
        name = WORKFLOW_FIELDS.get(item["field"], "monthly_wage")
        errors.setdefault(name, page.pick(item["message_id"], item["message_en"]))
    return errors


def _fractional_year(day: date) -> float:
    start = date(day.year, 1, 1)
    return day.year + (day - start).days / (date(day.year + 1, 1, 1) - start).days


def result_context(page: Page, projection: Projection) -> dict[str, Any]:
    """The chart's geometry, the table's rows and the assumptions in the page's language."""
    language = page.language
    assumed = projection.assumptions
    rates = assumed.rates_bp
    rate_labels = {rate: percent(rate, language) for rate in rates}
    # x in years: today, then each year's last counted day (31 December, the birthday last).
    ends = [
        date(row.year, 12, 31) if row.year < projection.at_56.date.year else projection.at_56.date
        for row in projection.years
    ]
    xs = [_fractional_year(assumed.start_date), *(_fractional_year(day) for day in ends)]
    series = [
        Series(
            label=rate_labels[rate],
            points=tuple(
                zip(
                    xs,
                    [
                        assumed.start_balance,
                        *(row.balance_by_rate[rate] for row in projection.years),
                    ],
                    strict=True,
                )
            ),
        )
        for rate in rates
    ]
    ages = [assumed.start_age, *(row.age for row in projection.years)]
    years = [assumed.start_date.year, *(row.year for row in projection.years)]
    ticks = [
        XTick(xs[index], str(ages[index]), str(years[index])) for index in tick_indexes(len(xs))
    ]
    retirement_age = projection.at_56.age
    return {
        "chart": line_chart(series, ticks, language),
        "chart_title": text(page, "simulation.chart_title", age=retirement_age),
        "chart_desc": text(
            page,
            "simulation.chart_desc",
            start=i18n.rupiah(assumed.start_balance),
            ends=", ".join(
                f"{i18n.rupiah(projection.at_56.balance_by_rate[rate])} ({rate_labels[rate]})"
                for rate in rates
            ),
            age=retirement_age,
        ),
        "result_title": text(page, "simulation.result_title", age=retirement_age),
        "result_on": text(page, "simulation.result_on", date=i18n.page_date(projection.at_56.date)),
        "at_56": [
            {
                "label": text(page, "simulation.at_rate", rate=rate_labels[rate]),
                "amount": i18n.rupiah(projection.at_56.balance_by_rate[rate]),
                "short": short_rupiah(projection.at_56.balance_by_rate[rate], language),
                "index": index,
            }
            for index, rate in enumerate(rates)
        ],
        "total_contributions": text(
            page,
            "simulation.total_contributions",
            age=retirement_age,
            amount=i18n.rupiah(projection.at_56.total_contributions),
        ),
        "rate_headers": [
            text(page, "simulation.balance_at", rate=rate_labels[rate]) for rate in rates
        ],
        "rows": [
            {
                "year": row.year,
                "age": row.age,
                "contributions": i18n.rupiah(row.contributions),
                "balances": [i18n.rupiah(row.balance_by_rate[rate]) for rate in rates],
            }
            for row in projection.years
        ],
        "assumptions": [page.pick(words.id, words.en) for words in assumed.statements],
    }


def simulation_context(
    page: Page, values: dict[str, str], errors: Errors, result: dict[str, Any] | None
) -> dict[str, Any]:
    title = text(page, "simulation.title")
    today = today_in_jakarta(page.request)
    defaults = ", ".join(percent(rate, page.language) for rate in default_rates(today))
    return {
        # With errors the page's title starts "Galat:" (Page.render).
        "title": title,
        "heading": title,
        "rates_hint": text(page, "simulation.rates_hint", rates=defaults),
        "rate_fields": [
            (name, text(page, "simulation.rate_label", number=number))
            for number, name in enumerate(RATE_FIELDS, start=1)
        ],
        "values": values,
        "errors": errors,
        "estimate": page.pick(ESTIMATE_NOTICE.id, ESTIMATE_NOTICE.en),
        "result": result,
    }


@router.get("/simulasi", response_class=HTMLResponse)
def simulation_page(request: Request) -> Response:
    """The form; with `monthly_wage` in the query, the projection below it."""
    page = open_page(request)
    if "monthly_wage" not in request.query_params:
        return page.render("simulation.html", simulation_context(page, {}, {}, None))
    values, errors, wanted = read_query(page, request.query_params, today_in_jakarta(request))
    if errors:
        return page.render("simulation.html", simulation_context(page, values, errors, None), 422)
    try:
        projection = project(request, wanted)
    except SimulationRefused as refused:
        context = simulation_context(page, values, refusal_errors(page, refused), None)
        return page.render("simulation.html", context, 422)
    result = result_context(page, projection)
    return page.render("simulation.html", simulation_context(page, values, {}, result))
