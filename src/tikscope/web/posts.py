"""The posts table: every post published in the period, with chosen columns, sort and export.

The page, its JSON twin and the CSV/XLSX downloads all read one page model
(`reports.pages.gather_posts`) through `views.view_data` (so the page cache serves all four), with
the same period query plus `columns` and `sort` as `tikscope posts --columns ... --sort ...`.
The downloads are its table (`reports.tables.posts_table`) written by `reports.spreadsheet`, as
`tikscope posts --format csv|xlsx` writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from tikscope.metrics.missing import not_stored
from tikscope.metrics.periods import Period
from tikscope.metrics.post_rows import PostRow
from tikscope.metrics.query import Account, Settings
from tikscope.metrics.registry import POST_COLUMNS, POST_COLUMNS_BY_NAME
from tikscope.metrics.sections import DEFAULT_POST_COLUMNS
from tikscope.reports.pages import PostsPage, gather_posts
from tikscope.reports.spreadsheet import table_csv, table_xlsx
from tikscope.reports.tables import Table, post_columns, posts_table
from tikscope.web.downloads import attachment
from tikscope.web.params import PeriodQuery
from tikscope.web.render import encode_json, render
from tikscope.web.security import Access, ViewerAccess
from tikscope.web.views import (
    ACCOUNT_VIEWS,
    AccountView,
    Gather,
    PeriodParameters,
    ViewData,
    page_context,
    view_data,
)

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
PAGE_PATH = "/workspaces/{workspace}/accounts/{handle}/posts"
API_PATH = "/api/workspaces/{workspace}/accounts/{handle}/posts"
DEFAULT_SORT = "-views"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class TableQuery:
    """`?columns=type,views&sort=-views`: which post columns, in which order, sorted how."""

    columns: tuple[str, ...]
    sort: str

    @property
    def shown(self) -> tuple[str, ...]:
        """The columns of every row, in order (`post_list` always puts `post_id` first)."""
        return (*dict.fromkeys(["post_id", *self.columns]), "flags")

    def as_query(self) -> dict[str, str]:
        """The parameters as a query string mapping."""
        return {"columns": ",".join(self.columns), "sort": self.sort}

    def sort_after_click(self, name: str) -> str:
        """What a click on a column's header asks for: the other direction, or descending."""
        return name if self.sort == f"-{name}" else f"-{name}"


def table_query(
    columns: Annotated[
        str | None,
        Query(description="Comma-separated post columns, in order (as `tikscope posts "
              f"--columns`); default {','.join(DEFAULT_POST_COLUMNS)}. Valid: "
              f"{', '.join(column.name for column in POST_COLUMNS)}."),
    ] = None,
    sort: Annotated[
        str, Query(description="The column to sort by; prefix - for descending.")
    ] = DEFAULT_SORT,
) -> TableQuery:  # fmt: skip
    """Parse `columns` and `sort`; an unknown column is a 422 that lists the valid ones."""
    names = [name.strip() for name in (columns or "").split(",") if name.strip()]
    chosen = tuple(dict.fromkeys(names)) or DEFAULT_POST_COLUMNS
    unknown = [
        name for name in [*chosen, sort.removeprefix("-")] if name not in POST_COLUMNS_BY_NAME
    ]
    if unknown:
        known = ", ".join(column.name for column in POST_COLUMNS)
        named = ", ".join(name or "''" for name in unknown)
        raise HTTPException(422, f"unknown post column(s) {named}; choose from {known}")
    return TableQuery(chosen, sort)


TableParameters = Annotated[TableQuery, Depends(table_query)]


def gatherer(table: TableQuery) -> Gather[PostsPage]:
    """The page model of the table for one choice of columns and sort."""

    def gather(
        connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
        compare: bool,
    ) -> PostsPage:  # fmt: skip
        return gather_posts(
            connection, account, period, settings, columns=table.columns, sort=table.sort
        )

    return gather


POSTS_VIEW = AccountView(
    name="posts",
    title="Posts",
    gather=gatherer(TableQuery(DEFAULT_POST_COLUMNS, DEFAULT_SORT)),
    template="posts.html.j2",
    summary="Every post published in the period with the chosen columns, sorted.",
)
ACCOUNT_VIEWS.append(POSTS_VIEW)


def table_data(
    request: Request, access: Access, handle: str, query: PeriodQuery, table: TableQuery
) -> ViewData[PostsPage]:
    """The table's data for the account and period (cached per choice of columns and sort)."""
    # NOTE: a view per choice, named after it, so that the page cache keeps choices apart.
    view = AccountView(
        name=f"{POSTS_VIEW.name}?{urlencode(table.as_query())}", title=POSTS_VIEW.title,
        gather=gatherer(table), template=POSTS_VIEW.template, summary=POSTS_VIEW.summary,
    )  # fmt: skip
    return view_data(request, access, handle, query, view)


