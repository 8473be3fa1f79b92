"""`tikscope metrics` and `tikscope posts`, run in-process on the hand-written fixture store."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from metrics_fixture import P2, P3, P4, ingest_fixture
from test_metrics import BUSINESS_EXPECTED
from tikscope.cli.main import main
from tikscope.store.db import open_store

IDLE = "reach/watch time last reported before the period's end (idle > 7 days)"


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = tmp_path_factory.mktemp("cli_analytics") / "store.duckdb"
    with open_store(path, create=True) as connection:
        ingest_fixture(connection)
    return path


CAPTIONS = {
    P2: "Repotting a monstera in five minutes #plants #monstera",
    P3: '=HYPERLINK("http://x.example","win")',  # a spreadsheet would run these two
    P4: "-20% on all pots this week",
}


@pytest.fixture(scope="module")
def captioned_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture store with captions on the posts of the main period."""
    path: Path = tmp_path_factory.mktemp("cli_captions") / "store.duckdb"
    with open_store(path, create=True) as connection:
        ingest_fixture(connection)
        for post_id, caption in CAPTIONS.items():
            connection.execute("UPDATE posts SET caption = ? WHERE post_id = ?", [caption, post_id])
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_metrics_json_values_match_hand_values(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    code, out, err = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde",
        "--from", "2026-03-23", "--to", "2026-04-01", "--format", "json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert {row["metric"]: row["value"] for row in rows} == pytest.approx(BUSINESS_EXPECTED)
    assert list(rows[0]) == ["section", "metric", "label", "value", "unit", "note", "missing"]
    notes = {row["metric"]: row["note"] for row in rows if row["note"]}
    viewers = "not in the store for this period: import Studio's Viewers export"
    assert notes == {
        "engagement": "engagement = mean over posts of (likes + comments + shares) / reach × 100",
        "views_from_sound": "not in the store for this period: connect the Business API",
        "viewers": f"{viewers} or connect the Business API",
        "new_viewers": viewers,
        "returning_viewers": viewers,
    }
    assert {row["metric"] for row in rows if row["missing"]} == set(notes) - {"engagement"}


def test_metrics_json_and_csv_write_whole_counts_as_integers(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    common = ("metrics", "--db", str(fixture_db), "--account", "casa_verde", "--from",
              "2026-03-28", "--to", "2026-04-01", "--compare", "--section", "community")  # fmt: skip
    _, out, _ = run_cli(capsys, *common, "--format", "json")
    assert json.loads(out)[0] == {
        "section": "community", "metric": "followers", "label": "Followers", "value": 1055,
        "unit": "count", "note": "", "previous": 1035, "change": 20,
        "change_percent": pytest.approx(20 / 1035 * 100), "missing": None,
    }  # fmt: skip
    assert '"value": 1055,' in out and '"previous": 1035,' in out
    _, out, _ = run_cli(capsys, *common, "--format", "csv")
    # the labels as headers, as every spreadsheet tikscope writes; a negative number is a
    # number, not a formula: no leading '
    assert out.splitlines()[:3] == [
        "Section,Metric,Value,Unit,Previous period,Change,Change %,Note",
        "Community,Followers,1055,count,1035,20,1.932367149758454,",
        "Community,Follower growth,20,count,35,-15,-42.857142857142854,",
    ]


def test_metrics_last_days_is_the_same_as_from_to(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    common = ("metrics", "--db", str(fixture_db), "--account", "casa_verde", "--format", "json")
    code, last, _ = run_cli(capsys, *common, "--last", "10")
    assert code == 0
    _, between, _ = run_cli(capsys, *common, "--from", "2026-03-23", "--to", "2026-04-01")
    assert json.loads(last) == json.loads(between)


def test_metrics_engagement_options(capsys: pytest.CaptureFixture[str], fixture_db: Path) -> None:
    code, out, _ = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde", "--last", "10",
        "--section", "posts published", "--engagement-rate", "1000",
        "--engagement-basis", "views", "--format", "json",
    )  # fmt: skip
    assert code == 0
    engagement = next(row for row in json.loads(out) if row["metric"] == "engagement")
    # mean(60 / 600, 20 / 100, 30 / 200) = 0.15, × 1000
    assert (engagement["value"], engagement["note"]) == (
        pytest.approx(150.0),
        "engagement = mean over posts of (likes + comments + shares) / views × 1000",
    )


def test_metrics_compare_section(capsys: pytest.CaptureFixture[str], fixture_db: Path) -> None:
    code, out, err = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde",
        "--from", "2026-03-28", "--to", "2026-04-01", "--compare", "--section", "community",
        "--format", "json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    community = {"section": "community", "unit": "count", "note": "", "missing": None}
    # 03-28 .. 04-01 vs 03-23 .. 03-27; see test_metric_rows_compare_with_previous_period
    assert json.loads(out) == [
        {**community, "metric": "followers", "label": "Followers", "value": 1055.0,
         "previous": 1035.0, "change": 20.0, "change_percent": pytest.approx(20 / 1035 * 100)},
        {**community, "metric": "followers_growth", "label": "Follower growth", "value": 20.0,
         "previous": 35.0, "change": -15.0, "change_percent": pytest.approx(-15 / 35 * 100)},
        {**community, "metric": "followers_gained", "label": "Followers gained", "value": 55.0,
         "previous": 55.0, "change": 0.0, "change_percent": 0.0},
        {**community, "metric": "followers_lost", "label": "Followers lost", "value": 30.0,
         "previous": 20.0, "change": 10.0, "change_percent": 50.0},
        {**community, "metric": "followers_balance", "label": "Balance of followers",
         "value": 25.0, "previous": 35.0, "change": -10.0,
         "change_percent": pytest.approx(-10 / 35 * 100)},
    ]  # fmt: skip


def test_metrics_table_has_title_and_notes(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    code, out, _ = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde", "--last", "3",
        "--section", "community",
    )  # fmt: skip
    assert code == 0
    # 1055 - 1045 (03-29); gained 10 + 5 + 10, lost 5 + 5 + 0; no notes, so no note column
    assert visible(out) == [
        "@casa_verde (business), 2026-03-30 to 2026-04-01",
        "section    label                 value",
        "─" * 38,
        "community  Followers             1,055",
        "community  Follower growth          10",
        "community  Followers gained         25",
        "community  Followers lost           10",
        "community  Balance of followers     15",
        "note: provisional days (fetched less than 48 h after they ended): 2026-03-31, 2026-04-01",
        "note: 1 deleted post among those published",  # P4
        "note: Data captured 2026-04-02 06:00 UTC; never synced from TikTok's API (simulated or "
        "imported data).",
    ]


def visible(out: str) -> list[str]:
    """Printed lines without the spaces that pad them to the table's width."""
    return [line.rstrip() for line in out.splitlines()]


@pytest.mark.parametrize("width", [80, 100])
def test_metrics_table_notes_go_under_the_table(
    capsys: pytest.CaptureFixture[str],
    fixture_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    width: int,
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, _ = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde",
        "--from", "2026-03-23", "--to", "2026-04-01", "--section", "posts published",
    )  # fmt: skip
    assert code == 0
    assert visible(out)[1:22] == [
        "section          label                         value  note",
        "─" * 58,
        "posts published  Views of posts published        900",
        "posts published  Likes of posts published         89",
        "posts published  Comments of posts published      10",
        "posts published  Shares of posts published        11",
        "posts published  Interactions                    110",
        "posts published  Average reach per post          210",
        "posts published  Engagement                    20.00  [1]",
        "posts published  Average watch time           10.5 s",
        "posts published  Average duration             17.5 s",
        "posts published  For You %                     60.0%",
        "posts published  Follow %                      20.0%",
        "posts published  Personal Profile %            10.0%",
        "posts published  Search %                      10.0%",
        "posts published  Hashtag %                      5.0%",
        "posts published  Sound %                           —  [2]",
        "posts published  Direct Message %               0.0%",
        "[1] engagement = mean over posts of (likes + comments + shares) / reach × 100",
        "[2] not in the store for this period: connect the Business API",
        "note: provisional days (fetched less than 48 h after they ended): 2026-03-31, 2026-04-01",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--section", "bogus"],
            "error: unknown section 'bogus'; choose from community, account, studio, "
            "posts viewed, posts published\n",
        ),
        (
            ["--last", "7", "--from", "2026-03-23"],
            "error: give either --last or --from/--to, not both\n",
        ),
        (["--from", "2026-03-23"], "error: --from and --to go together\n"),
        (
            ["--from", "2026-04-01", "--to", "2026-03-23"],
            "error: the period ends (2026-03-23) before it starts (2026-04-01)\n",
        ),
        (["--engagement-rate", "10"], "error: engagement rate must be per 100 or per 1000\n"),
        (
            ["--section", "series", "--series", "year"],
            "error: granularity must be one of day, week, month\n",
        ),
        (
            ["--from", "2026-13-01", "--to", "2026-12-01"],
            "error: --from: '2026-13-01' is not a date; use YYYY-MM-DD\n",
        ),
        (
            ["--from", "2026-03-01", "--to", "April"],
            "error: --to: 'April' is not a date; use YYYY-MM-DD\n",
        ),
    ],
)
def test_metrics_bad_options_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], fixture_db: Path, args: list[str], message: str
) -> None:
    code, out, err = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde", *args
    )
    assert (code, out, err) == (2, "", message)


