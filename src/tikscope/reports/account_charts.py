"""The account report's charts, section by section: which to draw and how each one looks."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from tikscope.metrics.registry import PUBLISHED
from tikscope.metrics.studio import SOURCES
from tikscope.reports.charts import (
    BLUE,
    DARK,
    GREEN,
    GREY,
    LONG_PERIOD_DAYS,
    PALETTE,
    RED,
    ChartSpec,
    above,
    bar_width,
    chart,
    count_text,
    day_axis,
    day_bars,
    percent,
    share_bars,
    thousands,
)
from tikscope.reports.model import AccountReportData
from tikscope.reports.post_charts import (
    draw_heatmap,
    draw_interactions,
    draw_top_posts,
    draw_watch_time,
    interactions_height,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Row = dict[str, Any]
DIMENSIONS = ("gender", "age", "country", "city")
OTHER_THRESHOLD = 0.005
INSIDE_LABEL_MINIMUM = 0.05
AGE_ORDER = ("13-17", "18-24", "25-34", "35-44", "45-54", "55+")
OVERVIEW = (
    ("video_views", "Video views"),
    ("profile_views", "Profile views"),
    ("likes", "Likes"),
    ("comments", "Comments"),
    ("shares", "Shares"),
)


def has_series(data: AccountReportData, key: str) -> bool:
    """Whether the daily series has any value for `key`."""
    return any(row[key] is not None for row in data.series)


def community_charts(data: AccountReportData) -> list[ChartSpec]:
    """Followers over time, daily gains and losses, and demographics."""
    return [
        chart("community_followers", "Followers at the end of each day",
              partial(draw_followers, series=data.series),
              data.missing(has_data=has_series(data, "followers"),
                           needs=("account_daily.followers_count",))),
        chart("community_balance", "Followers gained, lost and net per day",
              partial(draw_balance, series=data.series),
              data.missing(has_data=has_series(data, "gained"),
                           needs=("account_daily.daily_new_followers",))),
        chart("community_demographics", demographics_title(data.demographics),
              partial(draw_demographics, demographics=data.demographics),
              data.demographics.get("unavailable"), height=8.5),
    ]  # fmt: skip


def account_charts(data: AccountReportData) -> list[ChartSpec]:
    """Profile views per day."""
    return [
        chart("account_profile_views", "Profile views per day",
              partial(draw_daily, series=data.series, key="profile_views", label="Profile views"),
              data.missing(has_data=has_series(data, "profile_views"),
                           needs=("account_daily.profile_views",))),
    ]  # fmt: skip


def viewed_charts(data: AccountReportData) -> list[ChartSpec]:
    """What all posts gained in the period, against the previous period."""
    rows = [data.row(name) for name in ("views_gained", "likes_gained", "comments_gained",
                                        "shares_gained")]  # fmt: skip
    return [
        chart("viewed_gains", "Gained by all posts: this period vs the previous one",
              partial(draw_comparison, rows=rows),
              data.missing(has_data=rows[0]["value"] is not None,
                           needs=("post_snapshots.views",))),
    ]  # fmt: skip


def published_charts(data: AccountReportData) -> list[ChartSpec]:
    """Interactions per post, impression sources, and watch time against duration."""
    sources = [row for row in data.section_rows(PUBLISHED)
               if row["metric"].startswith("views_from_")]  # fmt: skip
    watched = [post for post in data.posts
               if post["average_watch_time"] is not None and post["duration"]]  # fmt: skip
    return [
        chart("published_interactions", "Interactions of each post published in the period",
              partial(draw_interactions, posts=data.posts),
              data.missing(has_data=bool(data.posts),
                           needs=("posts.create_time",)),
              height=interactions_height(len(data.posts))),
        chart("published_sources", "Where the views of posts published in the period came from",
              partial(draw_sources, labels=[row["label"].removesuffix(" %") for row in sources],
                      current=[row["value"] for row in sources],
                      previous=[row["previous"] for row in sources]),
              data.missing(has_data=any(row["value"] is not None for row in sources),
                           needs=("post_snapshots.source_for_you",))),
        chart("published_watch_time", "Average watch time against video duration",
              partial(draw_watch_time, posts=watched,
                      average=data.row("average_watch_time_seconds")["value"],
                      duration=data.row("average_duration_seconds")["value"]),
              data.missing(has_data=bool(watched),
                           needs=("post_snapshots.average_time_watched_seconds",)), height=5.5),
    ]  # fmt: skip


def studio_charts(data: AccountReportData) -> list[ChartSpec]:
    """Daily overview, follower activity, traffic, territories, viewers and top posts."""
    traffic = data.traffic_sources
    zone = data.heatmap_zone["name"]
    new = data.row("new_viewers_share")
    return [
        chart("studio_overview", "Overview: daily totals",
              partial(draw_overview, series=data.series),
              data.missing(has_data=has_series(data, "video_views"),
                           needs=("account_daily.video_views",)),
              height=10),
        chart("studio_follower_activity", "When followers are active: average by weekday and "
              f"hour ({zone})", partial(draw_heatmap, rows=data.heatmap, zone=zone),
              data.missing(has_data=bool(data.heatmap),
                           needs=("follower_activity.active_followers",)), height=5),
        chart("studio_traffic_sources", "Traffic sources: share of all the period's views",
              partial(draw_sources, labels=list(SOURCES.values()),
                      current=[traffic[source] for source in SOURCES], previous=None),
              data.missing(has_data=any(value is not None for value in traffic.values()),
                           needs=("post_snapshots.source_for_you",))),
        chart("studio_territories", "Top territories of the period's viewers",
              partial(draw_territories, rows=data.territories),
              data.missing(has_data=bool(data.territories),
                           needs=("post_snapshots.viewer_countries",))),
        chart("studio_viewers", "New and returning viewers",
              partial(draw_new_viewers, current=new["value"], previous=new["previous"]),
              data.missing(has_data=new["value"] is not None,
                           needs=("account_daily.new_viewers",)), height=3.2),
        chart("studio_top_posts", "Top posts by views gained in the period",
              partial(draw_top_posts, posts=data.top_posts),
              data.missing(has_data=bool(data.top_posts),
                           needs=("post_snapshots.views",)), height=5.5),
    ]  # fmt: skip


def demographics_title(demographics: dict[str, Any]) -> str:
    """The demographics chart's title, naming the snapshot it comes from."""
    snapshot = demographics.get("snapshot_date")
    return f"Followers by gender, age, country and city{f' ({snapshot})' if snapshot else ''}"


