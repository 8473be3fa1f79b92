"""What the cards and summary are cut from, and what privacy lets them publish of it.

`count_clusters` counts words, values and follows of every slot at once (slot 0 is Other, slot
c + 1 cluster c). `release` is the report's one suppression step: every attribute's table, the
keywords' and the densities go through `suppression` before anything is described, so cards,
summary, pictures and exports only ever see what may be published. `numbers_of` lists what a
described report publishes, for `audit.audit`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tikscope.audience.affinity_shares import compare_drawn
from tikscope.audience.attributes import Bag, MemberAttributes
from tikscope.audience.audit import INSIDE, Members, Number
from tikscope.audience.keywords import KeywordScores, score_keywords
from tikscope.audience.model import AudienceSummary, ClusterCard, Coverage
from tikscope.audience.shares import (
    KNOWN,
    Comparison,
    Handle,
    Tally,
    compare,
    forced_cells,
    release_many,
    release_single,
    tally_attributes,
    tally_bag,
)
from tikscope.audience.suppression import density_shown, suppress_rows

FOLLOW_BLOCK = 1 << 22
AFFINITIES = "affinities"
"""The table of who follows which outside account (audience/affinities.py); not an attribute
a card lists among its shares, but published, suppressed and audited like one."""
MANY_VALUED = frozenset({"interests", AFFINITIES})
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
        sampled: attributes whose values come from a sample (their shares get intervals).
        profiled: members profiled from that sample.
    """

    slots: np.ndarray
    scores: KeywordScores
    tallies: dict[str, Tally]
    sizes: np.ndarray
    inside: np.ndarray
    min_members: int
    sampled: frozenset[str] = frozenset()
    profiled: int = 0

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
    outside: Bag | None = None,
) -> ClusterCounts:
    """Count words, values and follows (and outside follows, when given) of every slot at once."""
    tallies = tally_attributes(attributes, slots, slot_count)
    if outside is not None:
        tallies[AFFINITIES] = tally_bag(outside, slots, slot_count)
    return ClusterCounts(
        slots=slots,
        scores=score_keywords(attributes.words, slots, slot_count, min_members=min_members),
        tallies=tallies,
        sizes=np.bincount(slots, minlength=slot_count),
        inside=follows_inside(slots, sources, targets),
        min_members=min_members,
        sampled=attributes.sampled,
        profiled=attributes.profiled,
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
        measure = compare_drawn if name == AFFINITIES else compare
        comparisons[name] = measure(tally, chosen, min_members=minimum)
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


def members_of(
    attributes: MemberAttributes, counts: ClusterCounts, outside: Bag | None = None
) -> Members:
    """The member-level data `audit` checks subsets with."""
    bags = {"interests": attributes.interests, KEYWORDS: attributes.words}
    if outside is not None:
        bags[AFFINITIES] = outside
    return Members(
        slots=counts.slots,
        codes={name: values.codes for name, values in attributes.categorical.items()},
        bags=bags,
        inside=counts.inside,
    )


def numbers_of(
    counts: ClusterCounts, shown: Shown, cards: list[ClusterCard], summary: AudienceSummary
) -> list[Number]:
    """Every count the described report publishes, or lets a reader compute.

    A card's share gives its denominator, a baseline the audience's count of the value, a
    density the members following inside the cluster; sizes are always published.
    """
    total = int(counts.sizes.sum())
    numbers = [Number(total, None, None, None)]
    numbers += [Number(item.size, item.cluster + 1, None, None) for item in summary.clusters]
    for card in cards:
        slot = card.cluster + 1
        numbers.append(Number(card.size, slot, None, None))
        if card.density is not None:
            numbers.append(Number(int(counts.following[slot]), slot, INSIDE, (DENSITY, 0, slot)))
        for name, shares in card.attributes.items():
            rows = {value: row for row, value in enumerate(counts.tallies[name].values)}
            for item in shares:
                numbers += value_numbers(counts, shown, name, rows[item.value], slot)
        terms = {term: row for row, term in enumerate(counts.scores.terms)}
        for keyword in card.keywords:
            numbers += keyword_numbers(counts, terms[keyword.term], slot)
        if card.affinities:
            rows = {value: row for row, value in enumerate(counts.tallies[AFFINITIES].values)}
            for affinity in card.affinities:
                numbers += value_numbers(counts, shown, AFFINITIES, rows[affinity.handle], slot)
    if summary.affinities:
        accounts = {value: row for row, value in enumerate(counts.tallies[AFFINITIES].values)}
        for account in summary.affinities:
            numbers += value_numbers(counts, shown, AFFINITIES, accounts[account.handle], None)
    numbers += coverage_numbers(counts, cards, summary)
    for name, values in [("interests", summary.interests), *summary.demographics.items()]:
        rows = {value: row for row, value in enumerate(counts.tallies[name].values)}
        for share in values:
            numbers += value_numbers(counts, shown, name, rows[share.value], None)
    terms = {term: row for row, term in enumerate(counts.scores.terms)}
    for word in summary.keywords:
        numbers += keyword_numbers(counts, terms[word.term], None)[-1:]
    return numbers


def coverage_numbers(
    counts: ClusterCounts, cards: list[ClusterCard], summary: AudienceSummary
) -> list[Number]:
    """The members with a value that each card and the summary publish as coverage."""
    width = len(counts.sizes)
    found = []
    places: list[tuple[dict[str, Coverage], int | None, int]] = [
        (card.coverage, card.cluster + 1, card.size) for card in cards
    ]
    places.append((summary.coverage, None, summary.size))
    for coverage, slot, size in places:
        for name, covered in coverage.items():
            if covered.members is None or covered.members == size:
                continue
            tally = counts.tallies[name]
            unknown = (KNOWN.format(name), 1) if name in MANY_VALUED else (name, len(tally.values))
            column = width if slot is None else slot
            found.append(Number(covered.members, slot, ("known", name, 0), (*unknown, column)))
    return found


def value_numbers(
    counts: ClusterCounts, shown: Shown, name: str, row: int, slot: int | None
) -> list[Number]:
    """A value's count in a slot (or the audience), its audience count and the denominators."""
    tally = counts.tallies[name]
    chosen = shown.comparisons[name].release
    unknown = (KNOWN.format(name), 1) if name in MANY_VALUED else (name, len(tally.values))
    width = len(counts.sizes)
    predicate = ("value", name, row)
    found = [Number(int(tally.counts[:, row].sum()), None, predicate, (name, row, width))]
    audience = int(counts.sizes.sum())
    if chosen.audience != audience:
        found.append(Number(chosen.audience, None, ("known", name, 0), (*unknown, width)))
    if slot is not None:
        found.append(Number(int(tally.counts[slot, row]), slot, predicate, (name, row, slot)))
        denominator = int(chosen.denominators[slot])
        if denominator != int(counts.sizes[slot]):
            found.append(Number(denominator, slot, ("known", name, 0), (*unknown, slot)))
    return found


def keyword_numbers(counts: ClusterCounts, word: int, slot: int | None) -> list[Number]:
    """A word's count in a slot and in the audience (last)."""
    scores = counts.scores
    predicate = ("value", KEYWORDS, int(scores.columns[word]))
    width = len(counts.sizes)
    total = Number(int(scores.audience[word]), None, predicate, (KEYWORDS, word, width))
    if slot is None:
        return [total]
    return [Number(int(scores.counts[slot, word]), slot, predicate, (KEYWORDS, word, slot)), total]