# @casa_verde's data runs from 03-10 (P1's publish day) to 04-01 (see test_metrics_period_range)
HELD = "the store holds data from 2026-03-10"


def test_metrics_last_more_days_than_held_is_cut_to_the_data_with_a_note(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    code, out, err = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde", "--last", "1000",
        "--section", "account",
    )  # fmt: skip
    assert (code, err) == (0, "")
    # the period note comes first under the table
    assert visible(out)[0] == "@casa_verde (business), 2026-03-10 to 2026-04-01"
    assert visible(out)[5:7] == [
        f"note: {HELD}; the period starts there (23 days instead of the last 1,000)",
        "note: provisional days (fetched less than 48 h after they ended): 2026-03-31, 2026-04-01",
    ]


def test_metrics_json_keeps_its_rows_and_says_the_period_note_on_stderr(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    common = ("metrics", "--db", str(fixture_db), "--account", "casa_verde", "--format", "json",
              "--section", "community")  # fmt: skip
    code, cut, err = run_cli(capsys, *common, "--last", "1000")
    assert (code, err) == (0, f"note: {HELD}; the period starts there (23 days instead of the "
                              "last 1,000)\n")  # fmt: skip
    _, held, _ = run_cli(capsys, *common, "--from", "2026-03-10", "--to", "2026-04-01")
    assert json.loads(cut) == json.loads(held)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2020-01-01", "--to", "2020-02-01"], "2020-01-01 to 2020-02-01"),
        (["--from", "2026-04-02", "--to", "2026-04-30"], "2026-04-02 to 2026-04-30"),
        (["--from", "2020-01-01", "--to", "2020-02-01", "--section", "series"],
         "2020-01-01 to 2020-02-01"),
    ],
)  # fmt: skip
def test_metrics_period_outside_the_data_is_a_one_line_error_naming_the_held_days(
    capsys: pytest.CaptureFixture[str], fixture_db: Path, args: list[str], message: str
) -> None:
    code, out, err = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde", *args
    )
    assert (code, out, err) == (
        2, "", f"error: @casa_verde: {HELD} to 2026-04-01; {message} is outside it\n"
    )  # fmt: skip


