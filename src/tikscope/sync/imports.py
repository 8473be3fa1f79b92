"""`tikscope import PATH`: read downloaded files and write them to the store, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from tikscope.config import ImportLimits
from tikscope.store.ingest import Batch, IngestResult, ingest_all
from tikscope.sync.batches import extract_batch
from tikscope.sync.pseudonyms import pseudonymizer

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection


@dataclass(frozen=True)
class ImportedAccount:
    """What one import did to one account."""

    handle: str
    account_id: str
    kind: str
    result: IngestResult
    notes: tuple[str, ...]


def import_path(
    connection: DuckDBPyConnection,
    path: Path,
    *,
    handle: str | None,
    today: date,
    key_file: Path,
    time_zone: str | None = None,
    limits: ImportLimits | None = None,
) -> list[ImportedAccount]:
    """Import every file under `path`; the store changes for all of them or for none.

    Raises:
        FileFormatError: a file is malformed (nothing written); the message names file and line.
        ImportLimitError: the files go past one of `limits` (the defaults when None).
        UsageError: the account cannot be told from the files and `handle` is None.
    """
    from tikscope.sources.files import read_files

    extracts = read_files(
        path, handle=handle, today=today, pseudonymize=pseudonymizer(key_file), limits=limits
    )
    batches = []
    for extract in extracts:
        batches.append(extract_batch(connection, extract, kind="import", source=str(path),
                                     time_zone=time_zone))  # fmt: skip
        extract.tables.clear()  # NOTE: the batch holds the rows as Arrow tables; these can go
    results = ingest_all(connection, batches)
    return [
        ImportedAccount(
            extract.account.handle,
            batch.account_id,
            extract.account.source,
            result,
            (*extract.notes, *kept_note(batch)),
        )
        for extract, batch, result in zip(extracts, batches, results, strict=True)
    ]


def kept_note(batch: Batch) -> tuple[str, ...]:
    """A note naming the tables where the import yielded to a richer source, if any."""
    if not batch.keep_stored:
        return ()
    tables = ", ".join(sorted(batch.keep_stored))
    return (
        f"{tables}: an API sync wrote these first, so this import only filled empty cells and "
        "added rows; it replaced no value",
    )
