"""OAuth pieces: token answers, the token cipher, authorize URLs, token calls, the callback."""

from __future__ import annotations

import json
import socket
import stat
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from tikscope.errors import (
    ApiError,
    MalformedResponseError,
    RateLimitedError,
    SourceError,
    TokenInvalidError,
    UsageError,
)
from tikscope.sources import oauth
from tikscope.sources.callback import CallbackServer
from tikscope.sources.tokens import Token, TokenCipher, default_key_file, token_from_answer

ISSUED = datetime(2026, 5, 3, 8, 0, 0)
BUSINESS_TOKEN = {
    "access_token": "act.business1",
    "expires_in": 86400,
    "open_id": "-000bizOpenId",
    "refresh_token": "rft.business1",
    "refresh_token_expires_in": 31536000,
    "scope": "user.info.basic,user.insights",
    "token_type": "Bearer",
}
V2_TOKEN = {
    "access_token": "act.display1",
    "expires_in": 7200,
    "open_id": "-000xYzAbCdEf1234",
    "refresh_expires_in": 15552000,
    "refresh_token": "rft.display1",
    "scope": "user.info.basic,user.info.stats,video.list",
    "token_type": "Bearer",
}


# --- token answers ---------------------------------------------------------------------------


def test_token_from_answer_reads_the_business_shape() -> None:
    assert token_from_answer(BUSINESS_TOKEN, issued_at=ISSUED) == Token(
        access_token="act.business1",
        refresh_token="rft.business1",
        access_expires_at=datetime(2026, 5, 4, 8, 0, 0),
        refresh_expires_at=datetime(2027, 5, 3, 8, 0, 0),
        open_id="-000bizOpenId",
        scope="user.info.basic,user.insights",
    )


def test_token_from_answer_reads_the_older_business_shape() -> None:
    answer = {"access_token": "act.old", "expires": 86400, "refresh_token": "rft.old",
              "refresh_expires": 2592000, "creator_id": "creator42"}  # fmt: skip
    assert token_from_answer(answer, issued_at=ISSUED) == Token(
        access_token="act.old",
        refresh_token="rft.old",
        access_expires_at=datetime(2026, 5, 4, 8, 0, 0),
        refresh_expires_at=datetime(2026, 6, 2, 8, 0, 0),
        open_id="creator42",
        scope=None,
    )


def test_token_from_answer_reads_an_expiry_given_as_a_moment() -> None:
    answer = {"access_token": "act.old", "expires": 1777881600}
    token = token_from_answer(answer, issued_at=ISSUED)
    assert token.access_expires_at == datetime(2026, 5, 4, 8, 0, 0)


def test_token_from_answer_reads_the_v2_shape() -> None:
    assert token_from_answer(V2_TOKEN, issued_at=ISSUED) == Token(
        access_token="act.display1",
        refresh_token="rft.display1",
        access_expires_at=datetime(2026, 5, 3, 10, 0, 0),
        refresh_expires_at=datetime(2026, 10, 30, 8, 0, 0),
        open_id="-000xYzAbCdEf1234",
        scope="user.info.basic,user.info.stats,video.list",
    )


def test_token_from_answer_reads_a_client_token_without_refresh() -> None:
    answer = {"access_token": "clt.research1", "expires_in": 7199, "token_type": "Bearer"}
    assert token_from_answer(answer, issued_at=ISSUED) == Token(
        access_token="clt.research1",
        refresh_token=None,
        access_expires_at=datetime(2026, 5, 3, 9, 59, 59),
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"expires_in": 7200}, "/v2/oauth/token/: field access_token is missing or empty"),
        ({"access_token": "act.x"}, "/v2/oauth/token/: field expires_in is missing"),
        (
            {"access_token": "act.x", "expires_in": "soon"},
            "/v2/oauth/token/: field expires_in is not a number: 'soon'",
        ),
    ],
)
def test_token_from_answer_rejects_a_malformed_answer(answer: dict[str, Any], message: str) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        token_from_answer(answer, issued_at=ISSUED, endpoint="/v2/oauth/token/")
    assert str(caught.value) == message


