"""Benchmark: tikscope's clusters on public graphs with known groups, against igraph's Leiden.

Each graph of `../shared/data/graphs/` (README there) is imported as a user would: a GML file
beside a members CSV of its node ids, or a members CSV and an edges CSV (`source,target`)
written from a CSV pair. The members CSV also carries one attribute in its `language` column:
the twitch graph's mature-content flag (unrelated to the communities: no card may flag it);
the known group is never imported. Then `tikscope import` and `tikscope audience report` run
as functions with their default options (automatic clusters, seed 7 and 8 and 9).

For every member of the file, NMI (arithmetic normalization) between the known group and:
- tikscope's cluster (members in Other or left out of the graph count as one more group);
- tikscope's raw community (`detection.find_communities`, before the clusters are presented);
- igraph's Leiden (modularity, resolution 1, until stable, seeded) on the same graph: the
  members and the imported edges, undirected, each member in its community.

Also printed: clusters shown, modularity of both partitions on the imported graph, and how many
cards flag a value of the imported attribute. Usage:

    .venv/bin/python benchmarks/known_groups.py [--graphs polbooks dolphins ...] [--seeds 7 8 9]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from tikscope.audience.detection import (
    combine_edges,
    find_communities,
    modularity,
    normalized_mutual_information,
    undirected_edges,
)
from tikscope.audience.insights import analyse, load_inputs
from tikscope.audience.model import OTHER, PrivacySettings
from tikscope.store.db import open_store
from tikscope.sync.imports import import_path
from tikscope.sync.pseudonyms import pseudonymizer

GRAPHS = Path(__file__).resolve().parents[2] / "shared" / "data" / "graphs"
if not GRAPHS.exists():
    GRAPHS = Path("/work/shared/data/graphs")
GML_GROUPS = {"polbooks": "value", "dolphins": None, "citeseer": "community"}
CSV_GRAPHS = ("facebook", "github", "twitch")
UNRELATED = {"twitch"}
"""Graphs whose known attribute is imported (in `language`) and must never be flagged."""
HANDLE = "known_groups"


@dataclass(frozen=True)
class Graph:
    """A graph ready to import: its folder, member ids in order, groups, and undirected edges."""

    name: str
    folder: Path
    ids: list[str]
    groups: np.ndarray | None
    first: np.ndarray
    second: np.ndarray


def gml_nodes(path: Path, group: str | None) -> tuple[list[str], list[str]]:
    """Node ids and (when `group` is given) their group value, in file order."""
    text = path.read_text(encoding="utf-8")
    ids, groups = [], []
    for block in re.findall(r"node\s*\[(.*?)\]", text, re.S):
        found = re.search(r"\bid\s+(\S+)", block)
        ids.append(found.group(1) if found else "")
        if group is not None:
            value = re.search(rf"\b{group}\s+\"?([^\"\s]+)", block)
            groups.append(value.group(1) if value else "")
    return ids, groups


def gml_edges(path: Path) -> list[tuple[str, str]]:
    """(source, target) of each edge, in file order."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(r"\bsource\s+(\S+).*?\btarget\s+(\S+)", re.S)
    return [
        (found.group(1), found.group(2))
        for block in re.findall(r"edge\s*\[(.*?)\]", text, re.S)
        if (found := pattern.search(block)) is not None
    ]


