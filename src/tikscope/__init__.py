"""tikscope: self-hosted TikTok analytics and audience insights."""

from __future__ import annotations

__version__ = "0.1.0"
