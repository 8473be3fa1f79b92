"""`tikscope` commands. Each one parses options, calls one library function and prints."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from tikscope.cli import (
    access,
    analytics,
    audience,
    comments,
    connect,
    dev,
    export,
    forward,
    portfolio,
    recommend,
    report,
    rewards,
    schedules,
    serve,
    sources,
    spark,
)
from tikscope.cli.options import DbOption, FormatOption, date_parser, handle_parser
from tikscope.cli.output import OutputFormat, human_bytes, print_rows
from tikscope.cli.tables import print_record
from tikscope.config import DEFAULT_DB_PATH, DEMO_DIR
from tikscope.errors import ConflictError, TikscopeError, UsageError
from tikscope.simulate.config import SimulationConfig
from tikscope.sources.records import AccountType
from tikscope.store.summary import source_label

app = typer.Typer(
    help="tikscope: self-hosted TikTok analytics and audience insights.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def yesterday() -> date:
    """The last complete UTC day."""
    return datetime.now(UTC).date() - timedelta(days=1)


@app.command()
def simulate(
    db: DbOption = DEFAULT_DB_PATH,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same data.")] = 7,
    account_type: Annotated[
        AccountType, typer.Option(help="Business or personal account.")
    ] = "business",
    handle: Annotated[
        str,
        typer.Option(
            parser=handle_parser("--handle"),
            metavar="HANDLE",
            help="Handle of the simulated account.",
        ),
    ] = "casa_verde_demo",
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days of history.")] = 365,
    posts: Annotated[int, typer.Option(min=0, max=100_000, help="Posts published.")] = 300,
    members: Annotated[int, typer.Option(min=0, max=5_000_000, help="Audience members.")] = 50_000,
    communities: Annotated[int, typer.Option(min=2, max=12, help="Planted communities.")] = 8,
    end_date: Annotated[
        date | None,
        typer.Option(
            parser=date_parser("--end-date"),
            metavar="YYYY-MM-DD",
            help="Last simulated day (UTC). Default: yesterday.",
        ),
    ] = None,
    planted_effects: Annotated[
        bool,
        typer.Option(
            "--planted-effects",
            help="Posts do better or worse by hour, hashtag and length (for `recommend`).",
        ),
    ] = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Simulate a realistic account and write it to the store (replaces an earlier one)."""
    from tikscope.cli import commands

    config = SimulationConfig(
        seed=seed,
        account_type=account_type,
        handle=handle,
        days=days,
        posts=posts,
        members=members,
        communities=communities,
        end_date=end_date or yesterday(),
        planted_effects=planted_effects,
    )
    result = commands.simulate(db, config)
    print_rows(result, output, title=f"Simulated @{handle} into {db}")


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Folder for the demo store.", file_okay=False)
    ] = DEMO_DIR,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Build the demo workspace: a simulated business account, and show what is in it."""
    from tikscope.cli import commands
    from tikscope.cli.demo import print_demo_summary, program_name, write_sample_texts

    db = directory / "tikscope.duckdb"
    commands.simulate(db, commands.demo_config(seed, yesterday()))
    write_sample_texts(directory)
    overview, account = commands.demo_facts(db)
    print_demo_summary(overview, account, db=db, program=program_name())
    page = commands.write_demo_report(db, directory)
    typer.echo(f"\nAccount report (last 28 days): {page}")
    audience_page, lines = commands.audience_report(
        db, None, directory / "audience", clusters=None, labels=True, seed=seed,
        min_group_size=10, min_cluster_size=10, keep=(False, False, False),
    )  # fmt: skip
    typer.echo("\n" + "\n".join(lines))
    typer.echo(f"Audience insights report: {audience_page}")


@app.command()
def info(db: DbOption = DEFAULT_DB_PATH, output: FormatOption = OutputFormat.table) -> None:
    """Show what is in a store: schema version, size, tables and row counts."""
    from tikscope.cli import commands

    overview, counts = commands.info(db)
    if output is OutputFormat.table:
        size = human_bytes(overview.pop("size_bytes"))
        print_record({**overview, "size": size}, title="Store")
        print_rows(counts, output, title="Tables")
    else:
        print_rows([{**overview, "tables": {row["table"]: row["rows"] for row in counts}}], output)


@app.command()
def accounts(db: DbOption = DEFAULT_DB_PATH, output: FormatOption = OutputFormat.table) -> None:
    """List the accounts in the store with their history."""
    from tikscope.cli import commands

    rows = commands.accounts(db)
    if output is OutputFormat.table:
        rows = [{**row, "sources": ", ".join(map(source_label, row["sources"]))} for row in rows]
    columns = ("handle", "account_type", "time_zone", "sources", "posts", "audience_members",
               "first_day", "last_day", "followers")  # fmt: skip
    print_rows(rows, output, title="Accounts", table_columns=columns, too_wide="records")


@app.command()
def runs(
    db: DbOption = DEFAULT_DB_PATH,
    limit: Annotated[int, typer.Option(min=1, help="How many of the latest runs.")] = 20,
    output: FormatOption = OutputFormat.table,
) -> None:
    """List the imports, syncs and simulations that wrote to the store, newest first."""
    from tikscope.cli import commands

    columns = ("run_id", "kind", "source", "handle", "finished_at", "rows_written", "rows_deleted")
    print_rows(commands.runs(db, limit), output, title="Runs", table_columns=columns)


analytics.register(app)
report.register(app)
audience.register(app)
sources.register(app)
connect.register(app)
dev.register(app)
access.register(app)
serve.register(app)
export.register(app)
rewards.register(app)
recommend.register(app)
spark.register(app)
portfolio.register(app)
comments.register(app)
schedules.register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI, turning every expected failure into a one-line message and an exit code."""
    command = typer.main.get_command(app)
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        forwarded = forward.forward_if_served(command, arguments)
        if forwarded is not None:
            return forwarded  # the server holding the store ran it
        result: Any = command.main(args=arguments, prog_name="tikscope", standalone_mode=False)
    except typer.Exit as exit_:
        return int(exit_.exit_code)
    except typer.TyperException as error:  # Typer's usage errors: bad options, unknown commands
        if type(error).__name__ == "NoArgsIsHelpError":
            return 0  # help was printed, as asked for by running `tikscope` alone
        return fail(describe_usage_error(error), int(getattr(error, "exit_code", 2)))
    except (typer.Abort, KeyboardInterrupt):
        return fail("interrupted", 130)
    except ConflictError as error:  # fine arguments, but the store's state refuses them
        return fail(str(error), 1)
    except UsageError as error:  # options that parse but make no sense: a usage error too
        return fail(str(error), 2)
    except TikscopeError as error:
        return fail(str(error), 1)
    return result if isinstance(result, int) else 0


def describe_usage_error(error: Exception) -> str:
    """Typer's message for a usage error, with where to find help."""
    format_message = getattr(error, "format_message", None)
    message = format_message() if callable(format_message) else str(error)
    context = getattr(error, "ctx", None)
    path = getattr(context, "command_path", None)
    return f"{message} (see `{path} --help`)" if path else str(message)


def fail(message: str, code: int) -> int:
    """Print one error line to standard error and return the exit code."""
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
    return code


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
