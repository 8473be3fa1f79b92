"""`tikscope serve` as a real process: other commands run through it, first run, one per store."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import webbrowser
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from tikscope.cli.main import main
from tikscope.fake.app import serve_in_thread
from tikscope.fake.data import FakeConfig
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store
from tikscope.store.migrations import LATEST_VERSION
from tikscope.web.server_file import server_file_path, write_server_file
from web_support import WebStore, copy_store, login

FAKE = FakeConfig(seed=3, posts=12, days=70, members=60, end_date=date(2026, 11, 20))
SERVING = re.compile(r"^tikscope serves (\S+) at (http://127\.0\.0\.1:\d+) \(Ctrl-C stops it\)$")


@dataclass(frozen=True)
class Served:
    """A `tikscope serve` child process and what it serves."""

    db: Path
    url: str
    process: subprocess.Popen[str]
    lines: list[str]


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The variables of every tikscope process here (and of this one), with the fake TikTok."""
    with serve_in_thread(FAKE) as origin:
        values = {"TIKSCOPE_KEY_FILE": str(tmp_path_factory.mktemp("key") / "secret.key"),
                  "TIKSCOPE_CLIENT_KEY": "app-key", "TIKSCOPE_CLIENT_SECRET": "app-secret",
                  "TIKSCOPE_NOW": "2026-11-21T06:30:00", "TIKSCOPE_RETRY_SCALE": "0.001",
                  "FAKE_ORIGIN": origin}  # fmt: skip
        with pytest.MonkeyPatch.context() as patch:
            for name, value in values.items():
                patch.setenv(name, value)
            patch.delenv("COLUMNS", raising=False)
            patch.delenv("TIKSCOPE_DB", raising=False)
            patch.setattr(webbrowser, "open", visit)
            yield {**os.environ}


def visit(url: str, *args: object, **kwargs: object) -> bool:
    """Play the user who clicks "authorize"."""
    httpx.get(url, follow_redirects=True, timeout=10)
    return True


def run_here(*argv: str) -> tuple[int, str, str]:
    """A command in this process (no server involved)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def tikscope(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """A command in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "tikscope.cli.main", *argv], capture_output=True, text=True,
        timeout=120, check=False, cwd=cwd,
    )  # fmt: skip


