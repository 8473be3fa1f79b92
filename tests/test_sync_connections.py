"""Stored connections: saving, loading, refreshing tokens, and never keeping a token in clear."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import httpx
import pytest

from tikscope.errors import RateLimitedError, ReauthorizationNeededError, UsageError
from tikscope.ids import make_account_id
from tikscope.sources.oauth import Identity
from tikscope.sources.tokens import Token, TokenCipher
from tikscope.store.db import open_store
from tikscope.sync.connections import (
    Api,
    Connection,
    StoredTokens,
    connection_overview,
    ensure_account,
    list_connections,
    load_connection,
    mark_needs_reauthorization,
    record_connection,
    save_connection,
)

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

CONNECTED = datetime(2026, 5, 3, 8, 0, 0)
EXPIRES = CONNECTED + timedelta(hours=24)
FIRST = Token(
    access_token="act.FIRST-access-0001",
    refresh_token="rft.FIRST-refresh-0001",
    access_expires_at=EXPIRES,
    refresh_expires_at=CONNECTED + timedelta(days=365),
    open_id="-000bizOpenId",
    scope="user.info.basic,user.insights",
)
BASE = "http://127.0.0.1:9000"
REAUTH = (
    "connection business:casa_verde_shop needs re-authorization: run "
    "'tikscope connect --api business' again "
)


class FakeTikTok:
    """Answers token calls from a queue and remembers what was asked."""

    def __init__(self, *answers: tuple[int, dict[str, Any]]) -> None:
        self.answers = list(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        status, body = self.answers.pop(0)
        return httpx.Response(status, json=body)

    def sent(self) -> list[dict[str, Any]]:
        """The bodies asked, JSON or form."""
        bodies: list[dict[str, Any]] = []
        for request in self.seen:
            text = request.content.decode()
            if request.headers["content-type"] == "application/json":
                bodies.append(json.loads(text))
            else:
                bodies.append({k: v[0] for k, v in parse_qs(text).items()})
        return bodies


def business_token(access: str, refresh: str | None) -> tuple[int, dict[str, Any]]:
    data: dict[str, Any] = {"access_token": access, "expires_in": 86400, "open_id": "-000bizOpenId",
                            "refresh_token_expires_in": 31536000, "scope": "user.info.basic"}  # fmt: skip
    if refresh is not None:
        data["refresh_token"] = refresh
    return 200, {"code": 0, "message": "OK", "request_id": "2026R1", "data": data}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def cipher(tmp_path: Path) -> TokenCipher:
    return TokenCipher.from_key_file(tmp_path / "secret.key")


@pytest.fixture
def saved(store: DuckDBPyConnection, cipher: TokenCipher) -> Connection:
    return save_business(store, cipher, FIRST)


def save_business(store: DuckDBPyConnection, cipher: TokenCipher, token: Token) -> Connection:
    return save_connection(
        store, api="business", handle="casa_verde_shop",
        account_id=make_account_id("tiktok", "casa_verde_shop"), base_url=BASE,
        client_key="7000app", client_secret="APP-SECRET-0001", token=token, cipher=cipher,
        now=CONNECTED,
    )  # fmt: skip


@pytest.fixture
def tiktok() -> FakeTikTok:
    return FakeTikTok()


@pytest.fixture
def http(tiktok: FakeTikTok) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.MockTransport(tiktok)) as client:
        yield client


def tokens_at(
    store: DuckDBPyConnection, cipher: TokenCipher, http: httpx.Client, now: datetime
) -> StoredTokens:
    return StoredTokens(store, "business:casa_verde_shop", cipher, now=Clock(now), http=http)


# --- saving and loading ----------------------------------------------------------------------


def test_save_connection_stores_the_row(saved: Connection, cipher: TokenCipher) -> None:
    assert (saved.connection_id, saved.account_id, saved.api, saved.handle, saved.open_id,
            saved.scope, saved.base_url, saved.client_key, saved.access_expires_at,
            saved.refresh_expires_at, saved.status, saved.status_reason, saved.created_at,
            saved.updated_at) == (
        "business:casa_verde_shop", make_account_id("tiktok", "casa_verde_shop"), "business",
        "casa_verde_shop", "-000bizOpenId", "user.info.basic,user.insights", BASE, "7000app",
        EXPIRES, datetime(2027, 5, 3, 8, 0, 0), "active", None, CONNECTED, CONNECTED,
    )  # fmt: skip
    assert (saved.client_secret(cipher), saved.access_token(cipher),
            saved.refresh_token(cipher)) == (
        "APP-SECRET-0001", "act.FIRST-access-0001", "rft.FIRST-refresh-0001")  # fmt: skip
    assert "FIRST" not in repr(saved)


@pytest.mark.parametrize(
    "name", ["business:casa_verde_shop", "casa_verde_shop", "@Casa_Verde_Shop"]
)
def test_load_connection_by_id_or_handle(
    store: DuckDBPyConnection, saved: Connection, name: str
) -> None:
    assert load_connection(store, name) == saved


def test_load_connection_unknown_says_how_to_connect(store: DuckDBPyConnection) -> None:
    with pytest.raises(UsageError) as caught:
        load_connection(store, "nobody", "display")
    assert str(caught.value) == (
        "no connection nobody for the display API; run 'tikscope connect' first, "
        "or 'tikscope connections' to list them"
    )


def test_load_connection_by_a_handle_with_two_apis_asks_to_choose(
    store: DuckDBPyConnection, saved: Connection, cipher: TokenCipher
) -> None:
    save_connection(
        store, api="display", handle="casa_verde_shop", account_id=saved.account_id,
        base_url=BASE, client_key="aw", client_secret="x", token=FIRST, cipher=cipher,
        now=CONNECTED,
    )  # fmt: skip
    with pytest.raises(UsageError) as caught:
        load_connection(store, "casa_verde_shop")
    assert str(caught.value) == (
        "casa_verde_shop has several connections (business:casa_verde_shop, "
        "display:casa_verde_shop); choose one by its id"
    )
    assert load_connection(store, "casa_verde_shop", "display").api == "display"
    assert [c.connection_id for c in list_connections(store)] == [
        "business:casa_verde_shop", "display:casa_verde_shop"]  # fmt: skip


def test_connecting_again_replaces_tokens_and_reactivates(
    store: DuckDBPyConnection, saved: Connection, cipher: TokenCipher
) -> None:
    mark_needs_reauthorization(store, saved.connection_id, "TikTok said: no", CONNECTED)
    second = Token("act.SECOND", "rft.SECOND", EXPIRES + timedelta(days=1))
    later = CONNECTED + timedelta(days=2)
    again = save_connection(
        store, api="business", handle="casa_verde_shop", account_id=saved.account_id,
        base_url=BASE, client_key="7000app", client_secret="APP-SECRET-0001", token=second,
        cipher=cipher, now=later,
    )  # fmt: skip
    assert (again.status, again.status_reason, again.created_at, again.updated_at) == (
        "active", None, CONNECTED, later)  # fmt: skip
    assert (again.access_token(cipher), again.refresh_token(cipher), again.open_id) == (
        "act.SECOND", "rft.SECOND", None)  # fmt: skip
    assert len(list_connections(store)) == 1


# --- StoredTokens ----------------------------------------------------------------------------


def test_stored_tokens_serve_the_stored_token_without_a_call(
    store: DuckDBPyConnection, saved: Connection, cipher: TokenCipher, http: httpx.Client,
    tiktok: FakeTikTok,
) -> None:  # fmt: skip
    tokens = tokens_at(store, cipher, http, EXPIRES - timedelta(minutes=11))
    assert tokens.access_token() == "act.FIRST-access-0001"
    assert tiktok.seen == []


def test_stored_tokens_refresh_ten_minutes_ahead_of_expiry(
    store: DuckDBPyConnection, saved: Connection, cipher: TokenCipher, http: httpx.Client,
    tiktok: FakeTikTok,
) -> None:  # fmt: skip
    tiktok.answers.append(business_token("act.SECOND", "rft.SECOND"))
    now = EXPIRES - timedelta(minutes=9)
    tokens = tokens_at(store, cipher, http, now)
    assert tokens.access_token() == "act.SECOND"
    assert tiktok.sent() == [{"client_id": "7000app", "client_secret": "APP-SECRET-0001",
                              "grant_type": "refresh_token", "refresh_token": "rft.FIRST-refresh-0001"}]  # fmt: skip
    stored = load_connection(store, "business:casa_verde_shop")
    assert (stored.access_token(cipher), stored.refresh_token(cipher), stored.access_expires_at,
            stored.refresh_expires_at, stored.updated_at) == (
        "act.SECOND", "rft.SECOND", now + timedelta(hours=24), now + timedelta(days=365), now)  # fmt: skip
    assert tokens.access_token() == "act.SECOND"
    assert len(tiktok.seen) == 1


def test_stored_tokens_refresh_once_per_call_and_keep_the_newest_refresh_token(
    store: DuckDBPyConnection, saved: Connection, cipher: TokenCipher, http: httpx.Client,
    tiktok: FakeTikTok,
) -> None:  # fmt: skip
    tiktok.answers += [
        business_token("act.SECOND", "rft.SECOND"),
        business_token("act.THIRD", None),
    ]
    tokens = tokens_at(store, cipher, http, CONNECTED + timedelta(hours=1))
    assert tokens.refresh("code 40105") == "act.SECOND"
    assert tokens.refresh("code 40105") == "act.THIRD"
    assert [body["refresh_token"] for body in tiktok.sent()] == [
        "rft.FIRST-refresh-0001",
        "rft.SECOND",
    ]
    stored = load_connection(store, "business:casa_verde_shop")
    assert (stored.access_token(cipher), stored.refresh_token(cipher)) == (
        "act.THIRD",
        "rft.SECOND",
    )


def test_stored_tokens_mark_the_connection_when_tiktok_refuses(
    store: DuckDBPyConnection, saved: Connection, cipher: TokenCipher, http: httpx.Client,
    tiktok: FakeTikTok,
) -> None:  # fmt: skip
    tiktok.answers.append((200, {"code": 40105, "message": "Refresh token is expired.",
                                 "request_id": "2026XX", "data": {}}))  # fmt: skip
    now = CONNECTED + timedelta(hours=2)
    tokens = tokens_at(store, cipher, http, now)
    reason = "TikTok said: Refresh token is expired. [/tt_user/oauth2/refresh_token/, code 40105, request id 2026XX]"
    with pytest.raises(ReauthorizationNeededError) as caught:
        tokens.refresh("code 40105")
    assert str(caught.value) == REAUTH + f"({reason})"
    stored = load_connection(store, "business:casa_verde_shop")
    assert (stored.status, stored.status_reason, stored.updated_at) == (
        "needs_reauthorization", reason, now)  # fmt: skip
    for call in (tokens.access_token, lambda: tokens.refresh("again")):
        with pytest.raises(ReauthorizationNeededError) as again:
            call()
        assert str(again.value) == REAUTH + f"({reason})"
    assert len(tiktok.seen) == 1


def test_stored_tokens_give_up_on_an_expired_refresh_token_without_a_call(
    store: DuckDBPyConnection, saved: Connection, cipher: TokenCipher, http: httpx.Client,
    tiktok: FakeTikTok,
) -> None:  # fmt: skip
    tokens = tokens_at(store, cipher, http, CONNECTED + timedelta(days=400))
    with pytest.raises(ReauthorizationNeededError) as caught:
        tokens.access_token()
    assert str(caught.value) == REAUTH + "(the refresh token expired at 2027-05-03 08:00 UTC)"
    assert tiktok.seen == []


def test_stored_tokens_leave_the_connection_active_when_throttled(
    store: DuckDBPyConnection, saved: Connection, cipher: TokenCipher, http: httpx.Client,
    tiktok: FakeTikTok,
) -> None:  # fmt: skip
    tiktok.answers.append((200, {"code": 40100, "message": "Too many requests.", "data": {}}))
    with pytest.raises(RateLimitedError):
        tokens_at(store, cipher, http, CONNECTED).refresh("code 40105")
    assert load_connection(store, "business:casa_verde_shop").status == "active"


def test_stored_tokens_for_research_ask_for_a_client_token(
    store: DuckDBPyConnection, cipher: TokenCipher, http: httpx.Client, tiktok: FakeTikTok
) -> None:
    client_token = Token("clt.FIRST", None, CONNECTED + timedelta(hours=2))
    save_connection(
        store, api="research", handle="garden.diaries",
        account_id=make_account_id("tiktok", "garden.diaries"), base_url=BASE, client_key="rk",
        client_secret="RESEARCH-SECRET", token=client_token, cipher=cipher, now=CONNECTED,
    )  # fmt: skip
    tiktok.answers.append((200, {"access_token": "clt.SECOND", "expires_in": 7199}))
    tokens = StoredTokens(store, "research:garden.diaries", cipher,
                          now=Clock(CONNECTED + timedelta(hours=1, minutes=55)), http=http)  # fmt: skip
    assert tokens.access_token() == "clt.SECOND"
    assert tiktok.sent() == [{"client_key": "rk", "client_secret": "RESEARCH-SECRET",
                              "grant_type": "client_credentials"}]  # fmt: skip
    assert str(tiktok.seen[0].url) == f"{BASE}/v2/oauth/token/"
    tiktok.answers.append((401, {"error": "invalid_client", "error_description": "Bad key.",
                                 "log_id": "L1"}))  # fmt: skip
    with pytest.raises(ReauthorizationNeededError) as caught:
        tokens.refresh("access_token_invalid")
    assert str(caught.value) == (
        "connection research:garden.diaries needs re-authorization: run 'tikscope connect "
        "--api research --handle garden.diaries' again (TikTok said: Bad key. "
        "[/v2/oauth/token/, invalid_client, log id L1])"
    )


def test_no_token_or_secret_is_stored_in_clear(
    store_path: Path, cipher: TokenCipher, tiktok: FakeTikTok, http: httpx.Client
) -> None:
    tiktok.answers.append(business_token("act.ROTATED-access-0002", "rft.ROTATED-refresh-0002"))
    with open_store(store_path, create=True) as store:
        save_business(store, cipher, FIRST)
        tokens_at(store, cipher, http, CONNECTED).refresh("test")
    with open_store(store_path) as store:
        assert tokens_at(store, cipher, http, CONNECTED).access_token() == "act.ROTATED-access-0002"
    stored = b"".join(path.read_bytes() for path in store_path.parent.glob("store.duckdb*"))
    assert b"casa_verde_shop" in stored  # the file is readable: the check below can fail
    for secret in (b"act.FIRST-access-0001", b"rft.FIRST-refresh-0001", b"APP-SECRET-0001",
                   b"act.ROTATED-access-0002", b"rft.ROTATED-refresh-0002"):  # fmt: skip
        assert secret not in stored


# --- accounts and overview -------------------------------------------------------------------


def test_ensure_account_adds_the_account_once(store: DuckDBPyConnection) -> None:
    account_id = ensure_account(store, api="display", handle="casa_verde_shop",
                                account_type="personal", display_name="Casa Verde")  # fmt: skip
    assert account_id == make_account_id("tiktok", "casa_verde_shop")
    ensure_account(store, api="business", handle="casa_verde_shop", account_type="business")
    rows = store.execute(
        "SELECT account_id, handle, account_type, display_name, time_zone, source FROM accounts"
    ).fetchall()
    assert rows == [(account_id, "casa_verde_shop", "personal", "Casa Verde", "UTC", "display_api")]
    assert store.execute("SELECT kind, source FROM runs").fetchall() == [("sync", "display_api")]


@pytest.mark.parametrize(
    ("api", "account_type"), [("business", "business"), ("research", "personal")]
)
def test_record_connection_adds_account_and_connection(
    store: DuckDBPyConnection, cipher: TokenCipher, api: Api, account_type: str
) -> None:
    identity = Identity("casa_verde_shop", None, None, None)
    saved = record_connection(
        store, api=api, identity=identity, base_url=BASE, client_key="k", client_secret="s",
        token=FIRST, cipher=cipher, now=CONNECTED,
    )  # fmt: skip
    assert saved.connection_id == f"{api}:casa_verde_shop"
    assert store.execute("SELECT account_id, account_type, open_id FROM accounts").fetchall() == [
        (saved.account_id, account_type, "-000bizOpenId")]  # fmt: skip


def test_connection_overview_shows_the_last_sync(
    store: DuckDBPyConnection, saved: Connection, cipher: TokenCipher
) -> None:
    store.execute(
        "INSERT INTO sync_log VALUES (1, ?, 'business', ?, ?, 'ok', 3, 0, NULL, NULL, '[]'), "
        "(2, ?, 'business', ?, ?, 'failed', 1, 0, NULL, 'boom', '[]')",
        [saved.account_id, CONNECTED, CONNECTED + timedelta(minutes=1),
         saved.account_id, CONNECTED + timedelta(hours=1), CONNECTED + timedelta(hours=1, minutes=1)],
    )  # fmt: skip
    save_connection(
        store, api="display", handle="other", account_id=make_account_id("tiktok", "other"),
        base_url=BASE, client_key="aw", client_secret="x", token=FIRST, cipher=cipher,
        now=CONNECTED,
    )  # fmt: skip
    assert connection_overview(store) == [
        {"connection": "business:casa_verde_shop", "api": "business", "handle": "casa_verde_shop",
         "status": "active", "access_expires_at": EXPIRES,
         "refresh_expires_at": datetime(2027, 5, 3, 8, 0), "last_sync": datetime(2026, 5, 3, 9, 1),
         "last_sync_status": "failed", "status_reason": None},
        {"connection": "display:other", "api": "display", "handle": "other", "status": "active",
         "access_expires_at": EXPIRES, "refresh_expires_at": datetime(2027, 5, 3, 8, 0),
         "last_sync": None, "last_sync_status": None, "status_reason": None},
    ]  # fmt: skip
