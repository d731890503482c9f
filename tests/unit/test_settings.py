from __future__ import annotations

from pathlib import Path

import pytest

from claims.settings import Settings


def test_secret_key_is_generated_once_per_data_folder(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path / "a").secret_key()
    assert len(first) == 64
    assert Settings(data_dir=tmp_path / "a").secret_key() == first
    assert Settings(data_dir=tmp_path / "b").secret_key() != first
    assert (tmp_path / "a" / "secret.key").stat().st_mode & 0o777 == 0o600


def test_defaults_and_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("JHT_DATABASE_URL", "JHT_SANDBOX", "JHT_SCHEDULER", "JHT_MAIL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.sandbox is False and settings.scheduler is True
    assert settings.mail == "outbox" and settings.rate_limit_storage == "memory://"
    monkeypatch.setenv("JHT_SCHEDULER", "off")
    monkeypatch.setenv("JHT_SANDBOX", "true")
    assert Settings().scheduler is False and Settings().sandbox is True


def test_mail_must_be_outbox_or_smtp() -> None:
    with pytest.raises(ValueError):
        Settings(mail="carrier-pigeon")
    assert Settings(mail="smtp://127.0.0.1:2525").mail == "smtp://127.0.0.1:2525"
