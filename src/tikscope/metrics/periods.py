"""Periods: date ranges in the account's time zone, presets, and the previous period.

A period is asked for as the last N days with data or as a start and an end (`AskedPeriod`), and
fitted to the days the store holds for the account (`fit_period`): wholly outside them it is
refused, partly outside it is cut to them with a note saying so (`ChosenPeriod`). The cli and the
web both go through `metrics.period_range.resolve_period`, which reads the held days.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tikscope.errors import UsageError

PRESETS = (7, 28, 60, 365)
DEFAULT_DAYS = 28


@dataclass(frozen=True)
class Period:
    """An inclusive range of days, read in the account's time zone."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise UsageError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def utc_bounds(self, time_zone: str) -> tuple[datetime, datetime]:
        """The period's start and end instants as naive UTC: [local midnight, next midnight)."""
        zone = ZoneInfo(time_zone)
        start = datetime.combine(self.start, time(), tzinfo=zone)
        end = datetime.combine(self.end + timedelta(days=1), time(), tzinfo=zone)
        utc = ZoneInfo("UTC")
        return (
            start.astimezone(utc).replace(tzinfo=None),
            end.astimezone(utc).replace(tzinfo=None),
        )

    def snapshot_bounds(self) -> tuple[datetime, datetime]:
        """UTC midnights at the period's start and after its end: when lifetime counters are read.

        # NOTE: counters are snapshotted at UTC midnights, like the Business API's UTC days, so
        # snapshot-based metrics use UTC day boundaries (see docs/reconciliation.md).
        """
        return (
            datetime.combine(self.start, time()),
            datetime.combine(self.end, time()) + timedelta(days=1),
        )

    def __str__(self) -> str:
        return f"{self.start} to {self.end}"


def last_days(days: int, *, until: date) -> Period:
    """The `days` days ending on `until`."""
    if days < 1:
        raise UsageError(f"a period needs at least one day, got {days}")
    return Period(until - timedelta(days=days - 1), until)


@dataclass(frozen=True)
class PeriodNames:
    """What the asker calls a period's parts, so that a refusal names what was typed."""

    days: str
    start: str
    end: str


CLI_NAMES = PeriodNames(days="--last", start="--from", end="--to")
QUERY_NAMES = PeriodNames(days="days", start="start", end="end")


@dataclass(frozen=True)
class AskedPeriod:
    """A period as asked for: the last `days` days with data, or `start` to `end`.

    With neither, the last `DEFAULT_DAYS` days with data.
    """

    days: int | None = None
    start: date | None = None
    end: date | None = None

    def fixed(self, names: PeriodNames = CLI_NAMES) -> Period | None:
        """`start` to `end` when they are given, None for the last N days; refuses a bad mix."""
        if self.days is not None and (self.start or self.end):
            raise UsageError(f"give either {names.days} or {names.start}/{names.end}, not both")
        if not (self.start or self.end):
            return None
        if not (self.start and self.end):
            raise UsageError(f"{names.start} and {names.end} go together")
        return Period(self.start, self.end)


@dataclass(frozen=True)
class HeldDays:
    """The first and last day the store holds any data for an account."""

    first: date
    last: date

    @property
    def days(self) -> int:
        """Number of days from the first to the last, both included."""
        return (self.last - self.first).days + 1

    def __str__(self) -> str:
        return f"from {self.first} to {self.last}"


@dataclass(frozen=True)
class ChosenPeriod:
    """The period used, and why it differs from the one asked for (None when it does not)."""

    period: Period
    note: str | None = None
    held: HeldDays | None = field(default=None, compare=False)

    @property
    def previous_note(self) -> str | None:
        """Why the previous period is a weak comparison: it starts before the store's data.

        None when the store holds every day of `period.previous()` (or the held days are unknown).
        """
        previous = self.period.previous()
        if self.held is None or previous.start >= self.held.first:
            return None
        held = max(0, (previous.end - self.held.first).days + 1)
        start = (
            f"the previous period ({previous}) starts before the store's first day of data, "
            f"{self.held.first}"
        )
        if held == 0:
            return f"{start}: it holds none of its days, so there is nothing to compare with"
        return (
            f"{start}: it holds {held:,} of its {previous.days:,} days, so a change against it "
            "compares unequal spans"
        )


def fit_period(
    asked: AskedPeriod, held: HeldDays | None, *, handle: str, names: PeriodNames = CLI_NAMES
) -> ChosenPeriod:
    """The asked period fitted to the days the store holds for the account `@handle`.

    Raises:
        UsageError: the asked period mixes or halves its parts, ends before it starts, lies
            wholly outside the held days, or the store holds no data for the account.
    """
    fixed = asked.fixed(names)
    if held is None:
        raise UsageError(f"@{handle} has no data yet")
    if fixed is None:
        return replace(last_held_days(asked.days or DEFAULT_DAYS, held), held=held)
    if fixed.end < held.first or fixed.start > held.last:
        raise UsageError(f"@{handle}: the store holds data {held}; {fixed} is outside it")
    return replace(cut_to(fixed, held), held=held)


def last_held_days(days: int, held: HeldDays) -> ChosenPeriod:
    """The last `days` days with data; all the held days, with a note, when they are fewer.

    # NOTE: the held days are taken without counting back `days` days from the last one: a
    # million days back is before the year 1, which `date` cannot hold.
    """
    if days <= held.days:
        return ChosenPeriod(last_days(days, until=held.last))
    return ChosenPeriod(
        Period(held.first, held.last),
        f"the store holds data from {held.first}; the period starts there "
        f"({count_days(held.days)} instead of the last {days:,})",
    )


def count_days(days: int) -> str:
    """`1 day`, `2 days`."""
    return f"{days:,} day{'' if days == 1 else 's'}"


def cut_to(wanted: Period, held: HeldDays) -> ChosenPeriod:
    """`wanted` cut to the held days (they overlap), with a note when anything was cut."""
    period = Period(max(wanted.start, held.first), min(wanted.end, held.last))
    if period == wanted:
        return ChosenPeriod(period)
    if period.start != wanted.start and period.end != wanted.end:
        change = f"data {held}; the period is {period} instead of {wanted}"
    elif period.start != wanted.start:
        change = f"data from {held.first}; the period starts there instead of {wanted.start}"
    else:
        change = f"data up to {held.last}; the period ends there instead of {wanted.end}"
    return ChosenPeriod(
        period, f"the store holds {change} ({count_days(period.days)} instead of {wanted.days:,})"
    )
