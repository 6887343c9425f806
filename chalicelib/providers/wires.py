"""The wire formats providers speak: one `Wire` per format, registered in `WIRES`.

A wire carries what depends on the format of a provider's bodies: which of its endpoints are
native (and their model type), how usage is read from a native answer, where a request names
its model, and the auth header and default headers a translated (unified-API) call needs.
A new wire format is one `Wire(...)` here (its usage reader in `usage`) plus, for the unified
API, its translators in `chalicelib.compat.dialects`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from chalicelib.providers.usage import UsageReader, anthropic_usage, google_usage, openai_usage

ANTHROPIC_VERSION = "2023-06-01"
"""The `anthropic-version` a translated Anthropic call sends unless the client set one."""

EndpointRule = Callable[[str, str], tuple[bool, str | None]]
"""(parent, last segment of a request path) -> (whether that is one of the wire's native
endpoints, its model type: "chat", "completion", "embedding", "image", "audio" or None)."""

_GOOGLE_METHOD_TYPES = {
    "generateContent": "chat",
    "streamGenerateContent": "chat",
    "embedContent": "embedding",
    "batchEmbedContents": "embedding",
}


@dataclass(frozen=True, eq=False)
class Wire:
    """One wire format; compared by identity (each is a registered singleton)."""

    name: str
    """"openai", "anthropic" or "google" (logs, error messages)."""
    endpoint: EndpointRule
    read_usage: UsageReader
    """Reads a native answer's usage from its JSON documents and the endpoint's model type."""
    model_in_path: Callable[[str], str | None] | None = None
    """For wires that name the model in the request path (Gemini): the model a path names
    ("" for an empty name), None when the path names none; None: the body names it."""
    key_header: str | None = None
    """Where the provider expects the API key an OpenAI client sends as Bearer."""
    default_headers: Mapping[str, str] = field(default_factory=dict)
    """Headers a translated call gets unless the client sent them (lower-case names)."""

    def classify(self, path: str) -> tuple[Wire, str | None]:
        """The wire whose format a path's bodies have, and the path's model type.

        Matched on the path's tail. Providers with their own wire also serve OpenAI-compatible
        endpoints (".../chat/completions"), so only their native endpoints use their format.
        """
        segments = [s for s in path.split("/") if s] or [""]
        last, parent = segments[-1], segments[-2] if len(segments) > 1 else ""
        native, kind = self.endpoint(parent, last)
        if native:
            return self, kind
        return OPENAI_WIRE, OPENAI_WIRE.endpoint(parent, last)[1]

    def __repr__(self) -> str:
        return f"Wire({self.name!r})"


def _openai_endpoint(parent: str, last: str) -> tuple[bool, str | None]:
    """Every path is OpenAI's (the format others fall back to); chat, completions, ..."""
    if (parent, last) == ("chat", "completions") or last == "responses":
        return True, "chat"
    if last == "completions":
        return True, "completion"
    if last == "embeddings":
        return True, "embedding"
    return True, {"images": "image", "audio": "audio"}.get(parent)


def _anthropic_endpoint(parent: str, last: str) -> tuple[bool, str | None]:
    """The Messages API (`.../messages`)."""
    return last == "messages", "chat"


def _google_endpoint(parent: str, last: str) -> tuple[bool, str | None]:
    """Gemini model methods (`.../models/{model}:{method}`)."""
    return ":" in last, _GOOGLE_METHOD_TYPES.get(last.rpartition(":")[2])


def _google_model_in_path(path: str) -> str | None:
    """Gemini names the model in the path: `.../models/{model}:{method}`."""
    if "models/" not in path:
        return None
    return path.split("models/", 1)[1].split(":", 1)[0]


OPENAI_WIRE = Wire("openai", _openai_endpoint, openai_usage)
"""OpenAI and every OpenAI-compatible provider."""
ANTHROPIC_WIRE = Wire(
    "anthropic",
    _anthropic_endpoint,
    anthropic_usage,
    key_header="x-api-key",
    default_headers={"anthropic-version": ANTHROPIC_VERSION},
)
GOOGLE_WIRE = Wire(
    "google",
    _google_endpoint,
    google_usage,
    model_in_path=_google_model_in_path,
    key_header="x-goog-api-key",
)

WIRES: Mapping[str, Wire] = {wire.name: wire for wire in (OPENAI_WIRE, ANTHROPIC_WIRE, GOOGLE_WIRE)}
"""The wire formats by name."""
