"""Every metric tikscope computes, defined once. Everything else reads `METRICS`.

Entries are built by four constructors, one per way of computing: `daily` (a sum of the daily
series), `gained` (what every post gained in the period), `published` (over the posts published
in the period), and `derived` (from other metrics). `check_registry` states the rules a test
keeps: unique names and labels, inputs that exist and come first, every entry described.
"""

from __future__ import annotations

import operator
from typing import Any

from tikscope.metrics.model import Combine, Kind, Metric, PostColumn, Scope, Unit

SUM_DAYS = "sum of the days"
LAST_DAY = "value on the last day"
NOT_BY_POST = "not per post"
SUM_POSTS = "sum over posts"
AT_END = "as of the period's end"
LIFETIME = "lifetime total at the period's end"

COMMUNITY, ACCOUNT, VIEWED, PUBLISHED, STUDIO = (
    "community", "account", "posts viewed", "posts published", "studio",
)  # fmt: skip


def daily(
    name: str, label: str, description: str, *, column: str, section: str, **flags: Any
) -> Metric:
    """A sum over the period's days of one column of the daily account series."""
    return Metric(
        name=name, label=label, description=description, unit=Unit.COUNT, scope=Scope.DAYS,
        kind=Kind.SIMPLE, section=section, sql=f"sum({column})",
        sources=(f"account_daily.{column}",), over_days=SUM_DAYS, over_posts=NOT_BY_POST,
        **flags,
    )  # fmt: skip


def gained(name: str, label: str, *, counter: str) -> Metric:
    """What every post gained of a lifetime counter during the period, whatever its age."""
    return Metric(
        name=name, label=label,
        description=f"The {counter} every post gained during the period, whatever its publish "
        "date (difference of its lifetime counter between the period's end and start).",
        unit=Unit.COUNT, scope=Scope.VIEWED, kind=Kind.SIMPLE, section=VIEWED,
        sql=f"sum({counter}_gained)", sources=(f"post_snapshots.{counter}",),
        over_days="difference of lifetime counters at the period's ends", over_posts=SUM_POSTS,
    )  # fmt: skip


def published(
    name: str, label: str, description: str, *, sql: str, sources: tuple[str, ...],
    unit: Unit = Unit.COUNT, over_days: str = LIFETIME, over_posts: str = SUM_POSTS,
    section: str = PUBLISHED, **flags: Any,
) -> Metric:  # fmt: skip
    """An aggregate over the posts published in the period."""
    return Metric(
        name=name, label=label, description=description, unit=unit, scope=Scope.PUBLISHED,
        kind=Kind.SIMPLE, section=section, sql=sql, sources=sources, over_days=over_days,
        over_posts=over_posts, **flags,
    )  # fmt: skip


def ratio(
    name: str, label: str, description: str, *, numerator: str, denominator: str,
    scope: Scope, section: str, sources: tuple[str, ...], unit: Unit, over_posts: str,
) -> Metric:  # fmt: skip
    """One aggregate divided by another over the same rows (nothing where the second is 0)."""
    return Metric(
        name=name, label=label, description=description, unit=unit, scope=scope,
        kind=Kind.RATIO, section=section, sql=f"({numerator}) / nullif({denominator}, 0)",
        sources=sources, over_days=AT_END, over_posts=over_posts,
    )  # fmt: skip


def derived(
    name: str, label: str, description: str, *, inputs: tuple[str, ...], combine: Combine,
    section: str, unit: Unit = Unit.COUNT, **flags: Any,
) -> Metric:  # fmt: skip
    """A metric computed from other metrics' values; missing when any input is."""
    return Metric(
        name=name, label=label, description=description, unit=unit, scope=Scope.DAYS,
        kind=Kind.DERIVED, section=section, inputs=inputs, combine=combine,
        over_days="from " + " and ".join(inputs), over_posts=NOT_BY_POST, **flags,
    )  # fmt: skip


def summed(counter: str, label: str) -> Metric:
    """A lifetime counter summed over the posts published in the period."""
    return published(
        f"published_{counter}", label,
        f"{counter.capitalize()} of the posts published in the period, lifetime totals at the "
        "period's end.",
        sql=f"sum({counter})", sources=(f"post_snapshots.{counter}",), zero_when_empty=True,
    )  # fmt: skip


