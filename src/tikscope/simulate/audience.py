"""A simulated audience: members with bios and traits, and a follow graph with planted communities.

`simulate_audience` is deterministic (same arguments, byte-identical tables) and vectorized with
numpy, so a million members take seconds. Besides the audience itself it returns the ground truth
that analyses are checked against: the planted communities, who is in which, and measured facts.
Gender is the negative control: one distribution for everyone, and nothing depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from tikscope.errors import UsageError
from tikscope.simulate import profiles
from tikscope.simulate.audience_graph import (
    FloatArray,
    IntArray,
    assign_roles,
    build_affinity,
    build_fact_table,
    build_follow_table,
    build_membership_table,
    build_outside_catalogue,
    build_outside_table,
    draw_categorical,
    draw_community_sizes,
    draw_member_edges,
    draw_outside_follows,
    take_strings,
)
from tikscope.simulate.profiles import CommunityProfile

MAX_COMMUNITIES = len(profiles.COMMUNITIES)
BACKGROUND_SHARE = 0.3
"""How much of a member's age and country comes from the shared background, not the community."""
LANGUAGE_NOISE = 0.04
EMPTY_BIO_SHARE = 0.05
COMMUNITY_WORD_COUNTS = (0.0, 0.0, 0.1, 0.35, 0.35, 0.2)
BACKGROUND_WORD_COUNTS = (0.0, 0.0, 0.4, 0.35, 0.25)
INTEREST_COUNTS = (0.0, 0.15, 0.25, 0.3, 0.18, 0.12)
COMMUNITY_INTEREST_WEIGHT = 4.0
KEYWORDS_LISTED = 10
STREAMS = ("sizes", "roles", "traits", "gender", "bios", "interests", "follows", "outside")

MEMBER_SCHEMA = pa.schema(
    [
        ("member_key", pa.int32()),
        ("member_id", pa.string()),
        ("bio", pa.string()),
        ("age_bucket", pa.string()),
        ("gender", pa.string()),
        ("country", pa.string()),
        ("city", pa.string()),
        ("language", pa.string()),
        ("interests", pa.list_(pa.string())),
    ]
)
COMMUNITY_SCHEMA = pa.schema(
    [
        ("community", pa.int16()),
        ("label", pa.string()),
        ("size", pa.int32()),
        ("keywords", pa.list_(pa.string())),
        ("interests", pa.list_(pa.string())),
        ("top_country", pa.string()),
        ("top_age_bucket", pa.string()),
    ]
)


@dataclass(frozen=True)
class Traits:
    """Per-member trait codes into the vocabularies of `Vocabularies`."""

    age: IntArray
    gender: IntArray
    country: IntArray
    city: IntArray
    language: IntArray


@dataclass(frozen=True)
class Vocabularies:
    """Every value a categorical trait can take, in code order."""

    countries: tuple[str, ...]
    cities: tuple[str, ...]
    city_codes: IntArray
    languages: tuple[str, ...]


def simulate_audience(*, seed: int, members: int, communities: int = 8) -> dict[str, pa.Table]:
    """Simulate the audience of a plants & home shop's TikTok account.

    Args:
        seed: the same seed and sizes give byte-identical tables.
        members: how many audience members; 0 gives empty member, follow and membership tables.
        communities: how many planted communities (2-12), the first themes of
            `profiles.COMMUNITIES`.

    Returns:
        Arrow tables by store table name: ``audience_members``, ``outside_accounts``,
        ``follows``, ``planted_communities``, ``planted_membership`` and ``planted_facts``.

    Raises:
        UsageError: `members` is negative or `communities` is out of range.
    """
    check_arguments(members, communities)
    chosen = profiles.COMMUNITIES[:communities]
    streams = spawn_streams(seed)
    sizes = draw_community_sizes(streams["sizes"], members, communities)
    community = streams["sizes"].permutation(
        np.repeat(np.arange(communities, dtype=np.int16), sizes)
    )
    roles = assign_roles(streams["roles"], members)
    vocabularies = build_vocabularies()
    traits = draw_traits(streams, community, chosen, vocabularies)
    member_table = build_member_table(streams, seed, community, chosen, traits, vocabularies)
    edges = draw_member_edges(
        streams["follows"], community=community, roles=roles, affinity=build_affinity(chosen)
    )
    catalogue = build_outside_catalogue(streams["outside"], chosen)
    outside = draw_outside_follows(streams["outside"], community, catalogue)
    return {
        "audience_members": member_table,
        "outside_accounts": build_outside_table(catalogue),
        "follows": build_follow_table(edges, outside),
        "planted_communities": build_community_table(
            chosen, sizes, community, traits, vocabularies
        ),
        "planted_membership": build_membership_table(community, roles),
        "planted_facts": build_fact_table(
            communities=communities, community=community, roles=roles, edges=edges, outside=outside
        ),
    }


