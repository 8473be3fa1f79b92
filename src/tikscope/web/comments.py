"""The Comments page and its JSON twin: the period's summary, and one post's comments filtered.

Both routes call `comments_data`, which reads `metrics.comment_views` through `views.view_data`
(so the page cache serves both), with the period query plus `post`, `sentiment`, `language` and
`theme`, as `tikscope comments --post ... --sentiment ...`. Access is that of every account page
(`ViewerAccess`). A comment's text is shown, never its author.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from tikscope.errors import UsageError
from tikscope.metrics.comment_views import (
    CommentFilter,
    comment_summary,
    post_comments,
)
from tikscope.metrics.comments import LABELS
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.web.params import PeriodQuery
from tikscope.web.render import render
from tikscope.web.security import Access, ViewerAccess
from tikscope.web.views import (
    ACCOUNT_VIEWS,
    AccountView,
    Gather,
    PeriodParameters,
    page_context,
    view_data,
)

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
PAGE_PATH = "/workspaces/{workspace}/accounts/{handle}/comments"
API_PATH = "/api/workspaces/{workspace}/accounts/{handle}/comments"


@dataclass(frozen=True)
class CommentQuery:
    """`?post=ID&sentiment=negative&language=es&theme=soil`: whose comments, filtered how."""

    post: str | None
    sentiment: str | None
    language: str | None
    theme: str | None

    def filters(self) -> CommentFilter:
        """The filters of the comment list."""
        return CommentFilter(self.sentiment, self.language, self.theme)

    def as_query(self) -> dict[str, str]:
        """The parameters given, as a query string mapping."""
        return {key: value for key, value in dataclasses.asdict(self).items() if value}


def comment_query(
    post: Annotated[
        str | None,
        Query(
            description="The post whose comments are listed; "
            "default: the period's most commented post."
        ),
    ] = None,
    sentiment: Annotated[str | None, Query(description="negative, neutral or positive.")] = None,
    language: Annotated[str | None, Query(description="A language code (en, es...).")] = None,
    theme: Annotated[str | None, Query(description="A word the comments use.")] = None,
) -> CommentQuery:
    """Parse the filters; an unknown sentiment is a 422 that lists the valid ones."""
    if sentiment and sentiment not in LABELS:
        raise HTTPException(
            422, f"unknown sentiment {sentiment!r}; choose from {', '.join(LABELS)}"
        )
    if post is not None and not post.isdigit():
        raise HTTPException(422, "post must be a post id (digits)")
    return CommentQuery(post or None, sentiment or None, language or None, theme or None)


CommentParameters = Annotated[CommentQuery, Depends(comment_query)]


def gatherer(query: CommentQuery) -> Gather[dict[str, Any]]:
    """The data function of the page for one choice of post and filters."""

    def gather(
        connection: DuckDBPyConnection,
        account: Account,
        period: Period,
        settings: Settings,
        compare: bool,
    ) -> dict[str, Any]:
        summary = comment_summary(connection, account, period)
        chosen = query.post or (summary.posts[0].post_id if summary.posts else None)
        post = None
        if chosen is not None:
            try:
                post = post_comments(connection, account, chosen, query.filters())
            except UsageError as error:
                raise HTTPException(404, str(error)) from error
        return {
            "summary": dataclasses.asdict(summary),
            "post": dataclasses.asdict(post) if post else None,
            "filters": {
                "post": chosen,
                "sentiment": query.sentiment,
                "language": query.language,
                "theme": query.theme,
            },
        }

    return gather


COMMENTS_VIEW = AccountView(
    name="comments",
    title="Comments",
    gather=gatherer(CommentQuery(None, None, None, None)),
    template="comments.html.j2",
    summary="What the period's comments say (sentiment against the previous period, its trend, "
    "themes, questions, alerts) and one post's comments filtered by sentiment, language and "
    "theme. Comment texts are shown, never their authors.",
)
ACCOUNT_VIEWS.append(COMMENTS_VIEW)


def comments_data(
    request: Request, access: Access, handle: str, query: PeriodQuery, chosen: CommentQuery
) -> dict[str, Any]:
    """The page's data for the account, period and filters (cached per choice)."""
    view = AccountView(
        name=f"{COMMENTS_VIEW.name}?{urlencode(chosen.as_query())}",
        title=COMMENTS_VIEW.title,
        gather=gatherer(chosen),
        template=COMMENTS_VIEW.template,
        summary=COMMENTS_VIEW.summary,
    )
    return view_data(request, access, handle, query, view).fields()


@router.get(API_PATH, summary=COMMENTS_VIEW.summary, tags=["account"])
def comments_api(
    request: Request,
    access: ViewerAccess,
    handle: str,
    query: PeriodParameters,
    chosen: CommentParameters,
) -> dict[str, Any]:
    """The JSON twin of the Comments page."""
    return comments_data(request, access, handle, query, chosen)


@router.get(PAGE_PATH, response_class=HTMLResponse, include_in_schema=False)
def comments_page(
    request: Request,
    access: ViewerAccess,
    handle: str,
    query: PeriodParameters,
    chosen: CommentParameters,
) -> HTMLResponse:
    """The period's summary and a post's comments, with the filter form."""
    data = comments_data(request, access, handle, query, chosen)
    context = page_context(request, access, account=data["account"]["handle"])
    post = data["post"]
    return render(
        request,
        COMMENTS_VIEW.template,
        {
            **context,
            "view": COMMENTS_VIEW,
            "query": query,
            "figures": {},
            **data,
            "period_fields": {key: str(value) for key, value in query.as_query().items()},
            "languages": [item["language"] for item in post["languages"]] if post else [],
            "labels": LABELS,
            "json_link": f"/api/workspaces/{access.workspace}/accounts/{data['account']['handle']}"
            f"/comments?{urlencode({**query.as_query(), **chosen.as_query()})}",
        },
    )
