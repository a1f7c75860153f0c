"""Phase 1: built-in scales, the school, its year and calendar, bells, buildings, work types, curriculum."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from sqlalchemy import func, select

from core.catalog import DEFAULT_WORK_TYPES, ensure_builtin_scales
from core.db.models import (
    AcademicYear,
    BellSchedule,
    BellSlot,
    Building,
    CalendarDay,
    CurriculumPlan,
    GradingScale,
    Holiday,
    Parallel,
    PeriodScheme,
    ReportingPeriod,
    Room,
    ScaleValue,
    School,
    SchoolPolicyRecord,
    Subject,
    SubjectRoom,
    WorkRegime,
    WorkType,
)
from core.demo.catalog import GRADES, SUBJECTS, curriculum, weeks_in
from core.demo.seeding import TIMEZONE, Seeding
from core.domain.enums import CalendarDayKind, EducationLevel, PeriodKind, YearStatus

SCHOOL_NAME = "МБОУ «Средняя общеобразовательная школа № 7»"
SCHOOL_HEADER = (
    "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 7» "
    "городского округа «Город Энск»"
)
BUILDINGS = {
    "main": ("Основное здание", "ул. Школьная, д. 7, г. Энск"),
    "primary": ("Корпус начальной школы", "ул. Школьная, д. 9, г. Энск"),
}
# 45-minute lessons; the long breaks after the 2nd and 3rd lessons are for meals.
BELLS = ((8, 30), (9, 25), (10, 30), (11, 35), (12, 30), (13, 25), (14, 20), (15, 15))
LESSON_MINUTES = 45


async def write_scales(ctx: Seeding) -> None:
    """The §10 scales are global rows (no school): core.catalog creates the missing ones once."""
    session = ctx.writer.session
    before = await _global_scale_rows(ctx)
    ctx.scale_ids = await ensure_builtin_scales(session)
    after = await _global_scale_rows(ctx)
    for table in after:
        if after[table] > before[table]:
            ctx.writer.counts[table] += after[table] - before[table]


async def _global_scale_rows(ctx: Seeding) -> dict[str, int]:
    global_ids = select(GradingScale.id).where(GradingScale.school_id.is_(None))
    session = ctx.writer.session
    return {
        "grading_scale": await session.scalar(select(func.count()).select_from(global_ids.subquery())) or 0,
        "scale_value": await session.scalar(
            select(func.count()).select_from(ScaleValue).where(ScaleValue.scale_id.in_(global_ids))
        )
        or 0,
    }


async def write_school(ctx: Seeding) -> None:
    w = ctx.writer
    (ctx.school_id,) = await w.add_ids(
        School,
        [
            {
                "name": SCHOOL_NAME,
                "short_name": "МБОУ СОШ № 7",
                "municipality": "Городской округ «Город Энск»",
                "address": BUILDINGS["main"][1],
                "print_header": SCHOOL_HEADER,
                "slug": ctx.slug,
            }
        ],
    )
    # Every §4.12 default; the time zone is a policy setting, written out because the demo depends on it.
    await w.add(SchoolPolicyRecord, [{"school_id": ctx.school_id, "data": {"timezone": TIMEZONE}}])


async def write_calendar(ctx: Seeding) -> None:
    w, sid, year = ctx.writer, ctx.school_id, ctx.year
    (ctx.year_id,) = await w.add_ids(
        AcademicYear,
        [
            {
                "school_id": sid,
                "title": year.title,
                "start_date": year.start,
                "teaching_end_date": year.teaching_end,
                "end_date": year.end,
                "status": YearStatus.active,
            }
        ],
    )
    schemes = (
        (PeriodKind.quarter, "Четверти (1–9 классы)", list(range(1, 10)), year.quarters),
        (PeriodKind.half_year, "Полугодия (10–11 классы)", [10, 11], year.half_years),
    )
    scheme_ids = await w.add_ids(
        PeriodScheme,
        [
            {"school_id": sid, "year_id": ctx.year_id, "kind": k, "name": n, "grades": g}
            for k, n, g, _ in schemes
        ],
    )
    periods = []
    for scheme_id, (_, _, grades, scheme_periods) in zip(scheme_ids, schemes, strict=True):
        ctx.scheme_for_grade.update(dict.fromkeys(grades, scheme_id))
        periods += [
            {
                "school_id": sid,
                "scheme_id": scheme_id,
                "seq": p.seq,
                "name": p.name,
                "start_date": p.start,
                "end_date": p.end,
            }
            for p in scheme_periods
        ]
    await w.add(ReportingPeriod, periods)
    await w.add(
        Holiday,
        [
            {
                "school_id": sid,
                "year_id": ctx.year_id,
                "type": h.type,
                "name": h.name,
                "start_date": h.start,
                "end_date": h.end,
                "grades": list(h.grades),
            }
            for h in year.holidays
        ],
    )
    await w.add(
        CalendarDay,
        [
            {
                "school_id": sid,
                "year_id": ctx.year_id,
                "day": d.day,
                "kind": CalendarDayKind.non_working,
                "note": d.note,
            }
            for d in year.days_off
        ],
    )


async def write_bells(ctx: Seeding) -> None:
    w, sid = ctx.writer, ctx.school_id
    (schedule_id,) = await w.add_ids(
        BellSchedule, [{"school_id": sid, "year_id": ctx.year_id, "name": "Основное расписание звонков"}]
    )
    slots = []
    for number, (hour, minute) in enumerate(BELLS, start=1):
        end = hour * 60 + minute + LESSON_MINUTES
        slots.append((number, time(hour, minute), time(end // 60, end % 60)))
    ids = await w.add_ids(
        BellSlot,
        [
            {"school_id": sid, "schedule_id": schedule_id, "number": n, "start_time": s, "end_time": e}
            for n, s, e in slots
        ],
    )
    ctx.slots = {n: (i, s, e) for i, (n, s, e) in zip(ids, slots, strict=True)}
    (ctx.regime_id,) = await w.add_ids(
        WorkRegime,
        [
            {
                "school_id": sid,
                "name": "Пятидневная учебная неделя, первая смена",
                "days_per_week": 5,
                "shift": 1,
                "bell_schedule_id": schedule_id,
            }
        ],
    )


async def write_rooms(ctx: Seeding) -> None:
    w, sid = ctx.writer, ctx.school_id
    keys = list(BUILDINGS)
    ids = await w.add_ids(
        Building, [{"school_id": sid, "name": BUILDINGS[k][0], "address": BUILDINGS[k][1]} for k in keys]
    )
    building_ids = dict(zip(keys, ids, strict=True))
    rooms = list(ctx.plan.rooms.values())
    extra = [("АЗ", "Актовый зал", 200), ("БИБ", "Библиотека", 30), ("ПС", "Кабинет педагога-психолога", 8)]
    rows = [
        {
            "school_id": sid,
            "building_id": building_ids[r.building],
            "number": r.number,
            "name": r.name,
            "capacity": r.capacity,
        }
        for r in rooms
    ]
    rows += [
        {"school_id": sid, "building_id": building_ids["main"], "number": n, "name": name, "capacity": c}
        for n, name, c in extra
    ]
    ids = await w.add_ids(Room, rows)
    ctx.room_ids = {r.key: i for r, i in zip(rooms, ids[: len(rooms)], strict=True)}  # then the extra rooms


async def write_catalogue(ctx: Seeding) -> None:
    """Work types (§10.4), subjects with their rooms, parallels and the curriculum per grade."""
    w, sid = ctx.writer, ctx.school_id
    work_ids = await w.add_ids(
        WorkType,
        [
            {
                "school_id": sid,
                "code": t.code,
                "name": t.name,
                "short_name": t.short_name,
                "weight": t.weight,
                "deadline_rule": t.deadline_rule,
                "is_written": t.is_written,
                "is_internal_control": t.is_internal_control,
                "long_check": t.deadline_rule != "same_day",
                "title_required": t.title_required,
            }
            for t in DEFAULT_WORK_TYPES
        ],
    )
    ctx.work_type_ids = {t.code: i for t, i in zip(DEFAULT_WORK_TYPES, work_ids, strict=True)}
    subject_ids = await w.add_ids(
        Subject,
        [
            {
                "school_id": sid,
                "name": s.name,
                "short_name": s.short_name,
                "grading_scale_id": ctx.scale_ids[s.scale] if s.scale else None,
            }
            for s in SUBJECTS
        ],
    )
    ctx.subject_ids = {s.key: i for s, i in zip(SUBJECTS, subject_ids, strict=True)}
    used = sorted({(u.subject, p.room) for u in ctx.plan.units for p in u.parts})
    await w.add(
        SubjectRoom,
        [{"school_id": sid, "subject_id": ctx.subject_ids[s], "room_id": ctx.room_ids[r]} for s, r in used],
    )
    parallel_ids = await w.add_ids(
        Parallel,
        [{"school_id": sid, "grade": g, "level": _level(g), "grading_scale_id": None} for g in GRADES],
    )
    ctx.parallel_ids = dict(zip(GRADES, parallel_ids, strict=True))
    await w.add(
        CurriculumPlan,
        [
            {
                "school_id": sid,
                "year_id": ctx.year_id,
                "subject_id": ctx.subject_ids[s.key],
                "grade": g,
                "hours_per_week": Decimal(h),
                "hours_per_year": h * weeks_in(g),
                "ungraded": g == 1,  # безотметочное обучение in the first form (R64)
            }
            for g in GRADES
            for s, h in curriculum(g)
        ],
    )


def _level(grade: int) -> EducationLevel:
    if grade <= 4:
        return EducationLevel.primary
    return EducationLevel.basic if grade <= 9 else EducationLevel.secondary
