"""Account views: one data function each, served as a page and as its JSON twin under /api.

A view is registered once with `account_view`; both routes call the same data function (through
the page cache) and only format the result, so the page and `/api/...` never disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from tikscope.access import memberships, role_in, workspace_handles
from tikscope.errors import TikscopeError
from tikscope.ids import handle_or_none
from tikscope.metrics.periods import ChosenPeriod, Period
from tikscope.metrics.query import Account, Settings
from tikscope.web.params import PeriodQuery, period_query
from tikscope.web.render import encode_json, render
from tikscope.web.security import (
    Access,
    ViewerAccess,
    bearer,
    optional_identity,
    server_state,
    workspace_account,
)

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

Page = TypeVar("Page")
Gather = Callable[["DuckDBPyConnection", Account, Period, Settings, bool], Page]
PeriodParameters = Annotated[PeriodQuery, Depends(period_query)]


@dataclass(frozen=True)
class AccountView(Generic[Page]):
    """A page about one account and period, with its JSON twin.

    Attributes:
        name: the last part of both paths (`/workspaces/W/accounts/H/NAME`, `/api/...`).
        title: the page's heading and navigation label.
        gather: reads the page's typed model (`reports/pages.py`) from the store (cursor,
            account, period, settings, compare).
        template: the page's template in `web/templates`.
        summary: one line for the OpenAPI description.
        figures: the page's charts from its model, as Plotly figures (`web/figures.py`) by name.
    """

    name: str
    title: str
    gather: Gather[Page]
    template: str
    summary: str
    figures: Callable[[Page], dict[str, Any]] = lambda page: {}


@dataclass(frozen=True)
class ViewData(Generic[Page]):
    """A view's page model with the account, period and settings it is about.

    Attributes:
        frame: the account, the period (and the one compared with) and the settings, as JSON.
        page: the page's typed model.
    """

    frame: dict[str, Any]
    page: Page

    @property
    def handle(self) -> str:
        """The account's handle."""
        return str(self.frame["account"]["handle"])

    def fields(self) -> dict[str, Any]:
        """The frame and the page's fields, for a template (typed) and the API (`as_json`)."""
        page = self.page
        if isinstance(page, Mapping):  # a page still assembled as a dict of typed values
            return {**self.frame, **page}
        assert dataclasses.is_dataclass(page) and not isinstance(page, type)
        values = {field.name: getattr(page, field.name) for field in dataclasses.fields(page)}
        return {**self.frame, **values}

    def as_json(self) -> dict[str, Any]:
        """What the JSON twin answers: the frame and the page's fields."""
        return self.fields()


ACCOUNT_VIEWS: list[AccountView[Any]] = []
# NOTE: the navigation's order, whichever module happens to be imported first.
NAVIGATION = (
    "overview", "community", "content", "posts", "comments", "activity", "audience",
    "recommendations", "rewards", "media-kit",
)  # fmt: skip


def account_view(router: APIRouter, view: AccountView[Any]) -> None:
    """Add the view's page and JSON routes to `router` and its link to the navigation."""
    ACCOUNT_VIEWS.append(view)

    async def api_route(
        request: Request, access: ViewerAccess, handle: str, query: PeriodParameters
    ) -> Response:
        # NOTE: async with the encoded answer remembered: a repeated request costs no query and
        # no thread hop; a new one computes in the thread pool.
        state = server_state(request)
        key = ("api", view.name, access.workspace, handle, query)
        body = state.recall(key)
        if body is None:

            def compute() -> bytes:
                return encode_json(view_data(request, access, handle, query, view))

            body = await run_in_threadpool(state.remember, key, compute)
        return Response(body, media_type="application/json")

    def page_route(
        request: Request, access: ViewerAccess, handle: str, query: PeriodParameters
    ) -> HTMLResponse:
        data = view_data(request, access, handle, query, view)
        context = page_context(request, access, account=data.handle)
        figures = view.figures(data.page)
        return render(
            request, view.template,
            {**context, "view": view, "query": query, "figures": figures, **data.fields()},
        )  # fmt: skip

    api_route.__name__ = f"{view.name.replace('-', '_')}_api"
    page_route.__name__ = f"{view.name.replace('-', '_')}_page"
    router.get(
        f"/api/workspaces/{{workspace}}/accounts/{{handle}}/{view.name}",
        summary=view.summary, tags=["account"],
    )(api_route)  # fmt: skip
    router.get(
        f"/workspaces/{{workspace}}/accounts/{{handle}}/{view.name}",
        response_class=HTMLResponse, include_in_schema=False,
    )(page_route)  # fmt: skip


