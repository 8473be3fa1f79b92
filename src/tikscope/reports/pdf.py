"""HTML to PDF with WeasyPrint: the one place a report becomes a PDF.

Offline by design: a page may load `data:` URLs, and files when a `base` folder is given;
anything else (an http image, a web font) is skipped, never fetched. Fonts come from the system
through fontconfig: DejaVu for text and Noto Color Emoji for emoji, which
`scripts/install-system-packages.sh` installs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tikscope.errors import TikscopeError

MISSING_LIBRARIES = (
    "cannot write PDF: WeasyPrint needs the Pango library ({error}); install it with "
    "`make system-packages` (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)"
)


def pdf_bytes(html: str, *, base: Path | None = None) -> bytes:
    """`html` (a whole document; its CSS `@page` sets the paper) as the bytes of a PDF.

    Args:
        html: the document.
        base: the folder relative links (images) are read from; without it only `data:` URLs
            load.
    """
    weasyprint = load_weasyprint()
    protocols = {"data", "file"} if base else {"data"}
    document = weasyprint.HTML(
        string=html, base_url=str(base) if base else None,
        url_fetcher=weasyprint.URLFetcher(allowed_protocols=protocols),
    )  # fmt: skip
    written: bytes = document.write_pdf()
    return written


def write_pdf(html: str, out: Path, *, base: Path | None = None) -> Path:
    """Write `html` as a PDF file `out` (its folder made if needed, the file replaced)."""
    content = pdf_bytes(html, base=base)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    return out


def load_weasyprint() -> Any:
    """The weasyprint module, or a one-line error when the system lacks its libraries."""
    try:
        import weasyprint
    except OSError as error:  # NOTE: cffi raises OSError when libpango cannot be loaded
        raise TikscopeError(MISSING_LIBRARIES.format(error=error)) from error
    return weasyprint
