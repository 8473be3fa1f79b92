"""Simulated posts and their daily lifetime snapshots, as the Business and Display APIs report them.

Counters are lifetime totals captured at the end of each UTC day (midnight of the next day), so
the difference of two snapshots is what the post gained between them. Views follow a heavy-tailed
draw per post and accrue after posting with a decaying rate; a few posts get a late second wind,
and a few get a small downward correction (TikTok removing invalid views).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tikscope.simulate.config import SimulationConfig

SOURCES = (
    "for_you",
    "follow",
    "personal_profile",
    "search",
    "hashtag",
    "sound",
    "direct_message",
)
SOURCE_BASE = np.array([0.70, 0.08, 0.08, 0.05, 0.02, 0.03, 0.04])
FREEZE_DAYS = 365
IDLE_DAYS = 7
INSIGHT_COLUMNS = (
    "reach",
    "total_time_watched_seconds",
    "average_time_watched_seconds",
    "full_video_watched_rate",
    *(f"source_{name}" for name in SOURCES),
    "viewers_new",
    "viewers_returning",
    "viewers_follower",
    "viewers_non_follower",
    "viewers_female",
    "viewers_male",
    "viewers_other",
)


@dataclass(frozen=True)
class PostDraws:
    """Per-post random properties that drive every snapshot of the post."""

    created_day: np.ndarray  # float days since the first simulated midnight (UTC)
    media_type: np.ndarray
    duration: np.ndarray  # seconds, NaN for single-image posts
    lifetime_views: np.ndarray
    tau: np.ndarray
    second_wind: np.ndarray  # extra views arriving later, 0 for most posts
    second_wind_day: np.ndarray
    correction_day: np.ndarray  # day index of a downward correction, -1 for none
    deleted_day: np.ndarray  # day index of deletion, -1 for none
    is_filtered: np.ndarray
    rates: dict[str, np.ndarray]
    full_watch_rate: np.ndarray
    watch_fraction: np.ndarray
    sources: np.ndarray  # posts x len(SOURCES)
    viewer_types: np.ndarray  # posts x 4: new, returning, follower, non-follower
    viewer_genders: np.ndarray  # posts x 3: female, male, other


def draw_posts(config: SimulationConfig, rng: np.random.Generator) -> PostDraws:
    """Draw every post's properties."""
    count, days = config.posts, config.days
    span = min(config.publish_days or days, days)
    created = np.sort(rng.uniform(0, span - 0.05, count))
    created = np.floor(created) + local_posting_hour(rng, count) / 24.0
    created = np.clip(created, 0, days - 0.01)
    media = rng.choice(np.array(["video", "image", "carousel"]), count, p=[0.85, 0.07, 0.08])
    duration = np.clip(rng.lognormal(np.log(24), 0.8, count), 5, 600).round(3)
    slides = rng.integers(2, 11, count)
    duration = np.where(media == "carousel", slides * 2.5, duration)
    duration = np.where(media == "image", np.nan, duration)
    filtered = rng.random(count) < 0.01
    growth = 0.55 + 0.45 * created / max(days, 1)
    views = config.followers_at_end**0.9 * 0.35 * growth * rng.lognormal(0, 1.3, count)
    views = np.where(filtered, views * 0.08, views)
    has_wind = rng.random(count) < 0.08
    fraction = watch_fraction_for(duration, rng)
    return PostDraws(
        created_day=created,
        media_type=media,
        duration=duration,
        lifetime_views=views,
        tau=rng.lognormal(np.log(1.6), 0.5, count),
        second_wind=np.where(has_wind, views * rng.uniform(0.3, 2.0, count), 0.0),
        second_wind_day=rng.uniform(20, 120, count),
        correction_day=days_after(created, rng.integers(10, 60, count), 0.03, days, rng),
        deleted_day=days_after(created, rng.integers(1, 90, count), 0.015, days, rng),
        is_filtered=filtered,
        rates={
            "likes": rng.beta(7, 93, count),
            "comments": rng.beta(2, 400, count),
            "shares": rng.beta(2, 300, count),
            "favorites": rng.beta(3, 250, count),
            "new_followers": rng.beta(2, 900, count),
            "profile_views": rng.beta(3, 250, count),
            "viewers_per_view": rng.uniform(1.08, 1.4, count),
        },
        full_watch_rate=fraction[1],
        watch_fraction=fraction[0],
        sources=rng.dirichlet(SOURCE_BASE * 40, count),
        viewer_types=viewer_type_shares(views, rng),
        viewer_genders=rng.dirichlet(np.array([62.0, 35.0, 3.0]), count),
    )


def days_after(
    created: np.ndarray, delay: np.ndarray, share: float, days: int, rng: np.random.Generator
) -> np.ndarray:
    """Day index `delay` days after each post's first full day, for about `share` of the posts.

    -1 for the other posts, and where that day falls after the window.
    """
    day = np.ceil(created).astype(np.int64) + delay
    return np.where((rng.random(len(created)) < share) & (day < days), day, -1)


