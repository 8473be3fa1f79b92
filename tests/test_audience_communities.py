from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pytest

from tikscope.audience.attributes import MemberAttributes, load_member_attributes
from tikscope.audience.communities import (
    detect_clusters,
    merge_clusters,
    number_by_size,
    present_automatically,
)
from tikscope.audience.detection import (
    ALGORITHM,
    WeightedEdges,
    modularity,
    normalized_mutual_information,
    undirected_edges,
)
from tikscope.audience.graph import load_graph
from tikscope.audience.hybrid import SPARSE_CONNECTIONS_PER_MEMBER
from tikscope.audience.model import OTHER, AudienceGraph, Clustering, PrivacySettings
from tikscope.errors import UsageError
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store, simulated_account_id
from tikscope.store.db import open_store

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

CONFIG = SimulationConfig(seed=3, members=20_000, posts=10, days=30, end_date=date(2026, 11, 21))
ACCOUNT = simulated_account_id(CONFIG)
SPARSE_KEPT_PER_MILLE = 50  # keep 5% of member follows: about 0.8 follows per member


@dataclass(frozen=True)
class Audience:
    graph: AudienceGraph
    truth: np.ndarray  # planted community per kept member
    attributes: MemberAttributes


def read_audience(connection: DuckDBPyConnection) -> Audience:
    graph = load_graph(connection, ACCOUNT)
    truth = connection.execute(
        "SELECT community FROM planted_membership WHERE account_id = ? ORDER BY member_key",
        [ACCOUNT],
    ).fetchnumpy()["community"]
    return Audience(
        graph,
        np.asarray(truth, dtype=np.int64)[graph.member_keys],
        load_member_attributes(connection, ACCOUNT, graph.member_keys),
    )


@pytest.fixture(scope="module")
def store_connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("communities") / "store.duckdb"
    with open_store(path, create=True) as connection:
        simulate_into_store(connection, CONFIG)
        yield connection


@pytest.fixture(scope="module")
def audience(store_connection: DuckDBPyConnection) -> Audience:
    return read_audience(store_connection)


@pytest.fixture(scope="module")
def sparse_audience(store_connection: DuckDBPyConnection) -> Audience:
    store_connection.execute("CREATE TABLE kept_follows AS FROM follows")
    store_connection.execute(
        "DELETE FROM follows WHERE followee_type = 'member' "
        "AND hash(follower_key, followee_key, 17) % 1000 >= ?",
        [SPARSE_KEPT_PER_MILLE],
    )
    sparse = read_audience(store_connection)
    store_connection.execute("DELETE FROM follows")
    store_connection.execute("INSERT INTO follows FROM kept_follows")
    return sparse


@pytest.fixture(scope="module")
def automatic(audience: Audience) -> Clustering:
    return detect_clusters(audience.graph, seed=7)


def test_detect_clusters_recovers_the_planted_communities(
    audience: Audience, automatic: Clustering
) -> None:
    assert normalized_mutual_information(audience.truth, automatic.labels) >= 0.9


def test_detect_clusters_puts_each_kept_member_in_exactly_one_cluster(
    audience: Audience, automatic: Clustering
) -> None:
    labels = automatic.labels
    assert labels.dtype == np.int32 and labels.shape == (audience.graph.size,)
    assert set(np.unique(labels).tolist()) <= {OTHER, *range(automatic.clusters)}


def test_detect_clusters_presents_automatic_clusters_as_audiense_does(
    audience: Audience, automatic: Clustering
) -> None:
    sizes = np.bincount(automatic.labels[automatic.labels != OTHER])

    assert 4 <= automatic.clusters <= 10
    assert np.all(sizes > 0.02 * audience.graph.size)
    assert np.all(np.diff(sizes) <= 0)  # numbered by size, the largest 0
    assert automatic.communities >= automatic.clusters


def test_detect_clusters_says_how_it_clustered(automatic: Clustering) -> None:
    assert (automatic.mode, automatic.algorithm, automatic.seed) == ("follows", ALGORITHM, 7)
    assert automatic.reason.startswith("Clustered on follows: ")
    assert automatic.reason.endswith(
        f" connections per member >= {SPARSE_CONNECTIONS_PER_MEMBER:g}."
    )


def test_detect_clusters_beats_the_modularity_of_singletons(
    audience: Audience, automatic: Clustering
) -> None:
    edges = undirected_edges(audience.graph)
    singletons = modularity(edges, np.arange(audience.graph.size))

    assert automatic.modularity is not None
    assert automatic.modularity >= singletons
    assert automatic.modularity > 0.5


