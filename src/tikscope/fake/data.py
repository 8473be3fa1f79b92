"""The simulated account a fake TikTok server serves, read off one simulator batch.

Everything here is a pure function of `FakeConfig` (the simulation knobs and the serving day
`today`): two fakes with the same config serve identical data. Data stops at `today - 1`, as
TikTok's daily numbers do; posts, comments and follows made on `today` or later do not exist yet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal

from tikscope.simulate.config import SimulationConfig

if TYPE_CHECKING:
    import pyarrow as pa

    from tikscope.fake.graph import FollowGraph

AccountType = Literal["business", "personal"]
DEFAULT_END_DATE = SimulationConfig.end_date
TIME_ZERO = time()


@dataclass(frozen=True)
class FakeConfig:
    """What the fake serves and how its tokens behave.

    Attributes:
        seed: the simulator's random seed.
        posts: posts the account published.
        days: days of simulated history, ending on `end_date`.
        members: audience members (the followers the Research API lists).
        handle: the account's username.
        account_type: business or personal.
        end_date: last simulated day (UTC).
        today: the fake's current UTC day; data reaches `today - 1`. Default: `end_date + 1`.
        business_expires_in: lifetime in seconds of Business API access tokens.
        display_expires_in: lifetime in seconds of open API (v2) user and client tokens.
        client_key: when set, the only app key (Business `client_id`/`app_id`) accepted.
        client_secret: when set, the only app secret accepted.
    """

    seed: int = 7
    posts: int = 300
    days: int = 365
    members: int = 2000
    handle: str = "casa_verde_demo"
    account_type: AccountType = "business"
    end_date: date = DEFAULT_END_DATE
    today: date | None = None
    business_expires_in: int = 86_400
    display_expires_in: int = 7_200
    client_key: str | None = None
    client_secret: str | None = None

    @property
    def serving_day(self) -> date:
        """The fake's current UTC day: `today`, or the day after the simulation ends."""
        return self.today or self.end_date + timedelta(days=1)

    def simulation(self) -> SimulationConfig:
        """The simulator config of the account."""
        return SimulationConfig(
            seed=self.seed,
            account_type=self.account_type,
            handle=self.handle,
            days=self.days,
            posts=self.posts,
            members=self.members,
            end_date=self.end_date,
        )


@dataclass(frozen=True)
class Post:
    """One published post with its latest lifetime counters (a `post_snapshots` row, or None)."""

    post_id: str
    create_time: int
    caption: str
    media_type: str
    duration: float | None
    is_ad: bool
    share_url: str
    sound_id: str | None
    hashtags: tuple[str, ...]
    snapshot: dict[str, Any] | None


@dataclass(frozen=True)
class Comment:
    """One comment or reply as TikTok would show it (author as a fake username)."""

    comment_id: str
    post_id: str
    parent_id: str | None
    username: str
    text: str
    likes: int
    create_time: int
    status: str
    is_owner: bool


@dataclass(frozen=True)
class FakeAccount:
    """The account the fake serves, as of `today`.

    Attributes:
        config: what was simulated.
        today: the serving day.
        business_id: `open_id` of the account (= Business API `business_id`).
        union_id: the account's `union_id` (Display API).
        profile: handle, display_name, bio, is_verified, is_business_account, following_count,
            followers_count, total_likes, videos_count.
        daily: account_daily values by day (up to today - 1); absent values are not keys.
        activity: per day, (hour, active followers) pairs.
        demographics: per dimension (`gender`, `age`, `country`, `city`), (value, share) pairs of
            the latest snapshot; empty below 100 followers.
        posts: published, not deleted posts, newest first.
        comments: top-level comments per post id, oldest first.
        replies: replies per parent comment id, oldest first.
        graph: followers and following of every known user (Research API).
    """

    config: FakeConfig
    today: date
    business_id: str
    union_id: str
    profile: dict[str, Any]
    daily: dict[date, dict[str, Any]]
    activity: dict[date, list[tuple[int, int]]]
    demographics: dict[str, list[tuple[str, float]]]
    posts: tuple[Post, ...]
    comments: dict[str, tuple[Comment, ...]]
    replies: dict[str, tuple[Comment, ...]]
    graph: FollowGraph
    post_index: dict[str, Post] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Index the posts by id."""
        object.__setattr__(self, "post_index", {post.post_id: post for post in self.posts})

    @property
    def has_demographics(self) -> bool:
        """TikTok gives demographics and follower activity only from 100 followers."""
        return int(self.profile["followers_count"] or 0) >= 100


def fake_business_id(handle: str) -> str:
    """The account's `open_id` / `business_id`: fixed for a handle."""
    return "-000" + hashlib.sha256(f"tikscope-fake-open-id:{handle}".encode()).hexdigest()[:16]


