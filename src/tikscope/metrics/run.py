"""The account metrics an interface asks for: one typed line per metric, with comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tikscope.errors import UsageError
from tikscope.metrics import registry
from tikscope.metrics.model import Metric, Unit
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, MetricValue, Settings, compute_periods
from tikscope.metrics.relations import KnownFollowers

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

Json = str | int | float | bool | None


@dataclass(frozen=True)
class MetricLine:
    """One metric of a period as every output shows it.

    Attributes:
        metric: the registry entry (name, label, unit, description, section).
        value: the period's value; None when missing.
        missing: why it is missing, naming what would provide it.
        note: how it was computed where a setting or the data chose (engagement formula,
            growth from the first known day); None otherwise.
        compared: whether the previous period was computed.
        previous: the previous period's value.
    """

    metric: Metric
    value: float | None
    missing: str | None
    note: str | None
    compared: bool = False
    previous: float | None = None

    @property
    def name(self) -> str:
        """The metric's name."""
        return self.metric.name

    @property
    def label(self) -> str:
        """The metric's label."""
        return self.metric.label

    @property
    def unit(self) -> Unit:
        """The unit of its values."""
        return self.metric.unit

    @property
    def section(self) -> str:
        """The section the metric belongs to."""
        return self.metric.section

    @property
    def change(self) -> float | None:
        """Absolute change from the previous period; None where undefined."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_percent(self) -> float | None:
        """% change from the previous period; None where undefined (or from 0)."""
        change = self.change
        if change is None or not self.previous:
            return None
        return change / abs(self.previous) * 100

    @property
    def remark(self) -> str:
        """What a table's note column shows: why it is missing, or how it was computed."""
        return self.missing or self.note or ""

    def as_json(self) -> dict[str, Json]:
        """The line as the JSON outputs give it (CLI `--format json` and the web API)."""
        metric = self.metric
        values: dict[str, Json] = {
            "section": metric.section, "metric": metric.name, "label": metric.label,
            "value": plain_number(self.value, metric.unit), "unit": metric.unit.value,
        }  # fmt: skip
        if self.compared:
            values |= {
                "previous": plain_number(self.previous, metric.unit),
                "change": plain_number(self.change, metric.unit),
                "change_percent": self.change_percent,
            }
        return values | {"note": self.remark, "missing": self.missing}


def plain_number(value: float | None, unit: Unit) -> float | int | None:
    """A count as an int (50000, not 50000.0); other units as they are."""
    if value is not None and unit is Unit.COUNT and float(value).is_integer():
        return int(value)
    return value


def metric_lines(
    connection: DuckDBPyConnection,
    account: Account,
    period: Period,
    settings: Settings,
    *,
    compare: bool = False,
    section: str | None = None,
    followers: KnownFollowers | None = None,
) -> tuple[list[MetricLine], list[str]]:
    """One line per registry metric (of one section, if given) and the period's notes.

    `followers`: follower counts the caller already read (`sections.period_series`), so that
    the store is not asked again for the days before the periods.
    """
    known = registry.metric_sections()
    if section is not None and section not in known:
        raise UsageError(f"unknown section {section!r}; choose from {', '.join(known)}")
    # NOTE: the previous period is computed in the same queries as this one: the time of a small
    # DuckDB query goes mostly into planning it, once for both periods.
    periods = [period, period.previous()] if compare else [period]
    computed = compute_periods(connection, account, periods, settings, followers=followers)
    current, notes = computed[0]
    previous: dict[str, MetricValue] = computed[1][0] if compare else {}
    lines = [
        line_of(current[metric.name], previous.get(metric.name), settings, compared=compare)
        for metric in registry.METRICS
        if section is None or metric.section == section
    ]
    return lines, notes


def line_of(
    value: MetricValue, previous: MetricValue | None, settings: Settings, *, compared: bool
) -> MetricLine:
    """A metric's line: its value, the previous one, and its reason or note."""
    note = value.note
    if value.metric.name == "engagement" and value.value is not None:
        note = settings.engagement_formula
    return MetricLine(
        metric=value.metric, value=value.value, missing=value.unavailable, note=note,
        compared=compared, previous=previous.value if previous else None,
    )  # fmt: skip


def metric_report(
    connection: DuckDBPyConnection,
    account: Account,
    period: Period,
    settings: Settings,
    *,
    compare: bool = False,
    section: str | None = None,
) -> tuple[list[dict[str, Json]], list[str]]:
    """Metric lines as JSON rows (see `MetricLine.as_json`) and the period's notes."""
    lines, notes = metric_lines(
        connection, account, period, settings, compare=compare, section=section
    )
    return [line.as_json() for line in lines], notes


def metric_rows(
    connection: DuckDBPyConnection,
    account: Account,
    period: Period,
    settings: Settings,
    *,
    compare: bool = False,
    section: str | None = None,
) -> list[dict[str, Json]]:
    """One JSON row per metric: value, and with `compare` the previous period and the change."""
    return metric_report(connection, account, period, settings, compare=compare, section=section)[0]