@router.get(API_PATH, summary=POSTS_VIEW.summary, tags=["account"])
def posts_api(
    request: Request, access: ViewerAccess, handle: str, query: PeriodParameters,
    table: TableParameters,
) -> Response:  # fmt: skip
    """The JSON twin of the posts page."""
    body = encode_json(table_data(request, access, handle, query, table))
    return Response(body, media_type="application/json")


@router.get(PAGE_PATH, response_class=HTMLResponse, include_in_schema=False)
def posts_page(
    request: Request, access: ViewerAccess, handle: str, query: PeriodParameters,
    table: TableParameters,
) -> HTMLResponse:  # fmt: skip
    """The posts table with its column picker, sortable headers and export links."""
    data = table_data(request, access, handle, query, table)
    posts = data.page.posts
    context = page_context(request, access, account=data.handle)
    return render(request, POSTS_VIEW.template, {
        **context, "view": POSTS_VIEW, "query": query, "figures": {}, "table": table,
        "picker": picker_columns(table, empty=empty_columns(posts, table.columns)),
        "links": table_links(access.workspace, data.handle, query, table),
        "default_columns": DEFAULT_POST_COLUMNS,
        "flagged": sum(1 for post in posts if post.flags), **data.fields(),
    })  # fmt: skip


def empty_columns(posts: Sequence[PostRow], columns: tuple[str, ...]) -> dict[str, str]:
    """Shown columns that no post of the period has a value for, and what would provide them."""
    return {
        name: not_stored(POST_COLUMNS_BY_NAME[name].sources)
        for name in columns
        if name in POST_COLUMNS_BY_NAME
        and POST_COLUMNS_BY_NAME[name].sources
        and posts
        and all(post.get(name) is None for post in posts)
    }


def picker_columns(table: TableQuery, *, empty: dict[str, str]) -> list[dict[str, Any]]:
    """Every post column for the picker: chosen ones first, in their order, then the rest."""
    order = [*dict.fromkeys(["post_id", *table.columns, *POST_COLUMNS_BY_NAME])]
    return [
        {"name": name, "label": POST_COLUMNS_BY_NAME[name].label,
         "description": POST_COLUMNS_BY_NAME[name].description,
         "checked": name == "post_id" or name in table.columns, "fixed": name == "post_id",
         "unavailable": empty.get(name)}
        for name in order
    ]  # fmt: skip


def table_links(
    workspace: str, handle: str, query: PeriodQuery, table: TableQuery
) -> dict[str, Any]:
    """Addresses of the JSON twin, the downloads and each header's sort click."""
    base = f"/api/workspaces/{workspace}/accounts/{handle}/posts"
    period = {key: str(value) for key, value in query.as_query().items()}
    full = urlencode({**period, **table.as_query()}, safe=",")
    sorts = {
        name: "?"
        + urlencode({**period, **table.as_query(), "sort": table.sort_after_click(name)}, safe=",")
        for name in table.shown
        if name in POST_COLUMNS_BY_NAME
    }
    return {"json": f"{base}?{full}", "csv": f"{base}.csv?{full}", "xlsx": f"{base}.xlsx?{full}",
            "sorts": sorts, "period": period}  # fmt: skip


def download_name(data: ViewData[PostsPage], extension: str) -> str:
    """`HANDLE-posts-START-to-END.EXT`."""
    period = data.frame["period"]
    return f"{data.handle}-posts-{period['start']}-to-{period['end']}.{extension}"


def download_table(data: ViewData[PostsPage]) -> Table:
    """The shown columns of the posts as the one table that CSV and XLSX files write."""
    shown = [name for name in data.page.shown if name != "flags"]
    return posts_table(data.page.posts, post_columns(shown))


@router.get(
    f"{API_PATH}.csv", summary="The posts table as CSV (the shown columns, in order).",
    tags=["account"], response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a header row."}},
)  # fmt: skip
def posts_csv(
    request: Request, access: ViewerAccess, handle: str, query: PeriodParameters,
    table: TableParameters,
) -> Response:  # fmt: skip
    """The posts table as a CSV download."""
    data = table_data(request, access, handle, query, table)
    content = table_csv(download_table(data), line_end="\r\n").encode("utf-8")
    return attachment(content, "text/csv; charset=utf-8", download_name(data, "csv"))


@router.get(
    f"{API_PATH}.xlsx", summary="The posts table as an Excel workbook (the shown columns).",
    tags=["account"], response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}}, "description": "A sheet with a header row."}},
)  # fmt: skip
def posts_xlsx(
    request: Request, access: ViewerAccess, handle: str, query: PeriodParameters,
    table: TableParameters,
) -> Response:  # fmt: skip
    """The posts table as an XLSX download."""
    data = table_data(request, access, handle, query, table)
    content = table_xlsx(download_table(data), sheet="posts")
    return attachment(content, XLSX_TYPE, download_name(data, "xlsx"))
