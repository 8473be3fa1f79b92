"""The community, content and activity pages: JSON twins checked against the metrics functions
on the same store, the personal account's unavailable states, and each page in chromium."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from html import unescape
from typing import Any

import httpx
import pytest
from fastapi.encoders import jsonable_encoder
from playwright.sync_api import Page

from browser_support import screenshot, wait_for_figures
from tikscope.metrics import studio
from tikscope.metrics.activity import utc_heatmap
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Settings, find_account
from tikscope.metrics.registry import COMMUNITY, PUBLISHED, VIEWED
from tikscope.metrics.run import metric_rows
from tikscope.metrics.sections import demographics, follower_series, post_list
from tikscope.reports.sections import SECTIONS_BY_KEY
from tikscope.store.db import open_store
from tikscope.web.render import plain
from web_support import WebStore, bearer, login

BUSINESS = "/api/workspaces/agency/accounts/casa_verde_demo"
PERSONAL = "/api/workspaces/rival/accounts/other_brand"
PERIOD = Period(date(2026, 10, 24), date(2026, 11, 20))  # the default: the last 28 days
UNAVAILABLE = "not in the store for this period: connect the Business API"
FROM_FOLLOWERS = (
    "not in the store for this period: import Studio's Followers export or connect the Business API"
)
NO_DEMOGRAPHICS = (
    "no demographics in the store up to the period's end: import Studio's Followers export or "
    "connect the Business API"
)
PUBLISHED_COLUMNS = (
    "caption", "link", "type", "published", "views", "likes", "comments", "shares", "reach",
)  # fmt: skip


@pytest.fixture
def client(web_server: tuple[str, WebStore]) -> Iterator[httpx.Client]:
    origin, _ = web_server
    with httpx.Client(base_url=origin, timeout=30) as opened:
        yield opened


def fetch(client: httpx.Client, store: WebStore, path: str, user: str, **query: Any) -> Any:
    """The JSON twin's answer, asserting it is a 200."""
    response = client.get(path, params=query, headers=bearer(store.tokens[user]))
    assert response.status_code == 200, response.text
    return response.json()


def log_in_quickly(page: Page, origin: str, username: str) -> None:
    """Log in over httpx and hand the session cookie to the browser (skips the first page)."""
    with httpx.Client(base_url=origin, timeout=30) as client:
        assert login(client, username).status_code == 303
        session = client.cookies["tikscope_session"]
    page.context.add_cookies([{"name": "tikscope_session", "value": session, "url": origin}])


def direct(store: WebStore, handle: str, read: Any) -> Any:
    """What `read(connection, account)` gives on the served store, as the JSON twin encodes it."""
    with open_store(store.path) as connection:
        return jsonable_encoder(plain(read(connection, find_account(connection, handle))))


