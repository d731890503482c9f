from __future__ import annotations

from pathlib import Path

import pytest

from claims.settings import Settings, UnsafeConfiguration


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


def test_the_bank_outside_the_sandbox() -> None:
    with pytest.raises(UnsafeConfiguration, match="JHT_BANK is not set"):
        Settings(sandbox=False, bank=None).refuse_unsafe_production()
    with pytest.raises(UnsafeConfiguration, match="only with JHT_SANDBOX=true"):
        Settings(sandbox=False, bank="simulated").refuse_unsafe_production()
    Settings(sandbox=True).refuse_unsafe_production()
    real = Settings(sandbox=False, bank="https://bank.example/gateway")
    real.refuse_unsafe_production()
    assert real.bank_gateway_url == "https://bank.example/gateway"
    assert Settings(sandbox=True, bank="simulated").bank_gateway_url is None
    with pytest.raises(ValueError):
        Settings(bank="file:///etc/passwd")


def test_public_url_names_the_hosts_and_the_origin() -> None:
    settings = Settings(public_url="https://Klaim.JHT.example/")
    assert settings.public_origin == "https://Klaim.JHT.example"
    assert settings.allowed_hosts[0] == "klaim.jht.example"
    assert set(settings.allowed_hosts) == {"klaim.jht.example", "127.0.0.1", "localhost", "::1"}
    with pytest.raises(ValueError):
        Settings(public_url="javascript:alert(1)")


def test_trusted_proxies_are_a_comma_separated_list() -> None:
    assert Settings().trusted_proxies == []
    assert Settings(forwarded_allow_ips="10.0.0.1, 10.1.0.0/16").trusted_proxies == [
        "10.0.0.1",
        "10.1.0.0/16",
    ]
