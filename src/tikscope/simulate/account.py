"""The simulated account itself and its daily series, consistent with its posts and followers."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import numpy as np
import pyarrow as pa

from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.followers import FollowerEvents


def build_account(
    config: SimulationConfig, rng: np.random.Generator, *, total_likes: int, videos: int
) -> pa.Table:
    """The `accounts` row."""
    return pa.table(
        {
            "handle": [config.handle],
            "display_name": ["Casa Verde (simulated)"],
            "account_type": [config.account_type],
            "open_id": [f"-000{rng.bytes(8).hex()}"],
            "union_id": [rng.bytes(16).hex()],
            "time_zone": [config.time_zone],
            "source": ["simulator"],
            "bio": ["Plants & pots 🌿 a simulated account for trying tikscope"],
            "is_verified": [False],
            "following_count": [int(rng.integers(40, 300))],
            "total_likes": [total_likes],
            "videos_count": [videos],
        }
    )


def daily_gains(lifetime: np.ndarray) -> np.ndarray:
    """What all posts gained each day (a downward correction is not a negative gain)."""
    return np.clip(np.diff(lifetime, axis=1, prepend=0), 0, None).sum(axis=0)


def build_account_daily(
    config: SimulationConfig,
    lifetime: dict[str, np.ndarray],
    followers: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> pa.Table:
    """The `account_daily` table: the Business API daily series, or what a personal account has."""
    days = config.days
    dates = np.datetime64(config.start_date, "D") + np.arange(days)
    columns: dict[str, object] = {
        "date": dates,
        "followers_count": followers["total"].astype(np.int64),
        "captured_at": capture_times(config),
    }
    if config.account_type == "personal":
        return pa.table(columns)
    views = daily_gains(lifetime["views"])
    likes, comments, shares = (
        daily_gains(lifetime[name]) for name in ("likes", "comments", "shares")
    )
    profile = daily_gains(lifetime["profile_views"]) + rng.poisson(
        2 + followers["total"] * 0.002, days
    )
    columns |= {
        "video_views": views,
        "unique_video_views": np.floor(views / rng.uniform(1.2, 1.5, days)).astype(np.int64),
        "profile_views": profile,
        "likes": likes,
        "comments": comments,
        "shares": shares,
        "daily_new_followers": followers["gained"],
        "daily_lost_followers": followers["lost"],
        "daily_total_followers": followers["gained"] - followers["lost"],
        "engaged_audience": np.floor((likes + comments + shares) * rng.uniform(0.7, 0.85, days)),
        "bio_link_clicks": rng.binomial(profile, 0.03),
        "email_clicks": rng.binomial(profile, 0.002),
    }
    return pa.table({name: np.asarray(value) for name, value in columns.items()})


def capture_times(config: SimulationConfig) -> np.ndarray:
    """When each day was fetched: 54 h after it ended (final), or at the last sync if sooner.

    Days are fetched three days later at 06:00 UTC. The last two days were therefore fetched
    less than 48 h after they ended and are provisional, as they are in TikTok's API.
    """
    last_sync = datetime.combine(config.end_date + timedelta(days=1), time(6))
    captured = [
        min(datetime.combine(config.start_date + timedelta(days=index + 3), time(6)), last_sync)
        for index in range(config.days)
    ]
    return np.array(captured, dtype="datetime64[us]")


def followed_at(
    config: SimulationConfig, events: FollowerEvents, members: int, rng: np.random.Generator
) -> pa.Array:
    """When each audience member last followed the account (members are the first follower keys)."""
    origin = np.datetime64(datetime.combine(config.start_date, time()), "s")
    seconds = events.followed_day[:members].astype(np.int64) * 86_400 + rng.integers(
        0, 86_400, members
    )
    return pa.array((origin + seconds.astype("timedelta64[s]")).astype("datetime64[us]"))
