"""The account analytics an interface asks for: metric rows with comparison, in one call."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from tikscope.errors import UsageError
from tikscope.metrics.periods import Period
from tikscope.metrics.query import (
    Account,
    MetricValue,
    Settings,
    compute_metrics,
    compute_period,
)
from tikscope.metrics.registry import METRICS

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

SECTIONS = tuple(dict.fromkeys(metric.section for metric in METRICS))


def metric_rows(
    connection: DuckDBPyConnection,
    account: Account,
    period: Period,
    settings: Settings,
    *,
    compare: bool = False,
    section: str | None = None,
) -> list[dict[str, Any]]:
    """One row per metric: value, and with `compare` the previous period and the change."""
    return metric_report(connection, account, period, settings, compare=compare, section=section)[0]


def metric_report(
    connection: DuckDBPyConnection,
    account: Account,
    period: Period,
    settings: Settings,
    *,
    compare: bool = False,
    section: str | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Metric rows (see `metric_rows`) and the period's data-quality notes."""
    if section is not None and section not in SECTIONS:
        raise UsageError(f"unknown section {section!r}; choose from {', '.join(SECTIONS)}")
    previous: dict[str, MetricValue] = {}
    if compare:
        # NOTE: the previous period is computed on its own cursor in a second thread while this
        # one computes the current period: small DuckDB queries leave the other core idle.
        cursor = connection.cursor()
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                later = pool.submit(compute_metrics, cursor, account, period.previous(), settings)
                current, flags = compute_period(connection, account, period, settings)
                previous = later.result()
        finally:
            cursor.close()
    else:
        current, flags = compute_period(connection, account, period, settings)
    rows = []
    for metric in METRICS:
        if section is not None and metric.section != section:
            continue
        value = current[metric.name]
        row: dict[str, Any] = {
            "section": metric.section,
            "metric": metric.name,
            "label": metric.label,
            "value": value.value,
            "unit": metric.unit.value,
        }
        if compare:
            row |= change(value, previous[metric.name])
        row["note"] = note(value, settings)
        rows.append(row)
    return rows, flags


def change(current: MetricValue, previous: MetricValue) -> dict[str, Any]:
    """Previous value, absolute change and % change (None where undefined)."""
    if current.value is None or previous.value is None:
        return {"previous": previous.value, "change": None, "change_percent": None}
    difference = current.value - previous.value
    percent = None if previous.value == 0 else difference / abs(previous.value) * 100
    return {"previous": previous.value, "change": difference, "change_percent": percent}


def note(value: MetricValue, settings: Settings) -> str:
    """Why a value is missing, or the formula where one was chosen by a setting."""
    if value.unavailable:
        return value.unavailable
    if value.metric.name == "engagement":
        return settings.engagement_formula
    if value.value is None and value.metric.name == "followers_growth":
        return "no follower count for the day before the period"
    if value.value is None:
        return "no data in the period"
    return ""
