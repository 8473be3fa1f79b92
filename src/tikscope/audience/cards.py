"""Cluster cards: who is in each cluster, in aggregates only, and the whole audience beside them.

`load_member_attributes` (re-exported from `attributes`) reads what the cards count;
`build_cards` turns it and a clustering into one `ClusterCard` per cluster (and one for Other)
plus an `AudienceSummary`. Everything is vectorized over members and clusters: a million members
take a few seconds, nearly all of it reading and tokenizing the bios.

Privacy: every count goes through one suppression step (`release.release`) before anything is
described: no keyword or attribute value of fewer than `PrivacySettings.min_group_size` members
of a cluster is shown on its card (nor, in the summary, of the audience), and secondary
suppression hides what would let a reader recover such a count by subtracting published ones
(docs/privacy.md); how many values were hidden is counted in `suppressed`. Then `audit.audit`
checks the described report, and what it finds is withdrawn and the report described again.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tikscope.audience.affinities import OutsideFollows
from tikscope.audience.affinity_shares import describe_affinities
from tikscope.audience.attributes import MemberAttributes, load_member_attributes
from tikscope.audience.audit import Checker, audit
from tikscope.audience.keywords import KeywordScores, card_keywords
from tikscope.audience.model import (
    OTHER,
    AudienceKeyword,
    AudienceShare,
    AudienceSummary,
    ClusterCard,
    Clustering,
    ClusterSize,
    PrivacySettings,
)
from tikscope.audience.release import (
    AFFINITIES,
    ClusterCounts,
    Shown,
    count_clusters,
    members_of,
    numbers_of,
    release,
)
from tikscope.audience.shares import Comparison, Handle, card_shares, coverage_of, interval_of
from tikscope.errors import UsageError

__all__ = [
    "AudienceKeyword",
    "AudienceShare",
    "AudienceSummary",
    "ClusterSize",
    "MemberAttributes",
    "build_cards",
    "load_member_attributes",
]

DEFAULT_PRIVACY = PrivacySettings()
NAME_KEYWORDS = 3
"""How many top keywords make a cluster's default name."""
NAME_SEPARATOR = " · "
OTHER_NAME = "Other"


def build_cards(
    attributes: MemberAttributes,
    clustering: Clustering,
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    privacy: PrivacySettings = DEFAULT_PRIVACY,
    top_keywords: int = 10,
    top_values: int = 5,
    outside: OutsideFollows | None = None,
) -> tuple[list[ClusterCard], AudienceSummary]:
    """Describe every cluster, and the whole audience.

    Each cluster (and Other) is compared with the rest of the audience. Keywords: log-odds
    z-scores with an informative Dirichlet prior (`statistics.log_odds_z`), z >= 3.29. Attribute
    values: `significant` when the two-proportion p-value is under 0.005 / m, m being the number
    of values of all six attributes the card could show (Bonferroni over the card), the index
    is at least 20 away from 100, and the difference is large enough to describe anyone
    (Cohen's h of share and audience share at least 0.25; `shares.MIN_EFFECT`).

    Args:
        attributes: the members' attributes, aligned with `clustering.labels`.
        clustering: each member's cluster (0..k-1, or OTHER).
        sources: member position of the follower of each follow among members.
        targets: member position of the followed member of each follow.
        privacy: the minimum group size of anything shown.
        top_keywords: keywords per card (by z-score; see `keywords.card_keywords`) and in the
            summary (by members).
        top_values: values per attribute per card (see `shares.card_shares`) and in the summary
            (by members).
        outside: the members' outside follows: each card then lists its affinities, and the
            summary the public accounts most of the audience follows (`affinity_shares`).

    Returns:
        Cards for clusters 0..k-1 in order, then Other's (when it has members); and the summary.

    Raises:
        UsageError: the labels do not match the attributes.
    """
    slots = cluster_slots(clustering, attributes.size)
    follows = outside.follows if outside is not None and outside.follows.vocabulary else None
    counts = count_clusters(attributes, slots, clustering.clusters + 1, sources, targets,
                            privacy.min_group_size, follows)  # fmt: skip
    present = [*range(1, len(counts.sizes)), *([0] if counts.sizes[0] else [])]
    checker = Checker(members_of(attributes, counts, follows))
    forced: frozenset[Handle] = frozenset()
    while True:
        shown = release(counts, forced)
        cards = name_cards(
            [
                card_of(counts, shown, slot, top_keywords=top_keywords, top_values=top_values)
                for slot in present
            ]
        )
        summary = summarize(counts, shown, cards, top_keywords=top_keywords, top_values=top_values)
        if outside is not None and AFFINITIES in shown.comparisons:
            cards, summary = describe_affinities(
                cards, summary, shown.comparisons[AFFINITIES],
                outside.public(privacy.public_followers), minimum=privacy.min_group_size,
            )  # fmt: skip
        found = audit(
            numbers_of(counts, shown, cards, summary), checker, minimum=privacy.min_group_size
        )
        if found <= forced:
            return cards, summary
        forced |= found


