"""One model, two chart renderers: every chart spec of the account pages, drawn by matplotlib (the
report's PNGs) and by Plotly (the web pages), shows the same series, values, labels and units.

Each drawing is read back (matplotlib's artists, Plotly's traces and axes) into the same plain
description, and both must equal the spec's. The specs come from the web tests' store
(tests/web_support.py), for the business account and the last 28 days: every chart of the report,
and the web pages' own (weekly and monthly growth, views of each published post).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date
from functools import partial
from html import unescape
from typing import Any

import httpx
import pytest

from tikscope.metrics.model import Unit
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Settings, find_account
from tikscope.metrics.sections import follower_series
from tikscope.reports import account_specs as specs
from tikscope.reports.chart_spec import ChartSpec, Kind
from tikscope.reports.model import gather_account_report, page_sections
from tikscope.store.db import open_store
from tikscope.web import figures
from web_support import WebStore, login

ACCOUNT = "casa_verde_demo"
PERIOD = Period(date(2026, 10, 24), date(2026, 11, 20))  # the web's default: the last 28 days
PAGES = f"/workspaces/agency/accounts/{ACCOUNT}"
FIGURE = re.compile(r'<script type="application/json" data-figure-for="(\w+)">(.*?)</script>')
NUMBER, PERCENT = "number", "percent"


@dataclass(frozen=True)
class Drawn:
    """What a drawn chart shows, whichever renderer drew it.

    `series` is (label, values) per series, None where a value is missing; `axes` the value axes
    as (title, number or percent); `names` the category names of the points, in order.
    """

    series: list[tuple[str, list[float | None]]]
    axes: list[tuple[str, str]]
    names: list[str]


def page_specs(store: WebStore) -> list[ChartSpec]:
    """Every drawable chart (panels one by one) of the account's pages for the period."""
    with open_store(store.path) as connection:
        account = find_account(connection, ACCOUNT)
        data = gather_account_report(connection, account, PERIOD, Settings())
        weekly = follower_series(connection, account, PERIOD, "week")
        monthly = follower_series(connection, account, PERIOD, "month")
    charts = [chart for section in page_sections(data) for chart in section.charts]
    charts += [specs.followers_chart(weekly, "week"), specs.balance_chart(monthly, "month"),
               specs.published_views_chart(data.posts)]  # fmt: skip
    flat = [panel for chart in charts for panel in (chart.panels or (chart,))]
    return [chart for chart in flat if chart.missing is None]


@pytest.fixture(scope="module")
def charts(web_store_template: WebStore) -> list[ChartSpec]:
    return page_specs(web_store_template)


def expected(spec: ChartSpec) -> Drawn:
    """What the spec says a drawing shows."""
    unit = {Unit.FRACTION: PERCENT}
    first = spec.series[0].points
    names = [point.label or str(point.x) for point in first]
    if spec.kind is Kind.HEATMAP:
        names = [series.label for series in spec.series]
    elif not any(point.label for point in first):
        names = []
    return Drawn(
        series=[(series.label, list(series.values)) for series in spec.series],
        axes=[(axis.label, unit.get(axis.unit, NUMBER)) for axis in
              (spec.y[-1:] if spec.kind is Kind.HEATMAP else spec.y)],
        names=names,
    )  # fmt: skip


# --- matplotlib ----------------------------------------------------------------------------------


def matplotlib_drawn(spec: ChartSpec) -> Drawn:
    """Draw the spec as the report does, and read the figure back."""
    import matplotlib

    from tikscope.reports.charts import STYLE, draw_figure
    from tikscope.reports.draw import draw_spec

    with matplotlib.rc_context(STYLE):
        figure = draw_figure(partial(draw_spec, spec=spec), spec.title, spec.height)
        figure.canvas.draw()
    assert figure.get_suptitle() == spec.title
    axes = figure.axes[0]
    if spec.kind is Kind.HEATMAP:
        grid = axes.get_images()[0].get_array()
        series = [(tick.get_text(), [float(value) for value in row])
                  for tick, row in zip(axes.get_yticklabels(), grid, strict=True)]  # fmt: skip
        colorbar = figure.axes[1]
        return Drawn(series, [(colorbar.get_ylabel(), kind_of_axis(colorbar.yaxis))],
                     [tick.get_text() for tick in axes.get_yticklabels()])  # fmt: skip
    if spec.kind is Kind.DONUT:
        texts = [text.get_text() for text in axes.texts]
        names = [text.rsplit(" ", 1)[0] for text in texts]
        total = sum(point.y or 0 for point in spec.series[0].points)
        shares = [(wedge.theta2 - wedge.theta1) / 360 * total for wedge in axes.patches]
        return Drawn([(spec.series[0].label, shares)], [(spec.y[0].label, PERCENT)], names)
    return Drawn(matplotlib_series(spec, figure), matplotlib_axes(spec, figure),
                 matplotlib_names(spec, axes))  # fmt: skip


