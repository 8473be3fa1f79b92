"""Tables of an account page as typed values: columns and rows of cells.

A column has its label, unit and description; renderers only format its cells in its unit
(`reports.html.format_value`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tikscope.metrics.missing import not_stored
from tikscope.metrics.model import PostColumn, Unit
from tikscope.metrics.post_rows import PostRow
from tikscope.metrics.registry import POST_COLUMNS_BY_NAME
from tikscope.metrics.run import MetricLine, plain_number
from tikscope.reports.post_names import post_title, post_url
from tikscope.reports.sections import section_title

CellValue = str | int | float | date | datetime | None
TEXT_UNITS = (Unit.TEXT, Unit.TIME)


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Attributes:
        key: identifier (a post column's name).
        label: its header.
        unit: how its values read (counts with separators, fractions as %, seconds with s).
        description: what it means, shown on hover.
        missing: why every cell of it is empty, naming what would provide it; None otherwise.
    """

    key: str
    label: str
    unit: Unit
    description: str = ""
    missing: str | None = None

    @property
    def is_text(self) -> bool:
        """Whether the column holds words or times rather than numbers (aligned left)."""
        return self.unit in TEXT_UNITS


@dataclass(frozen=True)
class Cell:
    """One value of a table, with where it leads, what it says on hover, and how a page shows it.

    Attributes:
        value: the value itself, as files (CSV, XLSX, JSON) hold it: a whole caption.
        link: where it leads on a page.
        hint: what it says on hover.
        shown: what a page shows where that differs from the value (a caption shortened).
        unit: its own unit, in a column whose rows differ (a metric's value); None: the column's.
    """

    value: CellValue
    link: str | None = None
    hint: str | None = None
    shown: str | None = None
    unit: Unit | None = None

    @property
    def text(self) -> CellValue:
        """What a page shows: `shown`, or the value."""
        return self.value if self.shown is None else self.shown


@dataclass(frozen=True)
class TableRow:
    """One row: a cell per column, and the row's data-quality flags (None when there are none)."""

    cells: tuple[Cell, ...]
    flags: str | None = None


@dataclass(frozen=True)
class Table:
    """A table of a page: its columns and rows, and whether its rows carry data-quality flags."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]
    flagged: bool = True

    def values(self, key: str) -> list[CellValue]:
        """The values of one column, in row order."""
        index = [column.key for column in self.columns].index(key)
        return [row.cells[index].value for row in self.rows]


def post_cell(post: PostRow, column: PostColumn) -> Cell:
    """A post's cell: the caption shown shortened and linked to TikTok, others as they are."""
    if column.name == "caption":
        url = post_url(post)
        return Cell(post.caption, link=url, hint=(post.caption or "") if url else None,
                    shown=post_title(post))  # fmt: skip
    return Cell(post[column.name])


def post_columns(names: Sequence[str]) -> list[PostColumn]:
    """The registry's post columns of these names, in order."""
    return [POST_COLUMNS_BY_NAME[name] for name in names]


def posts_table(posts: Sequence[PostRow], columns: Sequence[PostColumn]) -> Table:
    """The list of posts: a row per post, a column per post column, and each post's flags.

    A column without a value in any post says what would provide it. CSV, XLSX (both through
    `reports.spreadsheet`), the report and the pages read this one table.
    """

    def missing(column: PostColumn) -> str | None:
        empty = column.sources and posts and all(post[column.name] is None for post in posts)
        return not_stored(column.sources) if empty else None

    return Table(
        key="posts", title="List of posts",
        columns=tuple(Column(column.name, column.label, column.unit, column.description,
                             missing(column)) for column in columns),
        rows=tuple(TableRow(tuple(post_cell(post, column) for column in columns),
                            post.flags or None) for post in posts),
    )  # fmt: skip


METRIC_COLUMNS = (
    Column("section", "Section", Unit.TEXT), Column("label", "Metric", Unit.TEXT),
    Column("value", "Value", Unit.TEXT, "In the metric's unit."),
    Column("unit", "Unit", Unit.TEXT),
)  # fmt: skip
COMPARED_COLUMNS = (
    Column("previous", "Previous period", Unit.TEXT, "In the metric's unit."),
    Column("change", "Change", Unit.TEXT, "In the metric's unit."),
    Column("change_percent", "Change %", Unit.RATE),
)  # fmt: skip
NOTE_COLUMN = Column("note", "Note", Unit.TEXT, "Why it is missing, or how it was computed.")


def metrics_table(lines: Sequence[MetricLine]) -> Table:
    """Metric lines as a table, as the CLI's table shows them.

    Section, metric, value (compared with the previous period where the lines were) in each
    metric's unit, and the note.
    """
    compared = any(line.compared for line in lines)
    columns = (*METRIC_COLUMNS, *(COMPARED_COLUMNS if compared else ()), NOTE_COLUMN)
    return Table(
        key="metrics", title="Metrics", columns=columns, flagged=False,
        rows=tuple(TableRow(tuple(metric_cells(line, compared=compared))) for line in lines),
    )  # fmt: skip


def metric_cells(line: MetricLine, *, compared: bool) -> list[Cell]:
    """One line's cells; numbers as the JSON gives them (whole counts as integers)."""
    unit = line.unit
    cells = [Cell(section_title(line.section)), Cell(line.label),
             Cell(plain_number(line.value, unit), unit=unit), Cell(unit.value)]  # fmt: skip
    if compared:
        cells += [Cell(plain_number(line.previous, unit), unit=unit),
                  Cell(plain_number(line.change, unit), unit=unit),
                  Cell(line.change_percent)]  # fmt: skip
    return [*cells, Cell(line.remark)]