def card_of(
    counts: ClusterCounts, shown: Shown, slot: int, *, top_keywords: int, top_values: int
) -> ClusterCard:
    """One slot's card, unnamed."""
    attributes, suppressed = card_shares(
        attribute_comparisons(shown), slot, top_values=top_values, sampled=counts.sampled
    )
    scores = counts.scores
    hidden_words = int(scores.rare[slot]) + int(
        ((scores.counts[slot] > 0) & ~shown.keywords[slot]).sum()
    )
    if hidden_words:
        suppressed = {"keywords": hidden_words, **suppressed}
    keywords = card_keywords(
        scores,
        slot,
        shown=shown.keywords[slot],
        limit=top_keywords,
        size=int(counts.sizes[slot]),
        audience_size=int(counts.sizes.sum()),
    )
    size = int(counts.sizes[slot])
    return ClusterCard(
        cluster=slot - 1,
        name="",
        size=size,
        share=float(size / max(counts.sizes.sum(), 1)),
        keywords=keywords,
        attributes=attributes,
        density=float(counts.following[slot] / size) if shown.density[slot] and size else None,
        suppressed=suppressed,
        coverage={
            name: coverage_of(comparison, slot, size)
            for name, comparison in shown.comparisons.items()
        },
    )


def attribute_comparisons(shown: Shown) -> dict[str, Comparison]:
    """The attributes' comparisons, without the outside follows' (cards list those apart)."""
    return {name: value for name, value in shown.comparisons.items() if name != AFFINITIES}


def cluster_slots(clustering: Clustering, members: int) -> np.ndarray:
    """int64 slot of each member: 0 for Other, label + 1 for a cluster."""
    labels = np.asarray(clustering.labels)
    if len(labels) != members:
        raise UsageError(f"{len(labels)} cluster labels for {members} members")
    if len(labels) and labels.min() < OTHER:
        raise UsageError(f"cluster labels must be {OTHER} (Other) or more, not {labels.min()}")
    return labels.astype(np.int64) + 1


def name_cards(cards: list[ClusterCard]) -> list[ClusterCard]:
    """Each card with its default name; a repeated name gets the cluster number after it."""
    used: set[str] = set()
    named = []
    for card in cards:
        name = default_name(card)
        if name in used:
            name = f"{name} ({card.cluster})"
        used.add(name)
        named.append(replace(card, name=name))
    return named


def default_name(card: ClusterCard) -> str:
    """The card's default name: Other, its top keywords joined, or its number.

    For example "Other", "monstera · plantmom · pothos", or "Cluster 3" when it has no keyword.
    Emoji keywords are left out of names: names go into pictures, whose fonts lack them.
    """
    if card.cluster == OTHER:
        return OTHER_NAME
    words = [keyword.term for keyword in card.keywords if any(c.isalnum() for c in keyword.term)]
    terms = words[:NAME_KEYWORDS]
    return NAME_SEPARATOR.join(terms) if terms else f"Cluster {card.cluster}"


def summarize(
    counts: ClusterCounts,
    shown: Shown,
    cards: list[ClusterCard],
    *,
    top_keywords: int,
    top_values: int,
) -> AudienceSummary:
    """The whole audience: most common values and words, cluster sizes, what privacy hid."""
    comparisons = attribute_comparisons(shown)
    shares = {
        name: audience_shares(comparison, limit=top_values, sampled=name in counts.sampled)
        for name, comparison in comparisons.items()
    }
    scores = counts.scores
    hidden_words = ((scores.audience > 0) & ~shown.keyword_totals).sum()
    suppressed = {"keywords": scores.audience_suppressed + int(hidden_words)}
    for name, comparison in comparisons.items():
        totals = comparison.tally.counts.sum(axis=0)
        suppressed[name] = int(((totals > 0) & ~comparison.release.totals).sum())
    size = int(counts.sizes.sum())
    return AudienceSummary(
        size=size,
        demographics={name: values for name, values in shares.items() if name != "interests"},
        keywords=audience_keywords(scores, shown.keyword_totals, limit=top_keywords, size=size),
        interests=shares["interests"],
        clusters=[ClusterSize(card.cluster, card.name, card.size, card.share) for card in cards],
        suppressed={name: count for name, count in suppressed.items() if count},
        coverage={
            name: coverage_of(comparison, None, size)
            for name, comparison in shown.comparisons.items()
        },
        profiled=counts.profiled or None,
        sampled=tuple(name for name in shown.comparisons if name in counts.sampled),
    )


def audience_shares(
    comparison: Comparison, *, limit: int, sampled: bool = False
) -> list[AudienceShare]:
    """The attribute's most common values in the whole audience, among those privacy shows.

    Values of a `sampled` attribute carry the 95% Wilson interval of their share.
    """
    totals = comparison.tally.counts.sum(axis=0)
    candidates = np.flatnonzero(comparison.release.totals & (totals > 0))
    chosen = candidates[np.lexsort((candidates, -totals[candidates]))][:limit]
    return [
        AudienceShare(
            comparison.tally.values[value],
            int(totals[value]),
            float(comparison.baseline[value]),
            interval_of(int(totals[value]), comparison.release.audience) if sampled else None,
        )
        for value in chosen.tolist()
    ]


def audience_keywords(
    scores: KeywordScores, shown: np.ndarray, *, limit: int, size: int
) -> list[AudienceKeyword]:
    """The words most members use, among those privacy shows."""
    words = np.flatnonzero(shown)
    chosen = words[np.lexsort((words, -scores.audience[words]))][:limit]
    return [
        AudienceKeyword(
            scores.terms[word],
            int(scores.audience[word]),
            float(scores.audience[word] / max(size, 1)),
        )
        for word in chosen.tolist()
    ]
