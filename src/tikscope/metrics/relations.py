"""The rows each metric scope aggregates over, for one account and consecutive periods.

Each relation has a `period` column: the index of the period in the list asked for (a period,
then the one before it, and so on), so that one query computes a period and the previous one.

- ``days``: the account's `account_daily` rows in the period, plus `followers_before` (followers
  the day before the period).
- ``published``: posts published in the period (account's time zone), each with its counters at
  the period's end and its insight fields (reach, watch time, sources) as last known by then. A
  post first captured after the period's end is read at that first capture (`read_after_end`).
- ``viewed``: every post with a snapshot inside the period, with `<counter>_gained` = counter at
  the end minus counter at the start, its viewer shares as last known, and whether TikTok
  corrected its views downwards during the period (first period only).

Lifetime counters are read at UTC midnights (`Period.snapshot_bounds`) from the daily rollups
(`post_daily`, store/rollups.py): a post's row of a day is what its snapshots said at that day's
midnight, so a period's counters are two rows per post whatever the length of its history.

# NOTE: DuckDB spends most of a small query's time parsing, binding and optimizing it (about
# 0.1 ms per expression or join), so these relations are as plain as their meaning allows:
# what is one value per period comes in as a parameter, from one query (`period_values`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from tikscope.errors import UsageError
from tikscope.metrics.model import Scope
from tikscope.store.rollups import COUNTERS, INSIGHTS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from duckdb import DuckDBPyConnection

    from tikscope.metrics.periods import Period
    from tikscope.metrics.query import Account

GAINED = ("views", "likes", "comments", "shares")
CORRECTION_WINDOW = timedelta(days=8)


@dataclass(frozen=True)
class KnownFollowers:
    """The follower counts of the account's stored days from `first` to `last`, already read.

    Attributes:
        first: the first day read.
        last: the last day read.
        counts: `account_daily.followers_count` of each stored day in between (a day without a
            row is absent, as one without a count maps to None).
    """

    first: date
    last: date
    counts: Mapping[date, int | None]

    def covers(self, days: Iterable[date]) -> bool:
        """Whether every one of `days` was read."""
        return all(self.first <= day <= self.last for day in days)


@dataclass(frozen=True)
class Relation:
    """A scope's rows as a query to select from, and the parameters it needs.

    Attributes:
        sql: the query.
        parameters: its named parameters (and possibly more: pick with `query.parameters_for`).
        complete: the same rows computed in a slower way that covers a rare case the fast one
            leaves out; None when `sql` covers every case.
        incomplete: an aggregate over `sql` that is true when `complete` is needed instead.
    """

    sql: str
    parameters: dict[str, Any]
    complete: Relation | None = None
    incomplete: str = ""


def relations(
    connection: DuckDBPyConnection, account: Account, periods: Sequence[Period], *,
    followers_at_end: bool = True, followers: KnownFollowers | None = None,
) -> dict[Scope, Relation]:  # fmt: skip
    """Every scope's rows for consecutive `periods`, each the one before the previous one.

    Args:
        connection: the store.
        account: the account.
        periods: a period, optionally followed by the periods before it, back to back.
        followers_at_end: whether `published` needs `followers_at_end` (an engagement basis).
        followers: follower counts the caller already read (the daily series); the counts of
            the days before the periods are taken from it when it covers them.
    """
    for later, earlier in itertools.pairwise(periods):
        if earlier.end != later.start - timedelta(days=1):
            raise UsageError(f"periods must be back to back: {earlier} is not before {later}")
    parameters = period_values(
        connection, account, periods, followers_at_end=followers_at_end, followers=followers
    )
    count = len(periods)
    distinct = sorted({parameters[f"end_day_{index}"] for index in range(count)})
    parameters |= {f"end_days_{index}": day for index, day in enumerate(distinct)}
    ends = rollup_rows("end_days", len(distinct))
    complete = Relation(published_sql(count, ends, first_capture=True), parameters)
    return {
        Scope.DAYS: Relation(days_sql(count), parameters),
        Scope.PUBLISHED: Relation(
            published_sql(count, ends, first_capture=False), parameters, complete,
            "count_if(counters_as_of IS NULL) > 0",
        ),
        Scope.VIEWED: Relation(viewed_sql(count), parameters),
    }  # fmt: skip


def period_values(
    connection: DuckDBPyConnection, account: Account, periods: Sequence[Period], *,
    followers_at_end: bool, followers: KnownFollowers | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The parameters of the relations: each period's bounds and its values read once.

    For period k: `start_k`, `end_k` (local days), `utc_start_k`, `utc_end_k` (its instants),
    `snap_start_k`, `snap_end_k` (the midnights its counters are read at), `start_day_k`,
    `end_day_k` (the rollup days holding them: a day after the account's last rollup day reads
    that last day, as nothing was captured since), `before_k` (followers the day before, from
    `followers` when it holds that day),
    `followers_at_end_k` (None unless asked for), and `since_k`: the account's last capture
    before the period, within a week, from which downward corrections of views count (first
    period only; None for the others).
    """
    # NOTE: plain statements, not one with subqueries: DuckDB plans three small ones faster.
    account_id = {"account": account.account_id}
    extent = connection.execute(
        "SELECT last_day, last_captured_at FROM post_daily_extent WHERE account_id = $account",
        account_id,
    ).fetchall()
    last_day, last_captured = extent[0] if extent else (date.min, None)
    befores = {f"before_{index}": p.start - timedelta(days=1) for index, p in enumerate(periods)}
    before: Mapping[date, int | None]
    if followers is not None and followers.covers(befores.values()):
        before = followers.counts
    else:
        before = dict(
            connection.execute(
                "SELECT date, followers_count FROM account_daily WHERE account_id = $account "
                f"AND date IN ({', '.join(f'${name}' for name in befores)})",
                account_id | befores,
            ).fetchall()
        )
    first = periods[0]
    latest = last_captured
    if first.start <= last_day:
        latest = connection.execute(
            "SELECT max(counters_as_of) FROM post_daily WHERE account_id = $account AND day = $day",
            account_id | {"day": first.start},
        ).fetchall()[0][0]
    at_end = followers_at_ends(connection, account, periods) if followers_at_end else {}
    parameters: dict[str, Any] = account_id | {
        "post_url_prefix": f"https://www.tiktok.com/@{account.handle}/video/",
        "rollup_last_day": last_day,
    }
    for index, period in enumerate(periods):
        utc_start, utc_end = period.utc_bounds(account.time_zone)
        snap_start, snap_end = period.snapshot_bounds()
        values = {
            "start": period.start, "end": period.end, "utc_start": utc_start,
            "utc_end": utc_end, "snap_start": snap_start, "snap_end": snap_end,
            "start_day": min(period.start, last_day),
            "end_day": min(period.end + timedelta(days=1), last_day),
            "before": before.get(period.start - timedelta(days=1)),
            "followers_at_end": at_end.get(period.end), "since": None,
        }  # fmt: skip
        if index == 0:
            recent = latest is not None and latest > snap_start - CORRECTION_WINDOW
            values["since"] = latest if recent else snap_start
        parameters |= {f"{name}_{index}": value for name, value in values.items()}
    return parameters


