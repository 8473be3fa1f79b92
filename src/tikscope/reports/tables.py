"""Tables of an account page as typed values: columns and rows of cells.

A column has its label, unit and description; renderers only format its cells in its unit
(`reports.html.format_value`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tikscope.metrics.missing import not_stored
from tikscope.metrics.model import PostColumn, Unit
from tikscope.reports.post_names import post_title, post_url

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
    """One value of a table, with where it leads and what it says on hover."""

    value: CellValue
    link: str | None = None
    hint: str | None = None


@dataclass(frozen=True)
class TableRow:
    """One row: a cell per column, and the row's data-quality flags (None when there are none)."""

    cells: tuple[Cell, ...]
    flags: str | None = None


@dataclass(frozen=True)
class Table:
    """A table of a page: its columns and rows."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]

    def values(self, key: str) -> list[CellValue]:
        """The values of one column, in row order."""
        index = [column.key for column in self.columns].index(key)
        return [row.cells[index].value for row in self.rows]


def post_cell(post: Mapping[str, Any], column: PostColumn) -> Cell:
    """A post's cell: the caption shortened and linked to TikTok, other values as they are."""
    if column.name == "caption":
        url = post_url(dict(post))
        return Cell(post_title(dict(post)), link=url, hint=(post.get("caption") or "") if url
                    else None)  # fmt: skip
    value: CellValue = post[column.name]
    return Cell(value)


def posts_table(posts: Sequence[Mapping[str, Any]], columns: Sequence[PostColumn]) -> Table:
    """The list of posts: a row per post, a column per post column.

    A column without a value in any post says what would provide it.
    """

    def missing(column: PostColumn) -> str | None:
        empty = column.sources and posts and all(post[column.name] is None for post in posts)
        return not_stored(column.sources) if empty else None

    return Table(
        key="posts", title="List of posts",
        columns=tuple(Column(column.name, column.label, column.unit, column.description,
                             missing(column)) for column in columns),
        rows=tuple(TableRow(tuple(post_cell(post, column) for column in columns),
                            post.get("flags") or None) for post in posts),
    )  # fmt: skip
