"""Drawing a `ChartSpec` with matplotlib, for the report's PNGs.

Only how a chart looks is decided here (colours, markers, ticks, where the legend goes); what it
shows is the spec's (`reports/chart_spec.py`, built by `reports/account_specs.py`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, assert_never

from tikscope.metrics.model import Unit
from tikscope.reports.chart_spec import Axis, ChartSpec, Kind, Series, Tone
from tikscope.reports.charts import (
    BLUE,
    DARK,
    GREEN,
    GREY,
    LONG_PERIOD_DAYS,
    PALETTE,
    RED,
    bar_width,
    compact_text,
    count_text,
    day_axis,
    percent,
    seconds,
    thousands,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis as PlotAxis
    from matplotlib.figure import Figure

TONES = {Tone.GAIN: GREEN, Tone.LOSS: RED, Tone.NET: DARK, Tone.PREVIOUS: GREY,
         Tone.HIGHLIGHT: RED}  # fmt: skip
INSIDE_LABEL_MINIMUM = 0.05
# NOTE: past this many rows of 0.3 inch, rows get thinner, the font smaller, and then only every
# few rows is labelled, so that labels never overlap.
ROOMY_ROWS = 31
ROW_INCHES = 0.3
SMALLEST_FONT = 7.0
FONT_SIZE = 12.0
POINTS_PER_INCH = 72
LINE_SPACING = 1.4


def draw_spec(figure: Figure, *, spec: ChartSpec) -> None:
    """Draw a chart (or its panels) onto an empty figure."""
    if spec.panels:
        rows = math.ceil(len(spec.panels) / spec.columns)
        grid = figure.subplots(rows, spec.columns, squeeze=False,
                               sharex=all(not panel.horizontal and panel.x.unit is Unit.TIME
                                          for panel in spec.panels))  # fmt: skip
        for index, (axes, panel) in enumerate(zip(grid.flat, spec.panels, strict=False)):
            draw_axes(figure, axes, panel, palette_start=index)
            axes.set_title(panel.title, loc="left")
            if index < len(spec.panels) - spec.columns:
                axes.set_xlabel("")  # NOTE: the bottom row names the shared axis
            if index % spec.columns and not panel.horizontal:
                axes.set_ylabel("")  # NOTE: the first column names the value axis
            legend = axes.get_legend()
            if legend is not None:  # NOTE: on the right: the panel's title is on the left
                axes.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=len(panel.series))
        return
    draw_axes(figure, figure.subplots(), spec)


def draw_axes(figure: Figure, axes: Axes, spec: ChartSpec, *, palette_start: int = 0) -> None:
    """Draw one chart's series on one axes."""
    match spec.kind:
        case Kind.HEATMAP:
            draw_heatmap(figure, axes, spec)
        case Kind.DONUT:
            draw_donut(axes, spec, palette_start)
        case Kind.SCATTER:
            draw_scatter(axes, spec)
        case Kind.LINE | Kind.BAR:
            draw_series(axes, spec, palette_start)
        case _ as unreachable:
            assert_never(unreachable)


def color(series: Series, index: int) -> str:
    """A series' colour: its tone's, or the palette's next."""
    return TONES[series.tone] if series.tone else PALETTE[index % len(PALETTE)]


def is_category(spec: ChartSpec) -> bool:
    """Whether the x axis names its points (posts, countries) rather than placing them (days)."""
    return any(point.label is not None for series in spec.series for point in series.points)


def positions(spec: ChartSpec) -> tuple[list[Any], list[str]]:
    """Where each x goes, and the category names (none for a date axis)."""
    first = spec.series[0].points if spec.series else ()
    if is_category(spec):
        return list(range(len(first))), [point.label or str(point.x) for point in first]
    return [point.x for point in first], []


def draw_series(axes: Axes, spec: ChartSpec, palette_start: int) -> None:
    """Lines and bars over days or categories, vertical or horizontal, grouped or stacked."""
    where, names = positions(spec)
    dated = not names and bool(where) and isinstance(where[0], date)
    bars = [series for series in spec.series if (series.kind or spec.kind) is Kind.BAR]
    width = bar_width(len(where)) if dated else 0.75 if spec.stacked or len(bars) < 2 else 0.4
    below_zero = [0.0] * len(where)
    above_zero = [0.0] * len(where)
    right: Axes | None = None
    for index, series in enumerate(spec.series):
        tint = color(series, palette_start + index)
        values = [value or 0.0 for value in series.values]
        target = axes
        if series.axis == 1:
            right = right or axes.twinx()
            target = right
        if (series.kind or spec.kind) is Kind.LINE:
            draw_line(target, where, series, tint, horizontal=spec.horizontal)
            continue
        offset = 0.0 if spec.stacked or dated else bars.index(series) * width
        shifted = [place + offset for place in where] if not dated else where
        if spec.stacked:
            sides = zip(values, above_zero, below_zero, strict=True)
            base = [up if value >= 0 else down for value, up, down in sides]
            above_zero = [b + max(v, 0) for b, v in zip(above_zero, values, strict=True)]
            below_zero = [b + min(v, 0) for b, v in zip(below_zero, values, strict=True)]
        else:
            base = [0.0] * len(values)
        tints = [TONES[point.tone] if point.tone else tint for point in series.points]
        drawn = (
            axes.barh(shifted, values, left=base, height=width, color=tints, label=series.label)
            if spec.horizontal
            else axes.bar(shifted, values, bottom=base, width=width, color=tints,
                          label=series.label)
        )  # fmt: skip
        if spec.value_labels:
            label_bars(axes, drawn, values, series.unit, inside=spec.stacked)
    grouped = 0 if spec.stacked else len(bars)
    finish_series_axes(axes, spec, where, names, dated, grouped=grouped, right=right)
    if right is not None:
        value_format(right.yaxis, spec.y[1].unit)
        right.set_ylabel(spec.y[1].label, color=color(spec.series[1], palette_start + 1))
        right.set_ylim(bottom=0)
        right.grid(False)


