"""Serving the dashboard's static files: only the allow-listed names, each with its content
type, the security headers and an ETag (answers revalidate: `no-cache` + 304)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chalicelib.errors import NotFound

STATIC_DIR = Path(__file__).with_name("static")
ENTRY = "index.html"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}

FILES = (
    ENTRY,
    "style.css",
    "favicon.svg",
    "app.js",
    "api.js",
    "session.js",
    "dom.js",
    "format.js",
    "signin.js",
    "gateways.js",
    "gateway_form.js",
    "logs.js",
    "log_filters.js",
    "log_detail.js",
    "picker.js",
    "sse.js",
    "analytics.js",
    "analytics_charts.js",
    "series.js",
    "charts.js",
    "uPlot.iife.min.js",
    "uPlot.min.css",
    "uPlot.LICENSE.txt",
)
"""Every file the dashboard is made of; any other name is a 404."""

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""No inline script or style, no other origin: the page reaches only its own API."""

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class StaticAnswer:
    """What to answer: a status, the body (text) and the headers."""

    status: int
    body: str
    headers: dict[str, str]


def static_file(name: str, if_none_match: str | None = None) -> StaticAnswer:
    """The allow-listed file `name` (200, or 304 when `if_none_match` holds its ETag);
    NotFound for any other name."""
    if name not in FILES:
        raise NotFound("no such dashboard file")
    body, etag = _load(name)
    headers = {
        **SECURITY_HEADERS,
        "Content-Type": CONTENT_TYPES[Path(name).suffix],
        "Cache-Control": "no-cache",
        "ETag": etag,
    }
    if if_none_match is not None and etag in _etags(if_none_match):
        return StaticAnswer(304, "", headers)
    return StaticAnswer(200, body, headers)


def entry_redirect() -> StaticAnswer:
    """`/dashboard` sends the browser to `dashboard/index.html` (relative: a stage prefix
    such as API Gateway's `/prod` is kept), so that the page's relative links resolve."""
    location = f"dashboard/{ENTRY}"
    return StaticAnswer(302, "", {**SECURITY_HEADERS, "Location": location})


@cache
def _load(name: str) -> tuple[str, str]:
    """The file's text and its ETag (read once per process)."""
    data = (STATIC_DIR / name).read_bytes()
    return data.decode("utf-8"), f'"{hashlib.sha256(data).hexdigest()[:32]}"'


def _etags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones compare as strong)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}
