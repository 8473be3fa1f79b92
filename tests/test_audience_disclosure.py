"""Disclosure by subtraction: no count under the minimum group size can be worked out from a report.

The suppression tables by hand.
"""

from __future__ import annotations

import numpy as np

from tikscope.audience.suppression import (
    bridges,
    density_shown,
    release_dropped,
    suppress_crossed,
    suppress_rows,
)


def test_bridges_of_a_triangle_with_a_tail() -> None:
    # 0-1-2-0 is a cycle; 2-3 and 3-4 hang off it
    first, second = np.array([0, 1, 2, 2, 3]), np.array([1, 2, 0, 3, 4])
    assert bridges(first, second, 5).tolist() == [False, False, False, True, True]
    assert bridges(np.array([], dtype=int), np.array([], dtype=int), 3).tolist() == []


def test_suppress_crossed_hides_the_complement_of_a_small_cell() -> None:
    # The table: Lisbon has 10 members in cluster A and 1 in B; every member's city
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
