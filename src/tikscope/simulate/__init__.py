"""Synthetic TikTok accounts and audiences with planted ground truth."""

from __future__ import annotations
