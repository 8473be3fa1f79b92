"""What the account report shows, gathered from `metrics` in one call; renderers only format it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from tikscope.metrics import studio
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings, last_day
from tikscope.metrics.registry import (
    ACCOUNT,
    COMMUNITY,
    POST_COLUMNS,
    PUBLISHED,
    STUDIO,
    VIEWED,
)
from tikscope.metrics.run import SECTIONS, metric_report
from tikscope.metrics.sections import (
    activity_heatmap,
    demographics,
    follower_series,
    post_list,
)

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

Row = dict[str, Any]
PERSONAL = "not available for personal accounts"
NO_DATA = "no data in the period"
POSTS_SECTION = "posts"
SECTION_TITLES = {
    COMMUNITY: "Community",
    ACCOUNT: "Account",
    VIEWED: "Posts viewed in the period",
    PUBLISHED: "Posts published in the period",
    POSTS_SECTION: "List of posts",
    STUDIO: "Studio-style views",
}
SECTION_INTROS = {
    COMMUNITY: "Followers over the period, follows and unfollows per day (UTC days of the "
    "Business API), and who the followers are.",
    ACCOUNT: "Posts published and visits to the profile.",
    VIEWED: "What every post gained during the period, whatever its publish date.",
    PUBLISHED: "Posts published in the period (account's time zone), with lifetime totals as "
    "of the period's end.",
    POSTS_SECTION: "Every post published in the period, most viewed first, with its "
    "data-quality flags.",
    STUDIO: "The views of TikTok Studio's analytics: daily overview, when followers are "
    "active, where views come from, and which posts were watched most.",
}


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
        heatmap: average active followers by weekday and hour.
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
    posts: list[Row]
    top_posts: list[Row]
    traffic_sources: Row
    territories: list[Row]
    generated_at: datetime

    @property
    def is_personal(self) -> bool:
        """Whether the account is personal (no Business API data)."""
        return self.account.account_type == "personal"

    def section_rows(self, section: str) -> list[Row]:
        """The metric rows of one registry section, in registry order."""
        return [row for row in self.rows if row["section"] == section]

    def row(self, metric: str) -> Row:
        """The metric row of one metric."""
        return next(row for row in self.rows if row["metric"] == metric)

    def missing(self, *, business_only: bool, has_data: bool) -> str | None:
        """Why a chart cannot be drawn, or None when it can."""
        if business_only and self.is_personal:
            return PERSONAL
        return None if has_data else NO_DATA


def gather_account_report(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings
) -> AccountReportData:
    """Read everything the account report shows from the store."""
    columns = [column.name for column in POST_COLUMNS]
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
        heatmap=activity_heatmap(connection, account, period),
        posts=post_list(connection, account, period, settings, columns=columns),
        top_posts=studio.top_posts(connection, account, period),
        traffic_sources=studio.traffic_sources(connection, account, period),
        territories=studio.viewer_territories(connection, account, period),
        generated_at=datetime.now(UTC).replace(microsecond=0),
    )


def section_order() -> list[str]:
    """The report's sections in page order: the registry's, with the list of posts added."""
    order = [section for section in SECTIONS if section != STUDIO]
    return [*order, POSTS_SECTION, *([STUDIO] if STUDIO in SECTIONS else [])]


def section_title(section: str) -> str:
    """The heading of a section."""
    return SECTION_TITLES.get(section, section.capitalize())
