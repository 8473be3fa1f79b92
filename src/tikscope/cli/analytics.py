"""`tikscope metrics` and `tikscope posts`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tikscope.cli.options import DbOption, FormatOption, date_parser, handle_parser
from tikscope.cli.output import OutputFormat, print_rows, rows_json, write_file
from tikscope.cli.tables import print_table
from tikscope.config import DEFAULT_DB_PATH
from tikscope.errors import UsageError
from tikscope.metrics.activity import WEEKDAYS
from tikscope.metrics.post_rows import PostRow
from tikscope.metrics.query import ENGAGEMENT_BASES
from tikscope.metrics.registry import metric_sections
from tikscope.metrics.run import MetricLine
from tikscope.metrics.sections import DEFAULT_POST_COLUMNS, DIMENSIONS, Demographics
from tikscope.reports.html import format_change, format_value

if TYPE_CHECKING:
    from tikscope.cli.commands import Composite

AccountOption = Annotated[
    str | None,
    typer.Option("--account", parser=handle_parser("--account"), metavar="HANDLE",
                 help="Handle of the account (needed if several)."),
]  # fmt: skip
FromOption = Annotated[
    date | None,
    typer.Option(
        "--from", parser=date_parser("--from"), metavar="YYYY-MM-DD",
        help="First day of the period.",
    ),
]  # fmt: skip
ToOption = Annotated[
    date | None,
    typer.Option(
        "--to", parser=date_parser("--to"), metavar="YYYY-MM-DD", help="Last day of the period."
    ),
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
    typer.Option(
        "--engagement-basis",
        help=f"Engagement denominator: {', '.join(ENGAGEMENT_BASES)}.",
    ),
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
    section: Annotated[
        str | None,
        typer.Option(
            help="Only one section: "
            + ", ".join(repr(key) if " " in key else key for key in metric_sections())
            + ", or series, demographics, activity."
        ),
    ] = None,
    series: Annotated[
        str, typer.Option(help="Granularity of the series section: day, week or month.")
    ] = "day",
    engagement_rate: RateOption = 100,
    engagement_basis: BasisOption = "reach",
    output: FormatOption = OutputFormat.table,
) -> None:
    """Account metrics for a period: community, account, posts viewed and published, Studio."""
    from tikscope.cli import commands

    if section in COMPOSITE_SECTIONS:
        title, data, period_note = commands.composite_section(
            db, account, start, end, last, section=section, granularity=series
        )  # fmt: skip
        print_composite(section, data, output, title=title)
        print_period_note(period_note, output)
        return
    lines, title, flags, period_note = commands.metrics(
        db, account, start, end, last, compare=compare, section=section,
        rate=engagement_rate, basis=engagement_basis,
    )  # fmt: skip
    if output is OutputFormat.csv:
        from tikscope.reports.spreadsheet import table_csv
        from tikscope.reports.tables import metrics_table

        # NOTE: the same table as every spreadsheet tikscope writes: labels as headers.
        sys.stdout.write(table_csv(metrics_table(lines)))
    else:
        table = output is OutputFormat.table
        rows = [readable(line) if table else line.as_json() for line in lines]
        columns = ["section", "label", "value", *(["previous", "change_%"] if compare else []),
                   "note"]  # fmt: skip
        print_rows(rows, output, title=title, table_columns=columns, footnotes=("note",))
    print_period_note(period_note, output)
    if output is OutputFormat.table:
        for flag in flags:
            typer.echo(f"note: {flag}")
    if output is OutputFormat.table and section is None:
        for name in COMPOSITE_SECTIONS:
            title, data, _ = commands.composite_section(
                db, account, start, end, last, section=name, granularity=series
            )  # fmt: skip
            print_composite(name, data, output, title=title)


def print_period_note(note: str | None, output: str) -> None:
    """Say how the period was cut to the store's data: under the table, or on standard error.

    # NOTE: JSON and CSV on standard output stay exactly the rows, so that they still parse; the
    # note goes to standard error, where a person running the command sees it.
    """
    if note is not None:
        typer.echo(f"note: {note}", err=output != OutputFormat.table.value)


COMPOSITE_SECTIONS = ("series", "demographics", "activity")


def peak_hours(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per weekday, the busiest and quietest hours (account's time zone), in terminal width."""
    rows = []
    for weekday, name in enumerate(WEEKDAYS):
        day = sorted(
            (c for c in cells if c["weekday"] == weekday), key=lambda c: -c["active_followers"]
        )
        if day:
            rows.append({
                "weekday": name,
                "busiest hours": ", ".join(f"{c['hour']:02d}h" for c in day[:3]),
                "active then": round(day[0]["active_followers"]),
                "quietest hour": f"{day[-1]['hour']:02d}h",
                "active then ": round(day[-1]["active_followers"]),
            })  # fmt: skip
    return rows


def print_composite(name: str, data: Composite, output: OutputFormat, *, title: str) -> None:
    """Print the series, demographics or activity section (rows made here, for printing)."""
    if isinstance(data, Demographics):
        print_demographics(data, output, title=title)
        return
    rows = [asdict(row) for row in data]
    if name == "series":
        columns = ("period_start", "followers", "gained", "lost", "balance", "video_views")
        print_rows(rows, output, title=title, table_columns=columns)
        return
    print_rows(peak_hours(rows) if output is OutputFormat.table else rows, output, title=title)


