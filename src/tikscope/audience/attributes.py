"""What the cards describe: each kept member's bio terms, interests and demographics.

`load_member_attributes` reads `audience_members` once and returns arrays aligned with the graph's
`member_keys`: sets of terms as compressed sparse rows (`Bag`) and categorical codes
(`Categorical`). Nulls and empty strings are unknown (code -1, or an empty row).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tikscope.audience.tokens import tokenize

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

CATEGORICAL_COLUMNS: dict[str, str] = {
    "age": "age_bucket",
    "gender": "gender",
    "country": "country",
    "city": "city",
    "language": "language",
}
"""Card attribute name -> `audience_members` column, for the single-valued attributes."""

SAMPLED_ATTRIBUTES = frozenset({"interests", "country", "language"})
"""What a Research API enrichment fills for a sample of members (never age or gender)."""

MEMBERS_SQL = """
SELECT member_key, bio, age_bucket, gender, country, city, language, interests
FROM audience_members
WHERE account_id = $account_id
"""


@dataclass(frozen=True)
class Bag:
    """A set of terms per member, as compressed sparse rows over a vocabulary.

    Attributes:
        indptr: int64, members + 1; row i is ``indices[indptr[i]:indptr[i + 1]]``.
        indices: int32 term ids, distinct and ascending within a row.
        vocabulary: the terms, sorted; a term id indexes it.
    """

    indptr: np.ndarray
    indices: np.ndarray
    vocabulary: tuple[str, ...]

    @property
    def members(self) -> int:
        """Number of rows."""
        return len(self.indptr) - 1

    def rows(self) -> np.ndarray:
        """The row (member position) of each entry of `indices`, int64."""
        return np.repeat(np.arange(self.members, dtype=np.int64), np.diff(self.indptr))


@dataclass(frozen=True)
class Categorical:
    """One single-valued attribute: a code per member into its categories.

    Attributes:
        codes: int32 per member: an index into `categories`, or -1 when unknown.
        categories: the values, sorted.
    """

    codes: np.ndarray
    categories: tuple[str, ...]


@dataclass(frozen=True)
class MemberAttributes:
    """Everything the cards count, per kept member, in `member_keys` order.

    Attributes:
        member_keys: int32 `audience_members.member_key` of each kept member.
        words: bio terms, each counted once per member (see `tokens.tokenize`).
        interests: listed interests, each once per member.
        categorical: "age", "gender", "country", "city", "language" codes.
        profiled: members of the account profiled from a sample (`member_profiles`), 0 if none.
        sampled: attributes whose values come (at least partly) from that sample.
    """

    member_keys: np.ndarray
    words: Bag
    interests: Bag
    categorical: dict[str, Categorical]
    profiled: int = 0
    sampled: frozenset[str] = frozenset()

    @property
    def size(self) -> int:
        """Number of kept members."""
        return len(self.member_keys)


def load_member_attributes(
    connection: DuckDBPyConnection, account_id: str, member_keys: np.ndarray
) -> MemberAttributes:
    """Read the bios, interests and demographics of the given members of an account.

    Args:
        connection: an open store.
        account_id: whose audience.
        member_keys: `audience_members.member_key` of the members to describe, in the order the
            result keeps; a key with no row in the store gets unknown everything.

    Returns:
        The members' attributes, row i describing ``member_keys[i]``.
    """
    keys = np.asarray(member_keys, dtype=np.int32)
    table = connection.sql(MEMBERS_SQL, params={"account_id": account_id}).to_arrow_table()
    rows = locate_rows(table["member_key"].to_numpy(), keys)
    categorical = {}
    for name, column in CATEGORICAL_COLUMNS.items():
        stored = encode_categorical(table[column])
        categorical[name] = Categorical(pick(stored.codes, rows, -1), stored.categories)
    profiled = count_profiled(connection, account_id)
    return MemberAttributes(
        member_keys=keys,
        words=take_rows(bag_of_words(table["bio"]), rows),
        interests=take_rows(bag_of_values(table["interests"]), rows),
        categorical=categorical,
        profiled=profiled,
        sampled=SAMPLED_ATTRIBUTES if profiled else frozenset(),
    )


def count_profiled(connection: DuckDBPyConnection, account_id: str) -> int:
    """Members of the account that a Research API enrichment profiled (sync/enrich.py)."""
    rows = connection.execute(
        "SELECT count(*) FROM member_profiles WHERE account_id = ? AND status = 'profiled'",
        [account_id],
    ).fetchall()  # NOTE: fetched whole: DuckDB 2 refuses new work while a result is half-read
    return int(rows[0][0]) if rows else 0


def locate_rows(stored: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The row of each key among the stored keys, or -1 where it has none."""
    if not len(stored) or not len(keys):
        return np.full(len(keys), -1, dtype=np.int64)
    low = min(int(stored.min()), int(keys.min()))
    span = max(int(stored.max()), int(keys.max())) - low + 1
    if span <= 4 * (len(stored) + len(keys)):
        # Member keys are dense small integers: a lookup table beats sorting.
        lookup = np.full(span, -1, dtype=np.int64)
        lookup[stored - low] = np.arange(len(stored))
        return lookup[keys.astype(np.int64) - low]
    order = np.argsort(stored, kind="stable")
    found = np.minimum(np.searchsorted(stored[order], keys), len(stored) - 1)
    return np.where(stored[order][found] == keys, order[found], -1)