def test_community_api_gives_the_metrics_growth_and_demographics_of_the_store(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    data = fetch(client, store, f"{BUSINESS}/community", "vera")
    assert data["period"] == {"start": "2026-10-24", "end": "2026-11-20", "days": 28, "note": None,
                              "previous": {"start": "2026-09-26", "end": "2026-10-23", "note": None}}  # fmt: skip
    assert data["metrics"] == direct(store, "casa_verde_demo", lambda connection, account:
        metric_rows(connection, account, PERIOD, Settings(), compare=True, section=COMMUNITY))  # fmt: skip
    for granularity in ("day", "week", "month"):
        series = direct(store, "casa_verde_demo", lambda connection, account, g=granularity:
                        follower_series(connection, account, PERIOD, g))  # fmt: skip
        assert data["growth"][granularity] == [
            {key: row[key] for key in ("period_start", "followers", "gained", "lost", "balance")}
            for row in series
        ]
    assert data["demographics"] == direct(store, "casa_verde_demo", lambda connection, account:
                                          demographics(connection, account, PERIOD))  # fmt: skip
    values = {row["metric"]: row["value"] for row in data["metrics"]}
    day, week, month = (data["growth"][name] for name in ("day", "week", "month"))
    assert len(day) == 28 and day[-1]["followers"] == values["followers"] == 1500
    assert sum(row["gained"] for row in day) == sum(row["gained"] for row in week)
    assert sum(row["gained"] for row in day) == values["followers_gained"]
    assert sum(row["balance"] for row in month) == values["followers_balance"]
    assert [row["period_start"] for row in week] == [
        "2026-10-24", "2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"]  # fmt: skip
    assert [row["period_start"] for row in month] == ["2026-10-24", "2026-11-01"]
    assert data["balance_unavailable"] is None
    assert [entry["value"] for entry in data["demographics"]["gender"]] == [
        "female", "male", "other"]  # fmt: skip


def test_community_api_of_a_personal_account_says_what_is_unavailable(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    data = fetch(client, store, f"{PERSONAL}/community", "rita", days=28)
    notes = {row["metric"]: (row["value"], row["note"]) for row in data["metrics"]}
    assert notes == {
        "followers": (300, ""), "followers_growth": (14, ""),
        "followers_gained": (None, UNAVAILABLE), "followers_lost": (None, UNAVAILABLE),
        "followers_balance": (None, UNAVAILABLE),
    }  # fmt: skip
    assert data["balance_unavailable"] == UNAVAILABLE
    assert data["demographics"] == {"unavailable": NO_DEMOGRAPHICS}
    assert {row["gained"] for row in data["growth"]["day"]} == {None}


def test_content_api_separates_posts_viewed_from_posts_published(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    data = fetch(client, store, f"{BUSINESS}/content", "vera", compare=False)
    rows = direct(store, "casa_verde_demo", lambda connection, account:
                  metric_rows(connection, account, PERIOD, Settings()))  # fmt: skip
    by_name = {row["metric"]: row for row in rows}
    assert data["viewed"]["title"] == "Posts viewed in the period"
    assert data["viewed"]["metrics"] == [row for row in rows if row["section"] == VIEWED]
    assert data["viewed"]["top_posts"] == direct(store, "casa_verde_demo", lambda connection,
        account: studio.top_posts(connection, account, PERIOD))  # fmt: skip
    assert data["published"]["title"] == "Posts published in the period"
    assert data["published"]["metrics"] == [row for row in rows if row["section"] == PUBLISHED]
    assert data["published"]["cards"] == [
        by_name[name] for name in SECTIONS_BY_KEY[PUBLISHED].cards
    ]
    assert data["published"]["posts"] == direct(store, "casa_verde_demo", lambda connection,
        account: post_list(connection, account, PERIOD, Settings(), columns=PUBLISHED_COLUMNS,
                           sort="published"))  # fmt: skip
    posts, top = data["published"]["posts"], data["viewed"]["top_posts"]
    assert len(posts) == by_name["posts_published"]["value"] == 9
    assert sum(post["views"] for post in posts) == by_name["published_views"]["value"] == 2647
    assert all(PERIOD.start.isoformat() <= post["published"][:10] <= "2026-11-20" for post in posts)
    assert [post["views_gained"] for post in top] == sorted(
        (post["views_gained"] for post in top), reverse=True)  # fmt: skip
    assert len(top) == 10 and top[0]["create_time"] < PERIOD.start.isoformat()  # an older post
    assert by_name["views_gained"]["value"] == 7308 > by_name["published_views"]["value"]


def test_content_api_of_a_personal_account_keeps_counts_and_marks_insights_unavailable(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    data = fetch(client, store, f"{PERSONAL}/content", "rita")
    viewed = {row["metric"]: row["value"] for row in data["viewed"]["metrics"]}
    assert viewed == {"views_gained": 740, "likes_gained": 47, "comments_gained": 3,
                      "shares_gained": 5, "posts_viewed": 12}  # fmt: skip
    summary = {row["metric"]: (row["value"], row["note"]) for row in data["published"]["cards"]}
    assert summary["average_reach_per_post"] == (None, UNAVAILABLE)
    assert summary["engagement"] == (None, UNAVAILABLE)
    assert summary["published_views"] == (705, "")
    assert {post["reach"] for post in data["published"]["posts"]} == {None}


def test_activity_api_turns_utc_hours_into_the_account_time_zone(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    # Madrid is UTC+1 all through these two weeks: local hour h is UTC hour h - 1.
    period = Period(date(2026, 11, 2), date(2026, 11, 15))
    data = fetch(client, store, f"{BUSINESS}/activity", "vera", start=period.start,
                 end=period.end)  # fmt: skip
    utc = direct(store, "casa_verde_demo", lambda connection, account:
                 utc_heatmap(connection, account, period))  # fmt: skip
    by_slot = {(row["weekday"], row["hour"]): row["active_followers"] for row in utc}
    assert len(data["heatmap"]) == len(utc) == 168
    for row in data["heatmap"]:
        slot = (row["weekday"] * 24 + row["hour"] - 1) % 168
        assert row["active_followers"] == pytest.approx(by_slot[(slot // 24, slot % 24)])
    assert data["heatmap"][0] == {"weekday": 0, "hour": 0, "active_followers": pytest.approx(
        by_slot[(6, 23)])}  # Monday 00:00 in Madrid is Sunday 23:00 UTC  # fmt: skip
    assert data["time_zone"] == {
        "name": "Europe/Madrid",
        "offsets": [{"start": "2026-11-02", "end": "2026-11-15", "utc_offset": "UTC+01:00"}],
        "note": "Weekdays and hours in the account's time zone, Europe/Madrid (UTC+01:00), "
        "converted from TikTok's UTC hours.",
    }
    ranked = sorted(data["heatmap"], key=lambda row: -row["active_followers"])[:5]
    assert [(row["weekday"], row["hour"]) for row in data["best_hours"]] == [
        (row["weekday"], row["hour"]) for row in ranked]  # fmt: skip
    # NOTE: shares compared with approx: DuckDB's parallel sums may add floats in another order.
    direct_shares = direct(store, "casa_verde_demo", lambda connection, account:
                           studio.traffic_sources(connection, account, period))  # fmt: skip
    expected = sorted(
        ({"source": key, "label": label, "share": direct_shares[key]}
         for key, label in studio.SOURCES.items()), key=lambda row: -row["share"])  # fmt: skip
    assert [(row["source"], row["label"]) for row in data["traffic_sources"]] == [
        (row["source"], row["label"]) for row in expected]  # fmt: skip
    assert [row["share"] for row in data["traffic_sources"]] == pytest.approx(
        [row["share"] for row in expected], rel=1e-12
    )
    territories = direct(store, "casa_verde_demo", lambda connection, account:
                         studio.viewer_territories(connection, account, period))  # fmt: skip
    assert [row["country"] for row in data["territories"]] == [
        row["country"] for row in territories]  # fmt: skip
    assert [row["share"] for row in data["territories"]] == pytest.approx(
        [row["share"] for row in territories], rel=1e-12
    )
    assert data["unavailable"] == {"heatmap": None, "traffic_sources": None, "territories": None}
    assert sum(row["share"] for row in data["traffic_sources"]) == pytest.approx(1, abs=1e-3)


def test_activity_api_names_the_offset_change_within_the_period(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    data = fetch(client, store, f"{BUSINESS}/activity", "vera")
    assert data["time_zone"]["offsets"] == [
        {"start": "2026-10-24", "end": "2026-10-24", "utc_offset": "UTC+02:00"},
        {"start": "2026-10-25", "end": "2026-11-20", "utc_offset": "UTC+01:00"},
    ]
    assert data["time_zone"]["note"] == (
        "Weekdays and hours in the account's time zone, Europe/Madrid (UTC+02:00 from "
        "2026-10-24; UTC+01:00 from 2026-10-25), converted from TikTok's UTC hours."
    )
    assert len(data["heatmap"]) == 168
    assert data["best_hours"][0]["weekday_name"] == "Thursday"


def test_activity_api_of_a_personal_account_is_unavailable_throughout(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    data = fetch(client, store, f"{PERSONAL}/activity", "rita")
    assert data["unavailable"] == {"heatmap": FROM_FOLLOWERS, "traffic_sources": UNAVAILABLE,
                                   "territories": UNAVAILABLE}  # fmt: skip
    assert (data["heatmap"], data["best_hours"], data["territories"]) == ([], [], [])
    assert {row["share"] for row in data["traffic_sources"]} == {None}


def test_account_pages_of_another_workspace_look_absent(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    _, store = web_server
    for name in ("community", "content", "activity"):
        response = client.get(f"{PERSONAL}/{name}", headers=bearer(store.tokens["vera"]))
        assert (response.status_code, response.json()) == (404, {"detail": "no workspace 'rival'"})


def test_account_pages_of_a_personal_account_show_the_unavailable_states(
    client: httpx.Client,
) -> None:
    assert login(client, "rita").status_code == 303
    pages = {name: client.get(f"/workspaces/rival/accounts/other_brand/{name}").text
             for name in ("community", "content", "activity")}  # fmt: skip
    assert f"Demographics are not available: {NO_DEMOGRAPHICS}." in unescape(pages["community"])
    assert f"Followers gained and lost per day: {UNAVAILABLE}." in pages["community"]
    assert f"Follower activity: {FROM_FOLLOWERS}." in unescape(pages["activity"])
    assert f"Traffic sources: {UNAVAILABLE}." in pages["activity"]
    assert f"Territories: {UNAVAILABLE}." in pages["activity"]
    assert 'data-figure="top_posts"' in pages["content"]  # views gained exist without Business


def test_activity_offsets_of_unusual_zones() -> None:
    # NOTE: imported here: importing a web module registers its navigation link, so importing
    # it at collection time would reorder every page's navigation.
    from tikscope.metrics.activity import offset_stretches, offset_text

    period = Period(date(2026, 3, 28), date(2026, 3, 30))
    assert offset_stretches("Asia/Kolkata", period)[1][0].offset_minutes == 330
    assert offset_text(330) == "UTC+05:30" and offset_text(-300) == "UTC-05:00"
    assert offset_text(0) == "UTC"
    name, stretches = offset_stretches("Mars/Olympus", period)
    assert (name, [stretch.offset_minutes for stretch in stretches]) == ("UTC", [0])
    london = offset_stretches("Europe/London", period)[1]
    assert [(s.start, s.end, s.offset_minutes) for s in london] == [
        (date(2026, 3, 28), date(2026, 3, 28), 0), (date(2026, 3, 29), date(2026, 3, 30), 60)]  # fmt: skip


def test_page_community_switches_growth_between_day_week_and_month(
    page: Page, web_server: tuple[str, WebStore]
) -> None:
    origin, _ = web_server
    log_in_quickly(page, origin, "vera")
    page.goto(f"{origin}/workspaces/agency/accounts/casa_verde_demo/community")
    wait_for_figures(page)
    assert page.locator("[data-figure]").count() == 6  # followers, balance, 4 demographics
    assert page.locator(".card[data-metric=followers_balance] .value").inner_text() == "64"
    screenshot(page, "community-day")
    page.select_option("select[data-granularity]", "week")
    page.wait_for_function(
        "document.querySelector('[data-figure=followers] .gtitle')"
        ".textContent === 'Followers at the end of each week'"
    )
    assert page.url.endswith("/community?granularity=week")
    assert page.locator("[data-figure=balance] .gtitle").text_content() == (
        "Followers gained, lost and balance per week"
    )
    screenshot(page, "community-week")


def test_page_content_shows_posts_viewed_and_posts_published(
    page: Page, web_server: tuple[str, WebStore]
) -> None:
    origin, _ = web_server
    log_in_quickly(page, origin, "vera")
    page.goto(f"{origin}/workspaces/agency/accounts/casa_verde_demo/content?days=28")
    wait_for_figures(page)
    headings = page.locator("section[data-section] h2").all_inner_texts()
    assert headings == ["Posts viewed in the period", "Posts published in the period"]
    assert page.locator("[data-section=viewed] .card[data-metric=views_gained] .value").inner_text(
    ) == "7,308"  # fmt: skip
    assert page.locator("table[data-table=top_posts] tbody tr").count() == 10
    assert page.locator("[data-figure=published_views] .bars .point").count() == 9
    screenshot(page, "content")


def test_page_activity_draws_the_heatmap_sources_and_territories(
    page: Page, web_server: tuple[str, WebStore]
) -> None:
    origin, _ = web_server
    log_in_quickly(page, origin, "vera")
    page.goto(f"{origin}/workspaces/agency/accounts/casa_verde_demo/activity")
    wait_for_figures(page)
    assert page.locator("[data-figure]").count() == 3
    assert "account's time zone, Europe/Madrid" in page.locator("[data-time-zone]").inner_text()
    assert page.locator(".best-hours li").count() == 5
    assert page.locator("[data-figure=heatmap] .gtitle").text_content() == (
        "Active followers by weekday and hour (Europe/Madrid)"
    )
    screenshot(page, "activity")


def test_content_page_names_posts_by_caption_and_time_linked_to_tiktok(
    client: httpx.Client,
) -> None:
    import json
    import re

    assert login(client, "vera").status_code == 303
    page = client.get("/workspaces/agency/accounts/casa_verde_demo/content").text
    first = re.search(r'<table class="posts" data-table="top_posts">.*?<tbody>\s*<tr (.*?)</tr>',
                      page, re.DOTALL)  # fmt: skip
    assert first, "the top posts table"
    link = "https://www.tiktok.com/@casa_verde_demo/video/7277801060259148587"
    caption = "Watering mistakes everyone makes #interiordesign #plants"
    assert re.sub(r"\s+", " ", first.group(1)) == (
        f'data-post-id="7277801060259148587"><td>1</td><td><span class="post-name"><a href="{link}" '
        f'rel="noopener noreferrer" title="{caption}">Watering mistakes everyone makes…</a></span> '
        '</td><td>video</td><td>2026-10-22 19:39</td><td class="number">3,756</td>'
        '<td class="number">174</td><td class="number">27</td><td class="number">62</td>'
    )
    figures = {name: json.loads(spec) for name, spec in re.findall(
        r'<script type="application/json" data-figure-for="(\w+)">(.*?)</script>', page)}  # fmt: skip
    for name in ("top_posts", "published_views"):
        names = figures[name]["layout"]["yaxis"]
        assert names["type"] == "category"
        assert names["tickvals"] == figures[name]["data"][0]["y"]
    top = figures["top_posts"]
    assert top["layout"]["yaxis"]["ticktext"][0] == (
        f'<a href="{link}">Watering mistakes everyone makes… · 22 Oct 19:39</a>'
    )
    assert top["data"][0]["customdata"][0] == [caption, "published 2026-10-22 19:39 UTC"]
