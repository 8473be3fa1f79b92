from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from tikscope.errors import FileFormatError, UsageError
from tikscope.sources.files import read_files
from tikscope.sources.files.common import KNOWN_KINDS

FIXTURES = Path(__file__).parent / "fixtures" / "files"
OVERVIEW_HEADER = '"Date","Video Views","Profile Views","Likes","Comments","Shares"\n'


def problem(path: Path, *, handle: str | None = "casa_verde_shop") -> str:
    with pytest.raises(FileFormatError) as caught:
        read_files(path, handle=handle, today=date(2026, 5, 2), pseudonymize=lambda name: name)
    return str(caught.value)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_error_names_the_line_and_column_of_a_bad_count(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", OVERVIEW_HEADER + '"April 28","1","2","3","4","5"\n'
                 '"April 29","81x20","311","702","41","19"')  # fmt: skip
    assert problem(path) == f"{path}:3: column 'Video Views': not a whole number (got '81x20')"


def test_error_names_a_date_in_no_known_language(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", '"Datum","Videoaufrufe"\n"29. Apirl","3"')
    assert problem(path) == f"{path}:2: column 'Datum': not a date (got '29. Apirl')"


def test_error_names_a_day_the_inferred_year_lacks(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", '"Date","Video Views"\n"February 29","3"')
    assert problem(path) == (
        f"{path}:2: column 'Date': no such day in 2026, the year inferred for it (got 'February 29')"
    )


def test_error_names_a_row_with_too_few_cells(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", OVERVIEW_HEADER + '"April 29","8120","311","702","41"')
    assert problem(path) == f"{path}:2: 5 cells, but the header has 6"


def test_error_inside_a_zip_names_the_zip_and_the_member(tmp_path: Path) -> None:
    path = tmp_path / "Overview_2026-04-03_1777593600_casa_verde_shop.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "Overview.csv", OVERVIEW_HEADER + '"April 29","8120","311","702","41","3x"'
        )
    assert problem(path) == f"{path}!Overview.csv:2: column 'Shares': not a whole number (got '3x')"


def test_error_names_a_share_outside_zero_to_one(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", '"Gender","Distribution"\n"Female","1.5"')
    assert (
        problem(path) == f"{path}:2: column 'Distribution': not a share between 0 and 1 (got '1.5')"
    )


def test_error_names_an_unknown_gender(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", '"Gender","Distribution"\n"Robot","0.5"')
    assert (
        problem(path)
        == f"{path}:2: column 'Gender': not a gender (Female, Male or Other) (got 'Robot')"
    )


def test_error_names_a_link_without_a_post_id(tmp_path: Path) -> None:
    header = '"Time","Video title","Video link","Post time"\n'
    path = write(tmp_path, "c.csv", header + '"May 2","x","https://vm.tiktok.com/ZMabc/","May 1"')
    assert problem(path) == (
        f"{path}:2: column 'Video link': no post id in the link (got 'https://vm.tiktok.com/ZMabc/')"
    )


def test_error_for_an_unknown_csv_lists_the_known_kinds(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.csv", "name,price\nplant,3\n")
    assert problem(path) == (
        f"{path}:1: not a file tikscope can import (a CSV with the columns 'name', 'price'); "
        f"{KNOWN_KINDS}"
    )


def test_error_for_a_studio_file_missing_a_column_says_which(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", '"Date","Likes","Comments"\n"April 29","1","2"')
    assert problem(path) == (
        f"{path}:1: not a file tikscope can import (looks like Overview.csv but has no column "
        f"for 'Video Views'); {KNOWN_KINDS}"
    )


def test_error_for_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_bytes(OVERVIEW_HEADER.encode() + '"29 février","1"'.encode("latin-1"))
    assert problem(path) == (
        f"{path}:2: not UTF-8 text (byte 0xe9 at offset {len(OVERVIEW_HEADER) + 5} cannot be "
        "read); save it as UTF-8 and import it again"
    )


def test_error_for_a_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    assert problem(path) == f"{path}: not a file tikscope can import (a binary file); {KNOWN_KINDS}"


def test_error_for_a_broken_zip(tmp_path: Path) -> None:
    path = tmp_path / "Overview.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 20)
    assert problem(path) == f"{path}: not a readable zip file (File is not a zip file)"


def test_error_for_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "user_data.json", '{"Your Activity":\n  {"Follower" {}}}')
    assert problem(path) == f"{path}:2: not valid JSON: Expecting ':' delimiter (column 15)"


def test_error_for_json_that_is_not_an_archive(tmp_path: Path) -> None:
    path = write(tmp_path, "package.json", '{"name": "x"}')
    assert problem(path) == (
        f'{path}: not a file tikscope can import (JSON without the keys of a "Download your '
        f'data" archive); {KNOWN_KINDS}'
    )


def test_error_in_an_archive_names_the_key_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "user_data.json",
        '{"Your Activity": {"Follower": {"FansList": [{"Date": "2026-04-30 18:22:10", '
        '"UserName": "ana"}, {"date": "yesterday", "UserName": "ben"}]}}}',
    )
    assert problem(path) == (
        f"{path}: Your Activity/Follower/FansList[1]/date: not a date like 2024-05-01 10:00:00 "
        "(got 'yesterday')"
    )


def test_error_in_an_archive_names_a_list_that_is_not_one(tmp_path: Path) -> None:
    path = write(tmp_path, "user_data.json", '{"Post": {"Posts": {"VideoList": {"a": 1}}}}')
    assert problem(path) == f"{path}: Post/Posts/VideoList: not a list (got 'dict')"


def test_error_for_an_edge_from_someone_not_a_member(tmp_path: Path) -> None:
    members = write(tmp_path, "members.csv", "id\nalice\nbob\n")
    edges = write(tmp_path, "edges.csv", "follower,followee\nalice,bob\nstranger,bob\n")
    assert problem(tmp_path) == (
        f"{edges}:3: column 'follower': not a member in {members} (got 'stranger')"
    )


def test_error_for_a_graphml_edge_from_someone_not_a_member(tmp_path: Path) -> None:
    members = write(tmp_path, "members.csv", "id\nalice\n")
    graph = write(
        tmp_path,
        "g.graphml",
        '<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        '<graph edgedefault="directed">\n<edge source="alice" target="x"/>\n'
        '<edge source="zed" target="alice"/>\n</graph></graphml>',
    )
    assert problem(tmp_path) == f"{graph}:5: column 'source': not a member in {members} (got 'zed')"


def test_error_for_an_undirected_graphml(tmp_path: Path) -> None:
    write(tmp_path, "members.csv", "id\nalice\n")
    graph = write(tmp_path, "g.graphml", '<graphml><graph edgedefault="undirected">\n'
                  '<edge source="alice" target="x"/></graph></graphml>')  # fmt: skip
    assert problem(tmp_path) == (
        f'{graph}:2: an undirected edge: follows need a direction (edgedefault="directed")'
    )


def test_error_for_a_graphml_with_a_doctype(tmp_path: Path) -> None:
    graph = write(tmp_path, "g.graphml", '<?xml version="1.0"?>\n<!DOCTYPE lol [<!ENTITY a "aaa">]>'
                  "\n<graphml>&a;</graphml>")  # fmt: skip
    assert problem(graph) == f"{graph}:2: has a DOCTYPE; GraphML and GEXF files need none"


def test_error_for_xml_that_is_not_graphml(tmp_path: Path) -> None:
    path = write(tmp_path, "feed.xml", "<rss><channel/></rss>")
    assert problem(path) == (
        f"{path}: not a file tikscope can import (XML whose root is <rss>, not <graphml> or "
        f"<gexf>); {KNOWN_KINDS}"
    )


@pytest.mark.parametrize(
    ("line", "column", "what", "value"),
    [
        ("alice,robot,2026-01-01", "gender", "not female, male or other", "robot"),
        ("alice,female,01/02/2026", "followed_at", "not an ISO date or date-time", "01/02/2026"),
        (",female,2026-01-01", "id", "empty id", None),
    ],
)
def test_error_for_a_bad_member_value(
    tmp_path: Path, line: str, column: str, what: str, value: str | None
) -> None:
    path = write(tmp_path, "members.csv", f"id,gender,followed_at\n{line}\n")
    got = "" if value is None else f" (got '{value}')"
    assert problem(path) == f"{path}:2: column '{column}': {what}{got}"


def test_error_for_a_repeated_member_id(tmp_path: Path) -> None:
    path = write(tmp_path, "members.csv", "id\nalice\nbob\nalice\n")
    assert (
        problem(path) == f"{path}:4: column 'id': id appears twice (first on line 2) (got 'alice')"
    )


def test_error_for_two_different_values_of_one_day(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "studio_en" / "Overview.csv", tmp_path / "a.csv")
    path = write(tmp_path, "b.csv", OVERVIEW_HEADER + '"April 29","9999","311","702","41","19"')
    assert problem(tmp_path) == (
        f"{path}:2: 2026-04-29 appears twice with different numbers (video_views 8120 and 9999)"
    )


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        read_files(tmp_path / "nope", handle=None, today=date(2026, 5, 2), pseudonymize=str)
    assert str(caught.value) == f"{tmp_path / 'nope'}: no such file or directory"


def test_error_for_a_member_names_the_column_as_the_file_writes_it(tmp_path: Path) -> None:
    path = write(tmp_path, "members.csv", "ID,Age_Bucket\nalice,old\n")
    assert problem(path) == (
        f"{path}:2: column 'Age_Bucket': not an age bucket like 18-24 or 55+ (got 'old')"
    )
