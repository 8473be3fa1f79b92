"""Audience insights: the saved clusters, their cards and graph; analyse, merge and rename.

The page and `/api/.../audience` show the newest saved result of the account, rebuilt by
`tikscope.audience.insights.saved_insights` (the same report as `tikscope audience report`,
with the same privacy thresholds); the graph's layout and the PNG come from
`tikscope.reports.audience`. Editors start an analysis (`compute_insights`'s steps, a few seconds
at a few thousand members) and merge or rename clusters (`tikscope.audience.results`). Analyses,
reports and pictures are computed by the server's analysis worker (`tikscope.web.analysis`), not
on request threads.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tikscope.access import Role, role_in, workspaces_of
from tikscope.errors import TikscopeError
from tikscope.metrics.query import Account
from tikscope.metrics.studio import data_freshness
from tikscope.reports.html import format_p_value
from tikscope.store.db import fetch_value
from tikscope.web.analysis import report_data, report_of, report_png
from tikscope.web.downloads import attachment
from tikscope.web.render import render
from tikscope.web.security import (
    Access,
    EditorAccess,
    ViewerAccess,
    server_state,
    workspace_account,
)
from tikscope.web.state import StoreBusyError
from tikscope.web.views import ACCOUNT_VIEWS, AccountView, PeriodParameters, page_context

if TYPE_CHECKING:
    from tikscope.audience.insights import AudienceInsights
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
PAGE = "/workspaces/{workspace}/accounts/{handle}/audience"
API = "/api/workspaces/{workspace}/accounts/{handle}/audience"
TAGS: list[str | Enum] = ["audience"]
DONE = {
    "analyzed": "The audience was analysed and the result saved.",
    "merged": "The clusters were merged.",
    "renamed": "The cluster was renamed.",
}
MAX_NAME = 80
"""Longest cluster name accepted (names go into the picture)."""
Compute = Callable[..., Any]
"""Runs `function(*arguments, **options)` somewhere: here, or in the analysis worker's process."""


def run_here(function: Callable[..., Any], *arguments: Any, **options: Any) -> Any:
    """A computation in the calling thread (outside the server)."""
    return function(*arguments, **options)


def audience_data(
    connection: DuckDBPyConnection,
    account: Account,
    compute: Compute = run_here,
    fresh: AudienceInsights | None = None,
) -> dict[str, Any]:
    """The newest saved result as JSON (`as_dict`) and its graph layout; None when there is none.

    `compute` runs the rebuilding of the report (`AnalysisWorker.compute` in the server);
    `fresh` is the result an analysis just saved, which needs no rebuilding.
    """
    from tikscope.audience.insights import load_saved
    from tikscope.audience.results import newest_result_id

    freshness = data_freshness(connection, account)
    result_id: int | None
    if fresh is not None:
        result_id, report = fresh.result_id, report_of(fresh)
    else:
        result_id = newest_result_id(connection, account.account_id)
        if result_id is None:
            return {"insights": None, "graph": None, "analysed_at": None, "freshness": freshness}
        saved = load_saved(connection, account.account_id, result_id)
        report = compute(report_data, account.handle, saved)
    analysed_at = fetch_value(
        connection, "SELECT created_at FROM audience_results WHERE result_id = ?", [result_id]
    )
    return {**report, "analysed_at": analysed_at, "freshness": freshness}


async def in_worker(request: Request, job: Callable[[], Any]) -> Any:
    """`job()` on the analysis worker's thread, so that no request thread waits on it."""
    return await server_state(request).worker.run(job)


# NOTE: the page is not about a period, so it is not an `account_view`; it still takes its
# place in the navigation of the account pages.
VIEW = AccountView(
    name="audience",
    title="Audience",
    gather=lambda connection, account, period, settings, compare: audience_data(
        connection, account
    ),
    template="audience.html.j2",
    summary="The newest saved audience clustering: clusters, cards and the graph's layout.",
)
ACCOUNT_VIEWS.append(VIEW)


def cached(request: Request, key: tuple[Any, ...], compute: Callable[[Any], Any]) -> Any:
    """`compute(cursor)` on a read cursor, remembered until the store changes."""
    state = server_state(request)

    def read() -> Any:
        with state.store.read() as cursor:
            return compute(cursor)

    return state.remember(key, read)


