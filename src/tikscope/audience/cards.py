"""Cluster cards: who is in each cluster, in aggregates only, and the whole audience beside them.

`load_member_attributes` (re-exported from `attributes`) reads what the cards count;
`build_cards` turns it and a clustering into one `ClusterCard` per cluster (and one for Other)
plus an `AudienceSummary`. Everything is vectorized over members and clusters: a million members
take a few seconds, nearly all of it reading and tokenizing the bios.

Privacy: no keyword or attribute value used by fewer than `PrivacySettings.min_group_size`
members of a cluster is shown on its card (nor, in the summary, of the audience); how many were
hidden is counted in `suppressed`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from tikscope.audience.attributes import MemberAttributes, load_member_attributes
from tikscope.audience.keywords import KeywordScores, card_keywords, score_keywords
from tikscope.audience.model import OTHER, ClusterCard, Clustering, PrivacySettings
from tikscope.audience.shares import (
    Comparison,
    card_shares,
    compare,
    fraction,
    tally_attributes,
)
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
FOLLOW_BLOCK = 1 << 22


@dataclass(frozen=True)
class AudienceShare:
    """One value of one attribute in the whole audience.

    Attributes:
        value: e.g. "ES", "25-34", "gardening".
        members: members with this value.
        share: members / members whose value is known (0-1).
    """

    value: str
    members: int
    share: float


@dataclass(frozen=True)
class AudienceKeyword:
    """A bio word of the whole audience.

    Attributes:
        term: the word or emoji.
        members: distinct members using it.
        share: members / audience size.
    """

    term: str
    members: int
    share: float


@dataclass(frozen=True)
class ClusterSize:
    """A cluster's size in the audience (cluster is OTHER for Other)."""

    cluster: int
    name: str
    size: int
    share: float


@dataclass(frozen=True)
class AudienceSummary:
    """The whole (kept) audience, under the same privacy threshold as the cards.

    Attributes:
        size: members described.
        demographics: "age", "gender", "country", "city", "language": the most common values.
        keywords: the bio words used by most members.
        interests: the most listed interests.
        clusters: each card's cluster, name, size and share, in card order.
        suppressed: values and words hidden because fewer than `min_group_size` members have them.
    """

    size: int
    demographics: dict[str, list[AudienceShare]]
    keywords: list[AudienceKeyword]
    interests: list[AudienceShare]
    clusters: list[ClusterSize]
    suppressed: dict[str, int] = field(default_factory=dict)


def build_cards(
    attributes: MemberAttributes,
    clustering: Clustering,
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    privacy: PrivacySettings = DEFAULT_PRIVACY,
    top_keywords: int = 10,
    top_values: int = 5,
) -> tuple[list[ClusterCard], AudienceSummary]:
    """Describe every cluster, and the whole audience.

    Each cluster (and Other) is compared with the rest of the audience. Keywords: log-odds
    z-scores with an informative Dirichlet prior (`statistics.log_odds_z`), z >= 3.29. Attribute
    values: `significant` when the two-proportion p-value is under 0.05 / m, m being the number of
    values of all six attributes the card could show (Bonferroni over the card), and the index
    is at least 20 away from 100.

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

    Returns:
        Cards for clusters 0..k-1 in order, then Other's (when it has members); and the summary.

    Raises:
        UsageError: the labels do not match the attributes.
    """
    slots = cluster_slots(clustering, attributes.size)
    counts = count_clusters(
        attributes, slots, clustering.clusters + 1, sources, targets, privacy.min_group_size
    )
    present = [*range(1, len(counts.sizes)), *([0] if counts.sizes[0] else [])]
    cards = name_cards(
        [
            card_of(counts, slot, top_keywords=top_keywords, top_values=top_values)
            for slot in present
        ]
    )
    return cards, summarize(counts, cards, top_keywords=top_keywords, top_values=top_values)


@dataclass(frozen=True)
class ClusterCounts:
    """Everything the cards and summary are cut from, per slot (0 is Other, c + 1 cluster c).

    Attributes:
        scores: bio word counts and z-scores.
        comparisons: interests, age, gender, country, city and language shares and tests.
        sizes: (slots,) members.
        density: (slots,) share of members following another member of the slot.
        min_members: the privacy threshold.
    """

    scores: KeywordScores
    comparisons: dict[str, Comparison]
    sizes: np.ndarray
    density: np.ndarray
    min_members: int


def count_clusters(
    attributes: MemberAttributes,
    slots: np.ndarray,
    slot_count: int,
    sources: np.ndarray,
    targets: np.ndarray,
    min_members: int,
) -> ClusterCounts:
    """Count words, values and follows of every slot at once."""
    sizes = np.bincount(slots, minlength=slot_count)
    return ClusterCounts(
        scores=score_keywords(attributes.words, slots, slot_count, min_members=min_members),
        comparisons={
            name: compare(tally, min_members=min_members)
            for name, tally in tally_attributes(attributes, slots, slot_count).items()
        },
        sizes=sizes,
        density=follow_density(slots, sources, targets, sizes),
        min_members=min_members,
    )


