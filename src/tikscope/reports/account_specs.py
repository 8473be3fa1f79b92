"""The charts of an account's pages as specs, built once from the page's data.

Every decision about what a chart shows is made here: which series, in which order, on which axis,
labelled how, in which unit, and why a chart cannot be drawn. The report's PNGs
(`reports/draw.py`) and the web pages' Plotly figures (`web/figures.py`) only draw these specs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from tikscope.metrics.activity import WEEKDAYS, ActiveHour
from tikscope.metrics.missing import why_missing
from tikscope.metrics.model import Unit
from tikscope.metrics.post_rows import CountedPost, PostRow, TopPost
from tikscope.metrics.registry import metrics_by_name
from tikscope.metrics.run import MetricLine
from tikscope.metrics.sections import DailyTotals, Demographics, Growth
from tikscope.metrics.studio import SOURCES, Territory
from tikscope.reports.chart_spec import Axis, ChartSpec, Kind, Point, Series, Tone
from tikscope.reports.post_names import post_label, post_url

DIMENSIONS = ("gender", "age", "country", "city")
AGE_ORDER = ("13-17", "18-24", "25-34", "35-44", "45-54", "55+")
OTHER_THRESHOLD = 0.005
UNITS = {"day": "day", "week": "week", "month": "month"}
OVERVIEW = ("video_views", "profile_views", "likes", "comments", "shares")
GAINS = ("views_gained", "likes_gained", "comments_gained", "shares_gained")
INTERACTIONS = (("likes", "Likes"), ("comments", "Comments"), ("shares", "Shares"))
# NOTE: one row per post, 0.3 inch each: past this many posts the report's chart stops growing.
ROOMY_POSTS = 31
ROW_INCHES = 0.3
SHARE = Axis("Share", Unit.FRACTION)
NARROW_TITLE = 16  # characters of a caption on a phone's chart


def day_axis(granularity: str = "day") -> Axis:
    """The x axis of a daily (weekly, monthly) series."""
    return Axis(f"{UNITS[granularity].capitalize()} (UTC)", Unit.TIME)


def time_points(series: Sequence[Growth], key: str, granularity: str = "day") -> tuple[Point, ...]:
    """One point per day (week, month) of a series; weeks and months named, days as dates."""
    return tuple(
        Point(row.period_start, getattr(row, key),
              label=bucket_label(row.period_start, granularity, series))
        for row in series
    )  # fmt: skip


def bucket_label(start: date, granularity: str, series: Sequence[Growth]) -> str | None:
    """Days as dates (None: a date axis); weeks and months as names, evenly spaced."""
    if granularity == "month":
        return start.strftime("%b %Y")
    if granularity == "week":
        spans_years = bool(series) and series[0].period_start.year != series[-1].period_start.year
        return f"Week of {start.strftime('%d %b %Y' if spans_years else '%d %b')}"
    return None


def has(series: Sequence[Growth], key: str) -> bool:
    """Whether a series has any value for `key`."""
    return any(getattr(row, key) is not None for row in series)


def views_chart(series: Sequence[DailyTotals], previous: Sequence[DailyTotals] = ()) -> ChartSpec:
    """Video views per day, profile views on their own axis, the previous period's views dashed.

    Profile views (hundreds a day) would lie flat on the axis of video views (tens of thousands).
    The previous period is aligned by day: its first day under this period's first.
    """
    labels = metrics_by_name()
    video, profile = labels["video_views"].label, labels["profile_views"].label
    lines = [
        Series("video_views", video, Unit.COUNT, time_points(series, "video_views")),
        Series("profile_views", profile, Unit.COUNT, time_points(series, "profile_views"),
               axis=1),
    ]  # fmt: skip
    if previous:
        aligned = tuple(Point(row.period_start, before.video_views)
                        for row, before in zip(series, previous, strict=False))  # fmt: skip
        lines.append(Series("previous_video_views", f"{video}, previous period", Unit.COUNT,
                            aligned, tone=Tone.PREVIOUS, dashed=True))  # fmt: skip
    return ChartSpec(
        "views", "Views per day", Kind.LINE, day_axis(),
        (Axis(video, Unit.COUNT), Axis(profile, Unit.COUNT)), tuple(lines),
        missing=why_missing(has_data=has(series, "video_views") or has(series, "profile_views"),
                            needs=("account_daily.video_views",)),
    )  # fmt: skip


def followers_chart(series: Sequence[Growth], granularity: str = "day") -> ChartSpec:
    """Followers at the end of each day, week or month."""
    label = metrics_by_name()["followers"].label
    return ChartSpec(
        "followers", f"Followers at the end of each {UNITS[granularity]}", Kind.LINE,
        day_axis(granularity), (Axis(label, Unit.COUNT),),
        (Series("followers", label, Unit.COUNT, time_points(series, "followers", granularity)),),
        missing=why_missing(has_data=has(series, "followers"),
                            needs=("account_daily.followers_count",)),
    )  # fmt: skip


def balance_chart(series: Sequence[Growth], granularity: str = "day") -> ChartSpec:
    """Follows up, unfollows down, and the balance as a line, per day, week or month."""
    unit = UNITS[granularity]
    lost = tuple(Point(point.x, -(point.y or 0), label=point.label)
                 for point in time_points(series, "lost", granularity))  # fmt: skip
    return ChartSpec(
        "balance", f"Followers gained, lost and balance per {unit}", Kind.BAR,
        day_axis(granularity), (Axis(f"Followers per {unit}", Unit.COUNT),),
        (Series("gained", "Gained", Unit.COUNT, time_points(series, "gained", granularity),
                tone=Tone.GAIN),
         Series("lost", "Lost", Unit.COUNT, lost, tone=Tone.LOSS),
         Series("balance", "Balance", Unit.COUNT, time_points(series, "balance", granularity),
                kind=Kind.LINE, tone=Tone.NET)),
        missing=why_missing(has_data=has(series, "gained"),
                            needs=("account_daily.daily_new_followers",)),
        stacked=True,
    )  # fmt: skip


def age_rank(bucket: str) -> tuple[int, str]:
    """Sort key putting age buckets in age order, unknown ones last."""
    return (AGE_ORDER.index(bucket) if bucket in AGE_ORDER else len(AGE_ORDER), bucket)


def share_chart(
    key: str, title: str, labels: Sequence[str], shares: Sequence[float | None], *,
    axis: str, kind: Kind = Kind.BAR, missing: str | None = None,
) -> ChartSpec:  # fmt: skip
    """Horizontal bars of shares (0-1), first on top, each labelled with its percentage."""
    points = tuple(Point(label, share, label=label)
                   for label, share in zip(labels, shares, strict=True))  # fmt: skip
    return ChartSpec(
        key, title, kind, Axis("", Unit.TEXT), (Axis(axis, Unit.FRACTION),),
        (Series(key, axis, Unit.FRACTION, points),),
        missing=missing or why_missing(has_data=bool(points)), horizontal=True,
        value_labels=True,
    )  # fmt: skip


def demographics_chart(demographics: Demographics) -> ChartSpec:
    """Followers by gender (a ring), age (in age order), country and city (largest first)."""
    panels = []
    for dimension in DIMENSIONS:
        entries = list(demographics.of(dimension))
        if dimension == "age":
            entries.sort(key=lambda entry: age_rank(entry.value))
        labels = [entry.value for entry in entries]
        if dimension == "gender":
            labels = [label.capitalize() for label in labels]
        missing = demographics.missing.get(dimension) or "no data in the snapshot"
        panels.append(share_chart(
            dimension, f"{dimension.capitalize()} (share of followers)", labels,
            [entry.share for entry in entries], axis="Share of followers",
            kind=Kind.DONUT if dimension == "gender" else Kind.BAR,
            missing=None if entries else missing))  # fmt: skip
    snapshot = demographics.snapshot_date
    title = f"Followers by gender, age, country and city{f' ({snapshot})' if snapshot else ''}"
    return ChartSpec("demographics", title, Kind.BAR, SHARE, panels=tuple(panels),
                     missing=demographics.unavailable, height=8.5)  # fmt: skip


def heatmap_chart(rows: Sequence[ActiveHour], zone: str) -> ChartSpec:
    """Average active followers, one row per weekday, one column per hour of `zone`."""
    grid: list[list[float | None]] = [[None] * 24 for _ in WEEKDAYS]
    for row in rows:
        grid[row.weekday][row.hour] = row.active_followers
    label = "Active followers (average)"
    series = tuple(
        Series(name.lower(), name, Unit.COUNT, tuple(Point(hour, value)
                                                     for hour, value in enumerate(line)))
        for name, line in zip(WEEKDAYS, grid, strict=True)
    )  # fmt: skip
    return ChartSpec(
        "heatmap", f"Active followers by weekday and hour ({zone})", Kind.HEATMAP,
        Axis(f"Hour of the day ({zone})", Unit.TIME),
        (Axis("Weekday", Unit.TEXT), Axis(label, Unit.COUNT)), series,
        missing=why_missing(has_data=bool(rows), needs=("follower_activity.active_followers",)),
        value_labels=True, height=5,
    )  # fmt: skip


def traffic_chart(traffic: Mapping[str, float | None]) -> ChartSpec:
    """Share of all the period's views by source, largest first."""
    known = [(SOURCES[key], share) for key, share in traffic.items()
             if key in SOURCES and share is not None]  # fmt: skip
    known.sort(key=lambda item: -item[1])
    return share_chart(
        "traffic_sources", "Traffic sources: share of all the period's views",
        [label for label, _ in known], [share for _, share in known], axis="Share of views",
        missing=why_missing(has_data=any(share for _, share in known),
                            needs=("post_snapshots.source_for_you",)),
    )  # fmt: skip


