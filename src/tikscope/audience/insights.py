"""One audience report's worth of results: graph → clusters → cards → cluster graph, saved.

`compute_insights` runs the whole pipeline and saves the clustering in the store;
`saved_insights` rebuilds the same report from a saved (possibly merged or renamed) result. Each
is split into reading the store and computing (`analyse`, `rebuild_insights`, which need no
store), so that a server can compute in another process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from tikscope.audience.affinities import OutsideFollows, load_outside_follows
from tikscope.audience.affinity_clusters import detect_affinity_clusters
from tikscope.audience.attributes import MemberAttributes
from tikscope.audience.cards import AudienceSummary, build_cards, load_member_attributes
from tikscope.audience.cluster_graph import ClusterEdge, cluster_edges
from tikscope.audience.communities import detect_clusters
from tikscope.audience.graph import load_graph
from tikscope.audience.model import OTHER, AudienceGraph, ClusterCard, Clustering, PrivacySettings
from tikscope.audience.results import SavedResult, load_result, save_result
from tikscope.audience.suppression import release_dropped

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

Stage = Callable[[str, float], None]
Segmentation = Literal["follows", "affinities"]
"""What members are clustered by: follows among them, or the outside accounts they follow."""
SEGMENTATIONS: tuple[Segmentation, ...] = ("follows", "affinities")


@dataclass(frozen=True)
class GraphOptions:
    """Which members to leave out of the graph before clustering."""

    drop_isolated: bool = True
    drop_mass_followers: bool = True
    drop_bots: bool = True


DEFAULT_PRIVACY = PrivacySettings()
DEFAULT_OPTIONS = GraphOptions()


@dataclass(frozen=True)
class AudienceInsights:
    """Everything the audience report shows.

    `total_members` and `dropped` are as published: a reason left out fewer members than the
    minimum group size (or is hidden so that such a reason cannot be recovered) is None, and
    so is the total when the hidden reasons could be recovered from it.
    """

    handle: str
    result_id: int
    clustering: Clustering
    graph_size: int
    total_members: int | None
    dropped: dict[str, int | None]
    cards: list[ClusterCard]
    summary: AudienceSummary
    edges: list[ClusterEdge]
    privacy: PrivacySettings
    timings: dict[str, float] = field(default_factory=dict)


def timed(timings: dict[str, float], name: str, started: float) -> float:
    """Record a stage's duration; return the new start time."""
    now = time.perf_counter()
    timings[name] = now - started
    return now


@dataclass(frozen=True)
class AudienceInputs:
    """What an analysis reads: the kept graph, its members' attributes and outside follows."""

    graph: AudienceGraph
    attributes: MemberAttributes
    outside: OutsideFollows
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class AudienceAnalysis:
    """What an analysis computes from its inputs, before anything is saved."""

    clustering: Clustering
    cards: list[ClusterCard]
    summary: AudienceSummary
    edges: list[ClusterEdge]
    timings: dict[str, float] = field(default_factory=dict)


def compute_insights(
    connection: DuckDBPyConnection,
    account_id: str,
    handle: str,
    *,
    clusters: int | None = None,
    seed: int = 7,
    privacy: PrivacySettings = DEFAULT_PRIVACY,
    options: GraphOptions = DEFAULT_OPTIONS,
    by: Segmentation = "follows",
) -> AudienceInsights:
    """Cluster the account's audience, describe each cluster, and save the result.

    Three steps, which the web server runs apart (reads on a cursor, the computation in a
    worker process, the save as the store's writer): `load_inputs`, `analyse`, `save_insights`.
    By affinities, members who follow no other member are kept (`options_for`).
    """
    options = options_for(by, options)
    inputs = load_inputs(connection, account_id, options)
    analysis = analyse(inputs, clusters=clusters, seed=seed, privacy=privacy, by=by)
    return save_insights(
        connection, account_id, handle, inputs, analysis, clusters=clusters, privacy=privacy,
        options=options, by=by,
    )  # fmt: skip


