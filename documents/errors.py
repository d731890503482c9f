"""The one exception family for refused uploads: a stable code, an HTTP status and a message
in Bahasa Indonesia and English. Worker processes send its fields back as JSON
(documents.isolation); it also survives pickling, with all its fields."""

from __future__ import annotations

from typing import Any, NamedTuple


class _Reason(NamedTuple):
    status: int
    message_id: str
    message_en: str


REASONS: dict[str, _Reason] = {
    "no_files": _Reason(
        422,
        "Tidak ada berkas yang diunggah. Pilih minimal satu berkas PDF, JPEG atau PNG.",
        "No file was uploaded. Choose at least one PDF, JPEG or PNG file.",
    ),
    "empty_file": _Reason(
        422,
        "Berkas kosong. Unggah ulang berkas yang berisi dokumen.",
        "The file is empty. Upload the file again with the document in it.",
    ),
    "malformed_upload": _Reason(
        422,
        "Unggahan tidak lengkap atau rusak. Silakan coba unggah lagi.",
        "The upload was incomplete or malformed. Please try again.",
    ),
    "unsupported_type": _Reason(
        415,
        "Jenis berkas tidak didukung. Gunakan PDF, JPEG atau PNG.",
        "This file type is not supported. Use PDF, JPEG or PNG.",
    ),
    "file_too_large": _Reason(
        413,
        "Berkas terlalu besar. Ukuran maksimal per berkas adalah {limit}.",
        "The file is too large. The maximum size per file is {limit}.",
    ),
    "upload_too_large": _Reason(
        413,
        "Unggahan terlalu besar.",
        "The upload is too large.",
    ),
    "too_many_files": _Reason(
        413,
        "Terlalu banyak berkas. Maksimal {limit} berkas per dokumen.",
        "Too many files. At most {limit} files per document.",
    ),
    "too_many_pages": _Reason(
        422,
        "Dokumen terlalu banyak halaman. Maksimal {limit} halaman per dokumen.",
        "The document has too many pages. At most {limit} pages per document.",
    ),
    "image_too_large": _Reason(
        422,
        "Resolusi gambar terlalu besar. Maksimal {limit} megapiksel.",
        "The image resolution is too large. At most {limit} megapixels.",
    ),
    "pdf_password_protected": _Reason(
        422,
        "PDF dilindungi kata sandi. Unggah berkas yang sama tanpa kata sandi.",
        "The PDF is password-protected. Upload the same file without a password.",
    ),
    "pdf_damaged": _Reason(
        422,
        "PDF rusak atau tidak dapat dibaca. Simpan ulang atau pindai ulang dokumen.",
        "The PDF is damaged or unreadable. Save or scan the document again.",
    ),
    "pdf_bomb": _Reason(
        422,
        "PDF berisi data terkompresi yang terlalu besar dan ditolak.",
        "The PDF contains too much compressed data and was refused.",
    ),
    "unsafe_content": _Reason(
        422,
        "PDF berisi konten aktif yang tidak dapat dibersihkan dan ditolak.",
        "The PDF contains active content that could not be removed and was refused.",
    ),
    "processing_failed": _Reason(
        422,
        "Berkas tidak dapat diproses. Periksa berkas lalu coba lagi.",
        "The file could not be processed. Check the file and try again.",
    ),
}


class DocumentRejected(Exception):
    """An upload refused for a reason the user can act on (never a server fault)."""

    def __init__(
        self,
        code: str,
        *,
        file_index: int | None = None,
        limit: str | None = None,
        detail: str | None = None,
    ) -> None:
        if code not in REASONS:
            raise ValueError(f"unknown rejection code {code!r}")
        reason = REASONS[code]
        self.code = code
        self.status = reason.status
        self.file_index = file_index
        self.limit = limit
        # For logs only; never shown to users (it may quote parser internals).
        self.detail = detail
        self.message_id = reason.message_id.format(limit=limit or "")
        self.message_en = reason.message_en.format(limit=limit or "")
        super().__init__(code, self.message_en)

    def with_file_index(self, file_index: int) -> DocumentRejected:
        """The same rejection, naming which uploaded file (0-based) caused it."""
        return DocumentRejected(
            self.code, file_index=file_index, limit=self.limit, detail=self.detail
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (self.code, self.file_index, self.limit, self.detail),
        )

    def __repr__(self) -> str:
        return (
            f"DocumentRejected({self.code!r}, status={self.status}, file_index={self.file_index})"
        )


def _rebuild(
    code: str, file_index: int | None, limit: str | None, detail: str | None
) -> DocumentRejected:
    return DocumentRejected(code, file_index=file_index, limit=limit, detail=detail)
