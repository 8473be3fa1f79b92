"""Benchmark: wrk against the overview API of the demo account, on loopback.

Builds the demo store once (`tikscope demo --dir DIR`, reused on later runs), copies it, adds a
workspace, a user and an API token, starts the web server in its own process (`tikscope serve` when
the command exists, else uvicorn on `create_app`, one worker: DuckDB allows one writing process)
and runs Debian's `wrk` with the token against
`/api/workspaces/bench/accounts/casa_verde_demo/overview`. Two runs:

- **cached**: the default 28-day period, the same URL every time (the page cache answers after the
  first request): the server's fixed cost per request (routing, access checks, JSON).
- **uncached**: every request asks for a different custom period (`start`/`end`, 7 to 60 days,
  a Lua script walks through them), so every request computes the overview from the store.

Prints throughput and the p50/p90/p99 latency of each. Goal (issue 6): p99 under 100 ms at 50
connections, judged on the cached run (the issue's scenario: the overview of the demo account; the
uncached run shows the cost when every request asks for a new period). Usage:

    .venv/bin/python benchmarks/web_overview.py [--dir benchmarks/out/web-demo] [--duration 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx

HANDLE = "casa_verde_demo"
WORKSPACE = "bench"
OVERVIEW = f"/api/workspaces/{WORKSPACE}/accounts/{HANDLE}/overview"
DEFAULT_DIR = Path(__file__).resolve().parent / "out" / "web-demo"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
SERVER = """
import sys
from pathlib import Path
import uvicorn
from tikscope.web.app import create_app
from tikscope.web.state import WebConfig
app = create_app(WebConfig(db=Path(sys.argv[1])))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""
PERIODS_SCRIPT = """
local paths = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter - 1) %% #paths + 1])
end
"""


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    per_second: float
    latency_ms: dict[str, float]
    bad_responses: int
    socket_errors: str


def machine() -> str:
    """Cores, CPU model, memory and Python of this machine, in one line."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else model
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({model}, {platform.machine()}), {memory:.0f} GiB memory, "
        f"Python {platform.python_version()}"
    )


def demo_store(directory: Path) -> Path:
    """The demo store in `directory`, built by `tikscope demo` when it is not there yet."""
    store = directory / "tikscope.duckdb"
    if not store.exists():
        print(f"building the demo store in {directory} (tikscope demo, about a minute)")
        subprocess.run(
            [sys.executable, "-m", "tikscope.cli.main", "demo", "--dir", str(directory)],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return store


def prepare_store(demo: Path, copy: Path) -> tuple[str, date, date]:
    """Copy the demo store, add a workspace, an owner and a token; the token and data's days."""
    from tikscope import access
    from tikscope.store.db import open_store

    shutil.copy(demo, copy)
    now = datetime.now()
    with open_store(copy) as connection:
        access.create_workspace(connection, WORKSPACE, "Benchmark", now)
        access.add_account(connection, WORKSPACE, HANDLE)
        user = access.create_user(connection, "bench", "bench-password-123", now)
        access.set_member(connection, WORKSPACE, "bench", access.Role.owner)
        _, token = access.create_api_token(connection, user.user_id, "benchmark", now)
        account_id = access.require_account_id(connection, HANDLE)
        first, last = connection.execute(
            "SELECT min(date), max(date) FROM account_daily WHERE account_id = ?", [account_id]
        ).fetchone() or (None, None)
    if first is None or last is None:
        raise SystemExit(f"no daily account data in {demo}")
    return token, first, last


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(store: Path, port: int) -> subprocess.Popen[bytes]:
    """The web server in its own process, as `tikscope serve` runs it."""
    try:
        import tikscope.cli.serve  # noqa: F401
    except ImportError:
        command = [sys.executable, "-c", SERVER, str(store), str(port)]
    else:
        command = [sys.executable, "-m", "tikscope.cli.main", "serve", "--db", str(store),
                   "--port", str(port)]  # fmt: skip
    print("server: " + (" ".join(command) if "serve" in command else "uvicorn on create_app"))
    return subprocess.Popen(command)


