"""The server process in-process: sync route, scheduler, forwarded commands, first run, registry."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tikscope import access
from tikscope.cli.forward import refusal, run_forwarded
from tikscope.cli.main import app as cli_app
from tikscope.cli.main import main
from tikscope.cli.serve import allowed_hosts, uvicorn_config
from tikscope.fake.app import serve_in_thread
from tikscope.fake.data import FakeConfig
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store, share_connection, shared_connection
from tikscope.web import forward, server_routes
from tikscope.web.app import create_app
from tikscope.web.first_run import create_first_owner
from tikscope.web.forward import Forwarding, is_loopback
from tikscope.web.scheduler import SyncScheduler, SyncSettings, command_lock
from tikscope.web.server_file import (
    COMMAND_PATH,
    SECRET_HEADER,
    live_server,
    read_server_file,
    remove_server_file,
    server_file_path,
    write_server_file,
)
from tikscope.web.state import ServerStore, WebConfig
from web_support import NOW, WebStore, bearer, csrf_token, login, serve_app

FAKE = FakeConfig(seed=3, posts=12, days=70, members=60, end_date=date(2026, 11, 20))
SYNC_NOW = datetime(2026, 11, 21, 6, 30)
SECRET = "test-secret"


@pytest.fixture(scope="module")
def fake_origin() -> Iterator[str]:
    with serve_in_thread(FAKE) as url:
        yield url


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key = tmp_path / "secret.key"
    for name, value in (("TIKSCOPE_KEY_FILE", str(key)), ("TIKSCOPE_CLIENT_KEY", "app-key"),
                        ("TIKSCOPE_CLIENT_SECRET", "app-secret"),
                        ("TIKSCOPE_RETRY_SCALE", "0.001")):  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(webbrowser, "open", visit)
    return key


def visit(url: str, *args: object, **kwargs: object) -> bool:
    """Play the user who clicks "authorize"."""
    httpx.get(url, follow_redirects=True, timeout=10)
    return True


def connect_business(store: Path, origin: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["connect", "--api", "business", "--base-url", origin, "--port", "0",
                 "--timeout", "10", "--db", str(store)])  # fmt: skip
    out, err = capsys.readouterr()
    assert (code, err, out.splitlines()[-1]) == (0, "", "connected business:casa_verde_demo")


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run an app with uvicorn in a thread, with the settings of `tikscope serve`."""
    with serve_app(app, uvicorn_config(app)) as origin:
        yield origin


