"""Fitting an asked period to the days the store holds (`periods.fit_period`, `period_range`).

The held days of tests/metrics_fixture.py: @casa_verde from 03-10 (P1's publish day in Madrid)
to 04-01 (the daily series, and S10 = 04-02 00:00 holds the end of 04-01); @pepa_personal from
03-20 (Q1's publish day in New York) to 04-01.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from metrics_fixture import (
    FIRST_SNAPSHOT,
    Post,
    account_table,
    ingest_fixture,
    posts_table,
    small_batch,
    snapshots_table,
)
from tikscope.errors import UsageError
from tikscope.ids import AccountId
from tikscope.metrics.period_range import held_days, resolve_period
from tikscope.metrics.periods import (
    QUERY_NAMES,
    AskedPeriod,
    ChosenPeriod,
    HeldDays,
    Period,
    fit_period,
)
from tikscope.metrics.query import find_account
from tikscope.store.db import open_store
from tikscope.store.ingest import Batch, ingest

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

HELD = HeldDays(date(2026, 6, 1), date(2026, 11, 30))
HANDLE = "casa_verde_shop"


def fit(asked: AskedPeriod, held: HeldDays | None = HELD) -> ChosenPeriod:
    return fit_period(asked, held, handle=HANDLE)


def between(start: str, end: str) -> AskedPeriod:
    return AskedPeriod(start=date.fromisoformat(start), end=date.fromisoformat(end))


def period(start: str, end: str) -> Period:
    return Period(date.fromisoformat(start), date.fromisoformat(end))


# --- the rules, without a store -----------------------------------------------------------------


@pytest.mark.parametrize(
    "asked",
    [
        pytest.param(between("2020-01-01", "2020-02-01"), id="wholly before"),
        pytest.param(between("2026-05-01", "2026-05-31"), id="ends the day before the first"),
        pytest.param(between("2026-12-01", "2027-01-15"), id="wholly after"),
    ],
)
def test_fit_period_refuses_a_period_wholly_outside_the_held_days(asked: AskedPeriod) -> None:
    with pytest.raises(UsageError) as error:
        fit(asked)
    assert str(error.value) == (
        f"@casa_verde_shop: the store holds data from 2026-06-01 to 2026-11-30; "
        f"{asked.start} to {asked.end} is outside it"
    )


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        pytest.param(
            between("2026-05-20", "2026-06-10"),
            ChosenPeriod(
                period("2026-06-01", "2026-06-10"),
                "the store holds data from 2026-06-01; the period starts there instead of "
                "2026-05-20 (10 days instead of 22)",
            ),
            id="starts before",
        ),
        pytest.param(
            between("2026-11-20", "2026-12-05"),
            ChosenPeriod(
                period("2026-11-20", "2026-11-30"),
                "the store holds data up to 2026-11-30; the period ends there instead of "
                "2026-12-05 (11 days instead of 16)",
            ),
            id="ends after",
        ),
        pytest.param(
            between("2026-01-01", "2026-12-31"),
            ChosenPeriod(
                period("2026-06-01", "2026-11-30"),
                "the store holds data from 2026-06-01 to 2026-11-30; the period is 2026-06-01 to "
                "2026-11-30 instead of 2026-01-01 to 2026-12-31 (183 days instead of 365)",
            ),
            id="both sides",
        ),
        pytest.param(
            between("2026-05-31", "2026-06-01"),
            ChosenPeriod(
                period("2026-06-01", "2026-06-01"),
                "the store holds data from 2026-06-01; the period starts there instead of "
                "2026-05-31 (1 day instead of 2)",
            ),
            id="one day inside",
        ),
    ],
)
def test_fit_period_cuts_a_period_partly_outside_with_a_note(
    asked: AskedPeriod, expected: ChosenPeriod
) -> None:
    assert fit(asked) == expected


@pytest.mark.parametrize(
    "asked",
    [
        pytest.param(between("2026-06-01", "2026-11-30"), id="exactly the held days"),
        pytest.param(between("2026-07-01", "2026-07-28"), id="inside"),
        pytest.param(AskedPeriod(days=183), id="the last 183 days"),
    ],
)
def test_fit_period_keeps_a_period_inside_the_held_days_without_a_note(
    asked: AskedPeriod,
) -> None:
    chosen = fit(asked)
    assert chosen.note is None
    assert chosen.period == (asked.fixed() or period("2026-06-01", "2026-11-30"))


def test_fit_period_defaults_to_the_last_28_days_with_data() -> None:
    assert fit(AskedPeriod()) == ChosenPeriod(period("2026-11-03", "2026-11-30"))


@pytest.mark.parametrize(
    ("days", "written"),
    [(184, "184"), (1000, "1,000"), (10_000_000, "10,000,000")],  # the last is before year 1
)
def test_fit_period_cuts_more_days_than_held_to_the_first_day(days: int, written: str) -> None:
    assert fit(AskedPeriod(days=days)) == ChosenPeriod(
        period("2026-06-01", "2026-11-30"),
        "the store holds data from 2026-06-01; the period starts there (183 days instead of the "
        f"last {written})",
    )


def test_fit_period_without_data_says_so() -> None:
    for asked in (AskedPeriod(), AskedPeriod(days=7), between("2026-06-01", "2026-06-30")):
        with pytest.raises(UsageError) as error:
            fit(asked, None)
        assert str(error.value) == "@casa_verde_shop has no data yet"


@pytest.mark.parametrize(
    ("asked", "cli", "web"),
    [
        (
            AskedPeriod(days=7, start=date(2026, 6, 1)),
            "give either --last or --from/--to, not both",
            "give either days or start/end, not both",
        ),
        (AskedPeriod(start=date(2026, 6, 1)), "--from and --to go together",
         "start and end go together"),
        (AskedPeriod(end=date(2026, 6, 1)), "--from and --to go together",
         "start and end go together"),
        (between("2026-07-01", "2026-06-01"),
         "the period ends (2026-06-01) before it starts (2026-07-01)",
         "the period ends (2026-06-01) before it starts (2026-07-01)"),
    ],
)  # fmt: skip
def test_fit_period_refuses_a_bad_mix_in_the_asker_s_words_before_looking_at_data(
    asked: AskedPeriod, cli: str, web: str
) -> None:
    with pytest.raises(UsageError) as error:
        fit(asked, None)
    assert str(error.value) == cli
    with pytest.raises(UsageError) as error:
        fit_period(asked, None, handle=HANDLE, names=QUERY_NAMES)
    assert str(error.value) == web


# --- the held days of a store -------------------------------------------------------------------


@pytest.fixture(scope="module")
def connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBPyConnection]:
    path: Path = tmp_path_factory.mktemp("period_range") / "store.duckdb"
    with open_store(path, create=True) as connection:
        ingest_fixture(connection)
        ingest(connection, small_batch())
        # an account in New York with one post published 03-10 02:00 UTC = 03-09 22:00 there
        late = Post("7200000000000000001", "video", datetime(2026, 3, 10, 2), 10.0,
                    FIRST_SNAPSHOT, views=[5], likes=[1], comments=[0], shares=[0])  # fmt: skip
        ingest(connection, Batch(
            account_id=AccountId("acc_night"), kind="import", source="test",
            tables={"accounts": account_table("night_owl", "personal", "America/New_York"),
                    "posts": posts_table((late,)),
                    "post_snapshots": snapshots_table((late,), insights=False)},
        ))  # fmt: skip
        ingest(connection, Batch(
            account_id=AccountId("acc_empty"), kind="import", source="test",
            tables={"accounts": account_table("empty_shop", "business")},
        ))  # fmt: skip
        yield connection


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        # P1 published 03-10 11:00 Madrid; daily series and S10 end on 04-01
        ("casa_verde", HeldDays(date(2026, 3, 10), date(2026, 4, 1))),
        # Q1 published 03-20 08:00 New York
        ("pepa_personal", HeldDays(date(2026, 3, 20), date(2026, 4, 1))),
        # only a daily series: 03-31 and 04-01
        ("tiny_shop", HeldDays(date(2026, 3, 31), date(2026, 4, 1))),
        # the post's day in New York (03-09), not in UTC; its one snapshot S0 holds 03-22
        ("night_owl", HeldDays(date(2026, 3, 9), date(2026, 3, 22))),
        ("empty_shop", None),
    ],
)
def test_held_days_span_daily_series_snapshots_and_publish_days(
    connection: DuckDBPyConnection, handle: str, expected: HeldDays | None
) -> None:
    assert held_days(connection, find_account(connection, handle)) == expected


def test_resolve_period_fits_the_asked_period_to_the_store(
    connection: DuckDBPyConnection,
) -> None:
    account = find_account(connection, "casa_verde")
    assert resolve_period(connection, account, AskedPeriod(days=10)) == ChosenPeriod(
        period("2026-03-23", "2026-04-01")
    )
    assert resolve_period(connection, account, AskedPeriod(days=1000)) == ChosenPeriod(
        period("2026-03-10", "2026-04-01"),
        "the store holds data from 2026-03-10; the period starts there (23 days instead of the "
        "last 1,000)",
    )
    with pytest.raises(UsageError) as error:
        resolve_period(connection, account, between("2020-01-01", "2020-02-01"))
    assert str(error.value) == (
        "@casa_verde: the store holds data from 2026-03-10 to 2026-04-01; "
        "2020-01-01 to 2020-02-01 is outside it"
    )


def test_resolve_period_without_data_says_so(connection: DuckDBPyConnection) -> None:
    account = find_account(connection, "empty_shop")
    with pytest.raises(UsageError) as error:
        resolve_period(connection, account, AskedPeriod())
    assert str(error.value) == "@empty_shop has no data yet"


@pytest.mark.parametrize(
    ("asked", "note"),
    [
        pytest.param(between("2026-06-01", "2026-06-10"), "it holds none of its days, so there is "
                     "nothing to compare with", id="previous wholly before"),
        pytest.param(between("2026-06-05", "2026-06-14"), "it holds 4 of its 10 days, so a "
                     "change against it compares unequal spans", id="previous partly before"),
        pytest.param(between("2026-06-11", "2026-06-20"), None, id="previous held"),
    ],
)  # fmt: skip
def test_previous_period_before_the_held_days_is_noted(
    asked: AskedPeriod, note: str | None
) -> None:
    chosen = fit(asked)
    if note is None:
        assert chosen.previous_note is None
        return
    previous = chosen.period.previous()
    assert chosen.previous_note == (
        f"the previous period ({previous}) starts before the store's first day of data, "
        f"2026-06-01: {note}"
    )