def test_token_repr_hides_the_tokens() -> None:
    text = repr(token_from_answer(V2_TOKEN, issued_at=ISSUED))
    assert "act.display1" not in text
    assert "rft.display1" not in text


# --- cipher ----------------------------------------------------------------------------------


def test_cipher_round_trips_and_hides_the_text(tmp_path: Path) -> None:
    cipher = TokenCipher.from_key_file(tmp_path / "secret.key")
    sealed = cipher.encrypt("act.secret-token")
    assert b"act.secret-token" not in sealed
    assert cipher.decrypt(sealed) == "act.secret-token"


def test_cipher_creates_the_key_file_private_and_reuses_it(tmp_path: Path) -> None:
    path = tmp_path / "config" / "tikscope" / "secret.key"
    sealed = TokenCipher.from_key_file(path).encrypt("rft.keep-me")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_bytes()
    assert TokenCipher.from_key_file(path).decrypt(sealed) == "rft.keep-me"
    assert path.read_bytes() == key


def test_cipher_with_another_key_says_the_key_file_does_not_match(tmp_path: Path) -> None:
    sealed = TokenCipher.from_key_file(tmp_path / "first.key").encrypt("act.x")
    other = tmp_path / "second.key"
    with pytest.raises(UsageError) as caught:
        TokenCipher.from_key_file(other).decrypt(sealed)
    assert str(caught.value) == (
        f"cannot decrypt the stored tokens: key file {other} does not match the store; restore "
        "the key file the store was used with, or run 'tikscope connect' again"
    )


def test_cipher_rejects_a_key_file_that_holds_no_key(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    path.write_text("not a key\n")
    with pytest.raises(UsageError) as caught:
        TokenCipher.from_key_file(path)
    assert str(caught.value) == (
        f"key file {path} does not hold a tikscope key (32 url-safe base64-encoded bytes); "
        "restore the right file or remove it to make a new one"
    )


def test_default_key_file_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("TIKSCOPE_KEY_FILE", raising=False)
    assert default_key_file() == tmp_path / ".config" / "tikscope" / "secret.key"
    monkeypatch.setenv("TIKSCOPE_KEY_FILE", str(tmp_path / "elsewhere.key"))
    assert default_key_file() == tmp_path / "elsewhere.key"


# --- authorize URL ---------------------------------------------------------------------------


def test_authorize_url_for_display_uses_pkce_on_tiktok() -> None:
    url = oauth.authorize_url(
        "display", base_url=None, client_key="aw123key", state="st4te",
        redirect_uri="http://127.0.0.1:8765/callback", scopes=("user.info.basic", "video.list"),
        code_challenge="c0ffee",
    )  # fmt: skip
    assert url == (
        "https://www.tiktok.com/v2/auth/authorize/?client_key=aw123key&response_type=code"
        "&scope=user.info.basic,video.list&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback"
        "&state=st4te&code_challenge=c0ffee&code_challenge_method=S256"
    )


def test_authorize_url_for_business_on_a_fake_origin() -> None:
    url = oauth.authorize_url(
        "business", base_url="http://127.0.0.1:9000/", client_key="7000app",
        redirect_uri="http://127.0.0.1:8765/callback", state="s", scopes=("user.insights",),
        code_challenge=None,
    )  # fmt: skip
    assert url == (
        "http://127.0.0.1:9000/v2/auth/authorize/?client_key=7000app&response_type=code"
        "&scope=user.insights&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&state=s"
    )


def test_make_pkce_pair_hashes_the_verifier_in_hex() -> None:
    import hashlib

    verifier, challenge = oauth.make_pkce_pair()
    assert challenge == hashlib.sha256(verifier.encode()).hexdigest()
    assert 43 <= len(verifier) <= 128


# --- token calls -----------------------------------------------------------------------------

Seen = list[httpx.Request]


def mock_client(seen: Seen, status: int, body: Any) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    return httpx.Client(transport=httpx.MockTransport(handle))


def business_envelope(data: dict[str, Any]) -> dict[str, Any]:
    return {"code": 0, "message": "OK", "request_id": "2026050308", "data": data}


def test_exchange_code_business_posts_json_and_reads_the_envelope() -> None:
    seen: Seen = []
    with mock_client(seen, 200, business_envelope(BUSINESS_TOKEN)) as client:
        token = oauth.exchange_code(
            "business", base_url=None, client_key="7000app", client_secret="s3cret",
            code="auth-code-1", redirect_uri="http://127.0.0.1:8765/callback",
            code_verifier=None, issued_at=ISSUED, http=client,
        )  # fmt: skip
    assert token == token_from_answer(BUSINESS_TOKEN, issued_at=ISSUED)
    [request] = seen
    assert (request.method, str(request.url)) == (
        "POST", "https://business-api.tiktok.com/open_api/v1.3/tt_user/oauth2/token/")  # fmt: skip
    assert json.loads(request.content) == {
        "client_id": "7000app", "client_secret": "s3cret", "grant_type": "authorization_code",
        "auth_code": "auth-code-1", "redirect_uri": "http://127.0.0.1:8765/callback",
    }  # fmt: skip


def test_exchange_code_display_posts_a_form_with_the_verifier() -> None:
    seen: Seen = []
    with mock_client(seen, 200, V2_TOKEN) as client:
        token = oauth.exchange_code(
            "display", base_url="http://127.0.0.1:9000", client_key="aw123key",
            client_secret="s3cret", code="code-1", redirect_uri="http://127.0.0.1:8765/callback",
            code_verifier="verifier-1", issued_at=ISSUED, http=client,
        )  # fmt: skip
    assert token == token_from_answer(V2_TOKEN, issued_at=ISSUED)
    [request] = seen
    assert (request.method, str(request.url)) == ("POST", "http://127.0.0.1:9000/v2/oauth/token/")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "client_key": ["aw123key"], "client_secret": ["s3cret"], "code": ["code-1"],
        "grant_type": ["authorization_code"], "redirect_uri": ["http://127.0.0.1:8765/callback"],
        "code_verifier": ["verifier-1"],
    }  # fmt: skip