def source_share(source: str, label: str) -> Metric:
    """Share of the views of posts published in the period that came from one source."""
    column = f"source_{source}"
    return ratio(
        f"views_from_{source}", f"{label} %",
        f"Share of the views of posts published in the period that came from {label} "
        "(each post's share weighted by its views).",
        # NOTE: a post without the source has a NULL product, which sum() skips, so the
        # numerator needs no condition of its own. Conditions are CASE, not FILTER, which
        # costs DuckDB more planning time.
        numerator=f"sum(views * {column})",
        denominator=f"sum(CASE WHEN {column} IS NOT NULL THEN views END)",
        scope=Scope.PUBLISHED, section=PUBLISHED, unit=Unit.FRACTION,
        sources=(f"post_snapshots.{column}",), over_posts="views-weighted mean",
    )  # fmt: skip


COUNTED_DAY = "CASE WHEN followers_count IS NOT NULL THEN date END"
"""The day of a row with a follower count (NULL otherwise, which arg_max and arg_min skip)."""

FOLLOWERS_GROWTH_SQL = (
    f"coalesce(arg_max(followers_count, {COUNTED_DAY})"
    " - coalesce(any_value(followers_before),"
    f" arg_min(followers_count, {COUNTED_DAY})),"
    " sum(daily_total_followers))"
)
"""Followers at the end minus the day before the period; else the first day with a count in it;
else, without any count, the sum of the daily net changes (Studio's "New followers")."""

