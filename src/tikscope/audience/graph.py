"""The follow graph among an account's audience members, read from the store, noise left out.

`load_graph` reads member keys and member -> member follows with DuckDB straight into numpy and
never loops over edges in Python: a million members and 17M follows load in a few seconds.

Three kinds of members are left out before clustering, each counted in `AudienceGraph.dropped`
(a member is counted once, under the first rule that drops it, in this order):

- ``mass_followers``: follow more than ``max(1000, 50 × median out-degree)`` members, and more
  than twice as many members as follow them. Follow-for-follow accounts follow across every
  community and would glue them together. The second condition keeps popular hubs, who follow
  back a share of their thousands of followers. In the simulator it catches exactly the planted
  ``mass_follower`` role (1,000-5,000 follows each, out/in ratio 11 or more) at 20k to 1M
  members, and none of the regular members (hubs reach 1,800 follows at 1M, with 6× as many
  followers).
- ``bots``: follow at least 20 members, are followed by none, and have an empty bio. A quarter
  of simulated members follow 20 or more; a real member that active is nearly always followed
  back by someone, or says something about themselves. The simulator plants no bots: the rule
  drops nobody there (its 58 followed-by-none members at 1M follow 15 or fewer); the tests
  plant some.
- ``isolated``: no follow in or out with another kept member, so nothing places them in a
  community. Checked last, so a member whose only follows were with dropped members counts
  here too. In the simulator it catches exactly the planted ``isolated`` role.

The first two rules are decided on what the data holds (`data_signals`). Both read "followed by
none" or "followed by few" as a sign, which only a list that records follows back can give: in a
one-way edge list (each link written once, as exported graphs often are) a member's in-degree
depends on which end the file wrote first. So when fewer than `MINIMUM_FOLLOW_BACK_SHARE` of the
follows among members are returned, neither rule is applied. The bot rule also reads an empty
bio as a sign, which it is only when most members have one: with bios for fewer than
`MINIMUM_BIO_SHARE` of the members (a members file without a `bio` column) it is not applied
either. `AudienceGraph.notes` says which rule was skipped and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from tikscope.audience.model import AudienceGraph

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

MASS_FOLLOWER_MINIMUM = 1000
"""A mass follower follows more than this many members, whatever the median."""
MASS_FOLLOWER_MEDIANS = 50
"""... and more than this many times the median out-degree of members who follow anyone."""
MASS_FOLLOWER_RATIO = 2
"""... and more than this many times as many members as follow them."""
BOT_MINIMUM_FOLLOWS = 20
"""A bot follows at least this many members, is followed by none, and has an empty bio."""
MINIMUM_FOLLOW_BACK_SHARE = 0.05
"""Rules that read in-degrees need at least this share of member follows to be mutual. A one-way
edge list has none; the simulator has 26% at a million members, and Twitter's follow graph had
22% (Kwak et al. 2010)."""
MINIMUM_BIO_SHARE = 0.5
"""The bot rule reads an empty bio as a sign only when at least this share of members has one."""

MEMBERS_SQL = """
SELECT member_key, coalesce(trim(bio), '') = '' AS empty_bio
FROM audience_members
WHERE account_id = $account_id
ORDER BY member_key
"""
FOLLOW_BACK_SAMPLE = 200_000
"""About this many follows at most are checked for a follow back (a fixed, hashed share)."""
PAIR_HASH = np.uint32(2654435761)
"""Knuth's multiplicative hash: spreads `follower ^ followee` before the sample takes 1 in n."""
FOLLOWS_SQL = """
SELECT follower_key, followee_key
FROM follows
WHERE account_id = $account_id AND followee_type = 'member' AND follower_key <> followee_key
"""

IntArray = NDArray[np.int32]
Degrees = NDArray[np.intp]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Follows:
    """Member -> member follows as positions into the sorted member keys."""

    sources: IntArray
    targets: IntArray


