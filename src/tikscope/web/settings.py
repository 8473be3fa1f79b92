"""Workspace settings for owners (members, accounts) and every user's own API tokens.

Each change is one function on a write cursor, called by a form route (POST, then a redirect back
to the page with a flash message) and by its JSON twin under /api. A new token's secret is shown
once: it travels to the page in a short-lived, HTTP-only cookie that the page deletes.

On the web an owner adds only accounts of another workspace they own and users who share a
workspace with them; the server's administrator (the CLI) assigns everything else. API tokens are
created in a browser session only, so that a leaked token cannot mint more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tikscope import access as store_access
from tikscope.access import LastOwnerError, Role
from tikscope.errors import UsageError
from tikscope.ids import parse_handle
from tikscope.web.render import render
from tikscope.web.security import (
    Access,
    Identity,
    OwnerAccess,
    check_csrf,
    identity,
    server_state,
)
from tikscope.web.sync_status import FLASH_COOKIE, flash_of, read_flash, redirect_with_flash
from tikscope.web.views import page_context

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
Result = TypeVar("Result")
NameText = Annotated[str, Field(min_length=1, max_length=100)]
TokenId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The token's id.")]
TOKENS_FROM_BROWSER = "create API tokens on the settings page or with `tikscope tokens create`"
NOT_A_COLLEAGUE = (
    "that you may add; the server's administrator adds new users with `tikscope users add`"
)


class NewMember(BaseModel):
    """A user to add to the workspace (one who shares a workspace with you), with their role."""

    username: NameText
    role: Role = Role.viewer


class RoleChange(BaseModel):
    """A member's new role."""

    role: Role


class NewAccount(BaseModel):
    """An account of the store to add to the workspace, by handle."""

    handle: NameText


class NewToken(BaseModel):
    """A label for a new API token."""

    name: Annotated[str, Field(max_length=100)] = "api"


async def checked_identity(
    request: Request, who: Annotated[Identity, Depends(identity)]
) -> Identity:
    """The logged-in user; a browser's unsafe request must carry the CSRF token."""
    await check_csrf(request, who)
    return who


Me = Annotated[Identity, Depends(checked_identity)]


def apply(request: Request, change: Callable[[DuckDBPyConnection], Result]) -> Result:
    """Run one change in one transaction; refusals become 409 (last owner) or 422."""
    state = server_state(request)
    try:
        with state.store.write() as cursor:
            return change(cursor)
    except LastOwnerError as error:
        raise HTTPException(409, str(error)) from error
    except UsageError as error:
        raise HTTPException(422, str(error)) from error


def member_of(cursor: DuckDBPyConnection, workspace: str, username: str) -> store_access.User:
    """A member of the workspace, or 404."""
    user = store_access.find_user(cursor, username)
    if user is None or store_access.role_in(cursor, user.user_id, workspace) is None:
        raise HTTPException(404, f"{username.strip().lower()!r} is not a member of {workspace}")
    return user


def add_member(access: Access, username: str, role: Role) -> Callable[..., dict[str, str]]:
    """Give a user who shares a workspace with the owner a role in this one (or change it)."""

    def change(cursor: DuckDBPyConnection) -> dict[str, str]:
        user = store_access.find_colleague(cursor, access.identity.user.user_id, username)
        if user is None:
            raise HTTPException(404, f"no user {username.strip().lower()!r} {NOT_A_COLLEAGUE}")
        store_access.set_member(cursor, access.workspace, user.username, role)
        return {"username": user.username, "role": role.value}

    return change


def change_role(workspace: str, username: str, role: Role) -> Callable[..., dict[str, str]]:
    """Change a member's role (never the last owner's to less than owner)."""

    def change(cursor: DuckDBPyConnection) -> dict[str, str]:
        user = member_of(cursor, workspace, username)
        store_access.set_member(cursor, workspace, user.username, role)
        return {"username": user.username, "role": role.value}

    return change


def drop_member(workspace: str, username: str) -> Callable[..., str]:
    """Take a member out of the workspace (never the last owner)."""

    def change(cursor: DuckDBPyConnection) -> str:
        user = member_of(cursor, workspace, username)
        store_access.remove_member(cursor, workspace, user.username)
        return user.username

    return change


def add_account(access: Access, handle: str) -> Callable[..., str]:
    """Add an account the owner may add (one in another workspace they own)."""

    def change(cursor: DuckDBPyConnection) -> str:
        clean = parse_handle(handle)
        if clean not in store_access.accounts_open_to(cursor, access.identity.user.user_id):
            raise HTTPException(404, f"no account @{clean} that you may add")
        store_access.add_account(cursor, access.workspace, clean)
        return clean

    return change


def drop_account(workspace: str, handle: str) -> Callable[..., str]:
    """Take an account out of the workspace (its data stays in the store)."""

    def change(cursor: DuckDBPyConnection) -> str:
        clean = parse_handle(handle)
        if clean not in store_access.workspace_handles(cursor, workspace):
            raise HTTPException(404, f"no account @{clean} in workspace {workspace}")
        store_access.remove_account(cursor, workspace, clean)
        return clean

    return change


