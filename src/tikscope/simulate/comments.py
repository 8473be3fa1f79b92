"""Simulated comments in several languages with a planted sentiment for each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa

from tikscope.ids import pseudonymize
from tikscope.simulate.vocabulary import COMMENT_TEMPLATES, OWNER_REPLIES, SENTIMENTS, THINGS

LANGUAGE_OF_COUNTRY = {
    "ES": "es", "MX": "es", "AR": "es", "CO": "es", "CL": "es", "PE": "es",
    "BR": "pt", "PT": "pt", "FR": "fr", "DE": "de",
}  # fmt: skip
SENTIMENT_SHARES = np.array([0.55, 0.30, 0.15])
MAX_COMMENTS_PER_POST = 40
TEXT = pa.string()
COMMENT_SCHEMA = pa.schema(
    [
        ("comment_id", TEXT),
        ("post_id", TEXT),
        ("parent_comment_id", TEXT),
        ("author_id", TEXT),
        ("text", TEXT),
        ("language", TEXT),
        ("likes", pa.int64()),
        ("replies", pa.int64()),
        ("create_time", pa.timestamp("us")),
        ("status", TEXT),
        ("is_owner", pa.bool_()),
    ]
)


@dataclass(frozen=True)
class CommentContext:
    """What every comment of one simulation draws on."""

    owner: str
    commenters: list[str]
    secret: str
    languages: list[str]
    language_weights: np.ndarray
    end: datetime
    rng: np.random.Generator


def comment_languages(countries: dict[str, float]) -> tuple[list[str], np.ndarray]:
    """Languages commenters write in, weighted by where the audience lives."""
    weights: dict[str, float] = {}
    for country, share in countries.items():
        language = LANGUAGE_OF_COUNTRY.get(country, "en")
        weights[language] = weights.get(language, 0.0) + share
    weights["en"] = weights.get("en", 0.0) + max(0.0, 1 - sum(countries.values()))
    names = sorted(weights)
    values = np.array([weights[name] for name in names])
    return names, values / values.sum()


def build_comments(
    *,
    handle: str,
    posts: pa.Table,
    final_comments: np.ndarray,
    end: datetime,
    countries: dict[str, float],
    commenters: list[str],
    secret: str,
    rng: np.random.Generator,
) -> tuple[pa.Table, pa.Table]:
    """The `comments` table and the planted sentiment of each comment."""
    languages, weights = comment_languages(countries)
    context = CommentContext(
        pseudonymize(secret, handle), commenters, secret, languages, weights, end, rng
    )
    budgets = np.minimum(final_comments, MAX_COMMENTS_PER_POST).astype(int)
    ids = iter(comment_ids(rng, int(budgets.sum())))
    rows: list[dict[str, object]] = []
    sentiments: list[str] = []
    for post_id, created, budget in zip(
        posts["post_id"].to_pylist(), posts["create_time"].to_pylist(), budgets, strict=True
    ):
        left = int(budget)  # never more comment rows than the post's comment counter
        while left > 0:
            for row, sentiment in thread(context, post_id, created, ids, limit=left):
                rows.append(row)
                sentiments.append(sentiment)
                left -= 1
    table = pa.Table.from_pylist(rows, schema=COMMENT_SCHEMA)
    truth = pa.table({"comment_id": table["comment_id"], "sentiment": sentiments})
    return table, truth


def thread(
    context: CommentContext, post_id: str, posted: datetime, ids: Iterator[str], *, limit: int
) -> Iterator[tuple[dict[str, object], str]]:
    """One top-level comment and its replies (`limit` rows at most), each with its sentiment."""
    rng = context.rng
    language = str(rng.choice(context.languages, p=context.language_weights))
    sentiment = str(rng.choice(SENTIMENTS, p=SENTIMENT_SHARES))
    when = min(posted + timedelta(hours=float(rng.exponential(30))), context.end)
    parent = next(ids)
    replies = min(int(rng.choice(4, p=[0.8, 0.12, 0.05, 0.03])), limit - 1)
    text = write_comment(language, sentiment, rng)
    author = pick_author(context)
    yield comment(context, parent, post_id, None, author, text, language, when, replies), sentiment
    for _ in range(replies):
        when = min(when + timedelta(hours=float(rng.exponential(5))), context.end)
        if rng.random() < 0.5:
            replies_of = OWNER_REPLIES[language]
            text = str(rng.choice(tuple(replies_of)))
            author, sentiment = context.owner, replies_of[text]
        else:
            text, author, sentiment = (
                write_comment(language, "neutral", rng),
                pick_author(context),
                "neutral",
            )
        row = comment(context, next(ids), post_id, parent, author, text, language, when, 0)
        yield row, sentiment


def comment(
    context: CommentContext,
    comment_id: str,
    post_id: str,
    parent: str | None,
    author: str,
    text: str,
    language: str,
    when: datetime,
    replies: int,
) -> dict[str, object]:
    """One comment's cells."""
    return {
        "comment_id": comment_id,
        "post_id": post_id,
        "parent_comment_id": parent,
        "author_id": author,
        "text": text,
        "language": language,
        "likes": int(context.rng.zipf(2.2)) - 1,
        "replies": replies,
        "create_time": when,
        "status": "hidden" if context.rng.random() < 0.03 else "public",
        "is_owner": author == context.owner,
    }


def write_comment(language: str, sentiment: str, rng: np.random.Generator) -> str:
    """A comment text from the language's templates for the sentiment."""
    template = str(rng.choice(COMMENT_TEMPLATES[language][sentiment]))
    return template.format(thing=str(rng.choice(THINGS[language])))


def pick_author(context: CommentContext) -> str:
    """An audience member most of the time, otherwise a passing viewer, as a pseudonym."""
    rng = context.rng
    if context.commenters and rng.random() < 0.7:
        return context.commenters[int(rng.integers(0, len(context.commenters)))]
    return pseudonymize(context.secret, f"viewer-{int(rng.integers(0, 10**9))}")


def comment_ids(rng: np.random.Generator, count: int) -> list[str]:
    """Unique 19-digit comment ids."""
    values = np.unique(
        rng.integers(7_400_000_000_000_000_000, 7_500_000_000_000_000_000, count + 16)
    )
    return [str(value) for value in rng.permutation(values)[:count]]
