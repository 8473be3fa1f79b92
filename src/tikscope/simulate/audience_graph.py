"""The follow graph of a simulated audience: community sizes, roles, and who follows whom.

Everything is vectorized over members and edges; Python loops run over communities or mass
followers only, so a million members take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from tikscope.simulate.profiles import (
    LONG_TAIL_ACCOUNTS,
    LONG_TAIL_CATEGORIES,
    LONG_TAIL_ENDINGS,
    LONG_TAIL_FIRST,
    LONG_TAIL_SECOND,
    LONG_TAIL_SEPARATORS,
    POPULAR_ACCOUNTS,
    CommunityProfile,
    OutsideAccount,
)

OUTSIDE_SCHEMA = pa.schema(
    [
        ("outside_key", pa.int32()),
        ("handle", pa.string()),
        ("category", pa.string()),
        ("verified", pa.bool_()),
        ("follower_count", pa.int64()),
    ]
)
FOLLOWEE_TYPES = ("member", "outside")
FOLLOW_SCHEMA = pa.schema(
    [
        ("follower_key", pa.int32()),
        ("followee_key", pa.int32()),
        ("followee_type", pa.dictionary(pa.int8(), pa.string())),
    ]
)
MEMBERSHIP_SCHEMA = pa.schema(
    [("member_key", pa.int32()), ("community", pa.int16()), ("role", pa.string())]
)
FACT_SCHEMA = pa.schema([("name", pa.string()), ("value", pa.string())])

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

REGULAR, ISOLATED, MASS_FOLLOWER = 0, 1, 2
ROLES: tuple[str, ...] = ("regular", "isolated", "mass_follower")

SIZE_ZIPF_EXPONENT = 0.8
SIZE_JITTER = 0.25
SMALLEST_SHARE = 0.025
LARGEST_SHARE = 0.35
ISOLATED_SHARE = 0.03
MASS_FOLLOWER_SHARE = 0.0005
MASS_FOLLOWER_MINIMUM_AUDIENCE = 1000
MASS_FOLLOWING = (1000, 5000)
OUT_DEGREE_MEAN = 14.0
OUT_DEGREE_SIGMA = 0.9
OUT_DEGREE_CAP = 900
POPULARITY_TAIL = 1.7
CROSS_COMMUNITY_SHARE = 0.19
RECIPROCATED_SHARE = 0.15
SHARED_TAG_AFFINITY = 2.0
OUTSIDE_FOLLOWS_MEAN = 4.8
OUTSIDE_POOLS = (0.45, 0.30, 0.25)
"""Shares of outside follows to the community's favourites, popular accounts, the long tail."""


@dataclass(frozen=True)
class MemberEdges:
    """Deduplicated follows, sorted by (follower, followee)."""

    followers: NDArray[np.int32]
    followees: NDArray[np.int32]


@dataclass(frozen=True)
class CommunityIndex:
    """Members sorted by community, with cumulative popularity for weighted target draws."""

    order: IntArray
    starts: IntArray
    cumulative: FloatArray


def draw_community_sizes(rng: np.random.Generator, members: int, communities: int) -> IntArray:
    """Zipf-like community sizes with jitter, each share clipped to a plausible range.

    The first community (plant parents, the shop's core) tends to be the largest.
    """
    ranks = np.arange(1, communities + 1, dtype=np.float64)
    shares = ranks**-SIZE_ZIPF_EXPONENT * rng.lognormal(0.0, SIZE_JITTER, communities)
    largest = max(LARGEST_SHARE, 1.5 / communities)
    shares = clip_shares(shares / shares.sum(), SMALLEST_SHARE, largest)
    return apportion(shares, members)


def clip_shares(shares: FloatArray, smallest: float, largest: float) -> FloatArray:
    """Shares summing to one with every share in [smallest, largest], by repeated clipping."""
    for _ in range(50):
        clipped = np.clip(shares, smallest, largest)
        free = (clipped > smallest) & (clipped < largest)
        excess = 1.0 - clipped.sum()
        if abs(excess) < 1e-12 or not free.any():
            return clipped
        clipped[free] += excess * clipped[free] / clipped[free].sum()
        shares = clipped
    return shares


