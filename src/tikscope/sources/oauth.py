"""OAuth with TikTok: the authorize page, the local callback, token calls and who authorized.

Business API apps exchange an `auth_code` at `/open_api/v1.3/tt_user/oauth2/token/` (JSON body,
Business envelope); developers.tiktok.com apps (Display API, Research API) use
`/v2/oauth/token/` (form body, OAuth error struct). Every function takes the `base_url` origin of
the API (a fake server serves every path under one origin) and falls back to TikTok's hosts when
it is None. Which of the two a family speaks is its `style` in `tikscope.sources.families`.
Secrets and tokens never appear in errors or logs.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from tikscope.errors import (
    ApiError,
    InvalidHandleError,
    MalformedResponseError,
    RateLimitedError,
    SourceError,
    TokenInvalidError,
    UsageError,
)
from tikscope.ids import parse_handle
from tikscope.sources.families import (
    BUSINESS_ORIGIN,
    FAMILIES_BY_KEY,
    OPEN_API_ORIGIN,
    Api,
    Family,
)
from tikscope.sources.records import AccountType
from tikscope.sources.tokens import Token, token_from_answer

if TYPE_CHECKING:
    import httpx

    HttpClient = httpx.Client

AUTHORIZE_ORIGIN = "https://www.tiktok.com"
BUSINESS_PREFIX = "/open_api/v1.3"
V2_TOKEN_PATH = "/v2/oauth/token/"
BUSINESS_AUTH_CODES = frozenset({40101, 40104, 40105, 40110, 40130, 40131})
V2_RETRYABLE = frozenset({"rate_limit_exceeded", "internal_error", "server_error", "timeout",
                          "temporarily_unavailable"})  # fmt: skip


def api_origin(api: Api, base_url: str | None) -> str:
    """Where `api` is called: `base_url` when configured, else TikTok's host for it."""
    return origin_or(base_url, FAMILIES_BY_KEY[api].origin)


def origin_or(base_url: str | None, origin: str) -> str:
    """`base_url` without its trailing slash when configured, else TikTok's `origin`."""
    return base_url.rstrip("/") if base_url else origin


def authorized_family(api: Api) -> Family:
    """The family of `api`, which must be one a user authorizes (not client credentials)."""
    family = FAMILIES_BY_KEY[api]
    if family.names_account:
        raise UsageError(f"the {family.label} has no user to authorize; it uses client credentials")
    return family


