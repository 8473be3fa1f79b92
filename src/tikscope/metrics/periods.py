"""Periods: date ranges in the account's time zone, presets, and the previous period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tikscope.errors import UsageError

PRESETS = (7, 28, 60, 365)


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
