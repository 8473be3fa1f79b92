"""`tikscope metrics` and `tikscope posts`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from tikscope.cli.options import DbOption, FormatOption
from tikscope.cli.output import OutputFormat, print_rows, write_xlsx
from tikscope.config import DEFAULT_DB_PATH
from tikscope.errors import UsageError
from tikscope.metrics.model import Unit

AccountOption = Annotated[
    str | None, typer.Option("--account", help="Handle of the account (needed if several).")
]
FromOption = Annotated[
    datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day of the period.")
]
ToOption = Annotated[
    datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day of the period.")
]
LastOption = Annotated[
    int | None,
    typer.Option(
        "--last", min=1, help="The last N days up to the latest data (7, 28, 60, 365...)."
    ),
]
RateOption = Annotated[
    int, typer.Option("--engagement-rate", help="Engagement per 100 or per 1000.")
]
BasisOption = Annotated[
    str,
    typer.Option("--engagement-basis", help="Engagement denominator: reach, views or followers."),
]


def register(app: typer.Typer) -> None:
    """Add the analytics commands to the app."""
    app.command("metrics")(metrics)
    app.command("posts")(posts)


def metrics(
    db: DbOption = DEFAULT_DB_PATH,
    account: AccountOption = None,
    start: FromOption = None,
    end: ToOption = None,
    last: LastOption = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="Compare with the previous period.")
    ] = False,
    section: Annotated[str | None, typer.Option(help="Only one section.")] = None,
    engagement_rate: RateOption = 100,
    engagement_basis: BasisOption = "reach",
    output: FormatOption = OutputFormat.table,
) -> None:
    """Account metrics for a period: community, account, posts viewed and published, Studio."""
    from tikscope.cli import commands

    rows, title, flags = commands.metrics(
        db, account, start, end, last, compare=compare, section=section,
        rate=engagement_rate, basis=engagement_basis,
    )  # fmt: skip
    if output is OutputFormat.table:
        rows = [readable(row) for row in rows]
    columns = ["section", "label", "value", *(["previous", "change_%"] if compare else []), "note"]
    print_rows(rows, output, title=title, table_columns=columns)
    if output is OutputFormat.table:
        for flag in flags:
            typer.echo(f"note: {flag}")


def readable(row: dict[str, Any]) -> dict[str, Any]:
    """A metric row with values written in their unit, for the terminal."""
    unit = row["unit"]
    result = {**row, "value": in_unit(row["value"], unit)}
    if "previous" in row:
        result["previous"] = in_unit(row["previous"], unit)
        percent = row["change_percent"]
        result["change_%"] = "—" if percent is None else f"{percent:+.1f}%"
    return result


def in_unit(value: float | None, unit: str) -> str:
    """A value as text in its unit."""
    if value is None:
        return "—"
    if unit == Unit.FRACTION:
        return f"{value:.1%}"
    if unit == Unit.SECONDS:
        return f"{value:,.1f} s"
    if unit == Unit.COUNT:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def posts(
    db: DbOption = DEFAULT_DB_PATH,
    account: AccountOption = None,
    start: FromOption = None,
    end: ToOption = None,
    last: LastOption = None,
    columns: Annotated[str | None, typer.Option(help="Comma-separated columns, in order.")] = None,
    sort: Annotated[
        str, typer.Option(help="Column to sort by; prefix - for descending.")
    ] = "-views",
    engagement_rate: RateOption = 100,
    engagement_basis: BasisOption = "reach",
    output: Annotated[str, typer.Option("--format", help="table, json, csv or xlsx.")] = "table",
    out: Annotated[Path | None, typer.Option(help="File to write (required for xlsx).")] = None,
) -> None:
    """The list of posts published in a period, with chosen columns and sort; CSV/XLSX/JSON."""
    from tikscope.cli import commands

    if output not in ("table", "json", "csv", "xlsx"):
        raise UsageError(f"--format must be table, json, csv or xlsx, not {output!r}")
    chosen = [name.strip() for name in columns.split(",")] if columns else None
    rows, title = commands.posts(
        db, account, start, end, last, columns=chosen, sort=sort,
        rate=engagement_rate, basis=engagement_basis,
    )  # fmt: skip
    if output == "xlsx":
        if out is None:
            raise UsageError("--format xlsx needs --out FILE.xlsx")
        write_xlsx(rows, str(out), sheet="posts")
        typer.echo(f"wrote {len(rows)} posts to {out}")
        return
    print_rows(rows, OutputFormat(output), title=title)