def territories_chart(rows: Sequence[Territory]) -> ChartSpec:
    """The top countries of the period's viewers, and the rest as "Other"."""
    labels = [row.country for row in rows]
    shares: list[float | None] = [row.share for row in rows]
    other = 1 - sum(share or 0 for share in shares)
    if rows and other > OTHER_THRESHOLD:
        labels, shares = [*labels, "Other"], [*shares, other]
    return share_chart(
        "territories", "Top territories of the period's viewers", labels, shares,
        axis="Share of the period's views",
        missing=why_missing(has_data=bool(rows), needs=("post_snapshots.viewer_countries",)),
    )  # fmt: skip


def post_point(post: CountedPost, value: float | None, *, tone: Tone | None = None) -> Point:
    """A post as a point of a per-post chart: named by its shortened caption and publish time."""
    published = post.published
    caption = " ".join((post.caption or "(no caption)").split())
    when = f"{published:%Y-%m-%d %H:%M}" if published else "on an unknown day"
    return Point(post.post_id, value, label=post_label(post),
                 link=post_url(post), short=post_label(post, NARROW_TITLE),
                 detail=(caption, f"published {when} UTC"), tone=tone)  # fmt: skip


def post_bars_chart(
    key: str, title: str, posts: Sequence[CountedPost], column: str, *, measure: str, needs: str
) -> ChartSpec:
    """One bar per post, the first on top, each named by its caption and time."""
    points = tuple(post_point(post, post.number(column)) for post in posts)
    return ChartSpec(
        key, title, Kind.BAR, Axis("Post, by caption and publish time (UTC)", Unit.TEXT),
        (Axis(measure, Unit.COUNT),), (Series(column, measure, Unit.COUNT, points),),
        missing=why_missing(has_data=bool(posts), needs=(needs,)), horizontal=True,
        value_labels=True, height=max(3.0, 1.2 + 0.4 * len(posts)),
    )  # fmt: skip