def view_data(
    request: Request, access: Access, handle: str, query: PeriodQuery, view: AccountView[Page]
) -> ViewData[Page]:
    """The view's page model with the account, period and settings it is about (cached)."""
    state = server_state(request)
    account = workspace_account(request, access, handle)
    try:
        chosen: ChosenPeriod = state.lookup(query.resolve, account)
        settings = query.settings()
    except TikscopeError as error:
        raise HTTPException(422, str(error)) from error
    period = chosen.period
    key = (view.name, account, period, settings, query.compare)

    def compute() -> Page:
        with state.store.read() as cursor:
            return view.gather(cursor, account, period, settings, query.compare)

    page: Page = state.remember(key, compute)
    frame = {
        "account": {"handle": account.handle, "account_type": account.account_type,
                    "time_zone": account.time_zone},
        "period": describe_period(chosen, compare=query.compare),
        "settings": {"engagement_rate": settings.engagement_rate,
                     "engagement_basis": settings.engagement_basis,
                     "engagement_formula": settings.engagement_formula},
    }  # fmt: skip
    return ViewData(frame, page)


def describe_period(chosen: ChosenPeriod, *, compare: bool) -> dict[str, Any]:
    """The period (and the one it is compared with) as JSON.

    `note` says how the period asked for was cut to the store's data, or is None.
    """
    period = chosen.period
    described: dict[str, Any] = {"start": period.start, "end": period.end, "days": period.days,
                                 "note": chosen.note}  # fmt: skip
    if compare:
        previous = period.previous()
        described["previous"] = {"start": previous.start, "end": previous.end,
                                 "note": chosen.previous_note}  # fmt: skip
    return described


def page_context(request: Request, access: Access, *, account: str | None = None) -> dict[str, Any]:
    """What every page's frame shows: who is logged in, workspaces, accounts, navigation."""
    state = server_state(request)
    spaces = state.lookup(memberships, access.identity.user.user_id)
    handles = state.lookup(workspace_handles, access.workspace)
    return {
        "me": access.identity.user,
        "csrf_token": access.identity.csrf_token or "",
        "workspace": access.workspace,
        "role": access.role.value,
        "workspaces": spaces,
        "accounts": handles,
        "current_account": account,
        "views": sorted(ACCOUNT_VIEWS, key=navigation_place),
    }


def navigation_place(view: AccountView[Any]) -> int:
    """Where a view's link goes in the navigation bar."""
    return NAVIGATION.index(view.name) if view.name in NAVIGATION else len(NAVIGATION)


async def error_frame(request: Request) -> dict[str, Any]:
    """The frame of an error page (`page_context`) for a member of the path's workspace.

    With the account and view when the path names them; nothing for anyone else. A refused
    period or column then keeps the navigation and the account picker.
    """
    workspace = request.path_params.get("workspace")
    who = await optional_identity(request, await bearer(request))
    if not isinstance(workspace, str) or who is None:
        return {}
    state = server_state(request)
    role = state.lookup(role_in, who.user.user_id, workspace)
    if role is None:
        return {}
    handle = handle_or_none(str(request.path_params.get("handle", "")))
    account = handle if handle in state.lookup(workspace_handles, workspace) else None
    frame = page_context(request, Access(who, workspace, role), account=account)
    name = request.url.path.rsplit("/", 1)[-1]
    views = [view for view in ACCOUNT_VIEWS if view.name == name and account]
    return frame | ({"view": views[0]} if views else {})
