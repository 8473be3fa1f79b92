"""The activity page: when followers are active, where views come from, and from which countries.

TikTok reports follower activity by UTC day and hour; the page shows it in the account's time
zone. Each stretch of the period with one UTC offset is read with `activity_heatmap` and its
weekday × hour grid turned by that offset (exact for a fixed offset), then the stretches are
averaged, weighted by how many of each weekday they hold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter

from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.sections import activity_heatmap
from tikscope.metrics.studio import SOURCES, data_freshness, traffic_sources, viewer_territories
from tikscope.reports.model import NO_DATA, PERSONAL
from tikscope.web import figures
from tikscope.web.views import AccountView, account_view

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
Row = dict[str, Any]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOURS_IN_WEEK = 7 * 24
BEST = 5
HEATMAP_COLORS = [[0, "#f0fdfa"], [0.5, "#5eead4"], [1, "#115e59"]]


@dataclass(frozen=True)
class Stretch:
    """Days of the period with one UTC offset of the account's time zone."""

    start: date
    end: date
    offset_minutes: int


def activity(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> dict[str, Any]:  # fmt: skip
    """Follower activity by weekday and hour (account's time zone), sources and territories."""
    heatmap, time_zone = local_heatmap(connection, account, period)
    sources = traffic_sources(connection, account, period)
    source_rows = sorted(
        ({"source": key, "label": label, "share": sources[key]} for key, label in SOURCES.items()),
        key=lambda row: -(row["share"] or 0),
    )
    territories = viewer_territories(connection, account, period)
    return {
        "time_zone": time_zone,
        "heatmap": heatmap,
        "best_hours": best_hours(heatmap),
        "traffic_sources": source_rows,
        "territories": territories,
        "unavailable": {
            "heatmap": why_missing(account, bool(heatmap)),
            "traffic_sources": why_missing(account, any(row["share"] for row in source_rows)),
            "territories": why_missing(account, bool(territories)),
        },
        "freshness": data_freshness(connection, account),
    }


def why_missing(account: Account, has_data: bool) -> str | None:
    """Why a part of the page is empty, or None when it has data."""
    if account.account_type == "personal":
        return PERSONAL
    return None if has_data else NO_DATA


def local_heatmap(
    connection: DuckDBPyConnection, account: Account, period: Period
) -> tuple[list[Row], dict[str, Any]]:
    """Average active followers by weekday (0 = Monday) and hour in the account's time zone.

    Returns the rows and a description of the time zone used (name, offsets, a note).
    """
    zone_name, stretches = offset_stretches(account.time_zone, period)
    totals: dict[int, float] = defaultdict(float)
    weights: dict[int, int] = defaultdict(int)
    for stretch in stretches:
        days = weekday_counts(stretch.start, stretch.end)
        shift = stretch.offset_minutes // 60
        for row in activity_heatmap(connection, account, Period(stretch.start, stretch.end)):
            slot = (row["weekday"] * 24 + row["hour"] + shift) % HOURS_IN_WEEK
            totals[slot] += row["active_followers"] * days[row["weekday"]]
            weights[slot] += days[row["weekday"]]
    rows = [
        {"weekday": slot // 24, "hour": slot % 24, "active_followers": totals[slot] / weights[slot]}
        for slot in sorted(totals)
        if weights[slot]
    ]
    return rows, describe_zone(zone_name, stretches, asked=account.time_zone)


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


def describe_zone(name: str, stretches: list[Stretch], *, asked: str) -> dict[str, Any]:
    """The zone used, its offsets over the period, and a sentence saying so."""
    offsets = [
        {"start": part.start, "end": part.end, "utc_offset": offset_text(part.offset_minutes)}
        for part in stretches
    ]
    if len(offsets) == 1:
        note = f"Weekdays and hours in the account's time zone, {name} ({offsets[0]['utc_offset']})"
    else:
        parts = "; ".join(f"{part['utc_offset']} from {part['start']}" for part in offsets)
        note = f"Weekdays and hours in the account's time zone, {name} ({parts})"
    note += ", converted from TikTok's UTC hours."
    if any(stretch.offset_minutes % 60 for stretch in stretches):
        note += " The zone's offset is not a whole number of hours: hours are rounded down."
    if name != asked:
        note += f" The account's time zone {asked!r} is unknown, so UTC is used."
    return {"name": name, "offsets": offsets, "note": note}


def offset_text(minutes: int) -> str:
    """`UTC+01:00`, `UTC-05:30`, `UTC`."""
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def best_hours(heatmap: list[Row]) -> list[Row]:
    """The weekday and hour slots with the most active followers, best first."""
    ranked = sorted(
        heatmap, key=lambda row: (-row["active_followers"], row["weekday"], row["hour"])
    )
    return [{**row, "weekday_name": WEEKDAYS[row["weekday"]]} for row in ranked[:BEST]]


def activity_figures(data: dict[str, Any]) -> dict[str, Any]:
    """The heatmap (weekday rows, hour columns), traffic sources and territories as bars."""
    drawn: dict[str, Any] = {}
    if data["heatmap"]:
        grid: list[list[float | None]] = [[None] * 24 for _ in WEEKDAYS]
        for row in data["heatmap"]:
            grid[row["weekday"]][row["hour"]] = row["active_followers"]
        drawn["heatmap"] = figures.heatmap(
            f"Active followers by weekday and hour ({data['time_zone']['name']})",
            list(range(24)), list(WEEKDAYS), grid, label="Active followers",
        )  # fmt: skip
        # NOTE: "Teal" is a Python plotly scale, unknown to plotly.js; the scale is spelled out.
        drawn["heatmap"]["data"][0]["colorscale"] = HEATMAP_COLORS
        drawn["heatmap"]["layout"]["xaxis"] = {"dtick": 1, "title": {"text": "Hour"}}
        drawn["heatmap"]["layout"]["yaxis"] |= {"automargin": True}
    if not data["unavailable"]["traffic_sources"]:
        sources = [row for row in data["traffic_sources"] if row["share"] is not None]
        drawn["traffic_sources"] = figures.share_bars(
            "Traffic sources: share of all the period's views",
            [row["label"] for row in sources], [row["share"] for row in sources],
        )  # fmt: skip
    if data["territories"]:
        drawn["territories"] = figures.share_bars(
            "Top territories of the period's viewers (share of views)",
            [row["country"] for row in data["territories"]],
            [row["share"] for row in data["territories"]], color=5,
        )  # fmt: skip
    return drawn


account_view(
    router,
    AccountView(
        name="activity",
        title="Activity & traffic",
        gather=activity,
        template="activity.html.j2",
        summary="Follower activity by weekday and hour in the account's time zone, best hours, "
        "traffic sources and viewer territories.",
        figures=activity_figures,
    ),
)
