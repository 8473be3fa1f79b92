"""Themes and questions of comments: the words that set some comments apart, and what people ask.

Themes reuse the audience cards' keyword statistics (`audience.keywords`): comments (or, for
clusters, commenters) are the rows of a `Bag` of distinct words (`audience.tokens.tokenize`),
each row sits in a slot, and a slot's words are ranked by the log-odds z-score of the slot against
the rest (Monroe et al. 2008), listed only at `keywords.MIN_Z` or more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tikscope.audience.attributes import Bag
from tikscope.audience.keywords import card_keywords, score_keywords
from tikscope.audience.tokens import is_emoji, tokenize
from tikscope.text.questions import QUESTION_STOP_WORDS, is_question

MIN_THEME_COMMENTS = 3
"""A word is a theme only if at least this many comments (of the slot, and overall) use it."""
COMMENT_PRIOR_SIZE = 100.0
"""alpha_0 of the log-odds prior for comments (the cards use `statistics.PRIOR_SIZE`, 1000).

# NOTE: a comment has about four kept words, so 1000 pseudo-words outweigh a month of a small
# account's negative comments (the demo's last 28 days: 99 negative comments, 1,333 words with
# the positive ones) and pull every word to the baseline; 100 keeps the prior under a tenth.
"""
THEME_LIMIT = 8
QUESTION_GROUPS = 8
QUESTION_EXAMPLES = 3
OTHER_QUESTIONS = "(other)"


@dataclass(frozen=True)
class Theme:
    """A word that sets some comments apart from others.

    Attributes:
        term: the word (or emoji).
        count: comments (commenters, for a cluster) of the group that use it.
        share: count / the group's comments (commenters).
        baseline: its share among the comments it is compared with.
        z_score: log-odds z-score of the group against the others (`statistics.log_odds_z`).
    """

    term: str
    count: int
    share: float
    baseline: float
    z_score: float


@dataclass(frozen=True)
class QuestionGroup:
    """Questions about one theme: the word they share, how many, and a few of them.

    Attributes:
        theme: the word the questions share (`OTHER_QUESTIONS` for the rest).
        comments: how many questions.
        examples: up to `QUESTION_EXAMPLES` distinct texts, most asked first.
    """

    theme: str
    comments: int
    examples: tuple[str, ...]


def comment_words(text: str) -> frozenset[str]:
    """A comment's distinct words and emojis (`audience.tokens.tokenize`)."""
    return frozenset(tokenize(text))


def bag_of_sets(rows: Sequence[frozenset[str]]) -> Bag:
    """Rows of distinct terms as a `Bag` over their sorted vocabulary."""
    vocabulary = tuple(sorted(set().union(*rows))) if rows else ()
    index = {term: position for position, term in enumerate(vocabulary)}
    lengths = np.fromiter((len(row) for row in rows), np.int64, count=len(rows))
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.fromiter(
        (index[term] for row in rows for term in sorted(row, key=index.__getitem__)), np.int32
    )
    return Bag(indptr, indices, vocabulary)


