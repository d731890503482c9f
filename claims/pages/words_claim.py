"""Words of the applicant's claim pages as a task list (issue 18): the list and its statuses,
each task's page, check answers with the declaration, the confirmation and the cancel
question. key -> (Bahasa Indonesia, English), merged into `i18n.TEXT`."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # the task list
    "tasks_title": ("Lengkapi klaim Anda", "Complete your claim"),
    "tasks_progress": ("{n} dari {m} selesai", "{n} of {m} done"),
    "tasks_intro": (
        "Selesaikan setiap tugas. Anda dapat berhenti dan kembali kapan saja; yang sudah "
        "tersimpan tidak hilang.",
        "Complete each task. You can stop and come back at any time; what is saved stays saved.",
    ),
    "tasks_documents": ("Unggah dokumen", "Upload the documents"),
    "tasks_details": ("Data pembayaran", "Payment details"),
    "tasks_send": ("Kirim klaim", "Send the claim"),
    "task_check": ("Periksa dan kirim", "Check and submit"),
    "task_not_started": ("Belum dimulai", "Not started"),
    "task_done": ("Selesai", "Completed"),
    "task_accepted": ("Diterima", "Accepted"),
    "task_fix": ("Perlu diperbaiki", "Needs fixing"),
    "task_optional": ("Tidak wajib", "Optional"),
    "task_cannot_start": ("Belum dapat dimulai", "Cannot start yet"),
    "task_sent": ("Terkirim", "Sent"),
    "back_to_tasks": ("Kembali ke daftar tugas", "Back to the task list"),
    "continue": ("Lanjutkan", "Continue"),
    "save_continue": ("Simpan dan lanjutkan", "Save and continue"),
    # the top of the claim page once submitted
    "claim_reference_label": ("Nomor referensi", "Reference"),
    "next_action": ("Yang perlu Anda lakukan", "What you need to do"),
    "interview_time": ("Jadwal wawancara", "Interview time"),
    "interview_open": ("Lihat atau ubah jadwal wawancara", "See or change the interview time"),
    "interview_choose": ("Pilih jadwal wawancara", "Choose the interview time"),
    "next_documents_pending": (
        "Selesaikan tugas di bawah ini, lalu periksa dan kirim klaim Anda.",
        "Complete the tasks below, then check and submit your claim.",
    ),
    "next_under_review": (
        "Tidak ada yang perlu Anda lakukan sekarang: petugas sedang memeriksa dokumen Anda. "
        "Kami mengirim e-mail dan SMS bila ada kabar.",
        "Nothing to do for now: an officer is checking your documents. We will e-mail and "
        "text you when there is news.",
    ),
    "next_revision_requested": (
        "Perbaiki tugas yang bertanda \u201cPerlu diperbaiki\u201d, lalu periksa dan kirim "
        "klaim lagi.",
        "Fix the tasks marked \u201cNeeds fixing\u201d, then check and submit the claim again.",
    ),
    "next_interview_scheduled": (
        "Ikuti wawancara video pada jadwal di atas dengan KTP asli Anda; Anda dapat memilih "
        "jadwal lain.",
        "Join the video interview at the time above with your original KTP; you may choose "
        "another time.",
    ),
    "next_interview_missed": (
        "Anda melewatkan wawancara: pilih jadwal baru dalam 5 hari kerja, atau klaim dibatalkan.",
        "You missed the interview: choose a new time within 5 working days, or the claim is "
        "cancelled.",
    ),
    "next_awaiting_approval": (
        "Tidak ada yang perlu Anda lakukan: klaim Anda menunggu persetujuan.",
        "Nothing to do: your claim is waiting for approval.",
    ),
    "next_approved": (
        "Tidak ada yang perlu Anda lakukan: dana sedang ditransfer ke rekening Anda.",
        "Nothing to do: the money is on its way to your account.",
    ),
    "next_payout_failed": (
        "Transfer gagal: isi rekening bank lain atas nama Anda sendiri.",
        "The transfer failed: give another bank account in your own name.",
    ),
    "next_paid": (
        "Dana sudah dibayarkan. Tidak ada lagi yang perlu Anda lakukan.",
        "The money has been paid. There is nothing more to do.",
    ),
    "next_rejected": (
        "Klaim ini ditolak; alasannya ada di riwayat di bawah.",
        "This claim was rejected; the reason is in the history below.",
    ),
    "next_cancelled": (
        "Klaim ini dibatalkan. Bila ingin, Anda dapat mengajukan klaim baru.",
        "This claim was cancelled. If you wish, you can make a new claim.",
    ),
    "next_expired": (
        "Klaim ini kedaluwarsa karena tidak dilengkapi. Anda dapat mengajukan klaim baru.",
        "This claim expired because it was not completed. You can make a new claim.",
    ),
    "new_claim_link": ("Ajukan klaim baru", "Make a new claim"),
    # task pages
    "doc_task_hint": (
        "PDF, JPEG atau PNG; maksimal 10 berkas, 10 MB per berkas. Beberapa berkas digabung "
        "menjadi satu PDF sesuai urutan.",
        "PDF, JPEG or PNG; up to 10 files, 10 MB each. Several files are merged into one PDF "
        "in the order given.",
    ),
    "doc_saved": ("Dokumen {label} tersimpan.", "{label} saved."),
    "bank_saved": ("Rekening bank tersimpan.", "Bank account saved."),
    "npwp_saved": ("NPWP tersimpan.", "NPWP saved."),
    "doc_unknown": ("Dokumen ini tidak ada dalam daftar klaim.", "This document is not listed."),
    "read_only_task": (
        "Bagian ini tidak dapat diubah pada status klaim saat ini.",
        "This part cannot be changed in the claim's current status.",
    ),
    # check answers
    "check_title": ("Periksa jawaban Anda sebelum mengirim", "Check your answers before sending"),
    "check_identity": ("Data diri", "Your details"),
    "check_name": ("Nama", "Name"),
    "check_kpj": ("Nomor KPJ", "KPJ number"),
    "check_nik": ("NIK", "NIK"),
    "check_payment": ("Pembayaran", "Payment"),
    "check_documents": ("Dokumen", "Documents"),
    "check_change": ("Ubah", "Change"),
    "check_not_given": ("Belum diisi", "Not given"),
    "check_npwp_given": ("Sudah diisi", "Given"),
    "check_npwp_none": ("Tidak diisi (pajak 20% lebih tinggi)", "Not given (tax 20% higher)"),
    "check_not_uploaded": ("Belum diunggah", "Not uploaded"),
    "check_missing_form": (
        "Klaim belum dapat dikirim. Lengkapi dulu:",
        "The claim cannot be sent yet. First complete:",
    ),
    "declaration_legend": ("Pernyataan", "Declaration"),
    "declaration": (
        "Saya menyatakan data dan dokumen ini benar dan milik saya sendiri (atau peserta yang "
        "saya wakili sebagai ahli waris). Saya memahami bahwa keterangan palsu dapat membatalkan "
        "klaim dan dituntut menurut hukum.",
        "I declare that these details and documents are true and my own (or those of the "
        "participant I represent as heir). I understand that false statements can void the "
        "claim and be prosecuted.",
    ),
    "declaration_required": (
        "Centang pernyataan untuk mengirim klaim.",
        "Tick the declaration to send the claim.",
    ),
    "send_claim": ("Kirim klaim", "Send the claim"),
    # confirmation
    "sent_title": ("Klaim terkirim", "Claim sent"),
    "sent_reference": ("Nomor referensi Anda", "Your reference"),
    "sent_copy": (
        "Kami mengirim konfirmasi ke e-mail dan SMS ke nomor ponsel Anda.",
        "We have sent a confirmation by e-mail and by SMS to your phone.",
    ),
    "sent_next_title": ("Apa yang terjadi selanjutnya", "What happens next"),
    "sent_next_review": (
        "Petugas memeriksa dokumen Anda dalam {n} hari kerja (paling lambat {date}). Bila ada "
        "yang perlu diperbaiki, kami memberi tahu Anda.",
        "An officer checks your documents within {n} working days (by {date}). If anything "
        "needs fixing, we tell you.",
    ),
    "sent_next_interview": (
        "Setelah dokumen diterima, Anda mengikuti wawancara video; Anda dapat memilih jadwalnya.",
        "Once the documents are accepted, you have a video interview at a time you can choose.",
    ),
    "sent_next_payment": (
        "Setelah klaim disetujui, dana dikirim ke rekening Anda dalam {n} hari kerja.",
        "Once the claim is approved, the money is sent to your account within {n} working days.",
    ),
    "sent_to_claim": ("Lihat klaim Anda", "See your claim"),
    # cancel
    "cancel_question": ("Batalkan klaim?", "Cancel the claim?"),
    "cancel_warning": (
        "Pembatalan tidak dapat dibatalkan: klaim ini tidak dapat dilanjutkan lagi. Anda dapat "
        "mengajukan klaim baru kapan saja.",
        "This cannot be undone: the claim cannot be continued. You can make a new claim at "
        "any time.",
    ),
    "cancel_yes": ("Ya, batalkan", "Yes, cancel"),
    "cancel_back": ("Kembali", "Go back"),
    "cancel_link": ("Batalkan klaim ini", "Cancel this claim"),
}
