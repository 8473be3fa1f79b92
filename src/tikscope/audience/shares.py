"""Attribute shares of each cluster against the whole audience, with tests and privacy.

Every attribute (interests, age, gender, country, city, language) becomes a `Tally`: members per
cluster slot and value, and members per slot whose value is known. `release_single` and
`release_many` decide, with `suppression`, which of its counts the report may publish (a
`Release`); `compare` turns a tally and its release into shares, baselines, indexes and p-values
for all slots at once; `card_shares` picks what one card shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tikscope.audience.attributes import Bag, Categorical, MemberAttributes
from tikscope.audience.model import Coverage, Share
from tikscope.audience.statistics import cohens_h, hypergeometric_p_values, wilson_interval
from tikscope.audience.suppression import suppress_crossed, suppress_rows

Handle = tuple[str, int, int]
"""A count the report could publish: (table, row, column) of a suppression table, rows being
values (then "unknown") and columns slots (then the audience total). See `forced_cells`."""
KNOWN = "{} known"
"""The table of members with or without a value of a many-valued attribute ("interests known")."""

FAMILY_ERROR = 0.005
"""Bonferroni: a card's p-values are compared with FAMILY_ERROR / (number of tests on the card).
So when no attribute depends on the clusters, a card flags a value with chance at most 0.5%:
fewer than 1 false flag per 100 cards (0.05 gave 5; docs/communities.md has the measurement)."""
MIN_INDEX_GAP = 20.0
"""A significant value is also at least this far from index 100 (under 80 or over 120)."""
MIN_EFFECT = 0.25
"""... and its share differs from the audience's by Cohen's h of at least this: in a large
audience a p-value flags differences too small to describe anyone (53.5% against 44.4%, h 0.18,
had p = 1e-8). 0.25 is a little above Cohen's "small" 0.2: 50% against 62.5%, 10% against 20%,
1% against 5% pass; 45% against 55% (h 0.2, what an attribute unrelated to the communities
reached on a public graph) does not. See docs/communities.md."""
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
class Release:
    """What the report may publish of one attribute (see `suppression`).

    Attributes:
        cells: (slots, values) whether the slot's count of the value may be shown.
        totals: (values,) whether the audience's count of the value may be shown.
        denominators: (slots,) what the slot's shares are of: its members whose value is known,
            or all its members when how many lack a value may not be published.
        audience: what the audience's shares are of, likewise.
    """

    cells: np.ndarray
    totals: np.ndarray
    denominators: np.ndarray
    audience: int


@dataclass(frozen=True)
class Comparison:
    """One attribute's shares in every slot against the whole audience.

    Attributes:
        tally: the counts compared.
        release: what may be published of them.
        share: (slots, values) counts / the slot's denominator.
        baseline: (values,) the same share in the whole audience.
        index: (slots, values) 100 x share / baseline.
        p_value: (slots, values) Fisher's exact test of the slot against the rest.
        shown: (slots, values) whether privacy lets the value be shown (never under the
            minimum group size).
        candidates: (values,) values that some card could show (the audience has at least
            the minimum group size of them): the tests a card's Bonferroni correction counts.
    """

    tally: Tally
    release: Release
    share: np.ndarray
    baseline: np.ndarray
    index: np.ndarray
    p_value: np.ndarray
    shown: np.ndarray
    candidates: np.ndarray


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


def release_single(
    tally: Tally, sizes: np.ndarray, *, minimum: int, forced: frozenset[Handle], name: str
) -> Release:
    """What may be published of a single-valued attribute (age, gender, country, ...).

    Its table has the values and "unknown" as rows: each slot's column adds up to its size.
    """
    unknown = np.asarray(sizes, dtype=np.int64) - tally.known
    counts = np.vstack([tally.counts.T, unknown[None, :]])
    hidden = suppress_crossed(
        counts, minimum=minimum, forced=forced_cells(forced, name, counts.shape)
    )
    return release_of(hidden[:-1], hidden[-1], tally.known, sizes)


def release_many(
    tally: Tally, sizes: np.ndarray, *, minimum: int, forced: frozenset[Handle], name: str
) -> Release:
    """What may be published of a many-valued attribute (interests).

    Who lists any value at all is a table of its own (rows "known" and "unknown"); it decides
    the denominators, against which each count's complement is checked.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    known = np.vstack([tally.known, sizes - tally.known])
    known_table = KNOWN.format(name)
    hidden_known = suppress_crossed(
        known, minimum=minimum, forced=forced_cells(forced, known_table, known.shape)
    )
    denominators = np.where(hidden_known[1, :-1], sizes, tally.known)
    audience = int(sizes.sum() if hidden_known[1, -1] else tally.known.sum())
    counts = tally.counts.T
    hidden = suppress_rows(
        counts, denominators=denominators, audience=audience, minimum=minimum,
        forced=forced_cells(forced, name, counts.shape),
    )  # fmt: skip
    return release_of(hidden, hidden_known[1], tally.known, sizes)


