"""A generic audience import: a members CSV plus follow edges (CSV, GraphML, GML or GEXF).

The members file has an `id` column and optionally `bio`, `age_bucket`, `gender`, `country`,
`city`, `language`, `interests` (separated by `;` or `|`) and `followed_at` (ISO). Edges go from
follower to followee (`follower`,`followee` or `source`,`target` columns; GraphML and GML
`source` -> `target`; an undirected GML or GEXF graph's edges are read the same way, and a note
says so; a GEXF `mutual` edge is a follow each way). Mapping:

- members -> `audience_members`: `member_id` = pseudonym of `id`, `member_key` 0..n-1 in the
  members file's order. Not in order of pseudonym: clustering visits members in key order, so
  keys that follow the pseudonyms would let the key file change the clusters of the same files.
- an edge to a member -> `follows` with `followee_type` `member`.
- an edge to an id not in the members file -> `outside_accounts` (`outside_key` 0..m-1 in order
  of handle, `handle` = the id as given: outside accounts are public creators, `category` None)
  and `follows` with `followee_type` `outside`.
- an edge from an id not in the members file is an error; repeated edges count once.

The import is the whole truth for the three tables, so all are in `Extract.replace`.

A GML or GEXF file alone (no members CSV) is an audience too: its nodes are the members, in the
file's order, with no attributes (`read_graph_audience`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tikscope.errors import UsageError
from tikscope.sources.files.common import Origin, SourceFile, counted, normalize_handle
from tikscope.sources.files.csv_files import CsvRow, CsvStream, open_csv
from tikscope.sources.files.dates import OUTSIDE_DAYS, is_plausible_day, parse_iso_timestamp
from tikscope.sources.files.gexf import GexfEdges, read_gexf_edges
from tikscope.sources.files.gml import GmlEdges, read_gml_edges
from tikscope.sources.files.graphml import read_graphml_edges
from tikscope.sources.records import AccountFacts, Extract, Row

MEMBER_COLUMNS = (
    "id",
    "bio",
    "age_bucket",
    "gender",
    "country",
    "city",
    "language",
    "interests",
    "followed_at",
)
REPEATING_COLUMNS = frozenset({"age_bucket", "gender", "country", "city", "language"})
"""Member columns whose few values repeat from member to member: each is kept once."""
EDGE_COLUMNS = (("follower", "followee"), ("source", "target"))
"""The two namings of an edges CSV's columns: (who follows, who is followed)."""
GENDERS = ("female", "male", "other")
AGE_BUCKET_PATTERN = re.compile(r"\d{1,2}-\d{1,2}|\d{1,2}\+")
INTEREST_SEPARATORS = re.compile(r"[;|]")
Edge = tuple[str, str, Origin, str]
"""(follower id, followee id, where, the follower column's name)."""


@dataclass(frozen=True, slots=True)
class Member:
    """A member as read: the id as given and its row (without `member_key`)."""

    raw_id: str
    row: Row


def folded_header(header: Sequence[str]) -> list[str]:
    """Header cells lower-cased and stripped, for matching column names."""
    return [cell.strip().casefold() for cell in header]


def is_members_header(header: Sequence[str]) -> bool:
    """Whether a CSV header is a members file's: it has an `id` column."""
    return "id" in folded_header(header)


def edge_columns(header: Sequence[str]) -> tuple[int, int] | None:
    """The (follower, followee) column indexes of an edges CSV header, or None."""
    folded = folded_header(header)
    for follower, followee in EDGE_COLUMNS:
        if follower in folded and followee in folded:
            return folded.index(follower), folded.index(followee)
    return None


def read_audience(
    members_file: SourceFile,
    edge_files: Sequence[tuple[SourceFile, str]],
    *,
    handle: str | None,
    pseudonymize: Callable[[str], str],
) -> Extract:
    """Members and follow edges, read into one extract that replaces the audience.

    Args:
        members_file: the members CSV.
        edge_files: each edges file with its kind, `csv`, `graphml`, `gml` or `gexf`.
        handle: the account whose audience this is; required.
        pseudonymize: turns a member id into the stored pseudonym.

    Raises:
        FileFormatError: a file is malformed, or an edge starts at a non-member.
        UsageError: `handle` is None.
    """
    if handle is None or not normalize_handle(handle):
        raise UsageError(
            "an audience import does not say whose audience it is; use --account HANDLE"
        )
    with open_csv(members_file) as table:
        members, notes = read_members(table, pseudonymize)
    keys = {member.raw_id: key for key, member in enumerate(members)}
    names = {member.raw_id: member.raw_id for member in members}
    edges: list[Edge] = []
    for source, kind in edge_files:
        edges.extend(read_edges(source, kind, names, notes))
    follows, outside, self_follows = follow_rows(edges, keys, members_file.name)
    if self_follows:
        notes.append(f"{counted(self_follows, 'edge')} from a member to itself left out")
    facts = AccountFacts(
        handle=normalize_handle(handle), account_type=None, source="audience_files"
    )
    for key, member in enumerate(members):
        member.row["member_key"] = key  # NOTE: into the row itself: a copy per member is costly
    tables = {
        "audience_members": [member.row for member in members],
        "follows": follows,
        "outside_accounts": outside,
    }
    return Extract(account=facts, tables=tables, replace=frozenset(tables), notes=tuple(notes))


