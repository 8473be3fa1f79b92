"""Cluster-level exports for Gephi and spreadsheets: GraphML, GEXF and CSV.

Only aggregates: a node is a cluster with its size, an edge the follows between two clusters.
No file lists members.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from pathlib import Path

from tikscope.audience.cluster_graph import ClusterEdge
from tikscope.reports.audience_picture import Node
from tikscope.reports.spreadsheet import csv_text

GRAPHML = "http://graphml.graphdrawing.org/xmlns"
GEXF = "http://gexf.net/1.3"


def write_csv(nodes: Sequence[Node], edges: Sequence[ClusterEdge], folder: Path) -> list[Path]:
    """clusters.csv (cluster, name, members, share) and cluster_edges.csv."""
    clusters, links = folder / "clusters.csv", folder / "cluster_edges.csv"
    # NOTE: names can be anyone's words (a rename, bio keywords): `csv_text` neutralises them.
    clusters.write_text(csv_text(["cluster", "name", "members", "share"], (
        [n.cluster, n.name, n.members, round(n.share, 6)] for n in nodes)), "utf-8")  # fmt: skip
    links.write_text(csv_text(["source", "target", "follows", "lift"], (
        [e.source, e.target, e.follows, round(e.lift, 6)] for e in edges)), "utf-8")  # fmt: skip
    return [clusters, links]


def write_graphml(nodes: Sequence[Node], edges: Sequence[ClusterEdge], path: Path) -> Path:
    """The cluster graph as GraphML (undirected, with name, members, share, follows, lift)."""
    ElementTree.register_namespace("", GRAPHML)
    root = ElementTree.Element(f"{{{GRAPHML}}}graphml")
    keys = (("name", "node", "string"), ("members", "node", "int"), ("share", "node", "double"),
            ("follows", "edge", "int"), ("lift", "edge", "double"))  # fmt: skip
    for name, target, kind in keys:
        ElementTree.SubElement(
            root, f"{{{GRAPHML}}}key",
            {"id": name, "for": target, "attr.name": name, "attr.type": kind},
        )  # fmt: skip
    graph = ElementTree.SubElement(root, f"{{{GRAPHML}}}graph", {"edgedefault": "undirected"})
    for node in nodes:
        element = ElementTree.SubElement(graph, f"{{{GRAPHML}}}node", {"id": f"c{node.cluster}"})
        for key, value in (("name", node.name), ("members", node.members), ("share", node.share)):
            ElementTree.SubElement(element, f"{{{GRAPHML}}}data", {"key": key}).text = str(value)
    for edge in edges:
        element = ElementTree.SubElement(
            graph, f"{{{GRAPHML}}}edge", {"source": f"c{edge.source}", "target": f"c{edge.target}"}
        )
        for key, value in (("follows", edge.follows), ("lift", round(edge.lift, 6))):
            ElementTree.SubElement(element, f"{{{GRAPHML}}}data", {"key": key}).text = str(value)
    ElementTree.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def write_gexf(nodes: Sequence[Node], edges: Sequence[ClusterEdge], path: Path) -> Path:
    """The cluster graph as GEXF 1.3, with node size = members and edge weight = follows."""
    ElementTree.register_namespace("", GEXF)
    root = ElementTree.Element(f"{{{GEXF}}}gexf", {"version": "1.3"})
    graph = ElementTree.SubElement(root, f"{{{GEXF}}}graph", {"defaultedgetype": "undirected"})
    attributes = ElementTree.SubElement(graph, f"{{{GEXF}}}attributes", {"class": "node"})
    for index, (name, kind) in enumerate((("members", "integer"), ("share", "double"))):
        ElementTree.SubElement(
            attributes, f"{{{GEXF}}}attribute", {"id": str(index), "title": name, "type": kind}
        )
    node_list = ElementTree.SubElement(graph, f"{{{GEXF}}}nodes")
    for node in nodes:
        element = ElementTree.SubElement(
            node_list, f"{{{GEXF}}}node", {"id": f"c{node.cluster}", "label": node.name}
        )
        values = ElementTree.SubElement(element, f"{{{GEXF}}}attvalues")
        for index, value in enumerate((node.members, node.share)):
            ElementTree.SubElement(
                values, f"{{{GEXF}}}attvalue", {"for": str(index), "value": str(value)}
            )
    edge_list = ElementTree.SubElement(graph, f"{{{GEXF}}}edges")
    for number, edge in enumerate(edges):
        ElementTree.SubElement(
            edge_list, f"{{{GEXF}}}edge",
            {"id": str(number), "source": f"c{edge.source}", "target": f"c{edge.target}",
             "weight": str(edge.follows), "label": f"lift {edge.lift:.2f}"},
        )  # fmt: skip
    ElementTree.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
