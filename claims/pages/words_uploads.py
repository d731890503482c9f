"""Words of the stored-files list of each document and its removal (issue 18, uploads for
poor connections): key -> (Bahasa Indonesia, English), merged into `i18n.TEXT`."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "stored_files": ("Berkas tersimpan", "Stored files"),
    "stored_file_unnamed": ("Berkas {n}", "File {n}"),
    "stored_file_pages": ("{n} halaman", "{n} pages"),
    "stored_file_view": ("Lihat", "View"),
    "stored_file_view_named": ("Lihat {name}", "View {name}"),
    "stored_file_remove": ("Hapus", "Remove"),
    "stored_file_remove_named": ("Hapus {name}", "Remove {name}"),
    # For the claim page's notices (claims/pages/claim.py NOTICES) after a removal.
    "stored_file_removed": ("Berkas dihapus.", "File removed."),
    "bytes_kb": ("{n} KB", "{n} KB"),
    "bytes_mb": ("{n} MB", "{n} MB"),
    # upload.js's words (templates/_upload_words.html hands them to it; its own copy, the
    # same, is used on a page without that block). {name}, {size}, {max}, {s}, {n}, {m} are
    # filled in by the script.
    "upload_too_big": (
        "{name}: {size} MB, lebih dari batas {max} MB per berkas. Pilih berkas yang lebih kecil.",
        "{name}: {size} MB, over the limit of {max} MB per file. Choose a smaller file.",
    ),
    "upload_wrong_type": (
        "{name}: hanya berkas PDF, JPG atau PNG yang diterima.",
        "{name}: only PDF, JPG or PNG files are accepted.",
    ),
    "upload_too_many": (
        "Pilih paling banyak {max} berkas untuk satu dokumen.",
        "Choose at most {max} files for one document.",
    ),
    "upload_empty": ("{name}: berkas kosong.", "{name}: the file is empty."),
    "upload_preparing": ("Menyiapkan foto…", "Preparing photos…"),
    "upload_sending": ("Mengirim…", "Sending…"),
    "upload_retrying": (
        "Koneksi terputus. Mencoba lagi dalam {s} detik ({n} dari {m})…",
        "The connection dropped. Trying again in {s} seconds ({n} of {m})…",
    ),
    "upload_failed": (
        "Pengiriman gagal: koneksi terputus atau terlalu lambat. Berkas belum tersimpan.",
        "Sending failed: the connection dropped or is too slow. The files are not saved yet.",
    ),
    "upload_refused": ("Berkas tidak tersimpan.", "The files were not saved."),
    "upload_retry": ("Coba kirim lagi", "Try sending again"),
    "upload_failed_label": ("gagal", "failed"),
}

# The words upload.js uses, by its own key (upload_<key> above).
SCRIPT_WORDS = tuple(key.removeprefix("upload_") for key in WORDS if key.startswith("upload_"))