def draw_line(
    axes: Axes, where: Sequence[Any], series: Series, tint: str, *, horizontal: bool
) -> None:
    """One series as a line (markers while the points are few)."""
    values = [math.nan if value is None else value for value in series.values]
    marker = "o" if len(where) <= LONG_PERIOD_DAYS else None
    style = "--" if series.dashed else "-"
    if horizontal:
        axes.plot(values, where, color=tint, linestyle=style, label=series.label)
        return
    axes.plot(where, values, color=tint, linewidth=2, linestyle=style, marker=marker,
              markersize=3, label=series.label)  # fmt: skip


def label_bars(
    axes: Axes, drawn: Any, values: Sequence[float], unit: Unit, *, inside: bool
) -> None:
    """Each bar labelled with its value: inside a stacked bar (when wide enough), else beyond."""
    texts = [value_text(value, unit) for value in values]
    if inside:
        texts = [text if value >= INSIDE_LABEL_MINIMUM else ""
                 for text, value in zip(texts, values, strict=True)]  # fmt: skip
        axes.bar_label(drawn, labels=texts, label_type="center", color="white", fontweight="bold")
        return
    axes.bar_label(drawn, labels=texts, padding=3)


def value_text(value: float, unit: Unit) -> str:
    """A value as a bar's label."""
    return f"{value:.1%}" if unit is Unit.FRACTION else count_text(value)


def value_format(axis: PlotAxis, unit: Unit) -> None:
    """Tick labels for a value axis in its unit."""
    if unit is Unit.FRACTION:
        percent(axis)
    elif unit is Unit.SECONDS:
        seconds(axis)
    else:
        thousands(axis)


def finish_series_axes(
    axes: Axes, spec: ChartSpec, where: list[Any], names: list[str], dated: bool, *,
    grouped: int, right: Axes | None,
) -> None:  # fmt: skip
    """Ticks, limits, titles and the legend of a lines-and-bars chart."""
    value_axis, place_axis = (
        (axes.xaxis, axes.yaxis) if spec.horizontal else (axes.yaxis, axes.xaxis)
    )
    unit = spec.y[0].unit if spec.y else Unit.COUNT
    value_format(value_axis, unit)
    if dated:
        day_axis(axes, where)
    elif names:
        shift = (grouped - 1) * 0.2 if grouped > 1 else 0.0
        step, font = label_spacing(len(names)) if spec.horizontal else (1, FONT_SIZE)
        ticks = [place + shift for place in where][::step]
        if spec.horizontal:
            axes.set_yticks(ticks, labels=names[::step], fontsize=font)
            axes.set_ylim(len(names) - 0.4 + shift, -0.6)
        else:
            axes.set_xticks(ticks, labels=names[::step])
    if spec.value_labels and not spec.stacked:
        top = max((value or 0 for series in spec.series for value in series.values), default=0)
        (axes.set_xlim if spec.horizontal else axes.set_ylim)(0, top * 1.18 or 1)
    if spec.stacked and unit is Unit.FRACTION:
        (axes.set_xlim if spec.horizontal else axes.set_ylim)(0, 1)
    if any(value is not None and value < 0 for series in spec.series for value in series.values):
        (axes.axvline if spec.horizontal else axes.axhline)(0, color=DARK, linewidth=0.8)
    value_title, place_title = (spec.y[0].label if spec.y else ""), spec.x.label
    (axes.set_xlabel if spec.horizontal else axes.set_ylabel)(value_title)
    if place_title and not spec.panels:
        (axes.set_ylabel if spec.horizontal else axes.set_xlabel)(place_title)
    place_axis.grid(False)
    if len(spec.series) > 1:
        handles, labels = axes.get_legend_handles_labels()
        if right is not None:  # NOTE: the right axis' series belong in the same legend
            more = right.get_legend_handles_labels()
            handles, labels = handles + more[0], labels + more[1]
        order = [labels.index(series.label) for series in spec.series if series.label in labels]
        axes.legend([handles[i] for i in order], [labels[i] for i in order], loc="lower left",
                    bbox_to_anchor=(0, 1), ncols=len(order))  # fmt: skip
        lines = [values for series in spec.series for values in series.values]
        if spec.kind is Kind.LINE and all(value is None or value >= 0 for value in lines):
            axes.set_ylim(bottom=0)
    elif spec.kind is Kind.LINE and spec.series and spec.series[0].values and where:
        last = spec.series[0].values[-1]
        if last is not None:
            axes.annotate(
                count_text(last), (where[-1], last), textcoords="offset points", xytext=(0, 8),
                horizontalalignment="center", fontweight="bold",
            )  # fmt: skip
            axes.margins(x=0.03, y=0.15)


