"""What the account report shows, gathered from `metrics` in one call; renderers only format it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from tikscope.metrics import studio
from tikscope.metrics.activity import local_heatmap
from tikscope.metrics.missing import why_missing
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings, last_day
from tikscope.metrics.registry import POST_COLUMNS
from tikscope.metrics.run import metric_report
from tikscope.metrics.sections import (
    demographics,
    follower_series,
    post_list,
)
from tikscope.reports.sections import POSTS, SECTIONS, SECTIONS_BY_KEY

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

Row = dict[str, Any]
POSTS_SECTION = POSTS


@dataclass(frozen=True)
class AccountReportData:
    """Everything the account report shows for one account and period.

    Attributes:
        account: the account.
        period: the period reported on; compared with `period.previous()`.
        settings: the engagement settings used.
        rows: `metric_rows(..., compare=True)`, one per registry metric.
        flags: the period's data-quality notes (`data_flags`).
        freshness: when each kind of data was last captured.
        last_day: the last day the store has data for.
        series: follower and daily series, one row per day.
        demographics: audience shares by dimension, or `unavailable` with the reason.
        heatmap: average active followers by weekday and hour, in the account's time zone.
        heatmap_zone: that time zone: name, UTC offsets over the period, a sentence saying so.
        posts: the posts published in the period with every post column and their flags.
        top_posts: the posts that gained the most views in the period.
        traffic_sources: share of the period's views by source.
        territories: top countries of the period's viewers.
        generated_at: when the report was made (UTC).
    """

    account: Account
    period: Period
    settings: Settings
    rows: list[Row]
    flags: list[str]
    freshness: Row
    last_day: date | None
    series: list[Row]
    demographics: dict[str, Any]
    heatmap: list[Row]
    heatmap_zone: Row
    posts: list[Row]
    top_posts: list[Row]
    traffic_sources: Row
    territories: list[Row]
    generated_at: datetime

    def section_rows(self, section: str) -> list[Row]:
        """The metric rows of one registry section, in registry order."""
        return [row for row in self.rows if row["section"] == section]

    def row(self, metric: str) -> Row:
        """The metric row of one metric."""
        return next(row for row in self.rows if row["metric"] == metric)

    def missing(self, *, has_data: bool, needs: tuple[str, ...] = ()) -> str | None:
        """Why a chart cannot be drawn, naming what would provide its data; None when it can."""
        return why_missing(has_data=has_data, needs=needs)


def gather_account_report(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings
) -> AccountReportData:
    """Read everything the account report shows from the store."""
    columns = [column.name for column in POST_COLUMNS]
    heatmap, zone = local_heatmap(connection, account, period)
    rows, flags = metric_report(connection, account, period, settings, compare=True)
    return AccountReportData(
        account=account,
        period=period,
        settings=settings,
        rows=rows,
        flags=flags,
        freshness=studio.data_freshness(connection, account),
        last_day=last_day(connection, account),
        series=follower_series(connection, account, period),
        demographics=demographics(connection, account, period),
        heatmap=heatmap,
        heatmap_zone=zone,
        posts=post_list(connection, account, period, settings, columns=columns),
        top_posts=studio.top_posts(connection, account, period),
        traffic_sources=studio.traffic_sources(connection, account, period),
        territories=studio.viewer_territories(connection, account, period),
        generated_at=datetime.now(UTC).replace(microsecond=0),
    )


def section_order() -> list[str]:
    """The report's sections in page order."""
    return [section.key for section in SECTIONS]


def section_summary(key: str, rows: list[Row]) -> Row:
    """One section of the period as a page shows it without a table, and as the API gives it.

    Args:
        key: the section (`SECTIONS`).
        rows: metric rows (`metric_report`) of at least the section's metrics and cards.

    Returns:
        `section`, `title` and `intro` from `SECTIONS`; `metrics`, the section's rows in registry
        order; `cards`, the rows of the section's cards, or all its metrics when it names none.
    """
    section = SECTIONS_BY_KEY[key]
    by_name = {row["metric"]: row for row in rows}
    metrics = [row for row in rows if row["section"] == key]
    cards = [by_name[name] for name in section.cards] if section.cards else metrics
    return {"section": key, "title": section.title, "intro": section.intro, "cards": cards,
            "metrics": metrics}  # fmt: skip
