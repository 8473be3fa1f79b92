"""The activity page: when followers are active, where views come from, and from which countries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from tikscope.metrics.activity import WEEKDAYS, best_hours, local_heatmap
from tikscope.metrics.missing import why_missing
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.studio import SOURCES, data_freshness, traffic_sources, viewer_territories
from tikscope.web import figures
from tikscope.web.views import AccountView, account_view

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
Row = dict[str, Any]
HEATMAP_COLORS = [[0, "#f0fdfa"], [0.5, "#5eead4"], [1, "#115e59"]]


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
            "heatmap": why_missing(
                has_data=bool(heatmap), needs=("follower_activity.active_followers",)
            ),
            "traffic_sources": why_missing(
                has_data=any(row["share"] for row in source_rows),
                needs=("post_snapshots.source_for_you",),
            ),
            "territories": why_missing(
                has_data=bool(territories), needs=("post_snapshots.viewer_countries",)
            ),
        },
        "freshness": data_freshness(connection, account),
    }


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
