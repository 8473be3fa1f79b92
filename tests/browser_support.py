"""Debian's chromium driven by Playwright, for page tests; screenshots go to test-artifacts/.

The browser is the system one (`/usr/bin/chromium`, installed by `make test`), never a browser
Playwright downloads. The flags keep it from reaching out to Google's services, which this
offline machine refuses.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path(os.environ.get("TIKSCOPE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions",
)  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/NAME.png; return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Page, origin: str, username: str, password: str) -> None:
    """Log in through the form and wait for the first page."""
    page.goto(f"{origin}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")


def wait_for_figures(page: Page) -> None:
    """Wait until every Plotly figure on the page is drawn."""
    page.wait_for_function(
        "Array.from(document.querySelectorAll('[data-figure]'))"
        ".every((node) => node.dataset.drawn === 'true')",
        timeout=30_000,
    )
