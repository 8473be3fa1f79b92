"""Sync status, workspace settings and API tokens over a real server; two pages in chromium."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from browser_support import screenshot
from tikscope import access
from tikscope.simulate.config import SimulationConfig
from tikscope.simulate.run import simulate_into_store
from tikscope.store.db import open_store
from tikscope.web.server_routes import AccountSyncModel, SyncOutcomeModel
from tikscope.web.state import WebConfig
from tikscope.web.sync_status import describe_syncs
from web_support import END, NOW, PASSWORD, WebStore, bearer, csrf_token, login, serve

SYNC_API = "/api/workspaces/agency/sync"
SETTINGS_API = "/api/workspaces/agency/settings"
SETTINGS_PAGE = "/workspaces/agency/settings"
SYNC_PAGE = "/workspaces/agency/sync"
CONNECTION = "business:casa_verde_demo"
NEWCOMER = "newcomer"
NOT_ADDABLE = (
    "that you may add; the server's administrator adds new users with `tikscope users add`"
)


def add_connection_and_syncs(path: Path) -> None:
    """A business connection that needs re-authorization and two syncs of casa_verde_demo."""
    with open_store(path) as connection:
        [(account_id,)] = connection.execute(
            "SELECT account_id FROM accounts WHERE handle = 'casa_verde_demo'"
        ).fetchall()
        connection.execute(
            "INSERT INTO connections (connection_id, account_id, api, handle, open_id, scope, "
            "base_url, client_key, client_secret, access_token, refresh_token, "
            "access_expires_at, refresh_expires_at, status, status_reason, created_at, "
            "updated_at) VALUES (?, ?, 'business', 'casa_verde_demo', 'open-1', "
            "'user.info.basic,user.insights', 'http://127.0.0.1:1', 'key', 'x'::BLOB, "
            "'x'::BLOB, 'x'::BLOB, ?, ?, 'needs_reauthorization', 'refresh token revoked', ?, ?)",
            [CONNECTION, account_id, datetime(2026, 11, 21, 12), datetime(2027, 11, 1),
             datetime(2026, 11, 1), datetime(2026, 11, 21, 9)],
        )  # fmt: skip
        for sync_id, started, status, requests, retries, message, ids in (
            (1, datetime(2026, 11, 20, 6), "ok", 12, 2, None, ["req-1", "req-2"]),
            (2, datetime(2026, 11, 21, 6), "failed", 1, 0, "needs re-authorization", ["req-3"]),
        ):
            connection.execute(
                "INSERT INTO sync_log VALUES (?, ?, 'business', ?, ?, ?, ?, ?, NULL, ?, ?)",
                [sync_id, account_id, started, started.replace(second=30), status, requests,
                 retries, message, json.dumps(ids)],
            )  # fmt: skip


@pytest.fixture
def origin(web_store: WebStore) -> Iterator[str]:
    """A server over a fresh store that the test may change."""
    with serve(WebConfig(db=web_store.path, secure_cookies=False)) as served:
        yield served


@pytest.fixture
def synced_origin(web_store: WebStore) -> Iterator[str]:
    """A server over a fresh store with a connection and sync log of casa_verde_demo."""
    add_connection_and_syncs(web_store.path)
    with serve(WebConfig(db=web_store.path, secure_cookies=False)) as served:
        yield served


def add_studio_and_newcomer(path: Path) -> None:
    """Workspace studio (olivia owner, rita viewer, no accounts) and @newcomer in no workspace."""
    with open_store(path) as connection:
        simulate_into_store(connection, SimulationConfig(
            seed=7, account_type="personal", handle=NEWCOMER, days=14, posts=3, members=40,
            communities=2, end_date=END))  # fmt: skip
        access.create_workspace(connection, "studio", "Studio", NOW)
        access.set_member(connection, "studio", "olivia", access.Role.owner)
        access.set_member(connection, "studio", "rita", access.Role.viewer)


@pytest.fixture
def shared_origin(web_store: WebStore) -> Iterator[str]:
    """A server where olivia and rita share workspace studio and @newcomer is in none."""
    add_studio_and_newcomer(web_store.path)
    with serve(WebConfig(db=web_store.path, secure_cookies=False)) as served:
        yield served


def api(origin: str, store: WebStore, user: str) -> httpx.Client:
    """A client that authenticates with the user's API token."""
    return httpx.Client(base_url=origin, headers=bearer(store.tokens[user]), timeout=30)


