"""The composite parts of the account report: series, demographics, heatmap, post list, flags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from tikscope.errors import UsageError
from tikscope.metrics.model import Scope
from tikscope.metrics.periods import Period
from tikscope.metrics.post_rows import PostRow
from tikscope.metrics.query import Account, Settings, compute_period, scope_query
from tikscope.metrics.registry import POST_COLUMNS, POST_COLUMNS_BY_NAME
from tikscope.metrics.relations import KnownFollowers
from tikscope.sources.catalog import how_to_get
from tikscope.store.summary import fetch_rows

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

GRANULARITIES = ("day", "week", "month")
DEMOGRAPHICS_MINIMUM_FOLLOWERS = 100
DIMENSIONS = ("gender", "age", "country", "city")
DEFAULT_POST_COLUMNS = (
    "type", "published", "views", "likes", "comments", "shares", "reach", "engagement",
)  # fmt: skip


@dataclass(frozen=True)
class Growth:
    """Followers over one day, week or month: the count at its end, follows and unfollows.

    Attributes:
        period_start: its first day (a week or month cut by the period starts on its first day).
        followers: followers at the end of its last day with a count; None when unknown.
        gained: follows during it; None when unknown (as every other count).
        lost: unfollows during it.
        balance: gained minus lost.
    """

    period_start: date
    followers: int | None
    gained: int | None
    lost: int | None
    balance: int | None


@dataclass(frozen=True)
class DailyTotals(Growth):
    """One day, week or month of the account's daily series: followers, and the day's totals.

    Attributes:
        video_views: views of all posts during it (TikTok's daily total).
        profile_views: visits to the profile during it.
        likes: likes during it.
        comments: comments during it.
        shares: shares during it.
    """

    video_views: int | None
    profile_views: int | None
    likes: int | None
    comments: int | None
    shares: int | None

    @property
    def growth(self) -> Growth:
        """Only the followers' part."""
        return Growth(self.period_start, self.followers, self.gained, self.lost, self.balance)


# The columns of a follower series: (name, column of `account_daily`, how a week or month of
# days gives one value). A day's value is the column itself; `balance` (gained - lost) is filled
# in by `follower_series`, the same way for every granularity.
SERIES_COLUMNS = (
    ("followers", "followers_count", "arg_max(followers_count, date)"),
    ("gained", "daily_new_followers", "sum(daily_new_followers)"),
    ("lost", "daily_lost_followers", "sum(daily_lost_followers)"),
    ("balance", "NULL::BIGINT", "NULL::BIGINT"),
    *((name, name, f"sum({name})")
      for name in ("video_views", "profile_views", "likes", "comments", "shares")),
)  # fmt: skip


def follower_series(
    connection: DuckDBPyConnection, account: Account, period: Period, granularity: str = "day"
) -> list[DailyTotals]:
    """Followers at the end of each day, week or month, with gains, losses and balance.

    A week or month cut by the period's ends starts at the period's first day.
    """
    if granularity not in GRANULARITIES:
        raise UsageError(f"granularity must be one of {', '.join(GRANULARITIES)}")
    # NOTE: a day is one row of `account_daily` (its key): read as it is, without aggregates,
    # which DuckDB takes longer to plan than to compute.
    if granularity == "day":
        selected = ", ".join(f"{column} AS {name}" for name, column, _ in SERIES_COLUMNS)
        sql = f"SELECT date AS period_start, {selected} FROM account_daily {{where}}"
    else:
        selected = ", ".join(f"{aggregate} AS {name}" for name, _, aggregate in SERIES_COLUMNS)
        sql = (
            f"SELECT min(date) AS period_start, {selected} FROM account_daily {{where}} "
            f"GROUP BY date_trunc('{granularity}', date)"
        )
    where = "WHERE account_id = $account AND date BETWEEN $start AND $end"
    rows = fetch_rows(
        connection.execute(
            sql.format(where=where) + " ORDER BY 1",
            {"account": account.account_id, "start": period.start, "end": period.end},
        )
    )
    for row in rows:
        gained, lost = row["gained"], row["lost"]
        row["balance"] = None if gained is None or lost is None else gained - lost
    return [DailyTotals(**row) for row in rows]


@dataclass(frozen=True)
class PeriodSeries:
    """The daily series of a period and of the previous one, read in one query.

    Attributes:
        current: the period's days (`follower_series` by day).
        previous: the previous period's days; empty when it was not asked for.
        followers: the follower counts of every day read, the day before the first period
            included, for `run.metric_lines` (which needs the counts the day before each period).
    """

    current: list[DailyTotals]
    previous: list[DailyTotals]
    followers: KnownFollowers


def period_series(
    connection: DuckDBPyConnection, account: Account, period: Period, *, compare: bool
) -> PeriodSeries:
    """The daily series of the period (and with `compare` of the previous one) in one query.

    # NOTE: one query from the day before the first period: a statement's planning costs more
    # than reading a few more days, and the counts of the days before the periods come with it.
    """
    first = period.previous() if compare else period
    days = follower_series(connection, account, Period(first.start - timedelta(days=1), period.end))
    return PeriodSeries(
        current=[day for day in days if day.period_start >= period.start],
        previous=[day for day in days if first.start <= day.period_start < period.start]
        if compare
        else [],
        followers=KnownFollowers(
            first.start - timedelta(days=1), period.end,
            {day.period_start: day.followers for day in days},
        ),
    )  # fmt: skip


@dataclass(frozen=True)
class Share:
    """One value of a demographic dimension (a gender, an age range, a country) and its share."""

    value: str
    share: float


@dataclass(frozen=True)
class Demographics:
    """Audience shares by dimension from one snapshot, or why there are none.

    Attributes:
        unavailable: why there are no demographics at all, naming what would provide them; None
            when there are.
        snapshot_date: the day of the snapshot shown.
        note: how the snapshot was chosen when it is not the last one up to the period's end.
        shares: dimension (`DIMENSIONS`) to its values, largest share first; only dimensions
            the snapshot has.
        missing: dimension to why the snapshot lacks it, naming what would provide it.
    """

    unavailable: str | None = None
    snapshot_date: date | None = None
    note: str | None = None
    shares: Mapping[str, tuple[Share, ...]] = field(default_factory=dict)
    missing: Mapping[str, str] = field(default_factory=dict)

    def of(self, dimension: str) -> tuple[Share, ...]:
        """The values of one dimension (none when the snapshot lacks it)."""
        return self.shares.get(dimension, ())

    def as_json(self) -> dict[str, object]:
        """As the JSON outputs give it: `unavailable` alone, or the date, shares and reasons."""
        if self.unavailable is not None:
            return {"unavailable": self.unavailable}
        note = {} if self.note is None else {"note": self.note}
        shares = {
            dimension: [{"value": item.value, "share": item.share} for item in items]
            for dimension, items in self.shares.items()
        }
        return {"snapshot_date": self.snapshot_date, **note, **shares,
                "missing": dict(self.missing)}  # fmt: skip


def demographics(connection: DuckDBPyConnection, account: Account, period: Period) -> Demographics:
    """Audience shares by gender, age, country and city from the last snapshot in the period.

    With no snapshot up to the period's end, the first one after it is used and `note` says so
    (a Studio Followers export is dated the day it was downloaded). Shown only when the account
    has at least 100 followers, as TikTok does; otherwise the reason is given instead.
    """
    followers = connection.execute(
        "SELECT arg_max(followers_count, date) FROM account_daily "
        "WHERE account_id = ? AND date <= ?",
        [account.account_id, period.end],
    ).fetchall()[0][0]
    if followers is not None and followers < DEMOGRAPHICS_MINIMUM_FOLLOWERS:
        return Demographics(f"the account has {followers} followers; TikTok gives "
                            f"demographics from {DEMOGRAPHICS_MINIMUM_FOLLOWERS}")  # fmt: skip
    rows = fetch_rows(
        connection.execute(
            """
            SELECT snapshot_date, dimension, value, share FROM audience_snapshots
            WHERE account_id = $account AND snapshot_date = coalesce(
                (SELECT max(snapshot_date) FROM audience_snapshots
                 WHERE account_id = $account AND snapshot_date <= $end),
                (SELECT min(snapshot_date) FROM audience_snapshots
                 WHERE account_id = $account))
            ORDER BY dimension, share DESC, value
            """,
            {"account": account.account_id, "end": period.end},
        )
    )
    if not rows:
        how = how_to_get(f"audience_snapshots.{name}" for name in ("gender", "country"))
        return Demographics(f"no demographics in the store up to the period's end: {how}")
    snapshot: date = rows[0]["snapshot_date"]
    shares: dict[str, list[Share]] = {}
    for row in rows:
        shares.setdefault(row["dimension"], []).append(Share(row["value"], row["share"]))
    return Demographics(
        snapshot_date=snapshot,
        note=f"no snapshot up to the period's end: the first one after it, of {snapshot}, is shown"
        if snapshot > period.end
        else None,
        shares={dimension: tuple(items) for dimension, items in shares.items()},
        missing={
            dimension: f"not in the store: {how_to_get([f'audience_snapshots.{dimension}'])}"
            for dimension in DIMENSIONS
            if dimension not in shares
        },
    )


def post_list(
    connection: DuckDBPyConnection,
    account: Account,
    period: Period,
    settings: Settings,
    *,
    columns: Sequence[str] = DEFAULT_POST_COLUMNS,
    sort: str = "-views",
) -> list[PostRow]:
    """Posts published in the period with the chosen columns, sorted (`-name` for descending)."""
    unknown = [name for name in [*columns, sort.lstrip("-")] if name not in POST_COLUMNS_BY_NAME]
    if unknown:
        known = ", ".join(column.name for column in POST_COLUMNS)
        raise UsageError(f"unknown post column(s) {', '.join(unknown)}; choose from {known}")
    chosen = [POST_COLUMNS_BY_NAME[name] for name in dict.fromkeys(["post_id", *columns])]
    selected = ", ".join(f"{settings.fill(column.sql)} AS {column.name}" for column in chosen)
    sort_column = POST_COLUMNS_BY_NAME[sort.lstrip("-")]
    direction = "DESC" if sort.startswith("-") else "ASC"
    order = settings.fill(sort_column.sql)
    sql = (
        f"SELECT {selected}, counters_as_of IS NULL AS not_captured, "
        f"strftime(counters_as_of, '%Y-%m-%d') AS read_on, read_after_end, "
        f"insights_as_of < counters_as_of AS insights_stale, "
        f"is_deleted, is_filtered FROM {{relation}} "
        f"ORDER BY {order} {direction} NULLS LAST, post_id"
    )
    rows = fetch_rows(
        connection.execute(*scope_query(connection, Scope.PUBLISHED, account, period, sql))
    )
    return [with_flags(row) for row in rows]


def with_flags(row: dict[str, Any]) -> PostRow:
    """A post's row with its data-quality flags folded into one `flags` text."""
    read_on = row.pop("read_on")
    flags = [
        text
        for key, text in (
            ("not_captured", "no counters captured yet"),
            ("read_after_end", f"counters as of {read_on}, after the period's end"),
            (
                "insights_stale",
                "reach/watch time last reported before the period's end (idle > 7 days)",
            ),
            ("is_deleted", "deleted"),
            ("is_filtered", "filtered"),
        )
        if row.pop(key)
    ]
    return PostRow(row, "; ".join(flags))


def data_flags(connection: DuckDBPyConnection, account: Account, period: Period) -> list[str]:
    """Everything about the period's data that could make a number differ from TikTok Studio."""
    return compute_period(connection, account, period, Settings())[1]
