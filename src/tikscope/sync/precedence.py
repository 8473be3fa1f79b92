"""Which source wins a stored cell: the APIs over downloaded files, the Business API over the rest.

Sources differ in precision: the Business API gives a post's publishing time to the second, its
full caption and UTC days, while a Studio export gives a date without a time, a title that may be
shortened and days of an unknown zone. Each source has a rank; a batch from a source ranked below
one that already wrote a table for the account only fills that table's empty (NULL) cells and
adds new rows, and never replaces a value (`ingest.Batch.keep_stored`). The other order needs no
rule: a richer source corrects by key as usual, and in every merge a NULL never erases a value.

Who wrote a table is read from `runs` (kind, source, and the tables in `row_counts`), which keeps
every run, so the rule holds however often either source runs and in whatever order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tikscope.ids import AccountId
from tikscope.sources.families import FAMILIES

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

SOURCE_RANKS: dict[str, int] = {
    **{family.source: family.precedence for family in FAMILIES},
    "studio_export": 1,
    "data_archive": 1,
    "audience_files": 1,
}
"""`AccountFacts.source` -> rank; higher is richer."""
FILE_RANK = 1
"""Rank of an unknown source, and of every `import` run (whose `runs.source` is a path)."""
SIMULATOR_RANK = 3
"""A simulation is the whole truth of its account."""
NEVER_KEPT = frozenset({"accounts", "sync_state"})
"""Tables with rules of their own: the profile carries only what a source says, the state is
replaced by the sync that owns it."""


def source_rank(source: str) -> int:
    """The rank of a source named as in `AccountFacts.source`."""
    return SOURCE_RANKS.get(source, FILE_RANK)


def outranked_tables(
    connection: DuckDBPyConnection, account_id: AccountId, source: str, tables: Iterable[str]
) -> frozenset[str]:
    """The tables among `tables` that a source richer than `source` wrote for the account."""
    rank = source_rank(source)
    if rank >= max(SOURCE_RANKS.values()):
        return frozenset()
    rows = connection.execute(
        f"SELECT DISTINCT unnest(json_keys(row_counts)) FROM runs "
        f"WHERE account_id = ? AND ({run_rank_sql()}) > ?",
        [account_id, rank],
    ).fetchall()
    written = {str(row[0]) for row in rows}
    return frozenset(name for name in tables if name in written and name not in NEVER_KEPT)


def run_rank_sql() -> str:
    """SQL for the rank of the source of a `runs` row: syncs name it `<api>_api <url>`."""
    apis = " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in SOURCE_RANKS.items())
    return (
        f"CASE WHEN kind = 'simulate' THEN {SIMULATOR_RANK} WHEN kind = 'import' THEN {FILE_RANK} "
        f"ELSE CASE split_part(source, ' ', 1) {apis} ELSE {FILE_RANK} END END"
    )
