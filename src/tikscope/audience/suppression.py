"""Which counts of an audience report may be published: primary and secondary cell suppression.

Every count the report publishes is a cell of a table: members per attribute value (a row) and
cluster slot (a column), with the audience total of each value as the row margin and the slot
sizes as the column margins (see docs/privacy.md). Publishing a cell of fewer than
`minimum` members would point at people (primary suppression); publishing everything else would
let a reader subtract the published cells of a row or column from its margin and recover the
hidden ones (disclosure by differencing). Secondary suppression hides enough further cells that
no hidden count can be recovered:

- `suppress_crossed`: tables whose rows partition each slot (age, gender, country, city,
  language, each with an "unknown" row). Every equation the table satisfies (a row, a column,
  the column of totals) is a node of a graph whose edges are the hidden non-zero cells; a
  hidden cell is determined by the published ones exactly when its edge is a bridge (it lies on
  no cycle). A determined count under `minimum` gets a hypercube: the cheapest rectangle of
  three more non-zero cells through it is hidden too (Repsilber's hypercube method, as in
  tau-Argus). And no line whose margin is known may have hidden (or undetermined) cells adding
  up to fewer than `minimum` members: their union would be a small group too.
- `suppress_rows`: tables of many-valued attributes (interests, bio keywords): a member can
  count in many rows, so only rows are equations; a row needs no hidden cells or two, adding up
  to `minimum` or more, and a count whose complement in its slot is small is hidden like a
  small count.
- `density_shown` and `release_dropped`: the members who follow inside their cluster, and the
  members left out of the graph.

Zero is never hidden: it says that nobody is in a cell, which the threshold does not protect.
"""

from __future__ import annotations

import numpy as np


def is_small(counts: np.ndarray, minimum: int) -> np.ndarray:
    """Where a count is at least one member and under the minimum group size."""
    counts = np.asarray(counts)
    small: np.ndarray = (counts > 0) & (counts < minimum)
    return small


def with_totals(counts: np.ndarray) -> np.ndarray:
    """The table (rows, columns) with its row totals as one more column, int64."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.column_stack([counts, counts.sum(axis=1)])


def suppress_crossed(
    counts: np.ndarray, *, minimum: int, forced: np.ndarray | None = None
) -> np.ndarray:
    """Hidden cells of a table whose rows partition each column (each member in one row).

    Args:
        counts: (rows, slots) members of each value (row) in each slot (column); a row of
            members whose value is unknown included, so each column adds up to the slot's size.
            Slot sizes and their sum are always published.
        minimum: the minimum group size.
        forced: (rows, slots + 1) cells to hide anyway, e.g. found by `audit`.

    Returns:
        (rows, slots + 1) bool, True where a count must not be published; the last column is
        the row totals (the whole audience). A hidden total hides its whole row.
    """
    table = with_totals(counts)
    hidden = is_small(table, minimum)
    if forced is not None:
        hidden |= forced & (table > 0)
    hidden = hide_rows(hidden, table)
    while True:
        grown = crossed_step(table, hidden, minimum)
        if (grown == hidden).all():
            return hidden
        hidden = grown


def crossed_step(table: np.ndarray, hidden: np.ndarray, minimum: int) -> np.ndarray:
    """One round: protect every small determined cell and widen every short line."""
    determined = determined_cells(table, hidden)
    grown = hidden.copy()
    for row, column in np.argwhere(determined & is_small(table, minimum)).tolist():
        hide_rectangle(table, grown, row, column)
    for line in short_lines(table, hidden, determined, minimum):
        widen(table, grown, determined, line)
    return hide_rows(grown, table)


def hide_rows(hidden: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Hide every cell of a row whose total is hidden (a card's baseline would show it)."""
    rows = hidden[:, -1]
    out: np.ndarray = hidden | (rows[:, None] & (table > 0))
    return out


