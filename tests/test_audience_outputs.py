"""Saved results, the cluster graph, the distribution picture and the Gephi/CSV exports."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from tikscope.audience.cluster_graph import ClusterEdge, cluster_edges, cluster_sizes
from tikscope.audience.model import OTHER, Clustering
from tikscope.audience.results import load_result, merge_clusters, rename_cluster, save_result
from tikscope.errors import UsageError
from tikscope.reports.audience_exports import write_csv, write_gexf, write_graphml
from tikscope.reports.audience_picture import Node, draw

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

LABELS = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, OTHER], dtype=np.int32)
# follows between positions: 0-cluster internal (3), 0->1 (2), 1->0 (1), 1->2 (4), 2->OTHER (1)
SOURCES = np.array([0, 1, 2, 0, 3, 4, 4, 5, 6, 6, 7], dtype=np.int32)
TARGETS = np.array([1, 2, 3, 4, 5, 0, 7, 8, 7, 8, 9], dtype=np.int32)


def test_cluster_edges_counts_and_lift_by_hand() -> None:
    edges = cluster_edges(LABELS, SOURCES, TARGETS, min_follows=1, min_lift=0.0)
    # undirected counts between clusters: 0-1: 0->4, 3->5, 4->0 = 3; 1-2: 4->7, 5->8, 6->7, 6->8 = 4;
    # 2-OTHER: 7->9 = 1. Degrees (without self-loops): OTHER 1, c0 3, c1 7, c2 5; total = 8.
    # lift = follows / (degree_a * degree_b / (2 * total)):
    #   0-1: 3 / (3 * 7 / 16) = 2.2857; 1-2: 4 / (7 * 5 / 16) = 1.8286; OTHER-2: 1 / (1 * 5 / 16) = 3.2
    assert [(e.source, e.target, e.follows) for e in edges] == [(-1, 2, 1), (0, 1, 3), (1, 2, 4)]
    assert [round(e.lift, 4) for e in edges] == [3.2, 2.2857, 1.8286]


def test_cluster_edges_under_min_follows_are_hidden() -> None:
    edges = cluster_edges(LABELS, SOURCES, TARGETS, min_follows=4, min_lift=0.0)
    assert [(e.source, e.target) for e in edges] == [(1, 2)]


def test_cluster_sizes() -> None:
    assert cluster_sizes(LABELS) == {-1: 1, 0: 4, 1: 3, 2: 2}


@pytest.fixture
def saved(store: DuckDBPyConnection) -> int:
    clustering = Clustering(LABELS, "follows", "dense enough", "test", 7, 0.4, 4)
    names = {0: "plants", 1: "pets", 2: "cooking", OTHER: "Other"}
    keys = np.arange(100, 110, dtype=np.int32)
    return save_result(store, "acc", keys, clustering, names, {"clusters": None})


def test_saved_result_round_trip(store: DuckDBPyConnection, saved: int) -> None:
    result = load_result(store, "acc")
    assert result.result_id == saved == 1
    assert result.member_keys.tolist() == list(range(100, 110))
    assert result.labels.tolist() == LABELS.tolist()
    assert result.names == {0: "plants", 1: "pets", 2: "cooking", -1: "Other"}
    assert (result.mode, result.algorithm, result.seed, result.modularity) == (
        "follows",
        "test",
        7,
        0.4,
    )


def test_merge_and_rename_edit_the_newest_result(store: DuckDBPyConnection, saved: int) -> None:
    assert merge_clusters(store, "acc", [1, 2]) == (saved, 1)
    assert rename_cluster(store, "acc", 1, "  pets & cooking ") == saved
    result = load_result(store, "acc")
    assert result.labels.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 1, OTHER]
    assert result.names == {0: "plants", 1: "pets & cooking", -1: "Other"}


@pytest.mark.parametrize(
    ("clusters", "message"),
    [([1], "two or more"), ([1, 9], "two or more"), ([3, 3], "two or more")],
)
def test_merge_rejects_bad_clusters(
    store: DuckDBPyConnection, saved: int, clusters: list[int], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        merge_clusters(store, "acc", clusters)


def test_rename_rejects_unknown_cluster_and_empty_name(
    store: DuckDBPyConnection, saved: int
) -> None:
    with pytest.raises(UsageError, match="has no cluster 7"):
        rename_cluster(store, "acc", 7, "x")
    with pytest.raises(UsageError, match="cannot be empty"):
        rename_cluster(store, "acc", 0, "  ")


def test_no_saved_result_is_a_clear_error(store: DuckDBPyConnection) -> None:
    with pytest.raises(UsageError, match="run `tikscope audience report` first"):
        load_result(store, "acc")


NODES = [
    Node(0, "plant · monstera · repotting", 5000, 0.5),
    Node(1, "pets · dog · cat", 2500, 0.25),
    Node(2, "cooking · recipes · kitchen", 1500, 0.15),
    Node(3, "diy · upcycling · wood", 600, 0.06),
    Node(OTHER, "Other", 400, 0.04),
]
EDGES = [ClusterEdge(0, 1, 900, 1.4), ClusterEdge(1, 2, 300, 1.1), ClusterEdge(-1, 3, 20, 1.0)]


def test_picture_is_transparent_png_with_labels_apart(tmp_path: Path) -> None:
    from PIL import Image

    boxes = draw(NODES, EDGES, tmp_path / "graph.png", labels=True)
    plain = draw(NODES, EDGES, tmp_path / "plain.png", labels=False)
    assert len(boxes) == len(NODES) and plain == []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    with Image.open(tmp_path / "graph.png") as image:
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0  # the corner is fully transparent
        assert image.width >= 800


def test_picture_svg_has_the_names(tmp_path: Path) -> None:
    draw(NODES, EDGES, tmp_path / "graph.svg", labels=True)
    text = (tmp_path / "graph.svg").read_text()
    assert text.startswith("<?xml")
    assert all(word in text for word in ("monstera", "Other"))


def test_exports_hold_only_clusters(tmp_path: Path) -> None:
    write_graphml(NODES, EDGES, tmp_path / "c.graphml")
    write_gexf(NODES, EDGES, tmp_path / "c.gexf")
    clusters, links = write_csv(NODES, EDGES, tmp_path)
    graphml = ElementTree.parse(tmp_path / "c.graphml").getroot()
    namespace = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert [n.get("id") for n in graphml.iterfind(".//g:node", namespace)] == [
        "c0",
        "c1",
        "c2",
        "c3",
        "c-1",
    ]
    assert len(graphml.findall(".//g:edge", namespace)) == 3
    gexf = ElementTree.parse(tmp_path / "c.gexf").getroot()
    labels = [n.get("label") for n in gexf.iterfind(".//{http://gexf.net/1.3}node")]
    assert labels == [node.name for node in NODES]
    assert clusters.read_text().splitlines()[0:2] == [
        "cluster,name,members,share",
        "0,plant · monstera · repotting,5000,0.5",
    ]
    assert links.read_text().splitlines() == [
        "source,target,follows,lift",
        "0,1,900,1.4",
        "1,2,300,1.1",
        "-1,3,20,1.0",
    ]


def test_clusters_csv_neutralises_names_a_spreadsheet_would_run(tmp_path: Path) -> None:
    nodes = [Node(0, '=HYPERLINK("http://x.example")', 10, 0.5), Node(1, "-plants", 10, 0.5)]
    clusters, _ = write_csv(nodes, [], tmp_path)
    assert clusters.read_text("utf-8").splitlines() == [
        "cluster,name,members,share",
        '0,"\'=HYPERLINK(""http://x.example"")",10,0.5',
        "1,'-plants,10,0.5",
    ]
