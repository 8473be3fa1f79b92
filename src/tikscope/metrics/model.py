"""What a metric is: defined once, read by the CLI, reports, docs and tests."""

from __future__ import annotations

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

    DAYS = "account days in the period (UTC days of the Business API series)"
    PUBLISHED = "posts published in the period, counters as of the period's end"
    VIEWED = "every post, counters gained during the period"


@dataclass(frozen=True)
class Metric:
    """One metric.

    Attributes:
        name: identifier, snake_case, unique.
        label: what a person reads in a table or chart.
        description: what it means, in one or two sentences.
        unit: how the value is measured.
        scope: which rows it is computed over.
        sql: an aggregate SQL expression over the scope's rows (see metrics/query.py for the
            columns each scope offers). `{rate}` stands for the engagement multiplier.
        sources: the store columns it needs, as table.column.
        over_days: how it aggregates over days of a period, in words.
        over_posts: how it aggregates over posts, in words.
        section: the report section it belongs to.
        business_only: personal accounts have no source for it.
        lower_is_better: a rise is bad news (unfollows): changes are coloured the other way.
    """

    name: str
    label: str
    description: str
    unit: Unit
    scope: Scope
    sql: str
    sources: tuple[str, ...]
    over_days: str
    over_posts: str
    section: str
    business_only: bool = False
    lower_is_better: bool = False


@dataclass(frozen=True)
class PostColumn:
    """One column of the list of posts: a per-post value.

    Attributes:
        name: identifier, used by `--columns` and `--sort`.
        label: column header.
        description: what it means.
        unit: how it is measured.
        sql: expression over one row of the `published` relation (see metrics/query.py).
        business_only: personal accounts have no source for it.
    """

    name: str
    label: str
    description: str
    unit: Unit
    sql: str
    business_only: bool = False
