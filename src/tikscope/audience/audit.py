"""The last check of a report before it renders: can any two of its numbers be subtracted?

`suppression` protects each attribute's table on its own. A report also sets numbers of
different tables side by side: a city inside a country, everyone of a keyword also in an age
group, a cluster that is all from one country. `audit` looks at the numbers the report actually
publishes (`Number`: a count of the members of a slot, or of the audience, who satisfy a
predicate), finds every pair where one counts a subset of the other's members, and reports
what must be withdrawn so that no difference, and no remainder of a number after taking away a
family of disjoint numbers inside it, is a count from 1 to `minimum` - 1. Differences between
two whole groups of the report (cluster sizes, the audience size) are the report's frame and
are not checked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from tikscope.audience.attributes import Bag
from tikscope.audience.shares import Handle

Predicate = tuple[str, str, int]
"""("value", attribute, value index), ("known", attribute, 0) or ("inside", "", 0)."""
INSIDE: Predicate = ("inside", "", 0)
SAMPLE = 16
"""Members looked at before a whole group, when checking that a predicate holds for all."""
EMPTY = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Number:
    """A published count: the members of a slot (or the audience) for whom a predicate holds.

    Attributes:
        count: the number published (or computable from what is published).
        slot: the slot counted in; None for the whole audience.
        predicate: what they have in common; None for every member of the slot or audience.
        handle: the cell to hide to withdraw it; None when it is always published.
    """

    count: int
    slot: int | None
    predicate: Predicate | None
    handle: Handle | None


@dataclass(frozen=True)
class Members:
    """Each member's slot and attributes, to tell which numbers count subsets of others.

    Attributes:
        slots: int64 slot of each member.
        codes: single-valued attributes: a code per member, -1 when unknown.
        bags: many-valued attributes ("interests", "keywords"): terms per member.
        inside: whether each member follows another member of their slot.
    """

    slots: np.ndarray
    codes: dict[str, np.ndarray]
    bags: dict[str, Bag]
    inside: np.ndarray


def audit(numbers: list[Number], checker: Checker, *, minimum: int) -> frozenset[Handle]:
    """The cells to withdraw so that no published difference is a small count.

    Checks every pair of numbers where one counts a subset of the other's members, and every
    number against each family of disjoint numbers inside it (a categorical attribute's cells,
    its totals, one term over the slots, the slots' densities or sizes). For each small
    difference, the smallest number inside that can be withdrawn is; failing that, the outer.

    Args:
        numbers: what the report publishes.
        checker: the audience's members, indexed (`Checker(members)`, built once per report).
        minimum: the minimum group size.
    """
    members = checker.members
    by_key = {(number.slot, number.predicate): number for number in numbers}
    published = {number.predicate for number in numbers if number.predicate is not None}
    checker.index_terms(published)
    inside: dict[tuple[int | None, Predicate | None], list[Number]] = defaultdict(list)
    for number in by_key.values():
        for outer in checker.supersets(number, by_key, published):
            inside[outer.slot, outer.predicate].append(number)
    withdrawn: set[Handle] = set()
    for key, subsets in inside.items():
        outer = by_key[key]
        families: dict[object, list[Number]] = defaultdict(list)
        for number in subsets:
            families[family(number, members)].append(number)
            if small_rest(outer, [number], minimum):
                withdrawn |= withdraw(outer, [number])
        for family_numbers in families.values():
            if small_rest(outer, family_numbers, minimum):
                withdrawn |= withdraw(outer, family_numbers)
    return frozenset(withdrawn)


def small_rest(outer: Number, inner: list[Number], minimum: int) -> bool:
    """Whether the outer count minus the inner ones is 1 to `minimum` - 1 (and not a frame)."""
    if outer.predicate is None and all(number.predicate is None for number in inner):
        return False
    rest = outer.count - sum(number.count for number in inner)
    return 0 < rest < minimum


def withdraw(outer: Number, inner: list[Number]) -> set[Handle]:
    """The handle to hide for a small difference: the smallest inner number, else the outer."""
    candidates = [number for number in inner if number.handle is not None]
    if candidates:
        chosen = min(candidates, key=lambda number: (number.count, str(number.handle)))
        return {chosen.handle} if chosen.handle is not None else set()
    return {outer.handle} if outer.handle is not None else set()


def family(number: Number, members: Members) -> object:
    """Numbers of one family count disjoint groups of members; others are families of one."""
    predicate = number.predicate
    if number.slot is None:
        if predicate is not None and predicate[0] == "value" and predicate[1] in members.codes:
            return ("totals", predicate[1])
        return number
    if predicate is None:
        return ("sizes",)
    kind, name, value = predicate
    if kind == "value" and name in members.codes:
        return ("cells", name)
    if kind == "value":
        return ("term", name, value)
    return (kind, name)


class Checker:
    """Which published numbers count a superset of a number's members."""

    def __init__(self, members: Members) -> None:
        """Index the members by slot; values and terms are looked up when needed."""
        self.members = members
        self.slot_groups = grouped(members.slots, np.arange(len(members.slots)))
        self.rows = {name: bag.rows() for name, bag in members.bags.items()}
        self.terms: dict[str, dict[int, np.ndarray]] = {name: {} for name in members.bags}
        self.groups: dict[tuple[str, int], np.ndarray] = {}
        self.masks: dict[tuple[str, int], np.ndarray] = {}

    def supersets(
        self,
        number: Number,
        by_key: dict[tuple[int | None, Predicate | None], Number],
        published: set[Predicate],
    ) -> list[Number]:
        """The published numbers, other than itself, that count a superset of its members."""
        group = self.group(number)
        if not len(group):
            return []
        scopes: list[int | None] = [None]
        if number.slot is not None:
            scopes.append(number.slot)
        elif (self.members.slots[group] == self.members.slots[group[0]]).all():
            scopes.append(int(self.members.slots[group[0]]))
        found = []
        for predicate in [None, *self.candidates(int(group[0]))]:
            if predicate is not None and predicate not in published:
                continue
            outers = [by_key.get((scope, predicate)) for scope in scopes]
            larger = [outer for outer in outers if outer and outer.count > number.count]
            if larger and (predicate is None or self.holds_all(predicate, group)):
                found += larger
        return found

    def group(self, number: Number) -> np.ndarray:
        """Positions of the members a number counts, ascending."""
        if number.slot is None:
            if number.predicate is None:
                return np.arange(len(self.members.slots))
            kind, name, value = number.predicate
            if kind == "value":
                return self.with_value(name, value)
            group = np.arange(len(self.members.slots))
        else:
            group = self.slot_groups.get(number.slot, EMPTY)
            if number.predicate is None:
                return group
        chosen: np.ndarray = group[self.holds(number.predicate, group)]
        return chosen

    def candidates(self, member: int) -> list[Predicate]:
        """Every predicate that holds for one member."""
        found: list[Predicate] = []
        for name, codes in self.members.codes.items():
            if codes[member] >= 0:
                found += [("value", name, int(codes[member])), ("known", name, 0)]
        for name, bag in self.members.bags.items():
            terms = bag.indices[bag.indptr[member] : bag.indptr[member + 1]].tolist()
            found += [("value", name, int(term)) for term in terms]
            if terms:
                found.append(("known", name, 0))
        if self.members.inside[member]:
            found.append(INSIDE)
        return found

    def holds_all(self, predicate: Predicate, group: np.ndarray) -> bool:
        """Whether the predicate holds for every member of the group (a few looked at first)."""
        return bool(
            self.holds(predicate, group[:SAMPLE]).all() and self.holds(predicate, group).all()
        )

    def holds(self, predicate: Predicate, group: np.ndarray) -> np.ndarray:
        """Whether the predicate holds for each member of the group (bool per member)."""
        kind, name, value = predicate
        if kind == "inside":
            inside: np.ndarray = self.members.inside[group]
            return inside
        if name in self.members.codes:
            codes = self.members.codes[name][group]
            result: np.ndarray = codes == value if kind == "value" else codes >= 0
            return result
        bag = self.members.bags[name]
        if kind == "known":
            listed: np.ndarray = np.diff(bag.indptr)[group] > 0
            return listed
        present: np.ndarray = self.term_mask(name, value)[group]
        return present

    def index_terms(self, predicates: set[Predicate]) -> None:
        """Index the members of every published term not indexed yet, in one pass per bag.

        Only terms that some number counts can be part of a superset, so only they are looked
        up (sorting every term of a million bios would take seconds).
        """
        for name, bag in self.members.bags.items():
            wanted = {value for kind, of, value in predicates if kind == "value" and of == name}
            missing = sorted(wanted - set(self.terms[name]))
            if not missing:
                continue
            lookup = np.zeros(max(len(bag.vocabulary), 1), dtype=bool)
            lookup[missing] = True
            chosen = lookup[bag.indices]
            self.terms[name].update(grouped(bag.indices[chosen], self.rows[name][chosen]))
            self.terms[name].update(
                {term: EMPTY for term in missing if term not in self.terms[name]}
            )

    def with_value(self, name: str, value: int) -> np.ndarray:
        """The members with a value (or term), ascending; remembered: few are published."""
        if name in self.terms:
            if value not in self.terms[name]:
                self.index_terms({("value", name, value)})
            return self.terms[name][value]
        if (name, value) not in self.groups:
            self.groups[name, value] = np.flatnonzero(self.members.codes[name] == value)
        return self.groups[name, value]

    def term_mask(self, name: str, term: int) -> np.ndarray:
        """Which members have a term of a bag, as a mask (remembered)."""
        if (name, term) not in self.masks:
            mask = np.zeros(len(self.members.slots), dtype=bool)
            mask[self.with_value(name, term)] = True
            self.masks[name, term] = mask
        return self.masks[name, term]


def grouped(keys: np.ndarray, members: np.ndarray) -> dict[int, np.ndarray]:
    """The members of each key, ascending (`members` ascending, aligned with `keys`)."""
    order = np.argsort(keys, kind="stable")
    ordered = np.asarray(keys)[order]
    # NOTE: not np.unique(return_index=True), which would sort the sorted keys again.
    starts = np.flatnonzero(np.diff(ordered, prepend=ordered[:1] - 1)) if len(ordered) else EMPTY
    distinct = ordered[starts]
    ends = np.append(starts[1:], len(ordered))[: len(starts)]
    chosen = np.asarray(members)[order]
    return {
        int(key): chosen[start:end]
        for key, start, end in zip(distinct.tolist(), starts.tolist(), ends.tolist(), strict=True)
    }
