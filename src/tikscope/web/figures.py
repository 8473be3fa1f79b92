"""Plotly figures as plain dicts: the pages ship them as JSON and static/app.js draws them.

The figures use plotly.js from the installed plotly package, so nothing is fetched from a CDN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from html import escape
from typing import Any

from tikscope.reports.post_names import TITLE_LENGTH, post_label, post_published, post_url

Figure = dict[str, Any]
COLORS = ("#0f766e", "#be185d", "#1d4ed8", "#b45309", "#6d28d9", "#15803d", "#b91c1c", "#0369a1")
# NOTE: plotly.js knows few named scales ("Teal" is Python-only), so the scale is spelled out.
TEAL = [[0.0, "#f0fdfa"], [0.5, "#2dd4bf"], [1.0, "#115e59"]]
NARROW_TITLE = 16  # characters of a caption on a phone's chart
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}

DAY_MS = 86_400_000
# (at most this many days, tick every this many days); longer: a tick a month
DAY_TICKS = ((14, 1), (31, 2), (70, 7), (140, 14))


def layout(title: str, **extra: Any) -> dict[str, Any]:
    """The common look: white background, small margins, legend on top."""
    base: dict[str, Any] = {
        "title": {"text": title, "x": 0, "font": {"size": 14}},
        "font": FONT,
        "margin": {"l": 56, "r": 16, "t": 48, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
        "hovermode": "x unified",
        "xaxis": {"gridcolor": "#e5e7eb"},
        "yaxis": {"gridcolor": "#e5e7eb", "rangemode": "tozero"},
    }
    return base | extra


def lines(
    title: str, x: Sequence[Any], series: Mapping[str, Sequence[Any]], *,
    dashed: Sequence[str] = (), right: Sequence[str] = (), axis_titles: Sequence[str] = (),
) -> Figure:  # fmt: skip
    """One line per series over a shared x axis; series named in `dashed` drawn dashed.

    Series named in `right` go on a second y axis on the right: a series a hundred times smaller
    than the others would lie flat on theirs. `axis_titles` names the left (and right) axis; the
    right one is coloured like its first series.
    """
    data: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "lines", "name": name, "x": list(x), "y": list(values),
         "yaxis": "y2" if name in right else "y",
         "line": {"color": COLORS[index % len(COLORS)], "width": 2,
                  "dash": "dot" if name in dashed else "solid"}}
        for index, (name, values) in enumerate(series.items())
    ]  # fmt: skip
    left_title, right_title = (*axis_titles, "", "")[:2]
    extra: dict[str, Any] = {"xaxis": day_axis(x)} if is_days(x) else {}
    if left_title:
        extra["yaxis"] = {"gridcolor": "#e5e7eb", "rangemode": "tozero",
                          "title": {"text": left_title}}  # fmt: skip
    if right:
        color = next(trace["line"]["color"] for trace in data if trace["yaxis"] == "y2")
        extra["yaxis2"] = {"overlaying": "y", "side": "right", "rangemode": "tozero",
                           "tickmode": "auto", "showgrid": False, "tickfont": {"color": color},
                           "title": {"text": right_title, "font": {"color": color}}}  # fmt: skip
        extra["margin"] = {"l": 56, "r": 56, "t": 48, "b": 40}
    return {"data": data, "layout": layout(title, **extra)}


def is_days(x: Sequence[Any]) -> bool:
    """Whether an x axis holds calendar days (dates, not times)."""
    return bool(x) and all(isinstance(value, date) and not isinstance(value, datetime)
                           for value in x)  # fmt: skip


def day_axis(days: Sequence[Any]) -> dict[str, Any]:
    """A date axis ticked on whole days (never at 06:00 or 12:00), sparser as the days grow."""
    step = next((every for limit, every in DAY_TICKS if len(days) <= limit), None)
    ticks: dict[str, Any] = {"dtick": "M1"} if step is None else {"dtick": step * DAY_MS}
    return {"gridcolor": "#e5e7eb", "type": "date", "tickformat": "%b %-d", **ticks}


def bars(
    title: str, labels: Sequence[Any], series: Mapping[str, Sequence[Any]], *,
    horizontal: bool = False, stacked: bool = False, percent: bool = False,
) -> Figure:  # fmt: skip
    """Grouped (or stacked) bars, vertical or horizontal."""
    data = []
    for index, (name, values) in enumerate(series.items()):
        axes = {"y": list(labels), "x": list(values)} if horizontal else {
            "x": list(labels), "y": list(values)}  # fmt: skip
        data.append({"type": "bar", "name": name, "orientation": "h" if horizontal else "v",
                     "marker": {"color": COLORS[index % len(COLORS)]}, **axes})  # fmt: skip
    extra: dict[str, Any] = {"barmode": "relative" if stacked else "group", "hovermode": "closest"}
    value_axis = {"gridcolor": "#e5e7eb", **({"tickformat": ".0%"} if percent else {})}
    if horizontal:
        extra |= {"xaxis": value_axis, "yaxis": {"autorange": "reversed", "automargin": True}}
    else:
        extra |= {"yaxis": value_axis}
    return {"data": data, "layout": layout(title, **extra)}


def post_bars(
    title: str, posts: Sequence[Mapping[str, Any]], values: Sequence[Any], *, measure: str
) -> Figure:
    """Horizontal bars, one per post, the first on top, each named by its caption and time.

    The names link to the posts on TikTok; hovering shows the whole caption. Posts are kept
    apart by id, as captions repeat.
    """
    ids = [str(post["post_id"]) for post in posts]
    hover = [[escape(" ".join((post.get("caption") or "(no caption)").split())),
              published_text(post)] for post in posts]  # fmt: skip
    data = [{"type": "bar", "orientation": "h", "y": ids, "x": list(values),
             "marker": {"color": COLORS[0]}, "name": measure, "customdata": hover,
             "hovertemplate": f"%{{customdata[0]}}<br>published %{{customdata[1]}} UTC<br>"
             f"{escape(measure)}: %{{x:,.0f}}<extra></extra>"}]  # fmt: skip
    names = {"type": "category", "autorange": "reversed", "automargin": True,
             "tickmode": "array", "tickvals": ids,
             "ticktext": [linked_label(post) for post in posts]}  # fmt: skip
    value_axis = {"gridcolor": "#e5e7eb", "rangemode": "tozero", "title": {"text": measure}}
    # NOTE: static/app.js swaps in the short names on a phone, where the long ones leave no room.
    short = {"narrow_ticktext": [linked_label(post, limit=NARROW_TITLE) for post in posts]}
    return {"data": data, "layout": layout(title, hovermode="closest", showlegend=False,
                                           xaxis=value_axis, yaxis=names, meta=short)}  # fmt: skip


def linked_label(post: Mapping[str, Any], limit: int = TITLE_LENGTH) -> str:
    """A post's axis label (caption and time) as Plotly text, a link where it has a TikTok one."""
    label = escape(post_label(dict(post), limit))
    url = post_url(dict(post))
    return f'<a href="{escape(url)}">{label}</a>' if url else label