def card_of(counts: ClusterCounts, slot: int, *, top_keywords: int, top_values: int) -> ClusterCard:
    """One slot's card, unnamed."""
    shown, suppressed = card_shares(counts.comparisons, slot, top_values=top_values)
    if counts.scores.suppressed[slot]:
        suppressed = {"keywords": int(counts.scores.suppressed[slot]), **suppressed}
    keywords = card_keywords(
        counts.scores,
        slot,
        limit=top_keywords,
        min_members=counts.min_members,
        size=int(counts.sizes[slot]),
        audience_size=int(counts.sizes.sum()),
    )
    return ClusterCard(
        cluster=slot - 1,
        name="",
        size=int(counts.sizes[slot]),
        share=float(counts.sizes[slot] / max(counts.sizes.sum(), 1)),
        keywords=keywords,
        attributes=shown,
        density=float(counts.density[slot]),
        suppressed=suppressed,
    )


def cluster_slots(clustering: Clustering, members: int) -> np.ndarray:
    """int64 slot of each member: 0 for Other, label + 1 for a cluster."""
    labels = np.asarray(clustering.labels)
    if len(labels) != members:
        raise UsageError(f"{len(labels)} cluster labels for {members} members")
    if len(labels) and labels.min() < OTHER:
        raise UsageError(f"cluster labels must be {OTHER} (Other) or more, not {labels.min()}")
    return labels.astype(np.int64) + 1


def follow_density(
    slots: np.ndarray, sources: np.ndarray, targets: np.ndarray, sizes: np.ndarray
) -> np.ndarray:
    """Per slot, the share of its members who follow at least one other member of it."""
    sources = np.asarray(sources, dtype=np.int32)
    targets = np.asarray(targets, dtype=np.int32)
    small = slots.astype(np.int32)
    follows_inside = np.zeros(len(slots), dtype=bool)
    # Blocks of follows keep the temporaries small: a million members can have 20M follows.
    for start in range(0, len(sources), FOLLOW_BLOCK):
        block = slice(start, start + FOLLOW_BLOCK)
        source, target = sources[block], targets[block]
        follows_inside[source[(small[source] == small[target]) & (source != target)]] = True
    return fraction(np.bincount(slots[follows_inside], minlength=len(sizes)), sizes)


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
    counts: ClusterCounts, cards: list[ClusterCard], *, top_keywords: int, top_values: int
) -> AudienceSummary:
    """The whole audience: most common values and words, cluster sizes, what privacy hid."""
    minimum = counts.min_members
    shares = {
        name: audience_shares(comparison, limit=top_values, min_members=minimum)
        for name, comparison in counts.comparisons.items()
    }
    suppressed = {"keywords": counts.scores.audience_suppressed}
    for name, comparison in counts.comparisons.items():
        totals = comparison.tally.counts.sum(axis=0)
        suppressed[name] = int(((totals > 0) & (totals < minimum)).sum())
    size = int(counts.sizes.sum())
    return AudienceSummary(
        size=size,
        demographics={name: values for name, values in shares.items() if name != "interests"},
        keywords=audience_keywords(counts.scores, limit=top_keywords, size=size),
        interests=shares["interests"],
        clusters=[ClusterSize(card.cluster, card.name, card.size, card.share) for card in cards],
        suppressed={name: count for name, count in suppressed.items() if count},
    )


def audience_shares(comparison: Comparison, *, limit: int, min_members: int) -> list[AudienceShare]:
    """The attribute's most common values in the whole audience, above the privacy threshold."""
    totals = comparison.tally.counts.sum(axis=0)
    candidates = np.flatnonzero(totals >= max(min_members, 1))
    chosen = candidates[np.lexsort((candidates, -totals[candidates]))][:limit]
    return [
        AudienceShare(
            comparison.tally.values[value], int(totals[value]), float(comparison.baseline[value])
        )
        for value in chosen.tolist()
    ]


def audience_keywords(scores: KeywordScores, *, limit: int, size: int) -> list[AudienceKeyword]:
    """The words most members use (all of `scores.terms` pass the privacy threshold)."""
    words = np.arange(len(scores.terms))
    chosen = words[np.lexsort((words, -scores.audience))][:limit]
    return [
        AudienceKeyword(
            scores.terms[word],
            int(scores.audience[word]),
            float(scores.audience[word] / max(size, 1)),
        )
        for word in chosen.tolist()
    ]