def kind_of_axis(axis: Any) -> str:
    """Percent when the axis' ticks read as percentages."""
    return PERCENT if axis.get_major_formatter()(0.5, 0).endswith("%") else NUMBER


def matplotlib_series(spec: ChartSpec, figure: Any) -> list[tuple[str, list[float | None]]]:
    """Each series' label and values, from its line, bars or points, in the spec's order."""
    found: dict[str, list[float | None]] = {}
    for axes in figure.axes:
        for line in axes.get_lines():
            ys = line.get_xdata() if spec.horizontal else line.get_ydata()
            found.setdefault(line.get_label(), [None if math.isnan(y) else float(y) for y in ys])
        for container in axes.containers:
            sizes = [bar.get_width() if spec.horizontal else bar.get_height()
                     for bar in container.patches]  # fmt: skip
            found[container.get_label()] = [float(size) for size in sizes]
        for collection in axes.collections:
            offsets = collection.get_offsets()
            found[collection.get_label()] = [float(y) for _, y in offsets]
    return [(series.label, found[series.label]) for series in spec.series]


def matplotlib_axes(spec: ChartSpec, figure: Any) -> list[tuple[str, str]]:
    """The value axes' titles and kinds (the right one on a twin axes)."""
    drawn = []
    for index, axes in enumerate(figure.axes[: len(spec.y)]):
        axis = axes.xaxis if spec.horizontal and index == 0 else axes.yaxis
        title = axes.get_xlabel() if spec.horizontal and index == 0 else axes.get_ylabel()
        drawn.append((title, kind_of_axis(axis)))
    return drawn


def matplotlib_names(spec: ChartSpec, axes: Any) -> list[str]:
    """The category names on the axis of the points (none for days)."""
    ticks = axes.get_yticklabels() if spec.horizontal else axes.get_xticklabels()
    if not any(point.label for point in spec.series[0].points):
        return []
    return [tick.get_text() for tick in ticks]


# --- Plotly --------------------------------------------------------------------------------------


