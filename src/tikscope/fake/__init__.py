"""A fake TikTok server for development and end-to-end tests.

It serves the Business API, Display API v2, Research API and OAuth endpoints on one local
origin, from a simulated account (`FakeConfig`), with faults that can be switched on (see
`tikscope.fake.faults`). Start it with `tikscope dev fake-tiktok`, or in tests with
`serve_in_thread`.
"""

from __future__ import annotations

from tikscope.fake.app import create_app, serve_in_thread
from tikscope.fake.data import FakeConfig, fake_business_id, member_username
from tikscope.fake.faults import FAULT_NAMES, Fault, parse_fault, parse_faults

__all__ = [
    "FAULT_NAMES",
    "FakeConfig",
    "Fault",
    "create_app",
    "fake_business_id",
    "member_username",
    "parse_fault",
    "parse_faults",
    "serve_in_thread",
]