def followers_at_ends(
    connection: DuckDBPyConnection, account: Account, periods: Sequence[Period]
) -> dict[date, Any]:
    """Followers on the last day with a row by each period's end (end day -> followers)."""
    ends = {f"end_{index}": period.end for index, period in enumerate(periods)}
    selected = ", ".join(
        f"arg_max(followers_count, date) FILTER (WHERE date <= ${name})" for name in ends
    )
    row = connection.execute(
        f"SELECT {selected} FROM account_daily WHERE account_id = $account AND date <= $end_0",
        {"account": account.account_id} | ends,
    ).fetchall()[0]
    return dict(zip(ends.values(), row, strict=True))


def each(count: int, template: str, separator: str = ", ") -> str:
    """`template` filled with every period index, joined."""
    return separator.join(template.format(k=index) for index in range(count))


def days_sql(count: int) -> str:
    """The `days` relation for `count` periods."""
    period = f"CASE {each(count, 'WHEN date >= $start_{k} THEN {k}', ' ')} END"
    before = each(count, "WHEN date >= $start_{k} THEN CAST($before_{k} AS BIGINT)", " ")
    before = f"CASE {before} END"
    return f"""
        SELECT {period} AS period, *, {before} AS followers_before
        FROM account_daily
        WHERE account_id = $account AND date BETWEEN $start_{count - 1} AND $end_0
    """


def periods_table(count: int, *names: str) -> str:
    """The periods as a VALUES table `p` with `period` and the named parameters as columns."""
    rows = each(count, "({k}, " + ", ".join(f"${name}_{{k}}" for name in names) + ")")
    return f"(VALUES {rows}) AS p(period, {', '.join(names)})"


def rollup_rows(name: str, count: int) -> str:
    """The account's `post_daily` rows of the days `$name_0` ... (distinct), as a subquery.

    # NOTE: one scan per day with an equality: DuckDB then skips the other days' row groups and
    # reads the other columns of the matching rows only (an IN list is checked after the scan).
    """
    scan = f"SELECT * FROM post_daily WHERE account_id = $account AND day = ${name}_{{k}}"
    scans = each(count, scan, " UNION ALL ")
    return f"({scans})"


COUNTERS_OF = {alias: ", ".join(f"{alias}.{name}" for name in COUNTERS) for alias in "sf"}
INSIGHTS_OF = {alias: ", ".join(f"{alias}.{name}" for name in INSIGHTS) for alias in "sf"}


