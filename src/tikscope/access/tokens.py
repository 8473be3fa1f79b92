"""API tokens: random secrets shown once, stored as SHA-256 hashes, revocable by their owner."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from tikscope.access.passwords import hash_token, new_token
from tikscope.access.users import User, next_id

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection


def create_api_token(
    connection: DuckDBPyConnection, user_id: int, name: str, now: datetime
) -> tuple[int, str]:
    """A new API token for a user: its id and the secret, shown once and stored hashed."""
    token = new_token("tks")
    token_id = next_id(connection, "api_tokens", "token_id")
    connection.execute(
        "INSERT INTO api_tokens VALUES (?, ?, ?, ?, ?, NULL, NULL)",
        [token_id, user_id, name.strip() or "token", hash_token(token), now],
    )
    return token_id, token


def token_user(connection: DuckDBPyConnection, token: str) -> User | None:
    """The user an unrevoked API token belongs to, or None."""
    rows = connection.execute(
        """
        SELECT u.user_id, u.username FROM api_tokens t JOIN users u USING (user_id)
        WHERE t.token_hash = ? AND t.revoked_at IS NULL
        """,
        [hash_token(token)],
    ).fetchall()
    return User(int(rows[0][0]), str(rows[0][1])) if rows else None


def list_api_tokens(connection: DuckDBPyConnection, user_id: int) -> list[dict[str, Any]]:
    """A user's tokens (never the secrets)."""
    rows = connection.execute(
        """
        SELECT token_id, name, created_at, revoked_at FROM api_tokens
        WHERE user_id = ? ORDER BY token_id
        """,
        [user_id],
    ).fetchall()
    return [
        {"token_id": token_id, "name": name, "created_at": created, "revoked_at": revoked}
        for token_id, name, created, revoked in rows
    ]


def revoke_api_token(
    connection: DuckDBPyConnection, user_id: int, token_id: int, now: datetime
) -> bool:
    """Revoke one of the user's own tokens; False when it is not theirs or already revoked."""
    rows = connection.execute(
        """
        UPDATE api_tokens SET revoked_at = ?
        WHERE token_id = ? AND user_id = ? AND revoked_at IS NULL RETURNING token_id
        """,
        [now, token_id, user_id],
    ).fetchall()
    return bool(rows)
