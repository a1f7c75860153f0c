"""Whether a journal write is still allowed: year close, page lock, freeze and edit window (R49–R57).

Every journal write use case calls `check_journal_write` before changing anything; it raises
Locked / OutsideEditWindow, or returns the id of the correction approval that unlocks the write.
Period marks have no lesson of their own, so they call the page-level `check_page_write`.
The system actor (imports, migrations) is bound by the year close only: the window and the locks
are limits on teachers (R50, R54).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, exists, false, or_, select

from core.db.models import (
    AcademicYear,
    CorrectionApproval,
    CorrectionTarget,
    Group,
    Lesson,
    Mark,
    PeriodMark,
    ReportingPeriod,
    Subject,
)
from core.domain.enums import ApprovalDecision, YearStatus
from core.domain.errors import Locked, OutsideEditWindow
from core.policy.edit_window import edit_limit_for
from core.usecases.context import Ctx
from core.usecases.journal.periods import page_locked, period_of


class WriteKind(StrEnum):
    mark_create = "mark_create"
    mark_change = "mark_change"  # change or void of an existing current mark
    attendance = "attendance"
    topic = "topic"
    homework = "homework"
    period_mark = "period_mark"
    makeup = "makeup"


_FROZEN_KINDS = frozenset({WriteKind.mark_create, WriteKind.mark_change, WriteKind.makeup})
_DEFERRAL_OPEN_KINDS = frozenset({WriteKind.makeup, WriteKind.period_mark})  # R54: deferral stays open


@dataclass(frozen=True)
class _Page:
    school_id: int
    group_id: int
    subject_id: int
    day: date


async def check_journal_write(
    ctx: Ctx, lesson: Lesson, kind: WriteKind, *, student_id: int | None = None, mark: Mark | None = None
) -> int | None:
    """Refuse a write that a lock forbids; return the approval id when a correction unlock allows it."""
    if student_id is None and mark is not None:
        student_id = mark.student_id
    page = _Page(lesson.school_id, lesson.group_id, lesson.subject_id, lesson.date)
    year = await _open_year(ctx, page)
    if ctx.principal.is_system:
        return None
    approval_id = await _unlocking_approval(ctx, _lesson_target(lesson, kind, student_id, mark))
    if approval_id is not None:
        return approval_id
    period = await period_of(ctx.session, page.group_id, page.day)
    if period is not None:
        await _check_freeze_and_lock(ctx, page, period, kind, student_id)
    if kind is WriteKind.mark_change and mark is not None:
        limit = edit_limit_for(lesson.date, year.end_date, await ctx.policy(), mark.first_entered_at)
        if ctx.now > limit:
            raise OutsideEditWindow("the mark's edit window has passed", limit=limit, mark_id=mark.id)
    return None


async def check_page_write(
    ctx: Ctx,
    *,
    group_id: int,
    subject_id: int,
    day: date,
    period: ReportingPeriod | None,
    student_id: int,
    period_mark_id: int | None = None,
) -> int | None:
    """The period-mark variant: year close, page lock of `period` (None for year kinds) and unlocks."""
    page = _Page(ctx.actor.school_id, group_id, subject_id, day)
    await _open_year(ctx, page)
    if ctx.principal.is_system:
        return None
    page_lessons = select(Lesson.id).where(Lesson.group_id == group_id, Lesson.subject_id == subject_id)
    target = and_(
        CorrectionTarget.entity_type == "period_mark",
        or_(
            CorrectionTarget.entity_id == period_mark_id if period_mark_id is not None else false(),
            and_(
                CorrectionTarget.entity_id.is_(None),
                CorrectionTarget.student_id == student_id,
                CorrectionTarget.lesson_id.in_(page_lessons),
            ),
        ),
    )
    approval_id = await _unlocking_approval(ctx, target)
    if approval_id is not None:
        return approval_id
    if period is not None:
        await _check_freeze_and_lock(ctx, page, period, WriteKind.period_mark, student_id)
    return None


async def _open_year(ctx: Ctx, page: _Page) -> AcademicYear:
    year = await ctx.session.scalar(
        select(AcademicYear).where(
            AcademicYear.school_id == page.school_id,
            AcademicYear.start_date <= page.day,
            AcademicYear.end_date >= page.day,
        )
    )
    if (
        year is None
        or year.status in (YearStatus.closed, YearStatus.archived)
        or (await ctx.today()) > year.end_date
    ):
        raise Locked("the academic year is closed", rule="R57", lock="year")
    return year


def _lesson_target(
    lesson: Lesson, kind: WriteKind, student_id: int | None, mark: Mark | None
) -> ColumnElement[bool]:
    """The CorrectionTarget rows that unlock exactly this write (R56)."""
    if kind in (WriteKind.mark_change, WriteKind.mark_create, WriteKind.makeup):
        if mark is not None:
            return and_(CorrectionTarget.entity_type == "mark", CorrectionTarget.entity_id == mark.id)
        return and_(
            CorrectionTarget.entity_type == "mark",
            CorrectionTarget.entity_id.is_(None),
            CorrectionTarget.lesson_id == lesson.id,
            CorrectionTarget.student_id == student_id,
        )
    if kind is WriteKind.period_mark:
        return and_(
            CorrectionTarget.entity_type == "period_mark",
            CorrectionTarget.student_id == student_id,
            CorrectionTarget.lesson_id == lesson.id,
        )
    return and_(
        CorrectionTarget.entity_type == "lesson",
        or_(CorrectionTarget.entity_id == lesson.id, CorrectionTarget.lesson_id == lesson.id),
    )


async def _unlocking_approval(ctx: Ctx, target: ColumnElement[bool]) -> int | None:
    """An approved correction still inside its unlock that names this entity; marks its target used."""
    row = (
        await ctx.session.execute(
            select(CorrectionApproval.id, CorrectionTarget)
            .join(CorrectionTarget, CorrectionTarget.approval_id == CorrectionApproval.id)
            .where(
                CorrectionApproval.school_id == ctx.actor.school_id,
                CorrectionApproval.decision == ApprovalDecision.approved,
                CorrectionApproval.unlock_until > ctx.now,
                target,
            )
            .order_by(CorrectionApproval.unlock_until.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    approval_id, used = row
    if used.used_at is None:
        used.used_at = ctx.now
    return int(approval_id)


async def _check_freeze_and_lock(
    ctx: Ctx, page: _Page, period: ReportingPeriod, kind: WriteKind, student_id: int | None
) -> None:
    if kind in _FROZEN_KINDS and student_id is not None:
        frozen = await ctx.session.scalar(
            select(
                exists().where(
                    PeriodMark.student_id == student_id,
                    PeriodMark.subject_id == page.subject_id,
                    PeriodMark.active_for_period(period.id),
                )
            )
        )
        if frozen:
            raise Locked(
                "the student's period mark freezes the period",
                rule="R53",
                lock="freeze",
                student_id=student_id,
                period_id=period.id,
            )
    group = await ctx.session.get(Group, page.group_id)
    subject = await ctx.session.get(Subject, page.subject_id)
    assert group is not None
    assert subject is not None
    state = await page_locked(ctx, group, subject, period)
    if state is None:
        return
    if kind in _DEFERRAL_OPEN_KINDS and student_id in state.deferred:
        return
    raise Locked("the journal page is locked", rule="R54", lock="page", period_id=period.id)