def draw_followers(figure: Figure, *, series: Sequence[Row]) -> None:
    """Followers at the end of each day, as a line."""
    axes = figure.subplots()
    days = [row["period_start"] for row in series]
    followers = [row["followers"] for row in series]
    axes.plot(days, followers, color=BLUE, linewidth=2.5, markersize=4,
              marker="o" if len(days) <= LONG_PERIOD_DAYS else None)  # fmt: skip
    axes.annotate(count_text(followers[-1]), (days[-1], followers[-1]), textcoords="offset points",
                  xytext=(0, 8), horizontalalignment="center", fontweight="bold")  # fmt: skip
    axes.margins(x=0.03, y=0.15)
    day_axis(axes, days)
    thousands(axes.yaxis)
    axes.set_ylabel("Followers")
    axes.set_xlabel("Day (UTC)")


def draw_balance(figure: Figure, *, series: Sequence[Row]) -> None:
    """Follows up, unfollows down, and the net balance per day."""
    axes = figure.subplots()
    days = [row["period_start"] for row in series]
    width = bar_width(len(days))
    axes.bar(days, [row["gained"] or 0 for row in series], width=width, color=GREEN,
             label="Gained")  # fmt: skip
    axes.bar(days, [-(row["lost"] or 0) for row in series], width=width, color=RED,
             label="Lost")  # fmt: skip
    axes.plot(days, [row["balance"] for row in series], color=DARK, linewidth=1.5,
              marker="o" if len(days) <= LONG_PERIOD_DAYS else None, markersize=3,
              label="Net (balance)")  # fmt: skip
    axes.axhline(0, color=DARK, linewidth=0.8)
    day_axis(axes, days)
    thousands(axes.yaxis)
    axes.set_ylabel("Followers per day")
    axes.set_xlabel("Day (UTC)")
    above(axes, columns=3)


def draw_demographics(figure: Figure, *, demographics: dict[str, Any]) -> None:
    """One panel of share bars per dimension: gender, age, country, city."""
    panels = figure.subplots(2, 2)
    for axes, dimension, color in zip(panels.flat, DIMENSIONS, PALETTE, strict=False):
        entries = demographics.get(dimension, [])
        if dimension == "age":
            entries = sorted(entries, key=lambda entry: age_rank(entry["value"]))
        labels = [str(entry["value"]) for entry in entries]
        if dimension == "gender":
            labels = [label.capitalize() for label in labels]
        share_bars(axes, labels, [entry["share"] for entry in entries], color=color,
                   xlabel="Share of followers")  # fmt: skip
        axes.set_title(dimension.capitalize(), loc="left")


def age_rank(bucket: str) -> tuple[int, str]:
    """Sort key putting age buckets in age order, unknown ones last."""
    return (AGE_ORDER.index(bucket) if bucket in AGE_ORDER else len(AGE_ORDER), bucket)


def draw_daily(figure: Figure, *, series: Sequence[Row], key: str, label: str) -> None:
    """One bar per day of one daily series."""
    axes = figure.subplots()
    day_bars(axes, [row["period_start"] for row in series], [row[key] or 0 for row in series],
             BLUE)  # fmt: skip
    axes.set_ylabel(f"{label} per day")
    axes.set_xlabel("Day (UTC)")


