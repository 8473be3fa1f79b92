"""Authorization of EVERY route, read from the app at test time (new routes are covered at once).

Each route is classified: public (an explicit allow-list), personal (logged-in user, no workspace:
an explicit list), server (commands forwarded by local processes, guarded by the server file's
secret: an explicit list) or workspace (a `{workspace}` path parameter and a role dependency from
`tikscope.web.security`). A route that fits none, an unknown path parameter, an unknown required
query parameter or an unsafe route a viewer may call without being listed fails the tests.

Checks: anonymous callers get 401 (API) or a redirect to /login (pages); the viewer vera gets 403
for unsafe requests and for reads above her role; a member of the other workspace gets 404
everywhere (in both directions), and the workspace's own owner does not (the control); a browser
POST without the CSRF token is 403; a revoked API token is 401.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount, Route

from tikscope import access
from tikscope.store.db import open_store
from tikscope.web import security
from tikscope.web.app import create_app
from tikscope.web.forward import SECRET_HEADER, Forwarding
from tikscope.web.state import WebConfig
from web_support import NOW, WebStore, bearer, copy_store, login, serve_app

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Public routes: (method, path as declared) -> what an anonymous GET/POST of it answers.
PUBLIC = {
    ("GET", "/login"): 200,
    ("POST", "/login"): 422,  # no form fields; with them, wrong login token -> 403
    ("GET", "/api/openapi.json"): 200,
    ("GET", "/go"): 303,  # the menus' redirect for pages without scripts: this site only
    ("GET", "/vendor/plotly.min.js"): 200,
}
PUBLIC_MOUNTS = {"/static": "/static/app.css"}
# Routes for any logged-in user, about themselves only: (method, path) -> why that is safe.
PERSONAL = {
    ("GET", "/"): "redirects to the user's own first workspace",
    ("POST", "/logout"): "ends the caller's own session",
    ("GET", "/api/me"): "the caller's name and memberships",
    ("GET", "/api/tokens"): "the caller's own tokens",
    ("POST", "/api/tokens"): "a new token for the caller, in a browser session only (a token: 403)",
    ("DELETE", "/api/tokens/{token_id}"): "revokes one of the caller's tokens; others' are 404",
}
# Routes for local processes holding the server file's secret: (method, path) -> a valid body.
SERVER = {
    ("POST", "/api/_internal/commands"): {"argv": ["info"], "cwd": "/"},
    ("POST", "/api/_internal/commands/{run_id}/answer"): {"text": "yes"},
}
SERVER_SECRET = "authorization-test-secret"
# Unsafe workspace routes a viewer may call (reviewed): (method, path) -> vera's status there
# with the filled-in values. None so far: a viewer changes nothing in a workspace (her own API
# tokens are PERSONAL routes).
VIEWER_MAY: dict[tuple[str, str], int] = {}
ROLES = {security.viewer: access.Role.viewer, security.editor: access.Role.editor,
         security.owner: access.Role.owner}  # fmt: skip
QUERY_VALUES: dict[str, str] = {}  # required query parameters -> a plausible value
OWNERS = {"agency": "olivia", "rival": "rita"}
OTHER = {"agency": "rival", "rival": "agency"}
LEAK = {"agency": "other_brand", "rival": "casa_verde_demo"}


@dataclass(frozen=True)
class Endpoint:
    """One method of one route, classified."""

    method: str
    path: str
    kind: str  # public | personal | server | workspace | unknown
    role: access.Role | None = None  # the role a workspace route's dependency asks for
    query: tuple[tuple[str, str], ...] = ()
    body: dict[str, Any] | None = None
    problem: str = ""  # why an unknown endpoint could not be classified

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def dependency_calls(dependant: Any) -> Iterator[Any]:
    """Every dependency callable of a route, depth first."""
    for child in dependant.dependencies:
        yield child.call
        yield from dependency_calls(child)


def required_query(dependant: Any) -> Iterator[str]:
    """The names of the route's required query parameters, its dependencies' included."""
    for parameter in dependant.query_params:
        if parameter.field_info.is_required():
            yield parameter.alias
    for child in dependant.dependencies:
        yield from required_query(child)


def classify(route: APIRoute, method: str) -> Endpoint:
    """The endpoint for one method of an APIRoute; kind `unknown` when it fits no kind."""
    key = (method, route.path)
    if key in PUBLIC:
        return Endpoint(method, route.path, "public")
    if key in SERVER:
        return Endpoint(method, route.path, "server", body=SERVER[key])
    query = tuple((name, QUERY_VALUES.get(name, "")) for name in required_query(route.dependant))
    unknown = [name for name, value in query if not value]
    if unknown:
        return unclassified(method, route.path, f"add a value for query {unknown} to QUERY_VALUES")
    if "{workspace}" not in route.path:
        if key in PERSONAL:
            return Endpoint(method, route.path, "personal", query=query)
        return unclassified(method, route.path, "no {workspace}: review who may call it, then "
                            "list it in PERSONAL, SERVER or PUBLIC")  # fmt: skip
    roles = {ROLES[call] for call in dependency_calls(route.dependant) if call in ROLES}
    if len(roles) != 1:
        found = sorted(role.value for role in roles)
        return unclassified(method, route.path, "a workspace route needs exactly one of "
                            f"security.viewer, editor, owner as a dependency (has {found})")  # fmt: skip
    (role,) = roles
    if method in UNSAFE and role is access.Role.viewer and key not in VIEWER_MAY:
        return unclassified(method, route.path, "lets viewers change something: review, then "
                            "list it in VIEWER_MAY")  # fmt: skip
    return Endpoint(method, route.path, "workspace", role, query)


def unclassified(method: str, path: str, problem: str) -> Endpoint:
    """An endpoint the tests do not know how to judge (the classification test fails)."""
    return Endpoint(method, path, "unknown", problem=problem)


def endpoints() -> list[Endpoint]:
    """Every method of every route of the app, classified; unknown kinds fail here."""
    app = create_app(WebConfig(db=Path("never-opened.duckdb")))
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount) and route.path in PUBLIC_MOUNTS:
            found.append(Endpoint("GET", PUBLIC_MOUNTS[route.path], "public"))
        elif isinstance(route, APIRoute) and route.methods <= UNSAFE | {"GET"}:
            found += [classify(route, method) for method in sorted(route.methods)]
        elif isinstance(route, Route) and ("GET", route.path) in PUBLIC:
            found.append(Endpoint("GET", route.path, "public"))
        else:
            path = getattr(route, "path", repr(route))
            found.append(unclassified("?", path, f"unknown route kind {type(route).__name__}"))
    return found


ENDPOINTS = endpoints()


@dataclass(frozen=True)
class Served:
    """The running server and what the tests fill paths with."""

    origin: str
    store: WebStore
    values: dict[str, dict[str, str]]  # workspace -> path parameter -> value
    revoked_token: str


def token_ids(store: Path) -> dict[str, int]:
    """The first API token id of each user."""
    with open_store(store) as connection:
        rows = connection.execute(
            "SELECT username, min(token_id) FROM api_tokens JOIN users USING (user_id) "
            "GROUP BY username"
        ).fetchall()
    return {str(name): int(token) for name, token in rows}


def first_post(store: Path, handle: str) -> str:
    """The id of one of the account's posts (a path parameter of the per-post routes)."""
    with open_store(store) as connection:
        rows = connection.execute(
            "SELECT min(post_id) FROM posts JOIN accounts USING (account_id) WHERE handle = ?",
            [handle],
        ).fetchall()
    return str(rows[0][0])


