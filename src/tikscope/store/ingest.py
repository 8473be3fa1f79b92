"""Atomic, idempotent ingest of one batch of rows for one account.

A batch holds Arrow tables keyed by store table name, for a single account. It is written in one
DuckDB transaction: a failure, or the process being killed, leaves the store exactly as before.
Ingesting the same batch twice leaves the store identical: a batch that would change nothing is
rolled back and recorded nowhere, so `runs` lists only the runs that wrote something.

Two modes:

- ``replace``: the batch is the whole truth for its account in the tables it names (a simulation,
  a full re-import). Rows of the account not in the batch are deleted.
- ``merge``: the batch adds or corrects rows by key (an API sync re-pulling recent days). Rows
  identical to what is stored are left alone, so they keep the run that first wrote them. A NULL
  in the batch never erases a stored value (missing means "not known here", not "gone"), and in
  the tables a batch names in `keep_stored` (a poorer source under a richer one) it only fills
  cells that are NULL in the store.

Batches that change `post_snapshots` also bring the account's daily rollups (`post_daily`, see
store/rollups.py) up to date, in the same transaction; batches that write comments get their
language and sentiment (store/comment_scores.py) the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import pyarrow as pa

from tikscope.errors import IngestError
from tikscope.ids import AccountId
from tikscope.store.comment_scores import score_comments
from tikscope.store.db import fetch_value, first_line
from tikscope.store.rollups import first_affected_day, refresh_post_daily
from tikscope.store.tables import TABLES_BY_NAME, Table

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

Mode = Literal["replace", "merge"]
Kind = Literal["simulate", "import", "sync"]
ProgressCallback = Callable[[str, int], None]
FILLED_BY_INGEST = ("account_id", "run_id")
DERIVED = {"comments": ("sentiment", "sentiment_score", "sentiment_model")}
"""Columns that a batch never carries: tikscope derives them (store/comment_scores.py)."""


@dataclass(frozen=True)
class Batch:
    """Rows for one account, from one source, to be written together or not at all."""

    account_id: AccountId
    kind: Kind
    source: str
    tables: Mapping[str, pa.Table]
    mode: Mode = "replace"
    parameters: Mapping[str, Any] = field(default_factory=dict)
    replace: frozenset[str] = frozenset()
    """Tables replaced for the account even in merge mode (a source that is their whole truth)."""
    keep_stored: frozenset[str] = frozenset()
    """Tables where a merge only fills stored NULLs (a poorer source under a richer one)."""


@dataclass(frozen=True)
class TableCount:
    """Rows one batch inserted into, updated in and deleted from one table."""

    inserted: int
    updated: int
    deleted: int

    @property
    def written(self) -> int:
        """Rows inserted or updated."""
        return self.inserted + self.updated


@dataclass(frozen=True)
class IngestResult:
    """What an ingest did. `run_id` is None when the batch changed nothing."""

    run_id: int | None
    fingerprint: str
    counts: Mapping[str, TableCount]

    @property
    def changed(self) -> bool:
        """Whether the store changed."""
        return self.run_id is not None


def ingest(
    connection: DuckDBPyConnection,
    batch: Batch,
    *,
    on_table: ProgressCallback | None = None,
) -> IngestResult:
    """Write `batch` atomically; see the module docstring for the guarantees.

    Args:
        connection: an open, migrated store.
        batch: the rows to write.
        on_table: called with (table name, rows in batch) after each table is written, inside the
            transaction; for progress display.

    Raises:
        IngestError: the batch is malformed or violates a constraint; nothing was written.
    """
    return ingest_all(connection, [batch], on_table=on_table)[0]


def ingest_all(
    connection: DuckDBPyConnection,
    batches: list[Batch],
    *,
    on_table: ProgressCallback | None = None,
) -> list[IngestResult]:
    """Write several batches (several accounts of one import) in one transaction: all or none.

    Raises:
        IngestError: a batch is malformed or violates a constraint; nothing was written.
    """
    for batch in batches:
        for name in batch.tables:
            check_columns(connection, resolve_table(name), batch.tables[name])
    fingerprints = [fingerprint_batch(batch) for batch in batches]
    started_at = now_utc()
    connection.execute("BEGIN TRANSACTION")
    results: list[IngestResult] = []
    staged: list[Table] = []
    try:
        for batch, fingerprint in zip(batches, fingerprints, strict=True):
            tables = [resolve_table(name) for name in batch.tables]
            staged.extend(tables)
            result = write_batch(connection, batch, tables, fingerprint, started_at, on_table)
            results.append(result)
            for table in tables:
                unregister(connection, table)
        connection.execute("COMMIT" if any(r.changed for r in results) else "ROLLBACK")
        return results
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    finally:
        for table in staged:
            unregister(connection, table)


def write_batch(
    connection: DuckDBPyConnection,
    batch: Batch,
    tables: list[Table],
    fingerprint: str,
    started_at: datetime,
    on_table: ProgressCallback | None,
) -> IngestResult:
    """The body of the ingest transaction."""
    if batch.mode == "replace" and latest_fingerprint(connection, batch.account_id) == fingerprint:
        return IngestResult(None, fingerprint, {})
    run_id = next_run_id(connection)
    counts: dict[str, TableCount] = {}
    for table in tables:
        rows = batch.tables[table.name]
        stage(connection, table, rows)
        check_unique_keys(connection, table)
        if batch.mode == "merge" and table.name in batch.replace:
            counts[table.name] = replace_if_changed(connection, table, batch.account_id, run_id)
        elif batch.mode == "merge":
            keep = table.name in batch.keep_stored
            counts[table.name] = merge_rows(connection, table, batch.account_id, run_id, keep)
        else:
            counts[table.name] = replace_rows(connection, table, batch.account_id, run_id)
        if on_table is not None:
            on_table(table.name, rows.num_rows)
    if not any(count.written or count.deleted for count in counts.values()):
        return IngestResult(None, fingerprint, counts)
    refresh_rollups(connection, batch, counts)
    if "comments" in counts and counts["comments"].written:
        score_comments(connection, account_id=batch.account_id, run_id=run_id)
    record_run(connection, batch, run_id, fingerprint, started_at, counts)
    return IngestResult(run_id, fingerprint, counts)


def refresh_rollups(
    connection: DuckDBPyConnection, batch: Batch, counts: Mapping[str, TableCount]
) -> None:
    """Update the rollups of the snapshots the batch changed, inside its transaction.

    A merge rebuilds them from the first day its snapshots can change; a batch that replaced the
    account's snapshots rebuilds every day of the account.
    """
    count = counts.get("post_snapshots")
    if count is None or not (count.written or count.deleted):
        return
    table = TABLES_BY_NAME["post_snapshots"]
    replaced = batch.mode == "replace" or table.name in batch.replace
    since = None if replaced else first_affected_day(connection, staging_name(table))
    refresh_post_daily(connection, batch.account_id, since=since)


def resolve_table(name: str) -> Table:
    """The table declaration for `name`, or an error naming the known tables."""
    if name not in TABLES_BY_NAME:
        known = ", ".join(sorted(TABLES_BY_NAME))
        raise IngestError(f"unknown table {name!r} in batch; known tables: {known}")
    return TABLES_BY_NAME[name]


def store_columns(connection: DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name -> SQL type of a store table, in order, less the columns ingest fills."""
    rows = connection.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE table_name = ? AND schema_name = 'main' ORDER BY column_index",
        [table],
    ).fetchall()
    derived = DERIVED.get(table, ())
    return {
        name: kind for name, kind in rows if name not in FILLED_BY_INGEST and name not in derived
    }


