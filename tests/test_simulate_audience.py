from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pytest

from tikscope.errors import UsageError
from tikscope.ids import AccountId
from tikscope.simulate import profiles
from tikscope.simulate.audience import simulate_audience
from tikscope.store.ingest import Batch, ingest

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

MEMBERS = 12_000
TABLES = (
    "audience_members",
    "outside_accounts",
    "follows",
    "planted_communities",
    "planted_membership",
    "planted_facts",
)


@pytest.fixture(scope="module")
def audience() -> dict[str, pa.Table]:
    return simulate_audience(seed=11, members=MEMBERS)


@pytest.fixture(scope="module")
def audience_of_twelve() -> dict[str, pa.Table]:
    return simulate_audience(seed=12, members=MEMBERS, communities=12)


def column(table: pa.Table, name: str) -> np.ndarray:
    return table[name].combine_chunks().to_numpy(zero_copy_only=False)


def member_edges(tables: dict[str, pa.Table]) -> tuple[np.ndarray, np.ndarray]:
    follows = tables["follows"]
    is_member = np.array(follows["followee_type"].to_pylist()) == "member"
    return column(follows, "follower_key")[is_member], column(follows, "followee_key")[is_member]


def facts_of(tables: dict[str, pa.Table]) -> dict[str, str]:
    facts = tables["planted_facts"]
    return dict(zip(facts["name"].to_pylist(), facts["value"].to_pylist(), strict=True))


