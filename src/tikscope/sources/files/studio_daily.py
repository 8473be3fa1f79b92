"""A Studio export's daily account series: Overview, FollowerHistory and Viewers joined by date.

Each file fills some `account_daily` columns (docs/schema.md, "filled from"); rows of the three
files for the same date become one row. Only the columns of the files present are carried, so
an import does not blank columns that another source filled. Overview's numbers are the day's
changes and may be negative (`-1` comments on a day comments were deleted, `-3` new followers
when more left than came); totals and counts of people may not.

Overview's `New followers` is the day's net change in followers: it fills
`account_daily.daily_total_followers`, as the Business API's `daily_total_followers` does.
FollowerHistory's `Difference in followers from previous day` is not imported: in real files it
is the *next* day's change (spec §5). The change per day is the difference of `followers_count`
between days (`follower_changes`); a note says how the file's column compares with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tikscope.sources.files.common import MAX_COUNT, Origin
from tikscope.sources.files.csv_files import is_missing, parse_change, parse_count
from tikscope.sources.files.studio_headers import StudioFile, column_dates
from tikscope.sources.records import Row

DAILY_COLUMNS: dict[str, dict[str, str]] = {
    "overview": {
        "video_views": "video_views",
        "profile_views": "profile_views",
        "likes": "likes",
        "comments": "comments",
        "shares": "shares",
        "new_followers": "daily_total_followers",
    },
    "follower_history": {"followers": "followers_count"},
    "viewers": {
        "total_viewers": "unique_video_views",
        "new_viewers": "new_viewers",
        "returning_viewers": "returning_viewers",
    },
}
"""Studio kind -> field -> the `account_daily` column it fills."""
DAILY_CHANGES = frozenset(DAILY_COLUMNS["overview"].values())
"""The columns that hold a day's change, which can be negative; the others are totals or people."""


@dataclass(frozen=True)
class DailyPart:
    """The daily values one Studio file gives, and what was left out of it."""

    name: str
    columns: tuple[str, ...]
    days: tuple[tuple[date, Row, Origin], ...]
    not_ready: tuple[date, ...]
    notes: tuple[str, ...] = ()


def read_daily_file(studio_file: StudioFile, anchor: date) -> DailyPart:
    """The values of an Overview, FollowerHistory or Viewers file, by date.

    Days whose every value is `undefined` are left out (nothing is known yet); in Viewers.csv
    a day with an `undefined` total is left out whole, since TikTok then writes `0` for new and
    returning viewers before they are counted.
    """
    mapping = {f: c for f, c in DAILY_COLUMNS[studio_file.kind].items() if studio_file.has(f)}
    days: list[tuple[date, Row, Origin]] = []
    not_ready: list[date] = []
    moments = column_dates(studio_file, "date", anchor)
    for row, moment in zip(studio_file.table.rows, moments, strict=True):
        values = {
            column: (parse_change if column in DAILY_CHANGES else parse_count)(
                studio_file.cell(row, field), row.origin, studio_file.column_name(field)
            )
            for field, column in mapping.items()
        }
        pending = studio_file.kind == "viewers" and values["unique_video_views"] is None
        if pending or all(value is None for value in values.values()):
            not_ready.append(moment.date())
            continue
        days.append((moment.date(), values, row.origin))
    notes: tuple[str, ...] = ()
    if studio_file.kind == "follower_history" and studio_file.has("difference"):
        notes = (difference_note(studio_file, moments, days),)
    return DailyPart(
        studio_file.name, tuple(mapping.values()), tuple(days), tuple(not_ready), notes
    )


def join_daily(parts: list[DailyPart], captured_at: datetime) -> list[Row]:
    """One `account_daily` row per date over all parts, every row with the same columns.

    Raises:
        FileFormatError: two files (or two rows) give different numbers for one date.
    """
    columns = list(dict.fromkeys(column for part in parts for column in part.columns))
    merged: dict[date, Row] = {}
    for part in parts:
        for day, values, origin in part.days:
            row = merged.setdefault(day, {})
            for column, value in values.items():
                if column in row and row[column] != value:
                    raise origin.problem(
                        f"{day.isoformat()} appears twice with different numbers "
                        f"({column} {row[column]} and {value})"
                    )
                row[column] = value
    return [
        {"date": day, **{column: merged[day].get(column) for column in columns}}
        | {"captured_at": captured_at}
        for day in sorted(merged)
    ]


def follower_changes(followers: Mapping[date, int | None]) -> dict[date, int | None]:
    """Each day's change in followers: followers[D] - followers[D-1], None without both."""
    changes: dict[date, int | None] = {}
    for day in sorted(followers):
        today = followers[day]
        yesterday = followers.get(day - timedelta(days=1))
        changes[day] = None if today is None or yesterday is None else today - yesterday
    return changes


def difference_note(
    studio_file: StudioFile, moments: list[datetime], days: list[tuple[date, Row, Origin]]
) -> str:
    """How the file's difference column compares with the recomputed change per day."""
    followers = {day: values["followers_count"] for day, values, _ in days}
    changes = follower_changes(followers)
    compared = same_day = next_day = 0
    for row, moment in zip(studio_file.table.rows, moments, strict=True):
        written = signed_number(studio_file.cell(row, "difference"))
        day = moment.date()
        candidates = (changes.get(day), changes.get(day + timedelta(days=1)))
        if written is None or candidates == (None, None):
            continue
        compared += 1
        same_day += written == candidates[0]
        next_day += written == candidates[1]
    column = studio_file.column_name("difference")
    return (
        f"{studio_file.name}: column '{column}' not imported (it is not the store's "
        f"daily_total_followers); the change per day is the difference of "
        f"followers_count between days. The column matched that day's change on {same_day} "
        f"of {compared} days, the next day's on {next_day}"
    )


def signed_number(cell: str) -> int | None:
    """A whole number with an optional sign; None when missing or not a number."""
    text = cell.strip().replace("+", "", 1)
    if is_missing(text):
        return None
    negative = text.startswith(("-", "−"))
    digits = text[1:] if negative else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(MAX_COUNT)):
        return None
    return -int(digits) if negative else int(digits)
