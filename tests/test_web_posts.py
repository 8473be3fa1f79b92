"""The posts table page, its JSON twin and its CSV/XLSX exports, over a real server."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.encoders import jsonable_encoder
from openpyxl import load_workbook
from playwright.sync_api import Page

from browser_support import log_in, screenshot
from tikscope.cli.main import main
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Settings, find_account
from tikscope.metrics.registry import POST_COLUMNS
from tikscope.metrics.sections import DEFAULT_POST_COLUMNS, post_list
from tikscope.store.db import open_store
from web_support import PASSWORD, WebStore, bearer, login

POSTS = "/api/workspaces/agency/accounts/casa_verde_demo/posts"
PAGE = "/workspaces/agency/accounts/casa_verde_demo/posts"
START, END = date(2026, 9, 1), date(2026, 11, 20)
CHOSEN = ("published", "type", "views", "reach", "engagement", "full_watch_rate", "duration")
VALID = ", ".join(column.name for column in POST_COLUMNS)


def labels(names: list[str]) -> list[str]:
    """The headers of the downloads for these columns: the registry's labels, and the flags'."""
    by_name = {column.name: column.label for column in POST_COLUMNS}
    return [by_name.get(name, "Data quality") for name in names]


@pytest.fixture
def client(web_server: tuple[str, WebStore]) -> Iterator[httpx.Client]:
    origin, _ = web_server
    with httpx.Client(base_url=origin, timeout=30) as opened:
        yield opened


def as_viewer(web_server: tuple[str, WebStore]) -> dict[str, str]:
    """Headers of vera, a viewer of the agency workspace."""
    return bearer(web_server[1].tokens["vera"])


def expected_posts(
    store: WebStore, *, columns: tuple[str, ...], sort: str, settings: Settings
) -> list[dict[str, Any]]:
    """`post_list` called directly on a copy of the served store, as JSON."""
    with open_store(store.path) as connection:
        account = find_account(connection, "casa_verde_demo")
        rows = post_list(
            connection, account, Period(START, END), settings, columns=columns, sort=sort
        )
    encoded: list[dict[str, Any]] = jsonable_encoder([row.as_json() for row in rows])
    return encoded


def period_query(**extra: str) -> str:
    """The query string of the test period with `extra` parameters."""
    return urlencode({"start": START, "end": END, **extra})


@pytest.mark.parametrize(
    ("query", "columns", "sort", "settings"),
    [
        ({}, DEFAULT_POST_COLUMNS, "-views", Settings()),
        ({"columns": ",".join(CHOSEN), "sort": "published"}, CHOSEN, "published", Settings()),
        ({"columns": "views,type", "sort": "-type", "rate": "1000", "basis": "views"},
         ("views", "type"), "-type", Settings(engagement_rate=1000, engagement_basis="views")),
    ],
)  # fmt: skip
def test_posts_api_equals_post_list_called_directly(
    client: httpx.Client,
    web_server: tuple[str, WebStore],
    web_store: WebStore,
    query: dict[str, str],
    columns: tuple[str, ...],
    sort: str,
    settings: Settings,
) -> None:
    response = client.get(f"{POSTS}?{period_query(**query)}", headers=as_viewer(web_server))
    assert response.status_code == 200
    body = response.json()
    # every row carries the caption and link that name the post on the page
    named = (*columns, *(name for name in ("caption", "link") if name not in columns))
    posts = expected_posts(web_store, columns=named, sort=sort, settings=settings)
    assert len(posts) > 5
    assert body["posts"] == posts
    assert body["sort"] == sort
    assert [column["name"] for column in body["columns"]] == ["post_id", *columns, "flags"]
    assert body["period"]["start"] == "2026-09-01" and body["period"]["end"] == "2026-11-20"


def test_posts_api_sorts_both_ways_by_any_column(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    def views(sort: str) -> list[int]:
        query = period_query(columns="views,likes", sort=sort)
        response = client.get(f"{POSTS}?{query}", headers=as_viewer(web_server))
        return [post["views"] for post in response.json()["posts"]]

    assert views("views") == sorted(views("views"))
    assert views("-views") == sorted(views("views"), reverse=True)
    assert views("views") != views("-views")


@pytest.mark.parametrize(
    ("query", "unknown"),
    [
        ({"columns": "views,bogus"}, "bogus"),
        ({"columns": "views", "sort": "-popularity"}, "popularity"),
        ({"columns": "flags"}, "flags"),
        ({"columns": "views,likes ,nope", "sort": "zzz"}, "nope, zzz"),
    ],
)
def test_posts_api_unknown_column_is_422_naming_it_and_listing_the_valid_ones(
    client: httpx.Client, web_server: tuple[str, WebStore], query: dict[str, str], unknown: str
) -> None:
    for suffix in ("", ".csv", ".xlsx"):
        response = client.get(f"{POSTS}{suffix}?{urlencode(query)}", headers=as_viewer(web_server))
        assert response.status_code == 422
        assert response.json() == {
            "detail": f"unknown post column(s) {unknown}; choose from {VALID}"
        }


def csv_cell(value: Any) -> str:
    """What a JSON value of the twin looks like in the CSV."""
    return "" if value is None else str(value)


def test_posts_csv_parses_back_to_the_json_rows(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    query = period_query(columns=",".join(CHOSEN), sort="-engagement")
    headers = as_viewer(web_server)
    rows = client.get(f"{POSTS}?{query}", headers=headers).json()["posts"]
    response = client.get(f"{POSTS}.csv?{query}", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="casa_verde_demo-posts-2026-09-01-to-2026-11-20.csv"; '
        "filename*=UTF-8''casa_verde_demo-posts-2026-09-01-to-2026-11-20.csv"
    )
    parsed = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    names = ["post_id", *CHOSEN, "flags"]
    assert parsed[0] == [
        "Post id", "Published", "Type", "Views", "Reach", "Engagement", "Full video watched %",
        "Duration", "Data quality",
    ]  # fmt: skip
    assert parsed[1:] == [[csv_cell(row[name]) for name in names] for row in rows]
    assert any(row["flags"] for row in rows)


def xlsx_value(name: str, value: Any) -> Any:
    """What a JSON value of the twin is in the workbook: times as datetimes, no empty text.

    openpyxl writes floats with 16 significant digits (Excel keeps 15).
    """
    if name == "published":
        return datetime.fromisoformat(value)
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-15)
    return None if value == "" else value


def test_posts_xlsx_holds_typed_cells_with_full_ids_and_a_frozen_header(
    client: httpx.Client, web_server: tuple[str, WebStore]
) -> None:
    query = period_query(columns=",".join(CHOSEN), sort="published")
    headers = as_viewer(web_server)
    rows = client.get(f"{POSTS}?{query}", headers=headers).json()["posts"]
    response = client.get(f"{POSTS}.xlsx?{query}", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="casa_verde_demo-posts-2026-09-01-to-2026-11-20.xlsx"; '
        "filename*=UTF-8''casa_verde_demo-posts-2026-09-01-to-2026-11-20.xlsx"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"
    names = ["post_id", *CHOSEN, "flags"]
    cells = list(sheet.iter_rows())
    assert [cell.value for cell in cells[0]] == labels(names)
    assert [[cell.value for cell in row] for row in cells[1:]] == [
        [xlsx_value(name, row[name]) for name in names] for row in rows
    ]
    first = dict(zip(names, cells[1], strict=True))
    assert first["post_id"].data_type == "s" and first["post_id"].number_format == "@"
    assert int(first["post_id"].value) > 2**53
    assert isinstance(first["published"].value, datetime)
    assert first["published"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert first["views"].data_type == "n" and isinstance(first["views"].value, int)
    assert first["views"].number_format == "#,##0"
    assert first["full_watch_rate"].number_format == "0.0%"


@pytest.mark.parametrize("suffix", ["", ".csv", ".xlsx"])
def test_posts_routes_admit_viewers_and_hide_other_workspaces(
    client: httpx.Client, web_server: tuple[str, WebStore], suffix: str
) -> None:
    tokens = web_server[1].tokens
    assert client.get(f"{POSTS}{suffix}", headers=bearer(tokens["vera"])).status_code == 200
    assert client.get(f"{POSTS}{suffix}", headers=bearer(tokens["rita"])).status_code == 404
    assert client.get(f"{POSTS}{suffix}").status_code == 401
    foreign = f"/api/workspaces/agency/accounts/other_brand/posts{suffix}"
    assert client.get(foreign, headers=bearer(tokens["vera"])).status_code == 404
    own = f"/api/workspaces/rival/accounts/other_brand/posts{suffix}"
    assert client.get(own, headers=bearer(tokens["rita"])).status_code == 200


def test_posts_page_needs_a_login_and_explains_an_unknown_column(client: httpx.Client) -> None:
    anonymous = client.get(PAGE)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/login?next={PAGE}"
    login(client, "vera")
    page = client.get(f"{PAGE}?columns=views,bogus")
    assert page.status_code == 422
    assert f"unknown post column(s) bogus; choose from {VALID}" in page.text.replace("&#39;", "'")


def test_posts_openapi_describes_columns_sort_and_the_downloads(client: httpx.Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for suffix, media_type in [
        ("", "application/json"), (".csv", "text/csv"),
        (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ]:  # fmt: skip
        operation = paths[f"/api/workspaces/{{workspace}}/accounts/{{handle}}/posts{suffix}"]["get"]
        names = [parameter["name"] for parameter in operation["parameters"]]
        assert names[-2:] == ["columns", "sort"]
        assert "days" in names and "start" in names
        assert list(operation["responses"]["200"]["content"]) == [media_type]


def table_column(page: Page, name: str) -> list[str]:
    """The text of one column's cells, top to bottom."""
    index = page.locator("table.posts thead th").evaluate_all(
        f"(cells) => cells.findIndex((cell) => cell.dataset.column === '{name}')"
    )
    return page.locator(f"table.posts tbody tr td:nth-child({index + 1})").all_inner_texts()


