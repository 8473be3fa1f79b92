"""The comment views every output shows: a period's summary, one post's comments, the clusters.

`comment_summary`, `post_comments` and `cluster_comments` each read the store once and return one
typed value; `tikscope comments`, the Comments page, its JSON twin and the account report format
them. No value names or counts an individual commenter (docs/comments.md, "Privacy").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from tikscope.errors import UsageError
from tikscope.metrics.comment_themes import (
    QuestionGroup,
    Theme,
    comment_words,
    group_questions,
    group_themes,
    sentiment_themes,
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