def release_of(
    hidden: np.ndarray, unknown_hidden: np.ndarray, known: np.ndarray, sizes: np.ndarray
) -> Release:
    """A release from hidden (values, slots + 1) cells and the hidden unknown-count cells."""
    sizes = np.asarray(sizes, dtype=np.int64)
    return Release(
        cells=~hidden[:, :-1].T,
        totals=~hidden[:, -1],
        denominators=np.where(unknown_hidden[:-1], sizes, known),
        audience=int(sizes.sum() if unknown_hidden[-1] else known.sum()),
    )


def forced_cells(forced: frozenset[Handle], table: str, shape: tuple[int, ...]) -> np.ndarray:
    """The cells of one table (rows, slots + 1) that the audit found must be hidden."""
    mask = np.zeros((shape[0], shape[1] + 1), dtype=bool)
    for name, row, column in forced:
        if name == table:
            mask[row, column] = True
    return mask


def compare(tally: Tally, release: Release, *, min_members: int) -> Comparison:
    """Shares, baselines, indexes, p-values and privacy of one tally, for all slots."""
    totals = tally.counts.sum(axis=0)
    share = fraction(tally.counts, release.denominators[:, None])
    baseline = fraction(totals, np.full(len(totals), float(release.audience)))
    return Comparison(
        tally=tally,
        release=release,
        share=share,
        baseline=baseline,
        index=100 * fraction(share, np.broadcast_to(baseline, share.shape)),
        p_value=hypergeometric_p_values(
            tally.counts, release.denominators, totals, float(release.audience)
        ),
        shown=release.cells & (tally.counts >= max(min_members, 1)),
        candidates=totals >= max(min_members, 1),
    )


def fraction(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """The quotient as floats, 0 where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    out = np.zeros(np.broadcast_shapes(numerator.shape, np.shape(denominator)))
    np.divide(numerator, denominator, out=out, where=np.asarray(denominator) > 0)
    return out


def card_shares(
    comparisons: dict[str, Comparison],
    slot: int,
    *,
    top_values: int,
    sampled: frozenset[str] = frozenset(),
) -> tuple[dict[str, list[Share]], dict[str, int]]:
    """What one card shows of each attribute, and how many values privacy hid.

    `significant` is: p-value < FAMILY_ERROR / m, where m is the number of values of all
    attributes that a card could show (Bonferroni over the card; counted before the card's own
    counts are seen, since only values a cluster holds often enough are shown), |index - 100| >=
    MIN_INDEX_GAP, and Cohen's h of share and baseline >= MIN_EFFECT. Values are listed by
    share, except interests: significant over-represented ones first, by index, then the
    others by share. Ties go alphabetically. Shares of the `sampled` attributes carry their
    95% Wilson interval.
    """
    tests = sum(int(comparison.candidates.sum()) for comparison in comparisons.values())
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
            sampled=name in sampled,
        )
        hidden = int(((comparison.tally.counts[slot] > 0) & ~comparison.shown[slot]).sum())
        if hidden:
            suppressed[name] = hidden
    return shown, suppressed


def slot_shares(
    comparison: Comparison,
    slot: int,
    *,
    threshold: float,
    by_index: bool,
    limit: int,
    sampled: bool = False,
) -> list[Share]:
    """The slot's first `limit` shown values as `Share`s, in display order."""
    index, p_value = comparison.index[slot], comparison.p_value[slot]
    large = cohens_h(comparison.share[slot], comparison.baseline) >= MIN_EFFECT
    significant = (p_value < threshold) & (np.abs(index - 100) >= MIN_INDEX_GAP) & large
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
            interval=interval_of(
                int(comparison.tally.counts[slot, value]),
                int(comparison.release.denominators[slot]),
            )
            if sampled
            else None,
        )
        for value in candidates[order][:limit].tolist()
    ]


def interval_of(members: int, denominator: int) -> tuple[float, float]:
    """The 95% Wilson interval of members / denominator, as floats."""
    low, high = wilson_interval(members, denominator)
    return float(low), float(high)


def coverage_of(comparison: Comparison, slot: int | None, size: int) -> Coverage:
    """How many members of a slot (None: the audience) have a value, unless privacy hides it.

    The count is the share's denominator when that is the known members; when how many lack a
    value may not be published, the denominator is the size and the coverage is hidden.
    """
    tally, release = comparison.tally, comparison.release
    if slot is None:
        known, denominator = int(tally.known.sum()), release.audience
    else:
        known, denominator = int(tally.known[slot]), int(release.denominators[slot])
    if denominator != known:
        return Coverage(None, None)
    return Coverage(known, known / size if size else 0.0)
