#!/bin/bash
# Handler of the data plane function (infra/dataplane.yaml). The Lambda Web Adapter's
# wrapper (/opt/bootstrap) runs it at cold start and forwards each invocation to $PORT
# once GET /healthz answers. The zip holds chalicelib/ and the dependencies at its root
# ($LAMBDA_TASK_ROOT); boto3 comes with the runtime ($LAMBDA_RUNTIME_DIR).
#
# One worker: Lambda sends an execution environment one request at a time, so the few
# threads are headroom (the adapter's kept-alive connections, a stream still closing),
# not concurrency. No worker timeout (--timeout 0): a streamed answer may run up to the
# function timeout (900 s).
# Its own refusals (a request line over 4094 bytes, ...) in the envelope (gunicorn_conf).
# No access log (gunicorn writes none unless --access-logfile is given); the gateway
# logs each request itself. No control socket: only /tmp is writable on Lambda.
PATH=$PATH:$LAMBDA_TASK_ROOT/bin \
PYTHONPATH=$LAMBDA_TASK_ROOT:$PYTHONPATH:/opt/python:$LAMBDA_RUNTIME_DIR \
    exec python -m gunicorn \
    --bind "0.0.0.0:${PORT:-8000}" \
    --worker-class gthread \
    --workers 1 \
    --threads "${AIG_GUNICORN_THREADS:-4}" \
    --timeout 0 \
    --graceful-timeout 5 \
    --no-control-socket \
    --config python:chalicelib.dataplane.gunicorn_conf \
    chalicelib.dataplane.wsgi:app
