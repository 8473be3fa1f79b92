"""Arrow tables for simulated posts and post snapshots."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.posts import SOURCES, PostDraws, idle_mask
from tikscope.simulate.vocabulary import HASHTAGS, POST_TOPICS

RETENTION_SECONDS = np.array([0, 1, 2, 3, 5, 8, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600])
COUNTER_NAMES = ("likes", "comments", "shares", "favorites", "new_followers", "profile_views")


def start_midnight(config: SimulationConfig) -> datetime:
    """Midnight UTC at the start of the first simulated day."""
    return datetime.combine(config.start_date, time())


def build_posts(
    config: SimulationConfig, rng: np.random.Generator, draws: PostDraws, ids: list[str]
) -> pa.Table:
    """The `posts` table: one row per post with its metadata."""
    count = len(ids)
    topics = rng.integers(0, len(POST_TOPICS), count)
    popularity = 1 / np.arange(1, len(HASHTAGS) + 1)
    hashtags = [
        sorted(set(rng.choice(HASHTAGS, rng.integers(2, 6), p=popularity / popularity.sum())))
        for _ in range(count)
    ]
    sounds = sound_ids(rng, count)
    origin = start_midnight(config)
    created = [origin + timedelta(days=float(day)) for day in draws.created_day]
    business = config.account_type == "business"
    return pa.table(
        {
            "post_id": ids,
            "media_type": draws.media_type.tolist(),
            "create_time": pa.array([moment.replace(microsecond=0) for moment in created]),
            "caption": [
                f"{POST_TOPICS[topic]} " + " ".join(f"#{tag}" for tag in tags)
                for topic, tags in zip(topics, hashtags, strict=True)
            ],
            "hashtags": hashtags,
            "sound_id": sounds,
            "duration_seconds": pa.array(draws.duration, mask=np.isnan(draws.duration)),
            "is_ad": (rng.random(count) < 0.03) & business,
            "is_filtered": draws.is_filtered,
            "is_deleted": draws.deleted_day >= 0,
            "share_url": [f"https://www.tiktok.com/@{config.handle}/video/{post}" for post in ids],
        }
    )


def sound_ids(rng: np.random.Generator, count: int) -> list[str]:
    """Sound ids: a pool of trending sounds reused across posts, and original sounds used once."""
    pool = rng.integers(7_100_000_000_000_000_000, 7_300_000_000_000_000_000, 60)
    weights = 1 / np.arange(1, len(pool) + 1) ** 1.1
    trending = rng.choice(pool, count, p=weights / weights.sum())
    original = rng.integers(7_300_000_000_000_000_000, 7_400_000_000_000_000_000, count)
    use_original = rng.random(count) < 0.3
    return [str(value) for value in np.where(use_original, original, trending)]


def snapshot_cells(draws: PostDraws, views: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(post index, day index) of every snapshot.

    Snapshots run from the first day-end after posting until the post is deleted.
    """
    days = views.shape[1]
    ends = np.arange(1, days + 1)
    exists = ends[None, :] > draws.created_day[:, None]
    deleted = (draws.deleted_day[:, None] >= 0) & (
        np.arange(days)[None, :] >= draws.deleted_day[:, None]
    )
    # NOTE: day-major order, as a daily sync appends them: time-range filters then skip most of
    # the table through DuckDB's zone maps.
    day, post = np.nonzero((exists & ~deleted).T)
    return post, day