@pytest.fixture
def synced_app(
    web_store: WebStore, fake_origin: str, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[tuple[str, FastAPI]]:
    """A server over the web store whose business account is connected to the fake server."""
    connect_business(web_store.path, fake_origin, capsys)
    app = create_app(WebConfig(db=web_store.path, secure_cookies=False))
    app.state.sync_settings = SyncSettings(key_file=key_file, clock=lambda: SYNC_NOW)
    command = __import__("typer").main.get_command(cli_app)
    app.state.forwarding = Forwarding(SECRET, run_forwarded, lambda argv: refusal(command, argv))
    with serving(app) as origin:
        yield origin, app


@pytest.fixture
def synced_server(synced_app: tuple[str, FastAPI]) -> str:
    """The origin of `synced_app`."""
    return synced_app[0]


def test_sync_route_syncs_for_an_editor_only_in_their_workspace(
    synced_server: str, web_store: WebStore
) -> None:
    path = "/api/workspaces/agency/accounts/casa_verde_demo/sync"
    with httpx.Client(base_url=synced_server, timeout=60) as client:
        synced = client.post(path, headers=bearer(web_store.tokens["eddie"]))
        assert synced.status_code == 200, synced.text
        body = synced.json()
        assert [(row["connection"], row["status"], row["error"]) for row in body["syncs"]] == [
            ("business:casa_verde_demo", "ok", None)
        ]
        assert body["account"] == "casa_verde_demo" and body["syncs"][0]["rows_written"] > 0
        assert body["syncs"][0]["last_day"] == "2026-11-20"
        assert client.post(path).status_code == 401
        viewer = client.post(path, headers=bearer(web_store.tokens["vera"]))
        assert (viewer.status_code, viewer.json()) == (
            403, {"detail": "this needs the editor role in agency"})  # fmt: skip
        assert client.post(path, headers=bearer(web_store.tokens["rita"])).status_code == 404
        foreign = "/api/workspaces/rival/accounts/casa_verde_demo/sync"
        assert client.post(foreign, headers=bearer(web_store.tokens["rita"])).status_code == 404
        unconnected = client.post("/api/workspaces/rival/accounts/other_brand/sync",
                                  headers=bearer(web_store.tokens["rita"]))  # fmt: skip
        assert (unconnected.status_code, unconnected.json()) == (404, {
            "detail": "@other_brand has no TikTok connection; run `tikscope connect` first"})  # fmt: skip
    with open_store(web_store.path) as connection:
        log = connection.execute("SELECT api, status FROM sync_log").fetchall()
    assert log == [("business", "ok")]


def post_command(origin: str, argv: list[str], **headers: str) -> httpx.Response:
    body = {"argv": argv, "cwd": os.getcwd(), "environment": {}}
    return httpx.post(origin + COMMAND_PATH, json=body, headers=headers, timeout=60)


def events(response: httpx.Response) -> list[dict[str, object]]:
    return [json.loads(line) for line in response.text.splitlines() if line != "{}"][1:]


def test_internal_route_runs_a_command_only_for_loopback_with_the_secret(
    synced_server: str, web_store: WebStore
) -> None:
    argv = ["connections", "--db", str(web_store.path), "--format", "csv"]
    wrong = post_command(synced_server, argv, **{SECRET_HEADER: "guess"})
    assert (wrong.status_code, wrong.json()) == (403, {"detail": "wrong or missing server secret"})
    assert post_command(synced_server, argv).status_code == 403
    # NOTE: `tikscope serve` takes the client address from the connection, never from headers.
    spoofed = post_command(synced_server, argv, **{SECRET_HEADER: SECRET,
                                                   "X-Forwarded-For": "203.0.113.9"})  # fmt: skip
    assert (spoofed.status_code, events(spoofed)[-1]) == (200, {"exit": 0})
    ran = post_command(synced_server, argv, **{SECRET_HEADER: SECRET})
    assert ran.status_code == 200
    output = events(ran)
    assert output[-1] == {"exit": 0}
    text = "".join(str(event["out"]) for event in output if "out" in event)
    assert text.splitlines()[1].startswith(
        "business:casa_verde_demo,business,casa_verde_demo,active,"
    )
    spec = httpx.get(synced_server + "/api/openapi.json").json()
    assert [path for path in spec["paths"] if "_internal" in path] == []


def test_internal_route_refuses_sync_every_and_reports_errors(
    synced_server: str, web_store: WebStore
) -> None:
    every = post_command(synced_server, ["sync", "--every", "15m", "--db", str(web_store.path)],
                         **{SECRET_HEADER: SECRET})  # fmt: skip
    assert events(every) == [
        {"err": "error: `sync --every` does not run through the server; the server syncs on a "
                "schedule itself: restart it with `tikscope serve --sync-every 15m`\n"},
        {"exit": 2},
    ]  # fmt: skip
    missing = post_command(synced_server, ["accounts", "--db", str(web_store.path.parent / "no")],
                           **{SECRET_HEADER: SECRET})  # fmt: skip
    assert [event for event in events(missing) if "exit" in event] == [{"exit": 1}]


def test_scheduler_syncs_at_its_interval_until_stopped(
    web_store: WebStore, fake_origin: str, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    connect_business(web_store.path, fake_origin, capsys)
    store = ServerStore(web_store.path)
    settings = SyncSettings(key_file=key_file, clock=lambda: SYNC_NOW)
    scheduler = SyncScheduler(store, interval_seconds=0.2, settings=settings)
    scheduler.start()
    deadline = time.monotonic() + 60
    while scheduler.rounds < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    scheduler.stop()
    assert not scheduler.thread.is_alive()
    with store.read() as cursor:
        log = cursor.execute("SELECT status FROM sync_log ORDER BY sync_id").fetchall()
    store.close()
    assert scheduler.rounds >= 2
    assert log[:2] == [("ok",), ("unchanged",)]


def test_first_owner_is_made_once_with_every_account(tmp_path: Path) -> None:
    path = tmp_path / "fresh.duckdb"
    with open_store(path, create=True) as connection:
        simulate_into_store(connection, SimulationConfig(
            seed=1, handle="shop_one", days=10, posts=3, members=40, communities=2,
            end_date=date(2026, 11, 20)))  # fmt: skip
    store = ServerStore(path)
    first = create_first_owner(store, NOW)
    again = create_first_owner(store, NOW)
    with store.read() as cursor:
        role = access.role_in(cursor, 1, "default")
        handles = access.workspace_handles(cursor, "default")
        user = access.authenticate(cursor, "admin", first.password if first else "")
    store.close()
    assert first is not None and len(first.password) >= 16
    assert (first.username, first.workspace, first.accounts) == ("admin", "default", ("shop_one",))
    assert (again, role, handles, user) == (None, access.Role.owner, ["shop_one"],
                                            access.User(1, "admin"))  # fmt: skip


def test_server_file_is_private_and_names_a_live_server(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    written = write_server_file(db, "http://127.0.0.1:8123", "s3cret")
    path = server_file_path(db)
    assert path == tmp_path / "store.duckdb.server.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_server_file(db) == written == live_server(db)
    assert written.pid == os.getpid()
    path.write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": 2**22 + 12345, "secret": "s"}))
    assert live_server(db) is None  # no such process
    remove_server_file(db)
    assert path.exists()  # written by another process: left alone
    write_server_file(db, "http://127.0.0.1:8123", "s3cret")
    remove_server_file(db)
    assert not path.exists() and read_server_file(db) is None


def test_open_store_uses_a_shared_connection_without_closing_it(web_store: WebStore) -> None:
    store = ServerStore(web_store.path)
    relative = Path(os.path.relpath(web_store.path))
    with share_connection(web_store.path, store.connection):
        assert shared_connection(relative) is store.connection
        with open_store(relative) as cursor:
            handles = cursor.execute("SELECT handle FROM accounts ORDER BY 1").fetchall()
        assert store.connection.execute("SELECT count(*) FROM accounts").fetchall() == [(2,)]
    assert shared_connection(web_store.path) is None
    store.close()
    assert handles == [("casa_verde_demo",), ("other_brand",)]


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("203.0.113.9", False),
     ("10.0.0.1", False), ("testclient", False), ("", False)],
)  # fmt: skip
def test_is_loopback_knows_local_addresses(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


def test_uvicorn_config_of_serve_trusts_no_proxy_headers() -> None:
    assert uvicorn_config(FastAPI()).proxy_headers is False


@pytest.mark.parametrize(
    ("host", "extra", "expected"),
    [("127.0.0.1", [], ("127.0.0.1", "localhost", "::1", "[::1]")),
     ("localhost", [], ("127.0.0.1", "localhost", "::1", "[::1]")),
     ("::1", ["Tikscope.Example.org"], ("127.0.0.1", "localhost", "::1", "[::1]",
                                        "tikscope.example.org")),
     ("127.0.0.2", [], ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2")),
     ("192.168.1.5", ["proxy.example"], ("192.168.1.5", "localhost", "127.0.0.1",
                                         "proxy.example")),
     ("fe80::1", [], ("[fe80::1]", "localhost", "127.0.0.1")),
     ("0.0.0.0", ["proxy.example"], ()), ("::", [], ())],
)  # fmt: skip
def test_allowed_hosts_follow_the_listening_address(
    host: str, extra: list[str], expected: tuple[str, ...]
) -> None:
    assert allowed_hosts(host, extra) == expected


def spoil_mode(db: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    server_file_path(db).chmod(0o644)
    return "other users may read or change it (mode 0644, expected 0600)"


def spoil_group_write(db: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    server_file_path(db).chmod(0o620)
    return "other users may read or change it (mode 0620, expected 0600)"


def spoil_owner(db: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    mine = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: mine + 1)
    return f"it belongs to user id {mine}, not to you ({mine + 1})"


def spoil_link(db: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = server_file_path(db)
    elsewhere = path.rename(path.with_name("elsewhere.json"))
    path.symlink_to(elsewhere)
    return "it is a symbolic link"


def spoil_kind(db: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = server_file_path(db)
    path.unlink()
    os.mkfifo(path, 0o600)
    return "it is not a regular file"


def spoil_url(url: str) -> object:
    def spoil(db: Path, monkeypatch: pytest.MonkeyPatch) -> str:
        write_server_file(db, url, "s3cret")
        return f"its URL {url!r} is not http on this machine's loopback interface"

    return spoil


@pytest.mark.parametrize(
    "spoil",
    [spoil_mode, spoil_group_write, spoil_owner, spoil_link, spoil_kind,
     spoil_url("http://203.0.113.9:8000"), spoil_url("https://127.0.0.1:8000"),
     spoil_url("http://127.0.0.1:80@evil.example:8000"), spoil_url("http://localhost:8000/x")],
)  # fmt: skip
def test_server_file_is_ignored_with_a_reason_unless_private_and_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spoil: object
) -> None:
    db = tmp_path / "store.duckdb"
    write_server_file(db, "http://127.0.0.1:8123", "s3cret")
    assert live_server(db) is not None
    reason = spoil(db, monkeypatch)  # type: ignore[operator]
    warnings: list[str] = []
    assert live_server(db, warn=warnings.append) is None
    assert warnings == [f"ignoring {server_file_path(db)}: {reason}"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:8123", "http://[::1]:8123",
                                 "http://localhost:8123/"])  # fmt: skip
def test_server_file_on_loopback_is_trusted(tmp_path: Path, url: str) -> None:
    db = tmp_path / "store.duckdb"
    written = write_server_file(db, url, "s3cret")
    warnings: list[str] = []
    assert (live_server(db, warn=warnings.append), warnings) == (written, [])


def test_server_file_replaces_a_link_instead_of_writing_through_it(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    target = tmp_path / "victim.txt"
    target.write_text("keep me")
    server_file_path(db).symlink_to(target)
    written = write_server_file(db, "http://127.0.0.1:8123", "s3cret")
    path = server_file_path(db)
    assert (path.is_symlink(), stat.S_IMODE(path.lstat().st_mode)) == (False, 0o600)
    assert (target.read_text(), read_server_file(db)) == ("keep me", written)
    assert sorted(item.name for item in tmp_path.iterdir()) == [
        "store.duckdb.server.json", "victim.txt"]  # fmt: skip


def test_command_lock_is_the_store_writer_lock_and_reentrant(web_store: WebStore) -> None:
    store = ServerStore(web_store.path)
    assert command_lock(store) is store.write_lock
    with command_lock(store), store.write() as cursor:  # a sync or command writing: no deadlock
        access.create_api_token(cursor, 1, "inner", NOW)
    with store.read() as cursor:
        names = cursor.execute("SELECT name FROM api_tokens WHERE name = 'inner'").fetchall()
    store.close()
    assert names == [("inner",)]


def test_a_forwarded_command_and_a_web_write_take_turns(web_store: WebStore) -> None:
    """The race a review found: `tokens create` through the server while the web makes a token."""
    inside, proceed = threading.Event(), threading.Event()

    def slow_token_command(argv: list[str], ask: object) -> int:
        with open_store(web_store.path) as cursor:
            cursor.execute("BEGIN TRANSACTION")
            access.create_api_token(cursor, 1, "cli", NOW)
            inside.set()
            proceed.wait(30)
            cursor.execute("COMMIT")
        return 0

    app = create_app(WebConfig(db=web_store.path, secure_cookies=False))
    app.state.forwarding = Forwarding(SECRET, slow_token_command)
    results: dict[str, httpx.Response] = {}
    with serving(app) as origin, httpx.Client(base_url=origin, timeout=60) as client:
        store = app.state.server.store
        login(client, "olivia")
        csrf = csrf_token(client.get("/", follow_redirects=True).text)

        def web_write() -> None:
            results["web"] = client.post("/api/tokens", json={"name": "web"},
                                         headers={"X-CSRF-Token": csrf})  # fmt: skip

        with share_connection(store.path, store.connection):
            command = threading.Thread(target=lambda: results.update(
                command=post_command(origin, ["tokens"], **{SECRET_HEADER: SECRET})))  # fmt: skip
            command.start()
            assert inside.wait(30)
            web = threading.Thread(target=web_write)
            web.start()
            web.join(0.5)
            waited = web.is_alive()  # the web write waits for the command's turn
            proceed.set()
            command.join(60)
            web.join(60)
        with store.read() as cursor:
            tokens = cursor.execute("SELECT name FROM api_tokens WHERE user_id = 1 "
                                    "ORDER BY token_id").fetchall()  # fmt: skip
    assert waited
    assert (events(results["command"]), results["web"].status_code) == ([{"exit": 0}], 201)
    assert tokens == [("tests",), ("cli",), ("web",)]


def test_sync_route_answers_409_while_the_store_is_busy(
    synced_app: tuple[str, FastAPI], web_store: WebStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin, app = synced_app
    monkeypatch.setattr(server_routes, "SYNC_WAIT_SECONDS", 0.2)
    path = "/api/workspaces/agency/accounts/casa_verde_demo/sync"
    with app.state.server.store.write_lock:  # a command or another sync under way
        busy = httpx.post(origin + path, headers=bearer(web_store.tokens["eddie"]), timeout=30)
    assert (busy.status_code, busy.json()) == (
        409, {"detail": "another sync or command is running; try again in a moment"})  # fmt: skip
    with app.state.server.store.read() as cursor:
        assert cursor.execute("SELECT count(*) FROM sync_log").fetchall() == [(0,)]


def test_forwarded_command_gives_up_while_the_store_is_busy(
    synced_app: tuple[str, FastAPI], web_store: WebStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    origin, app = synced_app
    monkeypatch.setattr(forward, "COMMAND_WAIT_SECONDS", 0.2)
    argv = ["connections", "--db", str(web_store.path)]
    with app.state.server.store.write_lock:  # a sync under way
        busy = post_command(origin, argv, **{SECRET_HEADER: SECRET})
    assert events(busy) == [
        {"err": "error: the tikscope server waited 0.2 s for the store: another sync or command "
                "is running; try again in a moment\n"},
        {"exit": 1},
    ]  # fmt: skip