def options_for(by: Segmentation, options: GraphOptions) -> GraphOptions:
    """The graph options of a segmentation: by affinities, isolated members are kept.

    A member who follows no other member is still placed by the outside accounts they follow.
    """
    return replace(options, drop_isolated=False) if by == "affinities" else options


def load_inputs(
    connection: DuckDBPyConnection, account_id: str, options: GraphOptions = DEFAULT_OPTIONS
) -> AudienceInputs:
    """The account's audience graph (without what `options` leaves out) and its attributes."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    graph = load_kept_graph(connection, account_id, options)
    started = timed(timings, "load graph", started)
    attributes = load_member_attributes(connection, account_id, graph.member_keys)
    started = timed(timings, "load member attributes", started)
    outside = load_outside_follows(connection, account_id, graph.member_keys)
    timed(timings, "load outside follows", started)
    return AudienceInputs(graph, attributes, outside, timings)


def analyse(
    inputs: AudienceInputs,
    *,
    clusters: int | None,
    seed: int,
    privacy: PrivacySettings,
    by: Segmentation = "follows",
) -> AudienceAnalysis:
    """Clusters, their cards and the cluster graph of the inputs (no store: any process)."""
    timings: dict[str, float] = {}
    graph, attributes = inputs.graph, inputs.attributes
    started = time.perf_counter()
    if by == "affinities":
        clustering = detect_affinity_clusters(
            inputs.outside.follows, seed=seed, clusters=clusters, privacy=privacy
        )
    else:
        clustering = detect_clusters(graph, seed=seed, clusters=clusters, privacy=privacy,
                                     attributes=attributes)  # fmt: skip
    started = timed(timings, "detect clusters", started)
    cards, summary = build_cards(attributes, clustering, graph.sources, graph.targets,
                                 privacy=privacy, outside=inputs.outside)  # fmt: skip
    started = timed(timings, "cluster cards", started)
    edges = cluster_edges(
        clustering.labels, graph.sources, graph.targets, min_follows=privacy.min_group_size
    )
    timed(timings, "cluster graph", started)
    return AudienceAnalysis(clustering, cards, summary, edges, timings)


def save_insights(
    connection: DuckDBPyConnection,
    account_id: str,
    handle: str,
    inputs: AudienceInputs,
    analysis: AudienceAnalysis,
    *,
    clusters: int | None,
    privacy: PrivacySettings,
    options: GraphOptions,
    by: Segmentation = "follows",
) -> AudienceInsights:
    """Save an analysis as the account's newest result; the insights the report shows."""
    graph, clustering = inputs.graph, analysis.clustering
    started = time.perf_counter()
    parameters = {
        "by": by, "clusters": clusters, "privacy": vars(privacy), "options": vars(options),
        "dropped": graph.dropped, "total_members": graph.total_members,
        "communities": clustering.communities,
    }  # fmt: skip
    names = {card.cluster: card.name for card in analysis.cards}
    result_id = save_result(
        connection, account_id, graph.member_keys, clustering, names, parameters
    )
    timings = {**inputs.timings, **analysis.timings}
    timed(timings, "save result", started)
    dropped, total = release_dropped(graph.dropped, kept=graph.size,
                                     minimum=privacy.min_group_size)  # fmt: skip
    return AudienceInsights(
        handle, result_id, clustering, graph.size, total, dropped,
        analysis.cards, analysis.summary, analysis.edges, privacy, timings,
    )  # fmt: skip


def load_kept_graph(
    connection: DuckDBPyConnection, account_id: str, options: GraphOptions
) -> AudienceGraph:
    """The audience graph with the members `options` leaves out dropped."""
    return load_graph(
        connection, account_id, drop_isolated=options.drop_isolated,
        drop_mass_followers=options.drop_mass_followers, drop_bots=options.drop_bots,
    )  # fmt: skip