def wait_until_up(origin: str, token: str) -> None:
    """Wait for the server, then check the overview answers 200 (and warm it up)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            response = httpx.get(origin + OVERVIEW, headers={"Authorization": f"Bearer {token}"},
                                 timeout=30)  # fmt: skip
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        if response.status_code != 200:
            raise SystemExit(f"overview answered {response.status_code}: {response.text[:500]}")
        return
    raise SystemExit("the server did not start within 120 s")


def milliseconds(text: str) -> float:
    """A wrk duration such as `12.34ms` or `1.02s` in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not found:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(found.group(1)) * UNITS_MS[found.group(2)]


def parse_wrk(output: str) -> WrkResult:
    """The figures of `wrk --latency` output."""
    totals = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    rate = re.search(r"Requests/sec:\s*([\d.]+)", output)
    if not totals or not rate:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    latency = {
        percent: milliseconds(value)
        for percent, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    if set(latency) != {"50", "75", "90", "99"}:
        raise SystemExit(f"could not read the latency distribution in wrk's output:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    errors = re.search(r"Socket errors:\s*(.+)", output)
    return WrkResult(
        requests=int(totals.group(1)),
        seconds=milliseconds(totals.group(2) + totals.group(3)) / 1000,
        per_second=float(rate.group(1)),
        latency_ms=latency,
        bad_responses=int(bad.group(1)) if bad else 0,
        socket_errors=errors.group(1).strip() if errors else "none",
    )


def run_wrk(url: str, token: str, arguments: argparse.Namespace, script: Path | None) -> WrkResult:
    """One wrk run against `url` with the token."""
    command = [
        "wrk", f"-t{arguments.threads}", f"-c{arguments.connections}",
        f"-d{arguments.duration}s", "--latency", "--timeout", "10s",
        "-H", f"Authorization: Bearer {token}",
    ]  # fmt: skip
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def periods_script(folder: Path, first: date, last: date) -> Path:
    """A wrk Lua script whose every request asks for a different custom period."""
    paths = []
    for days in range(7, 61):
        for offset in range(0, (last - first).days - days, 3):
            start = first + timedelta(days=offset)
            end = start + timedelta(days=days - 1)
            paths.append(f'"{OVERVIEW}?start={start}&end={end}"')
    script = folder / "periods.lua"
    script.write_text(PERIODS_SCRIPT % ",".join(paths))
    return script


def report(name: str, result: WrkResult, connections: int) -> None:
    """Print one run's figures."""
    latency = result.latency_ms
    print(
        f"{name:9} {result.per_second:8.1f} requests/s ({result.requests} in "
        f"{result.seconds:.1f} s, {connections} connections); latency p50 "
        f"{latency['50']:.1f} ms, p90 {latency['90']:.1f} ms, p99 {latency['99']:.1f} ms; "
        f"non-2xx {result.bad_responses}, socket errors {result.socket_errors}"
    )


@dataclass(frozen=True)
class Served:
    """A copy of the demo store served by `tikscope serve` for a benchmark."""

    origin: str
    token: str
    folder: Path
    first: date
    last: date


def benchmark_arguments(duration: int) -> argparse.ArgumentParser:
    """The options every web benchmark takes (`duration`: default seconds per wrk run)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of the demo store")
    parser.add_argument("--duration", type=int, default=duration, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    return parser


@contextmanager
def served_demo(name: str, arguments: argparse.Namespace) -> Iterator[Served]:
    """Print the benchmark's heading, then serve a copy of the demo store until the block ends."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run `sh scripts/install-system-packages.sh` (as root)")
    print(f"{name} benchmark, {date.today()}, {machine()}")
    demo = demo_store(arguments.dir)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        token, first, last = prepare_store(demo, folder / "bench.duckdb")
        port = free_port()
        origin = f"http://127.0.0.1:{port}"
        server = start_server(folder / "bench.duckdb", port)
        try:
            wait_until_up(origin, token)
            yield Served(origin, token, folder, first, last)
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    arguments = benchmark_arguments(duration=20).parse_args()
    with served_demo("web overview", arguments) as served:
        cached = run_wrk(served.origin + OVERVIEW, served.token, arguments, None)
        report("cached", cached, arguments.connections)
        script = periods_script(served.folder, served.first, served.last)
        uncached = run_wrk(served.origin + OVERVIEW, served.token, arguments, script)
        report("uncached", uncached, arguments.connections)
    p99 = cached.latency_ms["99"]
    verdict = "met" if p99 < 100 else f"missed by {p99 - 100:.0f} ms"
    print(f"goal p99 < 100 ms at {arguments.connections} connections (cached run): {verdict}")


if __name__ == "__main__":
    main()
