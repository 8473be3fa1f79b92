"""Drawing a `ChartSpec` as a Plotly figure (a plain dict) for the web pages.

The pages ship each figure as JSON and static/app.js draws it with plotly.js from the installed
plotly package, so nothing is fetched from a CDN.

Only how a chart looks is decided here (colours, hover text, tick density); what it shows is the
spec's (`reports/chart_spec.py`, built by `reports/account_specs.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from html import escape
from typing import Any, assert_never

from tikscope.metrics.model import Unit
from tikscope.reports.chart_spec import Axis, ChartSpec, Kind, Point, Series, Tone

Figure = dict[str, Any]
COLORS = ("#0f766e", "#be185d", "#1d4ed8", "#b45309", "#6d28d9", "#15803d", "#b91c1c", "#0369a1")
TONES = {Tone.GAIN: COLORS[5], Tone.LOSS: COLORS[6], Tone.NET: "#111827",
         Tone.PREVIOUS: "#9ca3af", Tone.HIGHLIGHT: COLORS[6]}  # fmt: skip
# NOTE: plotly.js knows few named scales ("Teal" is Python-only), so the scale is spelled out.
TEAL = [[0.0, "#f0fdfa"], [0.5, "#5eead4"], [1.0, "#115e59"]]
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}
GRID = "#e5e7eb"
DAY_MS = 86_400_000
# (at most this many days, tick every this many days); longer: a tick a month
DAY_TICKS = ((14, 1), (31, 2), (70, 7), (140, 14))


def layout(title: str, **extra: Any) -> dict[str, Any]:
    """The common look: white background, small margins, legend on top."""
    base: dict[str, Any] = {
        "title": {"text": escape(title), "x": 0, "font": {"size": 14}},
        "font": FONT,
        "margin": {"l": 56, "r": 16, "t": 48, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
        "hovermode": "x unified",
        "xaxis": {"gridcolor": GRID},
        "yaxis": {"gridcolor": GRID, "rangemode": "tozero"},
    }
    return base | extra


def draw(spec: ChartSpec) -> Figure:
    """A chart spec as a Plotly figure."""
    match spec.kind:
        case Kind.LINE | Kind.BAR:
            return draw_series(spec)
        case Kind.HEATMAP:
            return draw_heatmap(spec)
        case Kind.DONUT:
            return draw_donut(spec)
        case Kind.SCATTER:
            return draw_scatter(spec)
        case _ as unreachable:
            assert_never(unreachable)


def drawn(specs: Sequence[ChartSpec]) -> dict[str, Any]:
    """The figures of the specs that can be drawn, by key (panels drawn one by one).

    `missing` says, by key, why each of the others cannot be drawn ("title: reason").
    """
    figures: dict[str, Any] = {"missing": {}}
    for spec in specs:
        if spec.missing is not None:
            figures["missing"][spec.key] = f"{spec.title}: {spec.missing}"
            continue
        if spec.panels:
            panels = drawn(spec.panels)
            figures["missing"] |= panels.pop("missing")
            figures |= panels
        else:
            figures[spec.key] = draw(spec)
    return figures


def color(series: Series, index: int) -> str:
    """A series' colour: its tone's, or the palette's next."""
    return TONES[series.tone] if series.tone else COLORS[index % len(COLORS)]


def is_category(spec: ChartSpec) -> bool:
    """Whether the x axis names its points (posts, countries) rather than placing them (days)."""
    return any(point.label is not None for series in spec.series for point in series.points)


def places(spec: ChartSpec, points: Sequence[Point]) -> list[Any]:
    """Where the points go: their `x`, as text on a category axis (ids beyond 2^53 stay whole)."""
    return [str(point.x) for point in points] if is_category(spec) else [p.x for p in points]


def tick_format(unit: Unit) -> dict[str, Any]:
    """Tick labels for values in `unit`."""
    return {"tickformat": ".0%"} if unit is Unit.FRACTION else {"tickformat": ","}


