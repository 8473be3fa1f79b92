"""The Reports page and its JSON twin over a real server: owners schedule mailed reports and set
the branding; other roles and other workspaces are refused; deliveries show on Sync status."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tikscope.web.security import CSRF_HEADER
from web_support import WebStore, csrf_token, login

PAGE = "/workspaces/agency/schedules"
API = "/api/workspaces/agency/schedules"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
       b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")  # fmt: skip


@contextmanager
def signed_in(origin: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=origin, timeout=60) as client:
        assert login(client, username).status_code == 303
        yield client


@pytest.fixture
def owner(web_server: tuple[str, WebStore]) -> Iterator[httpx.Client]:
    with signed_in(web_server[0], "olivia") as client:
        yield client


def test_an_owner_schedules_a_mailed_report_and_brands_it_from_the_page(
    owner: httpx.Client,
) -> None:
    page = owner.get(PAGE)
    assert page.status_code == 200 and "Scheduled reports" in page.text
    token = csrf_token(page.text)
    added = owner.post(PAGE, data={"csrf_token": token, "handle": "casa_verde_demo",
                                   "template": "account", "cadence": "monthly", "hour": "7",
                                   "recipients": "client@example.com; boss@example.com"})  # fmt: skip
    assert added.status_code == 303
    shown = owner.get(PAGE)
    assert "is mailed" in shown.text and "client@example.com, boss@example.com" in shown.text
    branded = owner.post(
        "/workspaces/agency/branding",
        data={"csrf_token": token, "name": "Verde Media", "primary": "#c8285a",
              "accent": "#7c3aed"},
        files={"logo": ("logo.png", PNG, "image/png")},
    )  # fmt: skip
    assert branded.status_code == 303
    data = owner.get(API).json()
    assert data["branding"] == {"name": "Verde Media", "primary": "#c8285a",
                                "accent": "#7c3aed", "logo_type": "image/png",
                                "white_label": True}  # fmt: skip
    mine = [
        s for s in data["schedules"] if s["to"] == "e-mail to client@example.com, boss@example.com"
    ]
    assert [(s["cadence"], s["hour_utc"], s["template"]) for s in mine] == [
        ("monthly", 7, "account")
    ]
    removed = owner.delete(f"{API}/{mine[0]['id']}", headers={CSRF_HEADER: token})
    assert removed.status_code == 204
    assert all(s["id"] != mine[0]["id"] for s in owner.get(API).json()["schedules"])


def test_the_json_twin_checks_what_it_is_given(owner: httpx.Client) -> None:
    token = csrf_token(owner.get(PAGE).text)
    headers = {CSRF_HEADER: token}
    bad_address = owner.post(API, json={"handle": "casa_verde_demo", "recipients": ["nope"]},
                             headers=headers)  # fmt: skip
    assert bad_address.status_code == 422 and "is not an e-mail address" in bad_address.text
    elsewhere = owner.post(API, json={"handle": "other_brand", "recipients": ["a@b.example"]},
                           headers=headers)  # fmt: skip
    assert elsewhere.status_code == 404
    assert owner.delete(f"{API}/99999", headers=headers).status_code == 404
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    scripted = owner.put("/api/workspaces/agency/branding", headers=headers,
                         json={"name": "X", "logo_base64": base64.b64encode(svg).decode()})  # fmt: skip
    assert scripted.status_code == 422 and "script" in scripted.text
    colour = owner.put("/api/workspaces/agency/branding", headers=headers,
                       json={"name": "X", "primary": "red"})  # fmt: skip
    assert colour.status_code == 422 and "#rrggbb" in colour.text


@pytest.mark.parametrize(("username", "status"), [("eddie", 403), ("vera", 403), ("rita", 404)])
def test_only_the_workspaces_owners_see_its_schedules(
    web_server: tuple[str, WebStore], username: str, status: int
) -> None:
    with signed_in(web_server[0], username) as client:
        assert client.get(API).status_code == status
        assert client.get(PAGE).status_code == status


def test_sync_status_shows_report_deliveries_to_every_member(
    web_server: tuple[str, WebStore],
) -> None:
    with signed_in(web_server[0], "vera") as client:
        data = client.get("/api/workspaces/agency/sync").json()
        page = client.get("/workspaces/agency/sync")
    assert data["report_deliveries"] == []
    assert (
        "Scheduled reports" in page.text
        and "No scheduled report has been delivered yet" in page.text
    )
