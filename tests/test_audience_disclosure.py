"""Disclosure by subtraction: no count under the minimum group size can be worked out from a report.

The suppression tables by hand, the case of issue 12 through the store and the saved report,
and a property test over random audiences, audited by `disclosure_support` (an attacker's
audit written apart from `tikscope.audience.audit`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure_support import CATEGORICAL, Truth, findings
from tikscope.audience.attributes import Bag, Categorical, MemberAttributes, build_bag
from tikscope.audience.cards import build_cards
from tikscope.audience.insights import AudienceInsights, GraphOptions, as_dict, saved_insights
from tikscope.audience.model import OTHER, Clustering, PrivacySettings
from tikscope.audience.results import save_result
from tikscope.audience.suppression import (
    bridges,
    density_shown,
    release_dropped,
    suppress_crossed,
    suppress_rows,
)
from tikscope.cli.commands import audience_lines
from tikscope.reports.audience import write_audience_report

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

PROPERTY = settings(max_examples=300, deadline=None)


def test_bridges_of_a_triangle_with_a_tail() -> None:
    # 0-1-2-0 is a cycle; 2-3 and 3-4 hang off it
    first, second = np.array([0, 1, 2, 2, 3]), np.array([1, 2, 0, 3, 4])
    assert bridges(first, second, 5).tolist() == [False, False, False, True, True]
    assert bridges(np.array([], dtype=int), np.array([], dtype=int), 3).tolist() == []


def test_suppress_crossed_hides_the_complement_of_a_small_cell() -> None:
    # The issue's table: Lisbon has 10 members in cluster A and 1 in B; every member's city
    # is known (the unknown row is empty). Columns A, B; the last column is the totals.
    counts = np.array([[10, 1], [50, 0], [40, 0], [0, 49], [0, 50], [0, 0]])
    hidden = suppress_crossed(counts, minimum=10)
    # B's 1 is small; Lisbon's total (11) minus A's 10 would give it, so A's 10 is hidden too.
    # Then B's column (100) minus Madrid and Rome would give it: Madrid (49) is hidden too, and
    # with it its total, or the total minus Madrid's other cells (none) would pin it; that
    # takes Lisbon's total along (the cheapest rectangle through B's 1: Lisbon and Madrid over
    # B and the totals).
    assert hidden.astype(int).tolist() == [
        [1, 1, 1],
        [0, 0, 0],
        [0, 0, 0],
        [0, 1, 1],
        [0, 0, 0],
        [0, 0, 0],
    ]


def test_suppress_crossed_does_not_let_a_chain_of_lines_pin_a_small_cell() -> None:
    # Gender in two clusters: "other" has 3 members in A and 12 in B. Hiding A's 3 and B's 12
    # (the row) and A's male (the column) is not enough: B's column would give B's 12, and
    # then the row A's 3. The 3 must lie on a cycle of hidden cells.
    counts = np.array([[40, 50], [30, 45], [3, 12], [0, 0]])
    hidden = suppress_crossed(counts, minimum=10)
    assert hidden.astype(int).tolist() == [[0, 0, 0], [1, 1, 0], [1, 1, 0], [0, 0, 0]]


def test_suppress_crossed_leaves_a_table_without_small_cells_alone() -> None:
    counts = np.array([[40, 50], [30, 45], [0, 0]])
    assert not suppress_crossed(counts, minimum=10).any()


def test_suppress_rows_hides_small_complements_and_never_leaves_one_alone() -> None:
    # Interests: "plants" is listed by 57 of A's 60 members (3 do not: small) and 20 of B's 80.
    counts = np.array([[57, 20], [12, 30]])
    hidden = suppress_rows(counts, denominators=np.array([60, 80]), audience=140, minimum=10)
    # A's 57 is hidden; alone, the total (77) minus B's 20 would give it, so B's 20 goes too.
    assert hidden.astype(int).tolist() == [[1, 1, 0], [0, 0, 0]]


def test_release_dropped_hides_a_small_reason_and_what_would_give_it() -> None:
    assert release_dropped({"mass_followers": 4, "bots": 0, "isolated": 117}, kept=3878,
                           minimum=10) == ({"mass_followers": None, "bots": 0, "isolated": None},
                                           3999)  # fmt: skip
    # With nothing to hide it with, the total is hidden instead.
    assert release_dropped({"isolated": 3}, kept=100, minimum=10) == ({"isolated": None}, None)
    assert release_dropped({"isolated": 0, "bots": 12}, kept=100, minimum=10) == (
        {"isolated": 0, "bots": 12}, 112,
    )  # fmt: skip


def test_density_is_hidden_when_either_side_is_small() -> None:
    inside, sizes = np.array([0, 5, 95, 50, 2]), np.array([100, 100, 100, 100, 2])
    assert density_shown(inside, sizes, minimum=10).tolist() == [True, False, False, True, False]


# --- the case of the issue, through the store and the saved report ---------------------------


def insert_members(
    connection: DuckDBPyConnection, account: str, rows: list[dict[str, Any]]
) -> None:
    for key, row in enumerate(rows):
        connection.execute(
            "INSERT INTO audience_members (account_id, member_key, member_id, bio, age_bucket, "
            "gender, country, city, language, interests, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [account, key, f"p_{key}", row["bio"], row["age"], row["gender"], row["country"],
             row["city"], row["language"], row["interests"]],
        )  # fmt: skip


def issue_members() -> tuple[list[dict[str, Any]], np.ndarray]:
    """200 members, two clusters of 100; Lisbon: 10 members of cluster 0 and 1 of cluster 1."""
    cities = ["Lisbon"] * 10 + ["Paris"] * 50 + ["Berlin"] * 40  # cluster 0
    cities += ["Lisbon"] + ["Madrid"] * 49 + ["Rome"] * 50  # cluster 1
    country = {"Lisbon": "PT", "Paris": "FR", "Berlin": "DE", "Madrid": "ES", "Rome": "IT"}
    rows = [
        {"bio": "plant lover" if member < 100 else "home cook", "city": city,
         "country": country[city], "age": ("18-24", "25-34")[member % 2],
         "gender": ("female", "male")[member % 2], "language": "en",
         "interests": ["houseplants"] if member < 100 else ["cooking"]}
        for member, city in enumerate(cities)
    ]  # fmt: skip
    return rows, np.repeat(np.array([0, 1], dtype=np.int32), 100)


def insert_ring_follows(connection: DuckDBPyConnection, account: str, labels: np.ndarray) -> None:
    """Each member follows the next of their cluster: nobody is isolated, nobody a bot."""
    pairs = []
    for cluster in np.unique(labels).tolist():
        members = np.flatnonzero(labels == cluster).tolist()
        pairs += [(a, b) for a, b in zip(members, [*members[1:], members[0]], strict=True)]
    connection.executemany(
        "INSERT INTO follows VALUES (?, ?, ?, 'member', 1)",
        [[account, source, target] for source, target in pairs],
    )


def test_issue_case_one_member_of_the_other_cluster_cannot_be_subtracted(
    store: DuckDBPyConnection, tmp_path: Path
) -> None:
    account = "acc_issue"
    rows, labels = issue_members()
    insert_members(store, account, rows)
    insert_ring_follows(store, account, labels)
    clustering = Clustering(labels, "follows", "planted", "test", 7, None, 2)
    parameters = {"privacy": vars(PrivacySettings()), "options": vars(GraphOptions()),
                  "communities": 2}  # fmt: skip
    save_result(store, account, np.arange(200, dtype=np.int32), clustering,
                {0: "plants", 1: "cooks"}, parameters)  # fmt: skip
    insights = saved_insights(store, account, "issue")
    write_audience_report(insights, tmp_path)
    report = json.loads((tmp_path / "report.json").read_text())
    cities = {
        card["cluster"]: {item["value"]: item["members"] for item in card["attributes"]["city"]}
        for card in report["clusters"]
    }
    summary = {item["value"]: item["members"] for item in report["summary"]["demographics"]["city"]}
    # Before: cluster 0 showed Lisbon 10 and the summary Lisbon 11. Now neither Lisbon count
    # is shown, nor Madrid's (or cluster 1's 100 minus Madrid and Rome would give the 1).
    assert cities == {0: {"Paris": 50, "Berlin": 40}, 1: {"Rome": 50}}
    assert summary == {"Paris": 50, "Rome": 50, "Berlin": 40}
    assert report["clusters"][1]["suppressed"] == {"city": 2, "country": 2}
    assert findings(report, truth_of(rows, labels, store, account), minimum=10) == []


def truth_of(
    rows: list[dict[str, Any]],
    labels: np.ndarray,
    store: DuckDBPyConnection,
    account: str,
    *,
    isolated: int = 0,
) -> Truth:
    """The truth of the first `len(labels)` members (the others are left out as isolated)."""
    follows = store.execute(
        "SELECT follower_key, followee_key FROM follows WHERE account_id = ?", [account]
    ).fetchall()
    kept = rows[: len(labels)]
    inside = [False] * len(kept)
    for source, target in follows:
        inside[source] |= source != target and labels[source] == labels[target]
    return Truth(
        clusters=labels.tolist(),
        values={name: [row[name] for row in kept] for name in CATEGORICAL},
        interests=[set(row["interests"]) for row in kept],
        words=[set(row["bio"].split()) for row in kept],
        inside=inside,
        dropped={"mass_followers": 0, "bots": 0, "isolated": isolated},
    )


def test_hidden_numbers_say_hidden_in_every_output(
    store: DuckDBPyConnection, tmp_path: Path
) -> None:
    account = "acc_hidden"
    rows, labels = issue_members()
    # three more members follow nobody (left out as isolated: a small count), and five of
    # cluster 1 follow only a member of cluster 0 (5 not following inside: a small count)
    insert_members(store, account, [*rows, *rows[:3]])
    insert_ring_follows(store, account, labels[:195])
    store.executemany(
        "INSERT INTO follows VALUES (?, ?, 0, 'member', 1)", [[account, m] for m in range(195, 200)]
    )
    clustering = Clustering(labels, "follows", "planted", "test", 7, None, 2)
    parameters = {"privacy": vars(PrivacySettings()), "options": vars(GraphOptions()),
                  "communities": 2}  # fmt: skip
    save_result(store, account, np.arange(200, dtype=np.int32), clustering,
                {0: "plants", 1: "cooks"}, parameters)  # fmt: skip
    insights = saved_insights(store, account, "hidden")
    assert (insights.total_members, insights.dropped) == (
        None, {"mass_followers": 0, "bots": 0, "isolated": None},
    )  # fmt: skip
    assert [card.density for card in insights.cards] == [1.0, None]
    page = write_audience_report(insights, tmp_path).read_text()
    assert "200 audience members in 2 clusters" in page  # not "of 203"
    assert "hidden isolated" in page
    assert "how many follow another member of it is hidden for privacy" in page
    assert audience_lines(insights)[0].startswith("@hidden: 200 members clustered (")
    assert audience_lines(insights)[0].endswith("left out: hidden isolated")
    report = json.loads((tmp_path / "report.json").read_text())
    truth = truth_of([*rows, *rows[:3]], labels, store, account, isolated=3)
    assert findings(report, truth, minimum=10) == []


# --- random audiences ------------------------------------------------------------------------


def random_truth(rng: np.random.Generator, *, members: int, clusters: int, other: bool,
                 unknown: float, spread: float) -> tuple[Truth, list[tuple[int, int]]]:  # fmt: skip
    """Members with concentrated attributes per cluster (small cells, subsets), and follows."""
    labels = np.arange(members) % clusters
    if other:
        labels = np.where(rng.random(members) < 0.15, OTHER, labels)
    labels[:clusters] = np.arange(clusters)
    slots = sorted(set(labels.tolist()))

    def draw(values: list[str]) -> list[str | None]:
        weights = {slot: rng.dirichlet([spread] * len(values)) for slot in slots}
        chosen = [values[rng.choice(len(values), p=weights[int(label)])] for label in labels]
        return [None if rng.random() < unknown else value for value in chosen]

    cities = draw([f"C{country}-{city}" for country in range(3) for city in range(2)])
    values = {
        "age": draw(["18-24", "25-34", "35-44"]), "gender": draw(["female", "male", "other"]),
        "city": cities, "country": [None if city is None else city[:2] for city in cities],
        "language": draw(["en", "es"]),
    }  # fmt: skip
    interests = [set(pick(rng, [f"i{n}" for n in range(5)], spread)) for _ in labels]
    words = [set(pick(rng, [f"w{n}" for n in range(6)], spread)) for _ in labels]
    follows = [(int(a), int(b)) for a, b in rng.integers(0, members, size=(2 * members, 2))]
    inside = [False] * members
    for source, target in follows:
        inside[source] |= source != target and labels[source] == labels[target]
    truth = Truth(labels.tolist(), values, interests, words, inside)
    return truth, follows


def pick(rng: np.random.Generator, terms: list[str], spread: float) -> list[str]:
    weights = rng.dirichlet([spread] * len(terms))
    return [term for term, weight in zip(terms, weights, strict=True) if rng.random() < weight * 2]


def attributes_of(truth: Truth) -> MemberAttributes:
    categorical = {}
    for name in CATEGORICAL:
        categories = tuple(sorted({value for value in truth.values[name] if value is not None}))
        codes = [-1 if value is None else categories.index(value) for value in truth.values[name]]
        categorical[name] = Categorical(np.array(codes, dtype=np.int32), categories)
    return MemberAttributes(
        member_keys=np.arange(truth.size, dtype=np.int32),
        words=bag_of(truth.words),
        interests=bag_of(truth.interests),
        categorical=categorical,
    )


def bag_of(sets: list[set[str]]) -> Bag:
    vocabulary = tuple(sorted(set().union(*sets)))
    pairs = [(row, vocabulary.index(term)) for row, terms in enumerate(sets) for term in terms]
    rows = np.array([row for row, _ in pairs], dtype=np.int64)
    terms = np.array([term for _, term in pairs], dtype=np.int64)
    return build_bag(rows, terms, members=len(sets), vocabulary=vocabulary)


def report_of(truth: Truth, follows: list[tuple[int, int]], *, minimum: int,
              everything: bool) -> dict[str, Any]:  # fmt: skip
    """The report's JSON, as `as_dict` publishes it."""
    labels = np.array(truth.clusters, dtype=np.int32)
    clustering = Clustering(labels, "follows", "test", "test", 0, None, int(labels.max()) + 1)
    privacy = PrivacySettings(min_group_size=minimum)
    limits = {"top_keywords": 1000, "top_values": 1000} if everything else {}
    sources = np.array([a for a, _ in follows], dtype=np.int32)
    targets = np.array([b for _, b in follows], dtype=np.int32)
    cards, summary = build_cards(
        attributes_of(truth), clustering, sources, targets, privacy=privacy, **limits
    )
    dropped, total = release_dropped(truth.dropped, kept=truth.size, minimum=minimum)
    insights = AudienceInsights(
        "test", 1, clustering, truth.size, total, dropped, cards, summary, [], privacy
    )
    loaded: dict[str, Any] = json.loads(json.dumps(as_dict(insights), default=str))
    return loaded


