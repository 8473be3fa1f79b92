"""What a chart shows, as data: series, axes and units, or why it cannot be drawn.

A `ChartSpec` is built once from an account page's data (`reports/account_specs.py`) and drawn by
either renderer: matplotlib for the report's PNGs (`reports/draw.py`), Plotly for the web pages
(`web/figures.py`). The renderers decide only how a chart looks (colours, fonts, tick density);
which series, in which order, with which labels, units and axes, is decided here.

Conventions, whatever the orientation:
- `x` is the axis of the points' `x` (days, hours, posts, countries); `y` the axes of the values.
- A chart with `horizontal` draws `x` down the side and the values across.
- Points with a `label` put their `x` on a category axis named by the labels, in the given order.
- A heatmap has one series per row: `y[0]` names the rows, `y[1]` the colour scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from tikscope.metrics.model import Unit

X = date | int | float | str


class Kind(StrEnum):
    """How a chart, or one series of it, is drawn."""

    LINE = "line"
    BAR = "bar"
    HEATMAP = "heatmap"
    SCATTER = "scatter"
    DONUT = "donut"


class Tone(StrEnum):
    """What a series' (or a bar's) colour means; each renderer has its own colour for each."""

    GAIN = "gain"
    LOSS = "loss"
    NET = "net"
    PREVIOUS = "previous"
    HIGHLIGHT = "highlight"


@dataclass(frozen=True)
class Axis:
    """An axis: its title and the unit of its values.

    Attributes:
        label: the axis title, naming what is measured (and its time zone for times).
        unit: how its values read (counts, fractions as %, seconds, days or hours as time).
        log: a logarithmic scale.
    """

    label: str
    unit: Unit
    log: bool = False


@dataclass(frozen=True)
class Point:
    """One value of a series.

    Attributes:
        x: where it goes on the x axis (a day, an hour, a post id, a name).
        y: its value; None where there is none (a gap, or zero for bars).
        label: the x axis' text for the point, making that axis a category axis.
        link: where the label leads (a post on TikTok).
        short: the label where room is short (a phone's screen); None: the label.
        detail: more about the point, one line each, shown on hover (a post's whole caption and
            publish time).
        size: the relative size of a scatter point (0-1).
        tone: the point's own colour meaning, for bars coloured one by one.
    """

    x: X
    y: float | None
    label: str | None = None
    link: str | None = None
    short: str | None = None
    detail: tuple[str, ...] = ()
    size: float | None = None
    tone: Tone | None = None


@dataclass(frozen=True)
class Series:
    """One named set of points.

    Attributes:
        key: identifier, unique in the chart.
        label: its name in the legend.
        unit: the unit of its values.
        points: its values, in drawing order.
        axis: which of the chart's `y` axes it is measured on (0: the first, 1: the second).
        kind: how it is drawn when unlike the chart (a line over bars); None: like the chart.
        tone: what its colour means; None: the next colour of the renderer's palette.
        dashed: drawn dashed (a previous period's line).
    """

    key: str
    label: str
    unit: Unit
    points: tuple[Point, ...]
    axis: int = 0
    kind: Kind | None = None
    tone: Tone | None = None
    dashed: bool = False

    @property
    def values(self) -> list[float | None]:
        """The points' values, in order."""
        return [point.y for point in self.points]


@dataclass(frozen=True)
class ChartSpec:
    """A chart of an account page, or why it cannot be drawn.

    Attributes:
        key: identifier, unique on a page (the report's PNG name, the web page's figure name).
        title: what it shows; drawn on it and used as its alternative text.
        kind: how its series are drawn (unless a series says otherwise).
        x: the axis of the points' `x`.
        y: the value axes (a second one on the right for a series of another size).
        series: what is drawn, in legend order.
        missing: why it cannot be drawn, naming what would provide its data; None when it can.
        horizontal: bars across, categories down.
        stacked: bars of the series stacked (negative values below zero).
        value_labels: each bar (or cell) labelled with its value.
        panels: small multiples drawn side by side instead of `series`.
        columns: how many panels a row holds.
        height: the height of the report's figure in inches (100 px each).
    """

    key: str
    title: str
    kind: Kind
    x: Axis
    y: tuple[Axis, ...] = ()
    series: tuple[Series, ...] = ()
    missing: str | None = None
    horizontal: bool = False
    stacked: bool = False
    value_labels: bool = False
    panels: tuple[ChartSpec, ...] = field(default=())
    columns: int = 2
    height: float = 4.5

    @property
    def drawable(self) -> bool:
        """Whether there is something to draw."""
        return self.missing is None
