"""The recommendations, creator rewards and media kit pages: JSON twins equal to the library's
answer on the same store, the media kit's PDF and HTML downloads, access for members only, and
each page in chromium at desktop and phone widths."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.encoders import jsonable_encoder
from playwright.sync_api import Page

from browser_support import screenshot
from tikscope.metrics.activity import local_heatmap
from tikscope.metrics.periods import Period
from tikscope.metrics.query import find_account
from tikscope.metrics.recommend import recommend
from tikscope.metrics.rewards import PROGRAMS, PROMISE, earnings, eligibility
from tikscope.reports.advice import NO_FEATURES, NO_HOURS
from tikscope.reports.media_kit import gather_media_kit
from tikscope.store.db import open_store
from tikscope.web.render import encode_json
from web_support import WebStore, bearer, login

ACCOUNT = "/workspaces/agency/accounts/casa_verde_demo"
OTHER = "/workspaces/rival/accounts/other_brand"
PERIOD = Period(date(2026, 10, 24), date(2026, 11, 20))  # the default: the last 28 days
PAGES = ("recommendations", "rewards", "media-kit")


@pytest.fixture
def client(web_server: tuple[str, WebStore]) -> Iterator[httpx.Client]:
    origin, _ = web_server
    with httpx.Client(base_url=origin, timeout=60) as opened:
        yield opened


def fetch(client: httpx.Client, store: WebStore, path: str, user: str = "vera") -> Any:
    response = client.get(f"/api{path}", headers=bearer(store.tokens[user]))
    assert response.status_code == 200, response.text
    return response.json()


def direct(store: WebStore, read: Any) -> Any:
    """What `read(connection, account)` gives for casa_verde_demo, as the JSON twin encodes it."""
    with open_store(store.path) as connection:
        return jsonable_encoder(read(connection, find_account(connection, "casa_verde_demo")))


def test_recommendations_api_is_the_fit_of_tikscope_recommend(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    data = fetch(client, store, f"{ACCOUNT}/recommendations")
    expected = direct(store, lambda connection, account: recommend(
        connection, account, heatmap=local_heatmap(connection, account, PERIOD)[0]))  # fmt: skip
    assert data["recommendations"] == expected
    assert data["proven"] == {"hours": False, "features": False}
    # The demo account has no planted effect: nothing is recommended, and the page says why.
    assert data["advice"]["hours"] == data["advice"]["features"] == []
    assert (data["advice"]["no_hours"], data["advice"]["no_features"]) == (NO_HOURS, NO_FEATURES)
    assert data["advice"]["active"] == [
        f"{day} {hour:02d}:00" for day, hour, _ in expected["active_hours"][:3]
    ]


def test_rewards_api_judges_every_program_on_the_periods_last_day(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    data = fetch(client, store, f"{ACCOUNT}/rewards")
    assert data["caution"] == PROMISE
    assert [entry["program"]["key"] for entry in data["programs"]] == list(PROGRAMS)
    for entry, program in zip(data["programs"], PROGRAMS.values(), strict=True):
        assert entry["eligibility"] == direct(store, lambda connection, account, p=program:
                                              eligibility(connection, account, p, PERIOD.end))  # fmt: skip
        earned = direct(store, lambda connection, account, p=program:
                        earnings(connection, account, p, PERIOD))  # fmt: skip
        assert entry["earnings"] == earned
        assert (entry["eligible"], entry["verdict"]) == (False, "not eligible")  # 1,500 followers
        top = sorted(earned["posts"], key=lambda post: (-post["high"], post["label"]))[:10]
        assert [post["post_id"] for post in entry["top_posts"]] == [post["post_id"] for post in top]


def rounded(value: object) -> object:
    """`value` with every float rounded to 12 significant digits, inside lists and dicts."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, list):
        return [rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    return value


def test_media_kit_api_is_the_media_kit_of_the_period(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    data = fetch(client, store, f"{ACCOUNT}/media-kit")["media_kit"]
    with open_store(store.path) as connection:
        kit = gather_media_kit(connection, find_account(connection, "casa_verde_demo"), PERIOD)
    expected = json.loads(encode_json(kit))
    # NOTE: DuckDB's parallel sums may differ in the last bits between two reads of one share.
    assert rounded({key: value for key, value in data.items() if key != "generated_at"}) == (
        rounded({key: value for key, value in expected.items() if key != "generated_at"})
    )
    assert data["numbers"][4] == {
        "key": "engagement_by_views", "label": "Engagement rate by views",
        "value": kit.number("engagement_by_views").value, "shown": "7.93 per 100 views",
        "per": "per 100 views",
        "formula": "engagement = mean over posts of (likes + comments + shares) / views × 100",
        "missing": None, "note": None,
    }  # fmt: skip
    assert [number["value"] for number in data["numbers"]][:2] == [1500, 64]
    assert data["numbers"][7]["shown"] == "2.25 posts a week"


def test_media_kit_downloads_are_the_pdf_and_html_of_the_page(
    client: httpx.Client, web_server: tuple[str, WebStore], tmp_path: Path
) -> None:
    _, store = web_server
    name = "media-kit-casa_verde_demo-2026-10-24-2026-11-20"
    response = client.get(f"/api{ACCOUNT}/media-kit.pdf", headers=bearer(store.tokens["vera"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"{name}.pdf\"; filename*=UTF-8''{name}.pdf")  # fmt: skip
    assert response.content.startswith(b"%PDF-")
    pdf = tmp_path / "kit.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    lines = {line.strip() for line in text.splitlines()}
    assert {"@casa_verde_demo media kit", "1,500", "594", "196", "7.93", "1.65"} <= lines
    page = client.get(f"/api{ACCOUNT}/media-kit.html?days=28",
                      headers=bearer(store.tokens["vera"]))  # fmt: skip
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text.startswith("<!DOCTYPE html>") and "data-media-kit" in page.text


def test_growth_pages_are_for_members_of_the_workspace_only(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    for name in (*PAGES, "media-kit.pdf", "media-kit.html"):
        other = client.get(f"/api{OTHER}/{name}", headers=bearer(store.tokens["vera"]))
        assert (other.status_code, other.json()) == (404, {"detail": "no workspace 'rival'"})
        anonymous = client.get(f"/api{ACCOUNT}/{name}")
        assert anonymous.status_code == 401
        own = client.get(f"/api{OTHER}/{name}", headers=bearer(store.tokens["rita"]))
        assert own.status_code == 200, name
    assert login(client, "vera").status_code == 303
    for name in PAGES:
        assert client.get(f"{OTHER}/{name}").status_code == 404


def test_growth_pages_show_their_content_and_join_the_navigation(client: httpx.Client) -> None:
    assert login(client, "vera").status_code == 303
    pages = {name: unescape(client.get(f"{ACCOUNT}/{name}").text) for name in PAGES}
    for text in pages.values():
        for name, title in (("recommendations", "Recommendations"),
                            ("rewards", "Creator rewards"), ("media-kit", "Media kit")):  # fmt: skip
            assert f"{ACCOUNT}/{name}?" in text and f">{title}</a>" in text
    assert NO_HOURS in pages["recommendations"] and NO_FEATURES in pages["recommendations"]
    assert "Creator Rewards Program: <span data-verdict>not eligible</span>" in pages["rewards"]
    assert PROMISE in pages["rewards"]
    kit = pages["media-kit"]
    assert f'href="/api{ACCOUNT}/media-kit.pdf?' in kit and "Download PDF" in kit
    assert "Engagement rate by followers" in kit and "no saved audience clustering" in kit


@pytest.mark.parametrize("width", [1280, 390])
def test_page_growth_pages_fit_the_screen(
    page: Page, web_server: tuple[str, WebStore], width: int
) -> None:
    origin, _ = web_server
    page.set_viewport_size({"width": width, "height": 900})
    with httpx.Client(base_url=origin, timeout=30) as client:
        assert login(client, "vera").status_code == 303
        session = client.cookies["tikscope_session"]
    page.context.add_cookies([{"name": "tikscope_session", "value": session, "url": origin}])
    for name in PAGES:
        page.goto(f"{origin}{ACCOUNT}/{name}")
        assert page.locator("h1").first.inner_text().startswith(
            {"recommendations": "Recommendations", "rewards": "Creator rewards",
             "media-kit": "Media kit"}[name])  # fmt: skip
        # Nothing is wider than the window (wide tables scroll inside their own box).
        assert page.evaluate("document.documentElement.scrollWidth") == width, name
        screenshot(page, f"{name}-{width}")