def check_arguments(members: int, communities: int) -> None:
    """Reject sizes the simulator cannot honour."""
    if members < 0:
        raise UsageError(f"members must be 0 or more, not {members}")
    if not 2 <= communities <= MAX_COMMUNITIES:
        raise UsageError(f"communities must be between 2 and {MAX_COMMUNITIES}, not {communities}")


def spawn_streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent random streams per part, so changing one part leaves the others identical."""
    children = np.random.SeedSequence([abs(seed), int(seed < 0), 7031]).spawn(len(STREAMS))
    return {
        name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)
    }


def normalize(weights: FloatArray) -> FloatArray:
    """Rows scaled to sum to one."""
    return weights / weights.sum(axis=-1, keepdims=True)


def build_vocabularies() -> Vocabularies:
    """Countries, cities (with a country x rank -> city code table) and languages."""
    countries = tuple(profiles.COUNTRIES)
    cities = tuple(city for country in countries for city in profiles.COUNTRIES[country].cities)
    city_codes = number_rows([len(profiles.COUNTRIES[country].cities) for country in countries])
    spoken = [language for p in profiles.COUNTRIES.values() for language, _ in p.languages]
    noise = [language for language, _ in profiles.NOISE_LANGUAGES]
    languages = tuple(dict.fromkeys([*spoken, *noise]))
    return Vocabularies(countries, cities, city_codes, languages)


def draw_traits(
    streams: dict[str, np.random.Generator],
    community: NDArray[np.int16],
    chosen: tuple[CommunityProfile, ...],
    vocabularies: Vocabularies,
) -> Traits:
    """Age and country from community over background, city and language from country."""
    rng = streams["traits"]
    age_weights = mix_with_background(
        np.array([profile.ages for profile in chosen]), np.array(profiles.BACKGROUND_AGES)
    )
    country_weights = mix_with_background(
        np.array([weigh(profile.countries, vocabularies.countries) for profile in chosen]),
        weigh(profiles.BACKGROUND_COUNTRIES, vocabularies.countries),
    )
    country = draw_categorical(rng, community, country_weights)
    return Traits(
        age=draw_categorical(rng, community, age_weights),
        gender=draw_categorical(
            streams["gender"],
            np.zeros(len(community), np.int64),
            np.array([profiles.GENDER_WEIGHTS]),
        ),
        country=country,
        city=draw_cities(rng, country, vocabularies),
        language=draw_languages(rng, country, vocabularies),
    )


def mix_with_background(community: FloatArray, background: FloatArray) -> FloatArray:
    """Each community's distribution blended with the shared background one."""
    blended = (1 - BACKGROUND_SHARE) * normalize(community)
    return blended + BACKGROUND_SHARE * normalize(background)[None, :]


def weigh(pairs: tuple[tuple[str, float], ...], keys: tuple[str, ...]) -> FloatArray:
    """(key, weight) pairs as a weight vector over `keys`."""
    weights = np.zeros(len(keys))
    for key, weight in pairs:
        weights[keys.index(key)] = weight
    return weights


def draw_cities(
    rng: np.random.Generator, country: IntArray, vocabularies: Vocabularies
) -> IntArray:
    """A city of the member's country, bigger cities more often."""
    weights = rank_weights(vocabularies.city_codes, 0.9)
    return vocabularies.city_codes[country, draw_categorical(rng, country, weights)]


def draw_languages(
    rng: np.random.Generator, country: IntArray, vocabularies: Vocabularies
) -> IntArray:
    """The member's language: mostly one spoken in their country, sometimes another."""
    spoken = np.array(
        [
            weigh(profiles.COUNTRIES[code].languages, vocabularies.languages)
            for code in vocabularies.countries
        ]
    )
    language = draw_categorical(rng, country, spoken)
    noisy = rng.random(len(country)) < LANGUAGE_NOISE
    noise = weigh(profiles.NOISE_LANGUAGES, vocabularies.languages)[None, :]
    language[noisy] = draw_categorical(rng, np.zeros(int(noisy.sum()), np.int64), noise)
    return language


