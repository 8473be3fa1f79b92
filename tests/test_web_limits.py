"""Request bodies over real HTTP: refused before they are read when too large or unauthenticated.

The server runs in this process (see `web_support.serve`), so its memory is this process's
`VmRSS`; the bounds are generous, the failures they catch are hundreds of megabytes.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tikscope.web.server_file import COMMAND_PATH, SECRET_HEADER
from tikscope.web.settings import TOKENS_FROM_BROWSER
from tikscope.web.state import WebConfig
from web_support import WebStore, bearer, csrf_token, login, serve

MIB = 2**20
HUGE = 400 * MIB
"""The body of the issue's example (`POST /api/tokens` with 400 MB)."""
FAST_SECONDS = 1.5
RSS_GROWTH_BOUND = 150 * MIB


@dataclass(frozen=True)
class Answer:
    """What came back on a raw connection: the status, headers, body, and when."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


@pytest.fixture
def origin(web_store: WebStore) -> Iterator[str]:
    with serve(WebConfig(db=web_store.path, secure_cookies=False)) as found:
        yield found


def connect(origin: str) -> socket.socket:
    parts = urlsplit(origin)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        *[f"{k}: {v}" for k, v in headers.items()],
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_answer(sock: socket.socket, started: float, timeout: float = 5) -> Answer:
    """Read one response (the server closes the connection after it, or sends a length)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Answer(int(lines[0].split()[1]), headers, body, time.monotonic() - started)


def head_only(origin: str, method: str, path: str, headers: dict[str, str]) -> Answer:
    """Send a request's head announcing a body, send none of it, and wait for the answer."""
    with connect(origin) as sock:
        started = time.monotonic()
        sock.sendall(request_head(method, path, headers))
        return read_answer(sock, started)


def resident_bytes() -> int:
    """This process's resident memory (`VmRSS`)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@dataclass
class Pushed:
    """How a streamed body went: bytes the server took, and the answer when one was read."""

    sent: int
    answer: Answer | None
    seconds: float


def push_body(origin: str, head: bytes, total: int, *, chunked: bool) -> Pushed:
    """Send `head`, then up to `total` body bytes while another thread reads the answer.

    The server may answer and close early; what it refused to take is not sent.
    """
    block = b"x" * MIB
    answers: list[Answer] = []
    with connect(origin) as sock:
        started = time.monotonic()
        sock.sendall(head)
        reader = threading.Thread(target=lambda: answers.append(read_quietly(sock, started)))
        reader.start()
        sent = 0
        try:
            while sent < total:
                if chunked:
                    sock.sendall(b"%x\r\n%s\r\n" % (len(block), block))
                else:
                    sock.sendall(block)
                sent += len(block)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server closed the connection: it will not read the rest
        seconds = time.monotonic() - started
        reader.join(10)
    return Pushed(sent, answers[0] if answers and answers[0] else None, seconds)


def read_quietly(sock: socket.socket, started: float) -> Answer | None:
    try:
        return read_answer(sock, started, timeout=20)
    except (OSError, ValueError, IndexError):
        return None


def test_body_over_the_limit_is_refused_before_it_is_read(origin: str, web_store: WebStore) -> None:
    token = web_store.tokens["olivia"]
    answer = head_only(origin, "POST", "/api/tokens", {
        "Authorization": f"Bearer {token}", "Content-Type": "application/json",
        "Content-Length": str(HUGE)})  # fmt: skip
    assert (answer.status, json.loads(answer.body), answer.headers["connection"]) == (
        413,
        {"detail": "the request body is over the limit of 1 MiB (1048576 bytes)"},
        "close",
    )
    assert answer.seconds < FAST_SECONDS


def test_body_without_credentials_is_refused_before_it_is_read(origin: str) -> None:
    answer = head_only(origin, "POST", "/api/tokens", {
        "Content-Type": "application/json", "Content-Length": str(500_000)})  # fmt: skip
    assert (answer.status, json.loads(answer.body), answer.headers["connection"]) == (
        401,
        {"detail": "log in, or send an API token as 'Authorization: Bearer ...'"},
        "close",
    )
    assert answer.seconds < FAST_SECONDS
    page = head_only(origin, "POST", "/workspaces/agency/settings/tokens", {
        "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "1000"})  # fmt: skip
    assert (page.status, page.headers["location"]) == (
        303,
        "/login?next=/workspaces/agency/settings/tokens",
    )
    assert page.seconds < FAST_SECONDS


def test_body_to_forwarded_commands_needs_the_secret_before_it_is_read(origin: str) -> None:
    answer = head_only(origin, "POST", COMMAND_PATH, {
        "Content-Type": "application/json", "Content-Length": "5000",
        SECRET_HEADER: "wrong"})  # fmt: skip
    assert (answer.status, json.loads(answer.body)) == (404, {"detail": "Not Found"})
    assert answer.seconds < FAST_SECONDS


def test_huge_unauthenticated_body_leaves_memory_alone(web_store: WebStore) -> None:
    """The issue's example with a limit high enough that only the missing login refuses it."""
    config = WebConfig(db=web_store.path, secure_cookies=False, max_body_bytes=2 * HUGE)
    with serve(config) as origin:
        before = resident_bytes()
        head = request_head("POST", "/api/tokens", {
            "Content-Type": "application/json", "Content-Length": str(HUGE)})  # fmt: skip
        pushed = push_body(origin, head, HUGE, chunked=False)
        grown = resident_bytes() - before
    assert pushed.answer is not None and pushed.answer.status == 401
    assert pushed.answer.seconds < FAST_SECONDS
    assert pushed.sent < 64 * MIB  # the server stopped taking the body once it answered
    assert grown < RSS_GROWTH_BOUND, f"the server grew by {grown / MIB:.0f} MiB"


def test_chunked_body_is_cut_at_the_limit(origin: str, web_store: WebStore) -> None:
    before = resident_bytes()
    head = request_head("POST", "/api/tokens", {
        "Authorization": f"Bearer {web_store.tokens['olivia']}",
        "Content-Type": "application/json", "Transfer-Encoding": "chunked"})  # fmt: skip
    pushed = push_body(origin, head, HUGE, chunked=True)
    grown = resident_bytes() - before
    # NOTE: the server closes the connection with the rest unread; the kernel may then reset it
    # before the answer is read, so the answer is checked only when it arrived.
    if pushed.answer is not None:
        assert pushed.answer.status == 413
    assert pushed.sent < 64 * MIB
    assert pushed.seconds < 5
    assert grown < RSS_GROWTH_BOUND, f"the server grew by {grown / MIB:.0f} MiB"


def test_small_bodies_reach_the_routes(origin: str, web_store: WebStore) -> None:
    with httpx.Client(base_url=origin, timeout=30) as client:
        by_token = client.post("/api/tokens", json={"name": "x"}, headers=bearer(
            web_store.tokens["olivia"]))  # fmt: skip
        assert (by_token.status_code, by_token.json()) == (403, {"detail": TOKENS_FROM_BROWSER})
        assert login(client, "olivia").status_code == 303
        page = client.get("/workspaces/agency/settings")
        created = client.post("/api/tokens", json={"name": "laptop"},
                              headers={"X-CSRF-Token": csrf_token(page.text)})  # fmt: skip
        assert created.status_code == 201, created.text
        assert created.json()["name"] == "laptop"
