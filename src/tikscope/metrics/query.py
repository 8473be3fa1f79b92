"""Computing the registry's metrics for one account and one or more periods, in DuckDB.

A metric's SQL aggregates over the rows of its scope (`model.Scope`), built in
metrics/relations.py. One query per scope computes every metric of that scope and its
data-quality notes for all the periods asked for (a period and the previous one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tikscope.errors import UsageError
from tikscope.ids import handle_or_none
from tikscope.metrics import registry
from tikscope.metrics.missing import NO_DATA, not_stored
from tikscope.metrics.model import Kind, Metric, Scope
from tikscope.metrics.periods import Period
from tikscope.metrics.relations import GAINED, KnownFollowers, Relation, relations
from tikscope.sources.catalog import how_to_get
from tikscope.store.db import fetch_value

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import date

    from duckdb import DuckDBPyConnection
ENGAGEMENT_BASES = {"reach": "reach", "views": "views", "followers": "followers_at_end"}
ENGAGEMENT_RATES = (100, 1000)


@dataclass(frozen=True)
class Settings:
    """Choices that change how metrics are computed."""

    engagement_rate: int = 100
    engagement_basis: str = "reach"

    def __post_init__(self) -> None:
        if self.engagement_rate not in ENGAGEMENT_RATES:
            raise UsageError("engagement rate must be per 100 or per 1000")
        if self.engagement_basis not in ENGAGEMENT_BASES:
            raise UsageError(f"engagement basis must be one of {', '.join(ENGAGEMENT_BASES)}")

    def fill(self, sql: str) -> str:
        """SQL with the engagement multiplier and denominator filled in."""
        return sql.format(rate=self.engagement_rate, basis=ENGAGEMENT_BASES[self.engagement_basis])

    @property
    def engagement_formula(self) -> str:
        """The engagement formula in words, named in every output that shows engagement."""
        basis = {"reach": "reach", "views": "views", "followers": "followers at the period's end"}
        return (
            f"engagement = mean over posts of (likes + comments + shares) / "
            f"{basis[self.engagement_basis]} × {self.engagement_rate}"
        )


@dataclass(frozen=True)
class Account:
    """What the queries need to know about an account."""

    account_id: str
    handle: str
    account_type: str
    time_zone: str


@dataclass(frozen=True)
class MetricValue:
    """A metric's value, or why there is none, and a note on how it was computed.

    Attributes:
        metric: the metric.
        value: its value; None when missing.
        unavailable: why it is missing, naming what would provide it; None when it has a value.
        note: how this value was computed when that differs from the metric's description.
    """

    metric: Metric
    value: float | None
    unavailable: str | None = None
    note: str | None = None


def find_account(connection: DuckDBPyConnection, handle: str | None) -> Account:
    """The account with this handle, or the only account when no handle is given."""
    rows = connection.execute(
        "SELECT account_id, handle, account_type, time_zone FROM accounts ORDER BY handle"
    ).fetchall()
    if not rows:
        raise UsageError(
            "the store has no accounts yet: run `tikscope demo` or `tikscope simulate`"
        )
    wanted = None if handle is None else (handle_or_none(handle) or handle.strip())
    matches = [row for row in rows if wanted is None or row[1] == wanted]
    if handle is None and len(rows) > 1:
        names = ", ".join(row[1] for row in rows)
        raise UsageError(f"the store has several accounts; choose one with --account ({names})")
    if not matches:
        names = ", ".join(row[1] for row in rows)
        raise UsageError(f"no account @{(wanted or '').lstrip('@')} in the store (it has {names})")
    return Account(*matches[0])


def last_day(connection: DuckDBPyConnection, account: Account) -> date | None:
    """The last day the store has data for, from the daily series or post snapshots."""
    day: date | None = fetch_value(
        connection,
        "SELECT greatest(max(date), (SELECT last_captured_at::DATE - 1 FROM post_daily_extent "
        "WHERE account_id = $account)) FROM account_daily WHERE account_id = $account",
        {"account": account.account_id},
    )
    return day


def parameters(account: Account, period: Period) -> dict[str, Any]:
    """The named parameters of one period that queries over a scope relation may use."""
    utc_start, utc_end = period.utc_bounds(account.time_zone)
    snap_start, snap_end = period.snapshot_bounds()
    return {
        "account": account.account_id, "start": period.start, "end": period.end,
        "post_url_prefix": f"https://www.tiktok.com/@{account.handle}/video/",
        "utc_start": utc_start, "utc_end": utc_end, "snap_start": snap_start, "snap_end": snap_end,
    }  # fmt: skip


def scope_query(
    connection: DuckDBPyConnection, scope: Scope, account: Account, period: Period, sql: str
) -> tuple[str, dict[str, Any]]:
    """`sql` with `{relation}` replaced by the scope's rows for `period`, and its parameters."""
    rows = relations(connection, account, [period])[scope]
    rows = rows.complete or rows
    filled = sql.replace("{relation}", f"({rows.sql})")
    return filled, parameters_for(filled, rows.parameters | parameters(account, period))