def hover(series: Series, spec: ChartSpec) -> dict[str, Any]:
    """Hover text: the point's details, if any, then the series and its value."""
    value = "%{x" if spec.horizontal else "%{y"
    value += ":.1%}" if series.unit is Unit.FRACTION else ":,.0f}"
    if not any(point.detail for point in series.points):
        return {}
    lines = max(len(point.detail) for point in series.points)
    custom = [[escape(line) for line in point.detail] for point in series.points]
    details = "<br>".join(f"%{{customdata[{index}]}}" for index in range(lines))
    template = f"{details}<br>{escape(series.label)}: {value}<extra></extra>"
    return {"customdata": custom, "hovertemplate": template}


def trace(spec: ChartSpec, series: Series, index: int) -> dict[str, Any]:
    """One series as a bar or line trace."""
    where, values = places(spec, series.points), series.values
    axes = {"y": where, "x": values} if spec.horizontal else {"x": where, "y": values}
    tint = color(series, index)
    if (series.kind or spec.kind) is Kind.LINE:
        return {"type": "scatter", "mode": "lines", "name": series.label, **axes,
                "yaxis": "y2" if series.axis == 1 else "y",
                "line": {"color": tint, "width": 2, "dash": "dot" if series.dashed else "solid"},
                **hover(series, spec)}  # fmt: skip
    tints = [TONES[point.tone] if point.tone else tint for point in series.points]
    bar: dict[str, Any] = {"type": "bar", "name": series.label, **axes,
                           "orientation": "h" if spec.horizontal else "v",
                           "marker": {"color": tints if any(p.tone for p in series.points)
                                      else tint}, **hover(series, spec)}  # fmt: skip
    if spec.value_labels:
        key = "x" if spec.horizontal else "y"
        number = ".1%" if series.unit is Unit.FRACTION else ",.0f"
        bar |= {"texttemplate": f"%{{{key}:{number}}}", "cliponaxis": False,
                "textposition": "inside" if spec.stacked else "outside"}  # fmt: skip
    return bar


def place_axis(spec: ChartSpec) -> dict[str, Any]:
    """The axis of the points: named categories, or whole days."""
    first = spec.series[0].points if spec.series else ()
    # NOTE: named bars across need no title beside their names: it takes a phone's width.
    titled = spec.x.label and not spec.horizontal
    title = {"title": {"text": escape(spec.x.label)}} if titled else {}
    if is_category(spec):
        axis: dict[str, Any] = {
            "type": "category", "automargin": True, "tickmode": "array",
            "tickvals": [str(point.x) for point in first],
            "ticktext": [linked(point.label or str(point.x), point.link) for point in first],
        }  # fmt: skip
        return axis | ({"autorange": "reversed"} if spec.horizontal else {}) | title
    days = [point.x for point in first]
    if days and all(isinstance(day, date) and not isinstance(day, datetime) for day in days):
        return day_axis(days) | {"automargin": True} | title
    return {"gridcolor": GRID} | title


def value_axis(axis: Axis, spec: ChartSpec) -> dict[str, Any]:
    """An axis of values, titled with what it measures."""
    values = [value for series in spec.series for value in series.values if value is not None]
    # NOTE: a lone line (followers) keeps its detail; bars and compared lines start at zero.
    lone_line = spec.kind is Kind.LINE and len(spec.series) == 1
    rangemode = "normal" if lone_line and values and min(values) > 0 else "tozero"
    drawn_axis = {"gridcolor": GRID, "rangemode": rangemode, **tick_format(axis.unit)}
    if spec.horizontal and spec.value_labels and not spec.stacked and values:
        drawn_axis["range"] = [0, (max(values) or 1) * 1.18]
    return drawn_axis | ({"title": {"text": escape(axis.label)}} if axis.label else {})


