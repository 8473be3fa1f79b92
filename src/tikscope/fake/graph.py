"""Who follows whom, as the fake Research API tells it.

The simulator's audience members follow the account (at their `followed_at`), each other and
outside accounts (the `follows` table, which has no dates); the account itself follows the first
`following_count` outside accounts. Undated follows get a fixed pseudo-random time within the
year before the simulation ends, so lists and cursors are the same on every run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from tikscope.fake.data import epoch_seconds, member_username, midnight

if TYPE_CHECKING:
    import pyarrow as pa

    from tikscope.fake.data import FakeConfig

PersonKind = Literal["account", "member", "outside"]
YEAR_SECONDS = 365 * 86_400
PRIME = 2_147_483_647
Relation = tuple[int, str]
"""(epoch seconds the follow was made, the other user's username)."""


@dataclass(frozen=True)
class Person:
    """A TikTok user the fake knows: the account, an audience member or an outside account."""

    username: str
    display_name: str
    bio: str
    kind: PersonKind
    key: int
    country: str | None = None
    language: str | None = None
    interests: tuple[str, ...] = ()


@dataclass(frozen=True)
class FollowGraph:
    """Followers and following of every known user, newest relation first (ties by username)."""

    people: dict[str, Person]
    followers: dict[str, tuple[Relation, ...]]
    following: dict[str, tuple[Relation, ...]]


def relation_times(
    follower: np.ndarray, followee: np.ndarray, *, kind: int, seed: int, anchor: int
) -> np.ndarray:
    """Fixed pseudo-random follow times (epoch seconds) in the year before `anchor`."""
    mixed = (
        follower.astype(np.int64) * 1_000_003
        + followee.astype(np.int64) * 9_176
        + kind * 7_777_777
        + seed * 31
    ) % PRIME
    mixed = (mixed * 48_271) % PRIME
    return anchor - 1 - mixed % YEAR_SECONDS


def build_graph(
    config: FakeConfig, tables: Mapping[str, pa.Table], profile: dict[str, Any], today: date
) -> FollowGraph:
    """The follow graph as of `today`: relations made before midnight starting `today`."""
    anchor = epoch_seconds(midnight(config.end_date + timedelta(days=1)))
    cutoff = epoch_seconds(midnight(today))
    members = tables["audience_members"].to_pydict()
    outside = tables["outside_accounts"].to_pydict()
    people = known_people(config, profile, members, outside)
    member_names = {key: member_username(key) for key in members["member_key"]}
    outside_names = dict(zip(outside["outside_key"], outside["handle"], strict=True))
    edges: list[tuple[str, str, int]] = []
    for key, followed_at in zip(members["member_key"], members["followed_at"], strict=True):
        if followed_at is not None:
            edges.append((member_names[key], config.handle, epoch_seconds(followed_at)))
    chosen = np.array(sorted(outside_names)[: profile["following_count"]], dtype=np.int64)
    times = relation_times(
        np.full(len(chosen), -1), chosen, kind=2, seed=config.seed, anchor=anchor
    )
    edges += [(config.handle, outside_names[k], int(t)) for k, t in zip(chosen, times, strict=True)]
    edges += follow_edges(config, tables["follows"], member_names, outside_names, anchor)
    return index_edges(people, [edge for edge in edges if edge[2] < cutoff])


def known_people(
    config: FakeConfig,
    profile: dict[str, Any],
    members: dict[str, list[Any]],
    outside: dict[str, list[Any]],
) -> dict[str, Person]:
    """Everyone who can be looked up by username."""
    people = {
        config.handle: Person(config.handle, profile["display_name"], profile["bio"], "account", 0)
    }
    columns = ("member_key", "bio", "country", "language", "interests")
    for key, bio, country, language, interests in zip(
        *(members[column] for column in columns), strict=True
    ):
        name = member_username(key)
        people[name] = Person(
            name, f"Member {key}", bio or "", "member", key, country=country, language=language,
            interests=tuple(interests or ()),
        )  # fmt: skip
    for key, handle, category in zip(
        outside["outside_key"], outside["handle"], outside["category"], strict=True
    ):
        title = handle.replace("_", " ").replace(".", " ").title()
        people[handle] = Person(handle, title, f"{category or 'creator'} account", "outside", key)
    return people


def follow_edges(
    config: FakeConfig,
    follows: pa.Table,
    member_names: dict[int, str],
    outside_names: dict[int, str],
    anchor: int,
) -> list[tuple[str, str, int]]:
    """Member -> member and member -> outside account follows, with their fixed times."""
    follower = follows["follower_key"].to_numpy()
    followee = follows["followee_key"].to_numpy()
    is_member = np.asarray(follows["followee_type"].to_pylist(), dtype=object) == "member"
    times = relation_times(
        follower, followee + np.where(is_member, 0, 10_000_000), kind=1, seed=config.seed,
        anchor=anchor,
    )  # fmt: skip
    return [
        (member_names[int(a)], (member_names if m else outside_names)[int(b)], int(t))
        for a, b, m, t in zip(follower, followee, is_member, times, strict=True)
    ]


def index_edges(people: dict[str, Person], edges: list[tuple[str, str, int]]) -> FollowGraph:
    """Followers and following lists of everyone, newest first."""
    followers: dict[str, list[Relation]] = {}
    following: dict[str, list[Relation]] = {}
    for source, target, moment in edges:
        following.setdefault(source, []).append((moment, target))
        followers.setdefault(target, []).append((moment, source))
    return FollowGraph(people, newest_first(followers), newest_first(following))


def newest_first(lists: dict[str, list[Relation]]) -> dict[str, tuple[Relation, ...]]:
    """Each list sorted by time, newest first, ties by username."""
    return {
        name: tuple(sorted(values, key=lambda item: (-item[0], item[1])))
        for name, values in lists.items()
    }
