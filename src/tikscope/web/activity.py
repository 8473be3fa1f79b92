"""The activity page: when followers are active, where views come from, and from which countries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from tikscope.metrics.activity import ActiveHour, best_hours, local_heatmap
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.studio import (
    SOURCES,
    Territory,
    data_freshness,
    traffic_sources,
    viewer_territories,
)
from tikscope.reports import account_specs as specs
from tikscope.reports.chart_spec import ChartSpec
from tikscope.web import figures
from tikscope.web.views import AccountView, account_view

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
Row = dict[str, Any]


def activity(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> dict[str, Any]:  # fmt: skip
    """Follower activity by weekday and hour (account's time zone), sources and territories.

    `unavailable` says, for each chart, why it cannot be drawn (its spec's reason), or None.
    """
    heatmap, time_zone = local_heatmap(connection, account, period)
    sources = traffic_sources(connection, account, period)
    ranked = sorted(SOURCES.items(), key=lambda item: -(sources[item[0]] or 0))
    source_rows = [{"source": key, "label": label, "share": sources[key]} for key, label in ranked]
    territories = viewer_territories(connection, account, period)
    charts = activity_charts(heatmap, time_zone.name, sources, territories)
    return {
        "time_zone": time_zone,
        "heatmap": heatmap,
        "best_hours": best_hours(heatmap),
        "traffic_sources": source_rows,
        "territories": territories,
        "unavailable": {chart.key: chart.missing for chart in charts},
        "freshness": data_freshness(connection, account),
    }


def activity_charts(
    heatmap: list[ActiveHour], zone: str, sources: Row, territories: list[Territory]
) -> list[ChartSpec]:
    """The page's charts: the heatmap in the account's time zone, sources and territories."""
    return [specs.heatmap_chart(heatmap, zone), specs.traffic_chart(sources),
            specs.territories_chart(territories)]  # fmt: skip


def activity_figures(data: dict[str, Any]) -> dict[str, Any]:
    """The page's charts as Plotly figures."""
    sources = {row["source"]: row["share"] for row in data["traffic_sources"]}
    return figures.drawn(
        activity_charts(data["heatmap"], data["time_zone"].name, sources, data["territories"])
    )


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
