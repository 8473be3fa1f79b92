"""Metrics read from the daily rollups equal metrics computed from the raw snapshots.

tests/raw_metrics.py holds the scope relations as computed from `post_snapshots` before the
rollups (store/rollups.py); every metric, note and reason must come out the same for many random
periods of simulated accounts, including periods beyond the data and posts first captured after
a period's end.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from factories import make_batch
from raw_metrics import raw_rows
from tikscope.metrics.model import Kind, Scope
from tikscope.metrics.periods import Period
from tikscope.metrics.query import (
    FLAGS,
    PRESENCE_HINTS,
    Account,
    MetricValue,
    Settings,
    aggregates,
    compute_periods,
    derive,
    find_account,
    judge_row,
    presence,
    relation_column,
    unknown_columns,
)
from tikscope.metrics.registry import METRICS
from tikscope.metrics.relations import KnownFollowers, period_values
from tikscope.metrics.run import metric_lines
from tikscope.metrics.sections import follower_series, period_series
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store
from tikscope.store.ingest import Batch, ingest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from duckdb import DuckDBPyConnection

ACCOUNTS = {
    "business, Madrid": SimulationConfig(
        seed=3, days=120, posts=80, members=300, end_date=date(2026, 3, 1)
    ),
    # posts published late in the evening in New York are first captured after the period's end
    "personal, New York": SimulationConfig(
        seed=4, account_type="personal", handle="ny_personal", days=90, posts=60, members=300,
        time_zone="America/New_York", end_date=date(2026, 3, 1),
    ),
}  # fmt: skip


@pytest.fixture(scope="module", params=list(ACCOUNTS))
def simulated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DuckDBPyConnection, Account, SimulationConfig]]:
    config = ACCOUNTS[request.param]
    path = tmp_path_factory.mktemp("rollups") / "simulated.duckdb"
    with open_store(path, create=True) as connection:
        simulate_into_store(connection, config)
        account = find_account(connection, None)
        ingest(connection, late_posts(account, config))
        yield connection, account, config


def late_posts(account: Account, config: SimulationConfig) -> Batch:
    """Posts published at 03:30 UTC and first captured the next day at 06:00, then at 18:00.

    Any period ending on their publish day (in Madrid or New York) reads them at that first
    capture, after its end, which the simulator's own posts never need.
    """
    first = config.end_date - timedelta(days=config.days)
    days = [first + timedelta(days=offset) for offset in range(3, config.days - 3, 2)]
    ids = [f"76{index:017d}" for index in range(len(days))]
    captures = [
        (post, datetime.combine(day, datetime.min.time()) + timedelta(hours=hours))
        for post, day in zip(ids, days, strict=True)
        for hours in (30, 42, 48, 72)
    ]
    posts = pa.table(
        {
            "post_id": ids,
            "media_type": ["video"] * len(ids),
            "create_time": [
                datetime.combine(day, datetime.min.time()) + timedelta(hours=3.5) for day in days
            ],
        }
    )
    table = pa.table(
        {
            "post_id": [post for post, _ in captures],
            "captured_at": pa.array([when for _, when in captures], pa.timestamp("us")),
            "views": pa.array([10 * (index % 4 + 1) for index in range(len(captures))], pa.int64()),
            "likes": pa.array([index % 4 for index in range(len(captures))], pa.int64()),
        }
    )
    if config.account_type == "business":
        table = table.append_column(
            "reach",
            pa.array([None if index % 4 == 1 else 5 for index in range(len(captures))], pa.int64()),
        )
    return replace(make_batch("merge", posts=posts, post_snapshots=table),
                   account_id=account.account_id)  # fmt: skip


def random_periods(config: SimulationConfig, count: int, seed: int) -> list[Period]:
    """Periods of 1 to 120 days anywhere from before the data to after it."""
    chooser = random.Random(seed)
    first = config.end_date - timedelta(days=config.days)
    periods = []
    for _ in range(count):
        start = first + timedelta(days=chooser.randrange(-20, config.days + 10))
        periods.append(Period(start, start + timedelta(days=chooser.randrange(120))))
    return periods


def raw_period(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings
) -> tuple[dict[str, MetricValue], list[str]]:
    """Every metric and note of the period, aggregated over the raw-snapshot relations."""
    values: dict[str, MetricValue] = {}
    notes: list[str] = []
    for scope in FLAGS:  # the order of the notes
        row = raw_rows(connection, scope, account, period, ", ".join(aggregates(scope, settings)))
        columns = unknown_columns(scope, row[0]) or ["1"]
        present = raw_rows(connection, scope, account, period, ", ".join(presence(columns)))[0]
        scope_values, scope_notes = judge_row(
            scope, row[0], dict(zip(columns, present, strict=True))
        )
        values |= scope_values
        notes += [note for note in scope_notes if note]
    for metric in METRICS:
        if metric.kind is Kind.DERIVED:
            values[metric.name] = derive(metric, values)
    return {metric.name: values[metric.name] for metric in METRICS}, notes


def comparable(values: dict[str, MetricValue]) -> dict[str, Any]:
    """Metric values with floats compared to 12 significant digits (sums in another order)."""
    return {
        name: (
            None if value.value is None else pytest.approx(value.value, rel=1e-12),
            value.unavailable,
            value.note,
        )
        for name, value in values.items()
    }


@pytest.mark.parametrize(
    "settings", [Settings(), Settings(engagement_rate=1000, engagement_basis="followers")]
)
def test_metrics_from_rollups_equal_metrics_from_raw_snapshots(
    simulated: tuple[DuckDBPyConnection, Account, SimulationConfig], settings: Settings
) -> None:
    connection, account, config = simulated
    for period in random_periods(config, 25, seed=settings.engagement_rate):
        current, previous = compute_periods(
            connection, account, [period, period.previous()], settings
        )
        raw_values, raw_notes = raw_period(connection, account, period, settings)
        assert (comparable(current[0]), current[1]) == (comparable(raw_values), raw_notes), period
        raw_previous = raw_period(connection, account, period.previous(), settings)[0]
        assert comparable(previous[0]) == comparable(raw_previous), period.previous()


def test_simulated_accounts_have_posts_read_at_a_first_capture_after_the_period(
    simulated: tuple[DuckDBPyConnection, Account, SimulationConfig],
) -> None:
    """The periods above cover the rare case: a post first captured after the period's end."""
    connection, account, config = simulated
    flag = "count(*) FILTER (WHERE read_after_end)"
    read_later = [
        period
        for period in random_periods(config, 25, seed=Settings().engagement_rate)
        if raw_rows(connection, Scope.PUBLISHED, account, period, flag)[0][0]
    ]
    assert len(read_later) >= 2


