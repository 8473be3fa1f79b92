"""`tikscope export parquet`: the store's tables as Parquet files for other engines (Spark).

Layout under the output folder, Hive-style so that Spark and DuckDB find the partitions:

    manifest.json
    <table>/account_id=<id>/[month=<YYYY-MM>/]part-<fingerprint>.parquet

The partition columns live in the paths, not in the files. `manifest.json` names every file that
belongs to the export, with the store's schema version and each table's columns and types: a
reader takes the files the manifest lists (with those types), never a directory listing.

An export is incremental: each partition's rows are fingerprinted (row count and the sum of the
rows' hashes), and only partitions whose fingerprint changed since the last export are written
again, under a new name. The manifest is replaced in one rename after every new file is in
place, and files it no longer names are removed after that, so a reader of the old manifest
keeps finding its files until the new one is there. All tables are read in one transaction: the
export is one consistent snapshot even while syncs write (under `tikscope serve` the command
runs inside the server, on its connection).

What leaves the store: account analytics (accounts, daily series, posts and their snapshots and
daily rollups, demographics, follower activity, comments without their pseudonymous authors) and
which accounts each workspace holds. Never users, passwords, sessions, API tokens or connection
secrets. The audience graph (member keys, follows, outside accounts) only with `audience=True`,
and then without any member's traits or pseudonymous id.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tikscope.errors import UsageError
from tikscope.store.db import schema_version

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

FORMAT = "tikscope-parquet"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


@dataclass(frozen=True)
class Exported:
    """One table of the export.

    Attributes:
        table: the store table.
        month_of: the timestamp or date column whose month partitions the table (large tables).
        leave_out: columns never exported (pseudonyms of people).
        columns: the only columns exported, when not all of them are.
        audience: exported only when the audience graph is asked for.
        per_account: partitioned by account (a table without `account_id` is one file).
    """

    table: str
    month_of: str | None = None
    leave_out: tuple[str, ...] = ()
    columns: tuple[str, ...] | None = None
    audience: bool = False
    per_account: bool = True


EXPORTED = (
    Exported("accounts"),
    Exported("account_daily"),
    Exported("audience_snapshots"),
    Exported("follower_activity"),
    Exported("posts"),
    Exported("post_snapshots", month_of="captured_at"),
    Exported("post_daily", month_of="day"),
    Exported("post_daily_extent"),
    Exported("comments", month_of="create_time", leave_out=("author_id",)),
    Exported("workspaces", columns=("workspace_id", "slug", "name"), per_account=False),
    Exported("workspace_accounts"),
    Exported("audience_members", columns=("account_id", "member_key", "followed_at"),
             audience=True),
    Exported("outside_accounts", audience=True),
    Exported("follows", audience=True),
)  # fmt: skip
"""Every table an export may hold, in the manifest's order."""


@dataclass(frozen=True)
class Partition:
    """One partition file of a table: its path under the output folder, rows and fingerprint."""

    file: str
    rows: int
    fingerprint: str


@dataclass
class TableExport:
    """What one export did to one table."""

    table: str
    partitions: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    rows: int = 0
    rows_written: int = 0


@dataclass(frozen=True)
class ExportResult:
    """What `export_parquet` did, one entry per table, and the manifest it wrote."""

    out: Path
    schema_version: int
    tables: list[TableExport] = field(default_factory=list)

    @property
    def rows_written(self) -> int:
        """Rows in the files written by this export."""
        return sum(table.rows_written for table in self.tables)


def export_parquet(
    connection: DuckDBPyConnection, out: Path, *, audience: bool = False
) -> ExportResult:
    """Write the store's tables under `out` as Parquet, rewriting only what changed.

    Raises:
        UsageError: `out` is a file, or a folder that holds files but no tikscope export.
    """
    previous = read_manifest(out)
    version = schema_version(connection)
    if previous.get("schema_version") != version:
        previous = {}  # another schema: every partition is written again
    result = ExportResult(out, version)
    manifest: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": version,
        "exported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "audience": audience, "tables": {},
    }  # fmt: skip
    connection.execute("BEGIN TRANSACTION")  # one snapshot of every table
    try:
        for spec in EXPORTED:
            if spec.audience and not audience:
                continue
            old = {
                key: Partition(**value)
                for key, value in previous.get("tables", {}).get(spec.table, {})
                .get("partitions", {}).items()
            }  # fmt: skip
            table, entry = export_table(connection, spec, out, old)
            result.tables.append(table)
            manifest["tables"][spec.table] = entry
    finally:
        connection.execute("ROLLBACK")  # the export only reads
    write_manifest(out, manifest)
    remove_unlisted(out, manifest)
    return result


