"""The HTTP layer of the control plane: the management, logs and analytics APIs, their
authentication, log query parsing and the Chalice glue app.py needs. It may import every
library package (accounts, logstore, edge, errors, validation); only app.py and
chalicelib.wiring import it, each from the module that holds a name (no re-exports here:
the streaming data plane builds its services through wiring and must not load Chalice)."""
