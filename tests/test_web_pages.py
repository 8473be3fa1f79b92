"""Pages in Debian's chromium: log in, look at the overview, change the period."""

from __future__ import annotations

from playwright.sync_api import Page

from browser_support import log_in, screenshot, wait_for_figures
from web_support import PASSWORD, WebStore

OVERVIEW = "/workspaces/agency/accounts/casa_verde_demo/overview"


def test_page_overview_draws_its_charts_and_follows_the_period_picker(
    page: Page, web_server: tuple[str, WebStore]
) -> None:
    origin, _ = web_server
    log_in(page, origin, "vera", PASSWORD)
    assert page.url == origin + OVERVIEW
    wait_for_figures(page)
    assert page.locator(".card[data-metric=followers] .value").inner_text() == "1,500"
    screenshot(page, "overview-28-days")
    with page.expect_navigation():
        page.select_option("form[data-period-picker] select[name=days]", "7")
    assert page.url == f"{origin}{OVERVIEW}?days=7&compare=true&rate=100&basis=reach"
    assert "2026-11-14 to 2026-11-20 (7 days)" in page.locator(".period").inner_text()
    wait_for_figures(page)
    screenshot(page, "overview-7-days")


def test_page_every_account_page_fits_a_phone_screen(
    page: Page, web_server: tuple[str, WebStore]
) -> None:
    origin, _ = web_server
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, origin, "vera", PASSWORD)
    links: list[str] = page.eval_on_selector_all(
        "nav.pages a", "links => links.map((link) => link.getAttribute('href'))"
    )
    assert len(links) >= 6
    widths = {}
    for link in links:
        page.goto(origin + link)
        wait_for_figures(page)
        name = link.split("?")[0].rsplit("/", 1)[-1]
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        screenshot(page, f"phone-{name}")
    assert widths == dict.fromkeys(widths, 390), widths
