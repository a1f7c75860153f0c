"""Who is in a teaching group on a date (R27, R48): whole-class groups follow enrollments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Enrollment, Group, GroupClass, GroupMembership
from core.domain.enums import GroupKind
from core.usecases.principal import active_on


def roster_query(group: Group, day: date) -> Select[tuple[int]]:
    """Student ids on the group's roster on `day`, as one statement."""
    if group.kind == GroupKind.whole_class:
        return (
            select(Enrollment.student_id)
            .join(GroupClass, GroupClass.class_id == Enrollment.class_id)
            .where(GroupClass.group_id == group.id, active_on(Enrollment.from_date, Enrollment.to_date, day))
        )
    return select(GroupMembership.student_id).where(
        GroupMembership.group_id == group.id,
        active_on(GroupMembership.from_date, GroupMembership.to_date, day),
    )


async def roster(session: AsyncSession, group: Group, day: date) -> set[int]:
    return set(await session.scalars(roster_query(group, day)))


async def on_roster(session: AsyncSession, group: Group, day: date, student_ids: Iterable[int]) -> set[int]:
    """The subset of `student_ids` that are on the roster on `day`."""
    wanted = set(student_ids)
    return wanted & await roster(session, group, day)


async def group_class_ids(session: AsyncSession, group_id: int) -> set[int]:
    return set(await session.scalars(select(GroupClass.class_id).where(GroupClass.group_id == group_id)))


async def student_class_on(session: AsyncSession, student_id: int, day: date) -> int | None:
    return await session.scalar(
        select(Enrollment.class_id).where(
            Enrollment.student_id == student_id, active_on(Enrollment.from_date, Enrollment.to_date, day)
        )
    )
