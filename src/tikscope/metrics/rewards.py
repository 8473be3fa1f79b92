"""Creator rewards: each program's rules against the account's data, and earnings as a range.

The programs' parameters are dated and sourced here, in one place (`PROGRAMS`). Eligibility is
judged on the store's daily series up to a day: each rule met or not, by how much, and since
when. Earnings are an estimate from qualifying views and a rate per 1,000 views that TikTok does
not publish for the Creator Rewards Program: a range, never a promise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from tikscope.errors import UsageError
from tikscope.metrics.missing import why_missing
from tikscope.metrics.periods import Period
from tikscope.metrics.studio import viewed_query

if TYPE_CHECKING:
    from tikscope.metrics.query import Account
    from tikscope.store.db import DuckDBPyConnection

WINDOW_DAYS = 30
"""The views rule counts the last 30 days, the day judged included."""
PROMISE = (
    "An estimate from views and a rate range, not a promise of payment: TikTok decides what it "
    "pays and does not publish its rates."
)
"""Said wherever earnings are shown."""


@dataclass(frozen=True)
class Program:
    """One monetisation program's rules and the rate range used to estimate earnings.

    Attributes:
        key: the name on the command line (`--program`).
        name: the program's name.
        rules_as_of: when the rules below were last checked against `rules_source`.
        rules_source: where the rules are stated.
        min_age: minimum age of the creator (never in any data: the user confirms it).
        min_followers: followers needed.
        min_views: video views needed in the last `WINDOW_DAYS` days.
        min_seconds: only videos longer than this earn (None: any length).
        for_you_only: only views from the For You feed earn.
        rate_low, rate_high: US dollars per 1,000 qualifying views.
        rate_source: who says so, and how firm it is.
    """

    key: str
    name: str
    rules_as_of: date
    rules_source: str
    min_age: int
    min_followers: int
    min_views: int
    min_seconds: float | None
    for_you_only: bool
    rate_low: float
    rate_high: float
    rate_source: str


PROGRAMS = {
    program.key: program
    for program in (
        Program(
            key="creator_rewards", name="Creator Rewards Program",
            rules_as_of=date(2026, 12, 3),
            rules_source="TikTok Help Center, \"Creator Rewards Program\" (eligibility: 18 or "
            "older, 10,000 followers, 100,000 video views in the last 30 days; original videos "
            "over one minute; qualified views from the For You feed)",
            min_age=18, min_followers=10_000, min_views=100_000, min_seconds=60.0,
            for_you_only=True, rate_low=0.40, rate_high=1.00,
            rate_source="reported by third parties (creators' and agencies' published payouts); "
            "TikTok does not publish a rate and says it varies with engagement, search value, "
            "originality and audience region",
        ),
        Program(
            key="creator_fund", name="Creator Fund (2020, closed)",
            rules_as_of=date(2026, 12, 3),
            rules_source="TikTok newsroom and Help Center, Creator Fund (2020-2023): 18 or "
            "older, 10,000 followers, 100,000 video views in the last 30 days; any length",
            min_age=18, min_followers=10_000, min_views=100_000, min_seconds=None,
            for_you_only=False, rate_low=0.02, rate_high=0.04,
            rate_source="2 to 4 cents per 1,000 views, as published in coverage of the fund",
        ),
    )
}  # fmt: skip
"""Every program tikscope can judge, by key; `creator_rewards` is the default."""


@dataclass(frozen=True)
class Rule:
    """One rule judged on the store's data.

    `met` is None when no data can say (age, originality, or data the store lacks); `reason` then
    says why and what would tell. `value` and `margin` (value minus threshold) are in `unit`.
    `since` is the first day of the unbroken run of days, up to the day judged, on which the
    rule held (None when it does not hold or cannot be told); `since_start` says that run starts
    at the first day the store holds, so it may have begun earlier.
    """

    key: str
    label: str
    threshold: str
    met: bool | None
    value: float | None = None
    margin: float | None = None
    unit: str = "count"
    since: date | None = None
    since_start: bool = False
    reason: str | None = None

    @property
    def status(self) -> str:
        """`met`, `not met` or `cannot tell`."""
        return {True: "met", False: "not met", None: "cannot tell"}[self.met]

    @property
    def held_since(self) -> str | None:
        """Since when it holds ("2026-11-02", or "2026-11-02 or before"); None when it does not."""
        if self.since is None:
            return None
        return f"{self.since} or before" if self.since_start else str(self.since)


@dataclass(frozen=True)
class Eligibility:
    """A program's rules judged on one day."""

    program: Program
    day: date
    rules: tuple[Rule, ...]

    @property
    def eligible(self) -> bool | None:
        """False when a rule fails; None while a rule cannot be told; True when all hold."""
        if any(rule.met is False for rule in self.rules):
            return False
        return None if any(rule.met is None for rule in self.rules) else True

    @property
    def verdict(self) -> str:
        """`eligible`, `not eligible` or `cannot tell yet`."""
        return {True: "eligible", False: "not eligible", None: "cannot tell yet"}[self.eligible]


