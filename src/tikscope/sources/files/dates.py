"""Dates as TikTok's downloads write them, and the year Studio leaves out.

Studio writes `April 29`, `29 de abril`, `28 ноября`, `9月13日`: no year, in the interface's
language (month and weekday names from CLDR, see `calendar_words`). `infer_years` gives each
date the latest year that keeps the series in order and not after an anchor day (the export
day), so a series from December into January gets consecutive years.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from itertools import pairwise

from tikscope.sources.files.calendar_words import (
    Found,
    filler_phrases,
    month_phrases,
    weekday_phrases,
    word_tokens,
)

ISO_PATTERN = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ tT](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
TIME_PATTERN = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2}))?(?!\d)")
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
"""The days an import takes (as the web app's periods): TikTok began in 2016, and any day in
between can be stepped from without leaving what Python's dates hold."""
OUTSIDE_DAYS = f"a date outside {EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}"
LEAP_YEAR = 2000
"""A leap year, to check `February 29` before its year is known."""
DAYS_IN_YEAR = 366
"""Days of `LEAP_YEAR`, the calendar in which year-less dates are placed."""


@dataclass(frozen=True)
class WrittenDate:
    """A date as written, perhaps without its year, with the time of day when one was given."""

    year: int | None
    month: int
    day: int
    time_of_day: time | None = None

    @property
    def month_day(self) -> tuple[int, int]:
        """(month, day), which orders dates within a year."""
        return (self.month, self.day)


@lru_cache(maxsize=4096)
def parse_written_date(text: str) -> WrittenDate | None:
    """A date as Studio or a download writes it; None when `text` is not one.

    Reads `2024-05-01`, `2024-05-01 10:00:00`, and dates with or without their year in any
    language of `studio_words.UI_LOCALES` (`April 29`, `28 November`, `29 de abril`, `1er mai`,
    `29. April`, `28 ноября`, `16 tháng Tám`, `9月13日`, `Apr 29 10:00`, `Mon, Apr 29`).
    Cached: a file repeats its dates (a Content.csv's `Time` is the same on every row), and
    reading one in every language takes a while.
    """
    folded = " ".join(unicodedata.normalize("NFKC", text).split())
    iso = ISO_PATTERN.fullmatch(folded)
    if iso is not None:
        return iso_written_date(iso)
    time_of_day = None
    clock = TIME_PATTERN.search(folded)
    if clock is not None:
        time_of_day = clock_time(clock)
        if time_of_day is None:
            return None
        folded = folded[: clock.start()] + " " + folded[clock.end() :]
    return words_written_date(word_tokens(folded), time_of_day)


def iso_written_date(match: re.Match[str]) -> WrittenDate | None:
    """The date of an ISO-like match, None when it is not a real date or time."""
    year, month, day = (int(match.group(index)) for index in (1, 2, 3))
    time_of_day = None
    if match.group(4) is not None:
        time_of_day = clock_time_of(match.group(4), match.group(5), match.group(6))
        if time_of_day is None:
            return None
    if not is_real_date(year, month, day):
        return None
    return WrittenDate(year, month, day, time_of_day)


def clock_time(match: re.Match[str]) -> time | None:
    """The time of day of an `HH:MM[:SS]` match, None when out of range."""
    return clock_time_of(match.group(1), match.group(2), match.group(3))


def clock_time_of(hours: str, minutes: str, seconds: str | None) -> time | None:
    """A time of day from its parts, None when out of range."""
    hour, minute, second = int(hours), int(minutes), int(seconds or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def words_written_date(tokens: Sequence[str], time_of_day: time | None) -> WrittenDate | None:
    """A date from its words (`29`, `de`, `abril`, optionally `2024`); None if not one."""
    parts = date_parts(tokens)
    if parts is None:
        return None
    months, numbers = parts
    if len(months) > 1:  # `mar., 29 nov.`: Spanish `mar` is March and Tuesday
        months = [(month, weekday) for month, weekday in months if not weekday]
    if len(months) != 1:
        return None
    days = [int(number) for number in numbers if len(number) <= 2]
    years = [int(number) for number in numbers if len(number) == 4]
    if len(days) != 1 or len(years) > 1 or len(days) + len(years) != len(numbers):
        return None
    year, month = (years[0] if years else None), months[0][0]
    if not is_real_date(year or LEAP_YEAR, month, days[0]):
        return None
    return WrittenDate(year, month, days[0], time_of_day)


def date_parts(tokens: Sequence[str]) -> tuple[list[tuple[int, bool]], list[str]] | None:
    """The months named in a date's words and its numbers; None for a word of no date.

    Each month comes with whether its words also name a weekday. Weekdays and filler words
    (`de`, `日`) are skipped; a month name is taken before a number (`9月`, `tháng 8`). The
    words must share a language: `29 de abril de la` is no date (`la` is Finnish Saturday).
    """
    months: list[tuple[int, bool]] = []
    numbers: list[str] = []
    languages: set[str] | None = None
    position = 0
    while position < len(tokens):
        month = month_phrases().find(tokens, position)
        skipped = skippable_words(tokens, position)
        found = month or skipped
        if month is not None:
            months.append((month.value, skipped is not None and skipped.length == month.length))
        elif found is None and tokens[position].isdecimal():
            numbers.append(tokens[position])
            position += 1
            continue
        if found is None:
            return None
        languages = set(found.languages) if languages is None else languages & found.languages
        position += found.length
    return (months, numbers) if languages != set() else None


def skippable_words(tokens: Sequence[str], position: int) -> Found | None:
    """The weekday or filler words at `tokens[position:]` (the longer; of both languages)."""
    found = [
        match
        for match in (
            weekday_phrases().find(tokens, position),
            filler_phrases().find(tokens, position),
        )
        if match is not None
    ]
    if not found:
        return None
    length = max(match.length for match in found)
    languages = frozenset().union(*(match.languages for match in found if match.length == length))
    return Found(0, length, languages)


def is_real_date(year: int, month: int, day: int) -> bool:
    """Whether year-month-day exists in the calendar (years 1-9999)."""
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def infer_years(dates: Sequence[WrittenDate], anchor: date) -> list[int]:
    """The year of each date: written ones kept, missing ones inferred from order and `anchor`.

    A file's year-less dates are taken as one series in file order (ascending, or descending
    when most steps are short steps back): the last date gets the latest year that is not after
    `anchor`, and each step back across New Year takes a year off. A column that is not such a
    series (its steps add up to more than a year) gets each date's latest year not after `anchor`.
    """
    positions = [index for index, written in enumerate(dates) if written.year is None]
    inferred = series_years([dates[index].month_day for index in positions], anchor)
    years = [written.year or 0 for written in dates]
    for index, year in zip(positions, inferred, strict=True):
        years[index] = year
    return years


def series_years(month_days: Sequence[tuple[int, int]], anchor: date) -> list[int]:
    """Years for a series of (month, day) pairs ending at or before `anchor`."""
    forward = [days_forward(earlier, later) for earlier, later in pairwise(month_days)]
    descending = sum(step > DAYS_IN_YEAR / 2 for step in forward) > sum(
        0 < step < DAYS_IN_YEAR / 2 for step in forward
    )
    ordered = list(reversed(month_days)) if descending else list(month_days)
    span = sum(days_forward(earlier, later) for earlier, later in pairwise(ordered))
    if span > DAYS_IN_YEAR:
        return [latest_year(month_day, anchor) for month_day in month_days]
    years: list[int] = []
    year = latest_year(ordered[-1], anchor) if ordered else anchor.year
    for position in range(len(ordered) - 1, -1, -1):
        if position < len(ordered) - 1 and ordered[position] > ordered[position + 1]:
            year -= 1
        years.append(year)
    years.reverse()
    return list(reversed(years)) if descending else years


def days_forward(earlier: tuple[int, int], later: tuple[int, int]) -> int:
    """Days from one (month, day) forward to the next, across New Year if need be (0-365)."""
    start = date(LEAP_YEAR, *earlier).timetuple().tm_yday
    end = date(LEAP_YEAR, *later).timetuple().tm_yday
    return (end - start) % DAYS_IN_YEAR


def latest_year(month_day: tuple[int, int], anchor: date) -> int:
    """The latest year in which (month, day) is not after `anchor`."""
    return anchor.year if month_day <= (anchor.month, anchor.day) else anchor.year - 1


def is_plausible_day(day: date) -> bool:
    """Whether a day is one an import takes: from `EARLIEST_DAY` to `LATEST_DAY`."""
    return EARLIEST_DAY <= day <= LATEST_DAY


def at_midnight(day: date) -> datetime:
    """The naive UTC timestamp at the start of `day`."""
    return datetime(day.year, day.month, day.day)


def parse_iso_timestamp(text: str) -> datetime | None:
    """An ISO date or date-time as naive UTC (offsets converted); None when not ISO.

    `2024-05-01` is midnight; `2024-05-01T10:00:00Z` and `...+02:00` are converted to UTC.
    """
    try:
        if len(text) == 10:
            return at_midnight(date.fromisoformat(text))
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    return moment