def top_posts_chart(posts: Sequence[TopPost]) -> ChartSpec:
    """The posts with most views gained in the period, most on top."""
    return post_bars_chart(
        "top_posts", "Top posts by views gained in the period", posts, "views_gained",
        measure="Views gained", needs="post_snapshots.views",
    )  # fmt: skip


def published_views_chart(posts: Sequence[PostRow]) -> ChartSpec:
    """Lifetime views of each post published in the period, in the order given."""
    return post_bars_chart(
        "published_views",
        "Views of each post published in the period (lifetime, at the period's end)",
        posts, "views", measure="Views (lifetime)", needs="posts.create_time",
    )  # fmt: skip


def interactions_height(posts: int) -> float:
    """The interactions chart's height in inches: a row per post, from 3 to 11 inches."""
    return min(11.0, max(3.0, 1.6 + ROW_INCHES * min(posts, ROOMY_POSTS)))


def interactions_chart(posts: Sequence[PostRow]) -> ChartSpec:
    """Likes, comments and shares of each post as stacked bars, in publishing order."""
    ordered = sorted(posts, key=lambda post: (post.published or datetime.min, post.post_id))
    series = tuple(
        Series(key, label, Unit.COUNT,
               tuple(post_point(post, float(post.number(key) or 0)) for post in ordered))
        for key, label in INTERACTIONS
    )  # fmt: skip
    return ChartSpec(
        "interactions", "Interactions of each post published in the period", Kind.BAR,
        Axis("Post, by publish time (UTC)", Unit.TEXT), (Axis("Interactions (lifetime)",
                                                              Unit.COUNT),),
        series, missing=why_missing(has_data=bool(posts), needs=("posts.create_time",)),
        horizontal=True, stacked=True, height=interactions_height(len(posts)),
    )  # fmt: skip