def draw_comparison(figure: Figure, *, rows: Sequence[Row]) -> None:
    """One panel per metric: previous period and this period side by side, with the change."""
    panels = figure.subplots(1, len(rows))
    for axes, row in zip(panels, rows, strict=True):
        values = [row["previous"] or 0, row["value"] or 0]
        bars = axes.bar(["Previous", "This period"], values, color=[GREY, BLUE], width=0.6)
        axes.bar_label(bars, labels=[count_text(value) for value in values], padding=3)
        axes.set_ylim(0, max(values) * 1.2 or 1)
        thousands(axes.yaxis)
        percent_change = row["change_percent"]
        change = "" if percent_change is None else f" ({percent_change:+.1f}%)"
        # NOTE: the figure's title says "gained by all posts": a panel names only its counter.
        axes.set_title(f"{row['label'].removesuffix(' gained by posts')}{change}")
        axes.grid(axis="x", visible=False)
    panels[0].set_ylabel("Gained in the period")


def draw_sources(
    figure: Figure,
    *,
    labels: Sequence[str],
    current: Sequence[float | None],
    previous: Sequence[float | None] | None,
) -> None:
    """Share of views by source, with the previous period's as a thinner grey bar."""
    axes = figure.subplots()
    order = sorted(range(len(labels)), key=lambda index: -(current[index] or 0))
    labels = [labels[index] for index in order]
    current = [current[index] for index in order]
    previous = None if previous is None else [previous[index] for index in order]
    positions = range(len(labels))
    height = 0.4 if previous is not None else 0.7
    shares = [value or 0 for value in current]
    bars = axes.barh(positions, shares, height=height, color=BLUE, label="This period")
    axes.bar_label(bars, labels=[f"{share:.1%}" for share in shares], padding=3)
    if previous is not None:
        before = [value or 0 for value in previous]
        axes.barh([p + height for p in positions], before, height=height, color=GREY,
                  label="Previous period")  # fmt: skip
        above(axes, columns=2)
    axes.set_yticks([p + (height / 2 if previous is not None else 0) for p in positions],
                    labels=list(labels))  # fmt: skip
    axes.invert_yaxis()
    axes.set_xlim(0, max(shares, default=0) * 1.15 or 1)
    percent(axes.xaxis)
    axes.set_xlabel("Share of views")
    axes.grid(axis="y", visible=False)


def draw_overview(figure: Figure, *, series: Sequence[Row]) -> None:
    """Small multiples of the daily series, with the followers gained and lost last."""
    panels = figure.subplots(3, 2, sharex=True)
    days = [row["period_start"] for row in series]
    for axes, (key, label), color in zip(panels.flat, OVERVIEW, PALETTE, strict=False):
        values = [row[key] or 0 for row in series]
        day_bars(axes, days, values, color)
        axes.set_title(f"{label}: {count_text(sum(values))} in the period", loc="left")
    axes = panels.flat[-1]
    marker = "o" if len(days) <= LONG_PERIOD_DAYS else None
    axes.plot(days, [row["gained"] or 0 for row in series], color=GREEN, label="Gained",
              marker=marker, markersize=3)  # fmt: skip
    axes.plot(days, [row["lost"] or 0 for row in series], color=RED, label="Lost",
              marker=marker, markersize=3)  # fmt: skip
    axes.set_ylim(bottom=0)
    axes.set_title("Followers gained and lost", loc="left")
    axes.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=2)
    day_axis(axes, days)
    thousands(axes.yaxis)
    for axes in panels[:, 0]:
        axes.set_ylabel("Per day")


def draw_territories(figure: Figure, *, rows: Sequence[Row]) -> None:
    """Share of the period's views by viewer country."""
    axes = figure.subplots()
    labels = [row["country"] for row in rows]
    shares = [row["share"] for row in rows]
    other = 1 - sum(shares)
    if other > OTHER_THRESHOLD:
        labels, shares = [*labels, "Other"], [*shares, other]
    share_bars(axes, labels, shares, color=PALETTE[5], xlabel="Share of the period's views")


def draw_new_viewers(figure: Figure, *, current: float, previous: float | None) -> None:
    """New against returning viewers, this period and the previous one, as stacked bars."""
    axes = figure.subplots()
    periods = [("This period", current)]
    if previous is not None:
        periods.append(("Previous period", previous))
    labels = [name for name, _ in periods]
    new = [share for _, share in periods]
    returning = [1 - share for share in new]
    for values, left, color, label in ((new, [0.0] * len(new), BLUE, "New viewers"),
                                       (returning, new, GREY, "Returning viewers")):  # fmt: skip
        bars = axes.barh(labels, values, left=left, color=color, label=label, height=0.6)
        texts = [f"{value:.1%}" if value >= INSIDE_LABEL_MINIMUM else "" for value in values]
        axes.bar_label(bars, labels=texts, label_type="center", color="white",
                       fontweight="bold")  # fmt: skip
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    percent(axes.xaxis)
    axes.set_xlabel("Share of the period's views")
    above(axes, columns=2)
    axes.grid(False)