@dataclass(frozen=True)
class Earning:
    """Estimated earnings of one post, or of one month, over the views it gained.

    `qualifying_views` counts the views that earn (videos long enough; For You views where the
    source gives the share, else all views and `for_you_known` is False, an upper bound).
    """

    label: str
    views: int
    qualifying_views: float
    low: float
    high: float
    for_you_known: bool = True
    post_id: str | None = None
    caption: str | None = None
    media_type: str | None = None
    published: datetime | None = None
    link: str | None = None
    seconds: float | None = None

    @property
    def kind(self) -> str | None:
        """The type of the post (a post's earnings only)."""
        return self.media_type


@dataclass(frozen=True)
class Earnings:
    """Estimated earnings over a period: per month, per post, and in all."""

    program: Program
    period: Period
    rate_low: float
    rate_high: float
    months: tuple[Earning, ...]
    posts: tuple[Earning, ...]
    total: Earning
    reason: str | None = None

    def top(self, count: int = 10) -> list[Earning]:
        """The `count` posts that may earn most, most first."""
        return sorted(self.posts, key=lambda post: (-post.high, post.label))[:count]


def program(key: str, *, rate_low: float | None = None, rate_high: float | None = None) -> Program:
    """The program `key`, with the rate range replaced where given.

    Raises:
        UsageError: unknown program, or a rate range that is negative or upside down.
    """
    if key not in PROGRAMS:
        raise UsageError(f"unknown program {key!r}; choose from {', '.join(PROGRAMS)}")
    chosen = PROGRAMS[key]
    low = chosen.rate_low if rate_low is None else rate_low
    high = chosen.rate_high if rate_high is None else rate_high
    if not 0 <= low <= high:
        raise UsageError(f"the rate range must have 0 <= low <= high; got {low} to {high}")
    if (low, high) == (chosen.rate_low, chosen.rate_high):
        return chosen
    return replace(chosen, rate_low=low, rate_high=high, rate_source="given by the user")


def eligibility(
    connection: DuckDBPyConnection, account: Account, chosen: Program, day: date
) -> Eligibility:
    """Judge every rule of `chosen` on the account's data up to `day`."""
    series = connection.execute(
        "SELECT date, followers_count, video_views FROM account_daily "
        "WHERE account_id = ? AND date <= ? ORDER BY date",
        [account.account_id, day],
    ).fetchall()
    days = [row[0] for row in series]
    followers = [row[1] for row in series]
    views = rolling_views([row[2] for row in series], days)
    age = Rule("age", "Age", f"{chosen.min_age}+", None, unit="years", reason=(
        "no data says a creator's age and tikscope never infers it: confirm it in TikTok's app"
    ))  # fmt: skip
    original = Rule("original", "Original videos", "yes", None, unit="", reason=(
        "originality is judged by TikTok on each video; no data tikscope reads says it"
    ))  # fmt: skip
    rules = [
        age,
        threshold_rule(
            "followers",
            "Followers",
            chosen.min_followers,
            days,
            followers,
            day,
            needs=("account_daily.followers_count",),
        ),
        threshold_rule(
            "views_30_days",
            f"Views, last {WINDOW_DAYS} days",
            chosen.min_views,
            days,
            views,
            day,
            needs=("account_daily.video_views",),
        ),
        original,
    ]
    if chosen.min_seconds is not None:
        rules.append(long_videos(connection, account, chosen.min_seconds, day))
    return Eligibility(chosen, day, tuple(rules))


def rolling_views(daily: list[int | None], days: list[date]) -> list[int | None]:
    """Each day's video views over the last `WINDOW_DAYS` days; None without all of those days."""
    by_day = dict(zip(days, daily, strict=True))
    sums: list[int | None] = []
    for day in days:
        window = [by_day.get(day - timedelta(days=back)) for back in range(WINDOW_DAYS)]
        sums.append(None if None in window else sum(v for v in window if v is not None))
    return sums


