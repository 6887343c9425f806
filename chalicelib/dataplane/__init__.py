"""The streaming data plane: the proxy routes as a WSGI app (see `wsgi`)."""
