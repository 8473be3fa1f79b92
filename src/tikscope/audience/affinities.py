"""Affinities: the outside accounts a cluster follows far more than the whole audience.

`load_outside_follows` reads each kept member's outside follows (a `Bag` over the outside
accounts, sorted by handle) with whether each account is a public figure. `attach_affinities`
adds to every card (in either segmentation) the accounts its cluster is drawn to, and to the
summary the audience's most followed public accounts.

The statistics are the distinctive values' (`shares`): who follows an account is tallied like a
many-valued attribute, suppressed with the same primary and secondary suppression
(`shares.release_many`), and an account is an affinity of a cluster when Fisher's exact test
gives p under 0.005 / m (m: the accounts that at least the minimum group size of the audience
follows), the affinity (share in the cluster / share in the audience) is at least 1.2, and
Cohen's h at least 0.25.

Privacy: an account is named only when it is a public figure (verified, or at least
`PrivacySettings.public_followers` followers) and followed by at least the minimum group size;
every other affinity is counted on the card, never named.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from tikscope.audience.attributes import Bag
from tikscope.audience.graph import locate
from tikscope.audience.model import (
    OTHER,
    Affinity,
    AudienceAffinity,
    AudienceSummary,
    ClusterCard,
    Clustering,
    PrivacySettings,
)
from tikscope.audience.shares import (
    FAMILY_ERROR,
    MIN_EFFECT,
    MIN_INDEX_GAP,
    Comparison,
    Release,
    Tally,
    fraction,
    release_many,
    tally_bag,
)
from tikscope.audience.statistics import cohens_h, hypergeometric_p_values

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

NAME = "affinities"
TOP_AFFINITIES = 10
"""Named affinities per card, and public accounts in the summary."""

OUTSIDE_SQL = """
SELECT outside_key, handle, coalesce(verified, false) AS verified,
       coalesce(follower_count, -1) AS follower_count
FROM outside_accounts
WHERE account_id = $account_id
"""
FOLLOWS_SQL = """
SELECT follower_key, followee_key
FROM follows
WHERE account_id = $account_id AND followee_type = 'outside'
"""


@dataclass(frozen=True)
class OutsideFollows:
    """Who of the kept members follows which outside account.

    Attributes:
        follows: a row per kept member (graph order) over the accounts, sorted by handle.
        verified: (accounts,) whether the account is verified.
        followers: (accounts,) its follower count, -1 when unknown.
    """

    follows: Bag
    verified: np.ndarray
    followers: np.ndarray

    def public(self, threshold: int) -> np.ndarray:
        """(accounts,) whether each account is a public figure: verified or >= threshold."""
        return self.verified | (self.followers >= threshold)


def load_outside_follows(
    connection: DuckDBPyConnection, account_id: str, member_keys: np.ndarray
) -> OutsideFollows:
    """The outside follows of the members `member_keys` (ascending), one row each.

    Follows of members not kept, or to an account with no `outside_accounts` row, are left out;
    two keys with one handle are one account (verified if either is, the larger count).
    """
    accounts = connection.sql(OUTSIDE_SQL, params={"account_id": account_id}).fetchnumpy()
    keys = np.asarray(accounts["outside_key"], dtype=np.int64)
    handles, column = np.unique(np.asarray(accounts["handle"], dtype=object), return_inverse=True)
    verified = np.zeros(len(handles), dtype=bool)
    np.logical_or.at(verified, column, np.asarray(accounts["verified"], dtype=bool))
    followers = np.full(len(handles), -1, dtype=np.int64)
    np.maximum.at(followers, column, np.asarray(accounts["follower_count"], dtype=np.int64))
    edges = connection.sql(FOLLOWS_SQL, params={"account_id": account_id}).fetchnumpy()
    rows = locate(np.asarray(member_keys, dtype=np.int32),
                  np.asarray(edges["follower_key"], dtype=np.int32))  # fmt: skip
    order = np.argsort(keys, kind="stable")
    targets = position_of(keys[order], np.asarray(edges["followee_key"], dtype=np.int64))
    known = (rows >= 0) & (targets >= 0)
    bag = bag_of_pairs(rows[known], column[order][targets[known]], len(member_keys), handles)
    return OutsideFollows(bag, verified, followers)


def position_of(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The position of each wanted key among the sorted `keys`, or -1 where it is missing."""
    if not len(keys):
        return np.full(len(wanted), -1, dtype=np.int64)
    found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[found] == wanted, found, -1)


def bag_of_pairs(rows: np.ndarray, columns: np.ndarray, members: int, handles: np.ndarray) -> Bag:
    """A bag from (member row, account column) pairs; repeated pairs count once."""
    width = max(len(handles), 1)
    codes = np.sort(rows.astype(np.int64) * width + columns.astype(np.int64))
    # NOTE: sorted and compared with the next, not np.unique: its hash path took 0.8 s for
    # 480,000 follows, the sort 0.04 s
    codes = codes[np.append(True, codes[1:] != codes[:-1])] if len(codes) else codes
    indptr = np.zeros(members + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes // width, minlength=members), out=indptr[1:])
    return Bag(indptr, (codes % width).astype(np.int32), tuple(str(h) for h in handles))


def empty_follows(members: int) -> OutsideFollows:
    """No outside follows for `members` members."""
    bag = Bag(np.zeros(members + 1, dtype=np.int64), np.zeros(0, dtype=np.int32), ())
    return OutsideFollows(bag, np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64))


def compare_affinities(
    outside: OutsideFollows, clustering: Clustering, privacy: PrivacySettings
) -> Comparison:
    """Who follows each account in every slot (0 Other, c + 1 cluster c) against the audience."""
    slots = np.asarray(clustering.labels, dtype=np.int64) + 1
    slot_count = clustering.clusters + 1
    tally = tally_bag(outside.follows, slots, slot_count)
    sizes = np.bincount(slots, minlength=slot_count)
    minimum = privacy.min_group_size
    chosen = release_many(tally, sizes, minimum=minimum, forced=frozenset(), name=NAME)
    return compare_drawn(tally, chosen, min_members=minimum)


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


def attach_affinities(
    cards: list[ClusterCard],
    summary: AudienceSummary,
    outside: OutsideFollows,
    clustering: Clustering,
    privacy: PrivacySettings,
) -> tuple[list[ClusterCard], AudienceSummary]:
    """The cards with their affinities, and the summary with the audience's top public accounts."""
    if not len(outside.follows.vocabulary):
        return cards, summary
    comparison = compare_affinities(outside, clustering, privacy)
    public = outside.public(privacy.public_followers)
    tests = max(int(comparison.candidates.sum()), 1)
    threshold = FAMILY_ERROR / tests
    attached = []
    for card in cards:
        slot = card.cluster + 1 if card.cluster != OTHER else 0
        named, unnamed = card_affinities(comparison, slot, public, threshold=threshold)
        attached.append(replace(card, affinities=named, unnamed_affinities=unnamed))
    top, unnamed = audience_affinities(comparison, public, privacy.min_group_size)
    return attached, replace(summary, affinities=top, unnamed_affinities=unnamed)


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
