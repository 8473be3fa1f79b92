from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from browser_support import CHROMIUM, CHROMIUM_FLAGS
from tikscope.store.db import open_store
from tikscope.web.state import WebConfig
from web_support import WebStore, build_web_store, copy_store, serve

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection
    from playwright.sync_api import Browser, Page


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def store(store_path: Path) -> Iterator[DuckDBPyConnection]:
    with open_store(store_path, create=True) as connection:
        yield connection


@pytest.fixture(scope="session")
def web_store_template(tmp_path_factory: pytest.TempPathFactory) -> WebStore:
    """The two-workspace web store, built once per test session (see tests/web_support.py)."""
    return build_web_store(tmp_path_factory.mktemp("web") / "web.duckdb")


@pytest.fixture
def web_store(web_store_template: WebStore, tmp_path: Path) -> WebStore:
    """A fresh copy of the web store that a test may change."""
    return copy_store(web_store_template, tmp_path / "web.duckdb")


@pytest.fixture(scope="module")
def web_server(
    web_store_template: WebStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, WebStore]]:
    """A server over a copy of the web store, shared by a module's tests: (origin, store)."""
    store = copy_store(web_store_template, tmp_path_factory.mktemp("served") / "web.duckdb")
    with serve(WebConfig(db=store.path, secure_cookies=False)) as origin:
        yield origin, store


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's chromium under Playwright, shared by the session's page tests."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=list(CHROMIUM_FLAGS)
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context and page; console errors fail the test at teardown."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    errors: list[str] = []
    opened.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"the browser console showed errors: {errors}"


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One Spark session in local mode (2 cores) for the Spark tests: its JVM takes ~25 s to start.

    `tikscope spark` commands run inside a test use it rather than starting their own.
    """
    from tikscope.spark.session import start

    session = start("local[2]")
    # NOTE: the tests' tables are small: 2 shuffle partitions (one a core) spare most tasks.
    session.conf.set("spark.sql.shuffle.partitions", "2")
    yield session
    session.stop()
