"""A small hand-written dataset for the account-analytics tests.

Every number here was chosen by hand (never produced by the simulator or by tikscope) so that the
expected values in test_metrics.py can be checked with pencil and paper.

Time line (naive UTC unless said otherwise):

- The business account is in Europe/Madrid: UTC+1 until 2026-03-29 02:00 local, then UTC+2
  (DST). The personal account is in America/New_York: UTC-4 throughout (DST began 03-08).
- `account_daily` covers the UTC days 2026-03-22 .. 2026-04-01; 03-22 is the day before
  `MAIN_PERIOD`. Days are fetched three days later at 06:00, except that the last sync ran on
  2026-04-02 06:00, so 03-31 and 04-01 were fetched less than 48 h after they ended (provisional).
- `post_snapshots` hold lifetime counters read at UTC midnights: S0 = 03-23 00:00 ... S10 = 04-02
  00:00 (the end of 04-01).
- `MAIN_PERIOD` = days 03-23 .. 04-01 in the account's zone: UTC [03-22 23:00, 04-01 22:00) in
  Madrid, [03-23 04:00, 04-02 04:00) in New York; lifetime counters are read at S0 and S10.

Business account @casa_verde (followers 1000 on 03-22):

| post | type     | published (UTC)  | Madrid           | in MAIN_PERIOD? | story                       |
| ---- | -------- | ---------------- | ---------------- | --------------- | --------------------------- |
| P1   | video    | 2026-03-10 10:00 | 03-10 11:00      | no (before)     | 50 views removed on 03-27   |
| P2   | video    | 2026-03-22 23:30 | 03-23 00:30      | yes             | idle after 03-24, insights  |
|      |          |                  |                  |                 | NULL from S9 (04-01 00:00)  |
| P3   | image    | 2026-03-26 10:00 | 03-26 11:00      | yes             | filtered                    |
| P4   | carousel | 2026-03-29 22:30 | 03-30 00:30 CEST | yes             | deleted after S8            |
| P5   | video    | 2026-04-01 22:30 | 04-02 00:30 CEST | no (after)      | first snapshot S10          |

Personal account @pepa_personal (followers 50 on 03-22, 70 on 04-01), counters only, no insights:
Q1, a video published on 03-20 (before the period); Q2, a carousel published on 03-27; Q3, a video
published 2026-04-01 21:00 New York = 04-02 01:00 UTC (in MAIN_PERIOD in New York), read only once,
by the last sync at 04-02 06:00.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tikscope.ids import AccountId
from tikscope.metrics.periods import Period
from tikscope.store.ingest import Batch, ingest

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

BUSINESS = AccountId("acc_business")
PERSONAL = AccountId("acc_personal")
SMALL = AccountId("acc_small")
TIME_ZONE = "Europe/Madrid"
PERSONAL_TIME_ZONE = "America/New_York"
MAIN_PERIOD = Period(date(2026, 3, 23), date(2026, 4, 1))
FIRST_SNAPSHOT = datetime(2026, 3, 23)  # S0
LAST_SYNC = datetime(2026, 4, 2, 6)

P1, P2, P3, P4, P5 = (f"700000000000000000{index}" for index in range(1, 6))
Q1, Q2, Q3 = (f"710000000000000000{index}" for index in range(1, 4))

# date: (followers_count, daily_new_followers, daily_lost_followers, video_views, profile_views,
#        likes, comments, shares)
BUSINESS_DAYS: dict[date, tuple[int, int, int, int, int, int, int, int]] = {
    date(2026, 3, 22): (1000, 10, 0, 100, 5, 10, 1, 0),
    date(2026, 3, 23): (1010, 12, 2, 100, 10, 10, 1, 0),
    date(2026, 3, 24): (1015, 8, 3, 120, 20, 12, 2, 1),
    date(2026, 3, 25): (1010, 5, 10, 80, 10, 8, 0, 1),
    date(2026, 3, 26): (1030, 20, 0, 150, 30, 15, 3, 2),
    date(2026, 3, 27): (1035, 10, 5, 200, 20, 20, 4, 3),
    date(2026, 3, 28): (1020, 0, 15, 90, 10, 9, 1, 0),
    date(2026, 3, 29): (1045, 30, 5, 300, 40, 30, 5, 4),
    date(2026, 3, 30): (1050, 10, 5, 250, 30, 25, 4, 3),
    date(2026, 3, 31): (1050, 5, 5, 110, 20, 11, 2, 1),
    # provisional: followers_count still lags the day's 10 new follows (1055, not 1060)
    date(2026, 4, 1): (1055, 10, 0, 60, 10, 6, 1, 0),
}

PERSONAL_FOLLOWERS: dict[date, int] = {
    date(2026, 3, 22): 50,
    date(2026, 3, 23): 52,
    date(2026, 3, 24): 55,
    date(2026, 3, 25): 54,
    date(2026, 3, 26): 58,
    date(2026, 3, 27): 60,
    date(2026, 3, 28): 61,
    date(2026, 3, 29): 63,
    date(2026, 3, 30): 62,
    date(2026, 3, 31): 65,
    date(2026, 4, 1): 70,
}


@dataclass(frozen=True)
class Post:
    """One post and its daily snapshots.

    Lists hold one value per snapshot, the first at `first` (a UTC midnight) and one a day after
    it. `reach` None means TikTok sent no insights that day (every insight field is then NULL).
    `insights` are the other insight fields, the same on every snapshot that has insights.
    """

    post_id: str
    media_type: str
    create_time: datetime
    duration_seconds: float | None
    first: datetime
    views: list[int]
    likes: list[int]
    comments: list[int]
    shares: list[int]
    reach: list[int | None] | None = None
    total_time_watched_seconds: list[float | None] | None = None
    insights: dict[str, float | None] = field(default_factory=dict)
    is_deleted: bool = False
    is_filtered: bool = False


def sources(
    for_you: float | None = None,
    follow: float | None = None,
    personal_profile: float | None = None,
    search: float | None = None,
    hashtag: float | None = None,
    sound: float | None = None,
    direct_message: float | None = None,
) -> dict[str, float | None]:
    """Impression-source shares; None: the source is not in TikTok's list for the post."""
    return {
        "source_for_you": for_you,
        "source_follow": follow,
        "source_personal_profile": personal_profile,
        "source_search": search,
        "source_hashtag": hashtag,
        "source_sound": sound,
        "source_direct_message": direct_message,
    }


