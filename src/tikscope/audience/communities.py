"""Clusters of an audience: communities of the follow graph, presented as Audiense presents them.

`detect_clusters` finds raw communities (`detection.find_communities`: networkit Leiden, seeded,
plus a split check) on the follows, or on follows plus profile similarity when follows are too
sparse (`hybrid`), and then presents them:

- automatically (``clusters=None``): up to 10 clusters that each hold more than 2% of the kept
  members and at least the privacy floor (`PrivacySettings.min_cluster_size`), at least 4 (the
  4 largest above the floor when fewer pass 2%); the rest is `OTHER`. The share scales with the
  audience, so a 115-member audience keeps its communities of 10 members or more;
- or exactly ``k`` clusters (2-20): communities under the privacy floor are folded into the one
  they share most weight with; then, while there are more than k, the pair whose merge costs
  least modularity is merged; while there are fewer, the largest community is bisected (Leiden
  on its own subgraph, the pieces merged down to two the same way; a breadth-first cut in half
  when Leiden finds no split with both halves above the floor). When the audience cannot hold
  k clusters above the floor, fewer are made (everyone in Other when the whole audience is
  under it), and the clustering's `reason` says so.

Either way a cluster smaller than the privacy floor goes to `OTHER`, and clusters are numbered
by size, the largest 0.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from tikscope.audience import hybrid
from tikscope.audience.detection import (
    ALGORITHM,
    WeightedEdges,
    add_up,
    agglomerate,
    find_communities,
    modularity,
    subgraph,
    undirected_edges,
)
from tikscope.audience.model import OTHER, AudienceGraph, Clustering, PrivacySettings
from tikscope.audience.sampling import describe_sampling
from tikscope.errors import UsageError

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

    from tikscope.audience.attributes import MemberAttributes

AUTOMATIC_MINIMUM_SHARE = 0.02
AUTOMATIC_MOST = 10
AUTOMATIC_LEAST = 4
FEWEST_CLUSTERS = 2
MOST_CLUSTERS = 20
DENSE_MERGE_LIMIT = 256

Labels = NDArray[np.int64]
DEFAULT_PRIVACY = PrivacySettings()


def detect_clusters(
    graph: AudienceGraph,
    *,
    seed: int = 7,
    clusters: int | None = None,
    privacy: PrivacySettings = DEFAULT_PRIVACY,
    attributes: MemberAttributes | None = None,
) -> Clustering:
    """Cluster the kept members of an audience.

    Args:
        graph: kept members and their follows (`graph.load_graph`).
        seed: random seed (0 or more); the same seed and graph give identical labels.
        clusters: None for automatic mode, or exactly this many clusters (2-20).
        privacy: clusters smaller than `min_cluster_size` go to `OTHER`.
        attributes: the members' bio terms and interests, aligned with `graph.member_keys`;
            used only when follows are too sparse (hybrid mode).

    Returns:
        A label per kept member, and how it was found.

    Raises:
        UsageError: `clusters` out of range or above the number of members, or a negative seed.
    """
    check_arguments(graph, seed, clusters)
    follows = undirected_edges(graph)
    edges, mode, reason = choose_mode(graph, follows, attributes, seed=seed)
    raw = find_communities(edges, seed=seed)
    if clusters is None:
        labels = present_automatically(raw, privacy)
    else:
        labels = present_exactly(edges, raw, clusters, seed=seed, privacy=privacy)
        reason = f"{reason} {describe_exactly(labels, clusters, privacy)}".rstrip()
    return Clustering(
        labels=labels.astype(np.int32),
        mode=mode,
        reason=reason,
        algorithm=ALGORITHM + describe_sampling(edges),
        seed=seed,
        modularity=modularity(follows, raw) if mode == "follows" else None,
        communities=int(raw.max()) + 1 if len(raw) else 0,
    )


def check_arguments(graph: AudienceGraph, seed: int, clusters: int | None) -> None:
    """Reject a negative seed and a cluster count the audience cannot have."""
    if seed < 0:
        raise UsageError(f"the seed must be 0 or more, not {seed}")
    if clusters is None:
        return
    if not FEWEST_CLUSTERS <= clusters <= MOST_CLUSTERS:
        raise UsageError(
            f"clusters must be between {FEWEST_CLUSTERS} and {MOST_CLUSTERS}, not {clusters}"
        )
    if clusters > graph.size:
        raise UsageError(f"cannot make {clusters} clusters of {graph.size} members")


def choose_mode(
    graph: AudienceGraph,
    follows: WeightedEdges,
    attributes: MemberAttributes | None,
    *,
    seed: int,
) -> tuple[WeightedEdges, str, str]:
    """The edges to cluster on, the mode ("follows" or "hybrid"), and why, in sentences.

    The reason also says which rules for leaving members out the data could not support.
    """
    notes = "".join(f" {note}" for note in graph.notes)
    sparsity = hybrid.measure_sparsity(graph, follows)
    figure = hybrid.describe_sparsity(sparsity)
    if not sparsity.is_sparse:
        return follows, "follows", f"Clustered on follows: {figure}.{notes}"
    if attributes is None:
        return follows, "follows", f"Follows are sparse ({figure}) but no bios were given.{notes}"
    if attributes.size != graph.size:
        raise UsageError(f"attributes describe {attributes.size} members, the graph {graph.size}")
    share = hybrid.profile_share(attributes)
    if share < hybrid.MINIMUM_PROFILE_SHARE:
        reason = (
            f"Follows are sparse ({figure}), but only {share:.0%} of members have a bio word "
            f"or an interest (under {hybrid.MINIMUM_PROFILE_SHARE:.0%}): clustered on follows "
            "alone."
        )
        return follows, "follows", reason + notes
    edges = hybrid.hybrid_edges(follows, attributes, seed=seed)
    reason = f"Follows are too sparse ({figure}): bio words and interests were added."
    return edges, "hybrid", reason + notes


def present_automatically(raw: Labels, privacy: PrivacySettings) -> Labels:
    """Up to 10 communities above 2% of the members and the privacy floor; the rest Other.

    When fewer than 4 pass 2%, the 4 largest that reach the privacy floor.
    """
    sizes = np.bincount(raw) if len(raw) else np.zeros(0, dtype=np.int64)
    order = np.argsort(-sizes, kind="stable")
    order = order[sizes[order] >= privacy.min_cluster_size]
    chosen = order[sizes[order] > AUTOMATIC_MINIMUM_SHARE * len(raw)][:AUTOMATIC_MOST]
    if len(chosen) < AUTOMATIC_LEAST:
        chosen = order[:AUTOMATIC_LEAST]
    mapping = np.full(len(sizes), OTHER, dtype=np.int64)
    mapping[chosen] = np.arange(len(chosen))
    return mapping[raw]


def present_exactly(
    edges: WeightedEdges, raw: Labels, clusters: int, *, seed: int, privacy: PrivacySettings
) -> Labels:
    """Exactly `clusters` clusters numbered by size, each of at least the privacy floor.

    Fewer when the audience cannot hold that many above the floor; a cluster under it (only
    when the whole audience is) goes to Other.
    """
    smallest = max(privacy.min_cluster_size, 1)
    labels = fold_smallest(edges, raw, 1, smallest=smallest)
    labels = merge_down(edges, labels, clusters, smallest=smallest)
    labels = split_up(edges, labels, clusters, seed=seed, smallest=smallest)
    sizes = np.bincount(labels)
    labels = np.where(sizes[labels] >= smallest, labels, OTHER)
    return number_by_size(labels)


def describe_exactly(labels: Labels, clusters: int, privacy: PrivacySettings) -> str:
    """What the report says when fewer than `clusters` could be made; else nothing."""
    made = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
    if made == clusters:
        return ""
    other = int(np.count_nonzero(labels == OTHER))
    text = (
        f"{clusters} clusters were asked for, but only {made} of at least "
        f"{privacy.min_cluster_size:,} members (the privacy floor) could be made"
    )
    return text + (f"; the {other:,} members of smaller clusters are in Other." if other else ".")


def split_up(
    edges: WeightedEdges, labels: Labels, clusters: int, *, seed: int, smallest: int
) -> Labels:
    """Bisect the largest community until there are `clusters` (or none has 2 × `smallest`).

    Each half has at least `smallest` members.
    """
    while (count := int(labels.max()) + 1) < clusters:
        sizes = np.bincount(labels)
        largest = int(np.argmax(sizes))
        if sizes[largest] < 2 * max(smallest, 1):
            break
        halves = bisect(edges, labels == largest, seed=seed, smallest=smallest)
        labels = labels.copy()
        labels[np.flatnonzero(labels == largest)[halves == 1]] = count
    return labels


def bisect(edges: WeightedEdges, inside: NDArray[np.bool_], *, seed: int, smallest: int) -> Labels:
    """Two halves (0 and 1) of a community of at least 2 × `smallest` members.

    By the modularity of its own subgraph when Leiden splits it with both halves of at least
    `smallest` members; else cut in half along a breadth-first order (`cut_in_half`).
    """
    _, sub = subgraph(edges, inside)
    pieces = find_communities(sub, seed=seed)
    if len(pieces) and pieces.max() >= 1:
        halves = merge_down(sub, pieces, 2, smallest=smallest)
        sizes = np.bincount(halves)
        if len(sizes) == 2 and sizes.min() >= smallest:
            return halves
    return cut_in_half(sub)


def cut_in_half(edges: WeightedEdges) -> Labels:
    """Halves of a graph along a breadth-first order from a far node: neighbours stay together.

    The start is the node a breadth-first search from node 0 reaches last (a node on the
    graph's rim); nodes it never reaches come last, in their order. Deterministic.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import breadth_first_order

    nodes = edges.nodes
    matrix = coo_matrix(
        (np.ones(len(edges.first)), (edges.first, edges.second)), shape=(nodes, nodes)
    ).tocsr()
    far = int(breadth_first_order(matrix, 0, directed=False, return_predecessors=False)[-1])
    reached = breadth_first_order(matrix, far, directed=False, return_predecessors=False)
    rest = np.setdiff1d(np.arange(nodes), reached, assume_unique=True)
    order = np.concatenate([reached, rest])
    halves: Labels = np.zeros(nodes, dtype=np.int64)
    halves[order[nodes // 2 :]] = 1
    return halves


def merge_down(edges: WeightedEdges, labels: Labels, clusters: int, *, smallest: int) -> Labels:
    """Merge communities until `clusters` are left; labels 0..clusters-1.

    First the smallest community goes into the one it shares most weight with, while it has fewer
    than `smallest` members or there are more than `DENSE_MERGE_LIMIT` communities. Then the pair
    whose merge costs least modularity is merged, one pair at a time.
    """
    total = float(edges.weights.sum())
    # With no edge at all, modularity says nothing: fold by size alone.
    labels = fold_smallest(
        edges, labels, clusters, smallest=smallest if total > 0 else len(labels) + 1
    )
    count = int(labels.max()) + 1 if len(labels) else 0
    if count <= clusters:
        return labels
    between = link_matrix(edges, labels, count).toarray()
    degrees = add_up(labels, edges.degrees, count)
    parent = agglomerate(between, degrees, total=total, until=clusters)
    merged: Labels = np.unique(parent[labels], return_inverse=True)[1]
    return merged


def fold_smallest(edges: WeightedEdges, labels: Labels, clusters: int, *, smallest: int) -> Labels:
    """Merge the smallest community into its most-linked one, down to at most `clusters`.

    Stops early once every community has `smallest` members and there are at most
    `DENSE_MERGE_LIMIT`. A community with no edge to another goes into the largest. Labels come
    back 0..c-1.
    """
    sizes = np.bincount(labels).astype(np.int64) if len(labels) else np.zeros(0, np.int64)
    if len(sizes) <= clusters:
        return labels
    links = community_links(edges, labels, len(sizes))
    parent = np.arange(len(sizes))
    heap = [(int(size), community) for community, size in enumerate(sizes)]
    heapq.heapify(heap)
    alive, largest = len(sizes), int(np.argmax(sizes))
    while alive > clusters:
        size, community = heapq.heappop(heap)
        if parent[community] != community or size != sizes[community]:
            continue  # merged away, or grown since it was pushed
        if size >= smallest and alive <= DENSE_MERGE_LIMIT:
            break
        into = choose_partner(links, sizes, community, largest)
        absorb(links, community, into)
        sizes[into] += sizes[community]
        sizes[community] = 0
        parent[community], alive = into, alive - 1
        largest = into if sizes[into] > sizes[largest] or largest == community else largest
        heapq.heappush(heap, (int(sizes[into]), into))
    while not np.array_equal(parent[parent], parent):
        parent = parent[parent]
    folded: Labels = np.unique(parent[labels], return_inverse=True)[1]
    return folded


def link_matrix(edges: WeightedEdges, labels: Labels, count: int) -> csr_matrix:
    """Symmetric edge weight between each pair of distinct communities."""
    from scipy.sparse import coo_matrix

    first, second = labels[edges.first], labels[edges.second]
    between = first != second
    matrix = coo_matrix(
        (edges.weights[between], (first[between], second[between])), shape=(count, count)
    ).tocsr()
    symmetric: csr_matrix = (matrix + matrix.T).tocsr()
    return symmetric


def community_links(edges: WeightedEdges, labels: Labels, count: int) -> list[dict[int, float]]:
    """Edge weight between each pair of distinct communities, as one dict per community."""
    matrix = link_matrix(edges, labels, count)
    return [
        dict(
            zip(
                matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]].tolist(),
                matrix.data[matrix.indptr[row] : matrix.indptr[row + 1]].tolist(),
                strict=True,
            )
        )
        for row in range(count)
    ]


def choose_partner(
    links: list[dict[int, float]], sizes: Labels, community: int, largest: int
) -> int:
    """The community sharing most weight with `community` (then the larger, then the lower id)."""
    neighbours = links[community]
    if neighbours:
        return max(neighbours, key=lambda other: (neighbours[other], sizes[other], -other))
    if largest != community:
        return largest
    others = np.flatnonzero((sizes > 0) & (np.arange(len(sizes)) != community))
    return int(others[np.argmax(sizes[others])])


def absorb(links: list[dict[int, float]], community: int, into: int) -> None:
    """Move `community`'s links onto `into`, dropping the link between the two."""
    for neighbour, weight in links[community].items():
        del links[neighbour][community]
        if neighbour != into:
            links[neighbour][into] = links[neighbour].get(into, 0.0) + weight
            links[into][neighbour] = links[into].get(neighbour, 0.0) + weight
    links[community] = {}


def number_by_size(labels: NDArray[np.integer]) -> Labels:
    """Clusters renumbered 0..k-1 by size, the largest 0 (ties: lower old label first).

    `OTHER` stays `OTHER`; gaps in the old numbering close.
    """
    known: Labels = np.asarray(labels, dtype=np.int64)
    clustered = known[known != OTHER]
    if not len(clustered):
        return known.copy()
    sizes = np.bincount(clustered)
    order = np.argsort(-sizes, kind="stable")
    order = order[sizes[order] > 0]
    mapping = np.full(len(sizes), OTHER, dtype=np.int64)
    mapping[order] = np.arange(len(order))
    return np.where(known == OTHER, OTHER, mapping[np.maximum(known, 0)])


def merge_clusters(labels: NDArray[np.integer], into: int, merged: list[int]) -> Labels:
    """Labels with the `merged` clusters folded into `into`; other numbers are left alone.

    Args:
        labels: a cluster per member, or `OTHER`.
        into: the cluster that absorbs the others; `OTHER` folds them into Other.
        merged: the clusters to fold in (each must exist and differ from `into`).

    Returns:
        New labels; call `number_by_size` to close the gaps the merge leaves.

    Raises:
        UsageError: a cluster that does not exist, `OTHER` in `merged`, or `into` in `merged`.
    """
    known: Labels = np.asarray(labels, dtype=np.int64)
    present = set(np.unique(known).tolist())
    unknown = sorted({*merged, into} - present - {OTHER})
    if unknown:
        raise UsageError(f"no cluster {', '.join(map(str, unknown))} in these labels")
    if OTHER in merged or into in merged:
        raise UsageError("cannot merge Other, or a cluster into itself")
    return np.where(np.isin(known, merged), into, known)