def check_columns(connection: DuckDBPyConnection, table: Table, rows: pa.Table) -> None:
    """Reject a batch table whose columns the store does not have, or that lacks a key column."""
    known = store_columns(connection, table.name)
    unknown = [name for name in rows.column_names if name not in known]
    if unknown:
        raise IngestError(f"table {table.name}: unknown column(s) {', '.join(unknown)}")
    missing = [name for name in table.key if name not in rows.column_names]
    if missing:
        raise IngestError(f"table {table.name}: key column(s) missing: {', '.join(missing)}")


def staging_name(table: Table) -> str:
    """The name a batch table is registered under while the batch is written."""
    return f"_batch_{table.name}"


def stage(connection: DuckDBPyConnection, table: Table, rows: pa.Table) -> None:
    """Expose the batch rows to SQL as a view cast to the store's column types."""
    connection.register(f"{staging_name(table)}_arrow", rows)
    types = store_columns(connection, table.name)
    casts = ", ".join(f'CAST("{name}" AS {types[name]}) AS "{name}"' for name in rows.column_names)
    try:
        connection.execute(
            f"CREATE OR REPLACE TEMP VIEW {staging_name(table)} AS "
            f"SELECT {casts} FROM {staging_name(table)}_arrow"
        )
    except duckdb.Error as error:
        raise IngestError(f"table {table.name}: {first_line(error)}") from error


