"""Public tracking's answer: the five steps of each claim of a KPJ, in the applicant's
language, built as its JSON document straight from the read model's rows (the hottest public
route: no model validation on the way out)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from claims.casework import schemas
from claims.casework.facts import wib_date
from claims.db import Database
from claims.repositories.tracking import TrackedClaim, TrackedInterview, tracked_claims
from workflow.states import TRACKER_STEP, WAITING_ON, ClaimStatus

Language = str  # "id" or "en"

STEP_LABELS = {
    1: ("Pengajuan klaim", "Claim submission"),
    2: ("Verifikasi dokumen", "Document verification"),
    3: ("Wawancara", "Interview"),
    4: ("Persetujuan", "Approval"),
    5: ("Pembayaran", "Payment"),
}
NEXT_STEPS = {
    ClaimStatus.documents_pending: (
        "Lengkapi dokumen, rekening bank dan NPWP, lalu ajukan klaim.",
        "Upload the documents, give the bank account and NPWP, then submit the claim.",
    ),
    ClaimStatus.under_review: (
        "Petugas sedang memeriksa dokumen Anda.",
        "An officer is checking your documents.",
    ),
    ClaimStatus.revision_requested: (
        "Perbaiki dokumen yang dikembalikan, lalu ajukan kembali.",
        "Correct the documents that were sent back, then submit again.",
    ),
    ClaimStatus.interview_scheduled: (
        "Ikuti wawancara sesuai jadwal, atau pilih waktu lain di halaman klaim.",
        "Attend the interview at the booked time, or choose another on the claim page.",
    ),
    ClaimStatus.interview_missed: (
        "Anda tidak hadir wawancara; pilih jadwal baru.",
        "You missed the interview; choose a new time.",
    ),
    ClaimStatus.awaiting_approval: (
        "Klaim menunggu persetujuan petugas.",
        "The claim is waiting for approval.",
    ),
    ClaimStatus.approved: (
        "Dana sedang ditransfer ke rekening Anda.",
        "The money is being transferred to your account.",
    ),
    ClaimStatus.payout_failed: (
        "Transfer ditolak bank; masukkan rekening lain atas nama Anda.",
        "The bank refused the transfer; give another account in your name.",
    ),
    ClaimStatus.paid: ("Selesai: dana telah ditransfer.", "Done: the money has been transferred."),
    ClaimStatus.rejected: (
        "Klaim ditolak. Lihat alasan pada halaman klaim.",
        "The claim was rejected; see the reason on the claim page.",
    ),
    # A stopped claim says how to start again (the SMS reply carries these too: one SMS).
    ClaimStatus.cancelled: (
        "Klaim dibatalkan. Untuk mengajukan lagi, buat klaim baru di /apply.",
        "The claim was cancelled. To apply again, start a new claim at /apply.",
    ),
    ClaimStatus.expired: (
        "Klaim kedaluwarsa karena tidak dilengkapi. Ajukan klaim baru di /apply.",
        "The claim expired unfinished. To apply again, start a new claim at /apply.",
    ),
}
FINAL_STATE = {
    ClaimStatus.paid: "completed",
    ClaimStatus.rejected: "rejected",
    ClaimStatus.cancelled: "cancelled",
    ClaimStatus.expired: "expired",
}
STOPPED_LABEL = {
    "rejected": ("Ditolak", "Rejected"),
    "cancelled": ("Dibatalkan", "Cancelled"),
    "expired": ("Kedaluwarsa", "Expired"),
}


def tracking_state(status: ClaimStatus) -> str:
    if status in FINAL_STATE:
        return FINAL_STATE[status]
    return "action_required" if WAITING_ON.get(status) == "applicant" else "in_progress"


def interview_document(interview: TrackedInterview | None) -> dict[str, str] | None:
    """The booked interview's time in the branch's own zone (its offset says WIB, WITA or
    WIT): not personal, so tracking may show it."""
    if interview is None:
        return None
    zone = ZoneInfo(interview.timezone)
    return {
        "starts_at": interview.starts_at.astimezone(zone).isoformat(),
        "ends_at": interview.ends_at.astimezone(zone).isoformat(),
        "timezone": interview.timezone,
    }


def tracking_document(
    tracked: Iterable[TrackedClaim], kpj: str, language: Language
) -> dict[str, Any]:
    """The JSON document of `schemas.TrackingView`: the five steps of each claim of a KPJ,
    newest first; nothing personal."""
    choice = 1 if language == "en" else 0
    claims = []
    for reference, reason, status, updated_at, interview in tracked:
        step = TRACKER_STEP.get(status)
        state = tracking_state(status)
        label = STEP_LABELS[step][choice] if step is not None else STOPPED_LABEL[state][choice]
        claims.append(
            {
                "reference": reference,
                "reason": reason,
                "step": step,
                "step_label": label,
                "state": state,
                "updated_on": wib_date(updated_at).isoformat(),
                "next_step": NEXT_STEPS[status][choice],
                "interview": interview_document(interview),
            }
        )
    return {"kpj": kpj, "claims": claims}


def tracking_view(db: Database, kpj: str, language: Language) -> schemas.TrackingView:
    """`tracking_document` as the model (for the pages)."""
    document = tracking_document(tracked_claims(db, kpj), kpj, language)
    return schemas.TrackingView.model_validate(document)
