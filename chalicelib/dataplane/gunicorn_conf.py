"""Gunicorn settings of the deployed data plane (run.sh passes
`--config python:chalicelib.dataplane.gunicorn_conf`)."""

from __future__ import annotations

from chalicelib.dataplane import gunicorn_errors


def post_worker_init(worker: object) -> None:
    """Each worker answers gunicorn's own refusals in the envelope."""
    gunicorn_errors.install()
