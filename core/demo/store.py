"""Bulk inserts for the generator: executemany, and new ids back in row order on both engines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.base import Base


class Writer:
    """Writes rows in one transaction and counts them per table; it never commits.

    Rows go through Core `insert(table)` as one executemany: the ORM bulk path would split them into
    a statement per run of rows with the same NULL columns, which is many times slower here.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.counts: Counter[str] = Counter()
        self._sqlite = session.get_bind().dialect.name == "sqlite"

    async def add(self, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(model.__table__), list(rows))
            self.counts[model.__tablename__] += len(rows)

    async def add_ids(self, model: type[Base], rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert rows and return their new ids, in the order of `rows`."""
        if not rows:
            return []
        table = model.__table__
        if self._sqlite:
            ids = await self._sqlite_ids(model, rows)
        else:
            stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            ids = list((await self.session.execute(stmt, list(rows))).scalars())
        self.counts[model.__tablename__] += len(rows)
        return ids

    async def _sqlite_ids(self, model: type[Base], rows: Sequence[dict[str, Any]]) -> list[int]:
        # SQLite cannot return ids in parameter order from a batched INSERT, and SQLAlchemy falls back
        # to one statement per row. Inside our write transaction (BEGIN IMMEDIATE) nobody else inserts,
        # and SQLite gives new rows ascending rowids, so the new ids are exactly those above the old max.
        column = model.__table__.c.id
        before = await self.session.scalar(select(func.max(column))) or 0
        await self.session.execute(insert(model.__table__), list(rows))
        ids = list(
            (await self.session.execute(select(column).where(column > before).order_by(column))).scalars()
        )
        if len(ids) != len(rows):
            raise RuntimeError(
                f"{model.__tablename__}: inserted {len(rows)} rows but found {len(ids)} new ids"
            )
        return ids
