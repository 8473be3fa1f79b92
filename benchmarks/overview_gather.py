"""Benchmark: the web overview's whole gather, uncached, for many different periods.

Times `tikscope.reports.pages.gather_overview`, the web overview's page model (every registry
metric of the period and of the previous one, the data-quality notes, both follower series and
the data's freshness) on one warm connection, each run for a new random period, so nothing is
answered from a cache. Also times its parts one by one. Two stores:

- **demo**: the store `tikscope demo` builds (reused from benchmarks/out/web-demo, the folder
  `benchmarks/web_overview.py` uses).
- **10k posts**: the "spread" account of `benchmarks/metrics_sections.py` (10,000 posts over two
  years, each snapshotted daily from its publish day).

Periods: 7 to 60 days (as the wrk run of `web_overview.py` asks for), and 365 days, anywhere in
the data's range. Prints the median and p90 of each part's wall time, and the median CPU time of
the process (DuckDB's threads included), which varies less when other work shares the cores.
With `--statements`, also the median CPU time of each SQL statement of an overview (7-60 days).
Goal (issue 11): the whole overview under 10 ms median. Usage:

    .venv/bin/python benchmarks/overview_gather.py [--runs 200] [--seed 1] [--large STORE]
        [--statements]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.run import metric_report
from tikscope.metrics.sections import period_series
from tikscope.metrics.studio import data_freshness
from tikscope.reports.pages import gather_overview
from tikscope.store.db import open_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from metrics_sections import build_store
from web_overview import DEFAULT_DIR, demo_store, machine

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

Part = Callable[["DuckDBPyConnection", Account, Period], Any]
PARTS: dict[str, Part] = {
    "metrics, both periods, notes": lambda c, a, p: metric_report(
        c, a, p, Settings(), compare=True
    ),
    "daily series, both periods": lambda c, a, p: period_series(c, a, p, compare=True),
    "data freshness": lambda c, a, p: data_freshness(c, a),
    "whole overview": lambda c, a, p: gather_overview(c, a, p, Settings(), True),
}


def random_periods(first: date, last: date, lengths: range, count: int, seed: int) -> list[Period]:
    """`count` periods of the given lengths, each within [first, last]."""
    chooser = random.Random(seed)
    periods = []
    for _ in range(count):
        days = chooser.choice(lengths)
        start = first + timedelta(days=chooser.randrange((last - first).days + 2 - days))
        periods.append(Period(start, start + timedelta(days=days - 1)))
    return periods


def account_of(connection: DuckDBPyConnection) -> tuple[Account, date, date]:
    """The store's only account and the first and last day of its daily series."""
    row = connection.execute(
        "SELECT a.account_id, a.handle, a.account_type, a.time_zone, min(d.date), max(d.date) "
        "FROM accounts a JOIN account_daily d USING (account_id) GROUP BY ALL"
    ).fetchall()[0]
    return Account(*row[:4]), row[4], row[5]


class Answer:
    """A statement's result, fetched: what the overview's code reads of one."""

    def __init__(self, rows: list[tuple[Any, ...]], description: Any) -> None:
        self.rows, self.description = rows, description

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows


class TimedConnection:
    """A connection that times each statement (CPU time, fetched) under a short label."""

    def __init__(self, connection: DuckDBPyConnection) -> None:
        self.connection = connection
        self.times: list[tuple[str, float]] = []

    def execute(self, sql: str, parameters: Any = None) -> Answer:
        used = time.process_time()
        result = self.connection.execute(sql, parameters)
        rows = result.fetchall()
        self.times.append((" ".join(sql.split())[:56], (time.process_time() - used) * 1000))
        return Answer(rows, result.description)


def statements(connection: DuckDBPyConnection, account: Account, periods: list[Period]) -> None:
    """The median CPU time of each statement of an overview, in the order they run."""
    times: dict[tuple[int, str], list[float]] = defaultdict(list)
    for period in periods:
        timed = TimedConnection(connection)
        gather_overview(cast("DuckDBPyConnection", timed), account, period, Settings(), True)
        for index, (label, used) in enumerate(timed.times):
            times[index, label].append(used)
    for (_, label), runs in times.items():
        print(f"    {statistics.median(runs):5.2f} ms CPU ({len(runs)} runs) {label}")


def measure(name: str, store: Path, runs: int, seed: int, *, by_statement: bool) -> None:
    """Time every part on `store` for `runs` random periods of each length range."""
    with open_store(store) as connection:
        account, first, last = account_of(connection)
        posts = connection.execute("SELECT count(*) FROM posts").fetchall()[0][0]
        snapshots = connection.execute("SELECT count(*) FROM post_snapshots").fetchall()[0][0]
        print(f"\n{name}: {posts:,} posts, {snapshots:,} post snapshots, {first} to {last}")
        for label, lengths in (("7-60 days", range(7, 61)), ("365 days", range(365, 366))):
            periods = random_periods(first, last, lengths, runs, seed)
            for period in periods[:5]:  # warm-up
                gather_overview(connection, account, period, Settings(), True)
            for part, function in PARTS.items():
                timings, cpu = [], []
                for period in periods:
                    started, used = time.perf_counter(), time.process_time()
                    function(connection, account, period)
                    timings.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - used) * 1000)
                print(f"  {label:9} {part:29} {figures(timings, cpu)}")
            if by_statement and lengths.start == 7:
                print(f"  {label:9} statements of a whole overview:")
                statements(connection, account, periods)


def figures(timings: list[float], cpu: list[float]) -> str:
    """Median and p90 of timings in milliseconds, and the median CPU time, in one line."""
    p90 = statistics.quantiles(timings, n=10)[-1]
    return (
        f"median {statistics.median(timings):6.1f} ms, p90 {p90:6.1f} ms "
        f"(CPU median {statistics.median(cpu):5.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="periods per length range")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of the demo store")
    parser.add_argument("--large", type=Path, help="the 10k-post store (default: built here)")
    parser.add_argument("--statements", action="store_true", help="time each SQL statement too")
    arguments = parser.parse_args()
    print(f"overview gather benchmark, {date.today()}, {machine()}")
    stores = {"demo": demo_store(arguments.dir)}
    stores["10k posts"] = arguments.large or build_store("spread")
    for name, store in stores.items():
        measure(name, store, arguments.runs, arguments.seed, by_statement=arguments.statements)


if __name__ == "__main__":
    main()
