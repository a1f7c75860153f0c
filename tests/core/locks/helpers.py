"""Shared steps of the lock tests: current marks inserted directly, and tiny writes through the lock check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.audit.snapshot import snapshot
from core.db.models import (
    AuditEvent,
    Lesson,
    Mark,
    NotificationOutbox,
    PeriodMark,
)
from core.domain.enums import AuditAction, PeriodMarkKind
from core.usecases.access import require_lesson_write
from core.usecases.context import Ctx, execute
from core.usecases.journal.locks import WriteKind, check_journal_write
from core.usecases.journal.period_marks import PeriodMarkSaved, set_period_mark
from tests.builders import SpecSchool, msk


async def add_mark(
    b: SpecSchool,
    lesson_id: int,
    student: str,
    value: str = "4",
    *,
    work_type: str = "oral",
    at: datetime | None = None,
) -> int:
    """A current mark entered by T, written straight into the table (record_mark is another area)."""
    at = at or msk(2025, 10, 8, 15)
    async with b.sessionmaker() as s:
        mark = Mark(
            school_id=b.school_id,
            student_id=b.student_ids[student],
            lesson_id=lesson_id,
            work_type_id=b.work_type_ids[work_type],
            value_code=value,
            entered_by=b.account_ids["T"],
            entered_at=at,
            first_entered_at=at,
        )
        s.add(mark)
        await s.commit()
        return mark.id


async def _change_mark(ctx: Ctx, mark_id: int, value: str) -> int | None:
    mark = await ctx.session.get(Mark, mark_id)
    assert mark is not None
    lesson = await ctx.session.get(Lesson, mark.lesson_id)
    assert lesson is not None
    await require_lesson_write(ctx, lesson)
    approval_id = await check_journal_write(ctx, lesson, WriteKind.mark_change, mark=mark)
    before = snapshot(mark)
    mark.value_code = value
    mark.approval_id = approval_id
    await ctx.session.flush()
    await ctx.audit(
        AuditAction.update, "mark", mark.id, before=before, after=snapshot(mark), approval_id=approval_id
    )
    return approval_id


async def change_mark(b: SpecSchool, who: str, at: datetime, mark_id: int, value: str = "5") -> int | None:
    """Change a mark the way a journal use case does: scope, then `check_journal_write`, then write."""
    return await execute(b.sessionmaker, b.actor(who, at=at), _change_mark, mark_id, value)


async def _write(ctx: Ctx, lesson_id: int, kind: WriteKind, student_id: int | None) -> int | None:
    lesson = await ctx.session.get(Lesson, lesson_id)
    assert lesson is not None
    await require_lesson_write(ctx, lesson)
    return await check_journal_write(ctx, lesson, kind, student_id=student_id)


async def lesson_write(
    b: SpecSchool, who: str, at: datetime, lesson_id: int, kind: WriteKind, student: str | None = None
) -> int | None:
    """Only the lock decision of a lesson write (attendance, topic, new mark, make-up)."""
    student_id = b.student_ids[student] if student else None
    return await execute(b.sessionmaker, b.actor(who, at=at), _write, lesson_id, kind, student_id)


async def period_mark(
    b: SpecSchool,
    who: str,
    at: datetime,
    student: str,
    value: str,
    *,
    subject: str = "maths",
    group: str = "5А",
    kind: PeriodMarkKind = PeriodMarkKind.period,
    **kw: Any,
) -> PeriodMarkSaved:
    period_id = b.q1 if kind is PeriodMarkKind.period else None
    return await execute(
        b.sessionmaker,
        b.actor(who, at=at),
        set_period_mark,
        student_id=b.student_ids[student],
        group_id=b.group_ids[group],
        subject_id=b.subject_ids[subject],
        period_id=period_id,
        kind=kind,
        value_code=value,
        **kw,
    )


async def mark_value(b: SpecSchool, mark_id: int) -> str:
    async with b.sessionmaker() as s:
        mark = await s.get(Mark, mark_id)
        assert mark is not None
        return mark.value_code


async def period_marks(b: SpecSchool, **where: Any) -> list[PeriodMark]:
    async with b.sessionmaker() as s:
        query = select(PeriodMark).where(PeriodMark.school_id == b.school_id).filter_by(**where)
        return list(await s.scalars(query.order_by(PeriodMark.id)))


async def audit_events(
    b: SpecSchool, entity_type: str, action: AuditAction | None = None
) -> list[AuditEvent]:
    async with b.sessionmaker() as s:
        query = select(AuditEvent).where(
            AuditEvent.school_id == b.school_id, AuditEvent.entity_type == entity_type
        )
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return list(await s.scalars(query.order_by(AuditEvent.seq)))


async def outbox(b: SpecSchool, event_type: str) -> list[NotificationOutbox]:
    async with b.sessionmaker() as s:
        query = select(NotificationOutbox).where(
            NotificationOutbox.school_id == b.school_id, NotificationOutbox.event_type == event_type
        )
        return list(await s.scalars(query.order_by(NotificationOutbox.id)))
