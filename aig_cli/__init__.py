"""`aig`: the gateway's command line (gateways, logs, analytics) over its management API.

Not part of the Lambda package: it is a client of the deployed (or `make run`) gateway,
installed into the virtualenv as the `aig` console script by `make install`.
"""
