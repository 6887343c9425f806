"""What the gateway knows of its upstream providers: the registry (registry.py), their wire
formats (wires.py), how usage is read from their answers (usage.py) and SSE parsing (sse.py).

Below both chalicelib.proxy and chalicelib.compat, which import it; it imports neither."""
