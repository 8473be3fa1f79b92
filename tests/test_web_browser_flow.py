"""One walk through the app in Debian's chromium, as the viewer vera: every page, then a period.

The account pages are read from the navigation bar, so pages added later are visited too. Each
page must have a heading, draw its charts, and leave no error in the console (the `page` fixture
fails the test on any). Screenshots: test-artifacts/screenshots/flow-*.png.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page

from browser_support import log_in, screenshot, wait_for_figures
from web_support import PASSWORD, WebStore

ACCOUNT = "/workspaces/agency/accounts/casa_verde_demo"


def navigation_links(page: Page) -> list[str]:
    """The hrefs of the account pages' navigation bar, in order."""
    links: list[str] = page.eval_on_selector_all(
        "nav.pages a", "links => links.map((link) => link.getAttribute('href'))"
    )
    return links


def visit(page: Page, origin: str, href: str, name: str) -> str:
    """Open a page, wait for its charts, screenshot it; its first heading's text."""
    response = page.goto(origin + href)
    assert response is not None and response.status == 200, f"{href}: {response}"
    wait_for_figures(page)
    heading = page.locator("main h1, main h2").first.inner_text().strip()
    screenshot(page, f"flow-{name}")
    return heading


def test_browser_viewer_visits_every_page_and_the_period_follows_the_navigation(
    page: Page, web_server: tuple[str, WebStore]
) -> None:
    origin, _ = web_server
    log_in(page, origin, "vera", PASSWORD)
    links = navigation_links(page)
    names = [urlsplit(link).path.rsplit("/", 1)[-1] for link in links]
    assert names[:1] == ["overview"] and len(names) >= 6, names
    assert all(urlsplit(link).path.startswith(ACCOUNT + "/") for link in links), links
    headings = {
        name: visit(page, origin, link, name) for name, link in zip(names, links, strict=True)
    }
    assert all(headings.values()), headings
    assert visit(page, origin, "/workspaces/agency/sync", "sync-status")

    page.goto(origin + links[0])
    with page.expect_navigation():
        page.select_option("form[data-period-picker] select[name=days]", "7")
    assert parse_qs(urlsplit(page.url).query)["days"] == ["7"]
    wait_for_figures(page)
    screenshot(page, "flow-overview-7-days")
    for name in names[1:]:  # each page reached through the bar keeps the period in the bar
        with page.expect_navigation():
            page.click(f"nav.pages a[href*='/{name}']")
        kept = [parse_qs(urlsplit(link).query).get("days") for link in navigation_links(page)]
        assert kept == [["7"]] * len(names), (name, navigation_links(page))
    wait_for_figures(page)
    screenshot(page, f"flow-{names[-1]}-7-days")
