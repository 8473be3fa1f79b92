"""The local web server that catches TikTok's OAuth redirect (`tikscope connect`).

TikTok sends the browser back to `http://127.0.0.1:PORT/callback?code=...&state=...` (a Business
app may send `auth_code`), or with `error` and `error_description` when the user refused. The
server answers with a small "you can close this tab" page and hands the code over once.
"""

from __future__ import annotations

import html
import socketserver
import threading
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tikscope.errors import SourceError, UsageError


class CallbackServer:
    """A one-shot local web server for the OAuth redirect.

    Use it as a context manager: it listens from `__enter__` on, so the authorize page can be
    opened only once a redirect can land. `port=0` picks a free port (see `redirect_uri`).
    """

    def __init__(self, port: int, *, state: str) -> None:
        """Prepare to listen on 127.0.0.1:`port` for a redirect carrying `state`."""
        self.requested_port = port
        self.state = state
        self.done = threading.Event()
        self.code: str | None = None
        self.failure: str | None = None
        self.server: socketserver.TCPServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port listened on."""
        assert self.server is not None, "use CallbackServer as a context manager"
        return int(self.server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        """The redirect URI to register with the app and pass to TikTok."""
        return f"http://127.0.0.1:{self.port}/callback"

    def __enter__(self) -> CallbackServer:
        """Start listening in a background thread."""
        handler = type("CallbackHandler", (CallbackHandler,), {"catcher": self})
        try:
            self.server = ReusableServer(("127.0.0.1", self.requested_port), handler)
        except OSError as error:
            raise UsageError(
                f"cannot listen on 127.0.0.1:{self.requested_port} for TikTok's redirect "
                f"({error.strerror}); pass --port with a free port"
            ) from None
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop listening."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join()

    def wait(self, timeout: float) -> str:
        """The authorization code, once TikTok's redirect arrives."""
        if not self.done.wait(timeout):
            raise SourceError(
                f"no redirect from TikTok reached {self.redirect_uri} within {timeout:g} s; "
                "run 'tikscope connect' again and finish the authorization in the browser"
            )
        if self.failure is not None:
            raise SourceError(self.failure)
        assert self.code is not None
        return self.code

    def accept(self, query: dict[str, list[str]]) -> str | None:
        """Take the redirect's parameters; the failure message, or None when a code came."""
        first = {name: values[0] for name, values in query.items() if values}
        code = first.get("code") or first.get("auth_code")
        if "error" in first:
            description = first.get("error_description") or "no description"
            self.failure = f"TikTok refused the authorization: {first['error']}: {description}"
        elif first.get("state") != self.state:
            self.failure = (
                "the redirect's state does not match this authorization (an old tab or a forged "
                "link); run 'tikscope connect' again"
            )
        elif not code:
            self.failure = "TikTok's redirect carried no authorization code"
        else:
            self.code = code
        self.done.set()
        return self.failure


class ReusableServer(socketserver.TCPServer):
    """A TCP server that can rebind a port just released (a second `connect` right after)."""

    allow_reuse_address = True


class CallbackHandler(BaseHTTPRequestHandler):
    """Answers the redirect with a small page; every other path gets 404."""

    catcher: CallbackServer

    def do_GET(self) -> None:
        """Handle `GET /callback?code=...&state=...`."""
        parts = urlsplit(self.path)
        if parts.path.rstrip("/") != "/callback":
            self.answer(404, "Not found.")
        elif self.catcher.done.is_set():
            self.answer(409, "This authorization was already handled. You can close this tab.")
        else:
            failure = self.catcher.accept(parse_qs(parts.query))
            if failure is None:
                self.answer(200, "tikscope is connected. You can close this tab.")
            else:
                self.answer(400, f"tikscope could not connect: {failure}. You can close this tab.")

    def answer(self, status: int, text: str) -> None:
        """Send a minimal HTML page."""
        body = (
            f"<!doctype html><meta charset=utf-8><title>tikscope</title><p>{html.escape(text)}</p>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: the request line carries the authorization code."""
