"""The mails' words come from the catalogues (issue 18, item 8): every template renders in
Bahasa Indonesia and English with its values filled in and no key or placeholder left over,
dates and times are written each language's way for every day and month, and the keys used
through a table are seen by the extraction (so `python3 tasks.py messages` and the catalogue
test know them)."""

from __future__ import annotations

from typing import Any

import pytest

from claims.catalogue_tools import used_keys
from claims.catalogues import LANGUAGES, Language, message
from claims.notifications.templates import (
    BANK_REASONS,
    CANCEL_REASONS,
    DAYS,
    INTERVIEW_HEADS,
    MONTHS,
    NOT_SENT_REASONS,
    TEMPLATES,
    local_date,
    local_time,
    render,
)

PUBLIC_URL = "https://jht.example"
REFERENCE = "JHT-2026-000001"
INTERVIEW = {
    "starts_at": "2026-11-23T03:00:00+00:00",
    "timezone": "Asia/Jakarta",
    "branch_code": "JKT-01",
    "branch_name": "Jakarta Salemba",
    "video_url": "https://meet.example/abc",
}
PARAMS: dict[str, dict[str, Any]] = {
    "claim_submitted": {"review_days": 5, "due_on": "2026-11-30"},
    "revision_requested": {"items": [{"doc_type": "ktp", "reason_code": "", "note": "blur"}]},
    "interview_booked": INTERVIEW,
    "interview_rebooked": INTERVIEW,
    "reminder_24h": INTERVIEW,
    "reminder_1h": INTERVIEW,
    "approved": {"gross": 80_000_000, "tax": 1_500_000, "net": 78_500_000},
    "paid": {"net": 100, "reference": "X-P1", "bank_code": "014", "account_number_masked": "**90"},
    "payout_failed": {"reason": "name_mismatch"},
    "rejected": {"reason_code": "", "note": "see the letter"},
    "cancelled": {"reason": "interview_not_rebooked"},
    "expiry_warning": {"expires_on": "2026-12-16"},
    "withdrawn_deceased": {"documents": ["akta_kematian"]},
    "sign_in_code": {"code": "123456", "minutes": 10},
}
# A phrase of each template's own words, in each language.
PHRASES: dict[str, tuple[str, str]] = {
    "claim_created": ("telah dibuat dengan nomor referensi", "has been created with reference"),
    "claim_submitted": ("5 hari kerja (paling lambat 30 November 2026).", "(by 30 November 2026)."),
    "revision_requested": ("perlu diperbaiki:", "need to be corrected:"),
    "interview_booked": ("Waktu: Senin, 23 November 2026 pukul 10.00 WIB", "at 10:00 WIB"),
    "interview_rebooked": ("dipindahkan ke:", "has been moved to:"),
    "reminder_24h": ("dalam 24 jam:", "within 24 hours:"),
    "reminder_1h": ("dimulai dalam 1 jam:", "starts in 1 hour:"),
    "interview_missed": ("Pilih jadwal baru", "Choose a new time"),
    "approved": ("Pajak (PPh 21): Rp 1.500.000", "Amount to be paid: Rp 78.500.000"),
    "paid": ("Rp 100 telah ditransfer ke rekening 014 **90.", "Payout reference: X-P1"),
    "payout_failed": ("Nama pemilik rekening tidak sesuai", "holder's name does not match"),
    "rejected": ("Alasan: see the letter", "Reason: see the letter"),
    "cancelled": ("tidak dijadwalkan ulang dalam 5 hari kerja", "was not rebooked within 5"),
    "expiry_warning": ("kedaluwarsa pada 16 Desember 2026.", "expires on 16 December 2026."),
    "expired": ("tidak dilengkapi", "was not completed"),
    "withdrawn_deceased": ("Kami turut berduka cita.", "Please accept our condolences."),
    "sign_in_code": ("Kode masuk Anda: 123456", "Your sign-in code: 123456"),
}
SIGNATURE = {
    "id": "Salam,\nBPJS Ketenagakerjaan - Layanan Klaim JHT Online\n",
    "en": "Regards,\nBPJS Ketenagakerjaan - Online JHT Claims\n",
}


