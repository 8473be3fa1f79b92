"""Attribute shares of each cluster against the whole audience, with tests and privacy.

Every attribute (interests, age, gender, country, city, language) becomes a `Tally`: members per
cluster slot and value, and members per slot whose value is known. `compare` turns a tally into
shares, baselines, indexes and p-values for all slots at once; `card_shares` picks what one card
shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tikscope.audience.attributes import Bag, Categorical, MemberAttributes
from tikscope.audience.model import Share
from tikscope.audience.statistics import two_proportion_p_values

FAMILY_ERROR = 0.05
"""Bonferroni: a card's p-values are compared with FAMILY_ERROR / (number of tests on the card)."""
MIN_INDEX_GAP = 20.0
"""A significant value is also at least this far from index 100 (under 80 or over 120)."""
RANKED_BY_INDEX = frozenset({"interests"})
"""Attributes whose over-represented significant values come first, by index."""


@dataclass(frozen=True)
class Tally:
    """Members per slot and value of one attribute.

    Attributes:
        counts: (slots, values) members of each slot with each value.
        known: (slots,) members of each slot with a known value (at least one, for interests).
        values: the values, sorted.
    """

    counts: np.ndarray
    known: np.ndarray
    values: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    """One attribute's shares in every slot against the whole audience.

    Attributes:
        tally: the counts compared.
        share: (slots, values) counts / known members of the slot.
        baseline: (values,) the same share in the whole audience.
        index: (slots, values) 100 x share / baseline.
        p_value: (slots, values) two-proportion test of the slot against the rest.
        shown: (slots, values) whether the privacy threshold lets the value be shown.
    """

    tally: Tally
    share: np.ndarray
    baseline: np.ndarray
    index: np.ndarray
    p_value: np.ndarray
    shown: np.ndarray


def tally_attributes(
    attributes: MemberAttributes, slots: np.ndarray, slot_count: int
) -> dict[str, Tally]:
    """Tallies of interests and every categorical attribute, interests first."""
    tallies = {"interests": tally_bag(attributes.interests, slots, slot_count)}
    for name, categorical in attributes.categorical.items():
        tallies[name] = tally_codes(categorical, slots, slot_count)
    return tallies


def tally_codes(categorical: Categorical, slots: np.ndarray, slot_count: int) -> Tally:
    """Members per slot and value of a single-valued attribute; unknowns are left out."""
    known = categorical.codes >= 0
    width = len(categorical.categories)
    counts = np.bincount(
        slots[known] * width + categorical.codes[known], minlength=slot_count * width
    ).reshape(slot_count, width)
    return Tally(counts, counts.sum(axis=1), categorical.categories)


def tally_bag(bag: Bag, slots: np.ndarray, slot_count: int) -> Tally:
    """Members per slot and value of a many-valued attribute; members with none are unknown."""
    width = len(bag.vocabulary)
    counts = np.bincount(
        slots[bag.rows()] * width + bag.indices, minlength=slot_count * width
    ).reshape(slot_count, width)
    known = np.bincount(slots[np.diff(bag.indptr) > 0], minlength=slot_count)
    return Tally(counts, known, bag.vocabulary)


def compare(tally: Tally, *, min_members: int) -> Comparison:
    """Shares, baselines, indexes, p-values and privacy of one tally, for all slots."""
    totals = tally.counts.sum(axis=0)
    known_all = float(tally.known.sum())
    share = fraction(tally.counts, tally.known[:, None])
    baseline = fraction(totals, np.full(len(totals), known_all))
    return Comparison(
        tally=tally,
        share=share,
        baseline=baseline,
        index=100 * fraction(share, np.broadcast_to(baseline, share.shape)),
        p_value=two_proportion_p_values(tally.counts, tally.known, totals, known_all),
        shown=tally.counts >= max(min_members, 1),
    )


def fraction(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """The quotient as floats, 0 where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    out = np.zeros(np.broadcast_shapes(numerator.shape, np.shape(denominator)))
    np.divide(numerator, denominator, out=out, where=np.asarray(denominator) > 0)
    return out


def card_shares(
    comparisons: dict[str, Comparison], slot: int, *, top_values: int
) -> tuple[dict[str, list[Share]], dict[str, int]]:
    """What one card shows of each attribute, and how many values privacy hid.

    `significant` is: p-value < FAMILY_ERROR / m, where m is the number of values of all
    attributes that the card could show (Bonferroni over the card), and |index - 100| >=
    MIN_INDEX_GAP. Values are listed by share, except interests: significant over-represented
    ones first, by index, then the others by share. Ties go alphabetically.
    """
    tests = sum(int(comparison.shown[slot].sum()) for comparison in comparisons.values())
    threshold = FAMILY_ERROR / max(tests, 1)
    shown: dict[str, list[Share]] = {}
    suppressed: dict[str, int] = {}
    for name, comparison in comparisons.items():
        shown[name] = slot_shares(
            comparison,
            slot,
            threshold=threshold,
            by_index=name in RANKED_BY_INDEX,
            limit=top_values,
        )
        hidden = int(((comparison.tally.counts[slot] > 0) & ~comparison.shown[slot]).sum())
        if hidden:
            suppressed[name] = hidden
    return shown, suppressed


def slot_shares(
    comparison: Comparison, slot: int, *, threshold: float, by_index: bool, limit: int
) -> list[Share]:
    """The slot's first `limit` shown values as `Share`s, in display order."""
    index, p_value = comparison.index[slot], comparison.p_value[slot]
    significant = (p_value < threshold) & (np.abs(index - 100) >= MIN_INDEX_GAP)
    candidates = np.flatnonzero(comparison.shown[slot])
    share = comparison.share[slot][candidates]
    if by_index:
        ahead = significant[candidates] & (index[candidates] > 100)
        order = np.lexsort((candidates, np.where(ahead, -index[candidates], -share), ~ahead))
    else:
        order = np.lexsort((candidates, -share))
    return [
        Share(
            value=comparison.tally.values[value],
            members=int(comparison.tally.counts[slot, value]),
            share=float(comparison.share[slot, value]),
            baseline=float(comparison.baseline[value]),
            index=float(index[value]),
            p_value=float(p_value[value]),
            significant=bool(significant[value]),
        )
        for value in candidates[order][:limit].tolist()
    ]
