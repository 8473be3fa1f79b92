"""One HTTP session per API connection: auth header, answer envelope, retries, request ids.

TikTok's two API families answer differently, so a session has a `style`:

- ``business`` (API for Business, ``/open_api/v1.3/...``): header ``Access-Token: <token>``;
  list and dict query parameters JSON-encoded; envelope ``{"code", "message", "request_id",
  "data"}`` with errors as HTTP 200 and a non-zero ``code`` (40100 throttled, 40105 bad token).
- ``open`` (Display API v2 and Research API, ``/v2/...``): header ``Authorization: Bearer
  <token>``; list query parameters comma-joined; envelope ``{"data", "error": {"code",
  "message", "log_id"}}`` where success carries ``error.code == "ok"``.

What is retried: throttling, 5xx, connection errors, timeouts and bodies that are not JSON
(truncated), with exponential backoff and full jitter, at most `RetryPolicy.attempts` times. A
rejected token is refreshed once. A used-up daily quota and every other error fail at once.
Every request id is kept in `CallStats.request_ids` and logged on ``tikscope.sources``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random as random_module
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from tikscope.errors import (
    ApiError,
    MalformedResponseError,
    QuotaExhaustedError,
    RateLimitedError,
    SourceError,
    TokenInvalidError,
)
from tikscope.sources.answers import describe, text_or_none
from tikscope.sources.auth import TokenSource

if TYPE_CHECKING:
    import httpx

LOGGER = logging.getLogger("tikscope.sources")

Style = Literal["business", "open"]
JsonObject = dict[str, Any]

BUSINESS_THROTTLED = 40100
BUSINESS_TOKEN_INVALID = 40105
BUSINESS_SERVER_ERRORS = 50000
OPEN_THROTTLED = "rate_limit_exceeded"
OPEN_QUOTA_EXHAUSTED = "daily_quota_limit_exceeded"
OPEN_TOKEN_INVALID = "access_token_invalid"
OPEN_TRANSIENT = frozenset({"internal_error", "timeout"})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a session waits before it gives up.

    Attributes:
        attempts: tries of one call before the last error is raised (a token refresh adds one).
        base_delay: first backoff ceiling for server and network errors, in seconds.
        max_delay: cap of that ceiling; the wait is drawn uniformly below it (full jitter).
        rate_limit_delay: least wait after the first throttled answer; doubles per retry.
        max_rate_limit_delay: cap of the throttle wait (the Business API asks for ~5 minutes).
    """

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    rate_limit_delay: float = 60.0
    max_rate_limit_delay: float = 300.0

    def backoff(self, failures: int, random: random_module.Random) -> float:
        """Seconds to wait after `failures` server or network errors: uniform in [0, ceiling]."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
        return random.uniform(0.0, ceiling)

    def throttle_wait(self, failures: int, random: random_module.Random) -> float:
        """Seconds to wait after a throttled answer: uniform in [floor, min(2 floor, cap)]."""
        floor = min(self.max_rate_limit_delay, self.rate_limit_delay * 2 ** (failures - 1))
        return random.uniform(floor, min(2 * floor, max(floor, self.max_rate_limit_delay)))


@dataclass
class CallStats:
    """What a session did, for the sync log.

    Attributes:
        requests: HTTP requests sent, retries included.
        retries: requests that repeated an earlier one.
        request_ids: TikTok's ``request_id`` / ``log_id`` of every answer, in order.
    """

    requests: int = 0
    retries: int = 0
    request_ids: list[str] = field(default_factory=list)


class _Transient(Exception):
    """An attempt failed in a way worth retrying; `build` makes the error raised at the end."""

    def __init__(
        self, build: Callable[[str], SourceError], message: str, *, throttled: bool = False
    ) -> None:
        super().__init__(message)
        self.build = build
        self.message = message
        self.throttled = throttled


class _TokenRejected(Exception):
    """TikTok rejected the access token; the session refreshes it once."""

    def __init__(self, error: TokenInvalidError) -> None:
        super().__init__(str(error))
        self.error = error


def pooled_transport() -> httpx.BaseTransport:
    """One HTTP transport (TLS context and connection pool) for many sessions to share.

    # NOTE: a new `httpx.Client` builds its own TLS context, about 0.2 s; a scheduler that keeps a
    # session per connection shares one transport instead.
    """
    import httpx

    return httpx.HTTPTransport()


class ApiSession:
    """Calls one TikTok API with one token source over one `httpx.Client`."""

    def __init__(
        self,
        base_url: str,
        *,
        tokens: TokenSource,
        style: Style,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        random: random_module.Random | None = None,
        gate: Callable[[], None] | None = None,
    ) -> None:
        """Open a client on `base_url`, the origin the clients' paths are joined to.

        Args:
            base_url: scheme and host, e.g. ``https://business-api.tiktok.com`` or a fake server.
            tokens: where the access token comes from, and how it is refreshed.
            style: ``business`` (API for Business) or ``open`` (Display v2 and Research).
            policy: retry counts and waits.
            sleep: how to wait; tests pass a recorder.
            transport: an httpx transport; tests pass `httpx.MockTransport`.
            timeout: seconds for connecting and for each read.
            random: the source of jitter; a seeded one makes the waits repeatable.
            gate: called before every request (retries included) and waits until the app's
                request budget lets it go (`sync.plan.RequestBudget`); None: no wait.
        """
        import httpx

        self.tokens = tokens
        self.style: Style = style
        self.policy = policy
        self.sleep = sleep
        self.timeout = timeout
        self.random = random or random_module.Random()
        self.stats = CallStats()
        self.gate = gate
        self.last_request_id: str | None = None
        self.client = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)

    def __enter__(self) -> ApiSession:
        """The session itself; the client closes when the block ends."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the client."""
        self.close()

    def close(self) -> None:
        """Close the HTTP client and its connections."""
        self.client.close()

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        expect: Mapping[str, type] | None = None,
    ) -> JsonObject:
        """GET `path` and return the answer's ``data`` object.

        Args:
            path: the endpoint under the origin, e.g. ``/open_api/v1.3/business/get/``.
            params: query parameters; None values are left out.
            expect: keys ``data`` must hold, with their JSON type (``{"videos": list}``).

        Raises:
            ApiError: TikTok answered with an error (or a subclass: throttled past the retries,
                quota used up, token invalid after one refresh).
            MalformedResponseError: the answer is not the documented shape.
            ReauthorizationNeededError: the token could not be refreshed.
        """
        return self.call("GET", path, params=params, body=None, expect=expect)

    def post(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        expect: Mapping[str, type] | None = None,
    ) -> JsonObject:
        """POST `json` to `path` and return the answer's ``data`` object; errors as `get`."""
        return self.call("POST", path, params=params, body=json, expect=expect)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        body: Any,
        expect: Mapping[str, type] | None,
    ) -> JsonObject:
        """Send until an answer is usable, retrying as the module docstring says."""
        failures = 0
        refreshed = False
        while True:
            try:
                data = self.send(method, path, params, body)
            except _TokenRejected as rejected:
                if refreshed:
                    raise rejected.error from None
                refreshed = True
                self.tokens.refresh(str(rejected.error))
            except _Transient as transient:
                failures += 1
                if failures >= self.policy.attempts:
                    text = f"{transient.message}; gave up after {failures} attempts"
                    raise transient.build(text) from None
                wait = self.policy.throttle_wait if transient.throttled else self.policy.backoff
                seconds = wait(failures, self.random)
                LOGGER.warning("%s; retry %d in %.1f s", transient.message, failures, seconds)
                self.sleep(seconds)
            else:
                return self.check_shape(method, path, data, expect or {})
            self.stats.retries += 1

    def send(
        self, method: str, path: str, params: Mapping[str, Any] | None, body: Any
    ) -> JsonObject:
        """One request; the answer's ``data``, or `_Transient` / `_TokenRejected` / an error."""
        import httpx

        if self.gate is not None:
            self.gate()
        self.stats.requests += 1
        self.last_request_id = None
        where = f"{method} {path}"
        try:
            response = self.client.request(
                method, path, params=self.encode(params), json=body, headers=self.headers()
            )
        except httpx.TimeoutException as error:
            text = f"{where}: no answer within {self.timeout:g} s ({type(error).__name__})"
            raise _Transient(partial(ApiError, endpoint=path, code="timeout"), text) from None
        except httpx.RequestError as error:
            text = f"{where}: could not reach TikTok ({type(error).__name__}: {error})"
            build = partial(ApiError, endpoint=path, code="connection_error")
            raise _Transient(build, text) from None
        logid = response.headers.get("X-Tt-Logid")
        answer = parse_json(response.content)
        if not isinstance(answer, dict):
            self.record(where, response.status_code, None, logid)
            return self.reject_unreadable(where, path, response.status_code, answer)
        if self.style == "business":
            return self.read_business(where, path, response.status_code, answer, logid)
        return self.read_open(where, path, response, answer, logid)

    def headers(self) -> dict[str, str]:
        """The auth header of this style, with a token valid now."""
        token = self.tokens.access_token()
        if self.style == "business":
            return {"Access-Token": token}
        return {"Authorization": f"Bearer {token}"}

    def encode(self, params: Mapping[str, Any] | None) -> dict[str, str | int | float]:
        """Query parameters as TikTok reads them (see the module docstring)."""
        encoded: dict[str, str | int | float] = {}
        for key, value in (params or {}).items():
            if value is None:
                continue
            if isinstance(value, bool):
                encoded[key] = "true" if value else "false"
            elif isinstance(value, list | tuple | dict):
                encoded[key] = self.encode_collection(value)
            else:
                encoded[key] = value
        return encoded

    def encode_collection(self, value: list[Any] | tuple[Any, ...] | dict[str, Any]) -> str:
        """A list or dict parameter: JSON for the Business API, comma-joined for the open APIs."""
        if self.style == "business" or isinstance(value, dict):
            plain = value if isinstance(value, dict) else list(value)
            return json.dumps(plain, separators=(",", ":"), ensure_ascii=False)
        return ",".join(str(item) for item in value)

    def record(self, where: str, status: int, request_id: str | None, logid: str | None) -> None:
        """Keep and log the ids TikTok support asks for."""
        kept = request_id or logid
        self.last_request_id = kept
        if kept:
            self.stats.request_ids.append(kept)
        LOGGER.debug(
            "%s -> HTTP %s, request_id=%s, X-Tt-Logid=%s", where, status, request_id, logid
        )

    def reject_unreadable(self, where: str, path: str, status: int, answer: Any) -> JsonObject:
        """An answer that is not a JSON object: retry if truncated or a server error."""
        if status >= 500 or status == 429:
            text = f"{where}: HTTP {status} without a readable body"
            build = partial(ApiError, endpoint=path, code=str(status))
            raise _Transient(build, text, throttled=status == 429)
        if status >= 400:
            raise ApiError(f"{where}: HTTP {status}", endpoint=path, code=str(status))
        if answer is None:
            raise _Transient(MalformedResponseError, f"{where}: answer is not valid JSON")
        raise MalformedResponseError(f"{where}: answer is {type(answer).__name__}, not an object")

    def read_business(
        self, where: str, path: str, status: int, answer: JsonObject, logid: str | None
    ) -> JsonObject:
        """The ``data`` of a Business API envelope, or the error its ``code`` means."""
        request_id = text_or_none(answer.get("request_id"))
        self.record(where, status, request_id, logid)
        ids = request_id or logid
        code = business_code(answer.get("code"))
        message = text_or_none(answer.get("message")) or ""
        said = f"{where}: TikTok answered code {code}: {message} (request id {ids})"
        if code == BUSINESS_THROTTLED or status == 429:
            build = partial(RateLimitedError, endpoint=path, code=str(code), request_id=ids)
            raise _Transient(build, said, throttled=True)
        if status >= 500 or (code is not None and code >= BUSINESS_SERVER_ERRORS):
            raise _Transient(partial(ApiError, endpoint=path, code=str(code), request_id=ids), said)
        if code == BUSINESS_TOKEN_INVALID:
            error = TokenInvalidError(said, endpoint=path, code=str(code), request_id=ids)
            raise _TokenRejected(error)
        if code is None:
            raise MalformedResponseError(
                f"{where}: answer has no numeric `code` (request id {ids})"
            )
        if code != 0:
            raise ApiError(said, endpoint=path, code=str(code), request_id=ids)
        return data_of(where, answer, ids)

    def read_open(
        self,
        where: str,
        path: str,
        response: httpx.Response,
        answer: JsonObject,
        logid: str | None,
    ) -> JsonObject:
        """The ``data`` of a Display/Research envelope, or the error its ``error.code`` means."""
        status = response.status_code
        error = answer.get("error")
        error = error if isinstance(error, dict) else {}
        log_id = text_or_none(error.get("log_id"))
        self.record(where, status, log_id, logid)
        ids = log_id or logid
        code = text_or_none(error.get("code"))
        if code in (None, "ok") and status < 400:
            return data_of(where, answer, ids)
        code = code or str(status)
        said = f"{where}: TikTok answered {code}: {error.get('message') or ''} (log id {ids})"
        if code == OPEN_QUOTA_EXHAUSTED:
            said = f"{said}; the daily quota resets at 00:00 UTC ({next_reset(response)})"
            raise QuotaExhaustedError(said, endpoint=path, code=code, request_id=ids)
        if code == OPEN_THROTTLED or status == 429:
            build = partial(RateLimitedError, endpoint=path, code=code, request_id=ids)
            raise _Transient(build, said, throttled=True)
        if code in OPEN_TRANSIENT or status >= 500:
            raise _Transient(partial(ApiError, endpoint=path, code=code, request_id=ids), said)
        if code == OPEN_TOKEN_INVALID:
            rejected = TokenInvalidError(said, endpoint=path, code=code, request_id=ids)
            raise _TokenRejected(rejected)
        raise ApiError(said, endpoint=path, code=code, request_id=ids)

    def check_shape(
        self, method: str, path: str, data: JsonObject, expect: Mapping[str, type]
    ) -> JsonObject:
        """`data` itself, once the keys the caller relies on are there with the right type."""
        for key, kind in expect.items():
            value = data.get(key)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise MalformedResponseError(
                    f"{method} {path}: answer has no {kind.__name__} `data.{key}` "
                    f"(got {describe(value)}; request id {self.last_request_id})"
                )
        return data


def parse_json(content: bytes) -> Any:
    """The parsed body, or None when it is not JSON (empty, truncated, HTML)."""
    try:
        return json.loads(content)
    except ValueError:
        return None


def data_of(where: str, answer: JsonObject, request_id: str | None) -> JsonObject:
    """The envelope's ``data`` object; a missing one is never read as "nothing"."""
    data = answer.get("data")
    if not isinstance(data, dict):
        raise MalformedResponseError(
            f"{where}: answer has no object `data` (got {describe(data)}; request id {request_id})"
        )
    return data


def business_code(value: Any) -> int | None:
    """The Business envelope's ``code`` as an int (TikTok sends an int; a digit string is kept)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def next_reset(response: httpx.Response) -> str:
    """The next 00:00 UTC after the answer's `Date` header (or after now), as text."""
    now = datetime.now(UTC)
    header = response.headers.get("Date")
    if header:
        with contextlib.suppress(TypeError, ValueError):
            now = parsedate_to_datetime(header).astimezone(UTC)
    reset = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
    return f"{reset:%Y-%m-%d %H:%M} UTC"
