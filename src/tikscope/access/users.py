"""Users, workspaces, roles and API tokens: who may see and change which accounts.

A workspace groups accounts (an agency's clients, say) and has members, each with one role:
owner (everything, incl. members and tokens), editor (sync, rename and merge clusters) or
viewer (read only). Passwords are scrypt hashes; API tokens and session ids are stored as SHA-256
hashes, so the store never holds a usable secret.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tikscope.access.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    verify_password,
)
from tikscope.errors import ConflictError, UsageError
from tikscope.ids import parse_handle
from tikscope.store.db import fetch_value

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,39}$")
# NOTE: verified when a username is unknown, so that a login takes as long either way.
UNKNOWN_USER_HASH = hash_password(secrets.token_urlsafe(16))


class LastOwnerError(ConflictError):
    """A change would leave a workspace without an owner."""


class Role(StrEnum):
    """A member's role in a workspace, from least to most powerful."""

    viewer = "viewer"
    editor = "editor"
    owner = "owner"

    def allows(self, needed: Role) -> bool:
        """Whether this role includes the rights of `needed`."""
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class User:
    """A person who can log in."""

    user_id: int
    username: str


@dataclass(frozen=True)
class Membership:
    """A user's role in one workspace."""

    slug: str
    name: str
    role: Role