def local_posting_hour(rng: np.random.Generator, count: int) -> np.ndarray:
    """UTC-ish hour of posting: creators post around lunch and in the evening."""
    peaks = rng.choice(np.array([12.5, 19.5, 9.0]), count, p=[0.35, 0.5, 0.15])
    return np.clip(rng.normal(peaks, 1.5), 0, 23.9)


def watch_fraction_for(duration: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Average watched fraction and full-watch rate, falling with duration; short videos loop.

    With retention r(s) = f ** (s / d) between r(0) = 1 and the full-watch rate f at the end, the
    watched fraction of one play is (1 - f) / -ln f; replays of short videos add to it.
    """
    seconds = np.nan_to_num(duration, nan=10.0)
    full = np.clip(0.55 * (10 / seconds) ** 0.6 * rng.lognormal(0, 0.25, len(seconds)), 0.01, 0.9)
    single = (1 - full) / -np.log(full)
    replays = np.where(seconds < 15, full * rng.uniform(0.1, 0.4, len(seconds)), 0.0)
    return np.stack([single + replays, full])


def viewer_type_shares(views: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """New/returning and follower/non-follower shares: viral posts reach mostly new people."""
    virality = np.log1p(views) / np.log1p(views.max() if len(views) else 1.0)
    new = np.clip(0.55 + 0.4 * virality + rng.normal(0, 0.04, len(views)), 0.3, 0.98)
    follower = np.clip(0.45 - 0.4 * virality + rng.normal(0, 0.04, len(views)), 0.02, 0.7)
    return np.stack([new, 1 - new, follower, 1 - follower], axis=1)


def cumulative_views(draws: PostDraws, days: int) -> np.ndarray:
    """Lifetime views of each post at the end of each day (posts x days), 0 before posting."""
    ends = np.arange(1, days + 1, dtype=np.float64)
    age = np.minimum(ends[None, :] - draws.created_day[:, None], FREEZE_DAYS)
    alive = age > 0
    age = np.where(alive, age, 0.0)
    main = 1 - np.exp(-((age / draws.tau[:, None]) ** 0.8))
    late_age = np.clip(age - draws.second_wind_day[:, None], 0, None)
    late = 1 - np.exp(-((late_age / 3.0) ** 0.9))
    views = draws.lifetime_views[:, None] * main + draws.second_wind[:, None] * late
    corrected = (np.arange(days)[None, :] >= draws.correction_day[:, None]) & (
        draws.correction_day[:, None] >= 0
    )
    views = np.where(corrected, views * 0.97, views)
    return np.floor(np.where(alive, views, 0.0)).astype(np.int64)


def idle_mask(views: np.ndarray) -> np.ndarray:
    """True where a post gained no views over the last 7 days: TikTok then drops insight fields."""
    gained = np.diff(views, axis=1, prepend=0) != 0
    active = np.cumsum(gained, axis=1)
    recent = (
        active
        - np.concatenate(
            [np.zeros((views.shape[0], IDLE_DAYS), dtype=active.dtype), active[:, :-IDLE_DAYS]],
            axis=1,
        )[:, : views.shape[1]]
    )
    return recent == 0


def post_ids(rng: np.random.Generator, count: int) -> list[str]:
    """Unique 19-digit post ids like TikTok's, increasing with publish time."""
    ids = np.unique(rng.integers(7_000_000_000_000_000_000, 7_400_000_000_000_000_000, count * 2))
    return [str(value) for value in np.sort(rng.choice(ids, count, replace=False))]


@dataclass(frozen=True)
class PlantedEffects:
    """What makes a post do better or worse when `SimulationConfig.planted_effects` is on.

    Each is a factor on the post's lifetime views; a recommendation test checks they are found,
    and the same account without them checks that nothing is claimed.
    """

    local_hours: tuple[int, ...] = (13, 14)  # published in these hours of the account's zone
    hour_factor: float = 2.5
    hashtags: tuple[tuple[str, float], ...] = (("plantcare", 2.2), ("diy", 0.45))
    video_seconds: tuple[float, float] = (30.0, 60.0)  # videos this long (s)
    length_factor: float = 1.8


PLANTED = PlantedEffects()


def planted_factor(
    local_hours: np.ndarray, hashtags: list[list[str]], media: np.ndarray, duration: np.ndarray
) -> np.ndarray:
    """Each post's factor on its views from `PLANTED` (1 where no effect applies)."""
    factor = np.where(np.isin(local_hours, PLANTED.local_hours), PLANTED.hour_factor, 1.0)
    for tag, tag_factor in PLANTED.hashtags:
        factor = factor * np.array([tag_factor if tag in tags else 1.0 for tags in hashtags])
    low, high = PLANTED.video_seconds
    long = (media == "video") & (np.nan_to_num(duration) >= low) & (np.nan_to_num(duration) < high)
    return np.where(long, factor * PLANTED.length_factor, factor)
