"""The fake TikTok server as a Starlette app, and a way to run it in a background thread.

One origin serves every API: Business under `/open_api/v1.3/`, the open API under `/v2/`, the
authorize page at `/v2/auth/authorize/`, and control endpoints under `/_fake/`:

- `GET /_fake/faults`, `POST /_fake/faults` with `{"faults": ["rate-limit:3", ...]}` (replaces
  the faults on; counters restart), `POST /_fake/reset` (no faults, counts and request ids
  restart; tokens stay valid), `GET /_fake/stats`, `POST /_fake/clock` with
  `{"advance_seconds": S}` (moves the clock tokens and the daily quota use), `GET /_fake/account`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tikscope.errors import UsageError
from tikscope.fake import business, display, oauth, research
from tikscope.fake.data import FakeConfig
from tikscope.fake.faults import Fault, parse_faults
from tikscope.fake.server import (
    BusinessRefusal,
    Call,
    FakeServer,
    Family,
    Handler,
    OpenApiRefusal,
)

if TYPE_CHECKING:
    from starlette.requests import Request

BUSINESS = "/open_api/v1.3"
ENDPOINTS: tuple[tuple[str, str, Family, Handler], ...] = (
    (f"{BUSINESS}/business/get/", "GET", "business", business.get_business),
    (f"{BUSINESS}/business/video/list/", "GET", "business", business.list_videos),
    (f"{BUSINESS}/business/comment/list/", "GET", "business", business.list_comments),
    (f"{BUSINESS}/business/comment/reply/list/", "GET", "business", business.list_replies),
    (f"{BUSINESS}/tt_user/oauth2/token/", "POST", "business-oauth", oauth.business_token),
    (f"{BUSINESS}/tt_user/oauth2/refresh_token/", "POST", "business-oauth", oauth.business_refresh),
    ("/v2/oauth/token/", "POST", "open-oauth", oauth.open_token),
    ("/v2/auth/authorize/", "GET", "page", oauth.authorize_page),
    ("/v2/user/info/", "GET", "display", display.user_info),
    ("/v2/video/list/", "POST", "display", display.list_videos),
    ("/v2/video/query/", "POST", "display", display.query_videos),
    ("/v2/research/user/info/", "POST", "research", research.user_info),
    ("/v2/research/user/followers/", "POST", "research", research.followers),
    ("/v2/research/user/following/", "POST", "research", research.following),
    ("/v2/research/video/query/", "POST", "research", research.query_videos),
    ("/v2/research/video/comment/list/", "POST", "research", research.list_comments),
)


def as_faults(faults: Sequence[str | Fault]) -> tuple[Fault, ...]:
    """Faults given as objects or as `NAME[:N]` strings."""
    return parse_faults([str(fault) for fault in faults])


def create_app(config: FakeConfig | None = None, faults: Sequence[str | Fault] = ()) -> Starlette:
    """The fake server for one simulated account, with `faults` switched on.

    Raises:
        UsageError: a fault is unknown or badly written.
    """
    server = FakeServer(config or FakeConfig(), as_faults(faults))
    routes = [
        Route(path, bind(server, family, handler), methods=[method])
        for path, method, family, handler in ENDPOINTS
    ]
    routes += control_routes(server)
    routes += [
        Route(BUSINESS + "/{rest:path}", bind(server, "business-other", unknown_business),
              methods=["GET", "POST"]),
        Route("/v2/{rest:path}", bind(server, "open-other", unknown_open), methods=["GET", "POST"]),
    ]  # fmt: skip
    app = Starlette(routes=routes)
    app.state.fake = server
    return app


def bind(server: FakeServer, family: Family, handler: Handler) -> Any:
    """A Starlette endpoint running `handler` through the server's pipeline."""

    async def endpoint(request: Request) -> Response:
        return await server.dispatch(request, family, handler)

    return endpoint


async def unknown_business(call: Call) -> Response:
    """Business answer to an unknown path."""
    raise BusinessRefusal(40006, f"no schema found for {call.request.url.path}")


async def unknown_open(call: Call) -> Response:
    """Open API answer to an unknown path."""
    raise OpenApiRefusal(404, "invalid_request", f"Unknown path {call.request.url.path}.")


def control_routes(server: FakeServer) -> list[Route]:
    """The `/_fake/` endpoints: faults, reset, stats, clock, account."""

    async def get_faults(request: Request) -> Response:
        return JSONResponse({"faults": server.faults.describe()})

    async def set_faults(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
            names = body.get("faults") if isinstance(body, dict) else None
            if not isinstance(names, list):
                raise UsageError('send {"faults": ["NAME[:N]", ...]}')
            server.switch_faults(parse_faults([str(name) for name in names]))
        except (ValueError, UsageError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse({"faults": server.faults.describe()})

    async def reset(request: Request) -> Response:
        server.reset()
        return JSONResponse({"faults": [], "stats": server.stats()})

    async def stats(request: Request) -> Response:
        return JSONResponse(server.stats())

    async def clock(request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        seconds = body.get("advance_seconds", 0) if isinstance(body, dict) else 0
        if not isinstance(seconds, int | float) or seconds < 0:
            return JSONResponse({"error": "advance_seconds must be a number >= 0"}, 400)
        server.clock.advance(float(seconds))
        return JSONResponse({"now": server.clock.now()})

    async def account(request: Request) -> Response:
        return JSONResponse(account_summary(server))

    return [
        Route("/_fake/faults", get_faults, methods=["GET"]),
        Route("/_fake/faults", set_faults, methods=["POST"]),
        Route("/_fake/reset", reset, methods=["POST"]),
        Route("/_fake/stats", stats, methods=["GET"]),
        Route("/_fake/clock", clock, methods=["POST"]),
        Route("/_fake/account", account, methods=["GET"]),
    ]


def account_summary(server: FakeServer) -> dict[str, Any]:
    """Who the fake serves: handle, ids, serving day and sizes."""
    account = server.account
    return {
        "handle": account.config.handle,
        "business_id": account.business_id,
        "open_id": account.business_id,
        "today": account.today.isoformat(),
        "posts": len(account.posts),
        "followers": account.profile["followers_count"],
    }


@contextmanager
def serve_in_thread(
    config: FakeConfig | None = None,
    faults: Sequence[str | Fault] = (),
    *,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[str]:
    """Run a fake server in a background thread; yields its origin, e.g. `http://127.0.0.1:PORT`.

    Port 0 picks a free port. The server stops when the block ends.

    Raises:
        UsageError: a fault is unknown or badly written.
        RuntimeError: the server did not start within 30 seconds.
    """
    with serve_app_in_thread(create_app(config, faults), host=host, port=port) as origin:
        yield origin


@contextmanager
def serve_app_in_thread(app: Any, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run an ASGI app with uvicorn in a background thread; yields its origin.

    Raises:
        RuntimeError: the server did not start within 30 seconds.
    """
    import socket
    import threading
    import time

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    settings = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", ws="none", loop="asyncio"
    )
    server = uvicorn.Server(settings)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        if not server.started:
            raise RuntimeError("the fake TikTok server did not start")
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