def pick(values: np.ndarray, rows: np.ndarray, missing: int) -> np.ndarray:
    """``values[rows]``, with `missing` where a row is -1."""
    picked: np.ndarray = np.append(values, np.array(missing, dtype=values.dtype))[rows]
    return picked


def take_rows(bag: Bag, rows: np.ndarray) -> Bag:
    """The bag's rows in the given order; an empty row where `rows` is -1."""
    lengths = pick(np.diff(bag.indptr), rows, 0)
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    starts = pick(bag.indptr[:-1], rows, 0)
    return Bag(indptr, bag.indices[spans(starts, lengths)], bag.vocabulary)


def spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ranges ``starts[i] : starts[i] + lengths[i]``, int64."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    return np.repeat(starts - ends + lengths, lengths) + np.arange(total)


def bag_of_words(bios: Any) -> Bag:
    """Each bio's distinct terms (see `tokens.tokenize`).

    Bios are split on whitespace in Arrow; only the distinct chunks go through the Python
    tokenizer, and their tokens are gathered back to the members with numpy.
    """
    import pyarrow.compute as pc

    chunks = pc.utf8_split_whitespace(bios.combine_chunks())
    per_member = pc.list_value_length(chunks).fill_null(0).to_numpy()
    encoded = pc.list_flatten(chunks).dictionary_encode()
    chunk_ids = encoded.indices.to_numpy()
    lengths, token_ids, vocabulary = tokenize_chunks(encoded.dictionary.to_pylist())
    rows, terms = gather_tokens(per_member, chunk_ids, lengths, token_ids)
    return build_bag(rows, terms, members=len(per_member), vocabulary=vocabulary)


def tokenize_chunks(chunks: list[str]) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Tokens of each distinct chunk: (tokens per chunk, token ids in chunk order, vocabulary)."""
    token_lists = [tokenize(chunk) for chunk in chunks]
    vocabulary = tuple(sorted({token for tokens in token_lists for token in tokens}))
    index = {token: position for position, token in enumerate(vocabulary)}
    ids = np.fromiter((index[token] for tokens in token_lists for token in tokens), np.int64)
    lengths = np.fromiter(map(len, token_lists), np.int64, count=len(token_lists))
    return lengths, ids, vocabulary


def gather_tokens(
    per_member: np.ndarray, chunk_ids: np.ndarray, lengths: np.ndarray, token_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(member row, token id) of every token of every chunk occurrence."""
    occurrence_rows = np.repeat(np.arange(len(per_member), dtype=np.int64), per_member)
    counts = lengths[chunk_ids]
    starts = (np.cumsum(lengths) - lengths)[chunk_ids]
    # NOTE: most chunks are one token, so those skip the general (slower) gather below.
    single = counts == 1
    several = counts > 1
    rows = np.repeat(occurrence_rows[several], counts[several])
    terms = token_ids[spans(starts[several], counts[several])]
    return (
        np.concatenate([occurrence_rows[single], rows]),
        np.concatenate([token_ids[starts[single]], terms]),
    )


def bag_of_values(lists: Any) -> Bag:
    """Each member's distinct non-empty values of a list column (nulls are no values)."""
    import pyarrow.compute as pc

    lists = lists.combine_chunks()
    per_member = pc.list_value_length(lists).fill_null(0).to_numpy()
    values = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    rows = np.repeat(np.arange(len(per_member), dtype=np.int64), per_member)
    codes, categories = sorted_codes(values)
    present = codes >= 0
    return build_bag(rows[present], codes[present], members=len(per_member), vocabulary=categories)


def build_bag(
    rows: np.ndarray, terms: np.ndarray, *, members: int, vocabulary: tuple[str, ...]
) -> Bag:
    """A bag from (row, term id) pairs; repeats within a row are dropped."""
    width = max(len(vocabulary), 1)
    # TRICKY: rows arrive mostly ascending, so the codes are sorted but for short runs; a stable
    # sort (timsort) of nearly sorted data is close to linear.
    codes = np.sort(rows * width + terms, kind="stable")
    distinct = np.ones(len(codes), dtype=bool)
    np.not_equal(codes[1:], codes[:-1], out=distinct[1:])
    codes = codes[distinct]
    indptr = np.zeros(members + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes // width, minlength=members), out=indptr[1:])
    return Bag(indptr, (codes % width).astype(np.int32), vocabulary)


def encode_categorical(column: Any) -> Categorical:
    """Codes into the sorted distinct values of a string column; null or blank is -1."""
    import pyarrow.compute as pc

    codes, categories = sorted_codes(pc.utf8_trim_whitespace(column.combine_chunks()))
    return Categorical(codes.astype(np.int32), categories)


def sorted_codes(values: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    """int64 codes of an Arrow string array into its sorted distinct non-empty values, else -1."""
    encoded = values.dictionary_encode()
    dictionary: list[str] = encoded.dictionary.to_pylist()
    categories = tuple(sorted(value for value in dictionary if value))
    rank = {value: position for position, value in enumerate(categories)}
    remap = np.array([rank.get(value, -1) for value in dictionary] + [-1], dtype=np.int64)
    indices = encoded.indices.fill_null(len(dictionary)).to_numpy().astype(np.int64)
    return remap[indices], categories
