"""Benchmark: how often a card flags an attribute value as distinctive when nothing is.

Simulated audiences are clustered once (automatic mode, seed 7); then, again and again, their
members' attributes (interests, age, gender, country, city, language, bio words, all of a member
together) are shuffled across members, which keeps every attribute's distribution and breaks
any link with the clusters, and the cards are built. Every `significant` value on a card is then
a false flag. Printed per audience: cards built, flags per 100 cards under the shipped rule
(Bonferroni p, index at least 20 from 100, Cohen's h at least `shares.MIN_EFFECT`) and under
the rule without the effect size (h at least 0), and the cards with any flag. Usage:

    .venv/bin/python benchmarks/false_flags.py [--members 500 20000] [--shuffles 100]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

from tikscope.audience import shares
from tikscope.audience.attributes import Bag, MemberAttributes
from tikscope.audience.cards import build_cards
from tikscope.audience.communities import detect_clusters
from tikscope.audience.graph import load_graph
from tikscope.audience.insights import load_inputs
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store, simulated_account_id
from tikscope.store.db import open_store


def shuffled_bag(bag: Bag, order: np.ndarray) -> Bag:
    """The bag with its rows in `order`."""
    lengths = np.diff(bag.indptr)[order]
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    starts = bag.indptr[:-1][order]
    positions = np.repeat(starts - indptr[:-1], lengths) + np.arange(int(indptr[-1]))
    return Bag(indptr, bag.indices[positions], bag.vocabulary)


def shuffled(attributes: MemberAttributes, order: np.ndarray) -> MemberAttributes:
    """The attributes with member i given member order[i]'s values."""
    return replace(
        attributes,
        words=shuffled_bag(attributes.words, order),
        interests=shuffled_bag(attributes.interests, order),
        categorical={
            name: replace(values, codes=values.codes[order])
            for name, values in attributes.categorical.items()
        },
    )


def measure(members: int, shuffles: int, folder: Path) -> None:
    """Print the false flags of one simulated audience."""
    config = SimulationConfig(
        seed=3, members=members, posts=10, days=30, end_date=date(2026, 11, 21)
    )
    account = simulated_account_id(config)
    with open_store(folder / f"{members}.duckdb", create=True) as connection:
        simulate_into_store(connection, config)
        graph = load_graph(connection, account)
        attributes = load_inputs(connection, account).attributes
    clustering = detect_clusters(graph, seed=7, attributes=attributes)
    rng = np.random.default_rng(members)
    counts = {"shipped": [0, 0], "without effect size": [0, 0]}
    cards_built = 0
    started = time.perf_counter()
    for _ in range(shuffles):
        mixed = shuffled(attributes, rng.permutation(attributes.size))
        for rule, effect in (("shipped", shares.MIN_EFFECT), ("without effect size", 0.0)):
            saved, shares.MIN_EFFECT = shares.MIN_EFFECT, effect
            try:
                cards, _ = build_cards(mixed, clustering, graph.sources, graph.targets)
            finally:
                shares.MIN_EFFECT = saved
            flags = [
                sum(item.significant for values in card.attributes.values() for item in values)
                for card in cards
            ]
            counts[rule][0] += sum(flags)
            counts[rule][1] += sum(flag > 0 for flag in flags)
        cards_built += len(cards)
    elapsed = time.perf_counter() - started
    for rule, (flags, flagged) in counts.items():
        print(
            f"| {members:,} | {clustering.clusters} + Other | {shuffles} | {cards_built:,} "
            f"| {rule} | {flags} | {100 * flags / max(cards_built, 1):.2f} | {flagged} "
            f"| {elapsed:.0f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[500, 20_000])
    parser.add_argument("--shuffles", type=int, default=100)
    arguments = parser.parse_args()
    print(
        f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(
        "| members | clusters | shuffles | cards | rule | flags | flags per 100 cards "
        "| cards with a flag | s (both rules) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        for members in arguments.members:
            measure(members, arguments.shuffles, Path(folder))


if __name__ == "__main__":
    main()
