"""Reason codes an officer uses to send a claim back or reject it, each with the plain-language
explanation the applicant reads, in Bahasa Indonesia and English."""

from __future__ import annotations

from enum import StrEnum


class ReasonCode(StrEnum):
    document_unreadable = "document_unreadable"
    document_wrong_type = "document_wrong_type"
    document_expired = "document_expired"
    name_mismatch = "name_mismatch"
    birth_date_mismatch = "birth_date_mismatch"
    nik_mismatch = "nik_mismatch"
    bank_account_not_own = "bank_account_not_own"
    membership_still_active = "membership_still_active"
    waiting_period_not_over = "waiting_period_not_over"
    partial_requirements_not_met = "partial_requirements_not_met"
    identity_not_confirmed_in_interview = "identity_not_confirmed_in_interview"
    suspected_fraud = "suspected_fraud"
    other = "other"

    @property
    def explanation_id(self) -> str:
        return _EXPLANATIONS[self][0]

    @property
    def explanation_en(self) -> str:
        return _EXPLANATIONS[self][1]

    @property
    def needs_note(self) -> bool:
        """`other` says nothing by itself, so the officer must write a note."""
        return self is ReasonCode.other


def parse_reason_code(value: str) -> ReasonCode | None:
    """The ReasonCode named by `value`, or None when it names none."""
    try:
        return ReasonCode(value)
    except ValueError:
        return None


_EXPLANATIONS: dict[ReasonCode, tuple[str, str]] = {
    ReasonCode.document_unreadable: (
        "Dokumen tidak dapat dibaca. Unggah ulang hasil pindaian atau foto yang jelas dan utuh.",
        "The document cannot be read. Please upload a clear, complete scan or photo.",
    ),
    ReasonCode.document_wrong_type: (
        "Dokumen yang diunggah bukan dokumen yang diminta. Unggah dokumen yang sesuai.",
        "The file uploaded is not the document asked for. Please upload the right document.",
    ),
    ReasonCode.document_expired: (
        "Dokumen sudah tidak berlaku. Unggah dokumen yang masih berlaku.",
        "The document is no longer valid. Please upload one that is still valid.",
    ),
    ReasonCode.name_mismatch: (
        "Nama pada dokumen tidak sama dengan nama peserta yang terdaftar.",
        "The name on the document does not match the participant's registered name.",
    ),
    ReasonCode.birth_date_mismatch: (
        "Tanggal lahir pada dokumen tidak sama dengan data peserta.",
        "The birth date on the document does not match the participant's records.",
    ),
    ReasonCode.nik_mismatch: (
        "NIK pada dokumen tidak sama dengan NIK peserta.",
        "The NIK on the document does not match the participant's NIK.",
    ),
    ReasonCode.bank_account_not_own: (
        "Rekening bank harus atas nama Anda sendiri (atau ahli waris untuk klaim meninggal dunia).",
        "The bank account must be in your own name (or the heir's, for a death claim).",
    ),
    ReasonCode.membership_still_active: (
        "Kepesertaan Anda masih aktif. Klaim dapat diajukan setelah pemberi kerja "
        "menonaktifkan kepesertaan.",
        "Your membership is still active. You can claim once your employer has ended it.",
    ),
    ReasonCode.waiting_period_not_over: (
        "Masa tunggu sejak berhenti bekerja belum selesai.",
        "The waiting period since your employment ended is not over yet.",
    ),
    ReasonCode.partial_requirements_not_met: (
        "Syarat klaim sebagian belum terpenuhi: kepesertaan minimal 10 tahun dan belum pernah "
        "mengambil klaim sebagian.",
        "The partial claim requirements are not met: at least 10 years of membership and "
        "no earlier partial claim.",
    ),
    ReasonCode.identity_not_confirmed_in_interview: (
        "Identitas Anda tidak dapat dipastikan dalam wawancara.",
        "Your identity could not be confirmed in the interview.",
    ),
    ReasonCode.suspected_fraud: (
        "Klaim ditolak karena ada indikasi kecurangan. Hubungi kantor cabang untuk keterangan.",
        "The claim was refused because of signs of fraud. Please contact the branch office.",
    ),
    ReasonCode.other: (
        "Lihat catatan petugas untuk keterangan.",
        "See the officer's note for details.",
    ),
}
