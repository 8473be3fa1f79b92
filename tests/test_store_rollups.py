"""Daily rollups of post snapshots (store/rollups.py).

They are what the snapshots said at each UTC midnight, are written in the transaction of the
snapshots they summarise, equal a rebuild from all snapshots after any sequence of batches, and
are filled when an older store is migrated. tests/test_metrics_rollups.py checks that metrics read
from them equal metrics computed from the raw snapshots.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pytest

from factories import ACCOUNT, account_table, dump, make_batch, posts_table
from tikscope.store import ingest as ingest_module
from tikscope.store.db import open_store
from tikscope.store.ingest import Batch, Mode, ingest
from tikscope.store.migrations import MIGRATIONS
from tikscope.store.rollups import refresh_post_daily

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

POST = "7498123456789012345"  # the first post of factories.posts_table
SNAPSHOT_COLUMNS = ("post_id", "captured_at", "views", "likes", "reach", "viewers_new")


def snapshots(*rows: tuple[Any, ...]) -> pa.Table:
    """A `post_snapshots` batch table from (post_id, captured_at, views, likes, reach, new)."""
    types = (pa.string(), pa.timestamp("us"), pa.int64(), pa.int64(), pa.int64(), pa.float64())
    return pa.table(
        {
            name: pa.array([row[index] for row in rows], kind)
            for index, (name, kind) in enumerate(zip(SNAPSHOT_COLUMNS, types, strict=True))
        }
    )


def snapshot_batch(table: pa.Table, mode: Mode = "merge") -> Batch:
    return make_batch(mode, accounts=account_table(), posts=posts_table(2), post_snapshots=table)


FIRST = snapshots(
    (POST, datetime(2026, 5, 1, 6), 10, 1, 8, 0.5),
    (POST, datetime(2026, 5, 2), 20, 2, None, None),
    (POST, datetime(2026, 5, 2, 12), 15, 3, 12, None),
    (POST, datetime(2026, 5, 4, 0, 0, 1), 30, 4, 20, 0.25),
)


def rollup_rows(connection: DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return connection.execute(
        "SELECT post_id, day, first_captured_at, counters_as_of, views, likes, insights_as_of, "
        "reach, viewers_new, last_views_drop_from FROM post_daily ORDER BY post_id, day"
    ).fetchall()


def test_rollup_rows_are_the_post_at_each_utc_midnight(store: DuckDBPyConnection) -> None:
    ingest(store, snapshot_batch(FIRST))
    first, drop = datetime(2026, 5, 1, 6), datetime(2026, 5, 2)
    assert rollup_rows(store) == [
        # 05-02 00:00: the 06:00 and midnight snapshots; reach and new viewers last known at 06:00
        (POST, date(2026, 5, 2), first, datetime(2026, 5, 2), 20, 2, first, 8, 0.5, None),
        # 05-03 00:00: the 12:00 snapshot; views went down from 20 (at midnight) to 15
        (POST, date(2026, 5, 3), first, datetime(2026, 5, 2, 12), 15, 3,
         datetime(2026, 5, 2, 12), 12, 0.5, drop),
        # 05-04 00:00: nothing new (the next snapshot is one second later)
        (POST, date(2026, 5, 4), first, datetime(2026, 5, 2, 12), 15, 3,
         datetime(2026, 5, 2, 12), 12, 0.5, drop),
        # 05-05 00:00, the account's last rollup day
        (POST, date(2026, 5, 5), first, datetime(2026, 5, 4, 0, 0, 1), 30, 4,
         datetime(2026, 5, 4, 0, 0, 1), 20, 0.25, drop),
    ]  # fmt: skip
    extent = store.execute("SELECT * FROM post_daily_extent").fetchall()
    assert extent == [(ACCOUNT, date(2026, 5, 5), datetime(2026, 5, 4, 0, 0, 1))]


def test_days_after_a_post_stops_are_carried_to_the_accounts_last_day(
    store: DuckDBPyConnection,
) -> None:
    other = posts_table(2)["post_id"][1].as_py()
    ingest(store, snapshot_batch(snapshots((POST, datetime(2026, 5, 1), 10, 1, None, None),
                                           (other, datetime(2026, 5, 3), 5, 0, None, None))))  # fmt: skip
    rows = store.execute("SELECT post_id, day, views FROM post_daily ORDER BY ALL").fetchall()
    assert rows == [
        (POST, date(2026, 5, 1), 10),
        (POST, date(2026, 5, 2), 10),
        (POST, date(2026, 5, 3), 10),
        (other, date(2026, 5, 3), 5),
    ]


def test_failed_ingest_leaves_neither_snapshots_nor_rollups(
    store: DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(store, snapshot_batch(FIRST))
    before = dump(store)
    later = snapshots((POST, datetime(2026, 5, 6), 50, 5, 30, 0.2))

    def fail(*arguments: Any, **keywords: Any) -> None:
        assert store.execute("SELECT count(*) FROM post_daily").fetchall() == [(5,)]
        raise RuntimeError("disk full")

    # NOTE: the runs row is the last thing a batch writes, after the rollups.
    monkeypatch.setattr(ingest_module, "record_run", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(store, snapshot_batch(later))
    assert dump(store) == before


@pytest.mark.parametrize("mode", ["replace", "merge"])
def test_ingesting_the_same_batch_again_changes_nothing(
    store: DuckDBPyConnection, mode: Mode
) -> None:
    assert ingest(store, snapshot_batch(FIRST, mode)).changed
    before = dump(store)
    assert not ingest(store, snapshot_batch(FIRST, mode)).changed
    assert dump(store) == before


def rebuilt(connection: DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """The account's rollups rebuilt from all its snapshots (the store keeps the rebuild)."""
    refresh_post_daily(connection, ACCOUNT, since=None)
    return dump(connection)["post_daily"]


def test_merges_keep_rollups_equal_to_a_rebuild(store: DuckDBPyConnection) -> None:
    other = posts_table(2)["post_id"][1].as_py()
    batches = [
        FIRST,
        # a daily sync: both posts, the next midnight
        snapshots((POST, datetime(2026, 5, 5), 40, 5, None, None),
                  (other, datetime(2026, 5, 5), 3, 0, 2, 0.9)),
        # after a week without syncs
        snapshots((POST, datetime(2026, 5, 12), 38, 6, 25, 0.3)),
        # TikTok corrected an old snapshot, and an import found an older one of the other post
        snapshots((POST, datetime(2026, 5, 2), 25, 2, 9, None),
                  (other, datetime(2026, 4, 30, 18), 1, 0, None, None)),
    ]  # fmt: skip
    for table in batches:
        assert ingest(store, snapshot_batch(table)).changed
        kept = dump(store)["post_daily"]
        assert kept == rebuilt(store)


def test_migration_fills_the_rollups_of_an_older_store(tmp_path: Path) -> None:
    with open_store(tmp_path / "ingested.duckdb", create=True) as connection:
        ingest(connection, snapshot_batch(FIRST))
        expected = dump(connection)["post_daily"], dump(connection)["post_daily_extent"]
    older = tmp_path / "older.duckdb"
    with open_store(older, create=True, migrations=MIGRATIONS[:6]) as connection:
        connection.register("batch", FIRST)
        connection.execute(
            "INSERT INTO post_snapshots BY NAME "
            f"SELECT *, '{ACCOUNT}' AS account_id, 1 AS run_id FROM batch"
        )
    with open_store(older) as connection:
        assert (dump(connection)["post_daily"], dump(connection)["post_daily_extent"]) == expected