def build_post_snapshots(
    config: SimulationConfig,
    draws: PostDraws,
    views: np.ndarray,
    ids: list[str],
    country_mix: dict[str, float],
    rng: np.random.Generator,
) -> pa.Table:
    """The `post_snapshots` table: lifetime counters of every post at the end of every day."""
    post, day = snapshot_cells(draws, views)
    seen = views[post, day]
    idle = idle_mask(views)[post, day]
    origin = start_midnight(config)
    columns: dict[str, pa.Array] = {
        "post_id": pa.array(ids).take(pa.array(post)),
        "captured_at": pa.array(np.datetime64(origin, "us") + (day + 1).astype("timedelta64[D]")),
        "views": pa.array(seen),
    }
    for name in COUNTER_NAMES:
        columns[name] = pa.array(np.floor(seen * draws.rates[name][post]).astype(np.int64))
    columns.update(insight_columns(draws, post, seen, idle))
    columns["viewer_countries"] = per_post_lists(country_lists(draws, country_mix, rng), post, idle)
    columns["retention"] = per_post_lists(retention_lists(draws), post, idle)
    table = pa.table(columns)
    return table if config.account_type == "business" else personal_only(table)


def insight_columns(
    draws: PostDraws, post: np.ndarray, seen: np.ndarray, idle: np.ndarray
) -> dict[str, pa.Array]:
    """Reach, watch time and breakdowns: the fields TikTok drops after 7 idle days."""
    duration = draws.duration[post]
    no_watch = idle | np.isnan(duration)
    average = np.round(np.nan_to_num(duration) * draws.watch_fraction[post], 3)
    values = {
        "reach": (np.floor(seen / draws.rates["viewers_per_view"][post]), idle),
        "total_time_watched_seconds": (np.round(seen * average, 3), no_watch),
        "average_time_watched_seconds": (average, no_watch),
        "full_video_watched_rate": (np.round(draws.full_watch_rate[post], 4), no_watch),
    }
    for index, name in enumerate(SOURCES):
        values[f"source_{name}"] = (np.round(draws.sources[post, index], 4), idle)
    for index, name in enumerate(("new", "returning", "follower", "non_follower")):
        values[f"viewers_{name}"] = (np.round(draws.viewer_types[post, index], 4), idle)
    for index, name in enumerate(("female", "male", "other")):
        values[f"viewers_{name}"] = (np.round(draws.viewer_genders[post, index], 4), idle)
    arrays = {name: pa.array(data, mask=mask) for name, (data, mask) in values.items()}
    arrays["reach"] = arrays["reach"].cast(pa.int64())
    return arrays


def country_lists(
    draws: PostDraws, country_mix: dict[str, float], rng: np.random.Generator
) -> pa.Array:
    """Each post's top viewer countries, drawn around the audience's country mix."""
    countries = list(country_mix)[:6]
    base = np.array([country_mix[country] for country in countries])
    shares = rng.dirichlet(base / base.sum() * 60, len(draws.created_day)) * base.sum()
    return pa.array(
        [
            [
                {"country": c, "share": round(float(s), 4)}
                for c, s in zip(countries, row, strict=True)
            ]
            for row in shares
        ],
        pa.list_(pa.struct([("country", pa.string()), ("share", pa.float64())])),
    )


def retention_lists(draws: PostDraws) -> pa.Array:
    """Each post's retention curve r(s) = f ** (s / d); none for single images."""
    curves: list[list[dict[str, float]] | None] = []
    for duration, full in zip(draws.duration, draws.full_watch_rate, strict=True):
        if np.isnan(duration):
            curves.append(None)
            continue
        seconds = [float(s) for s in RETENTION_SECONDS if s < duration] + [float(duration)]
        curves.append(
            [{"second": s, "share": round(float(full ** (s / duration)), 4)} for s in seconds]
        )
    return pa.array(
        curves, pa.list_(pa.struct([("second", pa.float64()), ("share", pa.float64())]))
    )


def per_post_lists(lists: pa.Array, post: np.ndarray, idle: np.ndarray) -> pa.Array:
    """Repeat each post's list on its snapshots, null on idle ones."""
    return pc.take(lists, pa.array(post, mask=idle))


def personal_only(table: pa.Table) -> pa.Table:
    """What the Display API gives for a personal account's post: views and interactions only."""
    kept = {"post_id", "captured_at", "views", "likes", "comments", "shares"}
    return table.select([name for name in table.column_names if name in kept])