def export_table(
    connection: DuckDBPyConnection, spec: Exported, out: Path, old: dict[str, Partition]
) -> tuple[TableExport, dict[str, Any]]:
    """Write the partitions of one table that changed; return what was done and its manifest."""
    columns = table_columns(connection, spec)
    month = f"strftime({spec.month_of}, '%Y-%m')" if spec.month_of else "NULL"
    selected = ", ".join(quote(name) for name, _ in columns)
    partitions: dict[str, Partition] = {}
    done = TableExport(spec.table)
    account = "account_id" if spec.per_account else "NULL"
    fingerprints = connection.execute(
        f"SELECT {account} AS account_id, {month} AS month, count(*), "
        f"sum(hash(t)::HUGEINT)::VARCHAR FROM (SELECT {account} AS account_id, {selected} "
        f"FROM {spec.table}) AS t GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    for account_id, month_value, rows, digest in fingerprints:
        if not rows:  # a table without a grouping column gives one row even when empty
            continue
        key = partition_key(account_id, month_value, monthly=spec.month_of is not None)
        if not spec.per_account:
            key = "all"
        fingerprint = f"{int(rows):x}-{int(digest) % 2**64:016x}"
        known = old.get(key)
        done.partitions += 1
        done.rows += int(rows)
        if known and known.fingerprint == fingerprint and (out / known.file).is_file():
            partitions[key] = known
            done.unchanged += 1
            continue
        file = f"{spec.table}/{key}/part-{fingerprint}.parquet"
        write_partition(connection, out / file, spec, selected, account_id, month_value)
        partitions[key] = Partition(file, int(rows), fingerprint)
        done.written += 1
        done.rows_written += int(rows)
    done.removed = len(set(old) - set(partitions))
    entry = {
        "columns": [{"name": name, "type": kind} for name, kind in columns],
        "partitioned_by": [
            *(["account_id"] if spec.per_account else []),
            *(["month"] if spec.month_of else []),
        ],
        "month_of": spec.month_of,
        "partitions": {key: vars(value) for key, value in partitions.items()},
    }
    return done, entry


def table_columns(connection: DuckDBPyConnection, spec: Exported) -> list[tuple[str, str]]:
    """The exported columns of a table and their DuckDB types, in table order (no account_id)."""
    rows = connection.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position",
        [spec.table],
    ).fetchall()
    return [
        (str(name), str(kind))
        for name, kind in rows
        if name != "account_id"
        and name not in spec.leave_out
        and (spec.columns is None or name in spec.columns)
    ]


def write_partition(
    connection: DuckDBPyConnection, path: Path, spec: Exported, selected: str, account_id: str,
    month: str | None,
) -> None:  # fmt: skip
    """Write one partition's rows to `path` (through a temporary name, then one rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    where = "account_id = $account" if spec.per_account else "true"
    parameters: dict[str, Any] = {"account": account_id} if spec.per_account else {}
    if spec.month_of:
        where += f" AND strftime({spec.month_of}, '%Y-%m') IS NOT DISTINCT FROM $month"
        parameters["month"] = month
    target = str(temporary).replace("'", "''")
    connection.execute(
        f"COPY (SELECT {selected} FROM {spec.table} WHERE {where}) "
        f"TO '{target}' (FORMAT PARQUET, COMPRESSION ZSTD)",
        parameters,
    )
    os.replace(temporary, path)


def partition_key(account_id: str, month: str | None, *, monthly: bool) -> str:
    """`account_id=<id>` and, for tables partitioned by month, `/month=<YYYY-MM>`."""
    key = f"account_id={account_id}"
    return f"{key}/month={month or NULL_PARTITION}" if monthly else key


def quote(name: str) -> str:
    """A column name as a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def read_manifest(out: Path) -> dict[str, Any]:
    """The last export's manifest in `out`; empty when `out` is missing or empty.

    Raises:
        UsageError: `out` is a file, or holds files but no readable tikscope manifest.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; give a folder for the export")
    manifest = out / MANIFEST
    if not manifest.is_file():
        if out.is_dir() and any(out.iterdir()):
            raise UsageError(
                f"--out {out}: the folder holds files but no tikscope export ({MANIFEST}); "
                "give an empty or new folder"
            )
        return {}
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"{manifest}: not a readable tikscope manifest ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"{manifest}: not a tikscope export manifest")
    return data if data.get("format_version") == FORMAT_VERSION else {}


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    """Replace `out/manifest.json` in one rename."""
    out.mkdir(parents=True, exist_ok=True)
    temporary = out / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(temporary, out / MANIFEST)


def remove_unlisted(out: Path, manifest: dict[str, Any]) -> None:
    """Delete the part files and folders of known tables that the manifest no longer names."""
    listed = {
        out / partition["file"]
        for table in manifest["tables"].values()
        for partition in table["partitions"].values()
    }
    for spec in EXPORTED:
        folder = out / spec.table
        if not folder.is_dir():
            continue
        if spec.table not in manifest["tables"]:
            shutil.rmtree(folder)
            continue
        for path in part_files(folder):
            if path not in listed:
                path.unlink()
        for directory in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()


def part_files(folder: Path) -> Iterator[Path]:
    """The part files (and leftover temporary files) below a table's folder."""
    for path in folder.rglob("*"):
        if path.is_file() and (path.name.startswith("part-") or path.name.endswith(".tmp")):
            yield path
