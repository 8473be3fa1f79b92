from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from factories import dump
from tikscope.errors import SchemaVersionError
from tikscope.store.db import migrate, open_store, schema_version
from tikscope.store.migrations import LATEST_VERSION, MIGRATIONS
from tikscope.store.tables import TABLES

# A row every table that exists at some version can hold, to check upgrades keep data.
SAMPLE_ROWS = {
    "accounts": "('a', 'casa', NULL, 'business', NULL, NULL, 'UTC', 'simulator', NULL, NULL, "
    "NULL, NULL, NULL, 1)",
    "posts": "('a', '7498123456789012345', 'video', TIMESTAMP '2026-05-01 09:00:00', 'hi', "
    "['plants'], NULL, 12.5, false, false, false, NULL, 1)",
    "audience_members": "('a', 0, 'p_1', 'plant mom', '25-34', 'female', 'ES', 'Madrid', 'es', "
    "['plants'], NULL, 1)",
    "follows": "('a', 0, 1, 'member', 1)",
}


def test_fresh_store_has_latest_schema_and_every_table(store_path: Path) -> None:
    with open_store(store_path, create=True) as connection:
        assert schema_version(connection) == LATEST_VERSION
        versions = connection.execute("SELECT version, name FROM _migrations ORDER BY 1").fetchall()
        tables = {
            row[0]
            for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
    assert versions == [(m.version, m.name) for m in MIGRATIONS]
    derived = {"audience_results", "audience_result_clusters", "audience_result_members"}
    derived |= {"connections", "sync_log"}
    access = {"users", "workspaces", "workspace_members", "workspace_accounts", "api_tokens"}
    derived |= access | {"web_sessions", "post_daily", "post_daily_extent", "post_intraday"}
    derived |= {"workspace_branding", "report_schedules", "report_deliveries", "mail_settings"}
    assert tables == {table.name for table in TABLES} | {"runs", "_migrations"} | derived


def test_opening_twice_applies_nothing_twice(store_path: Path) -> None:
    with open_store(store_path, create=True):
        pass
    with open_store(store_path) as connection:
        before = dump(connection)
        assert migrate(connection, MIGRATIONS, path=store_path) == []
        assert dump(connection) == before
        count = connection.execute("SELECT count(*) FROM _migrations").fetchall()[0][0]
    assert count == len(MIGRATIONS)


@pytest.mark.parametrize("steps", range(len(MIGRATIONS)))
def test_upgrade_from_every_earlier_version_keeps_data(store_path: Path, steps: int) -> None:
    version = MIGRATIONS[steps - 1].version if steps else 0
    with open_store(store_path, create=True, migrations=MIGRATIONS[:steps]) as connection:
        assert schema_version(connection) == version
        existing = {
            r[0] for r in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        for table, row in SAMPLE_ROWS.items():
            if table in existing:
                connection.execute(f"INSERT INTO {table} VALUES {row}")
        before = {table: dump(connection)[table] for table in existing if table != "_migrations"}
    with open_store(store_path) as connection:
        assert schema_version(connection) == LATEST_VERSION
        after = dump(connection)
        for table, row in SAMPLE_ROWS.items():  # tables added by the upgrade take rows too
            if table not in existing:
                connection.execute(f"INSERT INTO {table} VALUES {row}")
    for table, rows in before.items():
        assert after[table] == rows
    if version == 0:
        assert before == {}


def test_store_from_newer_tikscope_is_refused(store_path: Path) -> None:
    with open_store(store_path, create=True) as connection:
        connection.execute(
            "INSERT INTO _migrations VALUES (?, 'from the future', ?)",
            [LATEST_VERSION + 1, datetime(2030, 1, 1)],
        )
    with (
        pytest.raises(SchemaVersionError, match="newer than this tikscope"),
        open_store(store_path),
    ):
        pass


def test_other_duckdb_file_is_not_taken_for_a_store(store_path: Path) -> None:
    connection = duckdb.connect(str(store_path))
    connection.execute("CREATE TABLE something (x INTEGER)")
    connection.close()
    with pytest.raises(SchemaVersionError, match="not a tikscope store"), open_store(store_path):
        pass
