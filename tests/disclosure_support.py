"""An attacker's audit of one audience report: which small counts can be worked out from it?

Written apart from `tikscope.audience.audit` on purpose: it reads the report as published (the
JSON of `as_dict`), and knows who is who in the audience (`Truth`). Every number the report
publishes, or lets a reader compute (a share times its denominator, a baseline times the
audience), becomes the set of members it counts, as a Python int used as a bit set. Then:

- `published_small`: a published count from 1 to minimum - 1;
- `pair_differences`: two published numbers, one counting a subset of the other's members,
  whose difference is such a count;
- `family_remainders`: a published number minus published numbers of disjoint groups inside it
  (a row or column of a table, and its margin);
- `determined_cells`: a hidden cell of a table (or its complement in the cluster) that the
  table's equations and the published cells pin down exactly, and that is such a count.

Counts of whole clusters (their sizes and sums) are the report's frame: always published, and
not checked. Empty cells are taken as known to the reader (the strictest assumption).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

CATEGORICAL = ("age", "gender", "country", "city", "language")


@dataclass(frozen=True)
class Truth:
    """Who is who: per kept member, the cluster and attributes; the members left out."""

    clusters: list[int]
    values: dict[str, list[str | None]]
    interests: list[set[str]]
    words: list[set[str]]
    inside: list[bool]
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.clusters)


@dataclass(frozen=True)
class Number:
    """A published (or computable) count and the members it counts."""

    label: str
    count: int
    members: int  # bit set
    kind: str = ""  # numbers of one kind count disjoint groups (a row or column of a table)

    def __post_init__(self) -> None:
        assert self.count == self.members.bit_count(), (self.label, self.count)


class Sets:
    """Bit sets of the members of a truth, by cluster and by predicate."""

    def __init__(self, truth: Truth) -> None:
        self.truth = truth
        self.cache: dict[tuple[str, ...], int] = {}
        self.kept = (1 << truth.size) - 1
        offset, self.dropped = truth.size, {}
        for reason, count in truth.dropped.items():
            self.dropped[reason] = ((1 << count) - 1) << offset
            offset += count
        self.everyone = (1 << offset) - 1
        self.clusters = {
            cluster: self.where(lambda member, cluster=cluster: truth.clusters[member] == cluster)
            for cluster in set(truth.clusters)
        }

    def where(self, test: Any) -> int:
        bits = 0
        for member in range(self.truth.size):
            if test(member):
                bits |= 1 << member
        return bits

    def cached(self, key: tuple[str, ...], test: Any) -> int:
        if key not in self.cache:
            self.cache[key] = self.where(test)
        return self.cache[key]

    def value(self, name: str, value: str) -> int:
        if name == "interests":
            return self.cached((name, value), lambda m: value in self.truth.interests[m])
        return self.cached((name, value), lambda m: self.truth.values[name][m] == value)

    def known(self, name: str) -> int:
        if name == "interests":
            return self.cached((name,), lambda m: bool(self.truth.interests[m]))
        return self.cached((name,), lambda m: self.truth.values[name][m] is not None)

    def word(self, term: str) -> int:
        return self.cached(("word", term), lambda m: term in self.truth.words[m])

    def inside(self) -> int:
        return self.cached(("inside",), lambda m: self.truth.inside[m])

    def is_frame(self, bits: int) -> bool:
        """Whether a set is a union of whole clusters (a difference of sizes)."""
        if bits & ~self.kept:
            return False
        touched = 0
        for members in self.clusters.values():
            if members & bits:
                touched |= members
        return touched == bits


def numbers_of(report: dict[str, Any], sets: Sets) -> list[Number]:
    """Every count the report publishes or lets a reader compute, with its members."""
    numbers = [Number("audience size", report["summary"]["size"], sets.kept, "kept")]
    audience = report["audience"]
    assert audience["clustered_members"] == report["summary"]["size"]
    if audience["total_members"] is not None:
        numbers.append(Number("total members", audience["total_members"], sets.everyone))
    for reason, count in audience["dropped"].items():
        if count is not None:
            numbers.append(Number(f"left out: {reason}", count, sets.dropped[reason], "kept"))
    for item in report["summary"]["clusters"]:
        members = sets.clusters[item["cluster"]]
        numbers.append(Number(f"size {item['cluster']}", item["size"], members, "size"))
    for card in report["clusters"]:
        numbers += card_numbers(card, report["summary"]["size"], sets)
    summary = report["summary"]
    for name, shares in [("interests", summary["interests"]), *summary["demographics"].items()]:
        for item in shares:
            numbers += audience_numbers(name, item, sets)
    for item in summary["keywords"]:
        term = item["term"]
        numbers.append(
            Number(f"audience {term}", item["members"], sets.word(term), f"total {term}")
        )
        assert abs(item["share"] * summary["size"] - item["members"]) < 1e-6
    return numbers


def card_numbers(card: dict[str, Any], total: int, sets: Sets) -> list[Number]:
    """A card's size, density, keywords and values, and what their shares reveal."""
    cluster, size = card["cluster"], card["size"]
    members = sets.clusters[cluster]
    numbers = [Number(f"size {cluster}", size, members, "size")]
    if card["density"] is not None:
        inside = whole(card["density"] * size)
        numbers.append(Number(f"inside {cluster}", inside, members & sets.inside(), "inside"))
    for keyword in card["keywords"]:
        term, count = keyword["term"], keyword["members"]
        word = sets.word(term)
        numbers.append(Number(f"{cluster}: {term}", count, members & word, f"word {term}"))
        assert abs(keyword["share"] * size - count) < 1e-6
        audience = whole(keyword["baseline"] * total)
        numbers.append(Number(f"audience {term}", audience, word, f"total {term}"))
    for name, shares in card["attributes"].items():
        for item in shares:
            label, value = f"{cluster}: {name} {item['value']}", sets.value(name, item["value"])
            kind = f"interest {item['value']}" if name == "interests" else f"cells {name}"
            numbers.append(Number(label, item["members"], members & value, kind))
            numbers.append(denominator(f"{cluster}: {name}", item, members, sets.known(name)))
            numbers += audience_numbers(name, {**item, "share": item["baseline"]}, sets)
    return numbers


