"""Benchmark: what affinities add to the audience report, and the `--by affinities` clustering.

For each size, a simulated audience (8 planted communities, each with its favourite outside
accounts; cached in benchmarks/out/) is analysed as `tikscope audience report` does (`load_inputs`
then `analyse`, nothing saved):

- by follows (the default report), unless `--no-follows`: what affinities add, reading the
  outside follows and the cards' extra time with them (suppression, tests, audit), measured as
  the cards built again on the same clustering without them;
- by affinities: the clustering's time, k, and NMI against the planted communities over the
  members it placed (members in Other counted apart).

Usage:

    .venv/bin/python benchmarks/affinities.py --members 20000 100000
    .venv/bin/python benchmarks/affinities.py --members 1000000 --no-follows
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

from tikscope.audience.cards import build_cards
from tikscope.audience.insights import (
    DEFAULT_OPTIONS,
    DEFAULT_PRIVACY,
    AudienceInputs,
    analyse,
    load_inputs,
    options_for,
)
from tikscope.audience.model import OTHER, Clustering
from tikscope.metrics.query import find_account
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store

OUT = Path(__file__).parent / "out"


def build_store(members: int) -> Path:
    """The cached simulated store of `members` members."""
    OUT.mkdir(exist_ok=True)
    store = OUT / f"affinities_{members}.duckdb"
    config = SimulationConfig(members=members, posts=20, days=30, end_date=date(2026, 11, 21))
    started = time.perf_counter()
    with open_store(store, create=True) as connection:
        if simulate_into_store(connection, config).changed:
            print(f"built {store.name} in {time.perf_counter() - started:.1f} s")
    return store


def measure(members: int, *, follows: bool) -> None:
    """Print one size's figures."""
    store = build_store(members)
    with open_store(store) as connection:
        account = find_account(connection, None)
        planted = connection.sql(
            "SELECT member_key, community FROM planted_membership WHERE account_id = $a "
            "ORDER BY member_key",
            params={"a": account.account_id},
        ).fetchnumpy()
        modes = (["follows"] if follows else []) + ["affinities"]
        for by in modes:
            started = time.perf_counter()
            inputs = load_inputs(connection, account.account_id,
                                 options_for(by, DEFAULT_OPTIONS))  # type: ignore[arg-type]  # fmt: skip
            loaded = time.perf_counter() - started
            analysis = analyse(inputs, clusters=None, seed=7, privacy=DEFAULT_PRIVACY,
                               by=by)  # type: ignore[arg-type]  # fmt: skip
            total = time.perf_counter() - started
            timings = {**inputs.timings, **analysis.timings}
            lists = timings["cluster cards"] - bare_cards(inputs, analysis.clustering)
            added = timings["load outside follows"] + lists
            line = (f"{members:>9,} by {by:<10} load {loaded:6.2f} s, analyse "
                    f"{total - loaded:6.2f} s; affinities add {added:5.2f} s "
                    f"(read {timings['load outside follows']:.2f}, cards "
                    f"{timings['cluster cards']:.2f} s with them, {lists:.2f} s more than "
                    f"without) of {total:6.2f} s")  # fmt: skip
            if by == "affinities":
                labels = analysis.clustering.labels
                keys = np.searchsorted(planted["member_key"], inputs.graph.member_keys)
                truth = np.asarray(planted["community"])[keys]
                placed = labels != OTHER
                score = normalized_mutual_info_score(truth[placed], labels[placed])
                other = int((~placed).sum())
                line += (f"; clustering {timings['detect clusters']:.2f} s, k = "
                         f"{analysis.clustering.communities}, NMI {score:.3f} over "
                         f"{int(placed.sum()):,} placed, {other:,} in Other")  # fmt: skip
            named = sum(len(card.affinities) for card in analysis.cards)
            unnamed = sum(card.unnamed_affinities for card in analysis.cards)
            print(f"{line}; {named} named and {unnamed} unnamed affinities on "
                  f"{len(analysis.cards)} cards", flush=True)  # fmt: skip


def bare_cards(inputs: AudienceInputs, clustering: Clustering) -> float:
    """Seconds `build_cards` takes on the same clustering without the outside follows."""
    started = time.perf_counter()
    build_cards(inputs.attributes, clustering, inputs.graph.sources, inputs.graph.targets,
                privacy=DEFAULT_PRIVACY)  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--no-follows", action="store_true", help="Only by affinities.")
    arguments = parser.parse_args()
    print(f"affinities, {platform.machine()}, Python {platform.python_version()}, "
          f"{date.today()}, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    for members in arguments.members:
        measure(members, follows=not arguments.no_follows)


if __name__ == "__main__":
    main()
