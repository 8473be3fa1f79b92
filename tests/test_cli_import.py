"""`tikscope import`: files into the store, all or nothing, with errors that say where."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tikscope.cli.main import main
from tikscope.store.db import open_store
from tikscope.store.tables import TABLES

FILES = Path(__file__).parent / "fixtures" / "files"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TIKSCOPE_KEY_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("TIKSCOPE_NOW", "2026-05-03T08:00:00")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def dump(store: Path) -> dict[str, list[tuple[object, ...]]]:
    with open_store(store) as connection:
        return {
            table.name: connection.execute(f"SELECT * FROM {table.name} ORDER BY ALL").fetchall()
            for table in TABLES
        }


def test_import_studio_archive_and_audience_then_again_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store = tmp_path / "store.duckdb"
    for path, extra in [
        (FILES / "studio_en_zips", []),
        (FILES / "archive_new_layout.json", []),
        (FILES / "audience_csv", ["--account", "casa_verde_shop"]),
    ]:
        code, out, err = cli(capsys, "import", str(path), "--db", str(store), *extra)
        assert (code, err) == (0, ""), out
    data = dump(store)
    assert [row[1] for row in data["accounts"]] == ["casa_verde_shop"]
    assert data["account_daily"] and data["audience_members"] and data["follows"]
    assert data["following"] and data["audience_snapshots"]
    code, out, _ = cli(capsys, "import", str(FILES / "audience_csv"), "--db", str(store),
                       "--account", "casa_verde_shop")  # fmt: skip
    assert code == 0 and "nothing new" in out
    assert dump(store) == data


def test_import_of_a_malformed_file_names_it_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store = tmp_path / "store.duckdb"
    code, _, err = cli(capsys, "import", str(FILES / "studio_en"), "--db", str(store),
                       "--account", "casa_verde_shop")  # fmt: skip
    assert (code, err) == (0, "")
    before = dump(store)
    broken = tmp_path / "broken"
    shutil.copytree(FILES / "studio_en", broken)
    overview = broken / "Overview.csv"
    lines = overview.read_text(encoding="utf-8-sig").splitlines()
    lines[2] = lines[2].replace('"', "", 2).replace(",", ",lots,", 1)
    overview.write_text("\ufeff" + "\n".join(lines), encoding="utf-8")
    code, out, err = cli(capsys, "import", str(broken), "--db", str(store),
                         "--account", "casa_verde_shop")  # fmt: skip
    assert code == 1 and out == ""
    assert err.startswith(f"error: {overview}:3: ") and err.count("\n") == 1
    assert dump(store) == before


def test_import_without_an_account_name_asks_for_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = cli(capsys, "import", str(FILES / "studio_en"), "--db",
                       str(tmp_path / "store.duckdb"))  # fmt: skip
    assert code == 2 and "--account" in err and err.count("\n") == 1


def test_import_names_a_column_it_does_not_store_in_a_note(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = FILES / "studio_shapes" / "overview_extra_column.csv"
    code, out, err = cli(capsys, "import", str(path), "--db", str(tmp_path / "store.duckdb"),
                         "--account", "casa_verde_shop")  # fmt: skip
    assert (code, err) == (0, "")
    assert (
        f"note: {path}: column 'Estimated rewards' not imported (tikscope does not know it)\n"
        in out
    )


ARCHIVE_PROFILE = {
    "Profile And Settings": {"Profile Info": {"ProfileMap": {"userName": "casa_verde_shop"}}}
}


def archive_with(section: dict[str, object]) -> str:
    import json

    return json.dumps(ARCHIVE_PROFILE | section)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("Overview.csv", '\ufeff"Date","Video Views","Profile Views","Likes","Comments","Shares"\n'
         '"April 29","9223372036854775808","1","1","1","1"',
         ":2: column 'Video Views': a number larger than any TikTok count (more than "
         "999,999,999,999,999) (got '9223372036854775808')"),
        ("FollowerHistory.csv", '"Date","Followers","Difference in followers from previous day"'
         '\n"9999-12-31","10","1"',
         ":2: column 'Date': a date outside 2000-01-01 to 2100-12-31 (got '9999-12-31')"),
        ("FollowerHistory.csv", '"Date","Followers","Difference in followers from previous day"'
         '\n"0001-01-01","10","1"',
         ":2: column 'Date': a date outside 2000-01-01 to 2100-12-31 (got '0001-01-01')"),
        ("user_data.json", archive_with({"Post": {"Posts": {"VideoList": [{
            "Date": "2024-05-01 10:00:00", "Likes": "99999999999999999999999",
            "Link": "https://www.tiktokv.com/share/video/7498123456789012345/"}]}}}),
         ": Post/Posts/VideoList[0]/Likes: a number larger than any TikTok count (more than "
         "999,999,999,999,999) (got '99999999999999999999999')"),
        ("user_data.json", archive_with({"Your Activity": {"Follower": {"FansList": [
            {"UserName": "\ud800"}]}}}),
         ": Your Activity/Follower/FansList[0]/UserName: not text (half of a UTF-16 surrogate "
         "pair) (got '\\ud800')"),
        ("user_data.json", archive_with({"Your Activity": {"Follower": {"FansList": [
            {"UserName": "ana", "Date": "9999-12-31 23:00:00"}]}}}),
         ": Your Activity/Follower/FansList[0]/Date: a date outside 2000-01-01 to 2100-12-31 "
         "(got '9999-12-31 23:00:00')"),
        ("members.csv", "id,followed_at\nalice,0001-01-01",
         ":2: column 'followed_at': a date outside 2000-01-01 to 2100-12-31 (got '0001-01-01')"),
    ],
)  # fmt: skip
def test_import_of_a_value_out_of_range_names_it_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    store = tmp_path / "store.duckdb"
    code, out, err = cli(capsys, "import", str(path), "--db", str(store),
                         "--account", "casa_verde_shop")  # fmt: skip
    assert (code, out, err) == (1, "", f"error: {path}{message}\n")
    assert not store.exists()


def test_a_failed_import_into_a_new_store_leaves_no_store_behind(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "Overview.csv"
    path.write_text('"Date","Video Views"\n"April 29","many"')
    store = tmp_path / "new.duckdb"
    code, _, err = cli(capsys, "import", str(path), "--db", str(store), "--account", "x_shop")
    assert code == 1 and err.startswith(f"error: {path}:2: ")
    assert sorted(tmp_path.iterdir()) == [path, tmp_path / "secret.key"]


def test_a_failed_import_into_an_existing_store_keeps_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store = tmp_path / "store.duckdb"
    code, _, _ = cli(capsys, "import", str(FILES / "studio_en"), "--db", str(store),
                     "--account", "casa_verde_shop")  # fmt: skip
    before = dump(store)
    path = tmp_path / "Overview.csv"
    path.write_text('"Date","Video Views"\n"April 29","many"')
    code, _, _ = cli(capsys, "import", str(path), "--db", str(store), "--account", "x_shop")
    assert code == 1 and dump(store) == before


def test_import_limits_are_options_and_environment_variables(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = FILES / "audience_csv"
    store = tmp_path / "store.duckdb"
    code, out, err = cli(capsys, "import", str(path), "--db", str(store), "--account",
                         "casa_verde_shop", "--limit", "rows=3")  # fmt: skip
    assert (code, out) == (1, "")
    assert err == (
        f"error: {path / 'edges.csv'}:2: brings the import past the import limit rows (3 rows); "
        "raise it with --limit rows=6 (or TIKSCOPE_IMPORT_ROWS)\n"
    )
    monkeypatch.setenv("TIKSCOPE_IMPORT_ROWS", "3")
    code, _, err = cli(capsys, "import", str(path), "--db", str(store), "--account",
                       "casa_verde_shop")  # fmt: skip
    assert code == 1 and "import limit rows (3 rows)" in err
    code, _, err = cli(capsys, "import", str(path), "--db", str(store), "--account",
                       "casa_verde_shop", "--limit", "rows=100")  # fmt: skip
    assert (code, err) == (0, "")
    code, _, err = cli(capsys, "import", str(path), "--db", str(store), "--limit", "speed=3")
    assert code == 2 and err.startswith("error: --limit 'speed=3': no such limit; known: ")