def load_graph(
    connection: DuckDBPyConnection,
    account_id: str,
    *,
    drop_isolated: bool = True,
    drop_mass_followers: bool = True,
    drop_bots: bool = True,
) -> AudienceGraph:
    """The account's audience members and the follows among them, noise left out.

    Args:
        connection: an open store.
        account_id: whose audience.
        drop_isolated: leave out members with no follow in or out with another kept member.
        drop_mass_followers: leave out members who follow far more members than the rest.
        drop_bots: leave out members who follow many, are followed by none and have no bio.

    Returns:
        The kept members (ascending `member_key`) and the follows among them, with positions
        re-indexed densely; `dropped` counts each enabled rule, zero included.
    """
    members = connection.sql(MEMBERS_SQL, params={"account_id": account_id}).fetchnumpy()
    keys = np.asarray(members["member_key"], dtype=np.int32)
    empty_bio = np.asarray(members["empty_bio"], dtype=bool)
    follows = read_follows(connection, account_id, keys)
    out_degree = np.bincount(follows.sources, minlength=len(keys))
    in_degree = np.bincount(follows.targets, minlength=len(keys))
    keep = np.ones(len(keys), dtype=bool)
    dropped: dict[str, int] = {}
    signals = DataSignals(
        follow_back_share(follows, len(keys)),
        float((~empty_bio).mean()) if len(empty_bio) else 0.0,
    )
    notes = []
    if drop_mass_followers:
        found = find_mass_followers(out_degree, in_degree)
        if signals.follow_backs:
            dropped["mass_followers"] = drop(keep, found)
        else:
            dropped["mass_followers"] = 0
            notes.append(f"No mass followers were left out: {signals.describe_follow_backs()}.")
    if drop_bots:
        found = find_bots(out_degree, in_degree, empty_bio)
        if signals.follow_backs and signals.bios:
            dropped["bots"] = drop(keep, found)
        else:
            dropped["bots"] = 0
            why = (
                signals.describe_bios()
                if signals.follow_backs
                else (signals.describe_follow_backs())
            )
            notes.append(f"No bots were left out: {why}.")
    if drop_isolated:
        dropped["isolated"] = drop(keep, find_isolated(follows, keep))
    return reindex(keys, follows, keep, dropped, tuple(notes))


@dataclass(frozen=True)
class DataSignals:
    """What the audience's data can tell about its members.

    Attributes:
        follow_back_share: share of member -> member follows that are returned.
        bio_share: share of members with a non-empty bio.
    """

    follow_back_share: float
    bio_share: float

    @property
    def follow_backs(self) -> bool:
        """Whether follows back are recorded: in-degrees mean something."""
        return self.follow_back_share >= MINIMUM_FOLLOW_BACK_SHARE

    @property
    def bios(self) -> bool:
        """Whether bios are in the data: an empty one means something."""
        return self.bio_share >= MINIMUM_BIO_SHARE

    def describe_follow_backs(self) -> str:
        """Why in-degrees were not read, in words."""
        if self.follow_back_share == 0:
            return "no follow among members is returned (a one-way edge list)"
        return (
            f"only {self.follow_back_share:.1%} of follows among members are returned "
            f"(under {MINIMUM_FOLLOW_BACK_SHARE:.0%}), so who follows whom back is not recorded"
        )

    def describe_bios(self) -> str:
        """Why empty bios were not read, in words."""
        return (
            f"only {self.bio_share:.0%} of members have a bio (under {MINIMUM_BIO_SHARE:.0%}), "
            "so an empty one says nothing"
        )