def threshold_rule(
    key: str, label: str, threshold: int, days: list[date], values: list[int | None], day: date,
    *, needs: tuple[str, ...],
) -> Rule:  # fmt: skip
    """A rule `value >= threshold` on the day judged, with the run of days it has held."""
    shown = f"≥ {threshold:,}"
    known = [(d, v) for d, v in zip(days, values, strict=True) if v is not None]
    if not known or known[-1][0] != day:
        reason = why_missing(has_data=False, needs=needs)
        if key == "views_30_days" and days:
            reason = f"the store holds fewer than {WINDOW_DAYS} days of video views up to {day}"
        elif known:
            reason = f"no value on {day} (last known {known[-1][0]}); {reason}"
        return Rule(key, label, shown, None, reason=reason)
    value = known[-1][1] or 0
    if value < threshold:
        return Rule(key, label, shown, False, float(value), float(value - threshold))
    run = 0
    while run < len(known) and (known[-1 - run][1] or 0) >= threshold:
        run += 1
    since = known[-run][0]
    return Rule(key, label, shown, True, float(value), float(value - threshold), since=since,
                since_start=run == len(known))  # fmt: skip


def long_videos(
    connection: DuckDBPyConnection, account: Account, seconds: float, day: date
) -> Rule:
    """Videos over `seconds` published in the last `WINDOW_DAYS` days: only they earn."""
    first = day - timedelta(days=WINDOW_DAYS - 1)
    total, long, known = connection.execute(
        "SELECT count(*), count(*) FILTER (WHERE duration_seconds > ?), count(duration_seconds) "
        "FROM posts WHERE account_id = ? AND create_time::DATE BETWEEN ? AND ?",
        [seconds, account.account_id, first, day],
    ).fetchall()[0]
    label = f"Videos > {seconds:g} s, {WINDOW_DAYS} days"
    if total and not known:
        return Rule("long_videos", label, "≥ 1", None, reason=why_missing(
            has_data=False, needs=("posts.duration_seconds",)))  # fmt: skip
    return Rule("long_videos", label, "≥ 1", long > 0, float(long), float(long - 1),
                reason=f"{long:,} of {total:,} posts published qualify")  # fmt: skip


POST_VIEWS_SQL = """
SELECT v.post_id, v.views_gained, p.caption, p.media_type, p.create_time, p.share_url,
       p.duration_seconds,
       (SELECT arg_max(s.source_for_you, s.captured_at) FROM post_snapshots s
         WHERE s.account_id = $account AND s.post_id = v.post_id
           AND s.source_for_you IS NOT NULL AND s.captured_at < $until) AS for_you
FROM {relation} v JOIN posts p ON p.account_id = $account AND p.post_id = v.post_id
WHERE v.views_gained > 0
ORDER BY v.views_gained DESC, v.post_id
"""


def earnings(
    connection: DuckDBPyConnection, account: Account, chosen: Program, period: Period
) -> Earnings:
    """Estimated earnings over `period`: per post, per calendar month (cut to it), and in all."""
    posts = post_earnings(connection, account, chosen, period)
    months = tuple(
        summed(f"{month.start:%Y-%m}", post_earnings(connection, account, chosen, month))
        for month in months_of(period)
    )
    total = summed(str(period), posts)
    reason = None if posts else why_missing(has_data=False, needs=("post_snapshots.views",))
    return Earnings(chosen, period, chosen.rate_low, chosen.rate_high, months, tuple(posts),
                    total, reason)  # fmt: skip


def post_earnings(
    connection: DuckDBPyConnection, account: Account, chosen: Program, period: Period
) -> list[Earning]:
    """Each post that gained views in `period`, with what those views may earn."""
    sql, parameters = viewed_query(connection, account, period, POST_VIEWS_SQL)
    parameters["until"] = period.end + timedelta(days=1)
    rows = connection.execute(sql, parameters).fetchall()
    found = []
    for post_id, views, caption, media_type, published, link, duration, for_you in rows:
        long_enough = chosen.min_seconds is None or (duration or 0) > chosen.min_seconds
        share = 1.0 if not chosen.for_you_only or for_you is None else float(for_you)
        qualifying = views * share if long_enough else 0.0
        found.append(Earning(
            post_id, int(views), qualifying,
            qualifying / 1000 * chosen.rate_low, qualifying / 1000 * chosen.rate_high,
            for_you_known=not long_enough or not chosen.for_you_only or for_you is not None,
            post_id=post_id, caption=caption, media_type=media_type, published=published,
            link=link, seconds=duration,
        ))  # fmt: skip
    return found


def summed(label: str, parts: list[Earning]) -> Earning:
    """Several earnings added up; For You is known only when it is for every part."""
    return Earning(
        label, sum(part.views for part in parts),
        sum(part.qualifying_views for part in parts), sum(part.low for part in parts),
        sum(part.high for part in parts), all(part.for_you_known for part in parts),
    )  # fmt: skip


def months_of(period: Period) -> list[Period]:
    """The calendar months a period touches, each cut to the period."""
    months, start = [], period.start
    while start <= period.end:
        following = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        months.append(Period(start, min(period.end, following - timedelta(days=1))))
        start = following
    return months
