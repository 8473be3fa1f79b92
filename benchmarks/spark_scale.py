"""Benchmark: `tikscope spark metrics` and `tikscope spark audience` in local mode, by size.

Builds a store (simulated accounts of 75 days and 25 posts each, or one account with an audience),
exports it, and times each step of the Spark job in one session, printing one line per step.
Usage:

    .venv/bin/python benchmarks/spark_scale.py metrics --accounts 30
    .venv/bin/python benchmarks/spark_scale.py audience --members 25000 [--share 0.4]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from tikscope.metrics.periods import Period
from tikscope.metrics.query import Settings
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.spark import audience, metrics
from tikscope.spark.session import start
from tikscope.store.db import open_store
from tikscope.store.export import export_parquet

PERIOD = Period(date(2026, 10, 15), date(2026, 11, 13))


def timed(label: str, started: float) -> float:
    """Print the seconds since `started` and return now."""
    now = time.perf_counter()
    print(f"{label:<44} {now - started:8.1f} s", flush=True)
    return now


def build(folder: Path, *, accounts: int, members: int) -> Path:
    """A store of `accounts` simulated accounts (the first with `members`), exported."""
    began = time.perf_counter()
    with open_store(folder / "store.duckdb", create=True) as connection:
        for index in range(accounts):
            simulate_into_store(connection, SimulationConfig(
                seed=index, handle=f"account_{index:05d}", days=75, posts=25,
                members=members if index == 0 else 0, end_date=date(2026, 11, 20)))  # fmt: skip
        began = timed(f"simulate {accounts} accounts, {members:,} members", began)
        export_parquet(connection, folder / "export", audience=members > 0)
        timed("export parquet", began)
    return folder / "export"


def main() -> None:
    """Run one benchmark."""
    parser = argparse.ArgumentParser()
    parser.add_argument("job", choices=("metrics", "audience"))
    parser.add_argument("--accounts", type=int, default=1)
    parser.add_argument("--members", type=int, default=0)
    parser.add_argument("--share", type=float, default=None)
    parser.add_argument("--master", default="local[2]")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        export = build(Path(temporary), accounts=options.accounts, members=options.members)
        began = time.perf_counter()
        spark = start(options.master)
        spark.sparkContext.setLogLevel("ERROR")
        began = timed("start Spark", began)
        if options.job == "metrics":
            rows = metrics.spark_metrics(spark, export, PERIOD, Settings())
            began = timed(f"spark metrics: {len(rows):,} values", began)
            metrics.write_metrics(spark, rows, Path(temporary) / "metrics")
            timed("write metrics", began)
        else:
            found = audience.cluster_audience(spark, export, "account_00000", seed=7,
                                              share=options.share)  # fmt: skip
            began = timed(f"cluster: {found.members:,} members, {found.edges:,} edges, "
                          f"{found.sampled:,} sampled, rounds {found.rounds}", began)  # fmt: skip
            audience.write_labels(found, Path(temporary) / "communities")
            timed(f"write {found.communities} communities", began)
        spark.stop()


if __name__ == "__main__":
    main()