@dataclass(frozen=True)
class SavedInputs:
    """A saved result with what its report is rebuilt from."""

    saved: SavedResult
    inputs: AudienceInputs


def saved_insights(
    connection: DuckDBPyConnection,
    account_id: str,
    handle: str,
    *,
    result_id: int | None = None,
) -> AudienceInsights:
    """The report of a saved result, with its merges and names, recomputed from the store."""
    return rebuild_insights(handle, load_saved(connection, account_id, result_id))


def load_saved(
    connection: DuckDBPyConnection, account_id: str, result_id: int | None = None
) -> SavedInputs:
    """A saved result (the newest when `result_id` is None) and the inputs of its report."""
    saved = load_result(connection, account_id, result_id)
    options = GraphOptions(**saved.parameters["options"])
    return SavedInputs(saved, load_inputs(connection, account_id, options))


def rebuild_insights(handle: str, saved_inputs: SavedInputs) -> AudienceInsights:
    """The report of a saved result from its inputs (no store: any process)."""
    saved = saved_inputs.saved
    graph, attributes = saved_inputs.inputs.graph, saved_inputs.inputs.attributes
    privacy = PrivacySettings(**saved.parameters["privacy"])
    labels = align_labels(graph, saved.member_keys, saved.labels)
    clustering = Clustering(
        labels, saved.mode, saved.reason, saved.algorithm, saved.seed, saved.modularity,
        int(saved.parameters.get("communities", len(saved.names))),
    )  # fmt: skip
    cards, summary = build_cards(attributes, clustering, graph.sources, graph.targets,
                                 privacy=privacy, outside=saved_inputs.inputs.outside)  # fmt: skip
    # NOTE: a merge leaves a gap in the numbers; its empty card is not shown
    cards = [
        replace(card, name=saved.names.get(card.cluster, card.name)) for card in cards if card.size
    ]
    summary = replace(
        summary,
        clusters=[
            replace(size, name=saved.names.get(size.cluster, size.name))
            for size in summary.clusters
            if size.size
        ],
    )
    edges = cluster_edges(labels, graph.sources, graph.targets, min_follows=privacy.min_group_size)
    dropped, total = release_dropped(graph.dropped, kept=graph.size,
                                     minimum=privacy.min_group_size)  # fmt: skip
    return AudienceInsights(
        handle, saved.result_id, clustering, graph.size, total, dropped, cards, summary, edges,
        privacy,
    )  # fmt: skip


def align_labels(graph: AudienceGraph, member_keys: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Saved labels in the graph's member order; members the result does not know go to Other."""
    order = np.argsort(member_keys)
    sorted_keys = member_keys[order]
    found = np.searchsorted(sorted_keys, graph.member_keys)
    found = np.clip(found, 0, max(len(sorted_keys) - 1, 0))
    known = len(sorted_keys) > 0 and sorted_keys[found] == graph.member_keys
    aligned = np.full(graph.size, OTHER, dtype=np.int32)
    if len(sorted_keys):
        aligned[known] = labels[order][found[known]]
    return aligned


def as_dict(insights: AudienceInsights) -> dict[str, Any]:
    """The insights as plain data for JSON (aggregates only)."""
    from dataclasses import asdict

    clustering = insights.clustering
    return {
        "account": insights.handle,
        "result_id": insights.result_id,
        "clustering": {
            "mode": clustering.mode, "reason": clustering.reason,
            "algorithm": clustering.algorithm, "seed": clustering.seed,
            "modularity": clustering.modularity, "communities_found": clustering.communities,
            "clusters": clustering.clusters,
        },
        "audience": {
            "total_members": insights.total_members, "clustered_members": insights.graph_size,
            "dropped": insights.dropped,
        },
        "privacy": vars(insights.privacy),
        "summary": asdict(insights.summary),
        "clusters": [asdict(card) for card in insights.cards],
        "cluster_graph": [asdict(edge) for edge in insights.edges],
    }  # fmt: skip