def published_sql(count: int, ends: str, *, first_capture: bool) -> str:
    """The `published` relation.

    Without `first_capture`, posts first captured after the period's end are left without
    counters: the fast query, which `Relation.incomplete` checks.
    """
    state = first_capture_states(count, ends) if first_capture else ends
    # NOTE: the periods are back to back, so a post's period follows from its time alone: a
    # CASE costs DuckDB less planning than a join with a table of periods.
    period = f"CASE {each(count, 'WHEN create_time >= $utc_start_{k} THEN {k}', ' ')} END"
    return f"""
        SELECT c.period, c.post_id, c.media_type, c.create_time, c.caption,
               c.duration_seconds, c.is_deleted, c.is_filtered, c.is_ad,
               coalesce(c.share_url, $post_url_prefix || c.post_id) AS link,
               s.counters_as_of, {COUNTERS_OF["s"]}, s.insights_as_of, {INSIGHTS_OF["s"]},
               s.likes + s.comments + s.shares AS interactions,
               s.counters_as_of > {by_period(count, "snap_end")} AS read_after_end,
               CAST({by_period(count, "followers_at_end")} AS BIGINT) AS followers_at_end
        FROM (
            SELECT {period} AS period, * FROM posts
            WHERE account_id = $account AND create_time >= $utc_start_{count - 1}
              AND create_time < $utc_end_0
        ) AS c
        LEFT JOIN {state} s ON s.day = {by_period(count, "end_day")} AND s.post_id = c.post_id
    """


def by_period(count: int, name: str, alias: str = "c") -> str:
    """The parameter `name` of the period in column `period` of table `alias`."""
    if count == 1:
        return f"${name}_0"
    return f"CASE {alias}.period {each(count, f'WHEN {{k}} THEN ${name}_{{k}}', ' ')} END"


def first_capture_states(count: int, ends: str) -> str:
    """The rollup rows at the periods' ends, and for posts first captured later, that capture.

    # NOTE: such a post (a Studio Content export, an API connected later) is read at its first
    # capture rather than shown without numbers, and flagged.
    """
    periods = periods_table(count, "utc_start", "utc_end", "snap_end", "end_day")
    return f"""(
        SELECT account_id, post_id, day, counters_as_of, {", ".join(COUNTERS)},
               insights_as_of, {", ".join(INSIGHTS)}
        FROM {ends}
        UNION ALL
        SELECT l.account_id, l.post_id, p.end_day, f.captured_at, {COUNTERS_OF["f"]},
               CASE WHEN f.reach IS NOT NULL THEN f.captured_at END, {INSIGHTS_OF["f"]}
        FROM {periods}
        JOIN posts c
          ON c.account_id = $account AND c.create_time >= p.utc_start AND c.create_time < p.utc_end
        JOIN post_daily l
          ON l.account_id = $account AND l.day = $rollup_last_day AND l.post_id = c.post_id
         AND l.first_captured_at > p.snap_end
        JOIN post_snapshots f
          ON f.account_id = $account AND f.post_id = l.post_id
         AND f.captured_at = l.first_captured_at
    )"""


def viewed_sql(count: int) -> str:
    """The `viewed` relation: posts whose counters at the end were captured after the start.

    # NOTE: only posts with a snapshot inside the period can have gained anything. Each period's
    # end and start rows come from scans of their own, tagged with the period: DuckDB plans
    # that in less time than joining deduplicated days with a table of the periods.
    """
    ends = each(count, "SELECT {k} AS period, post_id, counters_as_of, "
                + ", ".join([*GAINED, "viewers_new", "last_views_drop_from"])
                + " FROM post_daily WHERE account_id = $account AND day = $end_day_{k}"
                " AND counters_as_of > $snap_start_{k}", " UNION ALL ")  # fmt: skip
    starts = each(count, "SELECT {k} AS period, post_id, " + ", ".join(GAINED)
                  + " FROM post_daily WHERE account_id = $account AND day = $start_day_{k}",
                  " UNION ALL ")  # fmt: skip
    gains = ", ".join(f"e.{name} - coalesce(b.{name}, 0) AS {name}_gained" for name in GAINED)
    return f"""
        SELECT e.period, e.post_id, ps.create_time, {gains}, e.viewers_new,
               b.post_id IS NULL AND ps.create_time < {by_period(count, "snap_start", "e")}
                   AS missing_start,
               coalesce(e.last_views_drop_from >= {by_period(count, "since", "e")}, false)
                   AS views_corrected
        FROM ({ends}) e
        JOIN posts ps ON ps.account_id = $account AND ps.post_id = e.post_id
        LEFT JOIN ({starts}) b ON b.period = e.period AND b.post_id = e.post_id
    """
