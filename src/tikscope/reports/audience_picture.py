"""The Clusters Distribution Graph: clusters as discs (area = members), follows between them.

PNG with a transparent background, with or without labels, and SVG. The layout is a seeded
force layout, so the same result always gives the same picture.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tikscope.audience.cluster_graph import ClusterEdge
from tikscope.audience.model import OTHER

PALETTE = (
    "#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777",
    "#4f46e5", "#059669", "#b91c1c", "#7c3aed", "#c2410c", "#0e7490", "#a16207", "#be185d",
    "#1d4ed8", "#15803d", "#991b1b", "#6d28d9",
)  # fmt: skip
OTHER_COLOR = "#9ca3af"


@dataclass(frozen=True)
class Node:
    """One cluster as drawn."""

    cluster: int
    name: str
    members: int
    share: float


def printable(text: str) -> str:
    """Text without the symbols (emoji) that the picture's font cannot draw."""
    kept = "".join(c for c in text if unicodedata.category(c) != "So")
    return " ".join(kept.split())


def layout(nodes: Sequence[Node], edges: Sequence[ClusterEdge], *, seed: int = 7) -> np.ndarray:
    """Fruchterman-Reingold positions in [-1, 1]², pulled together by lift, deterministic."""
    count = len(nodes)
    if count == 1:
        return np.zeros((1, 2))
    rng = np.random.default_rng(seed)
    angles = np.linspace(0, 2 * np.pi, count, endpoint=False)
    position = np.stack([np.cos(angles), np.sin(angles)], axis=1) + rng.normal(0, 0.01, (count, 2))
    index = {node.cluster: i for i, node in enumerate(nodes)}
    weight = np.zeros((count, count))
    for edge in edges:
        i, j = index[edge.source], index[edge.target]
        weight[i, j] = weight[j, i] = min(edge.lift, 5.0)
    radius = np.sqrt(np.array([node.share for node in nodes]))
    ideal = 1.2 / np.sqrt(count)
    for step in range(300):
        delta = position[:, None, :] - position[None, :, :]
        distance = np.linalg.norm(delta, axis=2) + np.eye(count)
        spacing = ideal + radius[:, None] + radius[None, :]
        repulse = (spacing**2 / distance**2)[:, :, None] * delta
        attract = (weight * distance / ideal)[:, :, None] * delta
        move = (repulse - attract).sum(axis=1)
        length = np.linalg.norm(move, axis=1, keepdims=True) + 1e-9
        temperature = 0.1 * (1 - step / 300) + 0.002
        position += move / length * np.minimum(length, temperature)
        position -= position.mean(axis=0)
    scaled: np.ndarray = position / (np.abs(position).max() + 1e-9)
    return scaled


def spread_discs(position: np.ndarray, radius: np.ndarray, gap: float = 0.05) -> np.ndarray:
    """Push discs apart until none overlaps another (a few hundred small steps)."""
    position = position.copy()
    for _ in range(500):
        delta = position[:, None, :] - position[None, :, :]
        distance = np.linalg.norm(delta, axis=2) + np.eye(len(position)) * 1e9
        needed = radius[:, None] + radius[None, :] + gap
        overlap = np.clip(needed - distance, 0, None)
        if overlap.max() < 1e-4:
            break
        push = (overlap / distance)[:, :, None] * delta * 0.5
        position += push.sum(axis=1)
    return position