def account_audience(
    request: Request, access: Access, handle: str, *, fresh: AudienceInsights | None = None
) -> dict[str, Any]:
    """What the page and its JSON twin show about the account's audience (a worker job).

    `fresh`: the result an analysis just saved (it is what the store's newest result reads as).
    """
    account = workspace_account(request, access, handle)
    compute = server_state(request).worker.compute
    data = cached(
        request, ("audience", account.account_id),
        lambda cursor: audience_data(cursor, account, compute, fresh),
    )  # fmt: skip
    base = API.format(workspace=access.workspace, handle=account.handle)
    return {
        "account": {"handle": account.handle, "account_type": account.account_type,
                    "time_zone": account.time_zone},
        **data,
        "downloads": {"png_with_labels": f"{base}/graph.png?labels=true",
                      "png_without_labels": f"{base}/graph.png?labels=false"},
    }  # fmt: skip


@router.get(API, summary="The newest saved audience clustering of the account.", tags=TAGS)
async def audience_api(request: Request, access: ViewerAccess, handle: str) -> dict[str, Any]:
    """Clusters with names, shares and sizes, the cluster cards, and the graph's layout."""
    data: dict[str, Any] = await in_worker(
        request, lambda: account_audience(request, access, handle)
    )
    return data


@router.get(PAGE, response_class=HTMLResponse, include_in_schema=False)
async def audience_page(
    request: Request, access: ViewerAccess, handle: str, query: PeriodParameters,
    done: str | None = None,
) -> HTMLResponse:  # fmt: skip
    """The audience insights page (an empty state until the first analysis).

    The period does not change the audience; it is kept so that the navigation keeps it.
    """
    page: HTMLResponse = await in_worker(
        request, lambda: render_page(request, access, handle, query, done)
    )
    return page


def render_page(
    request: Request, access: Access, handle: str, query: Any, done: str | None
) -> HTMLResponse:
    """The page's HTML (a worker job)."""
    data = account_audience(request, access, handle)
    handle = data["account"]["handle"]
    return render(request, "audience.html.j2", {
        **page_context(request, access, account=handle), **data, "view": VIEW,
        "cards": page_cards(data), "can_edit": access.role.allows(Role.editor),
        "done": DONE.get(done or ""), "p_value": format_p_value,
        "base": PAGE.format(workspace=access.workspace, handle=handle), "query": query,
    })  # fmt: skip


