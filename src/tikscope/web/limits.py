"""Request bodies: refused before they are read when too large or when nobody is logged in.

FastAPI reads and parses a request's whole body before it runs the dependencies that check who
is asking, so without this a stranger's 400 MB `POST` was read into memory before its 401. This
plain ASGI middleware (it never reads a body itself) sits in front of the app and:

1. answers 413 at once when `Content-Length` is over the path's limit;
2. answers 401 (API) or sends to the login page (pages) at once when a request carries a body and
   neither a valid API token nor a session comes with it; the login form itself is open, and the
   commands of other processes need the server's secret instead (see `tikscope.web.forward`);
3. counts the bytes of a body the app reads as they arrive (chunked bodies have no length), and
   stops it with 413 at the limit.

A refused request's connection is closed (`Connection: close`), so that the rest of its body is
never read. A refused request with a small body (`KEEP_OPEN_LIMIT`) keeps its connection: the
server drops the body as it arrives, while closing a connection the client is still writing to
resets it, often before the client has read the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tikscope.web.forward import forwarding_refusal
from tikscope.web.security import NotLoggedInError, identify
from tikscope.web.server_file import COMMAND_PATH
from tikscope.web.state import ServerState

OPEN_PATHS = frozenset({"/login"})
"""Paths that take a body from someone not logged in (the login form)."""
CLOSE = {"Connection": "close"}
KEEP_OPEN_LIMIT = 64 * 1024
"""A refused request announcing a body up to this size keeps its connection open."""


def describe_size(size: int) -> str:
    """A byte count as people say it: `1 MiB (1048576 bytes)`."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit} ({size} bytes)"
    return f"{size} bytes"


class BodyTooLargeError(HTTPException):
    """A request body over its limit (413); the connection is closed after the answer."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"the request body is over the limit of {describe_size(limit)}", headers=CLOSE
        )


@dataclass(frozen=True)
class BodyLimits:
    """The most bytes a request body may hold.

    Attributes:
        default: any request to the app (forms and JSON are a few kilobytes).
        commands: a command of another process run through the server, with its piped input.
    """

    default: int
    commands: int

    def of(self, path: str) -> int:
        """The limit of a request to `path`."""
        return self.commands if path.startswith(COMMAND_PATH) else self.default


class BodyGuard:
    """Plain ASGI middleware: the checks of the module docstring, in order."""

    def __init__(self, app: ASGIApp, *, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse what can be refused from the head; count the body of the rest."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limits.of(scope["path"])
        if has_body(headers):
            refusal = self.refusal(scope, headers, limit)
            if refusal is not None:
                if refusal.status_code != 413 and is_small(headers):
                    del refusal.headers["connection"]
                await refusal(scope, receive, send)
                return
        await self.counted(scope, receive, send, limit)

    def refusal(self, scope: Scope, headers: Headers, limit: int) -> Response | None:
        """The answer to a request with a body that must not be read, or None."""
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            error = BodyTooLargeError(limit)
            return JSONResponse({"detail": error.detail}, 413, headers=CLOSE)
        path: str = scope["path"]
        if path in OPEN_PATHS:
            return None
        if path.startswith(COMMAND_PATH):
            client = scope.get("client")
            refused = forwarding_refusal(scope["app"].state, client[0] if client else "", headers)
            if refused is None:
                return None
            return JSONResponse({"detail": refused.detail}, refused.status_code, headers=CLOSE)
        state: ServerState = scope["app"].state.server
        if identify(state, headers.get("authorization"), cookies_of(headers)) is not None:
            return None
        if path.startswith("/api/"):
            return JSONResponse({"detail": NotLoggedInError().detail}, 401, headers=CLOSE)
        return RedirectResponse(f"/login?next={path}", status_code=303, headers=CLOSE)

    async def counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app with a body that stops at `limit` bytes."""
        received = 0
        started = False

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def send_watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive_counted, send_watched)
        except BodyTooLargeError as error:
            # NOTE: the app's error handlers answer when the body is read inside a route; this
            # answers when it is read elsewhere (a middleware, a dependency's form).
            if started:
                raise
            response = JSONResponse({"detail": error.detail}, 413, headers=CLOSE)
            await response(scope, receive, send)


def is_small(headers: Headers) -> bool:
    """Whether the request's head announces a body of at most `KEEP_OPEN_LIMIT` bytes."""
    length = headers.get("content-length", "").strip()
    return length.isdigit() and int(length) <= KEEP_OPEN_LIMIT


def has_body(headers: Headers) -> bool:
    """Whether the request's head announces a body (a length above 0, or chunks)."""
    length = headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in headers


def cookies_of(headers: Headers) -> dict[str, str]:
    """The request's cookies, read as Starlette reads them."""
    return cookie_parser(headers.get("cookie", ""))
