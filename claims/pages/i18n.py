"""Words and formats of the pages: Bahasa Indonesia first, English on request (a `lang` query
parameter, remembered in a `lang` cookie). Dates are DD-MM-YYYY, money `Rp 80.000.000`, and
interview times in the branch's own zone (WIB, WITA, WIT)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import Request

from claims.casework.claim_fields import HEIR_RELATIONSHIPS, HeirRelationship
from claims.clock import WIB
from claims.pages.words_claim import WORDS as CLAIM_WORDS
from workflow.dates import format_date_id
from workflow.heirs import HEIR_RELATIONSHIP_LABELS as RELATIONSHIP_WORDS
from workflow.states import ClaimReason, ClaimStatus

Language = Literal["id", "en"]
LANG_COOKIE = "lang"
LANGUAGES: tuple[Language, ...] = ("id", "en")

ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
DAY_NAMES = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_PAGE_DATE = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$")


def requested_language(request: Request) -> Language | None:
    """The language named by `?lang=`, if it names one we speak."""
    asked = request.query_params.get("lang", "")
    if asked == "en":
        return "en"
    return "id" if asked == "id" else None


def page_language(request: Request) -> Language:
    """`?lang=` first, then the remembered cookie, else Bahasa Indonesia."""
    asked = requested_language(request)
    if asked is not None:
        return asked
    remembered = request.cookies.get(LANG_COOKIE, "")
    return "en" if remembered == "en" else "id"


def rupiah(amount: int) -> str:
    """Whole rupiah the way people write it: `Rp 80.000.000`."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


def page_date(day: date | None) -> str:
    return format_date_id(day) if day else ""


def parse_page_date(text: str) -> date | None:
    """DD-MM-YYYY (also with / or .), the form people know; None when it is not a date."""
    match = _PAGE_DATE.match(text or "")
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def zone_abbreviation(timezone: str) -> str:
    return ZONE_ABBREVIATIONS.get(timezone, timezone)


def local_time(moment: datetime, timezone: str, language: Language) -> str:
    """`Selasa, 17-11-2026 09:00 WITA`: the day, date and time where the branch is."""
    local = moment.astimezone(ZoneInfo(timezone))
    day = DAY_NAMES[language][local.weekday()]
    return f"{day}, {local:%d-%m-%Y %H:%M} {zone_abbreviation(timezone)}"


def local_span(starts: datetime, ends: datetime, timezone: str, language: Language) -> str:
    """`Selasa, 17-11-2026 09:00–09:30 WITA`: an interview slot where the branch is."""
    local_start = starts.astimezone(ZoneInfo(timezone))
    local_end = ends.astimezone(ZoneInfo(timezone))
    day = DAY_NAMES[language][local_start.weekday()]
    return f"{day}, {local_start:%d-%m-%Y %H:%M}–{local_end:%H:%M} {zone_abbreviation(timezone)}"


def wib_time(moment: datetime) -> str:
    return f"{moment.astimezone(WIB):%d-%m-%Y %H:%M} WIB"


def reason_label(reason: str, language: Language) -> str:
    try:
        kind = ClaimReason(reason)
    except ValueError:
        return reason
    return kind.label_en if language == "en" else kind.label_id


STATUS_LABELS: dict[ClaimStatus, tuple[str, str]] = {
    ClaimStatus.documents_pending: ("Melengkapi dokumen", "Completing documents"),
    ClaimStatus.under_review: ("Dokumen sedang diperiksa", "Documents under review"),
    ClaimStatus.revision_requested: ("Perlu perbaikan", "Revision requested"),
    ClaimStatus.interview_scheduled: ("Wawancara terjadwal", "Interview scheduled"),
    ClaimStatus.interview_missed: ("Wawancara terlewat", "Interview missed"),
    ClaimStatus.awaiting_approval: ("Menunggu persetujuan", "Awaiting approval"),
    ClaimStatus.approved: ("Disetujui, dana sedang ditransfer", "Approved, payment in progress"),
    ClaimStatus.payout_failed: ("Transfer gagal", "Transfer failed"),
    ClaimStatus.paid: ("Dibayar", "Paid"),
    ClaimStatus.rejected: ("Ditolak", "Rejected"),
    ClaimStatus.cancelled: ("Dibatalkan", "Cancelled"),
    ClaimStatus.expired: ("Kedaluwarsa", "Expired"),
}
DOCUMENT_STATUS_LABELS = {
    "missing": ("Belum diunggah", "Not uploaded yet"),
    "uploaded": ("Terunggah, menunggu pemeriksaan", "Uploaded, awaiting review"),
    "accepted": ("Diterima", "Accepted"),
    "rejected": ("Dikembalikan, unggah ulang", "Sent back, upload again"),
}
TRACKING_STATE_LABELS = {
    "in_progress": ("Sedang diproses", "In progress"),
    "action_required": ("Perlu tindakan Anda", "Your action is needed"),
    "completed": ("Selesai", "Completed"),
    "rejected": ("Ditolak", "Rejected"),
    "cancelled": ("Dibatalkan", "Cancelled"),
    "expired": ("Kedaluwarsa", "Expired"),
}
MISSING_DATA_LABELS = {
    "bank_account": ("Rekening bank", "Bank account"),
    "npwp_number": ("Nomor NPWP", "NPWP number"),
}
# One label for each of HEIR_RELATIONSHIPS (tests/unit/test_claim_fields.py checks), as the
# heir order of workflow.heirs names them for the officer too.
HEIR_RELATIONSHIP_LABELS: dict[HeirRelationship, tuple[str, str]] = {
    code: RELATIONSHIP_WORDS[code] for code in HEIR_RELATIONSHIPS
}