@contextmanager
def browser_client(
    origin: str, user: str, page: str = SETTINGS_PAGE
) -> Iterator[tuple[httpx.Client, str]]:
    """A logged-in browser-like client and the CSRF token of one of its pages."""
    with httpx.Client(base_url=origin, timeout=30) as client:
        assert login(client, user).status_code == 303
        yield client, csrf_token(client.get(page).text)


def test_sync_status_api_lists_connection_syncs_and_freshness(
    synced_origin: str, web_store: WebStore
) -> None:
    with api(synced_origin, web_store, "vera") as client:
        data = client.get(SYNC_API).json()
    assert data["workspace"] == "agency" and data["can_sync"] is False
    account = data["accounts"][0]
    assert account["connections"] == [{
        "connection": CONNECTION, "api": "business", "status": "needs_reauthorization",
        "status_reason": "refresh token revoked", "scopes": ["user.info.basic", "user.insights"],
        "access_expires_at": "2026-11-21T12:00:00", "refresh_expires_at": "2027-11-01T00:00:00",
        "updated_at": "2026-11-21T09:00:00",
        "action": "TikTok no longer accepts this connection's tokens. Run `tikscope connect "
                  "--api business` again to re-authorize @casa_verde_demo.",
        "reconnect_command": "tikscope connect --api business",
    }]  # fmt: skip
    assert account["syncs"] == [
        {"sync_id": 2, "api": "business", "started_at": "2026-11-21T06:00:00",
         "finished_at": "2026-11-21T06:00:30", "status": "failed", "requests": 1, "retries": 0,
         "message": "needs re-authorization", "request_ids": ["req-3"]},
        {"sync_id": 1, "api": "business", "started_at": "2026-11-20T06:00:00",
         "finished_at": "2026-11-20T06:00:30", "status": "ok", "requests": 12, "retries": 2,
         "message": None, "request_ids": ["req-1", "req-2"]},
    ]  # fmt: skip
    assert account["last_sync"] == account["syncs"][0]
    assert account["never_synced"] is False and account["origin"] == "synced from TikTok's API"
    freshness = account["freshness"]
    assert freshness["last_sync_at"] == "2026-11-20T06:00:30"
    assert freshness["last_sync_status"] == "failed"
    assert freshness["needs_reauthorization"] == CONNECTION
    assert freshness["daily_last_day"] == "2026-11-20"


def test_sync_status_api_says_simulated_data_for_accounts_never_synced(
    web_server: tuple[str, WebStore],
) -> None:
    with api(*web_server, "eddie") as client:
        data = client.get(SYNC_API).json()
    assert data["can_sync"] is True and data["scheduled_every_seconds"] is None
    [account] = data["accounts"]
    assert {key: account[key] for key in ("handle", "account_type", "source", "connections",
                                          "last_sync", "syncs", "never_synced", "origin")} == {
        "handle": "casa_verde_demo", "account_type": "business", "source": "simulator",
        "connections": [], "last_sync": None, "syncs": [], "never_synced": True,
        "origin": "never synced from TikTok's API: simulated or imported data",
    }  # fmt: skip