def read_graph_audience(
    source: SourceFile, kind: str, *, handle: str | None, pseudonymize: Callable[[str], str]
) -> Extract:
    """A GML or GEXF file (`kind`) read alone: its nodes are the members, its edges the follows.

    Raises:
        FileFormatError: the file is malformed, a node id appears twice, or an edge starts at
            an id that is no node.
        UsageError: `handle` is None.
    """
    if handle is None or not normalize_handle(handle):
        raise UsageError(
            "an audience import does not say whose audience it is; use --account HANDLE"
        )
    found = read_gml_edges(source) if kind == "gml" else read_gexf_edges(source)
    seen: dict[str, int] = {}
    members = []
    for raw_id, origin in found.nodes:
        if raw_id in seen:
            raise origin.problem(f"node id appears twice (first on line {seen[raw_id]})",
                                 value=raw_id)  # fmt: skip
        seen[raw_id] = origin.line
        row: Row = dict.fromkeys(MEMBER_COLUMNS[1:])
        row["member_id"] = pseudonymize(raw_id)
        members.append(Member(raw_id, row))
    notes = [f"{source.name}: no members CSV; the {counted(len(members), 'node')} are the members"]
    names = {member.raw_id: member.raw_id for member in members}
    edges = read_edges(source, kind, names, notes, read=found)
    keys = {member.raw_id: key for key, member in enumerate(members)}
    follows, outside, self_follows = follow_rows(edges, keys, f"{source.name}'s nodes")
    if self_follows:
        notes.append(f"{counted(self_follows, 'edge')} from a member to itself left out")
    for key, member in enumerate(members):
        member.row["member_key"] = key
    tables = {
        "audience_members": [member.row for member in members],
        "follows": follows,
        "outside_accounts": outside,
    }
    facts = AccountFacts(
        handle=normalize_handle(handle), account_type=None, source="audience_files"
    )
    return Extract(account=facts, tables=tables, replace=frozenset(tables), notes=tuple(notes))


def read_members(
    table: CsvStream, pseudonymize: Callable[[str], str]
) -> tuple[list[Member], list[str]]:
    """The members of a members CSV, in the file's order, and notes on ignored columns."""
    folded = folded_header(table.header)
    columns = {name: folded.index(name) for name in MEMBER_COLUMNS if name in folded}
    ignored = [cell for cell, name in zip(table.header, folded, strict=True) if name not in columns]
    notes = [f"{table.source.name}: column '{cell}' ignored" for cell in ignored]
    seen: dict[str, int] = {}
    shared: dict[str, str] = {}
    members = []
    for row in table.rows:
        member = read_member(row, columns, table.header, pseudonymize, shared)
        if member.raw_id in seen:
            raise row.origin.problem(
                f"id appears twice (first on line {seen[member.raw_id]})",
                column=table.header[columns["id"]],
                value=member.raw_id,
            )
        seen[member.raw_id] = row.origin.line
        members.append(member)
    return members, notes


def read_member(
    row: CsvRow,
    columns: dict[str, int],
    header: Sequence[str],
    pseudonymize: Callable[[str], str],
    shared: dict[str, str],
) -> Member:
    """One member row, validated; `columns` maps a member column to its index in `header`.

    Values that repeat (a country, an interest) are kept once: `shared` maps each to its copy.
    """

    def cell(name: str) -> str | None:
        value = row.cells[columns[name]].strip() if name in columns else ""
        if name in REPEATING_COLUMNS:
            value = shared.setdefault(value, value)
        return value or None

    def column(name: str) -> str:
        return header[columns[name]] if name in columns else name

    raw_id = cell("id")
    if raw_id is None:
        raise row.origin.problem("empty id", column=column("id"))
    values: Row = {"member_id": pseudonymize(raw_id)}
    values["bio"] = (row.cells[columns["bio"]] or None) if "bio" in columns else None
    values["age_bucket"] = checked(
        row,
        column("age_bucket"),
        cell("age_bucket"),
        AGE_BUCKET_PATTERN.fullmatch,
        "not an age bucket like 18-24 or 55+",
    )
    gender = cell("gender")
    values["gender"] = checked(
        row,
        column("gender"),
        gender and shared.setdefault(gender.casefold(), gender.casefold()),
        GENDERS.__contains__,
        "not female, male or other",
        shown=gender,
    )
    for name in ("country", "city", "language"):
        values[name] = cell(name)
    interests = cell("interests")
    parts = [
        shared.setdefault(part.strip(), part.strip())
        for part in INTEREST_SEPARATORS.split(interests or "")
        if part.strip()
    ]
    values["interests"] = parts or None
    followed_at = cell("followed_at")
    moment = parse_iso_timestamp(followed_at) if followed_at else None
    if followed_at and moment is None:
        raise row.origin.problem(
            "not an ISO date or date-time", column=column("followed_at"), value=followed_at
        )
    if moment is not None and not is_plausible_day(moment.date()):
        raise row.origin.problem(OUTSIDE_DAYS, column=column("followed_at"), value=followed_at)
    values["followed_at"] = moment
    return Member(raw_id, values)


