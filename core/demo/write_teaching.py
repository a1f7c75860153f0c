"""Phase 3: teaching load, the timetable, КТП with the control-work schedule, and the journal's weeks."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from core.db.models import (
    AssessmentScheduleItem,
    Assignment,
    Attendance,
    Homework,
    Lesson,
    Mark,
    ThematicPlan,
    ThematicPlanItem,
    TimetableEntry,
)
from core.demo.catalog import SUBJECTS_BY_KEY, WORK_TYPE_BY_FORM, weeks_in
from core.demo.history import EntrySeed, Window, plan_lessons
from core.demo.journal import Journal
from core.demo.seeding import Seeding
from core.demo.timetable import Placement
from core.demo.topics import TopicSpec, year_plan
from core.domain.enums import PlanStatus

Schedule = dict[tuple[int, int], list[tuple[date, EntrySeed]]]
PlanItems = dict[tuple[int, int], list[tuple[int, TopicSpec]]]
UNGRADED_GRADES = frozenset({1})


def _grade_of(ctx: Seeding) -> dict[str, int]:
    grades = {c.name: c.grade for c in ctx.plan.classes}
    return {g.name: grades[g.class_name] for g in ctx.plan.groups.values()}


async def write_timetable(ctx: Seeding, placements: list[Placement]) -> list[EntrySeed]:
    """Assignments for every taught group × subject from the year start, then the weekly entries."""
    w, sid, start = ctx.writer, ctx.school_id, ctx.year.start
    await w.add(
        Assignment,
        [
            {
                "school_id": sid,
                "staff_id": ctx.staff_ids[teacher],
                "group_id": ctx.group_ids[group],
                "subject_id": ctx.subject_ids[subject],
                "from_date": start,
                "hours_per_week": Decimal(hours),
                "is_primary": True,
                "created_by": ctx.coordinator_account,
            }
            for (group, subject), (teacher, hours) in ctx.plan.teaching.items()
        ],
    )
    grade_of = _grade_of(ctx)
    parts = sorted(
        ((p.weekday, p.slot, part.group, p.unit.subject, part) for p in placements for part in p.unit.parts),
        key=lambda x: x[:4],
    )
    rows = [
        {
            "school_id": sid,
            "year_id": ctx.year_id,
            "group_id": ctx.group_ids[group],
            "subject_id": ctx.subject_ids[subject],
            "weekday": weekday,
            "bell_slot_id": ctx.slots[slot][0],
            "room_id": ctx.room_ids[part.room],
            "teacher_staff_id": ctx.staff_ids[part.teacher],
            "valid_from": start,
            "created_by": ctx.coordinator_account,
        }
        for weekday, slot, group, subject, part in parts
    ]
    ids = await w.add_ids(TimetableEntry, rows)
    return [
        EntrySeed(
            entry_id=entry_id,
            group_id=row["group_id"],
            subject_id=row["subject_id"],
            subject=subject,
            grade=grade_of[group],
            weekday=weekday,
            slot_id=row["bell_slot_id"],
            slot=slot,
            start=ctx.slots[slot][1],
            end=ctx.slots[slot][2],
            teacher_id=row["teacher_staff_id"],
            account_id=ctx.account_ids[part.teacher],
            room_id=row["room_id"],
        )
        for entry_id, row, (weekday, slot, group, subject, part) in zip(ids, rows, parts, strict=True)
    ]


async def write_plans(ctx: Seeding, schedule: Schedule) -> PlanItems:
    """An approved КТП per group × subject laid over the year's lesson dates, and its control works."""
    w, sid = ctx.writer, ctx.school_id
    grade_of = _grade_of(ctx)
    keys = list(ctx.plan.teaching.items())
    plan_ids = await w.add_ids(
        ThematicPlan,
        [
            {
                "school_id": sid,
                "teacher_staff_id": ctx.staff_ids[teacher],
                "subject_id": ctx.subject_ids[subject],
                "group_id": ctx.group_ids[group],
                "grade": grade_of[group],
                "year_id": ctx.year_id,
                "status": PlanStatus.approved,
                "created_by": ctx.account_ids[teacher],
            }
            for (group, subject), (teacher, _) in keys
        ],
    )
    rows: list[dict[str, Any]] = []
    owners: list[tuple[tuple[int, int], TopicSpec, str]] = []
    for plan_id, ((group, subject), (teacher, hours)) in zip(plan_ids, keys, strict=True):
        grade = grade_of[group]
        key = (ctx.group_ids[group], ctx.subject_ids[subject])
        dates = [d for d, _ in schedule.get(key, [])]
        topics = year_plan(subject, grade, hours * weeks_in(grade), graded=grade not in UNGRADED_GRADES)
        for seq, topic in enumerate(topics):
            day = dates[seq] if seq < len(dates) else None
            rows.append(
                {
                    "school_id": sid,
                    "plan_id": plan_id,
                    "seq": seq + 1,
                    "topic": topic.topic,
                    "hours": 1,
                    "planned_week": ctx.year.week_of(day) if day else seq // hours + 1,
                    "planned_date": day,
                    "is_control_work": topic.is_control_work,
                    "control_form": topic.control_form,
                }
            )
            owners.append((key, topic, teacher))
    item_ids = await w.add_ids(ThematicPlanItem, rows)
    items: PlanItems = defaultdict(list)
    schedule_rows = []
    for item_id, row, (key, topic, teacher) in zip(item_ids, rows, owners, strict=True):
        items[key].append((item_id, topic))
        if topic.is_control_work and row["planned_date"] is not None and topic.control_form:
            schedule_rows.append(
                {
                    "school_id": sid,
                    "group_id": key[0],
                    "subject_id": key[1],
                    "date": row["planned_date"],
                    "work_type_id": ctx.work_type_ids[WORK_TYPE_BY_FORM[topic.control_form]],
                    "control_form": topic.control_form,
                    "is_internal_control": topic.control_form.endswith("ВШК"),
                    "published_at": ctx.at(ctx.year.start, 12),
                    "created_by": ctx.account_ids[teacher],
                }
            )
    await w.add(AssessmentScheduleItem, schedule_rows)
    return items


