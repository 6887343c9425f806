"""What can go wrong in a command, each with its own exit code (README: Command line)."""

from __future__ import annotations

EXIT_USAGE = 2
"""Bad flags or missing settings (also typer's own usage errors)."""
EXIT_REFUSED = 3
"""The API refused the request (4xx): bad token, unknown gateway or log, invalid input."""
EXIT_UNREACHABLE = 4
"""The base URL could not be reached."""
EXIT_SERVER = 5
"""The gateway failed (5xx) or did not answer as the API does."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (click's; except in `aig logs tail`, where it is the way to stop)."""


class CliError(Exception):
    """An error shown to the user as one line, with the process's exit code."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(CliError):
    """A setting is missing or an option's value cannot be used."""

    exit_code = EXIT_USAGE


class ApiRefused(CliError):
    """A 4xx answer; the message is the envelope's."""

    exit_code = EXIT_REFUSED

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"refused ({status}): {message}")
        self.status = status


class ApiUnreachable(CliError):
    """No answer from the base URL (connection refused, DNS, timeout)."""

    exit_code = EXIT_UNREACHABLE


class ApiFailed(CliError):
    """A 5xx answer, or one that is not the API's envelope."""

    exit_code = EXIT_SERVER
