"""The `jht` command line (api.md, Command line). Every command that touches the database
migrates first, so it works on a fresh data folder."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from claims.runtime import DatabaseUnavailable, Runtime, open_runtime
from claims.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from claims.models import Officer

# Each command imports what only it needs when it runs (not to dodge an import cycle: nothing
# imports this module), so `jht --help` and the small commands do not load the web app.

app = typer.Typer(help="jht-claims: online JHT claims.", no_args_is_help=True, add_completion=False)
participants_app = typer.Typer(help="The participant registry.", no_args_is_help=True)
branches_app = typer.Typer(help="Branch offices.", no_args_is_help=True)
officers_app = typer.Typer(help="Officers and their tokens.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
workflow_app = typer.Typer(help="The claim workflow.", no_args_is_help=True)
sms_app = typer.Typer(help="SMS 2757.", no_args_is_help=True)
app.add_typer(participants_app, name="participants")
app.add_typer(branches_app, name="branches")
app.add_typer(officers_app, name="officers")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(workflow_app, name="workflow")
app.add_typer(sms_app, name="sms")

# Everything but a command's own result goes to standard error, so output can be piped.
err = Console(stderr=True, soft_wrap=True)


def _runtime(settings: Settings | None = None) -> Runtime:
    try:
        return open_runtime(settings or get_settings())
    except DatabaseUnavailable as error:
        err.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(2) from None


def _import_with_progress(kind: str, path: Path) -> None:
    from claims.registry.importer import ImportReport, import_branches, import_participants

    if not path.is_file():
        err.print(f"[red]error:[/red] no such file: {path}")
        raise typer.Exit(2)
    runtime = _runtime()
    importer = import_participants if kind == "participants" else import_branches
    total = path.stat().st_size
    with Progress(
        TextColumn(f"importing {kind}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    ) as progress:
        task = progress.add_task(kind, total=total)
        report: ImportReport = importer(
            runtime.db,
            path,
            runtime.clock.now(),
            lambda done: progress.update(task, completed=done),
        )
    runtime.close()
    if report.header_error:
        err.print(f"[red]error:[/red] {path}: {report.header_error}", highlight=False)
        raise typer.Exit(1)
    for bad in report.bad:
        err.print(f"line {bad.line}: {bad.reason}", highlight=False, markup=False)
    good = report.inserted + report.updated
    err.print(
        f"{kind}: {report.read} read, {good} imported ({report.inserted} new, "
        f"{report.updated} updated), {len(report.bad)} bad"
    )
    if report.withdrawn:
        err.print(
            f"{report.withdrawn} open claim(s) withdrawn: the registry reports the participant "
            "deceased"
        )
    if report.bad:
        raise typer.Exit(1)


@participants_app.command("import")
def participants_import(
    file: Annotated[Path, typer.Argument(help="CSV file with a header row (columns below)")],
) -> None:
    """Upsert participants by KPJ from CSV; every bad line is printed, good lines are kept.

    Columns: kpj, nik, full_name, birth_date, gender, membership_start, membership_status,
    employer_name, employment_end_date, balance, email, phone, deceased, and optionally
    balance_date (YYYY-MM-DD, the statement's day; absent or empty: today in Jakarta). A
    statement older than the stored one keeps the stored balance. Then the open claims of
    participants reported deceased are withdrawn."""
    _import_with_progress("participants", file)


@branches_app.command("import")
def branches_import(file: Annotated[Path, typer.Argument(help="CSV code,name,city,...")]) -> None:
    """Upsert branch offices by code from CSV."""
    _import_with_progress("branches", file)


@officers_app.command("add")
def officers_add(
    name: Annotated[str, typer.Option("--name", help="The officer's name")],
    role: Annotated[list[str], typer.Option("--role", help="verifier, interviewer, ...")],
    branch: Annotated[str | None, typer.Option("--branch", help="Branch code")] = None,
) -> None:
    """Create an officer; prints the token alone on standard output, once. A supervisor is
    never combined with an acting role."""
    from claims.registry.officers import add_officer

    def create(session: Session, now: datetime, by: str) -> tuple[Officer, str]:
        return add_officer(session, name, branch, role, now, by=by)

    officer, token = _officer_change(create)
    err.print(f"officer {officer.id} '{officer.name}' created; the token below is shown only once")
    typer.echo(token)


@officers_app.command("deactivate")
def officers_deactivate(
    officer_id: Annotated[int, typer.Argument(help="The officer's id")],
) -> None:
    """Deactivate an officer: its token is refused from the next request on (audited)."""
    from claims.registry.officers import deactivate_officer

    officer = _officer_change(lambda s, now, by: deactivate_officer(s, officer_id, now, by=by))
    err.print(f"officer {officer.id} '{officer.name}' deactivated; its token no longer works")


@officers_app.command("rotate")
def officers_rotate(officer_id: Annotated[int, typer.Argument(help="The officer's id")]) -> None:
    """Give an officer a new token, printed alone on standard output, once; the old token is
    refused from the next request on (audited)."""
    from claims.registry.officers import rotate_officer_token

    token = _officer_change(lambda s, now, by: rotate_officer_token(s, officer_id, now, by=by))
    err.print(
        f"officer {officer_id}: new token below, shown only once; the old one no longer works"
    )
    typer.echo(token)


T = TypeVar("T")


def _officer_change(change: Callable[[Session, datetime, str], T]) -> T:
    """Runs `change` in one transaction, audited as the operating-system user who ran the
    command; a refused change (OfficerError) is one line on standard error and exit 2."""
    from claims.registry.officers import OfficerError

    runtime = _runtime()
    try:
        with runtime.db.unit_of_work() as session:
            return change(session, runtime.clock.now(), _operator())
    except OfficerError as error:
        err.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        runtime.close()


def _operator() -> str:
    """Who ran the command, for the officers' audit."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return f"uid {os.getuid()}"


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    runtime = _runtime()
    runtime.close()
    err.print("database is at the newest schema")


SANDBOX_BANNER = (
    "SANDBOX: synthetic sample participants, sample officers and the simulated bank; "
    "nothing here pays anyone (JHT_SANDBOX=true)"
)


def _refuse_unsafe(settings: Settings) -> None:
    """One line saying what to set, instead of a service that would pay with a play bank."""
    from claims.settings import UnsafeConfiguration

    try:
        settings.refuse_unsafe_production()
    except UnsafeConfiguration as error:
        err.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
    samples: Annotated[
        bool | None,
        typer.Option(
            help="Load the samples into an empty registry (sandbox only; default: on in the "
            "sandbox with SQLite)"
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Behind a reverse proxy: the proxies (comma-separated addresses or networks) "
            "whose X-Forwarded-For and X-Forwarded-Proto are trusted "
            "(JHT_FORWARDED_ALLOW_IPS)"
        ),
    ] = None,
) -> None:
    """Migrate the database, then serve the API and pages (and the scheduler unless off)."""
    import uvicorn

    from claims.samples_loader import load_samples_if_empty

    if forwarded_allow_ips is not None:
        # The worker processes read their settings from the environment.
        os.environ["JHT_FORWARDED_ALLOW_IPS"] = forwarded_allow_ips
        get_settings.cache_clear()
    settings = get_settings()
    if settings.sandbox:
        err.print(SANDBOX_BANNER, highlight=False, markup=False)
    _refuse_unsafe(settings)
    if samples and not settings.sandbox:
        err.print(
            "[red]error:[/red] samples and sample officers are loaded only in the sandbox: "
            "set JHT_SANDBOX=true, or import your registry with `jht participants import`",
            highlight=False,
        )
        raise typer.Exit(2)
    runtime = _runtime(settings)
    if samples is None:
        samples = settings.sandbox and settings.database_url is None
    if samples:
        load_samples_if_empty(runtime, err)
    runtime.close()
    err.print(f"serving on http://{host}:{port} (data folder {settings.data_dir.resolve()})")
    uvicorn.run(
        "claims.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        # The app trusts X-Forwarded-* itself, from JHT_FORWARDED_ALLOW_IPS only
        # (claims.http.proxy), so that tests exercise the same code.
        proxy_headers=False,
    )


