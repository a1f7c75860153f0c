"""Dated lessons from the weekly timetable over the working calendar (§3.3, R3, R22).

One pass: entries, holidays, calendar exceptions, work regimes and grades are loaded once, existing
(entry, date) pairs are skipped, and the rest is inserted in bulk. Running it again inserts nothing.
A transferred working day (CalendarDay `working`) gets the lessons of the weekday it stands in for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta

from sqlalchemy import insert, select

from core.db.models import (
    AcademicYear,
    CalendarDay,
    Enrollment,
    Group,
    GroupClass,
    Holiday,
    IndividualCurriculum,
    Lesson,
    Parallel,
    SchoolClass,
    TimetableEntry,
    WorkRegime,
)
from core.domain.enums import AuditAction, CalendarDayKind, LessonStatus
from core.domain.errors import InvalidInput
from core.usecases.access import require_role
from core.usecases.context import Ctx
from core.usecases.roster import covers
from core.usecases.timetable.timetable import SCHEDULERS


async def _group_facts(
    ctx: Ctx, group_ids: set[int], day: date, default_days: frozenset[int]
) -> tuple[dict[int, set[int]], dict[int, frozenset[int]]]:
    """Grades and working weekdays per group (group regime, else its class's, else the school's)."""
    grades: dict[int, set[int]] = defaultdict(set)
    class_regime: dict[int, int | None] = {}
    rows = await ctx.session.execute(
        select(GroupClass.group_id, Parallel.grade, SchoolClass.work_regime_id)
        .join(SchoolClass, SchoolClass.id == GroupClass.class_id)
        .join(Parallel, Parallel.id == SchoolClass.parallel_id)
        .where(GroupClass.group_id.in_(group_ids))
    )
    for group_id, grade, regime_id in rows:
        grades[group_id].add(grade)
        class_regime.setdefault(group_id, regime_id)
    # An ИУП group may have no class link: its student's class on `day` gives the grade (R22).
    iup_rows = await ctx.session.execute(
        select(Group.id, Parallel.grade, SchoolClass.work_regime_id)
        .join(IndividualCurriculum, IndividualCurriculum.id == Group.individual_curriculum_id)
        .join(Enrollment, Enrollment.student_id == IndividualCurriculum.student_id)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .join(Parallel, Parallel.id == SchoolClass.parallel_id)
        .where(Group.id.in_(group_ids), covers(Enrollment.from_date, Enrollment.to_date, day))
    )
    for group_id, grade, regime_id in iup_rows:
        grades[group_id].add(grade)
        class_regime.setdefault(group_id, regime_id)
    own_regime = dict(
        (
            await ctx.session.execute(select(Group.id, Group.work_regime_id).where(Group.id.in_(group_ids)))
        ).all()
    )
    regimes = dict(
        (
            await ctx.session.execute(
                select(WorkRegime.id, WorkRegime.days_per_week).where(
                    WorkRegime.school_id == ctx.actor.school_id
                )
            )
        ).all()
    )
    workdays: dict[int, frozenset[int]] = {}
    for group_id in group_ids:
        regime_id = own_regime.get(group_id) or class_regime.get(group_id)
        days = regimes.get(regime_id) if regime_id is not None else None
        workdays[group_id] = frozenset(range(days)) if days else default_days
    return grades, workdays


async def materialise_lessons(
    ctx: Ctx, *, date_from: date, date_to: date, group_ids: Collection[int] | None = None
) -> int:
    """Create the dated lessons of [date_from, date_to] from the timetable; returns how many were new."""
    require_role(ctx, *SCHEDULERS, rule="§2.3", entity="lesson")
    if date_to < date_from:
        raise InvalidInput("date_to before date_from", rule="§3.3", field="date_to")
    sid = ctx.actor.school_id
    query = select(TimetableEntry).where(
        TimetableEntry.school_id == sid,
        TimetableEntry.valid_from <= date_to,
        (TimetableEntry.valid_to.is_(None)) | (TimetableEntry.valid_to >= date_from),
    )
    if group_ids is not None:
        query = query.where(TimetableEntry.group_id.in_(list(group_ids)))
    entries = list(await ctx.session.scalars(query))
    if not entries:
        return 0
    years = {
        y.id: y for y in await ctx.session.scalars(select(AcademicYear).where(AcademicYear.school_id == sid))
    }
    holidays = list(
        await ctx.session.scalars(
            select(Holiday).where(
                Holiday.school_id == sid, Holiday.start_date <= date_to, Holiday.end_date >= date_from
            )
        )
    )
    non_working = set(
        await ctx.session.scalars(
            select(CalendarDay.day).where(
                CalendarDay.school_id == sid,
                CalendarDay.kind == CalendarDayKind.non_working,
                CalendarDay.day.between(date_from, date_to),
            )
        )
    )
    stands_in = dict(
        (
            await ctx.session.execute(
                select(CalendarDay.day, CalendarDay.timetable_weekday).where(
                    CalendarDay.school_id == sid,
                    CalendarDay.kind == CalendarDayKind.working,
                    CalendarDay.timetable_weekday.is_not(None),
                    CalendarDay.day.between(date_from, date_to),
                )
            )
        ).all()
    )
    policy = await ctx.policy()
    grades, workdays = await _group_facts(
        ctx, {e.group_id for e in entries}, date_from, frozenset(policy.working_weekdays)
    )
    existing = {
        (entry_id, day)
        for entry_id, day in await ctx.session.execute(
            select(Lesson.timetable_entry_id, Lesson.date).where(
                Lesson.timetable_entry_id.in_([e.id for e in entries]),
                Lesson.date.between(date_from, date_to),
            )
        )
    }

    def on_holiday(day: date, group_id: int) -> bool:
        return any(
            h.start_date <= day <= h.end_date and (not h.grades or bool(set(h.grades) & grades[group_id]))
            for h in holidays
        )

    rows = []
    for entry in entries:
        year = years[entry.year_id]
        first = max(date_from, entry.valid_from, year.start_date)
        last = min(date_to, entry.valid_to or date_to, year.teaching_end_date)
        weekly = first + timedelta(days=(entry.weekday - first.weekday()) % 7)
        days = [weekly + timedelta(days=7 * n) for n in range(max(0, (last - weekly).days // 7 + 1))]
        days += [d for d, weekday in stands_in.items() if weekday == entry.weekday and first <= d <= last]
        for day in days:
            if (
                (entry.id, day) not in existing
                and entry.weekday in workdays[entry.group_id]
                and day not in non_working
                and not on_holiday(day, entry.group_id)
            ):
                rows.append(
                    {
                        "school_id": sid,
                        "timetable_entry_id": entry.id,
                        "date": day,
                        "bell_slot_id": entry.bell_slot_id,
                        "group_id": entry.group_id,
                        "subject_id": entry.subject_id,
                        "scheduled_teacher_id": entry.teacher_staff_id,
                        "actual_teacher_id": entry.teacher_staff_id,
                        "room_id": entry.room_id,
                        "status": LessonStatus.planned,
                        "version": 1,
                        "created_at": ctx.now,
                        "updated_at": ctx.now,
                    }
                )
    if rows:
        await ctx.session.execute(insert(Lesson), rows)
        await ctx.audit(
            AuditAction.create,
            "lesson_batch",
            None,
            after={"count": len(rows), "date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
        )
    return len(rows)
