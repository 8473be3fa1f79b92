"""The fake server's state, its answer envelopes, and the request pipeline every route goes through.

A request is counted, meets the faults (`faults.FaultBoard.judge`), then reaches its handler.
Handlers return the `data` of a successful answer or raise a `Refusal`, which knows the error
shape of its API family: Business (`code`/`message`/`request_id`, HTTP 200), open API v2
(`data` + `error{code,message,log_id}`) or OAuth (`error`/`error_description`/`log_id`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from starlette.responses import JSONResponse, Response

from tikscope.fake.data import FakeConfig, build_account
from tikscope.fake.faults import Fault, FaultBoard, Verdict
from tikscope.fake.tokens import FakeClock, TokenAuthority, TokenKind

if TYPE_CHECKING:
    from starlette.requests import Request

Family = Literal[
    "business", "display", "research", "business-oauth", "open-oauth", "page", "business-other",
    "open-other",
]  # fmt: skip
API_FAMILIES = ("business", "display", "research")
BUSINESS_FAMILIES = ("business", "business-oauth", "business-other")
Item = TypeVar("Item")


class Refusal(Exception):
    """An error answer of one API family."""

    def response(self, request_id: str) -> Response:
        """The HTTP answer."""
        raise NotImplementedError


class BusinessRefusal(Refusal):
    """A Business API error: HTTP 200 with a non-zero `code`."""

    def __init__(self, code: int, message: str) -> None:
        """Keep TikTok's code and message."""
        super().__init__(message)
        self.code = code
        self.message = message

    def response(self, request_id: str) -> Response:
        """The Business envelope with the error code."""
        body = {"code": self.code, "message": self.message, "request_id": request_id, "data": {}}
        return JSONResponse(body, headers={"X-Tt-Logid": request_id})


class OpenApiRefusal(Refusal):
    """An open API (v2 Display or Research) error: `error.code` and an HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        """Keep the status, TikTok's error code and message."""
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self, request_id: str) -> Response:
        """The v2 envelope with empty data."""
        error = {"code": self.code, "message": self.message, "log_id": request_id}
        return JSONResponse({"data": {}, "error": error}, status_code=self.status)


class OAuthRefusal(Refusal):
    """A v2 OAuth error: the flat `error`/`error_description`/`log_id` struct, HTTP 400."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        """Keep the OAuth error code and its description."""
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def response(self, request_id: str) -> Response:
        """The OAuth error struct."""
        body = {"error": self.error, "error_description": self.description, "log_id": request_id}
        return JSONResponse(body, status_code=self.status)


def invalid_params(message: str) -> OpenApiRefusal:
    """The v2 answer to a bad parameter."""
    return OpenApiRefusal(400, "invalid_params", message)


@dataclass(frozen=True)
class Call:
    """One request on its way through a handler."""

    server: FakeServer
    request: Request
    request_id: str
    family: Family

    async def json_body(self) -> dict[str, Any]:
        """The JSON object body ({} when empty)."""
        raw = await self.request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = None
        if isinstance(body, dict):
            return body
        raise self.bad_param("the request body must be a JSON object")

    def bad_param(self, message: str) -> Refusal:
        """This family's answer to a bad parameter (Business 40002, v2 `invalid_params`)."""
        if self.family in BUSINESS_FAMILIES:
            return BusinessRefusal(40002, message)
        return invalid_params(message)


Handler = Callable[[Call], Awaitable[Response]]


def business_answer(call: Call, data: dict[str, Any]) -> Response:
    """A successful Business answer."""
    body = {"code": 0, "message": "OK", "request_id": call.request_id, "data": data}
    return JSONResponse(body, headers={"X-Tt-Logid": call.request_id})


def open_answer(call: Call, data: dict[str, Any]) -> Response:
    """A successful open API v2 answer (`error.code` is `ok`)."""
    error = {"code": "ok", "message": "", "log_id": call.request_id}
    return JSONResponse({"data": data, "error": error})


class FakeServer:
    """Everything one fake server holds: the account, tokens, faults and request counts."""

    def __init__(self, config: FakeConfig, faults: Sequence[Fault] = ()) -> None:
        """Simulate the account and switch the faults on."""
        self.config = config
        self.account = build_account(config)
        self.clock = FakeClock()
        lifetimes: dict[TokenKind, int] = {
            "business": config.business_expires_in,
            "user": config.display_expires_in,
            "client": config.display_expires_in,
        }
        secret = f"{config.handle}:{config.seed}"
        self.tokens = TokenAuthority(secret, self.clock, lifetimes)
        self.faults = FaultBoard()
        self.reset()
        self.switch_faults(tuple(faults))

    def reset(self) -> None:
        """Forget faults, counts and served faults (tokens stay valid)."""
        self.faults.switch(())
        self.faults.served.clear()
        self.requests = 0
        self.sequence = 0
        self.by_path: Counter[str] = Counter()

    def switch_faults(self, faults: tuple[Fault, ...]) -> None:
        """Replace the faults on; `expire-tokens` invalidates the access tokens issued so far."""
        self.faults.switch(faults)
        if self.faults.is_on("expire-tokens"):
            self.tokens.invalidate_access_tokens()

    def stats(self) -> dict[str, Any]:
        """Requests served (control calls aside), by path, and the answers faults changed."""
        return {
            "requests": self.requests,
            "by_path": dict(sorted(self.by_path.items())),
            "faults_served": dict(sorted(self.faults.served.items())),
        }

    def next_request_id(self) -> str:
        """A request id like TikTok's: the serving day, a sequence number and hex digits."""
        self.sequence += 1
        digest = hashlib.sha256(f"{self.config.seed}:{self.sequence}".encode()).hexdigest()
        return f"{self.account.today:%Y%m%d}{self.sequence:06d}{digest[:20].upper()}"

    async def dispatch(self, request: Request, family: Family, handler: Handler) -> Response:
        """Count the request, apply the faults, run the handler."""
        self.requests += 1
        self.by_path[request.url.path] += 1
        verdict = self.faults.judge(
            is_api=family in API_FAMILIES, is_research=family == "research", day=self.clock.today()
        )
        call = Call(self, request, self.next_request_id(), family)
        if verdict.delay:
            await asyncio.sleep(verdict.delay)
        if verdict.failure:
            return fault_response(call, verdict)
        try:
            response = await handler(call)
        except Refusal as refusal:
            response = refusal.response(call.request_id)
        return truncated(response) if verdict.truncate else response

    def note_rejected_token(self, check: str) -> None:
        """Count a token refused because the `expire-tokens` fault invalidated it."""
        if check == "invalidated":
            self.faults.note("expire-tokens")