# Data-quality counts computed in the same query as a scope's metrics: (SQL, what it counts).
FLAGS: dict[Scope, tuple[tuple[str, str], ...]] = {
    Scope.DAYS: (
        (
            "list(strftime(date, '%Y-%m-%d') ORDER BY date) "
            "FILTER (WHERE captured_at < date + INTERVAL 72 HOUR)",
            "provisional days (fetched less than 48 h after they ended): {}",
        ),
    ),
    Scope.VIEWED: (
        ("count_if(views_corrected)",
         "{} posts whose lifetime views TikTok corrected downwards during the period"),
        ("count_if(missing_start AND views_gained > 0)",
         "{} posts with no snapshot at the period's start (their gains count from zero)"),
    ),
    Scope.PUBLISHED: (
        ("count_if(read_after_end)",
         "{} posts published in the period whose counters were first captured after the "
         "period's end: read at that first capture"),
        ("count_if(insights_as_of < counters_as_of)",
         "{} posts published in the period whose reach and watch time are last known from "
         "before the period's end (TikTok stops reporting them after 7 idle days)"),
        ("count_if(is_deleted)", "{} deleted posts among those published"),
        ("count_if(is_filtered)", "{} filtered posts among those published"),
    ),
}  # fmt: skip

# Notes on how one value was computed, in the same query as its scope: (metric, SQL of the text).
VALUE_NOTES: dict[Scope, tuple[tuple[str, str], ...]] = {
    Scope.DAYS: (
        ("followers_growth",
         "CASE WHEN any_value(followers_before) IS NOT NULL THEN NULL "
         "WHEN count(followers_count) > 0 THEN 'from ' || strftime(min(CASE WHEN "
         "followers_count IS NOT NULL THEN date END), '%Y-%m-%d') || ', the first day of the "
         "period with a follower count (the day before the period is not in the store)' "
         "WHEN count(daily_total_followers) > 0 THEN 'the sum of the daily changes in "
         "followers (no follower count in the store for this period)' END"),
    ),
}  # fmt: skip

Values = dict[str, MetricValue]


def compute_metrics(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings
) -> Values:
    """Every registry metric for the account and period."""
    return compute_periods(connection, account, [period], settings)[0][0]


def compute_period(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings
) -> tuple[Values, list[str]]:
    """Every registry metric, and the data-quality notes of the period."""
    return compute_periods(connection, account, [period], settings)[0]


def compute_periods(
    connection: DuckDBPyConnection, account: Account, periods: Sequence[Period],
    settings: Settings, *, followers: KnownFollowers | None = None,
) -> list[tuple[Values, list[str]]]:  # fmt: skip
    """Every registry metric and the data-quality notes of each period, one query per scope.

    `periods` is a period optionally followed by the ones before it, back to back (the period
    and the previous one); downward corrections of views are noted for the first one only.
    Whether a metric has a value is decided by what the store holds for the account and period,
    whatever the account's type: a missing value says why and names what would provide it.
    `followers`: follower counts the caller already read (`relations`).
    """
    by_scope = {
        scope: compute_scope(connection, rows, scope, settings, len(periods))
        for scope, rows in relations(
            connection, account, periods,
            followers_at_end=settings.engagement_basis == "followers", followers=followers,
        ).items()
    }  # fmt: skip
    return [assemble(by_scope, index) for index in range(len(periods))]


def assemble(
    by_scope: Mapping[Scope, Sequence[tuple[Values, list[str]]]], index: int
) -> tuple[Values, list[str]]:
    """Period `index`'s values of every metric (derived ones computed) and its notes."""
    values: Values = {}
    for scope in Scope:
        values |= by_scope[scope][index][0]
    for metric in registry.METRICS:
        if metric.kind is Kind.DERIVED:
            values[metric.name] = derive(metric, values)
    notes = [note for scope in FLAGS for note in by_scope[scope][index][1] if note]
    return {metric.name: values[metric.name] for metric in registry.METRICS}, notes