def test_rollups_of_a_simulation_equal_a_rebuild_after_a_day_by_day_sync(
    simulated: tuple[DuckDBPyConnection, Account, SimulationConfig], tmp_path: Path
) -> None:
    """Merging the simulated snapshots one day at a time gives the simulation's rollups."""
    connection, account, _ = simulated
    expected = connection.execute(
        "SELECT * EXCLUDE (account_id) FROM post_daily ORDER BY post_id, day"
    ).fetchall()
    table = connection.sql(
        "SELECT * EXCLUDE (account_id, run_id) FROM post_snapshots ORDER BY captured_at"
    ).to_arrow_table()
    posts = connection.sql("SELECT * EXCLUDE (account_id, run_id) FROM posts").to_arrow_table()
    days = sorted({value.date() for value in table["captured_at"].to_pylist()})
    chosen = [*days[:: max(1, len(days) // 12)], days[-1] + timedelta(days=1)]
    with open_store(tmp_path / "synced.duckdb", create=True) as synced:
        for start, end in itertools.pairwise(chosen):
            day_rows = table.filter(
                pc.and_(
                    pc.greater_equal(table["captured_at"], pa.scalar(
                        datetime.combine(start, datetime.min.time()), pa.timestamp("us"))),
                    pc.less(table["captured_at"], pa.scalar(
                        datetime.combine(end, datetime.min.time()), pa.timestamp("us"))),
                )
            )  # fmt: skip
            batch = replace(
                make_batch("merge", posts=posts, post_snapshots=day_rows),
                account_id=account.account_id,
            )
            ingest(synced, batch)
        rows = synced.execute(
            "SELECT * EXCLUDE (account_id) FROM post_daily ORDER BY post_id, day"
        ).fetchall()
    assert rows == expected


def test_presence_hints_never_change_a_result(
    simulated: tuple[DuckDBPyConnection, Account, SimulationConfig],
) -> None:
    """Whatever columns are hinted, missing values get the reasons of a query without hints."""
    connection, account, config = simulated
    settings = Settings()

    def every_column(scope: Scope) -> tuple[str, ...]:
        return tuple(
            sorted(
                {relation_column(scope, s) for m in METRICS if m.scope is scope for s in m.sources}
            )
        )

    for period in random_periods(config, 8, seed=5):
        periods = [period, period.previous()]
        results = []
        for hint in ("none", "every column", "kept"):
            for scope in Scope:
                key = (account.account_id, scope)
                if hint == "none":
                    PRESENCE_HINTS.pop(key, None)
                elif hint == "every column":
                    PRESENCE_HINTS[key] = every_column(scope)
            computed = compute_periods(connection, account, periods, settings)
            results.append([(comparable(values), notes) for values, notes in computed])
        assert results[0] == results[1] == results[2], period


def test_one_query_of_the_daily_series_gives_both_periods_and_the_followers_before(
    simulated: tuple[DuckDBPyConnection, Account, SimulationConfig],
) -> None:
    """`period_series` equals a series per period, and metrics computed with its follower
    counts (no query for the days before the periods) equal metrics computed without them."""
    connection, account, config = simulated
    settings = Settings()
    for period in random_periods(config, 20, seed=11):
        series = period_series(connection, account, period, compare=True)
        assert series.current == follower_series(connection, account, period), period
        assert series.previous == follower_series(connection, account, period.previous())
        alone = period_series(connection, account, period, compare=False)
        assert (alone.current, alone.previous) == (series.current, [])
        for compare, read in ((True, series), (False, alone)):
            shared = metric_lines(
                connection, account, period, settings, compare=compare, followers=read.followers
            )
            assert shared == metric_lines(connection, account, period, settings, compare=compare)


def test_followers_before_a_period_come_from_counts_read_only_when_they_cover_its_day(
    simulated: tuple[DuckDBPyConnection, Account, SimulationConfig],
) -> None:
    connection, account, config = simulated
    period = Period(config.end_date - timedelta(days=27), config.end_date)
    day_before = period.start - timedelta(days=1)

    def before(followers: KnownFollowers | None) -> Any:
        values = period_values(
            connection, account, [period], followers_at_end=False, followers=followers
        )
        return values["before_0"]

    stored = before(None)
    other = (stored or 0) + 1
    assert before(KnownFollowers(day_before, period.end, {day_before: other})) == other
    assert before(KnownFollowers(day_before, period.end, {})) is None  # a day without a row
    assert before(KnownFollowers(period.start, period.end, {day_before: other})) == stored
