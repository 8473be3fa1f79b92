"""The web app: pages and their JSON twins over one store, behind logins and workspace roles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tikscope.web.limits import BodyGuard, BodyLimits
from tikscope.web.render import CONTENT_SECURITY_POLICY, render
from tikscope.web.state import ServerState, StoreBusyError, WebConfig, open_state
from tikscope.web.views import error_frame

API_DESCRIPTION = """JSON twin of every tikscope page. Authenticate with an API token
(`tikscope tokens create`) as `Authorization: Bearer <token>`. Numbers are fractions (0-1) where
the unit says fraction; ids are strings; dates are ISO 8601, times UTC."""


# NOTE: the account views appear in the navigation in this order.
ROUTE_MODULES = (
    "login", "overview", "community", "content", "posts", "comments", "activity", "audience",
    "recommendations", "rewards", "media_kit", "sync_status", "settings", "schedules",
    "server_routes", "velocity",
)  # fmt: skip


def create_app(config: WebConfig, *, state: ServerState | None = None) -> FastAPI:
    """The app for one store; opens the store at startup unless a `state` is given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = state or open_state(config)
        app.state.server = opened
        try:
            yield
        finally:
            opened.worker.close()
            if state is None:
                opened.store.close()

    app = FastAPI(
        title="tikscope", version="0.1.0", description=API_DESCRIPTION, lifespan=lifespan,
        docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
    )  # fmt: skip
    if state is not None:
        app.state.server = state
    # NOTE: no Swagger UI page: FastAPI's loads its files from a CDN, and tikscope works offline.
    app.openapi = lambda: describe_errors(FastAPI.openapi(app))  # type: ignore[method-assign]
    add_routes(app)
    add_error_pages(app)
    # NOTE: inside the security headers (its refusals carry them too), before anything reads.
    limits = BodyLimits(default=config.max_body_bytes, commands=config.max_command_body_bytes)
    app.add_middleware(BodyGuard, limits=limits)
    add_security_headers(app)
    if config.allowed_hosts:
        # NOTE: against DNS rebinding: a page of another site that resolves its name to this
        # machine gets 400 instead of the login form.
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(config.allowed_hosts))
    return app


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "properties": {"detail": {"anyOf": [
        {"type": "string"}, {"type": "array", "items": {"type": "string"}}]}},
    "required": ["detail"],
}  # fmt: skip


def describe_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with tikscope's error body (`detail`: a message or a list of them) for 422s.

    FastAPI documents its own validation body; tikscope answers `{"detail": "..."}` or a list of
    "field: problem" lines, which read better in a terminal.
    """
    schemas = spec.get("components", {}).get("schemas", {})
    if "HTTPValidationError" in schemas:
        schemas["HTTPValidationError"] = ERROR_SCHEMA
    return spec


def add_routes(app: FastAPI) -> None:
    """Static files, login, and every page with its JSON twin."""
    import importlib

    static = Path(str(resources.files("tikscope.web") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_bundle() -> FileResponse:
        """plotly.js as shipped inside the installed plotly package (no CDN)."""
        bundle = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
        return FileResponse(bundle, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip

    for name in ROUTE_MODULES:
        app.include_router(importlib.import_module(f"tikscope.web.{name}").router)


def wants_html(request: Request) -> bool:
    """Whether the request is for a page rather than the API."""
    return not request.url.path.startswith("/api/")


def add_error_pages(app: FastAPI) -> None:
    """Errors as JSON `{"detail": ...}` under /api, as a page (or the login form) elsewhere.

    An error page keeps the frame (navigation, workspace and account pickers) for a member of
    the workspace in the path, so that a refused period is one click from a good one.
    """

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if not wants_html(request):
            return JSONResponse({"detail": error.detail}, error.status_code, headers=error.headers)
        if error.status_code == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return await error_page(request, error.status_code, str(error.detail))

    @app.exception_handler(StoreBusyError)
    async def busy(request: Request, error: StoreBusyError) -> Response:
        return await http_error(request, HTTPException(409, str(error)))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        problems = [describe_problem(item) for item in error.errors()]
        if not wants_html(request):
            return JSONResponse({"detail": problems}, 422)
        return await error_page(request, 422, "; ".join(problems))


async def error_page(request: Request, status: int, detail: str) -> Response:
    """The error page, in the frame of the workspace and account of its path when allowed."""
    frame = await error_frame(request)
    return render(request, "error.html.j2", {**frame, "status": status, "detail": detail},
                  status=status)  # fmt: skip


def describe_problem(item: Any) -> str:
    """One refused parameter in plain words: "start: '2026-13-01' is not a date; use YYYY-MM-DD".

    Pydantic's own words ("Input should be a valid date or datetime, month value is outside
    expected range of 1-12") name its types, not what to type.
    """
    location = [str(part) for part in item["loc"]]
    name = ".".join(location[1:] if location[:1] in (["query"], ["path"], ["body"]) else location)
    given, context = item.get("input"), item.get("ctx") or {}
    match item["type"]:
        case (
            "date_parsing"
            | "date_from_datetime_parsing"
            | "date_from_datetime_inexact"
            | ("date_type")
        ):
            return f"{name}: {given!r} is not a date; use YYYY-MM-DD"
        case "int_parsing" | "int_type" | "int_from_float":
            return f"{name}: {given!r} is not a whole number"
        case "greater_than_equal":
            return f"{name}: {given!r} is too small; the least is {context['ge']}"
        case "less_than_equal":
            return f"{name}: {given!r} is too large; the most is {context['le']}"
        case "bool_parsing" | "bool_type":
            return f"{name}: {given!r} is not true or false"
        case "enum" | "literal_error":
            return f"{name}: {given!r} is not one of {context.get('expected', '')}"
        case "missing":
            return f"{name}: missing"
        case _:
            return f"{name}: {item['msg']}"


def add_security_headers(app: FastAPI) -> None:
    """Headers every answer carries: no framing, no sniffing, scripts only from this site."""
    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    """Plain ASGI middleware (cheaper per request than Starlette's `BaseHTTPMiddleware`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = [
            (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]
        if not path.startswith(("/static/", "/vendor/", "/api/openapi.json")):
            # NOTE: pages and API answers are private (a new token's secret, for one).
            extra.append((b"cache-control", b"private, no-store"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *[(name, value) for name, value in extra if name not in present],
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
