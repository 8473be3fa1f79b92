"""Opening a store: one DuckDB file, migrated to the latest schema on open."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias

import duckdb

from tikscope.errors import (
    SchemaVersionError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreNotFoundError,
)
from tikscope.store.comment_scores import fill_comment_scores
from tikscope.store.migrations import (
    COMMENT_SCORES_VERSION,
    LATEST_VERSION,
    MIGRATIONS,
    Migration,
)

DuckDBPyConnection: TypeAlias = duckdb.DuckDBPyConnection
"""An open store: a DuckDB connection, or a cursor of one. Only store, metrics and audience import
duckdb (ruff banned-api); the other layers annotate with this name from here."""

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS _migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
)
"""


@contextmanager
def open_store(
    path: Path, *, create: bool = False, migrations: tuple[Migration, ...] = MIGRATIONS
) -> Iterator[DuckDBPyConnection]:
    """Open the store at `path`, apply pending migrations, and close it afterwards.

    Comments not yet scored by the current sentiment model are scored on the way in (all of them
    once after the upgrade to schema 10, and again after a new model ships).

    Args:
        path: the DuckDB file.
        create: make a new store when the file does not exist; otherwise that is an error.
        migrations: the schema steps to apply; tests pass a prefix to build older stores.

    Raises:
        StoreNotFoundError: no file and `create` is false.
        StoreCorruptError, StoreLockedError: the file cannot be opened.
        SchemaVersionError: the file is not a tikscope store or is newer than this tikscope.
    """
    shared = shared_connection(path)
    if shared is not None:
        # NOTE: the server has the file open (and migrated); a cursor is this caller's own
        # connection to it, and closing the cursor leaves the server's connection open.
        cursor = shared.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
        return
    connection = connect(path, create=create)
    try:
        migrate(connection, migrations, path=path)
        if any(migration.version == COMMENT_SCORES_VERSION for migration in migrations):
            fill_comment_scores(connection)
        yield connection
    finally:
        connection.close()


SHARED_CONNECTIONS: dict[Path, DuckDBPyConnection] = {}
SHARED_LOCK = threading.Lock()


@contextmanager
def share_connection(path: Path, connection: DuckDBPyConnection) -> Iterator[None]:
    """While inside, `open_store(path)` in this process yields a cursor of `connection`.

    A running server holds DuckDB's lock on its file; commands it runs for other processes
    reach the same file through its connection instead of opening the file again.
    """
    key = path.resolve()
    with SHARED_LOCK:
        SHARED_CONNECTIONS[key] = connection
    try:
        yield
    finally:
        with SHARED_LOCK:
            if SHARED_CONNECTIONS.get(key) is connection:
                del SHARED_CONNECTIONS[key]


def shared_connection(path: Path) -> DuckDBPyConnection | None:
    """The connection this process shares for the store at `path`, or None."""
    with SHARED_LOCK:
        return SHARED_CONNECTIONS.get(path.resolve())


def connect(path: Path, *, create: bool) -> DuckDBPyConnection:
    """A DuckDB connection to `path`, with DuckDB's errors turned into one-line store errors."""
    if not path.exists():
        if not create:
            raise StoreNotFoundError(
                f"no store at {path}: run `tikscope demo` or `tikscope simulate --db {path}` first"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    elif path.is_dir():
        raise StoreError(f"{path} is a directory, not a store file")
    try:
        return duckdb.connect(str(path))
    except duckdb.IOException as error:
        raise describe_open_error(path, error) from error
    except duckdb.Error as error:
        raise StoreCorruptError(f"cannot open store {path}: {first_line(error)}") from error


def describe_open_error(path: Path, error: duckdb.Error) -> StoreError:
    """Map DuckDB's open errors to messages that say what to do."""
    text = str(error)
    if "lock" in text.lower():
        holder = re.search(r"\(PID (\d+)\)", text)
        who = f"process {holder.group(1)}" if holder else "another process"
        return StoreLockedError(
            f"store {path} is in use by {who}; wait for it to finish or stop it, then try again"
        )
    if "not a valid DuckDB database" in text:
        return StoreCorruptError(
            f"{path} is not a tikscope store: it is not a DuckDB database file "
            "(damaged or another format)"
        )
    return StoreCorruptError(f"cannot open store {path}: {first_line(error)}")


def first_line(error: BaseException) -> str:
    """The first line of an exception's message."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def fetch_value(
    connection: DuckDBPyConnection, sql: str, parameters: list[Any] | dict[str, Any] | None = None
) -> Any:
    """The first column of the first row a query returns, or None when it returns no row.

    # NOTE: DuckDB 2 refuses new work while a result is half-read, so results are always fetched
    # whole.
    """
    rows = connection.execute(sql, parameters or []).fetchall()
    return rows[0][0] if rows else None


def schema_version(connection: DuckDBPyConnection) -> int:
    """The highest migration applied to the store, 0 for an empty file."""
    tables = {
        row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    }
    if "_migrations" not in tables:
        if tables:
            raise SchemaVersionError(
                "this DuckDB file is not a tikscope store (it has tables but no _migrations table)"
            )
        return 0
    return int(fetch_value(connection, "SELECT coalesce(max(version), 0) FROM _migrations") or 0)


def recorded_versions(connection: DuckDBPyConnection) -> set[int]:
    """The migration versions a store has applied."""
    return {int(row[0]) for row in connection.execute("SELECT version FROM _migrations").fetchall()}


def migrate(
    connection: DuckDBPyConnection, migrations: tuple[Migration, ...], *, path: Path
) -> list[int]:
    """Apply every migration the store has not recorded, in order, each in its own transaction.

    Versions are not contiguous (a number may be left to another branch), so a migration that
    lands with a lower number than the store's highest is still applied.

    Returns:
        The versions applied now (empty when the store was up to date).
    """
    try:
        current = schema_version(connection)
    except duckdb.Error as error:
        raise StoreCorruptError(f"cannot read store {path}: {first_line(error)}") from error
    if current > LATEST_VERSION:
        raise SchemaVersionError(
            f"store {path} has schema version {current}, newer than this tikscope "
            f"(knows up to {LATEST_VERSION}); upgrade tikscope"
        )
    recorded = recorded_versions(connection) if current else set()
    applied = []
    for migration in migrations:
        if migration.version in recorded:
            continue
        try:
            apply_migration(connection, migration)
        except duckdb.Error as error:
            raise StoreError(
                f"cannot upgrade store {path} to schema {migration.version} "
                f"({migration.name}): {first_line(error).removeprefix('Invalid Input Error: ')}"
            ) from error
        applied.append(migration.version)
    return applied


def apply_migration(connection: DuckDBPyConnection, migration: Migration) -> None:
    """Run one migration and record it, atomically."""
    connection.execute("BEGIN TRANSACTION")
    try:
        connection.execute(MIGRATIONS_TABLE)
        connection.execute(migration.sql)
        connection.execute(
            "INSERT INTO _migrations VALUES (?, ?, ?)",
            [migration.version, migration.name, datetime.now(UTC).replace(tzinfo=None)],
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
