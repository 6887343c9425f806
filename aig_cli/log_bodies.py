"""A log's stored request and response bodies, shown as pretty JSON, a streamed answer's
assembled text (or its raw events), text, or a note for binary bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.syntax import Syntax

from aig_cli.client import ApiClient, RawBody
from aig_cli.errors import ApiRefused
from aig_cli.sse import assemble, is_event_stream

NOT_STORED = "(not stored)"


@dataclass(frozen=True)
class Body:
    """A body decoded as far as it goes: `text` None for binary, `data` for JSON, `stream`
    for a streamed answer's assembled text."""

    content_type: str
    size: int
    text: str | None
    data: Any = None
    stream: str | None = None

    def as_json(self, part: str) -> dict[str, Any]:
        """This body for `--json`: parsed JSON, else its text, a stream with its assembled
        text under `<part>_text`, a binary body as a note."""
        if self.data is not None:
            return {part: self.data}
        if self.text is None:
            return {part: f"({self.size:,} bytes of {self.content_type})"}
        if self.stream is not None:
            return {part: self.text, f"{part}_text": self.stream}
        return {part: self.text}


def fetch_raw(api: ApiClient, log_id: str, part: str) -> RawBody | None:
    """A log's stored `part` (request or response) as the API returns it; None when the log
    has none (e.g. payloads not collected)."""
    try:
        return api.raw(api.gateway_path("logs", log_id, part))
    except ApiRefused as exc:
        if exc.status == 404:
            return None
        raise


def read_body(raw: RawBody) -> Body:
    """Decode a body the API returned."""
    try:
        text: str | None = raw.body.decode("utf-8")
    except UnicodeDecodeError:
        return Body(raw.content_type, len(raw.body), None)
    if is_event_stream(raw.content_type):
        return Body(raw.content_type, len(raw.body), text, stream=assemble(text or ""))
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = None
    return Body(raw.content_type, len(raw.body), text, data)


def show_body(console: Console, body: Body | None, raw: bool) -> None:
    """Print a body: pretty JSON, a stream's text (`raw`: its events), text or a note."""
    if body is None:
        console.print(NOT_STORED)
    elif body.data is not None:
        pretty = json.dumps(body.data, indent=2, ensure_ascii=False)
        console.print(Syntax(pretty, "json", word_wrap=True, background_color="default"))
    elif body.text is None:
        console.print(f"({body.size:,} bytes of {body.content_type})")
    elif body.stream is not None and not raw:
        console.print(f"(streamed; assembled text, --raw for the events)\n{body.stream}")
    else:
        console.print(body.text)