@app.command("scheduler")
def scheduler_command() -> None:
    """Run only the scheduler, beside API processes started with JHT_SCHEDULER=off."""
    import signal
    import threading

    from claims.jobs import run_scheduler_forever

    settings = get_settings()
    _refuse_unsafe(settings)
    runtime = _runtime(settings)
    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda *_: stop.set())
    err.print("scheduler running (one active across processes); Ctrl+C to stop")
    try:
        run_scheduler_forever(runtime, stop)
    finally:
        runtime.close()
    err.print("scheduler stopped")


@audit_app.command("verify")
def audit_verify() -> None:
    """Verify every claim's event chain; names the first broken event of each claim (exit 1)."""
    from claims.casework.audit import verify_chains

    runtime = _runtime()
    try:
        with runtime.db.read_only() as session:
            checked, broken = verify_chains(session)
    finally:
        runtime.close()
    for link in broken:
        err.print(
            f"claim {link.claim_id}: event {link.seq} (id {link.event_id}) is broken: {link.problem}",
            highlight=False,
            markup=False,
        )
    err.print(f"{checked} events checked, {len(broken)} broken chain(s)")
    if broken:
        raise typer.Exit(1)


@app.command()
def demo(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="Folder for the demo's data (default: a new temporary one)"
        ),
    ] = None,
) -> None:
    """Drive a claim of every reason through the whole workflow on the sandbox clock."""
    from claims.demo import run_demo

    if data_dir is not None and data_dir.exists() and any(data_dir.iterdir()):
        err.print(f"[red]error:[/red] {data_dir} is not empty; the demo needs a fresh folder")
        raise typer.Exit(2)
    raise typer.Exit(run_demo(data_dir, Console()))


