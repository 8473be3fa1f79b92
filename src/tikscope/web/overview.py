"""The account overview: headline metrics against the previous period, and the daily trend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.registry import metrics_by_name
from tikscope.metrics.run import metric_report
from tikscope.metrics.sections import follower_series
from tikscope.metrics.studio import data_freshness
from tikscope.reports.sections import headline
from tikscope.web import figures
from tikscope.web.views import AccountView, account_view

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()


def overview(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> dict[str, Any]:  # fmt: skip
    """Every metric of the period (with the previous period), the daily series and freshness.

    `headline` holds the rows of the metrics marked `Metric.headline`, in registry order.
    """
    rows, notes = metric_report(connection, account, period, settings, compare=compare)
    by_name = {row["metric"]: row for row in rows}
    return {
        "headline": [by_name[name] for name in headline()],
        "metrics": rows,
        "daily": follower_series(connection, account, period),
        "previous_daily": follower_series(connection, account, period.previous())
        if compare
        else [],
        "notes": notes,
        "freshness": data_freshness(connection, account),
    }


def overview_figures(data: dict[str, Any]) -> dict[str, Any]:
    """Daily views against the previous period (aligned by day), and followers.

    Profile views (hundreds a day) get their own axis on the right, beside video views (tens of
    thousands).
    """
    daily, previous = data["daily"], data["previous_daily"]
    days = [row["period_start"] for row in daily]
    metrics = metrics_by_name()
    label = {name: metrics[name].label for name in ("video_views", "profile_views")}
    earlier = f"{label['video_views']}, previous period"
    views = {label["video_views"]: [row["video_views"] for row in daily],
             label["profile_views"]: [row["profile_views"] for row in daily]}  # fmt: skip
    if previous:
        views[earlier] = [row["video_views"] for row in previous]
    followers = {metrics["followers"].label: [row["followers"] for row in daily]}
    balance = {"Gained": [row["gained"] for row in daily],
               "Lost": [-(row["lost"] or 0) for row in daily]}  # fmt: skip
    return {
        "views": figures.lines("Views per day", days, views, dashed=(earlier,),
                               right=(label["profile_views"],),
                               axis_titles=(label["video_views"], label["profile_views"])),
        "followers": figures.lines("Followers at the end of each day", days, followers)
        | {"layout": figures.layout("Followers at the end of each day",
                                    yaxis={"gridcolor": "#e5e7eb", "rangemode": "normal"},
                                    xaxis=figures.day_axis(days))},
        "balance": figures.bars("Follows and unfollows per day", days, balance, stacked=True),
    }  # fmt: skip


account_view(
    router,
    AccountView(
        name="overview",
        title="Overview",
        gather=overview,
        template="overview.html.j2",
        summary="Headline metrics of the period compared with the previous one, daily series.",
        figures=overview_figures,
    ),
)
