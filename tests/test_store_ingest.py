from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest

from factories import (
    ACCOUNT,
    account_table,
    daily_table,
    dump,
    follows_table,
    make_batch,
    posts_table,
)
from tikscope.errors import IngestError
from tikscope.store.ingest import ingest

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


def test_ingest_writes_rows_with_account_and_run(store: DuckDBPyConnection) -> None:
    result = ingest(store, make_batch())
    assert result.run_id == 1
    assert {name: (c.inserted, c.deleted) for name, c in result.counts.items()} == {
        "accounts": (1, 0),
        "posts": (3, 0),
        "account_daily": (5, 0),
    }
    rows = store.execute("SELECT DISTINCT account_id, run_id FROM posts").fetchall()
    assert rows == [(ACCOUNT, 1)]
    run = store.execute(
        "SELECT kind, source, account_id, rows_written, rows_deleted FROM runs"
    ).fetchall()
    assert run == [("import", "test", ACCOUNT, 9, 0)]


@pytest.mark.parametrize("mode", ["replace", "merge"])
def test_ingest_twice_leaves_store_identical(store: DuckDBPyConnection, mode: str) -> None:
    batch = make_batch(mode)  # type: ignore[arg-type]
    assert ingest(store, batch).changed
    before = dump(store)
    again = ingest(store, batch)
    assert not again.changed
    assert dump(store) == before


def test_replace_removes_rows_missing_from_the_batch(store: DuckDBPyConnection) -> None:
    ingest(store, make_batch(posts=posts_table(5)))
    result = ingest(store, make_batch(posts=posts_table(2)))
    assert (result.counts["posts"].inserted, result.counts["posts"].deleted) == (2, 5)
    assert store.execute("SELECT count(*), min(run_id) FROM posts").fetchall() == [(2, 2)]


def test_merge_updates_changed_rows_and_keeps_unchanged_ones(store: DuckDBPyConnection) -> None:
    ingest(store, make_batch("merge", account_daily=daily_table(5, views=100)))
    changed = daily_table(5, views=100).to_pylist()
    changed[4]["video_views"] = 999  # a later pull corrects the latest day
    changed.append({**changed[4], "date": date(2026, 5, 6), "video_views": 50})
    result = ingest(store, make_batch("merge", account_daily=pa.Table.from_pylist(changed)))
    assert (result.counts["account_daily"].inserted, result.counts["account_daily"].updated) == (
        1,
        1,
    )
    rows = store.execute(
        "SELECT date, video_views, run_id FROM account_daily ORDER BY date"
    ).fetchall()
    assert [(row[1], row[2]) for row in rows] == [
        (100, 1),
        (101, 1),
        (102, 1),
        (103, 1),
        (999, 2),
        (50, 2),
    ]


def test_merge_with_fewer_columns_keeps_the_others(store: DuckDBPyConnection) -> None:
    ingest(store, make_batch("merge", posts=posts_table(2)))
    fewer = posts_table(2).select(["post_id", "media_type", "create_time", "caption"])
    fewer = fewer.set_column(3, "caption", pa.array(["new caption", "post 1 #plants"]))
    ingest(store, make_batch("merge", posts=fewer))
    rows = store.execute(
        "SELECT caption, hashtags, duration_seconds FROM posts ORDER BY post_id"
    ).fetchall()
    assert rows == [("new caption", ["plants"], 29.767), ("post 1 #plants", ["plants"], 29.767)]


def test_merge_never_erases_a_value_with_null(store: DuckDBPyConnection) -> None:
    ingest(store, make_batch("merge", posts=posts_table(2)))
    unknown = posts_table(2).set_column(3, "caption", pa.array([None, "post 1 edited"]))
    result = ingest(store, make_batch("merge", posts=unknown))
    assert (result.counts["posts"].inserted, result.counts["posts"].updated) == (0, 1)
    rows = store.execute("SELECT caption, run_id FROM posts ORDER BY post_id").fetchall()
    assert rows == [("post 0 #plants", 1), ("post 1 edited", 2)]


def test_merge_keeping_stored_values_only_fills_nulls(store: DuckDBPyConnection) -> None:
    first = posts_table(2).set_column(3, "caption", pa.array(["full caption #plants", None]))
    ingest(store, make_batch("merge", posts=first))
    poorer = posts_table(3).set_column(3, "caption", pa.array(["short", "filled", "new"]))
    poorer = poorer.set_column(2, "create_time", pa.array([datetime(2026, 5, 1)] * 3))
    batch = replace(make_batch("merge", posts=poorer), keep_stored=frozenset({"posts"}))
    result = ingest(store, batch)
    assert (result.counts["posts"].inserted, result.counts["posts"].updated) == (1, 1)
    rows = store.execute("SELECT caption, create_time, run_id FROM posts ORDER BY ALL").fetchall()
    assert rows == [
        ("filled", datetime(2026, 5, 1, 9, 1), 2),
        ("full caption #plants", datetime(2026, 5, 1, 9, 0), 1),
        ("new", datetime(2026, 5, 1), 2),
    ]


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"posts": posts_table(2, media_type="gif")}, "table posts: .*CHECK constraint"),
        (
            {"posts": pa.concat_tables([posts_table(2), posts_table(1)])},
            "posts: more than one row with key post_id='7498123456789012345'",
        ),
        ({"posts": posts_table(1).append_column("views", pa.array([3]))}, "posts: unknown column"),
        ({"videos": posts_table(1)}, "unknown table 'videos'"),
        ({"posts": posts_table(1).drop_columns(["post_id"])}, "posts: key column"),
        (
            {"accounts": pa.concat_tables([account_table(), account_table("other")])},
            "one per account",
        ),
    ],
)
def test_bad_batch_is_rejected_and_store_unchanged(
    store: DuckDBPyConnection, tables: dict[str, pa.Table], message: str
) -> None:
    ingest(store, make_batch())
    before = dump(store)
    batch = make_batch(
        **{"accounts": account_table("changed"), "follows": follows_table(), **tables}
    )
    with pytest.raises(IngestError, match=message):
        ingest(store, batch)
    assert dump(store) == before


def test_failure_in_the_middle_of_a_batch_rolls_everything_back(store: DuckDBPyConnection) -> None:
    ingest(store, make_batch())
    before = dump(store)

    def fail_after_second_table(name: str, rows: int) -> None:
        if name == "posts":
            raise RuntimeError("disk full")

    batch = make_batch(account_daily=daily_table(9), posts=posts_table(7), follows=follows_table())
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(store, batch, on_table=fail_after_second_table)
    assert dump(store) == before
    assert ingest(store, batch).run_id == 2  # the store is still usable