def test_refresh_token_business_posts_the_refresh_grant() -> None:
    seen: Seen = []
    with mock_client(seen, 200, business_envelope(BUSINESS_TOKEN)) as client:
        oauth.refresh_token(
            "business", base_url="http://127.0.0.1:9000", client_key="7000app",
            client_secret="s3cret", refresh_token="rft.old", issued_at=ISSUED, http=client,
        )  # fmt: skip
    [request] = seen
    assert str(request.url) == "http://127.0.0.1:9000/open_api/v1.3/tt_user/oauth2/refresh_token/"
    assert json.loads(request.content) == {"client_id": "7000app", "client_secret": "s3cret",
                                           "grant_type": "refresh_token", "refresh_token": "rft.old"}  # fmt: skip


def test_refresh_token_display_posts_the_refresh_grant() -> None:
    seen: Seen = []
    with mock_client(seen, 200, V2_TOKEN) as client:
        oauth.refresh_token(
            "display", base_url=None, client_key="aw123key", client_secret="s3cret",
            refresh_token="rft.old", issued_at=ISSUED, http=client,
        )  # fmt: skip
    [request] = seen
    assert str(request.url) == "https://open.tiktokapis.com/v2/oauth/token/"
    assert parse_qs(request.content.decode()) == {
        "client_key": ["aw123key"], "client_secret": ["s3cret"], "grant_type": ["refresh_token"],
        "refresh_token": ["rft.old"],
    }  # fmt: skip


def test_client_credentials_posts_the_client_grant() -> None:
    seen: Seen = []
    answer = {"access_token": "clt.research1", "expires_in": 7199, "token_type": "Bearer"}
    with mock_client(seen, 200, answer) as client:
        token = oauth.client_credentials(
            base_url=None, client_key="rk", client_secret="rs", issued_at=ISSUED, http=client
        )
    assert token.access_token == "clt.research1"
    assert parse_qs(seen[0].content.decode()) == {
        "client_key": ["rk"], "client_secret": ["rs"], "grant_type": ["client_credentials"]
    }  # fmt: skip


TokenCall = Callable[[httpx.Client], Token]


