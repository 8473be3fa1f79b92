"""The typed models of the web's account pages, each gathered from `metrics` in one call.

A page and its JSON twin under `/api` read the same model (`web/views.py`): the page's template
reads its fields, the API gives them as JSON at the response (`web/render.py`). No page
assembles its own dict of rows: every row is a typed value of the analysis layer (`MetricLine`,
`DailyTotals`, `PostRow`, `TopPost`, `Demographics`, `ActiveHour`, `TrafficShare`, `Territory`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tikscope.metrics.activity import ActiveHour, BestHour, TimeZoneUsed, best_hours, local_heatmap
from tikscope.metrics.periods import Period
from tikscope.metrics.post_rows import PostRow, TopPost
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.registry import COMMUNITY, POST_COLUMNS_BY_NAME, PUBLISHED, VIEWED
from tikscope.metrics.run import MetricLine, metric_lines
from tikscope.metrics.sections import (
    GRANULARITIES,
    DailyTotals,
    Demographics,
    Growth,
    demographics,
    follower_series,
    period_series,
    post_list,
)
from tikscope.metrics.studio import (
    Freshness,
    Territory,
    TrafficShare,
    data_freshness,
    ranked_sources,
    top_posts,
    traffic_sources,
    viewer_territories,
)
from tikscope.reports import account_specs as specs
from tikscope.reports.chart_spec import ChartSpec
from tikscope.reports.model import SectionSummary, section_summary
from tikscope.reports.sections import headline
from tikscope.reports.spreadsheet import FLAGS_LABEL

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

PUBLISHED_COLUMNS = (
    "caption", "link", "type", "published", "views", "likes", "comments", "shares", "reach",
)  # fmt: skip
FLAGS_DESCRIPTION = "Why a number may differ from TikTok Studio."


@dataclass(frozen=True)
class OverviewPage:
    """Every metric of the period (with the previous period), the daily series and freshness.

    Attributes:
        headline: the lines of the metrics marked `Metric.headline`, in registry order.
        metrics: every metric's line.
        daily: the daily series of the period.
        previous_daily: the same for the previous period (empty without comparison).
        notes: the period's data-quality notes.
        freshness: when the account's data was captured.
    """

    headline: tuple[MetricLine, ...]
    metrics: tuple[MetricLine, ...]
    daily: tuple[DailyTotals, ...]
    previous_daily: tuple[DailyTotals, ...]
    notes: tuple[str, ...]
    freshness: Freshness

    def charts(self) -> list[ChartSpec]:
        """Daily views against the previous period (profile views on their own axis), followers."""
        return [specs.views_chart(self.daily, self.previous_daily),
                specs.followers_chart(self.daily)]  # fmt: skip


def gather_overview(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> OverviewPage:  # fmt: skip
    """The overview of one account and period."""
    # NOTE: one read of both periods' series, which also gives the follower counts of the days
    # before them to the metrics (each statement's planning costs more than a few more days).
    series = period_series(connection, account, period, compare=compare)
    lines, notes = metric_lines(
        connection, account, period, settings, compare=compare, followers=series.followers
    )
    by_name = {line.name: line for line in lines}
    return OverviewPage(
        headline=tuple(by_name[name] for name in headline()), metrics=tuple(lines),
        daily=tuple(series.current), previous_daily=tuple(series.previous),
        notes=tuple(notes), freshness=data_freshness(connection, account),
    )  # fmt: skip


@dataclass(frozen=True)
class CommunityPage(SectionSummary):
    """The community section, followers by day, week and month, and demographics.

    Attributes:
        growth: the follower series at every granularity (`day`, `week`, `month`); a week or
            month cut by the period's ends starts at the period's first day.
        balance_unavailable: why the balance chart cannot be drawn; None when it can.
        demographics: audience shares by dimension, or why there are none.
        notes: the period's data-quality notes.
        freshness: when the account's data was captured.
    """

    growth: Mapping[str, tuple[Growth, ...]]
    balance_unavailable: str | None
    demographics: Demographics
    notes: tuple[str, ...]
    freshness: Freshness


def gather_community(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> CommunityPage:  # fmt: skip
    """The community page of one account and period."""
    lines, notes = metric_lines(
        connection, account, period, settings, compare=compare, section=COMMUNITY
    )
    growth = {
        granularity: tuple(row.growth for row in follower_series(connection, account, period,
                                                                 granularity))
        for granularity in GRANULARITIES
    }  # fmt: skip
    summary = section_summary(COMMUNITY, lines)
    return CommunityPage(
        summary.section, summary.title, summary.intro, summary.cards, summary.metrics,
        growth=growth, balance_unavailable=specs.balance_chart(growth["day"]).missing,
        demographics=demographics(connection, account, period), notes=tuple(notes),
        freshness=data_freshness(connection, account),
    )  # fmt: skip


@dataclass(frozen=True)
class ViewedSection(SectionSummary):
    """The "viewed" section with the posts that gained the most views in the period."""

    top_posts: tuple[TopPost, ...]


@dataclass(frozen=True)
class PublishedSection(SectionSummary):
    """The "published" section with the posts published in the period, oldest first."""

    posts: tuple[PostRow, ...]


@dataclass(frozen=True)
class ContentPage:
    """Posts viewed in the period and posts published in it, side by side."""

    viewed: ViewedSection
    published: PublishedSection
    notes: tuple[str, ...]
    freshness: Freshness

    def charts(self) -> list[ChartSpec]:
        """Top posts by views gained in the period; views of each post published in it."""
        return [specs.top_posts_chart(self.viewed.top_posts),
                specs.published_views_chart(self.published.posts)]  # fmt: skip


def gather_content(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> ContentPage:  # fmt: skip
    """The viewed and published sections of one account and period."""
    lines, notes = metric_lines(connection, account, period, settings, compare=compare)
    posts = post_list(
        connection, account, period, settings, columns=PUBLISHED_COLUMNS, sort="published"
    )
    viewed, published = section_summary(VIEWED, lines), section_summary(PUBLISHED, lines)
    return ContentPage(
        viewed=ViewedSection(viewed.section, viewed.title, viewed.intro, viewed.cards,
                             viewed.metrics, tuple(top_posts(connection, account, period))),
        published=PublishedSection(published.section, published.title, published.intro,
                                   published.cards, published.metrics, tuple(posts)),
        notes=tuple(notes), freshness=data_freshness(connection, account),
    )  # fmt: skip


@dataclass(frozen=True)
class ActivityPage:
    """Follower activity by weekday and hour (account's time zone), sources and territories.

    Attributes:
        time_zone: the zone the weekdays and hours are in, and a sentence saying so.
        heatmap: average active followers by weekday and hour.
        best_hours: the best hours to post, best first.
        traffic_sources: every impression source with its share of views, largest first.
        territories: the top countries of the period's viewers.
        unavailable: for each chart, why it cannot be drawn (its spec's reason), or None.
        freshness: when the account's data was captured.
    """

    time_zone: TimeZoneUsed
    heatmap: tuple[ActiveHour, ...]
    best_hours: tuple[BestHour, ...]
    traffic_sources: tuple[TrafficShare, ...]
    territories: tuple[Territory, ...]
    unavailable: Mapping[str, str | None]
    freshness: Freshness

    def charts(self) -> list[ChartSpec]:
        """The heatmap in the account's time zone, traffic sources and territories."""
        return activity_charts(self.heatmap, self.time_zone.name, self.traffic_sources,
                               self.territories)  # fmt: skip


def activity_charts(
    heatmap: Sequence[ActiveHour], zone: str, sources: Sequence[TrafficShare],
    territories: Sequence[Territory],
) -> list[ChartSpec]:  # fmt: skip
    """The activity page's charts."""
    traffic = {row.source: row.share for row in sources}
    return [specs.heatmap_chart(heatmap, zone), specs.traffic_chart(traffic),
            specs.territories_chart(territories)]  # fmt: skip


def gather_activity(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> ActivityPage:  # fmt: skip
    """The activity page of one account and period."""
    heatmap, time_zone = local_heatmap(connection, account, period)
    sources = tuple(ranked_sources(traffic_sources(connection, account, period)))
    territories = tuple(viewer_territories(connection, account, period))
    charts = activity_charts(heatmap, time_zone.name, sources, territories)
    return ActivityPage(
        time_zone=time_zone, heatmap=tuple(heatmap), best_hours=tuple(best_hours(heatmap)),
        traffic_sources=sources, territories=territories,
        unavailable={chart.key: chart.missing for chart in charts},
        freshness=data_freshness(connection, account),
    )  # fmt: skip


@dataclass(frozen=True)
class ColumnDescription:
    """A column of the list of posts as the posts page and its JSON twin describe it."""

    name: str
    label: str
    unit: str | None
    description: str
    sources: tuple[str, ...]


def describe_column(name: str) -> ColumnDescription:
    """A post column (or `flags`) by name: label, unit, description, what provides it."""
    if name == "flags":
        return ColumnDescription("flags", FLAGS_LABEL, None, FLAGS_DESCRIPTION, ())
    column = POST_COLUMNS_BY_NAME[name]
    return ColumnDescription(column.name, column.label, column.unit.value, column.description,
                             column.sources)  # fmt: skip


@dataclass(frozen=True)
class PostsPage:
    """The list of posts published in the period, with the chosen columns and sort.

    Attributes:
        columns: the shown columns: `post_id`, the chosen ones, `flags`.
        sort: the column sorted by (`-name` for descending).
        posts: the posts, each with its caption and link too (they name it on the page).
        freshness: when the account's data was captured.
    """

    columns: tuple[ColumnDescription, ...]
    sort: str
    posts: tuple[PostRow, ...]
    freshness: Freshness

    @property
    def shown(self) -> tuple[str, ...]:
        """The names of the shown columns, in order."""
        return tuple(column.name for column in self.columns)


def gather_posts(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    *, columns: Sequence[str], sort: str,
) -> PostsPage:  # fmt: skip
    """The posts page for these columns and sort; every row also carries caption and link."""
    naming = [name for name in ("caption", "link") if name not in columns]
    posts = post_list(connection, account, period, settings, columns=[*columns, *naming],
                      sort=sort)  # fmt: skip
    shown = (*dict.fromkeys(["post_id", *columns]), "flags")
    return PostsPage(
        columns=tuple(describe_column(name) for name in shown), sort=sort, posts=tuple(posts),
        freshness=data_freshness(connection, account),
    )  # fmt: skip
