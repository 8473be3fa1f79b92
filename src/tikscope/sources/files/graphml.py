"""Follow edges from a GraphML file: each directed `<edge source=... target=...>` is one follow.

Read with expat as a stream, chunk by chunk, so every edge keeps its line for messages and
memory stays bounded. Documents with a DTD are refused: GraphML needs none, and entity
expansion is how XML files blow up memory. A tag or text longer than `line_characters` (expat
holds one whole) and edges past the import's `rows` are refused too.
"""

from __future__ import annotations

import xml.parsers.expat
from dataclasses import dataclass, field
from typing import Protocol

from tikscope.errors import FileFormatError
from tikscope.sources.files.common import Origin, SourceFile, file_problem, unknown_kind
from tikscope.sources.files.reading import open_binary

NAMESPACE_SEPARATOR = " "


class RootSeen(Exception):
    """Stops a parse that only checks the root element."""


XML_GRAPH_ROOTS = ("graphml", "gexf")
"""The roots of the XML graph files tikscope reads: GraphML, and GEXF (`gexf`)."""


class Fed(Protocol):
    """What `feed` needs of a reader: its file, and where expat last reported an event."""

    source: SourceFile
    event_at: int


class XmlReader(Fed, Protocol):
    """What `parse` wires to expat: a reader's element, text and DTD handlers."""

    def start(self, name: str, attributes: dict[str, str]) -> None:
        """An element opens."""

    def end(self, *_arguments: object) -> None:
        """An element closes."""

    def seen(self, *_arguments: object) -> None:
        """Text was read."""

    def refuse_doctype(self, *_arguments: object) -> None:
        """A document type declaration was read."""


@dataclass
class GraphmlReader:
    """Collects the edges of a GraphML document as expat reports its elements."""

    source: SourceFile
    parser: xml.parsers.expat.XMLParserType
    edges: list[tuple[str, str, Origin]] = field(default_factory=list)
    root: str | None = None
    directed_default: bool = True
    root_only: bool = False
    roots: tuple[str, ...] = ("graphml",)
    event_at: int = 0
    """The byte offset of the last tag or text expat reported."""

    def start(self, name: str, attributes: dict[str, str]) -> None:
        """Handle one start tag."""
        self.seen()
        local = name.rsplit(NAMESPACE_SEPARATOR, 1)[-1]
        line = self.parser.CurrentLineNumber
        if self.root is None:
            self.root = local
            if local not in self.roots:
                wanted = " or ".join(f"<{root}>" for root in self.roots)
                self.fail(
                    unknown_kind(self.source.name, f"XML whose root is <{local}>, not {wanted}")
                )
            if self.root_only:
                raise RootSeen
        elif local == "graph":
            self.directed_default = attributes.get("edgedefault", "directed") == "directed"
        elif local == "edge":
            self.edge(attributes, Origin(self.source.name, line))

    def edge(self, attributes: dict[str, str], origin: Origin) -> None:
        """Record one edge, or fail when it has no ends or no direction."""
        directed = attributes.get("directed")
        if directed == "false" or (directed is None and not self.directed_default):
            self.fail(
                origin.problem(
                    'an undirected edge: follows need a direction (edgedefault="directed")'
                )
            )
        for end in ("source", "target"):
            if not attributes.get(end, "").strip():
                self.fail(origin.problem(f"an <edge> without '{end}'"))
        follower, followee = attributes["source"].strip(), attributes["target"].strip()
        self.source.budget.count_row(f"{origin.where}:{origin.line}", len(follower) + len(followee))
        self.edges.append((follower, followee, origin))

    def seen(self, *_arguments: object) -> None:
        """Note where expat is: what it holds beyond this is one tag or text not yet complete."""
        self.event_at = self.parser.CurrentByteIndex

    def end(self, *arguments: object) -> None:
        """An element closes: only where the parser is matters."""
        self.seen(*arguments)

    def refuse_doctype(self, *_arguments: object) -> None:
        """Stop at a document type declaration."""
        line = self.parser.CurrentLineNumber
        kinds = " and ".join({"graphml": "GraphML", "gexf": "GEXF"}[root] for root in self.roots)
        self.fail(
            file_problem(self.source.name, f"has a DOCTYPE; {kinds} files need none", line=line)
        )

    def fail(self, problem: FileFormatError) -> None:
        """Stop parsing with `problem` (it leaves expat's `Parse` as it is)."""
        raise problem


def xml_graph_kind(source: SourceFile) -> str:
    """`graphml` or `gexf`: an XML file's root element, reading no further.

    Raises:
        FileFormatError: the file is not XML, has a DTD, or its root is another element.
    """
    parser = xml.parsers.expat.ParserCreate("utf-8", namespace_separator=NAMESPACE_SEPARATOR)
    reader = GraphmlReader(source, parser, root_only=True, roots=XML_GRAPH_ROOTS)
    parse(parser, reader)
    assert reader.root is not None, "a root element was seen"
    return reader.root


def read_graphml_edges(source: SourceFile) -> list[tuple[str, str, Origin]]:
    """The (source, target) node ids of every edge, in file order, with their lines.

    Raises:
        FileFormatError: not well-formed XML, not GraphML, a DTD, or an undirected edge.
    """
    # NOTE: the encoding given here overrides the one the file declares: GraphML is read as UTF-8.
    parser = xml.parsers.expat.ParserCreate("utf-8", namespace_separator=NAMESPACE_SEPARATOR)
    reader = GraphmlReader(source, parser)
    parse(parser, reader)
    if reader.root is None:
        raise file_problem(source.name, "no <graphml> element")
    return reader.edges


def parse(parser: xml.parsers.expat.XMLParserType, reader: XmlReader) -> None:
    """Run `reader` over its file: DTDs refused, errors named with the file and line."""
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.seen
    parser.StartDoctypeDeclHandler = reader.refuse_doctype
    parser.EntityDeclHandler = reader.refuse_doctype
    guarded(parser, reader)


def guarded(parser: xml.parsers.expat.XMLParserType, reader: Fed) -> None:
    """`feed`, with expat's and the decoder's errors turned into a file problem."""
    source = reader.source
    try:
        feed(parser, reader)
    except xml.parsers.expat.ExpatError as error:
        message = xml.parsers.expat.ErrorString(error.code)
        raise file_problem(
            source.name, f"not well-formed XML: {message}", line=error.lineno
        ) from None
    except (LookupError, ValueError) as error:
        raise file_problem(source.name, f"not readable XML ({error})") from None
    except RootSeen:
        return


def feed(parser: xml.parsers.expat.XMLParserType, reader: Fed) -> None:
    """Give the file to expat chunk by chunk, refusing a tag or text past `line_characters`."""
    source = reader.source
    with open_binary(source) as stream:
        while chunk := stream.read():
            parser.Parse(chunk, False)
            if stream.position - reader.event_at > source.limits.line_characters:
                raise source.budget.refuse(
                    source.name, "has a tag or text longer than", "line_characters"
                )
        parser.Parse(b"", True)


def looks_like_graphml(head: bytes) -> bool:
    """Whether a file whose first bytes are `head` starts like XML (its root is checked later)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"<")