def fake_union_id(handle: str) -> str:
    """The account's `union_id`: fixed for a handle, shaped like a UUID."""
    digest = hashlib.sha256(f"tikscope-fake-union-id:{handle}".encode()).hexdigest()
    return "-".join((digest[:8], digest[8:12], digest[12:16], digest[16:20], digest[20:32]))


def member_username(member_key: int) -> str:
    """The fake username of audience member `member_key`, e.g. `member_000123`."""
    return f"member_{member_key:06d}"


def commenter_username(author_id: str, members: dict[str, int], owner: str, handle: str) -> str:
    """A stable fake username for a simulated comment author (a pseudonym `p_<hex>`).

    Audience members get their member username, the account itself its handle, and passing
    viewers `viewer_` plus ten hex digits of their pseudonym.
    """
    if author_id == owner:
        return handle
    if author_id in members:
        return member_username(members[author_id])
    return f"viewer_{author_id.removeprefix('p_')[:10]}"


def epoch_seconds(moment: datetime) -> int:
    """Whole UTC epoch seconds of a naive UTC datetime."""
    return int(moment.replace(tzinfo=UTC).timestamp())


def midnight(day: date) -> datetime:
    """Naive UTC midnight starting `day`."""
    return datetime.combine(day, TIME_ZERO)


def build_account(config: FakeConfig) -> FakeAccount:
    """Simulate the account and cut it at the serving day."""
    from tikscope.fake.graph import build_graph
    from tikscope.ids import pseudonymize
    from tikscope.simulate.run import build_batch

    tables = build_batch(config.simulation()).tables
    today = config.serving_day
    daily = daily_rows(tables["account_daily"], today)
    posts = visible_posts(tables["posts"], tables["post_snapshots"], today)
    every_snapshot = latest_snapshots(tables["post_snapshots"], midnight(today))
    account = tables["accounts"].to_pylist()[0]
    last_day = max(daily) if daily else None
    members = dict(
        zip(
            tables["audience_members"]["member_id"].to_pylist(),
            tables["audience_members"]["member_key"].to_pylist(),
            strict=True,
        )
    )
    owner = pseudonymize(f"simulator-{config.seed}", config.handle)
    comments, replies = thread_comments(tables["comments"], today, members, owner, config.handle)
    profile: dict[str, Any] = {
        "handle": config.handle,
        "display_name": account["display_name"],
        "bio": account["bio"],
        "is_verified": bool(account["is_verified"]),
        "is_business_account": config.account_type == "business",
        "following_count": int(account["following_count"]),
        "followers_count": daily[last_day]["followers_count"] if last_day else 0,
        "total_likes": sum(int(row["likes"] or 0) for row in every_snapshot.values()),
        "videos_count": len(posts),
    }
    return FakeAccount(
        config=config,
        today=today,
        business_id=fake_business_id(config.handle),
        union_id=fake_union_id(config.handle),
        profile=profile,
        daily=daily,
        activity=activity_rows(tables.get("follower_activity"), today),
        demographics=demographic_rows(tables.get("audience_snapshots"), today),
        posts=posts,
        comments=comments,
        replies=replies,
        graph=build_graph(config, tables, profile, today),
    )


def daily_rows(table: pa.Table, today: date) -> dict[date, dict[str, Any]]:
    """account_daily values by day before `today`, without store-only columns and NULLs."""
    result: dict[date, dict[str, Any]] = {}
    for row in table.to_pylist():
        if row["date"] >= today:
            continue
        values = {
            name: int(value)  # engaged_audience comes as a float from the simulator
            for name, value in row.items()
            if name not in ("date", "captured_at") and value is not None
        }
        result[row["date"]] = values
    return result


