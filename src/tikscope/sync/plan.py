"""Refresh planning: how often each post and account is read, within each TikTok app's limits.

Pure logic, no I/O: the real-time scheduler (`sync.realtime`, run by `web.scheduler`) asks it
which posts are due, how much to stretch every interval, and whether a request may go now.

- A post's cadence follows its age (`PostCadence`): a post is re-read every 5 minutes in its first
  2 hours, every 15 minutes to 12 hours, hourly to 48 hours, then only by the daily sync
  (docs/sources.md says why).
- Account series, comments and audience crawls keep their own cadence (`AccountCadence`).
- Every request of every connection on one app passes one `RequestBudget`: sliding windows of a
  second and a minute and the UTC day (TikTok's daily quotas reset at 00:00 UTC), each kept below
  the app's limit minus a headroom left for user-triggered syncs.
- When the planned demand would pass the budget, `stretch_factor` says how much longer every
  interval must be, so that 500 accounts on one app are read less often instead of throttled.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tikscope.errors import UsageError

MINUTE = timedelta(minutes=1)
DAY_SECONDS = 86_400.0
POSTS_PER_REQUEST = 20
"""`/business/video/list/` returns at most 20 videos a page, and `filters.video_ids` takes 20."""


@dataclass(frozen=True)
class AppLimits:
    """The request limits of one TikTok app (None: no such limit).

    Attributes:
        name: the app's kind, for messages.
        per_second: requests a second.
        per_minute: requests a minute (the Display API counts it per endpoint).
        per_day: requests a UTC day.
    """

    name: str
    per_second: int | None = None
    per_minute: int | None = None
    per_day: int | None = None


BUSINESS_LIMITS = AppLimits("business", per_second=10, per_minute=600, per_day=864_000)
DISPLAY_LIMITS = AppLimits("display", per_minute=600)
RESEARCH_LIMITS = AppLimits("research", per_day=1_000)
LIMITS = {limits.name: limits for limits in (BUSINESS_LIMITS, DISPLAY_LIMITS, RESEARCH_LIMITS)}
DEFAULT_HEADROOM = 0.2
"""The share of each limit the scheduler leaves to syncs people start ("Sync now", the CLI)."""


@dataclass(frozen=True)
class PostCadence:
    """How often a post is re-read, by age: (age below, interval) tiers, youngest first.

    A post older than the last tier is left to the daily sync.
    """

    tiers: tuple[tuple[timedelta, timedelta], ...] = (
        (timedelta(hours=2), timedelta(minutes=5)),
        (timedelta(hours=12), timedelta(minutes=15)),
        (timedelta(hours=48), timedelta(hours=1)),
    )

    def __post_init__(self) -> None:
        """Check the tiers: positive intervals, ages rising."""
        ages = [age for age, _ in self.tiers]
        if not self.tiers or ages != sorted(set(ages)):
            raise UsageError("post cadence: give tiers with rising ages, e.g. 2h=5m,12h=15m")
        if any(interval <= timedelta(0) for _, interval in self.tiers):
            raise UsageError("post cadence: every interval must be longer than zero")

    @property
    def tracked_for(self) -> timedelta:
        """How long after publication a post is refreshed intraday."""
        return self.tiers[-1][0]

    def interval(self, age: timedelta) -> timedelta | None:
        """The interval for a post of this age; None once it is left to the daily sync."""
        for below, interval in self.tiers:
            if age < below:
                return interval
        return None

    @classmethod
    def parse(cls, text: str) -> PostCadence:
        """Tiers from `2h=5m,12h=15m,48h=1h` (units s, m, h, d).

        Raises:
            UsageError: a tier is not `AGE=INTERVAL`, or a duration is unreadable.
        """
        tiers = []
        for part in (piece.strip() for piece in text.split(",") if piece.strip()):
            age, equals, interval = part.partition("=")
            if not equals:
                raise UsageError(f"post cadence {part!r}: write AGE=INTERVAL, e.g. 2h=5m")
            tiers.append((parse_duration(age), parse_duration(interval)))
        return cls(tuple(tiers))


@dataclass(frozen=True)
class AccountCadence:
    """How often an account's other data is read (None: not by the real-time scheduler).

    Attributes:
        new_posts: the newest page of posts, where new posts show up.
        series: the account's daily series, every post's lifetime counters and new comments
            (one full `tikscope sync`).
        audience: a Research API crawl of the audience graph.
    """

    new_posts: timedelta | None = timedelta(minutes=5)
    series: timedelta | None = timedelta(hours=6)
    audience: timedelta | None = timedelta(days=1)


UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400}


def parse_duration(text: str) -> timedelta:
    """A duration such as `90s`, `5m`, `2h`, `1d`.

    Raises:
        UsageError: not a whole number followed by s, m, h or d.
    """
    raw = text.strip().lower()
    number, unit = raw[:-1], raw[-1:]
    if unit not in UNITS or not number.isdigit() or int(number) == 0:
        raise UsageError(f"duration {text!r}: write a whole number and s, m, h or d, e.g. 5m")
    return timedelta(seconds=int(number) * UNITS[unit])


@dataclass(frozen=True)
class TrackedPost:
    """A post the scheduler may re-read: when it was published and last read (None: never)."""

    post_id: str
    published_at: datetime
    refreshed_at: datetime | None


def due_posts(
    posts: Iterable[TrackedPost], *, now: datetime, cadence: PostCadence, stretch: float = 1.0
) -> list[str]:
    """The posts whose (stretched) interval has passed since they were last read, oldest read first.

    A post never read is due at once; a post past the cadence's last tier never.
    """
    due = []
    for post in posts:
        interval = cadence.interval(now - post.published_at)
        if interval is None:
            continue
        if post.refreshed_at is None or now - post.refreshed_at >= interval * stretch:
            due.append(post)
    due.sort(key=lambda post: (post.refreshed_at or datetime.min, post.post_id))
    return [post.post_id for post in due]


@dataclass(frozen=True)
class Demand:
    """Requests a minute the plan would send at stretch 1, and their share that a stretch slows."""

    per_minute: float
    fixed_per_minute: float = 0.0


def planned_demand(
    *,
    accounts: int,
    fresh_posts: dict[timedelta, int],
    account_cadence: AccountCadence,
    series_cost: int = 4,
    audience_cost: int = 0,
) -> Demand:
    """The requests a minute one app's scheduler would send, before stretching.

    Args:
        accounts: connected accounts on the app.
        fresh_posts: posts currently tracked, by their interval.
        account_cadence: the other cadences.
        series_cost: requests of one full sync of an account (profile and series, post pages,
            comments of posts that moved).
        audience_cost: requests of one audience crawl (0: the app has none).
    """
    rate = 0.0
    for interval, count in fresh_posts.items():
        rate += count / (interval / MINUTE)
    for every, cost in ((account_cadence.new_posts, 1), (account_cadence.series, series_cost),
                        (account_cadence.audience, audience_cost)):  # fmt: skip
        if every is not None and cost:
            rate += accounts * cost / (every / MINUTE)
    return Demand(per_minute=rate)


def stretch_factor(
    demand: Demand, limits: AppLimits, *, headroom: float = DEFAULT_HEADROOM
) -> float:
    """How much longer every interval must be so that the demand fits the app's budget (≥ 1).

    The budget is each limit less the headroom; the tightest of the second, minute and day
    limits decides.
    """
    if not 0 <= headroom < 1:
        raise UsageError(f"headroom {headroom}: give a share from 0 to below 1")
    share = 1 - headroom
    capacities = []  # requests a minute each limit allows
    if limits.per_second is not None:
        capacities.append(limits.per_second * share * 60)
    if limits.per_minute is not None:
        capacities.append(limits.per_minute * share)
    if limits.per_day is not None:
        capacities.append(limits.per_day * share / (DAY_SECONDS / 60))
    if not capacities or demand.per_minute <= 0:
        return 1.0
    return max(1.0, demand.per_minute / min(capacities))


@dataclass
class RequestBudget:
    """The requests one app may still send: sliding second and minute windows, the UTC day.

    Times are epoch seconds of the scheduler's clock. `wait` says how long the next request must
    wait; `take` records one sent. Each window holds its limit less the headroom, rounded down,
    so that requests people start themselves still fit under TikTok's limit.
    """

    limits: AppLimits
    headroom: float = DEFAULT_HEADROOM
    second: deque[float] = field(default_factory=deque)
    minute: deque[float] = field(default_factory=deque)
    day: int = -1
    day_count: int = 0
    taken: int = 0

    def capacity(self, limit: int | None) -> int | None:
        """One window's share for the scheduler (at least one request)."""
        return None if limit is None else max(1, math.floor(limit * (1 - self.headroom)))

    def wait(self, now: float) -> float:
        """Seconds until one more request fits every window (0: now)."""
        self.forget(now)
        waits = [0.0]
        for window, seconds, limit in ((self.second, 1.0, self.limits.per_second),
                                       (self.minute, 60.0, self.limits.per_minute)):  # fmt: skip
            capacity = self.capacity(limit)
            if capacity is not None and len(window) >= capacity:
                waits.append(window[len(window) - capacity] + seconds - now)
        capacity = self.capacity(self.limits.per_day)
        if capacity is not None and self.day == day_of(now) and self.day_count >= capacity:
            waits.append((self.day + 1) * DAY_SECONDS - now)
        return max(waits)

    def take(self, now: float) -> None:
        """Record one request sent at `now`."""
        self.forget(now)
        self.second.append(now)
        self.minute.append(now)
        if self.day != day_of(now):
            self.day, self.day_count = day_of(now), 0
        self.day_count += 1
        self.taken += 1

    def forget(self, now: float) -> None:
        """Drop requests that left the sliding windows."""
        while self.second and self.second[0] <= now - 1.0:
            self.second.popleft()
        while self.minute and self.minute[0] <= now - 60.0:
            self.minute.popleft()


def day_of(epoch: float) -> int:
    """The UTC day number of an epoch second."""
    return int(epoch // DAY_SECONDS)