def start_serve(db: Path, *options: str, expect_lines: int = 2) -> Served:
    """`tikscope serve --port 0` in a child process, once it has printed its first lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tikscope.cli.main", "serve", "--db", str(db), "--port", "0",
         *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines = [process.stdout.readline().rstrip("\n") for _ in range(expect_lines)]
    found = SERVING.match(lines[0])
    if not found:
        stop(process)
        pytest.fail(
            f"serve did not start: {lines} {process.stderr.read() if process.stderr else ''}"
        )
    assert found.group(1) == str(db.resolve())
    return Served(db, found.group(2), process, lines)


def stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Stop a server as a service manager does (SIGTERM); its exit code and remaining output."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return process.returncode, out, err


@pytest.fixture(scope="module")
def served(
    web_store_template: WebStore,
    tmp_path_factory: pytest.TempPathFactory,
    environment: dict[str, str],
) -> Iterator[tuple[Served, dict[str, str]]]:
    """A server over a copy of the web store, connected to the fake TikTok, with a saved audience
    result; also what `accounts` and `metrics` printed just before the server started."""
    store = copy_store(web_store_template, tmp_path_factory.mktemp("served") / "web.duckdb")
    code, out, err = run_here("connect", "--api", "business", "--base-url",
                              environment["FAKE_ORIGIN"], "--port", "0", "--timeout", "10",
                              "--db", str(store.path))  # fmt: skip
    assert (code, err) == (0, ""), out
    expected = {
        "accounts": run_here("accounts", "--db", str(store.path))[1],
        "metrics": run_here("metrics", "--db", str(store.path), "--account", "casa_verde_demo",
                            "--last", "7")[1],
    }  # fmt: skip
    code, out, err = run_here("audience", "report", "--db", str(store.path), "--account",
                              "casa_verde_demo", "--out", str(store.path.parent / "audience"))  # fmt: skip
    assert (code, err) == (0, ""), out
    server = start_serve(store.path, "--allowed-host", "tikscope.example.org")
    try:
        yield server, expected
    finally:
        code, _, err = stop(server.process)
        assert (code, "Traceback" in err) == (0, False), err
        assert not server_file_path(store.path).exists()


def test_serve_runs_other_commands_through_the_server(
    served: tuple[Served, dict[str, str]],
) -> None:
    server, expected = served
    db = str(server.db)
    assert server.lines[1] == "other tikscope commands on this store now run through this server"
    accounts = tikscope("accounts", "--db", server.db.name, cwd=server.db.parent)
    assert (accounts.returncode, accounts.stderr, accounts.stdout) == (0, "", expected["accounts"])
    metrics = tikscope("metrics", "--db", db, "--account", "casa_verde_demo", "--last", "7")
    assert (metrics.returncode, metrics.stderr, metrics.stdout) == (0, "", expected["metrics"])
    rename = tikscope("audience", "rename", "--db", db, "--account", "casa_verde_demo",
                      "--cluster", "1", "--name", "Plant people")  # fmt: skip
    assert (rename.returncode, rename.stderr) == (0, "")
    assert re.fullmatch(r"result \d+: cluster 1 is now 'Plant people'\n", rename.stdout)
    sync = tikscope("sync", "--db", db, "--format", "csv")
    assert (sync.returncode, sync.stderr) == (0, ""), sync.stdout
    assert sync.stdout.splitlines()[1].startswith("business:casa_verde_demo,ok,")
    every = tikscope("sync", "--db", db, "--every", "15m")
    assert (every.returncode, every.stderr) == (2, (
        "error: `sync --every` does not run through the server; the server syncs on a schedule "
        "itself: restart it with `tikscope serve --sync-every 15m`\n"))  # fmt: skip


def test_serve_refuses_a_second_server_on_the_same_store(
    served: tuple[Served, dict[str, str]],
) -> None:
    server, _ = served
    second = tikscope("serve", "--db", str(server.db), "--port", "0")
    assert (second.returncode, second.stdout) == (1, "")
    assert second.stderr == (
        f"error: store {server.db} is served already by process {server.process.pid} at "
        f"{server.url}; open that, or stop it first (Ctrl-C where it runs)\n"
    )


def test_serve_on_a_store_without_users_creates_the_owner_admin(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    db = tmp_path / "fresh.duckdb"
    with open_store(db, create=True) as connection:
        simulate_into_store(connection, SimulationConfig(
            seed=1, handle="shop_one", days=10, posts=3, members=40, communities=2,
            end_date=date(2026, 11, 20)))  # fmt: skip
    server = start_serve(db, "--insecure-cookies", expect_lines=9)
    try:
        assert server.lines[2:] == [
            "", "First start on this store: created the owner 'admin' with the password", "",
            server.lines[5], "",
            "It is shown only now. Log in, then change it: tikscope users password admin",
            "Workspace 'default' holds every account of the store (@shop_one).",
        ]  # fmt: skip
        password = server.lines[5].strip()
        with httpx.Client(base_url=server.url, timeout=30) as client:
            assert login(client, "admin", password).status_code == 303
            home = client.get("/", follow_redirects=True)
            assert (home.status_code, home.url.path) == (
                200,
                "/workspaces/default/accounts/shop_one/overview",
            )
        users = tikscope("users", "list", "--db", str(db), "--format", "csv")
        assert (users.returncode, users.stderr) == (0, "")
        assert (
            users.stdout.splitlines()[1].startswith("admin,") and "default (owner)" in users.stdout
        )
    finally:
        code, out, err = stop(server.process)
    assert (code, out, err) == (0, "tikscope stopped\n", "")
    assert not server_file_path(db).exists()
    again = tikscope("accounts", "--db", str(db), "--format", "csv")  # the server is gone
    assert (again.returncode, again.stderr) == (0, "")


def test_a_store_locked_by_another_process_gives_one_line(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with open_store(db, create=True):
        locked = tikscope("accounts", "--db", str(db))
    assert (locked.returncode, locked.stdout) == (1, "")
    assert locked.stderr == (
        f"error: store {db} is in use by process {os.getpid()}; wait for it to finish or stop "
        "it, then try again\n"
    )


def test_a_server_file_of_a_dead_process_is_ignored(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with open_store(db, create=True):
        pass
    server_file_path(db).write_text('{"url": "http://127.0.0.1:9", "pid": 4194300, "secret": "s"}')
    server_file_path(db).chmod(0o600)
    started = time.monotonic()
    listed = tikscope("accounts", "--db", str(db), "--format", "csv")
    assert (listed.returncode, listed.stderr) == (0, "")
    assert time.monotonic() - started < 30


def test_serve_answers_only_its_own_host_names(served: tuple[Served, dict[str, str]]) -> None:
    server, _ = served
    port = server.url.rsplit(":", 1)[1]
    answers = {
        name: httpx.get(server.url + "/login", headers={"Host": name}, timeout=30).status_code
        for name in (f"127.0.0.1:{port}", f"localhost:{port}", "tikscope.example.org",
                     f"evil.example:{port}", "127.0.0.1.evil.example")
    }  # fmt: skip
    assert answers == {f"127.0.0.1:{port}": 200, f"localhost:{port}": 200,
                       "tikscope.example.org": 200, f"evil.example:{port}": 400,
                       "127.0.0.1.evil.example": 400}  # fmt: skip


def make_store(path: Path) -> Path:
    """An empty store."""
    with open_store(path, create=True):
        pass
    return path


def spoil_mode(db: Path) -> str:
    write_server_file(db, "http://127.0.0.1:9", "s")
    server_file_path(db).chmod(0o644)
    return "other users may read or change it (mode 0644, expected 0600)"


def spoil_url(db: Path) -> str:
    write_server_file(db, "http://203.0.113.9:8000", "s")
    return "its URL 'http://203.0.113.9:8000' is not http on this machine's loopback interface"


def spoil_link(db: Path) -> str:
    elsewhere = db.with_name("elsewhere.json")
    write_server_file(elsewhere, "http://127.0.0.1:9", "s")
    server_file_path(db).symlink_to(server_file_path(elsewhere))
    return "it is a symbolic link"


@pytest.mark.parametrize("spoil", [spoil_mode, spoil_url, spoil_link])
def test_an_untrusted_server_file_is_ignored_with_a_warning(
    tmp_path: Path, spoil: Callable[[Path], str]
) -> None:
    db = make_store(tmp_path / "store.duckdb")
    expected = run_here("info", "--db", str(db))
    reason = spoil(db)  # each names this live process: trusted, it would be forwarded to
    assert run_here("info", "--db", str(db)) == (expected[0], expected[1], (
        f"warning: ignoring {server_file_path(db)}: {reason}; running the command here\n"))  # fmt: skip
    assert (expected[0], expected[2]) == (0, "")


def test_an_untrusted_server_file_of_a_locked_store_ends_in_the_lock_message(
    tmp_path: Path,
) -> None:
    db = make_store(tmp_path / "store.duckdb")
    reason = spoil_mode(db)
    with open_store(db):
        locked = tikscope("accounts", "--db", str(db))
    assert (locked.returncode, locked.stdout) == (1, "")
    assert locked.stderr == (
        f"warning: ignoring {server_file_path(db)}: {reason}; running the command here\n"
        f"error: store {db} is in use by process {os.getpid()}; wait for it to finish or stop "
        "it, then try again\n"
    )


def test_export_runs_through_the_server_into_the_folder_named_here(
    served: tuple[Served, dict[str, str]], tmp_path: Path
) -> None:
    server, _ = served
    exported = tikscope("export", "parquet", "--db", str(server.db), "--out", "export",
                        "--format", "json", cwd=tmp_path)  # fmt: skip
    assert (exported.returncode, exported.stderr) == (0, ""), exported.stdout
    tables = {row["table"]: row for row in json.loads(exported.stdout)}
    assert tables["posts"]["written"] == tables["posts"]["partitions"] > 0
    manifest = json.loads((tmp_path / "export" / "manifest.json").read_text())
    assert manifest["schema_version"] == LATEST_VERSION
    again = tikscope("export", "parquet", "--db", str(server.db), "--out", "export",
                     "--format", "json", cwd=tmp_path)  # fmt: skip
    assert {row["written"] for row in json.loads(again.stdout)} == {0}