def activity_rows(table: pa.Table | None, today: date) -> dict[date, list[tuple[int, int]]]:
    """Active followers per day and hour, before `today`."""
    result: dict[date, list[tuple[int, int]]] = {}
    for row in [] if table is None else table.to_pylist():
        if row["date"] < today:
            result.setdefault(row["date"], []).append((row["hour"], row["active_followers"]))
    return {day: sorted(hours) for day, hours in result.items()}


def demographic_rows(table: pa.Table | None, today: date) -> dict[str, list[tuple[str, float]]]:
    """The latest audience snapshot on or before `today`, per dimension, largest share first."""
    rows = [] if table is None else [r for r in table.to_pylist() if r["snapshot_date"] <= today]
    if not rows:
        return {}
    latest = max(row["snapshot_date"] for row in rows)
    result: dict[str, list[tuple[str, float]]] = {}
    for row in rows:
        if row["snapshot_date"] == latest:
            result.setdefault(row["dimension"], []).append((row["value"], row["share"]))
    return {
        name: sorted(values, key=lambda item: (-item[1], item[0]))
        for name, values in result.items()
    }


def latest_snapshots(table: pa.Table, cutoff: datetime) -> dict[str, dict[str, Any]]:
    """Each post's latest snapshot captured at or before `cutoff`."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    kept = table.filter(pc.less_equal(table["captured_at"], pa.scalar(cutoff, pa.timestamp("us"))))
    order = pc.sort_indices(
        kept, sort_keys=[("post_id", "ascending"), ("captured_at", "descending")]
    )
    kept = kept.take(order)
    ids = np.asarray(kept["post_id"].to_pylist(), dtype=object)
    first = np.ones(len(ids), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    return {row["post_id"]: row for row in kept.filter(pa.array(first)).to_pylist()}


def visible_posts(posts: pa.Table, snapshots: pa.Table, today: date) -> tuple[Post, ...]:
    """Posts published before `today` and not deleted by then, newest first.

    A deleted post's snapshots stop on the day it was deleted; it is gone from that day on.
    """
    latest = latest_snapshots(snapshots, midnight(today))
    last_capture = {
        row["post_id"]: row["captured_at_max"]
        for row in snapshots.group_by("post_id").aggregate([("captured_at", "max")]).to_pylist()
    }
    result = []
    for row in posts.to_pylist():
        if row["create_time"] >= midnight(today):
            continue
        if row["is_deleted"] and last_capture.get(row["post_id"], midnight(today)).date() <= today:
            continue
        result.append(
            Post(
                post_id=row["post_id"],
                create_time=epoch_seconds(row["create_time"]),
                caption=row["caption"] or "",
                media_type=row["media_type"],
                duration=row["duration_seconds"],
                is_ad=bool(row["is_ad"]),
                share_url=row["share_url"],
                sound_id=row["sound_id"],
                hashtags=tuple(row["hashtags"] or ()),
                snapshot=latest.get(row["post_id"]),
            )
        )
    return tuple(sorted(result, key=lambda post: (post.create_time, post.post_id), reverse=True))


def thread_comments(
    table: pa.Table, today: date, members: dict[str, int], owner: str, handle: str
) -> tuple[dict[str, tuple[Comment, ...]], dict[str, tuple[Comment, ...]]]:
    """Comments written before `today`: top-level ones per post, replies per parent."""
    top: dict[str, list[Comment]] = {}
    replies: dict[str, list[Comment]] = {}
    for row in table.to_pylist():
        if row["create_time"] >= midnight(today):
            continue
        comment = Comment(
            comment_id=row["comment_id"],
            post_id=row["post_id"],
            parent_id=row["parent_comment_id"],
            username=commenter_username(row["author_id"], members, owner, handle),
            text=row["text"],
            likes=int(row["likes"] or 0),
            create_time=epoch_seconds(row["create_time"]),
            status=(row["status"] or "public").upper(),
            is_owner=bool(row["is_owner"]),
        )
        if comment.parent_id is None:
            top.setdefault(comment.post_id, []).append(comment)
        else:
            replies.setdefault(comment.parent_id, []).append(comment)
    return sort_threads(top), sort_threads(replies)


def sort_threads(groups: dict[str, list[Comment]]) -> dict[str, tuple[Comment, ...]]:
    """Each group oldest first, ties by id."""
    return {
        key: tuple(sorted(values, key=lambda comment: (comment.create_time, comment.comment_id)))
        for key, values in groups.items()
    }
