"""Computing the registry's metrics for one account and one period, in DuckDB.

Each scope of `model.Scope` is a relation built here; a metric's SQL aggregates over it.

- ``days``: the account's `account_daily` rows in the period, plus `followers_before` (followers
  the day before the period).
- ``published``: posts published in the period (account's time zone), each with its counters at
  the period's end and its insight fields (reach, watch time, sources) as last known by then.
- ``viewed``: every post with a snapshot by the period's end, with `<counter>_gained` = counter
  at the end minus counter at the start, and its viewer shares as last known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tikscope.errors import UsageError
from tikscope.metrics import registry
from tikscope.metrics.missing import NO_DATA, not_stored
from tikscope.metrics.model import Kind, Metric, Scope
from tikscope.metrics.periods import Period
from tikscope.sources.catalog import how_to_get
from tikscope.store.db import fetch_value

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

COUNTERS = ("views", "likes", "comments", "shares", "favorites", "new_followers", "profile_views")
INSIGHTS = (
    "reach", "total_time_watched_seconds", "average_time_watched_seconds",
    "full_video_watched_rate", "source_for_you", "source_follow", "source_personal_profile",
    "source_search", "source_hashtag", "source_sound", "source_direct_message", "viewers_new",
    "viewers_returning", "viewers_follower", "viewers_non_follower",
)  # fmt: skip
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
    matches = [row for row in rows if handle is None or row[1] == handle.lstrip("@")]
    if handle is None and len(rows) > 1:
        names = ", ".join(row[1] for row in rows)
        raise UsageError(f"the store has several accounts; choose one with --account ({names})")
    if not matches:
        names = ", ".join(row[1] for row in rows)
        raise UsageError(
            f"no account @{handle.lstrip('@') if handle else ''} in the store (it has {names})"
        )
    return Account(*matches[0])


def last_day(connection: DuckDBPyConnection, account: Account) -> Any:
    """The last day the store has data for, from the daily series or post snapshots."""
    return fetch_value(
        connection,
        "SELECT greatest(max(date), (SELECT max(captured_at)::DATE - 1 FROM post_snapshots "
        "WHERE account_id = $account)) FROM account_daily WHERE account_id = $account",
        {"account": account.account_id},
    )


def scope_sql(scope: Scope) -> str:
    """The relation a scope's metrics aggregate over, with named parameters."""
    if scope is Scope.DAYS:
        return DAYS_SQL
    if scope is Scope.PUBLISHED:
        return PUBLISHED_SQL
    return VIEWED_SQL


def parameters(account: Account, period: Period) -> dict[str, Any]:
    """The named parameters every scope relation uses."""
    utc_start, utc_end = period.utc_bounds(account.time_zone)
    snap_start, snap_end = period.snapshot_bounds()
    return {
        "account": account.account_id, "start": period.start, "end": period.end,
        "post_url_prefix": f"https://www.tiktok.com/@{account.handle}/video/",
        "utc_start": utc_start, "utc_end": utc_end, "snap_start": snap_start, "snap_end": snap_end,
    }  # fmt: skip


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
        ("count(*) FILTER (WHERE missing_start AND views_gained > 0)",
         "{} posts with no snapshot at the period's start (their gains count from zero)"),
    ),
    Scope.PUBLISHED: (
        ("count(*) FILTER (WHERE read_after_end)",
         "{} posts published in the period whose counters were first captured after the "
         "period's end: read at that first capture"),
        ("count(*) FILTER (WHERE insights_as_of < counters_as_of)",
         "{} posts published in the period whose reach and watch time are last known from "
         "before the period's end (TikTok stops reporting them after 7 idle days)"),
        ("count(*) FILTER (WHERE is_deleted)", "{} deleted posts among those published"),
        ("count(*) FILTER (WHERE is_filtered)", "{} filtered posts among those published"),
    ),
}  # fmt: skip


def compute_metrics(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings
) -> dict[str, MetricValue]:
    """Every registry metric for the account and period, one query per scope."""
    return compute_period(connection, account, period, settings, with_corrections=False)[0]


