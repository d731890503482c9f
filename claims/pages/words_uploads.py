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
    "stored_file_removed": ("Berkas dihapus.", "File removed."),
    "stored_files_hint": (
        "Menghapus satu berkas menggabungkan ulang berkas lainnya menjadi dokumen ini.",
        "Removing one file merges the others into this document again.",
    ),
    "bytes_kb": ("{n} KB", "{n} KB"),
    "bytes_mb": ("{n} MB", "{n} MB"),
}