def create_token(request: Request, who: Identity, name: str) -> dict[str, Any]:
    """A new API token of the user: id, name and the secret (shown once).

    # NOTE: only in a browser session (logged in with the password): were an API token able to
    # create tokens, revoking a leaked one would not contain it.
    """
    if not who.is_browser:
        raise HTTPException(403, TOKENS_FROM_BROWSER)
    now = server_state(request).config.clock()
    token_id, token = apply(
        request,
        lambda cursor: store_access.create_api_token(cursor, who.user.user_id, name, now),
    )
    return {"token_id": token_id, "name": name.strip() or "token", "token": token,
            "created_at": now}  # fmt: skip


def revoke_token(request: Request, who: Identity, token_id: int) -> None:
    """Revoke one of the user's own tokens, or 404 (also for other users' tokens)."""
    now = server_state(request).config.clock()
    revoked = apply(
        request,
        lambda cursor: store_access.revoke_api_token(cursor, who.user.user_id, token_id, now),
    )
    if not revoked:
        raise HTTPException(404, f"you have no active token {token_id}")


def settings_data(request: Request, access: Access) -> dict[str, Any]:
    """Members, accounts (and those that could be added) and the caller's own API tokens."""
    with server_state(request).store.read() as cursor:
        handles = store_access.workspace_handles(cursor, access.workspace)
        open_to = store_access.accounts_open_to(cursor, access.identity.user.user_id)
        return {
            "workspace": {"slug": access.workspace,
                          "name": store_access.workspace_name(cursor, access.workspace)},
            "members": store_access.workspace_members(cursor, access.workspace),
            "accounts": handles,
            "addable_accounts": [handle for handle in open_to if handle not in handles],
            "tokens": store_access.list_api_tokens(cursor, access.identity.user.user_id),
        }  # fmt: skip


# JSON API -----------------------------------------------------------------------------------


@router.get("/api/workspaces/{workspace}/settings", tags=["settings"],
            summary="Members, accounts and your API tokens (owners).")  # fmt: skip
def settings_api(request: Request, access: OwnerAccess) -> dict[str, Any]:
    """The workspace's members and accounts, accounts you could add, and your API tokens."""
    return settings_data(request, access)


@router.post("/api/workspaces/{workspace}/members", status_code=201, tags=["settings"],
             summary="Add a user who shares a workspace with you (owners).")  # fmt: skip
def add_member_api(request: Request, access: OwnerAccess, member: NewMember) -> dict[str, str]:
    """Give a user who shares a workspace with you a role here; 404 for anyone else."""
    return apply(request, add_member(access, member.username, member.role))


@router.put("/api/workspaces/{workspace}/members/{username}", tags=["settings"],
            summary="Change a member's role (owners).")  # fmt: skip
def change_role_api(
    request: Request, access: OwnerAccess, username: str, change: RoleChange
) -> dict[str, str]:
    """Change a member's role; 409 when it would leave the workspace without an owner."""
    return apply(request, change_role(access.workspace, username, change.role))


@router.delete("/api/workspaces/{workspace}/members/{username}", status_code=204,
               tags=["settings"], summary="Remove a member (owners).")  # fmt: skip
def remove_member_api(request: Request, access: OwnerAccess, username: str) -> Response:
    """Take a member out of the workspace; 409 for its last owner."""
    apply(request, drop_member(access.workspace, username))
    return Response(status_code=204)


@router.post("/api/workspaces/{workspace}/accounts", status_code=201, tags=["settings"],
             summary="Add an account of another workspace you own (owners).")  # fmt: skip
def add_account_api(request: Request, access: OwnerAccess, account: NewAccount) -> dict[str, str]:
    """Add an account of another workspace you own; the administrator assigns new accounts."""
    return {"handle": apply(request, add_account(access, account.handle))}


@router.delete("/api/workspaces/{workspace}/accounts/{handle}", status_code=204,
               tags=["settings"], summary="Remove an account from the workspace (owners).",
               )  # fmt: skip
def remove_account_api(request: Request, access: OwnerAccess, handle: str) -> Response:
    """Take an account out of the workspace; its data stays in the store."""
    apply(request, drop_account(access.workspace, handle))
    return Response(status_code=204)


@router.get("/api/me", tags=["me"], summary="Who you are, and your workspaces and roles.")
def me_api(request: Request, who: Me) -> dict[str, Any]:
    """Your user name and the workspaces you belong to, with your role in each."""
    with server_state(request).store.read() as cursor:
        spaces = store_access.memberships(cursor, who.user.user_id)
    return {
        "username": who.user.username,
        "workspaces": [{"slug": s.slug, "name": s.name, "role": s.role.value} for s in spaces],
    }


