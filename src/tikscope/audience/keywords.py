"""Bio keywords of each cluster: the words its members use far more than the rest of the audience.

Words are counted once per member. A word is scored only if at least `min_members` distinct
members of the whole audience use it, and shown on a card only if `suppression` lets its count
be published (at least `min_members` members of the cluster, and no small count recoverable
from it); the words hidden for that reason are counted per cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tikscope.audience.attributes import Bag
from tikscope.audience.model import Keyword
from tikscope.audience.statistics import PRIOR_SIZE, log_odds_z

MIN_Z = 3.29
"""A card lists a word only if its z-score is at least this (two-sided 0.001 for a normal z).

# NOTE: measured on simulated audiences with random cluster labels, where every listed word is a
# false keyword: 1.96 lets 2-3% of the (cluster, word) pairs through, 3.29 about 0.1%. The
# planted keywords of 2,000-member audiences still score 4 or more.
"""


@dataclass(frozen=True)
class KeywordScores:
    """Word statistics per cluster slot (slot 0 is Other, slot c + 1 is cluster c).

    Attributes:
        terms: the words used by at least `min_members` members of the audience, sorted.
        columns: (words,) each term's position in the bios' vocabulary.
        counts: (slots, words) distinct members of each slot using each word.
        z_scores: (slots, words) log-odds z-scores of each slot against the rest.
        audience: (words,) distinct members of the whole audience using each word.
        rare: (slots,) words of each slot used by 1 to `min_members` - 1 members of the
            audience (never scored, never shown).
        audience_suppressed: words used by 1 to `min_members` - 1 members of the audience.
    """

    terms: tuple[str, ...]
    columns: np.ndarray
    counts: np.ndarray
    z_scores: np.ndarray
    audience: np.ndarray
    rare: np.ndarray
    audience_suppressed: int


def score_keywords(
    words: Bag,
    slots: np.ndarray,
    slot_count: int,
    *,
    min_members: int,
    prior_size: float = PRIOR_SIZE,
) -> KeywordScores:
    """Count and score every word that could be shown, for every slot at once.

    Args:
        words: each member's distinct bio words.
        slots: int64 slot of each member (cluster label + 1).
        slot_count: number of slots.
        min_members: the privacy threshold (distinct members).
        prior_size: alpha_0 of the Dirichlet prior (see `statistics.log_odds_z`).
    """
    token_slots = slots[words.rows()]
    audience = np.bincount(words.indices, minlength=len(words.vocabulary))
    common = np.flatnonzero(audience >= min_members)
    column = np.full(len(words.vocabulary), -1, dtype=np.int64)
    column[common] = np.arange(len(common))
    word = column[words.indices]
    kept = word >= 0
    counts = np.bincount(
        token_slots[kept] * len(common) + word[kept], minlength=slot_count * len(common)
    ).reshape(slot_count, len(common))
    z_scores = log_odds_z(
        counts,
        np.bincount(token_slots, minlength=slot_count),
        audience[common],
        float(len(words.indices)),
        prior_size=prior_size,
    )
    rare = rare_pairs(token_slots[~kept], words.indices[~kept], len(words.vocabulary), slot_count)
    return KeywordScores(
        terms=tuple(words.vocabulary[index] for index in common),
        columns=common,
        counts=counts,
        z_scores=z_scores,
        audience=audience[common],
        rare=rare,
        audience_suppressed=int(((audience > 0) & (audience < min_members)).sum()),
    )


def rare_pairs(
    slots: np.ndarray, words: np.ndarray, vocabulary: int, slot_count: int
) -> np.ndarray:
    """How many distinct words each slot has among the given (slot, word) uses."""
    pairs = np.unique(slots * vocabulary + words)
    return np.bincount(pairs // max(vocabulary, 1), minlength=slot_count)


def card_keywords(
    scores: KeywordScores,
    slot: int,
    *,
    shown: np.ndarray,
    limit: int,
    size: int,
    audience_size: int,
) -> list[Keyword]:
    """The slot's words with the highest z-scores, among those it may show.

    A word is listed if privacy lets its count be shown (`shown`, per word) and its z-score is
    at least `MIN_Z`; ties are broken alphabetically.
    """
    counts, z_scores = scores.counts[slot], scores.z_scores[slot]
    eligible = np.flatnonzero(shown & (counts > 0) & (z_scores >= MIN_Z))
    chosen = eligible[np.lexsort((eligible, -z_scores[eligible]))][:limit]
    keywords = []
    for word in chosen.tolist():
        share = counts[word] / size
        baseline = scores.audience[word] / audience_size
        keywords.append(
            Keyword(
                term=scores.terms[word],
                members=int(counts[word]),
                share=float(share),
                baseline=float(baseline),
                index=float(100 * share / baseline),
                z_score=float(z_scores[word]),
            )
        )
    return keywords