def page_cards(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The cluster cards in the graph's order (largest first, Other last), with their colors."""
    if data["insights"] is None:
        return []
    nodes = {node.cluster: node for node in data["graph"].nodes}
    order = list(nodes)
    cards = [card for card in data["insights"]["clusters"] if card["cluster"] in nodes]
    cards.sort(key=lambda card: order.index(card["cluster"]))
    return [{**card, "color": nodes[card["cluster"]].color} for card in cards]


@router.get(
    f"{API}/graph.png", summary="The Clusters Distribution Graph as a transparent PNG.",
    tags=TAGS, response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The PNG."}},
)  # fmt: skip
async def audience_graph_png(
    request: Request,
    access: ViewerAccess,
    handle: str,
    labels: Annotated[bool, Query(description="Write each cluster's name and share.")] = True,
) -> Response:
    """The graph of the newest saved result, drawn as in `tikscope audience report`."""
    response: Response = await in_worker(request, lambda: graph_picture(request, access, handle,
                                                                        labels=labels))  # fmt: skip
    return response


def graph_picture(request: Request, access: Access, handle: str, *, labels: bool) -> Response:
    """The PNG download (a worker job; the drawing runs in the worker's process)."""
    account = workspace_account(request, access, handle)
    compute = server_state(request).worker.compute

    def draw(cursor: DuckDBPyConnection) -> bytes | None:
        from tikscope.audience.insights import load_saved
        from tikscope.audience.results import newest_result_id

        result_id = newest_result_id(cursor, account.account_id)
        if result_id is None:
            return None
        saved = load_saved(cursor, account.account_id, result_id)
        picture: bytes = compute(report_png, account.handle, saved, labels=labels)
        return picture

    picture = cached(request, ("audience.png", account.account_id, labels), draw)
    if picture is None:
        raise HTTPException(404, f"@{account.handle} has no saved audience result yet")
    name = f"{account.handle}-clusters{'' if labels else '-no-labels'}.png"
    return attachment(picture, "image/png", name)


def editable_account(request: Request, access: Access, handle: str) -> Account:
    """The account, when the user is an editor in every workspace that holds it; else 403.

    # NOTE: an account's audience results are shared by every workspace that holds it, so a
    # change needs the editor role in each of them: one agency never edits another's names.
    """
    account = workspace_account(request, access, handle)
    state = server_state(request)
    with state.store.read() as cursor:
        roles = [role_in(cursor, access.identity.user.user_id, slug)
                 for slug in workspaces_of(cursor, account.account_id)]  # fmt: skip
    if not all(role is not None and role.allows(Role.editor) for role in roles):
        raise HTTPException(403, f"@{account.handle} is also in a workspace where you are not "
                                 "an editor; ask its owner to make this change")  # fmt: skip
    return account


def run_action(request: Request, access: Access, handle: str, action: Any) -> Account:
    """Run `action(cursor, account)` as the writer; a tikscope error becomes 422.

    # TRICKY: `merge_clusters` opens its own transaction, and DuckDB refuses a transaction
    # inside another, so actions run on `exclusive()`, not `write()`.
    """
    account = editable_account(request, access, handle)
    state = server_state(request)
    try:
        with state.store.exclusive() as cursor:
            action(cursor, account)
    except StoreBusyError:
        raise
    except TikscopeError as error:
        raise HTTPException(422, str(error)) from error
    return account


def run_analysis(
    request: Request, access: Access, handle: str, wanted: AnalyzeRequest
) -> AudienceInsights:
    """Cluster, describe and save, as `tikscope audience report` does (a worker job).

    Reads on a cursor, computes in the worker's process, and is the store's writer only to
    save. # NOTE: a write between the reading and the save (an import) is not seen by this
    result; the report aligns it to the members of the day, as it does for older results.
    """
    from tikscope.audience.insights import (
        DEFAULT_OPTIONS,
        DEFAULT_PRIVACY,
        analyse,
        load_inputs,
        options_for,
        save_insights,
    )

    account = editable_account(request, access, handle)
    state = server_state(request)
    try:
        options = options_for(wanted.by, DEFAULT_OPTIONS)
        with state.store.read() as cursor:
            inputs = load_inputs(cursor, account.account_id, options)
        analysis = state.worker.compute(analyse, inputs, clusters=wanted.clusters,
                                        seed=wanted.seed, privacy=DEFAULT_PRIVACY,
                                        by=wanted.by)  # fmt: skip
        with state.store.exclusive() as cursor:
            return save_insights(cursor, account.account_id, account.handle, inputs, analysis,
                                 clusters=wanted.clusters, privacy=DEFAULT_PRIVACY,
                                 options=options, by=wanted.by)  # fmt: skip
    except StoreBusyError:
        raise
    except TikscopeError as error:
        raise HTTPException(422, str(error)) from error


def merge(clusters: list[int]) -> Callable[[Any, Account], object]:
    """Merging clusters of the newest result into the first one as an action."""
    from tikscope.audience.results import merge_clusters

    return lambda cursor, account: merge_clusters(cursor, account.account_id, clusters)


def rename(cluster: int, name: str) -> Callable[[Any, Account], object]:
    """Renaming a cluster of the newest result as an action."""
    from tikscope.audience.results import rename_cluster

    return lambda cursor, account: rename_cluster(cursor, account.account_id, cluster, name)


class AnalyzeRequest(BaseModel):
    """Options of an analysis (those of `tikscope audience report`)."""

    clusters: int | None = Field(None, ge=2, le=20, description="Exactly K clusters; null: auto.")
    seed: int = Field(7, ge=0, le=2**31 - 1, description="Random seed of community detection.")
    by: Literal["follows", "affinities"] = Field(
        "follows", description="Cluster by follows among members, or by the outside accounts "
        "they follow (affinities)."
    )  # fmt: skip


class MergeRequest(BaseModel):
    """Clusters to merge; the first one listed keeps its number and name."""

    clusters: list[int] = Field(min_length=2, max_length=20, examples=[[2, 5]])


class RenameRequest(BaseModel):
    """A cluster's new name."""

    cluster: int = Field(examples=[0])
    name: str = Field(min_length=1, max_length=MAX_NAME, examples=["Plant parents"])


@router.post(f"{API}/analyze", summary="Cluster the audience and save the result.", tags=TAGS)
async def analyze_api(
    request: Request, access: EditorAccess, handle: str, body: AnalyzeRequest | None = None
) -> dict[str, Any]:
    """Run the analysis now (a few seconds) and answer with the new result."""
    wanted = body or AnalyzeRequest(clusters=None, seed=7, by="follows")

    def job() -> dict[str, Any]:
        fresh = run_analysis(request, access, handle, wanted)
        return account_audience(request, access, handle, fresh=fresh)

    data: dict[str, Any] = await in_worker(request, job)
    return data


@router.post(f"{API}/merge", summary="Merge clusters of the newest result.", tags=TAGS)
async def merge_api(
    request: Request, access: EditorAccess, handle: str, body: MergeRequest
) -> dict[str, Any]:
    """Fold the listed clusters into the first; answers with the edited result."""

    def job() -> dict[str, Any]:
        run_action(request, access, handle, merge(body.clusters))
        return account_audience(request, access, handle)

    data: dict[str, Any] = await in_worker(request, job)
    return data


@router.post(f"{API}/rename", summary="Rename a cluster of the newest result.", tags=TAGS)
async def rename_api(
    request: Request, access: EditorAccess, handle: str, body: RenameRequest
) -> dict[str, Any]:
    """Give a cluster a name; answers with the edited result."""

    def job() -> dict[str, Any]:
        run_action(request, access, handle, rename(body.cluster, body.name))
        return account_audience(request, access, handle)

    data: dict[str, Any] = await in_worker(request, job)
    return data


def back_to_page(access: Access, account: Account, done: str) -> RedirectResponse:
    """POST-redirect-GET: the page, saying what was done."""
    page = PAGE.format(workspace=access.workspace, handle=account.handle)
    return RedirectResponse(f"{page}?done={done}", status_code=303)


@router.post(f"{PAGE}/analyze", include_in_schema=False)
async def analyze_form(
    request: Request,
    access: EditorAccess,
    handle: str,
    clusters: Annotated[str, Form(max_length=2)] = "",
    seed: Annotated[int, Form(ge=0, le=2**31 - 1)] = 7,
    by: Annotated[Literal["follows", "affinities"], Form()] = "follows",
) -> RedirectResponse:
    """The page's analysis form: clusters empty for automatic, or 2-20."""
    try:
        wanted = AnalyzeRequest(clusters=int(clusters) if clusters else None, seed=seed, by=by)
    except ValueError as error:
        raise HTTPException(422, "clusters must be automatic or a number from 2 to 20") from error
    await in_worker(request, lambda: run_analysis(request, access, handle, wanted))
    account = workspace_account(request, access, handle)
    return back_to_page(access, account, "analyzed")


@router.post(f"{PAGE}/merge", include_in_schema=False)
def merge_form(
    request: Request,
    access: EditorAccess,
    handle: str,
    into: Annotated[int, Form()],
    clusters: Annotated[list[int] | None, Form()] = None,
) -> RedirectResponse:
    """The page's merge form: the cluster to keep and the ones to fold into it."""
    chosen = [into, *[cluster for cluster in clusters or [] if cluster != into]]
    account = run_action(request, access, handle, merge(chosen))
    return back_to_page(access, account, "merged")


@router.post(f"{PAGE}/rename", include_in_schema=False)
def rename_form(
    request: Request,
    access: EditorAccess,
    handle: str,
    cluster: Annotated[int, Form()],
    name: Annotated[str, Form(max_length=MAX_NAME)],
) -> RedirectResponse:
    """A card's rename form."""
    account = run_action(request, access, handle, rename(cluster, name))
    return back_to_page(access, account, "renamed")
