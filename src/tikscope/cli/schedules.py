"""`tikscope schedules`, `branding` and `mail`: white-label reports sent every week or month."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tikscope.cli.access import change, transaction, utc_now
from tikscope.cli.options import DbOption, FormatOption, add_group, handle_parser
from tikscope.cli.output import OutputFormat, print_rows
from tikscope.cli.sources import KeyFileOption, key_path
from tikscope.config import DEFAULT_DB_PATH
from tikscope.errors import UsageError

if TYPE_CHECKING:
    from tikscope.delivery.schedules import Delivery, Schedule
    from tikscope.store.db import DuckDBPyConnection

PASSWORD_ENV_VAR = "TIKSCOPE_SMTP_PASSWORD"


def register(app: typer.Typer) -> None:
    """Add the `schedules`, `branding` and `mail` command groups to the app."""
    add_group(app, "schedules", "Reports sent every week or month, to a folder or by e-mail.", {
        "add": schedules_add, "list": schedules_list, "remove": schedules_remove,
        "run": schedules_run, "retry": schedules_retry, "deliveries": schedules_deliveries,
    })  # fmt: skip
    add_group(app, "branding", "A workspace's name, logo and colours on its reports.", {
        "set": branding_set, "show": branding_show, "clear": branding_clear,
    })  # fmt: skip
    add_group(app, "mail", "The SMTP relay that sends scheduled reports.", {
        "set": mail_set, "show": mail_show, "test": mail_test,
    })  # fmt: skip


WorkspaceOption = Annotated[str, typer.Option("--workspace", help="The workspace (its slug).")]


def schedules_add(
    workspace: WorkspaceOption,
    account: Annotated[
        str,
        typer.Option(
            "--account",
            parser=handle_parser("--account"),
            metavar="HANDLE",
            help="Handle of an account in the workspace.",
        ),
    ],
    template: Annotated[
        str, typer.Option(help="account, audience, comments or media-kit.")
    ] = "account",
    every: Annotated[str, typer.Option(help="week (Monday to Sunday) or month.")] = "week",
    hour: Annotated[int, typer.Option(help="Hour (UTC) of the day after the period.")] = 8,
    folder: Annotated[
        Path | None, typer.Option(help="Write HTML and PDF into this folder.")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Mail the PDF to these addresses (comma-separated).")
    ] = None,
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Deliver an account's report every week or month, to a folder or by e-mail."""
    from tikscope import access
    from tikscope.delivery.run import TEMPLATES
    from tikscope.delivery.schedules import Cadence, add_schedule, check_recipients

    cadence = {"week": Cadence.WEEKLY, "month": Cadence.MONTHLY}.get(every.strip().lower())
    if cadence is None:
        raise UsageError(f"--every: {every!r} is not week or month")
    if template not in TEMPLATES:
        raise UsageError(f"--template: {template!r} is not one of {', '.join(sorted(TEMPLATES))}")
    recipients = check_recipients(email.split(",")) if email is not None else ()

    def add(connection: DuckDBPyConnection) -> int:
        space = access.require_workspace(connection, workspace)
        account_id = access.require_account_id(connection, account)
        if account_id not in workspace_accounts(connection, space):
            slug = workspace.lower()
            raise UsageError(f"@{account} is not in workspace {slug}; "
                             f"`tikscope workspaces add-account {slug} {account}`")  # fmt: skip
        return add_schedule(connection, workspace_id=space, account_id=account_id,
                            template=template, cadence=cadence, hour=hour, folder=folder,
                            recipients=recipients, now=utc_now())  # fmt: skip

    schedule_id = change(db, add)
    where = f"folder {folder}" if folder is not None else "e-mail to " + ", ".join(recipients)
    typer.echo(f"schedule {schedule_id}: the {cadence.value} {template} report of @{account} "
               f"goes to {where}, from {hour:02d}:00 UTC the day after each period")  # fmt: skip


def workspace_accounts(connection: DuckDBPyConnection, space: int) -> set[str]:
    """The account ids of a workspace."""
    rows = connection.execute(
        "SELECT account_id FROM workspace_accounts WHERE workspace_id = ?", [space]
    ).fetchall()
    return {str(row[0]) for row in rows}


def schedule_row(schedule: Schedule) -> dict[str, Any]:
    """A schedule as a printed row."""
    return {"id": schedule.schedule_id, "workspace": schedule.workspace,
            "account": f"@{schedule.handle}", "report": schedule.template,
            "every": schedule.cadence.value, "hour_utc": schedule.hour, "to": schedule.target,
            "created_at": schedule.created_at}  # fmt: skip


