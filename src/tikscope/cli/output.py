"""Printing rows as a table, JSON or CSV, and writing them to files."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from tikscope.cli.tables import TooWide, print_table
from tikscope.errors import UsageError
from tikscope.reports.spreadsheet import csv_text


class OutputFormat(StrEnum):
    """How a command prints its results."""

    table = "table"
    json = "json"
    csv = "csv"


def plain(value: Any) -> Any:
    """A JSON-friendly version of a cell."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def print_rows(
    rows: Sequence[dict[str, Any]],
    output: OutputFormat,
    *,
    title: str | None = None,
    table_columns: Sequence[str] | None = None,
    footnotes: Sequence[str] = (),
    too_wide: TooWide = "drop",
) -> None:
    """Print rows in the chosen format to standard output.

    `table_columns` narrows the terminal table to what a terminal needs; JSON and CSV get every
    column. In the table, `footnotes` columns become markers with their text under the table.
    """
    if output is OutputFormat.json:
        sys.stdout.write(rows_json(rows))
    elif output is OutputFormat.csv:
        sys.stdout.write(rows_csv(rows))
    else:
        narrow = [{k: row[k] for k in table_columns} for row in rows] if table_columns else rows
        print_table(narrow, title=title, footnotes=footnotes, too_wide=too_wide)


def rows_json(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as an indented JSON array, with a final line break."""
    return json.dumps([{k: plain(v) for k, v in row.items()} for row in rows], indent=2) + "\n"


def rows_csv(rows: Sequence[dict[str, Any]], names: Sequence[str] | None = None) -> str:
    """Rows as CSV with a header line (`names`, or the first row's keys; none for no rows).

    Text that a spreadsheet would run as a formula is neutralised (see `reports.spreadsheet`).
    """
    fieldnames = list(names if names is not None else rows[0] if rows else [])
    if not fieldnames:
        return ""
    return csv_text(fieldnames, ([row.get(name) for name in fieldnames] for row in rows))


def write_file(path: Path, content: str | bytes) -> None:
    """Write a file named by `--out`; a path that cannot be written is a usage error."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        path.write_bytes(data)
    except OSError as error:
        folder = path.parent
        reason = f"no folder {folder}" if not folder.is_dir() else error.strerror or str(error)
        raise UsageError(f"--out: cannot write {path}: {reason}") from error


def human_bytes(size: int) -> str:
    """A byte count as B, KB, MB or GB."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
