"""Rendering report pages with Jinja2: the environment, and how values read on a page.

Templates live in `reports/templates/`; CSS is inlined and images are relative, so a page works
offline and can be copied as a folder.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, assert_never

from tikscope.metrics import registry
from tikscope.metrics.model import Unit
from tikscope.metrics.studio import freshness_text
from tikscope.reports.post_names import post_title, post_url
from tikscope.reports.sections import section_title

if TYPE_CHECKING:
    import jinja2

MISSING = "—"


def render_page(template: str, context: dict[str, Any]) -> str:
    """Render a template of `reports/templates/` with autoescaping and strict variables."""
    return template_environment("tikscope.reports").get_template(template).render(context)


def template_environment(package: str) -> jinja2.Environment:
    """Jinja2 over `package`'s `templates/`: autoescaped, strict, with the value filters.

    The reports and the web pages both use it, so a value reads the same on both.
    """
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(
        value=format_value, change=format_change, trend=trend, moment=format_moment,
        p_value=format_p_value, post_title=post_title, post_url=post_url,
        freshness=freshness_text, section_title=section_title,
    )  # fmt: skip
    return environment


def format_p_value(value: float) -> str:
    """A p-value as "= 2.4e-34", or "< 1e-15" below what a double tells apart from zero."""
    return "< 1e-15" if value < 1e-15 else f"= {value:.1e}"


def format_value(value: object, unit: str | Unit) -> str:
    """A value as text in its unit: counts with separators, fractions as %, seconds with s."""
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, datetime | date):
        return format_moment(value)
    match Unit(unit):
        case Unit.COUNT:
            return f"{value:,.0f}"
        case Unit.SECONDS:
            return f"{value:,.1f} s"
        case Unit.FRACTION:
            return f"{value:.1%}"
        case Unit.RATE:
            return f"{value:,.2f}"
        case Unit.TEXT | Unit.TIME:
            return str(value)
        case _ as unreachable:
            assert_never(unreachable)


def format_change(percent: float | None) -> str:
    """A % change with its sign, or a dash where it is undefined."""
    return MISSING if percent is None else f"{percent:+.1f}%"


def trend(percent: float | None, metric: str | None = None) -> str:
    """A CSS class for a change: up (good news), down (bad news) or flat.

    For a metric whose rise is bad news (`lower_is_better`, e.g. followers lost) a rise is "down".
    """
    if percent is None or abs(percent) < 0.05:
        return "flat"
    rising = percent > 0
    known = registry.metrics_by_name().get(metric) if metric is not None else None
    if known is not None and known.lower_is_better:
        rising = not rising
    return "up" if rising else "down"


def format_moment(value: datetime | date | None) -> str:
    """A date, or a time to the minute, as ISO-like text."""
    if value is None:
        return MISSING
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return value.isoformat()
