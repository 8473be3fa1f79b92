"""Benchmark: the audience report at a million members, from the store to the finished folder.

Builds (once, cached in benchmarks/out/) a simulated account with 1,000,000 audience members and
about 20M follows, then runs `tikscope audience report`'s pipeline in a child process, printing
each stage's time, the bare community-detection call alone on the same graph, and the child's
peak memory, and bare networkit PLM on the same graph (one thread) beside it. Usage:

    .venv/bin/python benchmarks/audience_report.py [--members 1000000]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date
from pathlib import Path

from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store

OUT = Path(__file__).parent / "out"
CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from tikscope.audience.communities import detect_clusters
    from tikscope.audience.insights import compute_insights
    from tikscope.audience.graph import load_graph
    from tikscope.metrics.query import find_account
    from tikscope.reports.audience import write_audience_report
    from tikscope.store.db import open_store

    store, out = Path(sys.argv[1]), Path(sys.argv[2])
    started = time.perf_counter()
    with open_store(store) as connection:
        account = find_account(connection, None)
        opened = time.perf_counter()
        insights = compute_insights(connection, account.account_id, account.handle)
        computed = time.perf_counter()
        write_audience_report(insights, out)
        written = time.perf_counter()
        graph = load_graph(connection, account.account_id)
    bare_start = time.perf_counter()
    detect_clusters(graph, seed=7)
    bare = time.perf_counter() - bare_start
    import networkit
    from tikscope.audience.detection import undirected_edges
    edges = undirected_edges(graph)
    plm_graph = networkit.GraphFromCoo((edges.weights, (edges.first, edges.second)),
                                       n=edges.nodes, weighted=True, directed=False)
    networkit.setNumberOfThreads(1)
    plm_start = time.perf_counter()
    plm = networkit.community.PLM(plm_graph, refine=False)
    plm.run()
    plm_seconds = time.perf_counter() - plm_start
    peak = next(int(line.split()[1]) for line in open("/proc/self/status")
                if line.startswith("VmHWM:")) / 1024**2
    print(json.dumps({
        "stages": {"open store": opened - started, **insights.timings,
                   "write report (PNG, SVG, HTML, JSON, exports)": written - computed},
        "total": written - started, "bare_clustering": bare, "members": insights.total_members,
        "clustered": insights.graph_size, "edges": int(len(graph.sources)),
        "clusters": len(insights.cards), "plm": plm_seconds, "plm_edges": int(len(edges.weights)),
        "peak_gib": peak,
    }))
    """
)


def build_store(members: int) -> Path:
    """The cached benchmark store."""
    OUT.mkdir(exist_ok=True)
    store = OUT / f"audience_{members}.duckdb"
    config = SimulationConfig(members=members, posts=50, days=60, end_date=date(2026, 11, 21))
    started = time.perf_counter()
    with open_store(store, create=True) as connection:
        if simulate_into_store(connection, config).changed:
            print(f"built {store.name} in {time.perf_counter() - started:.1f} s")
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    members = parser.parse_args().members
    store = build_store(members)
    with tempfile.TemporaryDirectory() as folder:
        output = subprocess.run(
            [sys.executable, "-c", CHILD, str(store), folder],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    figures = json.loads(output.strip().splitlines()[-1])
    print(
        f"audience report, {platform.machine()}, Python {platform.python_version()}, {date.today()}"
    )
    print(
        f"members {figures['members']:,}, clustered {figures['clustered']:,}, "
        f"member follows in the graph {figures['edges']:,}, clusters {figures['clusters']}"
    )
    for stage, seconds in figures["stages"].items():
        print(f"  {stage:<48} {seconds:7.2f} s")
    print(f"  {'total (store to finished report)':<48} {figures['total']:7.2f} s")
    print(f"  {'bare clustering call alone, same graph':<48} {figures['bare_clustering']:7.2f} s")
    print(f"  {'bare networkit PLM (1 thread), same graph':<48} {figures['plm']:7.2f} s"
          f"  ({figures['plm_edges']:,} undirected edges)")  # fmt: skip
    print(
        f"peak memory of the child (VmHWM, its own high-water mark): {figures['peak_gib']:.2f} GiB"
    )
    print(f"(ru_maxrss of children, which keeps the parent's mark at fork: {peak:.2f} GiB)")


if __name__ == "__main__":
    main()
