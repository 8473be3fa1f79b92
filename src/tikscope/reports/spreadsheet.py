"""Spreadsheets of rows: the one CSV and XLSX writing of tikscope, with formula neutralising.

A text cell that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab
or a carriage return) gets a leading `'` (OWASP's rule for CSV injection); numbers, times and
empty cells are written as they are, so a negative number stays a number. Every CSV and XLSX
tikscope writes (CLI output, `--out` files, the audience report's CSVs, web downloads) goes
through `csv_text` or `xlsx_bytes`, so no writer can forget it.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tikscope.metrics.model import Unit
from tikscope.metrics.registry import POST_COLUMNS_BY_NAME

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
UNIT_FORMATS = {
    Unit.COUNT: "#,##0", Unit.FRACTION: "0.0%", Unit.SECONDS: "#,##0.0", Unit.RATE: "#,##0.00",
    Unit.TEXT: "@", Unit.TIME: "yyyy-mm-dd hh:mm:ss",
}  # fmt: skip
FLAGS_LABEL = "Data quality"


@dataclass(frozen=True)
class SheetColumn:
    """One column of a sheet: the row key, its header and the Excel number format of its cells."""

    name: str
    header: str
    number_format: str


def neutralize(value: Any) -> Any:
    """A cell made safe to open in a spreadsheet: formula-like text gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: formula-like text neutralised, numbers as they are.

    Missing values are empty, nested values JSON, times ISO text.
    """
    if value is None:
        return ""
    if isinstance(value, dict | list | tuple):
        return neutralize(json.dumps(value, default=str))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralize(value)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], *, line_end: str = "\n") -> str:
    """A header line and rows as CSV text, every cell through `csv_cell`."""
    # TRICKY: Python's writer quotes a field only for the characters of its own line end, so
    # with "\n" a carriage return inside a field went out bare, and a spreadsheet started a new
    # row there (`x<CR>=cmd` put `=cmd` first in a row). Rows are written with "\r\n", which
    # quotes both, and each row's end is then set to `line_end`.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    lines = []
    for row in itertools.chain([header], rows):
        writer.writerow([csv_cell(value) for value in row])
        lines.append(buffer.getvalue()[: -len("\r\n")] + line_end)
        buffer.seek(0)
        buffer.truncate()
    return "".join(lines)


def post_sheet_columns(names: Sequence[str], *, labels: bool) -> list[SheetColumn]:
    """Sheet columns for post-list columns (and `flags`), headed by names or registry labels."""
    columns = []
    for name in names:
        if name == "flags":
            columns.append(SheetColumn(name, FLAGS_LABEL if labels else name, "@"))
            continue
        column = POST_COLUMNS_BY_NAME[name]
        header = column.label if labels else name
        columns.append(SheetColumn(name, header, UNIT_FORMATS[column.unit]))
    return columns


def xlsx_bytes(
    columns: Sequence[SheetColumn], rows: Sequence[dict[str, Any]], *, sheet: str
) -> bytes:
    """Rows as an XLSX workbook: header row (frozen), numbers as numbers, times as dates.

    Text columns (ids among them) have the `@` format, so that every digit of an id survives:
    TikTok ids exceed 2^53.
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    worksheet.append([column.header for column in columns])
    for row in rows:
        worksheet.append([sheet_cell(row[column.name]) for column in columns])
    for index, column in enumerate(columns, start=1):
        for (cell,) in worksheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = column.number_format
        letter = get_column_letter(index)
        worksheet.column_dimensions[letter].width = column_width(column, rows)
    worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_cell(value: Any) -> Any:
    """A value as an XLSX cell: no empty text, nested values as JSON, formulas neutralised."""
    # NOTE: an empty text cell reads back as no value, so write none (flags of clean posts).
    if value == "":
        return None
    if isinstance(value, dict | list):
        return neutralize(json.dumps(value))
    return neutralize(value)


def column_width(column: SheetColumn, rows: Sequence[dict[str, Any]]) -> float:
    """A width that fits the header and the longest cell, within reason."""
    values = [row[column.name] for row in rows]
    if any(isinstance(value, datetime) for value in values):
        return 20
    longest = max([len(column.header), *(len(cell_text(value)) for value in values)])
    return min(max(longest + 2, 8), 60)


def cell_text(value: Any) -> str:
    """A cell as text: ISO times, empty for missing."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