def follow_back_share(follows: Follows, members: int) -> float:
    """The share of member -> member follows whose reverse is among the follows too.

    Above `FOLLOW_BACK_SAMPLE` follows, the follows of a fixed share of member pairs (chosen by
    a hash that is the same both ways, so a follow and its reverse are both in or both out) are
    checked: the same store gives the same figure, and 15M follows take well under a second.
    """
    if not len(follows.sources):
        return 0.0
    sources = np.asarray(follows.sources, dtype=np.int32)
    targets = np.asarray(follows.targets, dtype=np.int32)
    every = max(1, len(sources) // FOLLOW_BACK_SAMPLE)
    if every > 1:
        # NOTE: `^` is symmetric, so a follow and its reverse are chosen together; in 32 bits,
        # where the multiplication wraps, this is a few tenths of a second for 15M follows.
        mixed = (sources ^ targets).view(np.uint32) * PAIR_HASH
        chosen = (mixed >> np.uint32(8)) % np.uint32(every) == 0
        sources, targets = sources[chosen], targets[chosen]
    width = np.int64(max(members, 1))
    sources, targets = sources.astype(np.int64), targets.astype(np.int64)
    forward = np.unique(sources * width + targets)
    if not len(forward):
        return 0.0
    backward = (forward % width) * width + forward // width
    return float(np.isin(backward, forward).sum() / len(forward))


def read_follows(
    connection: DuckDBPyConnection, account_id: str, keys: NDArray[np.int32]
) -> Follows:
    """The member -> member follows of the account, as positions into the sorted `keys`.

    Follows that name a member key with no `audience_members` row are left out.
    """
    edges = connection.sql(FOLLOWS_SQL, params={"account_id": account_id}).fetchnumpy()
    sources = locate(keys, np.asarray(edges["follower_key"], dtype=np.int32))
    targets = locate(keys, np.asarray(edges["followee_key"], dtype=np.int32))
    known = (sources >= 0) & (targets >= 0)
    if not known.all():
        sources, targets = sources[known], targets[known]
    return Follows(sources=sources, targets=targets)


def locate(keys: NDArray[np.int32], wanted: IntArray) -> IntArray:
    """The position of each wanted key among the sorted `keys`, or -1 where it is missing."""
    if not len(keys):
        return np.full(len(wanted), -1, dtype=np.int32)
    if int(keys[0]) == 0 and int(keys[-1]) == len(keys) - 1:
        # Keys are 0..n-1 (as the simulator writes them): a key is its own position.
        known = (wanted >= 0) & (wanted < len(keys))
        return wanted if known.all() else np.where(known, wanted, np.int32(-1))
    found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1).astype(np.int32)
    return np.where(keys[found] == wanted, found, np.int32(-1))


def find_mass_followers(out_degree: Degrees, in_degree: Degrees) -> BoolArray:
    """Members who follow far more members than the rest, and far more than follow them."""
    following = out_degree[out_degree > 0]
    median = float(np.median(following)) if len(following) else 0.0
    threshold = max(MASS_FOLLOWER_MINIMUM, MASS_FOLLOWER_MEDIANS * median)
    found: BoolArray = (out_degree > threshold) & (out_degree > MASS_FOLLOWER_RATIO * in_degree)
    return found


def find_bots(out_degree: Degrees, in_degree: Degrees, empty_bio: BoolArray) -> BoolArray:
    """Members who follow many members, are followed by none, and say nothing in their bio."""
    found: BoolArray = (out_degree >= BOT_MINIMUM_FOLLOWS) & (in_degree == 0) & empty_bio
    return found


def find_isolated(follows: Follows, keep: BoolArray) -> BoolArray:
    """Kept members with no follow in or out with another kept member."""
    kept = keep[follows.sources] & keep[follows.targets]
    touched = np.zeros(len(keep), dtype=bool)
    touched[follows.sources[kept]] = True
    touched[follows.targets[kept]] = True
    found: BoolArray = keep & ~touched
    return found


def drop(keep: BoolArray, found: BoolArray) -> int:
    """Clear `keep` where `found` and count the members newly dropped."""
    newly = keep & found
    keep[newly] = False
    return int(newly.sum())


def reindex(
    keys: NDArray[np.int32],
    follows: Follows,
    keep: BoolArray,
    dropped: dict[str, int],
    notes: tuple[str, ...] = (),
) -> AudienceGraph:
    """The kept members and the follows among them, positions renumbered densely."""
    position = np.cumsum(keep, dtype=np.int32) - 1
    kept = keep[follows.sources] & keep[follows.targets]
    return AudienceGraph(
        member_keys=keys[keep],
        sources=position[follows.sources[kept]],
        targets=position[follows.targets[kept]],
        dropped=dropped,
        total_members=len(keys),
        notes=notes,
    )
