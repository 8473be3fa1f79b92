"""The second segmentation: clusters of members who follow the same outside accounts.

`detect_affinity_clusters` clusters the member × outside-account matrix (`--by affinities`):

1. Each member's outside follows become a TF-IDF row (binary term frequency, idf
   ``log(n / df)``), rows of unit length. Accounts followed by fewer than two members say
   nothing about who is alike and are left out; an account everyone follows weighs nothing.
2. Latent semantic analysis: scikit-learn's `TruncatedSVD` to at most 50 dimensions, rows
   rescaled to unit length, so that k-means on them is, in effect, spherical k-means
   (cosine similarity), the usual choice for TF-IDF vectors.
3. scikit-learn's `KMeans` (k-means++, seeded). With no k given, k from 2 to 10 (as many as the
   automatic mode of follows shows at most, and no more than the privacy floor allows) is
   chosen by the mean silhouette, measured on a seeded sample; `--clusters` asks for 2-20.

Members who follow no informative outside account cannot be placed and go to Other, as do
clusters under the privacy floor; clusters are numbered by size. docs/communities.md says why
this method and how well it finds planted affinities.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from tikscope.audience.attributes import Bag
from tikscope.audience.communities import (
    AUTOMATIC_MOST,
    FEWEST_CLUSTERS,
    MOST_CLUSTERS,
    number_by_size,
)
from tikscope.audience.model import OTHER, Clustering, PrivacySettings
from tikscope.errors import UsageError

MODE = "affinities"
MIN_FOLLOWERS = 2
"""An outside account followed by fewer members is left out of the vectors."""
COMPONENTS = 50
"""Dimensions kept by the truncated SVD."""
FIT_SAMPLE = 10_000
"""With k automatic, each candidate k is fitted on at most this many members ..."""
SILHOUETTE_SAMPLE = 3_000
"""... and its silhouette measured on at most this many of them."""
CANDIDATE_STARTS = 1
"""k-means++ starts per candidate k (the best kept); the final fit uses `FINAL_STARTS`."""
FINAL_STARTS = 2
ALGORITHM = "scikit-learn k-means on TF-IDF of outside follows (LSA, unit length)"

Labels = NDArray[np.int64]
DEFAULT_PRIVACY = PrivacySettings()


def detect_affinity_clusters(
    follows: Bag,
    *,
    seed: int = 7,
    clusters: int | None = None,
    privacy: PrivacySettings = DEFAULT_PRIVACY,
) -> Clustering:
    """Cluster members by the outside accounts they follow.

    Args:
        follows: each member's outside accounts (rows in the graph's member order).
        seed: the same seed and input give the same labels.
        clusters: exactly this many (2-20) when the privacy floor allows; None: automatic.
        privacy: clusters under `min_cluster_size` go to Other.

    Returns:
        A clustering in mode "affinities"; `modularity` is None, `communities` the k fitted.

    Raises:
        UsageError: `clusters` is outside 2-20.
    """
    if clusters is not None and not FEWEST_CLUSTERS <= clusters <= MOST_CLUSTERS:
        raise UsageError(f"clusters must be {FEWEST_CLUSTERS}-{MOST_CLUSTERS}, not {clusters}")
    smallest = max(privacy.min_cluster_size, 1)
    matrix, active = weigh(follows)
    placed = int(active.sum())
    most = min(MOST_CLUSTERS if clusters else AUTOMATIC_MOST, placed // smallest)
    labels = np.full(follows.members, OTHER, dtype=np.int64)
    if most < FEWEST_CLUSTERS or matrix.shape[1] < 2:
        reason = (
            f"Only {placed:,} members follow an outside account that another member follows too "
            f"({matrix.shape[1]:,} such accounts): too few for two clusters of at least "
            f"{smallest:,}; everyone is in Other."
        )
        return Clustering(labels, MODE, reason, ALGORITHM, seed, None, 0)
    from threadpoolctl import threadpool_limits

    # NOTE: one thread: on a shared 2-core machine the BLAS/OpenMP threads of the SVD and
    # k-means made them 4-6 times slower, not faster (measured; docs/communities.md).
    with threadpool_limits(1):
        vectors = reduce(matrix, seed)
        if clusters is None:
            chosen, score = choose_k(vectors, seed=seed, most=most)
            how = f"k = {chosen} chosen by the mean silhouette ({score:.3f}) among 2-{most}"
        else:
            chosen = min(clusters, most)
            how = f"k = {chosen}" + (f" ({clusters} asked; the privacy floor allows {most})"
                                     if chosen < clusters else "")  # fmt: skip
        labels[active] = fit(vectors, chosen, seed=seed, starts=FINAL_STARTS)
    sizes = np.bincount(labels[labels != OTHER], minlength=chosen)
    labels = np.where((labels != OTHER) & (sizes[np.maximum(labels, 0)] < smallest), OTHER, labels)
    labels = number_by_size(labels)
    return Clustering(labels, MODE, describe(follows.members, placed, how), ALGORITHM, seed,
                      None, chosen)  # fmt: skip


def describe(members: int, placed: int, how: str) -> str:
    """The reason line of an affinity clustering."""
    unplaced = members - placed
    text = f"Clustered by the outside accounts members follow; {how}."
    if unplaced:
        text += (
            f" {unplaced:,} members follow no outside account that another member follows "
            "too, and are in Other."
        )
    return text


def weigh(follows: Bag) -> tuple[Any, NDArray[np.bool_]]:
    """Unit-length TF-IDF rows of the members who follow an informative account, and who they are.

    Returns:
        A scipy CSR matrix (placed members × informative accounts) and a bool per member.
    """
    from scipy.sparse import csr_matrix, diags

    members, width = follows.members, len(follows.vocabulary)
    data = np.ones(len(follows.indices), dtype=np.float64)
    matrix = csr_matrix((data, follows.indices, follows.indptr), shape=(members, width))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    df = np.bincount(matrix.indices, minlength=width)
    useful = np.flatnonzero((df >= MIN_FOLLOWERS) & (df < members))
    matrix = matrix[:, useful] @ diags(np.log(members / df[useful]))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    active = norms > 0
    scaled = diags(1.0 / norms[active]) @ matrix[active]
    return csr_matrix(scaled), active


def reduce(matrix: Any, seed: int) -> NDArray[np.float64]:
    """Rows in at most `COMPONENTS` dimensions (LSA), rescaled to unit length."""
    from scipy.sparse import csr_matrix
    from sklearn.decomposition import TruncatedSVD

    sparse = csr_matrix(matrix)
    if sparse.shape[1] <= COMPONENTS:
        dense = np.asarray(sparse.toarray(), dtype=np.float64)
    else:
        svd = TruncatedSVD(n_components=COMPONENTS, random_state=seed)
        dense = np.asarray(svd.fit_transform(sparse), dtype=np.float64)
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    unit: NDArray[np.float64] = np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0)
    return unit


def fit(vectors: NDArray[np.float64], k: int, *, seed: int, starts: int) -> Labels:
    """k-means labels of the vectors (k-means++, `starts` seeded starts, the best kept)."""
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=k, n_init=starts, random_state=seed)
    return np.asarray(model.fit_predict(vectors), dtype=np.int64)


def choose_k(vectors: NDArray[np.float64], *, seed: int, most: int) -> tuple[int, float]:
    """The k in 2..`most` of the highest mean silhouette (the smaller k on a tie), and it."""
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(seed)
    sample = vectors
    if len(vectors) > FIT_SAMPLE:
        sample = vectors[np.sort(rng.choice(len(vectors), FIT_SAMPLE, replace=False))]
    best, best_score = FEWEST_CLUSTERS, -np.inf
    for k in range(FEWEST_CLUSTERS, most + 1):
        labels = fit(sample, k, seed=seed, starts=CANDIDATE_STARTS)
        if len(np.unique(labels)) < 2:
            continue
        score = float(silhouette_score(sample, labels, sample_size=min(SILHOUETTE_SAMPLE,
                                       len(sample)), random_state=seed))  # fmt: skip
        if score > best_score + 1e-9:
            best, best_score = k, score
    return best, float(best_score) if np.isfinite(best_score) else 0.0