def unregister(connection: DuckDBPyConnection, table: Table) -> None:
    """Drop the staging objects of one table; harmless when they do not exist."""
    connection.execute(f"DROP VIEW IF EXISTS {staging_name(table)}")
    connection.unregister(f"{staging_name(table)}_arrow")


def check_unique_keys(connection: DuckDBPyConnection, table: Table) -> None:
    """Reject a batch in which two rows share a key."""
    if not table.key:
        count = scalar(connection, f"SELECT count(*) FROM {staging_name(table)}")
        if count > 1:
            raise IngestError(f"table {table.name}: {count} rows, but it holds one per account")
        return
    keys = ", ".join(f'"{name}"' for name in table.key)
    duplicates = connection.execute(
        f"SELECT {keys} FROM {staging_name(table)} GROUP BY ALL HAVING count(*) > 1 LIMIT 1"
    ).fetchall()
    if duplicates:
        duplicate = duplicates[0]
        shown = ", ".join(
            f"{name}={value!r}" for name, value in zip(table.key, duplicate, strict=True)
        )
        raise IngestError(f"table {table.name}: more than one row with key {shown}")


def column_list(connection: DuckDBPyConnection, table: Table) -> str:
    """The batch columns of `table`, quoted, comma-separated."""
    names = connection.execute(f"SELECT * FROM {staging_name(table)} LIMIT 0").description or []
    return ", ".join(f'"{column[0]}"' for column in names)


def replace_rows(
    connection: DuckDBPyConnection, table: Table, account_id: AccountId, run_id: int
) -> TableCount:
    """Make the account's rows in `table` exactly the batch rows."""
    deleted = execute_count(
        connection, table, f"DELETE FROM {table.name} WHERE account_id = ?", [account_id]
    )
    columns = column_list(connection, table)
    written = execute_count(
        connection,
        table,
        f"INSERT INTO {table.name} (account_id, {columns}, run_id) "
        f"SELECT ?, {columns}, ? FROM {staging_name(table)}",
        [account_id, run_id],
    )
    return TableCount(inserted=written, updated=0, deleted=deleted)


def replace_if_changed(
    connection: DuckDBPyConnection, table: Table, account_id: AccountId, run_id: int
) -> TableCount:
    """Replace the account's rows by the batch rows, unless they are already exactly those."""
    columns = column_list(connection, table)
    differing = scalar(
        connection,
        f"SELECT count(*) FROM ((SELECT {columns} FROM {staging_name(table)} EXCEPT ALL "
        f"SELECT {columns} FROM {table.name} WHERE account_id = $1) UNION ALL "
        f"(SELECT {columns} FROM {table.name} WHERE account_id = $1 EXCEPT ALL "
        f"SELECT {columns} FROM {staging_name(table)}))",
        [account_id],
    )
    if not differing:
        return TableCount(inserted=0, updated=0, deleted=0)
    return replace_rows(connection, table, account_id, run_id)


def merge_rows(
    connection: DuckDBPyConnection,
    table: Table,
    account_id: AccountId,
    run_id: int,
    keep_stored: bool = False,
) -> TableCount:
    """Insert new keys and update changed rows; leave identical rows untouched.

    Only the columns the batch carries are compared and updated, so a source that knows fewer
    fields (the Display API) does not wipe what a richer one (the Business API) wrote; a NULL
    keeps the stored value, and with `keep_stored` only stored NULLs are filled.
    """
    names = [column[0] for column in connection.execute(
        f"SELECT * FROM {staging_name(table)} LIMIT 0").description or []]  # fmt: skip
    columns = ", ".join(f'"{name}"' for name in names)
    same_key = " AND ".join(["TRUE", *(f'old."{name}" = new."{name}"' for name in table.key)])
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE _incoming AS "
        f"SELECT {merged_values(table, names, keep_stored)} FROM {staging_name(table)} AS new "
        f"LEFT JOIN (SELECT * FROM {table.name} WHERE account_id = $1) AS old ON {same_key} "
        f"EXCEPT SELECT {columns} FROM {table.name} WHERE account_id = $1",
        [account_id],
    )
    match = " AND ".join(
        [f"{table.name}.account_id = ?"]
        + [f'{table.name}."{name}" = _incoming."{name}"' for name in table.key]
    )
    assignments = ", ".join(
        [f'"{name}" = _incoming."{name}"' for name in names if name not in table.key]
        + ["run_id = ?"]
    )
    updated = execute_count(
        connection, table, f"UPDATE {table.name} SET {assignments} FROM _incoming WHERE {match}",
        [run_id, account_id],
    )  # fmt: skip
    existing = f"SELECT 1 FROM {table.name} WHERE {match}"
    written = execute_count(
        connection, table, f"INSERT INTO {table.name} (account_id, {columns}, run_id) "
        f"SELECT ?, {columns}, ? FROM _incoming WHERE NOT EXISTS ({existing})",
        [account_id, run_id, account_id],
    )  # fmt: skip
    connection.execute("DROP TABLE _incoming")
    return TableCount(inserted=written, updated=updated, deleted=0)