def build_member_table(
    streams: dict[str, np.random.Generator],
    seed: int,
    community: NDArray[np.int16],
    chosen: tuple[CommunityProfile, ...],
    traits: Traits,
    vocabularies: Vocabularies,
) -> pa.Table:
    """The ``audience_members`` table."""
    members = len(community)
    columns = [
        pa.array(np.arange(members, dtype=np.int32)),
        pseudonymize_keys(seed, members),
        pc.binary_join(draw_bios(streams["bios"], community, chosen), " "),
        take_strings(profiles.AGE_BUCKETS, traits.age),
        take_strings(profiles.GENDERS, traits.gender),
        take_strings(vocabularies.countries, traits.country),
        take_strings(vocabularies.cities, traits.city),
        take_strings(vocabularies.languages, traits.language),
        draw_interests(streams["interests"], community, chosen),
    ]
    return pa.Table.from_arrays(columns, schema=MEMBER_SCHEMA)


def pseudonymize_keys(seed: int, members: int) -> pa.Array:
    """``p_`` + 20 hex digits per member key, unique and stable for a seed.

    The first 16 digits are a bijective 64-bit mix of the salted key, so no two keys collide.
    """
    salt = np.random.SeedSequence([abs(seed), int(seed < 0), 4099]).generate_state(2, np.uint64)
    keys = np.arange(members, dtype=np.uint64)
    high, low = mix_bits(keys + salt[0]), mix_bits(keys + salt[1])
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    nibbles = np.concatenate(
        [(high[:, None] >> shifts) & np.uint64(15), (low[:, None] >> shifts[:4]) & np.uint64(15)],
        axis=1,
    )
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles.astype(np.int64)]
    prefix = np.broadcast_to(np.frombuffer(b"p_", dtype=np.uint8), (members, 2))
    text = np.ascontiguousarray(np.concatenate([prefix, digits], axis=1))
    offsets = np.arange(0, 22 * (members + 1), 22, dtype=np.int32)
    return pa.StringArray.from_buffers(members, pa.py_buffer(offsets), pa.py_buffer(text))


