"""What the cards and summary are cut from, and what privacy lets them publish of it.

`count_clusters` counts words, values and follows of every slot at once (slot 0 is Other, slot
c + 1 cluster c). `release` is the report's one suppression step: every attribute's table, the
keywords' and the densities go through `suppression` before anything is described, so cards,
summary, pictures and exports only ever see what may be published.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tikscope.audience.attributes import MemberAttributes
from tikscope.audience.keywords import KeywordScores, score_keywords
from tikscope.audience.shares import (
    Comparison,
    Handle,
    Tally,
    compare,
    forced_cells,
    release_many,
    release_single,
    tally_attributes,
)
from tikscope.audience.suppression import density_shown, suppress_rows

FOLLOW_BLOCK = 1 << 22
MANY_VALUED = frozenset({"interests"})
"""Attributes a member can have several values of."""
KEYWORDS = "keywords"
DENSITY = "density"


@dataclass(frozen=True)
class ClusterCounts:
    """Everything the cards and summary are cut from.

    Attributes:
        slots: int64 slot of each member.
        scores: bio word counts and z-scores.
        tallies: interests, age, gender, country, city and language counts.
        sizes: (slots,) members.
        inside: bool per member: follows another member of their slot.
        min_members: the privacy threshold.
    """

    slots: np.ndarray
    scores: KeywordScores
    tallies: dict[str, Tally]
    sizes: np.ndarray
    inside: np.ndarray
    min_members: int

    @property
    def following(self) -> np.ndarray:
        """(slots,) members who follow another member of their slot."""
        counts: np.ndarray = np.bincount(self.slots[self.inside], minlength=len(self.sizes))
        return counts


@dataclass(frozen=True)
class Shown:
    """What privacy lets the report publish (see `release`).

    Attributes:
        comparisons: per attribute, its shares, tests and release.
        keywords: (slots, words) whether a slot's count of a word may be shown.
        keyword_totals: (words,) whether the audience's count of a word may be shown.
        density: (slots,) whether a slot's follow density may be shown.
    """

    comparisons: dict[str, Comparison]
    keywords: np.ndarray
    keyword_totals: np.ndarray
    density: np.ndarray


def count_clusters(
    attributes: MemberAttributes,
    slots: np.ndarray,
    slot_count: int,
    sources: np.ndarray,
    targets: np.ndarray,
    min_members: int,
) -> ClusterCounts:
    """Count words, values and follows of every slot at once."""
    return ClusterCounts(
        slots=slots,
        scores=score_keywords(attributes.words, slots, slot_count, min_members=min_members),
        tallies=tally_attributes(attributes, slots, slot_count),
        sizes=np.bincount(slots, minlength=slot_count),
        inside=follows_inside(slots, sources, targets),
        min_members=min_members,
    )


def follows_inside(slots: np.ndarray, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Whether each member follows at least one other member of their slot."""
    sources = np.asarray(sources, dtype=np.int32)
    targets = np.asarray(targets, dtype=np.int32)
    small = slots.astype(np.int32)
    inside = np.zeros(len(slots), dtype=bool)
    # Blocks of follows keep the temporaries small: a million members can have 20M follows.
    for start in range(0, len(sources), FOLLOW_BLOCK):
        block = slice(start, start + FOLLOW_BLOCK)
        source, target = sources[block], targets[block]
        inside[source[(small[source] == small[target]) & (source != target)]] = True
    return inside


def release(counts: ClusterCounts, forced: frozenset[Handle]) -> Shown:
    """Primary and secondary suppression of every table of the report (see `suppression`)."""
    minimum = counts.min_members
    comparisons = {}
    for name, tally in counts.tallies.items():
        decide = release_many if name in MANY_VALUED else release_single
        chosen = decide(tally, counts.sizes, minimum=minimum, forced=forced, name=name)
        comparisons[name] = compare(tally, chosen, min_members=minimum)
    words = counts.scores.counts.T
    hidden = suppress_rows(
        words, denominators=counts.sizes, audience=int(counts.sizes.sum()), minimum=minimum,
        forced=forced_cells(forced, KEYWORDS, words.shape),
    )  # fmt: skip
    density = density_shown(counts.following, counts.sizes, minimum=minimum)
    density &= ~forced_cells(forced, DENSITY, (1, len(counts.sizes)))[0, :-1]
    return Shown(
        comparisons=comparisons,
        keywords=~hidden[:, :-1].T & (counts.scores.counts >= max(minimum, 1)),
        keyword_totals=~hidden[:, -1] & (counts.scores.audience >= max(minimum, 1)),
        density=density,
    )