def test_every_template_has_a_phrase_in_each_language() -> None:
    assert set(PHRASES) == set(TEMPLATES)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_each_template_speaks_its_language(template: str, language: Language) -> None:
    for params in (PARAMS.get(template, {}), {}):
        mail = render(template, language, REFERENCE, params, "claim-1", public_url=PUBLIC_URL)
        text = mail.subject + mail.body
        assert "{" not in text and "}" not in text and "mail." not in text
        assert mail.body.endswith("\n\n" + SIGNATURE[language])
    phrase = PHRASES[template][LANGUAGES.index(language)]
    full = render(template, language, REFERENCE, PARAMS.get(template), "c", public_url=PUBLIC_URL)
    assert phrase in full.body


def test_a_whole_mail_in_both_languages() -> None:
    # The layout itself: paragraphs, bullets, link line and signature, byte for byte.
    params = PARAMS["claim_submitted"]
    indonesian = render("claim_submitted", "id", "R-1", params, "c-1", public_url=PUBLIC_URL)
    english = render("claim_submitted", "en", "R-1", params, "c-1", public_url=PUBLIC_URL)
    assert indonesian.subject == "Klaim R-1 telah dikirim"
    assert indonesian.body == (
        "Klaim JHT Anda dengan nomor referensi R-1 telah kami terima.\n\n"
        "Apa yang terjadi selanjutnya:\n\n"
        "- Petugas memeriksa dokumen Anda dalam 5 hari kerja (paling lambat 30 November 2026).\n\n"
        "- Setelah dokumen diterima, Anda mengikuti wawancara video pada jadwal yang dapat Anda "
        "pilih.\n\n"
        "- Setelah klaim disetujui, dana dikirim ke rekening Anda dalam 5 hari kerja.\n\n"
        "Lihat klaim Anda: https://jht.example/claims/c-1\n\n" + SIGNATURE["id"]
    )
    assert english.subject == "Claim R-1 has been sent"
    assert english.body == (
        "We have received your JHT claim, reference R-1.\n\n"
        "What happens next:\n\n"
        "- An officer checks your documents within 5 working days (by 30 November 2026).\n\n"
        "- Once the documents are accepted, you have a video interview at a time you can "
        "choose.\n\n"
        "- Once the claim is approved, the money is sent to your account within 5 working "
        "days.\n\n"
        "See your claim: https://jht.example/claims/c-1\n\n" + SIGNATURE["en"]
    )


MONTH_NAMES = {
    "id": "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember",
    "en": "January February March April May June July August September October November December",
}
DAY_NAMES = {
    "id": "Senin Selasa Rabu Kamis Jumat Sabtu Minggu",
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_month_and_day_is_named(language: Language) -> None:
    months = [local_date(f"2026-{month:02d}-05", language) for month in range(1, 13)]
    assert months == [f"5 {name} 2026" for name in MONTH_NAMES[language].split()]
    # 2 to 8 November 2026 is Monday to Sunday; 14.30 UTC is 23.30 in Jayapura (WIT).
    days = [
        local_time(f"2026-11-{day:02d}T14:30:00+00:00", "Asia/Jayapura", language)
        for day in range(2, 9)
    ]
    at, clock = ("pukul", "23.30") if language == "id" else ("at", "23:30")
    assert days == [
        f"{name}, {day} November 2026 {at} {clock} WIT"
        for day, name in zip(range(2, 9), DAY_NAMES[language].split(), strict=True)
    ]


def test_keys_used_through_tables_are_extracted() -> None:
    tables = [
        *DAYS,
        *MONTHS.values(),
        *CANCEL_REASONS.values(),
        *BANK_REASONS.values(),
        *NOT_SENT_REASONS.values(),
        *(key for head in INTERVIEW_HEADS.values() for key in head),
    ]
    used = used_keys()
    assert set(tables) <= set(used)
    assert {"mail.signature", "mail.link_line", "mail.time", "mail.date"} <= set(used)
    assert all(message(key, "id") != message(key, "en") for key in CANCEL_REASONS.values())