def business_refresh(client: httpx.Client) -> Token:
    return oauth.refresh_token("business", base_url=None, client_key="k", client_secret="s",
                               refresh_token="rft.old", issued_at=ISSUED, http=client)  # fmt: skip


def display_refresh(client: httpx.Client) -> Token:
    return oauth.refresh_token("display", base_url=None, client_key="k", client_secret="s",
                               refresh_token="rft.old", issued_at=ISSUED, http=client)  # fmt: skip


@pytest.mark.parametrize(
    ("call", "status", "body", "kind", "message", "code", "request_id"),
    [
        (
            business_refresh, 200,
            {"code": 40105, "message": "Access token is incorrect or has been revoked.",
             "request_id": "2026AAAA", "data": {}},
            TokenInvalidError,
            "Access token is incorrect or has been revoked. "
            "[/tt_user/oauth2/refresh_token/, code 40105, request id 2026AAAA]",
            "40105", "2026AAAA",
        ),
        (
            business_refresh, 200,
            {"code": 40100, "message": "Too many requests.", "request_id": "2026BBBB", "data": {}},
            RateLimitedError,
            "Too many requests. [/tt_user/oauth2/refresh_token/, code 40100, request id 2026BBBB]",
            "40100", "2026BBBB",
        ),
        (
            display_refresh, 400,
            {"error": "invalid_grant", "error_description": "Refresh token is invalid or expired.",
             "log_id": "2026CCCC"},
            TokenInvalidError,
            "Refresh token is invalid or expired. [/v2/oauth/token/, invalid_grant, log id 2026CCCC]",
            "invalid_grant", "2026CCCC",
        ),
        (
            display_refresh, 500,
            {"error": "internal_error", "error_description": "Try again.", "log_id": "2026DDDD"},
            ApiError,
            "Try again. [/v2/oauth/token/, internal_error, log id 2026DDDD]",
            "internal_error", "2026DDDD",
        ),
        (
            display_refresh, 502, "<html>bad gateway</html>", ApiError,
            "/v2/oauth/token/: TikTok answered HTTP 502", "502", None,
        ),
    ],
)  # fmt: skip
def test_token_calls_raise_tiktoks_errors(
    call: TokenCall, status: int, body: Any, kind: type[ApiError], message: str, code: str,
    request_id: str | None,
) -> None:  # fmt: skip
    with mock_client([], status, body) as client, pytest.raises(ApiError) as caught:
        call(client)
    assert type(caught.value) is kind
    assert (str(caught.value), caught.value.code, caught.value.request_id) == (
        message, code, request_id)  # fmt: skip


def test_token_calls_report_an_unreachable_host_without_the_secret() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with (
        httpx.Client(transport=httpx.MockTransport(refuse)) as client,
        pytest.raises(SourceError) as caught,
    ):
        display_refresh(client)
    assert str(caught.value) == (
        "cannot reach https://open.tiktokapis.com/v2/oauth/token/: [Errno 111] Connection refused"
    )


def test_token_call_rejects_a_non_json_answer() -> None:
    with mock_client([], 200, "hello") as client, pytest.raises(MalformedResponseError) as caught:
        display_refresh(client)
    assert str(caught.value) == "/v2/oauth/token/: the answer is not JSON (HTTP 200)"


# --- identity --------------------------------------------------------------------------------


def test_fetch_identity_business_asks_business_get() -> None:
    seen: Seen = []
    data = {
        "username": "Casa_Verde_Shop",
        "display_name": "Casa Verde",
        "is_business_account": True,
    }
    with mock_client(seen, 200, business_envelope(data)) as client:
        identity = oauth.fetch_identity(
            "business", base_url="http://127.0.0.1:9000", token="act.b", business_id="-000biz",
            http=client,
        )  # fmt: skip
    assert identity == oauth.Identity("casa_verde_shop", "Casa Verde", "-000biz", "business")
    [request] = seen
    assert request.headers["access-token"] == "act.b"
    assert request.url.path == "/open_api/v1.3/business/get/"
    assert dict(request.url.params) == {
        "business_id": "-000biz", "fields": '["username","display_name","is_business_account"]'
    }  # fmt: skip