def apportion(shares: FloatArray, total: int) -> IntArray:
    """Integer counts summing to `total`, proportional to `shares` (largest remainders)."""
    exact = shares * total
    counts = np.floor(exact).astype(np.int64)
    remainder = total - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def assign_roles(rng: np.random.Generator, members: int) -> NDArray[np.int8]:
    """Role codes: ~3% isolated, ~0.05% mass followers (one at least from 1,000 members)."""
    isolated = round(ISOLATED_SHARE * members)
    mass = round(MASS_FOLLOWER_SHARE * members)
    mass = max(mass, 1) if members >= MASS_FOLLOWER_MINIMUM_AUDIENCE else 0
    chosen = rng.permutation(members)[: isolated + mass]
    roles = np.zeros(members, dtype=np.int8)
    roles[chosen[:isolated]] = ISOLATED
    roles[chosen[isolated:]] = MASS_FOLLOWER
    return roles


def build_affinity(profiles: tuple[CommunityProfile, ...]) -> FloatArray:
    """How much more likely a cross-community follow is between two communities (1 = baseline)."""
    affinity = np.ones((len(profiles), len(profiles)))
    for row, first in enumerate(profiles):
        for column, second in enumerate(profiles):
            affinity[row, column] += SHARED_TAG_AFFINITY * len(first.tags & second.tags)
    return affinity


def draw_categorical(
    rng: np.random.Generator, groups: NDArray[Any], weights: FloatArray
) -> IntArray:
    """One category per item, drawn from the weight row of the item's group.

    Vectorized over items: every row's cumulative distribution is shifted by its row number, so a
    single `searchsorted` of ``group + uniform`` finds the category. Rows must not be all zero.
    """
    cumulative = np.cumsum(weights, axis=1)
    cumulative /= cumulative[:, -1:]
    shifted = (cumulative + np.arange(len(weights))[:, None]).ravel()
    groups = groups.astype(np.int64)
    found = np.searchsorted(shifted, groups + rng.random(len(groups)), side="right")
    return np.minimum(found - groups * weights.shape[1], weights.shape[1] - 1)


def index_communities(
    community: NDArray[np.int16], popularity: FloatArray, count: int
) -> CommunityIndex:
    """Sort members by community and accumulate their popularity in that order."""
    order = np.argsort(community, kind="stable")
    starts = np.concatenate(([0], np.cumsum(np.bincount(community, minlength=count))))
    cumulative = np.concatenate(([0.0], np.cumsum(popularity[order])))
    return CommunityIndex(order=order, starts=starts, cumulative=cumulative)


def draw_in_community(
    rng: np.random.Generator, index: CommunityIndex, targets: IntArray
) -> IntArray:
    """A member of each target community, drawn in proportion to popularity."""
    low = index.cumulative[index.starts[:-1]][targets]
    high = index.cumulative[index.starts[1:]][targets]
    value = low + rng.random(len(targets)) * (high - low)
    position = search_in_order(index.cumulative, value) - 1
    position = np.clip(position, index.starts[targets], index.starts[targets + 1] - 1)
    return index.order[position]


def draw_member_edges(
    rng: np.random.Generator,
    *,
    community: NDArray[np.int16],
    roles: NDArray[np.int8],
    affinity: FloatArray,
) -> MemberEdges:
    """Member -> member follows with planted communities, hubs, reciprocity and mass followers."""
    members = len(community)
    popularity = (1.0 + rng.pareto(POPULARITY_TAIL, members)) * (roles != ISOLATED)
    index = index_communities(community, popularity, len(affinity))
    followers = np.repeat(np.arange(members), draw_out_degrees(rng, roles))
    targets = community[followers].astype(np.int64)
    crossing = rng.random(len(followers)) < CROSS_COMMUNITY_SHARE
    community_weight = index.cumulative[index.starts[1:]] - index.cumulative[index.starts[:-1]]
    targets[crossing] = draw_categorical(
        rng, targets[crossing], cross_weights(affinity, community_weight)
    )
    followees = draw_in_community(rng, index, targets)
    kept = (followees != followers) & (popularity[followees] > 0)
    followers, followees = followers[kept], followees[kept]
    back = rng.random(len(followers)) < RECIPROCATED_SHARE
    mass_followers, mass_followees = draw_mass_follows(rng, roles)
    return deduplicate(
        np.concatenate((followers, followees[back], mass_followers)),
        np.concatenate((followees, followers[back], mass_followees)),
        members,
    )


