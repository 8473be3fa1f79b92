"""Who is asking, and may they: sessions or API tokens, workspace roles, CSRF.

Every route that shows or changes data depends on `Access` (via `viewer`, `editor`, `owner`),
which checks, in order: a valid identity (401), membership of the workspace (404: a workspace that
is not yours looks like one that does not exist), the role (403), and for a browser's unsafe
request the CSRF token (403). API tokens need no CSRF token: browsers never send them on their own.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from tikscope.access import Role, User, role_in, token_user, workspace_handles
from tikscope.access.passwords import hash_token
from tikscope.access.sessions import find_session
from tikscope.errors import InvalidHandleError, TikscopeError
from tikscope.ids import parse_handle
from tikscope.metrics.query import Account, find_account
from tikscope.web.state import ServerState

SESSION_COOKIE = "tikscope_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
bearer = HTTPBearer(auto_error=False, description="An API token from `tikscope tokens create`.")


class NotLoggedInError(HTTPException):
    """No valid session or token: pages redirect to the login page, the API answers 401."""

    def __init__(self) -> None:
        super().__init__(401, "log in, or send an API token as 'Authorization: Bearer ...'")


@dataclass(frozen=True)
class Identity:
    """A logged-in user and, for a browser session, the CSRF token it must send back."""

    user: User
    csrf_token: str | None

    @property
    def is_browser(self) -> bool:
        """Whether the request came with a session cookie rather than an API token."""
        return self.csrf_token is not None


@dataclass(frozen=True)
class Access:
    """A request allowed into a workspace with a role."""

    identity: Identity
    workspace: str
    role: Role


def server_state(request: Request) -> ServerState:
    """The running server's shared state."""
    state: ServerState = request.app.state.server
    return state


async def optional_identity(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Identity | None:
    """The user behind an API token or a session cookie, or None (lookups are remembered)."""
    state = server_state(request)
    if credentials is not None:
        return identify_token(state, credentials.credentials)
    return identify_session(state, request.cookies.get(SESSION_COOKIE))


def identify(
    state: ServerState, authorization: str | None, cookies: Mapping[str, str]
) -> Identity | None:
    """`optional_identity` from a request's `Authorization` header and cookies.

    For code in front of the routes (`tikscope.web.limits`), which has no `Request` yet.
    """
    scheme, token = get_authorization_scheme_param(authorization)
    if authorization and scheme.lower() == "bearer" and token:
        return identify_token(state, token)
    return identify_session(state, cookies.get(SESSION_COOKIE))


def identify_token(state: ServerState, token: str) -> Identity | None:
    """The user of an API token, or None."""
    user = remembered_unless_none(state, token_user, token)
    return Identity(user, None) if user else None


def identify_session(state: ServerState, cookie: str | None) -> Identity | None:
    """The user of a session cookie, or None."""
    if not cookie:
        return None
    minute = state.config.clock().replace(second=0, microsecond=0)
    session = remembered_unless_none(state, find_session, cookie, minute)
    return Identity(session.user, session.csrf_token) if session else None


def remembered_unless_none(
    state: ServerState, function: Callable[..., Any], secret: str, *rest: Any
) -> Any:
    """A lookup by a secret, remembered under the secret's hash, and only when it found someone.

    # NOTE: unknown tokens are not remembered, so that a flood of made-up tokens cannot push the
    # pages out of the cache; and the cache never holds a usable secret as a key.
    """
    key = ("secret", function.__qualname__, hash_token(secret), *rest)
    found = state.recall(key)
    if found is not None:
        return found

    def compute() -> Any:
        with state.store.read() as cursor:
            return function(cursor, secret, *rest)

    found = compute()
    return state.remember(key, lambda: found) if found is not None else None


async def identity(
    found: Annotated[Identity | None, Depends(optional_identity)],
) -> Identity:
    """The logged-in user, or 401."""
    if found is None:
        raise NotLoggedInError()
    return found


async def check_csrf(request: Request, who: Identity) -> None:
    """Refuse a browser's unsafe request without the session's CSRF token (header or form)."""
    if request.method not in UNSAFE_METHODS or not who.is_browser:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, who.csrf_token or ""):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")


def require(needed: Role) -> Callable[..., Any]:
    """A dependency that admits members of the path's workspace with at least `needed`."""

    async def dependency(
        request: Request, workspace: str, who: Annotated[Identity, Depends(identity)]
    ) -> Access:
        role = server_state(request).lookup(role_in, who.user.user_id, workspace)
        if role is None:
            raise HTTPException(404, f"no workspace {workspace!r}")
        if not role.allows(needed):
            raise HTTPException(403, f"this needs the {needed.value} role in {workspace}")
        await check_csrf(request, who)
        return Access(who, workspace, role)

    return dependency


viewer = require(Role.viewer)
editor = require(Role.editor)
owner = require(Role.owner)
ViewerAccess = Annotated[Access, Depends(viewer)]
EditorAccess = Annotated[Access, Depends(editor)]
OwnerAccess = Annotated[Access, Depends(owner)]


def workspace_account(request: Request, access: Access, handle: str) -> Account:
    """An account of the workspace, or 404 (also for accounts of other workspaces)."""
    state = server_state(request)
    try:
        clean = parse_handle(handle)
    except InvalidHandleError as error:
        raise HTTPException(404, str(error)) from error
    if clean not in state.lookup(workspace_handles, access.workspace):
        raise HTTPException(404, f"no account @{clean} in workspace {access.workspace}")
    try:
        found: Account = state.lookup(find_account, clean)
    except TikscopeError as error:
        raise HTTPException(404, str(error)) from error
    return found
