"""The process's one engine, checked before any command relies on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cli.errors import NOT_MIGRATED, CliError
from core.db.engine import SQLITE_IMMEDIATE, create_engine
from core.db.migrate import alembic_config
from core.settings import Settings


def _current_heads(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def expected_heads(database_url: str) -> set[str]:
    """The revisions `zhurnal migrate` brings a database to."""
    return set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


def _require_sqlite_file(database_url: str) -> None:
    # Checked before connecting: SQLite would otherwise create an empty file at a mistyped path.
    url = make_url(database_url)
    on_disk = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if on_disk and not Path(str(url.database)).is_file():
        raise CliError(f"{NOT_MIGRATED} ({url.database} does not exist; check ZHURNAL_DATABASE_URL)")


async def current_heads(settings: Settings) -> set[str]:
    """The revisions the database is at now; empty for a database that was never migrated."""
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_heads)
    finally:
        await engine.dispose()


async def check_migrated(engine: AsyncEngine, database_url: str) -> None:
    """Connect once, and refuse a database whose schema is not the one this code expects."""
    async with engine.connect() as connection:
        current = await connection.run_sync(_current_heads)
    expected = expected_heads(database_url)
    if not current:
        raise CliError(NOT_MIGRATED)
    if current != expected:
        raise CliError(
            f"database schema is at revision {', '.join(sorted(current))} but this zhurnal needs "
            f"{', '.join(sorted(expected))}: run `zhurnal migrate`"
        )


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The engine of a reachable database at the current schema; disposed on exit."""
    _require_sqlite_file(settings.database_url)
    engine = create_engine(settings)
    try:
        await check_migrated(engine, settings.database_url)
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def write_transaction(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: committed when the block ends normally, rolled back when it raises."""
    async with sessionmaker() as session:
        if session.get_bind().dialect.name == "sqlite":
            # Take SQLite's write lock up front so a running server's writes queue instead of failing.
            await session.connection(execution_options={SQLITE_IMMEDIATE: True})
        yield session
        await session.commit()
