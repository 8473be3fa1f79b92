"""The two statistics of the cards, vectorized over clusters and values.

`log_odds_z` ranks bio words (Monroe, Colaresi and Quinn 2008, "Fightin' Words", section 3.5);
`hypergeometric_p_values` tests attribute shares (`two_proportion_p_values`, its normal
approximation, is kept for comparison). Both compare a cluster with the rest of the
audience, and take counts of distinct members. `cohens_h` measures how large a difference of
shares is, whatever the audience's size (Cohen 1988, section 6.2).
"""

from __future__ import annotations

import math

import numpy as np

PRIOR_SIZE = 1000.0
"""alpha_0 of the informative Dirichlet prior: pseudo-counts spread over words by audience use."""
ERFC = np.frompyfunc(math.erfc, 1, 1)
"""math.erfc over arrays (numpy has none, and scipy is not a dependency)."""


def log_odds_z(
    counts: np.ndarray,
    group_totals: np.ndarray,
    word_totals: np.ndarray,
    total: float,
    *,
    prior_size: float = PRIOR_SIZE,
) -> np.ndarray:
    """z-scores of the log-odds ratio with an informative Dirichlet prior, group vs the rest.

    With y_i the word's count in group i, n_i the group's count of all words, y and n the same
    over everyone (the rest: y_j = y - y_i, n_j = n - n_i), and the prior alpha_w =
    alpha_0 * y / n::

        delta = log((y_i + alpha_w) / (n_i + alpha_0 - y_i - alpha_w))
              - log((y_j + alpha_w) / (n_j + alpha_0 - y_j - alpha_w))
        z = delta / sqrt(1 / (y_i + alpha_w) + 1 / (y_j + alpha_w))

    Args:
        counts: (groups, words) counts of each word in each group.
        group_totals: (groups,) counts of all words (not only these) in each group.
        word_totals: (words,) counts of each word over everyone.
        total: count of all words over everyone.
        prior_size: alpha_0, the total pseudo-count of the prior.

    Returns:
        (groups, words) z-scores; positive where the group uses the word more than the rest.
    """
    counts = np.asarray(counts, dtype=np.float64)
    alpha = prior_size * np.asarray(word_totals, dtype=np.float64) / max(total, 1.0)
    in_group, rest = counts + alpha, word_totals - counts + alpha
    group_size = np.asarray(group_totals, dtype=np.float64)[:, None] + prior_size
    rest_size = total - np.asarray(group_totals, dtype=np.float64)[:, None] + prior_size
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.log(in_group / (group_size - in_group)) - np.log(rest / (rest_size - rest))
        z = delta / np.sqrt(1.0 / in_group + 1.0 / rest)
    return np.where(np.isfinite(z), z, 0.0)


def two_proportion_p_values(
    hits: np.ndarray, known: np.ndarray, hits_all: np.ndarray, known_all: float
) -> np.ndarray:
    """Two-sided p-values of the pooled two-proportion z-test, group vs the rest.

    Args:
        hits: (groups, values) members of each group with each value.
        known: (groups,) members of each group whose value is known.
        hits_all: (values,) members with each value over everyone.
        known_all: members whose value is known over everyone.

    Returns:
        (groups, values) p-values; 1 where a side is empty or the value is everyone's or no one's.
    """
    hits = np.asarray(hits, dtype=np.float64)
    group = np.asarray(known, dtype=np.float64)[:, None]
    rest = known_all - group
    pooled = np.asarray(hits_all, dtype=np.float64) / max(known_all, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.sqrt(pooled * (1 - pooled) * (1 / group + 1 / rest))
        z = (hits / group - (hits_all - hits) / rest) / spread
    z = np.where(np.isfinite(z), np.abs(z), 0.0)
    return np.asarray(ERFC(z / math.sqrt(2)), dtype=np.float64)


def cohens_h(share: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Cohen's h of two shares: ``|2 asin(sqrt(share)) - 2 asin(sqrt(baseline))|``.

    An effect size for proportions: 0.2 is "small", 0.5 "medium", 0.8 "large" (Cohen 1988).
    The arcsine spreads shares near 0 and 1, so 1% against 5% (h 0.25) counts as much as 40%
    against 52% (h 0.24). Unlike a p-value it does not grow with the audience's size.
    """
    first = np.clip(np.asarray(share, dtype=np.float64), 0.0, 1.0)
    second = np.clip(np.asarray(baseline, dtype=np.float64), 0.0, 1.0)
    effect: np.ndarray = np.abs(2 * np.arcsin(np.sqrt(first)) - 2 * np.arcsin(np.sqrt(second)))
    return effect


def hypergeometric_p_values(
    hits: np.ndarray, known: np.ndarray, hits_all: np.ndarray, known_all: float
) -> np.ndarray:
    """Two-sided p-values of Fisher's exact test, group vs the rest (the doubled smaller tail).

    Drawing the group's `known` members from the audience's `known_all`, of whom `hits_all`
    have the value, the group's hits follow a hypergeometric law; the p-value is twice the
    smaller of P(X >= hits) and P(X <= hits), at most 1. Unlike the two-proportion z-test it
    holds for small counts: 10 hits where 3.5 are expected (55 of 500 members, 6.4%) have
    p = 0.002 here and 0.0002 under the z-test, which made small clusters flag shuffled values.

    Args and returns as `two_proportion_p_values`.
    """
    from scipy.stats import hypergeom

    hits = np.asarray(hits, dtype=np.float64)
    population = max(float(known_all), 0.0)
    draws = np.clip(np.asarray(known, dtype=np.float64)[:, None], 0, population)
    successes = np.clip(np.asarray(hits_all, dtype=np.float64)[None, :], 0, population)
    observed = np.clip(hits, 0, np.minimum(draws, successes))
    with np.errstate(divide="ignore", invalid="ignore"):
        upper = hypergeom.sf(observed - 1, population, successes, draws)
        lower = hypergeom.cdf(observed, population, successes, draws)
    p_values = np.minimum(1.0, 2 * np.minimum(upper, lower))
    result: np.ndarray = np.where(np.isfinite(p_values), p_values, 1.0)
    return result


WILSON_Z = 1.959963984540054
"""The normal quantile of a two-sided 95% interval."""


def wilson_interval(
    successes: np.ndarray | int, totals: np.ndarray | int, *, z: float = WILSON_Z
) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of each proportion successes / totals (Wilson 1927).

    Unlike the normal ("Wald") interval it stays within 0-1 and keeps its coverage for small
    counts and shares near 0 or 1, which a sampled cluster's shares often are. It treats the
    members with a value as a simple random sample of the cluster (a seeded sample of the
    audience is one), without a finite-population correction, so it is a little wide when the
    sample is a large part of the cluster. Where `totals` is 0 the interval is (0, 1).

    Returns:
        (low, high) arrays of the shapes of the inputs broadcast together.
    """
    n = np.asarray(totals, dtype=np.float64)
    k = np.asarray(successes, dtype=np.float64)
    safe = np.where(n > 0, n, 1.0)
    share = np.where(n > 0, k / safe, 0.0)
    spread = z * z / safe
    centre = (share + spread / 2) / (1 + spread)
    half = z * np.sqrt(share * (1 - share) / safe + spread / (4 * safe)) / (1 + spread)
    low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), 0.0)
    high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), 1.0)
    return low, high