def test_sync_status_page_shows_the_reauthorization_instruction_and_sync_button_for_editors(
    synced_origin: str,
) -> None:
    with httpx.Client(base_url=synced_origin, timeout=30) as client:
        login(client, "eddie")
        page = client.get("/workspaces/agency/sync")
    assert page.status_code == 200
    assert (
        "TikTok no longer accepts this connection's tokens (refresh token revoked). Run "
        "<code>tikscope connect --api business</code> again on the server to re-authorize "
        "@casa_verde_demo." in page.text
    )
    form = re.search(r'<form method="post" action="([^"]+)" data-sync-now>', page.text)
    assert form and form.group(1) == "/workspaces/agency/accounts/casa_verde_demo/sync"
    with httpx.Client(base_url=synced_origin, timeout=30) as client:
        login(client, "vera")
        assert "data-sync-now" not in client.get("/workspaces/agency/sync").text


def test_settings_api_shows_members_accounts_and_own_tokens(
    web_server: tuple[str, WebStore],
) -> None:
    with api(*web_server, "olivia") as client:
        data = client.get(SETTINGS_API).json()
    assert {key: value for key, value in data.items() if key != "tokens"} == {
        "workspace": {"slug": "agency", "name": "Agency"},
        "members": [{"username": "eddie", "role": "editor"},
                    {"username": "olivia", "role": "owner"},
                    {"username": "vera", "role": "viewer"}],
        "accounts": ["casa_verde_demo"],
        "addable_accounts": [],
    }  # fmt: skip
    assert [(token["name"], token["revoked_at"]) for token in data["tokens"]] == [("tests", None)]


def test_settings_api_manages_members_and_refuses_to_drop_the_last_owner(
    shared_origin: str, web_store: WebStore
) -> None:
    origin = shared_origin  # olivia and rita share workspace studio
    with api(origin, web_store, "olivia") as client:
        added = client.post("/api/workspaces/agency/members", json={"username": "Rita"})
        assert (added.status_code, added.json()) == (201, {"username": "rita", "role": "viewer"})
        changed = client.put("/api/workspaces/agency/members/rita", json={"role": "editor"})
        assert changed.json() == {"username": "rita", "role": "editor"}
        unknown = client.post("/api/workspaces/agency/members", json={"username": "nobody"})
        assert (unknown.status_code, unknown.json()) == (
            404, {"detail": f"no user 'nobody' {NOT_ADDABLE}"}
        )  # fmt: skip
        last = client.delete("/api/workspaces/agency/members/olivia")
        assert (last.status_code, last.json()) == (
            409, {"detail": "olivia is the last owner of agency; add another owner first"}
        )  # fmt: skip
        demoted = client.put("/api/workspaces/agency/members/olivia", json={"role": "viewer"})
        assert demoted.status_code == 409
        assert client.delete("/api/workspaces/agency/members/rita").status_code == 204
        assert client.delete("/api/workspaces/agency/members/rita").status_code == 404
        members = client.get(SETTINGS_API).json()["members"]
    assert [member["username"] for member in members] == ["eddie", "olivia", "vera"]
    with api(origin, web_store, "rita") as client:
        assert client.get(SYNC_API).status_code == 404


def test_settings_api_adds_only_users_who_share_a_workspace_and_names_no_other(
    origin: str, web_store: WebStore
) -> None:
    with api(origin, web_store, "olivia") as client:
        for name in ("rita", "Nobody"):
            refused = client.post("/api/workspaces/agency/members", json={"username": name})
            assert (refused.status_code, refused.json()) == (
                404, {"detail": f"no user {name.lower()!r} {NOT_ADDABLE}"}
            )  # fmt: skip
        assert client.put("/api/workspaces/agency/members/rita",
                          json={"role": "viewer"}).status_code == 404  # fmt: skip
    with api(origin, web_store, "rita") as client:
        for name in ("eddie", "olivia"):
            refused = client.post("/api/workspaces/rival/members", json={"username": name})
            assert (refused.status_code, refused.json()) == (
                404, {"detail": f"no user {name!r} {NOT_ADDABLE}"}
            )  # fmt: skip
        members = client.get("/api/workspaces/rival/settings").json()["members"]
    assert members == [{"username": "rita", "role": "owner"}]
    with browser_client(origin, "olivia") as (browser, token):
        browser.post(f"{SETTINGS_PAGE}/members",
                     data={"csrf_token": token, "username": "rita", "role": "owner"})  # fmt: skip
        page = browser.get(SETTINGS_PAGE).text
    assert f"No user 'rita' {NOT_ADDABLE}." in html.unescape(page)
    assert 'data-member="rita"' not in page