def test_fetch_identity_display_asks_user_info() -> None:
    seen: Seen = []
    body = {"data": {"user": {"open_id": "-000xYz", "username": "casa_verde_shop",
                              "display_name": "Casa Verde"}},
            "error": {"code": "ok", "message": "", "log_id": "2026EEEE"}}  # fmt: skip
    with mock_client(seen, 200, body) as client:
        identity = oauth.fetch_identity(
            "display", base_url=None, token="act.d", business_id=None, http=client
        )
    assert identity == oauth.Identity("casa_verde_shop", "Casa Verde", "-000xYz", None)
    [request] = seen
    assert str(request.url) == (
        "https://open.tiktokapis.com/v2/user/info/?fields=open_id%2Cusername%2Cdisplay_name"
    )
    assert request.headers["authorization"] == "Bearer act.d"


def test_fetch_identity_display_without_username_names_the_field() -> None:
    body = {"data": {"user": {"open_id": "-000xYz"}}, "error": {"code": "ok", "message": ""}}
    with mock_client([], 200, body) as client, pytest.raises(MalformedResponseError) as caught:
        oauth.fetch_identity("display", base_url=None, token="act.d", business_id=None, http=client)
    assert str(caught.value) == (
        "/v2/user/info/: field data.user.username is missing (was the profile scope granted?)"
    )


def test_fetch_identity_display_with_a_revoked_token() -> None:
    body = {"data": {}, "error": {"code": "access_token_invalid", "message": "Token revoked.",
                                  "log_id": "2026FFFF"}}  # fmt: skip
    with mock_client([], 401, body) as client, pytest.raises(TokenInvalidError) as caught:
        oauth.fetch_identity("display", base_url=None, token="act.d", business_id=None, http=client)
    assert (
        str(caught.value)
        == "Token revoked. [/v2/user/info/, access_token_invalid, log id 2026FFFF]"
    )


# --- callback --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def visit(url: str) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=5) as client:
        return client.get(url)


def test_callback_server_returns_the_code_and_answers_a_page() -> None:
    with CallbackServer(0, state="st4te") as server:
        assert visit(f"http://127.0.0.1:{server.port}/favicon.ico").status_code == 404
        response = visit(f"{server.redirect_uri}?code=abc%2A1&scopes=user.info.basic&state=st4te")
        assert server.wait(timeout=1) == "abc*1"
    assert response.status_code == 200
    assert "tikscope is connected. You can close this tab." in response.text


def test_callback_server_accepts_a_business_auth_code() -> None:
    with CallbackServer(0, state="s") as server:
        visit(f"{server.redirect_uri}/?auth_code=biz-code&state=s")
        assert server.wait(timeout=1) == "biz-code"


def test_callback_server_rejects_another_state() -> None:
    with CallbackServer(0, state="mine") as server:
        response = visit(f"{server.redirect_uri}?code=abc&state=theirs")
        with pytest.raises(SourceError) as caught:
            server.wait(timeout=1)
    assert response.status_code == 400
    assert str(caught.value) == (
        "the redirect's state does not match this authorization (an old tab or a forged link); "
        "run 'tikscope connect' again"
    )


def test_callback_server_reports_a_refusal() -> None:
    with CallbackServer(0, state="s") as server:
        visit(f"{server.redirect_uri}?error=access_denied&error_description=User+said+no&state=s")
        with pytest.raises(SourceError) as caught:
            server.wait(timeout=1)
    assert str(caught.value) == "TikTok refused the authorization: access_denied: User said no"


def test_catch_callback_times_out_with_a_clear_message() -> None:
    port = free_port()
    with pytest.raises(SourceError) as caught:
        oauth.catch_callback(port, state="s", timeout=0.1)
    assert str(caught.value) == (
        f"no redirect from TikTok reached http://127.0.0.1:{port}/callback within 0.1 s; "
        "run 'tikscope connect' again and finish the authorization in the browser"
    )


def test_catch_callback_on_a_busy_port_says_so() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(UsageError) as caught:
            oauth.catch_callback(port, state="s", timeout=0.1)
    assert str(caught.value) == (
        f"cannot listen on 127.0.0.1:{port} for TikTok's redirect (Address already in use); "
        "pass --port with a free port"
    )
