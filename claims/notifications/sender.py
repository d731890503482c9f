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
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{name}.eml"
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(message.as_bytes())
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
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
