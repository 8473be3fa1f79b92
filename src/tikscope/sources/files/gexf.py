"""Follow edges from a GEXF file (Gephi's XML): each `<edge source=... target=...>` is a follow.

    <gexf><graph defaultedgetype="directed">
      <nodes><node id="0" label="a"><attvalues>...</attvalues></node>...</nodes>
      <edges><edge source="0" target="1"/>...</edges>
    </graph></gexf>

Edges name their ends by the nodes' `id`, so a members CSV beside the file lists those ids;
without a members CSV, the nodes are the members (`audience_files.read_graph_audience`); node
attributes (`<attvalues>`) and labels are not read. An edge's `type` (else the graph's
`defaultedgetype`, `undirected` when absent, as GEXF says) is `directed` (one follow from
`source` to `target`), `undirected` (read as one follow from `source` to `target`, and the
import says so, as for an undirected GML graph) or `mutual` (a follow each way).

Read like GraphML (`graphml`): with expat, as a stream, chunk by chunk, so every edge keeps its
line and memory stays bounded. A DTD is refused (GEXF needs none; entity expansion is how XML
files blow up memory), and so are a tag or text past `line_characters` and nodes and edges
past `rows`. Only the nodes and edges of the first `<graph>`'s `<nodes>` and `<edges>` are read
(a node's nested `<nodes>`, GEXF's hierarchy, are not members).
"""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass, field

from tikscope.errors import FileFormatError
from tikscope.sources.files.common import Origin, SourceFile, file_problem
from tikscope.sources.files.graphml import NAMESPACE_SEPARATOR, parse

EDGE_TYPES = ("directed", "undirected", "mutual")
NODE_PATH = ["gexf", "graph", "nodes", "node"]
EDGE_PATH = ["gexf", "graph", "edges", "edge"]


@dataclass(frozen=True)
class GexfEdges:
    """The follows of a GEXF file, its nodes' ids, and how many edges had no direction."""

    edges: list[tuple[str, str, Origin]]
    nodes: list[tuple[str, Origin]]
    undirected: int = 0
    mutual: int = 0


@dataclass
class GexfReader:
    """Collects the nodes and edges of a GEXF document as expat reports its elements."""

    source: SourceFile
    parser: xml.parsers.expat.XMLParserType
    edges: list[tuple[str, str, Origin]] = field(default_factory=list)
    nodes: list[tuple[str, Origin]] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    graphs: int = 0
    default_type: str = "undirected"
    undirected: int = 0
    mutual: int = 0
    event_at: int = 0
    """The byte offset of the last tag or text expat reported."""

    def start(self, name: str, attributes: dict[str, str]) -> None:
        """Handle one start tag."""
        self.seen()
        local = name.rsplit(NAMESPACE_SEPARATOR, 1)[-1]
        origin = Origin(self.source.name, self.parser.CurrentLineNumber)
        if not self.path and local != "gexf":
            raise origin.problem(f"XML whose root is <{local}>, not <gexf>")
        self.path.append(local)
        if self.path == ["gexf", "graph"]:
            self.graphs += 1
            self.default_type = self.edge_type(attributes, "defaultedgetype", "undirected", origin)
        elif self.graphs > 1:
            return
        elif self.path == NODE_PATH:
            self.node(attributes, origin)
        elif self.path == EDGE_PATH:
            self.edge(attributes, origin)

    def end(self, *_arguments: object) -> None:
        """Handle one end tag."""
        self.seen()
        self.path.pop()

    def edge_type(self, attributes: dict[str, str], name: str, default: str, origin: Origin) -> str:
        """An edge type attribute's value, or `default`; an error when it is no edge type."""
        value = attributes.get(name, default).strip()
        if value not in EDGE_TYPES:
            raise origin.problem(f"'{name}' is not directed, undirected or mutual", value=value)
        return value

    def node(self, attributes: dict[str, str], origin: Origin) -> None:
        """Record one node's id."""
        node_id = attributes.get("id", "").strip()
        if not node_id:
            raise origin.problem("a <node> without 'id'")
        self.source.budget.count_row(f"{origin.where}:{origin.line}", len(node_id))
        self.nodes.append((node_id, origin))

    def edge(self, attributes: dict[str, str], origin: Origin) -> None:
        """Record one edge as one follow, or two when it is mutual."""
        for end in ("source", "target"):
            if not attributes.get(end, "").strip():
                raise origin.problem(f"an <edge> without '{end}'")
        follower, followee = attributes["source"].strip(), attributes["target"].strip()
        kind = self.edge_type(attributes, "type", self.default_type, origin)
        self.source.budget.count_row(f"{origin.where}:{origin.line}", len(follower) + len(followee))
        self.edges.append((follower, followee, origin))
        if kind == "mutual":
            self.mutual += 1
            self.edges.append((followee, follower, origin))
        elif kind == "undirected":
            self.undirected += 1

    def seen(self, *_arguments: object) -> None:
        """Note where expat is: what it holds beyond this is one tag or text not yet complete."""
        self.event_at = self.parser.CurrentByteIndex

    def refuse_doctype(self, *_arguments: object) -> None:
        """Stop at a document type declaration."""
        line = self.parser.CurrentLineNumber
        raise file_problem(self.source.name, "has a DOCTYPE; GEXF files need none", line=line)


def read_gexf_edges(source: SourceFile) -> GexfEdges:
    """The follows of every edge, in file order, with their lines, and the nodes' ids.

    Raises:
        FileFormatError: not well-formed XML, not GEXF, a DTD, an edge without an end, a node
            without an id, or an edge type that is none; the message names the file and line.
        ImportLimitError: nodes and edges past `rows`, a tag or text past `line_characters`.
    """
    # NOTE: the encoding given here overrides the one the file declares: GEXF is read as UTF-8.
    parser = xml.parsers.expat.ParserCreate("utf-8", namespace_separator=NAMESPACE_SEPARATOR)
    reader = GexfReader(source, parser)
    parse(parser, reader)
    if not reader.graphs:
        raise no_graph(source)
    return GexfEdges(reader.edges, reader.nodes, reader.undirected, reader.mutual)


def no_graph(source: SourceFile) -> FileFormatError:
    """The error for a GEXF file without a `<graph>`."""
    return file_problem(source.name, "no <graph> in this GEXF file")
