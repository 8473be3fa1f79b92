"""`tikscope connect` and `tikscope connections` end to end, against a tiny local TikTok."""

from __future__ import annotations

import hashlib
import json
import socketserver
import threading
import webbrowser
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tikscope.cli import connect
from tikscope.cli import main as cli_main
from tikscope.cli.main import main
from tikscope.ids import make_account_id
from tikscope.sources.tokens import TokenCipher
from tikscope.store.db import open_store
from tikscope.sync.connections import load_connection

SECRET = "APP-S3CRET-0001"
BUSINESS_ANSWER = {"access_token": "act.BIZ-0001", "expires_in": 86400, "open_id": "-000bizOpenId",
                   "refresh_token": "rft.BIZ-0001", "refresh_token_expires_in": 31536000,
                   "scope": "user.info.basic,user.insights", "token_type": "Bearer"}  # fmt: skip
DISPLAY_ANSWER = {"access_token": "act.DSP-0001", "expires_in": 7200, "open_id": "-000xYz",
                  "refresh_token": "rft.DSP-0001", "refresh_expires_in": 15552000,
                  "scope": "user.info.basic,user.info.profile", "token_type": "Bearer"}  # fmt: skip


class FakeTikTok(socketserver.ThreadingTCPServer):
    """Plays TikTok's authorize page, token endpoints and identity endpoints."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FakeHandler)
        self.authorize_query: dict[str, str] = {}
        self.token_bodies: list[dict[str, Any]] = []
        self.refusal: str | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class FakeHandler(BaseHTTPRequestHandler):
    server: FakeTikTok

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        if parts.path == "/v2/auth/authorize/":
            self.server.authorize_query = query
            if self.server.refusal:
                answer = {"error": "access_denied", "error_description": self.server.refusal,
                          "state": query["state"]}  # fmt: skip
            else:
                answer = {"code": "CODE-1", "scopes": query["scope"], "state": query["state"]}
            self.send_response(302)
            self.send_header("Location", f"{query['redirect_uri']}?{urlencode(answer)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif parts.path == "/open_api/v1.3/business/get/":
            assert self.headers["Access-Token"] == "act.BIZ-0001"
            assert query["business_id"] == "-000bizOpenId"
            self.send_json({"code": 0, "message": "OK", "request_id": "R2", "data": {
                "username": "casa_verde_shop", "display_name": "Casa Verde",
                "is_business_account": True}})  # fmt: skip
        elif parts.path == "/v2/user/info/":
            assert self.headers["Authorization"] == "Bearer act.DSP-0001"
            self.send_json({"data": {"user": {"open_id": "-000xYz", "username": "Casa_Verde_Shop",
                                              "display_name": "Casa Verde"}},
                            "error": {"code": "ok", "message": "", "log_id": "L2"}})  # fmt: skip
        else:
            self.send_json({"code": 40006, "message": "no schema found"}, status=404)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        text = self.rfile.read(length).decode()
        if self.path == "/open_api/v1.3/tt_user/oauth2/token/":
            self.server.token_bodies.append(json.loads(text))
            self.send_json(
                {"code": 0, "message": "OK", "request_id": "R1", "data": BUSINESS_ANSWER}
            )
        elif self.path == "/v2/oauth/token/":
            form = {name: values[0] for name, values in parse_qs(text).items()}
            self.server.token_bodies.append(form)
            if form["grant_type"] == "client_credentials":
                self.send_json({"access_token": "clt.RES-0001", "expires_in": 7199})
                return
            challenge = hashlib.sha256(form["code_verifier"].encode()).hexdigest()
            if challenge != self.server.authorize_query.get("code_challenge"):
                self.send_json({"error": "invalid_request", "log_id": "L9",
                                "error_description": "Code verifier or code challenge is invalid."},
                               status=400)  # fmt: skip
                return
            self.send_json(DISPLAY_ANSWER)

    def send_json(self, body: dict[str, Any], status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def tiktok() -> Iterator[FakeTikTok]:
    server = FakeTikTok()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def wired(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Add the commands to the app unless main.py does already; keep keys and env out of home."""
    commands = list(cli_main.app.registered_commands)
    if "connect" not in {command.name for command in commands}:
        monkeypatch.setattr(cli_main.app, "registered_commands", commands)
        connect.register(cli_main.app)
    monkeypatch.setenv("TIKSCOPE_KEY_FILE", str(tmp_path / "secret.key"))
    monkeypatch.delenv("TIKSCOPE_CLIENT_KEY", raising=False)
    monkeypatch.delenv("TIKSCOPE_CLIENT_SECRET", raising=False)


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A browser that follows the authorize page's redirect to the local callback."""
    opened: list[str] = []

    def visit(url: str) -> bool:
        opened.append(url)
        with httpx.Client(trust_env=False, timeout=5) as client:
            client.get(url, follow_redirects=True)
        return True

    monkeypatch.setattr(webbrowser, "open", visit)
    return opened


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_connect_business_end_to_end(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tiktok: FakeTikTok,
    browser: list[str], store_path: Path, tmp_path: Path,
) -> None:  # fmt: skip
    monkeypatch.setenv("TIKSCOPE_CLIENT_KEY", "7000app")
    monkeypatch.setenv("TIKSCOPE_CLIENT_SECRET", SECRET)
    code, out, err = run_cli(capsys, "connect", "--api", "business", "--base-url", tiktok.origin,
                             "--port", "0", "--timeout", "5", "--db", str(store_path))  # fmt: skip
    assert (code, err) == (0, "")
    [url] = browser
    assert (
        out
        == f"Authorize tikscope on this page (waiting up to 5 s):\n{url}\nconnected business:casa_verde_shop\n"
    )
    query = tiktok.authorize_query
    redirect_uri = query["redirect_uri"]
    assert query == {"client_key": "7000app", "response_type": "code", "state": query["state"],
                     "redirect_uri": redirect_uri,
                     "scope": "user.info.basic,user.info.username,user.info.stats,user.info.profile,"
                              "user.account.type,user.insights,video.list,video.insights,comment.list"}  # fmt: skip
    assert redirect_uri.startswith("http://127.0.0.1:") and redirect_uri.endswith("/callback")
    assert tiktok.token_bodies == [{"client_id": "7000app", "client_secret": SECRET,
                                    "grant_type": "authorization_code", "auth_code": "CODE-1",
                                    "redirect_uri": redirect_uri}]  # fmt: skip
    cipher = TokenCipher.from_key_file(tmp_path / "secret.key")
    with open_store(store_path) as store:
        saved = load_connection(store, "business:casa_verde_shop")
        accounts = store.execute(
            "SELECT account_id, handle, display_name, account_type, open_id, time_zone, source "
            "FROM accounts").fetchall()  # fmt: skip
    account_id = make_account_id("tiktok", "casa_verde_shop")
    assert (saved.account_id, saved.base_url, saved.client_key, saved.open_id, saved.status,
            saved.access_token(cipher), saved.refresh_token(cipher),
            saved.client_secret(cipher)) == (
        account_id, tiktok.origin, "7000app", "-000bizOpenId", "active", "act.BIZ-0001",
        "rft.BIZ-0001", SECRET)  # fmt: skip
    assert accounts == [(account_id, "casa_verde_shop", "Casa Verde", "business", "-000bizOpenId",
                         "UTC", "business_api")]  # fmt: skip


