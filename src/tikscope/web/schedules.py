"""Scheduled reports and branding for owners: a page and its JSON twin.

On the web an owner mails reports to addresses; writing into a folder of the server is left to
the server's administrator (`tikscope schedules add --folder`), since a web user should not pick
paths on the server. Every change is one function on a write cursor, called by a form route (POST,
then a redirect back with a flash message) and by its JSON twin under /api.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from tikscope.access import require_account_id, require_workspace, workspace_handles
from tikscope.delivery import branding as stored_branding
from tikscope.delivery.run import TEMPLATES
from tikscope.delivery.schedules import (
    Cadence,
    Delivery,
    Schedule,
    add_schedule,
    check_recipients,
    deliveries,
    list_schedules,
    remove_schedule,
)
from tikscope.errors import UsageError
from tikscope.reports.branding import Branding
from tikscope.web.render import render
from tikscope.web.security import Access, OwnerAccess, server_state
from tikscope.web.settings import apply
from tikscope.web.state import utc_now
from tikscope.web.sync_status import FLASH_COOKIE, flash_of, read_flash, redirect_with_flash
from tikscope.web.views import page_context

if TYPE_CHECKING:
    from tikscope.store.db import DuckDBPyConnection

router = APIRouter()
ScheduleId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The schedule's id.")]


class NewSchedule(BaseModel):
    """An account's report mailed every week or month."""

    handle: Annotated[str, Field(min_length=1, max_length=100)]
    template: str = "account"
    cadence: Cadence = Cadence.WEEKLY
    hour: Annotated[
        int, Field(ge=0, le=23, description="Hour (UTC) of the day after a period.")
    ] = 8
    recipients: Annotated[list[str], Field(min_length=1, max_length=20)]


class NewBranding(BaseModel):
    """A workspace's name, colours and (optionally) logo, base64-encoded PNG, JPEG or SVG."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    primary: str = "#111827"
    accent: str = "#2563eb"
    logo_base64: Annotated[str | None, Field(max_length=700_000)] = None


def schedule_json(schedule: Schedule) -> dict[str, Any]:
    """A schedule as the API shows it."""
    return {"id": schedule.schedule_id, "handle": schedule.handle, "template": schedule.template,
            "cadence": schedule.cadence.value, "hour_utc": schedule.hour,
            "destination": schedule.destination, "to": schedule.target,
            "created_at": schedule.created_at.isoformat()}  # fmt: skip


def delivery_json(item: Delivery) -> dict[str, Any]:
    """A delivery as the API shows it."""

    def moment(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {"schedule": item.schedule_id, "period_start": item.period_start.isoformat(),
            "period_end": item.period_end.isoformat(), "status": item.status.value,
            "attempts": item.attempts, "last_attempt_at": moment(item.last_attempt_at),
            "next_attempt_at": moment(item.next_attempt_at),
            "delivered_at": moment(item.delivered_at), "error": item.error}  # fmt: skip


def workspace_deliveries(cursor: DuckDBPyConnection, workspace: str) -> list[dict[str, Any]]:
    """The latest deliveries of the workspace's schedules (for the Sync status page too)."""
    space = require_workspace(cursor, workspace)
    ids = [s.schedule_id for s in list_schedules(cursor, {space})]
    return [delivery_json(item) for item in deliveries(cursor, ids, limit=30)]


def schedules_data(request: Request, access: Access) -> dict[str, Any]:
    """The page's and the API's data."""
    with server_state(request).store.read() as cursor:
        space = require_workspace(cursor, access.workspace)
        branding = stored_branding.workspace_branding(cursor, space)
        found = list_schedules(cursor, {space})
        handles = workspace_handles(cursor, access.workspace)
        recent = workspace_deliveries(cursor, access.workspace)
    return {
        "workspace": access.workspace,
        "branding": {
            "name": branding.name,
            "primary": branding.primary,
            "accent": branding.accent,
            "logo_type": branding.logo_type,
            "white_label": branding.white_label,
        },
        "schedules": [schedule_json(s) for s in found],
        "deliveries": recent,
        "templates": sorted(TEMPLATES),
        "handles": handles,
    }


def create(access: Access, wanted: NewSchedule) -> Callable[[DuckDBPyConnection], int]:
    """Add a mailed schedule for an account of the workspace."""

    def change(cursor: DuckDBPyConnection) -> int:
        if wanted.template not in TEMPLATES:
            raise UsageError(
                f"template {wanted.template!r} is not one of {', '.join(sorted(TEMPLATES))}"
            )
        if wanted.handle.strip().lstrip("@").lower() not in workspace_handles(
            cursor, access.workspace
        ):
            raise HTTPException(404, f"no account @{wanted.handle} in {access.workspace}")
        return add_schedule(
            cursor, workspace_id=require_workspace(cursor, access.workspace),
            account_id=require_account_id(cursor, wanted.handle), template=wanted.template,
            cadence=wanted.cadence, hour=wanted.hour, folder=None,
            recipients=check_recipients(wanted.recipients), now=utc_now(),
        )  # fmt: skip

    return change


def delete(access: Access, schedule_id: int) -> Callable[[DuckDBPyConnection], None]:
    """Remove one of the workspace's schedules (404 for another workspace's)."""

    def change(cursor: DuckDBPyConnection) -> None:
        try:
            remove_schedule(cursor, schedule_id, {require_workspace(cursor, access.workspace)})
        except UsageError as error:
            raise HTTPException(404, str(error)) from error

    return change


