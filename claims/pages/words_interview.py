"""Words of the interview page, `/claims/{id}/wawancara` (choosing the time, asking for the
branch) and of the interview on /track (issue 18): key -> (Bahasa Indonesia, English), merged
into `i18n.TEXT`."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "iv_title": ("Wawancara klaim {reference}", "Interview for claim {reference}"),
    "iv_heading": ("Wawancara", "Interview"),
    "iv_booked_title": ("Jadwal Anda", "Your interview"),
    "iv_booked_by_video": ("Wawancara video pada", "Video interview on"),
    "iv_link": ("Tautan wawancara", "Interview link"),
    "iv_none": (
        "Klaim ini belum atau tidak lagi memiliki jadwal wawancara.",
        "This claim has no interview to arrange (not yet, or no longer).",
    ),
    "iv_missed": (
        "Anda tidak hadir pada wawancara. Pilih jadwal baru di bawah ini.",
        "You missed the interview. Choose a new time below.",
    ),
    "iv_choose_title": ("Pilih waktu lain", "Choose another time"),
    "iv_first_free": (
        "Kami memesankan waktu paling awal untuk Anda. Anda boleh memilih waktu lain: pilihan "
        "pertama ini tidak dihitung sebagai perubahan jadwal. Setelah itu jadwal dapat diubah "
        "paling banyak {limit} kali.",
        "We held the earliest time for you. You may choose another: this first choice does not "
        "count as a rebooking. After it, the interview can be moved at most {limit} times.",
    ),
    "iv_left": (
        "Jadwal dapat diubah paling banyak {limit} kali. Sisa perubahan: {left}.",
        "The interview can be moved at most {limit} times. Changes left: {left}.",
    ),
    "iv_after_miss": (
        "Setelah tidak hadir, jadwal dapat dipilih sekali lagi saja.",
        "After a missed interview, the time can be chosen once more only.",
    ),
    "iv_no_change": (
        "Jadwal wawancara tidak dapat diubah lagi.",
        "The interview cannot be moved again.",
    ),
    "iv_notice_rule": (
        "Waktu paling cepat adalah hari kerja berikutnya. Waktu ditampilkan menurut zona "
        "waktu kantor cabang ({zone}).",
        "The earliest time is the next working day. Times are shown in the branch's time "
        "zone ({zone}).",
    ),
    "iv_slot_field": ("Waktu wawancara", "Interview time"),
    "iv_choose_submit": ("Pilih waktu ini", "Choose this time"),
    "iv_no_slots": (
        "Belum ada waktu kosong lain. Coba lagi besok.",
        "No other free time yet. Try again tomorrow.",
    ),
    "iv_pick_one": ("Pilih salah satu waktu dari daftar.", "Choose one of the listed times."),
    "iv_branch_title": ("Wawancara di kantor cabang", "Interview at the branch"),
    "iv_branch_intro": (
        "Tidak punya kuota data atau sinyal untuk panggilan video? Minta wawancara di kantor "
        "cabang {branch}. Petugas akan menghubungi Anda untuk mengatur waktunya; sampai itu "
        "jadwal video di atas tetap berlaku.",
        "No data or signal for a video call? Ask to be interviewed at the {branch} branch "
        "office. An officer will contact you to arrange the time; until then the video "
        "interview above stands.",
    ),
    "iv_branch_check": (
        "Saya ingin wawancara di kantor cabang",
        "I want the interview at the branch office",
    ),
    "iv_branch_check_missing": (
        "Centang kotak ini untuk meminta wawancara di kantor cabang.",
        "Tick this box to ask for the interview at the branch office.",
    ),
    "iv_branch_reason": ("Alasan singkat", "Short reason"),
    "iv_branch_reason_hint": (
        "Misalnya: tidak punya kuota data untuk panggilan video. Paling banyak 300 karakter.",
        "For example: no data for a video call. At most 300 characters.",
    ),
    "iv_branch_submit": ("Kirim permintaan", "Send the request"),
    "iv_branch_requested": (
        "Anda meminta wawancara di kantor cabang pada {when}. Petugas akan menghubungi Anda.",
        "You asked for the interview at the branch office on {when}. An officer will contact you.",
    ),
    "iv_branch_requested_reason": ("Alasan Anda:", "Your reason:"),
    "iv_done_chosen": ("Jadwal wawancara disimpan.", "The interview time is saved."),
    "iv_done_requested": (
        "Permintaan wawancara di kantor cabang terkirim.",
        "Your request for an interview at the branch office is sent.",
    ),
    "iv_error_title": ("Ada yang perlu diperbaiki", "There is a problem"),
    "iv_back": ("Kembali ke halaman klaim", "Back to the claim page"),
    # /track
    "track_interview": ("Jadwal wawancara", "Interview"),
    "track_apply_again": ("Ajukan klaim baru", "Start a new claim"),
}