def schedules_list(
    db: DbOption = DEFAULT_DB_PATH, output: FormatOption = OutputFormat.table
) -> None:
    """List the schedules."""
    from tikscope.delivery.schedules import list_schedules

    rows = [schedule_row(s) for s in change(db, list_schedules)]
    print_rows(rows, output, title="Schedules",
               table_columns=["id", "workspace", "account", "report", "every", "to"])  # fmt: skip


def schedules_remove(
    schedule_id: Annotated[int, typer.Argument(help="The schedule's id.")],
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Delete a schedule and its delivery history."""
    from tikscope.delivery.schedules import remove_schedule

    change(db, lambda connection: remove_schedule(connection, schedule_id))
    typer.echo(f"removed schedule {schedule_id}")


NowOption = Annotated[
    datetime | None,
    typer.Option(help="Deliver what is due at this UTC time instead of now (for testing)."),
]


def schedules_run(
    now: NowOption = None, key_file: KeyFileOption = None, db: DbOption = DEFAULT_DB_PATH
) -> None:
    """Deliver every report that is due (what `tikscope serve` does every minute)."""
    from tikscope.delivery.run import deliver_due
    from tikscope.sources.tokens import TokenCipher

    cipher = TokenCipher.from_key_file(key_path(key_file))
    from tikscope.store.db import open_store

    with open_store(db) as connection:
        outcomes = deliver_due(connection, now or utc_now(), cipher=cipher)
    if not outcomes:
        typer.echo("nothing is due")
    for outcome in outcomes:
        typer.echo(f"schedule {outcome.schedule.schedule_id} ({outcome.period_start} to "
                   f"{outcome.period_end}): {outcome.status.value}: {outcome.detail}")  # fmt: skip
    if any(outcome.status.value != "sent" for outcome in outcomes):
        raise typer.Exit(1)


def schedules_retry(
    schedule_id: Annotated[int, typer.Argument(help="The schedule's id.")],
    period_start: Annotated[
        datetime, typer.Argument(help="First day of the period (YYYY-MM-DD).", formats=["%Y-%m-%d"])
    ],
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Try a failed or given-up delivery again at the next run (a sent one is never resent)."""
    from tikscope.delivery.schedules import retry_delivery

    start: date = period_start.date()
    change(db, lambda connection: retry_delivery(connection, schedule_id, start, utc_now()))
    typer.echo(f"schedule {schedule_id}, period from {start}: due again")


def delivery_row(item: Delivery) -> dict[str, Any]:
    """A delivery as a printed row."""
    return {"schedule": item.schedule_id, "period": f"{item.period_start} to {item.period_end}",
            "status": item.status.value, "attempts": item.attempts,
            "last_attempt_at": item.last_attempt_at, "next_attempt_at": item.next_attempt_at,
            "delivered_at": item.delivered_at, "error": item.error,
            "written_to": item.written_to}  # fmt: skip


def schedules_deliveries(
    db: DbOption = DEFAULT_DB_PATH, output: FormatOption = OutputFormat.table
) -> None:
    """List recent deliveries: sent, failed (with the next try) and given up."""
    from tikscope.delivery.schedules import deliveries

    rows = [delivery_row(item) for item in change(db, deliveries)]
    print_rows(rows, output, title="Deliveries",
               table_columns=["schedule", "period", "status", "attempts", "error"])  # fmt: skip


def branding_set(
    workspace: WorkspaceOption,
    name: Annotated[str, typer.Option(help="The name reports show instead of tikscope.")],
    logo: Annotated[
        Path | None, typer.Option(help="A PNG, JPEG or SVG logo (512 KiB at most).")
    ] = None,
    colour: Annotated[str, typer.Option(help="Main colour, #rrggbb.")] = "#111827",
    accent: Annotated[str, typer.Option(help="Accent colour (links), #rrggbb.")] = "#2563eb",
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Put a workspace's name, logo and colours on its reports."""
    from tikscope import access
    from tikscope.delivery.branding import check_colour, read_logo, set_branding
    from tikscope.reports.branding import Branding

    if not name.strip():
        raise UsageError("--name: give the name reports should show")
    image, media_type = read_logo(logo) if logo is not None else (None, None)
    branding = Branding(name=name.strip(), primary=check_colour(colour, "--colour"),
                        accent=check_colour(accent, "--accent"), logo=image,
                        logo_type=media_type, white_label=True)  # fmt: skip

    def save(connection: DuckDBPyConnection) -> None:
        set_branding(
            connection, access.require_workspace(connection, workspace), branding, utc_now()
        )

    change(db, save)
    typer.echo(f"reports of {workspace.lower()} now show {branding.name}")


def branding_show(workspace: WorkspaceOption, db: DbOption = DEFAULT_DB_PATH) -> None:
    """Show a workspace's branding."""
    from tikscope import access
    from tikscope.delivery.branding import workspace_branding

    branding = change(db, lambda c: workspace_branding(c, access.require_workspace(c, workspace)))
    logo = f"{branding.logo_type}, {len(branding.logo):,} bytes" if branding.logo else "none"
    own = "" if branding.white_label else " (tikscope's; set one with `tikscope branding set`)"
    typer.echo(f"name: {branding.name}{own}\ncolour: {branding.primary}\n"
               f"accent: {branding.accent}\nlogo: {logo}")  # fmt: skip


def branding_clear(workspace: WorkspaceOption, db: DbOption = DEFAULT_DB_PATH) -> None:
    """Go back to tikscope's name and colours."""
    from tikscope import access
    from tikscope.delivery.branding import clear_branding

    change(db, lambda c: clear_branding(c, access.require_workspace(c, workspace)))
    typer.echo(f"reports of {workspace.lower()} show tikscope again")


def mail_set(
    host: Annotated[str, typer.Option(help="The SMTP relay's host name.")],
    sender: Annotated[str, typer.Option("--from", help="The From address.")],
    port: Annotated[int, typer.Option(help="587 for starttls, 465 for tls.")] = 587,
    security: Annotated[
        str, typer.Option(help="starttls, tls or none (local relay only).")
    ] = "starttls",
    username: Annotated[
        str | None, typer.Option(help="Login name, if the relay needs one.")
    ] = None,
    ca_file: Annotated[Path | None, typer.Option(help="CA certificate of a private relay.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    key_file: KeyFileOption = None,
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Set the SMTP relay; its password is stored encrypted with the key file.

    The password comes from standard input (--password-stdin), from $TIKSCOPE_SMTP_PASSWORD, or
    from a hidden prompt.
    """
    import sys

    from tikscope.delivery.mail import MailSettings, check_ca_file, save_settings
    from tikscope.delivery.schedules import check_recipients
    from tikscope.sources.tokens import TokenCipher

    check_recipients([sender])
    sealed = None
    if username:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = os.environ.get(PASSWORD_ENV_VAR) or typer.prompt(
                "SMTP password", hide_input=True
            )
        if not password:
            raise UsageError("no SMTP password given")
        sealed = TokenCipher.from_key_file(key_path(key_file)).encrypt(password)
    settings = MailSettings(host=host.strip(), port=port, security=security.strip().lower(),
                            sender=sender.strip(), username=username, password_sealed=sealed,
                            ca_file=check_ca_file(ca_file))  # fmt: skip
    change(db, lambda connection: save_settings(connection, settings, utc_now()))
    typer.echo(f"reports are mailed through {settings.described()}")


def mail_show(db: DbOption = DEFAULT_DB_PATH) -> None:
    """Show the SMTP relay (never its password)."""
    from tikscope.delivery.mail import load_settings

    settings = change(db, load_settings)
    typer.echo(settings.described() if settings else "no SMTP relay is set; `tikscope mail set`")


def mail_test(
    to: Annotated[str, typer.Option("--to", help="Where to send the test message.")],
    key_file: KeyFileOption = None,
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Send a test message through the relay."""
    from tikscope.delivery.mail import load_settings, send
    from tikscope.delivery.schedules import check_recipients
    from tikscope.sources.tokens import TokenCipher

    recipients = check_recipients([to])
    with transaction(db) as connection:
        settings = load_settings(connection)
    if settings is None:
        raise UsageError("no SMTP relay is set; run `tikscope mail set` first")
    cipher = TokenCipher.from_key_file(key_path(key_file))
    send(settings, cipher, recipients=recipients, subject="tikscope: test message",
         body="The SMTP relay works: scheduled reports will arrive like this one.\n")  # fmt: skip
    typer.echo(f"sent a test message to {to} through {settings.host}:{settings.port}")
