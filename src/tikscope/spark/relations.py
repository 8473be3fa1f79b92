"""The metrics' scope relations for every account at once, from metrics/relations.py's own SQL.

metrics/relations.py writes each scope's rows for one account, with that account's values as
`$name` parameters (`period_values`). Here the same statements are rewritten (sqlglot, on the
parsed DuckDB statement) so that one statement holds the rows of every account:

- `metric_parameters` is a table with one row per account and a column `__name` for each
  parameter `$name`, computed for all accounts in one statement (`parameters_sql`, the same
  values as `period_values`; the Spark equality test compares every metric with DuckDB's);
- every scan of an account table joins the account's parameter row, so each row carries its
  account's parameters, and every `$name` becomes the column `__name` of the first table of
  its SELECT; a SELECT with its own column list passes the parameter columns on;
- every join also matches `__account`, so rows of two accounts never meet; the period table
  (a VALUES list of parameters) becomes one row per account and period.

Each scope's statement then groups by account and period: one Spark job per scope computes that
scope's metrics of every account, for the period and the one before.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from tikscope.metrics.model import Scope
from tikscope.metrics.relations import (
    CORRECTION_WINDOW,
    days_sql,
    each,
    published_sql,
    rollup_rows,
    viewed_sql,
)
from tikscope.spark.connection import literal

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tikscope.metrics.periods import Period

ACCOUNT_TABLES = frozenset({"account_daily", "posts", "post_daily", "post_snapshots"})
PARAMETERS = "metric_parameters"
PER_PERIOD = ("start", "end", "utc_start", "utc_end", "snap_start", "snap_end", "start_day",
              "end_day", "before", "followers_at_end", "since", "end_days")  # fmt: skip


def parameter_names(count: int) -> list[str]:
    """Every parameter of the relations of `count` periods (the columns `__<name>`)."""
    names = ["account", "post_url_prefix", "rollup_last_day"]
    return names + [f"{name}_{index}" for index in range(count) for name in PER_PERIOD]


def parameters_sql(
    periods: Sequence[Period], time_zones: Sequence[str], *, followers_at_end: bool
) -> str:
    """One row per account with `period_values`' values as columns `__<name>` (DuckDB SQL).

    Args:
        periods: a period and the ones before it, back to back.
        time_zones: the accounts' time zones (their local days bound the periods).
        followers_at_end: whether to read followers at each period's end (else NULL).
    """
    count = len(periods)
    zones = ", ".join(
        "(" + ", ".join([literal(zone)] + [literal(bound) for p in periods
                                           for bound in p.utc_bounds(zone)]) + ")"
        for zone in sorted(set(time_zones))
    )  # fmt: skip
    zone_columns = each(count, "utc_start_{k}, utc_end_{k}")
    fixed: dict[str, date | datetime] = {}
    for index, period in enumerate(periods):
        snap_start, snap_end = period.snapshot_bounds()
        fixed |= {f"start_{index}": period.start, f"end_{index}": period.end,
                  f"snap_start_{index}": snap_start, f"snap_end_{index}": snap_end}  # fmt: skip
    first, last = periods[0], periods[-1]
    daily = ", ".join(
        [f"max(followers_count) FILTER (WHERE date = {literal(p.start - timedelta(days=1))}) "
         f"AS before_{k}" for k, p in enumerate(periods)]
        + [f"arg_max(followers_count, date) FILTER (WHERE date <= {literal(p.end)}) "
           f"AS at_end_{k}" for k, p in enumerate(periods)]
    )  # fmt: skip
    raw = f"""
        SELECT a.account_id, 'https://www.tiktok.com/@' || a.handle || '/video/' AS prefix,
               coalesce(x.last_day, {literal(date.min)}) AS last_day,
               CASE WHEN {literal(first.start)} <= coalesce(x.last_day, {literal(date.min)})
                    THEN l.latest ELSE x.last_captured_at END AS latest,
               {zone_columns}, {", ".join(f"d.before_{k}, d.at_end_{k}" for k in range(count))}
        FROM accounts a
        JOIN (VALUES {zones}) AS z(time_zone, {zone_columns}) ON z.time_zone = a.time_zone
        LEFT JOIN post_daily_extent x ON x.account_id = a.account_id
        LEFT JOIN (SELECT account_id, {daily} FROM account_daily
                   WHERE date BETWEEN {literal(last.start - timedelta(days=1))}
                   AND {literal(first.end)} GROUP BY account_id) d
          ON d.account_id = a.account_id
        LEFT JOIN (SELECT account_id, max(counters_as_of) AS latest FROM post_daily
                   WHERE day = {literal(first.start)} GROUP BY account_id) l
          ON l.account_id = a.account_id
    """
    window = f"INTERVAL {CORRECTION_WINDOW.days} DAY"
    columns = ["account_id AS __account", "prefix AS __post_url_prefix",
               "last_day AS __rollup_last_day"]  # fmt: skip
    for k in range(count):
        columns += [f"{literal(value)} AS __{name}" for name, value in fixed.items()
                    if name.endswith(f"_{k}")]  # fmt: skip
        end_day = f"least({literal(periods[k].end + timedelta(days=1))}, last_day)"
        earlier = [f"least({literal(p.end + timedelta(days=1))}, last_day)" for p in periods[:k]]
        distinct = f"CASE WHEN {end_day} NOT IN ({', '.join(earlier)}) THEN {end_day} END"
        columns += [
            f"utc_start_{k} AS __utc_start_{k}", f"utc_end_{k} AS __utc_end_{k}",
            f"least({literal(periods[k].start)}, last_day) AS __start_day_{k}",
            f"{end_day} AS __end_day_{k}",
            f"{distinct if earlier else end_day} AS __end_days_{k}",
            f"before_{k} AS __before_{k}",
            f"{f'at_end_{k}' if followers_at_end else 'CAST(NULL AS BIGINT)'} "
            f"AS __followers_at_end_{k}",
            f"CASE WHEN latest IS NOT NULL AND latest > {literal(fixed['snap_start_0'])} - "
            f"{window} THEN latest ELSE {literal(fixed['snap_start_0'])} END AS __since_{k}"
            if k == 0 else f"CAST(NULL AS TIMESTAMP) AS __since_{k}",
        ]  # fmt: skip
    return f"SELECT {', '.join(columns)} FROM ({raw}) AS r"


def grouped_relations(count: int) -> dict[Scope, str]:
    """Every scope's rows of every account (Spark SQL), with `__account` and `period`.

    `published` is the relation that covers every case (`Relation.complete`): the fast one
    exists to spare DuckDB's planner, and which one an account needs is known only per account.
    """
    ends = rollup_rows("end_days", count)
    written = {
        Scope.DAYS: days_sql(count),
        Scope.PUBLISHED: published_sql(count, ends, first_capture=True),
        Scope.VIEWED: viewed_sql(count),
    }
    names = parameter_names(count)
    return {scope: for_every_account(sql, names) for scope, sql in written.items()}


def for_every_account(sql: str, names: Sequence[str]) -> str:
    """A one-account relation (DuckDB SQL with `$name`s) as the rows of every account (Spark)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    tree = tree.transform(lambda node: period_rows(node, names))
    tree = tree.transform(join_parameters)
    for select in list(tree.find_all(exp.Select)):
        first = first_source(select)
        for placeholder in list(select.find_all(exp.Placeholder)):
            if placeholder.find_ancestor(exp.Select) is select:
                placeholder.replace(exp.column(f"__{placeholder.name}", table=first or None))
        pass_parameters(select, first, names)
        match_accounts(select, first)
    return tree.sql(dialect="spark")