def draw_series(spec: ChartSpec) -> Figure:
    """Lines and bars over days or categories, grouped or stacked, with a right axis if asked."""
    data = [trace(spec, series, index) for index, series in enumerate(spec.series)]
    values = value_axis(spec.y[0], spec) if spec.y else {"gridcolor": GRID}
    points = place_axis(spec)
    extra: dict[str, Any] = {"barmode": "relative" if spec.stacked else "group"}
    extra |= {"xaxis": values, "yaxis": points} if spec.horizontal else {
        "xaxis": points, "yaxis": values}  # fmt: skip
    if is_category(spec):
        extra["hovermode"] = "closest"
        shorts = [point.short for point in spec.series[0].points]
        if any(shorts):
            # NOTE: static/app.js swaps in the short names on a phone: long ones leave no room.
            extra["meta"] = {"narrow_ticktext": [
                linked(short or point.label or "", point.link)
                for short, point in zip(shorts, spec.series[0].points, strict=True)]}  # fmt: skip
    right = [index for index, series in enumerate(spec.series) if series.axis == 1]
    if right and len(spec.y) > 1:
        tint = color(spec.series[right[0]], right[0])
        title = {"text": escape(spec.y[1].label), "font": {"color": tint}}
        extra["yaxis2"] = {"overlaying": "y", "side": "right", "rangemode": "tozero",
                           "showgrid": False, "tickfont": {"color": tint}, "tickmode": "auto",
                           **tick_format(spec.y[1].unit), "title": title}  # fmt: skip
        extra["margin"] = {"l": 56, "r": 56, "t": 48, "b": 40}
    if len(spec.series) == 1:
        extra["showlegend"] = False
    return {"data": data, "layout": layout(spec.title, **extra)}


def linked(label: str, link: str | None) -> str:
    """An axis label as Plotly text, a link where it has one."""
    text = escape(label)
    return f'<a href="{escape(link)}">{text}</a>' if link else text


def day_axis(days: Sequence[Any]) -> dict[str, Any]:
    """A date axis ticked on whole days (never at 06:00 or 12:00), sparser as the days grow."""
    step = next((every for limit, every in DAY_TICKS if len(days) <= limit), None)
    ticks: dict[str, Any] = {"dtick": "M1"} if step is None else {"dtick": step * DAY_MS}
    return {"gridcolor": GRID, "type": "date", "tickformat": "%b %-d", **ticks}


def draw_heatmap(spec: ChartSpec) -> Figure:
    """One row per series, one column per point, coloured by value."""
    scale = spec.y[-1]
    columns = [point.x for point in spec.series[0].points] if spec.series else []
    data = [{"type": "heatmap", "x": columns, "y": [series.label for series in spec.series],
             "z": [series.values for series in spec.series], "colorscale": TEAL,
             "colorbar": {"title": {"text": escape(scale.label)}},
             "hovertemplate": f"%{{y}} %{{x}}:00<br>{escape(scale.label)} %{{z:,.0f}}"
             "<extra></extra>"}]  # fmt: skip
    return {"data": data, "layout": layout(
        spec.title, hovermode="closest", xaxis={"dtick": 1, "title": {"text": escape(
            spec.x.label)}}, yaxis={"autorange": "reversed", "automargin": True})}  # fmt: skip


def draw_donut(spec: ChartSpec) -> Figure:
    """Shares of a whole as a ring, each slice labelled with its percentage."""
    points = spec.series[0].points
    data = [{"type": "pie", "hole": 0.55, "labels": [escape(p.label or str(p.x)) for p in points],
             "values": [point.y for point in points], "sort": False, "direction": "clockwise",
             "textinfo": "label+percent", "textposition": "outside",
             "marker": {"colors": list(COLORS[: len(points)])},
             "hovertemplate": "%{label}: %{percent}<extra></extra>"}]  # fmt: skip
    margin = {"l": 24, "r": 24, "t": 48, "b": 24}
    return {"data": data, "layout": layout(spec.title, showlegend=False, hovermode="closest",
                                           margin=margin)}  # fmt: skip


def draw_scatter(spec: ChartSpec) -> Figure:
    """Points sized by their `size`, lines through line series, on linear or log axes."""
    data = []
    for index, series in enumerate(spec.series):
        line = series.kind is Kind.LINE
        data.append({"type": "scatter", "mode": "lines" if line else "markers",
                     "name": series.label, "x": [point.x for point in series.points],
                     "y": series.values,
                     "line": {"color": color(series, index), "dash": "dot" if series.dashed
                              else "solid"},
                     "marker": {"color": color(series, index), "opacity": 0.7,
                                "size": [8 + 30 * (point.size or 0) for point in series.points]
                                if not series.tone else 14}})  # fmt: skip
    axes = {name: {"gridcolor": GRID, "type": "log" if axis.log else "linear",
                   "title": {"text": escape(axis.label)}}
            for name, axis in (("xaxis", spec.x), ("yaxis", spec.y[0]))}  # fmt: skip
    return {"data": data, "layout": layout(spec.title, hovermode="closest", **axes)}