def viewers(new: float, follower: float) -> dict[str, float]:
    """Viewer types: new vs returning, follower vs not."""
    return {
        "viewers_new": new,
        "viewers_returning": round(1 - new, 4),
        "viewers_follower": follower,
        "viewers_non_follower": round(1 - follower, 4),
    }


def snapshot(index: int) -> datetime:
    """S<index>: the UTC midnight `index` days after 03-23 00:00."""
    return FIRST_SNAPSHOT + timedelta(days=index)


BUSINESS_POSTS = (
    # P1: old video; TikTok removed 50 invalid views on 03-27 (S4 1040 -> S5 990).
    Post(
        P1, "video", datetime(2026, 3, 10, 10), 30.0, snapshot(0),
        views=[1000, 1010, 1020, 1030, 1040, 990, 1000, 1010, 1020, 1030, 1040],
        likes=[100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110],
        comments=[20, 20, 21, 21, 22, 22, 23, 23, 24, 24, 25],
        shares=[10, 10, 10, 11, 11, 11, 11, 12, 12, 12, 12],
        reach=[800] * 11,
        total_time_watched_seconds=[12000.0] * 11,
        insights={
            "average_time_watched_seconds": 12.0, "full_video_watched_rate": 0.2,
            **sources(for_you=0.5, follow=0.2, personal_profile=0.2, search=0.1),
            **viewers(new=0.6, follower=0.3),
        },
    ),
    # P2: published 00:30 Madrid on 03-23, last interaction on 03-24, then idle; TikTok stops
    # sending its insights from S9 (04-01 00:00), so they are last known at S8 (03-31 00:00).
    Post(
        P2, "video", datetime(2026, 3, 22, 23, 30), 20.0, snapshot(0),
        views=[50, 450, *[600] * 9],
        likes=[5, 40, *[50] * 9],
        comments=[0, 4, *[5] * 9],
        shares=[0, 3, *[5] * 9],
        reach=[40, 300, *[400] * 7, None, None],
        total_time_watched_seconds=[500.0, 4500.0, *[6000.0] * 7, None, None],
        insights={
            "average_time_watched_seconds": 10.0, "full_video_watched_rate": 0.3,
            **sources(for_you=0.6, follow=0.2, personal_profile=0.1, search=0.1),
            **viewers(new=0.5, follower=0.2),
        },
    ),
    # P3: filtered image (no duration, no watch time); lists Direct Message at 0 and no Search.
    Post(
        P3, "image", datetime(2026, 3, 26, 10), None, snapshot(4),
        views=[40, 60, 70, 80, 90, 95, 100],
        likes=[6, 9, 10, 12, 13, 14, 15],
        comments=[1, 1, 2, 2, 3, 3, 3],
        shares=[0, 1, 1, 1, 2, 2, 2],
        reach=[32, 48, 56, 64, 72, 76, 80],
        total_time_watched_seconds=[None] * 7,
        insights={
            "average_time_watched_seconds": None, "full_video_watched_rate": None,
            **sources(for_you=0.5, follow=0.3, personal_profile=0.2, direct_message=0.0),
            **viewers(new=0.8, follower=0.1),
        },
        is_filtered=True,
    ),
    # P4: carousel published 00:30 Madrid (CEST) on 03-30; deleted after S8, no later snapshots.
    Post(
        P4, "carousel", datetime(2026, 3, 29, 22, 30), 15.0, snapshot(7),
        views=[30, 200],
        likes=[3, 24],
        comments=[0, 2],
        shares=[0, 4],
        reach=[25, 150],
        total_time_watched_seconds=[360.0, 2400.0],
        insights={
            "average_time_watched_seconds": 12.0, "full_video_watched_rate": 0.4,
            **sources(for_you=0.65, follow=0.15, personal_profile=0.05, search=0.1,
                      hashtag=0.05),
            **viewers(new=0.3, follower=0.4),
        },
        is_deleted=True,
    ),
    # P5: published 00:30 Madrid on 04-02, 1.5 h before S10: outside MAIN_PERIOD in Madrid.
    Post(
        P5, "video", datetime(2026, 4, 1, 22, 30), 40.0, snapshot(10),
        views=[60],
        likes=[6],
        comments=[1],
        shares=[1],
        reach=[50],
        total_time_watched_seconds=[900.0],
        insights={
            "average_time_watched_seconds": 15.0, "full_video_watched_rate": 0.25,
            **sources(for_you=0.9, follow=0.1),
            **viewers(new=0.6, follower=0.1),
        },
    ),
)  # fmt: skip

