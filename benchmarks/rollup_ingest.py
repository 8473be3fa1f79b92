"""Benchmark: what keeping the daily rollups (`post_daily`) costs ingest, on a 10k-post account.

On a copy of the "spread" store of `benchmarks/metrics_sections.py` (10,000 posts over two
years, 3.6M snapshots), times:

- **rebuild**: the account's rollups rebuilt from all its snapshots, as a `replace` batch (a
  simulation, a full re-import) or migration 8 does;
- **daily sync**: a `merge` batch with the next midnight's snapshot of every post still captured
  (what a daily sync writes), whole ingest, rollups included; and the rollup step alone.

Usage:

    .venv/bin/python benchmarks/rollup_ingest.py [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from tikscope.ids import AccountId
from tikscope.store.db import open_store
from tikscope.store.ingest import Batch, ingest
from tikscope.store.rollups import refresh_post_daily

sys.path.insert(0, str(Path(__file__).resolve().parent))
from metrics_sections import build_store
from web_overview import machine

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection


def timed(action: Callable[[], object]) -> float:
    """Seconds one call of `action` takes."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    print(f"rollup ingest benchmark, {date.today()}, {machine()}")
    with tempfile.TemporaryDirectory() as scratch:
        store = Path(scratch) / "spread.duckdb"
        shutil.copy(build_store("spread"), store)
        with open_store(store) as connection:
            account = AccountId(
                connection.execute("SELECT account_id FROM accounts").fetchall()[0][0]
            )
            rebuilds = []
            for _ in range(runs):
                connection.execute("BEGIN TRANSACTION")
                rebuilds.append(timed(lambda: refresh_post_daily(connection, account, since=None)))
                connection.execute("ROLLBACK")
            rows = connection.execute("SELECT count(*) FROM post_daily").fetchall()[0][0]
            print(f"rebuild ({rows:,} rollup rows): median {statistics.median(rebuilds):.2f} s "
                  f"(min {min(rebuilds):.2f}, max {max(rebuilds):.2f})")  # fmt: skip
            syncs, steps = [], []
            for _ in range(runs):
                batch = next_day_batch(connection, account)
                connection.execute("CHECKPOINT")
                syncs.append(timed(lambda batch=batch: ingest(connection, batch)))
                since = connection.execute(
                    "SELECT max(day) FROM post_daily WHERE account_id = ?", [account]
                ).fetchall()[0][0]
                connection.execute("BEGIN TRANSACTION")
                steps.append(
                    timed(lambda since=since: refresh_post_daily(connection, account, since=since))
                )
                connection.execute("ROLLBACK")
            print(f"daily sync ({batch.tables['post_snapshots'].num_rows:,} snapshots): "
                  f"median {statistics.median(syncs):.2f} s, of which rollups "
                  f"{statistics.median(steps):.2f} s")  # fmt: skip


def next_day_batch(connection: DuckDBPyConnection, account: AccountId) -> Batch:
    """A merge batch: each post's last snapshot again, a day later and with one more view."""
    table = connection.sql(
        "SELECT post_id, captured_at + INTERVAL 1 DAY AS captured_at, views + 1 AS views, likes "
        "FROM post_snapshots WHERE account_id = $account "
        "AND captured_at = "
        "(SELECT max(captured_at) FROM post_snapshots WHERE account_id = $account)",
        params={"account": account},
    ).to_arrow_table()
    return Batch(account_id=account, kind="sync", source="benchmark",
                 tables={"post_snapshots": table}, mode="merge")  # fmt: skip


if __name__ == "__main__":
    main()
