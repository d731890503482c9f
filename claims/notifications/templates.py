"""The applicant's messages, in Bahasa Indonesia (`id`) and English (`en`), by template name.

A template is rendered from the outbox payload (claims.notifications_outbox): the claim's
`reference`, `language`, the `claim_id` (for the link to `<JHT_PUBLIC_URL>/claims/{id}`: every
link in a message is absolute, built when it is rendered) and `params`. The params
each template reads (missing ones render as blanks, never as an error):

| template | params |
|---|---|
| claim_created | - |
| revision_requested | items: [{doc_type, reason_code, note}] |
| interview_booked, interview_rebooked, reminder_24h, reminder_1h | starts_at, ends_at (ISO 8601), timezone (IANA, e.g. Asia/Jakarta), branch_code, branch_name, video_url |
| interview_missed | - |
| approved | gross, tax, net, reference (the payout's) |
| paid | net, reference (payout), bank_code, account_number_masked |
| payout_failed | reference (payout), reason (bank reason code, e.g. account_closed, or bank_account_not_own when the bank names another holder), note |
| rejected | reason_code, note |
| cancelled | reason (optional: interview_missed_twice, interview_not_rebooked, ...) |
| expiry_warning | expires_on (YYYY-MM-DD), days_left (optional) |
| expired | - |
| withdrawn_deceased | documents: [doc_type] (what a death claim asks for) |
| sign_in_code | code, minutes (a participant's or heir's one-time sign-in code; no claim link) |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from workflow.reason_codes import parse_reason_code
from workflow.rules import DocumentType

Params = Mapping[str, Any]

ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
DAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {
    "id": [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
CANCEL_REASONS = {
    "interview_missed_twice": (
        "Anda dua kali tidak hadir pada jadwal wawancara.",
        "You missed the interview twice.",
    ),
    "interview_not_rebooked": (
        "Wawancara yang terlewat tidak dijadwalkan ulang dalam 5 hari kerja.",
        "The missed interview was not rebooked within 5 working days.",
    ),
}
BANK_REASONS = {
    "account_closed": ("Rekening bank sudah ditutup.", "The bank account is closed."),
    "name_mismatch": (
        "Nama pemilik rekening tidak sesuai dengan data bank.",
        "The account holder's name does not match the bank's records.",
    ),
    "account_not_found": ("Nomor rekening tidak ditemukan.", "The account number does not exist."),
}
# Failures found before any transfer was sent (the bank's account-name inquiry): the bank
# refused nothing, so the message says what it reported instead.
NOT_SENT_REASONS = {
    "bank_account_not_own": (
        "Menurut bank, rekening yang Anda berikan bukan atas nama Anda. Tidak ada dana yang "
        "dikirim ke rekening tersebut.",
        "According to the bank, the account you gave is not in your name. No money was sent to it.",
    ),
}


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


class UnknownTemplate(KeyError):
    pass


def language_of(value: object) -> str:
    return "en" if value == "en" else "id"


def rupiah(amount: object) -> str:
    try:
        value = int(str(amount))
    except ValueError:
        return str(amount)
    return "Rp " + f"{value:,}".replace(",", ".")


def _pick(language: str, pair: tuple[str, str]) -> str:
    return pair[0] if language == "id" else pair[1]


def zoned(moment_text: object, zone_name: object) -> tuple[datetime, str] | None:
    """The moment in the time zone `zone_name` and that zone's name as Indonesians say it
    (WIB, WITA, WIT); None when either cannot be read."""
    try:
        moment = datetime.fromisoformat(str(moment_text))
        zone = ZoneInfo(str(zone_name or "Asia/Jakarta"))
    except (ValueError, KeyError):
        return None
    local = moment.astimezone(zone)
    return local, ZONE_NAMES.get(str(zone_name), local.strftime("UTC%z"))


def local_time(moment_text: object, zone_name: object, language: str) -> str:
    """'Senin, 23 November 2026 pukul 10.00 WIB' / 'Monday, 23 November 2026 at 10:00 WIB'."""
    found = zoned(moment_text, zone_name)
    if found is None:
        return str(moment_text)
    local, label = found
    day = f"{DAYS[language][local.weekday()]}, {local.day} {MONTHS[language][local.month - 1]}"
    if language == "id":
        return f"{day} {local.year} pukul {local:%H.%M} {label}"
    return f"{day} {local.year} at {local:%H:%M} {label}"


def local_date(day_text: object, language: str) -> str:
    try:
        day = date.fromisoformat(str(day_text))
    except ValueError:
        return str(day_text)
    return f"{day.day} {MONTHS[language][day.month - 1]} {day.year}"


def reason_text(code: object, note: object, language: str) -> str:
    reason = parse_reason_code(str(code or ""))
    text = (
        (reason.explanation_id if language == "id" else reason.explanation_en)
        if reason
        else str(code or "")
    )
    extra = str(note or "").strip()
    return f"{text} ({extra})" if extra and text else (text or extra)


def document_label(doc_type: object, language: str) -> str:
    try:
        kind = DocumentType(str(doc_type))
    except ValueError:
        return str(doc_type)
    return kind.label_id if language == "id" else kind.label_en


@dataclass(frozen=True)
class Context:
    language: str
    reference: str
    claim_link: str
    params: Params

    def get(self, name: str) -> Any:
        return self.params.get(name, "")

    def t(self, id_text: str, en_text: str) -> str:
        return id_text if self.language == "id" else en_text

    def link_line(self) -> str:
        return self.t(f"Lihat klaim Anda: {self.claim_link}", f"See your claim: {self.claim_link}")


def _claim_created(c: Context) -> tuple[str, list[str]]:
    return c.t(
        f"Klaim JHT {c.reference} telah dibuat", f"JHT claim {c.reference} has been created"
    ), [
        c.t(
            f"Klaim JHT Anda telah dibuat dengan nomor referensi {c.reference}.",
            f"Your JHT claim has been created with reference {c.reference}.",
        ),
        c.t(
            "Langkah berikutnya: isi rekening bank dan NPWP (bila diperlukan), unggah "
            "dokumen, lalu ajukan klaim.",
            "Next: give your bank account and NPWP (if needed), upload your documents, "
            "then submit the claim.",
        ),
        c.link_line(),
    ]


def _claim_submitted(c: Context) -> tuple[str, list[str]]:
    days = c.get("review_days") or 5
    due = local_date(c.get("due_on"), c.language) if c.get("due_on") else ""
    by = c.t(f" (paling lambat {due})", f" (by {due})") if due else ""
    return c.t(f"Klaim {c.reference} telah dikirim", f"Claim {c.reference} has been sent"), [
        c.t(
            f"Klaim JHT Anda dengan nomor referensi {c.reference} telah kami terima.",
            f"We have received your JHT claim, reference {c.reference}.",
        ),
        c.t("Apa yang terjadi selanjutnya:", "What happens next:"),
        c.t(
            f"- Petugas memeriksa dokumen Anda dalam {days} hari kerja{by}.",
            f"- An officer checks your documents within {days} working days{by}.",
        ),
        c.t(
            "- Setelah dokumen diterima, Anda mengikuti wawancara video pada jadwal yang dapat "
            "Anda pilih.",
            "- Once the documents are accepted, you have a video interview at a time you can "
            "choose.",
        ),
        c.t(
            f"- Setelah klaim disetujui, dana dikirim ke rekening Anda dalam {days} hari kerja.",
            f"- Once the claim is approved, the money is sent to your account within {days} "
            "working days.",
        ),
        c.link_line(),
    ]


def _revision_requested(c: Context) -> tuple[str, list[str]]:
    items = c.params.get("items") or []
    lines = [
        c.t(
            f"Beberapa dokumen atau data klaim {c.reference} perlu diperbaiki:",
            f"Some documents or data of claim {c.reference} need to be corrected:",
        )
    ]
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping):
            label = document_label(item.get("doc_type"), c.language)
            why = reason_text(item.get("reason_code"), item.get("note"), c.language)
            lines.append(f"- {label}: {why}")
    lines.append(
        c.t(
            "Perbaiki lalu ajukan kembali dalam 30 hari.",
            "Please correct them and submit again within 30 days.",
        )
    )
    lines.append(c.link_line())
    return c.t(
        f"Klaim {c.reference}: perbaikan diperlukan", f"Claim {c.reference}: corrections needed"
    ), lines


def _interview_lines(c: Context) -> list[str]:
    when = local_time(c.get("starts_at"), c.get("timezone"), c.language)
    branch = c.get("branch_name") or c.get("branch_code")
    return [
        c.t(f"Waktu: {when}", f"Time: {when}"),
        c.t(f"Kantor cabang: {branch}", f"Branch: {branch}"),
        c.t(f"Tautan video: {c.get('video_url')}", f"Video link: {c.get('video_url')}"),
    ]


def _interview(kind: str) -> Callable[[Context], tuple[str, list[str]]]:
    heads = {
        "interview_booked": (
            ("Jadwal wawancara klaim {r}", "Interview booked for claim {r}"),
            (
                "Dokumen Anda telah diterima. Wawancara video Anda dijadwalkan:",
                "Your documents were accepted. Your video interview is booked:",
            ),
        ),
        "interview_rebooked": (
            ("Jadwal wawancara klaim {r} diubah", "Interview for claim {r} rebooked"),
            ("Wawancara video Anda dipindahkan ke:", "Your video interview has been moved to:"),
        ),
        "reminder_24h": (
            ("Pengingat: wawancara klaim {r} besok", "Reminder: claim {r} interview tomorrow"),
            ("Wawancara video Anda dalam 24 jam:", "Your video interview is within 24 hours:"),
        ),
        "reminder_1h": (
            (
                "Pengingat: wawancara klaim {r} 1 jam lagi",
                "Reminder: claim {r} interview in 1 hour",
            ),
            ("Wawancara video Anda dimulai dalam 1 jam:", "Your video interview starts in 1 hour:"),
        ),
    }
    subject, head = heads[kind]

    def render(c: Context) -> tuple[str, list[str]]:
        return _pick(c.language, subject).format(r=c.reference), [
            _pick(c.language, head),
            *_interview_lines(c),
            c.t(
                "Siapkan KTP asli Anda. Jadwal dapat diubah dari halaman klaim.",
                "Have your original KTP ready. You can rebook from the claim page.",
            ),
            c.link_line(),
        ]

    return render


def _interview_missed(c: Context) -> tuple[str, list[str]]:
    return c.t(
        f"Wawancara klaim {c.reference} terlewat", f"Claim {c.reference}: interview missed"
    ), [
        c.t(
            "Anda tidak hadir pada jadwal wawancara. Pilih jadwal baru dalam 5 hari kerja; "
            "bila tidak, klaim dibatalkan.",
            "You did not attend the interview. Choose a new time within 5 working days, "
            "or the claim will be cancelled.",
        ),
        c.link_line(),
    ]


def _approved(c: Context) -> tuple[str, list[str]]:
    return c.t(f"Klaim {c.reference} disetujui", f"Claim {c.reference} approved"), [
        c.t("Klaim JHT Anda telah disetujui.", "Your JHT claim has been approved."),
        c.t(f"Jumlah bruto: {rupiah(c.get('gross'))}", f"Gross amount: {rupiah(c.get('gross'))}"),
        c.t(f"Pajak (PPh 21): {rupiah(c.get('tax'))}", f"Income tax: {rupiah(c.get('tax'))}"),
        c.t(
            f"Jumlah yang dibayarkan: {rupiah(c.get('net'))}",
            f"Amount to be paid: {rupiah(c.get('net'))}",
        ),
        c.t(
            "Dana sedang ditransfer ke rekening Anda.",
            "The money is being transferred to your account.",
        ),
        c.link_line(),
    ]


def _paid(c: Context) -> tuple[str, list[str]]:
    account = f"{c.get('bank_code')} {c.get('account_number_masked')}".strip()
    return c.t(f"Klaim {c.reference} telah dibayar", f"Claim {c.reference} has been paid"), [
        c.t(
            f"{rupiah(c.get('net'))} telah ditransfer ke rekening {account}.",
            f"{rupiah(c.get('net'))} has been transferred to account {account}.",
        ),
        c.t(
            f"Referensi pembayaran: {c.get('reference')}", f"Payout reference: {c.get('reference')}"
        ),
        c.link_line(),
    ]


def _payout_failed(c: Context) -> tuple[str, list[str]]:
    code = str(c.get("reason"))
    if code in NOT_SENT_REASONS:
        what = _pick(c.language, NOT_SENT_REASONS[code])
    else:
        why = _pick(c.language, BANK_REASONS[code]) if code in BANK_REASONS else code
        what = c.t(
            f"Bank menolak transfer pembayaran klaim Anda: {why}",
            f"The bank refused the transfer of your claim's payout: {why}",
        )
    return c.t(f"Pembayaran klaim {c.reference} gagal", f"Payout of claim {c.reference} failed"), [
        what,
        c.t(
            "Masukkan rekening bank lain atas nama Anda sendiri di halaman klaim; "
            "pembayaran akan dikirim ulang.",
            "Give another bank account in your own name on the claim page; the payout will "
            "be sent again.",
        ),
        c.link_line(),
    ]


def _rejected(c: Context) -> tuple[str, list[str]]:
    return c.t(f"Klaim {c.reference} ditolak", f"Claim {c.reference} rejected"), [
        c.t("Mohon maaf, klaim JHT Anda ditolak.", "We are sorry: your JHT claim was rejected."),
        c.t(
            f"Alasan: {reason_text(c.get('reason_code'), c.get('note'), c.language)}",
            f"Reason: {reason_text(c.get('reason_code'), c.get('note'), c.language)}",
        ),
        c.link_line(),
    ]


def _cancelled(c: Context) -> tuple[str, list[str]]:
    code = str(c.get("reason"))
    lines = [c.t(f"Klaim {c.reference} telah dibatalkan.", f"Claim {c.reference} was cancelled.")]
    if code in CANCEL_REASONS:
        lines.append(_pick(c.language, CANCEL_REASONS[code]))
    lines.append(
        c.t(
            "Anda dapat mengajukan klaim baru kapan saja.",
            "You may make a new claim at any time.",
        )
    )
    lines.append(c.link_line())
    return c.t(f"Klaim {c.reference} dibatalkan", f"Claim {c.reference} cancelled"), lines


def _expiry_warning(c: Context) -> tuple[str, list[str]]:
    when = local_date(c.get("expires_on"), c.language)
    return c.t(
        f"Klaim {c.reference} akan kedaluwarsa", f"Claim {c.reference} is about to expire"
    ), [
        c.t(
            f"Klaim Anda belum dilengkapi. Bila tidak ada kegiatan, klaim kedaluwarsa pada {when}.",
            f"Your claim is not complete. Without any activity it expires on {when}.",
        ),
        c.link_line(),
    ]


def _expired(c: Context) -> tuple[str, list[str]]:
    return c.t(f"Klaim {c.reference} kedaluwarsa", f"Claim {c.reference} expired"), [
        c.t(
            "Klaim Anda kedaluwarsa karena tidak dilengkapi. Anda dapat mengajukan klaim baru.",
            "Your claim expired because it was not completed. You may make a new claim.",
        )
    ]


def _withdrawn_deceased(c: Context) -> tuple[str, list[str]]:
    # Read by a family in mourning, or by a participant the registry got wrong: it says what
    # happened and what the heirs can do, and how to correct a mistake, without pressing.
    documents = c.params.get("documents") or []
    return c.t(f"Klaim {c.reference} ditutup", f"Claim {c.reference} has been closed"), [
        c.t(
            "Kami turut berduka cita. Menurut data kepesertaan BPJS Ketenagakerjaan, peserta "
            f"klaim JHT {c.reference} telah meninggal dunia, sehingga klaim ini kami tutup.",
            "Please accept our condolences. The BPJS Ketenagakerjaan membership records show "
            f"that the participant of JHT claim {c.reference} has passed away, so we have "
            "closed this claim.",
        ),
        c.t(
            "Tidak ada dana yang dibayarkan dari klaim ini. Saldo JHT peserta tetap tersimpan "
            "untuk ahli warisnya.",
            "No money was paid out on this claim. The participant's JHT savings remain in "
            "place for their heirs.",
        ),
        c.t(
            "Bila dan kapan pun keluarga siap, ahli waris dapat mengajukan klaim baru dengan "
            "alasan meninggal dunia. Dokumen yang diperlukan:",
            "Whenever the family is ready, an heir may make a new claim for the reason "
            "'death of the participant'. It needs these documents:",
        ),
        *(
            f"- {document_label(doc_type, c.language)}"
            for doc_type in (documents if isinstance(documents, list) else [])
        ),
        c.t(
            "Bila data ini keliru, mohon hubungi kantor cabang BPJS Ketenagakerjaan terdekat.",
            "If this is a mistake, please contact your nearest BPJS Ketenagakerjaan branch.",
        ),
        c.link_line(),
    ]


def _sign_in_code(c: Context) -> tuple[str, list[str]]:
    code, minutes = c.get("code"), c.get("minutes")
    return c.t("Kode masuk layanan JHT", "Your JHT sign-in code"), [
        c.t(f"Kode masuk Anda: {code}", f"Your sign-in code: {code}"),
        c.t(
            f"Kode ini berlaku {minutes} menit dan hanya sekali pakai. Jangan berikan kode ini "
            "kepada siapa pun, termasuk petugas BPJS Ketenagakerjaan.",
            f"It is good for {minutes} minutes, once. Never give it to anyone, BPJS "
            "Ketenagakerjaan staff included.",
        ),
        c.t(
            "Bila Anda tidak sedang masuk ke layanan JHT, abaikan pesan ini: tanpa kode ini "
            "tidak ada yang dapat masuk.",
            "If you are not signing in to the JHT service, ignore this message: no one can "
            "sign in without this code.",
        ),
    ]


TEMPLATES: dict[str, Callable[[Context], tuple[str, list[str]]]] = {
    "claim_created": _claim_created,
    "claim_submitted": _claim_submitted,
    "revision_requested": _revision_requested,
    "interview_booked": _interview("interview_booked"),
    "interview_rebooked": _interview("interview_rebooked"),
    "reminder_24h": _interview("reminder_24h"),
    "reminder_1h": _interview("reminder_1h"),
    "interview_missed": _interview_missed,
    "approved": _approved,
    "paid": _paid,
    "payout_failed": _payout_failed,
    "rejected": _rejected,
    "cancelled": _cancelled,
    "expiry_warning": _expiry_warning,
    "expired": _expired,
    "withdrawn_deceased": _withdrawn_deceased,
    "sign_in_code": _sign_in_code,
}

SIGNATURE = {
    "id": "Salam,\nBPJS Ketenagakerjaan - Layanan Klaim JHT Online",
    "en": "Regards,\nBPJS Ketenagakerjaan - Online JHT Claims",
}


def claim_link(public_url: str, claim_id: str | None) -> str:
    """The absolute address of the claim's page (the tracking page when there is no claim):
    a message is read outside the site, so a relative link would lead nowhere."""
    base = public_url.rstrip("/")
    return f"{base}/claims/{claim_id}" if claim_id else f"{base}/track"


def render(
    template: str,
    language: object,
    reference: str,
    params: Params | None,
    claim_id: str | None,
    *,
    public_url: str,
) -> RenderedMessage:
    """The subject and plain-text body, its links under `public_url` (JHT_PUBLIC_URL);
    UnknownTemplate for a name not listed above."""
    renderer = TEMPLATES.get(template)
    if renderer is None:
        raise UnknownTemplate(template)
    context = message_context(language, reference, params, claim_id, public_url)
    subject, lines = renderer(context)
    return RenderedMessage(subject, "\n\n".join([*lines, SIGNATURE[context.language]]) + "\n")


def message_context(
    language: object, reference: str, params: Params | None, claim_id: str | None, public_url: str
) -> Context:
    """What a template of any channel (mail, SMS) is rendered from."""
    return Context(language_of(language), reference, claim_link(public_url, claim_id), params or {})
