"""Placeholder: routes of this part of the web app are added by its own change."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
