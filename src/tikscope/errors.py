"""Errors that tikscope raises on purpose, with a message a user can act on.

The tree::

    TikscopeError                  anything tikscope reports as a one-line error
    ├── StoreError                 the DuckDB store cannot be used
    │   ├── StoreNotFoundError     no store at the path, and the command will not make one
    │   ├── StoreCorruptError      the file is not a DuckDB database, or is damaged
    │   ├── StoreLockedError       another process holds the store open for writing
    │   └── SchemaVersionError     written by a newer tikscope, or not a tikscope store
    ├── IngestError                a batch was rejected; the store is unchanged
    └── UsageError                 arguments that parse but make no sense together
"""

from __future__ import annotations


class TikscopeError(Exception):
    """Base of every error tikscope reports to the user as one line."""


class StoreError(TikscopeError):
    """The store cannot be opened or used."""


class StoreNotFoundError(StoreError):
    """There is no store at the given path."""


class StoreCorruptError(StoreError):
    """The file is not a DuckDB database or is damaged."""


class StoreLockedError(StoreError):
    """Another process has the store open."""


class SchemaVersionError(StoreError):
    """The store's schema is newer than this tikscope, or the file is not a tikscope store."""


class IngestError(TikscopeError):
    """A batch was rejected before anything was written."""


class UsageError(TikscopeError):
    """Arguments that are individually valid but do not make sense together."""
