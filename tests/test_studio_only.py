"""A creator with nothing but TikTok Studio's exports sees every number those files hold.

The store is filled the way a new user fills it: `tikscope import` of the seven Studio files
(tests/fixtures/files/studio_en, shaped as in the data-sources spec §5), then `tikscope metrics`.
Expected values are read off the CSV files by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tikscope.cli.main import main

STUDIO = Path(__file__).parent / "fixtures" / "files" / "studio_en"
PERIOD = ("--from", "2026-04-28", "--to", "2026-04-30")
NOT_STORED = "not in the store for this period: "


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("studio_only") / "store.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIKSCOPE_KEY_FILE", str(path.with_name("secret.key")))
        patch.setenv("TIKSCOPE_NOW", "2026-05-03T08:00:00")
        assert main(["import", str(STUDIO), "--db", str(path), "--account", "creator_one"]) == 0
    return path


def cli_json(capsys: pytest.CaptureFixture[str], store: Path, *args: str) -> Any:
    capsys.readouterr()
    code = main(["metrics", "--db", str(store), *PERIOD, "--format", "json", *args])
    captured = capsys.readouterr()
    assert (code, captured.err) == (0, "")
    return json.loads(captured.out)


def test_studio_only_metrics_are_the_numbers_studio_showed(
    capsys: pytest.CaptureFixture[str], store: Path
) -> None:
    rows = {row["metric"]: row for row in cli_json(capsys, store)}
    values = {name: row["value"] for name, row in rows.items()}
    assert {name: values[name] for name in (
        "video_views", "profile_views", "likes", "comments", "shares", "followers",
        "followers_growth", "viewers", "new_viewers", "returning_viewers", "posts_published",
        "published_views", "published_likes", "published_comments", "published_shares",
    )} == {
        "video_views": 25875,  # Overview: 7300 + 8120 + 10455 (May 1 'undefined': left out)
        "profile_views": 993,  # 280 + 311 + 402
        "likes": 2263,  # 610 + 702 + 951
        "comments": 139,  # 35 + 41 + 63
        "shares": 61,  # 12 + 19 + 30
        "followers": 15234,  # FollowerHistory on April 30
        "followers_growth": 84,  # 15234 - 15150 (April 28, the first known day)
        "viewers": 17720,  # Viewers: 5100 + 5600 + 7020
        "new_viewers": 13000,  # 3900 + 4100 + 5000
        "returning_viewers": 4720,  # 1200 + 1500 + 2020
        "posts_published": 1,  # Content.csv: the monstera post of April 28
        "published_views": 48210,  # its Total views, as of the export (May 2)
        "published_likes": 3120,
        "published_comments": 88,
        "published_shares": 141,
    }  # fmt: skip
    assert rows["followers_growth"]["note"].startswith("from 2026-04-28, the first day")
    for name, row in rows.items():
        assert "personal accounts" not in row["note"], name
        if row["value"] is None:
            # what Studio's files cannot give names what would
            assert row["missing"] and "connect the" in row["missing"], name


def test_studio_only_demographics_activity_and_posts(
    capsys: pytest.CaptureFixture[str], store: Path
) -> None:
    demographics = cli_json(capsys, store, "--section", "demographics")
    shares = {(row["dimension"], row["value"]): row["share"] for row in demographics}
    assert shares == {
        ("gender", "female"): 0.55, ("gender", "male"): 0.41, ("gender", "other"): 0.04,
        ("country", "ES"): 0.52, ("country", "MX"): 0.18, ("country", "Others"): 0.30,
    }  # fmt: skip
    activity = cli_json(capsys, store, "--section", "activity")
    # FollowerActivity: April 30 (a Thursday), 19h and 20h; UTC is the account's time zone
    assert [(row["weekday"], row["hour"], row["active_followers"]) for row in activity] == [
        (3, 19, 3920), (3, 20, 4011),
    ]  # fmt: skip
    capsys.readouterr()
    code = main(["posts", "--db", str(store), *PERIOD, "--format", "json",
                 "--columns", "caption,views,likes,comments,shares"])  # fmt: skip
    posts = json.loads(capsys.readouterr().out)
    assert code == 0
    assert posts == [{
        "post_id": "7498123456789012345", "caption": "Repotting a monstera #plants",
        "views": 48210, "likes": 3120, "comments": 88, "shares": 141,
        "flags": "counters as of 2026-05-02, after the period's end",
    }]  # fmt: skip