def draw_out_degrees(rng: np.random.Generator, roles: NDArray[np.int8]) -> IntArray:
    """Heavy-tailed (lognormal) follow counts for regular members; zero for the others."""
    mu = np.log(OUT_DEGREE_MEAN) - OUT_DEGREE_SIGMA**2 / 2
    degrees = np.rint(rng.lognormal(mu, OUT_DEGREE_SIGMA, len(roles))).astype(np.int64)
    degrees = np.clip(degrees, 1, OUT_DEGREE_CAP)
    return np.where(roles == REGULAR, degrees, 0)


def cross_weights(affinity: FloatArray, community_weight: FloatArray) -> FloatArray:
    """Where a cross-community follow lands: affinity times the target's total popularity.

    A community with nobody else to follow keeps its "cross" follows at home.
    """
    weights = affinity * community_weight[None, :]
    np.fill_diagonal(weights, 0.0)
    stranded = np.flatnonzero(weights.sum(axis=1) <= 0)
    weights[stranded, stranded] = 1.0
    return weights


def draw_mass_follows(
    rng: np.random.Generator, roles: NDArray[np.int8]
) -> tuple[IntArray, IntArray]:
    """Each mass follower follows 1,000-5,000 distinct regular members across all communities."""
    mass = np.flatnonzero(roles == MASS_FOLLOWER)
    eligible = np.flatnonzero(roles == REGULAR)
    low, high = MASS_FOLLOWING
    wanted = np.exp(rng.uniform(np.log(low), np.log(high), len(mass))).astype(np.int64)
    counts = np.minimum(wanted, len(eligible))
    # NOTE: a loop over mass followers (0.05% of members); choice() without replacement is O(count).
    chosen = [eligible[rng.choice(len(eligible), size=count, replace=False)] for count in counts]
    followees = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
    return np.repeat(mass, counts), followees


