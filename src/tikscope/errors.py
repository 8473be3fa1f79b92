"""Errors that tikscope raises on purpose, with a message a user can act on.

The tree::

    TikscopeError                  anything tikscope reports as a one-line error
    ├── StoreError                 the DuckDB store cannot be used
    │   ├── StoreNotFoundError     no store at the path, and the command will not make one
    │   ├── StoreCorruptError      the file is not a DuckDB database, or is damaged
    │   ├── StoreLockedError       another process holds the store open for writing
    │   └── SchemaVersionError     written by a newer tikscope, or not a tikscope store
    ├── IngestError                a batch was rejected; the store is unchanged
    │   └── FileFormatError        an imported file is malformed (file, line, field)
    │       └── ImportLimitError   an imported file goes past an import limit (size, rows, ...)
    ├── SourceError                a TikTok API could not give what was asked
    │   ├── ApiError               an answer with an error (endpoint, code, request id)
    │   │   ├── RateLimitedError   throttled (retried with backoff before it is raised)
    │   │   ├── QuotaExhaustedError  a daily quota is used up; resets at 00:00 UTC
    │   │   └── TokenInvalidError  the access token is invalid, revoked or expired
    │   ├── MalformedResponseError an answer that is not the documented shape (endpoint, field)
    │   └── ReauthorizationNeededError  a connection can no longer refresh its token
    └── UsageError                 arguments that parse but make no sense together (exit code 2)
        ├── InvalidHandleError     text that is not a TikTok handle (where a handle enters)
        └── ConflictError          what was asked clashes with what the store holds: exists
                                   already, the last owner, served already (exit code 1)
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


class ConflictError(UsageError):
    """Arguments that make sense but clash with the store's state (a name taken, the last owner).

    Not a usage error for the exit code: the same command can succeed once the state changes.
    """


class InvalidHandleError(UsageError):
    """Text that is not a TikTok handle; importers and API clients re-raise it as their own."""


class FileFormatError(IngestError):
    """An imported file is malformed; the message names the file, line and field."""


class ImportLimitError(FileFormatError):
    """An imported file goes past an import limit; the message names the limit and how to raise it.

    The limits (`tikscope.config.ImportLimits`) bound what one import reads: bytes, rows, the
    longest line, JSON nesting and how much a zip member unpacks.
    """


class SourceError(TikscopeError):
    """A TikTok API could not give what was asked; nothing was written."""


class ApiError(SourceError):
    """An API answered with an error.

    Attributes:
        endpoint: the path asked, e.g. ``/business/get/``.
        code: TikTok's error code (``40100``, ``rate_limit_exceeded``) or the HTTP status.
        request_id: TikTok's ``request_id`` / ``log_id`` for support, when given.
    """

    def __init__(
        self, message: str, *, endpoint: str, code: str, request_id: str | None = None
    ) -> None:
        """Keep where and how the call failed next to the message."""
        super().__init__(message)
        self.endpoint = endpoint
        self.code = code
        self.request_id = request_id


class RateLimitedError(ApiError):
    """TikTok throttled the calls and the retries ran out."""


class QuotaExhaustedError(ApiError):
    """A daily quota is used up; calls can go on after 00:00 UTC."""


class TokenInvalidError(ApiError):
    """The access token is invalid, revoked or expired."""


class MalformedResponseError(SourceError):
    """An answer that is not the documented shape: truncated JSON, a missing or mistyped field."""


class ReauthorizationNeededError(SourceError):
    """A connection can no longer refresh its token; ``tikscope connect`` must run again."""
