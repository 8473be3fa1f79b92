"""Import limits: files are read as streams and refused past a limit, saying which and how to raise it."""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest

from tikscope.config import IMPORT_LIMIT_NAMES, ImportLimits, import_limits
from tikscope.errors import FileFormatError, ImportLimitError, UsageError
from tikscope.sources.files import read_files

FIXTURES = Path(__file__).parent / "fixtures" / "files"
OVERVIEW_HEADER = '"Date","Video Views","Profile Views","Likes","Comments","Shares"\n'
OVERVIEW_ROW = '"April 29","8120","311","702","41","19"\n'
MIB = 1 << 20


def problem(path: Path, limits: ImportLimits | None = None, **handle: str | None) -> str:
    with pytest.raises(FileFormatError) as caught:
        read_files(path, handle=handle.get("handle", "casa_verde_shop"), today=date(2026, 5, 2),
                   pseudonymize=lambda name: name, limits=limits)  # fmt: skip
    return str(caught.value)


def refused(path: Path, limits: ImportLimits | None = None) -> str:
    with pytest.raises(ImportLimitError) as caught:
        read_files(path, handle="casa_verde_shop", today=date(2026, 5, 2),
                   pseudonymize=lambda name: name, limits=limits)  # fmt: skip
    return str(caught.value)


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_import_limits_come_from_defaults_environment_and_options() -> None:
    environ = {"TIKSCOPE_IMPORT_FILE_BYTES": "64MiB", "TIKSCOPE_IMPORT_ROWS": "2_000"}
    limits = import_limits(["rows=5000", "json-depth=8"], environ=environ)
    assert limits == ImportLimits(file_bytes=64 * MIB, rows=5000, json_depth=8)
    assert import_limits(environ={}) == ImportLimits()


