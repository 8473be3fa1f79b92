from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pytest

from tikscope.audience.graph import Follows, follow_back_share, load_graph
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store, simulated_account_id
from tikscope.store.db import open_store

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

CONFIG = SimulationConfig(seed=5, members=20_000, posts=10, days=30, end_date=date(2026, 11, 21))
ACCOUNT = simulated_account_id(CONFIG)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("graph") / "store.duckdb"
    with open_store(path, create=True) as connection:
        simulate_into_store(connection, CONFIG)
        yield connection


def planted_roles(connection: DuckDBPyConnection) -> dict[str, np.ndarray]:
    rows = connection.execute(
        "SELECT role, list(member_key ORDER BY member_key) FROM planted_membership "
        "WHERE account_id = ? GROUP BY role",
        [ACCOUNT],
    ).fetchall()
    return {role: np.array(keys, dtype=np.int32) for role, keys in rows}


def test_load_graph_drops_exactly_the_planted_isolated_and_mass_followers(
    simulated: DuckDBPyConnection,
) -> None:
    roles = planted_roles(simulated)

    graph = load_graph(simulated, ACCOUNT)

    assert graph.dropped == {
        "mass_followers": len(roles["mass_follower"]),
        "bots": 0,
        "isolated": len(roles["isolated"]),
    }
    assert graph.dropped["mass_followers"] > 0
    assert np.array_equal(graph.member_keys, roles["regular"])
    assert graph.total_members == CONFIG.members


def test_load_graph_keeps_the_follows_among_kept_members_densely_indexed(
    simulated: DuckDBPyConnection,
) -> None:
    graph = load_graph(simulated, ACCOUNT)
    expected = simulated.execute(
        "SELECT count(*) FROM follows f "
        "JOIN planted_membership a ON a.member_key = f.follower_key "
        "JOIN planted_membership b ON b.member_key = f.followee_key "
        "WHERE f.account_id = ? AND f.followee_type = 'member' "
        "AND a.role = 'regular' AND b.role = 'regular'",
        [ACCOUNT],
    ).fetchall()[0][0]

    assert graph.sources.dtype == np.int32 and graph.targets.dtype == np.int32
    assert graph.member_keys.dtype == np.int32
    assert len(graph.sources) == len(graph.targets) == expected
    assert graph.sources.min() >= 0 and graph.sources.max() < graph.size
    assert graph.targets.min() >= 0 and graph.targets.max() < graph.size
    assert np.all(np.diff(graph.member_keys) > 0)
    follower, followee = graph.member_keys[graph.sources[0]], graph.member_keys[graph.targets[0]]
    assert simulated.execute(
        "SELECT count(*) FROM follows WHERE account_id = ? AND followee_type = 'member' "
        "AND follower_key = ? AND followee_key = ?",
        [ACCOUNT, int(follower), int(followee)],
    ).fetchall() == [(1,)]


def test_load_graph_keeps_everyone_when_every_rule_is_off(simulated: DuckDBPyConnection) -> None:
    graph = load_graph(
        simulated, ACCOUNT, drop_isolated=False, drop_mass_followers=False, drop_bots=False
    )

    assert graph.dropped == {}
    assert graph.size == graph.total_members == CONFIG.members
    assert np.array_equal(graph.member_keys, np.arange(CONFIG.members, dtype=np.int32))


def test_load_graph_counts_each_rule_it_applies(simulated: DuckDBPyConnection) -> None:
    roles = planted_roles(simulated)

    graph = load_graph(simulated, ACCOUNT, drop_mass_followers=False, drop_bots=False)

    assert graph.dropped == {"isolated": len(roles["isolated"])}
    assert graph.size == CONFIG.members - len(roles["isolated"])


def test_load_graph_of_an_unknown_account_is_empty(simulated: DuckDBPyConnection) -> None:
    graph = load_graph(simulated, "acc_nobody")

    assert (graph.size, len(graph.sources), graph.total_members) == (0, 0, 0)
    assert graph.dropped == {"mass_followers": 0, "bots": 0, "isolated": 0}


def write_audience(
    connection: DuckDBPyConnection, bios: list[str | None], follows: list[tuple[int, int]]
) -> None:
    members = pa.table(
        {
            "member_key": pa.array(range(len(bios)), pa.int32()),
            "member_id": [f"p_{key}" for key in range(len(bios))],
            "bio": pa.array(bios, pa.string()),
        }
    )
    edges = pa.table(
        {
            "follower_key": pa.array([f for f, _ in follows], pa.int32()),
            "followee_key": pa.array([t for _, t in follows], pa.int32()),
        }
    )
    connection.register("_members", members)
    connection.register("_edges", edges)
    connection.execute(
        "INSERT INTO audience_members (account_id, member_key, member_id, bio, run_id) "
        "SELECT 'acc_hand', member_key, member_id, bio, 1 FROM _members"
    )
    connection.execute(
        "INSERT INTO follows SELECT 'acc_hand', follower_key, followee_key, 'member', 1 FROM _edges"
    )


def ring_follows(members: int, *, step: int) -> list[tuple[int, int]]:
    """Each member follows the next `step` members around a ring: out-degree `step`, in too."""
    return [(key, (key + offset) % members) for key in range(members) for offset in range(1, step)]


def test_load_graph_tells_mass_followers_from_popular_members(store: DuckDBPyConnection) -> None:
    members = 3000
    follows = ring_follows(members, step=11)
    hub, mass = 0, 1
    follows += [(other, hub) for other in range(20, 2420)]  # 2,400 more followers
    follows += [(hub, other) for other in range(20, 1220)]  # follows 1,200 back
    follows += [(mass, other) for other in range(20, 1520)]  # follows 1,500, few follow back
    write_audience(store, ["plants"] * members, follows)

    graph = load_graph(store, "acc_hand")

    assert graph.dropped == {"mass_followers": 1, "bots": 0, "isolated": 0}
    assert mass not in graph.member_keys and hub in graph.member_keys


