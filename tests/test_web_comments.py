"""The Comments page and its JSON twin, over a real server."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.encoders import jsonable_encoder
from playwright.sync_api import Page

from browser_support import log_in, screenshot
from tikscope.metrics.comment_views import CommentFilter, comment_summary, post_comments
from tikscope.metrics.periods import Period
from tikscope.metrics.query import find_account
from tikscope.store.db import open_store
from web_support import PASSWORD, WebStore, bearer, login

API = "/api/workspaces/agency/accounts/casa_verde_demo/comments"
PAGE = "/workspaces/agency/accounts/casa_verde_demo/comments"
START, END = date(2026, 9, 1), date(2026, 11, 20)
PERIOD = {"start": str(START), "end": str(END)}


@pytest.fixture
def client(web_server: tuple[str, WebStore]) -> Iterator[httpx.Client]:
    origin, _ = web_server
    with httpx.Client(base_url=origin, timeout=30) as opened:
        yield opened


def viewer(web_server: tuple[str, WebStore]) -> dict[str, str]:
    return bearer(web_server[1].tokens["vera"])


def test_comments_api_equals_the_metrics_called_directly(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    answer = client.get(f"{API}?{urlencode(PERIOD)}", headers=viewer(web_server))
    assert answer.status_code == 200
    data = answer.json()
    with open_store(web_server[1].path) as connection:
        account = find_account(connection, "casa_verde_demo")
        summary = comment_summary(connection, account, Period(START, END))
        busiest = summary.posts[0].post_id
        post = post_comments(connection, account, busiest, CommentFilter())
    assert data["summary"] == jsonable_encoder(dataclasses.asdict(summary))
    assert data["post"] == jsonable_encoder(dataclasses.asdict(post))
    assert data["filters"] == {"post": busiest, "sentiment": None, "language": None, "theme": None}


def test_comments_api_filters_a_posts_comments_by_sentiment_and_language(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    with open_store(web_server[1].path) as connection:
        post_id, language, expected = connection.execute(
            "SELECT post_id, language, count(*) FROM comments WHERE NOT is_owner "
            "AND sentiment = 'negative' AND account_id IN (SELECT account_id FROM accounts "
            "WHERE handle = 'casa_verde_demo') GROUP BY ALL ORDER BY 3 DESC, 1, 2 LIMIT 1"
        ).fetchone()
    query = {**PERIOD, "post": post_id, "sentiment": "negative", "language": language}
    data = client.get(f"{API}?{urlencode(query)}", headers=viewer(web_server)).json()
    listed = data["post"]["comments"]
    assert data["post"]["matching"] == expected == len(listed)
    assert {(c["sentiment"], c["language"]) for c in listed} == {("negative", language)}


def test_comments_routes_admit_viewers_and_hide_other_workspaces(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    tokens = web_server[1].tokens
    assert client.get(API, headers=bearer(tokens["vera"])).status_code == 200
    assert client.get(API, headers=bearer(tokens["rita"])).status_code == 404
    assert client.get(API).status_code == 401
    own = "/api/workspaces/rival/accounts/other_brand/comments"
    assert client.get(own, headers=bearer(tokens["rita"])).status_code == 200
    anonymous = client.get(PAGE)
    assert anonymous.status_code == 303


def test_comments_api_refuses_an_unknown_sentiment_and_post(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    bad = client.get(f"{API}?sentiment=angry", headers=viewer(web_server))
    assert bad.status_code == 422
    assert "unknown sentiment 'angry'; choose from negative, neutral, positive" in bad.text
    missing = client.get(f"{API}?post=123", headers=viewer(web_server))
    assert missing.status_code == 404
    assert "post 123 of @casa_verde_demo has no comments in the store" in missing.text


def test_comments_page_and_api_never_show_an_author(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    with open_store(web_server[1].path) as connection:
        authors = {
            row[0] for row in connection.execute("SELECT author_id FROM comments").fetchall()
        }
    assert login(client, "vera").status_code == 303
    for query in ({}, {"days": "365"}, {"sentiment": "negative", "days": "365"}):
        page = client.get(f"{PAGE}?{urlencode(query)}").text
        api = client.get(f"{API}?{urlencode(query)}").text
        assert 'data-table="comments"' in page
        assert [author for author in authors if author in page or author in api] == []


def test_page_comments_filters_a_post_by_sentiment(
    page: Page, web_server: tuple[str, WebStore]
) -> None:
    origin, _ = web_server
    log_in(page, origin, "vera", PASSWORD)
    page.goto(f"{origin}{PAGE}?days=60")
    assert page.locator("h1").inner_text().startswith("Comments")
    page.select_option("form[data-comment-filters] select[name=sentiment]", "negative")
    with page.expect_navigation():
        page.click("form[data-comment-filters] button[type=submit]")
    assert "sentiment=negative" in page.url
    rows = page.locator("table[data-table=comments] tbody tr")
    sentiments = rows.evaluate_all("(rows) => rows.map((row) => row.dataset.sentiment)")
    assert sentiments and set(sentiments) == {"negative"}
    screenshot(page, "comments-negative")