def compute_period(
    connection: DuckDBPyConnection,
    account: Account,
    period: Period,
    settings: Settings,
    *,
    with_corrections: bool = True,
) -> tuple[dict[str, MetricValue], list[str]]:
    """Every registry metric, and the data-quality notes of the period, one query per scope.

    Whether a metric has a value is decided by what the store holds for the account and period,
    whatever the account's type: a missing value says why and names what would provide it.
    """
    values: dict[str, MetricValue] = {}
    notes: dict[Scope, list[str]] = {}
    for scope in Scope:
        scope_values, notes[scope] = compute_scope(connection, account, period, settings, scope)
        values |= scope_values
    for metric in registry.METRICS:
        if metric.kind is Kind.DERIVED:
            values[metric.name] = derive(metric, values)
    corrected = count_corrected(connection, account, period) if with_corrections else 0
    if corrected:
        notes[Scope.VIEWED].insert(0, counted(CORRECTED, corrected))
    ordered = [note for scope in FLAGS for note in notes[scope] if note]
    return {metric.name: values[metric.name] for metric in registry.METRICS}, ordered


def compute_scope(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    scope: Scope,
) -> tuple[dict[str, MetricValue], list[str]]:  # fmt: skip
    """The simple and ratio metrics of one scope, and its data-quality notes, in one query."""
    metrics = [m for m in registry.METRICS if m.scope is scope and m.kind is not Kind.DERIVED]
    needed = list(dict.fromkeys(relation_column(scope, s) for m in metrics for s in m.sources))
    extra = [sql for sql, _ in FLAGS[scope]] + [sql for _, sql in VALUE_NOTES.get(scope, ())]
    expressions = [f"{settings.fill(m.sql)} AS {m.name}" for m in metrics]
    expressions += ["count(*)", *(f"count({column})" for column in needed), *extra]
    row = connection.execute(
        f"SELECT {', '.join(expressions)} FROM ({scope_sql(scope)})",
        parameters_for(scope_sql(scope), account, period),
    ).fetchall()[0]
    results = iter(row)
    raw = {metric.name: next(results) for metric in metrics}
    rows = int(next(results))
    present = {column: int(next(results)) > 0 for column in needed}
    notes = [flag_text(text, next(results)) for _, text in FLAGS[scope]]
    value_notes = {name: next(results) for name, _ in VALUE_NOTES.get(scope, ())}
    values = {
        metric.name: judge(
            metric, raw[metric.name], rows, present, note=value_notes.get(metric.name)
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
    metric: Metric, value: Any, rows: int, present: dict[str, bool], *, note: str | None = None
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


# Notes on how one value was computed, in the same query as its scope: (metric, SQL of the text).
VALUE_NOTES: dict[Scope, tuple[tuple[str, str], ...]] = {
    Scope.DAYS: (
        ("followers_growth",
         "CASE WHEN any_value(followers_before) IS NOT NULL THEN NULL "
         "WHEN count(followers_count) > 0 THEN 'from ' || strftime(min(date) FILTER "
         "(WHERE followers_count IS NOT NULL), '%Y-%m-%d') || ', the first day of the period "
         "with a follower count (the day before the period is not in the store)' "
         "WHEN count(daily_total_followers) > 0 THEN 'the sum of the daily changes in "
         "followers (no follower count in the store for this period)' END"),
    ),
}  # fmt: skip


def counted(text: str, count: int) -> str:
    """A flag's text with its count: "1 post ...", "3 posts ..."."""
    return (re.sub(r"\bposts\b", "post", text, count=1) if count == 1 else text).format(count)


CORRECTED = "{} posts whose lifetime views TikTok corrected downwards during the period"


def count_corrected(connection: DuckDBPyConnection, account: Account, period: Period) -> int:
    """Posts whose lifetime views went down between two snapshots inside the period.

    The last snapshot before the period counts too, so a drop on the first day is seen. Only
    posts whose views changed in the period are ordered and checked.
    """
    values = parameters(account, period)
    since = fetch_value(
        connection,
        "SELECT coalesce(max(captured_at), $snap_start) FROM post_snapshots "
        "WHERE account_id = $account AND captured_at <= $snap_start "
        "AND captured_at > $snap_start - INTERVAL 8 DAY",
        {"account": account.account_id, "snap_start": values["snap_start"]},
    )
    window = "account_id = $account AND captured_at BETWEEN $since AND $snap_end"
    sql = f"""
        SELECT count(*) FROM (
            SELECT list(views ORDER BY captured_at) AS views FROM post_snapshots
            WHERE {window} AND post_id IN (
                SELECT post_id FROM post_snapshots WHERE {window}
                GROUP BY post_id HAVING min(views) <> max(views))
            GROUP BY post_id)
        WHERE views <> list_sort(views)
    """
    bounds = {"account": account.account_id, "since": since, "snap_end": values["snap_end"]}
    return int(fetch_value(connection, sql, bounds))


def parameters_for(sql: str, account: Account, period: Period) -> dict[str, Any]:
    """The named parameters `sql` uses (DuckDB rejects unused named parameters)."""
    values = parameters(account, period)
    return {name: value for name, value in values.items() if f"${name}" in sql}


DAYS_SQL = """
SELECT d.*,
       (SELECT followers_count FROM account_daily b
         WHERE b.account_id = $account AND b.date = $start::DATE - 1) AS followers_before
FROM account_daily d
WHERE d.account_id = $account AND d.date BETWEEN $start AND $end
"""

LAST_KNOWN = ",\n".join(
    f"arg_max({name}, captured_at) FILTER (WHERE {name} IS NOT NULL) AS {name}" for name in INSIGHTS
)
AS_OF = ", ".join(f"arg_max({c}, captured_at) AS {c}" for c in COUNTERS)
GAINED = ("views", "likes", "comments", "shares")

# NOTE: the post filter is pushed into the snapshot aggregation so that a short period reads
# the snapshots of its own posts only. A post first captured after the period's end (a Studio
# Content export, an API connected later) is read at that first capture and flagged, rather than
# shown without numbers.
PUBLISHED_SQL = f"""
WITH chosen AS (
    SELECT post_id, media_type, create_time, caption, duration_seconds, is_deleted, is_filtered,
           is_ad, coalesce(share_url, $post_url_prefix || post_id) AS link
    FROM posts
    WHERE account_id = $account AND create_time >= $utc_start AND create_time < $utc_end
),
first_capture AS (
    SELECT post_id, min(captured_at) AS first_at
    FROM post_snapshots
    WHERE account_id = $account AND post_id IN (SELECT post_id FROM chosen)
      AND captured_at >= $utc_start  -- a post has no snapshot from before it was published
    GROUP BY post_id
)
SELECT c.*, s.*, s.likes + s.comments + s.shares AS interactions,
       s.counters_as_of > $snap_end AS read_after_end,
       (SELECT arg_max(followers_count, date) FROM account_daily
         WHERE account_id = $account AND date < $snap_end::DATE) AS followers_at_end
FROM chosen c
LEFT JOIN (
    SELECT post_id,
           max(captured_at) AS counters_as_of,
           {AS_OF},
           max(captured_at) FILTER (WHERE reach IS NOT NULL) AS insights_as_of,
           {LAST_KNOWN}
    FROM post_snapshots JOIN first_capture USING (post_id)
    WHERE account_id = $account AND captured_at >= first_capture.first_at
      AND captured_at <= greatest($snap_end, first_capture.first_at)
    GROUP BY post_id
) s USING (post_id)
"""

BEFORE_COLUMNS = ", ".join(
    [f"arg_max({c}, captured_at) AS {c}" for c in GAINED]
    + ["arg_max(viewers_new, captured_at) FILTER (WHERE viewers_new IS NOT NULL) AS viewers_new"]
)
# NOTE: only posts with a snapshot inside the period can have gained anything. Their counters at
# the start come from the week before it (daily snapshots), and only for posts without one
# there from the older history, so a short period reads a short slice of the table.
VIEWED_SQL = f"""
WITH moved AS (
    SELECT post_id, {", ".join(f"arg_max({c}, captured_at) AS {c}" for c in GAINED)},
           arg_max(viewers_new, captured_at) FILTER (WHERE viewers_new IS NOT NULL)
               AS viewers_new
    FROM post_snapshots
    WHERE account_id = $account AND captured_at > $snap_start AND captured_at <= $snap_end
    GROUP BY post_id
),
recent AS (
    SELECT post_id, {BEFORE_COLUMNS}
    FROM post_snapshots
    WHERE account_id = $account AND captured_at <= $snap_start
      AND captured_at > $snap_start - INTERVAL 8 DAY
    GROUP BY post_id
),
older AS (
    SELECT post_id, {BEFORE_COLUMNS}
    FROM post_snapshots
    WHERE account_id = $account AND captured_at <= $snap_start - INTERVAL 8 DAY
      AND post_id IN (SELECT post_id FROM moved EXCEPT SELECT post_id FROM recent)
    GROUP BY post_id
),
before AS (SELECT * FROM recent UNION ALL SELECT * FROM older)
SELECT m.post_id, p.create_time,
       {", ".join(f"m.{c} - coalesce(b.{c}, 0) AS {c}_gained" for c in GAINED)},
       coalesce(m.viewers_new, b.viewers_new) AS viewers_new,
       b.post_id IS NULL AND p.create_time < $snap_start AS missing_start
FROM moved m
JOIN posts p ON p.account_id = $account AND p.post_id = m.post_id
LEFT JOIN before b ON b.post_id = m.post_id
"""
