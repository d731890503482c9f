"""The signed-in participant's balance, `/saldo` (channels.md, "The balance"): the available
balance with its date in large type, how it is made up, the history, the claims with links,
the other KPJs (masked), what can be claimed today and the way in. Without a live session,
to the sign-in; an heir's session to its death claim."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from claims.casework.tracking import STEP_LABELS
from claims.catalogues import N_
from claims.http.csrf import participant_cookie_token
from claims.pages import i18n
from claims.pages.page import Page, open_page
from claims.participants.access import signed_in
from claims.participants.balance import participant_account
from claims.participants.balance_schemas import ParticipantAccountView
from workflow.eligibility import NOTHING_TO_CLAIM, OPEN_CLAIM_EXISTS

router = APIRouter(include_in_schema=False)

SIGN_IN = "/masuk?next=/saldo"
# Keys of words used through a variable (claims.catalogues.N_), by what they name.
HISTORY_KINDS = {
    "statement": N_("balance.kind_statement"),
    "development": N_("balance.kind_development"),
    "payout": N_("balance.kind_payout"),
}
MEMBERSHIP = {"active": N_("balance.status_active"), "inactive": N_("balance.status_inactive")}
REFUSALS = {
    OPEN_CLAIM_EXISTS: N_("balance.open_claim_exists"),
    NOTHING_TO_CLAIM: N_("balance.nothing_to_claim"),
}


def balance_context(page: Page, view: ParticipantAccountView) -> dict[str, Any]:
    """What balance.html shows of `view`, worded in the page's language."""
    language = page.language

    def w(key: str, **values: object) -> str:
        return i18n.translate(key, language, **values)

    balance = view.balance
    history = [
        {
            "date": i18n.page_date(line.date),
            "entry": w(HISTORY_KINDS[line.kind]),
            "amount": i18n.rupiah(line.amount),
            "reference": line.reference or "",
        }
        for line in view.history
    ]
    claims = [
        {
            "id": claim.id,
            "reference": claim.reference,
            "reason": i18n.reason_label(claim.reason, language),
            "status": i18n.status_label(claim.status, language),
            "step": w(
                "balance.step", step=claim.step, label=i18n.pick(STEP_LABELS[claim.step], language)
            )
            if claim.step is not None
            else None,
        }
        for claim in view.claims
    ]
    claimable = []
    for item in view.claimable:
        if item.eligible:
            answer = w("balance.can_claim")
            if item.estimate_gross is not None:
                estimate = w("balance.estimate", amount=i18n.rupiah(item.estimate_gross))
                answer += f" ({estimate})"
        elif item.code in (OPEN_CLAIM_EXISTS, NOTHING_TO_CLAIM):
            answer = w(REFUSALS[item.code])
        elif item.eligible_from is not None:
            answer = w("balance.from_date", date=i18n.page_date(item.eligible_from))
        else:
            answer = w("balance.not_now")
        claimable.append(
            {
                "reason": i18n.reason_label(item.reason, language),
                "eligible": item.eligible,
                "answer": answer,
            }
        )
    return {
        "title": w("balance.title"),
        "view": view,
        "as_of": i18n.page_date(balance.as_of),
        "statement_date": i18n.page_date(balance.statement_date),
        "rate": f"{balance.rate_bp / 100:.2f}".replace(".", "," if language == "id" else "."),
        "membership": w(MEMBERSHIP[view.membership_status])
        if view.membership_status in MEMBERSHIP
        else view.membership_status,
        "membership_since": i18n.page_date(view.membership_start),
        "history": history,
        "claims": claims,
        "other_kpjs": [
            {
                "kpj": other.kpj_masked,
                "status": w(MEMBERSHIP[other.status])
                if other.status in MEMBERSHIP
                else other.status,
            }
            for other in view.other_kpjs
        ],
        "claimable": claimable,
        "any_claimable": any(item.eligible for item in view.claimable),
    }


@router.get("/saldo", response_class=HTMLResponse)
def balance_page(request: Request) -> Response:
    page = open_page(request)
    signed = signed_in(page.runtime, participant_cookie_token(request))
    if signed is None:
        return page.redirect(SIGN_IN)
    if signed.is_heir and signed.claim_id:
        return page.redirect(f"/claims/{signed.claim_id}")
    view = participant_account(page.runtime, signed)
    return page.render("balance.html", balance_context(page, view))