def test_settings_api_adds_only_accounts_of_another_workspace_the_owner_owns(
    shared_origin: str, web_store: WebStore
) -> None:
    studio = "/api/workspaces/studio"
    with api(shared_origin, web_store, "olivia") as client:
        assert client.get(SETTINGS_API).json()["addable_accounts"] == []
        assert client.get(f"{studio}/settings").json()["addable_accounts"] == ["casa_verde_demo"]
        for handle in ("other_brand", NEWCOMER):
            for workspace in ("agency", "studio"):
                refused = client.post(f"/api/workspaces/{workspace}/accounts",
                                      json={"handle": handle})  # fmt: skip
                assert (refused.status_code, refused.json()) == (
                    404, {"detail": f"no account @{handle} that you may add"}
                )  # fmt: skip
        added = client.post(f"{studio}/accounts", json={"handle": "@Casa_Verde_Demo"})
        assert (added.status_code, added.json()) == (201, {"handle": "casa_verde_demo"})
        assert client.delete(f"{SETTINGS_API[:-9]}/accounts/casa_verde_demo").status_code == 204
        assert client.get(SYNC_API).json()["accounts"] == []
        assert client.get(SETTINGS_API).json()["addable_accounts"] == ["casa_verde_demo"]
        assert client.delete(f"{studio}/accounts/casa_verde_demo").status_code == 204
        assert client.get(f"{studio}/settings").json()["addable_accounts"] == []  # in none now
        again = client.post("/api/workspaces/agency/accounts", json={"handle": "casa_verde_demo"})
        assert again.status_code == 404
        assert client.delete("/api/workspaces/agency/accounts/other_brand").status_code == 404
    with api(shared_origin, web_store, "rita") as client:  # a viewer of studio, owner of rival
        assert client.get("/api/workspaces/rival/settings").json()["addable_accounts"] == []
        for handle in (NEWCOMER, "casa_verde_demo"):
            refused = client.post("/api/workspaces/rival/accounts", json={"handle": handle})
            assert refused.status_code == 404


def test_settings_form_cannot_add_an_account_in_no_workspace(shared_origin: str) -> None:
    for user, workspace in (("olivia", "agency"), ("rita", "rival")):
        path = f"/workspaces/{workspace}/settings"
        with browser_client(shared_origin, user, path) as (client, token):
            before = client.get(path).text
            assert "data-add-account>" not in before and NEWCOMER not in before
            assert "(there is none to add now)" in before
            assert f"tikscope workspaces add-account {workspace} HANDLE" in before
            client.post(f"{path}/accounts", data={"csrf_token": token, "handle": NEWCOMER})
            after = client.get(path).text
        assert f"No account @{NEWCOMER} that you may add." in after
        assert f'data-account="{NEWCOMER}"' not in after
    with browser_client(shared_origin, "olivia", "/workspaces/studio/settings") as (client, _):
        studio = client.get("/workspaces/studio/settings").text
    options = re.findall(r'<option value="([^"]+)">@', studio)
    assert "data-add-account>" in studio and options == ["casa_verde_demo"]


def test_settings_need_the_owner_role_and_hide_other_workspaces(
    web_server: tuple[str, WebStore],
) -> None:
    origin, web_store = web_server
    for user, status in (("eddie", 403), ("vera", 403), ("rita", 404)):
        with api(origin, web_store, user) as client:
            assert client.get(SETTINGS_API).status_code == status
            response = client.post("/api/workspaces/agency/members", json={"username": user})
            assert response.status_code == status
            assert client.delete("/api/workspaces/agency/accounts/casa_verde_demo").status_code == (
                status
            )
    with httpx.Client(base_url=origin, timeout=30) as client:
        assert client.get(SETTINGS_API).status_code == 401
        assert client.get("/api/me").status_code == 401
        assert client.get(SETTINGS_PAGE).status_code == 303
    with api(origin, web_store, "rita") as client:
        assert client.get("/api/workspaces/rival/settings").status_code == 200


