"""Small helpers shared by the lesson tests: direct rows the fixture lacks, and reads of the result."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.models import AuditEvent, Building, Lesson, Room
from core.domain.enums import AuditAction
from core.usecases.access import require_lesson_write
from core.usecases.context import Ctx
from tests.builders import SpecSchool

M = TypeVar("M")


async def fetch_all(sm: async_sessionmaker[AsyncSession], model: type[M], *where: Any) -> list[M]:
    order = model.seq if model is AuditEvent else model.id  # type: ignore[attr-defined]
    async with sm() as s:
        return list(await s.scalars(select(model).where(*where).order_by(order)))


async def count(sm: async_sessionmaker[AsyncSession], model: type, *where: ColumnElement[bool]) -> int:
    async with sm() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def get(sm: async_sessionmaker[AsyncSession], model: type[M], row_id: int) -> M:
    async with sm() as s:
        row = await s.get(model, row_id)
        assert row is not None
        return row


async def audit_actions(b: SpecSchool, entity_type: str, entity_id: int) -> list[AuditAction]:
    events = await fetch_all(
        b.sessionmaker,
        AuditEvent,
        AuditEvent.school_id == b.school_id,
        AuditEvent.entity_type == entity_type,
        AuditEvent.entity_id == entity_id,
    )
    return [e.action for e in events]


async def add_room(b: SpecSchool, number: str) -> int:
    async with b.sessionmaker() as s:
        building = Building(school_id=b.school_id, name=f"Корпус {number}")
        s.add(building)
        await s.flush()
        room = Room(school_id=b.school_id, building_id=building.id, number=number)
        s.add(room)
        await s.commit()
        return room.id


async def can_write(ctx: Ctx, lesson_id: int) -> bool:
    """Use case used by tests: whether the actor passes the scope-O check on the lesson."""
    lesson = await ctx.session.get(Lesson, lesson_id)
    assert lesson is not None
    await require_lesson_write(ctx, lesson)
    return True
