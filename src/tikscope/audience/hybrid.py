"""Hybrid mode: when follows are too sparse, add edges between members with similar profiles.

Each member's bio terms and interests become a TF-IDF vector (binary term frequency, ``log(n /
df)``, rows scaled to unit length). Every member draws `CANDIDATES` others that share a term
with it (a term picked in proportion to its IDF, then a random member using it), scores them by
cosine similarity, and keeps the best `NEIGHBOURS`: a k-nearest-neighbour graph whose cost grows
linearly with the audience, never with its square. Its edges, weighted by similarity, are added
to the follow edges and communities are found on the union.

"Too sparse" is measured in connections per audience member (isolated members included): pairs
of members of whom one follows the other, a mutual follow counted once, so that an edge list
that writes each link once (one-way) measures as dense as one that writes both follows. Below
`SPARSE_CONNECTIONS_PER_MEMBER`, follows alone stop recovering the planted communities of the
simulator (docs/communities.md has the figures). Profiles are added only when they hold
something: at least `MINIMUM_PROFILE_SHARE` of the members with a bio word or an interest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from tikscope.audience.detection import WeightedEdges, combine_edges
from tikscope.audience.model import AudienceGraph

if TYPE_CHECKING:
    from scipy.sparse import csc_matrix, csr_matrix

    from tikscope.audience.attributes import MemberAttributes

SPARSE_CONNECTIONS_PER_MEMBER = 5.7
"""6 follows per member, where follows alone fell under NMI 0.9 on thinned simulated audiences,
are 5.5-6.1 connections per member there (35-40% of follows kept, 20k and 50k members)."""
MINIMUM_PROFILE_SHARE = 0.5
"""Hybrid mode needs at least this share of members with a bio word or an interest."""
NEIGHBOURS = 10
CANDIDATES = 20
CHUNK_MEMBERS = 50_000
"""Members whose candidates are drawn and scored at a time, to bound memory."""

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class TermIndex:
    """What candidate drawing needs besides the rows.

    Attributes:
        columns: the profile vectors by column: each term's users.
        cumulative: running sum of the rows' values (row-major), with a leading 0.
    """

    columns: csc_matrix
    cumulative: Floats


@dataclass(frozen=True)
class Sparsity:
    """How many follows the audience has to cluster on.

    Attributes:
        connections: pairs of kept members of whom one follows the other (or both).
        members: kept members plus the isolated ones dropped for having no follows.
    """

    connections: int
    members: int

    @property
    def connections_per_member(self) -> float:
        """Mean connections per member (0 for an empty audience)."""
        return self.connections / self.members if self.members else 0.0

    @property
    def is_sparse(self) -> bool:
        """Whether follows are too few to cluster on alone."""
        return self.connections_per_member < SPARSE_CONNECTIONS_PER_MEMBER


def measure_sparsity(graph: AudienceGraph, follows: WeightedEdges) -> Sparsity:
    """Connections per audience member, counting members dropped as isolated as having none.

    `follows` are the graph's follows as undirected edges (`detection.undirected_edges`).
    """
    return Sparsity(len(follows.first), graph.size + graph.dropped.get("isolated", 0))


def describe_sparsity(sparsity: Sparsity) -> str:
    """The measured figure against the threshold, e.g. ``0.8 connections per member < 5.7``."""
    sign = "<" if sparsity.is_sparse else ">="
    figure = f"{sparsity.connections_per_member:.1f}"
    if float(figure) == SPARSE_CONNECTIONS_PER_MEMBER:
        figure = f"{sparsity.connections_per_member:.2f}"  # 5.68, not 5.7 < 5.7
    return f"{figure} connections per member {sign} {SPARSE_CONNECTIONS_PER_MEMBER:g}"


def profile_share(attributes: MemberAttributes) -> float:
    """The share of members with at least one bio word or interest."""
    if not attributes.size:
        return 0.0
    has = (np.diff(attributes.words.indptr) > 0) | (np.diff(attributes.interests.indptr) > 0)
    return float(has.mean())


def hybrid_edges(
    follows: WeightedEdges, attributes: MemberAttributes, *, seed: int
) -> WeightedEdges:
    """The follow edges plus profile-similarity edges (weights add where both exist)."""
    similar = similarity_edges(attributes, seed=seed)
    return combine_edges(
        np.concatenate((follows.first, similar.first)),
        np.concatenate((follows.second, similar.second)),
        np.concatenate((follows.weights, similar.weights)),
        follows.nodes,
    )


def similarity_edges(
    attributes: MemberAttributes, *, seed: int, neighbours: int = NEIGHBOURS
) -> WeightedEdges:
    """Each member joined to its most similar members by bio terms and interests (cosine).

    Members are taken `CHUNK_MEMBERS` at a time, so memory stays bounded at any audience size.
    """
    vectors = profile_vectors(attributes)
    index = TermIndex(vectors.tocsc(), np.concatenate(([0.0], np.cumsum(vectors.data))))
    rng = np.random.default_rng(seed)
    members = vectors.shape[0]
    found: list[tuple[Ints, Ints, Floats]] = []
    for start in range(0, members, CHUNK_MEMBERS):
        chunk = np.arange(start, min(start + CHUNK_MEMBERS, members))
        first, second = draw_candidates(vectors, index, chunk, rng)
        scores = score_pairs(vectors, first, second)
        found.append(keep_nearest(first, second, scores, neighbours))
    return combine_edges(
        np.concatenate([first for first, _, _ in found] or [np.zeros(0, np.int64)]),
        np.concatenate([second for _, second, _ in found] or [np.zeros(0, np.int64)]),
        np.concatenate([scores for _, _, scores in found] or [np.zeros(0)]),
        members,
    )


def profile_vectors(attributes: MemberAttributes) -> csr_matrix:
    """Unit-length TF-IDF rows over bio terms and interests; terms used by one member dropped."""
    from scipy.sparse import csr_matrix

    words, interests = attributes.words, attributes.interests
    rows = np.concatenate((words.rows(), interests.rows()))
    terms = np.concatenate(
        (words.indices.astype(np.int64), interests.indices.astype(np.int64) + len(words.vocabulary))
    )
    width = len(words.vocabulary) + len(interests.vocabulary)
    members = attributes.size
    df = np.bincount(terms, minlength=width)
    used = df[terms] >= 2
    rows, terms = rows[used], terms[used]
    weights = np.log(members / df[terms])
    norms = np.sqrt(np.bincount(rows, weights**2, members))
    values = weights / np.where(norms > 0, norms, 1.0)[rows]
    return csr_matrix((values, (rows, terms)), shape=(members, width))


def draw_candidates(
    vectors: csr_matrix, index: TermIndex, chunk: Ints, rng: np.random.Generator
) -> tuple[Ints, Ints]:
    """`CANDIDATES` (member, other) pairs per member of `chunk`: a term, then one of its users.

    The term is one of the member's, drawn in proportion to its weight (its IDF); the other
    member is drawn uniformly among the term's users.
    """
    indptr = vectors.indptr.astype(np.int64)
    members = np.repeat(chunk[np.diff(indptr)[chunk] > 0], CANDIDATES)
    if not len(members):
        return members, members
    cumulative, columns = index.cumulative, index.columns
    low, high = cumulative[indptr[members]], cumulative[indptr[members + 1]]
    target = low + rng.random(len(members)) * (high - low)
    entry = np.clip(
        np.searchsorted(cumulative, target, side="right") - 1,
        indptr[members],
        indptr[members + 1] - 1,
    )
    term = vectors.indices[entry].astype(np.int64)
    start = columns.indptr[term].astype(np.int64)
    users = columns.indptr[term + 1] - start
    other = columns.indices[start + (rng.random(len(term)) * users).astype(np.int64)]
    other = other.astype(np.int64)
    distinct = members != other
    return members[distinct], other[distinct]


def score_pairs(vectors: csr_matrix, first: Ints, second: Ints) -> Floats:
    """Cosine similarity of each pair of rows (the rows have unit length)."""
    products = vectors[first].multiply(vectors[second])
    return np.asarray(products.sum(axis=1), dtype=np.float64).ravel()


def keep_nearest(
    first: Ints, second: Ints, scores: Floats, neighbours: int
) -> tuple[Ints, Ints, Floats]:
    """Per member, its `neighbours` distinct best-scoring candidates with a positive score."""
    order = np.lexsort((second, -scores, first))
    first, second, scores = first[order], second[order], scores[order]
    # A pair drawn twice has the same score, so its copies are neighbours in this order.
    repeated = np.zeros(len(first), dtype=bool)
    repeated[1:] = (first[1:] == first[:-1]) & (second[1:] == second[:-1])
    kept = ~repeated & (scores > 0)
    first, second, scores = first[kept], second[kept], scores[kept]
    starts = np.ones(len(first), dtype=bool)
    starts[1:] = first[1:] != first[:-1]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(first)), 0))
    best = np.arange(len(first)) - group_start < neighbours
    return first[best], second[best], scores[best]
