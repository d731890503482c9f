from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from claims.settings import Settings, UnsafeConfiguration


def test_secret_key_is_generated_once_per_data_folder(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path / "a").secret_key()
    assert len(first) == 64
    assert Settings(data_dir=tmp_path / "a").secret_key() == first
    assert Settings(data_dir=tmp_path / "b").secret_key() != first
    assert (tmp_path / "a" / "secret.key").stat().st_mode & 0o777 == 0o600


def test_secret_key_is_never_readable_by_others_not_even_for_an_instant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Created by open() with O_CREAT|O_EXCL and mode 0600, so the file has no other mode at
    # any moment: not 0644 under the umask first and 0600 after a chmod.
    opened: list[tuple[str, int, int]] = []
    real_open = os.open

    def recording_open(path: Any, flags: int, mode: int = 0o777, **kwargs: Any) -> int:
        opened.append((str(path), flags, mode))
        return real_open(path, flags, mode, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)
    previous = os.umask(0)  # the worst umask: whatever is asked for is what the file gets
    try:
        Settings(data_dir=tmp_path / "var").secret_key()
    finally:
        os.umask(previous)
    created = [(flags, mode) for path, flags, mode in opened if flags & os.O_CREAT]
    assert created, "the key was not created with os.open"
    for flags, mode in created:
        assert flags & os.O_EXCL and mode == 0o600
    assert stat.S_IMODE((tmp_path / "var" / "secret.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
    assert [path.name for path in (tmp_path / "var").iterdir()] == ["secret.key"]


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