def test_load_graph_drops_members_who_follow_many_unfollowed_without_a_bio(
    store: DuckDBPyConnection,
) -> None:
    members = 200
    follows = ring_follows(members, step=4)
    follows += [(followee, follower) for follower, followee in follows]  # followed back
    bots = [200, 201, 202]
    quiet = 203  # follows 25, followed by none, but has a bio
    few = 204  # no bio, followed by none, but follows only 19
    follows += [(bot, other) for bot in bots for other in range(25)]
    follows += [(quiet, other) for other in range(25)] + [(few, other) for other in range(19)]
    bios: list[str | None] = ["plants"] * members + [None, "", "  ", "monstera", None]
    write_audience(store, bios, follows)

    graph = load_graph(store, "acc_hand")

    assert graph.dropped == {"mass_followers": 0, "bots": 3, "isolated": 0}
    assert [key for key in (*bots, quiet, few) if key in graph.member_keys] == [quiet, few]


def test_load_graph_drops_members_left_alone_by_the_other_rules(
    store: DuckDBPyConnection,
) -> None:
    ring = ring_follows(3000, step=11)
    follows = [*ring, *((b, a) for a, b in ring), *((3000, other) for other in range(1500))]
    follows.append((3001, 3000))  # only linked to the mass follower: isolated once it goes
    write_audience(store, ["plants"] * 3002, follows)

    graph = load_graph(store, "acc_hand")

    assert graph.dropped == {"mass_followers": 1, "bots": 0, "isolated": 1}
    assert graph.size == 3000


def test_load_graph_ignores_follows_of_unknown_members_and_self_follows(
    store: DuckDBPyConnection,
) -> None:
    write_audience(store, ["a", "b", "c"], [(0, 1), (1, 2), (2, 2), (2, 9), (9, 0)])
    store.execute("DELETE FROM audience_members WHERE member_key = 1")

    graph = load_graph(store, "acc_hand", drop_isolated=False)

    assert graph.member_keys.tolist() == [0, 2]
    assert (graph.sources.tolist(), graph.targets.tolist()) == ([], [])


def test_load_graph_reads_sparse_member_keys(store: DuckDBPyConnection) -> None:
    write_audience(store, ["a", "b", "c", "d"], [(0, 3), (3, 2), (2, 0)])
    store.execute("UPDATE audience_members SET member_key = member_key * 1000 + 7")
    store.execute(
        "UPDATE follows SET follower_key = follower_key * 1000 + 7, "
        "followee_key = followee_key * 1000 + 7"
    )

    graph = load_graph(store, "acc_hand")

    assert graph.member_keys.tolist() == [7, 2007, 3007]
    assert graph.dropped == {"mass_followers": 0, "bots": 0, "isolated": 1}
    pairs = {
        (int(graph.member_keys[s]), int(graph.member_keys[t]))
        for s, t in zip(graph.sources, graph.targets, strict=True)
    }
    assert pairs == {(7, 3007), (3007, 2007), (2007, 7)}


def one_way_groups(groups: int, size: int) -> list[tuple[int, int]]:
    """Groups whose members are all linked, each link written once, from the lower key."""
    return [
        (group * size + first, group * size + second)
        for group in range(groups)
        for first in range(size)
        for second in range(first + 1, size)
    ]


def test_load_graph_reads_no_bots_or_mass_followers_in_a_one_way_edge_list(
    store: DuckDBPyConnection,
) -> None:
    # Groups of 30: each group's first members follow 20+ others and nobody follows them back,
    # only because the list writes each link once, from the lower key. No member has a bio.
    write_audience(store, [None] * 120, one_way_groups(4, 30))

    graph = load_graph(store, "acc_hand")

    assert graph.dropped == {"mass_followers": 0, "bots": 0, "isolated": 0}
    assert graph.size == 120
    assert graph.notes == (
        "No mass followers were left out: no follow among members is returned "
        "(a one-way edge list).",
        "No bots were left out: no follow among members is returned (a one-way edge list).",
    )


def test_load_graph_reads_no_bots_when_the_data_has_no_bios(store: DuckDBPyConnection) -> None:
    members = 200
    follows = ring_follows(members, step=4)
    follows += [(followee, follower) for follower, followee in follows]
    follows += [(bot, other) for bot in (200, 201) for other in range(25)]
    write_audience(store, [None] * 150 + ["plants"] * 52, follows)  # 26% have a bio

    graph = load_graph(store, "acc_hand")

    assert graph.dropped == {"mass_followers": 0, "bots": 0, "isolated": 0}
    assert graph.notes == (
        "No bots were left out: only 26% of members have a bio (under 50%), so an empty one "
        "says nothing.",
    )


def test_follow_back_share_samples_large_graphs_without_bias() -> None:
    rng = np.random.default_rng(3)
    sources = rng.integers(0, 50_000, 400_000).astype(np.int32)
    targets = rng.integers(0, 50_000, 400_000).astype(np.int32)
    returned = sources % 4 == 0  # a quarter followed back: 200k of 500k follows are returned
    both = Follows(
        np.concatenate([sources, targets[returned]]), np.concatenate([targets, sources[returned]])
    )

    share = follow_back_share(both, 50_000)

    assert abs(share - 0.4) < 0.01
    assert follow_back_share(Follows(sources, targets), 50_000) < 0.001  # chance reverses only
    assert follow_back_share(both, 50_000) == share  # the same sample every time
