"""Recommendations find the effects the simulator plants, claim nothing without them, and say why."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from tikscope.cli.main import main
from tikscope.metrics.query import find_account
from tikscope.metrics.recommend import Post, discoveries, group_effects, recommend
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store

END = date(2026, 11, 20)


def simulated(folder: Path, *, planted: bool, posts: int = 600) -> Path:
    db = folder / "store.duckdb"
    with open_store(db, create=True) as connection:
        simulate_into_store(connection, SimulationConfig(
            seed=4, days=730, posts=posts, members=0, end_date=END, planted_effects=planted))  # fmt: skip
    return db


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulated(tmp_path_factory.mktemp("planted"), planted=True)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulated(tmp_path_factory.mktemp("plain"), planted=False)


def fitted(db: Path):  # type: ignore[no-untyped-def]
    with open_store(db) as connection:
        return recommend(connection, find_account(connection, None), heatmap=[])


def test_the_planted_hour_hashtags_and_length_are_found_and_proven(planted: Path) -> None:
    found = fitted(planted)
    assert found.proven("hours") and found.proven("features")
    hours = {effect.feature for effect in found.hours if effect.flagged}
    assert hours == {"13:00", "14:00"}  # simulate/posts.py PLANTED.local_hours
    features = {(e.feature, e.uplift > 0) for e in found.features if e.flagged}
    assert features == {("#plantcare", True), ("length:30-60 s", True), ("#diy", False)}
    tests = {test.kind: test for test in found.backtests}
    assert tests["hours"].lift > tests["hours"].baseline_lift
    assert tests["features"].low > 0


def test_without_planted_effects_nothing_is_claimed(
    plain: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    found = fitted(plain)
    assert not found.proven("hours") and not found.proven("features")
    assert not [effect for effect in found.features if effect.flagged]
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["recommend", "--db", str(plain)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "so no hour is recommended" in out
    assert "so none is recommended" in out
    assert "Did better" not in out and "Best hours" not in out


def test_the_command_shows_the_evidence_beside_the_advice(
    planted: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["recommend", "--db", str(planted)]) == 0
    out = capsys.readouterr().out
    assert "Best hours to post (Europe/Madrid)" in out and "#plantcare" in out
    assert all(len(line) <= 80 for line in out.splitlines() if "─" in line)
    assert main(["recommend", "--db", str(planted), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["proven"] == {"hours": True, "features": True}
    assert data["time_zone"] == "Europe/Madrid" and data["posts"] > 500


def posts_at(outcomes: dict[int, list[float]]) -> list[Post]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [Post(f"p{hour}-{i}", start.replace(tzinfo=None), start.replace(hour=hour), (), value)
            for hour, values in outcomes.items() for i, value in enumerate(values)]  # fmt: skip


def test_a_thin_lucky_slot_is_shrunk_more_than_a_well_tried_one() -> None:
    rng = np.random.default_rng(1)
    outcomes = {hour: list(rng.normal(0, 1, 30)) for hour in range(8, 20)}
    outcomes[20] = [1.0] * 30 + list(rng.normal(0, 0.5, 30))  # well tried, better
    outcomes[6] = [2.5, 2.5]  # two lucky posts
    effects = {e.feature: e for e in group_effects(posts_at(outcomes), "hour",
                                                   lambda p: f"{p.local.hour:02d}:00")}  # fmt: skip
    raw_thin, raw_tried = 2.5, 0.5
    assert (
        np.log1p(effects["06:00"].uplift) / raw_thin < np.log1p(effects["20:00"].uplift) / raw_tried
    )
    assert effects["20:00"].flagged and not effects["06:00"].flagged


def test_false_discoveries_are_controlled_over_the_features_judged_together() -> None:
    z = np.array([5.0, 1.9, 0.3, -0.5, 1.0, -4.0])
    assert discoveries(z, [50] * 6) == [True, False, False, False, False, True]
    assert discoveries(z, [3, 50, 50, 50, 50, 50]) == [False, False, False, False, False, True]
    # p = 0.028 passes at rank 3 (0.1 * 3 / 6), where a Bonferroni cut (0.1 / 6) would not
    z[1] = 2.2
    assert discoveries(z, [50] * 6) == [True, True, False, False, False, True]


def test_too_few_posts_give_the_reason_instead_of_advice(tmp_path: Path) -> None:
    db = simulated(tmp_path, planted=True, posts=12)
    found = fitted(db)
    assert found.reason is not None and "at least 20 are needed" in found.reason
    assert not found.backtests and not found.features


def test_a_studio_only_store_is_told_what_would_give_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    studio = Path(__file__).parent / "fixtures" / "files" / "studio_en"
    monkeypatch.setenv("TIKSCOPE_KEY_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("TIKSCOPE_NOW", "2026-05-03T08:00:00")
    db = tmp_path / "store.duckdb"
    assert main(["import", str(studio), "--db", str(db), "--account", "creator_one"]) == 0
    capsys.readouterr()
    assert main(["recommend", "--db", str(db), "--format", "json"]) == 0
    reason = json.loads(capsys.readouterr().out)["reason"]
    assert "one Studio Content export is not" in reason
    assert reason.endswith("connect the Business API or the Display API and sync daily")
