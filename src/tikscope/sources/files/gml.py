"""Follow edges from a GML file: each `edge [ source S target T ]` is one follow from S to T.

GML (Graph Modelling Language) is what Gephi, igraph and many published data sets write.
GML is keys and values, a value being a number, a "string" or a list in brackets:

    graph [ directed 1 node [ id 0 label "a" ] edge [ source 0 target 1 ] ]

Edges name their ends by the nodes' `id`, so a members CSV beside the file lists those ids;
without a members CSV, the nodes are the members (`audience_files.read_graph_audience`). A graph
without `directed 1` is undirected (GML's default): each edge is then read as one follow
from `source` to `target`, and the import says so (the clustering treats the graph as
undirected anyway, and reads no follows back from a list that has none; see `audience.graph`).

Read as a stream, line by line (`reading.open_lines`), so every edge keeps its line for
messages and memory stays bounded: a line or string past `line_characters`, lists nested past
`json_depth` and edges past `rows` are refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tikscope.sources.files.common import Origin, SourceFile, file_problem
from tikscope.sources.files.reading import open_lines

TOKEN = re.compile(r'\s+|#[^\r\n]*|\[|\]|"[^"]*"|"[^"]*$|[^\s\[\]"#]+')
KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
START = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:\s|#[^\n]*\n)*[A-Za-z_]\w*[ \t\r\n]")
GRAPH = re.compile(rb"(?:^|\s)graph\s*\[")


@dataclass(frozen=True)
class GmlEdges:
    """The edges of a GML file, whether its graph is directed, and its nodes' ids."""

    edges: list[tuple[str, str, Origin]]
    directed: bool
    nodes: list[tuple[str, Origin]] = field(default_factory=list)


def looks_like_gml(head: bytes) -> bool:
    """Whether a file whose first bytes are `head` starts like GML: a key, and a `graph [`."""
    return START.match(head) is not None and GRAPH.search(head) is not None


@dataclass
class Token:
    """One GML token and the line it starts on."""

    text: str
    line: int


def tokens(source: SourceFile) -> Iterator[Token]:
    """The tokens of a GML file; comments and white space left out.

    Raises:
        FileFormatError: a string with no closing quote (named with the line it starts on).
        ImportLimitError: a line, or a string across lines, past `line_characters`.
    """
    limit = source.limits.line_characters
    with open_lines(source) as lines:
        pending: Token | None = None  # a string not yet closed, and where it started
        for number, line in enumerate(lines, start=1):
            lines.mark()
            at = 0
            if pending is not None:
                end = line.find('"')
                if end < 0:
                    pending.text += line
                    if len(pending.text) > limit:
                        raise lines.too_long()
                    continue
                pending.text += line[: end + 1]
                yield pending
                pending, at = None, end + 1
            for match in TOKEN.finditer(line, at):
                text = match.group()
                if text[0].isspace() or text[0] == "#":
                    continue
                if text[0] == '"' and (len(text) == 1 or not text.endswith('"')):
                    pending = Token(text, number)
                    break
                yield Token(text, number)
        if pending is not None:
            raise file_problem(source.name, "a string with no closing quote", line=pending.line)


@dataclass
class Frame:
    """A list being read: its key, the line it opened on, and what a node or edge list holds."""

    key: str
    line: int
    ends: dict[str, str] = field(default_factory=dict)
    node_id: str | None = None


def read_gml_edges(source: SourceFile) -> GmlEdges:
    """The (source, target) node ids of every edge, in file order, with their lines.

    Raises:
        FileFormatError: not GML (a value without a key, unbalanced brackets, no `graph`), or
            an edge without a source or a target; the message names the file and line.
        ImportLimitError: edges past `rows`, nesting past `json_depth`, a line past
            `line_characters`.
    """
    stack: list[Frame] = []
    edges: list[tuple[str, str, Origin]] = []
    nodes: list[tuple[str, Origin]] = []
    directed: bool | None = None
    graphs = 0
    key: Token | None = None
    for token in tokens(source):
        if key is None:
            if token.text == "]":
                if not stack:
                    raise file_problem(source.name, "a ']' that closes no list", line=token.line)
                closed = stack.pop()
                if [frame.key for frame in stack] == ["graph"] and closed.key == "edge":
                    edges.append(edge_of(source, closed))
                elif [frame.key for frame in stack] == ["graph"] and closed.key == "node":
                    nodes.append(node_of(source, closed))
                continue
            if KEY.fullmatch(token.text) is None:
                raise file_problem(
                    source.name, "not GML: expected a key", line=token.line, value=token.text
                )
            key = token
            continue
        if token.text == "]":
            raise file_problem(
                source.name, f"not GML: the key '{key.text}' has no value", line=key.line
            )
        if token.text == "[":
            if len(stack) >= source.limits.json_depth:
                raise source.budget.refuse(
                    f"{source.name}:{token.line}", "nests lists deeper than", "json_depth"
                )
            stack.append(Frame(key.text, key.line))
            graphs += [frame.key for frame in stack] == ["graph"]
        else:
            path = [frame.key for frame in stack]
            if path == ["graph", "edge"] and key.text in ("source", "target"):
                stack[-1].ends[key.text] = token.text.strip('"').strip()
            elif path == ["graph", "node"] and key.text == "id":
                stack[-1].node_id = token.text.strip('"').strip()
            elif path == ["graph"] and key.text == "directed":
                directed = token.text.strip('"') == "1"
        key = None
    if key is not None:
        raise file_problem(
            source.name, f"not GML: the key '{key.text}' has no value", line=key.line
        )
    if stack:
        frame = stack[-1]
        raise file_problem(
            source.name, f"the list '{frame.key} [' is never closed", line=frame.line
        )
    if not graphs:
        raise file_problem(source.name, "no 'graph [ ... ]' in this GML file")
    return GmlEdges(edges, bool(directed), nodes)


def edge_of(source: SourceFile, frame: Frame) -> tuple[str, str, Origin]:
    """One edge list's (source, target, origin), counted as a row of the import."""
    origin = Origin(source.name, frame.line)
    for end in ("source", "target"):
        if not frame.ends.get(end):
            raise origin.problem(f"an edge without '{end}'")
    follower, followee = frame.ends["source"], frame.ends["target"]
    source.budget.count_row(f"{origin.where}:{origin.line}", len(follower) + len(followee))
    return follower, followee, origin


def node_of(source: SourceFile, frame: Frame) -> tuple[str, Origin]:
    """One node list's id and origin, counted as a row of the import."""
    origin = Origin(source.name, frame.line)
    if not frame.node_id:
        raise origin.problem("a node without 'id'")
    source.budget.count_row(f"{origin.where}:{origin.line}", len(frame.node_id))
    return frame.node_id, origin
