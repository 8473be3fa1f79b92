"""A value is flagged distinctive only when its difference is significant and large enough."""

from __future__ import annotations

import math

import numpy as np

from tikscope.audience.attributes import Bag, Categorical, MemberAttributes
from tikscope.audience.cards import build_cards
from tikscope.audience.model import Clustering
from tikscope.audience.statistics import cohens_h

HALF = 5000
NAMES = ("age", "gender", "country", "city", "language")


def two_valued(first_hits: int, second_hits: int, values: tuple[str, str]) -> Categorical:
    """The first value for `first_hits` members of cluster 0 and `second_hits` of cluster 1."""
    codes = np.ones(2 * HALF, dtype=np.int32)
    codes[:first_hits] = 0
    codes[HALF : HALF + second_hits] = 0
    return Categorical(codes, values)


def attributes_with(categorical: dict[str, Categorical]) -> MemberAttributes:
    members = 2 * HALF
    empty = Bag(np.zeros(members + 1, dtype=np.int64), np.zeros(0, dtype=np.int32), ())
    unknown = Categorical(np.full(members, -1, dtype=np.int32), ())
    return MemberAttributes(
        np.arange(members, dtype=np.int32),
        empty,
        empty,
        {name: categorical.get(name, unknown) for name in NAMES},
    )


def test_a_significant_but_small_difference_is_not_distinctive() -> None:
    # The case: 53.5% of a cluster against 44.4% of the audience (index 120), p ~ 1e-20.
    attributes = attributes_with(
        {
            "language": two_valued(2675, 1765, ("en", "es")),  # 53.5% and 35.3%: h 0.18
            "country": two_valued(3500, 1500, ("MX", "US")),  # 70% and 30%: h 0.41
        }
    )
    labels = np.repeat(np.array([0, 1], dtype=np.int32), HALF)
    clustering = Clustering(labels, "follows", "", "planted", 0, None, 2)
    empty = np.zeros(0, dtype=np.int32)

    cards, _ = build_cards(attributes, clustering, empty, empty)

    english = next(item for item in cards[0].attributes["language"] if item.value == "en")
    mexico = next(item for item in cards[0].attributes["country"] if item.value == "MX")
    assert math.isclose(english.share, 0.535) and math.isclose(english.baseline, 0.444)
    assert english.index >= 120 and english.p_value < 1e-8
    assert not english.significant
    assert mexico.significant and mexico.index == 140


def test_cohens_h_matches_hand_computation() -> None:
    h = cohens_h(np.array([0.535, 0.05, 1.0]), np.array([0.444, 0.01, 0.0]))

    expected = [
        2 * math.asin(math.sqrt(0.535)) - 2 * math.asin(math.sqrt(0.444)),
        2 * math.asin(math.sqrt(0.05)) - 2 * math.asin(math.sqrt(0.01)),
        math.pi,
    ]
    assert np.allclose(h, expected)
    assert 0.18 < h[0] < 0.19 and 0.2 < h[1] < 0.3
