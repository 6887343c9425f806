"""Path parameters: decoded once, validated, before any handler or upstream sees them.

How they arrive: `chalice local` (and Chalice's test client) split the raw request path on
`/` and pass each segment still percent-encoded. API Gateway REST APIs pass them as sent
too, for the characters that matter here (`%2F`, `%2B`, `%25`, ...; reports differ on
whether it decodes a few harmless ones such as `%40`). So every path parameter is
percent-decoded exactly once here, and the proxy percent-encodes each segment exactly once
when it builds the upstream URL (`providers.upstream_url`): `completion%73` goes upstream as
`completions`, and `a%2Fb` stays one segment, sent as `a%2Fb`. Dot segments (`.`, `..`,
raw or encoded, also inside a segment that decodes to several `/`-separated parts) are
refused, so no path can climb out of a provider's base path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

from chalicelib.accounts import ID_PATTERN
from chalicelib.errors import BadRequest, NotFound
from chalicelib.logstore import is_log_id

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DOT_PARTS = re.compile(r"[/\\]")


def check_segment(segment: str) -> str:
    """`segment` (already decoded) if it is safe to forward; BadRequest otherwise."""
    if _CONTROL.search(segment):
        raise BadRequest("path segments must not contain control characters")
    if any(part in (".", "..") for part in _DOT_PARTS.split(segment)):
        raise BadRequest("path segments must not be '.' or '..'")
    return segment


def check_segments(segments: Iterable[str]) -> list[str]:
    """Every segment checked with `check_segment`."""
    return [check_segment(segment) for segment in segments]


def decode_segment(raw: str) -> str:
    """Percent-decode one raw path segment once and check it (`check_segment`)."""
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise BadRequest("path segments must be UTF-8 once percent-decoded") from exc
    return check_segment(decoded)


def decode_params(params: Mapping[str, str]) -> dict[str, str]:
    """Route parameters decoded once and validated; ids that cannot exist are a 404."""
    decoded = {name: decode_segment(raw) for name, raw in params.items()}
    account_id = decoded.get("account_id")
    if account_id is not None and not ID_PATTERN.match(account_id):
        raise NotFound("account not found")
    gateway_id = decoded.get("gateway_id")
    if gateway_id is not None and not ID_PATTERN.match(gateway_id):
        raise NotFound("gateway not found")
    log_id = decoded.get("log_id")
    if log_id is not None and not is_log_id(log_id):
        raise NotFound("log not found")
    return decoded
