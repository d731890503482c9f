"""Service settings, read from `JHT_` environment variables or a `.env` file (api.md, Settings)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret.key"


class Settings(BaseSettings):
    """Exactly the variables of api.md; everything else is rules data or code."""

    model_config = SettingsConfigDict(env_prefix="JHT_", env_file=".env", extra="ignore")

    database_url: str | None = None
    data_dir: Path = Path("./var")
    sandbox: bool = False
    scheduler: bool = True
    mail: str = "outbox"
    rate_limit_storage: str = "memory://"

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

    def secret_key(self) -> bytes:
        """The signing key, generated once into the data folder: there is never a fixed default."""
        path = self.data_dir / SECRET_KEY_FILE
        if path.exists():
            return path.read_bytes().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32).encode()
        # O_EXCL: when several processes start at once, exactly one writes the key.
        try:
            with path.open("xb") as handle:
                handle.write(key)
            path.chmod(0o600)
        except FileExistsError:
            return path.read_bytes().strip()
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