def published_text(post: Mapping[str, Any]) -> str:
    """When a post was published, to the minute."""
    published = post_published(dict(post))
    return f"{published:%Y-%m-%d %H:%M}" if published else "on an unknown day"


def heatmap(
    title: str, x: Sequence[Any], y: Sequence[Any], z: Sequence[Sequence[Any]], *, label: str
) -> Figure:
    """A colour grid, e.g. active followers by weekday and hour."""
    data = [{"type": "heatmap", "x": list(x), "y": list(y), "z": [list(row) for row in z],
             "colorscale": TEAL, "hovertemplate": f"%{{y}} %{{x}}:00<br>{label} %{{z:,.0f}}"
             "<extra></extra>", "colorbar": {"title": {"text": label}}}]  # fmt: skip
    return {"data": data, "layout": layout(title, hovermode="closest",
                                           yaxis={"autorange": "reversed"})}  # fmt: skip


def donut(title: str, labels: Sequence[Any], values: Sequence[Any]) -> Figure:
    """Shares of a whole as a ring, each slice labelled with its percentage."""
    data = [{"type": "pie", "hole": 0.55, "labels": list(labels), "values": list(values),
             "sort": False, "direction": "clockwise", "textinfo": "label+percent",
             "textposition": "outside", "marker": {"colors": list(COLORS[: len(labels)])},
             "hovertemplate": "%{label}: %{percent}<extra></extra>"}]  # fmt: skip
    margin = {"l": 24, "r": 24, "t": 48, "b": 24}
    return {"data": data, "layout": layout(title, showlegend=False, hovermode="closest",
                                           margin=margin)}  # fmt: skip


def share_bars(
    title: str, labels: Sequence[Any], shares: Sequence[Any], *, color: int = 0
) -> Figure:
    """Horizontal bars of shares (0-1), largest first as given, each labelled with its %."""
    data = [{"type": "bar", "orientation": "h", "y": list(labels), "x": list(shares),
             "marker": {"color": COLORS[color % len(COLORS)]}, "text": list(shares),
             "texttemplate": "%{x:.1%}", "textposition": "outside", "cliponaxis": False,
             "hovertemplate": "%{y}: %{x:.1%}<extra></extra>"}]  # fmt: skip
    top = max((share for share in shares if share is not None), default=0) or 1
    value_axis = {"gridcolor": "#e5e7eb", "tickformat": ".0%", "range": [0, top * 1.18]}
    return {"data": data, "layout": layout(
        title, hovermode="closest", showlegend=False, xaxis=value_axis,
        yaxis={"autorange": "reversed", "automargin": True})}  # fmt: skip
