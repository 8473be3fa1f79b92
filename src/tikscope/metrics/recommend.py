"""Recommendations that prove themselves: what did better than the account's own baseline.

A post's outcome is its views 7 days after publishing, relative to the account's running median
of the 30 posts before it (`log(views / median)`), so that an account's growth does not pass for
a good hour. On those outcomes:

- publish hours and weekdays (account's time zone): each group's mean outcome shrunk toward the
  account's average by empirical Bayes (one-way random effects, method of moments), so that a
  slot with two lucky posts does not win;
- hashtags, caption words, sounds, post length and type: one ridge regression over all of them at
  once (several hashtags per post are fitted together, not one at a time), the penalty chosen by
  generalised cross-validation, intervals from a bootstrap over posts;
- a rolling-origin backtest: fit on the posts known before each origin, then compare the next
  four weeks' posts that followed the recommendation with those that did not, next to naive
  baselines (the account's most frequent hours; its most used hashtags). A kind of advice whose
  backtest does not beat its baseline is not given; the output says so.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np

from tikscope.metrics.activity import WEEKDAYS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tikscope.metrics.activity import ActiveHour
    from tikscope.metrics.query import Account
    from tikscope.store.db import DuckDBPyConnection

AGE_DAYS = 7
"""Posts are compared by their views this many days after publishing."""
BASELINE_POSTS = 30
"""The running median is over this many posts before each one (at least 10)."""
MIN_POSTS = 5
"""A feature needs this many posts to be judged."""
LENGTHS = ((0, 15, "under 15 s"), (15, 30, "15-30 s"), (30, 60, "30-60 s"),
           (60, 180, "1-3 min"), (180, 1e9, "over 3 min"))  # fmt: skip
WORD = re.compile(r"[^\W\d_]{4,}")
STOPWORDS = frozenset(
    [
        "this",
        "that",
        "with",
        "your",
        "from",
        "have",
        "what",
        "when",
        "they",
        "them",
        "their",
        "about",
    ]
)
SEED = 20_261_203
FALSE_DISCOVERIES = 0.1
"""Benjamini-Hochberg level over the features judged together."""


@dataclass(frozen=True)
class Post:
    """One post as the recommendations see it."""

    post_id: str
    published: datetime  # naive UTC
    local: datetime  # in the account's time zone
    features: tuple[str, ...]
    outcome: float  # log(views at 7 days / running median)


@dataclass(frozen=True)
class Effect:
    """How posts with one feature did against the account's baseline.

    `uplift` is the shrunk relative change in views (0.25 = 25% more), with a 95% interval;
    `posts` is how many posts had the feature. `flagged` when the evidence says better or worse
    than the baseline: the interval excludes 0 (and, for features, the false discovery rate of
    all the features judged together stays under `FALSE_DISCOVERIES`).
    """

    feature: str
    kind: str
    posts: int
    uplift: float
    low: float
    high: float
    flagged: bool = False


@dataclass(frozen=True)
class Backtest:
    """Following one kind of advice against not following it, over rolling origins.

    `lift` is the mean outcome difference (followed minus not), as a relative change in views,
    with a 95% bootstrap interval; `baseline_lift` the same for the naive baseline.
    """

    kind: str
    baseline: str
    folds: int
    followed: int
    not_followed: int
    lift: float
    low: float
    high: float
    baseline_lift: float

    @property
    def proven(self) -> bool:
        """The advice helped (interval above 0) and more than the baseline did."""
        return self.followed >= MIN_POSTS and self.low > 0 and self.lift > self.baseline_lift


@dataclass(frozen=True)
class Recommendations:
    """Everything `tikscope recommend` shows."""

    posts: int
    hours: tuple[Effect, ...]
    weekdays: tuple[Effect, ...]
    features: tuple[Effect, ...]
    active_hours: tuple[tuple[str, int, float], ...]  # weekday, hour, active followers
    backtests: tuple[Backtest, ...]
    reason: str | None = None

    def proven(self, kind: str) -> bool:
        """Whether the backtest backs advice of `kind` (`hours` or `features`)."""
        return any(test.kind == kind and test.proven for test in self.backtests)


POSTS_SQL = f"""
SELECT p.post_id, p.create_time, p.media_type, p.duration_seconds, p.hashtags, p.caption,
       p.sound_id, d.views
