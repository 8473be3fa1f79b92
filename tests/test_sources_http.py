from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tikscope.errors import (
    ApiError,
    MalformedResponseError,
    QuotaExhaustedError,
    RateLimitedError,
    ReauthorizationNeededError,
    TokenInvalidError,
)
from tikscope.sources.auth import StaticTokens
from tikscope.sources.http import ApiSession, CallStats, RetryPolicy, Style

FIXTURES = Path(__file__).parent / "fixtures" / "api"
ORIGIN = "http://tiktok.test"

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class RefreshingTokens:
    """A token source that hands out token-1, then token-2 after a refresh."""

    def __init__(self) -> None:
        self.token = "token-1"
        self.reasons: list[str] = []

    def access_token(self) -> str:
        return self.token

    def refresh(self, reason: str) -> str:
        self.reasons.append(reason)
        self.token = f"token-{len(self.reasons) + 1}"
        return self.token


class HighestRandom(random.Random):
    """Jitter that always draws the top of the range, so waits are exact."""

    def uniform(self, a: float, b: float) -> float:
        return b


class FakeApi:
    """Answers queued per (method, path), in order; keeps every request it saw."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[httpx.Request] = []
        self.waits: list[float] = []
        self.tokens = RefreshingTokens()

    def add(self, method: str, path: str, *answers: Answer) -> None:
        self.answers.setdefault((method, path), []).extend(answers)

    def add_json(
        self,
        method: str,
        path: str,
        *bodies: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.add(
            method, path, *(httpx.Response(status, json=body, headers=headers) for body in bodies)
        )

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.answers.get((request.method, request.url.path))
        assert queue, f"unexpected {request.method} {request.url.path}"
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    def session(
        self,
        style: Style,
        *,
        policy: RetryPolicy | None = None,
        tokens: Any = None,
        rng: random.Random | None = None,
    ) -> ApiSession:
        return ApiSession(
            ORIGIN,
            tokens=tokens or self.tokens,
            style=style,
            policy=policy or RetryPolicy(),
            sleep=self.waits.append,
            transport=httpx.MockTransport(self.handle),
            random=rng or HighestRandom(),
        )

    def queries(self) -> list[dict[str, str]]:
        return [dict(request.url.params) for request in self.requests]

    def bodies(self) -> list[Any]:
        return [
            json.loads(request.content) if request.content else None for request in self.requests
        ]

    def untouched(self) -> bool:
        return all(not queue for queue in self.answers.values())


OK = {"code": 0, "message": "OK", "request_id": "req-ok", "data": {"value": 1}}
OPEN_OK = {"data": {"value": 1}, "error": {"code": "ok", "message": "", "log_id": "log-ok"}}


def test_http_business_sends_access_token_and_json_encoded_parameters(
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = FakeApi()
    api.add_json("GET", "/open_api/v1.3/business/get/", OK, headers={"X-Tt-Logid": "logid-1"})
    caplog.set_level(logging.DEBUG, logger="tikscope.sources")
    with api.session("business") as session:
        data = session.get(
            "/open_api/v1.3/business/get/",
            {
                "business_id": "b1",
                "fields": ["a", "b"],
                "filters": {"video_ids": ["1"]},
                "include_replies": True,
                "cursor": None,
            },
        )
    assert data == {"value": 1}
    request = api.requests[0]
    assert request.headers["Access-Token"] == "token-1"
    assert "Authorization" not in request.headers
    assert api.queries() == [
        {
            "business_id": "b1",
            "fields": '["a","b"]',
            "filters": '{"video_ids":["1"]}',
            "include_replies": "true",
        }
    ]
    assert session.stats == CallStats(requests=1, retries=0, request_ids=["req-ok"])
    assert caplog.messages == [
        "GET /open_api/v1.3/business/get/ -> HTTP 200, request_id=req-ok, X-Tt-Logid=logid-1"
    ]


def test_http_open_sends_bearer_token_comma_fields_and_json_body() -> None:
    api = FakeApi()
    api.add_json("POST", "/v2/video/list/", OPEN_OK)
    with api.session("open") as session:
        data = session.post(
            "/v2/video/list/", params={"fields": ("id", "view_count")}, json={"max_count": 20}
        )
    assert data == {"value": 1}
    assert api.requests[0].headers["Authorization"] == "Bearer token-1"
    assert "Access-Token" not in api.requests[0].headers
    assert api.queries() == [{"fields": "id,view_count"}]
    assert api.bodies() == [{"max_count": 20}]
    assert session.stats.request_ids == ["log-ok"]


def test_http_business_throttle_waits_at_least_the_rate_limit_delay_then_succeeds() -> None:
    api = FakeApi()
    api.add_json("GET", "/p/", fixture("business_throttled.json"), OK)
    session = api.session("business", rng=random.Random(7))
    assert session.get("/p/") == {"value": 1}
    assert len(api.waits) == 1
    assert 60.0 <= api.waits[0] <= 120.0
    assert session.stats == CallStats(
        requests=2, retries=1, request_ids=["20260503081701FFFF000011112222333", "req-ok"]
    )


def test_http_business_throttle_gives_up_after_the_attempts_with_growing_capped_waits() -> None:
    api = FakeApi()
    api.add_json("GET", "/p/", *[fixture("business_throttled.json")] * 5)
    session = api.session("business")
    with pytest.raises(RateLimitedError) as raised:
        session.get("/p/")
    assert api.waits == [120.0, 240.0, 300.0, 300.0]
    assert str(raised.value) == (
        "GET /p/: TikTok answered code 40100: Too many requests. Please retry in some time. "
        "(request id 20260503081701FFFF000011112222333); gave up after 5 attempts"
    )
    assert (raised.value.endpoint, raised.value.code, raised.value.request_id) == (
        "/p/",
        "40100",
        "20260503081701FFFF000011112222333",
    )
    assert session.stats.requests == 5
    assert session.stats.retries == 4


def test_http_throttle_waits_stay_within_their_bounds() -> None:
    policy = RetryPolicy()
    rng = random.Random(11)
    for failures, (low, high) in enumerate(
        [(60, 120), (120, 240), (240, 300), (300, 300), (300, 300)], 1
    ):
        waits = [policy.throttle_wait(failures, rng) for _ in range(200)]
        assert low <= min(waits) and max(waits) <= high


def test_http_backoff_is_full_jitter_below_a_doubling_capped_ceiling() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    rng = random.Random(3)
    for failures, ceiling in enumerate([1.0, 2.0, 4.0, 5.0, 5.0], 1):
        waits = [policy.backoff(failures, rng) for _ in range(200)]
        assert 0.0 <= min(waits) < ceiling / 4
        assert ceiling * 3 / 4 < max(waits) <= ceiling


def test_http_server_errors_are_retried_with_backoff() -> None:
    api = FakeApi()
    api.add("GET", "/p/", httpx.Response(502, text="Bad gateway"), httpx.Response(503, text=""))
    api.add_json("GET", "/p/", OK)
    session = api.session("business", policy=RetryPolicy(base_delay=2.0))
    assert session.get("/p/") == {"value": 1}
    assert api.waits == [2.0, 4.0]
    assert session.stats == CallStats(requests=3, retries=2, request_ids=["req-ok"])


def test_http_server_errors_give_up_with_an_api_error() -> None:
    api = FakeApi()
    api.add_json(
        "GET",
        "/v2/user/info/",
        *[{"data": {}, "error": {"code": "internal_error", "message": "boom", "log_id": "L5"}}] * 3,
        status=500,
    )
    session = api.session("open", policy=RetryPolicy(attempts=3))
    with pytest.raises(ApiError) as raised:
        session.get("/v2/user/info/")
    assert type(raised.value) is ApiError
    assert (
        str(raised.value)
        == "GET /v2/user/info/: TikTok answered internal_error: boom (log id L5); gave up after 3 attempts"
    )
    assert raised.value.code == "internal_error"
    assert api.waits == [1.0, 2.0]


def test_http_connection_errors_and_timeouts_are_retried() -> None:
    api = FakeApi()
    request = httpx.Request("GET", f"{ORIGIN}/p/")
    api.add(
        "GET",
        "/p/",
        httpx.ConnectError("refused", request=request),
        httpx.ReadTimeout("slow", request=request),
    )
    api.add_json("GET", "/p/", OK)
    session = api.session("business")
    assert session.get("/p/") == {"value": 1}
    assert api.waits == [1.0, 2.0]
    assert session.stats.retries == 2


def test_http_timeouts_give_up_naming_the_endpoint() -> None:
    api = FakeApi()
    request = httpx.Request("GET", f"{ORIGIN}/p/")
    api.add("GET", "/p/", *[httpx.ReadTimeout("slow", request=request) for _ in range(2)])
    session = api.session("business", policy=RetryPolicy(attempts=2))
    with pytest.raises(ApiError) as raised:
        session.get("/p/")
    assert (
        str(raised.value)
        == "GET /p/: no answer within 30 s (ReadTimeout); gave up after 2 attempts"
    )
    assert raised.value.code == "timeout"


def test_http_truncated_json_is_retried_then_read() -> None:
    api = FakeApi()
    api.add(
        "GET", "/p/", httpx.Response(200, content=b'{"code": 0, "message": "OK", "data": {"val')
    )
    api.add_json("GET", "/p/", OK)
    session = api.session("business")
    assert session.get("/p/") == {"value": 1}
    assert session.stats.retries == 1


def test_http_truncated_json_every_time_is_a_malformed_response() -> None:
    api = FakeApi()
    api.add(
        "GET", "/p/", *[httpx.Response(200, content=b'{"data": {"videos": [') for _ in range(5)]
    )
    session = api.session("open")
    with pytest.raises(MalformedResponseError) as raised:
        session.get("/p/")
    assert str(raised.value) == "GET /p/: answer is not valid JSON; gave up after 5 attempts"
    assert len(api.waits) == 4


def test_http_business_token_rejected_is_refreshed_once_then_retried() -> None:
    api = FakeApi()
    api.add_json("GET", "/p/", fixture("business_token_invalid.json"), OK)
    session = api.session("business")
    assert session.get("/p/") == {"value": 1}
    assert [request.headers["Access-Token"] for request in api.requests] == ["token-1", "token-2"]
    assert api.tokens.reasons == [
        "GET /p/: TikTok answered code 40105: Access token is incorrect or has been revoked. "
        "(request id 20260503081700AAAABBBBCCCCDDDDEE)"
    ]
    assert api.waits == []
    assert session.stats.retries == 1


def test_http_business_token_rejected_twice_is_token_invalid() -> None:
    api = FakeApi()
    api.add_json(
        "GET", "/p/", fixture("business_token_invalid.json"), fixture("business_token_invalid.json")
    )
    session = api.session("business")
    with pytest.raises(TokenInvalidError) as raised:
        session.get("/p/")
    assert (raised.value.code, raised.value.request_id) == (
        "40105",
        "20260503081700AAAABBBBCCCCDDDDEE",
    )
    assert len(api.tokens.reasons) == 1
    assert session.stats.requests == 2


def test_http_token_that_cannot_refresh_needs_reauthorization() -> None:
    api = FakeApi()
    api.add_json("POST", "/v2/video/list/", fixture("display_token_invalid.json"), status=401)
    session = api.session("open", tokens=StaticTokens("fixed"))
    with pytest.raises(ReauthorizationNeededError):
        session.post("/v2/video/list/", json={})
    assert api.requests[0].headers["Authorization"] == "Bearer fixed"


def test_http_open_token_rejected_is_refreshed_once_then_retried() -> None:
    api = FakeApi()
    api.add_json("GET", "/v2/user/info/", fixture("display_token_invalid.json"), status=401)
    api.add_json("GET", "/v2/user/info/", OPEN_OK)
    session = api.session("open")
    assert session.get("/v2/user/info/") == {"value": 1}
    assert [request.headers["Authorization"] for request in api.requests] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    assert session.stats.request_ids == ["20260503090005DEADBEEF00000002", "log-ok"]


def test_http_other_business_codes_fail_at_once_with_tiktoks_message() -> None:
    api = FakeApi()
    api.add_json(
        "GET",
        "/p/",
        {"code": 40002, "message": "fields: invalid value", "request_id": "R2", "data": {}},
    )
    session = api.session("business")
    with pytest.raises(ApiError) as raised:
        session.get("/p/")
    assert type(raised.value) is ApiError
    assert (
        str(raised.value)
        == "GET /p/: TikTok answered code 40002: fields: invalid value (request id R2)"
    )
    assert (raised.value.endpoint, raised.value.code, raised.value.request_id) == (
        "/p/",
        "40002",
        "R2",
    )
    assert session.stats == CallStats(requests=1, retries=0, request_ids=["R2"])


def test_http_open_rate_limit_is_retried_after_at_least_a_minute() -> None:
    api = FakeApi()
    api.add_json("POST", "/v2/video/list/", fixture("display_rate_limited.json"), status=429)
    api.add_json("POST", "/v2/video/list/", OPEN_OK)
    session = api.session("open")
    assert session.post("/v2/video/list/", json={}) == {"value": 1}
    assert api.waits == [120.0]


def test_http_open_daily_quota_fails_at_once_saying_when_it_resets() -> None:
    api = FakeApi()
    api.add_json(
        "POST",
        "/v2/research/video/query/",
        fixture("research_quota_exhausted.json"),
        status=429,
        headers={"Date": "Sun, 03 May 2026 10:00:02 GMT"},
    )
    session = api.session("open")
    with pytest.raises(QuotaExhaustedError) as raised:
        session.post("/v2/research/video/query/", json={})
    assert str(raised.value) == (
        "POST /v2/research/video/query/: TikTok answered daily_quota_limit_exceeded: Daily quota exceeded. "
        "(log id 202605031000021234ABCF); the daily quota resets at 00:00 UTC (2026-05-04 00:00 UTC)"
    )
    assert raised.value.code == "daily_quota_limit_exceeded"
    assert api.waits == []
    assert session.stats.requests == 1


def test_http_open_scope_error_fails_without_refresh() -> None:
    api = FakeApi()
    api.add_json("GET", "/v2/user/info/", fixture("display_scope_not_authorized.json"), status=401)
    session = api.session("open")
    with pytest.raises(ApiError) as raised:
        session.get("/v2/user/info/")
    assert type(raised.value) is ApiError
    assert raised.value.code == "scope_not_authorized"
    assert api.tokens.reasons == []


def test_http_answer_without_data_is_malformed_not_empty() -> None:
    api = FakeApi()
    api.add_json("GET", "/p/", {"code": 0, "message": "OK", "request_id": "R3"})
    session = api.session("business")
    with pytest.raises(MalformedResponseError) as raised:
        session.get("/p/")
    assert str(raised.value) == "GET /p/: answer has no object `data` (got nothing; request id R3)"
    assert session.stats.requests == 1


def test_http_answer_without_an_expected_list_is_malformed() -> None:
    api = FakeApi()
    api.add_json(
        "POST",
        "/v2/video/list/",
        {"data": {"cursor": 0, "has_more": False}, "error": {"code": "ok", "log_id": "L4"}},
    )
    session = api.session("open")
    with pytest.raises(MalformedResponseError) as raised:
        session.post("/v2/video/list/", json={}, expect={"videos": list})
    assert (
        str(raised.value)
        == "POST /v2/video/list/: answer has no list `data.videos` (got nothing; request id L4)"
    )


def test_http_client_error_without_json_fails_at_once() -> None:
    api = FakeApi()
    api.add("GET", "/nowhere/", httpx.Response(404, text="<html>Not found</html>"))
    session = api.session("open")
    with pytest.raises(ApiError) as raised:
        session.get("/nowhere/")
    assert (str(raised.value), raised.value.code) == ("GET /nowhere/: HTTP 404", "404")
    assert api.waits == []


def test_http_session_closes_its_client() -> None:
    api = FakeApi()
    with api.session("open") as session:
        pass
    assert session.client.is_closed