def merged_values(table: Table, names: list[str], keep_stored: bool) -> str:
    """The select list of a merge: keys from the batch, other columns merged with the store."""
    first, second = ("old", "new") if keep_stored else ("new", "old")
    return ", ".join(
        f'new."{name}"' if name in table.key
        else f'coalesce({first}."{name}", {second}."{name}") AS "{name}"'
        for name in names
    )  # fmt: skip


def execute_count(
    connection: DuckDBPyConnection, table: Table, sql: str, parameters: list[Any]
) -> int:
    """Run a DELETE or INSERT and return how many rows it touched."""
    try:
        count = fetch_value(connection, sql, parameters)
    except duckdb.Error as error:
        raise IngestError(f"table {table.name}: {first_line(error)}") from error
    return int(count or 0)


def scalar(connection: DuckDBPyConnection, sql: str, parameters: list[Any] | None = None) -> int:
    """The single integer a query returns."""
    return int(fetch_value(connection, sql, parameters) or 0)


def latest_fingerprint(connection: DuckDBPyConnection, account_id: AccountId) -> str | None:
    """The fingerprint of the last run that wrote to the account, if any."""
    value = fetch_value(
        connection,
        "SELECT fingerprint FROM runs WHERE account_id = ? ORDER BY run_id DESC LIMIT 1",
        [account_id],
    )
    return None if value is None else str(value)


def next_run_id(connection: DuckDBPyConnection) -> int:
    """One more than the highest run id; no sequence, so a rolled-back batch leaves no trace."""
    return scalar(connection, "SELECT coalesce(max(run_id), 0) + 1 FROM runs")


def fingerprint_batch(batch: Batch) -> str:
    """A content hash of the batch: mode, account, and every table's rows in Arrow IPC form."""
    digest = hashlib.sha256(f"{batch.mode}\x1f{batch.account_id}".encode())
    if batch.replace:
        digest.update(f"\x1freplace:{','.join(sorted(batch.replace))}".encode())
    if batch.keep_stored:
        digest.update(f"\x1fkeep:{','.join(sorted(batch.keep_stored))}".encode())
    for name in sorted(batch.tables):
        rows = batch.tables[name].combine_chunks()
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, rows.schema) as writer:
            writer.write_table(rows)
        digest.update(name.encode())
        digest.update(memoryview(sink.getvalue()))
    return digest.hexdigest()


def record_run(
    connection: DuckDBPyConnection,
    batch: Batch,
    run_id: int,
    fingerprint: str,
    started_at: datetime,
    counts: Mapping[str, TableCount],
) -> None:
    """Add the run's row to `runs`, inside the batch's transaction."""
    row_counts = {
        name: {"inserted": c.inserted, "updated": c.updated, "deleted": c.deleted}
        for name, c in counts.items()
    }
    connection.execute(
        "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, batch.kind, batch.source, batch.account_id, started_at, now_utc(), fingerprint,
         json.dumps(dict(batch.parameters), sort_keys=True), json.dumps(row_counts, sort_keys=True),
         sum(c.written for c in counts.values()), sum(c.deleted for c in counts.values())],
    )  # fmt: skip


def now_utc() -> datetime:
    """The current time as a naive UTC timestamp, the store's convention."""
    return datetime.now(UTC).replace(tzinfo=None)