def audience_numbers(name: str, item: dict[str, Any], sets: Sets) -> list[Number]:
    """An audience value's count (given, or its share times the right denominator)."""
    value = sets.value(name, item["value"])
    count = value.bit_count()
    if "members" in item and "baseline" not in item:
        assert item["members"] == count
    kind = f"total {name} {item['value']}" if name == "interests" else f"totals {name}"
    found = [Number(f"audience {name} {item['value']}", count, value, kind)]
    found.append(
        denominator(f"audience {name}", {**item, "members": count}, sets.kept, sets.known(name))
    )
    return found


def denominator(label: str, item: dict[str, Any], group: int, known: int) -> Number:
    """What a share is of: the group's members with a known value, or the whole group."""
    computed = whole(item["members"] / item["share"])
    if computed == (group & known).bit_count():
        return Number(f"{label} known", computed, group & known, f"known {label.split()[-1]}")
    assert computed == group.bit_count(), (label, computed)
    return Number(f"{label} all", computed, group, "size")


def whole(value: float) -> int:
    """A count computed from a share: it must be a whole number."""
    rounded = round(value)
    assert abs(value - rounded) < 1e-6 * max(1.0, abs(value)), value
    return int(rounded)


def unique(numbers: list[Number]) -> list[Number]:
    seen: dict[int, Number] = {}
    for number in numbers:
        if number.members in seen:
            assert seen[number.members].count == number.count
        seen.setdefault(number.members, number)
    return list(seen.values())


def published_small(numbers: list[Number], sets: Sets, minimum: int) -> Iterator[str]:
    for number in numbers:
        if 0 < number.count < minimum and not sets.is_frame(number.members):
            yield f"{number.label} = {number.count}"


def pair_differences(numbers: list[Number], sets: Sets, minimum: int) -> Iterator[str]:
    for outer in numbers:
        for inner in numbers:
            if inner.members & ~outer.members or inner is outer:
                continue
            rest = outer.members & ~inner.members
            if 0 < rest.bit_count() < minimum and not sets.is_frame(rest):
                yield f"{outer.label} ({outer.count}) - {inner.label} ({inner.count})"


def family_remainders(numbers: list[Number], sets: Sets, minimum: int) -> Iterator[str]:
    """Each number minus disjoint numbers of one kind inside it (largest first).

    Only numbers of one kind are known to count disjoint groups (a reader cannot know that two
    values of different attributes have no member in common).
    """
    for outer in numbers:
        inside = [
            n for n in numbers if n is not outer and n.count and not n.members & ~outer.members
        ]
        inside.sort(key=lambda number: (-number.count, number.label))
        kinds: dict[str, list[Number]] = {}
        for number in inside:
            kinds.setdefault(number.kind, []).append(number)
        for members in kinds.values():
            union, used = 0, []
            for number in members:
                if not number.members & union:
                    union |= number.members
                    used.append(number.label)
            rest = outer.members & ~union
            if used and 0 < rest.bit_count() < minimum and not sets.is_frame(rest):
                yield f"{outer.label} ({outer.count}) - {used}"


