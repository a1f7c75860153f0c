"""Failures the command line explains in one line instead of a traceback.

Exit code 2: the invocation or the settings are wrong (fix the command or the environment variables).
Exit code 1: the environment failed (the database is down, not migrated, the port is taken).
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator

import asyncpg
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

USAGE = 2
FAILURE = 1
ENV_PREFIX = "ZHURNAL_"
NOT_MIGRATED = "database is not migrated: run `zhurnal migrate`"

# SQLSTATE classes PostgreSQL answers a refused connection with: 08 connection exception,
# 28 invalid authorization, 3D unknown database, 57P cannot connect now (starting or shutting down).
_REFUSED_SQLSTATES = ("08", "28", "3D", "57P")
_UNDEFINED_TABLE = "42P01"


class CliError(Exception):
    """A failure with the one line that explains it and the exit code that goes with it."""

    def __init__(self, message: str, exit_code: int = FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, safe to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("://", 1)[0] + "://***"


def describe_database(url: str) -> str:
    """Where the database is, in words: 'PostgreSQL at host:port' or 'SQLite database <path>'."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite database {parsed.database or ':memory:'}"
    return f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432}"


def settings_error(error: ValidationError) -> CliError:
    """Name each environment variable that is wrong and why, never echoing its value (it may be secret)."""
    problems = []
    for item in error.errors():
        variable = ENV_PREFIX + "_".join(str(part) for part in item["loc"]).upper()
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"{variable} is invalid: {message}")
    return CliError("; ".join(problems) + " (set it in the environment or in .env)", USAGE)


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error, the driver error SQLAlchemy wrapped, and whatever raised it, once each."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]


def _reason(error: OSError) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.gaierror):
        return "unknown host"
    if isinstance(error, TimeoutError):
        return "timed out"
    return error.strerror or str(error) or type(error).__name__


def _path_reason(error: OSError) -> str:
    if isinstance(error, FileExistsError):
        return f"{error.filename} is a file, not a folder"
    return f"{error.filename}: {error.strerror}" if error.filename else _reason(error)


def database_error(error: BaseException, url: str) -> CliError | None:
    """One line for a database that cannot be reached, opened or used; None for anything else."""
    where = describe_database(url)
    sqlite = url.startswith("sqlite")
    for cause in _causes(error):
        if isinstance(cause, asyncpg.PostgresError):
            state = cause.sqlstate or ""
            if state == _UNDEFINED_TABLE:
                return CliError(NOT_MIGRATED)
            if state.startswith(_REFUSED_SQLSTATES):
                return CliError(f"{where} refused the connection: {cause}; check ZHURNAL_DATABASE_URL")
        if isinstance(cause, sqlite3.OperationalError):
            text = str(cause)
            if text.startswith("no such table"):
                return CliError(NOT_MIGRATED)
            if "unable to open" in text or "readonly" in text:
                return CliError(
                    f"cannot open the {where}: {text}; check ZHURNAL_DATABASE_URL and that its folder is writable"
                )
        # A file-system error names its file; a network one does not. Anything else is not ours to explain.
        if isinstance(cause, OSError) and sqlite == (cause.filename is not None):
            if sqlite:
                # create_engine makes the file's folder; nothing else touches the file system directly.
                return CliError(
                    f"cannot create the folder of the {where}: {_path_reason(cause)}; check ZHURNAL_DATABASE_URL"
                )
            running = "is it running? " if isinstance(cause, ConnectionRefusedError | TimeoutError) else ""
            return CliError(
                f"cannot connect to {where}: {_reason(cause)}; {running}"
                f"check ZHURNAL_DATABASE_URL ({mask_url(url)})"
            )
    return None
