"""Clustering a large graph on a sample of its nodes (`audience.sampling`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pytest

from tikscope.audience.detection import (
    WeightedEdges,
    find_communities,
    normalized_mutual_information,
    run_leiden,
    undirected_edges,
)
from tikscope.audience.graph import load_graph
from tikscope.audience.sampling import (
    SAMPLE_ABOVE,
    SAMPLE_EDGES,
    cluster_by_sample,
    describe_sampling,
    keep_largest,
    sample_share,
    vote,
)
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store, simulated_account_id
from tikscope.store.db import open_store

if TYPE_CHECKING:
    from tikscope.audience.detection import Labels

CONFIG = SimulationConfig(seed=5, members=20_000, posts=5, days=20, end_date=date(2026, 11, 21))
ACCOUNT = simulated_account_id(CONFIG)


@pytest.fixture(scope="module")
def follows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WeightedEdges, np.ndarray]]:
    path = tmp_path_factory.mktemp("sampling") / "store.duckdb"
    with open_store(path, create=True) as connection:
        simulate_into_store(connection, CONFIG)
        graph = load_graph(connection, ACCOUNT)
        truth = connection.execute(
            "SELECT community FROM planted_membership WHERE account_id = ? ORDER BY member_key",
            [ACCOUNT],
        ).fetchnumpy()["community"]
    yield undirected_edges(graph), np.asarray(truth, dtype=np.int64)[graph.member_keys]


def leiden(edges: WeightedEdges) -> Labels:
    return run_leiden(edges, seed=3)


@pytest.mark.parametrize("share", [0.3, 0.5])
def test_cluster_by_sample_recovers_the_planted_communities(
    follows: tuple[WeightedEdges, np.ndarray], share: float
) -> None:
    edges, truth = follows
    labels = cluster_by_sample(edges, leiden, share=share, seed=3)
    assert labels.shape == (edges.nodes,)
    assert normalized_mutual_information(labels, truth) >= 0.9


def test_cluster_by_sample_is_reproducible_and_depends_on_the_seed(
    follows: tuple[WeightedEdges, np.ndarray],
) -> None:
    edges, _ = follows
    first = cluster_by_sample(edges, leiden, share=0.3, seed=3)
    again = cluster_by_sample(edges, leiden, share=0.3, seed=3)
    other = cluster_by_sample(edges, leiden, share=0.3, seed=4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_nodes_out_of_reach_of_the_sample_stay_alone() -> None:
    # two triangles; with a seed that samples no node of the second one, it cannot be reached
    edges = WeightedEdges(np.array([0, 0, 1, 3, 3, 4]), np.array([1, 2, 2, 4, 5, 5]), np.ones(6), 6)
    inside = np.random.default_rng(26).random(6) < 0.5
    assert inside[:3].all() and not inside[3:].any()
    labels = cluster_by_sample(edges, leiden, share=0.5, seed=26)
    assert len(set(labels[:3].tolist())) == 1
    assert len(set(labels[3:].tolist())) == 3
    assert not set(labels[:3].tolist()) & set(labels[3:].tolist())


def test_vote_takes_the_heaviest_community_and_leaves_unreachable_nodes() -> None:
    # node 2 is tied to community 0 by weight 1 and to community 1 by weight 3; node 4 has no
    # labelled neighbour
    edges = WeightedEdges(
        np.array([0, 1, 2, 4]), np.array([2, 2, 3, 5]), np.array([1.0, 2.0, 1.0, 1.0]), 6
    )
    labels = np.array([0, 1, -1, 1, -1, -1])
    voted = vote(edges, labels, 2, labels < 0)
    np.testing.assert_array_equal(voted, [0, 1, 1, 1, -1, -1])


def test_keep_largest_dissolves_small_communities() -> None:
    labels = np.array([2] * 5000 + [0] * 3 + [1] * 4000)
    np.testing.assert_array_equal(np.unique(keep_largest(labels, len(labels))), [-1, 0, 1])
    assert (keep_largest(labels, len(labels))[labels == 0] == -1).all()


def test_sample_share_samples_only_large_graphs() -> None:
    small = WeightedEdges(np.zeros(10, int), np.ones(10, int), np.ones(10), 2)
    assert sample_share(small) == 1.0
    assert describe_sampling(small) == ""
    size = 4 * SAMPLE_ABOVE
    large = WeightedEdges(np.zeros(size, int), np.ones(size, int), np.ones(size), 2)
    assert sample_share(large) == pytest.approx(np.sqrt(SAMPLE_EDGES / size))
    assert "random 35%" in describe_sampling(large)


def test_find_communities_does_not_sample_small_graphs(
    follows: tuple[WeightedEdges, np.ndarray],
) -> None:
    edges, truth = follows
    assert len(edges.weights) < SAMPLE_ABOVE
    assert normalized_mutual_information(find_communities(edges, seed=3), truth) >= 0.95
