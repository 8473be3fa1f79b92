"""What is in a store: tables and row counts, accounts, runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tikscope.sources.families import FAMILIES
from tikscope.store.db import fetch_value, schema_version
from tikscope.store.tables import TABLES

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

Row = dict[str, Any]


def table_counts(connection: DuckDBPyConnection) -> list[Row]:
    """Each data table with its number of rows, in schema order."""
    return [{"table": table.name, "rows": count_rows(connection, table.name)} for table in TABLES]


def count_rows(connection: DuckDBPyConnection, table: str) -> int:
    """Rows in one table."""
    return int(fetch_value(connection, f"SELECT count(*) FROM {table}") or 0)


def store_overview(connection: DuckDBPyConnection, path: Path) -> Row:
    """The headline facts of a store."""
    size = path.stat().st_size + (wal.stat().st_size if (wal := wal_path(path)).exists() else 0)
    return {
        "path": str(path.resolve()),
        "size_bytes": size,
        "schema_version": schema_version(connection),
        "accounts": count_rows(connection, "accounts"),
        "runs": count_rows(connection, "runs"),
    }


def wal_path(path: Path) -> Path:
    """DuckDB's write-ahead log beside the store file."""
    return path.with_name(path.name + ".wal")


SOURCE_LABELS = {
    "simulator": "simulator",
    "studio_export": "Studio import",
    "data_archive": "archive",
    "audience_files": "audience files",
    **{family.source: family.label for family in FAMILIES},
}


def list_accounts(connection: DuckDBPyConnection) -> list[Row]:
    """Every account with where its data came from and how much history the store holds.

    `sources` are the sources of the runs that wrote the account's data, in the order of their
    first run (the account's own `source`, where it was added from, when no run names it).
    """
    rows = connection.execute(
        """
        SELECT a.handle, a.account_type, a.time_zone,
               coalesce((SELECT list(source ORDER BY first_run) FROM (
                   SELECT r.source, min(r.run_id) AS first_run FROM runs r
                   WHERE r.account_id = a.account_id GROUP BY r.source)), [a.source]) AS sources,
               (SELECT count(*) FROM posts p WHERE p.account_id = a.account_id) AS posts,
               (SELECT count(*) FROM audience_members m WHERE m.account_id = a.account_id)
                   AS audience_members,
               (SELECT min(date) FROM account_daily d WHERE d.account_id = a.account_id)
                   AS first_day,
               (SELECT max(date) FROM account_daily d WHERE d.account_id = a.account_id)
                   AS last_day,
               (SELECT arg_max(followers_count, date) FROM account_daily d
                 WHERE d.account_id = a.account_id) AS followers,
               (SELECT count(*) FROM account_daily d WHERE d.account_id = a.account_id) AS days,
               (SELECT count(*) FROM follows f WHERE f.account_id = a.account_id) AS follows,
               (SELECT count(*) FROM comments c WHERE c.account_id = a.account_id) AS comments,
               a.account_id
        FROM accounts a ORDER BY a.handle
        """
    )
    return fetch_rows(rows)


def source_label(source: str) -> str:
    """A source's name in words ("Studio import", "Business API"); unknown names as they are."""
    return SOURCE_LABELS.get(source, source)


def list_runs(connection: DuckDBPyConnection, *, limit: int = 50) -> list[Row]:
    """The latest runs, newest first."""
    rows = connection.execute(
        """
        SELECT r.run_id, r.kind, r.source, a.handle, r.started_at, r.finished_at,
               r.rows_written, r.rows_deleted, r.row_counts
        FROM runs r LEFT JOIN accounts a USING (account_id)
        ORDER BY r.run_id DESC LIMIT ?
        """,
        [limit],
    )
    result = fetch_rows(rows)
    for row in result:
        row["row_counts"] = json.loads(row["row_counts"])
    return result


def fetch_rows(relation: DuckDBPyConnection) -> list[Row]:
    """A query's rows as dicts keyed by column name."""
    names = [column[0] for column in relation.description or []]
    return [dict(zip(names, values, strict=True)) for values in relation.fetchall()]