@pytest.mark.parametrize(
    ("overrides", "environ", "message"),
    [
        (["size=1"], {}, "--limit 'size=1': no such limit; known: file_bytes, total_bytes, "
         "files, rows, kept_characters, studio_rows, line_characters, json_depth, packing_ratio"),
        (["rows=1MiB"], {}, "--limit rows=1MiB: not a limit; give a whole number, e.g. "
         "rows=2000000"),
        (["rows=0"], {}, "--limit rows=0: a limit must be at least 1"),
        ([], {"TIKSCOPE_IMPORT_FILE_BYTES": "big"}, "TIKSCOPE_IMPORT_FILE_BYTES=big: not a "
         "limit; give a whole number, e.g. file_bytes=512MiB"),
    ],
)  # fmt: skip
def test_import_limits_refuse_unknown_names_and_values(
    overrides: list[str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        import_limits(overrides, environ=environ)
    assert str(caught.value) == message


def test_a_file_past_file_bytes_is_refused_while_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "Overview.csv"
    path.write_text(OVERVIEW_HEADER + OVERVIEW_ROW * 100)
    assert refused(path, ImportLimits(file_bytes=1024)) == (
        f"{path}: is larger than the import limit file_bytes (1 KiB); raise it with "
        "--limit file_bytes=2048 (or TIKSCOPE_IMPORT_FILE_BYTES)"
    )


def test_a_zip_member_declared_past_file_bytes_is_refused_before_it_is_inflated(
    tmp_path: Path,
) -> None:
    path = zip_of(
        tmp_path / "Overview.zip", {"Overview.csv": (OVERVIEW_HEADER + OVERVIEW_ROW * 2).encode()}
    )
    data = bytearray(path.read_bytes())
    entry = data.rfind(b"PK\x01\x02")
    struct.pack_into("<L", data, entry + 24, 1 << 30)  # the directory says 1 GiB
    path.write_bytes(bytes(data))
    assert refused(path) == (
        f"{path}!Overview.csv: unpacks to 1,073,741,824 bytes, more than the import limit "
        "file_bytes (256 MiB); raise it with --limit file_bytes=512MiB (or "
        "TIKSCOPE_IMPORT_FILE_BYTES)"
    )


def test_a_zip_bomb_is_refused_by_its_packing_ratio_at_once(tmp_path: Path) -> None:
    member = OVERVIEW_HEADER.encode() + OVERVIEW_ROW.encode() * (48 * MIB // len(OVERVIEW_ROW))
    path = zip_of(tmp_path / "Overview.zip", {"Overview.csv": member})
    packed = zipfile.ZipFile(path).infolist()[0].compress_size
    started = time.perf_counter()
    message = refused(path)
    assert time.perf_counter() - started < 1.0
    assert message == (
        f"{path}!Overview.csv: unpacks to {len(member):,} bytes from {packed:,}, past the import "
        "limit packing_ratio (100 times); raise it with --limit packing_ratio=200 (or "
        "TIKSCOPE_IMPORT_PACKING_RATIO)"
    )


def test_a_member_that_unpacks_past_its_packing_ratio_is_refused_as_it_streams(
    tmp_path: Path,
) -> None:
    member = OVERVIEW_HEADER.encode() + OVERVIEW_ROW.encode() * (4 * MIB // len(OVERVIEW_ROW))
    path = zip_of(tmp_path / "Overview.zip", {"Overview.csv": member})
    data = bytearray(path.read_bytes())
    entry = data.rfind(b"PK\x01\x02")
    struct.pack_into("<L", data, entry + 24, 1000)  # the directory says 1,000 bytes
    path.write_bytes(bytes(data))
    # zipfile stops at the declared size, and the checksum tells the lie
    assert problem(path) == (
        f"{path}: not a readable zip file (Bad CRC-32 for file 'Overview.csv')"
    )


def test_a_zip_with_more_members_than_files_is_refused_from_its_directory(tmp_path: Path) -> None:
    path = zip_of(tmp_path / "many.zip", {f"{n}.csv": b"id\n1\n" for n in range(5)})
    assert refused(path, ImportLimits(files=3)) == (
        f"{path}: holds 5 files, more than the import limit files (3 files); raise it with "
        "--limit files=6 (or TIKSCOPE_IMPORT_FILES)"
    )


def test_a_zip_whose_directory_is_too_large_for_its_entries_is_damaged(tmp_path: Path) -> None:
    path = zip_of(tmp_path / "lying.zip", {"members.csv": b"id\n1\n"})
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<L", data, end + 12, 10 * MIB)  # directory size
    path.write_bytes(bytes(data))
    assert problem(path) == (
        f"{path}: not a readable zip file (its directory of 10,485,760 bytes is too large for 1 "
        "files)"
    )


def test_files_of_a_folder_together_are_held_to_total_bytes(tmp_path: Path) -> None:
    for name in ("Overview.csv", "Viewers.csv"):
        (tmp_path / name).write_text(OVERVIEW_HEADER + OVERVIEW_ROW * 20)
    assert refused(tmp_path, ImportLimits(total_bytes=1024)) == (
        f"{tmp_path / 'Viewers.csv'}: brings the import past the import limit total_bytes "
        "(1 KiB); raise it with --limit total_bytes=2048 (or TIKSCOPE_IMPORT_TOTAL_BYTES)"
    )


def test_rows_past_the_limit_are_refused_at_the_first_one_too_many(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text("id\nalice\nbob\ncarol\n")
    assert refused(path, ImportLimits(rows=2)) == (
        f"{path}:4: brings the import past the import limit rows (2 rows); raise it with "
        "--limit rows=4 (or TIKSCOPE_IMPORT_ROWS)"
    )


def test_archive_items_and_graphml_edges_count_as_rows(tmp_path: Path) -> None:
    archive = tmp_path / "user_data.json"
    archive.write_text(json.dumps({"Your Activity": {"Follower": {"FansList": [
        {"UserName": "a"}, {"UserName": "b"}, {"UserName": "c"}]}}}))  # fmt: skip
    assert refused(archive, ImportLimits(rows=2)).startswith(
        f"{archive}: Your Activity/Follower/FansList[2]: brings the import past the import limit "
        "rows (2 rows)"
    )
    folder = tmp_path / "graph"
    folder.mkdir()
    (folder / "members.csv").write_text("id\nalice\n")
    graph = folder / "g.graphml"
    graph.write_text('<graphml><graph>\n<edge source="alice" target="x"/>\n'
                     '<edge source="alice" target="y"/>\n</graph></graphml>')  # fmt: skip
    assert refused(folder, ImportLimits(rows=2)).startswith(
        f"{graph}:3: brings the import past the import limit rows (2 rows)"
    )


def test_a_csv_record_past_line_characters_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text('id,bio\nalice,"' + "plants\n" * 40 + '"\n')
    assert refused(path, ImportLimits(line_characters=100)) == (
        f"{path}: has a line or record longer than the import limit line_characters (100 "
        "characters); raise it with --limit line_characters=200 (or "
        "TIKSCOPE_IMPORT_LINE_CHARACTERS)"
    )
    path.write_text("id,bio\nalice," + "x" * 5000)  # one line, no newline at all
    assert refused(path, ImportLimits(line_characters=1000)).startswith(
        f"{path}: has a line or record longer than the import limit line_characters"
    )


def test_a_json_value_or_graphml_tag_past_line_characters_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "user_data.json"
    archive.write_text(json.dumps({"Your Activity": {"Follower": {"FansList": [
        {"UserName": "a" * 200_000}]}}}))  # fmt: skip
    assert refused(archive, ImportLimits(line_characters=100_000)).startswith(
        f"{archive}: has a JSON value longer than the import limit line_characters"
    )
    (tmp_path / "members.csv").write_text("id\nalice\n")
    graph = tmp_path / "g.graphml"
    graph.write_text('<graphml><graph><edge source="' + "a" * 200_000 + '" target="b"/>')
    archive.unlink()
    assert refused(tmp_path, ImportLimits(line_characters=100_000)).startswith(
        f"{graph}: has a tag or text longer than the import limit line_characters"
    )


@pytest.mark.parametrize("depth", [33, 100, 100_000])
def test_json_nested_past_json_depth_is_refused(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "user_data.json"
    path.write_text('{"Your Activity": {"x": ' + "[" * depth + "]" * depth + "}}")
    assert refused(path) == (
        f"{path}: nests deeper than the import limit json_depth (32 levels); raise it with "
        "--limit json_depth=64 (or TIKSCOPE_IMPORT_JSON_DEPTH)"
    )


def test_json_nested_to_json_depth_is_read(tmp_path: Path) -> None:
    path = tmp_path / "user_data.json"
    nested = "[" * 30 + "]" * 30
    path.write_text('{"Your Activity": {"x": ' + nested + '}, "Profile": {"Profile Information": '
                    '{"ProfileMap": {"userName": "casa_verde_shop"}}}}')  # fmt: skip
    [extract] = read_files(path, handle=None, today=date(2026, 5, 2), pseudonymize=str)
    assert extract.account.handle == "casa_verde_shop"


def test_an_archive_reads_the_same_when_what_it_steps_over_is_larger_than_a_window(
    tmp_path: Path,
) -> None:
    original = json.loads((FIXTURES / "archive_new_layout.json").read_text())
    history = [{"Date": "2026-05-01 21:14:03", "Link": f"https://x/{n}"} for n in range(5000)]
    padded = {"Direct Messages": {"Chat History": {"ChatHistory": {"a": [history, {"b": history}]}}},
              **original}  # fmt: skip
    padded["Your Activity"]["Watch History"]["VideoList"] = history
    path = tmp_path / "user_data.json"
    path.write_text(json.dumps(padded, indent=2))
    expected = read_files(FIXTURES / "archive_new_layout.json", handle=None,
                          today=date(2026, 5, 2), pseudonymize=str)  # fmt: skip
    [extract] = read_files(path, handle=None, today=date(2026, 5, 2), pseudonymize=str)
    assert (extract.account, extract.tables) == (expected[0].account, expected[0].tables)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"Video": [1 2], "Profile": {}}', "2: not valid JSON: Expecting ',' delimiter (column 14)"),
        ('{"Video": {"a": tru}}', "2: not valid JSON: Expecting value (column 17)"),
        ('{"Profile": {}}\n{}', "3: not valid JSON: Extra data (column 1)"),
        ('{"Profile": {"x": [1, 2', "2: not valid JSON: Expecting ',' delimiter (the file "
         "ends) (column 24)"),
    ],
)  # fmt: skip
def test_json_errors_in_parts_stepped_over_are_still_errors(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "user_data.json"
    path.write_text("\n" + text)
    assert problem(path) == f"{path}:{message}"


def test_a_bom_file_names_the_line_and_offset_of_a_byte_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "Viewers.csv"
    header = b'\xef\xbb\xbf"Date","Total Viewers","New Viewers","Returning Viewers"\n'
    row = b'"April 29","10","5","5"\n'
    path.write_bytes(header + row + b'\xff"April 30","10","5","5"')
    assert problem(path) == (
        f"{path}:3: not UTF-8 text (byte 0xff at offset {len(header + row)} cannot be read); "
        "save it as UTF-8 and import it again"
    )


def test_a_byte_cut_between_two_chunks_is_named_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    start = b"id\n" + b"".join(b"member%d\n" % n for n in range(20_000))
    path.write_bytes(start + b"b\xc3")  # a two-byte character cut short by the end of the file
    assert problem(path) == (
        f"{path}:20002: not UTF-8 text (byte 0xc3 at offset {len(start) + 1} cannot be read); "
        "save it as UTF-8 and import it again"
    )


def test_lines_end_as_the_csv_module_reads_them_across_chunks(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    names = [f"member{n}" for n in range(30_000)]
    path.write_bytes(("id\r\n" + "\r\n".join(names) + "\r\n").encode())
    [extract] = read_files(path, handle="casa_verde_shop", today=date(2026, 5, 2),
                           pseudonymize=str)  # fmt: skip
    assert sorted(row["member_id"] for row in extract.tables["audience_members"]) == sorted(names)


def test_zip_members_are_read_as_streams(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((FIXTURES / "studio_en").iterdir()):
            archive.writestr(path.name, path.read_bytes())
    path = tmp_path / "Overview_2026-04-03_1777593600_casa_verde_shop.zip"
    path.write_bytes(buffer.getvalue())
    [zipped] = read_files(path, handle=None, today=date(2026, 5, 2), pseudonymize=str)
    [plain] = read_files(FIXTURES / "studio_en", handle="casa_verde_shop",
                         today=date(2026, 5, 2), pseudonymize=str)  # fmt: skip
    assert zipped.tables.keys() == plain.tables.keys()
    assert zipped.tables["account_daily"] == plain.tables["account_daily"]


def test_rows_of_studio_files_are_held_to_studio_rows(tmp_path: Path) -> None:
    path = tmp_path / "Overview.csv"
    rows = "".join(f'"April {day}","1","2","3","4","5"\n' for day in range(1, 6))
    path.write_text(OVERVIEW_HEADER + rows)
    assert refused(path, ImportLimits(studio_rows=4)) == (
        f"{path}:6: brings the Studio files past the import limit studio_rows (4 rows); raise it "
        "with --limit studio_rows=8 (or TIKSCOPE_IMPORT_STUDIO_ROWS)"
    )


def test_what_an_import_keeps_is_held_to_kept_characters(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text("id,bio\n" + "".join(f"m{n},{'x' * 100}\n" for n in range(20)))
    assert refused(path, ImportLimits(kept_characters=1000)) == (
        f"{path}:11: brings the import past the import limit kept_characters (1,000 "
        "characters); raise it with --limit kept_characters=2000 (or "
        "TIKSCOPE_IMPORT_KEPT_CHARACTERS)"
    )


def test_what_an_archive_steps_over_is_not_kept(tmp_path: Path) -> None:
    history = [{"Date": "2026-05-01 21:14:03", "Link": f"https://x/{n}"} for n in range(2000)]
    document = json.loads((FIXTURES / "archive_new_layout.json").read_text())
    document["Your Activity"]["Watch History"]["VideoList"] = history
    path = tmp_path / "user_data.json"
    path.write_text(json.dumps(document))
    [extract] = read_files(path, handle=None, today=date(2026, 5, 2), pseudonymize=str,
                           limits=ImportLimits(kept_characters=1000, rows=10))  # fmt: skip
    assert len(extract.tables["audience_members"]) == 2


def test_a_folder_with_more_files_than_files_is_refused_as_it_is_walked(tmp_path: Path) -> None:
    for n in range(4):
        (tmp_path / f"{n}.csv").write_text("id\n1\n")
    (tmp_path / ".hidden").write_text("not counted")
    assert refused(tmp_path, ImportLimits(files=3)) == (
        f"{tmp_path}: holds more files than the import limit files (3 files); raise it with "
        "--limit files=6 (or TIKSCOPE_IMPORT_FILES)"
    )


def test_every_import_limit_is_documented_with_its_default() -> None:
    text = (Path(__file__).parent.parent / "docs" / "sources.md").read_text()
    section = text.split("### Import limits", 1)[1].split("\n## ", 1)[0]
    documented = {}
    for line in section.splitlines():
        if line.startswith("| `") and line.count("|") == 4:
            name, default = (cell.strip() for cell in line.split("|")[1:3])
            number, _, unit = default.partition(" ")
            scale = {"": 1, "Mi": MIB, "MiB": MIB, "GiB": 1 << 30}[unit]
            documented[name.strip("`")] = int(number.replace(",", "")) * scale
    defaults = {name: getattr(ImportLimits(), name) for name in IMPORT_LIMIT_NAMES}
    assert {name: documented.get(name) for name in defaults} == defaults


def test_a_cell_as_long_as_line_characters_allows_is_read(tmp_path: Path) -> None:
    path = tmp_path / "members.csv"
    path.write_text(f"id,bio\nalice,{'x' * 300_000}\n")
    [extract] = read_files(path, handle="casa_verde_shop", today=date(2026, 5, 2),
                           pseudonymize=str)  # fmt: skip
    assert len(extract.tables["audience_members"][0]["bio"]) == 300_000
