"""`tikscope export parquet`: the store as Parquet files for Spark and other engines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tikscope.cli.options import DbOption, FormatOption, add_group
from tikscope.cli.output import OutputFormat, print_rows
from tikscope.config import DEFAULT_DB_PATH


def register(app: typer.Typer) -> None:
    """Add the `export` command group to the app."""
    add_group(app, "export", "Export the store for other engines.", {"parquet": parquet})


def parquet(
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder of the export (new, empty, or an earlier export)."),
    ],
    db: DbOption = DEFAULT_DB_PATH,
    audience: Annotated[
        bool,
        typer.Option(
            "--audience",
            help="Also the audience graph: member keys, follows and outside accounts (no traits).",
        ),
    ] = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Write the store's tables as Parquet, partitioned by account (and month), incrementally.

    Only partitions that changed since the last export into the same folder are written again;
    manifest.json names every file, the store's schema version and each table's columns.
    """
    from tikscope.store.db import open_store
    from tikscope.store.export import export_parquet

    with open_store(db) as connection:
        result = export_parquet(connection, out, audience=audience)
    rows = [vars(table) for table in result.tables]
    print_rows(
        rows, output,
        title=f"Exported {db} (schema {result.schema_version}) to {out}",
        table_columns=("table", "partitions", "written", "unchanged", "removed", "rows"),
    )  # fmt: skip
