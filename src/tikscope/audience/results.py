"""Saved clusterings: written by `audience report`, edited by `audience merge` and `rename`.

A result lives in the store (`audience_results`, `audience_result_clusters`,
`audience_result_members`): the membership never leaves it; outputs carry aggregates only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from tikscope.audience.model import Clustering
from tikscope.errors import ConflictError, UsageError
from tikscope.store.db import fetch_value

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


@dataclass(frozen=True)
class SavedResult:
    """A saved clustering: member keys with their clusters, cluster names, and metadata."""

    result_id: int
    member_keys: np.ndarray
    labels: np.ndarray
    names: dict[int, str]
    mode: str
    reason: str
    algorithm: str
    seed: int
    modularity: float | None
    parameters: dict[str, Any]


def save_result(
    connection: DuckDBPyConnection,
    account_id: str,
    member_keys: np.ndarray,
    clustering: Clustering,
    names: dict[int, str],
    parameters: dict[str, Any],
) -> int:
    """Store a clustering in one transaction; returns its result id."""
    connection.execute("BEGIN TRANSACTION")
    try:
        result_id = int(
            fetch_value(connection, "SELECT coalesce(max(result_id), 0) + 1 FROM audience_results")
        )
        connection.execute(
            "INSERT INTO audience_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [result_id, account_id, datetime.now(UTC).replace(tzinfo=None), clustering.mode,
             clustering.reason, clustering.algorithm, clustering.seed, clustering.modularity,
             json.dumps(parameters, sort_keys=True)],
        )  # fmt: skip
        write_clusters(connection, result_id, names)
        members = pa.table(
            {
                "member_key": pa.array(member_keys, pa.int32()),
                "cluster": pa.array(clustering.labels, pa.int16()),
            }
        )
        connection.register("_result_members", members)
        connection.execute(
            "INSERT INTO audience_result_members "
            "SELECT ?, member_key, cluster FROM _result_members",
            [result_id],
        )
        connection.unregister("_result_members")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return result_id


def write_clusters(connection: DuckDBPyConnection, result_id: int, names: dict[int, str]) -> None:
    """Replace a result's cluster names."""
    connection.execute("DELETE FROM audience_result_clusters WHERE result_id = ?", [result_id])
    for cluster, name in sorted(names.items()):
        connection.execute(
            "INSERT INTO audience_result_clusters VALUES (?, ?, ?)", [result_id, cluster, name]
        )


def newest_result_id(connection: DuckDBPyConnection, account_id: str) -> int | None:
    """The newest saved result of the account, or None when it has none yet."""
    value = fetch_value(
        connection, "SELECT max(result_id) FROM audience_results WHERE account_id = ?", [account_id]
    )
    return None if value is None else int(value)


def latest_result_id(connection: DuckDBPyConnection, account_id: str) -> int:
    """The newest saved result of the account, or a clear error when there is none."""
    value = newest_result_id(connection, account_id)
    if value is None:
        raise ConflictError(
            "no saved audience result for this account: run `tikscope audience report` first"
        )
    return value


def load_result(
    connection: DuckDBPyConnection, account_id: str, result_id: int | None = None
) -> SavedResult:
    """A saved result (the newest when `result_id` is None)."""
    chosen = latest_result_id(connection, account_id) if result_id is None else result_id
    meta = connection.execute(
        "SELECT mode, reason, algorithm, seed, modularity, parameters FROM audience_results "
        "WHERE result_id = ? AND account_id = ?",
        [chosen, account_id],
    ).fetchall()
    if not meta:
        raise UsageError(f"no audience result {chosen} for this account")
    members = connection.execute(
        "SELECT member_key, cluster FROM audience_result_members WHERE result_id = ? "
        "ORDER BY member_key",
        [chosen],
    ).fetchnumpy()
    names = cluster_names(connection, chosen)
    mode, reason, algorithm, seed, modularity, parameters = meta[0]
    return SavedResult(
        chosen, members["member_key"].astype(np.int32), members["cluster"].astype(np.int32),
        names, mode, reason, algorithm, int(seed),
        modularity, json.loads(parameters),
    )  # fmt: skip


def cluster_names(connection: DuckDBPyConnection, result_id: int) -> dict[int, str]:
    """Cluster number -> name of a saved result."""
    rows = connection.execute(
        "SELECT cluster, name FROM audience_result_clusters WHERE result_id = ?", [result_id]
    ).fetchall()
    return {int(cluster): str(name) for cluster, name in rows}


def merge_clusters(
    connection: DuckDBPyConnection, account_id: str, clusters: list[int]
) -> tuple[int, int]:
    """Merge clusters of the newest result into the first one listed; returns (result, kept)."""
    result_id = latest_result_id(connection, account_id)
    known = set(cluster_names(connection, result_id))
    unknown = [cluster for cluster in clusters if cluster not in known]
    if len(set(clusters)) < 2 or unknown:
        missing = f"; it has no cluster {', '.join(str(c) for c in unknown)}" if unknown else ""
        raise UsageError(
            f"merge needs two or more clusters of result {result_id} "
            f"(it has {', '.join(str(c) for c in sorted(known))}){missing}"
        )
    kept, merged = clusters[0], [cluster for cluster in clusters[1:] if cluster != clusters[0]]
    connection.execute("BEGIN TRANSACTION")
    try:
        placeholders = ", ".join("?" for _ in merged)
        connection.execute(
            f"UPDATE audience_result_members SET cluster = ? "
            f"WHERE result_id = ? AND cluster IN ({placeholders})",
            [kept, result_id, *merged],
        )
        connection.execute(
            f"DELETE FROM audience_result_clusters "
            f"WHERE result_id = ? AND cluster IN ({placeholders})",
            [result_id, *merged],
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return result_id, kept


def rename_cluster(connection: DuckDBPyConnection, account_id: str, cluster: int, name: str) -> int:
    """Give a cluster of the newest result a name; returns the result id."""
    result_id = latest_result_id(connection, account_id)
    if not name.strip():
        raise UsageError("a cluster name cannot be empty")
    names = cluster_names(connection, result_id)
    if cluster not in names:
        known = ", ".join(str(c) for c in sorted(names))
        raise UsageError(f"result {result_id} has no cluster {cluster} (it has {known})")
    connection.execute(
        "UPDATE audience_result_clusters SET name = ? WHERE result_id = ? AND cluster = ?",
        [name.strip(), result_id, cluster],
    )
    return result_id
