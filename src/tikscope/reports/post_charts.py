"""Charts of the account report drawn from per-post rows, and the follower activity heatmap."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tikscope.reports.charts import (
    BLUE,
    DARK,
    GREEN,
    PALETTE,
    above,
    compact_text,
    count_text,
    seconds,
    thousands,
)
from tikscope.reports.post_names import post_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Row = dict[str, Any]
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
INTERACTIONS = (("likes", "Likes"), ("comments", "Comments"), ("shares", "Shares"))
# NOTE: one row per post, 0.3 inch each: past this many posts the chart would grow beyond 11
# inches, so rows get thinner, the font smaller, and then only every few posts is labelled.
ROOMY_POSTS = 31
ROW_INCHES = 0.3
SMALLEST_FONT = 7.0
FONT_SIZE = 12.0
POINTS_PER_INCH = 72
LINE_SPACING = 1.4


def interactions_height(posts: int) -> float:
    """The interactions chart's height in inches: a row per post, from 3 to 11 inches."""
    return min(11.0, max(3.0, 1.6 + ROW_INCHES * min(posts, ROOMY_POSTS)))


def label_spacing(posts: int) -> tuple[int, float]:
    """Label every how many posts, at which font size, so that labels never overlap."""
    row = ROW_INCHES * min(posts, ROOMY_POSTS) / max(posts, 1)  # inches per post
    font = min(FONT_SIZE, row * POINTS_PER_INCH / LINE_SPACING)
    if font >= SMALLEST_FONT:
        return 1, font
    return math.ceil(SMALLEST_FONT * LINE_SPACING / POINTS_PER_INCH / row), SMALLEST_FONT


def draw_interactions(figure: Figure, *, posts: Sequence[Row]) -> None:
    """Likes, comments and shares of each post as stacked horizontal bars, in publishing order.

    Each row is named by the post's caption and publish time; horizontal bars leave the labels
    their full length.
    """
    axes = figure.subplots()
    ordered = sorted(posts, key=lambda post: (post["published"], post["post_id"]))
    positions = list(range(len(ordered)))
    left = [0.0] * len(ordered)
    for (key, label), color in zip(INTERACTIONS, (BLUE, PALETTE[1], GREEN), strict=True):
        values = [float(post[key] or 0) for post in ordered]
        axes.barh(positions, values, left=left, color=color, label=label, height=0.75)
        left = [low + value for low, value in zip(left, values, strict=True)]
    step, font = label_spacing(len(ordered))
    axes.set_yticks(positions[::step], labels=[post_label(post) for post in ordered[::step]],
                    fontsize=font)  # fmt: skip
    axes.set_ylim(len(ordered) - 0.4, -0.6)
    thousands(axes.xaxis)
    axes.set_xlabel("Interactions (lifetime)")
    axes.set_ylabel("Post, by publish time (UTC)")
    above(axes, columns=3)
    axes.grid(axis="y", visible=False)


def draw_watch_time(
    figure: Figure, *, posts: Sequence[Row], average: float | None, duration: float | None
) -> None:
    """Each video's average watch time against its duration; on the diagonal, watched in full."""
    axes = figure.subplots()
    durations = [post["duration"] for post in posts]
    watched = [post["average_watch_time"] for post in posts]
    views = [post["views"] or 0 for post in posts]
    biggest = max(views, default=1) or 1
    axes.scatter(durations, watched, s=[30 + 400 * view / biggest for view in views],
                 color=BLUE, alpha=0.6, edgecolors=DARK, linewidths=0.5,
                 label="Post (size: views)")  # fmt: skip
    values = [value for value in (*durations, *watched, average, duration) if value]
    low, high = min(values, default=1) / 1.5, max(values, default=10) * 1.5
    axes.plot([low, high], [low, high], color=DARK, linestyle="--", linewidth=1,
              label="Watched in full")  # fmt: skip
    if average is not None and duration is not None:
        axes.scatter([duration], [average], marker="X", s=200, color=PALETTE[4], zorder=3,
                     label=f"Average: {average:,.1f} s watched of {duration:,.1f} s")  # fmt: skip
    for axis, set_scale, set_limits in ((axes.xaxis, axes.set_xscale, axes.set_xlim),
                                        (axes.yaxis, axes.set_yscale, axes.set_ylim)):  # fmt: skip
        set_scale("log")
        set_limits(low, high)
        seconds(axis)
    axes.set_xlabel("Duration (seconds, log scale)")
    axes.set_ylabel("Average watch time (seconds, log scale)")
    axes.legend(loc="upper left")


def draw_heatmap(figure: Figure, *, rows: Sequence[Row], zone: str) -> None:
    """Average active followers, weekdays down and hours (of `zone`) across, labelled cells."""
    grid = [[0.0] * 24 for _ in WEEKDAYS]
    for row in rows:
        grid[int(row["weekday"])][int(row["hour"])] = float(row["active_followers"])
    axes = figure.subplots()
    image = axes.imshow(grid, aspect="auto", cmap="YlGnBu")
    lowest, highest = min(map(min, grid)), max(map(max, grid))
    for weekday, line in enumerate(grid):
        for hour, value in enumerate(line):
            dark_cell = value - lowest > (highest - lowest) * 0.55
            axes.text(hour, weekday, compact_text(value), horizontalalignment="center",
                      verticalalignment="center", fontsize=8,
                      color="white" if dark_cell else DARK)  # fmt: skip
    axes.set_yticks(range(len(WEEKDAYS)), labels=WEEKDAYS)
    axes.set_xticks(range(24), labels=[f"{hour:02d}" for hour in range(24)])
    axes.set_xlabel(f"Hour of the day ({zone})")
    axes.grid(False)
    colorbar = figure.colorbar(image, ax=axes, pad=0.01)
    colorbar.set_label("Active followers (average)")
    thousands(colorbar.ax.yaxis, integer=False)


def draw_top_posts(figure: Figure, *, posts: Sequence[Row]) -> None:
    """The posts with most views gained in the period, most on top."""
    axes = figure.subplots()
    positions = range(len(posts))
    views = [post["views_gained"] for post in posts]
    bars = axes.barh(positions, views, color=BLUE, height=0.7)
    axes.bar_label(bars, labels=[count_text(value) for value in views], padding=3)
    axes.set_yticks(list(positions), labels=[post_label(post) for post in posts])
    axes.invert_yaxis()
    axes.set_xlim(0, max(views, default=0) * 1.15 or 1)
    thousands(axes.xaxis)
    axes.set_xlabel("Views gained in the period")
    axes.grid(axis="y", visible=False)
