"""GML edges files and the archive's TXT lists (Follower.txt, Following.txt)."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from tikscope.config import ImportLimits
from tikscope.errors import FileFormatError, ImportLimitError, UsageError
from tikscope.sources.files import read_files
from tikscope.sources.records import AccountFacts, Extract

TODAY = date(2026, 5, 2)
GML = """Creator "Gephi"
# a comment line
graph
[
  directed 1
  node [ id 0 label "plantlover22" graphics [ x 1.5 y -2 ] ]
  node [ id 1 label "leo grows" ]
  node
  [
    id 2
    label "a label
    on two lines"
  ]
  edge [ source 0 target 1 weight 1.0 ]
  edge [ source 1 target 0 ]
  edge
  [
    source 2
    target 0
  ]
  edge [ source 2 target 99 ]
]
"""


def read(path: Path, *, handle: str | None = "casa_verde_shop", **limits: int) -> list[Extract]:
    return read_files(
        path,
        handle=handle,
        today=TODAY,
        pseudonymize=lambda name: f"p_{name}",
        limits=ImportLimits(**limits),
    )


def audience(tmp_path: Path, gml: str) -> Path:
    (tmp_path / "members.csv").write_text("id\n0\n1\n2\n", encoding="utf-8")
    (tmp_path / "graph.gml").write_text(gml, encoding="utf-8")
    return tmp_path


def test_read_files_reads_gml_edges_beside_a_members_csv(tmp_path: Path) -> None:
    [extract] = read(audience(tmp_path, GML))

    assert extract.tables["follows"] == [
        {"follower_key": 0, "followee_key": 1, "followee_type": "member"},
        {"follower_key": 1, "followee_key": 0, "followee_type": "member"},
        {"follower_key": 2, "followee_key": 0, "followee_type": "member"},
        {"follower_key": 2, "followee_key": 0, "followee_type": "outside"},
    ]
    assert extract.tables["outside_accounts"] == [
        {"outside_key": 0, "handle": "99", "category": None}
    ]
    assert extract.notes == ()


def test_read_files_reads_an_undirected_gml_graph_and_says_how(tmp_path: Path) -> None:
    [extract] = read(audience(tmp_path, GML.replace("directed 1", "directed 0")))

    assert len(extract.tables["follows"]) == 4
    assert extract.notes == (
        f"{tmp_path / 'graph.gml'}: an undirected graph; each of its 4 edges read as one follow "
        "from source to target",
    )


@pytest.mark.parametrize(
    ("gml", "message"),
    [
        ("graph [\n  edge [ target 1 ]\n]\n", "graph.gml:2: an edge without 'source'"),
        ("graph [\n  edge [ source 1 target 2 ]\n", "graph.gml:1: the list 'graph [' is never"),
        ("graph [\n edge [ source 0 target 1 ] ]\n]\n", "graph.gml:3: a ']' that closes no list"),
        ('graph [\n  label "open\n]\n', "graph.gml:2: a string with no closing quote"),
        ("graph [\n  1 2\n]\n", "graph.gml:2: not GML: expected a key (got '1')"),
        ("graph [\n  edge [ source ]\n]\n", "graph.gml:2: not GML: the key 'source' has no value"),
    ],
)
def test_read_files_names_the_line_of_a_bad_gml_file(
    tmp_path: Path, gml: str, message: str
) -> None:
    with pytest.raises(FileFormatError) as raised:
        read(audience(tmp_path, gml))
    assert str(raised.value).startswith(f"{tmp_path / message}")


def test_read_files_holds_gml_to_the_import_limits(tmp_path: Path) -> None:
    edges = "".join(f"  edge [ source 0 target {n % 3} ]\n" for n in range(1, 40))
    deep = "graph [\n" + "a [\n" * 40 + "]\n" * 40 + "]\n"

    with pytest.raises(ImportLimitError, match="past the import limit rows"):
        read(audience(tmp_path, f"graph [\n{edges}]\n"), rows=20)
    with pytest.raises(ImportLimitError, match="deeper than the import limit json_depth"):
        read(audience(tmp_path, deep))


FOLLOWERS = """Date: 2026-04-30 18:22:10
Username: plantlover22

Date: 2026-04-29 09:01:55
Username: leo.grows