FROM posts p
JOIN post_daily d ON d.account_id = p.account_id AND d.post_id = p.post_id
 AND d.day = CAST(p.create_time + INTERVAL {AGE_DAYS} DAY AS DATE) + 1
WHERE p.account_id = $account AND NOT p.is_deleted AND NOT p.is_ad
ORDER BY p.create_time, p.post_id
"""


def recommend(
    connection: DuckDBPyConnection, account: Account, *, heatmap: Sequence[ActiveHour]
) -> Recommendations:
    """Fit, backtest and report every kind of advice for the account's whole history."""
    posts = load_posts(connection, account)
    active = tuple(sorted(
        ((WEEKDAYS[row.weekday], row.hour, row.active_followers) for row in heatmap),
        key=lambda item: -item[2])[:5])  # fmt: skip
    if len(posts) < 4 * MIN_POSTS:
        reason = (f"{len(posts)} posts with views {AGE_DAYS} days after publishing; at least "
                  f"{4 * MIN_POSTS} are needed")  # fmt: skip
        if not posts:
            reason = (
                f"no post has views {AGE_DAYS} days after publishing in the store: that takes "
                "its counters captured over time, which one Studio Content export is not; "
                "connect the Business API or the Display API and sync daily"
            )
        return Recommendations(len(posts), (), (), (), active, (), reason)
    return Recommendations(
        len(posts),
        group_effects(posts, "hour", lambda post: f"{post.local.hour:02d}:00"),
        group_effects(posts, "weekday", lambda post: WEEKDAYS[post.local.weekday()]),
        feature_effects(posts),
        active,
        backtest(posts),
    )


def load_posts(connection: DuckDBPyConnection, account: Account) -> list[Post]:
    """The account's posts with views at `AGE_DAYS` days, each against its running median."""
    zone = ZoneInfo(account.time_zone)
    rows = connection.execute(POSTS_SQL, {"account": account.account_id}).fetchall()
    logs = [float(np.log1p(row[7] or 0)) for row in rows]
    posts = []
    for index, row in enumerate(rows):
        before = logs[max(0, index - BASELINE_POSTS) : index]
        if len(before) < 10:
            continue
        post_id, created, media, seconds, hashtags, caption, sound, _ = row
        posts.append(Post(
            str(post_id), created, created.replace(tzinfo=UTC).astimezone(zone),
            features_of(media, seconds, hashtags or [], caption or "", sound),
            logs[index] - float(np.median(before)),
        ))  # fmt: skip
    return posts


def features_of(
    media: str, seconds: float | None, hashtags: list[str], caption: str, sound: str | None
) -> tuple[str, ...]:
    """A post's features: `type:`, `length:`, `#hashtag`, `word:` and `sound:` names."""
    found = [f"type:{media}"]
    if media == "video" and seconds is not None:
        found += [f"length:{name}" for low, high, name in LENGTHS if low <= seconds < high]
    found += [f"#{tag.lower()}" for tag in hashtags]
    words = {w.lower() for w in WORD.findall(re.sub(r"#\w+", " ", caption))} - STOPWORDS
    found += [f"word:{word}" for word in sorted(words)]
    if sound:
        found.append(f"sound:{sound}")
    return tuple(dict.fromkeys(found))


