"""HTML pages: one Jinja2 environment over `web/templates`, with the report's value filters."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse

from tikscope.reports.html import template_environment
from tikscope.reports.media_kit import MediaKit

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

# NOTE: no inline script may run: figures travel as JSON data blocks that static/app.js draws.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'"
)


@cache
def environment() -> jinja2.Environment:
    """The template environment of `web/templates` (built once)."""
    loaded = template_environment("tikscope.web")
    loaded.filters["as_json"] = as_json
    loaded.globals["media_kit_parts"] = media_kit_markup
    return loaded


def media_kit_markup(kit: MediaKit) -> tuple[Markup, Markup]:
    """The media kit's HTML fragment and stylesheet, as the files show them (already escaped)."""
    from markupsafe import Markup

    from tikscope.reports.media_kit import media_kit_css, media_kit_fragment

    return Markup(media_kit_fragment(kit)), Markup(media_kit_css())


SCALARS = (str, int, float, bool, type(None))


def plain(value: object) -> object:
    """A page model as JSON-able values, made only here, at the response.

    A value with `as_json` (a metric line, a post row, demographics) is given as every output
    gives it; any other dataclass as its fields, each converted the same way. Times and other
    values JSON has no type for stay as they are (`encode_json` writes them).
    """
    # NOTE: `dataclasses.asdict` would turn nested typed values into their fields, not their
    # JSON shape (a `MetricLine` inside a section), so each level is converted here.
    if isinstance(value, SCALARS):
        return value
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if hasattr(type(value), "as_json"):
        return plain(value.as_json())  # type: ignore[attr-defined]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: plain(getattr(value, name)) for name in field_names(type(value))}
    return value


@cache
def field_names(kind: type) -> tuple[str, ...]:
    """The names of a dataclass's fields, in order."""
    return tuple(field.name for field in dataclasses.fields(kind))


def encode_json(value: object) -> bytes:
    """The body of a JSON answer (what FastAPI would send for `value`).

    Values JSON has no type for (times, dates) are written as FastAPI writes them.
    """
    text = json.dumps(plain(value), separators=(",", ":"), allow_nan=False,
                      default=jsonable_encoder)  # fmt: skip
    return text.encode()


def as_json(value: object) -> str:
    """JSON for a `<script type="application/json">` block (safe inside HTML)."""
    text = json.dumps(plain(value), separators=(",", ":"), default=jsonable_encoder)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A page of `web/templates` as a response, with the request in its context."""
    page = environment().get_template(template).render({"request": request, **context})
    return HTMLResponse(page, status_code=status)