def mix_bits(values: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The splitmix64 finalizer: a bijection on 64-bit integers that scatters every bit."""
    values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def choose_distinct(
    rng: np.random.Generator, groups: NDArray[np.integer], weights: FloatArray, counts: IntArray
) -> IntArray:
    """Per item, ``counts[i]`` distinct columns of its group's weight row, weighted; -1 pads.

    Weighted sampling without replacement by exponential keys (the smallest ``E / w`` win),
    vectorized over items. A zero weight is never chosen while counts stay within the non-zero
    weights of the row.
    """
    width = int(counts.max(initial=1))
    inverse = np.where(weights > 0, 1.0 / np.maximum(weights, 1e-30), 1e30).astype(np.float32)
    keys = rng.standard_exponential((len(groups), weights.shape[1]), dtype=np.float32)
    keys *= inverse[groups]
    if width < weights.shape[1]:
        top = np.argpartition(keys, width - 1, axis=1)[:, :width]
    else:
        top = np.broadcast_to(np.arange(weights.shape[1]), keys.shape)
    order = np.argsort(np.take_along_axis(keys, top, axis=1), axis=1)
    chosen = np.take_along_axis(top, order, axis=1).astype(np.int64)
    chosen[np.arange(chosen.shape[1])[None, :] >= counts[:, None]] = -1
    return chosen


def draw_counts(rng: np.random.Generator, members: int, weights: tuple[float, ...]) -> IntArray:
    """How many items each member has; ``weights[k]`` is the weight of k items."""
    return draw_categorical(rng, np.zeros(members, np.int64), np.array([weights]))


def pad_rows(rows: list[list[int]]) -> IntArray:
    """Ragged rows as a rectangle padded with -1."""
    table = np.full((len(rows), max(map(len, rows))), -1, dtype=np.int64)
    for index, row in enumerate(rows):
        table[index, : len(row)] = row
    return table


def number_rows(lengths: list[int], *, first: int = 0) -> IntArray:
    """Rows of consecutive codes from `first` on, ``lengths[row]`` in each; -1 pads."""
    starts = np.cumsum([first, *lengths])
    return pad_rows([list(range(start, end)) for start, end in pairwise(starts)])


def lookup(table: IntArray, groups: NDArray[np.integer], local: IntArray) -> IntArray:
    """``table[group, local]`` per item and column, keeping -1 where `local` is -1."""
    return np.where(local >= 0, table[groups[:, None], np.maximum(local, 0)], -1)


def rank_weights(codes: IntArray, exponent: float) -> FloatArray:
    """Zipf weights by column rank where a code is present (>= 0), else zero."""
    ranks = np.arange(1, codes.shape[1] + 1, dtype=np.float64)
    return np.where(codes >= 0, ranks[None, :] ** -exponent, 0.0)


def bio_vocabulary(chosen: tuple[CommunityProfile, ...]) -> tuple[str, ...]:
    """Background words, then every chosen community's words."""
    return (*profiles.BACKGROUND_WORDS, *(word for profile in chosen for word in profile.words))


def draw_bios(
    rng: np.random.Generator, community: NDArray[np.int16], chosen: tuple[CommunityProfile, ...]
) -> pa.Array:
    """Bio words as a list per member: 2-5 community words and 2-4 background ones, shuffled."""
    members = len(community)
    background = len(profiles.BACKGROUND_WORDS)
    codes = number_rows([len(profile.words) for profile in chosen], first=background)
    has_bio = rng.random(members) >= EMPTY_BIO_SHARE
    own = choose_distinct(
        rng,
        community,
        rank_weights(codes, 0.7),
        draw_counts(rng, members, COMMUNITY_WORD_COUNTS) * has_bio,
    )
    shared = choose_distinct(
        rng,
        np.zeros(members, np.int64),
        rank_weights(np.arange(background)[None, :], 0.5),
        draw_counts(rng, members, BACKGROUND_WORD_COUNTS) * has_bio,
    )
    words = np.concatenate([lookup(codes, community, own), shared], axis=1)
    shuffle = rng.random(words.shape, dtype=np.float32) + (words < 0)
    words = np.take_along_axis(words, np.argsort(shuffle, axis=1), axis=1)
    return build_lists(words, bio_vocabulary(chosen))


def build_lists(codes: IntArray, vocabulary: tuple[str, ...]) -> pa.Array:
    """A list<string> array from rows of codes, each row's -1s at its end."""
    present = codes >= 0
    offsets = np.concatenate([[0], np.cumsum(present.sum(axis=1))]).astype(np.int32)
    values = take_strings(vocabulary, codes[present])
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def draw_interests(
    rng: np.random.Generator, community: NDArray[np.int16], chosen: tuple[CommunityProfile, ...]
) -> pa.Array:
    """1-5 distinct interests per member, each of the community's ones four times as likely."""
    pools = [list(dict.fromkeys([*p.interests, *profiles.BACKGROUND_INTERESTS])) for p in chosen]
    vocabulary = tuple(dict.fromkeys(interest for pool in pools for interest in pool))
    codes = pad_rows([[vocabulary.index(interest) for interest in pool] for pool in pools])
    weights = np.zeros(codes.shape)
    for row, (profile, pool) in enumerate(zip(chosen, pools, strict=True)):
        weights[row, : len(pool)] = [
            COMMUNITY_INTEREST_WEIGHT if interest in profile.interests else 1.0 for interest in pool
        ]
    counts = draw_counts(rng, len(community), INTEREST_COUNTS)
    local = choose_distinct(rng, community, weights, counts)
    return build_lists(lookup(codes, community, local), vocabulary)


def build_community_table(
    chosen: tuple[CommunityProfile, ...],
    sizes: IntArray,
    community: NDArray[np.int16],
    traits: Traits,
    vocabularies: Vocabularies,
) -> pa.Table:
    """The ``planted_communities`` table; top country and age are measured on the members."""
    countries = most_common(community, traits.country, len(chosen), len(vocabularies.countries))
    ages = most_common(community, traits.age, len(chosen), len(profiles.AGE_BUCKETS))
    for row, profile in enumerate(chosen):
        if sizes[row] == 0:
            countries[row] = vocabularies.countries.index(profile.countries[0][0])
            ages[row] = int(np.argmax(profile.ages))
    columns = [
        pa.array(np.arange(len(chosen), dtype=np.int16)),
        pa.array([profile.label for profile in chosen], pa.string()),
        pa.array(sizes.astype(np.int32)),
        pa.array([list(profile.words[:KEYWORDS_LISTED]) for profile in chosen]),
        pa.array([list(profile.interests) for profile in chosen]),
        take_strings(vocabularies.countries, countries),
        take_strings(profiles.AGE_BUCKETS, ages),
    ]
    return pa.Table.from_arrays(columns, schema=COMMUNITY_SCHEMA)


def most_common(
    community: NDArray[np.int16], codes: IntArray, communities: int, values: int
) -> IntArray:
    """The most common code within each community (the first on ties)."""
    counts = np.bincount(
        community.astype(np.int64) * values + codes, minlength=communities * values
    )
    return np.argmax(counts.reshape(communities, values), axis=1)
