"""Spreadsheets of rows: the one CSV and XLSX writing of tikscope, with formula neutralising.

A text cell that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab
or a carriage return) gets a leading `'` (OWASP's rule for CSV injection); numbers, times and
empty cells are written as they are, so a negative number stays a number. Every CSV and XLSX
tikscope writes (CLI output, `--out` files, the audience report's CSVs, web downloads) goes
through `csv_text` or `xlsx_bytes`, so no writer can forget it.

A page's table (`reports.tables.Table`) becomes a file in one place, `table_csv` and
`table_xlsx`: headers are the columns' labels (from the registry), XLSX cells have their unit's
number format (a fraction as 7.6%, a count as an integer), and a last column holds each row's
data-quality flags. The CLI's `--format csv|xlsx` and the web's downloads both call them.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tikscope.metrics.model import Unit
from tikscope.reports.tables import CellValue, Table

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


def neutralize(value: object) -> object:
    """A cell made safe to open in a spreadsheet: formula-like text gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_cell(value: object) -> object:
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


def csv_text(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, line_end: str = "\n"
) -> str:
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


def sheet_columns(table: Table) -> list[SheetColumn]:
    """The sheet's columns of a table: its columns by label and unit, then the flags (if any)."""
    columns = [
        SheetColumn(column.key, column.label, UNIT_FORMATS[column.unit]) for column in table.columns
    ]
    return [*columns, SheetColumn("flags", FLAGS_LABEL, "@")] if table.flagged else columns


def sheet_rows(table: Table) -> list[list[CellValue]]:
    """The table's rows as files hold them: each cell's value, then the row's flags (if any)."""
    flags = [[row.flags or ""] if table.flagged else [] for row in table.rows]
    return [
        [*(cell.value for cell in row.cells), *flag]
        for row, flag in zip(table.rows, flags, strict=True)
    ]


def cell_formats(table: Table) -> list[list[str | None]]:
    """The number format of each cell with a unit of its own (None: its column's)."""
    return [[UNIT_FORMATS[cell.unit] if cell.unit else None for cell in row.cells]
            for row in table.rows]  # fmt: skip


def table_csv(table: Table, *, line_end: str = "\n") -> str:
    """A table as CSV: a header line of labels, then its rows and their flags."""
    header = [column.header for column in sheet_columns(table)]
    return csv_text(header, sheet_rows(table), line_end=line_end)


def table_xlsx(table: Table, *, sheet: str) -> bytes:
    """A table as an XLSX workbook: labels, number formats by unit, then the rows' flags."""
    return xlsx_bytes(sheet_columns(table), sheet_rows(table), sheet=sheet,
                      formats=cell_formats(table))  # fmt: skip


def xlsx_bytes(
    columns: Sequence[SheetColumn], rows: Sequence[Sequence[CellValue]], *, sheet: str,
    formats: Sequence[Sequence[str | None]] = (),
) -> bytes:  # fmt: skip
    """Rows as an XLSX workbook: header row (frozen), numbers as numbers, times as dates.

    Text columns (ids among them) have the `@` format, so that every digit of an id survives:
    TikTok ids exceed 2^53. `formats` gives a cell its own format where it is not None.
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    worksheet.append([column.header for column in columns])
    for row in rows:
        worksheet.append([sheet_cell(value) for value in row])
    for row_index, cells in enumerate(worksheet.iter_rows(min_row=2)):
        own = formats[row_index] if row_index < len(formats) else ()
        for index, (cell, column) in enumerate(zip(cells, columns, strict=True)):
            cell.number_format = (own[index] if index < len(own) else None) or column.number_format
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        values = [row[index - 1] for row in rows]
        worksheet.column_dimensions[letter].width = column_width(column, values)
    worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_cell(value: object) -> object:
    """A value as an XLSX cell: no empty text, nested values as JSON, formulas neutralised."""
    # NOTE: an empty text cell reads back as no value, so write none (flags of clean posts).
    if value == "":
        return None
    if isinstance(value, dict | list):
        return neutralize(json.dumps(value))
    return neutralize(value)


def column_width(column: SheetColumn, values: Sequence[CellValue]) -> float:
    """A width that fits the header and the longest cell, within reason."""
    if any(isinstance(value, datetime) for value in values):
        return 20
    longest = max([len(column.header), *(len(cell_text(value)) for value in values)])
    return min(max(longest + 2, 8), 60)


def cell_text(value: object) -> str:
    """A cell as text: ISO times, empty for missing."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