async def write_journal(ctx: Seeding, schedule: Schedule, items: PlanItems, span: Window) -> None:
    """Held lessons in the past weeks with attendance, marks and homework; planned ones ahead."""
    w = ctx.writer
    scales = {s.key: s.scale or "five_point" for s in SUBJECTS_BY_KEY.values()}
    journal = Journal(ctx.rng("journal"), ctx.school_id, ctx.tz, ctx.work_type_ids, scales, UNGRADED_GRADES)
    lessons = plan_lessons(schedule, items, span)
    lesson_ids = await w.add_ids(Lesson, journal.lesson_rows(lessons))
    past = [span.first + timedelta(days=i) for i in range((span.today - span.first).days)]
    days_by_grade = {g: [d for d in past if ctx.year.is_school_day(d, g)] for g in range(1, 12)}
    grade_of = {c.name: c.grade for c in ctx.plan.classes}
    pupils = list(zip(ctx.students, ctx.student_ids, strict=True))
    absences = journal.absences({i: grade_of[s.class_name] for s, i in pupils}, days_by_grade, span.today)
    tutors = {i: ctx.account_ids[ctx.plan.form_tutors[s.class_name]] for s, i in pupils}
    abilities = {i: s.ability for s, i in pupils}
    attendance, marks, homework = journal.journal_rows(
        lessons, lesson_ids, ctx.rosters, absences, abilities, tutors
    )
    await w.add(Attendance, attendance)
    await w.add(Mark, marks)
    await w.add(Homework, homework)


def school_days(ctx: Seeding, span: Window) -> list[date]:
    """Days in the past part of the window when most classes had lessons."""
    days = [span.first + timedelta(days=i) for i in range((span.today - span.first).days)]
    return [d for d in days if ctx.year.is_school_day(d, 5)]