def group_effects(
    posts: list[Post], kind: str, group_of: Callable[[Post], str]
) -> tuple[Effect, ...]:
    """Each group's outcome shrunk toward the average (empirical Bayes), best first."""
    groups: dict[str, list[float]] = {}
    for post in posts:
        groups.setdefault(group_of(post), []).append(post.outcome)
    outcomes = np.array([post.outcome for post in posts])
    mean, total = float(outcomes.mean()), len(outcomes)
    sizes = np.array([len(values) for values in groups.values()], dtype=float)
    means = np.array([np.mean(values) for values in groups.values()])
    within = sum(float(np.sum((np.array(v) - np.mean(v)) ** 2)) for v in groups.values())
    sigma2 = within / max(total - len(groups), 1)
    spread = float(np.sum(sizes * (means - mean) ** 2)) - (len(groups) - 1) * sigma2
    tau2 = max(0.0, spread / max(total - float(np.sum(sizes**2)) / total, 1e-9))
    effects = []
    for (name, values), size, group_mean in zip(groups.items(), sizes, means, strict=True):
        weight = tau2 / (tau2 + sigma2 / size) if tau2 > 0 else 0.0
        shrunk = weight * (group_mean - mean)
        spread_sd = float(np.sqrt(weight * sigma2 / size))
        effects.append(relative(name, kind, len(values), shrunk, spread_sd))
    return tuple(sorted(effects, key=lambda effect: -effect.uplift))


def relative(
    name: str, kind: str, posts: int, effect: float, sd: float, *, flagged: bool | None = None
) -> Effect:
    """An effect on log views as a relative change, with a 95% interval."""
    low, high = effect - 1.96 * sd, effect + 1.96 * sd
    if flagged is None:
        flagged = bool(posts >= MIN_POSTS and (low > 0 or high < 0))
    return Effect(name, kind, posts, float(np.expm1(effect)), float(np.expm1(low)),
                  float(np.expm1(high)), flagged)  # fmt: skip


def discoveries(z_scores: np.ndarray, sizes: list[int]) -> list[bool]:
    """Which effects pass Benjamini-Hochberg at `FALSE_DISCOVERIES` (and have enough posts)."""
    p_values = np.array([math.erfc(abs(float(z)) / math.sqrt(2)) for z in z_scores])
    order = np.argsort(p_values)
    limits = FALSE_DISCOVERIES * np.arange(1, len(p_values) + 1) / len(p_values)
    passed = np.nonzero(p_values[order] <= limits)[0]
    cut = p_values[order][passed.max()] if len(passed) else -1.0
    return [bool(p <= cut) and size >= MIN_POSTS for p, size in zip(p_values, sizes, strict=True)]


def feature_effects(posts: list[Post]) -> tuple[Effect, ...]:
    """Every feature used by `MIN_POSTS` posts or more, fitted together by ridge regression.

    Features that always come together (a topic's caption words) are one column, named together.
    The interval is the ridge posterior's (a Gaussian prior of variance sigma^2 / penalty on each
    coefficient): sigma^2 (X'X + penalty I)^-1.
    """
    counts = Counter(feature for post in posts for feature in post.features)
    kept = sorted(name for name, count in counts.items() if count >= MIN_POSTS)
    together: dict[frozenset[int], list[str]] = {}
    for name in kept:
        rows = frozenset(i for i, post in enumerate(posts) if name in post.features)
        together.setdefault(rows, []).append(name)
    if not together:
        return ()
    groups = list(together.items())
    x = np.zeros((len(posts), len(groups)))
    for column, (rows, _) in enumerate(groups):
        x[list(rows), column] = 1.0
    y = np.array([post.outcome for post in posts])
    penalty = choose_penalty(x, y)
    xc, yc = x - x.mean(axis=0), y - y.mean()
    inverse = np.linalg.inv(xc.T @ xc + penalty * np.eye(x.shape[1]))
    coefficients = inverse @ xc.T @ yc
    hat = float(np.trace(xc @ inverse @ xc.T))
    sigma2 = float(np.sum((yc - xc @ coefficients) ** 2)) / max(len(y) - hat - 1, 1.0)
    sds = np.sqrt(sigma2 * np.diag(inverse))
    found = discoveries(coefficients / sds, [len(rows) for rows, _ in groups])
    effects = [
        relative(" ".join(names), kind_of(names[0]), len(rows), float(coefficients[i]),
                 float(sds[i]), flagged=found[i])
        for i, (rows, names) in enumerate(groups)
    ]  # fmt: skip
    return tuple(sorted(effects, key=lambda effect: -effect.uplift))


def kind_of(feature: str) -> str:
    """`hashtag`, `type`, `length`, `word` or `sound`."""
    return "hashtag" if feature.startswith("#") else feature.split(":")[0]


