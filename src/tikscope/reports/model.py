"""The typed model of an account page: what the report shows, gathered from `metrics` in one call.

The page is its sections (`SECTIONS`: key, title, introduction), each with its metric lines
(`MetricLine`), cards and chart specs (`ChartSpec`, built by `reports/account_specs.py`). The
HTML report and the PNG charts only format it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from tikscope.metrics import studio
from tikscope.metrics.activity import ActiveHour, TimeZoneUsed, local_heatmap
from tikscope.metrics.comment_views import CommentSummary, comment_summary
from tikscope.metrics.model import PostColumn
from tikscope.metrics.periods import Period
from tikscope.metrics.post_rows import PostRow, TopPost
from tikscope.metrics.query import Account, Settings, last_day
from tikscope.metrics.registry import ACCOUNT, COMMUNITY, POST_COLUMNS, PUBLISHED, STUDIO, VIEWED
from tikscope.metrics.run import MetricLine, metric_lines
from tikscope.metrics.sections import (
    DailyTotals,
    Demographics,
    demographics,
    period_series,
    post_list,
)
from tikscope.reports import account_specs as specs
from tikscope.reports.chart_spec import ChartSpec
from tikscope.reports.comments import comment_tables
from tikscope.reports.sections import COMMENTS, POSTS, SECTIONS, SECTIONS_BY_KEY
from tikscope.reports.tables import Table, posts_table

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

POSTS_SECTION = POSTS


@dataclass(frozen=True)
class AccountReportData:
    """Everything the account report shows for one account and period.

    Attributes:
        account: the account.
        period: the period reported on; compared with `period.previous()`.
        settings: the engagement settings used.
        lines: one line per registry metric, compared with the previous period.
        flags: the period's data-quality notes (`data_flags`).
        freshness: when each kind of data was last captured.
        last_day: the last day the store has data for.
        series: follower and daily series, one row per day.
        previous_series: the same for the previous period.
        demographics: audience shares by dimension, or `unavailable` with the reason.
        heatmap: average active followers by weekday and hour, in the account's time zone.
        heatmap_zone: that time zone: name, UTC offsets over the period, a sentence saying so.
        posts: the posts published in the period with every post column and their flags.
        top_posts: the posts that gained the most views in the period.
        traffic_sources: share of the period's views by source.
        territories: top countries of the period's viewers.
        comments: what the period's comments say.
        generated_at: when the report was made (UTC).
    """

    account: Account
    period: Period
    settings: Settings
    lines: tuple[MetricLine, ...]
    flags: list[str]
    freshness: studio.Freshness
    last_day: date | None
    series: list[DailyTotals]
    previous_series: list[DailyTotals]
    demographics: Demographics
    heatmap: list[ActiveHour]
    heatmap_zone: TimeZoneUsed
    posts: list[PostRow]
    top_posts: list[TopPost]
    traffic_sources: dict[str, float | None]
    territories: list[studio.Territory]
    comments: CommentSummary
    generated_at: datetime

    def section_lines(self, section: str) -> list[MetricLine]:
        """The metric lines of one registry section, in registry order."""
        return [line for line in self.lines if line.section == section]

    def line(self, metric: str) -> MetricLine:
        """The line of one metric."""
        return next(line for line in self.lines if line.name == metric)


@dataclass(frozen=True)
class PageSection:
    """One section of an account page, as every output shows it.

    Attributes:
        key: the section (`SECTIONS`).
        title: its heading.
        intro: what it shows, in one sentence.
        lines: its metrics, in registry order (none for the list of posts).
        cards: the metrics shown as cards at its top.
        charts: its charts, in page order.
        tables: its tables (the list of posts), in page order.
    """

    key: str
    title: str
    intro: str
    lines: tuple[MetricLine, ...]
    cards: tuple[MetricLine, ...]
    charts: tuple[ChartSpec, ...]
    tables: tuple[Table, ...] = ()


def gather_account_report(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings
) -> AccountReportData:
    """Read everything the account report shows from the store."""
    columns = [column.name for column in POST_COLUMNS]
    heatmap, zone = local_heatmap(connection, account, period)
    series = period_series(connection, account, period, compare=True)
    lines, flags = metric_lines(
        connection, account, period, settings, compare=True, followers=series.followers
    )
    return AccountReportData(
        account=account,
        period=period,
        settings=settings,
        lines=tuple(lines),
        flags=flags,
        freshness=studio.data_freshness(connection, account),
        last_day=last_day(connection, account),
        series=series.current,
        previous_series=series.previous,
        demographics=demographics(connection, account, period),
        heatmap=heatmap,
        heatmap_zone=zone,
        posts=post_list(connection, account, period, settings, columns=columns),
        top_posts=studio.top_posts(connection, account, period),
        traffic_sources=studio.traffic_sources(connection, account, period),
        territories=studio.viewer_territories(connection, account, period),
        comments=comment_summary(connection, account, period),
        generated_at=datetime.now(UTC).replace(microsecond=0),
    )


def section_charts(data: AccountReportData) -> dict[str, tuple[ChartSpec, ...]]:
    """The charts of each section of the report that has any."""
    sources = [line for line in data.section_lines(PUBLISHED)
               if line.name.startswith("views_from_")]  # fmt: skip
    return {
        COMMUNITY: (specs.followers_chart(data.series), specs.balance_chart(data.series),
                    specs.demographics_chart(data.demographics)),
        ACCOUNT: (specs.views_chart(data.series, data.previous_series),),
        VIEWED: (specs.gains_chart([data.line(name) for name in specs.GAINS]),),
        PUBLISHED: (
            specs.interactions_chart(data.posts), specs.sources_chart(sources),
            specs.watch_time_chart(data.posts,
                                   average=data.line("average_watch_time_seconds").value,
                                   duration=data.line("average_duration_seconds").value),
        ),
        STUDIO: (
            specs.overview_chart(data.series),
            specs.heatmap_chart(data.heatmap, data.heatmap_zone.name),
            specs.traffic_chart(data.traffic_sources),
            specs.territories_chart(data.territories),
            specs.new_viewers_chart(data.line("new_viewers_share")),
            specs.top_posts_chart(data.top_posts),
        ),
    }  # fmt: skip


def page_sections(data: AccountReportData) -> tuple[PageSection, ...]:
    """The report's sections in page order, with their lines, cards and charts."""
    charts = section_charts(data)
    shown = [column for column in POST_COLUMNS if column.name != "link"]
    return tuple(
        PageSection(
            key=section.key, title=section.title, intro=section.intro,
            lines=() if section.key == POSTS else tuple(data.section_lines(section.key)),
            cards=tuple(data.line(name) for name in section.cards),
            charts=charts.get(section.key, ()),
            tables=section_tables(data, section.key, shown),
        )
        for section in SECTIONS
    )  # fmt: skip