def fault_response(call: Call, verdict: Verdict) -> Response:
    """The answer a failure fault gives instead of the real one."""
    business = call.family in BUSINESS_FAMILIES
    headers = {"X-Tt-Logid": call.request_id} if business else {}
    if verdict.failure == "server-error" and verdict.status == 503:
        return Response("Service Unavailable", 503, headers=headers, media_type="text/plain")
    if verdict.failure == "server-error":
        refusal: Refusal = (
            BusinessRefusal(50002, "Internal service error.")
            if business
            else OpenApiRefusal(500, "internal_error", "Internal error. Please retry later.")
        )
        response = refusal.response(call.request_id)
        response.status_code = 500
        return response
    if verdict.failure == "quota":
        return OpenApiRefusal(429, "daily_quota_limit_exceeded", "Daily quota exceeded.").response(
            call.request_id
        )
    if business:
        message = "Too many requests. Please retry in some time."
        return BusinessRefusal(40100, message).response(call.request_id)
    message = "The API rate limit was exceeded. Please try again later."
    return OpenApiRefusal(429, "rate_limit_exceeded", message).response(call.request_id)


def truncated(response: Response) -> Response:
    """The same answer with its body cut in half, as HTTP 200."""
    body = bytes(response.body)
    headers = {k: v for k, v in response.headers.items() if k.lower() == "x-tt-logid"}
    return Response(body[: len(body) // 2], 200, headers=headers, media_type="application/json")


def time_page(
    items: Sequence[Item],
    time_of: Callable[[Item], int],
    *,
    before: int,
    inclusive: bool,
    max_count: int,
) -> tuple[list[Item], bool]:
    """A page of newest-first `items` with time before (or at) `before`, and whether more follow.

    A page never splits items of equal time, so that a time cursor cannot skip or repeat any:
    it ends before a tie group, or takes the whole group when the group alone fills the page.
    """
    negated = -before
    find = bisect_left if inclusive else bisect_right
    start = find(items, negated, key=lambda item: -time_of(item))
    end = min(start + max_count, len(items))
    if start < end < len(items) and time_of(items[end]) == time_of(items[end - 1]):
        tied = time_of(items[end - 1])
        cut = end
        while cut > start and time_of(items[cut - 1]) == tied:
            cut -= 1
        if cut == start:
            while end < len(items) and time_of(items[end]) == tied:
                end += 1
        else:
            end = cut
    return list(items[start:end]), end < len(items)


def require_open_token(call: Call, kind: TokenKind) -> None:
    """Check `Authorization: Bearer <token>` for a live open API token of `kind`.

    Raises:
        OpenApiRefusal: 401 `access_token_invalid`, or `scope_not_authorized` for a live token of
            another kind (a user token on the Research API, say).
    """
    scheme, _, token = call.request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        tokens = call.server.tokens
        check = tokens.check_access(token, kind)
        if check == "ok":
            return
        call.server.note_rejected_token(check)
        others: tuple[TokenKind, ...] = ("user", "client", "business")
        if check == "invalid" and any(tokens.check_access(token, k) == "ok" for k in others):
            message = "The token's kind does not grant this endpoint."
            raise OpenApiRefusal(401, "scope_not_authorized", message)
    message = "The access token is invalid or not found in the request."
    raise OpenApiRefusal(401, "access_token_invalid", message)


def open_fields(call: Call, valid: tuple[str, ...]) -> list[str]:
    """The comma-separated `fields` query parameter of the open API: required, known names."""
    raw = call.request.query_params.get("fields", "")
    fields = [name.strip() for name in raw.split(",") if name.strip()]
    if not fields:
        raise invalid_params("fields is required.")
    unknown = [name for name in fields if name not in valid]
    if unknown:
        raise invalid_params(f"Invalid fields: {', '.join(unknown)}.")
    return fields


def body_int(body: dict[str, Any], name: str, default: int, low: int, high: int | None) -> int:
    """An integer member of a JSON body within bounds."""
    value = body.get(name, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_params(f"{name} must be an integer.")
    if value < low or (high is not None and value > high):
        raise invalid_params(f"{name} must be between {low} and {high}.")
    return value
