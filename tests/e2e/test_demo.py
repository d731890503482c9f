"""`jht demo` as a user runs it: a real process, a fresh folder, every reason to its end."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.serving import jht_env, run_jht


def test_demo_drives_every_reason_and_verifies_the_audit(tmp_path: Path) -> None:
    result = run_jht(
        "demo", "--data-dir", str(tmp_path / "demo"), env=jht_env(tmp_path / "var"), cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = result.stdout
    for reason in (
        "resignation",
        "termination",
        "contract_end",
        "retirement",
        "leaving_indonesia",
        "disability",
        "death",
        "partial_housing",
        "partial_other",
    ):
        assert reason in out
    assert "0 broken chain(s)" in out
    assert "paid 10 claims" in out and "tax withheld Rp" in out
    # The partial claim, then the full claim of the same person: what is left, not the
    # statement again (a few days of development at 5.63% on Rp 140 juta is under Rp 100.000).
    left = re.search(
        r"paid what is left: gross ([\d.]+) = statement 140\.000\.000 \+ development - "
        r"partial ([\d.]+)",
        out,
    )
    assert left is not None, out[-3000:]
    rest, partial = (int(figure.replace(".", "")) for figure in left.groups())
    assert 42_000_000 <= partial < 42_030_000
    assert 140_000_000 < rest + partial < 140_100_000
    # Cek saldo: the phone registered by SMS gets the balance the web shows after signing in.
    by_sms = re.search(r"Saldo JHT KPJ 2600\*\*\*\*018 per [\d-]+: Rp (\d[\d.]*\d)", out)
    on_web = re.search(r"available Rp ([\d.]+) on", out)
    assert by_sms is not None and on_web is not None, out[-3000:]
    assert by_sms.group(1) == on_web.group(1)
    assert "the SMS and the web show the same money" in out
    assert re.search(r"at 56 \(\d{4}-\d{2}-\d{2}\) 4\.63%: Rp [\d.]+", out), out[-1500:]
    assert "Traceback" not in out + result.stderr


def test_demo_refuses_a_folder_in_use(tmp_path: Path) -> None:
    folder = tmp_path / "used"
    folder.mkdir()
    (folder / "something").write_text("x")
    result = run_jht("demo", "--data-dir", str(folder), env=jht_env(tmp_path / "var"), cwd=tmp_path)
    assert result.returncode == 2 and "not empty" in result.stderr
