"""app.py's dashboard routes through Chalice's test client: the redirect, allow-listed
files with their headers, 304s, and a 404 in the envelope for anything else."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from chalice.test import Client

from chalicelib.settings import Settings
from tests.support.tenants import app_client


def _no_provider(request: httpx.Request) -> httpx.Response:
    raise AssertionError("the dashboard calls no provider")


@pytest.fixture
def client(settings: Settings) -> Iterator[Client]:
    with app_client(_no_provider) as test_client:
        yield test_client


def test_dashboard_redirects_to_its_page(client: Client) -> None:
    response = client.http.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"] == "dashboard/index.html"


def test_the_page_and_its_modules_are_served_without_a_token(client: Client) -> None:
    page = client.http.get("/dashboard/index.html")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert b'<script type="module" src="app.js">' in page.body
    module = client.http.get("/dashboard/app.js")
    assert module.headers["Content-Type"] == "text/javascript; charset=utf-8"
    cached = client.http.get("/dashboard/app.js", headers={"If-None-Match": module.headers["ETag"]})
    assert cached.status_code == 304 and cached.body == b""


@pytest.mark.parametrize(
    "path", ["/dashboard/app.py", "/dashboard/..%2Fapp.py", "/dashboard/%2e%2e"]
)
def test_other_files_are_404_in_the_envelope(client: Client, path: str) -> None:
    response = client.http.get(path)
    assert response.status_code in (400, 404)
    body = json.loads(response.body)
    assert body["success"] is False and body["errors"][0]["message"]


def test_other_methods_are_405(client: Client) -> None:
    response = client.http.post("/dashboard/index.html", body=b"{}")
    assert response.status_code == 405 and response.headers["Allow"] == "GET"