def deduplicate(followers: IntArray, followees: IntArray, width: int) -> MemberEdges:
    """Distinct edges, sorted by (follower, followee); followees are below `width`."""
    width = max(width, 1)
    # NOTE: sort and compare neighbours; np.unique hashes in numpy 2.x and is ~20x slower here.
    keys = np.sort(followers.astype(np.int64) * width + followees)
    keys = keys[np.concatenate((keys[:1] >= 0, keys[1:] != keys[:-1]))]
    return MemberEdges(
        followers=(keys // width).astype(np.int32), followees=(keys % width).astype(np.int32)
    )


def search_in_order(haystack: FloatArray, needles: FloatArray) -> IntArray:
    """``searchsorted(haystack, needles, side="right")``, faster for many unsorted needles.

    # TRICKY: binary searches in random order miss the cache on every probe; sorting the needles
    # first makes them walk the haystack once, which is twice as fast even counting the sort.
    """
    order = np.argsort(needles)
    found = np.empty(len(needles), dtype=np.int64)
    found[order] = np.searchsorted(haystack, needles[order], side="right")
    return found


def measure_mixing(edges: MemberEdges, community: NDArray[np.int16]) -> float:
    """The fraction of member -> member follows that leave the follower's community."""
    if len(edges.followers) == 0:
        return 0.0
    return float(np.mean(community[edges.followers] != community[edges.followees]))


def measure_reciprocity(edges: MemberEdges, members: int) -> float:
    """The fraction of member -> member follows that are followed back."""
    if len(edges.followers) == 0:
        return 0.0
    width = np.int64(max(members, 1))
    keys = edges.followers.astype(np.int64) * width + edges.followees
    reverse = np.sort(edges.followees.astype(np.int64) * width + edges.followers)
    position = np.minimum(np.searchsorted(keys, reverse), len(keys) - 1)
    return float(np.mean(keys[position] == reverse))


@dataclass(frozen=True)
class OutsideCatalogue:
    """Outside accounts keyed densely: popular, each community's favourites, the long tail."""

    accounts: tuple[OutsideAccount, ...]
    popular: int
    favourites: int
    communities: int

    @property
    def long_tail_start(self) -> int:
        """The key of the first long-tail account."""
        return self.popular + self.favourites * self.communities


def build_outside_catalogue(
    rng: np.random.Generator, profiles: tuple[CommunityProfile, ...]
) -> OutsideCatalogue:
    """Popular accounts, the chosen communities' favourites, and an invented long tail."""
    favourites = [account for profile in profiles for account in profile.favourites]
    known = [*POPULAR_ACCOUNTS, *favourites]
    taken = {account.handle for account in known}
    return OutsideCatalogue(
        accounts=(*known, *invent_long_tail(rng, taken, LONG_TAIL_ACCOUNTS)),
        popular=len(POPULAR_ACCOUNTS),
        favourites=len(profiles[0].favourites),
        communities=len(profiles),
    )


def invent_long_tail(rng: np.random.Generator, taken: set[str], count: int) -> list[OutsideAccount]:
    """`count` distinct invented handles such as ``cozy.nook`` or ``fernstudiohq``."""
    categories = [category for category, _ in LONG_TAIL_CATEGORIES]
    category_weights = np.array([[weight for _, weight in LONG_TAIL_CATEGORIES]])
    parts = (LONG_TAIL_FIRST, LONG_TAIL_SECOND, LONG_TAIL_SEPARATORS, LONG_TAIL_ENDINGS)
    draws = np.stack([rng.integers(0, len(part), 4 * count) for part in parts], axis=1)
    picked = draw_categorical(rng, np.zeros(4 * count, dtype=np.int64), category_weights)
    accounts: list[OutsideAccount] = []
    for (first, second, separator, ending), category in zip(draws, picked, strict=True):
        handle = LONG_TAIL_FIRST[first] + LONG_TAIL_SEPARATORS[separator]
        handle += LONG_TAIL_SECOND[second] + LONG_TAIL_ENDINGS[ending]
        if handle not in taken and len(accounts) < count:
            taken.add(handle)
            accounts.append(OutsideAccount(handle, categories[category]))
    return accounts


def draw_outside_follows(
    rng: np.random.Generator, community: NDArray[np.int16], catalogue: OutsideCatalogue
) -> MemberEdges:
    """Member -> outside follows: mostly the community's favourites and the popular accounts."""
    members = len(community)
    counts = rng.negative_binomial(2, 2 / (2 + OUTSIDE_FOLLOWS_MEAN), members)
    followers = np.repeat(np.arange(members), counts)
    pools = draw_categorical(rng, np.zeros(len(followers), np.int64), np.array([OUTSIDE_POOLS]))
    followees = np.empty(len(followers), dtype=np.int64)
    chosen = pools == 0
    favourite_weights = zipf_weights(catalogue.favourites, 1.0)
    groups = community[followers[chosen]]
    favourite = draw_categorical(rng, np.zeros(len(groups), np.int64), favourite_weights)
    followees[chosen] = catalogue.popular + groups * catalogue.favourites + favourite
    chosen = pools == 1
    popular = zipf_weights(catalogue.popular, 1.0)
    followees[chosen] = draw_categorical(rng, np.zeros(chosen.sum(), np.int64), popular)
    chosen = pools == 2
    tail = len(catalogue.accounts) - catalogue.long_tail_start
    tail_weights = 1.0 + rng.pareto(1.2, (1, tail))
    picked = draw_categorical(rng, np.zeros(chosen.sum(), np.int64), tail_weights)
    followees[chosen] = catalogue.long_tail_start + picked
    return deduplicate(followers, followees, len(catalogue.accounts))


def zipf_weights(count: int, exponent: float) -> FloatArray:
    """A (1, count) row of weights falling off as rank**-exponent."""
    return np.arange(1, count + 1, dtype=np.float64)[None, :] ** -exponent


POPULAR_FOLLOWERS = 40_000_000
"""Followers of the most popular outside account; the n-th has 1/n of them. All are verified."""
FAVOURITE_FOLLOWERS = 800_000
"""Followers of a community's first favourite (verified); the n-th has 1/n of them, but the last
favourite is a small, unverified account (`SMALL_FAVOURITE_FOLLOWERS`): a private account that
a community follows far more than the audience, which no report may name."""
SMALL_FAVOURITE_FOLLOWERS = 1_000
LONG_TAIL_FOLLOWERS = (50, 9_000)
"""The long tail's follower counts: small, unverified accounts."""


def build_outside_table(catalogue: OutsideCatalogue) -> pa.Table:
    """The ``outside_accounts`` table, with who is verified and how many follow each account.

    The counts are a function of each account's place in the catalogue (and of the handle, in
    the long tail), not random draws, so the rest of the simulation is left as it was.
    """
    accounts = catalogue.accounts
    verified, followers = public_standing(catalogue)
    columns = [
        pa.array(np.arange(len(accounts), dtype=np.int32)),
        pa.array([account.handle for account in accounts], pa.string()),
        pa.array([account.category for account in accounts], pa.string()),
        pa.array(verified, pa.bool_()),
        pa.array(followers, pa.int64()),
    ]
    return pa.Table.from_arrays(columns, schema=OUTSIDE_SCHEMA)


def public_standing(catalogue: OutsideCatalogue) -> tuple[list[bool], list[int]]:
    """Whether each catalogue account is verified, and its follower count."""
    import zlib

    verified: list[bool] = []
    followers: list[int] = []
    for key, account in enumerate(catalogue.accounts):
        if key < catalogue.popular:
            verified.append(True)
            followers.append(POPULAR_FOLLOWERS // (key + 1))
        elif key < catalogue.long_tail_start:
            rank = (key - catalogue.popular) % catalogue.favourites
            small = rank == catalogue.favourites - 1
            verified.append(rank == 0)
            followers.append(SMALL_FAVOURITE_FOLLOWERS if small
                             else FAVOURITE_FOLLOWERS // (rank + 1))  # fmt: skip
        else:
            low, high = LONG_TAIL_FOLLOWERS
            verified.append(False)
            followers.append(low + zlib.crc32(account.handle.encode()) % (high - low))
    return verified, followers


def build_follow_table(edges: MemberEdges, outside: MemberEdges) -> pa.Table:
    """The ``follows`` table: member follows first, then outside follows."""
    kinds = np.repeat(np.arange(2, dtype=np.int8), [len(edges.followers), len(outside.followers)])
    columns = [
        pa.array(np.concatenate([edges.followers, outside.followers])),
        pa.array(np.concatenate([edges.followees, outside.followees])),
        pa.DictionaryArray.from_arrays(pa.array(kinds), pa.array(FOLLOWEE_TYPES, pa.string())),
    ]
    return pa.Table.from_arrays(columns, schema=FOLLOW_SCHEMA)


def build_membership_table(community: NDArray[np.int16], roles: NDArray[np.int8]) -> pa.Table:
    """The ``planted_membership`` table."""
    columns = [
        pa.array(np.arange(len(community), dtype=np.int32)),
        pa.array(community),
        take_strings(ROLES, roles),
    ]
    return pa.Table.from_arrays(columns, schema=MEMBERSHIP_SCHEMA)


def build_fact_table(
    *,
    communities: int,
    community: NDArray[np.int16],
    roles: NDArray[np.int8],
    edges: MemberEdges,
    outside: MemberEdges,
) -> pa.Table:
    """The ``planted_facts`` table; mixing and reciprocity are measured on the edges."""
    members = len(community)
    facts = {
        "negative_control_attribute": "gender",
        "members": str(members),
        "communities": str(communities),
        "mixing": f"{measure_mixing(edges, community):.4f}",
        "reciprocity": f"{measure_reciprocity(edges, members):.4f}",
        "isolated_members": str(int(np.count_nonzero(roles == ISOLATED))),
        "mass_followers": str(int(np.count_nonzero(roles == MASS_FOLLOWER))),
        "member_edges": str(len(edges.followers)),
        "outside_edges": str(len(outside.followers)),
    }
    return pa.table({"name": list(facts), "value": list(facts.values())}, schema=FACT_SCHEMA)


def take_strings(vocabulary: tuple[str, ...], codes: NDArray[np.integer]) -> pa.Array:
    """A string array holding ``vocabulary[code]`` for every code."""
    return pa.array(vocabulary, pa.string()).take(pa.array(codes))
