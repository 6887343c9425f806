"""`aig`: the gateway's command line (gateways, logs, analytics, export) over its management
API.

Not part of the Lambda package: it is a client of the deployed (or `make run`) gateway,
installed into the virtualenv as the `aig` console script by `make install`.

`main.py` builds the app from COMMAND_MODULES (`gateways`, `logs`, `analytics`, `export`),
each with a `register(app)`; they share `settings` (flags over AIG_* variables), `options`
(--json and the connection options, injected as one `settings` argument), `client` (the
envelope and errors with exit codes, `errors`) and `output` (tables, JSON, progress on
stderr). `export` alone imports the gateway's code (chalicelib.export, its Parquet writer),
and only when it runs.
"""
