"""Terminal tables: numbers never wrap, long text shrinks, notes go under the table."""

from __future__ import annotations

from io import StringIO

import pytest
from rich.console import Console

from tikscope.cli.tables import print_table

POSTS = [
    {"caption": "Packing orders with us #balcony #plants", "views": 39051, "reach": 30843,
     "engagement": 16.33, "flags": ""},
    {"caption": "Soil mix", "views": 1200345, "reach": None, "engagement": 9.2,
     "flags": "filtered"},
    {"caption": "Five plants that forgive you", "views": 79, "reach": 3, "engagement": None,
     "flags": "filtered"},
]  # fmt: skip


def render(rows: list[dict[str, object]], width: int, **options: object) -> list[str]:
    console = Console(file=StringIO(), width=width)
    print_table(rows, console=console, **options)  # type: ignore[arg-type]
    return [line.rstrip() for line in console.file.getvalue().splitlines()]  # type: ignore[attr-defined]


def test_print_table_shrinks_long_text_and_keeps_numbers_whole() -> None:
    assert render(POSTS, 60, title="Posts", footnotes=("flags",)) == [
        "Posts",
        "caption                     views   reach  engagement  flags",
        "─" * 60,
        "Packing orders with u…     39,051  30,843       16.33",
        "Soil mix                1,200,345       —        9.20  [1]",
        "Five plants that forg…         79       3           —  [1]",
        "[1] filtered",
    ]


def test_print_table_leaves_out_columns_from_the_right_when_too_narrow() -> None:
    assert render(POSTS, 40, title="Posts", footnotes=("flags",)) == [
        "Posts",
        "caption             views   reach  flags",
        "─" * 40,
        "Packing order…     39,051  30,843",
        "Soil mix        1,200,345       —  [1]",
        "Five plants t…         79       3  [1]",
        "[1] filtered",
        "(not shown at this width: engagement)",
    ]


@pytest.mark.parametrize("width", [30, 40, 60, 80, 100])
def test_print_table_never_splits_a_number(width: int) -> None:
    lines = render(POSTS, width, footnotes=("flags",))
    assert max(len(line) for line in lines) <= width
    shown = {cell for line in lines[2:5] for cell in line.split()}
    assert {"39,051", "1,200,345", "79"} <= shown


def test_print_table_numbers_notes_once_per_text_and_drops_an_empty_note_column() -> None:
    rows = [
        {"label": "Views", "value": "1,055", "note": ""},
        {"label": "Engagement", "value": "20.00", "note": "per 100 reached"},
        {"label": "Sound %", "value": "—", "note": "no data in the period"},
        {"label": "Likes", "value": "89", "note": "per 100 reached"},
    ]
    assert render(rows, 80, footnotes=("note",)) == [
        "label       value  note",
        "─" * 23,
        "Views       1,055",
        "Engagement  20.00  [1]",
        "Sound %         —  [2]",
        "Likes          89  [1]",
        "[1] per 100 reached",
        "[2] no data in the period",
    ]
    clean = [{**row, "note": ""} for row in rows]
    assert render(clean, 80, footnotes=("note",))[0] == "label       value"


def test_print_table_prints_records_when_a_wide_table_does_not_fit() -> None:
    rows = [{"handle": "casa_verde", "time_zone": "Europe/Madrid", "followers": 50000,
             "first_day": "2025-12-03", "last_day": "2026-12-02"}]  # fmt: skip
    assert render(rows, 40, title="Accounts", too_wide="records") == [
        "Accounts",
        "casa_verde",
        " time zone   Europe/Madrid",
        " followers   50,000",
        " first day   2025-12-03",
        " last day    2026-12-02",
    ]