def prepare(name: str, root: Path) -> Graph:
    """Write the files a user would import for one graph."""
    folder = root / name
    folder.mkdir()
    if name in GML_GROUPS:
        source = GRAPHS / f"{name}.gml"
        ids, values = gml_nodes(source, GML_GROUPS[name])
        pairs = gml_edges(source)
        (folder / "members.csv").write_text("id\n" + "\n".join(ids) + "\n", encoding="utf-8")
        shutil.copy(source, folder / f"{name}.gml")
        groups = codes(values) if values else None
    else:
        targets = np.loadtxt(GRAPHS / name / "target.csv", delimiter=",", skiprows=1, dtype=str)
        ids = targets[:, 0].tolist()
        values = targets[:, 1].tolist()
        lines = ["id,language"] if name in UNRELATED else ["id"]
        for member, value in zip(ids, values, strict=True):
            lines.append(f"{member},{value}" if name in UNRELATED else member)
        (folder / "members.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        raw = (GRAPHS / name / "edges.csv").read_text(encoding="utf-8").splitlines()[1:]
        (folder / "edges.csv").write_text(
            "source,target\n" + "\n".join(raw) + "\n", encoding="utf-8"
        )
        pairs = [(a, b) for a, b in (line.split(",") for line in raw)]
        groups = codes(values)
    position = {member: index for index, member in enumerate(ids)}
    first = np.array([position[a] for a, _ in pairs], dtype=np.int64)
    second = np.array([position[b] for _, b in pairs], dtype=np.int64)
    return Graph(name, folder, ids, groups, first, second)


def codes(values: list[str]) -> np.ndarray:
    """Each value as an integer code."""
    return np.unique(np.array(values), return_inverse=True)[1].astype(np.int64)


@dataclass(frozen=True)
class Ours:
    """What tikscope made of a graph, per member in file order (Other and left out: -1)."""

    clusters: np.ndarray
    communities: np.ndarray
    shown: int
    flags: int
    reason: str
    seconds: float


def ours(graph: Graph, root: Path, seed: int) -> Ours:
    """Import the graph as a user would and cluster it with the report's defaults.

    Returns each member's cluster and raw community (`detection.find_communities`, what the
    clusters are presented from), the clusters shown, how many card values of the imported
    attribute are flagged, the reason, and seconds.
    """
    store = root / f"{graph.name}.duckdb"
    with open_store(store, create=True) as connection:
        [account] = import_path(
            connection, graph.folder, handle=HANDLE, today=date.today(), key_file=root / "k.key"
        )
        started = time.perf_counter()
        inputs = load_inputs(connection, account.account_id)
        analysis = analyse(inputs, clusters=None, seed=seed, privacy=PrivacySettings())
        elapsed = time.perf_counter() - started
        member_ids = dict(
            connection.execute(
                "SELECT member_key, member_id FROM audience_members WHERE account_id = ?",
                [account.account_id],
            ).fetchall()
        )
    store.unlink()
    pseudonym = pseudonymizer(root / "k.key")
    clustering = analysis.clustering
    cluster_of = {
        member_ids[key]: label
        for key, label in zip(
            inputs.graph.member_keys.tolist(), clustering.labels.tolist(), strict=True
        )
    }
    raw = find_communities(undirected_edges(inputs.graph), seed=seed)
    community_of = {
        member_ids[key]: label
        for key, label in zip(inputs.graph.member_keys.tolist(), raw.tolist(), strict=True)
    }
    members = [pseudonym(member) for member in graph.ids]
    flags = sum(item.significant for card in analysis.cards for item in card.attributes["language"])
    return Ours(
        np.array([cluster_of.get(member, OTHER) for member in members]),
        np.array([community_of.get(member, OTHER) for member in members]),
        clustering.clusters,
        flags,
        clustering.reason,
        elapsed,
    )


def leiden(graph: Graph, seed: int) -> np.ndarray:
    """igraph's Leiden (modularity, resolution 1, until stable) on the undirected graph."""
    import igraph

    edges = combine_edges(graph.first, graph.second, None, len(graph.ids))
    network = igraph.Graph(n=len(graph.ids), edges=np.column_stack((edges.first, edges.second)))
    igraph.set_random_number_generator(random.Random(seed))
    try:
        partition = network.community_leiden(
            objective_function="modularity", resolution=1, n_iterations=-1
        )
    finally:
        igraph.set_random_number_generator(random)
    return np.asarray(partition.membership, dtype=np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [*GML_GROUPS, *CSV_GRAPHS]
    parser.add_argument("--graphs", nargs="+", default=names, choices=names)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    arguments = parser.parse_args()
    print(
        f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(
        "| graph | members / edges | known groups | seeds | NMI of tikscope's clusters "
        "| clusters shown | in Other | modularity | NMI of tikscope's communities "
        "| NMI of Leiden | Leiden communities | Leiden modularity | flags of the attribute "
        "| tikscope s |"
    )
    print("| --- " * 14 + "|")
    for name in arguments.graphs:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            graph = prepare(name, root)
            edges = combine_edges(graph.first, graph.second, None, len(graph.ids))
            rows = []
            for seed in arguments.seeds:
                found = ours(graph, root, seed)
                theirs = leiden(graph, seed)
                truth = graph.groups if graph.groups is not None else theirs
                shown = grouped(found.clusters)
                rows.append(
                    (
                        normalized_mutual_information(truth, shown),
                        found.shown,
                        modularity(edges, shown),
                        normalized_mutual_information(truth, grouped(found.communities)),
                        normalized_mutual_information(truth, theirs),
                        int(theirs.max()) + 1,
                        modularity(edges, theirs),
                        found.flags,
                        found.seconds,
                        float(np.mean(found.clusters == OTHER)),
                    )
                )
            print(f"<!-- {name}: {found.reason} -->")
            table = np.array(rows, dtype=np.float64)
            known = (
                "none (NMI against Leiden)"
                if graph.groups is None
                else (f"{int(graph.groups.max()) + 1}")
            )
            print(
                f"| {name} | {len(graph.ids):,} / {len(edges.first):,} | {known} "
                f"| {', '.join(map(str, arguments.seeds))} | {spread(table[:, 0], 3)} "
                f"| {spread(table[:, 1], 0)} | {spread(100 * table[:, 9], 0)}% "
                f"| {spread(table[:, 2], 3)} | {spread(table[:, 3], 3)} "
                f"| {spread(table[:, 4], 3)} | {spread(table[:, 5], 0)} "
                f"| {spread(table[:, 6], 3)} | {int(table[:, 7].sum())} "
                f"| {spread(table[:, 8], 1)} |",
                flush=True,
            )


def grouped(labels: np.ndarray) -> np.ndarray:
    """Labels with Other (and the members left out) as one more group."""
    return np.where(labels == OTHER, labels.max() + 1, labels)


def spread(values: np.ndarray, digits: int) -> str:
    """The values' range, or the one value they all share."""
    low, high = f"{values.min():.{digits}f}", f"{values.max():.{digits}f}"
    return low if low == high else f"{low}-{high}"


if __name__ == "__main__":
    main()
