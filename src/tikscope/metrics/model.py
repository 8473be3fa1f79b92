"""What a metric is: defined once, read by the CLI, reports, web pages, docs and tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    """How a metric's value is measured."""

    COUNT = "count"
    SECONDS = "seconds"
    FRACTION = "fraction (0-1)"
    RATE = "per 100 or per 1000 (setting)"
    TEXT = "text"
    TIME = "UTC time"


class Scope(StrEnum):
    """Which rows a metric is computed over, for one account and one period."""

    DAYS = "account days in the period (UTC days of the daily series)"
    PUBLISHED = "posts published in the period, counters as of the period's end"
    VIEWED = "every post, counters gained during the period"


class Kind(StrEnum):
    """How a metric is computed.

    - simple: one aggregate over its scope's rows.
    - ratio: one aggregate divided by another over the same rows.
    - derived: computed from other metrics' values, never from SQL of its own.
    """

    SIMPLE = "simple"
    RATIO = "ratio"
    DERIVED = "derived"


Combine = Callable[[float, float], float]


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One metric.

    Attributes:
        name: identifier, snake_case, unique.
        label: what a person reads in a table or chart; unique, so that two numbers never
            look alike.
        description: what it means, in one or two sentences.
        unit: how the value is measured.
        scope: which rows it is computed over.
        kind: simple, ratio or derived.
        section: key of the section it belongs to (`reports.sections.SECTIONS`).
        sql: for simple and ratio metrics, an aggregate SQL expression over the scope's rows
            (metrics/query.py lists the columns each scope offers). `{rate}` and `{basis}` stand
            for the engagement multiplier and denominator.
        inputs: for derived metrics, the names of the metrics it is computed from.
        combine: for derived metrics, the function of the inputs' values.
        sources: the stored data it needs, as `table.column`; when none of it is in the store
            for the period, the metric is missing and names the sources that would provide it
            (`sources.catalog`).
        over_days: how it aggregates over days of a period, in words.
        over_posts: how it aggregates over posts, in words.
        zero_when_empty: an empty scope (no posts published, say) gives 0 rather than nothing.
        lower_is_better: a rise is bad news (unfollows): changes are coloured the other way.
        headline: shown among the few numbers at the top of an overview.
    """

    name: str
    label: str
    description: str
    unit: Unit
    scope: Scope
    kind: Kind
    section: str
    sql: str = ""
    inputs: tuple[str, ...] = ()
    combine: Combine | None = None
    sources: tuple[str, ...] = ()
    over_days: str = ""
    over_posts: str = ""
    zero_when_empty: bool = False
    lower_is_better: bool = False
    headline: bool = False


@dataclass(frozen=True)
class PostColumn:
    """One column of the list of posts: a per-post value.

    Attributes:
        name: identifier, used by `--columns` and `--sort`.
        label: column header.
        description: what it means.
        unit: how it is measured.
        sql: expression over one row of the `published` relation (see metrics/query.py).
        sources: the stored data it needs, as `table.column` (see `Metric.sources`).
    """

    name: str
    label: str
    description: str
    unit: Unit
    sql: str
    sources: tuple[str, ...] = ()