PERSONAL_POSTS = (
    Post(
        Q1, "video", datetime(2026, 3, 20, 12), 10.0, snapshot(0),
        views=[100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200],
        likes=[10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
        comments=[2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4],
        shares=[1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3],
    ),
    Post(
        Q2, "carousel", datetime(2026, 3, 27, 8), 30.0, snapshot(5),
        views=[100, 200, 250, 280, 290, 300],
        likes=[10, 20, 25, 28, 29, 30],
        comments=[2, 4, 5, 6, 6, 6],
        shares=[1, 2, 3, 4, 4, 4],
    ),
    # Q3: 21:00 New York on 04-01, after S10 (04-02 00:00); first read by the sync at 06:00.
    Post(
        Q3, "video", datetime(2026, 4, 2, 1), 20.0, LAST_SYNC,
        views=[20], likes=[2], comments=[0], shares=[0],
    ),
)  # fmt: skip

# (snapshot_date, dimension, value, share)
AUDIENCE = (
    (date(2026, 3, 23), "gender", "female", 0.5),
    (date(2026, 3, 23), "gender", "male", 0.5),
    (date(2026, 3, 30), "gender", "female", 0.6),
    (date(2026, 3, 30), "gender", "male", 0.35),
    (date(2026, 3, 30), "gender", "other", 0.05),
    (date(2026, 3, 30), "age", "18-24", 0.3),
    (date(2026, 3, 30), "age", "25-34", 0.5),
    (date(2026, 3, 30), "age", "35-44", 0.2),
    (date(2026, 3, 30), "country", "ES", 0.7),
    (date(2026, 3, 30), "country", "MX", 0.2),
    (date(2026, 3, 30), "country", "AR", 0.1),
    (date(2026, 3, 30), "city", "Madrid", 0.4),
    (date(2026, 3, 30), "city", "Valencia", 0.3),
    (date(2026, 3, 30), "city", "Barcelona", 0.3),
)

# (date, hour UTC, active followers); 03-23 and 03-30 are Mondays, 03-31 a Tuesday, 03-22 a
# Sunday before MAIN_PERIOD.
ACTIVITY = (
    (date(2026, 3, 22), 10, 999),
    (date(2026, 3, 23), 20, 100),
    (date(2026, 3, 23), 21, 150),
    (date(2026, 3, 30), 20, 200),
    (date(2026, 3, 30), 21, 250),
    (date(2026, 3, 31), 9, 40),
)


def captured_at(day: date) -> datetime:
    """When a day of `account_daily` was fetched: three days later at 06:00, or the last sync."""
    return min(datetime.combine(day + timedelta(days=3), time(6)), LAST_SYNC)


def account_table(handle: str, account_type: str, time_zone: str = TIME_ZONE) -> pa.Table:
    return pa.table(
        {
            "handle": [handle],
            "account_type": [account_type],
            "time_zone": [time_zone],
            "source": ["test"],
        }
    )


def business_daily_table() -> pa.Table:
    names = (
        "followers_count", "daily_new_followers", "daily_lost_followers", "video_views",
        "profile_views", "likes", "comments", "shares",
    )  # fmt: skip
    columns: dict[str, Any] = {"date": list(BUSINESS_DAYS)}
    for index, name in enumerate(names):
        columns[name] = pa.array([row[index] for row in BUSINESS_DAYS.values()], pa.int64())
    columns["captured_at"] = [captured_at(day) for day in BUSINESS_DAYS]
    return pa.table(columns)


def personal_daily_table() -> pa.Table:
    return pa.table(
        {
            "date": list(PERSONAL_FOLLOWERS),
            "followers_count": pa.array(list(PERSONAL_FOLLOWERS.values()), pa.int64()),
            "captured_at": [captured_at(day) for day in PERSONAL_FOLLOWERS],
        }
    )


def posts_table(posts: tuple[Post, ...]) -> pa.Table:
    return pa.table(
        {
            "post_id": [post.post_id for post in posts],
            "media_type": [post.media_type for post in posts],
            "create_time": [post.create_time for post in posts],
            "duration_seconds": pa.array([post.duration_seconds for post in posts], pa.float64()),
            "is_deleted": [post.is_deleted for post in posts],
            "is_filtered": [post.is_filtered for post in posts],
        }
    )


INSIGHT_NAMES = (
    "average_time_watched_seconds", "full_video_watched_rate", *sources(), *viewers(0, 0),
)  # fmt: skip


def snapshot_rows(post: Post) -> list[dict[str, Any]]:
    """One dict per snapshot of the post."""
    rows = []
    for index, views in enumerate(post.views):
        row: dict[str, Any] = {
            "post_id": post.post_id,
            "captured_at": post.first + timedelta(days=index),
            "views": views,
            "likes": post.likes[index],
            "comments": post.comments[index],
            "shares": post.shares[index],
        }
        if post.reach is not None:
            known = post.reach[index] is not None
            watched = post.total_time_watched_seconds
            row["reach"] = post.reach[index]
            row["total_time_watched_seconds"] = watched[index] if watched else None
            row |= {name: post.insights.get(name) if known else None for name in INSIGHT_NAMES}
        rows.append(row)
    return rows


def snapshots_table(posts: tuple[Post, ...], *, insights: bool) -> pa.Table:
    rows = [row for post in posts for row in snapshot_rows(post)]
    types: dict[str, pa.DataType] = {
        "post_id": pa.string(), "captured_at": pa.timestamp("us"), "views": pa.int64(),
        "likes": pa.int64(), "comments": pa.int64(), "shares": pa.int64(),
    }  # fmt: skip
    if insights:
        types |= {"reach": pa.int64(), "total_time_watched_seconds": pa.float64()}
        types |= {name: pa.float64() for name in INSIGHT_NAMES}
    return pa.table(
        {name: pa.array([row[name] for row in rows], kind) for name, kind in types.items()}
    )


def audience_table() -> pa.Table:
    names = ("snapshot_date", "dimension", "value", "share")
    return pa.table({name: [row[index] for row in AUDIENCE] for index, name in enumerate(names)})


def activity_table() -> pa.Table:
    return pa.table(
        {
            "date": [row[0] for row in ACTIVITY],
            "hour": pa.array([row[1] for row in ACTIVITY], pa.int16()),
            "active_followers": pa.array([row[2] for row in ACTIVITY], pa.int64()),
        }
    )


def business_batch() -> Batch:
    return Batch(
        account_id=BUSINESS,
        kind="import",
        source="test",
        tables={
            "accounts": account_table("casa_verde", "business"),
            "account_daily": business_daily_table(),
            "posts": posts_table(BUSINESS_POSTS),
            "post_snapshots": snapshots_table(BUSINESS_POSTS, insights=True),
            "audience_snapshots": audience_table(),
            "follower_activity": activity_table(),
        },
    )


def personal_batch() -> Batch:
    return Batch(
        account_id=PERSONAL,
        kind="import",
        source="test",
        tables={
            "accounts": account_table("pepa_personal", "personal", PERSONAL_TIME_ZONE),
            "account_daily": personal_daily_table(),
            "posts": posts_table(PERSONAL_POSTS),
            "post_snapshots": snapshots_table(PERSONAL_POSTS, insights=False),
        },
    )


def small_batch() -> Batch:
    """A business account at the demographics threshold: 99 followers on 03-31, 100 on 04-01."""
    return Batch(
        account_id=SMALL,
        kind="import",
        source="test",
        tables={
            "accounts": account_table("tiny_shop", "business"),
            "account_daily": pa.table(
                {
                    "date": [date(2026, 3, 31), date(2026, 4, 1)],
                    "followers_count": pa.array([99, 100], pa.int64()),
                    "captured_at": [LAST_SYNC, LAST_SYNC],
                }
            ),
            "audience_snapshots": pa.table(
                {
                    "snapshot_date": [date(2026, 3, 31)] * 2,
                    "dimension": ["gender", "gender"],
                    "value": ["female", "male"],
                    "share": [0.75, 0.25],
                }
            ),
        },
    )


def ingest_fixture(connection: DuckDBPyConnection) -> None:
    """Write the business and personal accounts into an open, migrated store."""
    for batch in (business_batch(), personal_batch()):
        ingest(connection, batch)