def sources_chart(lines: Sequence[MetricLine]) -> ChartSpec:
    """Where the views of posts published in the period came from, against the previous period."""
    order = sorted(lines, key=lambda line: -(line.value or 0))
    labels = [line.metric.label.removesuffix(" %") for line in order]
    current = tuple(Point(label, line.value, label=label)
                    for label, line in zip(labels, order, strict=True))  # fmt: skip
    previous = tuple(Point(label, line.previous, label=label)
                     for label, line in zip(labels, order, strict=True))  # fmt: skip
    series = [Series("current", "This period", Unit.FRACTION, current)]
    if any(line.compared for line in lines):
        series.append(Series("previous", "Previous period", Unit.FRACTION, previous,
                             tone=Tone.PREVIOUS))  # fmt: skip
    return ChartSpec(
        "sources", "Where the views of posts published in the period came from",
        Kind.BAR, Axis("", Unit.TEXT), (Axis("Share of views", Unit.FRACTION),), tuple(series),
        missing=why_missing(has_data=any(line.value is not None for line in lines),
                            needs=("post_snapshots.source_for_you",)),
        horizontal=True, value_labels=True,
    )  # fmt: skip


def gains_chart(lines: Sequence[MetricLine]) -> ChartSpec:
    """One panel per counter gained by all posts: the previous period beside this one."""
    panels = []
    for line in lines:
        change = "" if line.change_percent is None else f" ({line.change_percent:+.1f}%)"
        # NOTE: the chart's title says "gained by all posts": a panel names only its counter.
        name = line.metric.label.removesuffix(" gained by posts")
        points = (Point("previous", line.previous or 0, label="Previous", tone=Tone.PREVIOUS),
                  Point("current", line.value or 0, label="This period"))  # fmt: skip
        panels.append(ChartSpec(
            line.metric.name, f"{name}{change}", Kind.BAR, Axis("", Unit.TEXT),
            (Axis("Gained in the period", Unit.COUNT),),
            (Series(line.metric.name, name, Unit.COUNT, points),), value_labels=True))  # fmt: skip
    return ChartSpec(
        "gains", "Gained by all posts: this period vs the previous one", Kind.BAR,
        Axis("", Unit.TEXT), panels=tuple(panels), columns=len(panels),
        missing=why_missing(has_data=bool(lines) and lines[0].value is not None,
                            needs=("post_snapshots.views",)),
    )  # fmt: skip