@PROPERTY
@given(
    seed=st.integers(0, 2**32 - 1),
    members=st.integers(8, 150),
    clusters=st.integers(1, 4),
    other=st.booleans(),
    minimum=st.sampled_from([2, 3, 5, 10]),
    unknown=st.sampled_from([0.0, 0.05, 0.3]),
    spread=st.sampled_from([0.2, 0.6, 3.0]),
    everything=st.booleans(),
    dropped=st.tuples(*[st.integers(0, 15)] * 3),
)
def test_no_small_count_can_be_worked_out_from_a_random_report(
    seed: int, members: int, clusters: int, other: bool, minimum: int, unknown: float,
    spread: float, everything: bool, dropped: tuple[int, int, int],
) -> None:  # fmt: skip
    rng = np.random.default_rng(seed)
    truth, follows = random_truth(rng, members=members, clusters=clusters, other=other,
                                  unknown=unknown, spread=spread)  # fmt: skip
    truth = replace(truth, dropped=dict(zip(("mass_followers", "bots", "isolated"), dropped,
                                            strict=True)))  # fmt: skip
    report = report_of(truth, follows, minimum=minimum, everything=everything)
    example = dict(seed=seed, members=members, clusters=clusters, other=other, minimum=minimum,
                   unknown=unknown, spread=spread, everything=everything, dropped=dropped)  # fmt: skip
    assert findings(report, truth, minimum) == [], example
