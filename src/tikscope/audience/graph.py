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

MEMBERS_SQL = """
SELECT member_key, coalesce(trim(bio), '') = '' AS empty_bio
FROM audience_members
WHERE account_id = $account_id
ORDER BY member_key
"""
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
    if drop_mass_followers:
        dropped["mass_followers"] = drop(keep, find_mass_followers(out_degree, in_degree))
    if drop_bots:
        dropped["bots"] = drop(keep, find_bots(out_degree, in_degree, empty_bio))
    if drop_isolated:
        dropped["isolated"] = drop(keep, find_isolated(follows, keep))
    return reindex(keys, follows, keep, dropped)


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
    keys: NDArray[np.int32], follows: Follows, keep: BoolArray, dropped: dict[str, int]
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
    )