def make_pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its challenge.

    # TRICKY: TikTok's desktop Login Kit wants the SHA-256 of the verifier hex-encoded, not the
    # base64url of RFC 7636, although the method is still called S256.
    """
    verifier = secrets.token_urlsafe(48)
    return verifier, hashlib.sha256(verifier.encode()).hexdigest()


def authorize_url(
    api: Api,
    *,
    base_url: str | None,
    client_key: str,
    redirect_uri: str,
    state: str,
    scopes: Sequence[str],
    code_challenge: str | None,
) -> str:
    """The page where the account holder authorizes the app.

    Both apps use TikTok's `/v2/auth/authorize/` page with the app's `client_key` (a Business app's
    app id). `base_url` is a fake server's origin, or None for www.tiktok.com.
    """
    authorized_family(api)
    origin = origin_or(base_url, AUTHORIZE_ORIGIN)
    parameters = {
        "client_key": client_key,
        "response_type": "code",
        "scope": ",".join(scopes),
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if code_challenge is not None:
        parameters |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
    return f"{origin}/v2/auth/authorize/?{urlencode(parameters, safe=',', quote_via=quote)}"


def exchange_code(
    api: Api,
    *,
    base_url: str | None,
    client_key: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    code_verifier: str | None,
    issued_at: datetime,
    http: HttpClient | None = None,
) -> Token:
    """Trade the authorization code from the callback for tokens."""
    if authorized_family(api).style == "business":
        body = {"client_id": client_key, "client_secret": client_secret,
                "grant_type": "authorization_code", "auth_code": code,
                "redirect_uri": redirect_uri}  # fmt: skip
        return business_token(base_url, "/tt_user/oauth2/token/", body, issued_at, http)
    form = {"client_key": client_key, "client_secret": client_secret, "code": code,
            "grant_type": "authorization_code", "redirect_uri": redirect_uri}  # fmt: skip
    if code_verifier is not None:
        form["code_verifier"] = code_verifier
    return v2_token(base_url, form, issued_at, http)


def refresh_token(
    api: Api,
    *,
    base_url: str | None,
    client_key: str,
    client_secret: str,
    refresh_token: str,
    issued_at: datetime,
    http: HttpClient | None = None,
) -> Token:
    """A new access token (and maybe a new refresh token) for a stored refresh token."""
    if authorized_family(api).style == "business":
        body = {"client_id": client_key, "client_secret": client_secret,
                "grant_type": "refresh_token", "refresh_token": refresh_token}  # fmt: skip
        return business_token(base_url, "/tt_user/oauth2/refresh_token/", body, issued_at, http)
    form = {"client_key": client_key, "client_secret": client_secret,
            "grant_type": "refresh_token", "refresh_token": refresh_token}  # fmt: skip
    return v2_token(base_url, form, issued_at, http)


def client_credentials(
    *,
    base_url: str | None,
    client_key: str,
    client_secret: str,
    issued_at: datetime,
    http: HttpClient | None = None,
) -> Token:
    """A client access token (Research API): no user, no refresh token, valid about 2 hours."""
    form = {"client_key": client_key, "client_secret": client_secret,
            "grant_type": "client_credentials"}  # fmt: skip
    return v2_token(base_url, form, issued_at, http)


def business_token(
    base_url: str | None,
    path: str,
    body: dict[str, str],
    issued_at: datetime,
    http: HttpClient | None,
) -> Token:
    """POST a Business token call and read the token from its envelope."""
    origin = origin_or(base_url, BUSINESS_ORIGIN)
    with open_client(http) as client:
        answer = send(client, "POST", origin, BUSINESS_PREFIX + path, path, json=body)
    data = business_data(answer, path, token_call=True)
    return token_from_answer(data, issued_at=issued_at, endpoint=path)


def v2_token(
    base_url: str | None, form: dict[str, str], issued_at: datetime, http: HttpClient | None
) -> Token:
    """POST to the v2 token endpoint and read the token, or its OAuth error."""
    origin = origin_or(base_url, OPEN_API_ORIGIN)
    with open_client(http) as client:
        answer = send(client, "POST", origin, V2_TOKEN_PATH, V2_TOKEN_PATH, data=form)
    check_v2_error(answer, V2_TOKEN_PATH, token_call=True)
    body = answer["data"] if isinstance(answer.get("data"), dict) else answer
    return token_from_answer(body, issued_at=issued_at, endpoint=V2_TOKEN_PATH)


@dataclass(frozen=True)
class Identity:
    """Who authorized: the account a connection reads.

    Attributes:
        handle: the username, without `@`, lower-cased.
        display_name: the shown name, when given.
        open_id: TikTok's id of the user, when given.
        account_type: business or personal, when the API tells (Business API only).
    """

    handle: str
    display_name: str | None
    open_id: str | None
    account_type: AccountType | None


def fetch_identity(
    api: Api,
    *,
    base_url: str | None,
    token: str,
    business_id: str | None,
    http: HttpClient | None = None,
) -> Identity:
    """The account behind `token`. The Research API has none: the user names the account."""
    origin = api_origin(api, base_url)
    if authorized_family(api).style == "business":
        return business_identity(origin, token, business_id, http)
    path = "/v2/user/info/"
    headers = {"Authorization": f"Bearer {token}"}
    params = {"fields": "open_id,username,display_name"}
    with open_client(http) as client:
        answer = send(client, "GET", origin, path, path, headers=headers, params=params)
    check_v2_error(answer, path, token_call=False)
    user = answer.get("data", {}).get("user") if isinstance(answer.get("data"), dict) else None
    if not isinstance(user, dict):
        raise MalformedResponseError(f"{path}: field data.user is missing")
    return identity_from(user, path, "data.user.username", account_type=None)


def business_identity(
    origin: str, token: str, business_id: str | None, http: HttpClient | None
) -> Identity:
    """The Business account behind `token`, from `/business/get/`."""
    path = "/business/get/"
    if not business_id:
        raise MalformedResponseError("/tt_user/oauth2/token/: field open_id is missing")
    params = {"business_id": business_id,
              "fields": '["username","display_name","is_business_account"]'}  # fmt: skip
    with open_client(http) as client:
        answer = send(client, "GET", origin, BUSINESS_PREFIX + path, path,
                      headers={"Access-Token": token}, params=params)  # fmt: skip
    data = business_data(answer, path, token_call=False)
    is_business = data.get("is_business_account")
    account_type: AccountType | None = None
    if isinstance(is_business, bool):
        account_type = "business" if is_business else "personal"
    identity = identity_from(data, path, "data.username", account_type=account_type)
    return Identity(identity.handle, identity.display_name, business_id, account_type)


def identity_from(
    fields: dict[str, Any], path: str, shown: str, *, account_type: AccountType | None
) -> Identity:
    """An identity from a user object; the username is required."""
    username = fields.get("username")
    if not isinstance(username, str) or not username.strip().lstrip("@"):
        raise MalformedResponseError(
            f"{path}: field {shown} is missing (was the profile scope granted?)"
        )
    try:
        handle = parse_handle(username)
    except InvalidHandleError as error:
        raise MalformedResponseError(f"{path}: field {shown}: {error}") from None
    display_name = fields.get("display_name")
    open_id = fields.get("open_id")
    return Identity(
        handle=handle,
        display_name=display_name if isinstance(display_name, str) else None,
        open_id=open_id if isinstance(open_id, str) else None,
        account_type=account_type,
    )


@contextmanager
def open_client(http: HttpClient | None) -> Iterator[HttpClient]:
    """`http` when given (tests pass one over a mock transport), else a new client closed after."""
    if http is not None:
        yield http
        return
    import httpx

    with httpx.Client(timeout=30.0) as client:
        yield client


def send(
    client: HttpClient, method: str, origin: str, path: str, endpoint: str, **options: Any
) -> dict[str, Any]:
    """Make one call and return its JSON object; transport failures become SourceError."""
    import httpx

    try:
        response = client.request(method, origin + path, **options)
    except httpx.HTTPError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SourceError(f"cannot reach {origin}{path}: {reason}") from None
    try:
        answer = response.json()
    except ValueError:
        if response.status_code >= 500:
            raise ApiError(f"{endpoint}: TikTok answered HTTP {response.status_code}",
                           endpoint=endpoint, code=str(response.status_code)) from None  # fmt: skip
        raise MalformedResponseError(
            f"{endpoint}: the answer is not JSON (HTTP {response.status_code})"
        ) from None
    if not isinstance(answer, dict):
        raise MalformedResponseError(f"{endpoint}: the answer is not a JSON object")
    return answer


def business_data(answer: dict[str, Any], endpoint: str, *, token_call: bool) -> dict[str, Any]:
    """The `data` of a Business envelope, or the error its `code` stands for."""
    code = answer.get("code")
    if not isinstance(code, int) or isinstance(code, bool):
        raise MalformedResponseError(f"{endpoint}: field code is missing")
    request_id = optional_id(answer.get("request_id"))
    if code != 0:
        message = str(answer.get("message") or "no message")
        text = f"{message} [{endpoint}, code {code}, request id {request_id or 'none'}]"
        kind: type[ApiError] = ApiError
        if code == 40100:
            kind = RateLimitedError
        # On a token call every client-side refusal means the grant cannot be used.
        elif code in BUSINESS_AUTH_CODES or (token_call and code < 50000):
            kind = TokenInvalidError
        raise kind(text, endpoint=endpoint, code=str(code), request_id=request_id)
    data = answer.get("data")
    if not isinstance(data, dict):
        raise MalformedResponseError(f"{endpoint}: field data is missing")
    return data


def check_v2_error(answer: dict[str, Any], endpoint: str, *, token_call: bool) -> None:
    """Raise the error in a v2 answer: the OAuth struct or the API envelope's `error` object."""
    error = answer.get("error")
    if isinstance(error, dict):
        code = str(error.get("code") or "ok")
        message = str(error.get("message") or "no message")
        log_id = optional_id(error.get("log_id"))
    elif isinstance(error, str) and error:
        code = error
        message = str(answer.get("error_description") or "no description")
        log_id = optional_id(answer.get("log_id"))
    else:
        return
    if code == "ok":
        return
    text = f"{message} [{endpoint}, {code}, log id {log_id or 'none'}]"
    kind: type[ApiError] = ApiError
    if code == "rate_limit_exceeded":
        kind = RateLimitedError
    elif code == "access_token_invalid" or (token_call and code not in V2_RETRYABLE):
        kind = TokenInvalidError
    raise kind(text, endpoint=endpoint, code=code, request_id=log_id)


def optional_id(value: Any) -> str | None:
    """A request or log id as text, None when absent."""
    return str(value) if value not in (None, "") else None


def catch_callback(port: int, *, state: str, timeout: float) -> str:
    """Wait on 127.0.0.1:`port` for TikTok's redirect to `/callback` and return its code.

    Raises:
        SourceError: the authorization was refused, the state does not match, or no redirect
            came within `timeout` seconds.
        UsageError: the port is in use.
    """
    from tikscope.sources.callback import CallbackServer

    with CallbackServer(port, state=state) as server:
        return server.wait(timeout)