def compute_scope(
    connection: DuckDBPyConnection, rows: Relation, scope: Scope, settings: Settings, count: int
) -> list[tuple[Values, list[str]]]:
    """The simple and ratio metrics of one scope, and its notes, for each of `count` periods.

    One query computes every period's values (two when the fast relation leaves a case out).
    Whether the stored columns a missing value's reason depends on have data is asked in the
    same query for the columns the account's last query of this scope needed (`PRESENCE_HINTS`),
    and in one more query only when other columns are needed.
    """
    selected = aggregates(scope, settings)
    hint_key = (rows.parameters.get("account"), scope)
    hinted = PRESENCE_HINTS.get(hint_key, ())
    results = connection.execute(
        f"SELECT period, {', '.join([*selected, *presence(hinted), rows.incomplete or 'false'])} "
        f"FROM ({rows.sql}) GROUP BY period",
        parameters_for(rows.sql, rows.parameters),
    ).fetchall()
    if rows.complete is not None and any(row[-1] for row in results):
        return compute_scope(connection, rows.complete, scope, settings, count)
    width = len(selected)
    found = {row[0]: row[1:-1] for row in results}
    by_period = [
        found.get(index) or empty_row(connection, rows, scope, settings) for index in range(count)
    ]
    needed = sorted({column for row in by_period for column in unknown_columns(scope, row)})
    if set(needed) <= set(hinted):
        present = [dict(zip(hinted, map(bool, row[width:]), strict=False)) for row in by_period]
    else:
        present = present_columns(connection, rows, needed, count)
    if tuple(needed) != hinted:
        if len(PRESENCE_HINTS) >= MAX_HINTS:
            PRESENCE_HINTS.clear()
        PRESENCE_HINTS[hint_key] = tuple(needed)
    return [judge_row(scope, row[:width], present[index]) for index, row in enumerate(by_period)]


# Per (account, scope): the stored columns whose presence its last query needed to explain a
# missing value. Only a hint of what to ask along with the metrics (an account without a stored
# column lacks it in every period): what it holds never changes a result, only the queries run.
PRESENCE_HINTS: dict[tuple[Any, Scope], tuple[str, ...]] = {}
MAX_HINTS = 10_000


def present_columns(
    connection: DuckDBPyConnection, rows: Relation, columns: Sequence[str], count: int
) -> list[dict[str, bool]]:
    """For each of `count` periods, whether each of `columns` of a scope's relation has data.

    # NOTE: asked only for the columns a missing value's reason depends on (`unknown_columns`):
    # DuckDB's planning of a `count(column) > 0` costs more than computing it.
    """
    results = connection.execute(
        f"SELECT period, {', '.join(presence(columns))} FROM ({rows.sql}) GROUP BY period",
        parameters_for(rows.sql, rows.parameters),
    ).fetchall()
    found = {row[0]: row[1:] for row in results}
    return [
        dict(zip(columns, (bool(value) for value in found.get(index, ())), strict=False))
        for index in range(count)
    ]


def scope_metrics(scope: Scope) -> list[Metric]:
    """The metrics a scope's query computes (all but the derived ones)."""
    return [m for m in registry.METRICS if m.scope is scope and m.kind is not Kind.DERIVED]


def aggregates(scope: Scope, settings: Settings) -> list[str]:
    """A scope's select list: its metrics, row count, flags and value notes (see `judge_row`)."""
    metrics = [f"{settings.fill(m.sql)} AS {m.name}" for m in scope_metrics(scope)]
    notes = [sql for sql, _ in FLAGS[scope]] + [sql for _, sql in VALUE_NOTES.get(scope, ())]
    return [*metrics, "count(*)", *notes]


def presence(columns: Sequence[str]) -> list[str]:
    """A select list saying whether each column of a scope's relation has data."""
    return [f"count({column}) > 0" for column in columns]


def unknown_columns(scope: Scope, row: tuple[Any, ...]) -> list[str]:
    """The stored columns whose presence decides a reason in a row of `aggregates`.

    Those of the metrics without a value over rows that exist: whether their stored data is in
    the store for the period tells "not stored" from "no data" (`judge`).
    """
    metrics = scope_metrics(scope)
    if not row[len(metrics)]:
        return []
    return [
        relation_column(scope, source)
        for metric, value in zip(metrics, row, strict=False)
        if value is None
        for source in metric.sources
    ]


