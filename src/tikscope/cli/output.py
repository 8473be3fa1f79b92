"""Printing rows as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from rich.console import Console, JustifyMethod
from rich.table import Table


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
) -> None:
    """Print rows in the chosen format to standard output.

    `table_columns` narrows the terminal table to what fits a terminal; JSON and CSV get every
    column.
    """
    if output is OutputFormat.json:
        print(json.dumps([{k: plain(v) for k, v in row.items()} for row in rows], indent=2))
    elif output is OutputFormat.csv:
        print_csv(rows)
    else:
        narrow = [{k: row[k] for k in table_columns} for row in rows] if table_columns else rows
        print_table(narrow, title=title)


def print_csv(rows: Sequence[dict[str, Any]]) -> None:
    """Rows as CSV with a header line."""
    if not rows:
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: json.dumps(v) if isinstance(v, dict | list) else plain(v) for k, v in row.items()}
        )
    sys.stdout.write(buffer.getvalue())


def print_table(rows: Sequence[dict[str, Any]], *, title: str | None = None) -> None:
    """Rows as a Rich table; numbers right-aligned with thousands separators."""
    console = Console()
    if not rows:
        console.print(f"{title + ': ' if title else ''}nothing yet")
        return
    table = Table(title=title, title_justify="left")
    for name, value in rows[0].items():
        justify: JustifyMethod = "right" if isinstance(value, int | float) else "left"
        table.add_column(name.replace("_", "\n"), justify=justify, overflow="fold")
    for row in rows:
        table.add_row(*(format_cell(value) for value in row.values()))
    console.print(table)


def print_record(record: dict[str, Any], *, title: str) -> None:
    """One record as a two-column table of fields and values."""
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for name, value in record.items():
        table.add_row(name.replace("_", " "), format_cell(value))
    Console().print(table)


def format_cell(value: Any) -> str:
    """A cell as text for the terminal."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(plain(value))


def human_bytes(size: int) -> str:
    """A byte count as B, KB, MB or GB."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def write_xlsx(rows: Sequence[dict[str, Any]], path: str, *, sheet: str) -> None:
    """Rows as an XLSX workbook with a header row."""
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    if rows:
        worksheet.append(list(rows[0]))
    for row in rows:
        worksheet.append([plain_cell(value) for value in row.values()])
    workbook.save(path)


def plain_cell(value: Any) -> Any:
    """A value XLSX can hold."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value
