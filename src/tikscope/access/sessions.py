"""Browser sessions: a random id in a cookie, its hash and a CSRF token in the store."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tikscope.access.passwords import hash_token
from tikscope.access.users import User

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

SESSION_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class Session:
    """A logged-in browser: who, and the token its forms and scripts must send back."""

    user: User
    csrf_token: str


def start_session(connection: DuckDBPyConnection, user: User, now: datetime) -> tuple[str, Session]:
    """A new session for `user`: the cookie value (secret) and the session."""
    cookie = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    connection.execute("DELETE FROM web_sessions WHERE expires_at <= ?", [now])
    connection.execute(
        "INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?)",
        [hash_token(cookie), user.user_id, csrf_token, now, now + SESSION_LIFETIME],
    )
    return cookie, Session(user, csrf_token)


def find_session(connection: DuckDBPyConnection, cookie: str, now: datetime) -> Session | None:
    """The live session a cookie names, or None."""
    rows = connection.execute(
        """
        SELECT u.user_id, u.username, s.csrf_token FROM web_sessions s JOIN users u USING (user_id)
        WHERE s.session_hash = ? AND s.expires_at > ?
        """,
        [hash_token(cookie), now],
    ).fetchall()
    if not rows:
        return None
    user_id, username, csrf_token = rows[0]
    return Session(User(int(user_id), str(username)), str(csrf_token))


def end_session(connection: DuckDBPyConnection, cookie: str) -> None:
    """Forget a session (logout)."""
    connection.execute("DELETE FROM web_sessions WHERE session_hash = ?", [hash_token(cookie)])