def test_page_posts_picks_columns_sorts_and_exports_what_it_shows(
    page: Page, web_server: tuple[str, WebStore], tmp_path: Path
) -> None:
    origin, _ = web_server
    log_in(page, origin, "vera", PASSWORD)
    page.goto(f"{origin}{PAGE}?days=60")
    page.click("details.column-picker summary")
    for name in ("likes", "comments", "type"):
        page.uncheck(f"input[data-column={name}]")
    for name in ("duration", "full_watch_rate", "for_you_share"):
        page.check(f"input[data-column={name}]")
    with page.expect_navigation():
        page.click("form[data-column-form] button[type=submit]")
    chosen = "published,views,shares,reach,engagement,duration,full_watch_rate,for_you_share"
    assert (
        page.url
        == f"{origin}{PAGE}?days=60&compare=true&rate=100&basis=reach&columns={chosen}&sort=-views"
    )
    names = ["post_id", *chosen.split(","), "flags"]
    assert (
        page.locator("table.posts thead th").evaluate_all(
            "(cells) => cells.map((cell) => cell.dataset.column)"
        )
        == names
    )
    with page.expect_navigation():
        page.click("table.posts th[data-column=views] a")
    assert page.url.endswith(f"columns={chosen}&sort=views")
    assert page.get_attribute("table.posts th[data-column=views]", "aria-sort") == "ascending"
    views = [int(text.replace(",", "")) for text in table_column(page, "views")]
    assert views == sorted(views) and len(views) > 5
    shown_ids = page.locator("table.posts tbody tr").evaluate_all(
        "(rows) => rows.map((row) => row.dataset.postId)"
    )
    assert table_column(page, "post_id")[0].endswith(shown_ids[0])
    screenshot(page, "posts-picked-and-sorted")

    with page.expect_download() as csv_download:
        page.click("a[data-export=csv]")
    assert csv_download.value.suggested_filename == (
        "casa_verde_demo-posts-2026-09-22-to-2026-11-20.csv"
    )
    parsed = list(csv.reader(io.StringIO(Path(csv_download.value.path()).read_text("utf-8"))))
    assert parsed[0] == labels(names)
    assert [row[0] for row in parsed[1:]] == shown_ids
    assert [int(row[2]) for row in parsed[1:]] == views
    with page.expect_download() as xlsx_download:
        page.click("a[data-export=xlsx]")
    saved = tmp_path / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(saved)
    assert saved.name == "casa_verde_demo-posts-2026-09-22-to-2026-11-20.xlsx"
    sheet = load_workbook(saved).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == labels(names)
    assert [row[0] for row in rows[1:]] == shown_ids
    assert [row[2] for row in rows[1:]] == views

    # The period picker keeps the chosen columns and sort.
    with page.expect_navigation():
        page.select_option("form[data-period-picker] select[name=days]", "28")
    asked = parse_qs(urlsplit(page.url).query)
    assert (asked["days"], asked["columns"], asked["sort"]) == (["28"], [chosen], ["views"])
    assert page.get_attribute("table.posts th[data-column=views]", "aria-sort") == "ascending"

    # NOTE: every column at a laptop's width: the table scrolls inside the page, the page stays.
    page.set_viewport_size({"width": 1024, "height": 800})
    every = ",".join(column.name for column in POST_COLUMNS)
    page.goto(f"{origin}{PAGE}?days=60&columns={every}")
    widths = page.evaluate(
        "() => { const box = document.querySelector('.table-scroll');"
        " return [document.documentElement.scrollWidth, window.innerWidth,"
        " box.scrollWidth > box.clientWidth]; }"
    )
    assert widths[0] == widths[1] and widths[2] is True
    screenshot(page, "posts-every-column")