def status_label(status: str, language: Language) -> str:
    try:
        words = STATUS_LABELS[ClaimStatus(status)]
    except ValueError:
        return status
    return words[1] if language == "en" else words[0]


def pick(pair: tuple[str, str], language: Language) -> str:
    return pair[1] if language == "en" else pair[0]


# Interface text. Keys are short names used by the templates through `t("key")`.
TEXT: dict[str, tuple[str, str]] = {
    "site_name": ("Klaim JHT Online", "JHT Claims Online"),
    "skip": ("Langsung ke isi halaman", "Skip to content"),
    "nav_home": ("Beranda", "Home"),
    "nav_apply": ("Ajukan klaim", "Make a claim"),
    "nav_track": ("Lacak klaim", "Track a claim"),
    "nav_balance": ("Cek saldo", "Balance"),
    # Signing in (claims/pages/signin.py)
    "sign_in_title": ("Masuk sebagai peserta", "Sign in as a participant"),
    "sign_in_intro": (
        "Masuk untuk melihat saldo JHT Anda dan membuka klaim Anda dari perangkat mana pun. "
        "Isi data sesuai kartu peserta dan e-KTP. Kami mengirim kode 6 angka ke email dan nomor "
        "HP yang terdaftar di BPJS Ketenagakerjaan.",
        "Sign in to see your JHT balance and open your claims from any device. Fill in the "
        "details as on your membership card and e-KTP. We send a 6-digit code to the email "
        "and phone registered with BPJS Ketenagakerjaan.",
    ),
    "heir_sign_in_title": ("Masuk sebagai ahli waris", "Sign in as an heir"),
    "heir_sign_in_intro": (
        "Untuk ahli waris yang telah mengajukan klaim JHT karena peserta meninggal dunia: isi "
        "nomor referensi klaim serta NIK dan tanggal lahir Anda sendiri seperti pada klaim. "
        "Kode dikirim ke email dan nomor HP yang diisi pada klaim.",
        "For an heir who has made a JHT claim for a deceased participant: give the claim's "
        "reference and your own NIK and birth date as on the claim. The code goes to the email "
        "and phone given on the claim.",
    ),
    "claim_reference": ("Nomor referensi klaim", "Claim reference"),
    "heir_own_nik": ("NIK Anda (ahli waris, 16 angka)", "Your NIK (the heir's, 16 digits)"),
    "sign_in_submit": ("Kirim kode", "Send the code"),
    "heir_link": ("Ahli waris? Masuk di sini", "An heir? Sign in here"),
    "participant_link": ("Peserta? Masuk di sini", "A participant? Sign in here"),
    "code_title": ("Masukkan kode", "Enter the code"),
    "code_sent_to": ("Kami mengirim kode 6 angka ke:", "We sent a 6-digit code to:"),
    "code_intro": (
        "Kode berlaku 10 menit dan hanya sekali pakai. Setelah 5 kali salah, minta kode baru.",
        "The code is good for 10 minutes, once. After 5 wrong tries, ask for a new one.",
    ),
    "code": ("Kode 6 angka", "6-digit code"),
    "code_submit": ("Masuk", "Sign in"),
    "code_again": ("Tidak menerima kode? Minta kode baru", "No code? Ask for a new one"),
    "signed_out": ("Anda sudah keluar.", "You have signed out."),
    "sign_out": ("Keluar", "Sign out"),
    "error_prefix": ("Galat: ", "Error: "),
    "switch_language": ("English", "Bahasa Indonesia"),
    "language_name": ("Bahasa Indonesia", "English"),
    "footer": (
        "Layanan contoh klaim Jaminan Hari Tua. Data Anda dilindungi sesuai UU 27/2022.",
        "A sample Jaminan Hari Tua claims service. Your data is protected under Law 27/2022.",
    ),
    # home
    "home_title": ("Klaim Jaminan Hari Tua (JHT)", "Claim your Jaminan Hari Tua (JHT)"),
    "home_intro": (
        "JHT adalah tabungan hari tua Anda di BPJS Ketenagakerjaan: iuran 5,7% dari upah "
        "setiap bulan beserta hasil pengembangannya. Anda dapat mencairkannya saat pensiun, "
        "berhenti bekerja, habis kontrak, meninggalkan Indonesia, cacat total tetap, atau "
        "sebagian (10% atau 30%) setelah 10 tahun kepesertaan.",
        "JHT is your old-age savings at BPJS Ketenagakerjaan: 5.7% of your wage each month "
        "plus its returns. You can withdraw it when you retire, stop working, reach the end of "
        "a contract, leave Indonesia, become permanently disabled, or in part (10% or 30%) "
        "after 10 years of membership.",
    ),
    "home_steps_title": ("Cara mengajukan", "How it works"),
    "home_step1": (
        "Isi data diri sesuai kartu peserta dan e-KTP.",
        "Enter your details as on your participant card and e-KTP.",
    ),
    "home_step2": (
        "Unggah dokumen, isi rekening bank dan NPWP, lalu ajukan.",
        "Upload the documents, give your bank account and NPWP, then submit.",
    ),
    "home_step3": (
        "Ikuti wawancara video di jam kerja kantor cabang.",
        "Attend a video interview in the branch's office hours.",
    ),
    "home_step4": (
        "Dana dibayar ke rekening Anda dalam 5 hari kerja setelah lengkap.",
        "The money is paid to your account within 5 working days once complete.",
    ),
    "home_cta": ("Mulai pengajuan", "Start a claim"),
    "home_track": ("Sudah mengajukan? Lacak klaim Anda", "Already applied? Track your claim"),
    "home_simulation": ("Simulasi saldo JHT", "Simulate your JHT balance"),
    # apply
    "apply_title": ("Ajukan klaim JHT", "Make a JHT claim"),
    "apply_intro": (
        "Isi sesuai kartu peserta BPJS Ketenagakerjaan dan e-KTP. Semua isian wajib diisi.",
        "Fill in as on your BPJS Ketenagakerjaan card and e-KTP. Every field is required.",
    ),
    "identity": ("Data peserta", "Participant"),
    "kpj": ("Nomor KPJ (11 angka)", "KPJ number (11 digits)"),
    "nik": ("NIK (16 angka)", "NIK (16 digits)"),
    "full_name": ("Nama lengkap sesuai e-KTP", "Full name as on the e-KTP"),
    "birth_date": ("Tanggal lahir (DD-MM-YYYY)", "Birth date (DD-MM-YYYY)"),
    "date_hint": ("Contoh: 17-08-1985", "For example: 17-08-1985"),
    "contact": ("Kontak", "Contact"),
    "email": ("Email", "Email"),
    "phone": ("Nomor HP", "Mobile number"),
    "phone_hint": ("Contoh: 0812 3456 7890", "For example: 0812 3456 7890"),
    "branch": ("Kantor cabang untuk wawancara", "Branch office for the interview"),
    "choose": ("Pilih...", "Choose..."),
    "reason": ("Alasan klaim", "Reason for the claim"),
    "employment_end_date": (
        "Tanggal berhenti bekerja (DD-MM-YYYY, boleh kosong)",
        "Date your employment ended (DD-MM-YYYY, optional)",
    ),
    "employment_end_hint": (
        "Untuk mengundurkan diri, PHK dan habis kontrak. Kosongkan untuk memakai data kami.",
        "For resignation, termination and contract end. Leave empty to use our records.",
    ),
    "heir": ("Data ahli waris (hanya untuk klaim meninggal dunia)", "Heir (death claims only)"),
    "heir_intro": (
        "Untuk klaim meninggal dunia, data peserta di atas adalah data almarhum/almarhumah, "
        "dan data di bawah ini adalah data Anda sebagai ahli waris.",
        "For a death claim the participant above is the deceased, and the details below are "
        "yours, as the heir.",
    ),
    "heir_nik": ("NIK ahli waris", "Heir's NIK"),
    "heir_full_name": ("Nama lengkap ahli waris", "Heir's full name"),
    "heir_birth_date": ("Tanggal lahir ahli waris (DD-MM-YYYY)", "Heir's birth date (DD-MM-YYYY)"),
    "heir_relationship": ("Hubungan dengan peserta", "Relationship to the participant"),
    "apply_submit": ("Periksa dan buat klaim", "Check and create the claim"),
    "form_has_errors": (
        "Ada isian yang perlu diperbaiki. Lihat pesan di bawah setiap isian.",
        "Some fields need correcting. See the message under each field.",
    ),
    "required": ("Wajib diisi.", "Required."),
    "error_summary_title": ("Ada masalah", "There is a problem"),
    "bad_date": (
        "Tulis tanggal sebagai DD-MM-YYYY, misalnya 17-08-1985.",
        "Write the date as DD-MM-YYYY, for example 17-08-1985.",
    ),
    "bad_email": ("Alamat email tidak valid.", "The email address is not valid."),
    "bad_choice": ("Pilih salah satu dari daftar.", "Choose one from the list."),
    "not_eligible_title": ("Belum dapat mengajukan klaim", "You cannot claim yet"),
    "eligible_from": ("Anda dapat mengajukan klaim mulai {date}.", "You can claim from {date}."),
    # claim page
    "claim_title": ("Klaim {reference}", "Claim {reference}"),
    "status": ("Status", "Status"),
    "reason_short": ("Alasan", "Reason"),
    "participant": ("Peserta", "Participant"),
    "heir_short": ("Ahli waris", "Heir"),
    "checklist": ("Dokumen", "Documents"),
    "checklist_intro": (
        "Unggah setiap dokumen dalam bentuk PDF, JPEG atau PNG (maksimal 10 berkas, 10 MB per "
        "berkas). Beberapa berkas untuk satu dokumen digabung menjadi satu PDF sesuai urutan.",
        "Upload each document as PDF, JPEG or PNG (up to 10 files, 10 MB each). Several files "
        "for one document are merged into one PDF in the order given.",
    ),
    "required_doc": ("wajib", "required"),
    "optional_doc": ("tidak wajib", "optional"),
    "pages": ("{n} halaman", "{n} pages"),
    "files_for": ("Berkas untuk {label}", "Files for {label}"),
    "upload": ("Unggah", "Upload"),
    "upload_again": ("Unggah ulang", "Upload again"),
    "upload_done": ("Dokumen tersimpan: {n} halaman.", "Document saved: {n} pages."),
    "network_error": (
        "Koneksi terputus. Periksa internet Anda lalu coba lagi.",
        "The connection failed. Check your internet and try again.",
    ),
    "sent_back_because": ("Dikembalikan karena:", "Sent back because:"),
    "officer_note": ("Catatan petugas:", "Officer's note:"),
    "bank_account": ("Rekening bank", "Bank account"),
    "bank_intro": (
        "Dana hanya dibayar ke rekening atas nama penerima manfaat sendiri.",
        "The money is paid only to an account in the claimant's own name.",
    ),
    "bank_code": ("Bank", "Bank"),
    "account_number": ("Nomor rekening", "Account number"),
    "account_holder": ("Nama pemilik rekening", "Account holder"),
    "current_account": ("Rekening tersimpan:", "Saved account:"),
    "save": ("Simpan", "Save"),
    "saved": ("Tersimpan.", "Saved."),
    "npwp": ("NPWP", "NPWP (tax number)"),
    "npwp_label": ("Nomor NPWP (15 atau 16 angka)", "NPWP number (15 or 16 digits)"),
    "npwp_required": (
        "NPWP wajib untuk klaim ini. Tanpa NPWP pajak 20% lebih tinggi.",
        "An NPWP is required for this claim. Without one the tax is 20% higher.",
    ),
    "npwp_optional": (
        "NPWP tidak wajib, tetapi tanpa NPWP pajak 20% lebih tinggi.",
        "An NPWP is optional, but without one the tax is 20% higher.",
    ),
    "npwp_given": ("NPWP sudah tersimpan.", "The NPWP is saved."),
    "estimate": ("Perkiraan pembayaran", "Estimated payment"),
    "balance": ("Saldo JHT", "JHT balance"),
    "gross": ("Manfaat bruto", "Gross benefit"),
    "tax": ("Pajak (PPh 21 final)", "Tax (final PPh 21)"),
    "net": ("Diterima bersih", "Net amount"),
    "estimate_note": (
        "Perkiraan pada hari ini; jumlah akhir dihitung saat klaim disetujui.",
        "Estimated today; the final amount is worked out when the claim is approved.",
    ),
    "submit_title": ("Ajukan klaim", "Submit the claim"),
    "submit_intro": (
        "Setelah diajukan, petugas memeriksa dokumen Anda dan menjadwalkan wawancara.",
        "Once submitted, an officer checks your documents and books an interview.",
    ),
    "submit": ("Ajukan klaim sekarang", "Submit the claim now"),
    "missing_title": ("Masih kurang:", "Still missing:"),
    "interview": ("Wawancara video", "Video interview"),
    "interview_at": ("Jadwal:", "Time:"),
    "interview_link": ("Tautan wawancara:", "Interview link:"),
    "interview_missed_note": (
        "Anda tidak hadir pada wawancara. Pilih jadwal baru (hanya sekali).",
        "You missed the interview. Choose a new time (once only).",
    ),
    "rebook": ("Pilih jadwal lain", "Choose another time"),
    "slot": ("Jadwal yang tersedia", "Available times"),
    "rebook_submit": ("Pindahkan jadwal", "Move the interview"),
    "no_slots": ("Belum ada jadwal kosong.", "No free time yet."),
    "history": ("Riwayat", "History"),
    "cancel_title": ("Batalkan klaim", "Cancel the claim"),
    "cancel_intro": (
        "Klaim yang dibatalkan tidak dapat dilanjutkan; Anda dapat mengajukan klaim baru.",
        "A cancelled claim cannot be continued; you can start a new claim.",
    ),
    "cancel": ("Batalkan klaim ini", "Cancel this claim"),
    "not_editable": (
        "Data klaim tidak dapat diubah pada status ini.",
        "The claim cannot be changed in this status.",
    ),
    "done_created": (
        "Klaim Anda dibuat. Simpan nomor referensi ini. Halaman ini hanya dapat dibuka dari "
        "peramban ini.",
        "Your claim is created. Keep this reference. This page opens only in this browser.",
    ),
    "done_submitted": (
        "Klaim diajukan. Petugas akan memeriksa dokumen Anda.",
        "The claim is submitted. An officer will check your documents.",
    ),
    "done_rebooked": ("Jadwal wawancara dipindahkan.", "The interview was moved."),
    "done_cancelled": ("Klaim dibatalkan.", "The claim was cancelled."),
    # tracking
    "track_title": ("Lacak klaim", "Track a claim"),
    "track_intro": (
        "Masukkan nomor KPJ untuk melihat tahap klaim. Tidak ada data pribadi yang ditampilkan.",
        "Enter a KPJ number to see the claim's step. No personal data is shown.",
    ),
    "track_submit": ("Lacak", "Track"),
    "track_none": ("Tidak ada klaim untuk KPJ ini.", "There is no claim for this KPJ."),
    "reference": ("Referensi", "Reference"),
    "updated_on": ("Perubahan terakhir", "Last change"),
    "next_step": ("Langkah berikutnya", "Next step"),
    "current_step": ("tahap saat ini", "current step"),
    "step_done": ("selesai", "done"),
    "step_todo": ("belum", "not yet"),
    "steps_label": ("Tahap klaim", "Claim steps"),
    # errors
    "error_title": ("Halaman tidak dapat dibuka", "The page cannot be opened"),
    "claim_not_open": (
        "Klaim ini hanya dapat dibuka dari peramban yang dipakai untuk mengajukannya. "
        "Anda tetap dapat melacak tahap klaim dengan nomor KPJ.",
        "This claim opens only in the browser it was made in. You can still track its "
        "step with the KPJ number.",
    ),
    "csrf_failed": (
        "Formulir sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi.",
        "The form has expired. Reload the page and send it again.",
    ),
    "reload": ("Muat ulang halaman", "Reload the page"),
    "back_home": ("Kembali ke beranda", "Back to the home page"),
}
TEXT.update(CLAIM_WORDS)


def translate(key: str, language: Language, **values: object) -> str:
    pair = TEXT.get(key)
    if pair is None:
        return key
    text = pick(pair, language)
    return text.format(**values) if values else text
