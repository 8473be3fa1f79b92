"""schemathesis over the OpenAPI description: every API operation, against the real server.

Authenticated as the owner olivia (API token), path parameters pinned to things that exist
(workspace agency, account casa_verde_demo) so that generated queries and bodies reach the code
behind the access checks. Checks: no server error (5xx) and every answer matches the schema
declared for its status. A bounded number of examples keeps the run under a minute.

Operations that delete aim at things the run may lose: DELETE account removes `spare_account`
(an account added for it), DELETE token revokes a spare token, members are changed on eddie.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tikscope import access
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store
from tikscope.web.app import create_app
from tikscope.web.state import WebConfig
from web_support import END, NOW, WebStore, bearer, copy_store, serve

EXAMPLES = 12  # per operation and phase
SLOW_EXAMPLES = 2  # the audience analysis clusters 1,500 members each time; a PDF takes seconds
SPARE_ACCOUNT = "spare_account"
PINNED = {"workspace": "agency", "handle": "casa_verde_demo", "username": "eddie"}
CONFIG = {
    "seed": 6,
    "request-timeout": 60,
    "generation": {"max-examples": EXAMPLES, "database": "none"},
    "phases": {"stateful": {"enabled": False}},
    "parameters": {f"path.{name}": value for name, value in PINNED.items()},
    "operations": [
        {"include-method": "DELETE", "include-path": "/api/workspaces/{workspace}/accounts/{handle}",
         "parameters": {"path.handle": SPARE_ACCOUNT}},
        {"include-path-regex": "/audience/analyze$", "generation": {"max-examples": SLOW_EXAMPLES}},
        {"include-path-regex": "/(media-kit\\.pdf|recommendations)$",
         "generation": {"max-examples": SLOW_EXAMPLES}},
    ],
}  # fmt: skip
# The description, read from the app itself: it needs no store, so tests are made at collection.
api = schemathesis.openapi.from_dict(
    create_app(WebConfig(db=Path("never-opened.duckdb"))).openapi(),
    config=schemathesis.Config.from_dict(CONFIG),
)


@dataclass(frozen=True)
class Target:
    """The server under test, the owner's token and the spare token's id."""

    origin: str
    token: str
    spare_token: int


def prepare(store: Path) -> int:
    """Add a spare account to agency for DELETE to remove, and a spare token of olivia's."""
    with open_store(store) as connection:
        simulate_into_store(connection, SimulationConfig(
            seed=5, account_type="personal", handle=SPARE_ACCOUNT, days=14, posts=3,
            members=40, communities=2, end_date=END))  # fmt: skip
        access.add_account(connection, "agency", SPARE_ACCOUNT)
        olivia = access.require_user(connection, "olivia")
        token_id, _ = access.create_api_token(connection, olivia.user_id, "spare", NOW)
    return token_id


@pytest.fixture(scope="module")
def target(
    web_store_template: WebStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    store = copy_store(web_store_template, tmp_path_factory.mktemp("fuzz") / "web.duckdb")
    spare_token = prepare(store.path)
    with serve(WebConfig(db=store.path, secure_cookies=False)) as origin:
        yield Target(origin, store.tokens["olivia"], spare_token)


def test_schemathesis_covers_every_api_operation() -> None:
    spec = create_app(WebConfig(db=Path("never-opened.duckdb"))).openapi()
    declared = {(method.upper(), path) for path, methods in spec["paths"].items()
                for method in methods}  # fmt: skip
    tested = {(operation.method.upper(), operation.path)
              for operation in (result.ok() for result in api.get_all_operations())}  # fmt: skip
    assert tested == declared and len(declared) > 10


@api.parametrize()
def test_schemathesis_api_has_no_server_errors_and_keeps_to_its_schema(
    case: Any, target: Target
) -> None:
    if "token_id" in case.path_parameters:
        case.path_parameters["token_id"] = target.spare_token
    case.call_and_validate(
        base_url=target.origin, headers=bearer(target.token),
        checks=[not_a_server_error, response_schema_conformance],
    )  # fmt: skip