def test_api_me_lists_workspaces_and_roles(web_server: tuple[str, WebStore]) -> None:
    with api(*web_server, "eddie") as client:
        assert client.get("/api/me").json() == {
            "username": "eddie",
            "workspaces": [{"slug": "agency", "name": "Agency", "role": "editor"}],
        }


def test_api_token_cannot_create_tokens(origin: str, web_store: WebStore) -> None:
    refusal = {"detail": "create API tokens on the settings page or with `tikscope tokens create`"}
    with api(origin, web_store, "olivia") as client:
        created = client.post("/api/tokens", json={"name": "more"})
        assert (created.status_code, created.json()) == (403, refusal)
        form = client.post(f"{SETTINGS_PAGE}/tokens", data={"name": "more"})
        assert form.status_code == 403 and "tks_" not in form.text
        assert "set-cookie" not in form.headers
        assert [token["name"] for token in client.get("/api/tokens").json()] == ["tests"]


def test_api_token_created_in_a_browser_session_works_until_revoked(
    origin: str, web_store: WebStore
) -> None:
    with browser_client(origin, "vera", SYNC_PAGE) as (browser, csrf):
        created = browser.post("/api/tokens", json={"name": "script"},
                               headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "script" and body["token"].startswith("tks_")
    with api(origin, web_store, "vera") as client:
        listed = client.get("/api/tokens").json()
        assert [(token["token_id"], token["name"]) for token in listed] == [
            (3, "tests"), (body["token_id"], "script")
        ]  # fmt: skip
        assert "token" not in listed[1]
        with httpx.Client(base_url=origin, headers=bearer(body["token"]), timeout=30) as new:
            assert new.get("/api/me").json()["username"] == "vera"
            assert new.delete(f"/api/tokens/{body['token_id']}").status_code == 204
            assert new.get("/api/me").status_code == 401
        assert client.delete(f"/api/tokens/{body['token_id']}").status_code == 404
    with api(origin, web_store, "olivia") as client:
        assert client.delete("/api/tokens/3").status_code == 404  # vera's token stays hers
    with api(origin, web_store, "vera") as client:
        assert client.get("/api/me").status_code == 200


def test_settings_forms_change_members_with_a_flash_message(shared_origin: str) -> None:
    with browser_client(shared_origin, "olivia") as (client, token):
        added = client.post(
            f"{SETTINGS_PAGE}/members", data={"csrf_token": token, "username": "rita",
                                              "role": "editor"})  # fmt: skip
        assert (added.status_code, added.headers["location"]) == (303, SETTINGS_PAGE)
        page = client.get(SETTINGS_PAGE)
        assert "rita is now editor of agency." in page.text
        assert 'data-member="rita"' in page.text
        assert "rita is now editor" not in client.get(SETTINGS_PAGE).text  # shown once
        client.post(f"{SETTINGS_PAGE}/members/olivia/remove", data={"csrf_token": token})
        assert (
            "Olivia is the last owner of agency; add another owner first."
            in client.get(SETTINGS_PAGE).text
        )
        client.post(f"{SETTINGS_PAGE}/accounts/casa_verde_demo/remove", data={"csrf_token": token})
        assert "Removed @casa_verde_demo." in client.get(SETTINGS_PAGE).text


def test_settings_forms_need_the_csrf_token(origin: str) -> None:
    with browser_client(origin, "olivia") as (client, _):
        refused = client.post(f"{SETTINGS_PAGE}/members", data={"username": "rita",
                                                                "role": "owner"})  # fmt: skip
        assert refused.status_code == 403
        wrong = client.post(f"{SETTINGS_PAGE}/tokens", data={"csrf_token": "x", "name": "a"})
        assert wrong.status_code == 403
        json_refused = client.post("/api/tokens", json={"name": "a"})
        assert json_refused.status_code == 403
        assert 'data-member="rita"' not in client.get(SETTINGS_PAGE).text


def test_settings_form_owner_who_steps_down_lands_on_the_sync_page(origin: str) -> None:
    with browser_client(origin, "olivia") as (client, token):
        client.post(f"{SETTINGS_PAGE}/members",
                    data={"csrf_token": token, "username": "eddie", "role": "owner"})  # fmt: skip
        stepped = client.post(f"{SETTINGS_PAGE}/members",
                              data={"csrf_token": token, "username": "olivia", "role": "editor"})  # fmt: skip
        assert stepped.headers["location"] == "/workspaces/agency/sync"
        assert client.get(SETTINGS_PAGE).status_code == 403


def log_in_to(page: Page, origin: str, username: str, path: str) -> None:
    """Log in through the form and land on `path` (skips the overview and its charts)."""
    page.goto(f"{origin}/login?next={path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")
    assert page.url == origin + path


def test_page_sync_status_shows_connections_and_recent_syncs(
    page: Page, synced_origin: str
) -> None:
    log_in_to(page, synced_origin, "eddie", "/workspaces/agency/sync")
    panel = page.locator("section[data-account=casa_verde_demo]")
    assert panel.locator("button", has_text="Sync now").is_visible()
    assert "needs re-authorization" in panel.locator("table.connections").inner_text()
    assert panel.locator("table.syncs tbody tr").count() == 2
    assert page.locator("select[data-menu=account] option").all_inner_texts() == [
        "@casa_verde_demo"
    ]
    screenshot(page, "sync-status")


def test_page_settings_creates_a_token_and_shows_it_once(page: Page, origin: str) -> None:
    log_in_to(page, origin, "olivia", SETTINGS_PAGE)
    page.fill("form[data-create-token] input[name=name]", "reporting script")
    with page.expect_navigation():
        page.click("form[data-create-token] button")
    secret = page.locator("[data-new-token]").inner_text()
    assert secret.startswith("tks_")
    assert page.locator("table.tokens tbody tr").count() == 2
    screenshot(page, "settings-token-created")
    with httpx.Client(base_url=origin, headers=bearer(secret), timeout=30) as client:
        assert client.get("/api/me").json()["username"] == "olivia"
    page.reload()
    assert page.locator("[data-new-token]").count() == 0


def test_sync_now_form_returns_to_the_page_with_the_outcome(origin: str) -> None:
    path = "/workspaces/agency/accounts/casa_verde_demo/sync"
    with browser_client(origin, "eddie", SYNC_PAGE) as (client, token):
        assert client.post(path, data={}).status_code == 403
        answer = client.post(path, data={"csrf_token": token})
        assert (answer.status_code, answer.headers["location"]) == (303, "/workspaces/agency/sync")
        assert (
            "@casa_verde_demo has no TikTok connection; run `tikscope connect` first"
            in client.get("/workspaces/agency/sync").text
        )
    with browser_client(origin, "vera", SYNC_PAGE) as (client, token):
        assert client.post(path, data={"csrf_token": token}).status_code == 403


def test_sync_now_outcome_names_each_connection() -> None:
    result = AccountSyncModel(account="casa_verde_demo", syncs=[
        SyncOutcomeModel(connection="business:casa_verde_demo", handle="casa_verde_demo",
                         status="ok", rows_written=1234),
        SyncOutcomeModel(connection="display:casa_verde_demo", handle="casa_verde_demo",
                         status="failed", rows_written=0, error="quota used up"),
    ])  # fmt: skip
    assert describe_syncs(result) == {
        "kind": "error",
        "message": "Synced @casa_verde_demo: business:casa_verde_demo ok, 1,234 rows written; "
        "display:casa_verde_demo failed (quota used up).",
    }
