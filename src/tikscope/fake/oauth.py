"""Fake OAuth: the authorize page and the Business and v2 token endpoints (spec §1.2, §2.1).

The authorize page asks nothing: it redirects at once to `redirect_uri` with a code (as both
`code` and `auth_code`), the granted `scopes` and the `state`, so a connect flow runs unattended.
One code can be exchanged, once, at either token endpoint within 10 minutes. Refreshing rotates
the refresh token: the old one stops working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from tikscope.fake.server import BusinessRefusal, Call, OAuthRefusal, Refusal, business_answer

if TYPE_CHECKING:
    from tikscope.fake.tokens import TokenKind

BUSINESS_SCOPE = (
    "user.info.basic,user.info.username,user.info.stats,user.account.type,user.insights,"
    "video.list,video.insights,comment.list"
)
DISPLAY_SCOPE = "user.info.basic,user.info.profile,user.info.stats,video.list"
CLIENT_SCOPE = "research.data.basic"


async def authorize_page(call: Call) -> Response:
    """`GET /v2/auth/authorize/`: approve at once and redirect (302) to the app."""
    params = call.request.query_params
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or not params.get("client_key"):
        return PlainTextResponse("client_key and redirect_uri are required.", 400)
    expected = call.server.config.client_key
    query: dict[str, str]
    if expected is not None and params["client_key"] != expected:
        query = {"error": "invalid_client", "error_description": "Unknown client_key."}
    else:
        scope = params.get("scope", "")
        code = call.server.tokens.issue_code(scope, redirect_uri)
        query = {"code": code, "auth_code": code, "scopes": scope}
    if "state" in params:
        query["state"] = params["state"]
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(query)}", status_code=302)


def check_client(call: Call, key: object, secret: object, *, business: bool) -> None:
    """The app's key and secret are given and, when the fake was configured with some, match."""
    config = call.server.config
    if not key or not secret:
        if business:
            raise BusinessRefusal(40001, "client_id and client_secret are required.")
        raise OAuthRefusal("invalid_request", "client_key and client_secret are required.")
    if (config.client_key is not None and key != config.client_key) or (
        config.client_secret is not None and secret != config.client_secret
    ):
        if business:
            raise BusinessRefusal(40101, "Invalid app id or secret.")
        raise OAuthRefusal("invalid_client", "Client key or secret is incorrect.", 401)


def redeem(call: Call, code: object, redirect_uri: object, refusal: Refusal) -> str:
    """The scope granted by a code; `refusal` when the code or redirect URI is wrong."""
    grant = call.server.tokens.redeem_code(str(code or ""))
    if grant is None or (redirect_uri and redirect_uri != grant.redirect_uri):
        raise refusal
    return grant.scope


def rotate(call: Call, refresh_token: object, kind: TokenKind, refusal: Refusal) -> dict[str, Any]:
    """New tokens for a refresh token; `refusal` when refused (or the revoke-refresh fault)."""
    if call.server.faults.is_on("revoke-refresh"):
        call.server.faults.note("revoke-refresh")
        raise refusal
    answer = call.server.tokens.rotate(str(refresh_token or ""), kind)
    if answer is None:
        raise refusal
    return answer


def business_tokens(call: Call, answer: dict[str, Any]) -> Response:
    """A Business token answer (`refresh_token_expires_in`, `open_id`)."""
    data = dict(answer)
    data["refresh_token_expires_in"] = data.pop("refresh_expires_in")
    data["open_id"] = call.server.account.business_id
    return business_answer(call, dict(sorted(data.items())))


async def business_token(call: Call) -> Response:
    """`POST /open_api/v1.3/tt_user/oauth2/token/`: exchange an auth code (JSON body)."""
    body = await call.json_body()
    check_client(call, body.get("client_id"), body.get("client_secret"), business=True)
    if body.get("grant_type") != "authorization_code":
        raise BusinessRefusal(40002, "grant_type must be authorization_code.")
    code = body.get("auth_code") or body.get("code")
    refusal = BusinessRefusal(40110, "Auth code is invalid, used or expired.")
    scope = redeem(call, code, body.get("redirect_uri"), refusal) or BUSINESS_SCOPE
    return business_tokens(call, call.server.tokens.issue("business", scope))


async def business_refresh(call: Call) -> Response:
    """`POST /open_api/v1.3/tt_user/oauth2/refresh_token/`: new tokens, rotated refresh token."""
    body = await call.json_body()
    check_client(call, body.get("client_id"), body.get("client_secret"), business=True)
    if body.get("grant_type") != "refresh_token":
        raise BusinessRefusal(40002, "grant_type must be refresh_token.")
    if not body.get("refresh_token"):
        raise BusinessRefusal(40001, "refresh_token is required.")
    refusal = BusinessRefusal(40105, "Refresh token is incorrect, expired or has been revoked.")
    return business_tokens(call, rotate(call, body["refresh_token"], "business", refusal))


async def open_token(call: Call) -> Response:
    """`POST /v2/oauth/token/` (form-encoded): authorization code, refresh or client credentials."""
    fields = {
        key: values[-1] for key, values in parse_qs((await call.request.body()).decode()).items()
    }
    check_client(call, fields.get("client_key"), fields.get("client_secret"), business=False)
    grant_type = fields.get("grant_type")
    tokens = call.server.tokens
    if grant_type == "client_credentials":
        return JSONResponse(tokens.issue("client", CLIENT_SCOPE))
    if grant_type == "refresh_token":
        refusal = OAuthRefusal("invalid_grant", "Refresh token is invalid or expired.")
        answer = rotate(call, fields.get("refresh_token"), "user", refusal)
    elif grant_type == "authorization_code":
        if not fields.get("code") or not fields.get("redirect_uri"):
            raise OAuthRefusal("invalid_request", "code and redirect_uri are required.")
        refusal = OAuthRefusal("invalid_grant", "Authorization code is invalid or expired.")
        scope = redeem(call, fields["code"], fields["redirect_uri"], refusal) or DISPLAY_SCOPE
        answer = tokens.issue("user", scope)
    else:
        raise OAuthRefusal("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}.")
    answer["open_id"] = call.server.account.business_id
    return JSONResponse(dict(sorted(answer.items())))
