"""Writing the audience report folder: HTML, JSON, the distribution graph and the exports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tikscope.audience.cards import AudienceShare, AudienceSummary
from tikscope.audience.insights import AudienceInsights, as_dict
from tikscope.audience.model import OTHER
from tikscope.reports.audience_exports import write_csv, write_gexf, write_graphml
from tikscope.reports.audience_picture import (
    OTHER_COLOR,
    Node,
    draw,
    edge_style,
    node_colors,
    place_discs,
    render_png,
)
from tikscope.reports.branding import TIKSCOPE, Branding
from tikscope.reports.html import render_page

IMAGES = {"labels": "clusters.png", "plain": "clusters_no_labels.png", "svg": "clusters.svg"}
EXPORTS = {
    "graphml": "clusters.graphml", "gexf": "clusters.gexf",
    "clusters": "clusters.csv", "edges": "cluster_edges.csv",
}  # fmt: skip


def nodes_of(insights: AudienceInsights) -> list[Node]:
    """The clusters as drawn and exported, largest first, Other last."""
    cards = sorted(insights.cards, key=lambda card: (card.cluster == OTHER, -card.size))
    return [Node(card.cluster, card.name, card.size, card.share) for card in cards if card.size]


HOVER_KEYWORDS = 5
"""How many of a cluster's keywords the interactive graph shows on hover."""


@dataclass(frozen=True)
class GraphNode:
    """A cluster's disc: who it is, its color, where it is and how big, its top keywords.

    x, y and radius are in the same (data) units.
    """

    cluster: int
    name: str
    members: int
    share: float
    color: str
    x: float
    y: float
    radius: float
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class GraphEdge:
    """A link between two clusters: follows between them, lift, and how it is drawn."""

    source: int
    target: int
    follows: int
    lift: float
    width: float
    opacity: float


@dataclass(frozen=True)
class GraphLayout:
    """The distribution graph as data: discs largest first (Other last), and the edges."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]


def graph_layout(insights: AudienceInsights) -> GraphLayout:
    """The distribution graph as data: discs where the picture puts them, and the edges.

    The interactive graph of the web page draws this (as JSON, one object per node and edge);
    `draw` draws the same layout as PNG/SVG.
    """
    nodes = nodes_of(insights)
    if not nodes:
        return GraphLayout((), ())
    position, radius = place_discs(nodes, insights.edges, seed=insights.clustering.seed)
    colors = node_colors(nodes)
    keywords = {card.cluster: [k.term for k in card.keywords[:HOVER_KEYWORDS]]
                for card in insights.cards}  # fmt: skip
    most = max((edge.follows for edge in insights.edges), default=1)
    return GraphLayout(
        nodes=tuple(
            GraphNode(node.cluster, node.name, node.members, node.share, colors[node.cluster],
                      float(position[i, 0]), float(position[i, 1]), float(radius[i]),
                      tuple(keywords.get(node.cluster, [])))
            for i, node in enumerate(nodes)
        ),
        edges=tuple(
            GraphEdge(edge.source, edge.target, edge.follows, float(edge.lift), *edge_style(edge,
                                                                                          most))
            for edge in insights.edges
        ),
    )  # fmt: skip


def graph_png(insights: AudienceInsights, *, labels: bool) -> bytes:
    """The Clusters Distribution Graph as a transparent PNG, with or without labels."""
    return render_png(
        nodes_of(insights), insights.edges, labels=labels, seed=insights.clustering.seed
    )


def write_audience_report(
    insights: AudienceInsights,
    out_dir: Path,
    *,
    labels: bool = True,
    branding: Branding = TIKSCOPE,
) -> Path:
    """Write every output of the report into `out_dir`; returns the HTML page's path.

    With `labels=False` the page shows the picture without labels (both PNGs are written).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    nodes = nodes_of(insights)
    seed = insights.clustering.seed
    draw(nodes, insights.edges, out_dir / IMAGES["labels"], labels=True, seed=seed)
    draw(nodes, insights.edges, out_dir / IMAGES["plain"], labels=False, seed=seed)
    draw(nodes, insights.edges, out_dir / IMAGES["svg"], labels=True, seed=seed)
    write_graphml(nodes, insights.edges, out_dir / EXPORTS["graphml"])
    write_gexf(nodes, insights.edges, out_dir / EXPORTS["gexf"])
    write_csv(nodes, insights.edges, out_dir)
    (out_dir / "report.json").write_text(
        json.dumps(as_dict(insights), indent=2, default=str), encoding="utf-8"
    )
    page = out_dir / "index.html"
    context = {**page_context(insights, nodes, labels), "branding": branding}
    page.write_text(render_page("audience.html.j2", context), "utf-8")
    return page


def page_context(insights: AudienceInsights, nodes: list[Node], labels: bool) -> dict[str, Any]:
    """What the page template reads."""
    colors = node_colors(nodes)
    order = {node.cluster: i for i, node in enumerate(nodes)}
    cards = sorted(insights.cards, key=lambda card: order.get(card.cluster, len(order)))
    images = dict(IMAGES)
    if not labels:
        images["labels"] = IMAGES["plain"]
    summary = insights.summary
    return {
        "handle": insights.handle,
        "result_id": insights.result_id,
        "clustering": insights.clustering,
        "clustered": insights.graph_size,
        "total": insights.total_members,
        "dropped": insights.dropped,
        "privacy": insights.privacy,
        "clusters": [
            {**vars(card), "color": colors.get(card.cluster, OTHER_COLOR)} for card in cards
        ],
        "summary": summary,
        "summary_keywords": summary_keywords(summary),
        "summary_attributes": summary_attributes(summary),
        "summary_affinities": summary.affinities,
        "summary_unnamed_affinities": summary.unnamed_affinities,
        "images": images,
        "exports": EXPORTS,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
    }


def summary_keywords(summary: AudienceSummary) -> list[str]:
    """The whole audience's top keywords as words."""
    return [keyword.term for keyword in summary.keywords]


def summary_attributes(summary: AudienceSummary) -> list[tuple[str, list[AudienceShare]]]:
    """The whole audience's interests, then its demographics, attribute by attribute."""
    interests = [("interests", summary.interests)] if summary.interests else []
    return [*interests, *summary.demographics.items()]
