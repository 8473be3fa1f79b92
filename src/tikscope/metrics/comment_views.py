"""The comment views every output shows: a period's summary, one post's comments, the clusters.

`comment_summary`, `post_comments` and `cluster_comments` each read the store once and return one
typed value; `tikscope comments`, the Comments page, its JSON twin and the account report format
them. No value names or counts an individual commenter (docs/comments.md, "Privacy").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from tikscope.audience.model import PrivacySettings
from tikscope.audience.results import load_result, newest_result_id
from tikscope.errors import UsageError
from tikscope.metrics.comment_themes import (
    QuestionGroup,
    Theme,
    comment_words,
    group_questions,
    group_themes,
    sentiment_themes,
    slot_themes,
)
from tikscope.metrics.comments import (
    LABELS,
    LanguageCount,
    NegativeAlert,
    PostSentiment,
    SentimentCounts,
    ShareChange,
    StoredComment,
    TrendPoint,
    count_sentiments,
    in_period,
    language_counts,
    load_comments,
    post_sentiments,
    sentiment_trend,
    share_changes,
    trend_granularity,
)
from tikscope.metrics.periods import Period

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

    from tikscope.metrics.query import Account

COMMENT_LIMIT = 200


@dataclass(frozen=True)
class CommentSummary:
    """An account's comments in a period, against the previous period of the same length.

    Attributes:
        period: the period.
        previous_period: the period before it.
        counts: the period's comments by sentiment.
        previous: the previous period's.
        changes: each label's share now and before.
        granularity: `day` or `week`, the trend's step.
        trend: comments and net sentiment per day or week.
        languages: comments per language.
        positive_themes: words that set the period's positive comments apart from negative ones.
        negative_themes: words that set its negative comments apart from positive ones.
        questions: the period's questions grouped by theme.
        posts: the posts commented on in the period, most comments first, with alert tests.
        alerts: the posts whose alert is raised.
    """

    period: Period
    previous_period: Period
    counts: SentimentCounts
    previous: SentimentCounts
    changes: tuple[ShareChange, ...]
    granularity: str
    trend: tuple[TrendPoint, ...]
    languages: tuple[LanguageCount, ...]
    positive_themes: tuple[Theme, ...]
    negative_themes: tuple[Theme, ...]
    questions: tuple[QuestionGroup, ...]
    posts: tuple[PostSentiment, ...]
    alerts: tuple[PostSentiment, ...]


@dataclass(frozen=True)
class CommentLine:
    """One comment as the creator reads it: its text, never its author."""

    created: datetime
    language: str
    sentiment: str
    score: float
    text: str


@dataclass(frozen=True)
class CommentFilter:
    """Which comments a list shows: a sentiment, a language, a theme word, questions only."""

    sentiment: str | None = None
    language: str | None = None
    theme: str | None = None
    questions: bool = False

    def __post_init__(self) -> None:
        if self.sentiment is not None and self.sentiment not in LABELS:
            raise UsageError(
                f"unknown sentiment {self.sentiment!r}; choose from {', '.join(LABELS)}"
            )

    def keeps(self, comment: StoredComment) -> bool:
        """Whether a comment passes every filter given."""
        from tikscope.text.questions import is_question

        return (
            (self.sentiment is None or comment.sentiment == self.sentiment)
            and (self.language is None or comment.language == self.language)
            and (self.theme is None or self.theme.lower() in comment_words(comment.text))
            and (not self.questions or is_question(comment.text))
        )


@dataclass(frozen=True)
class PostComments:
    """One post's comments (of all time) against the account's other comments.

    Attributes:
        post_id: the post.
        caption: its caption.
        published: when it was published (UTC).
        counts: its comments by sentiment.
        usual: the account's other comments by sentiment.
        alert: the test of its negative share (None under `comments.ALERT_MIN_COMMENTS`).
        trend: its comments and net sentiment per day or week since it was published.
        granularity: the trend's step.
        themes: words that set its comments apart from the account's other comments.
        questions: its questions grouped by theme.
        languages: the languages its comments are written in.
        filters: the filters applied to `comments`.
        matching: how many comments pass the filters.
        comments: those comments, newest first, at most `COMMENT_LIMIT`.
    """

    post_id: str
    caption: str | None
    published: datetime | None
    counts: SentimentCounts
    usual: SentimentCounts
    alert: NegativeAlert | None
    granularity: str
    trend: tuple[TrendPoint, ...]
    themes: tuple[Theme, ...]
    questions: tuple[QuestionGroup, ...]
    languages: tuple[LanguageCount, ...]
    filters: CommentFilter
    matching: int
    comments: tuple[CommentLine, ...]


@dataclass(frozen=True)
class ClusterSentiment:
    """One audience cluster's comments in the period (shown only above the minimum group size).

    Attributes:
        cluster: its number in the saved result.
        name: its name.
        counts: its members' comments in the period by sentiment.
        previous: the same in the previous period.
        changes: each label's share now and before.
        themes: words its commenters use more than the other clusters' commenters (counted once
            per commenter, shown only when at least the minimum group size use them).
    """

    cluster: int
    name: str
    counts: SentimentCounts
    previous: SentimentCounts
    changes: tuple[ShareChange, ...]
    themes: tuple[Theme, ...]


@dataclass(frozen=True)
class ClusterComments:
    """The comments of each audience cluster of the newest saved clustering.

    Attributes:
        result_id: the saved clustering (None when the account has none).
        min_group_size: a cluster is shown only if at least this many of its members commented
            in the period (the audience cards' minimum group size).
        clusters: the clusters shown.
        hidden_clusters: clusters with fewer commenters than that, not shown.
        outside: comments in the period by people in no cluster of the result.
        note: why nothing is shown, or None.
    """

    result_id: int | None
    min_group_size: int
    clusters: tuple[ClusterSentiment, ...]
    hidden_clusters: int
    outside: int
    note: str | None


def comment_summary(
    connection: DuckDBPyConnection, account: Account, period: Period
) -> CommentSummary:
    """The account's comments in the period, compared with the previous period."""
    every = load_comments(connection, account)
    current, before = in_period(every, period), in_period(every, period.previous())
    counts, previous = count_sentiments(current), count_sentiments(before)
    positive, negative = sentiment_themes([c.text for c in current], [c.sentiment for c in current])
    posts = post_sentiments(current, every)
    return CommentSummary(
        period=period,
        previous_period=period.previous(),
        counts=counts,
        previous=previous,
        changes=share_changes(counts, previous),
        granularity=trend_granularity(period),
        trend=sentiment_trend(current, period),
        languages=language_counts(current),
        positive_themes=positive,
        negative_themes=negative,
        questions=group_questions([comment.text for comment in current]),
        posts=posts,
        alerts=tuple(post for post in posts if post.alert is not None and post.alert.raised),
    )


def post_comments(
    connection: DuckDBPyConnection, account: Account, post_id: str, filters: CommentFilter
) -> PostComments:
    """One post's comments of all time, filtered, with its shares, themes and questions."""
    every = load_comments(connection, account)
    mine = [comment for comment in every if comment.post_id == post_id]
    if not mine:
        raise UsageError(f"post {post_id} of @{account.handle} has no comments in the store")
    others = [comment for comment in every if comment.post_id != post_id]
    counts = count_sentiments(mine)
    alert = post_sentiments(mine, every)[0].alert
    span = Period(min(c.day for c in mine), max(c.day for c in mine))
    kept = [comment for comment in reversed(mine) if filters.keeps(comment)]
    return PostComments(
        post_id=post_id,
        caption=mine[0].caption,
        published=mine[0].published,
        counts=counts,
        usual=count_sentiments(others),
        alert=alert,
        granularity=trend_granularity(span),
        trend=sentiment_trend(mine, span),
        themes=group_themes([c.text for c in every], [c.post_id == post_id for c in every]),
        questions=group_questions([comment.text for comment in mine]),
        languages=language_counts(mine),
        filters=filters,
        matching=len(kept),
        comments=tuple(
            CommentLine(c.created, c.language, c.sentiment, c.score, c.text)
            for c in kept[:COMMENT_LIMIT]
        ),
    )


def period_comments(
    connection: DuckDBPyConnection, account: Account, period: Period, filters: CommentFilter
) -> tuple[int, tuple[CommentLine, ...]]:
    """The period's comments that pass the filters: how many, and the newest `COMMENT_LIMIT`."""
    kept = [
        c
        for c in reversed(in_period(load_comments(connection, account), period))
        if filters.keeps(c)
    ]
    return len(kept), tuple(
        CommentLine(c.created, c.language, c.sentiment, c.score, c.text)
        for c in kept[:COMMENT_LIMIT]
    )


def cluster_comments(
    connection: DuckDBPyConnection, account: Account, period: Period
) -> ClusterComments:
    """Sentiment and themes of each cluster's comments, for clusters with enough commenters."""
    result_id = newest_result_id(connection, account.account_id)
    if result_id is None:
        return ClusterComments(
            None,
            PrivacySettings().min_group_size,
            (),
            0,
            0,
            "no saved audience clusters: run `tikscope audience report` first",
        )
    saved = load_result(connection, account.account_id, result_id)
    minimum = int(
        saved.parameters.get("privacy", {}).get("min_group_size", PrivacySettings().min_group_size)
    )
    cluster_of = member_clusters(connection, account, saved.member_keys, saved.labels)
    every = load_comments(connection, account)
    current, before = in_period(every, period), in_period(every, period.previous())
    shown, hidden = [], 0
    numbers = sorted(saved.names)
    themes = commenter_themes(current, cluster_of, numbers, minimum)
    for position, number in enumerate(numbers):
        mine = [c for c in current if cluster_of.get(c.author_id) == number]
        if len({c.author_id for c in mine}) < minimum:
            hidden += 1
            continue
        counts = count_sentiments(mine)
        previous = count_sentiments([c for c in before if cluster_of.get(c.author_id) == number])
        shown.append(
            ClusterSentiment(
                number,
                saved.names[number],
                counts,
                previous,
                share_changes(counts, previous),
                themes[position],
            )
        )
    outside = sum(1 for c in current if c.author_id not in cluster_of)
    note = None if shown else (f"no cluster has {minimum} or more commenters in the period")
    return ClusterComments(result_id, minimum, tuple(shown), hidden, outside, note)


def member_clusters(
    connection: DuckDBPyConnection, account: Account, keys: np.ndarray, labels: np.ndarray
) -> dict[str, int]:
    """The cluster of each clustered member, by the id comments name their authors with."""
    rows = connection.execute(
        "SELECT member_key, member_id FROM audience_members WHERE account_id = ?",
        [account.account_id],
    ).fetchall()
    label_of = dict(zip(keys.tolist(), labels.tolist(), strict=True))
    return {
        member: int(label_of[key]) for key, member in rows if key in label_of and label_of[key] >= 0
    }


def commenter_themes(
    comments: list[StoredComment], cluster_of: dict[str, int], numbers: list[int], minimum: int
) -> list[tuple[Theme, ...]]:
    """Per cluster, the words its commenters use more than other clustered commenters.

    A row is a commenter (the distinct words of all their comments), so a word counts people,
    as on the audience cards, and is shown only when `minimum` or more of them use it.
    """
    words: dict[str, set[str]] = {}
    for comment in comments:
        if comment.author_id in cluster_of:
            words.setdefault(comment.author_id, set()).update(comment_words(comment.text))
    authors = sorted(words)
    slot = {number: position for position, number in enumerate(numbers)}
    return slot_themes(
        [frozenset(words[a]) for a in authors],
        [slot[cluster_of[a]] for a in authors],
        len(numbers),
        min_count=minimum,
    )
