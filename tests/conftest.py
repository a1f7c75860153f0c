"""Test databases: the whole suite runs on a real SQLite file, and again on PostgreSQL in CI.

ZHURNAL_TEST_DB selects the engine (`sqlite`, the default, or `postgres`, which needs
ZHURNAL_TEST_POSTGRES_URL). Tests share one migrated database and isolate themselves by creating
their own school in it, the way many schools share one deployment.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import hypothesis
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.db.engine import create_engine, create_sessionmaker
from core.db.migrate import upgrade
from core.settings import Settings

TEST_DB = os.environ.get("ZHURNAL_TEST_DB", "sqlite")

# Property tests explore the same examples on every run (a red CI is then reproducible) and are
# never failed by a slow machine: speed is measured in bench/, not asserted in tests.
hypothesis.settings.register_profile("zhurnal", deadline=None, derandomize=True, print_blob=True)
hypothesis.settings.load_profile("zhurnal")


def _postgres_admin_dsn() -> str:
    url = os.environ.get("ZHURNAL_TEST_POSTGRES_URL")
    if not url:
        pytest.exit("ZHURNAL_TEST_DB=postgres needs ZHURNAL_TEST_POSTGRES_URL", returncode=2)
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_admin(sql: str) -> None:
    connection = await asyncpg.connect(_postgres_admin_dsn())
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


class DatabaseFactory:
    """Makes empty databases of the engine under test and removes them at the end of the session."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.created: list[str] = []

    def new_url(self) -> str:
        name = f"zhurnal_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        if TEST_DB == "postgres":
            asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
            self.created.append(name)
            url = make_url(os.environ["ZHURNAL_TEST_POSTGRES_URL"]).set(database=name)
            return url.render_as_string(hide_password=False)
        return f"sqlite+aiosqlite:///{self.tmp_dir / name}.sqlite3"

    def drop_all(self) -> None:
        for name in self.created:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def database_url(databases: DatabaseFactory) -> str:
    """The session's shared database, migrated to head by Alembic (never by create_all)."""
    url = databases.new_url()
    upgrade(url)
    return url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(database_url=database_url))
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
def new_database_url(databases: DatabaseFactory) -> Callable[[], str]:
    """An empty database of its own, for tests that migrate or tamper with a whole database."""
    return databases.new_url


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """A fresh clone has only .po files; both fronts need the compiled catalogs."""
    from locales import compile_catalogs

    compile_catalogs()
