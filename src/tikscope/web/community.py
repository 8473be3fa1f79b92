"""The community page: follower growth by day, week or month, the balance, and demographics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.registry import COMMUNITY
from tikscope.metrics.run import metric_lines
from tikscope.metrics.sections import GRANULARITIES, demographics, follower_series
from tikscope.metrics.studio import data_freshness
from tikscope.reports import account_specs as specs
from tikscope.reports.model import section_summary
from tikscope.reports.sections import section_title
from tikscope.web import figures
from tikscope.web.views import AccountView, account_view

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()


def community(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> dict[str, Any]:  # fmt: skip
    """Community metrics, followers per day/week/month with gains and losses, demographics.

    The community section's `title`, `intro`, `cards` and `metrics` (`section_summary`) are at
    the top level. `growth` holds the series at every granularity (`day`, `week`, `month`); a
    week or month cut by the period's ends starts at the period's first day.
    """
    lines, notes = metric_lines(
        connection, account, period, settings, compare=compare, section=COMMUNITY
    )
    growth = {
        granularity: [row.growth for row in follower_series(connection, account, period,
                                                            granularity)]
        for granularity in GRANULARITIES
    }  # fmt: skip
    return {
        **section_summary(COMMUNITY, lines),
        "growth": growth,
        "balance_unavailable": specs.balance_chart(growth["day"]).missing,
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
        granularity: figures.drawn([specs.followers_chart(series, granularity),
                                    specs.balance_chart(series, granularity)])
        for granularity, series in data["growth"].items()
    }  # fmt: skip
    for drawn in by_granularity.values():
        drawn.pop("missing")
    charts = figures.drawn([specs.demographics_chart(data["demographics"])])
    return {**by_granularity["day"], "by_granularity": by_granularity, **charts}


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