def determined_cells(table: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Hidden non-zero cells that the published cells and margins determine exactly.

    Rows (the totals column included) and columns are the equations; hidden non-zero cells are
    edges between the two equations they take part in. A change of one hidden cell can be made
    up by the others only around a cycle, so the determined cells are the bridges.
    """
    edges = np.argwhere(hidden & (table > 0))
    rows = len(table)
    found = bridges(edges[:, 0], rows + edges[:, 1], rows + table.shape[1])
    determined = np.zeros_like(hidden)
    determined[edges[found, 0], edges[found, 1]] = True
    return determined


def short_lines(
    table: np.ndarray, hidden: np.ndarray, determined: np.ndarray, minimum: int
) -> list[tuple[str, int]]:
    """Rows and columns whose margin is known and whose unknown cells add up to a small count.

    A column whose every non-zero cell is unknown is not short: its unknown cells add up to
    the whole slot (or audience), whose size is published anyway.
    """
    unknown = hidden & ~determined & (table > 0)
    rest = np.where(unknown, table, 0)
    inner = rest[:, :-1].sum(axis=1)
    margin_known = ~unknown[:, -1]
    lines = [("row", int(row)) for row in np.flatnonzero(margin_known & is_small(inner, minimum))]
    known = (table > 0) & ~unknown
    partial = known.any(axis=0)
    for column in np.flatnonzero(partial & is_small(rest.sum(axis=0), minimum)).tolist():
        lines.append(("column", column))
    return lines


def widen(
    table: np.ndarray, hidden: np.ndarray, determined: np.ndarray, line: tuple[str, int]
) -> None:
    """Hide more of a short line: its smallest published cell, else its total, else unpin one.

    A line with no published cell left is short because some of its hidden cells are
    determined; the smallest of those gets a hypercube so that it no longer is.
    """
    kind, index = line
    width = table.shape[1] - 1
    if kind == "row":
        rows, columns = np.full(width, index), np.arange(width)
    else:
        rows, columns = np.arange(len(table)), np.full(len(table), index)
    values = table[rows, columns]
    published = np.flatnonzero((values > 0) & ~hidden[rows, columns])
    if len(published):
        chosen = published[np.argmin(values[published])]
        hidden[rows[chosen], columns[chosen]] = True
        return
    if kind == "row":
        if not hidden[index, width]:
            hidden[index, width] = True
            return
        rows, columns = np.append(rows, index), np.append(columns, width)
    pinned = np.flatnonzero(determined[rows, columns])
    if len(pinned):
        chosen = pinned[np.argmin(table[rows[pinned], columns[pinned]])]
        hide_rectangle(table, hidden, int(rows[chosen]), int(columns[chosen]))


def hide_rectangle(table: np.ndarray, hidden: np.ndarray, row: int, column: int) -> None:
    """Hide the cheapest rectangle through a cell: (row, c'), (r', column) and (r', c').

    All three must be non-zero (a known zero cannot absorb a change in both directions); the
    cost is the members the rectangle newly hides. Without any rectangle, the cell's row and
    column are hidden whole (left to the next round to check).
    """
    cost = np.where(hidden, 0, table)
    best: tuple[int, int, int] | None = None
    for other in range(table.shape[1]):
        if other == column or table[row, other] == 0:
            continue
        usable = (table[:, column] > 0) & (table[:, other] > 0)
        usable[row] = False
        if not usable.any():
            continue
        total = cost[:, column] + cost[:, other] + cost[row, other]
        candidate = int(np.flatnonzero(usable)[np.argmin(total[usable])])
        if best is None or int(total[candidate]) < best[0]:
            best = (int(total[candidate]), candidate, other)
    if best is None:
        hidden[row] |= table[row] > 0
        hidden[:, column] |= table[:, column] > 0
        return
    _, corner, other = best
    hidden[row, other] = hidden[corner, column] = hidden[corner, other] = True


def bridges(first: np.ndarray, second: np.ndarray, nodes: int) -> np.ndarray:
    """Which edges of an undirected simple graph lie on no cycle (Tarjan's bridge finding).

    Args:
        first: one end of each edge, a node number below `nodes`.
        second: the other end of each edge.
        nodes: number of nodes.

    Returns:
        bool per edge.
    """
    count = len(first)
    ends = np.concatenate([first, second]).astype(np.int64)
    order = np.argsort(ends, kind="stable")
    neighbor = np.concatenate([second, first])[order].tolist()
    edge_of = np.concatenate([np.arange(count), np.arange(count)])[order].tolist()
    start = np.searchsorted(ends[order], np.arange(nodes + 1)).tolist()
    entry, low = [-1] * nodes, [0] * nodes
    found = [False] * count
    clock = 0
    for root in range(nodes):
        if entry[root] >= 0 or start[root] == start[root + 1]:
            continue
        entry[root] = low[root] = clock
        clock += 1
        stack = [(root, -1, start[root])]
        while stack:
            node, via, index = stack[-1]
            if index < start[node + 1]:
                stack[-1] = (node, via, index + 1)
                edge, target = edge_of[index], neighbor[index]
                if edge == via:
                    continue
                if entry[target] < 0:
                    entry[target] = low[target] = clock
                    clock += 1
                    stack.append((target, edge, start[target]))
                else:
                    low[node] = min(low[node], entry[target])
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > entry[parent]:
                    found[via] = True
    return np.array(found, dtype=bool)


def suppress_rows(
    counts: np.ndarray,
    *,
    denominators: np.ndarray,
    audience: int,
    minimum: int,
    forced: np.ndarray | None = None,
) -> np.ndarray:
    """Hidden cells of a table of a many-valued attribute (a member may count in many rows).

    Rows (a value over the slots, and its audience total) are the only equations. A cell is
    sensitive when its count, or its complement in the slot (`denominators` minus the count:
    the slot's members without the value), is small; likewise a total against `audience`.
    A sensitive cell is hidden, and never alone among the hidden non-zero cells of its row;
    the hidden cells of a row with a published total add up to `minimum` or more.

    Args:
        counts: (rows, slots) distinct members of each slot with each value.
        denominators: (slots,) what each slot's shares are of (published).
        audience: what the totals' shares are of (published).
        minimum: the minimum group size.
        forced: (rows, slots + 1) cells to hide anyway.

    Returns:
        (rows, slots + 1) bool, True where a count must not be published; the last column is
        the row totals. A hidden total hides its whole row.
    """
    table = with_totals(counts)
    bounds = np.append(np.asarray(denominators, dtype=np.int64), audience)
    complement = bounds[None, :] - table
    sensitive = (is_small(table, minimum) | is_small(complement, minimum)) & (table > 0)
    hidden = sensitive.copy()
    if forced is not None:
        hidden |= forced & (table > 0)
    hidden = hide_rows(hidden, table)
    while True:
        grown = hide_rows(rows_step(table, hidden, sensitive, minimum), table)
        if (grown == hidden).all():
            return hidden
        hidden = grown


def rows_step(
    table: np.ndarray, hidden: np.ndarray, sensitive: np.ndarray, minimum: int
) -> np.ndarray:
    """One round of `suppress_rows`: widen rows with a lone sensitive cell or a small rest."""
    nonzero = hidden & (table > 0)
    lone = (nonzero.sum(axis=1) == 1) & (nonzero & sensitive).any(axis=1)
    rest = np.where(nonzero[:, :-1], table[:, :-1], 0).sum(axis=1)
    short = ~hidden[:, -1] & is_small(rest, minimum)
    grown = hidden.copy()
    for row in np.flatnonzero(lone | short).tolist():
        published = np.flatnonzero((table[row, :-1] > 0) & ~hidden[row, :-1])
        if len(published):
            grown[row, published[np.argmin(table[row, published])]] = True
        else:
            grown[row, -1] = True
    return grown


def density_shown(inside: np.ndarray, sizes: np.ndarray, *, minimum: int) -> np.ndarray:
    """Whether each slot's follow density may be published.

    The density is `inside / size`; with the size published it gives the members who follow
    another member of their slot, and those who do not: neither may be a small count.
    """
    inside = np.asarray(inside, dtype=np.int64)
    outside = np.asarray(sizes, dtype=np.int64) - inside
    shown: np.ndarray = ~is_small(inside, minimum) & ~is_small(outside, minimum)
    return shown


def release_dropped(
    dropped: dict[str, int], *, kept: int, minimum: int
) -> tuple[dict[str, int | None], int | None]:
    """The members left out of the graph, per reason, and the audience total, as published.

    The total is the kept members (always published) plus every reason: a small reason is
    hidden, then the smallest other ones until the hidden reasons add up to `minimum` or more;
    when every reason is hidden and they still add up to less, the total is hidden instead.

    Returns:
        Each reason's count or None where hidden; the total, or None where hidden.
    """
    counts = {reason: int(count) for reason, count in dropped.items()}
    hidden = {reason for reason, count in counts.items() if 0 < count < minimum}
    while 0 < sum(counts[reason] for reason in hidden) < minimum:
        left = [reason for reason, count in counts.items() if count and reason not in hidden]
        if not left:
            break
        hidden.add(min(left, key=lambda reason: (counts[reason], reason)))
    rest = sum(counts[reason] for reason in hidden)
    total = kept + sum(counts.values())
    published = {reason: None if reason in hidden else count for reason, count in counts.items()}
    return published, None if 0 < rest < minimum else total
