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
    assert list(rows[0]) == ["section", "metric", "label", "value", "unit", "note"]
    notes = {row["metric"]: row["note"] for row in rows if row["note"]}
    assert notes == {
        "engagement": "engagement = mean over posts of (likes + comments + shares) / reach × 100",
        "views_from_sound": "no data in the period",
    }


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
    community = {"section": "community", "unit": "count", "note": ""}
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
    lines = out.splitlines()
    assert lines[0].rstrip() == "@casa_verde (business), 2026-03-30 to 2026-04-01"
    # 1055 - 1045 (03-29); gained 10 + 5 + 10, lost 5 + 5 + 0
    values = [[cell.strip() for cell in line.split("│")[2:4]] for line in lines[4:9]]
    assert values == [
        ["Followers", "1,055"],
        ["Follower growth", "10"],
        ["Followers gained", "25"],
        ["Followers lost", "10"],
        ["Balance of followers", "15"],
    ]
    assert lines[-3:] == [
        "note: provisional days (fetched less than 48 h after they ended): 2026-03-31, 2026-04-01",
        "note: 1 deleted post among those published",  # P4
        "note: Data captured 2026-04-02 06:00 UTC",
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
    ],
)
def test_metrics_bad_options_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], fixture_db: Path, args: list[str], message: str
) -> None:
    code, out, err = run_cli(
        capsys, "metrics", "--db", str(fixture_db), "--account", "casa_verde", *args
    )
    assert (code, out, err) == (1, "", message)


def test_metrics_needs_account_when_several(
    capsys: pytest.CaptureFixture[str], fixture_db: Path
) -> None:
    code, out, err = run_cli(capsys, "metrics", "--db", str(fixture_db), "--last", "7")
    assert (code, out, err) == (
        1,
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
        "post_id,views,likes,reach,flags\n"
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
        "post_id,published,type,flags\n"
        f"{P2},2026-03-22T23:30:00,video,{IDLE}\n"
        f"{P3},2026-03-26T10:00:00,image,filtered\n"
        f"{P4},2026-03-29T22:30:00,carousel,deleted\n"
    )


def test_posts_xlsx_round_trip(
    capsys: pytest.CaptureFixture[str], fixture_db: Path, tmp_path: Path
) -> None:
    out_file = tmp_path / "posts.xlsx"
    code, out, err = run_cli(
        capsys, "posts", "--db", str(fixture_db), "--account", "casa_verde", "--last", "10",
        "--columns", "type,published,views,engagement", "--format", "xlsx", "--out",
        str(out_file),
    )  # fmt: skip
    assert (code, out, err) == (0, f"wrote 3 posts to {out_file}\n", "")
    sheet = load_workbook(out_file)["posts"]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["post_id", "type", "published", "views", "engagement", "flags"],
        [P2, "video", datetime(2026, 3, 22, 23, 30), 600, pytest.approx(15.0), IDLE],
        [P4, "carousel", datetime(2026, 3, 29, 22, 30), 200, pytest.approx(20.0), "deleted"],
        [P3, "image", datetime(2026, 3, 26, 10), 100, pytest.approx(25.0), "filtered"],
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xlsx"], "error: --format xlsx needs --out FILE.xlsx\n"),
        (["--format", "xml"], "error: --format must be table, json, csv or xlsx, not 'xml'\n"),
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
    assert (code, out, err) == (1, "", message)


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
