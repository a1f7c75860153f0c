"""The schema is made only by migrations, and the migrations match the models exactly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

import core.db.models  # noqa: F401
from core.db.base import Base
from core.db.engine import create_engine
from core.db.migrate import downgrade, upgrade
from core.settings import Settings


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def _run(url: str, fn: Callable[[Connection], object]) -> object:
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(fn)
    finally:
        await engine.dispose()


def test_upgrading_an_empty_database_to_head_leaves_no_drift_from_the_models(
    new_database_url: Callable[[], str],
) -> None:
    """Foundation: alembic upgrade head on an empty database equals the models, table for table."""
    url = new_database_url()
    upgrade(url)
    diff = asyncio.run(_run(url, _diff))
    assert diff == []
    tables = asyncio.run(_run(url, _tables))
    assert tables == set(Base.metadata.tables)


def test_downgrading_to_base_removes_every_table(new_database_url: Callable[[], str]) -> None:
    """Foundation: downgrade to base works on the engine under test."""
    url = new_database_url()
    upgrade(url)
    downgrade(url, "base")
    assert asyncio.run(_run(url, _tables)) == set()