def determined_cells(report: dict[str, Any], truth: Truth, minimum: int) -> Iterator[str]:
    """Hidden cells of each table that its equations and published numbers pin down."""
    published = published_cells(report)
    clusters = sorted(set(truth.clusters))
    sizes = [truth.clusters.count(cluster) for cluster in clusters]
    for name in CATEGORICAL:
        values = sorted({value for value in truth.values[name] if value is not None})
        rows: list[str | None] = [*values, None]
        counts = np.array(
            [[sum(1 for m in range(truth.size) if truth.clusters[m] == c and truth.values[name][m] == v)
              for c in clusters] for v in rows]
        )  # fmt: skip
        yield from audit_table(
            name, counts, sizes, published, rows, clusters, minimum, crossed=True
        )
    for name, sets_of in (("interests", truth.interests), ("keywords", truth.words)):
        terms = sorted(set().union(*sets_of)) if sets_of else []
        counts = np.array(
            [[sum(1 for m in range(truth.size) if truth.clusters[m] == c and t in sets_of[m])
              for c in clusters] for t in terms]
        ).reshape(len(terms), len(clusters))  # fmt: skip
        yield from audit_table(
            name, counts, sizes, published, terms, clusters, minimum, crossed=False
        )


def published_cells(report: dict[str, Any]) -> dict[tuple[str, str | None, int | None], int]:
    """(table, value, cluster or None for the audience) -> published count."""
    found: dict[tuple[str, str | None, int | None], int] = {}
    total = report["summary"]["size"]
    for card in report["clusters"]:
        for name, shares in card["attributes"].items():
            for item in shares:
                found[name, item["value"], card["cluster"]] = item["members"]
                found[name, "(denominator)", card["cluster"]] = whole(
                    item["members"] / item["share"]
                )
        for keyword in card["keywords"]:
            found["keywords", keyword["term"], card["cluster"]] = keyword["members"]
            found["keywords", keyword["term"], None] = whole(keyword["baseline"] * total)
    summary = report["summary"]
    for name, shares in [("interests", summary["interests"]), *summary["demographics"].items()]:
        for item in shares:
            found[name, item["value"], None] = item["members"]
            found[name, "(denominator)", None] = whole(item["members"] / item["share"])
    for item in summary["keywords"]:
        found["keywords", item["term"], None] = item["members"]
    return found


def audit_table(
    name: str,
    counts: np.ndarray,
    sizes: list[int],
    published: dict[tuple[str, str | None, int | None], int],
    rows: list[Any],
    clusters: list[int],
    minimum: int,
    *,
    crossed: bool,
) -> Iterator[str]:
    """Linear algebra over one table: unknowns are its cells and row totals."""
    height, width = counts.shape
    cells = height * width
    unknowns = cells + height
    totals = counts.sum(axis=1)
    equations: list[np.ndarray] = []

    def cell(row: int, column: int) -> int:
        return row * width + column

    def pin(index: int) -> None:
        equation = np.zeros(unknowns)
        equation[index] = 1
        equations.append(equation)

    for row in range(height):
        equation = np.zeros(unknowns)
        equation[[cell(row, column) for column in range(width)]] = 1
        equation[cells + row] = -1
        equations.append(equation)
        if totals[row] == 0 or (name, rows[row], None) in published:
            pin(cells + row)
        for column in range(width):
            if counts[row, column] == 0 or (name, rows[row], clusters[column]) in published:
                pin(cell(row, column))
    if crossed:  # columns add up to the sizes; with a known denominator, without the unknowns
        for column in range(width):
            equation = np.zeros(unknowns)
            equation[[cell(row, column) for row in range(height)]] = 1
            equations.append(equation)
            denominator = published.get((name, "(denominator)", clusters[column]))
            if denominator is not None and denominator != sizes[column]:
                pin(cell(height - 1, column))
        equations.append(np.concatenate([np.zeros(cells), np.ones(height)]))
        denominator = published.get((name, "(denominator)", None))
        if denominator is not None and denominator != sum(sizes):
            pin(cells + height - 1)
    matrix = np.array(equations)
    _, singular, vectors = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    free = vectors[rank:]  # the changes the equations allow
    values = np.concatenate([counts.ravel(), totals])
    for index in range(unknowns):
        if free.size and np.abs(free[:, index]).max() > 1e-9:
            continue
        value = int(values[index])
        column = index % width if index < cells else None
        complement = 0
        if column is not None and not crossed and value:  # the cluster's without the value
            whole_group = published.get((name, "(denominator)", clusters[column]), sizes[column])
            complement = whole_group - value
        row = index // width if index < cells else index - cells
        # a count of whole clusters (everyone in them has the value, nobody else) is the frame
        whole_clusters = all(
            count in (0, size) for count, size in zip(counts[row], sizes, strict=True)
        )
        if column is not None:
            whole_clusters = value == sizes[column]
        if (0 < value < minimum and not whole_clusters) or 0 < complement < minimum:
            where = "audience" if column is None else f"cluster {clusters[column]}"
            yield f"{name} {rows[row]!r} in {where}: {value} is determined"


def findings(report: dict[str, Any], truth: Truth, minimum: int) -> list[str]:
    """Every small count the report lets a reader work out (empty when none)."""
    sets = Sets(truth)
    numbers = unique(numbers_of(report, sets))
    return [
        *published_small(numbers, sets, minimum),
        *pair_differences(numbers, sets, minimum),
        *family_remainders(numbers, sets, minimum),
        *determined_cells(report, truth, minimum),
    ]
