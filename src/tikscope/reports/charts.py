"""Drawing PNG charts with matplotlib's Agg canvas: shared look, axis formats and bar shapes.

matplotlib is imported inside the functions that need it, so importing this module is cheap.
Figures are made with `matplotlib.figure.Figure` directly, never pyplot: no global state, no GUI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tikscope.reports.chart_spec import ChartSpec

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

WIDTH_INCHES = 12.0
DPI = 100  # 12 inches at 100 dpi: 1200 px wide
CHARTS_FOLDER = "charts"
LONG_PERIOD_DAYS = 90  # beyond it, daily bars touch and lines lose their markers
SHORT_PERIOD_DAYS = 35  # up to it, date ticks fall on days
DAY_TICKS = 8  # most day ticks on a short period's axis: "Oct 25" fits a half-width panel
BLUE, GREEN, RED, GREY, DARK = "#2563eb", "#16a34a", "#dc2626", "#9ca3af", "#111827"
PALETTE = (BLUE, "#f59e0b", GREEN, "#8b5cf6", RED, "#0891b2", "#db2777")
STYLE: dict[RcKeyType, Any] = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "figure.titlesize": 15,
    "figure.titleweight": "bold",
}


@dataclass(frozen=True)
class Chart:
    """A drawn chart as the page shows it: a relative PNG path, or the reason there is none."""

    title: str
    file: str | None
    unavailable: str | None


def render_charts(charts: Sequence[tuple[str, ChartSpec]], directory: Path) -> list[Chart]:
    """Draw every (file name, spec) to `directory/charts/<name>.png`.

    The PNG of a chart that cannot be drawn is removed.
    """
    import matplotlib

    folder = directory / CHARTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(STYLE):
        return [render_chart(name, spec, folder) for name, spec in charts]


def render_chart(name: str, spec: ChartSpec, folder: Path) -> Chart:
    """Draw one chart to a PNG in `folder`."""
    from tikscope.reports.draw import draw_spec

    path = folder / f"{name}.png"
    if spec.missing is not None:
        # NOTE: a chart drawn by an earlier run must not survive next to a page that lacks it.
        path.unlink(missing_ok=True)
        return Chart(spec.title, None, spec.missing)
    draw = partial(draw_spec, spec=spec)
    draw_figure(draw, spec.title, spec.height).savefig(path, dpi=DPI, facecolor="white")
    return Chart(spec.title, f"{CHARTS_FOLDER}/{path.name}", None)


def draw_figure(draw: Callable[[Figure], None], title: str, height: float) -> Figure:
    """A chart's figure, drawn and titled (under the report's style, see `render_charts`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    draw(figure)
    figure.suptitle(title, x=0.01, horizontalalignment="left")
    return figure


def count_text(value: float) -> str:
    """A count with thousands separators."""
    return f"{value:,.0f}"


def compact_text(value: float) -> str:
    """A count in few characters: 950, 17.3k, 1.2M."""
    for limit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}"
    return f"{value:.0f}"


def thousands(axis: Axis, *, integer: bool = True) -> None:
    """Tick labels with thousands separators; with `integer`, ticks only at whole numbers."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if integer:
        axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
    axis.set_major_formatter(FuncFormatter(lambda value, _: count_text(value)))


def percent(axis: Axis) -> None:
    """Tick labels for fractions, as percentages."""
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def seconds(axis: Axis) -> None:
    """Plain tick labels on a log axis of seconds: 5, 10, 20, 50, 100."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,g}"))
    axis.set_minor_formatter(NullFormatter())


def day_axis(axes: Axes, days: Sequence[date]) -> None:
    """A date x axis spanning exactly the days shown; day ticks for short periods, else adaptive."""
    from matplotlib.dates import (
        AutoDateLocator,
        ConciseDateFormatter,
        DateFormatter,
        DayLocator,
        date2num,
    )

    if len(days) <= SHORT_PERIOD_DAYS:
        interval = max(1, -(-len(days) // DAY_TICKS))
        axes.xaxis.set_major_locator(DayLocator(interval=interval))  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(DateFormatter("%b %d"))  # type: ignore[no-untyped-call]
    else:
        locator = AutoDateLocator(minticks=5, maxticks=12)  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    if days:
        # NOTE: fixed limits keep one or two days from being drawn as hours of a day.
        first, last = date2num([days[0], days[-1]])  # type: ignore[no-untyped-call]
        axes.set_xlim(first - 0.7, last + 0.7)


def above(axes: Axes, *, columns: int) -> None:
    """The legend in one row above the plot, where it can never hide data."""
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=columns)


def bar_width(days: int) -> float:
    """Gaps between daily bars for a few weeks; touching bars for long periods (no aliasing)."""
    return 0.8 if days <= LONG_PERIOD_DAYS else 1.0
