"""What an account's comments say: volume, sentiment shares, trend and alerts, per period and post.

Every function reads the comments the store scored (`store/comment_scores.py`) and returns typed
values; the cli, the web page, its JSON twin and the account report only format them. Themes,
questions and clusters are in `metrics/comment_themes.py`.

Guarantees:

- The account's own comments (its replies) are left out: they say what the creator feels.
- No result carries an author: authors are read only to place comments in audience clusters
  (`comment_themes.cluster_comments`), and no count is ever made per author.
- Days are the account's local days; a period's comments are those created in it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np

from tikscope.audience.statistics import cohens_h
from tikscope.metrics.periods import Period

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

    from tikscope.metrics.query import Account

LABELS = ("negative", "neutral", "positive")
DAILY_UP_TO = 31
"""A trend is by day for periods of up to this many days, by week (from Monday) beyond."""
ALERT_MIN_COMMENTS = 10
"""A post is tested only with at least this many comments: fewer make no share worth stating."""
ALERT_EFFECT = 0.5
"""Cohen's h a post's negative share must reach over the usual one: "medium" (15% vs 37%)."""
ALERT_LEVEL = 0.01
"""Family-wise error of the alerts: Fisher's exact p-value times the posts tested (Bonferroni)."""

COMMENTS_SQL = """
SELECT c.post_id, c.author_id, c.text, c.language, c.sentiment, c.sentiment_score,
       c.create_time, p.caption, p.create_time AS published
FROM comments c LEFT JOIN posts p ON p.account_id = c.account_id AND p.post_id = c.post_id
WHERE c.account_id = $account AND NOT c.is_owner AND c.sentiment IS NOT NULL
ORDER BY c.create_time, c.comment_id
"""


@dataclass(frozen=True)
class StoredComment:
    """One scored comment as read from the store; its author never leaves this package."""

    post_id: str
    author_id: str
    text: str
    language: str
    sentiment: str
    score: float
    day: date
    created: datetime
    caption: str | None
    published: datetime | None


@dataclass(frozen=True)
class SentimentCounts:
    """Comments, how many of them are negative, neutral and positive, and the net sentiment.

    `net` is the positive share minus the negative share (-1 to 1); None without comments.
    """

    comments: int
    negative: int
    neutral: int
    positive: int
    net: float | None = field(init=False)

    def __post_init__(self) -> None:
        net = (self.positive - self.negative) / self.comments if self.comments else None
        object.__setattr__(self, "net", net)

    def share(self, label: str) -> float | None:
        """The share (0-1) of comments with this label; None when there are no comments."""
        return getattr(self, label) / self.comments if self.comments else None


@dataclass(frozen=True)
class ShareChange:
    """A label's share in the period and the previous one, and the change in points (0-1)."""

    label: str
    share: float | None
    previous: float | None
    change: float | None


@dataclass(frozen=True)
class TrendPoint:
    """One day or week of the trend (its first day), with its net sentiment."""

    start: date
    comments: int
    negative_share: float | None
    positive_share: float | None
    net: float | None


@dataclass(frozen=True)
class LanguageCount:
    """Comments written in one language, and their share of the period's comments."""

    language: str
    comments: int
    share: float


@dataclass(frozen=True)
class PostSentiment:
    """A post's comments in the period, and whether its negative share calls for an alert.

    Attributes:
        post_id: the post.
        caption: its caption (None when the store has no post row).
        published: when it was published (UTC).
        counts: its comments in the period by sentiment.
        alert: the test of its negative share against the account's usual one; None when it has
            fewer than `ALERT_MIN_COMMENTS` comments.
    """

    post_id: str
    caption: str | None
    published: datetime | None
    counts: SentimentCounts
    alert: NegativeAlert | None


@dataclass(frozen=True)
class NegativeAlert:
    """A post's negative share against the account's usual share (its other comments).

    Attributes:
        comments: the post's comments tested (the sample size).
        negative: how many of them are negative.
        share: negative / comments.
        usual: the negative share of the account's other comments (of all time).
        effect: Cohen's h of share against usual.
        p_value: Fisher's exact test, one-sided (more negative than the other comments), times
            the posts tested (Bonferroni), at most 1.
        raised: whether share > usual, effect >= `ALERT_EFFECT` and p_value <= `ALERT_LEVEL`.
    """

    comments: int
    negative: int
    share: float
    usual: float
    effect: float
    p_value: float
    raised: bool


def load_comments(connection: DuckDBPyConnection, account: Account) -> list[StoredComment]:
    """Every scored comment of the account except its own, oldest first, with local days."""
    zone = ZoneInfo(account.time_zone)
    utc = ZoneInfo("UTC")
    rows = connection.execute(COMMENTS_SQL, {"account": account.account_id}).fetchall()
    return [
        StoredComment(
            post_id=post_id,
            author_id=author,
            text=text,
            language=language or "und",
            sentiment=sentiment,
            score=float(score or 0.0),
            day=created.replace(tzinfo=utc).astimezone(zone).date(),
            created=created,
            caption=caption,
            published=published,
        )
        for post_id, author, text, language, sentiment, score, created, caption, published in rows
    ]


def in_period(comments: list[StoredComment], period: Period) -> list[StoredComment]:
    """The comments created on the period's (local) days."""
    return [comment for comment in comments if period.start <= comment.day <= period.end]


def count_sentiments(comments: list[StoredComment]) -> SentimentCounts:
    """How many comments there are of each sentiment."""
    labels = [comment.sentiment for comment in comments]
    return SentimentCounts(len(labels), *(labels.count(label) for label in LABELS))


