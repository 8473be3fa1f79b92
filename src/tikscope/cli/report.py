"""`tikscope report account`: the account report as an HTML page with charts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tikscope.cli.analytics import (
    AccountOption,
    BasisOption,
    FromOption,
    LastOption,
    RateOption,
    ToOption,
)
from tikscope.cli.options import DbOption, add_group
from tikscope.config import DEFAULT_DB_PATH

OutOption = Annotated[
    Path,
    typer.Option("--out", help="Folder to write index.html and charts/ into.", file_okay=False),
]


def register(app: typer.Typer) -> None:
    """Add the `report` command group to the app."""
    add_group(app, "report", "Write reports: HTML pages with charts.", {"account": account_report})


def account_report(
    out: OutOption,
    db: DbOption = DEFAULT_DB_PATH,
    account: AccountOption = None,
    start: FromOption = None,
    end: ToOption = None,
    last: LastOption = None,
    engagement_rate: RateOption = 100,
    engagement_basis: BasisOption = "reach",
) -> None:
    """The account report for a period: every metric vs the previous period, with charts."""
    from tikscope.cli import commands

    page, period_note = commands.report_account(
        db, account, start, end, last, out=out, rate=engagement_rate, basis=engagement_basis
    )
    typer.echo(f"wrote {page}")
    if period_note is not None:
        typer.echo(f"note: {period_note}")
