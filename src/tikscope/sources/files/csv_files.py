"""Reading CSV files (with the csv module) and the values in their cells.

TikTok Studio writes UTF-8 with a byte order mark, every cell quoted, no trailing newline, and
`undefined` for days whose numbers are not ready; the generic audience files are plain CSV (or
separated by `;` or tabs, as spreadsheets save them).
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tikscope.sources.files.common import MAX_COUNT, TOO_LARGE, Origin, SourceFile, file_problem
from tikscope.sources.files.reading import Lines, open_lines

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

MISSING_CELLS = frozenset({"", "undefined", "-", "--"})
"""Cells that mean "no value": Studio writes `undefined` for days not ready yet."""
COUNT_PATTERN = re.compile(r"\d+|\d{1,3}(?:([,.\u00a0\u202f ])\d{3})(?:\1\d{3})*")
"""A whole count, optionally with a thousands separator: `8120`, `8,120`, `1.234.567`."""
FRACTION_PATTERN = re.compile(r"(\d+(?:[.,]\d+)?|[.,]\d+)\s*(%?)")
"""A share: `0.52`, `0,52` or `52 %`."""


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One record of a CSV file and where it ends."""

    origin: Origin
    cells: tuple[str, ...]


@dataclass(frozen=True)
class CsvTable:
    """A CSV file: its header row and its records (blank lines left out)."""

    source: SourceFile
    header: tuple[str, ...]
    rows: tuple[CsvRow, ...]


@dataclass(frozen=True)
class CsvStream:
    """A CSV file being read: its header row, and its records as they come (`open_csv`)."""

    source: SourceFile
    header: tuple[str, ...]
    rows: Iterator[CsvRow]


def read_header(source: SourceFile) -> tuple[str, ...]:
    """The first record of a CSV file (empty when the file is empty).

    Raises:
        FileFormatError: the file is not UTF-8 or not readable as CSV.
    """
    with open_lines(source) as lines:
        reader = csv_reader(lines)
        try:
            return tuple(next(reader, []))
        except csv.Error as error:
            raise file_problem(source.name, f"not a readable CSV file ({error})", line=1) from None


def read_csv(source: SourceFile, *, studio: bool = False) -> CsvTable:
    """Every record of a CSV file, each with the line it ends on, read as a stream.

    Args:
        source: the file.
        studio: whether it is a Studio file, whose rows also count against `studio_rows`.

    Raises:
        FileFormatError: not UTF-8, not CSV, or a record with more or fewer cells than the header.
        ImportLimitError: a record longer than `line_characters`, or the import's rows past
            `rows` (or `studio_rows`).
    """
    with open_csv(source, studio=studio) as stream:
        return CsvTable(source, stream.header, tuple(stream.rows))


@contextmanager
def open_csv(source: SourceFile, *, studio: bool = False) -> Iterator[CsvStream]:
    """A CSV file's header row and, as they are read, its records (errors as in `read_csv`)."""
    with open_lines(source) as lines:
        records = csv_records(source, lines)
        first = next(records, None)
        header = () if first is None else tuple(first[1])
        yield CsvStream(source, header, checked_rows(source, header, records, studio=studio))


def csv_records(source: SourceFile, lines: Lines) -> Iterator[tuple[int, list[str]]]:
    """The records that are not blank, each with the line it ends on."""
    reader = csv_reader(lines)
    try:
        for cells in reader:
            lines.mark()
            if cells and cells != [""]:
                yield reader.line_num, cells
    except csv.Error as error:
        raise file_problem(
            source.name, f"not a readable CSV file ({error})", line=reader.line_num
        ) from None


def checked_rows(
    source: SourceFile,
    header: tuple[str, ...],
    records: Iterator[tuple[int, list[str]]],
    *,
    studio: bool,
) -> Iterator[CsvRow]:
    """The records after the header, each as long as the header and counted as a row."""
    for line, cells in records:
        origin = Origin(source.name, line)
        if len(cells) != len(header):
            raise origin.problem(f"{len(cells)} cells, but the header has {len(header)}")
        characters = sum(map(len, cells))
        source.budget.count_row(f"{source.name}:{line}", characters, studio=studio)
        yield CsvRow(origin, tuple(cells))


def csv_reader(lines: Lines) -> CsvReader:
    """A csv reader over `lines`, its separator told by the first line."""
    # TRICKY: the csv module's limit on a cell (131,072 characters unless set) is the process's.
    # It is set to the import's `line_characters`, which a cell cannot pass without its record
    # passing it first, so that a long cell meets that limit and its message, not csv's.
    csv.field_size_limit(lines.limit)
    first = next(lines, "")
    return csv.reader(itertools.chain([first], lines), delimiter=delimiter_of(first), strict=True)


def delimiter_of(first_line: str) -> str:
    """The cell separator: `,`, or `;` or a tab when the header row has more of those.

    Spreadsheets in some locales save CSV with `;`; audience lists may come as TSV.
    """
    counts = {separator: first_line.count(separator) for separator in (",", ";", "\t")}
    return max(counts, key=lambda separator: counts[separator])


def is_missing(cell: str) -> bool:
    """Whether a cell means "no value" (`undefined`, empty, `-`)."""
    return cell.strip().casefold() in MISSING_CELLS


def parse_count(cell: str, origin: Origin, column: str) -> int | None:
    """A whole, non-negative number (a total, or a count of people); None for `undefined` or empty.

    Raises:
        FileFormatError: the cell holds something else, or a negative number.
    """
    count = parse_change(cell, origin, column)
    if count is not None and count < 0:
        raise origin.problem(
            "a negative number, but this is a total or a count of people (only daily changes "
            "can be negative)",
            column=column,
            value=cell,
        )
    return count


def parse_change(cell: str, origin: Origin, column: str) -> int | None:
    """A whole number, perhaps negative; None for `undefined` or an empty cell.

    A day's change can be negative: `-1` comments on a day comments were deleted.

    Raises:
        FileFormatError: the cell holds something else.
    """
    if is_missing(cell):
        return None
    text = cell.strip()
    sign = -1 if text.startswith(("-", "\u2212")) else 1
    digits = text[1:] if text.startswith(("-", "\u2212", "+")) else text
    if COUNT_PATTERN.fullmatch(digits) is None:
        raise origin.problem("not a whole number", column=column, value=cell)
    number = re.sub(r"\D", "", digits)
    if len(number) > len(str(MAX_COUNT)) or int(number) > MAX_COUNT:
        raise origin.problem(TOO_LARGE, column=column, value=cell)
    return sign * int(number)


def parse_fraction(cell: str, origin: Origin, column: str) -> float | None:
    """A share between 0 and 1 (`0.52`, `0,52`, `52%`); None for `undefined` or empty.

    Raises:
        FileFormatError: not a number, or outside 0-1 (0-100 with `%`).
    """
    if is_missing(cell):
        return None
    match = FRACTION_PATTERN.fullmatch(cell.strip())
    if match is None:
        raise origin.problem("not a share between 0 and 1", column=column, value=cell)
    number = float(match.group(1).replace(",", "."))
    if match.group(2):
        number /= 100
    if not 0 <= number <= 1:
        raise origin.problem("not a share between 0 and 1", column=column, value=cell)
    return number