def slot_themes(
    rows: Sequence[frozenset[str]],
    slots: Sequence[int],
    slot_count: int,
    *,
    min_count: int = MIN_THEME_COMMENTS,
    limit: int = THEME_LIMIT,
) -> list[tuple[Theme, ...]]:
    """The themes of every slot against the rows of all other slots.

    Args:
        rows: each row's distinct terms.
        slots: each row's slot, 0 to `slot_count` - 1.
        slot_count: how many slots.
        min_count: a term is scored only if this many rows use it, and listed for a slot only
            if this many of the slot's rows do.
        limit: most themes per slot.

    Returns:
        Per slot, its themes, highest z-score first.
    """
    slot_array = np.asarray(slots, dtype=np.int64)
    if not rows:
        return [() for _ in range(slot_count)]
    scores = score_keywords(
        bag_of_sets(rows),
        slot_array,
        slot_count,
        min_members=min_count,
        prior_size=COMMENT_PRIOR_SIZE,
    )
    sizes = np.bincount(slot_array, minlength=slot_count)
    columns = {term: column for column, term in enumerate(scores.terms)}
    themes: list[tuple[Theme, ...]] = []
    for slot in range(slot_count):
        if not sizes[slot] or sizes[slot] == len(rows):
            themes.append(())
            continue
        keywords = card_keywords(
            scores,
            slot,
            shown=scores.counts[slot] >= min_count,
            limit=limit,
            size=int(sizes[slot]),
            audience_size=len(rows),
        )
        rest = len(rows) - int(sizes[slot])
        themes.append(
            tuple(
                theme_of(
                    keyword.term,
                    keyword.members,
                    int(scores.audience[columns[keyword.term]]),
                    size=int(sizes[slot]),
                    rest=rest,
                    z_score=keyword.z_score,
                )
                for keyword in keywords
            )
        )
    return themes


def theme_of(term: str, count: int, total: int, *, size: int, rest: int, z_score: float) -> Theme:
    """A keyword as a theme; its baseline is its share among the rows of the other slots."""
    return Theme(term, count, count / size, (total - count) / max(rest, 1), z_score)


def sentiment_themes(
    texts: Sequence[str], sentiments: Sequence[str]
) -> tuple[tuple[Theme, ...], tuple[Theme, ...]]:
    """The words that set positive comments apart from negative ones, and the reverse.

    Neutral comments are left out: the two groups are compared with each other only.

    Returns:
        (positive themes, negative themes).
    """
    chosen = [
        (text, label)
        for text, label in zip(texts, sentiments, strict=True)
        if label in ("positive", "negative")
    ]
    rows = [comment_words(text) for text, _ in chosen]
    slots = [1 if label == "positive" else 0 for _, label in chosen]
    negative, positive = slot_themes(rows, slots, 2)
    return positive, negative


def group_themes(texts: Sequence[str], in_group: Sequence[bool]) -> tuple[Theme, ...]:
    """The words that set a group of comments (a post's) apart from the others given."""
    rows = [comment_words(text) for text in texts]
    return slot_themes(rows, [int(flag) for flag in in_group], 2)[1]


def question_words(text: str) -> frozenset[str]:
    """The words of a question that say what it is about (no question words, no emojis)."""
    return frozenset(
        word
        for word in comment_words(text)
        if word not in QUESTION_STOP_WORDS and not is_emoji(word) and not word.isdigit()
    )


def group_questions(
    texts: Sequence[str], *, limit: int = QUESTION_GROUPS, examples: int = QUESTION_EXAMPLES
) -> tuple[QuestionGroup, ...]:
    """The questions among the texts, grouped by the word most of them share.

    Greedy: the word that the most ungrouped questions use (at least two; ties alphabetical)
    makes a group of them, and so on, up to `limit` groups; the rest are `OTHER_QUESTIONS`.
    """
    questions = [text for text in texts if is_question(text)]
    words = [question_words(text) for text in questions]
    left = set(range(len(questions)))
    groups: list[QuestionGroup] = []
    while left and len(groups) < limit:
        counts = Counter(word for position in left for word in words[position])
        if not counts:
            break
        theme, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
        if count < 2:
            break
        members = sorted(position for position in left if theme in words[position])
        groups.append(QuestionGroup(theme, count, top_texts(questions, members, examples)))
        left -= set(members)
    if left:
        members = sorted(left)
        groups.append(
            QuestionGroup(OTHER_QUESTIONS, len(members), top_texts(questions, members, examples))
        )
    return tuple(groups)


def top_texts(texts: Sequence[str], members: Sequence[int], limit: int) -> tuple[str, ...]:
    """The most frequent distinct texts among the members (ties in first-seen order)."""
    counts = Counter(texts[position].strip() for position in members)
    return tuple(text for text, _ in counts.most_common(limit))
