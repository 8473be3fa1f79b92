"""Benchmark: community detection methods on simulated audiences, against the planted truth.

For each audience size it simulates a store (kept in --folder between runs), loads the follow
graph with `load_graph`, and for each method and seed times the bare clustering call (graph
construction excluded, and timed apart), then reports NMI against `planted_membership` on the
kept members, modularity on the weighted undirected follow graph, and the number of communities.
The first seed runs twice to show whether a method is reproducible. With --sparse it instead
thins the follows to the given percentages and compares follows alone with hybrid mode. Usage:

    .venv/bin/python benchmarks/community_detection.py [--members 50000 1000000] [--seeds 7 8 9]
    .venv/bin/python benchmarks/community_detection.py --members 20000 --sparse 5 25 50 100
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from tikscope.audience.detection import (
    WeightedEdges,
    find_communities,
    modularity,
    normalized_mutual_information,
    run_leiden,
    undirected_edges,
)
from tikscope.audience.graph import load_graph
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store, simulated_account_id
from tikscope.store.db import open_store

Prepared = Any  # a method's own graph object


@dataclass(frozen=True)
class Method:
    """A clustering method: how to build its graph, and the call that is timed."""

    name: str
    prepare: Callable[[WeightedEdges], Prepared]
    run: Callable[[Prepared, int], np.ndarray]


def networkit_graph(edges: WeightedEdges) -> Prepared:
    import networkit

    return networkit.GraphFromCoo(
        (edges.weights, (edges.first, edges.second)), n=edges.nodes, weighted=True, directed=False
    )


def networkit_plm(threads: int) -> Callable[[Prepared, int], np.ndarray]:
    def run(graph: Prepared, seed: int) -> np.ndarray:
        import networkit

        before = networkit.getMaxNumberOfThreads()
        networkit.setNumberOfThreads(threads)
        networkit.engineering.setSeed(seed, False)
        try:
            plm = networkit.community.PLM(graph, refine=True)
            plm.run()
            return np.asarray(plm.getPartition().getVector(), dtype=np.int64)
        finally:
            networkit.setNumberOfThreads(before)

    return run


def networkit_leiden_threads(threads: int) -> Callable[[Prepared, int], np.ndarray]:
    def run(graph: Prepared, seed: int) -> np.ndarray:
        import networkit

        before = networkit.getMaxNumberOfThreads()
        networkit.setNumberOfThreads(threads)
        networkit.engineering.setSeed(seed, False)
        try:
            leiden = networkit.community.ParallelLeiden(graph, randomize=True)
            leiden.run()
            return np.asarray(leiden.getPartition().getVector(), dtype=np.int64)
        finally:
            networkit.setNumberOfThreads(before)

    return run


def igraph_graph(edges: WeightedEdges) -> Prepared:
    import igraph

    graph = igraph.Graph(n=edges.nodes, edges=np.column_stack((edges.first, edges.second)))
    graph.es["weight"] = edges.weights
    return graph


def igraph_leiden(iterations: int) -> Callable[[Prepared, int], np.ndarray]:
    def run(graph: Prepared, seed: int) -> np.ndarray:
        import igraph

        igraph.set_random_number_generator(random.Random(seed))
        try:
            found = graph.community_leiden(
                objective_function="modularity", weights="weight", n_iterations=iterations
            )
        finally:
            igraph.set_random_number_generator(random)
        return np.asarray(found.membership, dtype=np.int64)

    return run


def chosen_method(edges: WeightedEdges, seed: int) -> np.ndarray:
    return find_communities(edges, seed=seed)


def networkit_leiden(edges: WeightedEdges, seed: int) -> np.ndarray:
    return run_leiden(edges, seed=seed)


def unchanged(edges: WeightedEdges) -> Prepared:
    return edges


METHODS = (
    Method(
        "networkit Leiden + split check, 1 thread, sampled above 2M edges (chosen)",
        unchanged,
        chosen_method,
    ),
    Method("networkit Leiden, 1 thread", unchanged, networkit_leiden),
    Method("networkit Leiden, 2 threads", networkit_graph, networkit_leiden_threads(2)),
    Method("networkit PLM (refine), 1 thread", networkit_graph, networkit_plm(1)),
    Method("networkit PLM (refine), 2 threads", networkit_graph, networkit_plm(2)),
    Method("igraph Leiden, 2 iterations", igraph_graph, igraph_leiden(2)),
    Method("igraph Leiden, until stable", igraph_graph, igraph_leiden(-1)),
)


def simulated_store(folder: Path, members: int) -> Path:
    """A store with a simulated audience of `members` (built once, then reused)."""
    path = folder / f"audience_{members}.duckdb"
    if not path.exists():
        config = SimulationConfig(members=members, posts=10, days=30, end_date=date(2026, 11, 21))
        with open_store(path, create=True) as connection:
            simulate_into_store(connection, config)
    return path


def planted(connection: Any, account_id: str, member_keys: np.ndarray) -> np.ndarray:
    """The planted community of each kept member."""
    truth = connection.sql(
        "SELECT member_key, community FROM planted_membership WHERE account_id = $account_id "
        "ORDER BY member_key",
        params={"account_id": account_id},
    ).fetchnumpy()
    found = np.searchsorted(truth["member_key"], member_keys)
    return np.asarray(truth["community"], dtype=np.int64)[found]


def canonical(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered in order of first appearance, so equal partitions compare equal."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[inverse]


def measure(members: int, folder: Path, seeds: list[int], chosen: list[Method]) -> None:
    """Print one table row per method and seed for an audience of `members`."""
    path = simulated_store(folder, members)
    account_id = simulated_account_id(SimulationConfig())
    with open_store(path) as connection:
        started = time.perf_counter()
        graph = load_graph(connection, account_id)
        loaded = time.perf_counter() - started
        truth = planted(connection, account_id, graph.member_keys)
    started = time.perf_counter()
    edges = undirected_edges(graph)
    print(
        f"\n{members:,} members: kept {graph.size:,}, {len(graph.sources):,} follows, "
        f"{len(edges.weights):,} undirected edges; load_graph {loaded:.2f} s, "
        f"undirected edges {time.perf_counter() - started:.2f} s; dropped {graph.dropped}"
    )
    print("| method | seed | build s | cluster s | NMI | modularity | communities | repeat |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for method in chosen:
        started = time.perf_counter()
        prepared = method.prepare(edges)
        built = time.perf_counter() - started
        first_labels: np.ndarray | None = None
        for index, seed in enumerate([seeds[0], *seeds]):
            started = time.perf_counter()
            labels = method.run(prepared, seed)
            elapsed = time.perf_counter() - started
            if index == 0:
                first_labels = labels
                continue
            repeat = ""
            if index == 1 and first_labels is not None:
                same = np.array_equal(canonical(first_labels), canonical(labels))
                repeat = "same" if same else "differs"
            print(
                f"| {method.name} | {seed} | {built:.1f} | {elapsed:.1f} | "
                f"{normalized_mutual_information(truth, labels):.3f} | "
                f"{modularity(edges, labels):.4f} | {len(np.unique(labels))} | {repeat} |",
                flush=True,
            )


def measure_sparse(members: int, folder: Path, kept: list[int], seed: int) -> None:
    """Print NMI of follows alone and of hybrid mode with only `kept`% of member follows left."""
    from tikscope.audience.attributes import load_member_attributes
    from tikscope.audience.communities import present_automatically
    from tikscope.audience.hybrid import hybrid_edges, measure_sparsity
    from tikscope.audience.model import PrivacySettings

    source = simulated_store(folder, members)
    account_id = simulated_account_id(SimulationConfig())
    print(f"\n{members:,} members, follows thinned at random (automatic mode, seed {seed})")
    print(
        "| follows kept | follows per member | connections per member | NMI follows "
        "| NMI hybrid | hybrid s |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for percent in kept:
        path = folder / f"sparse_{members}_{percent}.duckdb"
        shutil.copy(source, path)
        with open_store(path) as connection:
            connection.execute(
                "DELETE FROM follows WHERE followee_type = 'member' "
                "AND hash(follower_key, followee_key, 17) % 1000 >= ?",
                [percent * 10],
            )
            graph = load_graph(connection, account_id)
            truth = planted(connection, account_id, graph.member_keys)
            attributes = load_member_attributes(connection, account_id, graph.member_keys)
        path.unlink()
        follows = undirected_edges(graph)
        alone = present_automatically(find_communities(follows, seed=seed), PrivacySettings())
        started = time.perf_counter()
        edges = hybrid_edges(follows, attributes, seed=seed)
        both = present_automatically(find_communities(edges, seed=seed), PrivacySettings())
        elapsed = time.perf_counter() - started
        sparsity = measure_sparsity(graph, follows)
        print(
            f"| {percent}% | {len(graph.sources) / max(sparsity.members, 1):.2f} | "
            f"{sparsity.connections_per_member:.2f} | "
            f"{normalized_mutual_information(truth, alone):.3f} | "
            f"{normalized_mutual_information(truth, both):.3f} | {elapsed:.1f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[50_000, 1_000_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    parser.add_argument("--methods", type=int, nargs="+", help="method numbers (1-based)")
    parser.add_argument("--folder", type=Path, default=Path("/tmp/tikscope-bench"))
    parser.add_argument(
        "--sparse", type=int, nargs="*", help="instead: %% of follows kept, follows vs hybrid"
    )
    arguments = parser.parse_args()
    arguments.folder.mkdir(parents=True, exist_ok=True)
    chosen = [METHODS[number - 1] for number in arguments.methods or range(1, len(METHODS) + 1)]
    print(
        f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}"
    )
    for members in arguments.members:
        if arguments.sparse:
            measure_sparse(members, arguments.folder, arguments.sparse, arguments.seeds[0])
        else:
            measure(members, arguments.folder, arguments.seeds, chosen)


if __name__ == "__main__":
    main()
