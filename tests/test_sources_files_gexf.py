"""GEXF edges files (Gephi's XML): beside a members CSV, alone, malformed and hostile."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from tikscope.config import ImportLimits
from tikscope.errors import FileFormatError, ImportLimitError, UsageError
from tikscope.sources.files import read_files
from tikscope.sources.files.common import KNOWN_KINDS
from tikscope.sources.records import Extract

FIXTURES = Path(__file__).parent / "fixtures" / "files"
GEXF = FIXTURES / "gexf"
TODAY = date(2026, 5, 2)


def read(path: Path, *, handle: str | None = "casa_verde_shop", **limits: int) -> list[Extract]:
    return read_files(
        path,
        handle=handle,
        today=TODAY,
        pseudonymize=lambda name: f"p_{name}",
        limits=ImportLimits(**limits),
    )


def problem(path: Path, **limits: int) -> str:
    with pytest.raises(FileFormatError) as raised:
        read(path, **limits)
    return str(raised.value)


def test_read_files_reads_gexf_edges_beside_a_members_csv_as_graphml_and_gml() -> None:
    [gexf] = read(FIXTURES / "audience_gexf")
    [gml] = read(FIXTURES / "audience_gml")

    assert gexf.tables == gml.tables
    assert len(gexf.tables["follows"]) == 5
    assert gexf.notes == ()


def test_read_files_reads_a_gexf_file_alone_with_its_nodes_as_members() -> None:
    path = GEXF / "undirected.gexf"

    [extract] = read(path)

    assert [row["member_id"] for row in extract.tables["audience_members"]] == [
        "p_0",
        "p_1",
        "p_2",
    ]
    assert extract.tables["follows"] == [
        {"follower_key": 0, "followee_key": 1, "followee_type": "member"},
        {"follower_key": 1, "followee_key": 2, "followee_type": "member"},
        {"follower_key": 2, "followee_key": 0, "followee_type": "member"},
        {"follower_key": 2, "followee_key": 1, "followee_type": "member"},
    ]
    assert extract.tables["outside_accounts"] == []
    assert extract.notes == (
        f"{path}: no members CSV; the 3 nodes are the members",
        f"{path}: 2 undirected edges; each read as one follow from source to target",
        f"{path}: 1 mutual edge; each read as a follow each way",
    )


def test_read_files_reads_a_directed_gexf_alone_without_notes_on_direction(
    tmp_path: Path,
) -> None:
    path = tmp_path / "g.gexf"
    shutil.copy(FIXTURES / "audience_gexf" / "follows.gexf", path)

    [extract] = read(path)

    assert len(extract.tables["audience_members"]) == 3
    assert extract.tables["outside_accounts"] == [
        {"outside_key": 0, "handle": "garden.diaries", "category": None},
        {"outside_key": 1, "handle": "ikea", "category": None},
    ]
    assert extract.notes == (f"{path}: no members CSV; the 3 nodes are the members",)


def test_read_files_asks_whose_audience_a_gexf_file_is() -> None:
    with pytest.raises(UsageError, match="--account HANDLE"):
        read(GEXF / "undirected.gexf", handle=None)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed.gexf", "malformed.gexf:10: an <edge> without 'target'"),
        ("entity_bomb.gexf", "entity_bomb.gexf:2: has a DOCTYPE; GraphML and GEXF files need none"),
        ("undefined_entity.gexf", "undefined_entity.gexf:5: not well-formed XML: undefined entity"),
    ],
)
def test_read_files_names_the_line_of_a_bad_or_hostile_gexf_file(name: str, message: str) -> None:
    assert problem(GEXF / name) == f"{GEXF / message}"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "g.gexf"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('<graph>\n<nodes><node label="x"/></nodes>\n</graph>', ":3: a <node> without 'id'"),
        (
            '<graph defaultedgetype="sideways">\n</graph>',
            ":2: 'defaultedgetype' is not directed, undirected or mutual (got 'sideways')",
        ),
        (
            '<graph>\n<nodes><node id="a"/></nodes><edges>\n<edge source="a" target="a" '
            'type="both"/></edges>\n</graph>',
            ":4: 'type' is not directed, undirected or mutual (got 'both')",
        ),
        ('<graph>\n<nodes><node id="a"/>\n</graph>', ":4: not well-formed XML: mismatched tag"),
        ("<meta/>", ": no <graph> in this GEXF file"),
    ],
)
def test_read_files_names_the_line_of_a_bad_gexf_element(
    tmp_path: Path, body: str, message: str
) -> None:
    path = write(tmp_path, f'<?xml version="1.0"?>\n<gexf version="1.3">{body}</gexf>\n')
    assert problem(path) == f"{path}{message}"


def test_read_files_names_an_edge_from_a_node_not_a_member(tmp_path: Path) -> None:
    (tmp_path / "members.csv").write_text("id\na\n", encoding="utf-8")
    path = write(
        tmp_path,
        '<gexf><graph defaultedgetype="directed"><edges>\n<edge source="a" target="z"/>\n'
        '<edge source="z" target="a"/>\n</edges></graph></gexf>',
    )
    assert problem(tmp_path) == (
        f"{path}:3: column 'source': not a member in {tmp_path / 'members.csv'} (got 'z')"
    )


def test_read_files_says_which_xml_roots_it_reads(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text("<rss><channel/></rss>", encoding="utf-8")
    assert problem(path) == (
        f"{path}: not a file tikscope can import (XML whose root is <rss>, not <graphml> or "
        f"<gexf>); {KNOWN_KINDS}"
    )


def test_read_files_holds_gexf_to_the_import_limits(tmp_path: Path) -> None:
    nodes = "".join(f'<node id="{n}"/>\n' for n in range(3))
    edges = "".join(f'<edge source="0" target="{n % 3}"/>\n' for n in range(1, 40))
    path = write(
        tmp_path,
        f'<gexf><graph defaultedgetype="directed">\n<nodes>\n{nodes}</nodes>\n<edges>\n{edges}'
        "</edges></graph></gexf>\n",
    )

    with pytest.raises(ImportLimitError, match="past the import limit rows"):
        read(path, rows=20)
    path.write_text(
        f'<gexf><graph><nodes><node id="a" label="{"x" * 200_000}"/></nodes></graph></gexf>',
        encoding="utf-8",
    )
    with pytest.raises(ImportLimitError, match="longer than the import limit line_characters"):
        read(path, line_characters=100_000)
