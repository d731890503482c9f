"""Service settings, read from `JHT_` environment variables or a `.env` file (api.md, Settings)."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret.key"
SIMULATED_BANK = "simulated"
# Names of this machine that a browser or a health check may use besides the public host.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class UnsafeConfiguration(Exception):
    """A setting that must not reach real users (a play bank outside the sandbox, no bank at
    all): the one-line message says what to set."""


class Settings(BaseSettings):
    """Exactly the variables of api.md; everything else is rules data or code."""

    model_config = SettingsConfigDict(env_prefix="JHT_", env_file=".env", extra="ignore")

    database_url: str | None = None
    data_dir: Path = Path("./var")
    sandbox: bool = False
    scheduler: bool = True
    mail: str = "outbox"
    sms: str = "outbox"
    rate_limit_storage: str = "memory://"
    public_url: str = "http://127.0.0.1:8000"
    bank: str | None = None
    forwarded_allow_ips: str | None = None
    sms_secret: SecretStr | None = None

    @field_validator("scheduler", mode="before")
    @classmethod
    def _on_off(cls, value: object) -> object:
        # api.md spells the switch as on/off; accept the usual boolean words too.
        if isinstance(value, str) and value.strip().lower() in {"on", "off"}:
            return value.strip().lower() == "on"
        return value

    @field_validator("mail")
    @classmethod
    def _mail_target(cls, value: str) -> str:
        if value != "outbox" and not value.startswith("smtp://"):
            raise ValueError("JHT_MAIL must be 'outbox' or smtp://host:port")
        return value

    @field_validator("sms")
    @classmethod
    def _sms_target(cls, value: str) -> str:
        parts = urlsplit(value)
        if value != "outbox" and (parts.scheme not in {"http", "https"} or not parts.hostname):
            raise ValueError("JHT_SMS must be 'outbox' or the http(s) address of an SMS provider")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(
                "JHT_PUBLIC_URL must be an http(s) address such as https://jht.example"
            )
        return value.rstrip("/")

    @field_validator("bank")
    @classmethod
    def _bank(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if value != SIMULATED_BANK and urlsplit(value).scheme not in {"http", "https"}:
            raise ValueError(
                "JHT_BANK must be 'simulated' or the http(s) address of the bank gateway"
            )
        return value

    @property
    def bank_gateway_url(self) -> str | None:
        """The configured bank gateway's address; None for the simulated bank."""
        return None if self.bank in (None, SIMULATED_BANK) else self.bank

    @property
    def public_origin(self) -> str:
        """scheme://host[:port] of JHT_PUBLIC_URL: where our own forms are posted from."""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """The Host names this service answers to: the public URL's, and loopback for local
        health checks and tries (links are built from JHT_PUBLIC_URL, never from Host)."""
        public = urlsplit(self.public_url).hostname or ""
        return tuple(dict.fromkeys((public.lower(), *LOOPBACK_HOSTS)))

    @property
    def trusted_proxies(self) -> list[str]:
        """JHT_FORWARDED_ALLOW_IPS as a list (addresses or networks, comma-separated)."""
        if not self.forwarded_allow_ips:
            return []
        return [item.strip() for item in self.forwarded_allow_ips.split(",") if item.strip()]

    def refuse_unsafe_production(self) -> None:
        """Outside the sandbox a service that pays real money starts only with a real bank
        (api.md, Settings): raises UnsafeConfiguration with what to set."""
        if self.sandbox:
            return
        if self.bank is None:
            raise UnsafeConfiguration(
                "JHT_BANK is not set: set JHT_BANK to your bank gateway's address "
                "(https://...), or JHT_SANDBOX=true to try the service with the simulated bank"
            )
        if self.bank == SIMULATED_BANK:
            raise UnsafeConfiguration(
                "JHT_BANK=simulated pays nobody and is allowed only with JHT_SANDBOX=true: set "
                "JHT_BANK to your bank gateway's address (https://...)"
            )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'jht.sqlite3').resolve()}"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def outbox_mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def outbox_sms_dir(self) -> Path:
        return self.data_dir / "sms"

    def secret_key(self) -> bytes:
        """The signing key, generated once into the data folder: there is never a fixed default."""
        path = self.data_dir / SECRET_KEY_FILE
        if path.exists():
            return path.read_bytes().strip()
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_hex(32).encode()
        # Written whole under a name of this process's own, then linked into place: when several
        # processes start at once exactly one link succeeds, and no one reads a half-written key.
        # Created 0600 by open() itself, whatever the umask: never readable by others, not even
        # for the instant before a chmod.
        draft = path.with_name(f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(key)
                handle.flush()
                os.fsync(handle.fileno())
            os.link(draft, path)
        except FileExistsError:
            return path.read_bytes().strip()
        finally:
            draft.unlink()
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