def first_source(select: exp.Select) -> str:
    """The alias (or name) of the first table a SELECT reads; "" when it has none."""
    found = select.args.get("from_") or select.args.get("from")
    return found.this.alias_or_name if found is not None else ""


def period_rows(node: exp.Expression, names: Sequence[str]) -> exp.Expression:
    """A VALUES list of parameters (`relations.periods_table`) as one row per account and period."""
    if not isinstance(node, exp.Values) or not node.find(exp.Placeholder):
        return node
    alias = node.args["alias"]
    columns = [column.name for column in alias.columns]
    rows = []
    for row in node.expressions:
        values = [
            f"__{value.name}" if isinstance(value, exp.Placeholder) else value.sql()
            for value in row.expressions
        ]
        passed = ", ".join(f"__{name}" for name in names)
        selected = ", ".join(f"{value} AS {column}" for value, column in
                             zip(values, columns, strict=True))  # fmt: skip
        rows.append(f"SELECT {selected}, {passed} FROM {PARAMETERS}")
    union = sqlglot.parse_one(" UNION ALL ".join(rows), read="spark")
    assert isinstance(union, exp.Query)
    return union.subquery(alias.name)


def join_parameters(node: exp.Expression) -> exp.Expression:
    """A scan of an account table as its rows, each with its account's parameter columns."""
    if not isinstance(node, exp.Table) or node.name not in ACCOUNT_TABLES:
        return node
    if isinstance(node.parent, exp.Join | exp.From):
        alias = node.alias_or_name
        scan = sqlglot.parse_one(
            f"SELECT t.*, p.* FROM {node.name} AS t JOIN {PARAMETERS} AS p "
            "ON t.account_id = p.__account",
            read="spark",
        )
        assert isinstance(scan, exp.Query)
        return scan.subquery(alias)
    return node


def pass_parameters(select: exp.Select, first: str, names: Sequence[str]) -> None:
    """Give a SELECT with its own column list the parameter columns of its first table."""
    if any(isinstance(column, exp.Star) or column.is_star for column in select.expressions):
        return
    if first == PARAMETERS or not (select.args.get("from_") or select.args.get("from")):
        return
    for name in names:
        select.select(exp.column(f"__{name}", table=first or None).as_(f"__{name}"), copy=False)


def match_accounts(select: exp.Select, first: str) -> None:
    """Add `joined.__account = first.__account` to every join of a SELECT."""
    if not first:
        return
    for join in select.args.get("joins") or []:
        if join.this.name == PARAMETERS:
            continue  # a scan joining its parameters
        joined = join.this.alias_or_name
        same = exp.column("__account", table=joined).eq(exp.column("__account", table=first))
        on = join.args.get("on")
        join.set("on", same if on is None else exp.and_(on, same))