def share_changes(current: SentimentCounts, previous: SentimentCounts) -> tuple[ShareChange, ...]:
    """Each label's share now and before, and the change (None where a side has no comments)."""
    changes = []
    for label in LABELS:
        now, before = current.share(label), previous.share(label)
        change = now - before if now is not None and before is not None else None
        changes.append(ShareChange(label, now, before, change))
    return tuple(changes)


def trend_granularity(period: Period) -> str:
    """`day` for periods of up to `DAILY_UP_TO` days, `week` beyond."""
    return "day" if period.days <= DAILY_UP_TO else "week"


def sentiment_trend(
    comments: list[StoredComment], period: Period, *, granularity: str | None = None
) -> tuple[TrendPoint, ...]:
    """Comments and net sentiment per day or week of the period, every bucket listed.

    Weeks start on Monday; the first and last may be cut by the period.
    """
    granularity = granularity or trend_granularity(period)
    starts: list[date] = []
    day = period.start
    while day <= period.end:
        if granularity == "day" or day == period.start or day.weekday() == 0:
            starts.append(day)
        day += timedelta(days=1)
    buckets: dict[date, list[StoredComment]] = {start: [] for start in starts}
    for comment in in_period(comments, period):
        bucket = (
            comment.day
            if granularity == "day"
            else max(comment.day - timedelta(days=comment.day.weekday()), period.start)
        )
        buckets[bucket].append(comment)
    points = []
    for start, chosen in buckets.items():
        counts = count_sentiments(chosen)
        points.append(
            TrendPoint(
                start,
                counts.comments,
                counts.share("negative"),
                counts.share("positive"),
                counts.net,
            )
        )
    return tuple(points)


def language_counts(comments: list[StoredComment]) -> tuple[LanguageCount, ...]:
    """Comments per language, most used first."""
    counts: dict[str, int] = {}
    for comment in comments:
        counts[comment.language] = counts.get(comment.language, 0) + 1
    total = max(len(comments), 1)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(LanguageCount(language, count, count / total) for language, count in ranked)


def post_sentiments(
    period_comments: list[StoredComment], every_comment: list[StoredComment]
) -> tuple[PostSentiment, ...]:
    """Each post commented on in the period, most comments first, with its alert test.

    A post's negative share (its comments in the period) is tested against the negative share
    of all the account's other comments, of all time (see `negative_alerts`).
    """
    by_post: dict[str, list[StoredComment]] = {}
    for comment in period_comments:
        by_post.setdefault(comment.post_id, []).append(comment)
    counts = {post: count_sentiments(chosen) for post, chosen in by_post.items()}
    overall = count_sentiments(every_comment)
    alerts = negative_alerts(counts, overall)
    posts = [
        PostSentiment(post, chosen[0].caption, chosen[0].published, counts[post], alerts.get(post))
        for post, chosen in by_post.items()
    ]
    return tuple(sorted(posts, key=lambda post: (-post.counts.comments, post.post_id)))


def negative_alerts(
    posts: dict[str, SentimentCounts], overall: SentimentCounts
) -> dict[str, NegativeAlert]:
    """Test each post with enough comments: is its negative share far above the usual one?

    A post raises an alert when three things hold: its share is above the usual one; the
    difference is large (Cohen's h at least `ALERT_EFFECT`, whatever the sample size); and it is
    unlikely to be chance (Fisher's exact test of the post against the account's other comments,
    one-sided, Bonferroni-corrected for the posts tested, at most `ALERT_LEVEL`). Both are
    needed: with thousands of comments a 2-point rise is "significant" but not worth a look,
    and with 10 comments a 40-point rise can be luck.
    """
    tested = {
        post: counts for post, counts in posts.items() if counts.comments >= ALERT_MIN_COMMENTS
    }
    if not tested or not overall.comments:
        return {}
    names = list(tested)
    hits = np.array([tested[name].negative for name in names], dtype=np.float64)
    sizes = np.array([tested[name].comments for name in names], dtype=np.float64)
    tails = [upper_tail(tested[name].negative, tested[name].comments, overall.negative,
                        overall.comments) for name in names]  # fmt: skip
    usual = (overall.negative - hits) / np.maximum(overall.comments - sizes, 1)
    shares = hits / sizes
    effects = cohens_h(shares, usual)
    adjusted = np.minimum(1.0, np.array(tails) * len(names))
    return {
        name: NegativeAlert(
            comments=int(sizes[i]),
            negative=int(hits[i]),
            share=float(shares[i]),
            usual=float(usual[i]),
            effect=float(effects[i]),
            p_value=float(adjusted[i]),
            raised=bool(
                shares[i] > usual[i] and effects[i] >= ALERT_EFFECT and adjusted[i] <= ALERT_LEVEL
            ),
        )
        for i, name in enumerate(names)
    }


def upper_tail(hits: int, draws: int, successes: int, population: int) -> float:
    """P(X >= hits) for X hypergeometric: `draws` taken from `population` holding `successes`.

    The one-sided p-value of Fisher's exact test that a post's `draws` comments hold `hits`
    negative ones or more, when the account's `population` comments hold `successes`. Summed
    term by term in logarithms (`math.lgamma`): scipy.stats would cost seconds to import.
    """
    low, high = max(hits, 0, draws - (population - successes)), min(draws, successes)

    def log_choose(n: int, k: int) -> float:
        return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)

    whole = log_choose(population, draws)
    terms = (log_choose(successes, x) + log_choose(population - successes, draws - x) - whole
             for x in range(low, high + 1))  # fmt: skip
    return min(1.0, sum(math.exp(term) for term in terms))