def empty_row(
    connection: DuckDBPyConnection, rows: Relation, scope: Scope, settings: Settings
) -> tuple[Any, ...]:
    """What a scope's select list gives over no rows (a period without rows has no group).

    The same for every account and period, so it is asked once per select list.
    """
    selected = aggregates(scope, settings)
    key = (scope, tuple(selected))
    if key not in EMPTY_ROWS:
        EMPTY_ROWS[key] = connection.execute(
            f"SELECT {', '.join(selected)} FROM ({rows.sql}) WHERE false",
            parameters_for(rows.sql, rows.parameters),
        ).fetchall()[0]
    return EMPTY_ROWS[key]


EMPTY_ROWS: dict[tuple[Scope, tuple[str, ...]], tuple[Any, ...]] = {}


def judge_row(
    scope: Scope, row: tuple[Any, ...], present: Mapping[str, bool]
) -> tuple[Values, list[str]]:
    """The values and notes of one period from its row of the scope's query (`aggregates`).

    `present` says whether each of the row's `unknown_columns` has data in the period.
    """
    metrics = scope_metrics(scope)
    results = iter(row)
    raw = {metric.name: next(results) for metric in metrics}
    count = int(next(results))
    notes = [flag_text(text, next(results)) for _, text in FLAGS[scope]]
    value_notes = {name: next(results) for name, _ in VALUE_NOTES.get(scope, ())}
    values = {
        metric.name: judge(
            metric, raw[metric.name], count, present, note=value_notes.get(metric.name)
        )
        for metric in metrics
    }
    return values, notes


def relation_column(scope: Scope, source: str) -> str:
    """The column of a scope's relation that holds a stored `table.column`."""
    column = source.split(".", 1)[1]
    return f"{column}_gained" if scope is Scope.VIEWED and column in GAINED else column


EMPTY = {
    Scope.DAYS: "no daily account data for this period in the store",
    Scope.PUBLISHED: "no posts published in the period",
    Scope.VIEWED: "no post counters captured during the period (a gain is the change between "
    "captures at its start and end, so one Studio Content export is not enough)",
}


def judge(
    metric: Metric, value: Any, rows: int, present: Mapping[str, bool], *, note: str | None = None
) -> MetricValue:
    """A metric's value from its query, or the reason it has none."""
    if value is None and rows == 0 and metric.zero_when_empty:
        value = 0
    if value is not None:
        return MetricValue(metric, float(value), note=note)
    how = how_to_get(metric.sources)
    if rows == 0:
        reason = EMPTY[metric.scope] + ("" if metric.scope is Scope.PUBLISHED else f": {how}")
    elif not any(present[relation_column(metric.scope, s)] for s in metric.sources):
        reason = not_stored(metric.sources)
    elif metric.kind is Kind.RATIO:
        reason = "not defined for this period: nothing to divide by"
    else:
        reason = NO_DATA
    return MetricValue(metric, None, reason)


def derive(metric: Metric, values: dict[str, MetricValue]) -> MetricValue:
    """A derived metric from its inputs' values; missing, with the first input's reason."""
    inputs = [values[name] for name in metric.inputs]
    missing = next((value for value in inputs if value.value is None), None)
    if missing is not None:
        return MetricValue(metric, None, missing.unavailable)
    assert metric.combine is not None
    return MetricValue(metric, metric.combine(*(value.value or 0.0 for value in inputs)))


def flag_text(text: str, count: Any) -> str:
    """A data-quality note with its count or list; empty when there is nothing to say."""
    if not count:
        return ""
    return text.format(", ".join(count)) if isinstance(count, list) else counted(text, count)


def counted(text: str, count: int) -> str:
    """A flag's text with its count: "1 post ...", "3 posts ..."."""
    return (re.sub(r"\bposts\b", "post", text, count=1) if count == 1 else text).format(count)


def parameters_for(sql: str, values: dict[str, Any]) -> dict[str, Any]:
    """The named parameters `sql` uses (DuckDB rejects unused named parameters)."""
    used = set(re.findall(r"\$(\w+)", sql))
    return {name: value for name, value in values.items() if name in used}
