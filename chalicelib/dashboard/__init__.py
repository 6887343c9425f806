"""The web dashboard: its static files (`static/`: HTML, ES modules, CSS, the vendored uPlot)
and the framework-free serving of them from an allow-list, with their content types, a
restrictive Content-Security-Policy and validators for caching. The dashboard itself talks
only to the public management, logs and analytics API, with the account's token."""

from chalicelib.dashboard.files import (
    ENTRY,
    FILES,
    STATIC_DIR,
    StaticAnswer,
    entry_redirect,
    static_file,
)

__all__ = ["ENTRY", "FILES", "STATIC_DIR", "StaticAnswer", "entry_redirect", "static_file"]