def section_tables(data: AccountReportData, key: str, shown: list[PostColumn]) -> tuple[Table, ...]:
    """The tables of one section: the list of posts, or the comments' tables."""
    if key == POSTS:
        return (posts_table(data.posts, shown),)
    if key == COMMENTS:
        return comment_tables(data.comments)
    return ()


def section_order() -> list[str]:
    """The report's sections in page order."""
    return [section.key for section in SECTIONS]


@dataclass(frozen=True)
class SectionSummary:
    """One section of the period as a page shows it without a table, and as the API gives it.

    Attributes:
        section: the section's key (`SECTIONS`).
        title: its heading.
        intro: what it shows, in one sentence.
        cards: the lines of the section's cards, or all its metrics when it names none.
        metrics: the section's lines, in registry order.
    """

    section: str
    title: str
    intro: str
    cards: tuple[MetricLine, ...]
    metrics: tuple[MetricLine, ...]


def section_summary(key: str, lines: list[MetricLine]) -> SectionSummary:
    """One section of the period from metric lines (`metric_lines`) of at least its metrics."""
    section = SECTIONS_BY_KEY[key]
    by_name = {line.name: line for line in lines}
    metrics = tuple(line for line in lines if line.section == key)
    cards = tuple(by_name[name] for name in section.cards) if section.cards else metrics
    return SectionSummary(key, section.title, section.intro, cards, metrics)