def label_spacing(rows: int) -> tuple[int, float]:
    """Label every how many rows, at which font size, so that labels never overlap."""
    row = ROW_INCHES * min(rows, ROOMY_ROWS) / max(rows, 1)  # inches per row
    font = min(FONT_SIZE, row * POINTS_PER_INCH / LINE_SPACING)
    if font >= SMALLEST_FONT:
        return 1, font
    return math.ceil(SMALLEST_FONT * LINE_SPACING / POINTS_PER_INCH / row), SMALLEST_FONT


def draw_heatmap(figure: Figure, axes: Axes, spec: ChartSpec) -> None:
    """One row per series, one column per point, each cell labelled with its value."""
    grid = [[value or 0.0 for value in series.values] for series in spec.series]
    image = axes.imshow(grid, aspect="auto", cmap="YlGnBu")
    lowest, highest = min(map(min, grid)), max(map(max, grid))
    if spec.value_labels:
        for row, line in enumerate(grid):
            for column, value in enumerate(line):
                dark_cell = value - lowest > (highest - lowest) * 0.55
                axes.text(column, row, compact_text(value), horizontalalignment="center",
                          verticalalignment="center", fontsize=8,
                          color="white" if dark_cell else DARK)  # fmt: skip
    axes.set_yticks(range(len(spec.series)), labels=[series.label for series in spec.series])
    columns = [point.x for point in spec.series[0].points]
    axes.set_xticks(range(len(columns)), labels=[f"{value:02d}" if isinstance(value, int)
                                                 else str(value) for value in columns])  # fmt: skip
    axes.set_xlabel(spec.x.label)
    axes.grid(False)
    colorbar = figure.colorbar(image, ax=axes, pad=0.01)
    scale: Axis = spec.y[-1]
    colorbar.set_label(scale.label)
    thousands(colorbar.ax.yaxis, integer=False)


def draw_donut(axes: Axes, spec: ChartSpec, palette_start: int) -> None:
    """Shares of a whole as a ring, each slice labelled with its name and percentage."""
    points = spec.series[0].points
    colors = [PALETTE[(palette_start + index) % len(PALETTE)] for index in range(len(points))]
    axes.pie([point.y or 0 for point in points],
             labels=[f"{point.label or point.x} {point.y or 0:.1%}" for point in points],
             colors=colors, startangle=90, counterclock=False,
             wedgeprops={"width": 0.45, "edgecolor": "white"})  # fmt: skip
    axes.set_aspect("equal")


def draw_scatter(axes: Axes, spec: ChartSpec) -> None:
    """Points sized by their `size`, lines through line series, on linear or log axes."""
    for index, series in enumerate(spec.series):
        xs = [float(point.x) for point in series.points if isinstance(point.x, int | float)]
        ys = [math.nan if point.y is None else point.y for point in series.points]
        tint = color(series, index)
        if series.kind is Kind.LINE:
            axes.plot(xs, ys, color=tint, linestyle="--" if series.dashed else "-", linewidth=1,
                      label=series.label)  # fmt: skip
        elif series.tone is Tone.HIGHLIGHT:
            axes.scatter(xs, ys, marker="X", s=200, color=tint, zorder=3, label=series.label)
        else:
            sizes = [30 + 400 * (point.size or 0) for point in series.points]
            axes.scatter(xs, ys, s=sizes, color=tint, alpha=0.6, edgecolors=DARK,
                         linewidths=0.5, label=series.label)  # fmt: skip
    for axis, scale, set_scale in ((axes.xaxis, spec.x, axes.set_xscale),
                                   (axes.yaxis, spec.y[0], axes.set_yscale)):  # fmt: skip
        if scale.log:
            set_scale("log")
        value_format(axis, scale.unit)
    full = next((series for series in spec.series if series.kind is Kind.LINE), None)
    if full is not None and len(full.points) == 2:
        low, high = full.points[0].y or 1, full.points[1].y or 10
        axes.set_xlim(low, high)
        axes.set_ylim(low, high)
    axes.set_xlabel(spec.x.label)
    axes.set_ylabel(spec.y[0].label)
    axes.legend(loc="upper left")


__all__ = ["BLUE", "draw_spec"]
