"""Benchmark: the audience analysis in the server, alone and under 50 clients asking for periods.

Reuses the setup of `benchmarks/web_overview.py` (the demo store, a workspace, an owner, an API
token, `tikscope serve` in its own process). Then:

- **alone**: `POST /api/workspaces/bench/accounts/casa_verde_demo/audience/analyze` (cluster the
  demo account's 50,000 members, describe the clusters, save, answer with the report) a few
  times in a row, nothing else running; the first is reported apart (it starts the worker).
- **overview alone**: wrk, 50 connections, every request a different custom period of the
  overview (`web_overview.py`'s uncached run), for comparison.
- **under load**: the same wrk run, and the analysis again a few times while it runs.

Prints each analysis's time and wrk's throughput and latency of both runs (issue 12, item 9).
Usage:

    .venv/bin/python benchmarks/web_audience.py [--dir benchmarks/out/web-demo] [--duration 60]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from pathlib import Path

import httpx

from web_overview import (
    HANDLE,
    OVERVIEW,
    WORKSPACE,
    benchmark_arguments,
    parse_wrk,
    periods_script,
    report,
    served_demo,
)

ANALYZE = f"/api/workspaces/{WORKSPACE}/accounts/{HANDLE}/audience/analyze"


def analyze(origin: str, token: str) -> float:
    """One analysis through the API; its seconds."""
    started = time.perf_counter()
    response = httpx.post(origin + ANALYZE, json={"seed": 7},
                          headers={"Authorization": f"Bearer {token}"}, timeout=600)  # fmt: skip
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"analyze answered {response.status_code}: {response.text[:500]}")
    return seconds


def start_wrk(
    url: str, token: str, arguments: argparse.Namespace, script: Path
) -> subprocess.Popen[str]:
    """wrk in the background against `url`, every request a different period."""
    command = [
        "wrk", f"-t{arguments.threads}", f"-c{arguments.connections}",
        f"-d{arguments.duration}s", "--latency", "--timeout", "30s",
        "-H", f"Authorization: Bearer {token}", "-s", str(script), url,
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def seconds_list(values: list[float]) -> str:
    """Times as `4.1 s, 4.3 s (median 4.2 s)`."""
    shown = ", ".join(f"{value:.1f} s" for value in values)
    return f"{shown} (median {statistics.median(values):.1f} s)" if values else "none"


def main() -> None:
    parser = benchmark_arguments(duration=60)
    parser.add_argument("--repeat", type=int, default=3, help="analyses per measurement")
    arguments = parser.parse_args()
    with served_demo("web audience", arguments) as served:
        origin, token = served.origin, served.token
        print(f"first analysis (starts the worker): {analyze(origin, token):.1f} s")
        alone = [analyze(origin, token) for _ in range(arguments.repeat)]
        print(f"analysis alone: {seconds_list(alone)}")
        script = periods_script(served.folder, served.first, served.last)
        wrk = start_wrk(origin + OVERVIEW, token, arguments, script)
        out, _ = wrk.communicate()
        report("overview", parse_wrk(out), arguments.connections)
        wrk = start_wrk(origin + OVERVIEW, token, arguments, script)
        time.sleep(3)
        loaded: list[float] = []
        after: list[float] = []
        for _ in range(arguments.repeat):
            seconds = analyze(origin, token)
            (loaded if wrk.poll() is None else after).append(seconds)
        out, _ = wrk.communicate()
        late = f"; finished after wrk stopped: {seconds_list(after)}" if after else ""
        print(f"analysis under load: {seconds_list(loaded)}{late}")
        report("overview during analyses", parse_wrk(out), arguments.connections)


if __name__ == "__main__":
    main()
