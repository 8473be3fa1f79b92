"""Which TikTok Studio file a CSV is, told by its header row in any language of `studio_words`.

Mobile sharing renames Studio files, so the kind comes from the header, never from the name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache

from tikscope.sources.files.common import normalize_word
from tikscope.sources.files.csv_files import CsvRow, CsvTable
from tikscope.sources.files.dates import (
    OUTSIDE_DAYS,
    WrittenDate,
    infer_years,
    is_plausible_day,
    is_real_date,
    parse_written_date,
)
from tikscope.sources.files.studio_words import (
    HEADERS,
    KIND_LABELS,
    NOT_IMPORTED,
    REQUIRED_FIELDS,
)


@dataclass(frozen=True)
class StudioFile:
    """A Studio CSV whose kind is known, with the position of each field's column.

    Attributes:
        table: the CSV file.
        kind: `overview`, `follower_history`, `viewers`, `follower_activity`,
            `follower_gender`, `follower_territories` or `content`.
        columns: field -> index of its column; optional fields the file lacks are absent.
    """

    table: CsvTable
    kind: str
    columns: dict[str, int]

    @property
    def name(self) -> str:
        """The file's name, for messages."""
        return self.table.source.name

    def has(self, field: str) -> bool:
        """Whether the file has a column for `field`."""
        return field in self.columns

    def cell(self, row: CsvRow, field: str) -> str:
        """The cell of `field` in `row`."""
        return row.cells[self.columns[field]]

    def column_name(self, field: str) -> str:
        """The header of `field`'s column as the file writes it."""
        return self.table.header[self.columns[field]]


@cache
def header_words(kind: str) -> dict[str, str]:
    """Folded header word -> field, for one kind of file, over every language."""
    words: dict[str, str] = {}
    for kinds in HEADERS.values():
        for field, names in kinds[kind].items():
            for name in names:
                words[normalize_word(name)] = field
    return words


def field_columns(kind: str, header: Sequence[str]) -> dict[str, int]:
    """Field -> column index for the header cells that name one of `kind`'s fields."""
    words = header_words(kind)
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        field = words.get(normalize_word(cell))
        if field is not None:
            columns.setdefault(field, index)
    return columns


def match_studio_header(header: Sequence[str]) -> tuple[str, dict[str, int]] | None:
    """The Studio kind whose required fields the header has (the best one), or None."""
    matches = []
    for kind, required in REQUIRED_FIELDS.items():
        columns = field_columns(kind, header)
        if all(field in columns for field in required):
            matches.append((len(columns), kind, columns))
    if not matches:
        return None
    _, kind, columns = max(matches, key=lambda match: match[0])
    return kind, columns


def near_studio_kind(header: Sequence[str]) -> str | None:
    """What a header that misses a required Studio column lacks, in words; None if not close.

    A header is close when it names at least two of a kind's fields.
    """
    best: tuple[int, str, list[str]] | None = None
    for kind, required in REQUIRED_FIELDS.items():
        columns = field_columns(kind, header)
        missing = [field for field in required if field not in columns]
        if len(columns) >= 2 and missing and (best is None or len(columns) > best[0]):
            best = (len(columns), kind, missing)
    if best is None:
        return None
    _, kind, missing = best
    wanted = ", ".join(f"'{HEADERS['en'][kind][field][0]}'" for field in missing)
    return f"looks like {KIND_LABELS[kind]} but has no column for {wanted}"


def unimported_notes(studio_file: StudioFile) -> list[str]:
    """A note for each column of the file that the import does not store, saying why.

    FollowerHistory's difference column is left to its own note (`studio_daily`).
    """
    fields = {index: field for field, index in studio_file.columns.items()}
    words = header_words(studio_file.kind)
    notes = []
    for index, name in enumerate(studio_file.table.header):
        field = fields.get(index)
        if field is None and normalize_word(name) in words:
            reason = f"it repeats column '{studio_file.column_name(words[normalize_word(name)])}'"
        elif field is None:
            reason = "tikscope does not know it"
        elif field in NOT_IMPORTED:
            reason = NOT_IMPORTED[field]
        else:
            continue
        notes.append(f"{studio_file.name}: column '{name}' not imported ({reason})")
    return notes


def has_year_less_dates(studio_file: StudioFile, field: str) -> bool:
    """Whether any date in the column is written without its year."""
    for row in studio_file.table.rows:
        written = parse_written_date(studio_file.cell(row, field))
        if written is not None and written.year is None:
            return True
    return False


def column_dates(studio_file: StudioFile, field: str, anchor: date) -> list[datetime]:
    """The dates (midnight, or the written time of day) in one column, years inferred.

    Raises:
        FileFormatError: a cell is not a date, or falls on a day its inferred year lacks.
    """
    rows = studio_file.table.rows
    column = studio_file.column_name(field)
    written: list[WrittenDate] = []
    for row in rows:
        parsed = parse_written_date(studio_file.cell(row, field))
        if parsed is None:
            raise row.origin.problem(
                "not a date", column=column, value=studio_file.cell(row, field)
            )
        written.append(parsed)
    moments = []
    for row, parsed, year in zip(rows, written, infer_years(written, anchor), strict=True):
        if not is_real_date(year, parsed.month, parsed.day):
            raise row.origin.problem(
                f"no such day in {year}, the year inferred for it",
                column=column,
                value=studio_file.cell(row, field),
            )
        day = date(year, parsed.month, parsed.day)
        if not is_plausible_day(day):
            raise row.origin.problem(
                OUTSIDE_DAYS, column=column, value=studio_file.cell(row, field)
            )
        moments.append(datetime.combine(day, parsed.time_of_day or time()))
    return moments