def test_posts_period_partly_outside_the_data_notes_the_cut(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    code, out, err = run_cli(
        capsys, "posts", "--db", str(fixture_db), "--account", "casa_verde",
        "--from", "2026-03-23", "--to", "2026-04-30", "--columns", "views",
    )  # fmt: skip
    assert (code, err) == (0, "")
    lines = visible(out)
    assert lines[0] == "Posts of @casa_verde published 2026-03-23 to 2026-04-01"
    assert lines[-1] == (
        "note: the store holds data up to 2026-04-01; the period ends there instead of "
        "2026-04-30 (10 days instead of 39)"
    )


def test_metrics_needs_account_when_several(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    code, out, err = run_cli(capsys, "metrics", "--db", str(fixture_db), "--last", "7")
    assert (code, out, err) == (
        2,
        "",
        "error: the store has several accounts; choose one with --account "
        "(casa_verde, pepa_personal)\n",
    )


def test_posts_csv_columns_and_sort(capsys: pytest.CaptureFixture[str], fixture_db: Path) -> None:
    code, out, err = run_cli(
        capsys, "posts", "--db", str(fixture_db), "--account", "casa_verde", "--last", "10",
        "--columns", "views, likes,reach", "--sort", "-likes", "--format", "csv",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == (
        "Post id,Views,Likes,Reach,Data quality\n"
        f"{P2},600,50,400,{IDLE}\n"
        f"{P4},200,24,150,deleted\n"
        f"{P3},100,15,80,filtered\n"
    )


def test_posts_csv_ascending_sort_by_date(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    code, out, _ = run_cli(
        capsys, "posts", "--db", str(fixture_db), "--account", "casa_verde", "--last", "10",
        "--columns", "published,type", "--sort", "published", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    assert out == (
        "Post id,Published,Type,Data quality\n"
        f"{P2},2026-03-22T23:30:00,video,{IDLE}\n"
        f"{P3},2026-03-26T10:00:00,image,filtered\n"
        f"{P4},2026-03-29T22:30:00,carousel,deleted\n"
    )


def test_posts_xlsx_has_labels_number_formats_and_text_ids(
    capsys: pytest.CaptureFixture[str], captioned_db: Path, tmp_path: Path
) -> None:
    out_file = tmp_path / "posts.xlsx"
    code, out, err = run_cli(
        capsys, "posts", "--db", str(captioned_db), "--account", "casa_verde", "--last", "10",
        "--columns", "caption,published,views,engagement,full_watch_rate", "--format", "xlsx",
        "--out", str(out_file),
    )  # fmt: skip
    assert (code, out, err) == (0, f"wrote 3 posts to {out_file}\n", "")
    sheet = load_workbook(out_file)["posts"]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["Post id", "Caption", "Published", "Views", "Engagement", "Full video watched %",
         "Data quality"],
        [P2, CAPTIONS[P2], datetime(2026, 3, 22, 23, 30), 600, pytest.approx(15.0),
         pytest.approx(0.3), IDLE],
        [P4, "'" + CAPTIONS[P4], datetime(2026, 3, 29, 22, 30), 200, pytest.approx(20.0),
         pytest.approx(0.4), "deleted"],
        [P3, "'" + CAPTIONS[P3], datetime(2026, 3, 26, 10), 100, pytest.approx(25.0), None,
         "filtered"],
    ]  # fmt: skip
    assert [cell.number_format for cell in sheet[2]] == [
        "@", "@", "yyyy-mm-dd hh:mm:ss", "#,##0", "#,##0.00", "0.0%", "@",
    ]  # fmt: skip
    assert sheet["A2"].data_type == "s"


def test_posts_csv_and_json_go_to_the_out_file(
    capsys: pytest.CaptureFixture[str], captioned_db: Path, tmp_path: Path
) -> None:
    common = ("posts", "--db", str(captioned_db), "--account", "casa_verde", "--last", "10",
              "--columns", "caption,views")  # fmt: skip
    csv_file, json_file = tmp_path / "posts.csv", tmp_path / "posts.json"
    assert run_cli(capsys, *common, "--format", "csv", "--out", str(csv_file)) == (
        0, f"wrote 3 posts to {csv_file}\n", ""
    )  # fmt: skip
    # text that a spreadsheet would run as a formula starts with ' (numbers stay numbers)
    assert csv_file.read_text("utf-8") == (
        "Post id,Caption,Views,Data quality\n"
        f"{P2},{CAPTIONS[P2]},600,{IDLE}\n"
        f"{P4},'-20% on all pots this week,200,deleted\n"
        f'{P3},"\'=HYPERLINK(""http://x.example"",""win"")",100,filtered\n'
    )
    assert run_cli(capsys, *common, "--out", str(json_file)) == (
        0, f"wrote 3 posts to {json_file}\n", ""
    )  # fmt: skip
    assert json.loads(json_file.read_text("utf-8")) == [
        {"post_id": P2, "caption": CAPTIONS[P2], "views": 600, "flags": IDLE},
        {"post_id": P4, "caption": CAPTIONS[P4], "views": 200, "flags": "deleted"},
        {"post_id": P3, "caption": CAPTIONS[P3], "views": 100, "flags": "filtered"},
    ]


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (80, [
            "caption        type      published         views  likes  comments  shares  flags",
            "─" * 80,
            "Repotting a …  video     2026-03-22 23:30    600     50         5       5  [1]",
            "-20% on all …  carousel  2026-03-29 22:30    200     24         2       4  [2]",
            '=HYPERLINK("…  image     2026-03-26 10:00    100     15         3       2  [3]',
            "[1] " + IDLE,
            "[2] deleted",
            "[3] filtered",
            "(not shown at this width: reach, engagement)",
        ]),
        (100, [
            "caption         type      published         views  likes  comments  shares  reach"
            "  engagement  flags",
            "─" * 100,
            "Repotting a m…  video     2026-03-22 23:30    600     50         5       5    400"
            "       15.00  [1]",
            "-20% on all p…  carousel  2026-03-29 22:30    200     24         2       4    150"
            "       20.00  [2]",
            '=HYPERLINK("h…  image     2026-03-26 10:00    100     15         3       2     80'
            "       25.00  [3]",
            "[1] " + IDLE,
            "[2] deleted",
            "[3] filtered",
        ]),
    ],
)  # fmt: skip
def test_posts_table_fits_the_terminal_with_captions_and_whole_numbers(
    capsys: pytest.CaptureFixture[str],
    captioned_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    width: int,
    expected: list[str],
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, _ = run_cli(
        capsys, "posts", "--db", str(captioned_db), "--account", "casa_verde", "--last", "10"
    )
    assert code == 0
    assert visible(out) == ["Posts of @casa_verde published 2026-03-23 to 2026-04-01", *expected]


def test_posts_table_with_caption_and_link_columns(
    capsys: pytest.CaptureFixture[str], fixture_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run_cli(
        capsys, "posts", "--db", str(fixture_db), "--account", "casa_verde", "--last", "10",
        "--columns", "caption,link,views",
    )  # fmt: skip
    assert code == 0
    # no captions here, so the post id tells the posts apart
    assert visible(out)[1:6] == [
        "post id              caption  link                                  views  flags",
        "─" * 80,
        f"{P2}  —        https://www.tiktok.com/@casa_verde/…    600  [1]",
        f"{P4}  —        https://www.tiktok.com/@casa_verde/…    200  [2]",
        f"{P3}  —        https://www.tiktok.com/@casa_verde/…    100  [3]",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xlsx"], "error: --format xlsx needs --out FILE.xlsx\n"),
        (["--format", "xml"], "error: --format must be table, json, csv or xlsx, not 'xml'\n"),
        (
            ["--out", "posts.txt"],
            "error: --out posts.txt: give --format csv, json or xlsx, or a .csv, .json or .xlsx "
            "file\n",
        ),
        (
            ["--format", "xlsx", "--out", "missing/dir/posts.xlsx"],
            "error: --out: cannot write missing/dir/posts.xlsx: no folder missing/dir\n",
        ),
        (
            ["--columns", "views,bogus"],
            "error: unknown post column(s) bogus; choose from post_id, caption, link, type, published, views, "
            "likes, comments, shares, reach, duration, engagement, full_watch_rate, "
            "total_watch_time, average_watch_time, for_you_share, follow_share, hashtag_share, "
            "sound_share, personal_profile_share, search_share\n",
        ),
    ],
)
def test_posts_bad_options_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], fixture_db: Path, args: list[str], message: str
) -> None:
    code, out, err = run_cli(
        capsys, "posts", "--db", str(fixture_db), "--account", "casa_verde", "--last", "10", *args
    )
    assert (code, out, err) == (2, "", message)


def test_posts_json_personal_account(capsys: pytest.CaptureFixture[str], fixture_db: Path) -> None:
    code, out, _ = run_cli(
        capsys, "posts", "--db", str(fixture_db), "--account", "pepa_personal",
        "--from", "2026-03-23", "--to", "2026-03-31", "--columns", "views,reach,engagement",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    # Q2 as of S9 = 04-01 00:00; personal accounts have no reach, so no engagement either
    assert json.loads(out) == [
        {"post_id": "7100000000000000002", "views": 290, "reach": None, "engagement": None,
         "flags": ""},
    ]  # fmt: skip


def test_metrics_series_section_by_week(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    code, out, _ = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde",
        "--from", "2026-03-23", "--to", "2026-04-01", "--section", "series", "--series", "week",
        "--format", "csv",
    )  # fmt: skip
    assert code == 0
    # the same hand sums as test_follower_series_by_week_and_month
    assert out.splitlines() == [
        "period_start,followers,gained,lost,balance,video_views,profile_views,likes,comments,shares",
        "2026-03-23,1045,85,40,45,1040,140,104,16,11",
        "2026-03-30,1055,25,10,15,420,60,42,7,4",
    ]


def test_metrics_activity_section_is_every_weekday_hour(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    code, out, _ = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde",
        "--from", "2026-03-23", "--to", "2026-04-01", "--section", "activity", "--format", "json",
    )  # fmt: skip
    assert code == 0
    cells = json.loads(out)
    assert all(set(cell) == {"weekday", "hour", "active_followers"} for cell in cells)
    assert len({(cell["weekday"], cell["hour"]) for cell in cells}) == len(cells)


def test_metrics_demographics_section_unavailable_for_personal(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    code, out, _ = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "pepa_personal",
        "--from", "2026-03-23", "--to", "2026-04-01", "--section", "demographics",
    )  # fmt: skip
    assert code == 0
    assert "unavailable" in out


def test_metrics_compare_notes_a_previous_period_before_the_data(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    code, out, err = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde", "--compare",
        "--from", "2026-03-15", "--to", "2026-03-24", "--section", "community",
    )  # fmt: skip
    assert (code, err) == (0, "")
    text = " ".join(" ".join(visible(out)).split())
    assert (
        "note: the previous period (2026-03-05 to 2026-03-14) starts before the store's first "
        "day of data, 2026-03-10: it holds 5 of its 10 days, so a change against it compares "
        "unequal spans"
    ) in text
    _, later, _ = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde", "--compare",
        "--from", "2026-03-25", "--to", "2026-03-30", "--section", "community",
    )  # fmt: skip
    assert "previous period" not in later