def checked(
    row: CsvRow,
    column: str,
    value: str | None,
    accept: Callable[[str], object],
    what: str,
    *,
    shown: str | None = None,
) -> str | None:
    """`value` when it is None or `accept` takes it; else an error naming the column."""
    if value is not None and not accept(value):
        raise row.origin.problem(what, column=column, value=shown or value)
    return value


def read_edges(
    source: SourceFile,
    kind: str,
    names: dict[str, str],
    notes: list[str],
    *,
    read: GmlEdges | GexfEdges | None = None,
) -> list[Edge]:
    """The edges of one edges file, as (follower, followee, origin, follower column).

    Each id is stored once: `names` maps an id to the one string that stands for it. A note on
    how the file was read (an undirected GML or GEXF graph, GEXF's mutual edges) goes into
    `notes`. `read` is a GML or GEXF file already read.
    """
    if kind == "gml":
        gml = read if isinstance(read, GmlEdges) else read_gml_edges(source)
        if not gml.directed and gml.edges:
            notes.append(
                f"{source.name}: an undirected graph; each of its "
                f"{counted(len(gml.edges), 'edge')} read as one follow from source to target"
            )
        return named(gml.edges, names)
    if kind == "gexf":
        gexf = read if isinstance(read, GexfEdges) else read_gexf_edges(source)
        if gexf.undirected:
            notes.append(
                f"{source.name}: {counted(gexf.undirected, 'undirected edge')}; each read as "
                "one follow from source to target"
            )
        if gexf.mutual:
            notes.append(
                f"{source.name}: {counted(gexf.mutual, 'mutual edge')}; each read as a follow "
                "each way"
            )
        return named(gexf.edges, names)
    if kind == "graphml":
        return named(read_graphml_edges(source), names)
    with open_csv(source) as table:
        found = edge_columns(table.header)
        assert found is not None, "an edges file is detected by its header"
        follower_index, followee_index = found
        edges = []
        for row in table.rows:
            follower = row.cells[follower_index].strip()
            followee = row.cells[followee_index].strip()
            for index, value in ((follower_index, follower), (followee_index, followee)):
                if not value:
                    raise row.origin.problem("empty", column=table.header[index])
            follower, followee = (
                names.setdefault(follower, follower),
                names.setdefault(followee, followee),
            )
            edges.append((follower, followee, row.origin, table.header[follower_index]))
    return edges


def named(found: Sequence[tuple[str, str, Origin]], names: dict[str, str]) -> list[Edge]:
    """A graph file's edges with each id stored once (`names`), the follower column `source`."""
    return [
        (names.setdefault(follower, follower), names.setdefault(followee, followee), origin,
         "source")
        for follower, followee, origin in found
    ]  # fmt: skip


def follow_rows(
    edges: Sequence[Edge], keys: dict[str, int], members_name: str
) -> tuple[list[Row], list[Row], int]:
    """`follows` and `outside_accounts` rows, and how many self-follows were left out."""
    for follower, _, origin, column in edges:
        if follower not in keys:
            raise origin.problem(f"not a member in {members_name}", column=column, value=follower)
    outside_handles = sorted({followee for _, followee, _, _ in edges if followee not in keys})
    outside_keys = {account: key for key, account in enumerate(outside_handles)}
    follows: set[tuple[int, int, str]] = set()
    self_follows = 0
    for follower, followee, _, _ in edges:
        if follower == followee:
            self_follows += 1
        elif followee in keys:
            follows.add((keys[follower], keys[followee], "member"))
        else:
            follows.add((keys[follower], outside_keys[followee], "outside"))
    follow_list = [
        {"follower_key": follower, "followee_key": followee, "followee_type": kind}
        for follower, followee, kind in sorted(follows)
    ]
    outside = [
        {"outside_key": key, "handle": account, "category": None}
        for account, key in outside_keys.items()
    ]
    return follow_list, outside, self_follows
