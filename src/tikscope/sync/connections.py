"""Stored connections to TikTok APIs, and the token source that keeps them fresh.

A connection (`connections` table, written here with plain SQL, never through ingest) holds the
app's client key and encrypted secret, and the account holder's encrypted tokens. Every change is
one statement, so a crash never leaves an access token paired with the wrong refresh token.

`StoredTokens` is the `TokenSource` the API clients use: it refreshes ahead of expiry, keeps the
newest refresh token TikTok hands back, and marks the connection as needing re-authorization when
TikTok refuses a refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Never, cast

import pyarrow as pa

from tikscope.errors import (
    ReauthorizationNeededError,
    TokenInvalidError,
    UsageError,
)
from tikscope.ids import AccountId, handle_or_none
from tikscope.sources.families import FAMILIES_BY_KEY, Api, Family, Grant
from tikscope.sources.records import AccountType
from tikscope.store.db import fetch_value
from tikscope.store.ingest import Batch, ingest
from tikscope.sync.batches import account_id_of

if TYPE_CHECKING:
    from tikscope.sources.oauth import HttpClient, Identity
    from tikscope.sources.tokens import Token, TokenCipher
    from tikscope.store.db import DuckDBPyConnection

Status = Literal["active", "needs_reauthorization"]
REFRESH_AHEAD = timedelta(minutes=10)
COLUMNS = (
    "connection_id, account_id, api, handle, open_id, scope, base_url, client_key, client_secret, "
    "access_token, refresh_token, access_expires_at, refresh_expires_at, status, status_reason, "
    "created_at, updated_at"
)


def utc_now() -> datetime:
    """The current time, naive UTC (the store's convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Connection:
    """One row of `connections`. Secrets stay encrypted until a method decrypts one."""

    connection_id: str
    account_id: str
    api: Api
    handle: str
    open_id: str | None
    scope: str | None
    base_url: str
    client_key: str
    sealed_client_secret: bytes = field(repr=False)
    sealed_access_token: bytes | None = field(repr=False)
    sealed_refresh_token: bytes | None = field(repr=False)
    access_expires_at: datetime | None
    refresh_expires_at: datetime | None
    status: Status
    status_reason: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def family(self) -> Family:
        """The API family the connection reads."""
        return FAMILIES_BY_KEY[self.api]

    def client_secret(self, cipher: TokenCipher) -> str:
        """The app's client secret, in clear."""
        return cipher.decrypt(self.sealed_client_secret)

    def access_token(self, cipher: TokenCipher) -> str | None:
        """The access token, in clear."""
        return (
            None if self.sealed_access_token is None else cipher.decrypt(self.sealed_access_token)
        )

    def refresh_token(self, cipher: TokenCipher) -> str | None:
        """The refresh token, in clear."""
        sealed = self.sealed_refresh_token
        return None if sealed is None else cipher.decrypt(sealed)

    def reauthorization_error(self, reason: str | None = None) -> ReauthorizationNeededError:
        """The error telling the user to connect again, with why."""
        because = reason or self.status_reason or "the token was refused"
        command = self.family.connect_command(self.handle)
        return ReauthorizationNeededError(
            f"connection {self.connection_id} needs re-authorization: run '{command}' again "
            f"({because})"
        )


def save_connection(
    connection: DuckDBPyConnection,
    *,
    api: Api,
    handle: str,
    account_id: str,
    base_url: str,
    client_key: str,
    client_secret: str,
    token: Token,
    cipher: TokenCipher,
    now: datetime,
) -> Connection:
    """Add the connection `<api>:<handle>`, or replace its credentials and make it active again."""
    connection_id = f"{api}:{handle}"
    sealed_refresh = None if token.refresh_token is None else cipher.encrypt(token.refresh_token)
    values = [connection_id, account_id, api, handle, token.open_id, token.scope, base_url,
              client_key, cipher.encrypt(client_secret), cipher.encrypt(token.access_token),
              sealed_refresh, token.access_expires_at, token.refresh_expires_at, "active", None,
              now, now]  # fmt: skip
    connection.execute(
        f"INSERT INTO connections ({COLUMNS}) VALUES ({', '.join('?' * len(values))}) "
        "ON CONFLICT (connection_id) DO UPDATE SET account_id = excluded.account_id, "
        "handle = excluded.handle, open_id = excluded.open_id, scope = excluded.scope, "
        "base_url = excluded.base_url, client_key = excluded.client_key, "
        "client_secret = excluded.client_secret, access_token = excluded.access_token, "
        "refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at, "
        "refresh_expires_at = excluded.refresh_expires_at, status = 'active', "
        "status_reason = NULL, updated_at = excluded.updated_at",
        values,
    )
    return load_connection(connection, connection_id)


def load_connection(
    connection: DuckDBPyConnection, connection_id_or_handle: str, api: Api | None = None
) -> Connection:
    """The connection with this id (`business:casa_verde_shop`) or handle (`@casa_verde_shop`).

    Raises:
        UsageError: no such connection, or the handle has several and `api` does not choose.
    """
    wanted = connection_id_or_handle.strip()
    rows = connection.execute(
        f"SELECT {COLUMNS} FROM connections WHERE (connection_id = ? OR handle = ?) "
        "AND (? IS NULL OR api = ?) ORDER BY connection_id",
        [wanted, handle_or_none(wanted), api, api],
    ).fetchall()
    if not rows:
        raise UsageError(
            f"no connection {wanted}"
            + (f" for the {api} API" if api else "")
            + "; run 'tikscope connect' first, or 'tikscope connections' to list them"
        )
    if len(rows) > 1:
        names = ", ".join(str(row[0]) for row in rows)
        raise UsageError(f"{wanted} has several connections ({names}); choose one by its id")
    return connection_from_row(rows[0])


def list_connections(connection: DuckDBPyConnection) -> list[Connection]:
    """Every connection, ordered by id."""
    rows = connection.execute(
        f"SELECT {COLUMNS} FROM connections ORDER BY connection_id"
    ).fetchall()
    return [connection_from_row(row) for row in rows]


def connection_from_row(row: tuple[Any, ...]) -> Connection:
    """A `Connection` from a row selected with `COLUMNS`."""
    (connection_id, account_id, api, handle, open_id, scope, base_url, client_key, secret,
     access, refresh, access_expires_at, refresh_expires_at, status, reason, created_at,
     updated_at) = row  # fmt: skip
    return Connection(
        connection_id=connection_id, account_id=account_id, api=cast(Api, api), handle=handle,
        open_id=open_id, scope=scope, base_url=base_url, client_key=client_key,
        sealed_client_secret=bytes(secret),
        sealed_access_token=None if access is None else bytes(access),
        sealed_refresh_token=None if refresh is None else bytes(refresh),
        access_expires_at=access_expires_at, refresh_expires_at=refresh_expires_at,
        status=cast(Status, status), status_reason=reason, created_at=created_at,
        updated_at=updated_at,
    )  # fmt: skip


def mark_needs_reauthorization(
    connection: DuckDBPyConnection, connection_id: str, reason: str, now: datetime
) -> None:
    """Flag a connection whose tokens TikTok no longer accepts; `reason` is shown to the user."""
    connection.execute(
        "UPDATE connections SET status = 'needs_reauthorization', status_reason = ?, "
        "updated_at = ? WHERE connection_id = ?",
        [reason, now, connection_id],
    )


def store_refreshed_token(
    connection: DuckDBPyConnection,
    connection_id: str,
    token: Token,
    cipher: TokenCipher,
    now: datetime,
) -> None:
    """Keep a refreshed token pair in one statement; an absent refresh token keeps the old one."""
    sealed_refresh = None if token.refresh_token is None else cipher.encrypt(token.refresh_token)
    connection.execute(
        "UPDATE connections SET access_token = ?, access_expires_at = ?, "
        "refresh_token = coalesce(?, refresh_token), "
        "refresh_expires_at = CASE WHEN ? IS NULL THEN refresh_expires_at ELSE ? END, "
        "scope = coalesce(?, scope), updated_at = ? WHERE connection_id = ?",
        [cipher.encrypt(token.access_token), token.access_expires_at, sealed_refresh,
         sealed_refresh, token.refresh_expires_at, token.scope, now, connection_id],
    )  # fmt: skip


class StoredTokens:
    """A `TokenSource` backed by the `connections` table.

    Tokens are read and decrypted on every call, never kept in clear on the object.
    """

    def __init__(
        self,
        connection: DuckDBPyConnection,
        connection_id: str,
        cipher: TokenCipher,
        *,
        now: Callable[[], datetime] = utc_now,
        http: HttpClient | None = None,
    ) -> None:
        """Serve the tokens of `connection_id` from the open store `connection`.

        Args:
            connection: an open store.
            connection_id: e.g. `business:casa_verde_shop`.
            cipher: decrypts and encrypts the stored tokens.
            now: the clock (naive UTC); tests pass a fake one.
            http: the HTTP client for refresh calls; a new one per call when None.
        """
        self.connection = connection
        self.connection_id = connection_id
        self.cipher = cipher
        self.now = now
        self.http = http

    def access_token(self) -> str:
        """A token valid for at least 10 more minutes, refreshed first when needed.

        Raises:
            ReauthorizationNeededError: the connection needs re-authorization.
        """
        stored = self.load()
        expires_at = stored.access_expires_at
        token = stored.access_token(self.cipher)
        if token is None or expires_at is None or expires_at - self.now() <= REFRESH_AHEAD:
            return self.refresh("the access token expires soon")
        return token

    def refresh(self, reason: str) -> str:
        """Get a new access token once and store it, with the newest refresh token.

        Args:
            reason: why (TikTok rejected the token, or it expires soon); for the caller's logs.

        Raises:
            ReauthorizationNeededError: TikTok refused the refresh; the connection is marked.
        """
        from tikscope.sources import oauth

        stored = self.load()
        now = self.now()
        secret = stored.client_secret(self.cipher)
        try:
            if stored.family.grant is Grant.CLIENT_CREDENTIALS:
                token = oauth.client_credentials(
                    base_url=stored.base_url, client_key=stored.client_key,
                    client_secret=secret, issued_at=now, http=self.http,
                )  # fmt: skip
            else:
                token = oauth.refresh_token(
                    stored.api, base_url=stored.base_url, client_key=stored.client_key,
                    client_secret=secret, refresh_token=self.usable_refresh_token(stored, now),
                    issued_at=now, http=self.http,
                )  # fmt: skip
        except TokenInvalidError as error:
            self.give_up(stored, f"TikTok said: {error}", now)
        store_refreshed_token(self.connection, stored.connection_id, token, self.cipher, now)
        return token.access_token

    def load(self) -> Connection:
        """The connection as stored now; a marked one fails here, before any HTTP call."""
        stored = load_connection(self.connection, self.connection_id)
        if stored.status == "needs_reauthorization":
            raise stored.reauthorization_error()
        return stored

    def usable_refresh_token(self, stored: Connection, now: datetime) -> str:
        """The stored refresh token, unless there is none or it has expired."""
        token = stored.refresh_token(self.cipher)
        if token is None:
            self.give_up(stored, "no refresh token is stored", now)
        expires_at = stored.refresh_expires_at
        if expires_at is not None and expires_at <= now:
            self.give_up(
                stored, f"the refresh token expired at {expires_at:%Y-%m-%d %H:%M} UTC", now
            )
        return token

    def give_up(self, stored: Connection, reason: str, now: datetime) -> Never:
        """Mark the connection and raise the error that says to connect again."""
        mark_needs_reauthorization(self.connection, stored.connection_id, reason, now)
        raise stored.reauthorization_error(reason) from None


def ensure_account(
    connection: DuckDBPyConnection,
    *,
    api: Api,
    handle: str,
    account_type: AccountType,
    display_name: str | None = None,
    open_id: str | None = None,
) -> AccountId:
    """The account id for `handle`, adding its `accounts` row (through ingest) when it is new."""
    account_id = account_id_of(connection, handle)
    exists = fetch_value(connection, "SELECT count(*) FROM accounts WHERE account_id = ?",
                         [account_id])  # fmt: skip
    if exists:
        return account_id
    source = FAMILIES_BY_KEY[api].source
    row: dict[str, Any] = {"handle": handle, "account_type": account_type, "time_zone": "UTC",
                           "source": source}  # fmt: skip
    if display_name is not None:
        row["display_name"] = display_name
    if open_id is not None:
        row["open_id"] = open_id
    batch = Batch(account_id=account_id, kind="sync", source=source,
                  tables={"accounts": pa.Table.from_pylist([row])}, mode="merge",
                  parameters={"connect": f"{api}:{handle}"})  # fmt: skip
    ingest(connection, batch)
    return account_id


def record_connection(
    connection: DuckDBPyConnection,
    *,
    api: Api,
    identity: Identity,
    base_url: str,
    client_key: str,
    client_secret: str,
    token: Token,
    cipher: TokenCipher,
    now: datetime,
) -> Connection:
    """Store what `tikscope connect` learnt: the account (when new) and the connection."""
    account_id = ensure_account(
        connection, api=api, handle=identity.handle,
        account_type=identity.account_type or FAMILIES_BY_KEY[api].account_type,
        display_name=identity.display_name, open_id=identity.open_id or token.open_id,
    )  # fmt: skip
    return save_connection(
        connection, api=api, handle=identity.handle, account_id=account_id, base_url=base_url,
        client_key=client_key, client_secret=client_secret, token=token, cipher=cipher, now=now,
    )  # fmt: skip


def connection_overview(connection: DuckDBPyConnection) -> list[dict[str, Any]]:
    """One row per connection for `tikscope connections`, with its last sync, if any."""
    rows = connection.execute(
        "SELECT c.connection_id, c.api, c.handle, c.status, c.access_expires_at, "
        "c.refresh_expires_at, s.finished_at, s.status, c.status_reason "
        "FROM connections c LEFT JOIN (SELECT account_id, api, max(finished_at) AS finished_at, "
        "arg_max(status, finished_at) AS status FROM sync_log GROUP BY account_id, api) s "
        "ON s.account_id = c.account_id AND s.api = c.api ORDER BY c.connection_id"
    ).fetchall()
    names = ("connection", "api", "handle", "status", "access_expires_at", "refresh_expires_at",
             "last_sync", "last_sync_status", "status_reason")  # fmt: skip
    return [dict(zip(names, row, strict=True)) for row in rows]
