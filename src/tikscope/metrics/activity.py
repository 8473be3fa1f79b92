"""When followers are active, by weekday and hour in the account's time zone.

TikTok reports follower activity by UTC day and hour; every output shows it in the account's
time zone. Each stretch of the period with one UTC offset is read by UTC weekday and hour and its
weekday × hour grid turned by that offset (exact for a fixed offset), then the stretches are
averaged, weighted by how many of each weekday they hold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account
from tikscope.store.summary import fetch_rows

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS_IN_WEEK = 7 * 24
BEST = 5


@dataclass(frozen=True)
class Stretch:
    """Days of the period with one UTC offset of the account's time zone."""

    start: date
    end: date
    offset_minutes: int


@dataclass(frozen=True)
class ActiveHour:
    """One hour of the week: average followers active on TikTok then.

    Attributes:
        weekday: 0 = Monday, in the account's time zone.
        hour: 0-23, in the account's time zone.
        active_followers: the average over the period's days of that weekday.
    """

    weekday: int
    hour: int
    active_followers: float


@dataclass(frozen=True)
class BestHour(ActiveHour):
    """An hour of the week among the best to post, with its weekday's name."""

    weekday_name: str


@dataclass(frozen=True)
class ZoneOffset:
    """Days of the period with one UTC offset, as text (`UTC+01:00`)."""

    start: date
    end: date
    utc_offset: str


@dataclass(frozen=True)
class TimeZoneUsed:
    """The time zone the weekdays and hours are in, its offsets over the period, and a note."""

    name: str
    offsets: tuple[ZoneOffset, ...]
    note: str


def utc_heatmap(
    connection: DuckDBPyConnection, account: Account, period: Period
) -> list[ActiveHour]:
    """Average active followers by UTC day of week (0 = Monday) and UTC hour over the period."""
    rows = fetch_rows(
        connection.execute(
            """
            SELECT isodow(date) - 1 AS weekday, hour, avg(active_followers) AS active_followers
            FROM follower_activity
            WHERE account_id = $account AND date BETWEEN $start AND $end
            GROUP BY ALL ORDER BY weekday, hour
            """,
            {"account": account.account_id, "start": period.start, "end": period.end},
        )
    )
    return [ActiveHour(**row) for row in rows]


def local_heatmap(
    connection: DuckDBPyConnection, account: Account, period: Period
) -> tuple[list[ActiveHour], TimeZoneUsed]:
    """Average active followers by weekday (0 = Monday) and hour in the account's time zone.

    Returns the hours and a description of the time zone used (name, offsets, a note).
    """
    zone_name, stretches = offset_stretches(account.time_zone, period)
    totals: dict[int, float] = defaultdict(float)
    weights: dict[int, int] = defaultdict(int)
    for stretch in stretches:
        days = weekday_counts(stretch.start, stretch.end)
        shift = stretch.offset_minutes // 60
        for row in utc_heatmap(connection, account, Period(stretch.start, stretch.end)):
            slot = (row.weekday * 24 + row.hour + shift) % HOURS_IN_WEEK
            totals[slot] += row.active_followers * days[row.weekday]
            weights[slot] += days[row.weekday]
    hours = [
        ActiveHour(slot // 24, slot % 24, totals[slot] / weights[slot])
        for slot in sorted(totals)
        if weights[slot]
    ]
    return hours, describe_zone(zone_name, stretches, asked=account.time_zone)


def offset_stretches(time_zone: str, period: Period) -> tuple[str, list[Stretch]]:
    """The period cut where the zone's UTC offset changes (at noon of each day)."""
    try:
        zone, name = ZoneInfo(time_zone), time_zone
    except (ZoneInfoNotFoundError, ValueError):
        zone, name = ZoneInfo("UTC"), "UTC"
    stretches: list[Stretch] = []
    for index in range((period.end - period.start).days + 1):
        day = period.start + timedelta(days=index)
        offset = zone.utcoffset(datetime.combine(day, time(12)))
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        if stretches and stretches[-1].offset_minutes == minutes:
            stretches[-1] = Stretch(stretches[-1].start, day, minutes)
        else:
            stretches.append(Stretch(day, day, minutes))
    return name, stretches


def weekday_counts(start: date, end: date) -> list[int]:
    """How many of each weekday (0 = Monday) the days from start to end hold."""
    counts = [0] * 7
    for offset in range((end - start).days + 1):
        counts[(start + timedelta(days=offset)).weekday()] += 1
    return counts


def describe_zone(name: str, stretches: list[Stretch], *, asked: str) -> TimeZoneUsed:
    """The zone used, its offsets over the period, and a sentence saying so."""
    offsets = tuple(
        ZoneOffset(part.start, part.end, offset_text(part.offset_minutes)) for part in stretches
    )
    if len(offsets) == 1:
        note = f"Weekdays and hours in the account's time zone, {name} ({offsets[0].utc_offset})"
    else:
        parts = "; ".join(f"{part.utc_offset} from {part.start}" for part in offsets)
        note = f"Weekdays and hours in the account's time zone, {name} ({parts})"
    note += ", converted from TikTok's UTC hours."
    if any(stretch.offset_minutes % 60 for stretch in stretches):
        note += " The zone's offset is not a whole number of hours: hours are rounded down."
    if name != asked:
        note += f" The account's time zone {asked!r} is unknown, so UTC is used."
    return TimeZoneUsed(name, offsets, note)


def offset_text(minutes: int) -> str:
    """`UTC+01:00`, `UTC-05:30`, `UTC`."""
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def best_hours(heatmap: list[ActiveHour]) -> list[BestHour]:
    """The weekday and hour slots with the most active followers, best first."""
    ranked = sorted(heatmap, key=lambda cell: (-cell.active_followers, cell.weekday, cell.hour))
    return [
        BestHour(cell.weekday, cell.hour, cell.active_followers, WEEKDAYS[cell.weekday])
        for cell in ranked[:BEST]
    ]