def choose_penalty(x: np.ndarray, y: np.ndarray) -> float:
    """The ridge penalty with the smallest generalised cross-validation error."""
    xc, yc = x - x.mean(axis=0), y - y.mean()
    u, s, _ = np.linalg.svd(xc, full_matrices=False)
    uy = u.T @ yc
    best, chosen = np.inf, 1.0
    for penalty in np.logspace(-1, 3, 30):
        shrink = s**2 / (s**2 + penalty)
        residual = float(np.sum(yc**2) - np.sum((1 - (1 - shrink) ** 2) * uy**2))
        error = residual / (len(y) - float(np.sum(shrink))) ** 2
        if error < best:
            best, chosen = error, float(penalty)
    return chosen


def backtest(posts: list[Post]) -> tuple[Backtest, ...]:
    """Rolling origins every 4 weeks: fit on what was known, score the next 4 weeks' posts."""
    rng = np.random.default_rng(SEED)
    first, last = posts[0].published, posts[-1].published
    origins = []
    origin = first + timedelta(days=90)
    while origin < last:
        origins.append(origin)
        origin += timedelta(days=28)
    pairs: dict[str, list[tuple[bool, bool, float]]] = {"hours": [], "features": []}
    for origin in origins:
        known = [p for p in posts if p.published + timedelta(days=AGE_DAYS + 1) <= origin]
        coming = [p for p in posts if origin <= p.published < origin + timedelta(days=28)]
        if len(known) < 4 * MIN_POSTS or not coming:
            continue
        hours = group_effects(known, "hour", lambda post: f"{post.local.hour:02d}:00")
        # `hours` comes best first: the 3 best tried often enough, with a positive effect.
        good_hours = set([e.feature for e in hours if e.posts >= MIN_POSTS and e.uplift > 0][:3])
        frequent = {h for h, _ in Counter(f"{p.local.hour:02d}:00" for p in known).most_common(3)}
        features = feature_effects(known)
        good = {e.feature for e in features if e.flagged and e.uplift > 0}
        bad = {e.feature for e in features if e.flagged and e.uplift < 0}
        used = {t for t, _ in Counter(f for p in known for f in p.features
                                      if f.startswith("#")).most_common(3)}  # fmt: skip
        for post in coming:
            hour = f"{post.local.hour:02d}:00"
            pairs["hours"].append((hour in good_hours, hour in frequent, post.outcome))
            features_of_post = set(post.features)
            follows = any(set(g.split()) <= features_of_post for g in good) and not any(
                set(b.split()) <= features_of_post for b in bad
            )
            pairs["features"].append((follows, bool(used & features_of_post), post.outcome))
    return tuple(
        judge(kind, baseline, len(origins), pairs[kind], rng)
        for kind, baseline in (("hours", "most frequent hours"),
                               ("features", "most used hashtags"))
    )  # fmt: skip


def judge(
    kind: str, baseline: str, folds: int, pairs: list[tuple[bool, bool, float]],
    rng: np.random.Generator,
) -> Backtest:  # fmt: skip
    """Followed against not followed, with a bootstrap interval, next to the baseline."""
    followed = np.array([p[0] for p in pairs], dtype=bool)
    base = np.array([p[1] for p in pairs], dtype=bool)
    outcome = np.array([p[2] for p in pairs])
    lift = difference(outcome, followed)
    samples = []
    for _ in range(500):
        pick = rng.integers(0, len(outcome), len(outcome)) if len(outcome) else np.array([], int)
        samples.append(difference(outcome[pick], followed[pick]))
    low, high = np.percentile(samples, [2.5, 97.5]) if samples else (0.0, 0.0)
    return Backtest(kind, baseline, folds, int(followed.sum()), int((~followed).sum()),
                    float(np.expm1(lift)), float(np.expm1(low)), float(np.expm1(high)),
                    float(np.expm1(difference(outcome, base))))  # fmt: skip


def difference(outcome: np.ndarray, followed: np.ndarray) -> float:
    """Mean outcome of followed minus not followed; 0 when either side is empty."""
    if followed.all() or not followed.any():
        return 0.0
    return float(outcome[followed].mean() - outcome[~followed].mean())