Date: 2026-04-28 09:01:55
Username: PlantLover22
"""
FOLLOWING = "Date: 2025-11-02 12:00:00\nUsername: garden.diaries\n"


def test_read_files_reads_the_archive_txt_lists(tmp_path: Path) -> None:
    folder = tmp_path / "TikTok_Data" / "Activity"
    folder.mkdir(parents=True)
    (folder / "Follower.txt").write_text(FOLLOWERS, encoding="utf-8")
    (folder / "Following List.txt").write_text(FOLLOWING, encoding="utf-8")

    [extract] = read(tmp_path)

    assert extract == Extract(
        account=AccountFacts("casa_verde_shop", None, "data_archive"),
        tables={
            "audience_members": [
                {"member_key": 0, "member_id": "p_plantlover22",
                 "followed_at": datetime(2026, 4, 28, 9, 1, 55)},
                {"member_key": 1, "member_id": "p_leo.grows",
                 "followed_at": datetime(2026, 4, 29, 9, 1, 55)},
            ],
            "following": [
                {"handle": "garden.diaries", "followed_at": datetime(2025, 11, 2, 12)}
            ],
        },
        replace=frozenset({"audience_members", "following"}),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Date: 2026-04-30\nUsername: ab\n\nUsername cd\n", "Follower.txt:4: not a 'Key: value'"),
        ("Date: 2026-04-30\n\nDate: 2026-04-29\n", "Follower.txt:1: a block without 'Username'"),
        ("Date: yesterday\nUsername: ab\n", "Follower.txt:1: Date: not a date like"),
        ("Username: ab\nUsername: cd\n", "Follower.txt:2: 'Username' twice in one block"),
        ("Username: not a handle!\n", "Follower.txt:1: Username: not a TikTok handle"),
    ],
)
def test_read_files_names_the_line_of_a_bad_txt_list(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "Follower.txt").write_text(text, encoding="utf-8")
    with pytest.raises(FileFormatError) as raised:
        read(tmp_path)
    assert str(raised.value).startswith(f"{tmp_path / message}")


def test_read_files_txt_lists_need_a_known_name_and_the_account(tmp_path: Path) -> None:
    (tmp_path / "list.txt").write_text(FOLLOWING, encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"name it Follower\.txt or Following\.txt"):
        read(tmp_path / "list.txt")
    (tmp_path / "list.txt").rename(tmp_path / "Following.txt")
    with pytest.raises(UsageError, match="do not name the account; use --account HANDLE"):
        read(tmp_path, handle=None)
    with pytest.raises(ImportLimitError, match="past the import limit rows"):
        (tmp_path / "Follower.txt").write_text("\n".join([FOLLOWERS] * 5), encoding="utf-8")
        read(tmp_path, rows=10)


def test_read_files_reads_a_gml_file_alone_with_its_nodes_as_members(tmp_path: Path) -> None:
    (tmp_path / "graph.gml").write_text(GML, encoding="utf-8")

    [extract] = read(tmp_path / "graph.gml")

    members = extract.tables["audience_members"]
    assert [(row["member_key"], row["member_id"]) for row in members] == [
        (0, "p_0"),
        (1, "p_1"),
        (2, "p_2"),
    ]
    assert all(row["bio"] is None and row["interests"] is None for row in members)
    assert len(extract.tables["follows"]) == 4
    assert extract.notes == (
        f"{tmp_path / 'graph.gml'}: no members CSV; the 3 nodes are the members",
    )


@pytest.mark.parametrize(
    ("gml", "message"),
    [
        ("graph [\n node [ id 1 ]\n node [ id 1 ]\n]\n", "graph.gml:3: node id appears twice"),
        ('graph [\n node [ label "x" ]\n]\n', "graph.gml:2: a node without 'id'"),
        ("graph [\n node [ id 1 ]\n edge [ source 2 target 1 ]\n]\n", "graph.gml:3: column"),
    ],
)
def test_read_files_names_the_line_of_a_bad_gml_file_alone(
    tmp_path: Path, gml: str, message: str
) -> None:
    (tmp_path / "graph.gml").write_text(gml, encoding="utf-8")
    with pytest.raises(FileFormatError) as raised:
        read(tmp_path)
    assert str(raised.value).startswith(f"{tmp_path / message}")


def test_read_files_refuses_a_zip_entry_without_a_name(tmp_path: Path) -> None:
    # Found by the fuzzing of Studio zips: zipfile's `is_dir` fails on an empty name.
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as archive:
        archive.writestr(zipfile.ZipInfo(""), b"hello")
    with pytest.raises(FileFormatError, match="not a readable zip file"):
        read(tmp_path / "export.zip")