def overview_chart(series: Sequence[DailyTotals]) -> ChartSpec:
    """Small multiples of the daily series, with the followers gained and lost last."""
    labels = metrics_by_name()
    panels = []
    for key in OVERVIEW:
        label = labels[key].label
        total = sum(getattr(row, key) or 0 for row in series)
        panels.append(ChartSpec(
            key, f"{label}: {total:,.0f} in the period", Kind.BAR, day_axis(),
            (Axis("Per day", Unit.COUNT),),
            (Series(key, label, Unit.COUNT, time_points(series, key)),)))  # fmt: skip
    panels.append(ChartSpec(
        "followers_gained_lost", "Followers gained and lost", Kind.LINE, day_axis(),
        (Axis("Per day", Unit.COUNT),),
        (Series("gained", "Gained", Unit.COUNT, time_points(series, "gained"), tone=Tone.GAIN),
         Series("lost", "Lost", Unit.COUNT, time_points(series, "lost"), tone=Tone.LOSS)),
    ))  # fmt: skip
    return ChartSpec(
        "overview", "Overview: daily totals", Kind.BAR, day_axis(), panels=tuple(panels),
        missing=why_missing(has_data=has(series, "video_views"),
                            needs=("account_daily.video_views",)), height=10,
    )  # fmt: skip


def new_viewers_chart(line: MetricLine) -> ChartSpec:
    """New against returning viewers, this period and the previous one, as stacked bars."""
    periods = [("current", "This period", line.value)]
    if line.previous is not None:
        periods.append(("previous", "Previous period", line.previous))
    new = tuple(Point(key, share, label=label) for key, label, share in periods)
    returning = tuple(Point(key, None if share is None else 1 - share, label=label)
                      for key, label, share in periods)  # fmt: skip
    return ChartSpec(
        "viewers", "New and returning viewers", Kind.BAR, Axis("", Unit.TEXT),
        (Axis("Share of the period's views", Unit.FRACTION),),
        (Series("new", "New viewers", Unit.FRACTION, new),
         Series("returning", "Returning viewers", Unit.FRACTION, returning, tone=Tone.PREVIOUS)),
        missing=why_missing(has_data=line.value is not None, needs=("account_daily.new_viewers",)),
        horizontal=True, stacked=True, value_labels=True, height=3.2,
    )  # fmt: skip


def watch_time_chart(
    posts: Sequence[PostRow], *, average: float | None, duration: float | None
) -> ChartSpec:
    """Each video's average watch time against its duration; on the diagonal, watched in full."""
    watched = [
        (length, watch, post.number("views") or 0)
        for post in posts
        if (watch := post.number("average_watch_time")) is not None
        and (length := post.number("duration"))
    ]
    biggest = max((views for _, _, views in watched), default=1) or 1
    values = [value for length, watch, _ in watched for value in (length, watch)]
    values += [value for value in (average, duration) if value]
    low, high = min(values, default=1) / 1.5, max(values, default=10) * 1.5
    series = [
        Series("posts", "Post (size: views)", Unit.SECONDS, tuple(
            Point(length, watch, label=None, size=views / biggest)
            for length, watch, views in watched)),
        Series("full", "Watched in full", Unit.SECONDS, (Point(low, low), Point(high, high)),
               kind=Kind.LINE, tone=Tone.NET, dashed=True),
    ]  # fmt: skip
    if average is not None and duration is not None:
        label = f"Average: {average:,.1f} s watched of {duration:,.1f} s"
        series.append(Series("average", label, Unit.SECONDS, (Point(duration, average),),
                             tone=Tone.HIGHLIGHT))  # fmt: skip
    return ChartSpec(
        "watch_time", "Average watch time against video duration", Kind.SCATTER,
        Axis("Duration (seconds, log scale)", Unit.SECONDS, log=True),
        (Axis("Average watch time (seconds, log scale)", Unit.SECONDS, log=True),),
        tuple(series),
        missing=why_missing(has_data=bool(watched),
                            needs=("post_snapshots.average_time_watched_seconds",)),
        height=5.5,
    )  # fmt: skip
