"""The first start of a server on a store without users: an owner to log in with."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from tikscope import access
from tikscope.web.state import ServerStore

FIRST_USER = "admin"
FIRST_WORKSPACE = "default"


@dataclass(frozen=True)
class FirstOwner:
    """The owner made on a store that had no users: the password is shown once, never stored."""

    username: str
    password: str
    workspace: str
    accounts: tuple[str, ...]


def create_first_owner(store: ServerStore, now: datetime) -> FirstOwner | None:
    """On a store with no users, add `admin` (random password) owning `default` with every account.

    Returns:
        The new owner, or None when the store had users already (nothing changes then).
    """
    with store.write() as cursor:
        if access.list_users(cursor):
            return None
        password = secrets.token_urlsafe(12)
        access.create_user(cursor, FIRST_USER, password, now)
        slug = FIRST_WORKSPACE
        if access.workspace_id(cursor, slug) is None:
            access.create_workspace(cursor, slug, "Default", now)
        access.set_member(cursor, slug, FIRST_USER, access.Role.owner)
        handles = [row[0] for row in cursor.execute(
            "SELECT handle FROM accounts ORDER BY handle").fetchall()]  # fmt: skip
        for handle in handles:
            access.add_account(cursor, slug, handle)
    return FirstOwner(FIRST_USER, password, slug, tuple(handles))
