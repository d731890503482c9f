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
from claims.http.csrf import participant_cookie_token
from claims.pages import i18n
from claims.pages.page import Page, open_page
from claims.participants.access import signed_in
from claims.participants.balance import participant_account
from claims.participants.balance_schemas import ParticipantAccountView
from workflow.eligibility import NOTHING_TO_CLAIM, OPEN_CLAIM_EXISTS

router = APIRouter(include_in_schema=False)

SIGN_IN = "/masuk?next=/saldo"
# The page's own words, (Bahasa Indonesia, English).
WORDS: dict[str, tuple[str, str]] = {
    "title": ("Saldo JHT", "JHT balance"),
    "balance_on": ("Saldo JHT per {date}", "JHT balance on {date}"),
    "available_note": (
        "Saldo yang dapat diklaim hari ini.",
        "What a claim can pay today.",
    ),
    "made_up": ("Rincian saldo", "How it is made up"),
    "statement_on": ("Saldo per {date}", "Statement of {date}"),
    "development": ("Hasil pengembangan ({rate}% per tahun)", "Development ({rate}% a year)"),
    "paid_out": ("Sudah dibayarkan", "Paid out"),
    "held": ("Sedang dibayarkan", "Being paid"),
    "available": ("Saldo tersedia", "Available"),
    "history": ("Riwayat saldo", "History"),
    "date": ("Tanggal", "Date"),
    "entry": ("Keterangan", "Entry"),
    "amount": ("Jumlah", "Amount"),
    "reference": ("Referensi", "Reference"),
    "kind_statement": ("Saldo dari BPJS Ketenagakerjaan", "Statement of BPJS Ketenagakerjaan"),
    "kind_development": ("Hasil pengembangan", "Development"),
    "kind_payout": ("Pembayaran klaim", "Claim payout"),
    "member": ("Peserta", "Participant"),
    "kpj": ("Nomor KPJ", "KPJ number"),
    "employer": ("Pemberi kerja", "Employer"),
    "membership": ("Kepesertaan", "Membership"),
    "since": ("sejak {date}", "since {date}"),
    "status_active": ("Aktif", "Active"),
    "status_inactive": ("Nonaktif", "Inactive"),
    "claims": ("Klaim Anda", "Your claims"),
    "no_claims": ("Belum ada klaim.", "No claims yet."),
    "step": ("Langkah {step} dari 5: {label}", "Step {step} of 5: {label}"),
    "open_claim": ("Buka klaim", "Open the claim"),
    "other_kpjs": ("KPJ lain atas NIK Anda", "Other KPJs under your NIK"),
    "claimable": ("Yang dapat Anda klaim hari ini", "What you can claim today"),
    "claimable_intro": (
        "Klaim karena meninggal dunia diajukan oleh ahli waris.",
        "A death claim is made by the heirs.",
    ),
    "can_claim": ("Dapat diajukan hari ini", "You can claim today"),
    "estimate": ("perkiraan {amount} sebelum pajak", "about {amount} before tax"),
    "from_date": ("Dapat diajukan mulai {date}", "You can claim from {date}"),
    "not_now": ("Belum dapat diajukan", "Not possible now"),
    OPEN_CLAIM_EXISTS: (
        "Masih ada klaim yang sedang diproses untuk KPJ ini",
        "A claim of this KPJ is in progress",
    ),
    NOTHING_TO_CLAIM: ("Saldo sudah dibayarkan", "The balance has been paid out"),
    "apply": ("Ajukan klaim", "Make a claim"),
    "simulation": ("Simulasi saldo hingga usia 56", "Simulate the balance up to age 56"),
    "sign_out": ("Keluar", "Sign out"),
}


def word(key: str, language: i18n.Language, **values: object) -> str:
    return i18n.pick(WORDS[key], language).format(**values)


def balance_context(page: Page, view: ParticipantAccountView) -> dict[str, Any]:
    """What balance.html shows of `view`, worded in the page's language."""
    language = page.language

    def w(key: str, **values: object) -> str:
        return word(key, language, **values)

    balance = view.balance
    history = [
        {
            "date": i18n.page_date(line.date),
            "entry": w(f"kind_{line.kind}"),
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
            "step": w("step", step=claim.step, label=i18n.pick(STEP_LABELS[claim.step], language))
            if claim.step is not None
            else None,
        }
        for claim in view.claims
    ]
    claimable = []
    for item in view.claimable:
        if item.eligible:
            answer = w("can_claim")
            if item.estimate_gross is not None:
                answer += f" ({w('estimate', amount=i18n.rupiah(item.estimate_gross))})"
        elif item.code in (OPEN_CLAIM_EXISTS, NOTHING_TO_CLAIM):
            answer = w(item.code)
        elif item.eligible_from is not None:
            answer = w("from_date", date=i18n.page_date(item.eligible_from))
        else:
            answer = w("not_now")
        claimable.append(
            {
                "reason": i18n.reason_label(item.reason, language),
                "eligible": item.eligible,
                "answer": answer,
            }
        )
    return {
        "title": w("title"),
        "w": w,
        "view": view,
        "as_of": i18n.page_date(balance.as_of),
        "statement_date": i18n.page_date(balance.statement_date),
        "rate": f"{balance.rate_bp / 100:.2f}".replace(".", "," if language == "id" else "."),
        "membership": w(f"status_{view.membership_status}")
        if view.membership_status in ("active", "inactive")
        else view.membership_status,
        "membership_since": i18n.page_date(view.membership_start),
        "history": history,
        "claims": claims,
        "other_kpjs": [
            {
                "kpj": other.kpj_masked,
                "status": w(f"status_{other.status}")
                if other.status in ("active", "inactive")
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
