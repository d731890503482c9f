"""Where applicant mail goes (JHT_MAIL): `outbox` writes each message as an `.eml` file under
the data folder (settings.outbox_mail_dir); `smtp://host:port` hands it to an SMTP server.

Delivery is at least once: a crash after sending and before the outbox row is marked done sends
the message again at the next run. Each message carries a Message-ID made from its outbox row,
so a repeat is recognisable, and the folder sender simply rewrites the same file.
"""

from __future__ import annotations

import os
import smtplib
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from claims.settings import Settings

FROM_ADDRESS = "BPJS Ketenagakerjaan JHT <no-reply@jht.bpjsketenagakerjaan.go.id>"
MAIL_DOMAIN = "jht.bpjsketenagakerjaan.go.id"


class MailSender(Protocol):
    def send(self, message: EmailMessage, name: str) -> None:
        """Delivers `message`; `name` is a stable, file-safe name for it. Raises on failure."""
        ...


class FolderSender:
    """Each message as `<name>.eml` in `folder`, written atomically (temp file + rename)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage, name: str) -> None:
        write_atomically(self.folder, f"{name}.eml", message.as_bytes())


def write_atomically(folder: Path, file_name: str, content: bytes) -> None:
    """Writes `folder/file_name` whole or not at all (temp file, fsync, rename): a reader of
    the outbox folder never sees half a message, and writing the same name again replaces it."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(file_name).suffix
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, folder / file_name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class SmtpSender:
    def __init__(self, host: str, port: int, *, timeout_seconds: float = 15.0) -> None:
        self.host = host
        self.port = port
        self.timeout_seconds = timeout_seconds

    def send(self, message: EmailMessage, name: str) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds) as smtp:
            smtp.send_message(message)


def sender_for(settings: Settings) -> MailSender:
    if settings.mail.startswith("smtp://"):
        target = urlsplit(settings.mail)
        return SmtpSender(target.hostname or "localhost", target.port or 25)
    return FolderSender(settings.outbox_mail_dir)