@pytest.mark.parametrize("clusters", [2, 5, 12, 20])
def test_detect_clusters_makes_exactly_the_clusters_asked_for(
    audience: Audience, clusters: int
) -> None:
    clustering = detect_clusters(audience.graph, seed=7, clusters=clusters)

    assert clustering.clusters == clusters
    assert not np.any(clustering.labels == OTHER)
    assert np.all(np.diff(np.bincount(clustering.labels)) <= 0)


def test_detect_clusters_splits_and_merges_along_the_planted_communities(
    audience: Audience, automatic: Clustering
) -> None:
    planted = int(audience.truth.max()) + 1
    fewer = detect_clusters(audience.graph, seed=7, clusters=planted - 3).labels
    more = detect_clusters(audience.graph, seed=7, clusters=planted + 4).labels

    # Fewer clusters are unions of planted communities; more split them, across no border.
    assert purity(fewer, of=audience.truth) > 0.95
    assert purity(audience.truth, of=more) > 0.95


def purity(coarse: np.ndarray, *, of: np.ndarray) -> float:
    """Share of members whose `of` group lies mostly inside their `coarse` group."""
    width = int(coarse.max()) + 2
    joint = np.bincount((of + 1) * width + coarse + 1).reshape(-1, width)
    return float(joint.max(axis=1).sum() / len(of))


def test_detect_clusters_gives_identical_labels_for_the_same_seed(
    audience: Audience, automatic: Clustering
) -> None:
    again = detect_clusters(audience.graph, seed=7)
    other_seed = detect_clusters(audience.graph, seed=8)

    assert np.array_equal(again.labels, automatic.labels)
    assert other_seed.seed == 8
    assert normalized_mutual_information(other_seed.labels, audience.truth) >= 0.9


def test_detect_clusters_folds_clusters_below_the_privacy_minimum_into_other(
    audience: Audience, automatic: Clustering
) -> None:
    sizes = np.bincount(automatic.labels[automatic.labels != OTHER])
    minimum = int(sizes[3]) + 1  # the 4th largest cluster and smaller ones are too small

    private = detect_clusters(
        audience.graph, seed=7, privacy=PrivacySettings(min_cluster_size=minimum)
    )
    exact = detect_clusters(
        audience.graph, seed=7, clusters=5, privacy=PrivacySettings(min_cluster_size=minimum)
    )
    crowded = detect_clusters(
        audience.graph, seed=7, clusters=5, privacy=PrivacySettings(min_cluster_size=6000)
    )

    assert private.clusters == 3
    assert np.array_equal(private.labels, np.where(automatic.labels < 3, automatic.labels, OTHER))
    assert exact.clusters <= 5
    assert np.all(np.bincount(exact.labels[exact.labels != OTHER]) >= minimum)
    assert 0 < crowded.clusters < 5 and not np.any(crowded.labels == OTHER)
    assert np.all(np.bincount(crowded.labels) >= 6000)
    assert crowded.reason.endswith(
        f"5 clusters were asked for, but only {crowded.clusters} of at least 6,000 members "
        "(the privacy floor) could be made."
    )


def test_detect_clusters_turns_hybrid_when_follows_are_sparse(
    sparse_audience: Audience,
) -> None:
    clustering = detect_clusters(
        sparse_audience.graph, seed=7, attributes=sparse_audience.attributes
    )
    again = detect_clusters(sparse_audience.graph, seed=7, attributes=sparse_audience.attributes)

    assert np.array_equal(again.labels, clustering.labels)
    assert clustering.mode == "hybrid"
    assert clustering.modularity is None
    assert clustering.reason.startswith("Follows are too sparse (0.")
    assert "connections per member < 5.7): bio words and interests were added." in clustering.reason
    # Measured 0.99 (20k members, 5% of follows); follows alone give 0.08.
    assert normalized_mutual_information(sparse_audience.truth, clustering.labels) >= 0.9
    assert 4 <= clustering.clusters <= 10


def test_detect_clusters_stays_on_follows_when_sparse_without_bios(
    sparse_audience: Audience,
) -> None:
    clustering = detect_clusters(sparse_audience.graph, seed=7, clusters=4)

    assert clustering.mode == "follows"
    assert clustering.reason.startswith("Follows are sparse (0.")
    assert "but no bios were given." in clustering.reason
    assert clustering.clusters == 4