def test_posts_page_names_each_post_by_its_caption_linked_to_tiktok(client: httpx.Client) -> None:
    import re

    assert login(client, "vera").status_code == 303
    page = client.get(f"{PAGE}?{period_query()}").text
    cells = re.findall(r'<td class="text post">(.*?)</td>', page, re.DOTALL)
    assert len(cells) > 5
    for cell in cells:
        found = re.fullmatch(
            r'\s*<span class="post-name"><a href="https://www\.tiktok\.com/@casa_verde_demo/'
            r'video/([0-9]+)" rel="noopener noreferrer" title="([^"]+)">([^<]+)</a></span>\s*'
            r"\s*<code>([0-9]+)</code>", cell)  # fmt: skip
        assert found, cell
        post_id, caption, title, shown_id = found.groups()
        assert post_id == shown_id and len(title) <= 40
        assert caption.startswith(title.removesuffix("…"))
    assert '<th class="text" data-column="post_id"' in page and ">Post<span" in page


def test_posts_downloads_are_the_files_of_tikscope_posts(
    client: httpx.Client,
    web_server: tuple[str, WebStore],
    web_store: WebStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # One table, one writer: the web's downloads and the CLI's --out files hold the same cells,
    # headers and number formats for the same period, columns and sort.
    query = period_query(columns=",".join(CHOSEN), sort="-engagement")
    headers = as_viewer(web_server)
    common = ["posts", "--db", str(web_store.path), "--account", "casa_verde_demo",
              "--from", str(START), "--to", str(END), "--columns", ",".join(CHOSEN),
              "--sort", "-engagement"]  # fmt: skip
    for suffix in ("csv", "xlsx"):
        assert main([*common, "--format", suffix, "--out", str(tmp_path / f"posts.{suffix}")]) == 0
    capsys.readouterr()
    web_csv = client.get(f"{POSTS}.csv?{query}", headers=headers).content.decode("utf-8")
    cli_csv = (tmp_path / "posts.csv").read_text("utf-8")
    assert list(csv.reader(io.StringIO(web_csv))) == list(csv.reader(io.StringIO(cli_csv)))
    assert len(web_csv.splitlines()) > 5
    web_sheet = load_workbook(io.BytesIO(client.get(f"{POSTS}.xlsx?{query}", headers=headers)
                                         .content)).active  # fmt: skip
    cli_sheet = load_workbook(tmp_path / "posts.xlsx").active
    assert web_sheet is not None and cli_sheet is not None
    cells = [[(cell.value, cell.number_format) for cell in row] for row in web_sheet.iter_rows()]
    assert cells == [[(cell.value, cell.number_format) for cell in row]
                     for row in cli_sheet.iter_rows()]  # fmt: skip