def add_revoked_token(store: Path, username: str) -> str:
    """A token of `username` that was revoked."""
    with open_store(store) as connection:
        user = access.require_user(connection, username)
        token_id, token = access.create_api_token(connection, user.user_id, "old", NOW)
        assert access.revoke_api_token(connection, user.user_id, token_id, NOW)
    return token


@pytest.fixture(scope="module")
def served(
    web_store_template: WebStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    store = copy_store(web_store_template, tmp_path_factory.mktemp("authz") / "web.duckdb")
    ids = token_ids(store.path)
    revoked = add_revoked_token(store.path, "vera")
    values = {
        "agency": {"workspace": "agency", "handle": "casa_verde_demo", "username": "eddie",
                   "token_id": str(ids["olivia"])},
        "rival": {"workspace": "rival", "handle": "other_brand", "username": "rita",
                  "token_id": str(ids["rita"])},
    }  # fmt: skip
    for workspace in values.values():
        workspace["run_id"] = "no-such-run"
        workspace["schedule_id"] = "1"
        workspace["post_id"] = first_post(store.path, workspace["handle"])
    app = create_app(WebConfig(db=store.path, secure_cookies=False))
    app.state.forwarding = Forwarding(secret=SERVER_SECRET, run=lambda argv, ask: 0)
    with serve_app(app) as origin:
        for slug, owner in OWNERS.items():
            analyzed = httpx.post(
                f"{origin}/api/workspaces/{slug}/accounts/{values[slug]['handle']}/audience/analyze",
                headers=bearer(store.tokens[owner]), timeout=120,
            )  # fmt: skip
            assert analyzed.status_code == 200, analyzed.text  # so graph.png etc. have data
        yield Served(origin, store, values, revoked)


@pytest.fixture
def client(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.origin, timeout=60) as opened:
        yield opened


def fill(path: str, values: dict[str, str]) -> str:
    """The path with its parameters replaced; an unknown parameter fails the test."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"{path}: add a plausible value for path parameter {name!r}"
        return values[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def call(
    client: httpx.Client, endpoint: Endpoint, path: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """Send the endpoint's request; no body but for server routes (access is checked first)."""
    return client.request(endpoint.method, path, params=dict(endpoint.query), headers=headers,
                          json=endpoint.body)  # fmt: skip


def assert_every(endpoints: list[Endpoint], check: Callable[[Endpoint], str | None]) -> None:
    """Run `check` on every endpoint; fail with every problem it reported, one a line."""
    failures = [f"{endpoint.label}: {failure}" for endpoint in endpoints
                if (failure := check(endpoint)) is not None]  # fmt: skip
    assert not failures, "\n".join(["", *failures])


def refused_anonymously(endpoint: Endpoint, response: httpx.Response) -> str | None:
    """None when the answer is the one an anonymous caller must get, else what is wrong."""
    if endpoint.kind == "server":
        return None if response.status_code == 403 else f"answered {response.status_code}"
    if endpoint.is_api:
        return None if response.status_code == 401 else f"API answered {response.status_code}"
    location = response.headers.get("location", "")
    if response.status_code == 303 and location.startswith("/login"):
        return None
    return f"page answered {response.status_code} (location {location!r})"


def test_authorization_every_route_is_classified() -> None:
    problems = [f"{endpoint.label}: {endpoint.problem}" for endpoint in ENDPOINTS
                if endpoint.kind == "unknown"]  # fmt: skip
    assert not problems, "\n".join(["", *problems])
    kinds = {endpoint.kind for endpoint in ENDPOINTS}
    assert kinds == {"public", "personal", "server", "workspace"}
    declared = {(endpoint.method, endpoint.path) for endpoint in ENDPOINTS}
    stale = (set(PUBLIC) | set(PERSONAL) | set(SERVER) | set(VIEWER_MAY)) - declared
    viewer_unsafe = {(endpoint.method, endpoint.path) for endpoint in ENDPOINTS
                     if endpoint.method in UNSAFE and endpoint.role is access.Role.viewer}  # fmt: skip
    assert set(VIEWER_MAY) <= viewer_unsafe, "VIEWER_MAY lists routes viewers cannot call"
    assert stale == set(), "listed routes that the app no longer has"
    assert ("GET", "/api/workspaces/{workspace}/accounts/{handle}/overview") in declared


def test_authorization_anonymous_callers_are_refused_everywhere_but_public_routes(
    client: httpx.Client, served: Served
) -> None:
    def check(endpoint: Endpoint) -> str | None:
        path = fill(endpoint.path, served.values["agency"])
        response = call(client, endpoint, path)
        if endpoint.kind == "public":
            expected = PUBLIC.get((endpoint.method, endpoint.path), 200)
            status = response.status_code
            return None if status == expected else f"public route answered {status}"
        return refused_anonymously(endpoint, response)

    assert_every(ENDPOINTS, check)


def test_authorization_revoked_or_unknown_api_tokens_are_anonymous(
    client: httpx.Client, served: Served
) -> None:
    guarded = [endpoint for endpoint in ENDPOINTS if endpoint.kind != "public"]
    for token in (served.revoked_token, "tks_not-a-token"):

        def check(endpoint: Endpoint, token: str = token) -> str | None:
            path = fill(endpoint.path, served.values["agency"])
            return refused_anonymously(endpoint, call(client, endpoint, path, bearer(token)))

        assert_every(guarded, check)


def test_authorization_viewer_may_read_but_not_change_the_workspace(
    client: httpx.Client, served: Served
) -> None:
    token = served.store.tokens["vera"]

    def check(endpoint: Endpoint) -> str | None:
        response = call(client, endpoint, fill(endpoint.path, served.values["agency"]),
                        bearer(token))  # fmt: skip
        status = response.status_code
        key = (endpoint.method, endpoint.path)
        if key in VIEWER_MAY:
            expected = VIEWER_MAY[key]
        elif endpoint.method in UNSAFE or endpoint.role is not access.Role.viewer:
            expected = 403
        else:
            return None if status < 400 else f"viewer read answered {status}"
        return None if status == expected else f"answered {status}, expected {expected}"

    workspace_routes = [endpoint for endpoint in ENDPOINTS if endpoint.kind == "workspace"]
    assert_every(workspace_routes, check)


def test_authorization_editor_is_refused_owner_routes(client: httpx.Client, served: Served) -> None:
    token = served.store.tokens["eddie"]
    owner_routes = [endpoint for endpoint in ENDPOINTS if endpoint.role is access.Role.owner]
    assert owner_routes != []

    def check(endpoint: Endpoint) -> str | None:
        path = fill(endpoint.path, served.values["agency"])
        status = call(client, endpoint, path, bearer(token)).status_code
        return None if status == 403 else f"editor got {status}"

    assert_every(owner_routes, check)


@pytest.mark.parametrize("workspace", ["agency", "rival"])
def test_authorization_the_other_workspace_looks_absent_while_its_owner_gets_in(
    client: httpx.Client, served: Served, workspace: str
) -> None:
    outsider = served.store.tokens[OWNERS[OTHER[workspace]]]
    insider = served.store.tokens[OWNERS[workspace]]

    def check(endpoint: Endpoint) -> str | None:
        path = fill(endpoint.path, served.values[workspace])
        refused = call(client, endpoint, path, bearer(outsider))
        if refused.status_code != 404:
            return f"the other workspace's owner got {refused.status_code}"
        if endpoint.method in UNSAFE:
            return None  # no control: the owner's request would change the data
        allowed = call(client, endpoint, path, bearer(insider))
        if allowed.status_code >= 400:
            return f"control: the workspace's own owner got {allowed.status_code}"
        return None

    workspace_routes = [endpoint for endpoint in ENDPOINTS if endpoint.kind == "workspace"]
    assert_every(workspace_routes, check)


@pytest.mark.parametrize("workspace", ["agency", "rival"])
def test_authorization_answers_never_mention_the_other_workspaces_account(
    client: httpx.Client, served: Served, workspace: str
) -> None:
    token = served.store.tokens[OWNERS[workspace]]
    readable = [endpoint for endpoint in ENDPOINTS if endpoint.method == "GET"
                and endpoint.kind in {"personal", "workspace"}]  # fmt: skip

    def check(endpoint: Endpoint) -> str | None:
        response = call(client, endpoint, fill(endpoint.path, served.values[workspace]),
                        bearer(token))  # fmt: skip
        leaked = LEAK[workspace] in response.content.decode("utf-8", "replace")
        return f"shows {LEAK[workspace]}" if leaked else None

    assert_every(readable, check)


def test_authorization_accounts_of_another_workspace_are_absent_in_your_own(
    client: httpx.Client, served: Served
) -> None:
    token = served.store.tokens["olivia"]
    foreign = {**served.values["agency"], "handle": "other_brand"}
    account_reads = [endpoint for endpoint in ENDPOINTS if endpoint.kind == "workspace"
                     and endpoint.method == "GET" and "{handle}" in endpoint.path]  # fmt: skip
    assert account_reads != []

    def check(endpoint: Endpoint) -> str | None:
        status = call(client, endpoint, fill(endpoint.path, foreign), bearer(token)).status_code
        return None if status == 404 else f"answered {status}"

    assert_every(account_reads, check)


def test_authorization_personal_routes_never_reach_another_users_things(
    client: httpx.Client, served: Served
) -> None:
    token = served.store.tokens["rita"]
    with_parameters = [endpoint for endpoint in ENDPOINTS
                       if endpoint.kind == "personal" and "{" in endpoint.path]  # fmt: skip

    def check(endpoint: Endpoint) -> str | None:
        path = fill(endpoint.path, served.values["agency"])  # olivia's token id
        status = call(client, endpoint, path, bearer(token)).status_code
        return None if status == 404 else f"another user's thing answered {status}"

    assert_every(with_parameters, check)


def test_authorization_browser_changes_without_the_csrf_token_are_refused(
    client: httpx.Client, served: Served
) -> None:
    assert login(client, "olivia").status_code == 303
    unsafe = [endpoint for endpoint in ENDPOINTS
              if endpoint.method in UNSAFE and endpoint.kind != "public"]  # fmt: skip
    assert unsafe != []

    def check(endpoint: Endpoint) -> str | None:
        path = fill(endpoint.path, served.values["agency"])
        status = call(client, endpoint, path).status_code
        return None if status == 403 else f"a session without the CSRF token got {status}"

    assert_every(unsafe, check)
    session_still_valid = client.get("/api/me")
    assert session_still_valid.status_code == 200


def test_authorization_server_routes_need_the_server_secret_not_a_login(
    client: httpx.Client, served: Served
) -> None:
    server_routes = [endpoint for endpoint in ENDPOINTS if endpoint.kind == "server"]
    owner = bearer(served.store.tokens["olivia"])

    def check(endpoint: Endpoint) -> str | None:
        path = fill(endpoint.path, served.values["agency"])
        status = call(client, endpoint, path, owner).status_code
        return None if status == 403 else f"an owner's API token without the secret got {status}"

    assert_every(server_routes, check)
    command = client.post("/api/_internal/commands", json={"argv": ["info"], "cwd": "/"},
                          headers={SECRET_HEADER: SERVER_SECRET})  # fmt: skip
    assert command.status_code == 200
    events = [json.loads(line) for line in command.text.splitlines()]
    assert list(events[0]) == ["run"] and events[1:] == [{"exit": 0}]
