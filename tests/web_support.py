"""A small two-workspace store and a real web server for the web tests.

Workspace `agency` holds the business account `casa_verde_demo` (owner olivia, editor eddie,
viewer vera); workspace `rival` holds the personal account `other_brand` (owner rita). Every user's
password is PASSWORD. The server runs uvicorn in a thread on a free loopback port.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tikscope import access
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store
from tikscope.web.app import create_app
from tikscope.web.state import WebConfig

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

PASSWORD = "password-123456"
NOW = datetime(2026, 11, 21, 12)
END = date(2026, 11, 20)
MEMBERS = {
    "agency": {"olivia": access.Role.owner, "eddie": access.Role.editor,
               "vera": access.Role.viewer},
    "rival": {"rita": access.Role.owner},
}  # fmt: skip
ACCOUNTS = {"agency": "casa_verde_demo", "rival": "other_brand"}


@dataclass(frozen=True)
class WebStore:
    """A store file and one API token per user name."""

    path: Path
    tokens: dict[str, str]


def build_web_store(path: Path) -> WebStore:
    """Simulate both accounts, then add the users, workspaces and tokens."""
    with open_store(path, create=True) as connection:
        simulate_into_store(connection, SimulationConfig(
            seed=3, account_type="business", handle="casa_verde_demo", days=120, posts=40,
            members=1500, communities=4, end_date=END))  # fmt: skip
        simulate_into_store(connection, SimulationConfig(
            seed=4, account_type="personal", handle="other_brand", days=60, posts=15,
            members=300, communities=3, end_date=END))  # fmt: skip
        tokens = {}
        for slug, members in MEMBERS.items():
            access.create_workspace(connection, slug, slug.capitalize(), NOW)
            access.add_account(connection, slug, ACCOUNTS[slug])
            for username, role in members.items():
                user = access.create_user(connection, username, PASSWORD, NOW)
                access.set_member(connection, slug, username, role)
                tokens[username] = access.create_api_token(connection, user.user_id, "tests", NOW)[
                    1
                ]
    return WebStore(path, tokens)


def copy_store(template: WebStore, path: Path) -> WebStore:
    """A copy of a built store, so that a test may change it."""
    shutil.copy(template.path, path)
    return WebStore(path, template.tokens)


@contextmanager
def serve(config: WebConfig) -> Iterator[str]:
    """Run the web app in a thread; yields its origin, e.g. `http://127.0.0.1:PORT`."""
    with serve_app(create_app(config)) as origin:
        yield origin


@contextmanager
def serve_app(app: FastAPI, settings: uvicorn.Config | None = None) -> Iterator[str]:
    """Run an app the test prepared with uvicorn in a thread; yields its origin."""
    import uvicorn

    # NOTE: the asyncio loop, not uvloop: uvloop leaves a second socket object to the garbage
    # collector, which pytest reports as an unclosed socket.
    settings = settings or uvicorn.Config(
        app, log_level="warning", access_log=False, ws="none", loop="asyncio"
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(settings)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        raise RuntimeError("the web server did not start")
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def login(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    """Log in through the form, as a browser does; the client keeps the session cookie."""
    form = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    return client.post(
        "/login",
        data={"username": username, "password": password, "login_token": token.group(1),
              "next": "/"},
    )  # fmt: skip


def csrf_token(page: str) -> str:
    """The CSRF token a page carries in its forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def bearer(token: str) -> dict[str, str]:
    """Headers that authenticate an API call with a token."""
    return {"Authorization": f"Bearer {token}"}
