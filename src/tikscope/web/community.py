"""The community page: follower growth by day, week or month, the balance, and demographics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from tikscope.metrics.missing import why_missing
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.registry import COMMUNITY
from tikscope.metrics.run import metric_report
from tikscope.metrics.sections import GRANULARITIES, demographics, follower_series
from tikscope.metrics.studio import data_freshness
from tikscope.reports.account_charts import DIMENSIONS, age_rank
from tikscope.reports.model import section_summary
from tikscope.reports.sections import section_title
from tikscope.web import figures
from tikscope.web.views import AccountView, account_view

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
GROWTH_COLUMNS = ("period_start", "followers", "gained", "lost", "balance")
UNITS = {"day": "day", "week": "week", "month": "month"}


def community(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> dict[str, Any]:  # fmt: skip
    """Community metrics, followers per day/week/month with gains and losses, demographics.

    The community section's `title`, `intro`, `cards` and `metrics` (`section_summary`) are at
    the top level. `growth` holds the series at every granularity (`day`, `week`, `month`); a
    week or month cut by the period's ends starts at the period's first day.
    """
    rows, notes = metric_report(
        connection, account, period, settings, compare=compare, section=COMMUNITY
    )
    growth = {
        granularity: [
            {column: row[column] for column in GROWTH_COLUMNS}
            for row in follower_series(connection, account, period, granularity)
        ]
        for granularity in GRANULARITIES
    }
    return {
        **section_summary(COMMUNITY, rows),
        "growth": growth,
        "balance_unavailable": why_missing(
            has_data=any(row["gained"] is not None for row in growth["day"]),
            needs=("account_daily.daily_new_followers",),
        ),
        "demographics": demographics(connection, account, period),
        "notes": notes,
        "freshness": data_freshness(connection, account),
    }


def community_figures(data: dict[str, Any]) -> dict[str, Any]:
    """Followers and their balance, and one chart per demographic.

    The page draws the daily charts; `by_granularity` holds the daily, weekly and monthly
    ones, which the page's granularity choice swaps in.
    """
    by_granularity = {
        granularity: {"followers": followers_figure(series, granularity)}
        | ({} if data["balance_unavailable"] else {"balance": balance_figure(series, granularity)})
        for granularity, series in data["growth"].items()
    }
    drawn: dict[str, Any] = {**by_granularity["day"], "by_granularity": by_granularity}
    if "unavailable" not in data["demographics"]:
        drawn |= demographic_figures(data["demographics"])
    return drawn


def followers_figure(series: list[dict[str, Any]], granularity: str) -> dict[str, Any]:
    """Followers at the end of each day, week or month."""
    title = f"Followers at the end of each {UNITS[granularity]}"
    starts = bucket_labels(series, granularity)
    figure = figures.lines(title, starts, {"Followers": [row["followers"] for row in series]})
    axis = {"gridcolor": "#e5e7eb", "rangemode": "normal", "tickformat": ","}
    return figure | {
        "layout": figures.layout(title, yaxis=axis, xaxis=time_axis(granularity, starts))
    }


def balance_figure(series: list[dict[str, Any]], granularity: str) -> dict[str, Any]:
    """Follows up, unfollows down, and the balance as a line, per day, week or month."""
    title = f"Followers gained, lost and balance per {UNITS[granularity]}"
    starts = bucket_labels(series, granularity)
    figure = figures.bars(
        title, starts,
        {"Gained": [row["gained"] for row in series],
         "Lost": [-(row["lost"] or 0) for row in series]},
        stacked=True,
    )  # fmt: skip
    figure["data"][1]["marker"]["color"] = figures.COLORS[6]
    figure["data"].append(
        {"type": "scatter", "mode": "lines+markers", "name": "Balance", "x": starts,
         "y": [row["balance"] for row in series], "line": {"color": "#111827", "width": 2},
         "marker": {"size": 5}}
    )  # fmt: skip
    figure["layout"] |= {"hovermode": "x unified", "xaxis": time_axis(granularity, starts)}
    return figure


def bucket_labels(series: list[dict[str, Any]], granularity: str) -> list[Any]:
    """Days as dates; weeks and months as names, evenly spaced whatever their length."""
    starts = [row["period_start"] for row in series]
    if granularity == "month":
        return [start.strftime("%b %Y") for start in starts]
    if granularity == "week":
        spans_years = bool(starts) and starts[0].year != starts[-1].year
        day = "%d %b %Y" if spans_years else "%d %b"
        return [f"Week of {start.strftime(day)}" for start in starts]
    return starts


def time_axis(granularity: str, starts: list[Any]) -> dict[str, Any]:
    """The x axis: whole days for days, named categories for weeks and months."""
    if granularity == "day":
        return figures.day_axis(starts) | {"automargin": True}
    return {"gridcolor": "#e5e7eb", "automargin": True, "type": "category"}


def demographic_figures(shares: dict[str, Any]) -> dict[str, Any]:
    """Gender as a ring; age in age order; countries and cities largest first."""
    drawn: dict[str, Any] = {}
    for index, dimension in enumerate(DIMENSIONS):
        entries = shares.get(dimension, [])
        if not entries:
            continue
        if dimension == "age":
            entries = sorted(entries, key=lambda entry: age_rank(entry["value"]))
        labels = [str(entry["value"]) for entry in entries]
        values = [entry["share"] for entry in entries]
        title = f"{dimension.capitalize()} (share of followers)"
        if dimension == "gender":
            drawn[dimension] = figures.donut(
                title, [label.capitalize() for label in labels], values
            )
        else:
            drawn[dimension] = figures.share_bars(title, labels, values, color=index)
    return drawn


account_view(
    router,
    AccountView(
        name="community",
        title=section_title(COMMUNITY),
        gather=community,
        template="community.html.j2",
        summary="Follower growth by day, week and month, balance of followers, demographics.",
        figures=community_figures,
    ),
)