def brand(access: Access, wanted: NewBranding, logo: bytes | None) -> Callable[..., str]:
    """Set the workspace's branding (a logo is checked like the CLI's)."""

    def change(cursor: DuckDBPyConnection) -> str:
        chosen = Branding(name=wanted.name.strip(),
                          primary=stored_branding.check_colour(wanted.primary, "primary"),
                          accent=stored_branding.check_colour(wanted.accent, "accent"),
                          white_label=True)  # fmt: skip
        if logo:
            data, media_type = stored_branding.check_logo(logo, "logo")
            chosen = replace(chosen, logo=data, logo_type=media_type)
        space = require_workspace(cursor, access.workspace)
        stored_branding.set_branding(cursor, space, chosen, utc_now())
        return chosen.name

    return change


@router.get("/api/workspaces/{workspace}/schedules", tags=["schedules"],
            summary="Scheduled reports, deliveries and branding.")  # fmt: skip
def schedules_api(request: Request, access: OwnerAccess) -> dict[str, Any]:
    """Schedules (owners only), the latest deliveries, and the branding reports carry."""
    return schedules_data(request, access)


@router.post("/api/workspaces/{workspace}/schedules", status_code=201, tags=["schedules"],
             summary="Mail an account's report every week or month.")  # fmt: skip
def add_schedule_api(request: Request, access: OwnerAccess, wanted: NewSchedule) -> dict[str, Any]:
    """Add a schedule; the report goes out from `hour_utc` on the day after each period."""
    new_id = apply(request, create(access, wanted))
    return {"id": new_id}


@router.delete("/api/workspaces/{workspace}/schedules/{schedule_id}", status_code=204,
               tags=["schedules"], summary="Stop a scheduled report.")  # fmt: skip
def remove_schedule_api(request: Request, access: OwnerAccess, schedule_id: ScheduleId) -> Response:
    """Remove a schedule and its delivery history."""
    apply(request, delete(access, schedule_id))
    return Response(status_code=204)


@router.put("/api/workspaces/{workspace}/branding", tags=["schedules"],
            summary="Put the workspace's name, colours and logo on its reports.")  # fmt: skip
def branding_api(request: Request, access: OwnerAccess, wanted: NewBranding) -> dict[str, str]:
    """Set the branding; `logo_base64` is a PNG, JPEG or SVG of at most 512 KiB."""
    logo = None
    if wanted.logo_base64:
        try:
            logo = base64.b64decode(wanted.logo_base64, validate=True)
        except (binascii.Error, ValueError) as error:
            raise HTTPException(422, "logo_base64: not base64") from error
    return {"name": apply(request, brand(access, wanted, logo))}


# Page and forms -------------------------------------------------------------------------------


def page_path(workspace: str) -> str:
    """The schedules page of a workspace."""
    return f"/workspaces/{workspace}/schedules"


def form_action(request: Request, access: Access, run: Callable[[], str]) -> Response:
    """Run a form's change; its message or refusal becomes the page's flash message."""
    return redirect_with_flash(request, page_path(access.workspace), flash_of(run))


@router.get("/workspaces/{workspace}/schedules", response_class=HTMLResponse,
            include_in_schema=False)  # fmt: skip
def schedules_page(request: Request, access: OwnerAccess) -> Response:
    """The schedules page; shows (once) what the last form action left for it."""
    flash = read_flash(request)
    data = schedules_data(request, access)
    context = {**data, **page_context(request, access), "flash": flash,
               "cadences": [c.value for c in Cadence]}  # fmt: skip
    context["account_handles"] = data["handles"]
    page = render(request, "schedules.html.j2", context)
    if flash is not None:
        page.delete_cookie(FLASH_COOKIE, path=page_path(access.workspace))
    return page


@router.post("/workspaces/{workspace}/schedules", include_in_schema=False)
def add_schedule_form(
    request: Request, access: OwnerAccess,
    handle: Annotated[str, Form(max_length=100)],
    recipients: Annotated[str, Form(max_length=2000)],
    template: Annotated[str, Form(max_length=40)] = "account",
    cadence: Annotated[Cadence, Form()] = Cadence.WEEKLY,
    hour: Annotated[int, Form(ge=0, le=23)] = 8,
) -> Response:  # fmt: skip
    """Add a mailed schedule from the page's form."""

    def run() -> str:
        try:
            wanted = NewSchedule(handle=handle, template=template, cadence=cadence, hour=hour,
                                 recipients=recipients.replace(";", ",").split(","))  # fmt: skip
        except ValueError as error:
            raise HTTPException(422, "give between 1 and 20 addresses") from error
        new_id = apply(request, create(access, wanted))
        return f"Schedule {new_id}: the {cadence.value} {template} report of @{handle} is mailed."

    return form_action(request, access, run)


@router.post("/workspaces/{workspace}/schedules/{schedule_id}/remove", include_in_schema=False)
def remove_schedule_form(
    request: Request, access: OwnerAccess, schedule_id: ScheduleId
) -> Response:
    """Remove a schedule from the page."""

    def run() -> str:
        apply(request, delete(access, schedule_id))
        return f"Schedule {schedule_id} removed."

    return form_action(request, access, run)


@router.post("/workspaces/{workspace}/branding", include_in_schema=False)
async def branding_form(
    request: Request, access: OwnerAccess,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    primary: Annotated[str, Form(max_length=7)] = "#111827",
    accent: Annotated[str, Form(max_length=7)] = "#2563eb",
    logo: Annotated[UploadFile | None, File()] = None,
) -> Response:  # fmt: skip
    """Set the branding from the page's form (with an optional logo file)."""
    data = await logo.read(stored_branding.MAX_LOGO_BYTES + 1) if logo is not None else None

    def run() -> str:
        wanted = NewBranding(name=name, primary=primary, accent=accent)
        chosen = apply(request, brand(access, wanted, data or None))
        return f"Reports of {access.workspace} now show {chosen}."

    return form_action(request, access, run)
