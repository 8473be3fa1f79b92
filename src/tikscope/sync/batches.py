"""Turn what a source read (`sources.records.Extract`) into one ingest batch, and write it.

An extract's rows are merged by key, except the tables it names in `replace`. The `accounts` row
is completed for a new account (type, time zone, source) and, for a known account, carries only
what the source says. In tables a richer source already wrote, a poorer one only fills empty
cells (`precedence`), so a Studio import never turns a post's exact time into midnight.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tikscope.ids import AccountId, make_account_id, parse_handle
from tikscope.sources.records import Extract, Row
from tikscope.store.db import fetch_value
from tikscope.store.ingest import Batch, IngestResult, Kind, ingest
from tikscope.store.tables import TABLES_BY_NAME
from tikscope.sync.precedence import outranked_tables

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

DEFAULT_TIME_ZONE = "UTC"


def account_id_of(connection: DuckDBPyConnection, handle: str) -> AccountId:
    """The id of the store's account with this handle, else the id a new account gets.

    One handle is one account (a unique index keeps it so): files and syncs for a handle that
    another source added (the simulator, another API) join that account.
    """
    clean = parse_handle(handle)
    found = fetch_value(connection, "SELECT account_id FROM accounts WHERE handle = ?", [clean])
    return AccountId(str(found)) if found is not None else make_account_id("tiktok", clean)


def write_extract(
    connection: DuckDBPyConnection,
    extract: Extract,
    *,
    kind: Kind,
    source: str,
    state: Mapping[str, Any] | None = None,
    parameters: Mapping[str, Any] | None = None,
    time_zone: str | None = None,
) -> IngestResult:
    """Write an extract (and the sync state that goes with it) in one transaction."""
    batch = extract_batch(
        connection,
        extract,
        kind=kind,
        source=source,
        state=state,
        parameters=parameters,
        time_zone=time_zone,
    )
    return ingest(connection, batch)


def extract_batch(
    connection: DuckDBPyConnection,
    extract: Extract,
    *,
    kind: Kind,
    source: str,
    state: Mapping[str, Any] | None = None,
    parameters: Mapping[str, Any] | None = None,
    time_zone: str | None = None,
) -> Batch:
    """The ingest batch of an extract (and the sync state that goes with it).

    Args:
        connection: an open store.
        extract: rows for one account.
        kind: `import` or `sync`, as recorded in `runs`.
        source: what wrote it, as recorded in `runs` (a file path, an API and host).
        state: `sync_state` rows to write with the data: name -> JSON-able value.
        parameters: recorded with the run.
        time_zone: the account's IANA time zone, for a new account (default UTC).
    """
    account_id = account_id_of(connection, extract.account.handle)
    tables = keep_member_keys(connection, account_id, dict(extract.tables))
    tables["accounts"] = [account_row(connection, account_id, extract, time_zone)]
    if state:
        tables["sync_state"] = [
            {"name": name, "value": json.dumps(value, sort_keys=True)}
            for name, value in sorted(state.items())
        ]
    written = {
        name: arrow_table(name, rows)
        for name, rows in tables.items()
        if rows or name in extract.replace
    }
    merged = [name for name in written if name not in extract.replace]
    return Batch(
        account_id=account_id,
        kind=kind,
        source=source,
        tables=written,
        mode="merge",
        parameters=dict(parameters or {}),
        replace=frozenset(extract.replace),
        keep_stored=outranked_tables(connection, account_id, extract.account.source, merged),
    )


def account_row(
    connection: DuckDBPyConnection, account_id: AccountId, extract: Extract, time_zone: str | None
) -> Row:
    """The `accounts` row: complete for a new account, only what the source knows otherwise."""
    facts = extract.account
    row: Row = {"handle": parse_handle(facts.handle), **facts.columns}
    if facts.account_type is not None:
        row["account_type"] = facts.account_type
    known = fetch_value(
        connection, "SELECT count(*) FROM accounts WHERE account_id = ?", [account_id]
    )
    if not known:
        row.setdefault("account_type", "personal")
        row["time_zone"] = time_zone or DEFAULT_TIME_ZONE
        row["source"] = facts.source
    elif time_zone is not None:
        row["time_zone"] = time_zone
    return row


def arrow_table(name: str, rows: list[Row]) -> pa.Table:
    """Rows as an Arrow table; an empty list still carries the table's key columns.

    Built column by column: a list per column costs a pointer per cell, where a dict per row (as
    `pa.Table.from_pylist` wants) would double an import's memory for a moment.
    """
    if rows:
        columns = sorted({column for row in rows for column in row})
        return pa.table({column: [row.get(column) for row in rows] for column in columns})
    key = TABLES_BY_NAME[name].key if name in TABLES_BY_NAME else ()
    return pa.table({column: pa.array([], type=pa.null()) for column in key})


def keep_member_keys(
    connection: DuckDBPyConnection, account_id: AccountId, tables: dict[str, list[Row]]
) -> dict[str, list[Row]]:
    """Give members already in the store their stored key, and new members keys after them.

    Sources number members from 0; without this an import that replaces the member list would
    shift keys under the follows and saved clusterings that point at them.
    """
    members = tables.get("audience_members")
    if not members:
        return tables
    stored = dict(
        connection.execute(
            "SELECT member_id, member_key FROM audience_members WHERE account_id = ?",
            [account_id],
        ).fetchall()
    )
    following = max(stored.values(), default=-1) + 1
    renamed: dict[int, int] = {}
    for row in members:
        key = stored.get(row["member_id"])
        if key is None:
            key, following = following, following + 1
        renamed[row["member_key"]] = key
    if all(old == new for old, new in renamed.items()):
        return tables  # a first import: every member keeps the key the source gave
    result = dict(tables)
    result["audience_members"] = [
        {**row, "member_key": renamed[row["member_key"]]} for row in members
    ]
    if "follows" in tables:
        result["follows"] = [renamed_follow(row, renamed) for row in tables["follows"]]
    return result


def renamed_follow(row: Row, renamed: dict[int, int]) -> Row:
    """A follow with its member keys renamed."""
    changed = {**row, "follower_key": renamed.get(row["follower_key"], row["follower_key"])}
    if row["followee_type"] == "member":
        changed["followee_key"] = renamed.get(row["followee_key"], row["followee_key"])
    return changed