@router.get("/api/tokens", tags=["me"], summary="Your API tokens (never their secrets).")
def list_tokens_api(request: Request, who: Me) -> list[dict[str, Any]]:
    """Your API tokens, revoked ones included."""
    with server_state(request).store.read() as cursor:
        return store_access.list_api_tokens(cursor, who.user.user_id)


@router.post(
    "/api/tokens",
    status_code=201,
    tags=["me"],
    summary="Create an API token (in a browser session); shows its secret once.",
)
def create_token_api(request: Request, who: Me, token: NewToken) -> dict[str, Any]:
    """A new API token for you; keep `token`, it cannot be shown again. 403 with an API token."""
    return create_token(request, who, token.name)


@router.delete("/api/tokens/{token_id}", status_code=204, tags=["me"],
               summary="Revoke one of your API tokens.")  # fmt: skip
def revoke_token_api(request: Request, who: Me, token_id: TokenId) -> Response:
    """Revoke one of your tokens; 404 when it is not yours or already revoked."""
    revoke_token(request, who, token_id)
    return Response(status_code=204)


# Pages and forms ----------------------------------------------------------------------------


def settings_path(workspace: str) -> str:
    """The settings page of a workspace."""
    return f"/workspaces/{workspace}/settings"


def back_to_page(request: Request, access: Access, flash: dict[str, str]) -> Response:
    """Redirect to the settings page with a flash message (POST, redirect, GET).

    An owner who just gave up owning the workspace goes to its sync page, or the start.
    """
    with server_state(request).store.read() as cursor:
        role = store_access.role_in(cursor, access.identity.user.user_id, access.workspace)
    path = settings_path(access.workspace)
    if role is not Role.owner:
        return RedirectResponse(f"/workspaces/{access.workspace}/sync" if role else "/", 303)
    return redirect_with_flash(request, path, flash)


def form_action(request: Request, access: Access, run: Callable[[], str]) -> Response:
    """Run a form's change; its message or refusal becomes the page's flash message."""
    return back_to_page(request, access, flash_of(run))


@router.get("/workspaces/{workspace}/settings", response_class=HTMLResponse,
            include_in_schema=False)  # fmt: skip
def settings_page(request: Request, access: OwnerAccess) -> Response:
    """The settings page; shows (once) what the last form action left for it."""
    flash = read_flash(request)
    data = settings_data(request, access)
    context = {**data, **page_context(request, access), "space": data["workspace"]}
    roles = [role.value for role in Role]
    page = render(request, "settings.html.j2", {**context, "flash": flash, "roles": roles})
    if flash is not None:
        page.delete_cookie(FLASH_COOKIE, path=settings_path(access.workspace))
    return page


FormText = Annotated[str, Form(max_length=100)]


@router.post("/workspaces/{workspace}/settings/members", include_in_schema=False)
def add_member_form(
    request: Request, access: OwnerAccess, username: FormText, role: Annotated[Role, Form()]
) -> Response:
    """Add a member, or change a member's role."""

    def run() -> str:
        added = apply(request, add_member(access, username, role))
        return f"{added['username']} is now {added['role']} of {access.workspace}."

    return form_action(request, access, run)


@router.post("/workspaces/{workspace}/settings/members/{username}/remove",
             include_in_schema=False)  # fmt: skip
def remove_member_form(request: Request, access: OwnerAccess, username: str) -> Response:
    """Remove a member."""

    def run() -> str:
        removed = apply(request, drop_member(access.workspace, username))
        return f"Removed {removed} from {access.workspace}."

    return form_action(request, access, run)


@router.post("/workspaces/{workspace}/settings/accounts", include_in_schema=False)
def add_account_form(request: Request, access: OwnerAccess, handle: FormText) -> Response:
    """Add an account."""

    def run() -> str:
        return f"Added @{apply(request, add_account(access, handle))}."

    return form_action(request, access, run)


@router.post("/workspaces/{workspace}/settings/accounts/{handle}/remove",
             include_in_schema=False)  # fmt: skip
def remove_account_form(request: Request, access: OwnerAccess, handle: str) -> Response:
    """Remove an account (its data stays in the store)."""

    def run() -> str:
        return f"Removed @{apply(request, drop_account(access.workspace, handle))}."

    return form_action(request, access, run)


@router.post("/workspaces/{workspace}/settings/tokens", include_in_schema=False)
def create_token_form(
    request: Request, access: OwnerAccess, name: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Create an API token (not with an API token); the page shows its secret once."""
    created = create_token(request, access.identity, name)
    return back_to_page(request, access, {
        "kind": "ok", "token": created["token"],
        "message": f"Created token {created['token_id']} ({created['name']}). Copy it now: "
                   "it will not be shown again.",
    })  # fmt: skip


@router.post("/workspaces/{workspace}/settings/tokens/{token_id}/revoke", include_in_schema=False)
def revoke_token_form(request: Request, access: OwnerAccess, token_id: TokenId) -> Response:
    """Revoke one of the user's tokens."""

    def run() -> str:
        revoke_token(request, access.identity, token_id)
        return f"Revoked token {token_id}."

    return form_action(request, access, run)
