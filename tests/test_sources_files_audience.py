from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from tikscope.errors import UsageError
from tikscope.sources.files import read_files
from tikscope.sources.records import AccountFacts, Extract

FIXTURES = Path(__file__).parent / "fixtures" / "files"
TODAY = date(2026, 5, 2)
MEMBERS = [
    {"member_key": 0, "member_id": "p_plantlover22", "bio": "Monstera mom 🌿",
     "age_bucket": "25-34", "gender": "female", "country": "ES", "city": "Madrid",
     "language": "es", "interests": ["plants", "interior design"],
     "followed_at": datetime(2026, 4, 30, 18, 22, 10)},
    {"member_key": 1, "member_id": "p_leo.grows", "bio": None, "age_bucket": "18-24",
     "gender": "male", "country": "MX", "city": None, "language": "es",
     "interests": ["plants", "gardening"], "followed_at": datetime(2026, 4, 29)},
    {"member_key": 2, "member_id": "p_succulent.sam", "bio": "Cacti, succulents & more",
     "age_bucket": "35-44", "gender": "other", "country": None, "city": None,
     "language": "en", "interests": None, "followed_at": None},
]  # fmt: skip
"""In the members file's order (keys do not follow the pseudonyms)."""
EXPECTED = Extract(
    account=AccountFacts("casa_verde_shop", None, "audience_files"),
    tables={
        "audience_members": MEMBERS,
        "follows": [
            {"follower_key": 0, "followee_key": 0, "followee_type": "outside"},
            {"follower_key": 0, "followee_key": 1, "followee_type": "member"},
            {"follower_key": 1, "followee_key": 0, "followee_type": "member"},
            {"follower_key": 2, "followee_key": 0, "followee_type": "outside"},
            {"follower_key": 2, "followee_key": 1, "followee_type": "outside"},
        ],
        "outside_accounts": [
            {"outside_key": 0, "handle": "garden.diaries", "category": None},
            {"outside_key": 1, "handle": "ikea", "category": None},
        ],
    },
    replace=frozenset({"audience_members", "follows", "outside_accounts"}),
)


def read(path: Path, *, handle: str | None = "@Casa_Verde_Shop") -> list[Extract]:
    return read_files(path, handle=handle, today=TODAY, pseudonymize=lambda name: f"p_{name}")


@pytest.mark.parametrize(
    "folder", ["audience_csv", "audience_graphml", "audience_gml", "audience_gexf"]
)
def test_read_files_reads_members_with_csv_or_graph_file_edges(folder: str) -> None:
    assert read(FIXTURES / folder) == [EXPECTED]


def test_read_files_audience_accepts_source_target_columns_and_drops_self_follows(
    tmp_path: Path,
) -> None:
    (tmp_path / "people.csv").write_text("ID,Country\na,ES\nb,\n", encoding="utf-8")
    (tmp_path / "graph.csv").write_text(
        "Source,Target,Weight\na,b,1\nb,b,1\nb,@creator,2\n", encoding="utf-8"
    )
    [extract] = read(tmp_path)
    assert extract.tables["follows"] == [
        {"follower_key": 0, "followee_key": 1, "followee_type": "member"},
        {"follower_key": 1, "followee_key": 0, "followee_type": "outside"},
    ]
    assert extract.tables["outside_accounts"] == [
        {"outside_key": 0, "handle": "@creator", "category": None}
    ]
    assert extract.notes == ("1 edge from a member to itself left out",)


def test_read_files_audience_reads_semicolon_and_tab_separated_files(tmp_path: Path) -> None:
    (tmp_path / "members.csv").write_text(
        "id;gender;interests\na;Female;plants|cats\nb;;\n", encoding="utf-8"
    )
    (tmp_path / "edges.tsv").write_text("follower\tfollowee\nb\ta\n", encoding="utf-8")
    [extract] = read(tmp_path)
    assert [(row["gender"], row["interests"]) for row in extract.tables["audience_members"]] == [
        ("female", ["plants", "cats"]),
        (None, None),
    ]
    assert extract.tables["follows"] == [
        {"follower_key": 1, "followee_key": 0, "followee_type": "member"}
    ]


def test_read_files_audience_members_alone_and_extra_columns(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("id,score\nb,1\na,2\n", encoding="utf-8")
    [extract] = read(tmp_path / "m.csv")
    assert [row["member_id"] for row in extract.tables["audience_members"]] == ["p_b", "p_a"]
    assert extract.tables["follows"] == []
    assert extract.notes == (f"{tmp_path / 'm.csv'}: column 'score' ignored",)


def test_read_files_audience_needs_a_handle() -> None:
    with pytest.raises(UsageError) as caught:
        read(FIXTURES / "audience_csv", handle=None)
    assert str(caught.value) == (
        "an audience import does not say whose audience it is; use --account HANDLE"
    )


def test_read_files_edges_need_a_members_file(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "audience_csv" / "edges.csv", tmp_path)
    with pytest.raises(UsageError) as caught:
        read(tmp_path)
    assert str(caught.value) == (
        f"follow edges ({tmp_path / 'edges.csv'}) need a members CSV (with an 'id' column) "
        "beside them (a GML or GEXF file alone is read with its nodes as the members)"
    )


def test_read_files_refuses_two_members_files(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id\nx\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("id\ny\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        read(tmp_path)
    assert str(caught.value) == (
        f"several members CSVs ({tmp_path / 'a.csv'}, {tmp_path / 'b.csv'}); "
        "import one audience at a time"
    )