def test_detect_clusters_rejects_impossible_requests(audience: Audience) -> None:
    tiny = AudienceGraph(
        np.arange(3, dtype=np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32), {}, 3
    )

    with pytest.raises(UsageError, match="between 2 and 20, not 21"):
        detect_clusters(audience.graph, clusters=21)
    with pytest.raises(UsageError, match="between 2 and 20, not 1"):
        detect_clusters(audience.graph, clusters=1)
    with pytest.raises(UsageError, match="cannot make 4 clusters of 3 members"):
        detect_clusters(tiny, clusters=4)
    with pytest.raises(UsageError, match="the seed must be 0 or more, not -1"):
        detect_clusters(tiny, seed=-1)


def test_detect_clusters_of_an_empty_or_edgeless_audience() -> None:
    empty = AudienceGraph(
        np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32), {}, 0
    )
    edgeless = AudienceGraph(
        np.arange(5, dtype=np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32), {}, 5
    )

    nothing = detect_clusters(empty)
    alone = detect_clusters(edgeless, privacy=PrivacySettings(min_cluster_size=1))
    pairs = detect_clusters(edgeless, clusters=2, privacy=PrivacySettings(min_cluster_size=1))

    assert (nothing.labels.tolist(), nothing.communities, nothing.clusters) == ([], 0, 0)
    assert (alone.labels.tolist(), alone.communities) == ([0, 1, 2, 3, 4], 5)
    assert sorted(np.bincount(pairs.labels).tolist()) == [1, 4]


def test_present_automatically_keeps_up_to_ten_clusters_above_two_percent() -> None:
    sizes = [300, 200, *[40] * 11, 3, 2]  # 11 communities of 40 pass 2% of 835
    raw = np.repeat(np.arange(len(sizes)), sizes)

    labels = present_automatically(raw, PrivacySettings(min_cluster_size=1))

    assert np.bincount(labels[labels != OTHER]).tolist() == [300, 200, *[40] * 8]
    assert np.count_nonzero(labels == OTHER) == 3 * 40 + 3 + 2


def test_present_automatically_takes_the_four_largest_when_few_pass_two_percent() -> None:
    raw = np.repeat(np.arange(7), [900, 50, 10, 10, 9, 8, 8])

    labels = present_automatically(raw, PrivacySettings(min_cluster_size=10))

    assert np.bincount(labels[labels != OTHER]).tolist() == [900, 50, 10, 10]
    assert np.count_nonzero(labels == OTHER) == 25


def test_number_by_size_numbers_clusters_largest_first() -> None:
    labels = np.array([5, 5, 2, OTHER, 2, 2, 9, OTHER])

    assert number_by_size(labels).tolist() == [1, 1, 0, OTHER, 0, 0, 2, OTHER]
    assert number_by_size(np.array([OTHER, OTHER])).tolist() == [OTHER, OTHER]


def test_merge_clusters_folds_clusters_into_one() -> None:
    labels = np.array([0, 1, 2, 3, OTHER, 2, 1])

    assert merge_clusters(labels, 1, [3, 2]).tolist() == [0, 1, 1, 1, OTHER, 1, 1]
    assert merge_clusters(labels, OTHER, [0]).tolist() == [OTHER, 1, 2, 3, OTHER, 2, 1]
    # Three clusters of two members each: ties keep the old order.
    assert number_by_size(merge_clusters(labels, 3, [0])).tolist() == [
        2, 0, 1, 2, OTHER, 1, 0,
    ]  # fmt: skip


def test_merge_clusters_rejects_unknown_clusters() -> None:
    labels = np.array([0, 1, OTHER])

    with pytest.raises(UsageError, match="no cluster 4 in these labels"):
        merge_clusters(labels, 0, [4])
    with pytest.raises(UsageError, match="cannot merge Other, or a cluster into itself"):
        merge_clusters(labels, 0, [0, 1])
    with pytest.raises(UsageError, match="cannot merge Other"):
        merge_clusters(labels, 0, [OTHER])


def test_modularity_of_two_triangles() -> None:
    edges = WeightedEdges(
        np.array([0, 0, 1, 3, 3, 4, 2]),
        np.array([1, 2, 2, 4, 5, 5, 3]),
        np.ones(7),
        6,
    )

    # Two triangles joined by one edge: Q = 2 * (3/7 - (7/14)^2) = 5/14.
    assert modularity(edges, np.array([0, 0, 0, 1, 1, 1])) == pytest.approx(5 / 14)
    assert modularity(edges, np.zeros(6, dtype=np.int64)) == pytest.approx(0.0)