def test_connect_display_uses_pkce_and_connections_lists_it(
    capsys: pytest.CaptureFixture[str], tiktok: FakeTikTok, browser: list[str], store_path: Path
) -> None:
    code, out, err = run_cli(
        capsys, "connect", "--api", "display", "--client-key", "aw123", "--client-secret", SECRET,
        "--base-url", tiktok.origin, "--port", "0", "--scopes", "user.info.basic, user.info.profile",
        "--timeout", "5", "--db", str(store_path),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.endswith("\nconnected display:casa_verde_shop\n")
    assert SECRET not in out
    assert tiktok.authorize_query["scope"] == "user.info.basic,user.info.profile"
    assert tiktok.authorize_query["code_challenge_method"] == "S256"
    assert tiktok.token_bodies[0]["code"] == "CODE-1"
    code, out, err = run_cli(capsys, "connections", "--db", str(store_path), "--format", "json")
    assert (code, err) == (0, "")
    [row] = json.loads(out)
    assert row == {"connection": "display:casa_verde_shop", "api": "display",
                   "handle": "casa_verde_shop", "status": "active",
                   "access_expires_at": row["access_expires_at"],
                   "refresh_expires_at": row["refresh_expires_at"], "last_sync": None,
                   "last_sync_status": None, "status_reason": None}  # fmt: skip
    code, out, err = run_cli(capsys, "connections", "--db", str(store_path))
    assert (code, err) == (0, "")
    assert "casa_verde_shop" in out and "active" in out


def test_connect_research_uses_client_credentials_for_the_named_account(
    capsys: pytest.CaptureFixture[str], tiktok: FakeTikTok, store_path: Path
) -> None:
    code, out, err = run_cli(
        capsys, "connect", "--api", "research", "--client-key", "rk", "--client-secret", SECRET,
        "--base-url", tiktok.origin, "--handle", "@Garden.Diaries", "--db", str(store_path),
    )  # fmt: skip
    assert (code, out, err) == (0, "connected research:garden.diaries\n", "")
    assert tiktok.token_bodies == [
        {"client_key": "rk", "client_secret": SECRET, "grant_type": "client_credentials"}]  # fmt: skip
    with open_store(store_path) as store:
        assert store.execute("SELECT handle, account_type, source FROM accounts").fetchall() == [
            ("garden.diaries", "personal", "research_api")]  # fmt: skip


def test_connect_reports_a_refusal_in_one_line(
    capsys: pytest.CaptureFixture[str], tiktok: FakeTikTok, browser: list[str], store_path: Path
) -> None:
    tiktok.refusal = "The user denied the request"
    code, _, err = run_cli(
        capsys, "connect", "--api", "business", "--client-key", "k", "--client-secret", SECRET,
        "--base-url", tiktok.origin, "--port", "0", "--timeout", "5", "--db", str(store_path),
    )  # fmt: skip
    assert (code, err) == (
        1,
        "error: TikTok refused the authorization: access_denied: The user denied the request\n",
    )
    assert not store_path.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--api", "business"],
         "error: no client key: pass --client-key or set $TIKSCOPE_CLIENT_KEY\n"),
        (["--api", "display", "--client-key", "k"],
         "error: no client secret: pass --client-secret or set $TIKSCOPE_CLIENT_SECRET\n"),
        (["--api", "research", "--client-key", "k", "--client-secret", "s"],
         "error: --handle is required with --api research: name the account to crawl\n"),
    ],
)  # fmt: skip
def test_connect_without_what_it_needs_says_so(
    capsys: pytest.CaptureFixture[str], store_path: Path, args: list[str], message: str
) -> None:
    code, out, err = run_cli(capsys, "connect", *args, "--db", str(store_path))
    assert (code, out, err) == (2, "", message)


def test_connections_on_a_store_without_any(
    capsys: pytest.CaptureFixture[str], store_path: Path
) -> None:
    with open_store(store_path, create=True):
        pass
    code, out, err = run_cli(capsys, "connections", "--db", str(store_path), "--format", "json")
    assert (code, out, err) == (0, "[]\n", "")
