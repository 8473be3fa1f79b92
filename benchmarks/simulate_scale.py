"""Benchmark: simulate an account with a large audience and write it to a fresh store.

Runs the simulation in a child process so that its peak memory (max RSS) is measured alone, and
prints the time of each stage. Usage:

    .venv/bin/python benchmarks/simulate_scale.py [--members 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
from datetime import date
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from datetime import date
    from pathlib import Path
    from tikscope.simulate.config import SimulationConfig
    from tikscope.simulate.run import build_batch
    from tikscope.store.db import open_store
    from tikscope.store.ingest import ingest

    members, path = int(sys.argv[1]), Path(sys.argv[2])
    config = SimulationConfig(members=members, end_date=date(2026, 11, 21))
    marks = [("start", time.perf_counter())]
    batch = build_batch(config, on_step=lambda name: marks.append((name, time.perf_counter())))
    with open_store(path, create=True) as connection:
        marks.append(("open store", time.perf_counter()))
        ingest(connection, batch, on_table=lambda name, rows: None)
        marks.append(("write to store", time.perf_counter()))
        edges = connection.execute("SELECT count(*) FROM follows").fetchall()[0][0]
    stages = {name: end - begin for (_, begin), (name, end) in zip(marks, marks[1:])}
    print(json.dumps({"stages": stages, "total": marks[-1][1] - marks[0][1], "edges": edges}))
    """
)


def run_once(members: int) -> dict[str, object]:
    """One simulation in a fresh child process and a fresh store; its figures and peak memory."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        output = subprocess.run(
            [sys.executable, "-c", CHILD, str(members), str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        figures: dict[str, object] = json.loads(output.strip().splitlines()[-1])
        figures["peak_rss_gib"] = max(peak_kib, before) / 1024**2
        figures["store_mib"] = path.stat().st_size / 1024**2
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    runs = [run_once(arguments.members) for _ in range(arguments.repeat)]
    print(f"simulate --members {arguments.members:,} on {platform.machine()}, "
          f"{platform.python_version()}, {date.today()}, runs: {arguments.repeat}")  # fmt: skip
    print(f"follow edges written: {runs[0]['edges']:,}")
    stages = list(runs[0]["stages"])  # type: ignore[call-overload]
    for stage in stages:
        values = [run["stages"][stage] for run in runs]  # type: ignore[index]
        print(f"  {stage:<16} median {statistics.median(values):6.2f} s")
    totals = [float(run["total"]) for run in runs]  # type: ignore[arg-type]
    spread = f"(min {min(totals):.2f}, max {max(totals):.2f})"
    print(f"  {'total':<16} median {statistics.median(totals):6.2f} s {spread}")
    print(
        f"peak memory (max RSS of the child): {max(float(r['peak_rss_gib']) for r in runs):.2f} GiB"
    )  # type: ignore[arg-type]
    print(f"store size: {float(runs[0]['store_mib']):.0f} MiB")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