# NOTE: other modules read `registry.METRICS` when they run, never a copy made at import (no
# `from ... import METRICS`, no dict built from it at module level): an entry added here, or
# patched in by a test, then reaches the CLI, the web pages and API, the report and the docs.
METRICS: tuple[Metric, ...] = (
    Metric(
        name="followers",
        label="Followers",
        description="Followers at the end of the period.",
        unit=Unit.COUNT,
        scope=Scope.DAYS,
        kind=Kind.SIMPLE,
        section=COMMUNITY,
        sql=f"arg_max(followers_count, {COUNTED_DAY})",
        sources=("account_daily.followers_count",),
        over_days=LAST_DAY,
        over_posts=NOT_BY_POST,
        headline=True,
    ),
    Metric(
        name="followers_growth",
        label="Follower growth",
        description="Followers at the end of the period minus followers the day before it "
        "started (the change in the follower count). When the day before is not in the store, "
        "from the first day of the period with a count, and the note says so.",
        unit=Unit.COUNT,
        scope=Scope.DAYS,
        kind=Kind.SIMPLE,
        section=COMMUNITY,
        sql=FOLLOWERS_GROWTH_SQL,
        sources=("account_daily.followers_count",),
        over_days="last day minus the day before the first",
        over_posts=NOT_BY_POST,
        headline=True,
    ),
    daily(
        "followers_gained",
        "Followers gained",
        "New follows during the period; someone who unfollows and follows again counts again.",
        column="daily_new_followers",
        section=COMMUNITY,
    ),
    daily(
        "followers_lost",
        "Followers lost",
        "Unfollows during the period.",
        column="daily_lost_followers",
        section=COMMUNITY,
        lower_is_better=True,
    ),
    derived(
        "followers_balance",
        "Balance of followers",
        "Followers gained minus followers lost: every follow and unfollow event counts, as in "
        "Metricool. It differs from follower growth when TikTok removes accounts from the count "
        "without an unfollow, or when days are missing from the store.",
        inputs=("followers_gained", "followers_lost"),
        combine=operator.sub,
        section=COMMUNITY,
    ),
    published(
        "posts_published",
        "Posts published",
        "Posts published in the period (account's time zone).",
        sql="count(*)",
        sources=("posts.create_time",),
        over_days=SUM_DAYS,
        over_posts="count",
        section=ACCOUNT,
        headline=True,
    ),
    daily(
        "profile_views",
        "Profile views",
        "Visits to the profile during the period.",
        column="profile_views",
        section=ACCOUNT,
        headline=True,
    ),
    daily(
        "video_views",
        "Video views",
        "Views of all the account's videos during the period, from the daily account series "
        '(TikTok Studio\'s "Post views"). It can differ a little from "Views gained by posts", '
        "which reads each post's own counter at UTC midnights.",
        column="video_views",
        section=STUDIO,
        headline=True,
    ),
    daily(
        "likes",
        "Likes",
        "Likes received during the period (gross: un-likes not subtracted).",
        column="likes",
        section=STUDIO,
        headline=True,
    ),
    daily(
        "comments",
        "Comments",
        "Comments received during the period.",
        column="comments",
        section=STUDIO,
        headline=True,
    ),
    daily(
        "shares",
        "Shares",
        "Shares during the period, including sends to friends.",
        column="shares",
        section=STUDIO,
        headline=True,
    ),
    daily(
        "viewers",
        "Viewers (sum of days)",
        "Unique viewers of each day, added up over the period: someone who watched on two days "
        "counts twice (Studio's Viewers export gives them per day).",
        column="unique_video_views",
        section=STUDIO,
    ),
    daily(
        "new_viewers",
        "New viewers (sum of days)",
        "Viewers of each day who had not watched the account's posts in the past year, added up "
        "over the period.",
        column="new_viewers",
        section=STUDIO,
    ),
    daily(
        "returning_viewers",
        "Returning viewers (sum of days)",
        "Viewers of each day who had watched the account's posts before, added up over the period.",
        column="returning_viewers",
        section=STUDIO,
    ),
    ratio(
        "new_viewers_share",
        "New viewers %",
        "Share of the period's views, on every post, that came from people who had not watched "
        "the account in the past year (each post's share weighted by its views gained).",
        numerator="sum(views_gained * viewers_new)",
        denominator="sum(CASE WHEN viewers_new IS NOT NULL THEN views_gained END)",
        scope=Scope.VIEWED,
        section=STUDIO,
        unit=Unit.FRACTION,
        sources=("post_snapshots.viewers_new",),
        over_posts="views-weighted mean",
    ),
    gained("views_gained", "Views gained by posts", counter="views"),
    gained("likes_gained", "Likes gained by posts", counter="likes"),
    gained("comments_gained", "Comments gained by posts", counter="comments"),
    gained("shares_gained", "Shares gained by posts", counter="shares"),
    Metric(
        name="posts_viewed",
        label="Posts viewed",
        description="Posts that gained at least one view during the period.",
        unit=Unit.COUNT,
        scope=Scope.VIEWED,
        kind=Kind.SIMPLE,
        section=VIEWED,
        sql="count_if(views_gained > 0)",
        sources=("post_snapshots.views",),
        over_days="any view in the period",
        over_posts="count",
    ),
    summed("views", "Views of posts published"),
    summed("likes", "Likes of posts published"),
    summed("comments", "Comments of posts published"),
    summed("shares", "Shares of posts published"),
    published(
        "published_interactions",
        "Interactions",
        "Likes + comments + shares of the posts published in the period.",
        sql="sum(interactions)",
        sources=("post_snapshots.likes", "post_snapshots.comments", "post_snapshots.shares"),
        zero_when_empty=True,
    ),
    published(
        "average_reach_per_post",
        "Average reach per post",
        "Mean number of unique viewers per post published in the period (posts whose reach is "
        "known).",
        sql="avg(reach)",
        sources=("post_snapshots.reach",),
        over_posts="mean over posts",
    ),
    published(
        "engagement",
        "Engagement",
        "Mean over posts published in the period of their interactions (likes + comments + "
        "shares) divided by reach, times 100 or 1000 (Metricool's definition; the denominator is "
        "a setting).",
        unit=Unit.RATE,
        sql="avg(interactions / nullif({basis}, 0)) * {rate}",
        sources=("post_snapshots.reach",),
        over_days=AT_END,
        over_posts="mean over posts",
        headline=True,
    ),
    ratio(
        "average_watch_time_seconds",
        "Average watch time",
        "Total time watched divided by views, over posts published in the period whose watch "
        "time is known.",
        numerator="sum(total_time_watched_seconds)",
        denominator="sum(CASE WHEN total_time_watched_seconds IS NOT NULL THEN views END)",
        scope=Scope.PUBLISHED,
        section=PUBLISHED,
        unit=Unit.SECONDS,
        sources=("post_snapshots.total_time_watched_seconds",),
        over_posts="views-weighted mean",
    ),
    published(
        "average_duration_seconds",
        "Average duration",
        "Mean duration of the videos and carousels published in the period.",
        unit=Unit.SECONDS,
        sql="avg(duration_seconds)",
        sources=("posts.duration_seconds",),
        over_days="—",
        over_posts="mean over posts",
    ),
    source_share("for_you", "For You"),
    source_share("follow", "Follow"),
    source_share("personal_profile", "Personal Profile"),
    source_share("search", "Search"),
    source_share("hashtag", "Hashtag"),
    source_share("sound", "Sound"),
    source_share("direct_message", "Direct Message"),
)


