"""Audience analyses in the server run in its analysis worker: not on request threads, not here.

The server gets a single request thread, and its analysis is slowed down on purpose: requests
for other pages must still be answered while the analysis runs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI

from tikscope.web.app import create_app
from tikscope.web.state import ServerState, WebConfig, open_state
from web_support import WebStore, bearer, serve_app

HANDLE = "casa_verde_demo"
ANALYZE = f"/api/workspaces/agency/accounts/{HANDLE}/audience/analyze"
OVERVIEW = f"/api/workspaces/agency/accounts/{HANDLE}/overview"
SLOW_SECONDS = 3.0


def one_request_thread(app: FastAPI) -> None:
    """Give the app's requests a single thread (anyio's pool has 40)."""
    original = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1
        async with original(app) as value:
            yield value

    app.router.lifespan_context = lifespan


@pytest.fixture
def slow_server(
    web_store: WebStore, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, ServerState]]:
    """A server with one request thread whose analyses read the graph `SLOW_SECONDS` slower."""
    from tikscope.audience import insights

    load = insights.load_kept_graph

    def slow_load(*arguments: Any, **options: Any) -> Any:
        time.sleep(SLOW_SECONDS)
        return load(*arguments, **options)

    monkeypatch.setattr(insights, "load_kept_graph", slow_load)
    state = open_state(WebConfig(db=web_store.path, secure_cookies=False))
    app = create_app(state.config, state=state)
    one_request_thread(app)
    try:
        with serve_app(app) as origin:
            yield origin, state
    finally:
        state.store.close()


def test_requests_are_answered_while_an_analysis_runs(
    slow_server: tuple[str, ServerState], web_store: WebStore
) -> None:
    origin, _ = slow_server
    headers = bearer(web_store.tokens["olivia"])
    answers: list[httpx.Response] = []
    analysis = threading.Thread(target=lambda: answers.append(
        httpx.post(origin + ANALYZE, json={"seed": 7}, headers=headers, timeout=60)))  # fmt: skip
    started = time.monotonic()
    analysis.start()
    time.sleep(0.5)
    overview = httpx.get(origin + OVERVIEW, headers=headers, timeout=60)
    answered = time.monotonic() - started
    analysis.join(60)
    assert overview.status_code == 200, overview.text
    assert answered < SLOW_SECONDS, f"the overview waited {answered:.1f} s for the analysis"
    assert answers[0].status_code == 200, answers[0].text
    assert answers[0].json()["insights"]["clustering"]["seed"] == 7
    assert time.monotonic() - started > SLOW_SECONDS


def test_computations_run_in_a_child_process(web_store: WebStore) -> None:
    state = open_state(WebConfig(db=web_store.path, secure_cookies=False))
    try:
        assert state.worker.compute(os.getpid) not in (os.getpid(), None)
    finally:
        state.worker.close()
        state.store.close()


def test_fresh_analysis_answers_what_the_saved_result_reads_as(web_store: WebStore) -> None:
    state = open_state(WebConfig(db=web_store.path, secure_cookies=False))
    headers = bearer(web_store.tokens["olivia"])
    api = f"/api/workspaces/agency/accounts/{HANDLE}/audience"
    try:
        with serve_app(create_app(state.config, state=state)) as origin:
            analysed = httpx.post(origin + ANALYZE, json={"seed": 11}, headers=headers,
                                  timeout=120)  # fmt: skip
            assert analysed.status_code == 200, analysed.text
            state.store.changed()  # the page cache forgets: the report is rebuilt from the store
            reread = httpx.get(origin + api, headers=headers, timeout=120)
    finally:
        state.store.close()
    assert reread.status_code == 200, reread.text
    assert reread.json() == analysed.json()
