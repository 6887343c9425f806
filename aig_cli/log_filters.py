"""Every filter of the logs API as command-line options (`aig logs list|tail|delete`),
turned into the API's query parameters (log_params.py on the server)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import typer

from aig_cli.errors import UsageError
from aig_cli.options import inject, option
from aig_cli.times import moment

F = TypeVar("F", bound=Callable[..., Any])

PANEL = "Filters"
OPERATORS = ("eq", "neq", "contains", "lt", "gt")


@dataclass(frozen=True)
class LogFilters:
    """The filters given (None: not given); all of them must hold."""

    start: str | None = None
    end: str | None = None
    provider: str | None = None
    model: str | None = None
    model_type: str | None = None
    request_content_type: str | None = None
    response_content_type: str | None = None
    success: bool | None = None
    cached: bool | None = None
    feedback: int | None = None
    min_cost: float | None = None
    max_cost: float | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    min_tokens_in: int | None = None
    max_tokens_in: int | None = None
    min_tokens_out: int | None = None
    max_tokens_out: int | None = None
    min_total_tokens: int | None = None
    max_total_tokens: int | None = None
    status_code: int | None = None
    event_id: str | None = None
    metadata_key: str | None = None
    metadata_value: str | None = None
    search: str | None = None
    filter: tuple[str, ...] = ()

    def params(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """The query parameters of these filters (relative times counted from `now`)."""
        now = now or datetime.now(UTC)
        given = {name: value for name, value in asdict(self).items() if value not in (None, ())}
        params: list[tuple[str, str]] = []
        for name, flat in _FLAT.items():
            if name in given:
                params.append((flat, _text(given[name], name, now)))
        structured = [
            {"key": key, "operator": "eq", "value": [str(given[name])]}
            for name, key in _STRUCTURED.items()
            if name in given
        ]
        structured += [_generic(text) for text in self.filter]
        if structured:
            params.append(("filters", json.dumps(structured)))
        if self.search is not None:
            params.append(("search", self.search))
        return params

    def any(self) -> bool:
        """Whether any filter is given."""
        return any(getattr(self, f.name) not in (None, ()) for f in fields(self))


_FLAT = {
    "start": "start_date",
    "end": "end_date",
    "provider": "provider",
    "model": "model",
    "model_type": "model_type",
    "request_content_type": "request_content_type",
    "response_content_type": "response_content_type",
    "success": "success",
    "cached": "cached",
    "feedback": "feedback",
    **{
        f"{bound}_{key}": f"{bound}_{key}"
        for key in ("cost", "duration", "tokens_in", "tokens_out", "total_tokens")
        for bound in ("min", "max")
    },
}
"""Options sent as the API's flat parameters."""

_STRUCTURED = {
    "status_code": "status_code",
    "event_id": "event_id",
    "metadata_key": "metadata.key",
    "metadata_value": "metadata.value",
}
"""Options sent as `filters` entries (eq)."""


def _text(value: Any, name: str, now: datetime) -> str:
    if name in ("start", "end"):
        return moment(value, now, f"--{name}")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _generic(text: str) -> dict[str, Any]:
    """`KEY:OPERATOR:VALUE` as a filters entry (the value may hold colons)."""
    parts = text.split(":", 2)
    if len(parts) != 3 or not parts[0] or parts[1] not in OPERATORS:
        raise UsageError(
            f"--filter takes KEY:OPERATOR:VALUE with an operator of {', '.join(OPERATORS)}; "
            f"got {text[:60]!r}"
        )
    return {"key": parts[0], "operator": parts[1], "value": [parts[2]]}


def _opt(flag: str, kind: Any, text: str) -> Any:
    return Annotated[kind, typer.Option(flag, help=text, rich_help_panel=PANEL)]


_OPTIONS = [
    option("start", _opt("--start", str | None, "From this time: ISO-8601 or 15m, 2h, 7d ago.")),
    option("end", _opt("--end", str | None, "Until this time: ISO-8601 or 15m, 2h, 7d ago.")),
    option("provider", _opt("--provider", str | None, "Provider slug, e.g. openai.")),
    option("model", _opt("--model", str | None, "Model name.")),
    option("model_type", _opt("--model-type", str | None, "Model type.")),
    option("request_content_type", _opt("--request-content-type", str | None, "Of the request.")),
    option(
        "response_content_type", _opt("--response-content-type", str | None, "Of the response.")
    ),
    option("success", _opt("--success/--failed", bool | None, "Only successes or failures.")),
    option("cached", _opt("--cached/--not-cached", bool | None, "Only cache hits or misses.")),
    option("feedback", _opt("--feedback", int | None, "Feedback -1, 0 or 1.")),
    option("min_cost", _opt("--min-cost", float | None, "Cost at least (USD).")),
    option("max_cost", _opt("--max-cost", float | None, "Cost at most (USD).")),
    option("min_duration", _opt("--min-duration", float | None, "Duration at least (ms).")),
    option("max_duration", _opt("--max-duration", float | None, "Duration at most (ms).")),
    option("min_tokens_in", _opt("--min-tokens-in", int | None, "Tokens in at least.")),
    option("max_tokens_in", _opt("--max-tokens-in", int | None, "Tokens in at most.")),
    option("min_tokens_out", _opt("--min-tokens-out", int | None, "Tokens out at least.")),
    option("max_tokens_out", _opt("--max-tokens-out", int | None, "Tokens out at most.")),
    option("min_total_tokens", _opt("--min-tokens", int | None, "Tokens in + out at least.")),
    option("max_total_tokens", _opt("--max-tokens", int | None, "Tokens in + out at most.")),
    option("status_code", _opt("--status-code", int | None, "HTTP status of the answer.")),
    option("event_id", _opt("--event-id", str | None, "The aig-event-id of the request.")),
    option("metadata_key", _opt("--metadata-key", str | None, "Has this aig-metadata key.")),
    option("metadata_value", _opt("--metadata-value", str | None, "Has this metadata value.")),
    option("search", _opt("--search", str | None, "Free text in the log.")),
    option(
        "filter",
        _opt(
            "--filter",
            list[str] | None,
            "KEY:OPERATOR:VALUE, any key of the API (e.g. status_code:gt:499), repeatable.",
        ),
    ),
]


def _build(**values: Any) -> LogFilters:
    return LogFilters(**{**values, "filter": tuple(values["filter"] or ())})


def log_filters(command: F) -> F:
    """Give a command every log filter option, as its `filters: LogFilters` argument."""
    return inject("filters", _OPTIONS, _build)(command)
