"""HTML pages: one Jinja2 environment over `web/templates`, with the report's value filters."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse

from tikscope.metrics.run import MetricLine
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


# NOTE: a page's data holds typed metric lines; JSON gives each as every output does.
# NOTE: what a custom encoder returns is sent as it is: a kit's dates and nested values are
# encoded again.
ENCODERS: dict[Any, Any] = {
    MetricLine: MetricLine.as_json,
    MediaKit: lambda kit: jsonable_encoder(kit.as_json()),
}


def encode_json(value: Any) -> bytes:
    """The body of a JSON answer (what FastAPI would send for `value`)."""
    encoded = jsonable_encoder(value, custom_encoder=ENCODERS)
    return json.dumps(encoded, separators=(",", ":"), allow_nan=False).encode()


def as_json(value: Any) -> str:
    """JSON for a `<script type="application/json">` block (safe inside HTML)."""
    text = json.dumps(jsonable_encoder(value, custom_encoder=ENCODERS), separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A page of `web/templates` as a response, with the request in its context."""
    page = environment().get_template(template).render({"request": request, **context})
    return HTMLResponse(page, status_code=status)
