"""Terminal tables that fit the terminal's width.

Numbers, times and short text never wrap: each such column is as wide as its widest cell. Long
text (captions, links, labels) shrinks, down to `MIN_TEXT_WIDTH`, with an ellipsis. When even that
does not fit, columns are left out from the right and a line under the table names them (or, for
tables of a few wide records, each row is printed as a record). Columns of notes, mostly empty,
become a short marker (`[1]`) with the note's text listed under the table.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

GAP = 2  # spaces between two columns
MIN_TEXT_WIDTH = 12
MISSING = "—"
# NOTE: thousands separated, so that an id written in digits ("7385240418897295039") is text.
NUMBER_TEXT = re.compile(r"[-+]?\d{1,3}(,\d{3})*(\.\d+)?(%| s)?")
TooWide = Literal["drop", "records"]


@dataclass(frozen=True)
class Column:
    """A column of a terminal table: its cells as text and how it may be laid out."""

    name: str
    cells: tuple[str, ...]
    numeric: bool  # right-aligned
    shrinks: bool  # long text that may be cut with an ellipsis
    natural: int  # the width that shows every cell and the header's longest word

    @property
    def minimum(self) -> int:
        """The narrowest this column gets."""
        return min(self.natural, MIN_TEXT_WIDTH) if self.shrinks else self.natural


def print_table(
    rows: Sequence[dict[str, Any]],
    *,
    title: str | None = None,
    footnotes: Sequence[str] = (),
    too_wide: TooWide = "drop",
    console: Console | None = None,
) -> None:
    """Rows as a table that fits the console; `footnotes` columns move under the table."""
    console = console or Console()
    if not rows:
        console.print(f"{title + ': ' if title else ''}nothing yet")
        return
    marked, notes = with_note_markers(rows, footnotes)
    columns = [make_column(name, [row[name] for row in marked]) for name in marked[0]]
    widths, left_out = fit_widths(columns, console.width, keep=footnotes)
    if left_out and too_wide == "records":
        print_records(marked, title=title, console=console)
        return
    if title:
        console.print(Text(title, style="bold"))
    console.print(rich_table([c for c in columns if c.name in widths], widths))
    for number, note in enumerate(notes, start=1):
        console.print(Text(f"[{number}] {note}"))
    if left_out:
        console.print(Text(f"(not shown at this width: {', '.join(left_out)})"))


def with_note_markers(
    rows: Sequence[dict[str, Any]], footnotes: Sequence[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows whose note cells are markers (`[1]`), and the notes in marker order.

    A note column with no note in any row is left out; the same text gets the same marker.
    """
    notes: list[str] = []
    marked = []
    for row in rows:
        copy = dict(row)
        for name in footnotes:
            if copy.get(name):
                text = str(copy[name])
                notes += [] if text in notes else [text]
                copy[name] = f"[{notes.index(text) + 1}]"
        marked.append(copy)
    empty = [name for name in footnotes if name in rows[0] and not any(r[name] for r in rows)]
    return [{k: v for k, v in row.items() if k not in empty} for row in marked], notes


def make_column(name: str, values: Sequence[Any]) -> Column:
    """A column of values, told apart as numbers, short text or long text."""
    cells = tuple(format_cell(value) for value in values)
    pairs = zip(values, cells, strict=True)
    present = [(value, cell) for value, cell in pairs if value is not None]
    numeric = bool(present) and all(is_number(value, cell) for value, cell in present)
    text = all(isinstance(value, str) for value, _ in present)
    words = name.replace("_", " ").split()
    natural = max([*(cell_len(cell) for cell in cells), *(len(word) for word in words)])
    shrinks = text and not numeric and natural > MIN_TEXT_WIDTH
    return Column(name, cells, numeric, shrinks, natural)


def is_number(value: Any, cell: str) -> bool:
    """Whether a cell is a number, or a number written as text ("1,234", "7.6%", "37.0 s")."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or cell == MISSING or bool(NUMBER_TEXT.fullmatch(cell))


def fit_widths(
    columns: Sequence[Column], width: int, *, keep: Sequence[str] = ()
) -> tuple[dict[str, int], list[str]]:
    """Each shown column's width, and the columns left out (from the right) for lack of width.

    The first column and the `keep` columns (note markers) are never left out.
    """
    shown = list(columns)
    left_out: list[str] = []
    while sum(c.minimum for c in shown) + GAP * (len(shown) - 1) > width:
        droppable = [c for c in shown[1:] if c.name not in keep]
        if not droppable:
            break
        shown.remove(droppable[-1])
        left_out.insert(0, droppable[-1].name)
    widths = {c.name: c.minimum for c in shown}
    spare = width - sum(widths.values()) - GAP * (len(shown) - 1)
    growing = [c for c in shown if widths[c.name] < c.natural]
    while spare > 0 and growing:
        share = max(spare // len(growing), 1)
        for column in growing:
            extra = min(share, column.natural - widths[column.name], spare)
            widths[column.name] += extra
            spare -= extra
        growing = [c for c in growing if widths[c.name] < c.natural]
    return widths, left_out


def rich_table(columns: Sequence[Column], widths: dict[str, int]) -> Table:
    """A borderless Rich table with fixed column widths: nothing wraps, long text is cut."""
    table = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0)
    )  # fmt: skip
    for column in columns:
        width = widths[column.name]
        header = "\n".join(textwrap.wrap(column.name.replace("_", " "), width)) or column.name
        justify: JustifyMethod = "right" if column.numeric else "left"
        table.add_column(header, justify=justify, width=width, no_wrap=True, overflow="ellipsis")
    for cells in zip(*(column.cells for column in columns), strict=True):
        table.add_row(*cells)
    return table


def print_records(rows: Sequence[dict[str, Any]], *, title: str | None, console: Console) -> None:
    """Each row as a record: its first cell as a heading, then a field per line."""
    if title:
        console.print(Text(title, style="bold"))
    for row in rows:
        first, *rest = row.items()
        print_record(dict(rest), title=format_cell(first[1]), console=console)


def print_record(record: dict[str, Any], *, title: str, console: Console | None = None) -> None:
    """One record as a two-column table of fields and values."""
    table = Table(
        title=title, title_justify="left", show_header=False, box=box.SIMPLE, show_edge=False
    )  # fmt: skip
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for name, value in record.items():
        table.add_row(name.replace("_", " "), format_cell(value))
    (console or Console()).print(table)


def format_cell(value: Any) -> str:
    """A cell as text for the terminal."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())  # a caption's line breaks would break the row