def text(html: str) -> str:
    """Plotly's text without its markup."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def plotly_drawn(spec: ChartSpec) -> Drawn:
    """Draw the spec as the web pages do, and read the figure back."""
    figure = figures.draw(spec)
    assert text(figure["layout"]["title"]["text"]) == spec.title
    data, layout = figure["data"], figure["layout"]
    if spec.kind is Kind.HEATMAP:
        bar = data[0]["colorbar"]["title"]["text"]
        return Drawn(list(zip(data[0]["y"], data[0]["z"], strict=True)), [(text(bar), NUMBER)],
                     list(data[0]["y"]))  # fmt: skip
    if spec.kind is Kind.DONUT:
        names = [text(label) for label in data[0]["labels"]]
        return Drawn([(spec.series[0].label, data[0]["values"])], [(spec.y[0].label, PERCENT)],
                     names)  # fmt: skip
    if spec.kind is Kind.SCATTER:
        series = [(trace["name"], trace["y"]) for trace in data]
        return Drawn(series, [(text(layout["yaxis"]["title"]["text"]), NUMBER)], [])
    value_key = "x" if spec.horizontal else "y"
    series = [(text(trace["name"]), list(trace[value_key])) for trace in data]
    axes = [layout["xaxis" if spec.horizontal else "yaxis"]]
    if "yaxis2" in layout:
        axes.append(layout["yaxis2"])
    drawn_axes = [(text(axis.get("title", {}).get("text", "")),
                   PERCENT if axis.get("tickformat") == ".0%" else NUMBER) for axis in axes]  # fmt: skip
    place = layout["yaxis" if spec.horizontal else "xaxis"]
    names = [text(name) for name in place.get("ticktext", [])]
    return Drawn(series, drawn_axes, names)


# --- the test ------------------------------------------------------------------------------------


def close(drawn: Drawn, spec: ChartSpec) -> Drawn:
    """The drawing with bar gaps as the spec's None and values within 1e-9 as the spec's."""
    want = expected(spec)
    series = []
    for (label, values), (_, wanted) in zip(drawn.series, want.series, strict=True):
        fixed = [
            want_value if (value is None and want_value is None) or (
                value is not None and want_value is not None
                and math.isclose(value, want_value, rel_tol=1e-9, abs_tol=1e-9))
            or (want_value is None and value == 0 and (spec.kind is Kind.BAR))
            else value
            for value, want_value in zip(values, wanted, strict=True)
        ]  # fmt: skip
        series.append((label, fixed))
    return Drawn(series, drawn.axes, drawn.names)


def test_one_model_charts_cover_every_kind(charts: list[ChartSpec]) -> None:
    kinds = {chart.kind for chart in charts}
    assert kinds == set(Kind)
    keys = [chart.key for chart in charts]
    for key in ("views", "followers", "balance", "heatmap", "traffic_sources", "territories",
                "top_posts", "published_views", "gender", "age"):  # fmt: skip
        assert key in keys, key


def test_one_model_each_chart_is_drawn_alike_by_matplotlib_and_plotly(
    charts: list[ChartSpec],
) -> None:
    for spec in charts:
        want = expected(spec)
        assert close(matplotlib_drawn(spec), spec) == want, f"matplotlib: {spec.key}"
        assert close(plotly_drawn(spec), spec) == want, f"plotly: {spec.key}"


def test_one_model_views_chart_puts_profile_views_on_their_own_axis(
    charts: list[ChartSpec],
) -> None:
    views = next(chart for chart in charts if chart.key == "views")
    assert [(series.label, series.axis) for series in views.series] == [
        ("Video views", 0), ("Profile views", 1), ("Video views, previous period", 0)]  # fmt: skip
    assert [axis.label for axis in views.y] == ["Video views", "Profile views"]
    figure = figures.draw(views)
    assert [trace["yaxis"] for trace in figure["data"]] == ["y", "y2", "y"]


def page_figures(origin: str) -> dict[str, Any]:
    """The Plotly figures the account's pages ship for the period, by name."""
    shipped: dict[str, Any] = {}
    with httpx.Client(base_url=origin, timeout=60) as client:
        assert login(client, "vera").status_code == 303
        for name in ("overview", "community", "content", "activity"):
            page = client.get(
                f"{PAGES}/{name}",
                params={"start": PERIOD.start.isoformat(), "end": PERIOD.end.isoformat()},
            )
            assert page.status_code == 200, page.text
            for key, figure in FIGURE.findall(page.text):
                assert key not in shipped or name == "community", key  # followers: twice
                shipped[key] = json.loads(figure)
    return shipped


def test_one_model_web_pages_draw_the_report_charts(
    web_server: tuple[str, WebStore], charts: list[ChartSpec]
) -> None:
    # The report's chart specs, drawn by Plotly, are what the web pages ship (the list of
    # published posts is sorted by publish time on the web, by views in the report).
    origin, _ = web_server
    shipped = page_figures(origin)
    by_key: dict[str, ChartSpec] = {}
    for chart in charts:  # the daily followers and balance come before the weekly and monthly
        by_key.setdefault(chart.key, chart)
    shared = ("views", "followers", "balance", "heatmap", "traffic_sources", "territories",
              "top_posts", "gender", "age", "country", "city")  # fmt: skip
    for key in shared:
        drawn = json.loads(json.dumps(figures.draw(by_key[key]), default=str))
        assert nearly(shipped[key], drawn) == drawn, key


def nearly(actual: Any, expected: Any) -> Any:
    """`actual`, with each float within 1e-12 of the one `expected` has in its place replaced by it.

    # NOTE: two computations of the same share or average may differ in the last bit: DuckDB's
    # parallel sums may add floats in another order. Everything else must be equal.
    """
    if isinstance(actual, float) and isinstance(expected, float | int):
        close = math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-12)
        return expected if close else actual
    if isinstance(actual, dict) and isinstance(expected, dict):
        return {key: nearly(value, expected.get(key)) for key, value in actual.items()}
    if isinstance(actual, list) and isinstance(expected, list) and len(actual) == len(expected):
        return [nearly(value, other) for value, other in zip(actual, expected, strict=True)]
    return actual
