"""Benchmark: compute every account-analytics section for the last 28 and 365 days.

Builds (once, cached in benchmarks/out/) a simulated business account with 10,000 posts over two
years, each post snapshotted daily from its publish day, then times all sections (every registry
metric with comparison and the data-quality notes, follower series, demographics, activity
heatmap, list of posts) on a warm connection. Usage:

    .venv/bin/python benchmarks/metrics_sections.py [--runs 20]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from datetime import date
from pathlib import Path

from tikscope.metrics import activity, sections
from tikscope.metrics.periods import last_days
from tikscope.metrics.query import Settings, find_account, last_day
from tikscope.metrics.run import metric_report
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store

OUT = Path(__file__).parent / "out"
END = date(2026, 11, 21)
SCENARIOS = {
    # posts published over two years, each snapshotted daily from its publish day
    "spread": SimulationConfig(seed=11, days=730, posts=10_000, members=2_000, end_date=END),
    # every post published in the first 30 days of 760, so each has two full years of snapshots
    "two_years_each": SimulationConfig(
        seed=11, days=760, posts=10_000, members=2_000, end_date=END, publish_days=30
    ),
}


def build_store(name: str) -> Path:
    """Simulate a scenario's account unless its cached store already holds it."""
    OUT.mkdir(exist_ok=True)
    store = OUT / f"metrics_{name}.duckdb"
    started = time.perf_counter()
    with open_store(store, create=True) as connection:
        result = simulate_into_store(connection, SCENARIOS[name])
    if result.changed:
        print(f"built {store} in {time.perf_counter() - started:.1f} s")
    return store


def all_sections(connection: object, days: int) -> None:
    """Everything the account report shows, for the last `days` days."""
    account = find_account(connection, None)  # type: ignore[arg-type]
    period = last_days(days, until=last_day(connection, account))  # type: ignore[arg-type]
    settings = Settings()
    metric_report(connection, account, period, settings, compare=True)  # type: ignore[arg-type]
    sections.follower_series(connection, account, period)  # type: ignore[arg-type]
    sections.demographics(connection, account, period)  # type: ignore[arg-type]
    activity.local_heatmap(connection, account, period)  # type: ignore[arg-type]
    sections.post_list(connection, account, period, settings)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    print(f"{platform.machine()}, Python {platform.python_version()}, {date.today()}")
    for name, config in SCENARIOS.items():
        measure(build_store(name), config, runs)


def measure(store: Path, config: SimulationConfig, runs: int) -> None:
    """Time all sections on one store for the last 28 and 365 days."""
    with open_store(store) as connection:
        snapshots = connection.execute("SELECT count(*) FROM post_snapshots").fetchall()[0][0]
        print(f"{store.name}: {config.posts:,} posts, {snapshots:,} post snapshots, "
              f"{config.days} days")  # fmt: skip
        for days in (28, 365):
            all_sections(connection, days)  # warm-up
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                all_sections(connection, days)
                timings.append((time.perf_counter() - started) * 1000)
            print(
                f"last {days:>3} days: median {statistics.median(timings):7.1f} ms "
                f"(min {min(timings):.1f}, max {max(timings):.1f}, {runs} runs)"
            )


if __name__ == "__main__":
    main()