def place_discs(
    nodes: Sequence[Node], edges: Sequence[ClusterEdge], *, seed: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    """Where the graph puts each cluster's disc, and how big: (positions (n, 2), radii (n,)).

    The one layout of the picture, shared by the PNG/SVG and the web page's interactive graph.
    """
    size = np.array([node.members for node in nodes], dtype=float)
    radius = 0.07 + 0.28 * np.sqrt(size / size.max())
    position = spread_discs(layout(nodes, edges, seed=seed) * 1.3, radius)
    return position, radius


def node_colors(nodes: Sequence[Node]) -> dict[int, str]:
    """Each cluster's color in the picture: the palette in drawing order, grey for Other."""
    return {
        node.cluster: OTHER_COLOR if node.cluster == OTHER else PALETTE[i % len(PALETTE)]
        for i, node in enumerate(nodes)
    }


def edge_style(edge: ClusterEdge, most_follows: int) -> tuple[float, float]:
    """An edge's line width (points) and opacity: width by follows, opacity by lift."""
    width = 1 + 9 * float(np.sqrt(edge.follows / max(most_follows, 1)))
    opacity = float(np.clip(0.2 + 0.2 * edge.lift, 0.2, 0.7))
    return width, opacity


def render_png(
    nodes: Sequence[Node], edges: Sequence[ClusterEdge], *, labels: bool, seed: int = 7
) -> bytes:
    """The graph as PNG bytes (transparent background), as `draw` writes it to a file."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tikscope-picture-") as folder:
        path = Path(folder) / "clusters.png"
        draw(nodes, edges, path, labels=labels, seed=seed)
        return path.read_bytes()


def draw(
    nodes: Sequence[Node],
    edges: Sequence[ClusterEdge],
    path: Path,
    *,
    labels: bool,
    seed: int = 7,
) -> list[tuple[float, float, float, float]]:
    """Draw the graph to `path` (.png or .svg) with a transparent background.

    Returns:
        The labels' boxes in pixels (x0, y0, x1, y1), empty without labels: for checking that
        no two overlap.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle

    position, radius = place_discs(nodes, edges, seed=seed)
    # NOTE: a Figure of its own, not pyplot's global state: the web server draws in threads.
    figure = Figure(figsize=(12, 12), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    low = (position - radius[:, None]).min(axis=0) - 0.1
    high = (position + radius[:, None]).max(axis=0) + 0.1
    span = (high - low).max() / 2 + (0.55 if labels else 0.0)
    middle = (high + low) / 2
    axes.set_xlim(middle[0] - span, middle[0] + span)
    axes.set_ylim(middle[1] - span, middle[1] + span)
    axes.set_aspect("equal")
    axes.axis("off")
    draw_edges(axes, nodes, edges, position)
    colors = node_colors(nodes)
    for i, node in enumerate(nodes):
        axes.add_patch(
            Circle(tuple(position[i]), radius[i], color=colors[node.cluster], alpha=0.9, zorder=3)
        )
    boxes: list[tuple[float, float, float, float]] = []
    if labels:
        boxes = place_labels(axes, figure, nodes, position, radius)
    # NOTE: SVG keeps its labels as text (editable, searchable) rather than outlines.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(path, transparent=True, bbox_inches=content_box(figure, axes))
    return boxes


def content_box(figure: Any, axes: Any, pad: float = 0.2) -> Any:
    """What is drawn (discs, lines, labels) in inches, with `pad` inches around.

    # NOTE: not bbox_inches="tight": that keeps the whole square of the axes, so a wide graph
    # came with bands of empty space above and below it.
    """
    from matplotlib.transforms import Bbox

    renderer = figure.canvas.get_renderer()
    artists = [*axes.patches, *axes.lines, *axes.texts]
    extents = Bbox.union([artist.get_window_extent(renderer) for artist in artists])
    return Bbox(extents.get_points() / figure.dpi).padded(pad)


def draw_edges(
    axes: Any, nodes: Sequence[Node], edges: Sequence[ClusterEdge], position: np.ndarray
) -> None:
    """Lines between clusters: width by follows, opacity by lift."""
    if not edges:
        return
    index = {node.cluster: i for i, node in enumerate(nodes)}
    most = max(edge.follows for edge in edges)
    for edge in edges:
        a, b = position[index[edge.source]], position[index[edge.target]]
        width, alpha = edge_style(edge, most)
        axes.plot([a[0], b[0]], [a[1], b[1]], color="#6b7280", linewidth=width, alpha=alpha,
                  solid_capstyle="round", zorder=1)  # fmt: skip


def place_labels(
    axes: Any, figure: Any, nodes: Sequence[Node], position: np.ndarray, radius: np.ndarray,
) -> list[tuple[float, float, float, float]]:  # fmt: skip
    """Write each cluster's name and share beside its disc, where it covers no disc or label.

    Tries the side away from the middle first, then the other side, above and below, moving
    further out each round; the largest clusters are placed first.
    """
    renderer = figure.canvas.get_renderer()
    discs = [disc_box(axes, position[i], radius[i]) for i in range(len(nodes))]
    placed: list[Any] = []
    order = sorted(range(len(nodes)), key=lambda i: -nodes[i].members)
    for i in order:
        node = nodes[i]
        text = axes.text(
            0, 0, f"{printable(node.name)}\n{node.share:.1%} · {node.members:,}", fontsize=13,
            fontweight="bold", color="#111827", zorder=5,
            # a light box keeps labels readable on any background, and text stays text in SVG
            bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "alpha": 0.8,
                  "edgecolor": "none"},
        )  # fmt: skip
        tried = 0
        for candidate in candidates(position[i], radius[i]):
            tried += 1
            x, y, horizontal, vertical = candidate
            text.set_position((x, y))
            text.set_horizontalalignment(horizontal)
            text.set_verticalalignment(vertical)
            box = text.get_window_extent(renderer).expanded(1.04, 1.1)
            blocked = [d for j, d in enumerate(discs) if j != i] + placed
            if not any(box.overlaps(other) for other in blocked):
                break
        if tried > RING_SIZE:  # pushed away from its disc: a thin leader line says whose it is
            leader(axes, position[i], radius[i], np.array([x, y]))
        placed.append(text.get_window_extent(renderer))
    return [tuple(float(v) for v in box.extents) for box in placed]  # type: ignore[misc]


RING_SIZE = 4  # candidate positions per distance from the disc


def leader(axes: Any, center: np.ndarray, radius: float, label: np.ndarray) -> None:
    """A thin line from the edge of a disc towards its label."""
    direction = (label - center) / (np.linalg.norm(label - center) + 1e-9)
    start = center + direction * radius
    axes.plot([start[0], label[0]], [start[1], label[1]], color="#6b7280", linewidth=1,
              zorder=4)  # fmt: skip


def candidates(center: np.ndarray, radius: float) -> list[tuple[float, float, str, str]]:
    """Label positions around a disc, nearest first: (x, y, horizontal, vertical alignment)."""
    outward = 1.0 if center[0] >= 0 else -1.0
    result = []
    for extra in (0.03, 0.12, 0.25, 0.4, 0.6):
        r = radius + extra
        result += [
            (center[0] + outward * r, center[1], "left" if outward > 0 else "right", "center"),
            (center[0] - outward * r, center[1], "right" if outward > 0 else "left", "center"),
            (center[0], center[1] + r, "center", "bottom"),
            (center[0], center[1] - r, "center", "top"),
        ]
    return result


def disc_box(axes: Any, center: np.ndarray, radius: float) -> Any:
    """A disc's bounding box in pixels."""
    from matplotlib.transforms import Bbox

    corners = axes.transData.transform([center - radius, center + radius])
    return Bbox(corners)
