"""The streaming data plane: the proxy routes as a WSGI app (see `wsgi`). An entry point at
the top of the house: it imports chalicelib.wiring, chalicelib.proxy and chalicelib.edge;
only infra/ (the local server) imports it."""

from chalicelib.dataplane.wsgi import WsgiApp, create_app, read_body, request_headers, status_line

__all__ = ["WsgiApp", "create_app", "read_body", "request_headers", "status_line"]