def print_demographics(data: Demographics, output: OutputFormat, *, title: str) -> None:
    """Print the demographics: a row per dimension and value, or why there are none."""
    if data.unavailable is not None:
        if output is OutputFormat.table:
            typer.echo(f"{title}: unavailable: {data.unavailable}")
        else:
            print_rows([data.as_json()], output)
        return
    rows: list[dict[str, Any]] = [
        {"dimension": dimension, "value": item.value, "share": item.share}
        for dimension in DIMENSIONS
        for item in data.of(dimension)
    ]
    if output is OutputFormat.table:
        rows = [{**row, "share": f"{row['share']:.1%}"} for row in rows]
    print_rows(rows, output, title=f"{title} (snapshot of {data.snapshot_date})")
    if output is OutputFormat.table:
        notes = [data.note] if data.note else []
        notes += [f"{name}: {reason}" for name, reason in data.missing.items()]
        for note in notes:
            typer.echo(f"note: {note}")


def readable(line: MetricLine) -> dict[str, str]:
    """A metric line with values written in their unit, as the report and web pages write them."""
    row = {"section": line.section, "label": line.label,
           "value": format_value(line.value, line.unit), "note": line.remark}  # fmt: skip
    if line.compared:
        row["previous"] = format_value(line.previous, line.unit)
        row["change_%"] = format_change(line.change_percent)
    return row


def posts(
    db: DbOption = DEFAULT_DB_PATH,
    account: AccountOption = None,
    start: FromOption = None,
    end: ToOption = None,
    last: LastOption = None,
    columns: Annotated[
        str | None,
        typer.Option(help="Comma-separated columns, in order (table default: caption first)."),
    ] = None,
    sort: Annotated[
        str, typer.Option(help="Column to sort by; prefix - for descending.")
    ] = "-views",
    engagement_rate: RateOption = 100,
    engagement_basis: BasisOption = "reach",
    output: Annotated[str, typer.Option("--format", help="table, json, csv or xlsx.")] = "table",
    out: Annotated[
        Path | None,
        typer.Option(help="File to write (csv, json or xlsx; required for xlsx).", dir_okay=False),
    ] = None,
) -> None:
    """The list of posts published in a period, with chosen columns and sort; CSV/XLSX/JSON."""
    from tikscope.cli import commands

    file_format = posts_format(output, out)
    chosen = [name.strip() for name in columns.split(",") if name.strip()] if columns else None
    shown = chosen or (TABLE_POST_COLUMNS if file_format == "table" else DEFAULT_POST_COLUMNS)
    rows, title, period_note = commands.posts(
        db, account, start, end, last, columns=list(shown), sort=sort,
        rate=engagement_rate, basis=engagement_basis,
    )  # fmt: skip
    names = list(dict.fromkeys(["post_id", *shown]))
    if out is not None:
        write_file(out, posts_file(rows, names, file_format))
        typer.echo(f"wrote {len(rows)} posts to {out}")
        print_period_note(period_note, OutputFormat.table)
    elif file_format == "table":
        print_table(terminal_posts(rows, shown), title=title, footnotes=("flags",))
        print_period_note(period_note, OutputFormat.table)
    else:
        sys.stdout.write(posts_text(rows, names, file_format))
        print_period_note(period_note, file_format)


TABLE_POST_COLUMNS = ("caption", *DEFAULT_POST_COLUMNS)
FILE_FORMATS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx"}


def terminal_posts(rows: Sequence[PostRow], shown: Sequence[str]) -> list[dict[str, Any]]:
    """The posts for the terminal: without the long post id when every post has a caption."""
    named = "caption" in shown and all(row.caption for row in rows)
    hidden = () if "post_id" in shown or not named else ("post_id",)
    return [{k: v for k, v in row.as_json().items() if k not in hidden} for row in rows]


def posts_format(output: str, out: Path | None) -> str:
    """The format of `tikscope posts`: --format, or the --out file's ending."""
    if output not in ("table", "json", "csv", "xlsx"):
        raise UsageError(f"--format must be table, json, csv or xlsx, not {output!r}")
    if output == "xlsx" and out is None:
        raise UsageError("--format xlsx needs --out FILE.xlsx")
    if output != "table" or out is None:
        return output
    if out.suffix.lower() not in FILE_FORMATS:
        raise UsageError(f"--out {out}: give --format csv, json or xlsx, or a .csv, .json or "
                         ".xlsx file")  # fmt: skip
    return FILE_FORMATS[out.suffix.lower()]


def posts_file(rows: Sequence[PostRow], names: list[str], file_format: str) -> str | bytes:
    """The posts as a JSON, CSV or XLSX file; CSV and XLSX are the table the web downloads give.

    The table (`reports.tables.posts_table`) has the registry's labels as headers and, in XLSX,
    each column's number format; JSON has the columns' names and counts as integers.
    """
    from tikscope.reports.spreadsheet import table_xlsx
    from tikscope.reports.tables import post_columns, posts_table

    if file_format == "xlsx":
        return table_xlsx(posts_table(rows, post_columns(names)), sheet="posts")
    return posts_text(rows, names, file_format)


def posts_text(rows: Sequence[PostRow], names: list[str], file_format: str) -> str:
    """The posts as JSON or CSV text (see `posts_file`)."""
    from tikscope.reports.spreadsheet import table_csv
    from tikscope.reports.tables import post_columns, posts_table

    if file_format == "json":
        return rows_json([row.as_json() for row in rows])
    return table_csv(posts_table(rows, post_columns(names)))
