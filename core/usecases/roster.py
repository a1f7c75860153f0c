"""Who is in a teaching group on a date (R27, R48): whole-class groups follow enrollments."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.db.models import Enrollment, Group, GroupClass, GroupMembership
from core.domain.enums import GroupKind


def covers(from_col: Any, to_col: Any, day: Any) -> ColumnElement[bool]:
    """SQL: a dated row (from, to-or-open) covers `day`, which may itself be a column."""
    return and_(from_col <= day, or_(to_col.is_(None), to_col >= day))


def student_on_roster(student_id: int, group_id: Any, day: Any) -> ColumnElement[bool]:
    """SQL: the student is on the roster of group `group_id` on `day` (both may be outer columns)."""
    g, gc, e, gm = aliased(Group), aliased(GroupClass), aliased(Enrollment), aliased(GroupMembership)
    by_class = exists().where(
        g.id == group_id,
        g.kind == GroupKind.whole_class,
        gc.group_id == g.id,
        e.class_id == gc.class_id,
        e.student_id == student_id,
        covers(e.from_date, e.to_date, day),
    )
    by_membership = exists().where(
        g.id == group_id,
        g.kind != GroupKind.whole_class,
        gm.group_id == g.id,
        gm.student_id == student_id,
        covers(gm.from_date, gm.to_date, day),
    )
    # An uncorrelated list of the student's groups lets the planner drive from the lesson indexes
    # instead of evaluating the EXISTS above for every lesson of the school.
    candidates = union(
        select(gc.group_id).join(e, e.class_id == gc.class_id).where(e.student_id == student_id),
        select(gm.group_id).where(gm.student_id == student_id),
    )
    return and_(group_id.in_(candidates), or_(by_class, by_membership))


def roster_query(group: Group, day: date) -> Select[tuple[int]]:
    """Student ids on the group's roster on `day`, as one statement."""
    if group.kind == GroupKind.whole_class:
        return (
            select(Enrollment.student_id)
            .join(GroupClass, GroupClass.class_id == Enrollment.class_id)
            .where(GroupClass.group_id == group.id, covers(Enrollment.from_date, Enrollment.to_date, day))
        )
    return select(GroupMembership.student_id).where(
        GroupMembership.group_id == group.id,
        covers(GroupMembership.from_date, GroupMembership.to_date, day),
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
            Enrollment.student_id == student_id, covers(Enrollment.from_date, Enrollment.to_date, day)
        )
    )
