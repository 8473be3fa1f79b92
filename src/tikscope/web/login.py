"""Logging in and out, and the front door that sends a user to their first workspace."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tikscope.access import authenticate, memberships, workspace_handles
from tikscope.access.sessions import end_session, start_session
from tikscope.web.render import render
from tikscope.web.security import (
    SESSION_COOKIE,
    Identity,
    check_csrf,
    identity,
    optional_identity,
    server_state,
)

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "tikscope_login"


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site only (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None, error: str | None = None) -> Response:
    """The login form, with a fresh token against login CSRF."""
    token = secrets.token_urlsafe(24)
    page = render(request, "login.html.j2", {"next": safe_next(next), "error": error,
                                             "login_token": token})  # fmt: skip
    set_cookie(request, page, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return page


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    login_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the password (rate-limited per user name and address) and start a session."""
    state = server_state(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, login_token):
        raise HTTPException(403, "the login form expired; reload the page and try again")
    now = state.config.clock()
    client = request.client.host if request.client else "unknown"
    keys = [f"user:{username.strip().lower()}", f"address:{client}"]
    wait = state.limiter.reserve(keys, now)
    if wait:
        refused = render(request, "login.html.j2", {
            "next": safe_next(next), "login_token": login_token,
            "error": f"Too many failed logins. Try again in {wait} seconds.",
        }, status=429)  # fmt: skip
        refused.headers["Retry-After"] = str(wait)
        return refused
    with state.store.read() as cursor:
        user = authenticate(cursor, username, password)
    if user is None:
        return render(request, "login.html.j2", {
            "next": safe_next(next), "login_token": login_token,
            "error": "Wrong user name or password.",
        }, status=401)  # fmt: skip
    state.limiter.succeeded(keys[0], keys[1], now)
    with state.store.write() as cursor:
        cookie, _ = start_session(cursor, user, now)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, cookie, max_age=7 * 24 * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request, who: Annotated[Identity, Depends(identity)]) -> Response:
    """End the session (needs the CSRF token, like every form)."""
    await check_csrf(request, who)
    cookie = request.cookies.get(SESSION_COOKIE)
    state = server_state(request)
    if cookie:

        def end() -> None:
            with state.store.write() as cursor:
                end_session(cursor, cookie)

        # NOTE: in a worker thread: the writer lock may be held by a sync, and the event loop
        # must keep serving meanwhile.
        await run_in_threadpool(end)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/go")
def go(to: str = "/") -> RedirectResponse:
    """Where the workspace and account menus lead when scripts are off (this site only)."""
    return RedirectResponse(safe_next(to), status_code=303)


@router.get("/")
def home(request: Request, who: Annotated[Identity | None, Depends(optional_identity)]) -> Response:
    """The first account of the user's first workspace, or the login page."""
    if who is None:
        return RedirectResponse("/login", status_code=303)
    state = server_state(request)
    with state.store.read() as cursor:
        spaces = memberships(cursor, who.user.user_id)
        handles = workspace_handles(cursor, spaces[0].slug) if spaces else []
    if not spaces:
        raise HTTPException(404, "you are not a member of any workspace yet; ask an owner")
    if not handles:
        return RedirectResponse(f"/workspaces/{spaces[0].slug}/sync", status_code=303)
    return RedirectResponse(
        f"/workspaces/{spaces[0].slug}/accounts/{handles[0]}/overview", status_code=303
    )


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int
) -> None:
    """A cookie that scripts cannot read, sent only to this site (and over HTTPS if configured)."""
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
        secure=server_state(request).config.secure_cookies,
    )  # fmt: skip
