"""`tikscope portfolio`: a workspace's metrics combined across its accounts, accounts ranked."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer

from tikscope.cli.analytics import FromOption, LastOption, ToOption
from tikscope.cli.options import DbOption, FormatOption
from tikscope.cli.output import OutputFormat, print_rows
from tikscope.config import DEFAULT_DB_PATH
from tikscope.metrics.model import Unit
from tikscope.reports.html import format_value


def register(app: typer.Typer) -> None:
    """Add `portfolio` to the app."""
    app.command("portfolio")(portfolio)


def portfolio(
    workspace: Annotated[str, typer.Option("--workspace", help="The workspace's slug.")],
    db: DbOption = DEFAULT_DB_PATH,
    start: FromOption = None,
    end: ToOption = None,
    last: LastOption = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Every metric across the workspace's accounts: counts summed, the rest averaged, ranked.

    The same combination as `tikscope spark metrics` writes for each workspace.
    """
    from tikscope.cli import commands

    title, lines = commands.portfolio(db, workspace, start, end, last)
    if output is not OutputFormat.table:
        rows = [dataclasses.asdict(line) | {"ranking": [list(r) for r in line.ranking]}
                for line in lines]  # fmt: skip
        print_rows(rows, output, title=title)
        return
    rows = [
        {"metric": line.label, "combined": line.combined,
         "value": format_value(line.value, Unit(line.unit)), "accounts": line.accounts,
         "best": line.ranking[0][0] if line.ranking else None}
        for line in lines if line.combined != "not combined"
    ]  # fmt: skip
    print_rows(rows, output, title=title)
