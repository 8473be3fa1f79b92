"""The cluster-level graph drawn in the Clusters Distribution Graph and exported for Gephi.

Nodes are clusters (size = members); an edge carries the follows from one cluster's members to
another's, kept when it is large enough to show and its lift says the two clusters follow each
other more than their sizes alone would predict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClusterEdge:
    """Follows between two clusters, both directions added up.

    Attributes:
        source, target: cluster labels, source < target (OTHER = -1 sorts first).
        follows: follows between members of the two clusters, either direction.
        lift: follows / the follows expected if follows ignored clusters (1 = as expected).
    """

    source: int
    target: int
    follows: int
    lift: float


def cluster_edges(
    labels: np.ndarray,
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    min_follows: int,
    min_lift: float = 1.0,
    max_edges_per_cluster: int = 3,
) -> list[ClusterEdge]:
    """Edges between clusters, pruned so the picture reads.

    Each cluster keeps at most `max_edges_per_cluster` edges with the highest lift, among those
    with at least `min_follows` follows (a privacy threshold too) and lift >= `min_lift`.
    """
    names = np.unique(labels)
    index = {int(label): position for position, label in enumerate(names)}
    position = np.searchsorted(names, labels)
    count = len(names)
    a, b = position[sources], position[targets]
    matrix = np.bincount(a * count + b, minlength=count * count).reshape(count, count)
    undirected = matrix + matrix.T
    degree = undirected.sum(axis=1) - np.diag(undirected)
    total = max(int(degree.sum()) // 2, 1)
    candidates = []
    for first in range(count):
        for second in range(first + 1, count):
            follows = int(undirected[first, second])
            expected = degree[first] * degree[second] / (2 * total)
            lift = follows / expected if expected else 0.0
            if follows >= min_follows and lift >= min_lift:
                candidates.append(ClusterEdge(int(names[first]), int(names[second]), follows, lift))
    return prune(candidates, index, max_edges_per_cluster)


def prune(
    edges: list[ClusterEdge], index: dict[int, int], max_edges_per_cluster: int
) -> list[ClusterEdge]:
    """Keep, per cluster, its strongest edges by lift; an edge stays if either end keeps it."""
    kept: set[tuple[int, int]] = set()
    for cluster in index:
        mine = [edge for edge in edges if cluster in (edge.source, edge.target)]
        mine.sort(key=lambda edge: (-edge.lift, edge.source, edge.target))
        kept.update((edge.source, edge.target) for edge in mine[:max_edges_per_cluster])
    return [edge for edge in edges if (edge.source, edge.target) in kept]


def cluster_sizes(labels: np.ndarray) -> dict[int, int]:
    """Members per cluster label, Other included when present."""
    values, counts = np.unique(labels, return_counts=True)
    return {int(value): int(count) for value, count in zip(values, counts, strict=True)}
