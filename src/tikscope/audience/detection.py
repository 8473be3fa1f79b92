"""Raw communities of an undirected weighted graph: networkit's Leiden, then a split check.

Follows become undirected edges, weight 2 where the follow is mutual. `find_communities` runs
networkit's ParallelLeiden on one thread (the only reproducible setting: with two threads the same
seed gives different partitions), then checks each large community for a split that raises the
modularity of the whole graph. See docs/communities.md for the measurements behind the choice.

# NOTE: at a million members Leiden settles, for about half of the seeds, in a local optimum that
# fuses two planted communities (modularity 0.596-0.600 against 0.621). The split check re-runs
# Leiden inside each large community and regroups the pieces greedily by the modularity of the
# whole graph, which separates fused communities and leaves sound ones whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tikscope.audience.model import AudienceGraph
from tikscope.errors import UsageError

ALGORITHM = "networkit Leiden (1 thread) + split check"
SPLIT_MINIMUM_SHARE = 0.01
"""Communities of at least this share of the nodes are checked for a split."""
SPLIT_MINIMUM_NODES = 20
SPLIT_MAXIMUM_CHECKS = 40
REGROUP_MAXIMUM_PIECES = 256
"""A community that Leiden cuts into more pieces than this is left whole (regrouping is cubic)."""

Labels = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class WeightedEdges:
    """An undirected weighted graph: each edge once, ``first < second``.

    Attributes:
        first, second: int64 node positions.
        weights: float64, one per edge.
        nodes: number of nodes (positions 0..nodes-1, some maybe without edges).
    """

    first: Labels
    second: Labels
    weights: Floats
    nodes: int

    @property
    def degrees(self) -> Floats:
        """Weighted degree of each node."""
        return add_up(self.first, self.weights, self.nodes) + add_up(
            self.second, self.weights, self.nodes
        )


def add_up(groups: Labels, weights: Floats, count: int) -> Floats:
    """The sum of the weights in each group 0..count-1."""
    return np.asarray(np.bincount(groups, weights, count), dtype=np.float64)


def undirected_edges(graph: AudienceGraph) -> WeightedEdges:
    """The follows as undirected edges: weight 1, or 2 where both members follow each other."""
    return combine_edges(
        graph.sources.astype(np.int64), graph.targets.astype(np.int64), None, graph.size
    )


def combine_edges(
    first: Labels, second: Labels, weights: Floats | None, nodes: int
) -> WeightedEdges:
    """Undirected edges from pairs in any direction; repeats add up, self-loops are dropped.

    The result is sorted by (first, second), so its order does not depend on the input order.
    """
    width = max(nodes, 1)
    keys = np.minimum(first, second) * width + np.maximum(first, second)
    proper = first != second
    # NOTE: sort and compare neighbours; np.unique hashes in numpy 2.x and is slower here.
    if weights is None:
        keys = np.sort(keys[proper])
    else:
        order = np.argsort(keys[proper], kind="stable")
        keys, values = keys[proper][order], weights[proper][order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))[: len(keys)])
    if weights is None:
        summed = np.diff(np.append(starts, len(keys))).astype(np.float64)
    else:
        summed = np.add.reduceat(values, starts) if len(keys) else np.zeros(0)
    distinct = keys[starts]
    return WeightedEdges(distinct // width, distinct % width, summed.astype(np.float64), nodes)


def modularity(edges: WeightedEdges, labels: Labels, *, resolution: float = 1.0) -> float:
    """Newman's modularity of a partition of the weighted graph (0 for a graph with no edges).

    Args:
        edges: the graph.
        labels: a community per node; any integers.
        resolution: gamma of the multi-resolution modularity; 1 is the standard one.
    """
    total = float(edges.weights.sum())
    if total <= 0:
        return 0.0
    labels = np.unique(labels, return_inverse=True)[1]
    count = int(labels.max()) + 1 if len(labels) else 0
    inside = labels[edges.first] == labels[edges.second]
    internal = add_up(labels[edges.first[inside]], edges.weights[inside], count)
    degree = add_up(labels, edges.degrees, count)
    return float((internal / total - resolution * (degree / (2 * total)) ** 2).sum())


def normalized_mutual_information(first: NDArray[np.integer], second: NDArray[np.integer]) -> float:
    """NMI of two labelings of the same nodes (arithmetic normalization, as scikit-learn's).

    Every distinct label is a group, `OTHER` included. 1 means the same partition; two
    one-group labelings count as identical (1.0).
    """
    if len(first) != len(second):
        raise UsageError(f"cannot compare {len(first)} labels with {len(second)}")
    left = np.unique(first, return_inverse=True)[1]
    right = np.unique(second, return_inverse=True)[1]
    if not len(left):
        return 1.0
    width = int(right.max()) + 1
    joint = np.bincount(left * width + right).astype(np.float64) / len(left)
    joint = joint[joint > 0]
    codes = np.flatnonzero(np.bincount(left * width + right))
    left_share = np.bincount(left) / len(left)
    right_share = np.bincount(right) / len(right)
    expected = left_share[codes // width] * right_share[codes % width]
    information = float(np.sum(joint * np.log(joint / expected)))
    entropies = entropy(left_share) + entropy(right_share)
    return 1.0 if entropies <= 0 else max(0.0, 2 * information / entropies)


def entropy(shares: Floats) -> float:
    """Shannon entropy (nats) of a distribution."""
    present = shares[shares > 0]
    return float(-np.sum(present * np.log(present)))


def find_communities(edges: WeightedEdges, *, seed: int, resolution: float = 1.0) -> Labels:
    """Raw communities: Leiden, then the split check; labels 0..c-1.

    A graph of more than `sampling.SAMPLE_ABOVE` edges is clustered on a sample of its nodes and
    the other nodes join by their neighbours' votes (`sampling.cluster_by_sample`).

    Args:
        edges: the graph.
        seed: random seed; the same seed and graph give the same labels.
        resolution: gamma; higher gives more, smaller communities.
    """
    from tikscope.audience.sampling import cluster_by_sample, sample_share

    cluster = whole_graph_clusterer(seed=seed, resolution=resolution)
    share = sample_share(edges)
    if share < 1:
        return cluster_by_sample(edges, cluster, share=share, seed=seed)
    return cluster(edges)


def whole_graph_clusterer(
    *, seed: int, resolution: float = 1.0
) -> Callable[[WeightedEdges], Labels]:
    """What clusters a whole graph (or a sample of one): Leiden, then the split check."""

    def cluster(graph: WeightedEdges) -> Labels:
        labels = run_leiden(graph, seed=seed, resolution=resolution)
        return split_communities(graph, labels, seed=seed, resolution=resolution)

    return cluster


def run_leiden(edges: WeightedEdges, *, seed: int, resolution: float = 1.0) -> Labels:
    """Run networkit's ParallelLeiden on one thread, seeded; labels 0..c-1."""
    import networkit

    if seed < 0:
        raise UsageError(f"the seed must be 0 or more, not {seed}")
    if not len(edges.weights):
        return np.arange(edges.nodes, dtype=np.int64)
    with one_thread():
        networkit.engineering.setSeed(seed, False)
        # TRICKY: GraphFromCoo needs int64 indices; int32 arrays crash the process.
        graph = networkit.GraphFromCoo(
            (edges.weights, (edges.first, edges.second)),
            n=edges.nodes,
            weighted=True,
            directed=False,
        )
        leiden = networkit.community.ParallelLeiden(graph, randomize=True, gamma=resolution)
        leiden.run()
        vector = leiden.getPartition().getVector()
    labels: Labels = np.unique(np.asarray(vector, dtype=np.int64), return_inverse=True)[1]
    return labels


@contextmanager
def one_thread() -> Iterator[None]:
    """Run networkit on one thread inside the block, and restore its thread count after."""
    import networkit

    before = networkit.getMaxNumberOfThreads()
    networkit.setNumberOfThreads(1)
    try:
        yield
    finally:
        networkit.setNumberOfThreads(before)


def split_communities(
    edges: WeightedEdges, labels: Labels, *, seed: int, resolution: float = 1.0
) -> Labels:
    """Split large communities where that raises the modularity of the whole graph.

    Each community of at least `SPLIT_MINIMUM_SHARE` of the nodes is clustered on its own, and its
    pieces regrouped by `regroup`; when that leaves more than one group, the groups replace it and
    are checked in turn.
    """
    degrees, total = edges.degrees, float(edges.weights.sum())
    minimum = max(SPLIT_MINIMUM_NODES, SPLIT_MINIMUM_SHARE * edges.nodes)
    sizes = np.bincount(labels)
    queue = [int(c) for c in np.argsort(-sizes, kind="stable") if sizes[c] >= minimum]
    checks = 0
    while queue and checks < SPLIT_MAXIMUM_CHECKS and total > 0:
        community, checks = queue.pop(0), checks + 1
        groups = split_one(edges, labels == community, degrees, seed=seed, resolution=resolution)
        if groups is None:
            continue
        members = np.flatnonzero(labels == community)
        fresh = int(labels.max()) + np.arange(1, int(groups.max()) + 1)
        labels = labels.copy()
        labels[members] = np.concatenate(([community], fresh))[groups]
        parts = [community, *fresh.tolist()]
        queue.extend(part for part in parts if np.count_nonzero(labels == part) >= minimum)
    return labels


def split_one(
    edges: WeightedEdges,
    inside: NDArray[np.bool_],
    degrees: Floats,
    *,
    seed: int,
    resolution: float,
) -> Labels | None:
    """Groups 0..g-1 of one community's members if splitting it helps, else None."""
    members, sub = subgraph(edges, inside)
    pieces = run_leiden(sub, seed=seed, resolution=resolution)
    count = int(pieces.max()) + 1 if len(pieces) else 0
    if count < 2 or count > REGROUP_MAXIMUM_PIECES:
        return None
    total = float(edges.weights.sum())
    groups = regroup(sub, pieces, degrees[members], total=total, resolution=resolution)
    return groups if groups.max() > 0 else None


def subgraph(edges: WeightedEdges, inside: NDArray[np.bool_]) -> tuple[Labels, WeightedEdges]:
    """The nodes where `inside` holds, and the edges among them renumbered 0..k-1."""
    members = np.flatnonzero(inside)
    local = np.full(edges.nodes, -1, dtype=np.int64)
    local[members] = np.arange(len(members))
    internal = inside[edges.first] & inside[edges.second]
    return members, WeightedEdges(
        local[edges.first[internal]],
        local[edges.second[internal]],
        edges.weights[internal],
        len(members),
    )


def regroup(
    sub: WeightedEdges, pieces: Labels, degrees: Floats, *, total: float, resolution: float
) -> Labels:
    """Greedily merge pieces while that raises the whole graph's modularity; groups 0..g-1.

    Args:
        sub: the edges among the pieces' nodes.
        pieces: a piece per node of `sub`.
        degrees: each node's degree in the whole graph.
        total: the whole graph's edge weight.
        resolution: gamma of the modularity.
    """
    count = int(pieces.max()) + 1
    between = np.zeros((count, count))
    np.add.at(between, (pieces[sub.first], pieces[sub.second]), sub.weights)
    parent = agglomerate(
        between + between.T,
        add_up(pieces, degrees, count),
        total=total,
        resolution=resolution,
    )
    groups: Labels = np.unique(parent[pieces], return_inverse=True)[1]
    return groups


def agglomerate(
    between: Floats,
    degrees: Floats,
    *,
    total: float,
    resolution: float = 1.0,
    until: int | None = None,
) -> Labels:
    """Merge groups pairwise, best modularity gain first; the group each one ends in.

    Merging groups i and j changes modularity by ``w_ij / W - 2 γ d_i d_j / (2W)²``, where
    ``w_ij`` is the weight between them and ``d`` their degrees in the whole graph.

    Args:
        between: symmetric weights between groups (the diagonal is ignored).
        degrees: each group's degree in the whole graph.
        total: the whole graph's edge weight, W.
        resolution: gamma.
        until: None to stop when no merge gains; else merge, gaining or not, down to this many.
    """
    count = len(degrees)
    between, degrees = between.copy(), degrees.astype(np.float64)
    parent = np.arange(count)
    alive = np.ones(count, dtype=bool)
    scale = 2 * resolution / (2 * max(total, 1e-300)) ** 2
    gain = between / max(total, 1e-300) - scale * np.outer(degrees, degrees)
    np.fill_diagonal(gain, -np.inf)
    for _ in range(count - (until or 1)):
        first, second = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if (until is None and gain[first, second] <= 0) or not np.isfinite(gain[first, second]):
            break
        between[first] += between[second]
        between[:, first] = between[first]
        degrees[first] += degrees[second]
        alive[second] = False
        parent[parent == second] = first
        gain[first] = between[first] / max(total, 1e-300) - scale * degrees[first] * degrees
        gain[first, ~alive] = -np.inf
        gain[first, first] = -np.inf
        gain[:, first] = gain[first]
        gain[second, :] = -np.inf
        gain[:, second] = -np.inf
    return parent