def serialize(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return bytes(sink.getvalue())


def chi_square_critical(degrees: int, z: float = 3.0902) -> float:
    """Wilson-Hilferty approximation of the chi-square quantile; z = 3.0902 is p = 0.001."""
    spread = 2 / (9 * degrees)
    return float(degrees * (1 - spread + z * math.sqrt(spread)) ** 3)


def chi_square(first: np.ndarray, second: np.ndarray) -> tuple[float, int]:
    """Pearson's chi-square statistic of independence and its degrees of freedom."""
    _, rows = np.unique(first, return_inverse=True)
    _, columns = np.unique(second, return_inverse=True)
    observed = np.zeros((rows.max() + 1, columns.max() + 1))
    np.add.at(observed, (rows, columns), 1)
    expected = observed.sum(1, keepdims=True) * observed.sum(0, keepdims=True) / observed.sum()
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return statistic, (observed.shape[0] - 1) * (observed.shape[1] - 1)


def test_simulate_audience_is_byte_identical_for_the_same_arguments() -> None:
    first = simulate_audience(seed=5, members=3_000)
    second = simulate_audience(seed=5, members=3_000)
    assert list(first) == list(TABLES)
    assert {name: serialize(table) for name, table in first.items()} == {
        name: serialize(table) for name, table in second.items()
    }


def test_simulate_audience_differs_between_seeds() -> None:
    first = simulate_audience(seed=5, members=3_000)
    other = simulate_audience(seed=6, members=3_000)
    for name in ("audience_members", "follows", "planted_membership"):
        assert not first[name].equals(other[name])


def test_simulate_audience_schemas(audience: dict[str, pa.Table]) -> None:
    schemas = {name: {f.name: str(f.type) for f in audience[name].schema} for name in audience}
    assert schemas == {
        "audience_members": {
            "member_key": "int32",
            "member_id": "string",
            "bio": "string",
            "age_bucket": "string",
            "gender": "string",
            "country": "string",
            "city": "string",
            "language": "string",
            "interests": "list<item: string>",
        },
        "outside_accounts": {
            "outside_key": "int32",
            "handle": "string",
            "category": "string",
            "verified": "bool",
            "follower_count": "int64",
        },
        "follows": {
            "follower_key": "int32",
            "followee_key": "int32",
            "followee_type": "dictionary<values=string, indices=int8, ordered=0>",
        },
        "planted_communities": {
            "community": "int16",
            "label": "string",
            "size": "int32",
            "keywords": "list<item: string>",
            "interests": "list<item: string>",
            "top_country": "string",
            "top_age_bucket": "string",
        },
        "planted_membership": {"member_key": "int32", "community": "int16", "role": "string"},
        "planted_facts": {"name": "string", "value": "string"},
    }


@pytest.mark.parametrize("members", [0, 1, 2, 7, 50])
def test_simulate_audience_handles_tiny_audiences(members: int) -> None:
    tables = simulate_audience(seed=1, members=members)
    assert tables["audience_members"].num_rows == members
    assert tables["planted_membership"].num_rows == members
    assert column(tables["audience_members"], "member_key").tolist() == list(range(members))
    assert sum(tables["planted_communities"]["size"].to_pylist()) == members
    followers, followees = member_edges(tables)
    assert np.all(followers != followees)
    assert np.all(followees < max(members, 1))
    if members == 0:
        assert tables["follows"].num_rows == 0


@pytest.mark.parametrize(("members", "communities"), [(-1, 8), (10, 1), (10, 13)])
def test_simulate_audience_rejects_impossible_arguments(members: int, communities: int) -> None:
    with pytest.raises(UsageError):
        simulate_audience(seed=1, members=members, communities=communities)


def test_follows_have_no_self_loops_or_duplicates(audience: dict[str, pa.Table]) -> None:
    follows = audience["follows"]
    followers = column(follows, "follower_key").astype(np.int64)
    followees = column(follows, "followee_key").astype(np.int64)
    is_outside = np.array(follows["followee_type"].to_pylist()) == "outside"
    assert set(follows["followee_type"].to_pylist()) == {"member", "outside"}
    keys = followers * 10**7 + followees * 2 + is_outside
    assert len(np.unique(keys)) == len(keys)
    assert not np.any((followers == followees) & ~is_outside)
    assert followers.min() >= 0
    assert followers.max() < MEMBERS
    assert followees[~is_outside].max() < MEMBERS
    assert followees[is_outside].max() < audience["outside_accounts"].num_rows


def test_roles_are_planted_in_the_right_numbers(audience: dict[str, pa.Table]) -> None:
    roles = Counter(audience["planted_membership"]["role"].to_pylist())
    assert roles == {"regular": MEMBERS - 360 - 6, "isolated": 360, "mass_follower": 6}
    facts = facts_of(audience)
    assert (facts["isolated_members"], facts["mass_followers"]) == ("360", "6")


def test_isolated_members_have_no_member_edges(audience: dict[str, pa.Table]) -> None:
    roles = np.array(audience["planted_membership"]["role"].to_pylist())
    isolated = np.flatnonzero(roles == "isolated")
    followers, followees = member_edges(audience)
    assert not np.isin(isolated, followers).any()
    assert not np.isin(isolated, followees).any()
    regular = np.flatnonzero(roles == "regular")
    assert np.isin(regular, followers).all()


def test_mass_followers_follow_thousands_across_all_communities(
    audience: dict[str, pa.Table],
) -> None:
    membership = audience["planted_membership"]
    roles = np.array(membership["role"].to_pylist())
    community = column(membership, "community")
    followers, followees = member_edges(audience)
    out_degree = np.bincount(followers, minlength=MEMBERS)
    for member in np.flatnonzero(roles == "mass_follower"):
        assert 1000 <= out_degree[member] <= 5000
        reached = np.unique(community[followees[followers == member]])
        assert reached.tolist() == list(range(8))
    assert out_degree[roles == "regular"].max() < 1000


def test_mixing_and_reciprocity_are_realistic_and_reported(audience: dict[str, pa.Table]) -> None:
    community = column(audience["planted_membership"], "community")
    followers, followees = member_edges(audience)
    mixing = float(np.mean(community[followers] != community[followees]))
    edges = set(zip(followers.tolist(), followees.tolist(), strict=True))
    reciprocity = sum((b, a) in edges for a, b in edges) / len(edges)
    assert 0.18 <= mixing <= 0.30
    assert 0.20 <= reciprocity <= 0.30
    facts = facts_of(audience)
    assert facts["mixing"] == f"{mixing:.4f}"
    assert facts["reciprocity"] == f"{reciprocity:.4f}"
    assert facts["member_edges"] == str(len(followers))


def test_regular_members_mostly_follow_within_their_community(
    audience: dict[str, pa.Table],
) -> None:
    membership = audience["planted_membership"]
    community = column(membership, "community")
    regular = np.array(membership["role"].to_pylist()) == "regular"
    followers, followees = member_edges(audience)
    from_regular = regular[followers]
    leaving = community[followers] != community[followees]
    assert 0.17 <= leaving[from_regular].mean() <= 0.25
    sources, targets = community[followers][leaving], community[followees][leaving]
    pairs = Counter(zip(sources.tolist(), targets.tolist(), strict=True))
    # Plant parents (0) share a theme with succulent collectors (7), not with pet owners (5).
    assert pairs[(0, 7)] / audience["planted_communities"]["size"][7].as_py() > (
        2 * pairs[(0, 5)] / audience["planted_communities"]["size"][5].as_py()
    )


def test_degrees_are_heterogeneous(audience: dict[str, pa.Table]) -> None:
    roles = np.array(audience["planted_membership"]["role"].to_pylist())
    followers, followees = member_edges(audience)
    out_degree = np.bincount(followers, minlength=MEMBERS)[roles == "regular"]
    in_degree = np.bincount(followees, minlength=MEMBERS)[roles != "isolated"]
    assert 13 <= out_degree.mean() <= 20
    assert out_degree.max() >= 15 * np.median(out_degree)
    assert np.percentile(in_degree, 99) >= 4 * np.median(in_degree)
    assert in_degree.max() >= 50 * np.median(in_degree)


def test_follows_are_about_twenty_per_member_with_four_outside(
    audience: dict[str, pa.Table],
) -> None:
    facts = facts_of(audience)
    assert 17 <= audience["follows"].num_rows / MEMBERS <= 23
    assert 3.0 <= int(facts["outside_edges"]) / MEMBERS <= 5.0


@pytest.mark.parametrize("communities", [2, 5, 8, 12])
def test_community_sizes_vary_within_bounds(communities: int) -> None:
    tables = simulate_audience(seed=communities, members=MEMBERS, communities=communities)
    sizes = np.array(tables["planted_communities"]["size"].to_pylist())
    membership = column(tables["planted_membership"], "community")
    assert sizes.tolist() == np.bincount(membership, minlength=communities).tolist()
    assert sizes.sum() == MEMBERS
    assert sizes.min() >= 0.025 * MEMBERS - 1
    assert sizes.max() <= max(0.35, 1.5 / communities) * MEMBERS + 1
    if communities >= 5:
        assert sizes.max() >= 2 * sizes.min()


def test_community_keywords_are_over_represented_in_own_bios(
    audience: dict[str, pa.Table],
) -> None:
    community = column(audience["planted_membership"], "community")
    tokens = [set(bio.split(" ")) for bio in audience["audience_members"]["bio"].to_pylist()]
    for row in audience["planted_communities"].to_pylist():
        inside = community == row["community"]
        assert len(row["keywords"]) == 10
        for keyword in row["keywords"]:
            uses = np.array([keyword in bio for bio in tokens])
            assert uses[inside].mean() >= 0.08
            assert uses[inside].mean() >= 10 * uses[~inside].mean()


def test_bios_mix_community_and_background_words(audience: dict[str, pa.Table]) -> None:
    bios = audience["audience_members"]["bio"].to_pylist()
    lengths = np.array([len(bio.split(" ")) if bio else 0 for bio in bios])
    assert 0.03 <= np.mean(lengths == 0) <= 0.07
    assert set(lengths[lengths > 0].tolist()) <= set(range(4, 10))
    background = set(profiles.BACKGROUND_WORDS)
    with_background = [any(word in background for word in bio.split(" ")) for bio in bios if bio]
    assert all(with_background)


def test_gender_is_independent_of_community_and_everything_else(
    audience: dict[str, pa.Table],
) -> None:
    members = audience["audience_members"]
    gender = column(members, "gender")
    community = column(audience["planted_membership"], "community")
    for other in (community, column(members, "age_bucket"), column(members, "country")):
        statistic, degrees = chi_square(gender, other)
        assert statistic < chi_square_critical(degrees)
    shares = Counter(gender.tolist())
    assert abs(shares["female"] / MEMBERS - 0.62) < 0.02
    for label in range(8):
        assert abs(np.mean(gender[community == label] == "female") - 0.62) < 0.06


def test_age_and_country_depend_on_community(audience_of_twelve: dict[str, pa.Table]) -> None:
    members = audience_of_twelve["audience_members"]
    community = column(audience_of_twelve["planted_membership"], "community")
    statistic, degrees = chi_square(column(members, "age_bucket"), community)
    assert statistic > 5 * chi_square_critical(degrees)
    rows = {row["label"]: row for row in audience_of_twelve["planted_communities"].to_pylist()}
    assert rows["Brazilian plant lovers"]["top_country"] == "BR"
    assert rows["Spanish-speaking gardeners"]["top_country"] == "MX"
    assert rows["Students & dorm life"]["top_age_bucket"] == "18-24"
    assert rows["Plant parents"]["top_country"] == "US"


def test_member_attributes_are_well_formed(audience: dict[str, pa.Table]) -> None:
    members = audience["audience_members"]
    member_ids = members["member_id"].to_pylist()
    assert all(re.fullmatch(r"p_[0-9a-f]{20}", member_id) for member_id in member_ids)
    assert len(set(member_ids)) == MEMBERS
    assert set(members["age_bucket"].to_pylist()) == set(profiles.AGE_BUCKETS)
    assert set(members["gender"].to_pylist()) == set(profiles.GENDERS)
    assert set(members["country"].to_pylist()) <= set(profiles.COUNTRIES)
    pairs = zip(members["country"].to_pylist(), members["city"].to_pylist(), strict=True)
    assert all(city in profiles.COUNTRIES[country].cities for country, city in pairs)
    interests = members["interests"].to_pylist()
    assert all(1 <= len(items) <= 5 and len(set(items)) == len(items) for items in interests)


def test_language_mostly_follows_country(audience: dict[str, pa.Table]) -> None:
    members = audience["audience_members"]
    pairs = zip(members["country"].to_pylist(), members["language"].to_pylist(), strict=True)
    spoken = [
        language in dict(profiles.COUNTRIES[country].languages) for country, language in pairs
    ]
    assert 0.93 <= np.mean(spoken) < 1.0


def test_outside_accounts_and_community_favourites(audience: dict[str, pa.Table]) -> None:
    accounts = audience["outside_accounts"]
    handles = accounts["handle"].to_pylist()
    assert 200 <= len(handles) <= 500
    assert len(set(handles)) == len(handles)
    assert column(accounts, "outside_key").tolist() == list(range(len(handles)))
    follows = audience["follows"]
    is_outside = np.array(follows["followee_type"].to_pylist()) == "outside"
    followers = column(follows, "follower_key")[is_outside]
    followees = column(follows, "followee_key")[is_outside]
    community = column(audience["planted_membership"], "community")
    key_of = {handle: key for key, handle in enumerate(handles)}
    for label, profile in enumerate(profiles.COMMUNITIES[:8]):
        favourite_keys = [key_of[account.handle] for account in profile.favourites]
        fans = np.unique(followers[np.isin(followees, favourite_keys)])
        inside = community == label
        share_inside = np.isin(np.flatnonzero(inside), fans).mean()
        share_outside = np.isin(np.flatnonzero(~inside), fans).mean()
        assert share_inside >= 5 * share_outside


def test_outside_accounts_public_standing(audience: dict[str, pa.Table]) -> None:
    accounts = {row["handle"]: row for row in audience["outside_accounts"].to_pylist()}
    for profile in profiles.COMMUNITIES[:8]:
        first, *_, fourth, last = (accounts[account.handle] for account in profile.favourites)
        assert (first["verified"], first["follower_count"]) == (True, 800_000)
        assert (fourth["verified"], fourth["follower_count"]) == (False, 200_000)
        assert (last["verified"], last["follower_count"]) == (False, 1_000)
    popular = [accounts[account.handle] for account in profiles.POPULAR_ACCOUNTS]
    assert all(row["verified"] and row["follower_count"] >= 2_000_000 for row in popular)
    known = {account.handle for account in profiles.POPULAR_ACCOUNTS}
    known |= {account.handle for profile in profiles.COMMUNITIES for account in profile.favourites}
    tail = [row for handle, row in accounts.items() if handle not in known]
    assert tail and all(not row["verified"] and 50 <= row["follower_count"] < 9_000 for row in tail)


def test_planted_facts_name_the_negative_control(audience: dict[str, pa.Table]) -> None:
    facts = facts_of(audience)
    assert facts["negative_control_attribute"] == "gender"
    assert facts["communities"] == "8"
    assert int(facts["member_edges"]) + int(facts["outside_edges"]) == audience["follows"].num_rows


def test_profiles_have_distinct_vocabularies() -> None:
    seen = Counter(profiles.BACKGROUND_WORDS)
    for profile in profiles.COMMUNITIES:
        seen.update(profile.words)
        assert 15 <= len(profile.words) <= 30
        assert sum(not any(ch.isalnum() for ch in word) for word in profile.words) >= 2
        assert len(profile.ages) == len(profiles.AGE_BUCKETS)
        assert len(profile.favourites) == len(profiles.COMMUNITIES[0].favourites)
        assert {country for country, _ in profile.countries} <= set(profiles.COUNTRIES)
        assert all(" " not in word for word in profile.words)
    assert [word for word, count in seen.items() if count > 1] == []


def test_simulated_audience_ingests_into_the_store(store: DuckDBPyConnection) -> None:
    tables = simulate_audience(seed=3, members=500)
    batch = Batch(AccountId("acc_test"), "simulate", "test", tables)
    result = ingest(store, batch)
    assert result.changed
    counts = store.execute(
        "SELECT followee_type, count(*) FROM follows GROUP BY ALL ORDER BY 1"
    ).fetchall()
    follows = Counter(tables["follows"]["followee_type"].to_pylist())
    assert counts == [("member", follows["member"]), ("outside", follows["outside"])]