@workflow_app.command("diagram")
def workflow_diagram(
    lifecycle: str = typer.Argument(
        "claim", help="claim, payout, interview or document", show_default=True
    ),
) -> None:
    """Print a lifecycle as a Mermaid state diagram, generated from its table."""
    from workflow.diagram import LIFECYCLES, lifecycle_diagram, mermaid_diagram

    if lifecycle == "claim":
        typer.echo(mermaid_diagram())
    elif lifecycle in LIFECYCLES:
        typer.echo(lifecycle_diagram(LIFECYCLES[lifecycle]))
    else:
        err.print(f"[red]error:[/red] no lifecycle {lifecycle!r}: claim, {', '.join(LIFECYCLES)}")
        raise typer.Exit(2)


@sms_app.command("simulate")
def sms_simulate(
    sender: Annotated[str, typer.Argument(metavar="FROM", help="The sender's phone number")],
    text: Annotated[str, typer.Argument(help="The message, quoted")],
) -> None:
    """Play an inbound SMS to 2757 as if the aggregator delivered it (no signature needed)
    and print the reply, which is queued for the sender like any other."""
    import anyio

    from claims.sms.inbound import simulate_sms

    runtime = _runtime()
    try:
        reply = anyio.run(simulate_sms, runtime, sender, text)
    finally:
        runtime.close()
    typer.echo(reply)


def main() -> None:
    # Rich draws progress bars only on a terminal; keep the output plain in CI logs.
    os.environ.setdefault("COLUMNS", "100")
    from pydantic import ValidationError

    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except ValidationError as error:
        # A JHT_ setting with a wrong value: say which and why, not a traceback.
        for problem in error.errors():
            name = "JHT_" + "_".join(str(part) for part in problem["loc"]).upper()
            err.print(f"[red]error:[/red] {name}: {problem['msg']}", highlight=False)
        sys.exit(2)
