"""Who a report says it is from: tikscope, or a workspace's own name, logo and colours."""

from __future__ import annotations

import base64
from dataclasses import dataclass


@dataclass(frozen=True)
class Branding:
    """Who a report says it is from: a name, an optional logo and two colours."""

    name: str = "tikscope"
    primary: str = "#111827"
    accent: str = "#2563eb"
    logo: bytes | None = None
    logo_type: str | None = None
    white_label: bool = False
    """True when a workspace set it; reports then do not mention tikscope."""

    @property
    def logo_url(self) -> str | None:
        """The logo as a `data:` URL, so that a report and its PDF need no file beside them."""
        if self.logo is None or self.logo_type is None:
            return None
        return f"data:{self.logo_type};base64,{base64.b64encode(self.logo).decode()}"


TIKSCOPE = Branding()
