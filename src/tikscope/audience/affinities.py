"""Affinities: the outside accounts a cluster follows far more than the whole audience.

`load_outside_follows` reads each kept member's outside follows (a `Bag` over the outside
accounts, sorted by handle) with whether each account is a public figure. `cards.build_cards`
then adds to every card (in either segmentation) the accounts its cluster is drawn to, and to
the summary the audience's most followed public accounts (`affinity_shares`).

The statistics are the distinctive values' (`shares`): who follows an account is tallied like a
many-valued attribute, suppressed with the same primary and secondary suppression
(`shares.release_many`) and audited with the rest of the report (`release`, `audit`), and an
account is an affinity of a cluster when Fisher's exact test
gives p under 0.005 / m (m: the accounts that at least the minimum group size of the audience
follows), the affinity (share in the cluster / share in the audience) is at least 1.2, and
Cohen's h at least 0.25.

Privacy: an account is named only when it is a public figure (verified, or at least
`PrivacySettings.public_followers` followers) and followed by at least the minimum group size;
every other affinity is counted on the card, never named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tikscope.audience.attributes import Bag
from tikscope.audience.graph import locate

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

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
