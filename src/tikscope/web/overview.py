"""The account overview: headline metrics against the previous period, and the daily trend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.run import metric_lines
from tikscope.metrics.sections import period_series
from tikscope.metrics.studio import data_freshness
from tikscope.reports import account_specs as specs
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

    `headline` holds the lines of the metrics marked `Metric.headline`, in registry order; every
    line is a `MetricLine`, given in JSON as `MetricLine.as_json`.
    """
    series = period_series(connection, account, period, compare=compare)
    lines, notes = metric_lines(
        connection, account, period, settings, compare=compare, followers=series.followers
    )
    by_name = {line.name: line for line in lines}
    return {
        "headline": [by_name[name] for name in headline()],
        "metrics": lines,
        "daily": series.current,
        "previous_daily": series.previous,
        "notes": notes,
        "freshness": data_freshness(connection, account),
    }


def overview_figures(data: dict[str, Any]) -> dict[str, Any]:
    """Daily views against the previous period (profile views on their own axis), and followers."""
    return figures.drawn(
        [specs.views_chart(data["daily"], data["previous_daily"]),
         specs.followers_chart(data["daily"])]
    )  # fmt: skip


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
