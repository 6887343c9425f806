"""What the gateway knows of its upstream providers: the registry (registry.py), their wire
formats (wires.py), how usage is read from their answers (usage.py) and SSE parsing (sse.py).

Below both chalicelib.proxy and chalicelib.compat, which import it; it imports nothing else
of the project."""

from chalicelib.providers.registry import PROVIDERS, Provider, ProviderRegistry, upstream_url
from chalicelib.providers.sse import SseDecoder, SseEvent, is_event_stream
from chalicelib.providers.usage import Usage, extract_usage, model_type
from chalicelib.providers.wires import ANTHROPIC_WIRE, GOOGLE_WIRE, OPENAI_WIRE, Wire

__all__ = [
    "ANTHROPIC_WIRE",
    "GOOGLE_WIRE",
    "OPENAI_WIRE",
    "PROVIDERS",
    "Provider",
    "ProviderRegistry",
    "SseDecoder",
    "SseEvent",
    "Usage",
    "Wire",
    "extract_usage",
    "is_event_stream",
    "model_type",
    "upstream_url",
]
