"""Clusters of small audiences (a hundred to a few hundred members) and of exactly K."""

from __future__ import annotations

import numpy as np

from tikscope.audience.attributes import Bag, Categorical, MemberAttributes
from tikscope.audience.communities import detect_clusters, present_automatically
from tikscope.audience.detection import normalized_mutual_information
from tikscope.audience.model import OTHER, AudienceGraph, PrivacySettings


def planted_graph(
    sizes: list[int], *, inside: float, outside: float, seed: int
) -> tuple[AudienceGraph, np.ndarray]:
    """Members in groups of `sizes`; each follows a member of its group with chance `inside`,
    one of another group with chance `outside`. The graph and each member's group."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(len(sizes)), sizes)
    members = len(truth)
    chance = np.where(truth[:, None] == truth[None, :], inside, outside)
    follows = (rng.random((members, members)) < chance) & ~np.eye(members, dtype=bool)
    sources, targets = np.nonzero(follows)
    graph = AudienceGraph(
        np.arange(members, dtype=np.int32),
        sources.astype(np.int32),
        targets.astype(np.int32),
        {},
        members,
    )
    return graph, truth


def test_an_audience_of_about_a_hundred_members_gets_its_clusters() -> None:
    graph, truth = planted_graph([30, 25, 22, 20, 18], inside=0.3, outside=0.01, seed=1)

    clustering = detect_clusters(graph, seed=7)

    # With a fixed floor of 50 members every cluster went to Other.
    assert clustering.clusters == 5
    assert not np.any(clustering.labels == OTHER)
    assert normalized_mutual_information(truth, clustering.labels) > 0.9


def test_automatic_clusters_scale_with_the_audience_and_respect_the_privacy_floor() -> None:
    raw = np.repeat(np.arange(6), [60, 50, 40, 12, 9, 3])  # all but the last pass 2% of 174

    labels = present_automatically(raw, PrivacySettings())

    assert np.bincount(labels[labels != OTHER]).tolist() == [60, 50, 40, 12]
    assert np.count_nonzero(labels == OTHER) == 12


def test_exactly_k_clusters_even_when_leiden_finds_no_split() -> None:
    # Ten dense groups of 30: Leiden finds each whole and will not cut one of them in two.
    graph, truth = planted_graph([30] * 10, inside=0.6, outside=0.002, seed=3)

    clustering = detect_clusters(graph, seed=7, clusters=20)
    sizes = np.bincount(clustering.labels)

    assert clustering.clusters == 20
    assert not np.any(clustering.labels == OTHER)
    assert sizes.min() >= PrivacySettings().min_cluster_size
    # Every cluster is half of one group: no cluster straddles two.
    joint = np.bincount(clustering.labels * 10 + truth, minlength=200).reshape(20, 10)
    assert np.all((joint > 0).sum(axis=1) == 1)
    assert "asked for" not in clustering.reason


def test_exactly_k_says_when_the_privacy_floor_allows_fewer() -> None:
    graph, _ = planted_graph([20, 20, 20], inside=0.5, outside=0.01, seed=4)
    floor = PrivacySettings(min_cluster_size=15)

    clustering = detect_clusters(graph, seed=7, clusters=5, privacy=floor)
    everyone = detect_clusters(
        graph, seed=7, clusters=2, privacy=PrivacySettings(min_cluster_size=100)
    )

    assert np.bincount(clustering.labels).tolist() == [20, 20, 20]
    assert clustering.reason.endswith(
        "5 clusters were asked for, but only 3 of at least 15 members (the privacy floor) "
        "could be made."
    )
    assert np.all(everyone.labels == OTHER)
    assert everyone.reason.endswith(
        "2 clusters were asked for, but only 0 of at least 100 members (the privacy floor) "
        "could be made; the 60 members of smaller clusters are in Other."
    )


def no_profiles(members: int) -> MemberAttributes:
    """Attributes of members with no bio word, interest or other value."""
    empty = Bag(np.zeros(members + 1, dtype=np.int64), np.zeros(0, dtype=np.int32), ())
    unknown = Categorical(np.full(members, -1, dtype=np.int32), ())
    names = ("age", "gender", "country", "city", "language")
    return MemberAttributes(
        np.arange(members, dtype=np.int32), empty, empty, {name: unknown for name in names}
    )


def one_way(graph: AudienceGraph) -> AudienceGraph:
    """The graph with each link written once, from the lower position."""
    low = np.minimum(graph.sources, graph.targets)
    high = np.maximum(graph.sources, graph.targets)
    pairs = np.unique(np.column_stack([low, high]), axis=0)
    return AudienceGraph(
        graph.member_keys, pairs[:, 0].copy(), pairs[:, 1].copy(), {}, graph.total_members
    )


def test_a_sparse_audience_without_profiles_stays_on_follows_and_says_why() -> None:
    graph, truth = planted_graph([40] * 5, inside=0.1, outside=0.002, seed=5)

    clustering = detect_clusters(graph, seed=7, attributes=no_profiles(graph.size))

    assert clustering.mode == "follows"
    assert clustering.reason.startswith("Follows are sparse (")
    assert clustering.reason.endswith(
        "but only 0% of members have a bio word or an interest (under 50%): clustered on "
        "follows alone."
    )
    assert normalized_mutual_information(truth, clustering.labels) > 0.8


def test_a_one_way_edge_list_measures_as_dense_as_both_ways() -> None:
    graph, _ = planted_graph([40] * 5, inside=0.4, outside=0.002, seed=6)
    # Written both ways: every link a mutual follow.
    both = AudienceGraph(
        graph.member_keys,
        np.concatenate([graph.sources, graph.targets]),
        np.concatenate([graph.targets, graph.sources]),
        {},
        graph.total_members,
    )

    written_once = detect_clusters(one_way(both), seed=7, attributes=no_profiles(graph.size))
    written_twice = detect_clusters(both, seed=7, attributes=no_profiles(graph.size))

    # 200 members, about 8 links each: not sparse either way.
    assert written_once.reason == written_twice.reason
    assert written_once.reason.startswith("Clustered on follows: ")
    assert np.array_equal(written_once.labels, written_twice.labels)
