"""Velocity: a fresh post's views at 1 h, 2 h, 6 h and 24 h against the account's own posts.

Each post's curve is read from its intraday reads (`post_intraday`) and its snapshots
(`post_snapshots`), as (age, views) points from publication (views 0 at age 0). The views at an
age are interpolated linearly between the two points around it, and only when they are close
enough (`MAX_GAP_SHARE` of the age, at least 15 minutes) for a straight line to be fair: a post
read once a day has no value at 2 hours. The account's history at an age is its other posts,
published before the post, that have a value there; with fewer than `MIN_HISTORY` the
comparison says the history is too short instead of guessing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import TYPE_CHECKING

from tikscope.errors import UsageError

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

AGES = (timedelta(hours=1), timedelta(hours=2), timedelta(hours=6), timedelta(hours=24))
MIN_HISTORY = 5
"""Posts with a value at an age needed before a post is compared at that age."""
MAX_GAP_SHARE = 0.5
MIN_GAP = timedelta(minutes=15)
BAND = (0.10, 0.90)
"""The band drawn around the median: the 10th to 90th percentile of the account's posts."""

Curve = list[tuple[float, int]]
"""(age in seconds, lifetime views) points of one post, by age."""


@dataclass(frozen=True)
class AgeComparison:
    """A post at one age against the account's history at the same age.

    Attributes:
        age: the age compared.
        views: the post's views at that age (None: it is younger, or was not read near it).
        history: the account's earlier posts with a value at that age.
        median: their median views (None below `MIN_HISTORY`).
        band_low: their 10th percentile (None below `MIN_HISTORY`).
        band_high: their 90th percentile.
        ratio: views / median (None when either is missing or the median is 0).
        top_percent: the post's rank from the top, as a percentage of history + 1, rounded up.
        sentence: the comparison in words, or why there is none.
    """

    age: timedelta
    views: int | None
    history: int
    median: float | None
    band_low: float | None
    band_high: float | None
    ratio: float | None
    top_percent: int | None
    sentence: str


@dataclass(frozen=True)
class Velocity:
    """A post's velocity: its curve so far and a comparison at each age it has reached."""

    post_id: str
    published_at: datetime
    age: timedelta
    curve: Curve
    comparisons: tuple[AgeComparison, ...]


def account_curves(
    connection: DuckDBPyConnection, account_id: str
) -> dict[str, tuple[datetime, Curve]]:
    """Every post's publication time and (age, views) points, from intraday reads and snapshots."""
    rows = connection.execute(
        """
        WITH published AS (
            SELECT post_id, create_time AS published_at FROM posts WHERE account_id = $1
            UNION ALL
            SELECT post_id, any_value(published_at) FROM post_intraday
            WHERE account_id = $1 AND published_at IS NOT NULL
              AND post_id NOT IN (SELECT post_id FROM posts WHERE account_id = $1)
            GROUP BY post_id
        ), points AS (
            SELECT post_id, captured_at, views FROM post_intraday WHERE account_id = $1
            UNION ALL
            SELECT post_id, captured_at, views FROM post_snapshots WHERE account_id = $1
        )
        SELECT p.post_id, p.published_at,
               list([epoch(x.captured_at) - epoch(p.published_at), x.views]
                    ORDER BY x.captured_at) FILTER (WHERE x.views IS NOT NULL)
        FROM published p LEFT JOIN points x USING (post_id)
        GROUP BY p.post_id, p.published_at
        """,
        [account_id],
    ).fetchall()
    curves = {}
    for post_id, published, points in rows:
        curve: Curve = [(0.0, 0)]
        curve += [(float(age), int(views)) for age, views in points or [] if age >= 0]
        curves[str(post_id)] = (published, sorted(curve))
    return curves


def views_at(curve: Curve, age: timedelta) -> int | None:
    """Views at `age`, interpolated between the nearest points around it when they are close."""
    seconds = age.total_seconds()
    gap = max(MIN_GAP.total_seconds(), MAX_GAP_SHARE * seconds)
    before = [point for point in curve if point[0] <= seconds]
    after = [point for point in curve if point[0] >= seconds]
    if not before or not after:
        return None
    (age_a, views_a), (age_b, views_b) = before[-1], after[0]
    if age_b - age_a > gap:
        return None
    if age_b == age_a:
        return views_a
    return round(views_a + (views_b - views_a) * (seconds - age_a) / (age_b - age_a))


def post_velocity(
    connection: DuckDBPyConnection,
    account_id: str,
    post_id: str,
    *,
    now: datetime,
    ages: tuple[timedelta, ...] = AGES,
) -> Velocity:
    """The post against the account's earlier posts at each age it has reached.

    Raises:
        UsageError: the account has no such post.
    """
    curves = account_curves(connection, account_id)
    if post_id not in curves:
        raise UsageError(f"post {post_id} is not a post of this account")
    published, curve = curves[post_id]
    comparisons = []
    for age in ages:
        if now - published < age:
            break
        history = [
            value
            for other, (when, points) in curves.items()
            if other != post_id and when < published
            if (value := views_at(points, age)) is not None
        ]
        comparisons.append(compare(age, views_at(curve, age), history))
    return Velocity(post_id, published, now - published, curve, tuple(comparisons))


def compare(age: timedelta, views: int | None, history: list[int]) -> AgeComparison:
    """One age's comparison, and its sentence."""
    label = hours_label(age)
    if views is None:
        return AgeComparison(age, None, len(history), None, None, None, None, None,
                             f"at {label}: not read near {label}, so no comparison")  # fmt: skip
    if len(history) < MIN_HISTORY:
        sentence = (
            f"at {label}: {views:,} views; history too short to compare ({len(history)} "
            f"earlier posts with views at {label}, {MIN_HISTORY} needed)"
        )
        return AgeComparison(age, views, len(history), None, None, None, None, None, sentence)
    middle = median(history)
    low, high = quantile(history, BAND[0]), quantile(history, BAND[1])
    ratio = views / middle if middle else None
    greater = sum(1 for value in history if value > views)
    top = math.ceil(100 * (greater + 1) / (len(history) + 1))
    times = f"{ratio:.1f}× your median post at {label}" if ratio is not None else "no median"
    sentence = f"at {label}: {views:,} views, {times} (top {top}%)"
    return AgeComparison(age, views, len(history), middle, low, high, ratio, top, sentence)


def quantile(values: list[int], share: float) -> float:
    """The linear-interpolated quantile of `values` (not empty)."""
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hours_label(age: timedelta) -> str:
    """`2 h`, `90 min`."""
    minutes = int(age.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"
