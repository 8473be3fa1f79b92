"""Cards show each attribute's coverage, and Wilson intervals where values come from a sample."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pytest

from tikscope.audience.attributes import MemberAttributes
from tikscope.audience.cards import build_cards, load_member_attributes
from tikscope.audience.model import AudienceSummary, ClusterCard, Clustering, Coverage
from tikscope.audience.release import numbers_of
from tikscope.audience.statistics import wilson_interval

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

ACCOUNT = "acc_coverage"
SIZE = 100
"""Members per cluster; cluster 0 is keys 0-99, cluster 1 keys 100-199."""


def wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    """Wilson (1927), 95%: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    z, p = 1.959963984540054, k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def fill(store: DuckDBPyConnection, *, profiled: int) -> None:
    """Cluster 0: 60 with a country (40 ES, 20 FR); cluster 1: 80 (20 ES, 60 FR), 95 with a
    language. Nobody has an age; everyone in cluster 1 has a gender."""
    for key in range(2 * SIZE):
        first, index = key < SIZE, key % SIZE
        if first:
            country = "ES" if index < 40 else "FR" if index < 60 else None
        else:
            country = "ES" if index < 20 else "FR" if index < 80 else None
        language = None if first else ("es" if index < 95 else None)
        gender = None if first else ("female" if index % 2 else "male")
        store.execute(
            "INSERT INTO audience_members (account_id, member_key, member_id, country, language, "
            "gender, run_id) VALUES (?, ?, ?, ?, ?, ?, 1)",
            [ACCOUNT, key, f"p_{key}", country, language, gender],
        )
    for key in range(profiled):
        store.execute(
            "INSERT INTO member_profiles (account_id, member_key, sample_rank, status, source, "
            "run_id) VALUES (?, ?, ?, 'profiled', 'research_api', 1)",
            [ACCOUNT, key, key],
        )


def cards_of(
    store: DuckDBPyConnection,
) -> tuple[MemberAttributes, list[ClusterCard], AudienceSummary]:
    keys = np.arange(2 * SIZE, dtype=np.int32)
    attributes = load_member_attributes(store, ACCOUNT, keys)
    labels = (keys >= SIZE).astype(np.int32)
    clustering = Clustering(labels, "follows", "", "test", 2, None, 0)
    empty = np.array([], dtype=np.int32)
    cards, summary = build_cards(attributes, clustering, empty, empty)
    return attributes, cards, summary


def test_wilson_interval_matches_hand_computation() -> None:
    low, high = wilson_interval(np.array([40, 0, 60]), np.array([60, 20, 60]))
    expected = [wilson_by_hand(40, 60), wilson_by_hand(0, 20), wilson_by_hand(60, 60)]
    assert low == pytest.approx([e[0] for e in expected])
    assert high == pytest.approx([e[1] for e in expected])
    assert high[2] == pytest.approx(1.0) and low[1] == pytest.approx(0.0)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_cards_show_coverage_and_wilson_intervals_of_a_sample(store: DuckDBPyConnection) -> None:
    fill(store, profiled=150)
    attributes, cards, summary = cards_of(store)
    assert (attributes.profiled, attributes.sampled) == (
        150,
        frozenset({"interests", "country", "language"}),
    )
    first, second = cards
    assert first.coverage["country"] == Coverage(60, 0.6)
    assert second.coverage["country"] == Coverage(80, 0.8)
    assert first.coverage["age"] == Coverage(0, 0.0)
    assert second.coverage["gender"] == Coverage(SIZE, 1.0)
    assert second.coverage["language"] == Coverage(None, None)  # 5 unknown: under 10, hidden
    spain = {share.value: share for share in first.attributes["country"]}["ES"]
    assert (spain.members, spain.share) == (40, pytest.approx(40 / 60))
    assert spain.interval == pytest.approx(wilson_by_hand(40, 60))
    assert all(share.interval is None for share in second.attributes["gender"])
    assert summary.profiled == 150
    assert summary.sampled == ("interests", "country", "language")
    assert summary.coverage["country"] == Coverage(140, 0.7)
    france = {share.value: share for share in summary.demographics["country"]}["FR"]
    assert (france.members, france.interval) == (80, pytest.approx(wilson_by_hand(80, 140)))


def test_cards_without_a_sample_have_coverage_but_no_intervals(
    store: DuckDBPyConnection,
) -> None:
    fill(store, profiled=0)
    attributes, cards, summary = cards_of(store)
    assert (attributes.profiled, attributes.sampled, summary.profiled) == (0, frozenset(), None)
    assert cards[0].coverage["country"] == Coverage(60, 0.6)
    shares = [share for card in cards for values in card.attributes.values() for share in values]
    assert shares and all(share.interval is None for share in shares)


def test_published_coverage_is_audited_as_a_known_count(store: DuckDBPyConnection) -> None:
    from tikscope.audience.release import count_clusters, release

    fill(store, profiled=150)
    attributes, cards, summary = cards_of(store)
    slots = np.repeat(np.array([1, 2]), SIZE)
    counts = count_clusters(attributes, slots, 3, np.array([]), np.array([]), 10)
    numbers = numbers_of(counts, release(counts, frozenset()), cards, summary)
    known = {(n.count, n.slot) for n in numbers if n.predicate == ("known", "country", 0)}
    assert {(60, 1), (80, 2), (140, None)} <= known
