"""What cards and summary say of affinities, from the released table of outside follows.

`compare_drawn` is `shares.compare` for the table of who follows which outside account (see
`audience.affinities` for the rules); `describe_affinities` lists each card's affinities,
naming only public figures, and the summary's most followed public accounts. `cards.build_cards`
calls both inside its suppression and audit loop, so the numbers they publish are audited with
the rest of the report.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tikscope.audience.model import (
    OTHER,
    Affinity,
    AudienceAffinity,
    AudienceSummary,
    ClusterCard,
)
from tikscope.audience.shares import (
    FAMILY_ERROR,
    MIN_EFFECT,
    MIN_INDEX_GAP,
    Comparison,
    Release,
    Tally,
    fraction,
)
from tikscope.audience.statistics import cohens_h, hypergeometric_p_values

TOP_AFFINITIES = 10
"""Named affinities per card, and public accounts in the summary."""


def compare_drawn(tally: Tally, release: Release, *, min_members: int) -> Comparison:
    """As `shares.compare`, but with p-values only where a cluster could be drawn to an account.

    # NOTE: scipy's hypergeometric tails cost about a millisecond a cell at 100,000 members
    (3.2 s for 9 slots × 290 accounts), and only a shown count at least MIN_INDEX_GAP over 100
    with Cohen's h at least MIN_EFFECT can be an affinity; every other cell gets p = 1.
    """
    totals = tally.counts.sum(axis=0)
    share = fraction(tally.counts, release.denominators[:, None])
    baseline = fraction(totals, np.full(len(totals), float(release.audience)))
    index = 100 * fraction(share, np.broadcast_to(baseline, share.shape))
    shown = release.cells & (tally.counts >= max(min_members, 1))
    drawn = shown & (index >= 100 + MIN_INDEX_GAP) & (cohens_h(share, baseline) >= MIN_EFFECT)
    p_value = np.ones(share.shape)
    for slot in np.flatnonzero(drawn.any(axis=1)).tolist():
        accounts = np.flatnonzero(drawn[slot])
        p_value[slot, accounts] = hypergeometric_p_values(
            tally.counts[slot : slot + 1, accounts], release.denominators[slot : slot + 1],
            totals[accounts], float(release.audience),
        )[0]  # fmt: skip
    return Comparison(tally, release, share, baseline, index, p_value, shown,
                      candidates=totals >= max(min_members, 1))  # fmt: skip


def describe_affinities(
    cards: list[ClusterCard],
    summary: AudienceSummary,
    comparison: Comparison,
    public: np.ndarray,
    *,
    minimum: int,
) -> tuple[list[ClusterCard], AudienceSummary]:
    """The cards with their affinities, and the summary with the audience's top public accounts.

    Args:
        cards: the cards, unnamed affinities and all still empty.
        summary: the summary.
        comparison: the released table of outside follows (`compare_drawn`).
        public: (accounts,) whether each account is a public figure.
        minimum: the minimum group size.
    """
    threshold = FAMILY_ERROR / max(int(comparison.candidates.sum()), 1)
    described = []
    for card in cards:
        slot = card.cluster + 1 if card.cluster != OTHER else 0
        named, unnamed = card_affinities(comparison, slot, public, threshold=threshold)
        described.append(replace(card, affinities=named, unnamed_affinities=unnamed))
    top, unnamed = audience_affinities(comparison, public, minimum)
    return described, replace(summary, affinities=top, unnamed_affinities=unnamed)


def card_affinities(
    comparison: Comparison, slot: int, public: np.ndarray, *, threshold: float
) -> tuple[list[Affinity], int]:
    """The slot's named affinities (highest affinity first) and how many others it has."""
    index, p_value = comparison.index[slot], comparison.p_value[slot]
    large = cohens_h(comparison.share[slot], comparison.baseline) >= MIN_EFFECT
    drawn = comparison.shown[slot] & (index >= 100 + MIN_INDEX_GAP)
    significant = drawn & (p_value < threshold) & large
    named = np.flatnonzero(significant & public)
    order = named[np.lexsort((named, -index[named]))][:TOP_AFFINITIES]
    affinities = [
        Affinity(
            handle=comparison.tally.values[account],
            members=int(comparison.tally.counts[slot, account]),
            share=float(comparison.share[slot, account]),
            baseline=float(comparison.baseline[account]),
            affinity=float(index[account] / 100),
            p_value=float(p_value[account]),
            significant=True,
        )
        for account in order.tolist()
    ]
    return affinities, int((significant & ~public).sum())


def audience_affinities(
    comparison: Comparison, public: np.ndarray, minimum: int
) -> tuple[list[AudienceAffinity], int]:
    """The public accounts most of the audience follows, and how many others reach `minimum`.

    The store holds no population to compare the whole audience with, so its top affinities
    are ranked by how many members follow them.
    """
    totals = comparison.tally.counts.sum(axis=0)
    followed = comparison.release.totals & (totals >= max(minimum, 1))
    named = np.flatnonzero(followed & public)
    order = named[np.lexsort((named, -totals[named]))][:TOP_AFFINITIES]
    top = [
        AudienceAffinity(
            comparison.tally.values[account],
            int(totals[account]),
            float(comparison.baseline[account]),
        )
        for account in order.tolist()
    ]
    return top, int((followed & ~public).sum())
