"""The registry of API families: its rules, and that every reader of a family reads it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, get_args

import pytest

from tikscope.cli.main import main
from tikscope.sources.families import (
    FAMILIES,
    FAMILIES_BY_KEY,
    RESEARCH,
    Api,
    Grant,
    api_help,
)
from tikscope.sources.http import Style
from tikscope.store.summary import SOURCE_LABELS
from tikscope.sync.precedence import SOURCE_RANKS
from tikscope.sync.run import PULLS

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

KEYS = tuple(family.key for family in FAMILIES)


def test_families_keys_and_sources_are_unique() -> None:
    assert len(set(KEYS)) == len(FAMILIES)
    assert len({family.source for family in FAMILIES}) == len(FAMILIES)
    assert len({family.label for family in FAMILIES}) == len(FAMILIES)
    assert dict(zip(KEYS, FAMILIES, strict=True)) == FAMILIES_BY_KEY


def test_families_api_literal_lists_exactly_the_keys() -> None:
    assert get_args(Api) == KEYS


def test_families_each_has_a_pull() -> None:
    assert set(PULLS) == set(KEYS)


def test_families_each_has_what_connect_and_sync_need() -> None:
    for family in FAMILIES:
        assert family.origin.startswith("https://"), family.key
        assert family.style in get_args(Style), family.key
        assert family.source == f"{family.key}_api", family.key
        assert SOURCE_LABELS[family.source] == family.label
        assert SOURCE_RANKS[family.source] == family.precedence
        if family.grant is Grant.AUTHORIZATION_CODE:
            assert family.scopes, family.key
            assert not family.names_account, family.key
        else:
            assert family.scopes == (), family.key
            assert not family.uses_pkce, family.key
            assert family.names_account, family.key


def test_families_connect_command_names_the_account_without_a_user() -> None:
    commands = {family.key: family.connect_command("casa_verde_shop") for family in FAMILIES}
    assert commands == {
        "business": "tikscope connect --api business",
        "display": "tikscope connect --api display",
        "research": "tikscope connect --api research --handle casa_verde_shop",
    }
    assert RESEARCH.grant is Grant.CLIENT_CREDENTIALS


def test_connect_cli_choices_are_the_registry_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["connect", "--api", "nope"])
    err = capsys.readouterr().err
    choices = ", ".join(f"'{key}'" for key in KEYS)
    assert code == 2
    assert f"'nope' is not one of {choices}." in err


def test_connect_cli_help_describes_every_family() -> None:
    assert api_help() == (
        "business: Business API (TikTok Accounts); display: Display API (Login Kit); "
        "research: Research API (academic, client credentials)."
    )


def test_connections_table_accepts_exactly_the_registry_keys(store: DuckDBPyConnection) -> None:
    expressions = [
        str(row[0])
        for row in store.execute(
            "SELECT expression FROM duckdb_constraints() "
            "WHERE table_name = 'connections' AND constraint_type = 'CHECK'"
        ).fetchall()
    ]
    (api_check,) = [text for text in expressions if text.startswith("(api IN")]
    assert tuple(re.findall(r"'(\w+)'", api_check)) == KEYS