def metrics_by_name() -> dict[str, Metric]:
    """The registry's metrics by name, as it stands when called."""
    return {metric.name: metric for metric in METRICS}


def metric_sections() -> tuple[str, ...]:
    """The keys of the sections metrics belong to, in registry order."""
    return tuple(dict.fromkeys(metric.section for metric in METRICS))


def check_registry(metrics: tuple[Metric, ...] | None = None) -> list[str]:
    """What breaks the registry's rules (of `METRICS`, or of `metrics`); empty when none does."""
    metrics = METRICS if metrics is None else metrics
    problems: list[str] = []
    seen: set[str] = set()
    for field in ("name", "label"):
        values = [getattr(metric, field) for metric in metrics]
        problems += [f"{field} {value!r} is used twice" for value in set(values)
                     if values.count(value) > 1]  # fmt: skip
    for metric in metrics:
        if not metric.description.strip():
            problems.append(f"{metric.name} has no description")
        if metric.kind is Kind.DERIVED:
            if metric.sql or metric.combine is None or not metric.inputs:
                problems.append(f"{metric.name} is derived: inputs and combine, no SQL")
            problems += [f"{metric.name} needs {name}, which is not defined before it"
                         for name in metric.inputs if name not in seen]  # fmt: skip
        elif not metric.sql or metric.inputs or not metric.sources:
            problems.append(f"{metric.name} is {metric.kind}: SQL and sources, no inputs")
        seen.add(metric.name)
    return problems


def post_share(source: str, label: str) -> PostColumn:
    """A post's share of views from one impression source."""
    return PostColumn(
        f"{source}_share", f"{label} %", f"Share of the post's views that came from {label}.",
        Unit.FRACTION, f"source_{source}", (f"post_snapshots.source_{source}",),
    )  # fmt: skip


POST_COLUMNS: tuple[PostColumn, ...] = (
    PostColumn("post_id", "Post id", "TikTok's id of the post.", Unit.TEXT, "post_id"),
    PostColumn("caption", "Caption", "The post's caption (title in Studio).", Unit.TEXT,
               "caption"),
    PostColumn("link", "Link", "The post on TikTok.", Unit.TEXT, "link"),
    PostColumn("type", "Type", "video, image or carousel.", Unit.TEXT, "media_type"),
    PostColumn("published", "Published", "When it was published (UTC).", Unit.TIME,
               "create_time"),
    PostColumn("views", "Views", "Lifetime views.", Unit.COUNT, "views",
               ("post_snapshots.views",)),
    PostColumn("likes", "Likes", "Lifetime likes.", Unit.COUNT, "likes",
               ("post_snapshots.likes",)),
    PostColumn("comments", "Comments", "Lifetime comments.", Unit.COUNT, "comments",
               ("post_snapshots.comments",)),
    PostColumn("shares", "Shares", "Lifetime shares.", Unit.COUNT, "shares",
               ("post_snapshots.shares",)),
    PostColumn("reach", "Reach", "Unique viewers (last known).", Unit.COUNT, "reach",
               ("post_snapshots.reach",)),
    PostColumn("duration", "Duration", "Length in seconds.", Unit.SECONDS, "duration_seconds",
               ("posts.duration_seconds",)),
    PostColumn("engagement", "Engagement", "(likes + comments + shares) / reach × rate.",
               Unit.RATE, "interactions / nullif({basis}, 0) * {rate}",
               ("post_snapshots.reach",)),
    PostColumn("full_watch_rate", "Full video watched %", "Viewers who watched it all.",
               Unit.FRACTION, "full_video_watched_rate",
               ("post_snapshots.full_video_watched_rate",)),
    PostColumn("total_watch_time", "Total time watched", "Seconds watched in all.", Unit.SECONDS,
               "total_time_watched_seconds", ("post_snapshots.total_time_watched_seconds",)),
    PostColumn("average_watch_time", "Average time watched", "Seconds watched per view.",
               Unit.SECONDS, "average_time_watched_seconds",
               ("post_snapshots.average_time_watched_seconds",)),
    post_share("for_you", "For You"),
    post_share("follow", "Follow"),
    post_share("hashtag", "Hashtag"),
    post_share("sound", "Sound"),
    post_share("personal_profile", "Profile"),
    post_share("search", "Search"),
)  # fmt: skip

POST_COLUMNS_BY_NAME = {column.name: column for column in POST_COLUMNS}
