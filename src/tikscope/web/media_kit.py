"""The media kit page, and its HTML and PDF downloads (`tikscope report media-kit`'s files).

One model (`reports.media_kit.gather_media_kit`) feeds the page, its JSON twin and both
downloads; the page shows the same HTML fragment the files are made of.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tikscope.access import require_workspace
from tikscope.delivery.branding import workspace_branding
from tikscope.metrics.periods import Period
from tikscope.metrics.query import Account, Settings
from tikscope.reports.branding import Branding
from tikscope.reports.media_kit import MediaKit, gather_media_kit, media_kit_html
from tikscope.reports.pdf import pdf_bytes
from tikscope.web.downloads import attachment
from tikscope.web.security import ViewerAccess, server_state
from tikscope.web.views import AccountView, PeriodParameters, account_view, view_data

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
API = "/api/workspaces/{workspace}/accounts/{handle}/media-kit"
TAGS: list[Any] = ["account"]


def media_kit(
    connection: DuckDBPyConnection, account: Account, period: Period, settings: Settings,
    compare: bool,
) -> dict[str, Any]:  # fmt: skip
    """The media kit of the period (engagement by views and by followers, whatever `settings`)."""
    return {"media_kit": gather_media_kit(connection, account, period)}


VIEW = AccountView(
    name="media-kit",
    title="Media kit",
    gather=media_kit,
    template="media_kit.html.j2",
    summary="The media kit for brands: followers, growth, views of the last 30 posts, engagement "
    "by views and by followers, audience, clusters and affinities, top posts.",
)
account_view(router, VIEW)


def kit_of(request: Request, access: ViewerAccess, handle: str, query: Any) -> MediaKit:
    """The media kit the page shows for the same account and period."""
    kit: MediaKit = view_data(request, access, handle, query, VIEW).fields()["media_kit"]
    return kit


def branding_of(request: Request, access: ViewerAccess) -> Branding:
    """The workspace's branding (name, logo, colours), which its downloads carry."""
    with server_state(request).store.read() as cursor:
        return workspace_branding(cursor, require_workspace(cursor, access.workspace))


def file_name(kit: MediaKit, extension: str) -> str:
    """`media-kit-HANDLE-START-END.pdf`."""
    return f"media-kit-{kit.account.handle}-{kit.period.start}-{kit.period.end}.{extension}"


@router.get(
    f"{API}.pdf", summary="The media kit as a PDF (A4), as `tikscope report media-kit` writes it.",
    tags=TAGS, response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF."}},
)  # fmt: skip
def media_kit_pdf(
    request: Request, access: ViewerAccess, handle: str, query: PeriodParameters
) -> Response:
    """The PDF download (laid out by WeasyPrint, remembered until the store changes)."""
    kit = kit_of(request, access, handle, query)
    branding = branding_of(request, access)
    key = ("media-kit.pdf", kit.account, kit.period, branding)
    content: bytes = server_state(request).remember(
        key, lambda: pdf_bytes(media_kit_html(kit, branding))
    )
    return attachment(content, "application/pdf", file_name(kit, "pdf"))


@router.get(
    f"{API}.html", summary="The media kit as one HTML file (CSS inlined), for e-mail or print.",
    tags=TAGS, response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "The HTML file."}},
)  # fmt: skip
def media_kit_file(
    request: Request, access: ViewerAccess, handle: str, query: PeriodParameters
) -> Response:
    """The HTML download: the same document the PDF is made from."""
    kit = kit_of(request, access, handle, query)
    html = media_kit_html(kit, branding_of(request, access))
    return attachment(html.encode(), "text/html; charset=utf-8",
                      file_name(kit, "html"))  # fmt: skip