def check_name(kind: str, value: str) -> str:
    """A username or workspace slug, lower-cased, or a UsageError saying what is allowed."""
    lowered = value.strip().lower()
    if not NAME_PATTERN.match(lowered):
        raise UsageError(
            f"{kind} {value!r} is not allowed: use 2-40 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
    return lowered


def check_password(password: str) -> str:
    """The password, or a UsageError when it is too short."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password


def next_id(connection: DuckDBPyConnection, table: str, column: str) -> int:
    """The next free integer id of a table (the store has one writer)."""
    return int(fetch_value(connection, f"SELECT coalesce(max({column}), 0) + 1 FROM {table}"))


def create_user(
    connection: DuckDBPyConnection, username: str, password: str, now: datetime
) -> User:
    """Add a user; the username must be new."""
    name = check_name("username", username)
    hashed = hash_password(check_password(password))
    if find_user(connection, name) is not None:
        raise ConflictError(f"user {name!r} exists already")
    user_id = next_id(connection, "users", "user_id")
    connection.execute("INSERT INTO users VALUES (?, ?, ?, ?)", [user_id, name, hashed, now])
    return User(user_id, name)


def set_password(
    connection: DuckDBPyConnection,
    username: str,
    password: str,
    *,
    revoke_tokens_at: datetime | None = None,
) -> int:
    """Change a user's password and end their browser sessions.

    API tokens do not depend on the password: they stay valid until revoked, unless
    `revoke_tokens_at` is given, when every active token of the user is revoked at that time.

    Returns:
        How many active API tokens the user had (revoked now with `revoke_tokens_at`, else
        still valid).
    """
    user = require_user(connection, username)
    hashed = hash_password(check_password(password))
    connection.execute(
        "UPDATE users SET password_hash = ? WHERE user_id = ?", [hashed, user.user_id]
    )
    connection.execute("DELETE FROM web_sessions WHERE user_id = ?", [user.user_id])
    active = "FROM api_tokens WHERE user_id = ? AND revoked_at IS NULL"
    count = int(fetch_value(connection, f"SELECT count(*) {active}", [user.user_id]))
    if revoke_tokens_at is not None:
        connection.execute(
            f"UPDATE api_tokens SET revoked_at = ? WHERE token_id IN (SELECT token_id {active})",
            [revoke_tokens_at, user.user_id],
        )
    return count


def find_user(connection: DuckDBPyConnection, username: str) -> User | None:
    """The user with this username, or None."""
    rows = connection.execute(
        "SELECT user_id, username FROM users WHERE username = ?", [username.strip().lower()]
    ).fetchall()
    return User(int(rows[0][0]), str(rows[0][1])) if rows else None


def require_user(connection: DuckDBPyConnection, username: str) -> User:
    """The user with this username, or a UsageError."""
    user = find_user(connection, username)
    if user is None:
        raise UsageError(f"no user {username!r}; see `tikscope users list`")
    return user


def authenticate(connection: DuckDBPyConnection, username: str, password: str) -> User | None:
    """The user when the password is right, else None (same work either way)."""
    rows = connection.execute(
        "SELECT user_id, username, password_hash FROM users WHERE username = ?",
        [username.strip().lower()],
    ).fetchall()
    if not rows:
        verify_password(password, UNKNOWN_USER_HASH)
        return None
    user_id, name, stored = rows[0]
    return User(int(user_id), str(name)) if verify_password(password, str(stored)) else None


def list_users(connection: DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every user with the workspaces they belong to."""
    rows = connection.execute(
        """
        SELECT u.username, u.created_at,
               string_agg(w.slug || ' (' || m.role || ')', ', ' ORDER BY w.slug)
        FROM users u
        LEFT JOIN workspace_members m USING (user_id)
        LEFT JOIN workspaces w USING (workspace_id)
        GROUP BY ALL ORDER BY u.username
        """
    ).fetchall()
    return [
        {"username": name, "created_at": created, "workspaces": workspaces or ""}
        for name, created, workspaces in rows
    ]


def create_workspace(
    connection: DuckDBPyConnection, slug: str, name: str | None, now: datetime
) -> str:
    """Add a workspace; returns its slug."""
    checked = check_name("workspace", slug)
    if workspace_id(connection, checked) is not None:
        raise ConflictError(f"workspace {checked!r} exists already")
    new_id = next_id(connection, "workspaces", "workspace_id")
    connection.execute(
        "INSERT INTO workspaces VALUES (?, ?, ?, ?)", [new_id, checked, name or checked, now]
    )
    return checked


def workspace_id(connection: DuckDBPyConnection, slug: str) -> int | None:
    """The id of the workspace with this slug, or None."""
    value = fetch_value(
        connection, "SELECT workspace_id FROM workspaces WHERE slug = ?", [slug.strip().lower()]
    )
    return None if value is None else int(value)


def require_workspace(connection: DuckDBPyConnection, slug: str) -> int:
    """The id of the workspace with this slug, or a UsageError."""
    found = workspace_id(connection, slug)
    if found is None:
        raise UsageError(f"no workspace {slug!r}; see `tikscope workspaces list`")
    return found


def set_member(connection: DuckDBPyConnection, slug: str, username: str, role: Role) -> None:
    """Give a user a role in a workspace (replacing an earlier role); the last owner stays one."""
    space = require_workspace(connection, slug)
    user = require_user(connection, username)
    if role is not Role.owner:
        check_not_last_owner(connection, space, user, slug)
    connection.execute(
        "INSERT OR REPLACE INTO workspace_members VALUES (?, ?, ?)",
        [space, user.user_id, role.value],
    )


def remove_member(connection: DuckDBPyConnection, slug: str, username: str) -> None:
    """Take a user out of a workspace; the last owner cannot leave."""
    space = require_workspace(connection, slug)
    user = require_user(connection, username)
    check_not_last_owner(connection, space, user, slug)
    removed = connection.execute(
        "DELETE FROM workspace_members WHERE workspace_id = ? AND user_id = ? RETURNING user_id",
        [space, user.user_id],
    ).fetchall()
    if not removed:
        raise UsageError(f"{user.username} is not a member of {slug}")


def check_not_last_owner(connection: DuckDBPyConnection, space: int, user: User, slug: str) -> None:
    """A UsageError when `user` is the only owner of the workspace (it would have none)."""
    owners = connection.execute(
        "SELECT user_id FROM workspace_members WHERE workspace_id = ? AND role = 'owner'", [space]
    ).fetchall()
    if [(user.user_id,)] == owners:
        raise LastOwnerError(
            f"{user.username} is the last owner of {slug}; add another owner first"
        )


def remove_user(connection: DuckDBPyConnection, username: str) -> None:
    """Delete a user with their memberships, API tokens and sessions; not a last owner."""
    user = require_user(connection, username)
    for slug, space in connection.execute(
        "SELECT w.slug, w.workspace_id FROM workspace_members m JOIN workspaces w "
        "USING (workspace_id) WHERE m.user_id = ? ORDER BY w.slug",
        [user.user_id],
    ).fetchall():
        check_not_last_owner(connection, int(space), user, str(slug))
    # NOTE: ids are max + 1, so a later user may get this id: nothing of this user may remain.
    for table in ("workspace_members", "api_tokens", "web_sessions", "users"):
        connection.execute(f"DELETE FROM {table} WHERE user_id = ?", [user.user_id])


def add_account(connection: DuckDBPyConnection, slug: str, handle: str) -> None:
    """Put an account of the store into a workspace."""
    space = require_workspace(connection, slug)
    connection.execute(
        "INSERT OR IGNORE INTO workspace_accounts VALUES (?, ?)",
        [space, require_account_id(connection, handle)],
    )


def require_account_id(connection: DuckDBPyConnection, handle: str) -> str:
    """The id of the store's account with this handle, or a UsageError."""
    clean = parse_handle(handle)
    account_id = fetch_value(
        connection, "SELECT account_id FROM accounts WHERE handle = ?", [clean]
    )
    if account_id is None:
        raise UsageError(f"no account @{clean} in the store; see `tikscope accounts`")
    return str(account_id)


def remove_account(connection: DuckDBPyConnection, slug: str, handle: str) -> None:
    """Take an account out of a workspace (its data stays in the store)."""
    space = require_workspace(connection, slug)
    removed = connection.execute(
        "DELETE FROM workspace_accounts WHERE workspace_id = ? AND account_id = ? "
        "RETURNING account_id",
        [space, require_account_id(connection, handle)],
    ).fetchall()
    if not removed:
        raise UsageError(f"@{parse_handle(handle)} is not in workspace {slug}")


def accounts_open_to(connection: DuckDBPyConnection, user_id: int) -> list[str]:
    """Handles a web owner may add to their workspaces: those in a workspace they own.

    # NOTE: an account in no workspace (new from connect, import or sync) is the server's
    # administrator's to assign (`tikscope workspaces add-account`); no owner may claim it, nor
    # pull an account they do not own, and with it its data, into their workspace.
    """
    rows = connection.execute(
        """
        SELECT DISTINCT a.handle FROM accounts a
        JOIN workspace_accounts wa USING (account_id)
        JOIN workspace_members m ON m.workspace_id = wa.workspace_id
        WHERE m.user_id = ? AND m.role = 'owner'
        ORDER BY a.handle
        """,
        [user_id],
    ).fetchall()
    return [str(row[0]) for row in rows]


def find_colleague(connection: DuckDBPyConnection, user_id: int, username: str) -> User | None:
    """The user with this name when they share at least one workspace with `user_id`, else None.

    # NOTE: a web owner may add only such users, so the web reveals no other user's name.
    """
    rows = connection.execute(
        """
        SELECT DISTINCT u.user_id, u.username FROM users u
        JOIN workspace_members theirs USING (user_id)
        JOIN workspace_members mine ON mine.workspace_id = theirs.workspace_id
        WHERE u.username = ? AND mine.user_id = ?
        """,
        [username.strip().lower(), user_id],
    ).fetchall()
    return User(int(rows[0][0]), str(rows[0][1])) if rows else None


def list_workspaces(connection: DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every workspace with its accounts and members."""
    rows = connection.execute(
        """
        SELECT w.slug, w.name, w.created_at,
               (SELECT string_agg(a.handle, ', ' ORDER BY a.handle) FROM workspace_accounts wa
                JOIN accounts a USING (account_id) WHERE wa.workspace_id = w.workspace_id),
               (SELECT string_agg(u.username || ' (' || m.role || ')', ', ' ORDER BY u.username)
                FROM workspace_members m JOIN users u USING (user_id)
                WHERE m.workspace_id = w.workspace_id)
        FROM workspaces w ORDER BY w.slug
        """
    ).fetchall()
    return [
        {"slug": slug, "name": name, "created_at": created, "accounts": handles or "",
         "members": members or ""}
        for slug, name, created, handles, members in rows
    ]  # fmt: skip


def workspace_name(connection: DuckDBPyConnection, slug: str) -> str:
    """The display name of a workspace, or a UsageError."""
    require_workspace(connection, slug)
    return str(fetch_value(connection, "SELECT name FROM workspaces WHERE slug = ?", [slug]))


def memberships(connection: DuckDBPyConnection, user_id: int) -> list[Membership]:
    """The workspaces a user belongs to, with their role, by slug."""
    rows = connection.execute(
        """
        SELECT w.slug, w.name, m.role
        FROM workspace_members m JOIN workspaces w USING (workspace_id)
        WHERE m.user_id = ? ORDER BY w.slug
        """,
        [user_id],
    ).fetchall()
    return [Membership(str(slug), str(name), Role(role)) for slug, name, role in rows]


def role_in(connection: DuckDBPyConnection, user_id: int, slug: str) -> Role | None:
    """The user's role in the workspace, or None when they are not a member (or it is absent)."""
    role = fetch_value(
        connection,
        """
        SELECT m.role FROM workspace_members m JOIN workspaces w USING (workspace_id)
        WHERE m.user_id = ? AND w.slug = ?
        """,
        [user_id, slug],
    )
    return None if role is None else Role(role)


def workspaces_of(connection: DuckDBPyConnection, account_id: str) -> list[str]:
    """The slugs of the workspaces that hold an account."""
    rows = connection.execute(
        """
        SELECT w.slug FROM workspace_accounts wa JOIN workspaces w USING (workspace_id)
        WHERE wa.account_id = ? ORDER BY w.slug
        """,
        [account_id],
    ).fetchall()
    return [str(row[0]) for row in rows]


def workspace_handles(connection: DuckDBPyConnection, slug: str) -> list[str]:
    """The handles of the accounts in a workspace, sorted."""
    rows = connection.execute(
        """
        SELECT a.handle FROM workspace_accounts wa
        JOIN workspaces w USING (workspace_id) JOIN accounts a USING (account_id)
        WHERE w.slug = ? ORDER BY a.handle
        """,
        [slug],
    ).fetchall()
    return [str(row[0]) for row in rows]


def workspace_members(connection: DuckDBPyConnection, slug: str) -> list[dict[str, str]]:
    """The members of a workspace and their roles."""
    rows = connection.execute(
        """
        SELECT u.username, m.role FROM workspace_members m
        JOIN workspaces w USING (workspace_id) JOIN users u USING (user_id)
        WHERE w.slug = ? ORDER BY u.username
        """,
        [slug],
    ).fetchall()
    return [{"username": str(name), "role": str(role)} for name, role in rows]
